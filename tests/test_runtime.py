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


def _run_cell(source: str, namespace: dict, filename: str) -> None:
    """Execute notebook-cell-like code under its own file name, as IPython does per cell."""
    exec(compile(source, filename, "exec"), namespace)


def test_skip_until_done_skips_stubs_and_missing_variables(capsys):
    ns = {"utils": utils}
    _run_cell("def stub():\n    raise NotImplementedError()\n", ns, "<cell-1>")
    _run_cell("with utils.skip_until_done():\n    x = stub()\n    reached = True\n", ns, "<cell-2>")
    assert "reached" not in ns
    assert "`stub` is not implemented yet" in capsys.readouterr().out
    _run_cell("with utils.skip_until_done():\n    y = x + 1\n", ns, "<cell-3>")
    assert "needs `x`" in capsys.readouterr().out
    _run_cell("with utils.skip_until_done():\n    z = [x for _ in range(2)]\n", ns, "<cell-4>")
    assert "needs `x`" in capsys.readouterr().out


def test_skip_until_done_lets_real_bugs_through():
    ns = {"utils": utils}
    _run_cell("def buggy():\n    return undefined_name\n", ns, "<cell-1>")
    with pytest.raises(NameError, match="undefined_name"):
        _run_cell("with utils.skip_until_done():\n    buggy()\n", ns, "<cell-2>")
    with pytest.raises(ZeroDivisionError):
        _run_cell("with utils.skip_until_done():\n    1 / 0\n", ns, "<cell-3>")
    _run_cell("with utils.skip_until_done():\n    ok = 1\n", ns, "<cell-4>")
    assert ns["ok"] == 1
