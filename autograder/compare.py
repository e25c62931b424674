"""Comparing what a student returned with what the oracle computed.

Shape and type come first, each with a sentence a student understands; then the
values, entry by entry, within a relative + absolute tolerance:

    |got - expected| <= rtol * |expected| + atol * max(1, max|expected|)

rtol = 1e-6 and atol = 1e-9 by default. Every correct float64 formulation we know
of (loops or vectorised, exp or tanh, log-sum-exp or max-shift) agrees with the
oracle to ~1e-13 relative on the graded inputs (tests/test_correct_variants.py
measures it: 1.0e-13 at most), while the smallest real bug changes a value by more than 1e-3; the tolerance
sits far from both. The absolute part is scaled by the largest expected magnitude
so that entries that are ~0 through cancellation are not judged on round-off.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from autograder.sandbox.wire import Unsupported


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-9


def fmt_array(a, max_chars: int = 600) -> str:
    if isinstance(a, np.ndarray):
        text = np.array2string(a, precision=6, threshold=60, edgeitems=3, max_line_width=100)
    else:
        text = repr(a)
    return text if len(text) <= max_chars else text[:max_chars] + " ..."


def describe_type(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    if isinstance(x, Unsupported):
        return f"a {x.type_name}"
    if x is None:
        return "None"
    if isinstance(x, bool):
        return f"a bool ({x})"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"a {type(x).__name__}"


def compare(name: str, got, expected, tol: Tolerance) -> str | None:
    """None if `got` matches `expected`, else a message naming what is wrong."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{name} should be a dict with keys {sorted(expected)}, but it is {describe_type(got)}."
        missing = [k for k in expected if k not in got]
        if missing:
            return f"{name} has no entry {missing[0]!r} (expected keys {sorted(expected)})."
        for key in expected:
            problem = compare(f"{name}[{key!r}]", got[key], expected[key], tol)
            if problem:
                return problem
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"{name} should be a {type(expected).__name__} of length {len(expected)}, but it is {describe_type(got)}."
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare(f"{name}[{i}]", g, e, tol)
            if problem:
                return problem
        return None
    if isinstance(expected, numbers.Integral) and not isinstance(expected, bool):
        return _compare_integer(name, got, int(expected))
    if isinstance(expected, (numbers.Real, np.floating)) or (isinstance(expected, np.ndarray) and expected.ndim == 0):
        return _compare_scalar(name, got, float(expected), tol)
    if isinstance(expected, np.ndarray):
        return _compare_array(name, got, expected, tol)
    raise TypeError(f"the oracle produced an unsupported value for {name}: {type(expected)}")


def _compare_integer(name, got, expected: int) -> str | None:
    value = got.item() if isinstance(got, np.ndarray) and got.ndim == 0 else got
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool) and float(value) == expected:
        return None
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool):
        return f"{name} should be {expected}, but it is {value}."
    return f"{name} should be the integer {expected}, but it is {describe_type(got)}."


def _compare_scalar(name, got, expected: float, tol: Tolerance) -> str | None:
    value = got
    if isinstance(got, np.ndarray):
        if got.ndim != 0:
            return (f"{name} should be a single number, but it is {describe_type(got)}"
                    f"{_hint_size_one(got)}.")
        value = got.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"{name} should be a number (a float), but it is {describe_type(got)}."
    value = float(value)
    if not np.isfinite(value):
        return f"{name} is {value}, expected {expected:.10g}{_hint_nonfinite()}"
    if abs(value - expected) <= tol.rtol * abs(expected) + tol.atol * max(1.0, abs(expected)):
        return None
    ratio = _ratio_hint(np.array([value]), np.array([expected]))
    return f"{name} is wrong: expected {expected:.10g}, got {value:.10g}.{ratio}"


def _compare_array(name, got, expected: np.ndarray, tol: Tolerance) -> str | None:
    if isinstance(got, (list, tuple)):
        return (f"{name} should be a NumPy array of shape {expected.shape}, but it is {describe_type(got)}; "
                "return np.array(...) rather than a Python list.")
    if not isinstance(got, np.ndarray):
        return f"{name} should be a NumPy array of shape {expected.shape}, but it is {describe_type(got)}."
    if got.shape != expected.shape:
        return f"{name} has shape {got.shape}, expected {expected.shape}.{_shape_hint(got, expected)}"
    if expected.dtype.kind == "f" and got.dtype != expected.dtype:
        if got.dtype.kind == "f":
            return (f"{name} has dtype {got.dtype}, expected {expected.dtype}: keep the computation in "
                    f"{expected.dtype} (the inputs are {expected.dtype}).")
        return (f"{name} has dtype {got.dtype}, expected {expected.dtype}"
                f"{' (integer division or an int array?)' if got.dtype.kind in 'iub' else ''}.")
    if expected.dtype.kind in "iub":
        if got.dtype.kind not in "iub":
            return f"{name} has dtype {got.dtype}, expected an integer array ({expected.dtype})."
        wrong = got != expected
        if not wrong.any():
            return None
        idx = _index(np.argmax(wrong), expected.shape)
        return (f"{name} is wrong in {int(wrong.sum())} of {wrong.size} entries; first at index {idx}: "
                f"expected {expected[idx]}, got {got[idx]}.")
    bad_values = ~np.isfinite(got) & np.isfinite(expected)
    if bad_values.any():
        idx = _index(np.argmax(bad_values), expected.shape)
        return (f"{name} contains {got[idx]} at index {idx} (expected {expected[idx]:.6g}); "
                f"{int(bad_values.sum())} of {got.size} entries are not finite.{_hint_nonfinite()}")
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    err = np.abs(got - expected)
    bound = tol.rtol * np.abs(expected) + tol.atol * scale
    wrong = err > bound
    if not wrong.any():
        return None
    idx = _index(np.argmax(err / bound), expected.shape)
    return (f"{name} is wrong in {int(wrong.sum())} of {wrong.size} entries. Largest error at index {idx}: "
            f"expected {expected[idx]:.10g}, got {got[idx]:.10g}.{_ratio_hint(got, expected)}"
            f"{_transpose_hint(got, expected, tol)}")


def _index(flat: int, shape) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _hint_size_one(got: np.ndarray) -> str:
    return " (take the number out with .item() or float(...), or sum without keepdims)" if got.size == 1 else ""


def _hint_nonfinite() -> str:
    return (" A NaN or inf where the true value is finite usually means an overflow (e.g. np.exp of a large "
            "number) or 0/0; look for a numerically stable form.")


def _shape_hint(got, expected) -> str:
    if got.size == expected.size and np.squeeze(np.zeros(got.shape)).shape == np.squeeze(np.zeros(expected.shape)).shape:
        return " The sizes agree but an axis of length 1 differs (keepdims=True, or a reshape?)."
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        return " That is the transposed shape."
    if got.ndim == expected.ndim - 1 or got.ndim == expected.ndim + 1:
        return " An axis is missing or extra: did you sum over the wrong axis, or forget one?"
    return ""


def _ratio_hint(got, expected) -> str:
    mask = np.abs(expected) > 1e-12
    if mask.sum() < 2:  # one entry always has "a constant ratio"
        return ""
    ratios = got[mask] / expected[mask]
    r = float(np.median(ratios))
    if abs(r) > 1e-12 and np.allclose(ratios, r, rtol=1e-6, atol=0) and abs(r - 1) > 1e-6:
        if abs(r + 1) < 1e-6:
            return " Every value has the opposite sign: check the sign of your formula or update."
        return (f" Each nonzero value is {r:.6g} times the expected one: perhaps a constant factor is missing "
                "or extra (e.g. 1/m, a batch size, a learning rate).")
    return ""


def _transpose_hint(got, expected, tol) -> str:
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and np.allclose(
            got, expected.T, rtol=tol.rtol, atol=tol.atol * max(1.0, float(np.abs(expected).max()))):
        return " It equals the transpose of the expected value."
    return ""
