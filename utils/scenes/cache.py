"""The on-disk cache of Scenes and the loaders every notebook calls.

A split lives in `$COURSE_DATA_DIR` (default `~/.cache/streetlight-to-clip/`) under a folder keyed
by the configuration and `GENERATOR_VERSION`: `images.npy`, `meta.json` (captions, their
meanings, objects, backgrounds) and `manifest.json` (sizes and sha256 of both). A missing, partial,
corrupt or outdated copy is never used: it is drawn again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from utils.data import BindingPairs, CaptionedImages, SceneObject
from utils.scenes.generate import SPLITS, SceneConfig, _generate
from utils.scenes.meaning import Meaning
from utils.scenes.vocabulary import HYPERNYMS

# Bump whenever drawing, layout or caption code changes what a configuration generates or stores.
# 6: meta.json also holds each caption's meaning (images and captions are those of version 5).
GENERATOR_VERSION = 6
CACHE_ENV = "COURSE_DATA_DIR"
DEFAULT_CACHE = Path("~/.cache/streetlight-to-clip")


def cache_dir(config: SceneConfig | None = None) -> Path:
    """The cache folder of a configuration: $COURSE_DATA_DIR (or ~/.cache/...)/scenes-v<V>-<hash>."""
    config = config or SceneConfig()
    root = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()
    key = hashlib.sha256(json.dumps(dataclasses.asdict(config), sort_keys=True).encode()).hexdigest()
    return root / f"scenes-v{GENERATOR_VERSION}-{key[:12]}"


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


def _read_split(path: Path, split: str, config: SceneConfig,
                images: bool = True) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Images (unless `images=False`) and metadata of a cached split, verified by its manifest."""
    try:
        manifest = json.loads((path / "manifest.json").read_text())
        if (manifest.get("generator_version"), manifest.get("split"), manifest.get("config")) != (
                GENERATOR_VERSION, split, dataclasses.asdict(config)):
            raise _CacheInvalid("manifest is for another generator version, split or config")
        files = manifest["files"]
        pixels = _read_npy(path / "images.npy", files["images.npy"]) if images else None
        raw = (path / "meta.json").read_bytes()
        if (len(raw), hashlib.sha256(raw).hexdigest()) != (files["meta.json"]["size"],
                                                          files["meta.json"]["sha256"]):
            raise _CacheInvalid("meta.json does not match its size and sha256 in the manifest")
        return pixels, json.loads(raw)
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


def _load(split: str, config: SceneConfig, progress: bool, workers: int | None,
          images: bool = True) -> tuple[np.ndarray | None, dict[str, Any]]:
    """A split from the cache, or freshly generated (and cached) when the cache is not valid."""
    path = cache_dir(config) / split
    if path.exists():
        try:
            return _read_split(path, split, config, images)
        except _CacheInvalid as err:
            print(f"Scenes cache {path} is not valid ({err}); rebuilding it.")
    data = _generate(split, config, progress, workers)
    pixels = data.pop("images")
    _write_split(path, split, config, pixels, data)
    return pixels, data


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


def load_meanings(split: str = "train", config: SceneConfig | None = None, progress: bool = True,
                  workers: int | None = None) -> list[Meaning]:
    """The meaning of every caption of a split, in the order of `load_scenes(split).captions`."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {SPLITS} (or load_binding_meanings())")
    _, meta = _load(split, config or SceneConfig(), progress, workers, images=False)
    return [Meaning.from_json(row) for per_image in meta["meanings"] for row in per_image]


def load_binding_meanings(config: SceneConfig | None = None, progress: bool = True,
                          workers: int | None = None) -> tuple[list[Meaning], list[Meaning]]:
    """The meanings of the binding split's true and swapped captions."""
    _, meta = _load("binding", config or SceneConfig(), progress, workers, images=False)
    return ([Meaning.from_json(row) for row in meta["true_meanings"]],
            [Meaning.from_json(row) for row in meta["swapped_meanings"]])
