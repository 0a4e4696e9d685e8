"""utils.checks: helpful messages, genuine types only, nothing on stderr."""

import numpy as np
import pytest
import torch

from utils import checks
from utils.checks import CheckFailed


class AlwaysEqual(np.ndarray):
    """A tampering ndarray subclass that claims to equal everything."""

    def __eq__(self, other):
        return True


class LooksLikeArray:
    shape = (2, 2)
    dtype = np.float32

    def __eq__(self, other):
        return True


def test_close_passes_and_reports_worst_entry():
    checks.check_close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    with pytest.raises(CheckFailed, match=r"worst at index \(1,\): got 2.5, expected 2 .*relative error"):
        checks.check_close(np.array([1.0, 2.5]), np.array([1.0, 2.0]))


def test_close_requires_same_kind_and_shape():
    with pytest.raises(CheckFailed, match="torch.Tensor"):
        checks.check_close(np.zeros(2), torch.zeros(2))
    with pytest.raises(CheckFailed, match=r"shape \(3,\), expected \(2,\)"):
        checks.check_close(np.zeros(3), np.zeros(2))


@pytest.mark.parametrize("fake", [np.zeros(2).view(AlwaysEqual), LooksLikeArray(), [0.0, 0.0]])
def test_look_alikes_and_subclasses_are_rejected(fake):
    with pytest.raises(CheckFailed, match="should be"):
        checks.check_close(fake, np.zeros(2))
    with pytest.raises(CheckFailed):
        checks.check_equal(fake, np.zeros(2))


def test_tensor_subclass_rejected():
    param = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(CheckFailed, match="torch.Tensor"):
        checks.check_kind(param, "tensor")


def test_nan_positions_must_match():
    checks.check_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    with pytest.raises(CheckFailed, match="nan"):
        checks.check_close(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))


def test_shape_dtype_device_finite_messages():
    x = np.zeros((2, 3), dtype=np.int64)
    checks.check_shape(x, (2, None))
    with pytest.raises(CheckFailed, match=r"expected \('any', 4\)"):
        checks.check_shape(x, (None, 4))
    with pytest.raises(CheckFailed, match="astype\\(np.float32\\)"):
        checks.check_dtype(x, np.float32)
    with pytest.raises(CheckFailed, match="is on cpu, expected cuda"):
        checks.check_device(torch.zeros(1), "cuda")
    with pytest.raises(CheckFailed, match=r"1 NaN/inf entries \(first at index \(1,\)\)"):
        checks.check_finite(np.array([0.0, np.inf]))
    checks.check_array(torch.zeros(2, 2), kind="tensor", shape=(2, 2), dtype=torch.float32,
                       device="cpu")


def test_equal_and_value():
    checks.check_equal(np.array([1, 2]), np.array([1, 2]))
    with pytest.raises(CheckFailed, match="first at index \\(0,\\): got 3, expected 1"):
        checks.check_equal(np.array([3, 2]), np.array([1, 2]))
    checks.check_value(0.5, 0.5)
    checks.check_value(np.float32(0.5), 0.5)
    with pytest.raises(CheckFailed, match="is 0.4, expected 0.5"):
        checks.check_value(0.4, 0.5)

    class Sneaky(float):
        def __eq__(self, other):
            return True

    with pytest.raises(CheckFailed, match="should be a number"):
        checks.check_value(Sneaky(0.1), 0.5)


def test_rel_error_is_cs231n():
    assert checks.rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert checks.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)


def test_checks_write_nothing(capfd):
    with pytest.raises(CheckFailed):
        checks.check_close(torch.ones(3, dtype=torch.float16), torch.zeros(3, dtype=torch.float16))
    checks.check_close(torch.ones(3, dtype=torch.bfloat16), torch.ones(3, dtype=torch.bfloat16))
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_hints_are_appended_to_failures() -> None:
    with pytest.raises(CheckFailed, match=r"differs in 1 of 2 entries.*Hint: use tokenize"):
        checks.check_equal(np.array([1, 2]), np.array([1, 3]), hint="use tokenize")
    with pytest.raises(CheckFailed, match=r"Hint: chunks"):
        checks.check_close(np.array([1.0]), np.array([2.0]), hint="chunks")


def test_peak_memory_is_measured_and_limited() -> None:
    assert checks.check_peak_memory(lambda: int(np.ones(1000).sum()), limit_mb=1) == 1000
    with pytest.raises(CheckFailed, match=r"allocated 76 MB at its peak, more than the 50 MB"):
        checks.check_peak_memory(lambda: np.ones(10_000_000).sum(), limit_mb=50, name="the call")


def test_items_name_the_first_difference() -> None:
    checks.check_items(["a", "bird", "."], ["a", "bird", "."], name="tokens")
    checks.check_items((("e", "s"), ("es", "t")), [("e", "s"), ("es", "t")], name="merges")
    with pytest.raises(CheckFailed, match=r"tokens differs at item 1: got 'birds', expected 'bird'"):
        checks.check_items(["a", "birds", "."], ["a", "bird", "."], name="tokens")
    with pytest.raises(CheckFailed, match=r"tokens has 2 items, expected 3: got \['a', 'bird'\]"):
        checks.check_items(["a", "bird"], ["a", "bird", "."], name="tokens")
    with pytest.raises(CheckFailed, match="tokens should be a list, but it is str 'a bird'"):
        checks.check_items("a bird", ["a", "bird"], name="tokens")
    with pytest.raises(CheckFailed, match=r"m\[0\] is list \['e', 's'\], expected a tuple.*Hint: tuples"):
        checks.check_items([["e", "s"]], [("e", "s")], name="m", hint="tuples")
    with pytest.raises(CheckFailed, match=r"flags\[1\] is int 1, expected a bool True"):
        checks.check_items([True, 1], [True, True], name="flags")
    long = [str(i) for i in range(20)]
    with pytest.raises(CheckFailed, match=r"\.\.\.\]"):
        checks.check_items(long[:-1], long, name="long")
