"""Loaders for real captioned photos you already have on disk (nothing is downloaded).

Both return `utils.data.CaptionedImages` (like Scenes, without object annotations), with every
image center-cropped to a square and resized to `size` x `size`:

- Flickr8k: `Flickr8k.token.txt` (lines `<image>.jpg#<n><TAB><caption>`) + the image folder.
- COCO captions: `captions_train2017.json` / `captions_val2017.json` (keys "images" with
  id/file_name and "annotations" with image_id/caption) + the image folder.

Images keep the order in which the caption file first lists them; `limit` keeps the first ones.
The real Flickr8k token file lists a few images that its image folder lacks
(e.g. `2258277193_586949ec62.jpg.1`): pass `skip_missing=True` to drop those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from tqdm.auto import tqdm

from utils.data import CaptionedImages

_FLICKR_LINE = re.compile(r"^(?P<image>[^\t#]+)#(?P<n>\d+)\t(?P<caption>.*\S.*)$")
_FLICKR_FORMAT = "'<image>.jpg#<n><TAB><caption>'"


def _existing(path: str | Path, what: str, directory: bool = False) -> Path:
    """The path, or a FileNotFoundError that says what was expected there."""
    p = Path(path).expanduser()
    if directory and not p.is_dir():
        raise FileNotFoundError(f"{what} not found: {p} is not a folder")
    if not directory and not p.is_file():
        raise FileNotFoundError(f"{what} not found: {p}")
    return p


def load_image(path: str | Path, size: int = 64) -> np.ndarray:
    """One photo as a (size, size, 3) uint8 array: RGB, center-cropped to a square, resized."""
    p = Path(path)
    try:
        with Image.open(p) as img:
            img.draft("RGB", (3 * size, 3 * size))  # JPEG: decode at a reduced scale (fast)
            img = ImageOps.exif_transpose(img).convert("RGB")
            w, h = img.size
            side = min(w, h)
            crop = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
            return np.asarray(img.resize((size, size), Image.Resampling.BICUBIC, box=crop,
                                         reducing_gap=3.0))
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"cannot read image {p}: {err}") from err


def _build(name: str, image_dir: Path, groups: Sequence[tuple[str, list[str], str]], size: int,
           limit: int | None, skip_missing: bool, progress: bool) -> CaptionedImages:
    """Load the images of (file name, captions, where it was listed) groups into CaptionedImages."""
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be None or a positive int, got {limit!r}")
    if skip_missing:
        missing = [g for g in groups if not (image_dir / g[0]).is_file()]
        if missing:
            print(f"{name}: skipped {len(missing)} captioned images whose files are not in "
                  f"{image_dir} (first: {missing[0][0]})")
            groups = [g for g in groups if (image_dir / g[0]).is_file()]
    groups = groups[:limit] if limit is not None else groups
    if not groups:
        raise ValueError(f"{name}: no captioned images found")
    images = np.empty((len(groups), size, size, 3), dtype=np.uint8)
    for i, (file_name, _, listed_at) in enumerate(tqdm(groups, desc=f"Loading {name}", unit="img",
                                                       disable=not progress)):
        path = image_dir / file_name
        if not path.is_file():
            raise FileNotFoundError(
                f"image {path} (listed at {listed_at}) not found; pass skip_missing=True to drop "
                "captioned images whose files are missing"
            )
        images[i] = load_image(path, size)
    counts = [len(captions) for _, captions, _ in groups]
    return CaptionedImages(
        name=name, images=images,
        captions=[c for _, captions, _ in groups for c in captions],
        caption_image=np.repeat(np.arange(len(groups), dtype=np.int64), counts),
    )


def load_flickr8k(token_file: str | Path, image_dir: str | Path, size: int = 64,
                  limit: int | None = None, skip_missing: bool = False,
                  progress: bool = True) -> CaptionedImages:
    """Flickr8k from its token file (`<image>.jpg#<n>\\t<caption>` lines) and image folder."""
    tokens = _existing(token_file, "Flickr8k caption file (Flickr8k.token.txt)")
    folder = _existing(image_dir, "Flickr8k image folder", directory=True)
    groups: dict[str, tuple[list[str], str]] = {}
    with open(tokens, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            match = _FLICKR_LINE.match(line)
            if match is None:
                raise ValueError(f"{tokens}, line {number}: expected {_FLICKR_FORMAT}, got {line[:80]!r}")
            image = match["image"].strip()
            if image not in groups:
                groups[image] = ([], f"{tokens.name} line {number}")
            groups[image][0].append(match["caption"].strip())
    ordered = [(image, captions, where) for image, (captions, where) in groups.items()]
    return _build("flickr8k", folder, ordered, size, limit, skip_missing, progress)


def _field(obj: object, key: str, kind: type | tuple[type, ...], where: str, path: Path) -> object:
    """obj[key] checked to be of the given type, or a ValueError naming the file and entry."""
    if not isinstance(obj, dict) or key not in obj:
        raise ValueError(f"{path}: {where} has no {key!r} field")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{path}: {where} field {key!r} has the wrong type ({type(value).__name__})")
    return value


def load_coco_captions(captions_json: str | Path, image_dir: str | Path, size: int = 64,
                       limit: int | None = None, skip_missing: bool = False,
                       progress: bool = True) -> CaptionedImages:
    """COCO captions from a captions_*.json file ("images" + "annotations") and its image folder."""
    path = _existing(captions_json, "COCO captions file (captions_*.json)")
    folder = _existing(image_dir, "COCO image folder", directory=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON (line {err.lineno}, column {err.colno}): "
                         f"expected a COCO captions file with 'images' and 'annotations'") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object with 'images' and 'annotations' lists")
    images = _field(data, "images", list, "the top level", path)
    annotations = _field(data, "annotations", list, "the top level", path)
    files: dict[int, tuple[str, str]] = {}
    for k, entry in enumerate(images):
        where = f"images[{k}]"
        image_id = _field(entry, "id", int, where, path)
        files[image_id] = (str(_field(entry, "file_name", str, where, path)), where)
    captions: dict[int, list[str]] = {image_id: [] for image_id in files}
    for k, entry in enumerate(annotations):
        where = f"annotations[{k}]"
        image_id = _field(entry, "image_id", int, where, path)
        caption = str(_field(entry, "caption", str, where, path)).strip()
        if image_id not in files:
            raise ValueError(f"{path}: {where} refers to image_id {image_id}, which is not in 'images'")
        if caption:
            captions[image_id].append(caption)
    groups = [(files[i][0], caps, f"{path.name} {files[i][1]}") for i, caps in captions.items() if caps]
    return _build("coco", folder, groups, size, limit, skip_missing, progress)
