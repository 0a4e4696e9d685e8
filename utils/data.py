"""The data interface every notebook uses: captioned images, binding pairs and torch adapters.

Images are uint8 arrays of shape (N, H, W, 3). Each caption belongs to one image
(`caption_image[j]` is the image index of caption j). Boxes are in pixel-edge coordinates
(x0, y0, x1, y1): the object's pixels are `images[i, y0:y1, x0:x1]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

SIZES = ("small", "medium", "large")
_CHUNK = 1024  # images per step when resizing, to bound temporary memory


@dataclass
class SceneObject:
    """One drawn object: class label, its hypernym, colour name, size word and pixel box."""

    label: str
    hypernym: str
    colour: str
    size: str
    box: tuple[int, int, int, int]

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"SceneObject.size must be one of {SIZES}, got {self.size!r}")
        if len(self.box) != 4:
            raise ValueError(f"SceneObject.box must be (x0, y0, x1, y1), got {self.box!r}")
        self.box = tuple(int(v) for v in self.box)
        x0, y0, x1, y1 = self.box
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"SceneObject.box must have x0 < x1 and y0 < y1, got {self.box!r}")


def _check_images(images: object, owner: str) -> None:
    """Raise a clear error unless `images` is a uint8 array of shape (N, H, W, 3)."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{owner}.images must be a numpy array, got {type(images).__name__}")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"{owner}.images must have shape (N, H, W, 3), got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"{owner}.images must be uint8 (0..255), got {images.dtype}")


def _check_strings(values: object, name: str, n: int | None = None) -> None:
    """Raise a clear error unless `values` is a list of str (of length n when given)."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError(f"{name} must be a list of str")
    if n is not None and len(values) != n:
        raise ValueError(f"{name} has {len(values)} entries, expected {n}")


def area_resize(images: np.ndarray, size: int) -> np.ndarray:
    """Downsample (N, H, W, 3) uint8 images to (N, size, size, 3) by area averaging."""
    _check_images(images, "area_resize")
    n, h, w, _ = images.shape
    if h != w:
        raise ValueError(f"area_resize expects square images, got {h}x{w}")
    if not isinstance(size, int) or not 1 <= size <= h:
        raise ValueError(
            f"size must be an int in 1..{h} (area averaging only shrinks); got {size!r}. "
            "To enlarge, use torch.nn.functional.interpolate on to_tensor()."
        )
    if size == h:
        return images.copy()
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    f = h // size
    for start in range(0, n, _CHUNK):
        chunk = images[start:start + _CHUNK]
        if f * size == h:  # integer factor: exact block means with round-half-up
            sums = chunk.reshape(len(chunk), size, f, size, f, 3).sum(axis=(2, 4), dtype=np.uint32)
            out[start:start + _CHUNK] = (sums + (f * f) // 2) // (f * f)
        else:
            x = torch.from_numpy(chunk).permute(0, 3, 1, 2).float()
            y = F.adaptive_avg_pool2d(x, size).round_().clamp_(0, 255)
            out[start:start + _CHUNK] = y.to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return out


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> contiguous float32 tensor (N, 3, H, W) in [0, 1]."""
    src = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    out = torch.empty(src.shape, dtype=torch.float32)
    out.copy_(src)
    return out.div_(255.0)


@dataclass
class CaptionedImages:
    """Images with captions (several per image) and, for Scenes, object and background labels."""

    name: str
    images: np.ndarray
    captions: list[str]
    caption_image: np.ndarray
    objects: list[list[SceneObject]] | None = None
    backgrounds: list[str] | None = None
    _order: np.ndarray = field(init=False, repr=False, compare=False)
    _starts: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_images(self.images, "CaptionedImages")
        n = len(self.images)
        _check_strings(self.captions, "CaptionedImages.captions")
        ci = np.asarray(self.caption_image)
        if ci.ndim != 1 or len(ci) != len(self.captions):
            raise ValueError(
                f"CaptionedImages.caption_image must have shape ({len(self.captions)},) "
                f"(one image index per caption), got {ci.shape}"
            )
        if len(ci) and not np.issubdtype(ci.dtype, np.integer):
            raise ValueError(f"CaptionedImages.caption_image must be integers, got {ci.dtype}")
        ci = ci.astype(np.int64)
        if len(ci) and (ci.min() < 0 or ci.max() >= n):
            bad = int(ci[(ci < 0) | (ci >= n)][0])
            raise ValueError(f"CaptionedImages.caption_image has index {bad}, outside 0..{n - 1}")
        self.caption_image = ci
        if self.objects is not None:
            if len(self.objects) != n:
                raise ValueError(f"CaptionedImages.objects has {len(self.objects)} lists, expected {n}")
            for objs in self.objects:
                if not all(isinstance(o, SceneObject) for o in objs):
                    raise TypeError("CaptionedImages.objects must be lists of SceneObject")
        if self.backgrounds is not None:
            _check_strings(self.backgrounds, "CaptionedImages.backgrounds", n)
        self._order = np.argsort(ci, kind="stable")
        self._starts = np.searchsorted(ci[self._order], np.arange(n + 1))

    def __len__(self) -> int:
        """Number of images."""
        return len(self.images)

    def __repr__(self) -> str:
        n, h, w, _ = self.images.shape
        extra = "" if self.objects is None else ", with objects"
        return f"CaptionedImages({self.name!r}: {n} images {h}x{w}, {len(self.captions)} captions{extra})"

    def caption_indices(self, i: int) -> np.ndarray:
        """Indices (into `captions`) of the captions of image i."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"image index {i} out of range for {len(self)} images")
        i %= len(self)
        return self._order[self._starts[i]:self._starts[i + 1]]

    def image_captions(self, i: int) -> list[str]:
        """The captions of image i."""
        return [self.captions[j] for j in self.caption_indices(i)]

    def resized(self, size: int) -> np.ndarray:
        """The images downsampled to (N, size, size, 3) uint8 by area averaging (a new array)."""
        return area_resize(self.images, size)

    def subset(self, image_indices: Sequence[int] | np.ndarray) -> CaptionedImages:
        """The given images (in that order) with their captions and labels."""
        idx = np.asarray(image_indices, dtype=np.int64).reshape(-1)
        n = len(self)
        if len(idx) and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"subset indices must lie in -{n}..{n - 1}")
        idx = idx % n if n else idx
        if len(np.unique(idx)) != len(idx):
            raise ValueError("subset indices must not repeat")
        caps = [self.caption_indices(int(i)) for i in idx]
        counts = [len(c) for c in caps]
        flat = np.concatenate(caps) if caps else np.zeros(0, np.int64)
        return CaptionedImages(
            name=self.name,
            images=self.images[idx],
            captions=[self.captions[j] for j in flat],
            caption_image=np.repeat(np.arange(len(idx), dtype=np.int64), counts),
            objects=None if self.objects is None else [self.objects[i] for i in idx],
            backgrounds=None if self.backgrounds is None else [self.backgrounds[i] for i in idx],
        )

    def to_tensor(self, size: int | None = None) -> torch.Tensor:
        """Float32 tensor (N, 3, H, W) in [0, 1], area-downsampled to size x size when given."""
        return images_to_tensor(self.images if size is None else self.resized(size))


@dataclass
class BindingPairs:
    """Images with a true caption and a swapped caption made of exactly the same words."""

    images: np.ndarray
    true_captions: list[str]
    swapped_captions: list[str]
    kinds: list[str]
    objects: list[list[SceneObject]] | None = None
    backgrounds: list[str] | None = None

    def __post_init__(self) -> None:
        _check_images(self.images, "BindingPairs")
        n = len(self.images)
        _check_strings(self.true_captions, "BindingPairs.true_captions", n)
        _check_strings(self.swapped_captions, "BindingPairs.swapped_captions", n)
        _check_strings(self.kinds, "BindingPairs.kinds", n)
        bad = sorted(set(self.kinds) - {"attribute", "relation"})
        if bad:
            raise ValueError(f"BindingPairs.kinds must be 'attribute' or 'relation', got {bad}")
        if self.objects is not None and len(self.objects) != n:
            raise ValueError(f"BindingPairs.objects has {len(self.objects)} lists, expected {n}")
        if self.backgrounds is not None:
            _check_strings(self.backgrounds, "BindingPairs.backgrounds", n)

    def __len__(self) -> int:
        """Number of (image, true caption, swapped caption) items."""
        return len(self.images)

    def __repr__(self) -> str:
        n, h, w, _ = self.images.shape
        return f"BindingPairs({n} items {h}x{w}: {self.kinds.count('attribute')} attribute, " \
               f"{self.kinds.count('relation')} relation)"


class PairDataset(Dataset):
    """(image tensor (3, size, size) in [0, 1], caption index) for every caption of `data`."""

    def __init__(self, data: CaptionedImages, size: int = 32) -> None:
        self.data = data
        self.size = size
        small = data.resized(size)
        self._images = torch.from_numpy(small).permute(0, 3, 1, 2).contiguous()  # uint8 (N,3,s,s)
        self._caption_image = torch.from_numpy(data.caption_image)

    def __len__(self) -> int:
        return len(self._caption_image)

    def __getitem__(self, j: int) -> tuple[torch.Tensor, int]:
        if not -len(self) <= j < len(self):
            raise IndexError(f"caption index {j} out of range for {len(self)} captions")
        j %= len(self)
        return self._images[self._caption_image[j]].float().div_(255.0), j


class DetectionDataset(Dataset):
    """(image tensor (3, size, size), {"boxes": float32 (k, 4) xyxy, "labels": int64 (k,)})."""

    def __init__(self, data: CaptionedImages, classes: Sequence[str], size: int = 64) -> None:
        if data.objects is None:
            raise ValueError(
                f"DetectionDataset needs object annotations, but {data.name!r} has none "
                "(real photo sets from utils.realdata carry captions only)"
            )
        self.classes = list(classes)
        index = {c: k for k, c in enumerate(self.classes)}
        missing = sorted({o.label for objs in data.objects for o in objs} - set(index))
        if missing:
            raise ValueError(f"classes lacks labels that occur in {data.name!r}: {missing}")
        self.data = data
        self.size = size
        self._images = torch.from_numpy(data.resized(size)).permute(0, 3, 1, 2).contiguous()
        scale = size / data.images.shape[2]
        self._targets = [
            {
                "boxes": torch.tensor([o.box for o in objs], dtype=torch.float32).reshape(-1, 4)
                * scale,
                "labels": torch.tensor([index[o.label] for o in objs], dtype=torch.int64),
            }
            for objs in data.objects
        ]

    def __len__(self) -> int:
        return len(self._targets)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"image index {i} out of range for {len(self)} images")
        target = self._targets[i]
        return self._images[i].float().div_(255.0), {k: v.clone() for k, v in target.items()}
