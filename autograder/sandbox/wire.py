"""The worker-to-grader wire format: JSON plus raw array bytes, never pickle.

Whatever a submission returns crosses back to the grader through `encode` in the
worker and `decode` in the grader. `decode` only ever builds plain containers,
numbers, strings and NumPy arrays of numeric dtypes, so a hostile submission
cannot make the grader run code by returning a crafted object (as it could with
pickle). A value of any other type arrives as an `Unsupported` marker that names
its type, so feedback can say "returned a Foo".
"""
from __future__ import annotations

import hashlib
import json
import math
import struct
from dataclasses import dataclass

import numpy as np

MAX_MESSAGE_BYTES = 64 * 2**20  # a frame from the worker; the solutions send 3 MiB at most (cnn)
MAX_HEADER_BYTES = 2**20  # the JSON part of a frame
MAX_NODES = 100_000  # entries in one frame's header (and arrays in it)
MAX_DEPTH = 40  # nesting of lists, tuples and dicts (encode marks anything deeper than 20 unsupported)
_ALLOWED_KINDS = "biufc"  # bool, int, uint, float, complex: no objects, strings or voids
# NumPy's own functions and attributes, taken when this module is imported: in the worker, before any submission
# code runs. A submission may then replace `np.ndarray.tobytes`, `np.asarray` or `ndarray.shape` (through
# gc.get_referents, say) to hide an in-place change of an input; what `encode` sends is still the array's bytes.
_NDARRAY, _GENERIC, _ISFINITE = np.ndarray, np.generic, np.isfinite
_ASARRAY = np.asarray
_TOBYTES = np.ndarray.tobytes  # C order, whatever the array's layout
_SHAPE = np.ndarray.__dict__["shape"].__get__
_DTYPE = np.ndarray.__dict__["dtype"].__get__
_DTYPE_KIND = np.dtype.__dict__["kind"].__get__
_DTYPE_STR = np.dtype.__dict__["str"].__get__
_BLAKE2B, _REPR = hashlib.blake2b, repr
_ADD, _ISNAN, _WHERE, _NAN, _ASTYPE = np.add, np.isnan, np.where, np.nan, np.ndarray.astype


@dataclass(frozen=True)
class Unsupported:
    """Stands in for a returned value the wire cannot carry (a class instance, a generator, ...)."""

    type_name: str

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


def encode(obj) -> bytes:
    """Serialise `obj` to bytes: a JSON header followed by the raw buffers of its arrays."""
    buffers: list[bytes] = []

    def walk(x, depth=0):
        if depth > 20:
            return {"$unsupported": "deeply nested structure"}
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, _GENERIC):  # before float: np.float64 is a float, and its repr is "np.float64(inf)"
            return walk(_ASARRAY(x), depth) | {"$scalar": True}
        if isinstance(x, (int, float)):
            if isinstance(x, float) and not _ISFINITE(x):
                return {"$float": repr(float(x))}
            return x
        if isinstance(x, _NDARRAY):
            dtype = _DTYPE(x)
            if _DTYPE_KIND(dtype) not in _ALLOWED_KINDS:
                return {"$unsupported": f"numpy array of dtype {dtype}"}
            buffers.append(_TOBYTES(x))
            return {"$array": len(buffers) - 1, "dtype": _DTYPE_STR(dtype), "shape": list(_SHAPE(x))}
        if isinstance(x, (list, tuple)):
            return {"$" + type(x).__name__: [walk(v, depth + 1) for v in x]}
        if isinstance(x, dict):
            if all(isinstance(k, str) for k in x):
                return {"$dict": {k: walk(v, depth + 1) for k, v in x.items()}}
            return {"$unsupported": "dict with non-string keys"}
        return {"$unsupported": type(x).__name__}

    header = json.dumps(walk(obj)).encode()
    parts = [struct.pack("<II", len(header), len(buffers)), header]
    for buf in buffers:
        parts += [struct.pack("<Q", len(buf)), buf]
    return b"".join(parts)


def decode(data: bytes):
    """Rebuild what `encode` wrote; raises ValueError (and nothing else) on anything malformed.

    The bytes come from untrusted code, so everything is bounded: the header's size, its nesting and number of
    entries, each array's size against its buffer. An integer outside int64 (which no exercise returns, and which
    float() would overflow on) arrives as an `Unsupported` marker.
    """
    try:
        return _decode(data)
    except ValueError:
        raise
    except (KeyError, IndexError, TypeError, AttributeError, RecursionError, OverflowError, struct.error,
            UnicodeDecodeError) as e:
        raise ValueError(f"malformed message: {type(e).__name__}") from None


def _decode(data: bytes):
    header_len, n_buffers = struct.unpack_from("<II", data, 0)
    if header_len > MAX_HEADER_BYTES or n_buffers > MAX_NODES or 8 + header_len > len(data):
        raise ValueError("malformed message: header too large")
    view = memoryview(data)
    offset = 8
    header = json.loads(view[offset : offset + header_len].tobytes())
    offset += header_len
    buffers = []
    for _ in range(n_buffers):
        (n,) = struct.unpack_from("<Q", data, offset)
        offset += 8
        if offset + n > len(data):
            raise ValueError("malformed message: truncated buffer")
        buffers.append(view[offset : offset + n])
        offset += n
    nodes = [0]

    def build(h, depth=0):  # the grader decodes every reply: the common cases (dicts, arrays) first
        nodes[0] += 1
        if depth > MAX_DEPTH or nodes[0] > MAX_NODES:
            raise ValueError("malformed message: too deeply nested or too large")
        if type(h) is dict:
            if "$array" in h:
                return _array(h, buffers)
            if "$dict" in h:
                return {str(k): build(v, depth + 1) for k, v in h["$dict"].items()}
            if "$float" in h:
                return float(str(h["$float"]))
            if "$list" in h:
                return [build(v, depth + 1) for v in h["$list"]]
            if "$tuple" in h:
                return tuple(build(v, depth + 1) for v in h["$tuple"])
            if "$unsupported" in h:
                return Unsupported(str(h["$unsupported"])[:200])
            raise ValueError(f"unknown header entry {sorted(h)[:3]}")
        if isinstance(h, bool) or h is None or isinstance(h, (str, float)):
            return h
        if isinstance(h, int):
            return h if -(2**63) <= h < 2**64 else Unsupported("integer too large for float64")
        raise ValueError(f"bare {type(h).__name__} in header")

    return build(header)


_DTYPES: dict[str, np.dtype] = {}  # the dtypes met so far, checked once


def _array(h: dict, buffers: list) -> np.ndarray:
    name, shape, index = h["dtype"], h["shape"], h["$array"]
    dtype = _DTYPES.get(name) if type(name) is str else None
    if dtype is None:
        dtype = np.dtype(str(name))
        if dtype.kind in _ALLOWED_KINDS and type(name) is str and len(_DTYPES) < 64:
            _DTYPES[name] = dtype
    if dtype.kind not in _ALLOWED_KINDS or not isinstance(shape, list) or len(shape) > 32 or \
            not all(isinstance(d, int) and 0 <= d for d in shape) or not isinstance(index, int):
        raise ValueError(f"malformed message: array {dtype} {shape}")
    buffer = buffers[index]
    if math.prod(shape) * dtype.itemsize != len(buffer):
        raise ValueError("malformed message: array size and buffer differ")
    arr = np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()
    return arr[()] if h.get("$scalar") else arr


def fingerprint(value) -> str:
    """What `value` holds, as a short hash that two values share exactly when `same` calls them the same (types of
    containers, keys, shapes, dtypes, values; -0.0 as 0.0, every NaN alike, 1 as 1.0): the worker sends back each
    input's fingerprint after a plan, and the grader compares it with its own, instead of the whole input. Read
    through NumPy's own functions, taken before any submission code ran (see above)."""
    h = _BLAKE2B(digest_size=16)

    def walk(x):
        if isinstance(x, _NDARRAY):
            dtype = _DTYPE(x)
            h.update(f"a{_DTYPE_STR(dtype)}{list(_SHAPE(x))};".encode())
            if _DTYPE_KIND(dtype) in "fc":  # equal values, equal bytes: -0.0 + 0.0 is 0.0, and one NaN for all
                x = _ASARRAY(_ADD(x, 0.0))
                x = _ASTYPE(_WHERE(_ISNAN(x), _NAN, x), dtype, copy=False)
            h.update(_TOBYTES(x))
        elif isinstance(x, dict):
            h.update(f"d{len(x)};".encode())
            for k, v in x.items():
                key = _REPR(k)
                h.update(f"{len(key)}:{key}".encode())
                walk(v)
        elif isinstance(x, (list, tuple)):  # `same` takes a list for the tuple of the same entries
            h.update(f"l{len(x)};".encode())
            for v in x:
                walk(v)
        else:
            text = _scalar(x)
            h.update(f"s{len(text)}:{text}".encode())

    walk(value)
    return h.hexdigest()


def _scalar(x) -> str:
    """A number as `==` sees it (True as 1, 1.0 as 1, -0.0 as 0, every NaN alike; a float32 by its own value, where
    `==` would round the other side to float32); anything else by type and repr."""
    if isinstance(x, (bool, int, np.integer)):
        return f"n{int(x)},0"
    if isinstance(x, (float, _GENERIC)) and not isinstance(x, (str, bytes)):
        try:
            number = complex(x)
        except (TypeError, ValueError):
            return f"{type(x).__name__}:{_REPR(x)}"
        parts = []
        for part in (number.real, number.imag):
            if part != part:
                parts.append("nan")
            elif part in (float("inf"), float("-inf")) or not part.is_integer():
                parts.append(_REPR(part + 0.0))
            else:
                parts.append(str(int(part)))
        return "n" + ",".join(parts)
    return f"{type(x).__name__}:{_REPR(x)}"


def same(a, b) -> bool:
    """`b` holds exactly the values of `a`: the same types of containers, keys, shapes, dtypes and values (NaN equal
    to NaN). The grader's check that a plan left its inputs as they were, and the worker's guess of which call did."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)) and np.isnan(a) and np.isnan(b):
        return True
    return not isinstance(b, Unsupported) and bool(a == b)
