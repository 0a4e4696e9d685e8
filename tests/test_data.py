"""The data interface: CaptionedImages, BindingPairs, SceneObject and the torch adapters."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from utils import scenes
from utils.data import (
    BindingPairs,
    CaptionedImages,
    DetectionDataset,
    PairDataset,
    SceneObject,
    area_resize,
)


def _obj(label: str = "bird", box: tuple[int, int, int, int] = (0, 0, 4, 4)) -> SceneObject:
    return SceneObject(label, "animal", "red", "small", box)


@pytest.fixture()
def toy() -> CaptionedImages:
    """Three 8x8 images; captions deliberately not grouped by image."""
    rng = np.random.default_rng(0)
    return CaptionedImages(
        name="toy",
        images=rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8),
        captions=["c0 of 1", "c1 of 0", "c2 of 2", "c3 of 1", "c4 of 0"],
        caption_image=np.array([1, 0, 2, 1, 0]),
        objects=[[_obj()], [_obj("dog", (2, 2, 8, 6)), _obj("ball", (0, 4, 2, 8))], []],
        backgrounds=["sky", "field", "snow"],
    )


@pytest.fixture(scope="module")
def small_scenes(tmp_path_factory: pytest.TempPathFactory) -> CaptionedImages:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(scenes.CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
        return scenes.load_scenes("val", scenes.SceneConfig(seed=5, n_val=16), progress=False)


# ---- CaptionedImages ---------------------------------------------------------------------------

def test_caption_lookup(toy: CaptionedImages) -> None:
    assert len(toy) == 3
    assert toy.caption_indices(0).tolist() == [1, 4]
    assert toy.image_captions(1) == ["c0 of 1", "c3 of 1"]
    assert toy.image_captions(-1) == ["c2 of 2"]
    assert toy.caption_image.dtype == np.int64
    with pytest.raises(IndexError):
        toy.caption_indices(3)
    assert "toy" in repr(toy) and "5 captions" in repr(toy)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"images": np.zeros((3, 8, 8, 3), np.float32)}, ValueError, "uint8"),
        ({"images": np.zeros((3, 8, 8), np.uint8)}, ValueError, r"\(N, H, W, 3\)"),
        ({"images": [[0]]}, TypeError, "numpy array"),
        ({"captions": ["a", "b"]}, ValueError, r"shape \(2,\)"),
        ({"captions": ["a", 1, "c", "d", "e"]}, TypeError, "list of str"),
        ({"caption_image": np.array([0, 1, 2, 3, 0])}, ValueError, "index 3, outside 0..2"),
        ({"caption_image": np.array([0, 1, 2, -1, 0])}, ValueError, "index -1"),
        ({"caption_image": np.array([0.0, 1, 2, 1, 0])}, ValueError, "integers"),
        ({"objects": [[]]}, ValueError, "objects has 1 lists, expected 3"),
        ({"objects": [["bird"], [], []]}, TypeError, "SceneObject"),
        ({"backgrounds": ["sky"]}, ValueError, "backgrounds has 1 entries, expected 3"),
    ],
)
def test_captioned_images_validation(toy: CaptionedImages, change: dict, error: type,
                                     message: str) -> None:
    fields = {k: getattr(toy, k) for k in ("name", "images", "captions", "caption_image",
                                           "objects", "backgrounds")}
    with pytest.raises(error, match=message):
        CaptionedImages(**(fields | change))


def test_resized_is_an_exact_area_average() -> None:
    block = np.array([[0, 10], [20, 31]], dtype=np.uint8)  # mean 15.25 -> 15; 1,2,2,2 -> 1.75 -> 2
    images = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    images[0, :2, :2, :] = block[..., None]
    images[1, 2:, 2:, 0] = np.array([[1, 2], [2, 2]])
    data = CaptionedImages("t", images, ["a", "b"], np.array([0, 1]))
    small = data.resized(2)
    assert small.shape == (2, 2, 2, 3) and small.dtype == np.uint8
    assert small[0, 0, 0].tolist() == [15, 15, 15] and small[0, 1, 1].tolist() == [0, 0, 0]
    assert small[1, 1, 1].tolist() == [2, 0, 0]
    assert np.array_equal(data.resized(4), images) and data.resized(4) is not images


def test_resized_non_integer_factor_keeps_means() -> None:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (5, 64, 64, 3), dtype=np.uint8)
    data = CaptionedImages("t", images, ["a"], np.array([0]))
    small = data.resized(48)
    assert small.shape == (5, 48, 48, 3) and small.dtype == np.uint8
    assert abs(small.astype(float).mean() - images.astype(float).mean()) < 0.5
    flat = np.full((1, 64, 64, 3), 77, np.uint8)
    assert (area_resize(flat, 48) == 77).all() and (area_resize(flat, 5) == 77).all()
    with pytest.raises(ValueError, match="only shrinks"):
        data.resized(65)


def test_to_tensor(toy: CaptionedImages) -> None:
    x = toy.to_tensor()
    assert x.dtype == torch.float32 and x.shape == (3, 3, 8, 8) and x.is_contiguous()
    assert torch.equal(x, torch.from_numpy(toy.images).permute(0, 3, 1, 2).float() / 255)
    y = toy.to_tensor(4)
    assert y.shape == (3, 3, 4, 4) and y.min() >= 0.0 and y.max() <= 1.0
    assert torch.allclose(y, torch.from_numpy(toy.resized(4)).permute(0, 3, 1, 2).float() / 255)


def test_subset(toy: CaptionedImages) -> None:
    sub = toy.subset([2, 0])
    assert len(sub) == 2 and np.array_equal(sub.images, toy.images[[2, 0]])
    assert sub.captions == ["c2 of 2", "c1 of 0", "c4 of 0"]
    assert sub.caption_image.tolist() == [0, 1, 1]
    assert sub.image_captions(1) == toy.image_captions(0)
    assert sub.objects == [toy.objects[2], toy.objects[0]] and sub.backgrounds == ["snow", "sky"]
    assert toy.subset([-1]).captions == ["c2 of 2"]
    assert len(toy.subset([])) == 0
    with pytest.raises(ValueError, match="repeat"):
        toy.subset([0, 0])
    with pytest.raises(IndexError):
        toy.subset([3])


def test_scene_object_validation() -> None:
    assert _obj(box=(1.0, 2.0, 3.0, 4.0)).box == (1, 2, 3, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="size"):
        SceneObject("bird", "animal", "red", "huge", (0, 0, 1, 1))
    with pytest.raises(ValueError, match="x0 < x1"):
        _obj(box=(4, 0, 4, 4))


def test_binding_pairs_validation() -> None:
    images = np.zeros((2, 8, 8, 3), np.uint8)
    pairs = BindingPairs(images, ["a b", "c d"], ["b a", "d c"], ["attribute", "relation"])
    assert len(pairs) == 2 and "1 attribute, 1 relation" in repr(pairs)
    with pytest.raises(ValueError, match="'attribute' or 'relation'"):
        BindingPairs(images, ["a", "b"], ["a", "b"], ["attribute", "colour"])
    with pytest.raises(ValueError, match="swapped_captions has 1 entries, expected 2"):
        BindingPairs(images, ["a", "b"], ["a"], ["attribute", "relation"])


# ---- torch adapters ----------------------------------------------------------------------------

def test_pair_dataset(small_scenes: CaptionedImages) -> None:
    ds = PairDataset(small_scenes, size=32)
    assert isinstance(ds, Dataset) and len(ds) == len(small_scenes.captions) == 80
    image, j = ds[7]
    assert j == 7 and image.shape == (3, 32, 32) and image.dtype == torch.float32
    expected = small_scenes.resized(32)[small_scenes.caption_image[7]]
    assert torch.equal(image, torch.from_numpy(expected).permute(2, 0, 1).float() / 255)
    images, idx = next(iter(DataLoader(ds, batch_size=10, shuffle=False)))
    assert images.shape == (10, 3, 32, 32) and idx.tolist() == list(range(10))
    with pytest.raises(IndexError):
        ds[80]


def test_detection_dataset(small_scenes: CaptionedImages) -> None:
    ds = DetectionDataset(small_scenes, scenes.CLASSES, size=32)
    assert len(ds) == 16
    for i in range(len(ds)):
        image, target = ds[i]
        objs = small_scenes.objects[i]
        assert image.shape == (3, 32, 32) and image.dtype == torch.float32
        assert target["boxes"].dtype == torch.float32 and target["boxes"].shape == (len(objs), 4)
        assert target["labels"].dtype == torch.int64
        assert target["labels"].tolist() == [scenes.CLASSES.index(o.label) for o in objs]
        assert torch.equal(target["boxes"], torch.tensor([o.box for o in objs], dtype=torch.float32) / 2)
    target = ds[0][1]
    target["boxes"] += 100  # callers may modify what they get without changing the data set
    assert ds[0][1]["boxes"].max() <= 32


def test_detection_dataset_errors(small_scenes: CaptionedImages, toy: CaptionedImages) -> None:
    with pytest.raises(ValueError, match="lacks labels"):
        DetectionDataset(small_scenes, ["bird"])
    no_objects = CaptionedImages("photos", toy.images, toy.captions, toy.caption_image)
    with pytest.raises(ValueError, match="object annotations"):
        DetectionDataset(no_objects, ["bird"])

