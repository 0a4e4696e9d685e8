"""utils.pretrained: real weights and photos load from installed packages with no network."""

import socket

import numpy as np
import pytest
import torch

from utils import pretrained


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_glove_real_vectors():
    words = pretrained.glove_vocabulary()
    assert len(words) == 400_000 and words[0] == "the"
    vectors, missing = pretrained.glove_vectors(["red", "green", "owl", "notaword-xyz"])
    assert vectors.shape == (3, 50) and vectors.dtype == np.float32
    assert missing == ["notaword-xyz"]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[0] @ unit[1] > unit[0] @ unit[2]  # red is closer to green than to owl


def test_efficientnet_classifies_a_real_cat():
    net = pretrained.load_efficientnet_lite0()
    cat = pretrained.sample_photos(("chelsea",))["chelsea"]
    with torch.no_grad():
        logits = net(pretrained.efficientnet_inputs(cat[None]))
        features = net.extract_features(pretrained.efficientnet_inputs(cat[None])).mean((2, 3))
    names = pretrained.imagenet_class_names()
    top5 = [names[i].lower() for i in logits.topk(5).indices[0]]
    assert any("cat" in n or "mau" in n for n in top5), top5
    assert features.shape == (1, 1280)


def test_efficientnet_inputs_validates():
    with pytest.raises(ValueError, match="uint8"):
        pretrained.efficientnet_inputs(np.zeros((1, 8, 8, 3), dtype=np.float32))


def test_minilm_embeds_offline():
    model = pretrained.load_minilm("cpu")
    emb = model.encode(["a red bird", "a crimson bird", "a blue boat"], normalize_embeddings=True)
    assert emb.shape == (3, 384)
    assert emb[0] @ emb[1] > emb[0] @ emb[2]


def test_minilm_embeddings_are_cached_on_disk_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    texts = ["a red bird", "a crimson bird", "a blue boat"]
    first = pretrained.minilm_embeddings(texts)
    assert first.shape == (3, 384) and first.dtype == torch.float32
    torch.testing.assert_close(first.norm(dim=1), torch.ones(3))  # the model's own Normalize module
    files = list((tmp_path / "minilm").glob("*.npy"))
    assert len(files) == 1
    np.save(files[0], np.zeros((3, 384), dtype=np.float32))       # read back, not recomputed
    assert float(pretrained.minilm_embeddings(texts).abs().sum()) == 0.0
    assert pretrained.minilm_embeddings(texts[:2]).shape == (2, 384)  # other texts, another file
    assert len(list((tmp_path / "minilm").glob("*.npy"))) == 2
    files[0].write_bytes(b"corrupt")                                 # a bad file is computed again
    torch.testing.assert_close(pretrained.minilm_embeddings(texts), first)
    assert pretrained.minilm_embeddings([]).shape == (0, 384)


def test_photos_and_bad_names():
    photos = pretrained.sample_photos()
    assert set(photos) == {"astronaut", "chelsea", "coffee", "rocket", "china", "flower"}
    assert all(p.ndim == 3 and p.shape[2] == 3 and p.dtype == np.uint8 for p in photos.values())
    with pytest.raises(ValueError, match="not an offline photo"):
        pretrained.sample_photos(("eagle",))


def test_missing_package_names_what_to_install():
    with pytest.raises(ImportError, match="pip install some-package"):
        pretrained._require("not_a_module_xyz", "some-package")
