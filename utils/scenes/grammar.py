"""Captions: a small grammar over the vocabulary tables, each caption with its `Meaning`.

Every caption maker returns the text and what it asserts; the random draws are exactly those
that made the text (the meanings cost no extra draw, so the captions stay what they were).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from utils.data import SceneObject
from utils.scenes.layout import _Obj, _pick, _relation_triples, _Scene
from utils.scenes.meaning import PHRASE_BACKGROUNDS, Meaning, Mention
from utils.scenes.vocabulary import (
    HYPERNYM_NOUNS,
    HYPERNYMS,
    INSTRUMENTS,
    LOCATIONS,
    NUMBERS,
    PLAY_SUBJECTS,
    PLAYERS,
    PLAYTHINGS,
    PLURALS,
    RELATIONS,
    SCENE_LOCATIONS,
    SCENE_PHRASES,
    SIZE_WORDS,
    SYNONYMS,
    VERBS,
)

Said = tuple[str, Meaning]  # a caption's text and its meaning


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
        det: str | None = None) -> tuple[str, Mention]:
    """A noun phrase for one object ("a red bird", "the small owl", "a puppy") and its mention.

    `noun` names the object by its hypernym ("an animal") when given; else a class noun is drawn.
    """
    words = []
    size = colour = None
    if SIZE_WORDS[obj.size] and rng.random() < 0.12:
        words.append(_pick(rng, SIZE_WORDS[obj.size]))
        size = obj.size
    if rng.random() < colour_p:
        words.append(obj.colour)
        colour = obj.colour
    words.append(noun or _noun(rng, obj.label))
    phrase = " ".join(words)
    mention = Mention(obj.label if noun is None else HYPERNYMS[obj.label], colour, size)
    return f"{det or _article(phrase)} {phrase}", mention


def _where(phrase: str) -> tuple[str, ...]:
    """The backgrounds a where-phrase or scene phrase is said of."""
    return PHRASE_BACKGROUNDS[phrase]


def _location(rng: np.random.Generator, background: str, zone: str) -> str:
    return _pick(rng, LOCATIONS[(background, zone)])


def _verb_phrase(rng: np.random.Generator, subject: str, verb: str, where: str,
                 plural: bool) -> tuple[str, bool]:
    """Subject + verb in one of its forms (+ where): "a bird perches in the jungle", ....

    Returns the text and whether it kept the where-phrase.
    """
    third, ing, past = VERBS[verb]
    present = verb if plural else third
    be = "are" if plural else "is"
    forms = [
        (f"{subject} {present} {where}", True), (f"{subject} {be} {ing} {where}", True),
        (f"{subject} {ing} {where}", True), (f"{subject} {past} {where}", True),
        (f"{where}, {subject} {present}", True), (f"{subject} {where}", True),
        (f"{subject} {present}", False),
    ]
    return _pick(rng, forms, [3, 2, 1.5, 1, 1, 1.5, 0.6])


def _cap_single(rng: np.random.Generator, scene: _Scene) -> Said:
    """One object, what it does and where ("A red bird perches in the jungle.")."""
    o = _pick(rng, scene.objects)
    if rng.random() < 0.06:
        text, mention = _np(rng, o)
        return text, Meaning((mention,))
    subject, mention = _np(rng, o)
    where = _location(rng, scene.background, o.zone)
    text, said_where = _verb_phrase(rng, subject, o.verb, where, False)
    return text, Meaning((mention,), backgrounds=_where(where) if said_where else None)


def _cap_list(rng: np.random.Generator, scene: _Scene) -> Said:
    """All objects in a list ("a dog, a red ball and a tree in a field")."""
    order = rng.permutation(len(scene.objects)).tolist()
    labels = Counter(o.label for o in scene.objects)
    said = [_np(rng, o, 1.0 if labels[o.label] > 1 else 0.5) for o in (scene.objects[k] for k in order)]
    nps = [text for text, _ in said]
    text = f"{', '.join(nps[:-1])} and {nps[-1]}"
    verbs = {o.verb for o in scene.objects}
    if len(verbs) == 1 and rng.random() < 0.6:  # "a dog and a cat sit in the snow"
        text += f" {verbs.pop()}"
    backgrounds = None
    if rng.random() < 0.7:
        where = _pick(rng, SCENE_LOCATIONS[scene.background])
        text += " " + where
        backgrounds = _where(where)
    return text, Meaning(tuple(m for _, m in said), backgrounds=backgrounds)


def _cap_relation(rng: np.random.Generator, scene: _Scene,
                  triples: list[tuple[int, int, str]]) -> Said:
    """Two objects and a spatial relation ("a bird flies above a blue boat")."""
    a, b, rel = _pick(rng, triples)
    oa, ob = scene.objects[a], scene.objects[b]
    (npa, ma), (npb, mb), words = _np(rng, oa, 0.6), _np(rng, ob, 0.6), _pick(rng, RELATIONS[rel])
    forms = [f"{npa} {words} {npb}", f"{npa} is {words} {npb}",
             f"{npa} {VERBS[oa.verb][0]} {words} {npb}", f"there is {npa} {words} {npb}"]
    return _pick(rng, forms, [2, 1.5, 2, 0.7]), Meaning((ma, mb), relation=(0, rel, 1))


def _groups(scene: _Scene) -> list[tuple[str, list[_Obj]]]:
    """Classes and hypernyms with two or more objects in the scene (for counting)."""
    by_label = Counter(o.label for o in scene.objects)
    by_hyper = Counter(HYPERNYMS[o.label] for o in scene.objects)
    groups = [(k, [o for o in scene.objects if o.label == k]) for k, c in by_label.items() if c > 1]
    groups += [(k, [o for o in scene.objects if HYPERNYMS[o.label] == k])
               for k, c in by_hyper.items() if c > 1]
    return groups


def _cap_count(rng: np.random.Generator, scene: _Scene) -> Said:
    """A count of one class or hypernym ("two red birds fly in the sky", "two animals")."""
    key, objs = _pick(rng, _groups(scene))
    nouns = SYNONYMS[key] if key in SYNONYMS else HYPERNYM_NOUNS[key]
    noun = _plural(nouns[0] if len(nouns) == 1 or rng.random() < 0.5 else _pick(rng, nouns[1:]))
    colours = {o.colour for o in objs}
    colour = None
    if len(colours) == 1 and rng.random() < 0.6:
        noun = f"{objs[0].colour} {noun}"
        colour = objs[0].colour
    subject = f"{NUMBERS[len(objs)]} {noun}"
    zones, verbs = {o.zone for o in objs}, {o.verb for o in objs}
    where = (_location(rng, scene.background, objs[0].zone) if len(zones) == 1
             else _pick(rng, SCENE_LOCATIONS[scene.background]))
    if len(verbs) == 1 and rng.random() < 0.8:
        text, said_where = _verb_phrase(rng, subject, objs[0].verb, where, True)
    else:
        text, said_where = f"{subject} {where}", True
    return text, Meaning((Mention(key, colour),), count=len(objs),
                         backgrounds=_where(where) if said_where else None)


def _cap_hypernym(rng: np.random.Generator, scene: _Scene) -> Said:
    """An object named by its hypernym ("an animal sits in the snow", "a red vehicle")."""
    o = _pick(rng, scene.objects)
    subject, mention = _np(rng, o, 0.4, noun=_pick(rng, HYPERNYM_NOUNS[HYPERNYMS[o.label]]))
    where = _location(rng, scene.background, o.zone)
    text = _pick(rng, [f"{subject} {VERBS[o.verb][0]} {where}", f"{subject} {where}"])
    return text, Meaning((mention,), backgrounds=_where(where))


def _cap_scene(rng: np.random.Generator, scene: _Scene) -> Said:
    """The scene only ("a tropical jungle")."""
    phrase = _pick(rng, SCENE_PHRASES[scene.background])
    return phrase, Meaning(backgrounds=_where(phrase))


def _cap_play(rng: np.random.Generator, scene: _Scene) -> Said:
    """"play" as music (the guitar), as a game (with a ball) or as frolic (a dog plays)."""
    objs = scene.objects
    music = [o for o in objs if o.label in INSTRUMENTS]
    toys = [o for o in objs if o.label in PLAYTHINGS]
    players = [o for o in objs if o.label in PLAYERS]
    frolic = [o for o in players if o.verb == "play"]
    senses = [s for s, ok in (("music", music), ("game", toys), ("frolic", frolic)) if ok]
    sense = _pick(rng, senses)
    place = _pick(rng, SCENE_LOCATIONS[scene.background]) if rng.random() < 0.4 else ""
    where = " " + place if place else ""
    form = int(rng.integers(3))  # plays / is playing / playing
    if sense == "music":
        subject = _pick(rng, PLAY_SUBJECTS)
        thing, mention = _np(rng, _pick(rng, music), 0.4, det="the")
        mentions = (mention,)
    elif sense == "game":
        if players:
            subject, player = _np(rng, _pick(rng, players))
            mentions = (player,)
        else:
            subject, mentions = _pick(rng, PLAY_SUBJECTS), ()
        toy, mention = _np(rng, _pick(rng, toys), 0.5)
        thing, mentions = "with " + toy, (*mentions, mention)
    else:
        (subject, mention), thing = _np(rng, _pick(rng, frolic)), ""
        mentions = (mention,)
    verb = ("plays", "is playing", "playing")[form]
    text = " ".join(w for w in (subject, verb, thing) if w) + where
    return text, Meaning(mentions, backgrounds=_where(place) if place else None)


_CAPTION_KINDS: list[tuple[str, float]] = [
    ("single", 3.0), ("list", 1.2), ("relation", 2.0), ("count", 2.5), ("hypernym", 1.0),
    ("scene", 0.5), ("play", 2.5),
]


def _finish(rng: np.random.Generator, text: str) -> str:
    """Capitalise and end with a full stop most of the time."""
    if rng.random() < 0.8:
        text = text[0].upper() + text[1:]
    return text + "." if rng.random() < 0.7 else text


def _captions(rng: np.random.Generator, scene: _Scene, n: int, k: int) -> tuple[list[str], list[Meaning]]:
    """k different captions of one scene, and their meanings."""
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
    makers: dict[str, Callable[[], Said]] = {
        "single": lambda: _cap_single(rng, scene), "list": lambda: _cap_list(rng, scene),
        "relation": lambda: _cap_relation(rng, scene, triples), "count": lambda: _cap_count(rng, scene),
        "hypernym": lambda: _cap_hypernym(rng, scene), "scene": lambda: _cap_scene(rng, scene),
        "play": lambda: _cap_play(rng, scene),
    }
    out: list[str] = []
    meanings: list[Meaning] = []
    seen: set[str] = set()
    for _ in range(20 * k):
        text, meaning = makers[_pick(rng, names, weights)]()
        if text not in seen:
            seen.add(text)
            out.append(_finish(rng, text))
            meanings.append(meaning)
            if len(out) == k:
                return out, meanings
    while len(out) < k:  # a tiny scene may have fewer distinct captions than asked for
        j = len(out) % max(1, len(seen))
        out.append(out[j])
        meanings.append(meanings[j])
    return out, meanings


def _binding_captions(rng: np.random.Generator, objs: Sequence[_Obj | SceneObject],
                      triples: list[tuple[int, int, str]], kind: str) -> tuple[str, str, Meaning, Meaning]:
    """A true and a swapped caption of two objects (the same words), and their meanings.

    kind "attribute" swaps the two colours ("a red bird and a blue boat" -> "a blue bird and a red
    boat"); kind "relation" swaps the two noun phrases around an asymmetric relation.
    """
    nouns = [_noun(rng, o.label) for o in objs]
    if kind == "attribute":
        a, b, rel = _pick(rng, [*triples, (0, 1, "and")])
        words = "and" if rel == "and" else _pick(rng, RELATIONS[rel])
        ca, cb = objs[a].colour, objs[b].colour
        true = f"{_article(ca)} {ca} {nouns[a]} {words} {_article(cb)} {cb} {nouns[b]}"
        swapped = f"{_article(cb)} {cb} {nouns[a]} {words} {_article(ca)} {ca} {nouns[b]}"
        relation = None if rel == "and" else (0, rel, 1)
        la, lb = objs[a].label, objs[b].label
        true_meaning = Meaning((Mention(la, ca), Mention(lb, cb)), relation)
        swapped_meaning = Meaning((Mention(la, cb), Mention(lb, ca)), relation)
    else:
        a, b, rel = _pick(rng, [t for t in triples if t[2] != "next to"])
        words = _pick(rng, RELATIONS[rel])
        coloured = rng.random() < 0.5
        phrases = [f"{o.colour} {noun}" if coloured else noun for o, noun in zip(objs, nouns, strict=True)]
        npa, npb = (f"{_article(p)} {p}" for p in (phrases[a], phrases[b]))
        true, swapped = f"{npa} {words} {npb}", f"{npb} {words} {npa}"
        ma, mb = (Mention(objs[k].label, objs[k].colour if coloured else None) for k in (a, b))
        true_meaning, swapped_meaning = Meaning((ma, mb), (0, rel, 1)), Meaning((mb, ma), (0, rel, 1))
    if rng.random() < 0.5:
        true, swapped = true[0].upper() + true[1:], swapped[0].upper() + swapped[1:]
    if rng.random() < 0.5:
        true, swapped = true + ".", swapped + "."
    return true, swapped, true_meaning, swapped_meaning
