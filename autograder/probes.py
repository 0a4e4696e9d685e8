"""Probe records: a function's output in a safe on-disk format, and the comparison of two of them.

A probe is what one hidden-check case produced: `<key>.json` (a tree describing the value) and
`<key>.npz` (its arrays, saved without pickle). Only exact built-in types, exact `numpy.ndarray`
and exact `torch.Tensor` objects are encoded; anything else (subclasses, objects with a custom
`__eq__`, ...) is recorded as "unsupported" and never compares equal. Values are compared the
way the notebooks' texts treat them: a `numpy.str_` is a str, and a number is a number whether
it is a Python or a numpy scalar (only bool-ness is kept apart). The grader reads probes
written by an untrusted kernel, so reading refuses symbolic links, non-regular files, pickles
and oversized data. This module only needs numpy (torch is used when the kernel imported it).
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAX_ARRAY_BYTES = 64 * 2**20  # per probe, all arrays together
MAX_JSON_BYTES = 4 * 2**20
MAX_ITEMS = 10_000  # elements of one list / tuple / dict
MAX_DEPTH = 10
MAX_STR = 100_000
_NUMPY_SCALARS = {
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64, np.complex64, np.complex128,
}


@dataclass
class Probe:
    """A decoded probe: the JSON tree and the arrays it refers to by name."""

    tree: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    rtol: float = 1e-5
    atol: float = 1e-6
    exact: bool = False
    label: str = ""
    order: int = 0


def _torch() -> Any:
    """The torch module if the running program imported it, else None (never imports it)."""
    return sys.modules.get("torch")


class _Encoder:
    """Turns a value into a JSON-able tree plus named arrays, enforcing the size caps."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.nbytes = 0

    def _array(self, values: np.ndarray) -> str | None:
        """Store an array and return its name, or None when the probe would grow too large."""
        self.nbytes += values.nbytes
        if self.nbytes > MAX_ARRAY_BYTES:
            return None
        name = f"a{len(self.arrays)}"
        self.arrays[name] = values
        return name

    def encode(self, value: Any, depth: int = 0) -> dict[str, Any]:
        """Encode one value (recursively for containers)."""
        kind = type(value)
        if depth > MAX_DEPTH:
            return {"kind": "unsupported", "type": f"nesting deeper than {MAX_DEPTH} levels"}
        if value is None:
            return {"kind": "none"}
        if kind in (bool, int, float):
            return {"kind": "scalar", "type": kind.__name__, "value": value}
        if kind in _NUMPY_SCALARS:
            if kind in (np.complex64, np.complex128):
                return {"kind": "unsupported", "type": f"numpy.{kind.__name__}"}
            return {"kind": "scalar", "type": f"numpy.{kind.__name__}", "value": value.item()}
        if kind is str or kind is np.str_:  # numpy's str_ (a word picked from an array) is a str
            value = str(value)
            if len(value) > MAX_STR:
                return {"kind": "unsupported", "type": f"str longer than {MAX_STR} characters"}
            return {"kind": "str", "value": value}
        if kind in (list, tuple):
            if len(value) > MAX_ITEMS:
                return {"kind": "unsupported", "type": f"{kind.__name__} of over {MAX_ITEMS} items"}
            return {"kind": kind.__name__, "items": [self.encode(v, depth + 1) for v in value]}
        if kind is dict:
            if len(value) > MAX_ITEMS or not all(type(k) is str for k in value):
                return {"kind": "unsupported", "type": f"dict (keys must be str, at most {MAX_ITEMS})"}
            return {"kind": "dict", "items": [[k, self.encode(v, depth + 1)] for k, v in value.items()]}
        if kind is np.ndarray:
            return self._encode_ndarray(value)
        torch = _torch()
        if torch is not None and kind is torch.Tensor:
            return self._encode_tensor(value, torch)
        return {"kind": "unsupported", "type": f"{kind.__module__}.{kind.__qualname__}"}

    def _encode_ndarray(self, value: np.ndarray) -> dict[str, Any]:
        """Encode a genuine numpy array (numeric and boolean dtypes only)."""
        if value.dtype.kind not in "biuf":
            return {"kind": "unsupported", "type": f"numpy.ndarray of dtype {value.dtype}"}
        ref = self._array(np.ascontiguousarray(value))
        if ref is None:
            return {"kind": "unsupported", "type": f"arrays larger than {MAX_ARRAY_BYTES >> 20} MiB"}
        return {"kind": "ndarray", "dtype": str(value.dtype), "shape": list(value.shape), "ref": ref}

    def _encode_tensor(self, value: Any, torch: Any) -> dict[str, Any]:
        """Encode a genuine dense torch tensor; half precisions are stored as float32."""
        if value.layout != torch.strided or value.is_complex() or value.is_quantized:
            return {"kind": "unsupported", "type": f"torch.Tensor ({value.layout}, {value.dtype})"}
        cpu = value.detach().to("cpu")
        if cpu.dtype in (torch.float16, torch.bfloat16):
            cpu = cpu.float()
        ref = self._array(np.ascontiguousarray(cpu.numpy()))
        if ref is None:
            return {"kind": "unsupported", "type": f"arrays larger than {MAX_ARRAY_BYTES >> 20} MiB"}
        return {
            "kind": "tensor", "dtype": str(value.dtype), "shape": list(value.shape),
            "device": value.device.type, "ref": ref,
        }


def encode(value: Any) -> Probe:
    """Encode a value as a probe (default tolerances)."""
    encoder = _Encoder()
    tree = encoder.encode(value)
    return Probe(tree=tree, arrays=encoder.arrays)


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to `path` via a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_probe(directory: str | Path, key: str, value: Any, rtol: float, atol: float,
                exact: bool, label: str = "", order: int = 0) -> None:
    """Record `value` under `key` in `directory` (arrays first, the JSON last as commit marker)."""
    directory = Path(directory)
    probe = encode(value)
    buffer = io.BytesIO()
    np.savez(buffer, **probe.arrays)
    atomic_write(directory / f"{key}.npz", buffer.getvalue())
    record = {"tree": probe.tree, "rtol": float(rtol), "atol": float(atol), "exact": bool(exact),
              "label": str(label), "order": int(order)}
    atomic_write(directory / f"{key}.json", json.dumps(record).encode())


def _read_regular(path: Path, limit: int) -> bytes | None:
    """Read a regular file without following links; None if absent, not regular or too big."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return handle.read(limit + 1)[:limit]


def _load_arrays(data: bytes) -> dict[str, np.ndarray] | None:
    """Load the arrays of an npz blob without pickle, refusing oversized members."""
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_ARRAY_BYTES + 2**20:
                return None
            for member in members:
                if not member.filename.endswith(".npy"):
                    return None
                with archive.open(member) as handle:
                    arrays[member.filename[:-4]] = np.lib.format.read_array(
                        handle, allow_pickle=False
                    )
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    return arrays


def probe_order(directory: str | Path, key: str) -> int:
    """The write order recorded in a probe's JSON (-1 when unreadable); its arrays are not read."""
    raw = _read_regular(Path(directory) / f"{key}.json", MAX_JSON_BYTES)
    try:
        return int(json.loads(raw)["order"]) if raw is not None else -1
    except (ValueError, KeyError, TypeError):
        return -1


def read_probe(directory: str | Path, key: str) -> Probe | None:
    """Read a probe safely; None when it is missing or malformed."""
    directory = Path(directory)
    raw = _read_regular(directory / f"{key}.json", MAX_JSON_BYTES)
    blob = _read_regular(directory / f"{key}.npz", MAX_ARRAY_BYTES + 2**22)
    if raw is None or blob is None:
        return None
    try:
        record = json.loads(raw)
        tree = record["tree"]
        rtol, atol, exact = float(record["rtol"]), float(record["atol"]), bool(record["exact"])
        label = str(record.get("label", ""))[:200]
        order = int(record.get("order", 0))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    arrays = _load_arrays(blob)
    if arrays is None or not isinstance(tree, dict):
        return None
    return Probe(tree=tree, arrays=arrays, rtol=rtol, atol=atol, exact=exact, label=label,
                 order=order)


_KIND_NAMES = {
    "none": "None", "scalar": "a number", "str": "a str", "list": "a list", "tuple": "a tuple",
    "dict": "a dict", "ndarray": "a numpy.ndarray", "tensor": "a torch.Tensor",
}


def _describe(node: dict[str, Any]) -> str:
    """Human words for the kind of an encoded value."""
    if node.get("kind") == "unsupported":
        return f"an unsupported object ({node.get('type')})"
    return _KIND_NAMES.get(str(node.get("kind")), "something unreadable")


def _rel_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """CS231n's relative error, max |a - e| / max(1e-8, |a| + |e|), ignoring matching NaNs."""
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(e)
    a, e = np.where(both_nan, 0.0, a), np.where(both_nan, 0.0, e)
    with np.errstate(invalid="ignore"):
        err = np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))
    err = np.where(np.isnan(err), np.inf, err)
    return float(err.max()) if err.size else 0.0


def _compare_values(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
                    exact: bool) -> str | None:
    """Compare two same-shape arrays; a message when they differ."""
    if exact or expected.dtype.kind in "biu":
        same = actual == expected
        if expected.dtype.kind == "f":
            same |= np.isnan(actual) & np.isnan(expected)
        bad = ~same
        if bad.any():
            return f"differs in {int(bad.sum())} of {bad.size} entries (exact comparison)"
        return None
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    nan_mismatch = np.isnan(a) != np.isnan(e)
    if nan_mismatch.any():
        return f"has NaN in {int(nan_mismatch.sum())} of {a.size} entries where the expected has none, or the reverse"
    return (
        f"differs in {int((~close).sum())} of {close.size} entries, max relative error "
        f"{_rel_error(a, e):.1e} (rtol={rtol:g}, atol={atol:g})"
    )


def _compare_arrays(actual: Probe, a: dict[str, Any], expected: Probe, e: dict[str, Any],
                    path: str) -> str | None:
    """Compare two encoded arrays or tensors: dtype, device, shape, then values."""
    if a.get("dtype") != e.get("dtype"):
        return f"{path} has dtype {a.get('dtype')}, expected {e.get('dtype')}"
    if e["kind"] == "tensor" and a.get("device") != e.get("device"):
        return f"{path} is on device {a.get('device')}, expected {e.get('device')}"
    if list(a.get("shape", [])) != list(e.get("shape", [])):
        return f"{path} has shape {tuple(a.get('shape', []))}, expected {tuple(e['shape'])}"
    got, want = actual.arrays.get(a.get("ref", "")), expected.arrays.get(e.get("ref", ""))
    if got is None or want is None or got.shape != want.shape or got.dtype != want.dtype:
        return f"{path} could not be read back"
    message = _compare_values(got, want, expected.rtol, expected.atol, expected.exact)
    return f"{path} {message}" if message else None


def _compare_scalars(a: dict[str, Any], e: dict[str, Any], expected: Probe,
                     path: str) -> str | None:
    """Compare two numbers (bools must stay bools, tolerances apply to floats)."""
    ta, te = str(a.get("type")), str(e.get("type"))
    if ("bool" in ta) != ("bool" in te):
        return f"{path} is a {ta}, expected a {te}"
    x, y = a.get("value"), e.get("value")
    if not all(type(v) in (bool, int, float) for v in (x, y)):
        return f"{path} could not be read back"
    if expected.exact or type(y) in (bool, int):
        return None if x == y else f"{path} is {x!r}, expected another value (exact comparison)"
    if math.isnan(y) and math.isnan(x):
        return None
    if math.isclose(x, y, rel_tol=expected.rtol, abs_tol=expected.atol):
        return None
    rel = abs(x - y) / max(1e-8, abs(x) + abs(y))
    return f"{path} differs, relative error {rel:.1e} (rtol={expected.rtol:g}, atol={expected.atol:g})"


def _compare_node(actual: Probe, a: Any, expected: Probe, e: Any, path: str) -> str | None:
    """Recursive comparison of two encoded nodes; the first difference as a message."""
    if not isinstance(a, dict) or not isinstance(e, dict):
        return f"{path} could not be read back"
    if a.get("kind") == "unsupported":
        return f"{path} is {_describe(a)}; return genuine arrays, tensors, numbers or containers"
    if a.get("kind") != e.get("kind"):
        return f"{path} is {_describe(a)}, expected {_describe(e)}"
    kind = e["kind"]
    if kind in ("ndarray", "tensor"):
        return _compare_arrays(actual, a, expected, e, path)
    if kind == "scalar":
        return _compare_scalars(a, e, expected, path)
    if kind == "str":
        return None if a.get("value") == e.get("value") else f"{path} is a different string"
    if kind in ("list", "tuple"):
        items_a, items_e = a.get("items", []), e.get("items", [])
        if len(items_a) != len(items_e):
            return f"{path} has {len(items_a)} items, expected {len(items_e)}"
        for i, (x, y) in enumerate(zip(items_a, items_e, strict=True)):
            message = _compare_node(actual, x, expected, y, f"{path}[{i}]")
            if message:
                return message
        return None
    if kind == "dict":
        try:
            items_a, items_e = dict(a.get("items", [])), dict(e.get("items", []))
        except (TypeError, ValueError):
            return f"{path} could not be read back"
        if set(items_a) != set(items_e):
            return f"{path} has keys {sorted(items_a)}, expected {sorted(items_e)}"
        for k in items_e:
            message = _compare_node(actual, items_a[k], expected, items_e[k], f"{path}[{k!r}]")
            if message:
                return message
        return None
    return None


def compare(actual: Probe, expected: Probe) -> str | None:
    """None when `actual` matches `expected` (with the expected probe's tolerances), else why not."""
    return _compare_node(actual, actual.tree, expected, expected.tree, "the result")
