"""Real-data loaders on tiny fixtures written in the Flickr8k and COCO-captions formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from utils.realdata import load_coco_captions, load_flickr8k, load_image

RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)


def _striped(path: Path, width: int, height: int) -> None:
    """A JPEG whose middle square is green and whose left/right margins are red/blue."""
    img = np.zeros((height, width, 3), np.uint8)
    img[:] = GREEN
    margin = (width - height) // 2
    img[:, :margin] = RED
    img[:, width - margin:] = BLUE
    Image.fromarray(img).save(path, quality=95)


@pytest.fixture()
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    _striped(folder / "wide.jpg", 180, 100)
    Image.new("L", (40, 50), 128).save(folder / "grey.jpg")  # greyscale, portrait
    Image.new("RGB", (300, 300), BLUE).save(folder / "blue.jpg")
    return folder


@pytest.fixture()
def flickr(tmp_path: Path, photos: Path) -> Path:
    token = tmp_path / "Flickr8k.token.txt"
    token.write_text(
        "wide.jpg#0\tA green square between red and blue .\n"
        "wide.jpg#1\tStripes of colour\n"
        "\n"
        "grey.jpg#0\tA grey picture .\r\n"
        "blue.jpg#0\tAll blue .\n"
        "wide.jpg#2\tA third caption for the first image\n",
        encoding="utf-8",
    )
    return token


def test_flickr8k(flickr: Path, photos: Path) -> None:
    data = load_flickr8k(flickr, photos, progress=False)
    assert data.name == "flickr8k" and data.objects is None and data.backgrounds is None
    assert data.images.shape == (3, 64, 64, 3) and data.images.dtype == np.uint8
    assert data.image_captions(0) == ["A green square between red and blue .", "Stripes of colour",
                                      "A third caption for the first image"]
    assert data.image_captions(1) == ["A grey picture ."] and data.image_captions(2) == ["All blue ."]
    # center crop: the red and blue margins of the wide photo are cut away
    mean = data.images[0].reshape(-1, 3).mean(0)
    assert np.abs(mean - GREEN).max() < 12
    assert np.abs(data.images[1].astype(int) - 128).max() <= 2  # greyscale -> RGB
    assert np.abs(data.images[2].reshape(-1, 3).mean(0) - BLUE).max() < 6


def test_flickr8k_size_and_limit(flickr: Path, photos: Path) -> None:
    data = load_flickr8k(flickr, photos, size=16, limit=2, progress=False)
    assert data.images.shape == (2, 16, 16, 3) and len(data.captions) == 4
    with pytest.raises(ValueError, match="limit"):
        load_flickr8k(flickr, photos, limit=0, progress=False)


def test_flickr8k_missing_paths(flickr: Path, photos: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"Flickr8k caption file.*nope\.txt"):
        load_flickr8k(tmp_path / "nope.txt", photos, progress=False)
    with pytest.raises(FileNotFoundError, match=r"Flickr8k image folder.*missing_dir"):
        load_flickr8k(flickr, tmp_path / "missing_dir", progress=False)


def test_flickr8k_malformed_line(tmp_path: Path, photos: Path) -> None:
    token = tmp_path / "bad.txt"
    token.write_text("wide.jpg#0\tfine\nwide.jpg#1\tfine too\nwide.jpg 2 no tab or hash\n")
    with pytest.raises(ValueError, match=r"bad\.txt, line 3: expected '<image>\.jpg#<n><TAB><caption>'"):
        load_flickr8k(token, photos, progress=False)
    token.write_text("wide.jpg#0\t   \n")
    with pytest.raises(ValueError, match="line 1"):  # an empty caption is malformed too
        load_flickr8k(token, photos, progress=False)
    token.write_text("\n\n")
    with pytest.raises(ValueError, match="no captioned images"):
        load_flickr8k(token, photos, progress=False)


def test_flickr8k_missing_image(flickr: Path, photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (photos / "grey.jpg").unlink()
    with pytest.raises(FileNotFoundError, match=r"grey\.jpg \(listed at Flickr8k\.token\.txt line 4\)"):
        load_flickr8k(flickr, photos, progress=False)
    data = load_flickr8k(flickr, photos, skip_missing=True, progress=False)
    assert len(data) == 2 and data.image_captions(1) == ["All blue ."]
    assert "skipped 1" in capsys.readouterr().out


def test_unreadable_image(flickr: Path, photos: Path) -> None:
    (photos / "blue.jpg").write_text("this is not a JPEG")
    with pytest.raises(ValueError, match=r"cannot read image .*blue\.jpg"):
        load_flickr8k(flickr, photos, progress=False)
    with pytest.raises(FileNotFoundError):
        load_image(photos / "absent.jpg")


def _coco(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "captions_val2017.json"
    path.write_text(json.dumps(payload) if not isinstance(payload, str) else payload)
    return path


COCO = {
    "info": {"description": "tiny"},
    "images": [
        {"id": 42, "file_name": "blue.jpg", "width": 300, "height": 300},
        {"id": 7, "file_name": "wide.jpg", "width": 180, "height": 100},
        {"id": 9, "file_name": "grey.jpg"},  # no captions: dropped
    ],
    "annotations": [
        {"id": 1, "image_id": 7, "caption": "A green square.\n"},
        {"id": 2, "image_id": 42, "caption": " All blue "},
        {"id": 3, "image_id": 7, "caption": "Red, green and blue."},
    ],
}


def test_coco_captions(tmp_path: Path, photos: Path) -> None:
    data = load_coco_captions(_coco(tmp_path, COCO), photos, size=32, progress=False)
    assert data.name == "coco" and data.images.shape == (2, 32, 32, 3)
    assert data.image_captions(0) == ["All blue"]  # order of "images", captions stripped
    assert data.image_captions(1) == ["A green square.", "Red, green and blue."]
    assert np.abs(data.images[1].reshape(-1, 3).mean(0) - GREEN).max() < 12
    assert len(load_coco_captions(_coco(tmp_path, COCO), photos, limit=1, progress=False)) == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"images": [', r"captions_val2017\.json is not valid JSON \(line 1"),
        ([], "expected a JSON object"),
        ({"images": []}, r"the top level has no 'annotations' field"),
        ({"images": {}, "annotations": []}, r"field 'images' has the wrong type \(dict\)"),
        ({"images": [{"file_name": "a.jpg"}], "annotations": []}, r"images\[0\] has no 'id' field"),
        ({"images": [{"id": 1, "file_name": "blue.jpg"}],
          "annotations": [{"image_id": 1, "caption": "ok"}, {"image_id": 2, "caption": "x"}]},
         r"annotations\[1\] refers to image_id 2, which is not in 'images'"),
        ({"images": [{"id": 1, "file_name": "blue.jpg"}], "annotations": [{"image_id": 1}]},
         r"annotations\[0\] has no 'caption' field"),
        ({"images": [{"id": "1", "file_name": "blue.jpg"}], "annotations": []},
         r"images\[0\] field 'id' has the wrong type \(str\)"),
    ],
)
def test_coco_malformed(tmp_path: Path, photos: Path, payload: object, message: str) -> None:
    path = _coco(tmp_path, payload)
    with pytest.raises(ValueError, match=message) as err:
        load_coco_captions(path, photos, progress=False)
    assert str(path) in str(err.value)


def test_coco_missing_paths(tmp_path: Path, photos: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"COCO captions file.*absent\.json"):
        load_coco_captions(tmp_path / "absent.json", photos, progress=False)
    (photos / "wide.jpg").unlink()
    with pytest.raises(FileNotFoundError, match=r"wide\.jpg \(listed at captions_val2017\.json images\[1\]\)"):
        load_coco_captions(_coco(tmp_path, COCO), photos, progress=False)
