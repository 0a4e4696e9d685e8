"""The vocabulary of Scenes: classes, hypernyms, synonyms, colours, backgrounds, verbs, relations."""

from __future__ import annotations

HYPERNYMS: dict[str, str] = {
    "bird": "animal", "owl": "animal", "dog": "animal", "cat": "animal", "rabbit": "animal",
    "fish": "animal",
    "tree": "plant", "flower": "plant", "cactus": "plant",
    "boat": "vehicle", "plane": "vehicle", "car": "vehicle", "balloon": "vehicle",
    "ball": "toy", "frisbee": "toy", "kite": "toy",
    "guitar": "instrument", "drum": "instrument",
}
CLASSES: list[str] = list(HYPERNYMS)

# Nouns for each class; the first is the class name and is used about half the time.
SYNONYMS: dict[str, list[str]] = {
    "bird": ["bird", "birdie", "songbird"],
    "owl": ["owl", "owlet"],
    "dog": ["dog", "puppy", "doggy"],
    "cat": ["cat", "kitty", "kitten"],
    "rabbit": ["rabbit", "bunny"],
    "fish": ["fish", "tropical fish"],
    "tree": ["tree"],
    "flower": ["flower", "blossom"],
    "cactus": ["cactus"],
    "boat": ["boat", "ship", "sailboat"],
    "plane": ["plane", "airplane", "aeroplane", "jet"],
    "car": ["car", "automobile"],
    "balloon": ["balloon", "hot air balloon"],
    "ball": ["ball"],
    "frisbee": ["frisbee", "flying disc"],
    "kite": ["kite"],
    "guitar": ["guitar"],
    "drum": ["drum"],
}
# How captions name each hypernym ("an animal", "a musical instrument").
HYPERNYM_NOUNS: dict[str, list[str]] = {
    "animal": ["animal"], "plant": ["plant"], "vehicle": ["vehicle"], "toy": ["toy"],
    "instrument": ["instrument", "musical instrument"],
}
PLURALS: dict[str, str] = {
    "fish": "fish", "puppy": "puppies", "doggy": "doggies",
    "kitty": "kitties", "bunny": "bunnies", "birdie": "birdies", "cactus": "cacti",
    "owlet": "owlets",
}

# Basic colour terms, each with several RGB shades (a small random jitter is added per object).
COLOURS: dict[str, list[tuple[int, int, int]]] = {
    "red": [(214, 30, 30), (190, 20, 40), (236, 58, 48)],
    "orange": [(247, 138, 20), (232, 110, 18), (255, 162, 58)],
    "yellow": [(250, 218, 30), (238, 198, 18), (255, 236, 90)],
    "green": [(40, 168, 60), (96, 200, 70), (22, 124, 48)],
    "blue": [(30, 78, 220), (44, 120, 232), (22, 48, 168)],
    "purple": [(128, 48, 178), (152, 82, 204), (98, 30, 138)],
    "pink": [(246, 128, 178), (250, 162, 202), (228, 96, 158)],
    "brown": [(140, 82, 40), (116, 68, 34), (164, 102, 56)],
    "black": [(24, 24, 24), (40, 40, 46), (14, 14, 20)],
    "white": [(246, 246, 246), (250, 250, 238), (234, 234, 242)],
    "grey": [(128, 128, 128), (152, 152, 152), (104, 104, 110)],
}
COLOUR_NAMES: list[str] = list(COLOURS)
SIZE_WORDS: dict[str, list[str]] = {"small": ["small", "little"], "medium": [], "large": ["large", "big"]}

BACKGROUNDS: list[str] = ["sky", "field", "water", "jungle", "night", "desert", "snow"]

# Verb morphology: base -> (third person singular, -ing form, past tense).
VERBS: dict[str, tuple[str, str, str]] = {
    "fly": ("flies", "flying", "flew"),
    "soar": ("soars", "soaring", "soared"),
    "glide": ("glides", "gliding", "glided"),
    "perch": ("perches", "perching", "perched"),
    "sit": ("sits", "sitting", "sat"),
    "run": ("runs", "running", "ran"),
    "play": ("plays", "playing", "played"),
    "sleep": ("sleeps", "sleeping", "slept"),
    "hop": ("hops", "hopping", "hopped"),
    "swim": ("swims", "swimming", "swam"),
    "grow": ("grows", "growing", "grew"),
    "stand": ("stands", "standing", "stood"),
    "bloom": ("blooms", "blooming", "bloomed"),
    "float": ("floats", "floating", "floated"),
    "sail": ("sails", "sailing", "sailed"),
    "drive": ("drives", "driving", "drove"),
    "drift": ("drifts", "drifting", "drifted"),
    "lie": ("lies", "lying", "lay"),
    "roll": ("rolls", "rolling", "rolled"),
    "rest": ("rests", "resting", "rested"),
}

# What each class does, and where that puts it: "air" (upper part), "ground" (below the horizon),
# "water" (on the water surface) or "underwater".
CLASS_ACTIONS: dict[str, list[tuple[str, str]]] = {
    "bird": [("fly", "air"), ("soar", "air"), ("perch", "ground"), ("sit", "ground")],
    "owl": [("perch", "ground"), ("sit", "ground"), ("fly", "air")],
    "dog": [("run", "ground"), ("sit", "ground"), ("play", "ground")],
    "cat": [("sit", "ground"), ("sleep", "ground"), ("play", "ground")],
    "rabbit": [("hop", "ground"), ("sit", "ground")],
    "fish": [("swim", "underwater")],
    "tree": [("grow", "ground"), ("stand", "ground")],
    "flower": [("grow", "ground"), ("bloom", "ground")],
    "cactus": [("grow", "ground"), ("stand", "ground")],
    "boat": [("float", "water"), ("sail", "water")],
    "plane": [("fly", "air"), ("soar", "air"), ("glide", "air")],
    "car": [("drive", "ground"), ("stand", "ground")],
    "balloon": [("float", "air"), ("drift", "air"), ("fly", "air")],
    "ball": [("lie", "ground"), ("roll", "ground"), ("fly", "air"), ("float", "water")],
    "frisbee": [("fly", "air"), ("glide", "air"), ("lie", "ground")],
    "kite": [("fly", "air"), ("soar", "air")],
    "guitar": [("lie", "ground"), ("rest", "ground")],
    "drum": [("stand", "ground"), ("rest", "ground")],
}

# Which classes show up on which background (relative weights): the scenes' plausibility.
BACKGROUND_CLASSES: dict[str, dict[str, float]] = {
    "sky": {"bird": 4, "plane": 4, "kite": 3, "balloon": 3, "frisbee": 1, "owl": 0.5, "ball": 0.3},
    "field": {"dog": 3, "cat": 2, "rabbit": 3, "tree": 3, "flower": 3, "bird": 2, "owl": 0.5,
              "car": 1.5, "ball": 2, "frisbee": 2, "kite": 2, "guitar": 1.5, "drum": 1,
              "balloon": 1, "plane": 1, "cactus": 0.2},
    "water": {"boat": 5, "fish": 4, "bird": 2, "plane": 1, "balloon": 1, "ball": 0.5,
              "kite": 0.5},
    "jungle": {"bird": 4, "owl": 2, "tree": 3, "flower": 3, "cat": 1, "rabbit": 0.5,
               "guitar": 0.5, "drum": 1.5, "plane": 0.5, "balloon": 0.5},
    "night": {"owl": 4, "cat": 2, "dog": 1, "plane": 2, "balloon": 1, "guitar": 2, "drum": 2,
              "tree": 1, "car": 1.5, "bird": 0.5},
    "desert": {"cactus": 5, "car": 2, "plane": 1, "balloon": 1.5, "bird": 0.5, "rabbit": 1,
               "dog": 0.5, "guitar": 0.5, "drum": 0.5, "kite": 0.5},
    "snow": {"tree": 3, "rabbit": 2, "dog": 2, "cat": 1, "owl": 1, "car": 1.5, "ball": 1,
             "kite": 1, "frisbee": 1, "plane": 1, "bird": 1},
}
BACKGROUND_ZONES: dict[str, tuple[str, ...]] = {
    "sky": ("air",), "field": ("air", "ground"), "water": ("air", "water", "underwater"),
    "jungle": ("air", "ground"), "night": ("air", "ground"), "desert": ("air", "ground"),
    "snow": ("air", "ground"),
}

# Where-phrases for an object in a zone of a background, and for the scene as a whole.
LOCATIONS: dict[tuple[str, str], list[str]] = {
    ("sky", "air"): ["in the sky", "in the blue sky", "among the clouds"],
    ("field", "air"): ["above the field", "over the meadow", "in the sky"],
    ("field", "ground"): ["in a field", "on the grass", "in the meadow"],
    ("water", "air"): ["over the water", "above the sea", "over the lake"],
    ("water", "water"): ["on the water", "on the lake", "on the sea"],
    ("water", "underwater"): ["in the water", "in the sea", "under the water"],
    ("jungle", "air"): ["above the jungle", "over the rainforest"],
    ("jungle", "ground"): ["in the jungle", "in the tropical jungle", "in the rainforest",
                           "in the tropical rainforest"],
    ("night", "air"): ["in the night sky", "under the stars", "at night"],
    ("night", "ground"): ["at night", "in the dark", "under the stars"],
    ("desert", "air"): ["over the desert", "above the dunes"],
    ("desert", "ground"): ["in the desert", "on the sand", "among the dunes"],
    ("snow", "air"): ["over the snow", "above the snowy hills"],
    ("snow", "ground"): ["in the snow", "on the snow", "in a snowy field"],
}
SCENE_LOCATIONS: dict[str, list[str]] = {
    "sky": ["in the sky"], "field": ["in a field", "in the meadow"],
    "water": ["at the lake", "by the sea"], "jungle": ["in the jungle", "in the rainforest"],
    "night": ["at night", "under the stars"], "desert": ["in the desert"],
    "snow": ["in the snow", "in winter"],
}
# Captions that name only the scene (partial descriptions).
SCENE_PHRASES: dict[str, list[str]] = {
    "sky": ["a blue sky with clouds", "the sky on a sunny day", "a cloudy sky"],
    "field": ["a green field", "a meadow on a sunny day", "grass under a blue sky"],
    "water": ["a lake under a blue sky", "the open sea", "calm water"],
    "jungle": ["a tropical jungle", "a dense rainforest", "green leaves in the jungle"],
    "night": ["a starry night", "the night sky with stars", "a dark night with a moon"],
    "desert": ["a sandy desert", "dunes in the desert", "a hot desert"],
    "snow": ["a snowy landscape", "snow on the hills", "a winter scene"],
}

# Spatial relations (A <relation> B) and the words captions use for them.
RELATIONS: dict[str, list[str]] = {
    "above": ["above", "over"],
    "below": ["below", "under", "beneath"],
    "left of": ["to the left of", "left of"],
    "right of": ["to the right of", "right of"],
    "next to": ["next to", "beside"],
}
NUMBERS: dict[int, str] = {2: "two", 3: "three"}

# The three senses of "play": music (instrument), game (with a toy) and frolic (no object).
PLAY_SUBJECTS: list[str] = ["someone", "somebody"]
PLAYERS = ("dog", "cat")
INSTRUMENTS = tuple(c for c, h in HYPERNYMS.items() if h == "instrument")
PLAYTHINGS = ("ball", "frisbee")

