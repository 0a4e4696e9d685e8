"""Scenes: the course's default data set of procedurally drawn, captioned images.

Each 64x64 image shows 1-3 objects (vector glyphs filled with a basic colour term) on a scene
background, with boxes, and five captions from a small grammar with synonyms, hypernyms, verb
morphology, spatial relations, counts, partial descriptions and the polysemous "play". A held-out
binding split pairs each image with a true caption and a swapped caption made of the same words.

Everything is deterministic from `SceneConfig.seed` (each image has its own numpy Generator seeded
with (seed, split, index)), and cached on disk under `$COURSE_DATA_DIR` (default
`~/.cache/streetlight-to-clip/`) in a folder keyed by the configuration and `GENERATOR_VERSION`.

    python -m utils.scenes --gallery build/scenes.png   # 16 images with a caption each
    python -m utils.scenes --stats                      # counts per split, vocabulary, ...
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, ImageDraw
from tqdm.auto import tqdm

from utils.data import BindingPairs, CaptionedImages, SceneObject
from utils.text import tokenize

# Bump whenever drawing, layout or caption code changes what a configuration generates.
GENERATOR_VERSION = 5
CACHE_ENV = "COURSE_DATA_DIR"
DEFAULT_CACHE = Path("~/.cache/streetlight-to-clip")
SPLITS = ("train", "val", "test")
_STREAM = {"train": 1, "val": 2, "test": 3, "binding": 4}  # independent seed streams
SUPERSAMPLE = 4  # glyphs are drawn at 4x and box-filtered down (anti-aliasing)

# ---------------------------------------------------------------------------------------------
# Vocabulary tables: classes, hypernyms, synonyms, colours, backgrounds, verbs, relations
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Glyphs: each class is a list of parts in a design box; parts are normalised to [0, 1] at import
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Part:
    """One shape of a glyph: kind in poly/ellipse/rrect/line/ring, a colour role, coordinates."""

    kind: str
    role: str
    xy: tuple[float, ...]
    width: float = 0.0  # line and ring width
    radius: float = 0.0  # corner radius of a rounded rectangle
    silhouette: bool = True  # outlined as part of the object's outer contour


def _poly(role: str, *pts: float, sil: bool = True) -> _Part:
    return _Part("poly", role, pts, silhouette=sil)


def _ell(role: str, x0: float, y0: float, x1: float, y1: float, sil: bool = True) -> _Part:
    return _Part("ellipse", role, (x0, y0, x1, y1), silhouette=sil)


def _rrect(role: str, x0: float, y0: float, x1: float, y1: float, r: float, sil: bool = True) -> _Part:
    return _Part("rrect", role, (x0, y0, x1, y1), radius=r, silhouette=sil)


def _line(role: str, width: float, *pts: float, sil: bool = False) -> _Part:
    return _Part("line", role, pts, width=width, silhouette=sil)


def _ring(role: str, width: float, x0: float, y0: float, x1: float, y1: float) -> _Part:
    return _Part("ring", role, (x0, y0, x1, y1), width=width, silhouette=False)


def _oval(role: str, cx: float, cy: float, rx: float, ry: float, angle: float,
          sil: bool = True) -> _Part:
    """A rotated ellipse as a polygon (angle in degrees, clockwise on screen)."""
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    a = math.radians(angle)
    x, y = rx * np.cos(t), ry * np.sin(t)
    pts = np.stack([cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)], 1)
    return _poly(role, *pts.ravel().tolist(), sil=sil)


def _curve(role: str, width: float, x0: float, y0: float, xm: float, ym: float, x1: float,
           y1: float) -> _Part:
    """A quadratic Bezier curve through (x0, y0) and (x1, y1) pulled towards (xm, ym)."""
    t = np.linspace(0, 1, 9)[:, None]
    p0, pm, p1 = np.array([x0, y0]), np.array([xm, ym]), np.array([x1, y1])
    pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * pm + t**2 * p1
    return _line(role, width, *pts.ravel().tolist())


_GLYPH_PARTS: dict[str, list[_Part]] = {
    "bird": [
        _poly("body", 0, 28, 40, 50, 36, 66, 6, 48),
        _ell("body", 18, 38, 98, 84), _ell("body", 72, 10, 116, 54),
        _poly("dark", 112, 24, 132, 33, 112, 42),
        _poly("dark", 34, 52, 74, 48, 90, 58, 50, 76, sil=False),
        _ell("white", 92, 20, 106, 34, sil=False), _ell("black", 97, 24, 104, 31, sil=False),
        _line("dark", 4, 52, 82, 50, 100), _line("dark", 4, 68, 82, 70, 100),
    ],
    "bird:fly": [
        _poly("dark", 52, 56, 74, 56, 96, 8, 84, 4),
        _poly("body", 0, 40, 30, 54, 30, 68, 0, 78),
        _ell("body", 18, 46, 104, 76), _ell("body", 86, 32, 118, 64),
        _poly("dark", 114, 42, 134, 49, 114, 56),
        _poly("body", 34, 58, 78, 58, 64, 0, 42, 10),
        _ell("white", 100, 38, 110, 48, sil=False), _ell("black", 103, 40, 109, 46, sil=False),
    ],
    "owl": [
        _rrect("wood", 0, 92, 96, 100, 3),
        _poly("body", 14, 32, 16, 0, 38, 18), _poly("body", 82, 32, 80, 0, 58, 18),
        _ell("body", 8, 12, 88, 96),
        _curve("dark", 3, 14, 50, 6, 72, 24, 90), _curve("dark", 3, 82, 50, 90, 72, 72, 90),
        _line("dark", 2.5, 36, 66, 42, 72, 48, 66), _line("dark", 2.5, 48, 66, 54, 72, 60, 66),
        _line("dark", 2.5, 42, 78, 48, 84, 54, 78),
        _ell("white", 15, 20, 47, 52, sil=False), _ell("white", 49, 20, 81, 52, sil=False),
        _ell("black", 24, 29, 38, 43, sil=False), _ell("black", 58, 29, 72, 43, sil=False),
        _poly("dark", 42, 48, 54, 48, 48, 60, sil=False),
        _line("dark", 3, 36, 90, 38, 98), _line("dark", 3, 60, 90, 58, 98),
    ],
    "dog": [
        _line("body", 8, 24, 48, 6, 18, sil=True),
        _rrect("body", 26, 60, 38, 100, 4), _rrect("body", 42, 60, 54, 100, 4),
        _rrect("body", 84, 60, 96, 100, 4), _rrect("body", 98, 60, 110, 100, 4),
        _rrect("body", 18, 36, 112, 74, 16),
        _ell("body", 86, 6, 128, 50), _rrect("body", 108, 22, 142, 46, 9),
        _poly("dark", 88, 10, 104, 10, 100, 46, 86, 38, sil=False),
        _ell("black", 134, 23, 143, 32, sil=False), _ell("black", 112, 16, 119, 23, sil=False),
    ],
    "cat": [
        _curve("body", 7, 22, 94, -8, 92, 4, 52),
        _ell("body", 10, 40, 66, 100),
        _rrect("body", 46, 62, 58, 100, 5),
        _poly("body", 44, 24, 46, 0, 62, 14), _poly("body", 62, 14, 78, 0, 80, 24),
        _ell("body", 40, 8, 84, 50),
        _poly("light", 49, 18, 50, 7, 57, 14, sil=False), _poly("light", 67, 14, 75, 7, 76, 17, sil=False),
        _ell("white", 62, 20, 74, 32, sil=False), _ell("black", 66, 21, 70, 31, sil=False),
        _poly("dark", 80, 30, 85, 30, 82, 35, sil=False),
        _line("dark", 1.5, 74, 36, 94, 32), _line("dark", 1.5, 74, 40, 94, 42),
    ],
    "rabbit": [
        _oval("body", 56, 20, 6, 21, -4), _oval("body", 71, 22, 6, 20, 18),
        _oval("light", 56, 21, 2.5, 15, -4, sil=False), _oval("light", 71, 23, 2.5, 14, 18, sil=False),
        _ell("white", 0, 60, 18, 78),
        _ell("body", 4, 50, 72, 100), _ell("body", 46, 34, 88, 70),
        _ell("body", 56, 88, 84, 100),
        _ell("black", 70, 44, 77, 51, sil=False), _ell("light", 83, 53, 89, 59, sil=False),
    ],
    "fish": [
        _poly("body", 0, 8, 46, 50, 0, 92),
        _poly("body", 66, 22, 96, 0, 112, 22),
        _poly("body", 78, 78, 92, 100, 104, 78),
        _ell("body", 28, 14, 160, 86),
        _curve("dark", 3, 118, 28, 108, 50, 118, 72),
        _ell("white", 128, 34, 146, 52, sil=False), _ell("black", 134, 38, 143, 47, sil=False),
    ],
    "tree": [
        _rrect("wood", 29, 54, 41, 100, 2), _poly("wood", 29, 92, 22, 100, 48, 100, 41, 92),
        _ell("body", 0, 22, 38, 58), _ell("body", 32, 22, 70, 58), _ell("body", 12, 0, 58, 40),
        _ell("body", 12, 34, 58, 68),
        _curve("dark", 2.5, 10, 44, 18, 52, 28, 50), _curve("dark", 2.5, 44, 52, 54, 54, 60, 44),
        _curve("dark", 2.5, 26, 22, 34, 28, 44, 22),
    ],
    "flower": [
        _line("leaf", 5, 30, 48, 30, 100, sil=True),
        _oval("leaf", 43, 78, 13, 5, -30), _oval("leaf", 17, 88, 12, 5, 30),
        *[_ell("body", 30 + 17 * math.cos(a) - 12, 28 + 17 * math.sin(a) - 12,
               30 + 17 * math.cos(a) + 12, 28 + 17 * math.sin(a) + 12)
          for a in np.linspace(0, 2 * np.pi, 6, endpoint=False) - np.pi / 2],
        _ell("dark", 20, 18, 40, 38, sil=False),
    ],
    "cactus": [
        _rrect("body", 4, 28, 18, 66, 7), _rrect("body", 4, 54, 34, 66, 6),
        _rrect("body", 58, 16, 72, 52, 7), _rrect("body", 42, 40, 72, 52, 6),
        _rrect("body", 26, 0, 50, 100, 12),
        _line("dark", 2.5, 38, 8, 38, 96), _line("dark", 2, 11, 34, 11, 60),
        _line("dark", 2, 65, 22, 65, 46),
    ],
    "boat": [
        _line("dark", 4, 60, 0, 60, 72, sil=True),
        _poly("body", 64, 4, 64, 66, 110, 66), _poly("body", 56, 14, 56, 66, 22, 66),
        _poly("body", 0, 68, 120, 68, 100, 100, 16, 100),
        _line("dark", 5, 8, 80, 112, 80),
    ],
    "plane": [
        _poly("body", 48, 48, 72, 48, 50, 0, 38, 0), _poly("body", 48, 62, 72, 62, 50, 110, 38, 110),
        _poly("body", 4, 48, 22, 48, 12, 28, 2, 28), _poly("body", 4, 62, 22, 62, 12, 82, 2, 82),
        _poly("body", 0, 48, 96, 46, 112, 49, 122, 55, 112, 61, 96, 64, 0, 62),
        _poly("glass", 100, 50, 112, 52, 112, 58, 100, 60, sil=False),
    ],
    "car": [
        _poly("body", 34, 44, 54, 6, 118, 6, 142, 44),
        _rrect("body", 0, 40, 170, 82, 12),
        _poly("glass", 48, 40, 62, 14, 84, 14, 84, 40, sil=False),
        _poly("glass", 92, 40, 92, 14, 112, 14, 128, 40, sil=False),
        _ell("tyre", 20, 62, 58, 100), _ell("tyre", 112, 62, 150, 100),
        _ell("hub", 31, 73, 47, 89, sil=False), _ell("hub", 123, 73, 139, 89, sil=False),
        _rrect("lamp", 160, 48, 170, 58, 2, sil=False),
    ],
    "balloon": [
        _line("dark", 1.5, 30, 76, 34, 88), _line("dark", 1.5, 50, 76, 46, 88),
        _ell("body", 0, 0, 80, 72), _poly("body", 8, 50, 72, 50, 50, 80, 30, 80),
        _ring("dark", 3, 20, 1, 60, 71), _line("dark", 3, 40, 1, 40, 79),
        _rrect("wood", 30, 86, 50, 100, 2),
    ],
    "ball": [
        _ell("body", 0, 0, 100, 100),
        _curve("dark", 4, 16, 14, 44, 50, 16, 86), _curve("dark", 4, 84, 14, 56, 50, 84, 86),
        _ell("light", 20, 14, 40, 32, sil=False),
    ],
    "frisbee": [
        _ell("dark", 0, 10, 140, 62), _ell("body", 0, 0, 140, 52),
        _ring("dark", 3, 24, 10, 116, 42),
    ],
    "kite": [
        _line("dark", 2, 35, 68, 26, 78, 42, 88, 30, 100),
        _poly("body", 22, 74, 32, 80, 22, 86), _poly("body", 44, 82, 34, 88, 44, 94),
        _poly("body", 35, 0, 70, 26, 35, 68, 0, 26),
        _line("dark", 2, 35, 0, 35, 68), _line("dark", 2, 0, 26, 70, 26),
    ],
    "guitar": [
        _rrect("wood", 17, 0, 33, 12, 2), _rrect("wood", 21, 8, 29, 52, 1),
        _ell("body", 6, 40, 44, 76), _ell("body", 0, 62, 50, 110),
        _ell("black", 17, 60, 33, 76, sil=False), _rrect("dark", 15, 90, 35, 95, 1, sil=False),
        _line("light", 1, 23, 10, 23, 91), _line("light", 1, 27, 10, 27, 91),
    ],
    "drum": [
        _line("wood", 4, 34, 24, 8, 0, sil=True), _line("wood", 4, 66, 24, 92, 0, sil=True),
        _ell("body", 4, 70, 96, 100), _rrect("body", 4, 30, 96, 86, 0),
        _ell("skin", 4, 18, 96, 42),
        _line("dark", 2.5, 4, 44, 20, 82, 36, 46, 52, 84, 68, 46, 84, 82, 96, 50),
    ],
}


@dataclass(frozen=True)
class _Glyph:
    """A glyph normalised so that its parts span exactly [0, 1] x [0, 1]; aspect = width / height.

    `coords` holds every part's coordinates one after the other (x, y, x, y, ...);
    part k uses coords[starts[k]:starts[k + 1]].
    """

    aspect: float
    parts: tuple[_Part, ...]
    coords: np.ndarray
    starts: tuple[int, ...]
    boxlike: np.ndarray  # 1 for coordinates of ellipse/rrect/ring parts (x0, y0, x1, y1)


def _extent(part: _Part) -> tuple[float, float, float, float]:
    """The design-space bounding box of one part (lines include half their width)."""
    if part.kind in ("ellipse", "rrect", "ring"):
        x0, y0, x1, y1 = part.xy
        return x0, y0, x1, y1
    pts = np.array(part.xy, dtype=float).reshape(-1, 2)
    if part.kind == "line":  # butt-ended segments: offset each end along the segment's normal
        d = np.diff(pts, axis=0)
        normal = np.stack([-d[:, 1], d[:, 0]], 1) / np.linalg.norm(d, axis=1, keepdims=True)
        off = normal * part.width / 2
        pts = np.concatenate([pts[:-1] + off, pts[:-1] - off, pts[1:] + off, pts[1:] - off])
    return pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()


def _normalise(parts: list[_Part]) -> _Glyph:
    """Rescale a design so that its extent is the unit square (aspect kept separately)."""
    ext = np.array([_extent(p) for p in parts])
    x0, y0 = ext[:, 0].min(), ext[:, 1].min()
    w, h = ext[:, 2].max() - x0, ext[:, 3].max() - y0
    out, coords, starts = [], [], [0]
    for p in parts:
        xy = np.array(p.xy, dtype=float)
        xy[0::2] = (xy[0::2] - x0) / w
        xy[1::2] = (xy[1::2] - y0) / h
        out.append(dataclasses.replace(p, xy=tuple(xy.tolist()), width=p.width / h,
                                       radius=p.radius / h))
        coords.append(xy)
        starts.append(starts[-1] + len(xy))
    boxlike = np.concatenate([np.full(len(c), p.kind in ("ellipse", "rrect", "ring"))
                              for c, p in zip(coords, parts, strict=True)])
    return _Glyph(aspect=float(w / h), parts=tuple(out), coords=np.concatenate(coords),
                  starts=tuple(starts), boxlike=boxlike)


GLYPHS: dict[str, _Glyph] = {name: _normalise(parts) for name, parts in _GLYPH_PARTS.items()}

_FIXED_ROLES: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 20), "white": (250, 250, 250), "glass": (186, 222, 242),
    "tyre": (34, 34, 34), "hub": (172, 172, 172), "wood": (124, 80, 42), "leaf": (56, 146, 52),
    "skin": (240, 230, 204), "lamp": (252, 240, 150),
}


def _luma(c: Sequence[int]) -> float:
    """Perceived brightness (0..255) of an RGB colour."""
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _role_colours(fill: tuple[int, int, int]) -> dict[str, tuple[int, int, int]]:
    """The colour of every role for an object filled with `fill` (plus its outline colour)."""
    f = np.array(fill, dtype=float)
    if _luma(fill) > 60:
        dark, outline = f * 0.55, f * 0.35
    else:  # black objects get grey details and a light outline
        dark, outline = f + (255 - f) * 0.3, f + (255 - f) * 0.55
    light = f + (255 - f) * 0.45
    roles = dict(_FIXED_ROLES)
    roles.update(body=fill, dark=tuple(int(v) for v in dark), light=tuple(int(v) for v in light),
                 outline=tuple(int(v) for v in outline))
    return roles


def _joint(xy: list[float]) -> str | None:
    """Round joints for sharp polylines only: smooth ones (ovals, curves) need none (and it is slow)."""
    return "curve" if len(xy) <= 12 else None


def _draw_glyph(draw: ImageDraw.ImageDraw, glyph: _Glyph, box: Sequence[float], flip: bool,
                fill: tuple[int, int, int], stroke: float) -> None:
    """Draw a glyph into box (x0, y0, x1, y1, canvas pixels): outline pass, fills, details."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    colours = _role_colours(fill)
    outline = colours["outline"]
    xy = glyph.coords.copy()
    if flip:  # mirror left-right; boxes (x0, y0, x1, y1) then swap x0 and x1 below
        xy[0::2] = 1.0 - xy[0::2]
    xy[0::2] = x0 + xy[0::2] * w
    xy[1::2] = y0 + xy[1::2] * h
    flat = xy.tolist()
    shapes = []
    for k, p in enumerate(glyph.parts):
        q = flat[glyph.starts[k]:glyph.starts[k + 1]]
        if flip and glyph.boxlike[glyph.starts[k]]:
            q[0], q[2] = q[2], q[0]
        shapes.append((p, q))
    s = stroke
    for p, q in shapes:  # outline pass: every silhouette part, grown by the stroke
        if not p.silhouette:
            continue
        if p.kind == "poly":  # the fill pass covers the inside; the stroke straddles the edge
            draw.line(q + q[:2], fill=outline, width=round(2 * s), joint=_joint(q))
        elif p.kind == "ellipse":
            draw.ellipse([q[0] - s, q[1] - s, q[2] + s, q[3] + s], fill=outline)
        elif p.kind == "rrect":
            draw.rounded_rectangle([q[0] - s, q[1] - s, q[2] + s, q[3] + s], p.radius * h + s,
                                   fill=outline)
        elif p.kind == "line":
            draw.line(q, fill=outline, width=round(p.width * h + 2 * s), joint=_joint(q))
    for p, q in shapes:  # fills in drawing order (silhouette parts first, then the details)
        colour = colours[p.role]
        if p.kind == "poly":
            draw.polygon(q, fill=colour)
        elif p.kind == "ellipse":
            draw.ellipse(q, fill=colour)
        elif p.kind == "rrect":
            draw.rounded_rectangle(q, p.radius * h, fill=colour)
        elif p.kind == "line":
            draw.line(q, fill=colour, width=max(1, round(p.width * h)), joint=_joint(q))
        elif p.kind == "ring":
            draw.ellipse(q, outline=colour, width=max(1, round(p.width * h)))

# ---------------------------------------------------------------------------------------------
# Backgrounds: a numpy gradient at the final size, textures drawn on the supersampled canvas
# ---------------------------------------------------------------------------------------------

_HORIZONS: dict[str, tuple[float, float] | None] = {
    "sky": None, "field": (0.3, 0.5), "water": (0.25, 0.4), "jungle": None,
    "night": (0.45, 0.6), "desert": (0.3, 0.45), "snow": (0.3, 0.45),
}
# (top colour, bottom colour) of the sky part and of the ground part of each background.
_PALETTES: dict[str, tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...]] = {
    "sky": (((80, 152, 232), (178, 214, 248)),),
    "field": (((96, 160, 232), (186, 218, 246)), ((122, 186, 74), (64, 138, 46))),
    "water": (((104, 168, 234), (190, 220, 246)), ((70, 138, 204), (24, 70, 150))),
    "jungle": (((34, 100, 50), (18, 58, 30)),),
    "night": (((8, 12, 40), (34, 44, 92)), ((22, 38, 32), (10, 20, 16))),
    "desert": (((150, 196, 236), (214, 228, 240)), ((232, 200, 136), (206, 164, 98))),
    "snow": (((150, 176, 206), (206, 218, 232)), ((244, 246, 252), (214, 224, 238))),
}


def _gradient(rng: np.random.Generator, top: Sequence[int], bottom: Sequence[int],
              rows: int) -> np.ndarray:
    """(rows, 3) colours of a vertical gradient with a small random shift."""
    t = (np.arange(rows, dtype=np.float32) / max(rows - 1, 1))[:, None]
    top32, bottom32 = np.asarray(top, np.float32), np.asarray(bottom, np.float32)
    shift = rng.uniform(-12, 12) + rng.uniform(-4, 4, 3)  # mostly brightness: no colour casts
    return (1 - t) * top32 + t * bottom32 + shift.astype(np.float32)


def _paint_background(rng: np.random.Generator, name: str, n: int) -> tuple[np.ndarray, float | None]:
    """The background's base image (n, n, 3) uint8 and its horizon (fraction of height) if any."""
    span = _HORIZONS[name]
    horizon = None if span is None else float(rng.uniform(*span))
    palette = _PALETTES[name]
    if horizon is None:
        rows = _gradient(rng, *palette[0], n)
    else:
        cut = round(horizon * n)
        rows = np.concatenate([_gradient(rng, *palette[0], cut), _gradient(rng, *palette[1], n - cut)])
    noise = rng.standard_normal((n, n, 1), dtype=np.float32) * 3.0
    return np.clip(rows[:, None, :] + noise, 0, 255).astype(np.uint8), horizon


_LEAF_T = np.linspace(0, np.pi, 7)
_LEAF = np.stack([np.concatenate([np.cos(_LEAF_T), np.cos(_LEAF_T[::-1])]) / 2,
                  np.concatenate([np.sin(_LEAF_T), -np.sin(_LEAF_T[::-1])]) / 5], 1)  # unit leaf


def _blob(draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float,
          fill: tuple[int, int, int]) -> None:
    """A filled ellipse given by centre and radii."""
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill)


def _draw_texture(draw: ImageDraw.ImageDraw, rng: np.random.Generator, name: str, n: int,
                  horizon: float | None) -> None:
    """Clouds, grass, waves, leaves, stars, dunes or snow on the supersampled canvas."""
    c = n * SUPERSAMPLE  # canvas size
    hz = c * (horizon if horizon is not None else 1.0)
    if name in ("sky", "field", "water", "desert", "snow"):
        for _ in range(int(rng.integers(1, 4) if name == "sky" else rng.integers(0, 2))):
            cx, cy = rng.uniform(0, c), rng.uniform(0.04 * c, max(0.05 * c, hz - 0.08 * c))
            shade = tuple(rng.integers(232, 250, 3).tolist())
            for dx, dy, rx, ry in rng.uniform([-0.09, -0.02, 0.05, 0.025], [0.09, 0.02, 0.09, 0.045],
                                              (4, 4)) * c:
                _blob(draw, cx + dx, cy + dy, rx, ry, shade)
    if name == "field":
        lines = rng.uniform([0, hz + 0.02 * c, -4, 6], [c, c, 4, 14], (28, 4))
        greens = rng.integers([40, 110, 30], [80, 150, 50], (28, 3)).tolist()
        for (x, y, dx, dy), g in zip(lines.tolist(), greens, strict=True):
            draw.line([x, y, x + dx, y - dy], fill=tuple(g), width=2)
    elif name == "water":
        waves = rng.uniform([-0.05 * c, hz + 0.02 * c, 0.05 * c], [c, c, 0.12 * c], (18, 3))
        for x, y, w in waves.tolist():
            draw.arc([x, y, x + w, y + 0.05 * c], 200, 340, fill=(150, 196, 236), width=3)
    elif name == "jungle":
        x, y, length, a = rng.uniform([0, 0, 0.05 * c, 0], [c, c, 0.11 * c, np.pi], (30, 4)).T
        greens = rng.integers([20, 80, 24], [70, 150, 60], (30, 3)).tolist()
        cos, sin = (np.cos(a) * length)[:, None], (np.sin(a) * length)[:, None]
        px = x[:, None] + _LEAF[:, 0] * cos - _LEAF[:, 1] * sin
        py = y[:, None] + _LEAF[:, 0] * sin + _LEAF[:, 1] * cos
        for pts, g in zip(np.stack([px, py], 2).reshape(30, -1).tolist(), greens, strict=True):
            draw.polygon(pts, fill=tuple(g))
        for x, dx, y in rng.uniform([0, -0.1 * c, 0.3 * c], [c, 0.1 * c, 0.7 * c], (3, 3)).tolist():
            draw.line([x, 0, x + dx, y], fill=(40, 70, 30), width=3)
    elif name == "night":
        stars = rng.uniform([0, 0, 190], [c, hz, 256], (int(rng.integers(18, 36)), 3))
        for x, y, v in stars.tolist():
            draw.rectangle([x, y, x + 3, y + 3], fill=(int(v), int(v), int(v * 0.9)))
        if rng.random() < 0.7:
            r = 0.06 * c
            _blob(draw, rng.uniform(r, c - r), rng.uniform(r, max(r + 1, hz - r)), r, r, (242, 238, 204))
    elif name == "desert":
        xs = np.linspace(0, c, 17)
        for k, tone in enumerate(((214, 176, 110), (196, 152, 90))):
            ys = hz + (0.12 + 0.25 * k) * c + np.sin(xs / c * rng.uniform(4, 8) + rng.uniform(0, 6)) * 0.04 * c
            draw.polygon([*np.stack([xs, ys], 1).ravel().tolist(), c, c, 0, c], fill=tone)
    elif name == "snow":
        xs = np.linspace(0, c, 17)
        ys = hz + 0.15 * c + np.sin(xs / c * rng.uniform(3, 6) + rng.uniform(0, 6)) * 0.05 * c
        draw.polygon([*np.stack([xs, ys], 1).ravel().tolist(), c, c, 0, c], fill=(226, 234, 246))
        for x, y in rng.uniform(0, c, (25, 2)).tolist():
            draw.ellipse([x, y, x + 4, y + 4], fill=(252, 252, 255))


# ---------------------------------------------------------------------------------------------
# Layout: which objects, where, how big, which colour
# ---------------------------------------------------------------------------------------------

_SIZE_RANGES: dict[str, tuple[float, float]] = {  # longest side in pixels at 64x64
    "small": (11, 14), "medium": (16, 21), "large": (24, 30),
}
_SIZE_PROBS: dict[int, tuple[float, float, float]] = {  # by number of objects: small, medium, large
    1: (0.2, 0.4, 0.4), 2: (0.3, 0.45, 0.25), 3: (0.45, 0.4, 0.15),
}
_STROKE = 0.75  # outline width in pixels at 64x64
_MIN_CONTRAST = 70.0  # RGB distance between an object's colour and the background behind it
_JITTER = 8  # per-channel random offset added to a colour shade


@dataclass
class _Obj:
    """An object while a scene is being made (box in float image pixels, without the outline)."""

    label: str
    verb: str
    zone: str
    size: str
    box: tuple[float, float, float, float]
    flip: bool
    colour: str = ""
    rgb: tuple[int, int, int] = (0, 0, 0)


@dataclass
class _Scene:
    """A sampled scene: background, its base image and horizon, objects and a texture seed."""

    background: str
    horizon: float | None
    base: np.ndarray
    objects: list[_Obj]
    texture_seed: int


def _pick(rng: np.random.Generator, items: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
    """One item, uniformly or by (unnormalised) weights."""
    if weights is None:
        return items[min(int(rng.random() * len(items)), len(items) - 1)]
    r = rng.random() * sum(weights)
    for item, w in zip(items, weights, strict=True):
        r -= w
        if r < 0:
            return item
    return items[-1]


def _y_range(zone: str, background: str, horizon: float | None, h: float,
             n: int) -> tuple[float, float]:
    """Allowed range of the top edge of a box of height h for an object in a zone."""
    lo, hi = 1.0, n - 1.0 - h
    if background == "sky":
        return lo, hi
    hz = (0.5 if horizon is None else horizon) * n  # the jungle has an implied mid-height horizon
    if zone == "air":
        hi = min(hi, hz + 0.04 * n - h)
    elif zone == "ground":
        lo = max(lo, hz + 0.1 * n - h)
    elif zone == "water":
        lo = max(lo, hz + 0.12 * n - h)
    elif zone == "underwater":
        lo = max(lo, hz + 0.06 * n)
    return lo, hi


def _overlaps(box: Sequence[float], others: Sequence[_Obj]) -> bool:
    """True when box covers more than 5% of itself or of another object's box."""
    x0, y0, x1, y1 = box
    area = (x1 - x0) * (y1 - y0)
    for o in others:
        a0, b0, a1, b1 = o.box
        inter = max(0.0, min(x1, a1) - max(x0, a0)) * max(0.0, min(y1, b1) - max(y0, b0))
        if inter > 0.05 * min(area, (a1 - a0) * (b1 - b0)):
            return True
    return False


def _place(rng: np.random.Generator, label: str, verb: str, zone: str, size: str,
           background: str, horizon: float | None, placed: list[_Obj], n: int) -> _Obj | None:
    """Find a free spot for an object in its zone, shrinking it when it does not fit."""
    sizes = list(_SIZE_RANGES)
    k = sizes.index(size)
    glyph = GLYPHS["bird:fly" if (label, zone) == ("bird", "air") else label]
    for attempt in range(36):
        if attempt and attempt % 12 == 0 and k > 0:
            k -= 1
        lo, hi = _SIZE_RANGES[sizes[k]]
        side = rng.uniform(lo, hi) * n / 64
        w, h = (side, side / glyph.aspect) if glyph.aspect >= 1 else (side * glyph.aspect, side)
        ylo, yhi = _y_range(zone, background, horizon, h, n)
        if ylo > yhi:
            continue
        x0, y0 = rng.uniform(1.0, n - 1.0 - w), rng.uniform(ylo, yhi)
        box = (x0, y0, x0 + w, y0 + h)
        if not _overlaps(box, placed):
            return _Obj(label, verb, zone, sizes[k], box, flip=bool(rng.random() < 0.5))
    return None


def _choose_colour(rng: np.random.Generator, obj: _Obj, base: np.ndarray,
                   same_as: _Obj | None) -> None:
    """Give obj a colour name and shade that stands out from the background behind it."""
    x0, y0, x1, y1 = (int(v) for v in obj.box)
    behind = base[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].reshape(-1, 3).mean(0).tolist()
    names = rng.permutation(len(COLOUR_NAMES)).tolist()
    if same_as is not None:
        names.insert(0, COLOUR_NAMES.index(same_as.colour))
    for ci in names:
        name = COLOUR_NAMES[ci]
        shades = COLOURS[name]
        for si in rng.permutation(len(shades)).tolist():
            jitter = rng.integers(-_JITTER, _JITTER + 1, 3).tolist()
            rgb = tuple(min(255, max(0, v + d)) for v, d in zip(shades[si], jitter, strict=True))
            if math.dist(rgb, behind) >= _MIN_CONTRAST:
                obj.colour, obj.rgb = name, rgb
                return
    raise RuntimeError("no colour contrasts with the background")  # unreachable: 11 colours


def _valid_actions(label: str, background: str) -> list[tuple[str, str]]:
    zones = BACKGROUND_ZONES[background]
    return [(v, z) for v, z in CLASS_ACTIONS[label] if z in zones]


def _sample_scene(rng: np.random.Generator, n: int, n_objects: int | None = None,
                  distinct: bool = False) -> _Scene:
    """Background, 1-3 placed and coloured objects (n_objects/distinct: binding-split options)."""
    background = _pick(rng, BACKGROUNDS)
    base, horizon = _paint_background(rng, background, n)
    table = BACKGROUND_CLASSES[background]
    labels, weights = list(table), list(table.values())
    count = n_objects or int(_pick(rng, [1, 2, 3], [0.4, 0.4, 0.2]))
    size_probs = _SIZE_PROBS[count]
    objects: list[_Obj] = []
    for _ in range(count * 3):
        if len(objects) == count:
            break
        twin = None
        if objects and not distinct and rng.random() < 0.25:
            twin = _pick(rng, objects)
            label = twin.label
        elif objects and any(o.label in PLAYERS for o in objects) and rng.random() < 0.4:
            label = _pick(rng, PLAYTHINGS)
        else:
            label = _pick(rng, labels, weights)
        if distinct and any(o.label == label for o in objects):
            continue
        actions = _valid_actions(label, background)
        if not actions:
            continue
        verb, zone = _pick(rng, actions)
        if twin is not None and rng.random() < 0.7:  # twins tend to do the same: "two birds fly"
            verb, zone = twin.verb, twin.zone
        size = _pick(rng, list(_SIZE_RANGES), size_probs)
        obj = _place(rng, label, verb, zone, size, background, horizon, objects, n)
        if obj is None:
            continue
        same = twin if twin is not None and rng.random() < 0.5 else None
        _choose_colour(rng, obj, base, same)
        if distinct and any(o.colour == obj.colour for o in objects):
            _choose_colour(rng, obj, base, None)
            if any(o.colour == obj.colour for o in objects):
                continue
        objects.append(obj)
    if not objects:  # a lone object always fits somewhere: retry with a fresh draw of everything
        return _sample_scene(rng, n, n_objects, distinct)
    objects.sort(key=lambda o: (o.box[3], o.box[0]))  # drawn back to front
    return _Scene(background, horizon, base, objects, int(rng.integers(2**62)))


def _render(scene: _Scene, n: int, skip: Sequence[int] = ()) -> np.ndarray:
    """Draw a scene: background texture and objects at 4x, then box-filter down to n x n."""
    s = SUPERSAMPLE
    canvas = Image.fromarray(scene.base).resize((n * s, n * s), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)
    _draw_texture(draw, np.random.default_rng(scene.texture_seed), scene.background, n, scene.horizon)
    stroke = _STROKE * n / 64 * s
    for k, o in enumerate(scene.objects):
        if k in skip:
            continue
        glyph = GLYPHS["bird:fly" if (o.label, o.zone) == ("bird", "air") else o.label]
        _draw_glyph(draw, glyph, [v * s for v in o.box], o.flip, o.rgb, stroke)
    return np.asarray(canvas.reduce(s))


def _pixel_box(o: _Obj, n: int) -> tuple[int, int, int, int]:
    """The object's box in pixel-edge coordinates, outline included, clipped to the image."""
    pad = _STROKE * n / 64
    x0, y0, x1, y1 = o.box
    return (max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad)),
            min(n, math.ceil(x1 + pad)), min(n, math.ceil(y1 + pad)))


def relation_holds(a: Sequence[float], b: Sequence[float], relation: str, size: int = 64) -> bool:
    """Whether box a (x0, y0, x1, y1) is `relation` of box b ("above", "left of", "next to", ...)."""
    if relation == "next to":
        close = abs((a[1] + a[3]) - (b[1] + b[3])) / 2 <= 0.25 * size
        return close and (relation_holds(a, b, "left of", size) or relation_holds(a, b, "right of", size))
    if relation in ("below", "right of"):
        return relation_holds(b, a, "above" if relation == "below" else "left of", size)
    if relation not in ("above", "left of"):
        raise ValueError(f"unknown relation {relation!r}; use one of {list(RELATIONS)}")
    axis = 1 if relation == "above" else 0  # a's centre must precede b's along this axis
    ca = [(a[0] + a[2]) / 2, (a[1] + a[3]) / 2]
    cb = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]
    along, across = cb[axis] - ca[axis], abs(cb[1 - axis] - ca[1 - axis])
    return along >= 0.1 * size and along >= 0.5 * across and a[axis + 2] <= cb[axis]


# ---------------------------------------------------------------------------------------------
# Captions: a small grammar over the tables above
# ---------------------------------------------------------------------------------------------

def _article(phrase: str) -> str:
    """'an' before a vowel ("an orange bird", "an owl"), else 'a'."""
    return "an" if phrase[0] in "aeiou" else "a"


def _plural(noun: str) -> str:
    """The plural of a (possibly multi-word) noun: birds, puppies, cacti, tropical fish."""
    *head, last = noun.split(" ")
    if last in PLURALS:
        last = PLURALS[last]
    elif last.endswith(("s", "sh", "ch", "x")):
        last += "es"
    else:
        last += "s"
    return " ".join([*head, last])


def _noun(rng: np.random.Generator, label: str) -> str:
    """A noun for a class: the class name half of the time, else one of its synonyms."""
    names = SYNONYMS[label]
    return names[0] if len(names) == 1 or rng.random() < 0.5 else _pick(rng, names[1:])


def _np(rng: np.random.Generator, obj: _Obj, colour_p: float = 0.65, noun: str | None = None,
        det: str | None = None) -> str:
    """A noun phrase for one object: "a red bird", "the small owl", "a puppy"."""
    words = []
    if SIZE_WORDS[obj.size] and rng.random() < 0.12:
        words.append(_pick(rng, SIZE_WORDS[obj.size]))
    if rng.random() < colour_p:
        words.append(obj.colour)
    words.append(noun or _noun(rng, obj.label))
    phrase = " ".join(words)
    return f"{det or _article(phrase)} {phrase}"


def _location(rng: np.random.Generator, background: str, zone: str) -> str:
    return _pick(rng, LOCATIONS[(background, zone)])


def _verb_phrase(rng: np.random.Generator, subject: str, verb: str, where: str, plural: bool) -> str:
    """Subject + verb in one of its forms + where: "a bird perches in the jungle", ...."""
    third, ing, past = VERBS[verb]
    present = verb if plural else third
    be = "are" if plural else "is"
    forms = [
        f"{subject} {present} {where}", f"{subject} {be} {ing} {where}", f"{subject} {ing} {where}",
        f"{subject} {past} {where}", f"{where}, {subject} {present}", f"{subject} {where}",
        f"{subject} {present}",
    ]
    return _pick(rng, forms, [3, 2, 1.5, 1, 1, 1.5, 0.6])


def _cap_single(rng: np.random.Generator, scene: _Scene) -> str:
    """One object, what it does and where ("A red bird perches in the jungle.")."""
    o = _pick(rng, scene.objects)
    if rng.random() < 0.06:
        return _np(rng, o)
    return _verb_phrase(rng, _np(rng, o), o.verb, _location(rng, scene.background, o.zone), False)


def _cap_list(rng: np.random.Generator, scene: _Scene) -> str:
    """All objects in a list ("a dog, a red ball and a tree in a field")."""
    order = rng.permutation(len(scene.objects)).tolist()
    labels = Counter(o.label for o in scene.objects)
    nps = [_np(rng, o, 1.0 if labels[o.label] > 1 else 0.5) for o in (scene.objects[k] for k in order)]
    text = f"{', '.join(nps[:-1])} and {nps[-1]}"
    verbs = {o.verb for o in scene.objects}
    if len(verbs) == 1 and rng.random() < 0.6:  # "a dog and a cat sit in the snow"
        text += f" {verbs.pop()}"
    if rng.random() < 0.7:
        text += " " + _pick(rng, SCENE_LOCATIONS[scene.background])
    return text


def _relation_triples(scene: _Scene, n: int) -> list[tuple[int, int, str]]:
    """Every (a, b, relation) that holds between the annotated boxes of two different objects."""
    boxes = [_pixel_box(o, n) for o in scene.objects]
    return [(a, b, r) for a in range(len(boxes)) for b in range(len(boxes)) if a != b
            for r in RELATIONS if relation_holds(boxes[a], boxes[b], r, n)]


def _cap_relation(rng: np.random.Generator, scene: _Scene,
                  triples: list[tuple[int, int, str]]) -> str:
    """Two objects and a spatial relation ("a bird flies above a blue boat")."""
    a, b, rel = _pick(rng, triples)
    oa, ob = scene.objects[a], scene.objects[b]
    npa, npb, words = _np(rng, oa, 0.6), _np(rng, ob, 0.6), _pick(rng, RELATIONS[rel])
    forms = [f"{npa} {words} {npb}", f"{npa} is {words} {npb}",
             f"{npa} {VERBS[oa.verb][0]} {words} {npb}", f"there is {npa} {words} {npb}"]
    return _pick(rng, forms, [2, 1.5, 2, 0.7])


def _groups(scene: _Scene) -> list[tuple[str, list[_Obj]]]:
    """Classes and hypernyms with two or more objects in the scene (for counting)."""
    by_label = Counter(o.label for o in scene.objects)
    by_hyper = Counter(HYPERNYMS[o.label] for o in scene.objects)
    groups = [(k, [o for o in scene.objects if o.label == k]) for k, c in by_label.items() if c > 1]
    groups += [(k, [o for o in scene.objects if HYPERNYMS[o.label] == k])
               for k, c in by_hyper.items() if c > 1]
    return groups


def _cap_count(rng: np.random.Generator, scene: _Scene) -> str:
    """A count of one class or hypernym ("two red birds fly in the sky", "two animals")."""
    key, objs = _pick(rng, _groups(scene))
    nouns = SYNONYMS[key] if key in SYNONYMS else HYPERNYM_NOUNS[key]
    noun = _plural(nouns[0] if len(nouns) == 1 or rng.random() < 0.5 else _pick(rng, nouns[1:]))
    colours = {o.colour for o in objs}
    if len(colours) == 1 and rng.random() < 0.6:
        noun = f"{objs[0].colour} {noun}"
    subject = f"{NUMBERS[len(objs)]} {noun}"
    zones, verbs = {o.zone for o in objs}, {o.verb for o in objs}
    where = (_location(rng, scene.background, objs[0].zone) if len(zones) == 1
             else _pick(rng, SCENE_LOCATIONS[scene.background]))
    if len(verbs) == 1 and rng.random() < 0.8:
        return _verb_phrase(rng, subject, objs[0].verb, where, True)
    return f"{subject} {where}"


def _cap_hypernym(rng: np.random.Generator, scene: _Scene) -> str:
    """An object named by its hypernym ("an animal sits in the snow", "a red vehicle")."""
    o = _pick(rng, scene.objects)
    subject = _np(rng, o, 0.4, noun=_pick(rng, HYPERNYM_NOUNS[HYPERNYMS[o.label]]))
    where = _location(rng, scene.background, o.zone)
    return _pick(rng, [f"{subject} {VERBS[o.verb][0]} {where}", f"{subject} {where}"])


def _cap_scene(rng: np.random.Generator, scene: _Scene) -> str:
    """The scene only ("a tropical jungle")."""
    return _pick(rng, SCENE_PHRASES[scene.background])


def _cap_play(rng: np.random.Generator, scene: _Scene) -> str:
    """"play" as music (the guitar), as a game (with a ball) or as frolic (a dog plays)."""
    objs = scene.objects
    music = [o for o in objs if o.label in INSTRUMENTS]
    toys = [o for o in objs if o.label in PLAYTHINGS]
    players = [o for o in objs if o.label in PLAYERS]
    frolic = [o for o in players if o.verb == "play"]
    senses = [s for s, ok in (("music", music), ("game", toys), ("frolic", frolic)) if ok]
    sense = _pick(rng, senses)
    where = " " + _pick(rng, SCENE_LOCATIONS[scene.background]) if rng.random() < 0.4 else ""
    form = int(rng.integers(3))  # plays / is playing / playing
    if sense == "music":
        subject = _pick(rng, PLAY_SUBJECTS)
        thing = _np(rng, _pick(rng, music), 0.4, det="the")
    elif sense == "game":
        subject = _np(rng, _pick(rng, players)) if players else _pick(rng, PLAY_SUBJECTS)
        thing = "with " + _np(rng, _pick(rng, toys), 0.5)
    else:
        subject, thing = _np(rng, _pick(rng, frolic)), ""
    verb = ("plays", "is playing", "playing")[form]
    return " ".join(w for w in (subject, verb, thing) if w) + where


_CAPTION_KINDS: list[tuple[str, float]] = [
    ("single", 3.0), ("list", 1.2), ("relation", 2.0), ("count", 2.5), ("hypernym", 1.0),
    ("scene", 0.5), ("play", 2.5),
]


def _finish(rng: np.random.Generator, text: str) -> str:
    """Capitalise and end with a full stop most of the time."""
    if rng.random() < 0.8:
        text = text[0].upper() + text[1:]
    return text + "." if rng.random() < 0.7 else text


def _captions(rng: np.random.Generator, scene: _Scene, n: int, k: int) -> list[str]:
    """k different captions of one scene."""
    objs = scene.objects
    triples = _relation_triples(scene, n)
    able = {
        "single": True, "relation": bool(triples),
        "list": len({(o.label, o.colour) for o in objs}) == len(objs) > 1,  # no "a bird and a bird"
        "count": bool(_groups(scene)), "hypernym": True, "scene": True,
        "play": any(o.label in INSTRUMENTS + PLAYTHINGS or o.verb == "play" for o in objs),
    }
    kinds = [(name, w) for name, w in _CAPTION_KINDS if able[name]]
    names, weights = [name for name, _ in kinds], [w for _, w in kinds]
    makers: dict[str, Callable[[], str]] = {
        "single": lambda: _cap_single(rng, scene), "list": lambda: _cap_list(rng, scene),
        "relation": lambda: _cap_relation(rng, scene, triples), "count": lambda: _cap_count(rng, scene),
        "hypernym": lambda: _cap_hypernym(rng, scene), "scene": lambda: _cap_scene(rng, scene),
        "play": lambda: _cap_play(rng, scene),
    }
    out: list[str] = []
    seen: set[str] = set()
    for _ in range(20 * k):
        text = makers[_pick(rng, names, weights)]()
        if text not in seen:
            seen.add(text)
            out.append(_finish(rng, text))
            if len(out) == k:
                return out
    while len(out) < k:  # a tiny scene may have fewer distinct captions than asked for
        out.append(out[len(out) % max(1, len(seen))])
    return out


# ---------------------------------------------------------------------------------------------
# Items: one image (and its captions) per (seed, split, index); chunks for worker processes
# ---------------------------------------------------------------------------------------------

def _rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of one item: independent of every other item, split and process."""
    return np.random.default_rng([seed, _STREAM[split], index])


def _scene_item(seed: int, split: str, index: int, n: int, k: int) -> tuple[np.ndarray, list[str], _Scene]:
    """Image, k captions and the scene of item `index` of a split."""
    rng = _rng(seed, split, index)
    scene = _sample_scene(rng, n)
    return _render(scene, n), _captions(rng, scene, n, k), scene


def _binding_item(seed: int, index: int, n: int) -> tuple[np.ndarray, str, str, str, _Scene]:
    """Image, true caption, swapped caption (same words, other binding), kind and scene."""
    rng = _rng(seed, "binding", index)
    kind = "attribute" if index % 2 == 0 else "relation"
    while True:  # two objects of different classes and colours with a clear asymmetric relation
        scene = _sample_scene(rng, n, n_objects=2, distinct=True)
        triples = _relation_triples(scene, n) if len(scene.objects) == 2 else []
        if any(r != "next to" for _, _, r in triples):
            break
    objs = scene.objects
    nouns = [_noun(rng, o.label) for o in objs]
    if kind == "attribute":
        a, b, rel = _pick(rng, [*triples, (0, 1, "and")])
        words = "and" if rel == "and" else _pick(rng, RELATIONS[rel])
        ca, cb = objs[a].colour, objs[b].colour
        true = f"{_article(ca)} {ca} {nouns[a]} {words} {_article(cb)} {cb} {nouns[b]}"
        swapped = f"{_article(cb)} {cb} {nouns[a]} {words} {_article(ca)} {ca} {nouns[b]}"
    else:
        a, b, rel = _pick(rng, [t for t in triples if t[2] != "next to"])
        words = _pick(rng, RELATIONS[rel])
        coloured = rng.random() < 0.5
        phrases = [f"{o.colour} {noun}" if coloured else noun for o, noun in zip(objs, nouns, strict=True)]
        npa, npb = (f"{_article(p)} {p}" for p in (phrases[a], phrases[b]))
        true, swapped = f"{npa} {words} {npb}", f"{npb} {words} {npa}"
    if rng.random() < 0.5:
        true, swapped = true[0].upper() + true[1:], swapped[0].upper() + swapped[1:]
    if rng.random() < 0.5:
        true, swapped = true + ".", swapped + "."
    return _render(scene, n), true, swapped, kind, scene


def _annotations(scene: _Scene, n: int) -> list[list[Any]]:
    """The scene's objects as JSON-friendly rows [label, colour, size, x0, y0, x1, y1]."""
    return [[o.label, o.colour, o.size, *_pixel_box(o, n)] for o in scene.objects]


def _make_chunk(task: tuple[str, int, int, int, int, int]) -> dict[str, Any]:
    """Items start..stop-1 of a split (runs in worker processes too)."""
    split, seed, start, stop, n, k = task
    images = np.empty((stop - start, n, n, 3), dtype=np.uint8)
    out: dict[str, Any] = {"images": images, "objects": [], "backgrounds": []}
    if split == "binding":
        out.update(true_captions=[], swapped_captions=[], kinds=[])
    else:
        out.update(captions=[])
    for j, index in enumerate(range(start, stop)):
        if split == "binding":
            images[j], true, swapped, kind, scene = _binding_item(seed, index, n)
            out["true_captions"].append(true)
            out["swapped_captions"].append(swapped)
            out["kinds"].append(kind)
        else:
            images[j], captions, scene = _scene_item(seed, split, index, n, k)
            out["captions"].append(captions)
        out["objects"].append(_annotations(scene, n))
        out["backgrounds"].append(scene.background)
    return out


# ---------------------------------------------------------------------------------------------
# Configuration, generation and the on-disk cache
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SceneConfig:
    """What to generate: seed, images per split, binding items, image size, captions per image."""

    seed: int = 0
    n_train: int = 8000
    n_val: int = 1000
    n_test: int = 1000
    n_binding: int = 600
    size: int = 64
    captions_per_image: int = 5

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"SceneConfig.{f.name} must be a non-negative int, got {value!r}")
        for name in ("n_train", "n_val", "n_test", "n_binding"):
            if getattr(self, name) < 1:
                raise ValueError(f"SceneConfig.{name} must be at least 1")
        if not 32 <= self.size <= 256:
            raise ValueError(f"SceneConfig.size must be in 32..256 pixels, got {self.size}")
        if not 1 <= self.captions_per_image <= 10:
            raise ValueError(f"SceneConfig.captions_per_image must be in 1..10, got {self.captions_per_image}")

    def count(self, split: str) -> int:
        """Number of items in a split ("train", "val", "test" or "binding")."""
        if split not in _STREAM:
            raise ValueError(f"unknown split {split!r}: use one of {[*SPLITS, 'binding']}")
        return getattr(self, f"n_{split}")


def cache_dir(config: SceneConfig | None = None) -> Path:
    """The cache folder of a configuration: $COURSE_DATA_DIR (or ~/.cache/...)/scenes-v<V>-<hash>."""
    config = config or SceneConfig()
    root = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()
    key = hashlib.sha256(json.dumps(dataclasses.asdict(config), sort_keys=True).encode()).hexdigest()
    return root / f"scenes-v{GENERATOR_VERSION}-{key[:12]}"


def _workers(count: int) -> int:
    """Worker processes for generating `count` items: several only for big splits on fork systems."""
    if count < 1000 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _generate(split: str, config: SceneConfig, progress: bool, workers: int | None) -> dict[str, Any]:
    """Draw every item of a split (in worker processes when it pays) and merge the chunks."""
    count, n, k = config.count(split), config.size, config.captions_per_image
    workers = _workers(count) if workers is None else workers
    step = 250
    tasks = [(split, config.seed, a, min(a + step, count), n, k) for a in range(0, count, step)]
    images = np.empty((count, n, n, 3), dtype=np.uint8)
    merged: dict[str, Any] = {}

    def collect(task: tuple[str, int, int, int, int, int], chunk: dict[str, Any]) -> None:
        images[task[2]:task[3]] = chunk.pop("images")
        for key, values in chunk.items():
            merged.setdefault(key, []).extend(values)
        bar.update(task[3] - task[2])

    pool = None
    if workers > 1:
        try:
            pool = multiprocessing.get_context("fork").Pool(workers)
        except OSError:  # no processes allowed here (a sandbox, a process limit): draw serially
            pool = None
    with tqdm(total=count, desc=f"Drawing Scenes ({split})", unit="img", disable=not progress) as bar:
        if pool is not None:
            with pool:
                for task, chunk in zip(tasks, pool.imap(_make_chunk, tasks), strict=True):
                    collect(task, chunk)
        else:
            for task in tasks:
                collect(task, _make_chunk(task))
    return {"images": images, **merged}


class _CacheInvalid(Exception):
    """A cache folder that is missing, partial, corrupt or made by other code or settings."""


class _HashingWriter:
    """A write-only file wrapper that counts bytes and computes their sha256 as they pass."""

    def __init__(self, f: BinaryIO) -> None:
        self.f, self.size, self.sha = f, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.f.write(data)


def _read_npy(path: Path, expected: dict[str, Any]) -> np.ndarray:
    """Read a uint8 .npy file, checking its size and sha256 while reading it once."""
    if path.stat().st_size != expected["size"]:
        raise _CacheInvalid(f"{path.name} has {path.stat().st_size} bytes, expected {expected['size']}")
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise _CacheInvalid(f"{path.name} has unsupported .npy version {version}")
        if fortran or dtype != np.uint8:
            raise _CacheInvalid(f"{path.name} holds {dtype} (fortran={fortran}), expected uint8")
        header = f.tell()
        f.seek(0)
        sha = hashlib.sha256(f.read(header))
        array = np.empty(shape, dtype=np.uint8)
        view = memoryview(array).cast("B")
        got = 0
        while got < len(view):
            chunk = f.readinto(view[got:])
            if not chunk:
                raise _CacheInvalid(f"{path.name} is truncated")
            got += chunk
        sha.update(view)
    if sha.hexdigest() != expected["sha256"]:
        raise _CacheInvalid(f"{path.name} does not match its sha256 in the manifest")
    return array


def _read_split(path: Path, split: str, config: SceneConfig) -> tuple[np.ndarray, dict[str, Any]]:
    """Images and metadata of a cached split, verified against its manifest."""
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        if (manifest.get("generator_version"), manifest.get("split"), manifest.get("config")) != (
                GENERATOR_VERSION, split, dataclasses.asdict(config)):
            raise _CacheInvalid("manifest is for another generator version, split or config")
        files = manifest["files"]
        images = _read_npy(path / "images.npy", files["images.npy"])
        raw = (path / "meta.json").read_bytes()
        if (len(raw), hashlib.sha256(raw).hexdigest()) != (files["meta.json"]["size"],
                                                          files["meta.json"]["sha256"]):
            raise _CacheInvalid("meta.json does not match its size and sha256 in the manifest")
        return images, json.loads(raw)
    except (OSError, ValueError, KeyError, TypeError) as err:  # missing file, bad json, bad header
        raise _CacheInvalid(f"{type(err).__name__}: {err}") from err


def _write_split(path: Path, split: str, config: SceneConfig, images: np.ndarray,
                 meta: dict[str, Any]) -> None:
    """Write a split atomically: a temporary folder with a manifest, then one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-tmp-", dir=path.parent))
    try:
        files = {}
        with open(tmp / "images.npy", "wb") as f:
            writer = _HashingWriter(f)
            np.lib.format.write_array(writer, images, allow_pickle=False)
        files["images.npy"] = {"size": writer.size, "sha256": writer.sha.hexdigest()}
        raw = json.dumps(meta, separators=(",", ":")).encode()
        (tmp / "meta.json").write_bytes(raw)
        files["meta.json"] = {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
        manifest = {"generator_version": GENERATOR_VERSION, "split": split,
                    "config": dataclasses.asdict(config), "files": files}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        if path.exists():  # an invalid copy (a valid one would have been loaded)
            shutil.rmtree(path, ignore_errors=True)
        try:
            os.rename(tmp, path)
        except OSError:  # another process finished first: keep its copy if it is valid
            _read_split(path, split, config)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load(split: str, config: SceneConfig, progress: bool,
          workers: int | None) -> tuple[np.ndarray, dict[str, Any]]:
    """A split from the cache, or freshly generated (and cached) when the cache is not valid."""
    path = cache_dir(config) / split
    if path.exists():
        try:
            return _read_split(path, split, config)
        except _CacheInvalid as err:
            print(f"Scenes cache {path} is not valid ({err}); rebuilding it.")
    data = _generate(split, config, progress, workers)
    images = data.pop("images")
    _write_split(path, split, config, images, data)
    return images, data


def _scene_objects(rows: list[list[list[Any]]]) -> list[list[SceneObject]]:
    """SceneObjects from the cached [label, colour, size, x0, y0, x1, y1] rows."""
    return [[SceneObject(r[0], HYPERNYMS[r[0]], r[1], r[2], (r[3], r[4], r[5], r[6])) for r in objs]
            for objs in rows]


def load_scenes(split: str = "train", config: SceneConfig | None = None, progress: bool = True,
                workers: int | None = None) -> CaptionedImages:
    """A split ("train", "val" or "test") of Scenes: drawn once, then loaded from the disk cache."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {SPLITS} (or load_binding())")
    config = config or SceneConfig()
    images, meta = _load(split, config, progress, workers)
    captions = [c for per_image in meta["captions"] for c in per_image]
    counts = [len(per_image) for per_image in meta["captions"]]
    return CaptionedImages(
        name=f"scenes-{split}", images=images, captions=captions,
        caption_image=np.repeat(np.arange(len(images), dtype=np.int64), counts),
        objects=_scene_objects(meta["objects"]), backgrounds=meta["backgrounds"],
    )


def load_binding(config: SceneConfig | None = None, progress: bool = True,
                 workers: int | None = None) -> BindingPairs:
    """The binding split: images with a true and a word-for-word swapped (false) caption."""
    config = config or SceneConfig()
    images, meta = _load("binding", config, progress, workers)
    return BindingPairs(
        images=images, true_captions=meta["true_captions"],
        swapped_captions=meta["swapped_captions"], kinds=meta["kinds"],
        objects=_scene_objects(meta["objects"]), backgrounds=meta["backgrounds"],
    )


# ---------------------------------------------------------------------------------------------
# Query groups: which kind of informative words a caption uses (the streetlight figure)
# ---------------------------------------------------------------------------------------------

QUERY_GROUPS = ("colour", "object", "scene", "relation")
_RELATION_WORDS = frozenset(w for phrases in RELATIONS.values() for p in phrases for w in tokenize(p)
                            if w not in ("to", "the", "of"))


def _object_words() -> frozenset[str]:
    """Every token that names an object: class synonyms (last word), their plurals, hypernyms."""
    nouns = {tokenize(s)[-1] for syns in SYNONYMS.values() for s in syns}
    nouns |= {tokenize(n)[-1] for names in HYPERNYM_NOUNS.values() for n in names}
    plurals = {PLURALS.get(n, n + "s") for n in nouns}
    return frozenset(nouns | plurals)


_OBJECT_WORDS = _object_words()


def query_group(caption: str) -> str:
    """The group of one caption, by the first rule that applies.

    relation: names two or more objects and uses a relation word (above, under, left of, ...);
    colour: names an object and a colour; object: names an object without a colour;
    scene: names no object at all ("a starry night", "a green field").
    """
    tokens = tokenize(caption)
    n_objects = sum(t in _OBJECT_WORDS for t in tokens)
    if n_objects >= 2 and any(t in _RELATION_WORDS for t in tokens):
        return "relation"
    if n_objects and any(t in COLOURS for t in tokens):
        return "colour"
    return "object" if n_objects else "scene"


def query_groups(captions: Sequence[str]) -> dict[str, np.ndarray]:
    """Boolean masks over `captions`, one per group in QUERY_GROUPS (each caption in exactly one)."""
    labels = np.array([query_group(c) for c in captions])
    return {g: labels == g for g in QUERY_GROUPS}


def image_attributes(data: CaptionedImages) -> dict[str, dict[str, np.ndarray]]:
    """Which images show each scene, object colour and object class: {kind: {word: (N,) bool}}."""
    if data.objects is None or data.backgrounds is None:
        raise ValueError(f"{data.name} has no scene annotations (objects and backgrounds)")
    backgrounds = np.array(data.backgrounds)
    colours = [{o.colour for o in objs} for objs in data.objects]
    labels = [{o.label for o in objs} for objs in data.objects]
    return {
        "scene": {b: backgrounds == b for b in BACKGROUNDS},
        "colour": {c: np.array([c in cs for cs in colours]) for c in COLOURS},
        "object": {c: np.array([c in ls for ls in labels]) for c in CLASSES},
    }


# ---------------------------------------------------------------------------------------------
# Command line: a gallery PNG and statistics
# ---------------------------------------------------------------------------------------------

def gallery(path: str | Path, config: SceneConfig | None = None, n: int = 16, split: str = "train") -> Path:
    """Write a PNG of the first n images of a split, each with one of its captions."""
    from utils import plots

    config = config or SceneConfig()
    items = [_scene_item(config.seed, split, i, config.size, config.captions_per_image) for i in range(n)]
    fig = plots.image_grid([image for image, _, _ in items],
                           [captions[i % len(captions)] for i, (_, captions, _) in enumerate(items)],
                           ncols=4, title=f"Scenes ({split} split, seed {config.seed}): one caption per image")
    return plots.save(fig, path)


def stats(config: SceneConfig | None = None, progress: bool = True) -> dict[str, Any]:
    """Counts per split, vocabulary size and class / colour / background / caption-length stats."""
    config = config or SceneConfig()
    splits = {s: load_scenes(s, config, progress) for s in SPLITS}
    train = splits["train"]
    objects = [o for objs in train.objects or [] for o in objs]
    lengths = np.array([len(tokenize(c)) for c in train.captions])
    return {
        "images": {s: len(d) for s, d in splits.items()} | {"binding": config.n_binding},
        "captions": {s: len(d.captions) for s, d in splits.items()},
        "vocabulary": len({t for c in train.captions for t in tokenize(c)}),
        "objects per image": dict(sorted(Counter(len(objs) for objs in train.objects or []).items())),
        "classes": dict(Counter(o.label for o in objects).most_common()),
        "colours": dict(Counter(o.colour for o in objects).most_common()),
        "backgrounds": dict(Counter(train.backgrounds or []).most_common()),
        "words per caption": {"mean": round(float(lengths.mean()), 2), "min": int(lengths.min()),
                              "max": int(lengths.max())},
    }


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m utils.scenes --gallery PATH.png` and/or `--stats`."""
    parser = argparse.ArgumentParser(prog="python -m utils.scenes", description=__doc__.splitlines()[0])
    parser.add_argument("--gallery", metavar="PATH.png", help="write a gallery of 16 images")
    parser.add_argument("--stats", action="store_true", help="print data set statistics")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    args = parser.parse_args(argv)
    if not (args.gallery or args.stats):
        parser.error("nothing to do: give --gallery PATH.png and/or --stats")
    config = SceneConfig(seed=args.seed)
    if args.gallery:
        print(f"wrote {gallery(args.gallery, config)}")
    if args.stats:
        print(f"Scenes statistics (train split unless noted; cache {cache_dir(config)})")
        for key, value in stats(config).items():
            print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
