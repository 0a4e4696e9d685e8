"""Student-facing assertions for the notebooks' visible checks.

Every check raises `CheckFailed` (an `AssertionError`) whose message says what differed and by
how much, and writes nothing to stdout or stderr. Only genuine `numpy.ndarray` and `torch.Tensor`
objects are accepted: subclasses and look-alikes (for example an object whose `__eq__` always
says True) are rejected before any value is compared.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


class CheckFailed(AssertionError):
    """A visible check did not pass; the message explains what to fix."""


def _kind(x: Any) -> str:
    """'ndarray', 'tensor' or the type's name (exact types only, never subclasses)."""
    if type(x) is np.ndarray:
        return "ndarray"
    if type(x) is torch.Tensor:
        return "tensor"
    return type(x).__name__


def _describe(x: Any) -> str:
    """A short description of a value for error messages."""
    kind = _kind(x)
    if kind in ("ndarray", "tensor"):
        device = f", device={x.device}" if kind == "tensor" else ""
        return f"{kind}(shape={tuple(x.shape)}, dtype={x.dtype}{device})"
    return f"{kind} {x!r}"[:120]


def check_kind(x: Any, kind: str, name: str = "result") -> None:
    """Check that `x` is exactly a `np.ndarray` (kind='ndarray') or `torch.Tensor` (kind='tensor')."""
    if kind not in ("ndarray", "tensor"):
        raise ValueError(f"kind must be 'ndarray' or 'tensor', got {kind!r}")
    if _kind(x) != kind:
        wanted = "a numpy.ndarray" if kind == "ndarray" else "a torch.Tensor"
        raise CheckFailed(f"{name} should be {wanted}, but it is {_describe(x)}")


def _as_array(x: Any, name: str) -> ArrayLike:
    """Return `x` if it is a genuine ndarray or tensor, else fail with a clear message."""
    if _kind(x) not in ("ndarray", "tensor"):
        raise CheckFailed(
            f"{name} should be a numpy.ndarray or torch.Tensor, but it is {_describe(x)}"
        )
    return x


def check_shape(x: Any, shape: Sequence[int | None], name: str = "result") -> None:
    """Check the shape; `None` in `shape` matches any size along that axis."""
    x = _as_array(x, name)
    got = tuple(x.shape)
    want = tuple(shape)
    ok = len(got) == len(want) and all(w is None or g == w for g, w in zip(got, want, strict=True))
    if not ok:
        shown = tuple("any" if w is None else w for w in want)
        raise CheckFailed(f"{name} has shape {got}, expected {shown}")


def check_dtype(x: Any, dtype: np.dtype | torch.dtype | type | str, name: str = "result") -> None:
    """Check the element type (numpy dtypes for arrays, torch dtypes for tensors)."""
    x = _as_array(x, name)
    want = np.dtype(dtype) if _kind(x) == "ndarray" else dtype
    if x.dtype != want:
        hint = ""
        if _kind(x) == "ndarray" and np.issubdtype(x.dtype, np.integer) and want == np.float32:
            hint = " (cast with .astype(np.float32): integer matrix products skip BLAS)"
        raise CheckFailed(f"{name} has dtype {x.dtype}, expected {want}{hint}")


def check_device(x: Any, device: torch.device | str, name: str = "result") -> None:
    """Check that a tensor lives on `device` ('cpu', 'cuda', ...; the index is ignored)."""
    check_kind(x, "tensor", name)
    want = torch.device(device).type
    if x.device.type != want:
        raise CheckFailed(
            f"{name} is on {x.device}, expected {want}: create new tensors with device=... "
            "or move them with .to(device)"
        )


def _to_numpy(x: ArrayLike) -> np.ndarray:
    """A float64 (or bool/int) numpy copy of a genuine array or tensor."""
    if _kind(x) == "tensor":
        x = x.detach().to("cpu")
        if x.dtype in (torch.bfloat16, torch.float16):
            x = x.float()
        return np.array(x.numpy(), copy=True)
    return np.array(x, copy=True)


def check_finite(x: Any, name: str = "result") -> None:
    """Check that no entry is NaN or infinite."""
    values = _to_numpy(_as_array(x, name))
    if values.dtype.kind in "fc":
        bad = ~np.isfinite(values)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise CheckFailed(
                f"{name} has {int(bad.sum())} NaN/inf entries (first at index {where}): "
                "look for a division by zero or log(0)"
            )


def rel_error(x: Any, y: Any) -> float:
    """CS231n's relative error: max |x - y| / max(1e-8, |x| + |y|) over all entries."""
    a = _to_numpy(_as_array(x, "x")).astype(np.float64)
    b = _to_numpy(_as_array(y, "y")).astype(np.float64)
    if a.shape != b.shape:
        raise CheckFailed(f"cannot compare shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _hinted(message: str, hint: str) -> str:
    """A failure message with an optional hint appended."""
    return f"{message}. Hint: {hint}" if hint else message


def check_close(
    actual: Any, expected: Any, rtol: float = 1e-5, atol: float = 1e-8, name: str = "result",
    hint: str = "",
) -> None:
    """Check kind, shape and values (|a - e| <= atol + rtol * |e|), naming the worst entry."""
    expected = _as_array(expected, "expected")
    actual = _as_array(actual, name)
    if _kind(actual) != _kind(expected):
        check_kind(actual, _kind(expected), name)
    check_shape(actual, tuple(expected.shape), name)
    a = _to_numpy(actual).astype(np.float64)
    e = _to_numpy(expected).astype(np.float64)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    if (nan_a != nan_e).any():
        where = tuple(int(i) for i in np.argwhere(nan_a != nan_e)[0])
        raise CheckFailed(f"{name}[{where}] is {a[where]}, expected {e[where]}")
    a, e = np.where(nan_a, 0.0, a), np.where(nan_e, 0.0, e)
    err = np.abs(a - e) - (atol + rtol * np.abs(e))
    if a.size and (err > 0).any():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), a.shape))
        n_bad = int((err > 0).sum())
        raise CheckFailed(_hinted(
            f"{name} differs from the expected values in {n_bad} of {a.size} entries; "
            f"worst at index {where}: got {a[where]:.6g}, expected {e[where]:.6g} "
            f"(relative error {rel_error(actual, expected):.2e}, tolerance rtol={rtol:g}, atol={atol:g})",
            hint))


def check_equal(actual: Any, expected: Any, name: str = "result", hint: str = "") -> None:
    """Check kind, shape and exact equality of every entry (integers, booleans, labels)."""
    expected = _as_array(expected, "expected")
    actual = _as_array(actual, name)
    if _kind(actual) != _kind(expected):
        check_kind(actual, _kind(expected), name)
    check_shape(actual, tuple(expected.shape), name)
    a, e = _to_numpy(actual), _to_numpy(expected)
    diff = a != e
    if diff.any():
        where = tuple(int(i) for i in np.argwhere(diff)[0])
        raise CheckFailed(_hinted(
            f"{name} differs in {int(diff.sum())} of {a.size} entries; "
            f"first at index {where}: got {a[where].tolist()!r}, expected {e[where].tolist()!r}",
            hint))


def _shown(items: Sequence[Any], limit: int = 12) -> str:
    """A list written out for a message, cut after `limit` items."""
    shown = ", ".join(repr(v) for v in list(items)[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


def check_items(actual: Any, expected: Sequence[Any], name: str = "result", hint: str = "") -> None:
    """Check a list (or tuple) of plain values, e.g. tokens, stems or merges, item by item.

    Fails when `actual` is not a list or tuple, has another length, or differs in an item; the
    message names the first differing item and shows both lists.
    """
    if type(actual) not in (list, tuple):
        raise CheckFailed(_hinted(f"{name} should be a list, but it is {_describe(actual)}", hint))
    if len(actual) != len(expected):
        raise CheckFailed(_hinted(f"{name} has {len(actual)} items, expected {len(expected)}: "
                                  f"got {_shown(actual)}, expected {_shown(expected)}", hint))
    for i, (got, want) in enumerate(zip(actual, expected, strict=True)):
        if type(got) is not type(want) and not (isinstance(got, str) and isinstance(want, str)):
            raise CheckFailed(_hinted(f"{name}[{i}] is {_describe(got)}, expected a "
                                      f"{type(want).__name__} {want!r}", hint))
        if not bool(got == want):
            raise CheckFailed(_hinted(f"{name} differs at item {i}: got {got!r}, expected {want!r} "
                                      f"(got {_shown(actual)}, expected {_shown(expected)})", hint))


def check_array(
    x: Any,
    kind: str | None = None,
    shape: Sequence[int | None] | None = None,
    dtype: Any = None,
    device: torch.device | str | None = None,
    finite: bool = True,
    name: str = "result",
) -> None:
    """Check the kind, shape, dtype, device and finiteness of an answer in one call."""
    if kind is not None:
        check_kind(x, kind, name)
    _as_array(x, name)
    if shape is not None:
        check_shape(x, shape, name)
    if dtype is not None:
        check_dtype(x, dtype, name)
    if device is not None:
        check_device(x, device, name)
    if finite:
        check_finite(x, name)


def check_value(actual: Any, expected: float, rtol: float = 1e-6, name: str = "result") -> None:
    """Check a Python/numpy scalar against a known number (e.g. the lecture's worked example)."""
    numpy_scalar = type(actual) in (np.float64, np.float32, np.float16, np.int64, np.int32)
    if type(actual) not in (int, float) and not numpy_scalar:
        raise CheckFailed(f"{name} should be a number, but it is {_describe(actual)}")
    a = float(actual)
    if not abs(a - expected) <= rtol * max(1.0, abs(expected)):
        raise CheckFailed(f"{name} is {a:.6g}, expected {expected:.6g}")


def check_peak_memory(fn: Callable[[], Any], limit_mb: float, name: str = "the call") -> Any:
    """Run `fn()` and check that the memory it allocates at its peak stays under `limit_mb`.

    Measured with `tracemalloc`, which sees Python and numpy allocations (not torch's); returns
    what `fn()` returned.
    """
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not already:
            tracemalloc.stop()
    used = (peak - start) / 2**20
    if used > limit_mb:
        raise CheckFailed(f"{name} allocated {used:.0f} MB at its peak, more than the {limit_mb:g} MB "
                          "allowed: work in chunks so memory stays small")
    return result
