"""Generation: one image, its captions and their meanings per (seed, split, index), in chunks.

Every item has its own numpy Generator seeded with (seed, split, index), so an item does not
depend on the split's size, on the other items or on the number of worker processes.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from utils.scenes.drawing import _render
from utils.scenes.grammar import _binding_captions, _captions
from utils.scenes.layout import _pixel_box, _relation_triples, _sample_scene, _Scene
from utils.scenes.meaning import Meaning

SPLITS = ("train", "val", "test")
_STREAM = {"train": 1, "val": 2, "test": 3, "binding": 4}  # independent seed streams


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


def _rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of one item: independent of every other item, split and process."""
    return np.random.default_rng([seed, _STREAM[split], index])


def _scene_item(seed: int, split: str, index: int, n: int,
                k: int) -> tuple[np.ndarray, list[str], list[Meaning], _Scene]:
    """Image, k captions, their meanings and the scene of item `index` of a split."""
    rng = _rng(seed, split, index)
    scene = _sample_scene(rng, n)
    captions, meanings = _captions(rng, scene, n, k)
    return _render(scene, n), captions, meanings, scene


def _binding_item(seed: int, index: int,
                  n: int) -> tuple[np.ndarray, str, str, str, _Scene, Meaning, Meaning]:
    """Image, true caption, swapped caption (same words, other binding), kind, scene, meanings."""
    rng = _rng(seed, "binding", index)
    kind = "attribute" if index % 2 == 0 else "relation"
    while True:  # two objects of different classes and colours with a clear asymmetric relation
        scene = _sample_scene(rng, n, n_objects=2, distinct=True)
        triples = _relation_triples(scene, n) if len(scene.objects) == 2 else []
        if any(r != "next to" for _, _, r in triples):
            break
    true, swapped, true_meaning, swapped_meaning = _binding_captions(rng, scene.objects, triples, kind)
    return _render(scene, n), true, swapped, kind, scene, true_meaning, swapped_meaning


def _annotations(scene: _Scene, n: int) -> list[list[Any]]:
    """The scene's objects as JSON-friendly rows [label, colour, size, x0, y0, x1, y1]."""
    return [[o.label, o.colour, o.size, *_pixel_box(o, n)] for o in scene.objects]


def _make_chunk(task: tuple[str, int, int, int, int, int]) -> dict[str, Any]:
    """Items start..stop-1 of a split (runs in worker processes too)."""
    split, seed, start, stop, n, k = task
    images = np.empty((stop - start, n, n, 3), dtype=np.uint8)
    out: dict[str, Any] = {"images": images, "objects": [], "backgrounds": []}
    if split == "binding":
        out.update(true_captions=[], swapped_captions=[], kinds=[], true_meanings=[],
                   swapped_meanings=[])
    else:
        out.update(captions=[], meanings=[])
    for j, index in enumerate(range(start, stop)):
        if split == "binding":
            images[j], true, swapped, kind, scene, true_m, swapped_m = _binding_item(seed, index, n)
            out["true_captions"].append(true)
            out["swapped_captions"].append(swapped)
            out["kinds"].append(kind)
            out["true_meanings"].append(true_m.to_json())
            out["swapped_meanings"].append(swapped_m.to_json())
        else:
            images[j], captions, meanings, scene = _scene_item(seed, split, index, n, k)
            out["captions"].append(captions)
            out["meanings"].append([m.to_json() for m in meanings])
        out["objects"].append(_annotations(scene, n))
        out["backgrounds"].append(scene.background)
    return out


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
