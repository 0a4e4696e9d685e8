"""utils.set_seed, utils.get_device and the grading switch."""

import random

import numpy as np
import pytest
import torch

import utils


def test_set_seed_makes_every_generator_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    utils.set_seed(3)
    first = draw()
    utils.set_seed(3)
    assert draw() == first
    utils.set_seed(4)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_set_seed_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        utils.set_seed(bad)


def test_device_default_and_override(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and torch.backends.mps.is_available():
        expected = "mps"
    assert utils.get_device().type == expected
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    assert utils.get_device() == torch.device("cpu")


def test_device_bad_values_are_errors(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "gpu")
    with pytest.raises(ValueError, match="not a device"):
        utils.get_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv("COURSE_DEVICE", "cuda")
        with pytest.raises(RuntimeError, match="no CUDA GPU"):
            utils.get_device()


def test_is_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not utils.is_grading()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert utils.is_grading()


def test_lazy_submodules():
    assert utils.metrics.retrieval_metrics
    with pytest.raises(AttributeError):
        utils.not_a_module  # noqa: B018
