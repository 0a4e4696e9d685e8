"""Scenes: the course's default data set of procedurally drawn, captioned images.

Each 64x64 image shows 1-3 objects (vector glyphs filled with a basic colour term) on a scene
background, with boxes, and five captions from a small grammar with synonyms, hypernyms, verb
morphology, spatial relations, counts, partial descriptions and the polysemous "play". A held-out
binding split pairs each image with a true caption and a swapped caption made of the same words.
Every caption keeps its meaning (the objects, colours, sizes, count, relation and scene it
asserts), and `caption_holds(meaning, image)` decides from an image's annotation whether it is true.

Everything is deterministic from `SceneConfig.seed` (each image has its own numpy Generator seeded
with (seed, split, index)), and cached on disk under `$COURSE_DATA_DIR` (default
`~/.cache/streetlight-to-clip/`) in a folder keyed by the configuration and `GENERATOR_VERSION`.

    python -m utils.scenes --gallery build/scenes.png   # 16 images with a caption each
    python -m utils.scenes --stats                      # counts per split, vocabulary, ...

The package is split by concern; everything public is importable from `utils.scenes` itself:

    vocabulary  classes, hypernyms, synonyms, colours, backgrounds, verbs, relations (tables)
    glyphs      the vector designs of the classes and how one is drawn
    drawing     backgrounds, textures and the rendering of a sampled scene
    layout      which objects, where, how big, which colour; `relation_holds`
    meaning     `Meaning`, `Mention`, `Annotation`, `caption_holds`, `holds_matrix`
    grammar     the captions (each with its meaning) and the binding split's swapped captions
    negatives   `hard_negatives`: a caption's colours or noun phrases swapped so it turns false;
                `binding_pair`: a fresh true caption of two objects and its swap, for any image
    generate    `SceneConfig`, one item per (seed, split, index), chunks for worker processes
    cache       the disk cache and the loaders (`load_scenes`, `load_binding`, `load_meanings`)
    queries     caption query groups and per-image attributes (notebook 01's streetlight figure)
    cli         `python -m utils.scenes`: a gallery PNG and statistics
"""

from __future__ import annotations

from utils.data import BindingPairs, CaptionedImages, SceneObject
from utils.scenes.cache import (
    CACHE_ENV,
    DEFAULT_CACHE,
    GENERATOR_VERSION,
    cache_dir,
    load_binding,
    load_binding_meanings,
    load_meanings,
    load_scenes,
)
from utils.scenes.cli import gallery, main, stats
from utils.scenes.drawing import SUPERSAMPLE, _render
from utils.scenes.generate import SPLITS, SceneConfig, _generate, _rng, _workers
from utils.scenes.glyphs import GLYPHS, _draw_glyph
from utils.scenes.grammar import _plural
from utils.scenes.layout import _JITTER, _sample_scene, relation_holds
from utils.scenes.meaning import (
    PHRASE_BACKGROUNDS,
    Annotation,
    Meaning,
    Mention,
    annotations,
    caption_holds,
    holds_matrix,
)
from utils.scenes.negatives import binding_pair, hard_negatives
from utils.scenes.queries import QUERY_GROUPS, image_attributes, query_group, query_groups
from utils.scenes.vocabulary import (
    BACKGROUND_CLASSES,
    BACKGROUND_ZONES,
    BACKGROUNDS,
    CLASS_ACTIONS,
    CLASSES,
    COLOUR_NAMES,
    COLOURS,
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

__all__ = [
    "BACKGROUNDS", "BACKGROUND_CLASSES", "BACKGROUND_ZONES", "CACHE_ENV", "CLASSES", "CLASS_ACTIONS",
    "COLOURS", "COLOUR_NAMES", "DEFAULT_CACHE", "GENERATOR_VERSION", "GLYPHS", "HYPERNYMS",
    "HYPERNYM_NOUNS", "INSTRUMENTS", "LOCATIONS", "NUMBERS", "PHRASE_BACKGROUNDS", "PLAYERS",
    "PLAYTHINGS", "PLAY_SUBJECTS", "PLURALS", "QUERY_GROUPS", "RELATIONS", "SCENE_LOCATIONS",
    "SCENE_PHRASES", "SIZE_WORDS", "SPLITS", "SUPERSAMPLE", "SYNONYMS", "VERBS", "Annotation",
    "BindingPairs", "CaptionedImages", "Meaning", "Mention", "SceneConfig", "SceneObject",
    "annotations", "binding_pair", "cache_dir", "caption_holds", "gallery", "hard_negatives", "holds_matrix", "image_attributes",
    "load_binding", "load_binding_meanings", "load_meanings", "load_scenes", "main", "query_group",
    "query_groups", "relation_holds", "stats",
]
# Internals that tests and benchmarks/data.py reach for (kept at their old address).
_INTERNALS = (_JITTER, _draw_glyph, _generate, _plural, _render, _rng, _sample_scene, _workers)
