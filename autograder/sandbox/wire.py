"""The worker-to-grader wire format: JSON plus raw array bytes, never pickle.

Whatever a submission returns crosses back to the grader through `encode` in the
worker and `decode` in the grader. `decode` only ever builds plain containers,
numbers, strings and NumPy arrays of numeric dtypes, so a hostile submission
cannot make the grader run code by returning a crafted object (as it could with
pickle). A value of any other type arrives as an `Unsupported` marker that names
its type, so feedback can say "returned a Foo".
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

MAX_MESSAGE_BYTES = 256 * 2**20
_ALLOWED_KINDS = "biufc"  # bool, int, uint, float, complex: no objects, strings or voids


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
        if isinstance(x, np.generic):  # before float: np.float64 is a float, and its repr is "np.float64(inf)"
            return walk(np.asarray(x), depth) | {"$scalar": True}
        if isinstance(x, (int, float)):
            if isinstance(x, float) and not np.isfinite(x):
                return {"$float": repr(float(x))}
            return x
        if isinstance(x, np.ndarray):
            if x.dtype.kind not in _ALLOWED_KINDS:
                return {"$unsupported": f"numpy array of dtype {x.dtype}"}
            buffers.append(np.ascontiguousarray(x).tobytes())
            return {"$array": len(buffers) - 1, "dtype": x.dtype.str, "shape": list(x.shape)}
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
    """Rebuild what `encode` wrote; raises ValueError on anything malformed."""
    try:
        header_len, n_buffers = struct.unpack_from("<II", data, 0)
        offset = 8
        header = json.loads(data[offset : offset + header_len])
        offset += header_len
        buffers = []
        for _ in range(n_buffers):
            (n,) = struct.unpack_from("<Q", data, offset)
            offset += 8
            buffers.append(data[offset : offset + n])
            offset += n
    except (struct.error, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"malformed message: {e}") from None

    def build(h):
        if not isinstance(h, dict):
            if isinstance(h, list):
                raise ValueError("bare list in header")
            return h
        if "$array" in h:
            dtype = np.dtype(h["dtype"])
            if dtype.kind not in _ALLOWED_KINDS:
                raise ValueError(f"dtype {dtype} not allowed")
            arr = np.frombuffer(buffers[h["$array"]], dtype=dtype).reshape(h["shape"]).copy()
            return arr[()] if h.get("$scalar") else arr
        if "$float" in h:
            return float(h["$float"])
        if "$list" in h:
            return [build(v) for v in h["$list"]]
        if "$tuple" in h:
            return tuple(build(v) for v in h["$tuple"])
        if "$dict" in h:
            return {str(k): build(v) for k, v in h["$dict"].items()}
        if "$unsupported" in h:
            return Unsupported(str(h["$unsupported"]))
        raise ValueError(f"unknown header entry {sorted(h)}")

    try:
        return build(header)
    except (KeyError, IndexError, TypeError) as e:
        raise ValueError(f"malformed message: {e!r}") from None
