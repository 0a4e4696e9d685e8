"""Scenes: tables, glyphs, determinism, grammar coverage, truthful captions, boxes, binding, cache.

The meanings of captions and `caption_holds` are tested in tests/test_scenes_meaning.py."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from utils import scenes
from utils.data import BindingPairs, CaptionedImages
from utils.text import STOP_WORDS, tokenize

REQUIRED = ["bird", "owl", "boat", "plane", "rabbit", "dog", "guitar", "ball", "frisbee", "tree",
            "flower", "car"]
SMALL = scenes.SceneConfig(seed=7, n_train=12, n_val=3, n_test=3, n_binding=4)


# ---- fixtures: ONE generation of the default set per session, in a private cache folder ------

@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scenes-cache")


@pytest.fixture(scope="session")
def train(data_dir: Path) -> CaptionedImages:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(scenes.CACHE_ENV, str(data_dir))
        return scenes.load_scenes("train", progress=False)


@pytest.fixture(scope="session")
def binding(data_dir: Path) -> BindingPairs:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(scenes.CACHE_ENV, str(data_dir))
        return scenes.load_binding(progress=False)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty COURSE_DATA_DIR for one test."""
    monkeypatch.setenv(scenes.CACHE_ENV, str(tmp_path))
    return tmp_path


def _digest(data: CaptionedImages) -> str:
    """sha256 over images, captions and annotations."""
    h = hashlib.sha256(data.images.tobytes())
    h.update(json.dumps([data.captions, data.caption_image.tolist(), data.backgrounds,
                         [[vars(o) for o in objs] for objs in data.objects or []]]).encode())
    return h.hexdigest()


# ---- tables and glyphs -----------------------------------------------------------------------

def test_tables_are_complete_and_consistent() -> None:
    assert set(REQUIRED) <= set(scenes.CLASSES) and len(scenes.CLASSES) >= 12
    assert list(scenes.HYPERNYMS) == scenes.CLASSES == list(scenes.SYNONYMS)
    assert {"animal", "plant", "vehicle"} <= set(scenes.HYPERNYMS.values())
    assert all(names[0] == label for label, names in scenes.SYNONYMS.items())
    synonyms = [n for names in scenes.SYNONYMS.values() for n in names]
    assert len(synonyms) == len(set(synonyms)), "a noun must name one class only"
    assert len(scenes.COLOURS) >= 10 and all(len(s) >= 3 for s in scenes.COLOURS.values())
    assert len(scenes.BACKGROUNDS) >= 5 and set(scenes.BACKGROUND_CLASSES) == set(scenes.BACKGROUNDS)
    assert set(scenes.GLYPHS) >= set(scenes.CLASSES)
    for label in scenes.CLASSES:
        assert any(label in table for table in scenes.BACKGROUND_CLASSES.values()), label
    for background, table in scenes.BACKGROUND_CLASSES.items():
        for label in table:  # every listed class can do something on that background
            actions = [(v, z) for v, z in scenes.CLASS_ACTIONS[label]
                       if z in scenes.BACKGROUND_ZONES[background]]
            assert actions, (background, label)
            for verb, zone in actions:
                assert verb in scenes.VERBS and (background, zone) in scenes.LOCATIONS


def test_colour_shades_read_as_their_own_name() -> None:
    # every shade, even jittered by the generator, is nearer to its own name than to any other
    min_gap = 2 * scenes._JITTER * 3**0.5
    for (a, shades_a), (b, shades_b) in itertools.combinations(scenes.COLOURS.items(), 2):
        for sa, sb in itertools.product(shades_a, shades_b):
            gap = np.linalg.norm(np.subtract(sa, sb))
            assert gap > min_gap + 20, f"{a} {sa} and {b} {sb} are only {gap:.0f} apart"


def _silhouette(label: str) -> np.ndarray:
    """The glyph's mask in a 32x32 square, aspect ratio kept."""
    glyph = scenes.GLYPHS[label]
    img = Image.new("RGB", (128, 128), (255, 255, 255))
    w, h = (128, 128 / glyph.aspect) if glyph.aspect >= 1 else (128 * glyph.aspect, 128)
    box = [(128 - w) / 2, (128 - h) / 2, (128 + w) / 2, (128 + h) / 2]
    scenes._draw_glyph(ImageDraw.Draw(img), glyph, box, False, (255, 0, 0), 0.0)
    return np.asarray(img.reduce(4)).astype(int).sum(-1) < 700


def test_glyph_silhouettes_differ() -> None:
    masks = {c: _silhouette(c) for c in scenes.CLASSES}
    for a, b in itertools.combinations(scenes.CLASSES, 2):
        iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
        assert iou < 0.9, f"{a} and {b} have nearly the same silhouette (IoU {iou:.2f})"


def test_relation_holds() -> None:
    top, bottom = (20, 2, 30, 12), (20, 40, 30, 50)
    left, right = (2, 20, 12, 30), (40, 22, 50, 32)
    assert scenes.relation_holds(top, bottom, "above") and scenes.relation_holds(bottom, top, "below")
    assert not scenes.relation_holds(bottom, top, "above")
    assert scenes.relation_holds(left, right, "left of") and scenes.relation_holds(right, left, "right of")
    assert scenes.relation_holds(left, right, "next to") and scenes.relation_holds(right, left, "next to")
    assert not scenes.relation_holds(top, bottom, "next to")
    assert not scenes.relation_holds((20, 20, 30, 30), (22, 21, 32, 31), "left of")  # too close
    with pytest.raises(ValueError, match="unknown relation"):
        scenes.relation_holds(top, bottom, "inside")


def test_config_and_split_validation(cache: Path) -> None:
    with pytest.raises(ValueError, match="n_train"):
        scenes.SceneConfig(n_train=0)
    with pytest.raises(ValueError, match="size"):
        scenes.SceneConfig(size=16)
    with pytest.raises(ValueError, match="unknown split"):
        scenes.load_scenes("binding", SMALL, progress=False)


# ---- determinism -----------------------------------------------------------------------------

def test_deterministic_within_a_process(cache: Path) -> None:
    a = scenes._generate("train", SMALL, progress=False, workers=1)
    b = scenes._generate("train", SMALL, progress=False, workers=1)
    assert a["images"].tobytes() == b["images"].tobytes()
    assert a["captions"] == b["captions"] and a["objects"] == b["objects"]
    other = scenes._generate("train", scenes.SceneConfig(seed=8, n_train=12), progress=False, workers=1)
    assert other["images"].tobytes() != a["images"].tobytes()


def test_items_do_not_depend_on_split_size_or_workers() -> None:
    big = scenes.SceneConfig(seed=3, n_val=600)
    serial = scenes._generate("val", big, progress=False, workers=1)
    parallel = scenes._generate("val", big, progress=False, workers=2)
    assert serial["images"].tobytes() == parallel["images"].tobytes()
    assert serial["captions"] == parallel["captions"]
    small = scenes._generate("val", scenes.SceneConfig(seed=3, n_val=20), progress=False, workers=1)
    assert small["images"].tobytes() == serial["images"][:20].tobytes()
    assert small["captions"] == serial["captions"][:20]
    test = scenes._generate("test", scenes.SceneConfig(seed=3, n_test=20), progress=False, workers=1)
    assert test["images"].tobytes() != small["images"].tobytes()  # splits use their own streams


def test_deterministic_across_processes(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    here = _digest(scenes.load_scenes("train", SMALL, progress=False))
    code = (
        "import hashlib, json\n"
        "from utils import scenes\n"
        f"d = scenes.load_scenes('train', scenes.{SMALL!r}, progress=False)\n"
        "h = hashlib.sha256(d.images.tobytes())\n"
        "h.update(json.dumps([d.captions, d.caption_image.tolist(), d.backgrounds,\n"
        "    [[vars(o) for o in objs] for objs in d.objects]]).encode())\n"
        "print(h.hexdigest())\n"
    )
    env = {**os.environ, scenes.CACHE_ENV: str(tmp_path_factory.mktemp("other"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == here


# ---- the default training split: coverage of the vocabulary and the grammar -------------------

def _has(text: str, phrase: str) -> bool:
    return re.search(rf"\b{re.escape(phrase)}\b", text) is not None


def test_default_split_shape(train: CaptionedImages) -> None:
    config = scenes.SceneConfig()
    assert train.images.shape == (config.n_train, 64, 64, 3) and train.images.dtype == np.uint8
    assert len(train.captions) == 5 * config.n_train
    assert all(len(train.image_captions(i)) == 5 for i in range(0, len(train), 97))
    assert all(len(set(train.image_captions(i))) == 5 for i in range(0, len(train), 97))
    counts = Counter(len(objs) for objs in train.objects)
    assert set(counts) == {1, 2, 3}


def test_every_class_colour_and_background_occurs(train: CaptionedImages) -> None:
    objects = [o for objs in train.objects for o in objs]
    assert {o.label for o in objects} == set(scenes.CLASSES)
    assert {o.colour for o in objects} == set(scenes.COLOURS)
    assert set(train.backgrounds) == set(scenes.BACKGROUNDS)
    assert {o.size for o in objects} == {"small", "medium", "large"}
    assert all(o.hypernym == scenes.HYPERNYMS[o.label] for o in objects)
    for objs, background in zip(train.objects, train.backgrounds, strict=True):
        with_player = any(o.label in scenes.PLAYERS for o in objs)
        for o in objs:  # plausibility: boats on water, fish in it, a ball or frisbee with a dog
            companion = o.label in scenes.PLAYTHINGS and with_player
            assert o.label in scenes.BACKGROUND_CLASSES[background] or companion, (o.label, background)


def test_grammar_coverage(train: CaptionedImages) -> None:
    text = "\n".join(train.captions).lower()
    for label, names in scenes.SYNONYMS.items():
        for name in names:
            assert _has(text, name), f"synonym {name!r} of {label} never used"
    for names in scenes.HYPERNYM_NOUNS.values():
        for name in names:
            assert _has(text, f"{'an' if name[0] in 'aeiou' else 'a'} {name}"), name
    for base, forms in scenes.VERBS.items():
        for form in (base, *forms):
            assert _has(text, form), f"verb form {form!r} never used"
    for phrases in scenes.RELATIONS.values():
        for phrase in phrases:
            assert _has(text, phrase), f"relation {phrase!r} never used"
    for word in ("two", "three", "birds", "puppies", "cacti", "animals"):
        assert _has(text, word), word
    for colour in scenes.COLOURS:
        assert _has(text, colour)
    # all three senses of "play"
    assert re.search(r"\b(someone|somebody) (plays|is playing|playing) the (\w+ )?(guitar|drum)\b", text)
    assert re.search(r"\b(dog|puppy|doggy|cat|kitty|kitten) (plays|is playing|playing) with (a|an) ", text)
    assert re.search(r"\b(dog|puppy|doggy|cat|kitty|kitten) (plays|is playing|playing|played)"
                     r"(\.|$| in | on | at | under | among )", text, re.M)


def test_captions_are_partial_and_varied(train: CaptionedImages) -> None:
    caps = train.captions
    nouns = [n for names in scenes.SYNONYMS.values() for n in names]
    def names_object(c: str) -> bool:
        return any(_has(c.lower(), n) or _has(c.lower(), scenes._plural(n)) for n in nouns)
    assert sum(not names_object(c) for c in caps) > 0.03 * len(caps)  # scene / hypernym only
    assert sum(c.endswith(".") for c in caps) > 0.5 * len(caps) > sum(not c.endswith(".") for c in caps) > 0
    assert any(c[0].islower() for c in caps) and any(c[0].isupper() for c in caps)
    assert any(re.match(r"^(In|On|Over|Above|Among|At|Under) [^,]+, ", c) for c in caps)
    assert np.mean([any(t in STOP_WORDS for t in tokenize(c)) for c in caps]) > 0.9
    with_two = [i for i, objs in enumerate(train.objects) if len(objs) >= 2]
    colourless = sum(all(not _has(c.lower(), col) for col in scenes.COLOURS)
                     for i in with_two[:500] for c in train.image_captions(i))
    assert colourless > 0
    mentions_one = 0  # captions of multi-object images that name exactly one object's class
    for i in with_two[:500]:
        labels = {o.label for o in train.objects[i]}
        for c in train.image_captions(i):
            named = {lab for lab in labels if any(_has(c.lower(), n) for n in scenes.SYNONYMS[lab])}
            mentions_one += len(named) == 1 and len(labels) > 1
    assert mentions_one > 100


def test_articles_agree(train: CaptionedImages) -> None:
    for caption in train.captions[:20000]:
        for article, word in re.findall(r"\b(a|an) (\w+)", caption.lower()):
            assert (article == "an") == (word[0] in "aeiou"), caption


def test_captions_tell_the_truth(train: CaptionedImages) -> None:
    colours = "|".join(scenes.COLOURS)
    noun_class = {n: label for label, names in scenes.SYNONYMS.items() for n in names}
    plural_class = {scenes._plural(n): label for n, label in noun_class.items()}
    hyper_plural = {scenes._plural(n): h for h, names in scenes.HYPERNYM_NOUNS.items() for n in names}
    nouns = "|".join(sorted(map(re.escape, noun_class), key=len, reverse=True))
    plurals = "|".join(sorted(map(re.escape, [*plural_class, *hyper_plural]), key=len, reverse=True))
    checked_colour = checked_count = 0
    for i in range(0, len(train), 3):
        objs = train.objects[i]
        for c in train.image_captions(i):
            c = c.lower()
            for colour, noun in re.findall(rf"\b({colours}) ({nouns})\b", c):
                if noun in noun_class and _has(c, f"{colour} {scenes._plural(noun)}"):
                    continue  # the plural form is checked below
                assert (noun_class[noun], colour) in {(o.label, o.colour) for o in objs}, (c, objs)
                checked_colour += 1
            for number, colour, noun in re.findall(rf"\b(two|three) (?:({colours}) )?({plurals})\b", c):
                if noun in plural_class:
                    group = [o for o in objs if o.label == plural_class[noun]]
                else:
                    group = [o for o in objs if o.hypernym == hyper_plural[noun]]
                assert len(group) == {"two": 2, "three": 3}[number], (c, objs)
                if colour:
                    assert {o.colour for o in group} == {colour}, (c, objs)
                checked_count += 1
    assert checked_colour > 5000 and checked_count > 300


# ---- pixels: boxes, fills, contrast ------------------------------------------------------------

def test_boxes_match_the_drawn_pixels(train: CaptionedImages) -> None:
    config = scenes.SceneConfig()
    for i in range(150):
        scene = scenes._sample_scene(scenes._rng(config.seed, "train", i), config.size)
        full = scenes._render(scene, config.size).astype(int)
        assert np.array_equal(full, train.images[i])  # the cache holds exactly what is drawn
        everything = range(len(scene.objects))
        empty = scenes._render(scene, config.size, skip=everything).astype(int)
        for k, (o, ann) in enumerate(zip(scene.objects, train.objects[i], strict=True)):
            assert (ann.label, ann.colour) == (o.label, o.colour)
            x0, y0, x1, y1 = ann.box
            assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64
            alone = scenes._render(scene, config.size, skip=[j for j in everything if j != k])
            drawn = np.abs(alone.astype(int) - empty).sum(-1) > 0
            ys, xs = np.nonzero(drawn)
            extent = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
            assert max(abs(a - b) for a, b in zip(extent, ann.box, strict=True)) <= 1, (i, ann, extent)
            without = scenes._render(scene, config.size, skip=[k]).astype(int)
            visible = np.abs(full - without).sum(-1) > 0
            assert visible.sum() >= 0.25 * (x1 - x0) * (y1 - y0), (i, ann)  # not hidden by others
            pixels = alone[drawn].astype(int)
            fill = np.linalg.norm(pixels - np.array(o.rgb), axis=1) < 40
            assert fill.mean() >= 0.1, (i, ann)  # filled with its colour
            behind = empty[drawn].mean(0)
            assert np.linalg.norm(pixels[fill].mean(0) - behind) >= 50, (i, ann)  # stands out


# ---- the binding split ------------------------------------------------------------------------

def _parse_binding(caption: str) -> tuple[tuple[str | None, str], str, tuple[str | None, str]]:
    """((colour, class), relation, (colour, class)) of a binding caption."""
    colours = "|".join(scenes.COLOURS)
    noun_class = {n: label for label, names in scenes.SYNONYMS.items() for n in names}
    nouns = "|".join(sorted(map(re.escape, noun_class), key=len, reverse=True))
    phrase = {p: r for r, ps in scenes.RELATIONS.items() for p in ps} | {"and": "and"}
    rels = "|".join(sorted(map(re.escape, phrase), key=len, reverse=True))
    m = re.fullmatch(rf"an? (?:({colours}) )?({nouns}) ({rels}) an? (?:({colours}) )?({nouns})\.?",
                     caption.lower())
    assert m, f"not a binding caption: {caption!r}"
    return (m[1], noun_class[m[2]]), phrase[m[3]], (m[4], noun_class[m[5]])


def _true_for(parsed: tuple, objs: list) -> bool:
    (ca, la), rel, (cb, lb) = parsed
    by_label = {o.label: o for o in objs}
    a, b = by_label.get(la), by_label.get(lb)
    if a is None or b is None or (ca and a.colour != ca) or (cb and b.colour != cb):
        return False
    return rel == "and" or scenes.relation_holds(a.box, b.box, rel)


def test_binding_split(binding: BindingPairs) -> None:
    assert len(binding) == scenes.SceneConfig().n_binding >= 500
    kinds = Counter(binding.kinds)
    assert kinds["attribute"] >= 200 and kinds["relation"] >= 200
    for i in range(len(binding)):
        true, swapped = binding.true_captions[i], binding.swapped_captions[i]
        assert Counter(tokenize(true)) == Counter(tokenize(swapped)), (true, swapped)
        assert true.lower() != swapped.lower()
        objs = binding.objects[i]
        assert len(objs) == 2 and objs[0].label != objs[1].label and objs[0].colour != objs[1].colour
        t, s = _parse_binding(true), _parse_binding(swapped)
        assert _true_for(t, objs), (true, objs)
        assert not _true_for(s, objs), (swapped, objs)
        if binding.kinds[i] == "attribute":
            assert (t[0][1], t[1], t[2][1]) == (s[0][1], s[1], s[2][1]) and t[0][0] == s[2][0]
        else:
            assert t[0] == s[2] and t[2] == s[0] and t[1] == s[1] != "and"


def test_binding_images_differ_from_training_images(binding: BindingPairs,
                                                    train: CaptionedImages) -> None:
    train_hashes = {hashlib.sha256(im.tobytes()).digest() for im in train.images}
    assert not any(hashlib.sha256(im.tobytes()).digest() in train_hashes for im in binding.images)


# ---- the cache --------------------------------------------------------------------------------

def test_cache_location_is_keyed_by_config_and_version(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv(scenes.CACHE_ENV, str(tmp_path))
    here = scenes.cache_dir(SMALL)
    assert here.parent == tmp_path and here != scenes.cache_dir(scenes.SceneConfig(seed=8))
    monkeypatch.setattr(scenes.cache, "GENERATOR_VERSION", scenes.GENERATOR_VERSION + 1)
    assert scenes.cache_dir(SMALL) != here
    monkeypatch.delenv(scenes.CACHE_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert scenes.cache_dir(SMALL).parent == tmp_path / "home" / ".cache" / "streetlight-to-clip"


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every call of the generator."""
    calls: list[str] = []
    real = scenes.cache._generate

    def spy(split: str, config: scenes.SceneConfig, progress: bool, workers: int | None) -> dict:
        calls.append(split)
        return real(split, config, progress, workers)

    monkeypatch.setattr(scenes.cache, "_generate", spy)
    return calls


def _flip_byte(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


CORRUPTIONS = {
    "pixel flipped": lambda d: _flip_byte(d / "images.npy", (d / "images.npy").stat().st_size // 2),
    "header flipped": lambda d: _flip_byte(d / "images.npy", 20),
    "images truncated": lambda d: (d / "images.npy").write_bytes((d / "images.npy").read_bytes()[:-100]),
    "images missing": lambda d: (d / "images.npy").unlink(),
    "meta edited": lambda d: (d / "meta.json").write_text(
        (d / "meta.json").read_text().replace("a ", "the ", 1)),
    "meta missing": lambda d: (d / "meta.json").unlink(),
    "manifest garbage": lambda d: (d / "manifest.json").write_text("{not json"),
    "manifest missing": lambda d: (d / "manifest.json").unlink(),
    "other version": lambda d: (d / "manifest.json").write_text(
        (d / "manifest.json").read_text().replace('"generator_version": ', '"generator_version": 9')),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupt_cache_is_rebuilt(corruption: str, cache: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    calls = _counting(monkeypatch)
    first = scenes.load_scenes("train", SMALL, progress=False)
    assert calls == ["train"]
    again = scenes.load_scenes("train", SMALL, progress=False)
    assert calls == ["train"] and _digest(again) == _digest(first)  # served from the cache
    split_dir = scenes.cache_dir(SMALL) / "train"
    CORRUPTIONS[corruption](split_dir)
    rebuilt = scenes.load_scenes("train", SMALL, progress=False)
    assert calls == ["train", "train"], "a corrupt cache must never be used"
    assert _digest(rebuilt) == _digest(first)
    assert "rebuilding" in capsys.readouterr().out
    scenes.load_scenes("train", SMALL, progress=False)
    assert calls == ["train", "train"]  # the rebuilt cache is valid again
    assert not [p for p in split_dir.parent.iterdir() if p.name.startswith(".")]  # no temp folders


def test_leftover_partial_write_is_ignored(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    root = scenes.cache_dir(SMALL)
    partial = root / ".binding-tmp-crashed"
    partial.mkdir(parents=True)
    (partial / "images.npy").write_bytes(b"\x93NUMPY")
    pairs = scenes.load_binding(SMALL, progress=False)
    assert calls == ["binding"] and len(pairs) == SMALL.n_binding
    assert scenes.load_binding(SMALL, progress=False).true_captions == pairs.true_captions
    assert calls == ["binding"]


def test_cache_files_and_manifest(cache: Path) -> None:
    scenes.load_scenes("val", SMALL, progress=False)
    split_dir = scenes.cache_dir(SMALL) / "val"
    manifest = json.loads((split_dir / "manifest.json").read_text())
    assert manifest["generator_version"] == scenes.GENERATOR_VERSION and manifest["split"] == "val"
    for name, entry in manifest["files"].items():
        raw = (split_dir / name).read_bytes()
        assert entry == {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    assert np.load(split_dir / "images.npy").shape == (SMALL.n_val, 64, 64, 3)


# ---- command line -------------------------------------------------------------------------------

def test_gallery_png(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "utils.scenes", "--gallery", str(tmp_path / "g.png")],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    with Image.open(tmp_path / "g.png") as img:
        assert img.format == "PNG" and img.width > 600 and img.height > 600


def test_stats(cache: Path) -> None:
    info = scenes.stats(SMALL, progress=False)
    assert info["images"] == {"train": 12, "val": 3, "test": 3, "binding": 4}
    assert info["captions"]["train"] == 60
    assert sum(info["backgrounds"].values()) == 12 and info["vocabulary"] > 20
    assert 2 <= info["words per caption"]["min"] <= info["words per caption"]["mean"]


def test_cli_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        scenes.main([])
    assert "nothing to do" in capsys.readouterr().err


@pytest.mark.parametrize("caption, group", [
    ("A red bird perches in the jungle.", "colour"),
    ("A bird perches in the jungle.", "object"),
    ("Two kittens are sleeping.", "object"),
    ("A blue sky with clouds.", "scene"),
    ("A bird above a red boat.", "relation"),
    ("A bird flies over the water.", "object"),
    ("An animal is next to a vehicle", "relation"),
])
def test_query_group_rules(caption, group):
    assert scenes.query_group(caption) == group


def test_query_groups_partition_the_captions():
    captions = ["a red car", "a car", "a starry night", "a dog beside a cat", "a dog beside a red cat"]
    masks = scenes.query_groups(captions)
    assert list(masks) == list(scenes.QUERY_GROUPS)
    stacked = np.stack(list(masks.values()))
    assert (stacked.sum(axis=0) == 1).all()
    assert masks["relation"].tolist() == [False, False, False, True, True]


def test_image_attributes_follow_the_annotations(cache):
    data = scenes.load_scenes("test", config=scenes.SceneConfig(n_train=1, n_val=1, n_test=20),
                              progress=False)
    attrs = scenes.image_attributes(data)
    assert set(attrs) == {"scene", "colour", "object"}
    assert set(attrs["object"]) == set(scenes.CLASSES)
    for i, objs in enumerate(data.objects):
        assert [b for b, m in attrs["scene"].items() if m[i]] == [data.backgrounds[i]]
        assert {c for c, m in attrs["colour"].items() if m[i]} == {o.colour for o in objs}
        assert {c for c, m in attrs["object"].items() if m[i]} == {o.label for o in objs}


# ---- meanings: what every caption asserts, and whether it holds for an image -------------------

# sha256 of images + captions, objects and backgrounds of small configurations, computed with the
# generator of version 5 (before captions kept their meanings): the data must not change.
VERSION_5_DIGESTS = {
    "train": "ed65db9bd5807508203526c993b3d6547c48c904751626c77efd40b0a948b353",
    "val": "0ba42be8193e0071f1833dd182d78163ceb32c40d4e88a203730ae3ab0e3f93d",
    "test": "dfe0eb263747245d6f63e41f17535dbf5450d969237399bec37a45932c889708",
    "binding": "bce2f1b81732f8decd0bd66922b31d1af3230b3b04235d7b914dbb06a9a4c674",
}


@pytest.mark.parametrize("split", list(VERSION_5_DIGESTS))
def test_images_and_captions_are_those_of_version_5(split: str) -> None:
    config = scenes.SceneConfig(seed=11, n_train=40, n_val=40, n_test=40, n_binding=40)
    data = scenes._generate(split, config, progress=False, workers=1)
    h = hashlib.sha256(data["images"].tobytes())
    kept = {k: v for k, v in data.items() if k not in ("images", "meanings", "true_meanings",
                                                          "swapped_meanings")}
    h.update(json.dumps(kept, sort_keys=True).encode())
    assert h.hexdigest() == VERSION_5_DIGESTS[split]


@pytest.fixture(scope="session")
def train_meanings(data_dir: Path, train: CaptionedImages) -> list[scenes.Meaning]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(scenes.CACHE_ENV, str(data_dir))
        return scenes.load_meanings("train", progress=False)


def test_every_caption_holds_for_its_own_image(train: CaptionedImages,
                                               train_meanings: list[scenes.Meaning]) -> None:
    assert len(train_meanings) == len(train.captions)
    images = scenes.annotations(train)
    false = [j for j, (meaning, i) in enumerate(zip(train_meanings, train.caption_image, strict=True))
             if not scenes.caption_holds(meaning, images[i])]
    assert not false, [(train.captions[j], train_meanings[j]) for j in false[:5]]


def test_binding_true_captions_hold_and_swapped_ones_do_not(binding: BindingPairs,
                                                            data_dir: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(scenes.CACHE_ENV, str(data_dir))
        true, swapped = scenes.load_binding_meanings(progress=False)
    assert len(true) == len(swapped) == len(binding)
    for meaning_t, meaning_s, image in zip(true, swapped, scenes.annotations(binding), strict=True):
        assert scenes.caption_holds(meaning_t, image) and not scenes.caption_holds(meaning_s, image)
        assert len(meaning_t.objects) == len(meaning_s.objects) == 2


def _words(text: str) -> str:
    return " " + " ".join(tokenize(text)) + " "


def test_meanings_say_what_the_words_say(train: CaptionedImages,
                                         train_meanings: list[scenes.Meaning]) -> None:
    phrases = sorted(scenes.PHRASE_BACKGROUNDS, key=len, reverse=True)
    nouns = {label: [*names, *map(scenes._plural, names)] for label, names in scenes.SYNONYMS.items()}
    nouns |= {h: [*names, *map(scenes._plural, names)] for h, names in scenes.HYPERNYM_NOUNS.items()}
    sizes = {size: words for size, words in scenes.SIZE_WORDS.items()}
    kinds = Counter()
    for caption, meaning in zip(train.captions[::4], train_meanings[::4], strict=True):
        text = _words(caption)
        if meaning.backgrounds is not None:  # the where-phrase is in the caption; cut it out
            said = next(p for p in phrases if _words(p) in text
                        and scenes.PHRASE_BACKGROUNDS[p] == meaning.backgrounds)
            text = text.replace(_words(said), " ", 1)
        colours = Counter(t for t in text.split() if t in scenes.COLOURS)
        assert colours == Counter(m.colour for m in meaning.objects if m.colour), (caption, meaning)
        for m in meaning.objects:
            assert any(_words(n) in text for n in nouns[m.noun]), (caption, meaning)
            if m.size:
                assert any(f" {w} " in text for w in sizes[m.size]), (caption, meaning)
        counted = [w for n, w in scenes.NUMBERS.items() if f" {w} " in text]
        assert counted == ([] if meaning.count is None else [scenes.NUMBERS[meaning.count]]), caption
        if meaning.relation is not None:
            assert any(_words(p) in text for p in scenes.RELATIONS[meaning.relation[1]]), caption
        kinds[("count" if meaning.count else "relation" if meaning.relation else
               f"{len(meaning.objects)} objects") + (" + scene" if meaning.backgrounds else "")] += 1
    assert min(kinds.values()) > 20 and len(kinds) >= 8, kinds  # every kind of meaning was checked


def test_caption_holds_by_hand() -> None:
    bird = scenes.SceneObject("bird", "animal", "red", "small", (10, 5, 20, 15))
    boat = scenes.SceneObject("boat", "vehicle", "blue", "large", (8, 40, 40, 60))
    image = scenes.Annotation((bird, boat), "water")
    M, Meaning = scenes.Mention, scenes.Meaning
    yes = [Meaning((M("bird", "red"),)), Meaning((M("animal"),)), Meaning((M("vehicle", size="large"),)),
           Meaning((M("bird"), M("boat")), (0, "above", 1)), Meaning((M("boat"), M("bird")), (0, "below", 1)),
           Meaning((M("bird"),), count=1), Meaning(backgrounds=("water", "sky")),
           Meaning((M("boat", "blue"), M("bird", "red")), backgrounds=("water",))]
    no = [Meaning((M("bird", "blue"),)), Meaning((M("plant"),)), Meaning((M("vehicle", size="small"),)),
          Meaning((M("boat"), M("bird")), (0, "above", 1)), Meaning((M("bird"), M("bird"))),
          Meaning((M("bird"),), count=2), Meaning((M("animal"),), count=2), Meaning(backgrounds=("sky",)),
          Meaning((M("boat", "red"), M("bird", "blue"))), Meaning((M("bird"), M("boat")), (0, "left of", 1))]
    assert [scenes.caption_holds(m, image) for m in yes] == [True] * len(yes)
    assert [scenes.caption_holds(m, image) for m in no] == [False] * len(no)
    assert scenes.holds_matrix(yes + no, [image]).tolist() == [[True] * len(yes) + [False] * len(no)]
    for m in yes + no:
        assert Meaning.from_json(json.loads(json.dumps(m.to_json()))) == m
    assert scenes.PHRASE_BACKGROUNDS["in the sky"] == ("sky", "field")
    assert scenes.PHRASE_BACKGROUNDS["at night"] == ("night",)
    for bad in (lambda: M("zebra"), lambda: M("bird", "mauve"), lambda: M("bird", size="huge"),
                lambda: Meaning((M("bird"),), (0, "above", 1)), lambda: Meaning((M("bird"), M("boat")), count=2),
                lambda: Meaning(backgrounds=("moon",)), lambda: Meaning(backgrounds=())):
        with pytest.raises(ValueError):
            bad()


def test_holds_matrix_agrees_with_caption_holds(train: CaptionedImages,
                                                train_meanings: list[scenes.Meaning]) -> None:
    images = scenes.annotations(train)[:150]
    meanings = train_meanings[:750]
    matrix = scenes.holds_matrix(meanings, images)
    assert matrix.shape == (150, 750) and matrix.dtype == bool
    slow = np.array([[scenes.caption_holds(m, im) for m in meanings] for im in images])
    assert np.array_equal(matrix, slow)
    assert 0.01 < matrix.mean() < 0.5  # captions are vague, not vacuous


def test_meanings_load_without_the_images(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch)
    meanings = scenes.load_meanings("val", SMALL, progress=False)  # nothing cached: drawn once
    assert calls == ["val"] and len(meanings) == SMALL.n_val * SMALL.captions_per_image
    monkeypatch.setattr(scenes.cache, "_read_npy", lambda *a: pytest.fail("images were read"))
    assert scenes.load_meanings("val", SMALL, progress=False) == meanings and calls == ["val"]
    true, swapped = scenes.load_binding_meanings(SMALL, progress=False)
    assert len(true) == len(swapped) == SMALL.n_binding
    with pytest.raises(ValueError, match="unknown split"):
        scenes.load_meanings("binding", SMALL, progress=False)


def test_hard_negatives_rebuild_the_binding_split(binding: BindingPairs, data_dir: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(scenes.CACHE_ENV, str(data_dir))
        true, _ = scenes.load_binding_meanings(progress=False)
    for i, image in enumerate(scenes.annotations(binding)):
        negatives = scenes.hard_negatives(binding.true_captions[i], true[i], image)
        assert (binding.swapped_captions[i], binding.kinds[i]) in negatives, (binding.true_captions[i], negatives)


def test_hard_negatives_of_training_captions(train: CaptionedImages,
                                             train_meanings: list[scenes.Meaning]) -> None:
    images = scenes.annotations(train)
    kinds = Counter()
    for j in range(0, len(train.captions), 5):
        caption, image = train.captions[j], images[train.caption_image[j]]
        for text, kind in scenes.hard_negatives(caption, train_meanings[j], image):
            def words(t: str) -> Counter:  # the same words (an article follows its next word)
                return Counter(w for w in tokenize(t) if w not in ("a", "an"))
            assert words(text) == words(caption) and text != caption
            assert text[0].isupper() == caption[0].isupper()
            for article, word in re.findall(r"\b(a|an) (\w+)", text.lower()):
                assert (article == "an") == (word[0] in "aeiou"), text
            kinds[kind] += 1
    assert kinds["attribute"] > 500 and kinds["relation"] > 300, kinds
    bird = scenes.SceneObject("bird", "animal", "red", "small", (10, 5, 20, 15))
    boat = scenes.SceneObject("boat", "vehicle", "red", "large", (8, 40, 40, 60))
    same = scenes.Meaning((scenes.Mention("bird", "red"), scenes.Mention("boat", "red")))
    assert scenes.hard_negatives("a red bird and a red boat", same, scenes.Annotation((bird, boat), "sky")) == []


def _phrases(text: str, nouns: dict[str, str]) -> list[tuple[str | None, str]]:
    """(colour or None, class) of each noun phrase of a caption, in order."""
    names = sorted(nouns, key=len, reverse=True)
    pattern = rf"\b(?:({'|'.join(scenes.COLOURS)}) )?({'|'.join(names)})\b"
    return [(colour or None, nouns[noun]) for colour, noun in re.findall(pattern, text.lower())]


def test_binding_pair_writes_a_true_caption_and_its_false_swap() -> None:
    bird = scenes.SceneObject("bird", "animal", "red", "small", (10, 5, 20, 15))  # above the boat
    boat = scenes.SceneObject("boat", "vehicle", "blue", "large", (8, 40, 40, 60))
    image = scenes.Annotation((bird, boat), "water")
    nouns = {name: label for label in ("bird", "boat") for name in scenes.SYNONYMS[label]}
    above, below = set(scenes.RELATIONS["above"]), set(scenes.RELATIONS["below"])
    rng = np.random.default_rng(0)
    for _ in range(40):
        true, swapped, kind = scenes.binding_pair(image, rng, "attribute")
        assert kind == "attribute" and true != swapped
        assert set(_phrases(true, nouns)) == {("red", "bird"), ("blue", "boat")}, true
        assert set(_phrases(swapped, nouns)) == {("blue", "bird"), ("red", "boat")}, swapped
        true, swapped, kind = scenes.binding_pair(image, rng, "relation")
        first = _phrases(true, nouns)[0][1]
        relation = next(w for w in sorted(above | below, key=len, reverse=True) if f" {w} " in true.lower())
        assert (first == "bird") == (relation in above), true  # the bird is above the boat
        assert _phrases(swapped, nouns) == _phrases(true, nouns)[::-1], (true, swapped)
    two_birds = scenes.Annotation((bird, dataclasses.replace(boat, label="bird", hypernym="animal")), "sky")
    assert scenes.binding_pair(two_birds, rng) is None  # the binding split's objects differ in class
    same_colour = scenes.Annotation((bird, dataclasses.replace(boat, colour="red")), "sky")
    assert scenes.binding_pair(same_colour, rng) is None
    with pytest.raises(ValueError, match="kind must be one of"):
        scenes.binding_pair(image, rng, "colour")


def test_binding_pairs_of_training_images(train: CaptionedImages) -> None:
    images = scenes.annotations(train)
    pairs = [scenes.binding_pair(image, np.random.default_rng([0, i])) for i, image in enumerate(images)]
    again = [scenes.binding_pair(image, np.random.default_rng([0, i])) for i, image in enumerate(images)]
    assert pairs == again  # deterministic given the generator
    found = [p for p in pairs if p]
    assert len(found) >= len(images) // 4, len(found)
    assert Counter(kind for *_, kind in found).keys() == {"attribute", "relation"}
    for true, swapped, _ in found:
        def words(t: str) -> Counter:  # the same words (an article follows its next word)
            return Counter(w for w in tokenize(t) if w not in ("a", "an"))
        assert words(true) == words(swapped) and true != swapped
    for i, (image, pair) in enumerate(zip(images, pairs, strict=True)):
        distinct = any(a.label != b.label and a.colour != b.colour
                       for a, b in itertools.combinations(image.objects, 2))
        assert (pair is not None) <= distinct, i
