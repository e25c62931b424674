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

Values that are not finite are compared exactly, never within a tolerance:
- where the expected entry is NaN, +inf or -inf, only the same value is accepted (NaN for NaN, +inf for +inf,
  -inf for -inf), and that entry takes no part in the bounds of the others (max|expected| is taken over the finite
  entries). An infinite bound, or a comparison with NaN (always false), would otherwise accept any answer at
  every entry: a mask whose hidden entries are -inf would accept a mask of zeros;
- where the expected entry is finite, a NaN or inf is wrong, with a hint about overflow and 0/0.
The same holds for a declared mistake (`matches_mistake`): a misconception's variant whose values are not finite
where the oracle's are (Adam's bias correction at t = 0 divides by 1 - beta^0 = 0) is never named, whatever the
student returned: it would name a division by zero the student may never have written.
"""
from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

import numpy as np

from autograder.sandbox.wire import Unsupported


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-6
    atol: float = 1e-9


SMALL = 60  # arrays with at most this many entries (and no axis longer than 8) are shown whole
PASTED, PASTED_AXIS = 64, 16  # inputs to paste back are written out whole up to this size (an LSTM's (3, 12) W)


def fmt_array(a, width: int = 76) -> str:
    """A value as a person reads it: small arrays whole (never cut mid-number), large ones summarised."""
    if isinstance(a, np.ndarray):
        if a.size > SMALL or any(n > 8 for n in a.shape):
            return _summary(a)
        return np.array2string(a, precision=6, suppress_small=False, max_line_width=width, threshold=SMALL + 1)
    return repr(a)


def _summary(a: np.ndarray) -> str:
    finite = a[np.isfinite(a)] if a.dtype.kind in "fc" else a.ravel()
    span = f", values in [{finite.min():.4g}, {finite.max():.4g}]" if finite.size else ""
    return f"<array of shape {a.shape}, {a.dtype}{span}>"


def python_literal(value, width: int = 76, indent: str = "", base: str = "") -> str:
    """`value` as Python source that rebuilds it exactly (shortest round-trip floats), for pasting back.

    Arrays become `np.array([...])` with a comment naming their shape and dtype; an array too large to read
    is summarised instead (its shape, dtype and range: not pasteable, the check command reproduces it).
    `indent` is the column the value starts at (continuation lines align there), `base` the indentation of the
    line it is on (a dict's entries go 4 further)."""
    if isinstance(value, np.ndarray):
        if value.size > 1 and value.dtype.kind in "biuf" and (value == value.flat[0]).all() \
                and (value.size > SMALL or any(n > 8 for n in value.shape)):  # one value throughout: np.full
            fill = value.flat[0]
            return (f"np.zeros({value.shape}" if fill == 0 else f"np.full({value.shape}, {python_literal(fill)}") + \
                (")" if value.dtype in (np.float64,) else f", dtype=np.{value.dtype})")
        if not pasteable(value):
            return _summary(value)
        body = np.array2string(value, separator=", ", floatmode="unique", threshold=value.size + 1,
                               max_line_width=max(20, width - len(indent) - 10),
                               formatter={"float_kind": _float_literal} if value.dtype.kind == "f" else None)
        body = "\n".join(line for line in body.split("\n") if line.strip())  # no blank lines between blocks
        body = body.replace("\n", "\n" + indent + " " * 9)
        dtype = "" if value.dtype in (np.float64, np.int64) or value.dtype.kind == "b" else f", dtype=np.{value.dtype}"
        return f"np.array({body}{dtype})"
    if isinstance(value, dict):  # one entry a line, at the indentation of the line that opens it, plus 4
        inner = base + "    "
        items = [f"{inner}{k!r}: {python_literal(v, width, inner + ' ' * (len(repr(k)) + 2), inner)},"
                 f"{_shape_comment(v)}" for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{base}}}"
    if isinstance(value, (list, tuple)) and any(isinstance(v, (np.ndarray, np.generic, dict)) for v in value):
        inner = base + "    "  # a list of arrays (checkpoints) or records: one entry a line, as a dict's
        items = [f"{inner}{python_literal(v, width, inner, inner)}," for v in value]
        close = "]" if isinstance(value, list) else ("," if len(value) == 1 else "") + ")"
        return ("[" if isinstance(value, list) else "(") + "\n" + "\n".join(items) + f"\n{base}{close}"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return _float_literal(value)
    return repr(value)


def pasteable(value) -> bool:
    """Whether `python_literal(value)` is Python that rebuilds it after `import numpy as np` (no array of it is too
    large to show whole, and nothing of it prints as an object's repr)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf" and value.size > 1 and (value == value.flat[0]).all():
            return True  # np.full
        return value.size <= PASTED and all(n <= PASTED_AXIS for n in value.shape) and value.dtype.kind in "biuf"
    if isinstance(value, dict):
        return all(isinstance(k, (str, int)) and pasteable(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(pasteable(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str, np.generic))


def _float_literal(x) -> str:
    if np.isnan(x):
        return "np.nan"
    if np.isinf(x):
        return "np.inf" if x > 0 else "-np.inf"
    return repr(float(x))


def _shape_comment(value) -> str:
    if isinstance(value, np.ndarray) and pasteable(value):
        return f"  # shape {value.shape}, {value.dtype}"
    return ""


def format_inputs(inputs: dict, width: int = 76, compact: bool = False) -> str:
    """Every input as a line of Python (`name = np.array(...)  # shape (2, 3), float64`).

    `compact` (the short text): an input whose whole literal fits in `width` columns takes one line, its comment the
    shape alone (the literal says the dtype: float64 and int64 are NumPy's defaults, others are written out); an
    array too long for that, one line per entry of its first axis; a dict of small entries as few lines as they
    fit; anything longer is written as without `compact`. Inputs that take one line each share a line while it fits
    (`lr = 0.1; epochs = 3`, two small arrays), without their shape comments."""
    written = [_written(name, value, width, compact) for name, value in inputs.items()]
    if compact:  # numbers last, together (the order of assignments is no matter to Python)
        written = sorted(written, key=lambda entry: len(entry) == 1 and not entry[0].split(" = ", 1)[1]
                         .startswith(("np.", "{", "[np.", "(np.")))
    return "\n".join(_side_by_side(written, width, "; ") if compact else [line for entry in written for line in entry])


def _side_by_side(entries: list[list[str]], width: int, sep: str, indent: int = 0) -> list[str]:
    """The lines of `entries` (each a list of lines), an entry of one line joined to the line before it by `sep`
    (without either's shape comment, and without the entry's first `indent` columns) when that line holds one entry
    alone and the two fit in `width`."""
    lines: list[str] = []
    alone = False  # the last line holds one entry alone, and may take the next beside it
    for entry in entries:
        joined = f"{_uncommented(lines[-1])}{sep}{_uncommented(entry[0][indent:])}" if lines else ""
        if alone and len(entry) == 1 and len(joined) <= width:
            lines[-1] = joined
        else:
            lines += entry
            alone = len(entry) == 1
    return lines


def _uncommented(line: str) -> str:
    return line.split("  # shape", 1)[0]


def _shape_note(value, short: str | None) -> str:
    """The comment after an array's one-line literal `short` (none after np.zeros(...), which says the shape)."""
    return f"  # shape {value.shape}" if isinstance(value, np.ndarray) and value.ndim and \
        not (short or "").startswith("np.zeros") else ""


def _written(name: str, value, width: int, compact: bool) -> list[str]:
    """One input as the lines of Python `format_inputs` writes."""
    short = _one_line(value) if compact else None
    comment = _shape_note(value, short)
    blocks = _blocks(value, " " * (len(name) + 13)) if short is not None else None
    if short is not None and len(f"{name} = {short}") <= width:
        return [f"{name} = {short}" + (comment if len(f"{name} = {short}{comment}") <= width else "")]
    if blocks is not None and all(len(line) <= width for line in [f"{name} = {blocks[0]}", *blocks[1:]]):
        blocks[-1] += comment if len(blocks[-1] + comment) <= width else ""
        return [f"{name} = {blocks[0]}", *blocks[1:]]
    packed = _packed(name, value, width) if compact and isinstance(value, dict) and \
        all(_one_line(v) is not None for v in value.values()) else None
    if packed and all(len(line) <= width for line in packed):
        return packed
    if compact and isinstance(value, dict) and value and all(_one_line(v) is not None for v in value.values()):
        pad = " " * (len(name) + 4)  # an entry a line (small ones side by side), the first after the brace
        entries = [_entry(k, v, width, pad, "}" if i == len(value) - 1 else ",")
                   for i, (k, v) in enumerate(value.items())]
        lines = _side_by_side(entries, width, " ", len(pad))
        return [f"{name} = {{{lines[0][len(pad):]}", *lines[1:]]
    return f"{name} = {python_literal(value, width, ' ' * (len(name) + 3))}{_shape_comment(value)}".split("\n")


def _packed(name: str, value: dict, width: int) -> list[str]:
    """A dict of small entries as few lines as fit in `width`: `name = {'W': np.array(...), 'b': ...,` and on."""
    start = f"{name} = {{"
    lines, line = [], start
    items = [f"{k!r}: {_one_line(v)}" for k, v in value.items()]
    for i, item in enumerate(items):
        piece = item + ("}" if i == len(items) - 1 else ",")
        if line not in (start, " " * len(start)) and len(line + " " + piece) > width:
            lines.append(line)
            line = " " * len(start)
        line += ("" if line in (start, " " * len(start)) else " ") + piece
    return lines + [line]


def _entry(key, value, width: int, pad: str, end: str) -> list[str]:
    """A dict's entry as `format_inputs(compact=True)` writes it, at column `pad` and followed by `end` ("," or "}"):
    on one line, else one block a line, else whole."""
    start = f"{pad}{key!r}: "
    short = _one_line(value)
    comment = _shape_note(value, short)
    if len(start + short + end) <= width:
        return [start + short + end + (comment if len(start + short + end + comment) <= width else "")]
    blocks = _blocks(value, " " * (len(start) + 10))
    if blocks is not None and all(len(line) < width for line in [start + blocks[0], *blocks[1:]]):
        return [start + blocks[0], *blocks[1:-1], blocks[-1] + end + (comment if len(blocks[-1] + comment) < width
                                                                      else "")]
    return f"{start}{python_literal(value, width, ' ' * len(start), pad)}{end}{_shape_comment(value)}".split("\n")


def _blocks(value, indent: str) -> list[str] | None:
    """A small array written one entry of its first axis a line (each on one line), for `format_inputs`; None for
    anything else."""
    if not isinstance(value, np.ndarray) or value.ndim < 2 or len(value) < 2:
        return None
    whole = _one_line(value)
    if not whole or not whole.startswith("np.array([") or "np.full" in whole:
        return None
    dtype = whole[whole.rindex("]") + 1:-1]  # ", dtype=np.float32" or ""
    rows = [_one_line(np.ascontiguousarray(row), zeros=False) for row in value]
    rows = [r[len("np.array("):r.rindex("]") + 1] for r in rows]
    return [f"np.array([{rows[0]},", *[f"{indent}{r}," for r in rows[1:-1]], f"{indent}{rows[-1]}]{dtype})"]


def _one_line(value, zeros: bool = True) -> str | None:
    """`python_literal(value)` on one line (a small array's rows side by side), or None when it cannot be: a value
    too large to paste, a dict or list of arrays that does not fit."""
    if isinstance(value, dict):
        items = [_one_line(v) for v in value.values()]
        if any(i is None for i in items) or not all(isinstance(k, (str, int)) for k in value):
            return None
        return "{" + ", ".join(f"{k!r}: {i}" for k, i in zip(value, items)) + "}"
    if isinstance(value, (list, tuple)) and any(isinstance(v, (np.ndarray, np.generic, dict)) for v in value):
        items = [_one_line(v) for v in value]
        if any(i is None for i in items):
            return None
        body = ", ".join(items) + ("," if isinstance(value, tuple) and len(value) == 1 else "")
        return f"[{body}]" if isinstance(value, list) else f"({body})"
    if not pasteable(value):
        return None
    if zeros and isinstance(value, np.ndarray) and value.dtype == np.float64 and value.size > 1 and not value.any():
        return f"np.zeros({value.shape if value.ndim > 1 else len(value)})"  # a shrunk input is mostly zeros
    text = python_literal(value, width=10 ** 6)
    if isinstance(value, np.ndarray):  # an array's rows, one a line: side by side; 1.0 as 1.
        return re.sub(r"(?<![\w.])(-?\d+)\.0(?=[,\]])", r"\1.", " ".join(line.strip() for line in text.split("\n")))
    return None if "\n" in text else text


def largest_axis(value) -> int:
    """The longest axis of any array in `value` (0 for scalars), e.g. to prefer inputs no larger than 3."""
    if isinstance(value, np.ndarray):
        return max(value.shape, default=0)
    if isinstance(value, dict):
        return max((largest_axis(v) for v in value.values()), default=0)
    if isinstance(value, (list, tuple)):
        return max([len(value)] + [largest_axis(v) for v in value])
    return 0


def arrays_in(value):
    """Every array of `value` (an array, or dicts, lists and tuples of them), depth first."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from arrays_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from arrays_in(v)


def tiny_numbers(value) -> int:
    """How many floats in `value` are tiny nonzero numbers such as 1.4e-45 (hard to read, and rarely the point)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        magnitude = np.abs(value[np.isfinite(value)])
        return int(np.count_nonzero((magnitude > 0) & (magnitude < 1e-3)))
    if isinstance(value, float):
        return int(value != 0 and abs(value) < 1e-3)
    if isinstance(value, dict):
        return sum(tiny_numbers(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(tiny_numbers(v) for v in value)
    return 0


def is_plain(value) -> bool:
    return tiny_numbers(value) == 0


def discrepancy(got, expected) -> float:
    """How visible a wrong value is: the largest error relative to the largest expected magnitude
    (inf when the value has the wrong type, shape, or is not finite). 0.3 means an error of 30 %."""
    try:
        g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return float("inf")
    finite = np.isfinite(e)
    if g.shape != e.shape or not np.all(np.isfinite(g) | _same_nonfinite(g, e)) or np.any(~finite & np.isfinite(g)):
        return float("inf")
    if not finite.any():
        return 0.0
    scale = max(float(np.max(np.abs(e[finite]))), 1e-12)
    return float(np.max(np.abs(g[finite] - e[finite]))) / scale


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
    if not np.isfinite(expected):
        return None if _same_nonfinite(value, expected) else f"{name} should be {expected}, but it is {value:.10g}."
    if not np.isfinite(value):
        return f"{name} is {value}, expected {expected:.10g}.{_hint_nonfinite()}"
    if abs(value - expected) <= tol.rtol * abs(expected) + tol.atol * max(1.0, abs(expected)):
        return None
    return f"{name} is wrong: expected {expected:.10g}, got {value:.10g}.{_ratio_hint(value, expected)}"


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
    finite = np.isfinite(expected)
    bad_values = ~np.isfinite(got) & finite
    if bad_values.any():
        idx = _index(np.argmax(bad_values), expected.shape)
        return (f"{name} contains {got[idx]} at index {idx} (expected {expected[idx]:.6g}); "
                f"{int(bad_values.sum())} of {got.size} entries are not finite.{_hint_nonfinite()}")
    unlike = ~finite & ~_same_nonfinite(got, expected)
    if unlike.any():
        idx = _index(np.argmax(unlike), expected.shape)
        return (f"{name} is wrong in {int(unlike.sum())} of {unlike.size} entries; first at index {idx}: "
                f"expected {expected[idx]}, got {got[idx]:.10g}.")
    scale = max(1.0, float(np.max(np.abs(expected[finite]), initial=0.0)))
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf: those entries are already judged
        err = np.where(finite, np.abs(got - expected), 0.0)
    bound = tol.rtol * np.abs(np.where(finite, expected, 0.0)) + tol.atol * scale
    wrong = err > bound
    if not wrong.any():
        return None
    idx = _index(np.argmax(err / bound), expected.shape)
    return (f"{name} is wrong in {int(wrong.sum())} of {wrong.size} entries. Largest error at index {idx}: "
            f"expected {expected[idx]:.10g}, got {got[idx]:.10g}.{_ratio_hint(got, expected)}"
            f"{_transpose_hint(got, expected, tol)}")


def _same_nonfinite(got, expected):
    """Entry by entry: both NaN, or both the same infinity (the only matches of an expected value that is not
    finite)."""
    return (np.isnan(got) & np.isnan(expected)) | (np.isinf(expected) & (got == expected))


def matches_mistake(got, variant, expected, tol: Tolerance) -> bool:
    """Whether `got` is a declared mistake's value `variant` on an input where the right answer is `expected`:
    got matches the variant, the variant is wrong, and the variant is finite wherever the right answer is (a
    mistake that divides by zero would otherwise "match" whatever a student returned: see the module docstring)."""
    return finite_where(variant, expected) and compare("x", got, variant, tol) is None \
        and compare("x", variant, expected, tol) is not None


def finite_where(variant, expected) -> bool:
    """Whether every float of `variant` is finite where the same entry of `expected` is (structures walked alike;
    what does not line up is left to compare)."""
    if isinstance(expected, dict) and isinstance(variant, dict):
        return all(finite_where(variant[k], expected[k]) for k in expected if k in variant)
    if isinstance(expected, (list, tuple)) and isinstance(variant, (list, tuple)):
        return all(finite_where(v, e) for v, e in zip(variant, expected))
    try:
        v, e = np.asarray(variant, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return True
    if v.shape != e.shape:
        return True
    return bool(np.all(np.isfinite(v) | ~np.isfinite(e)))


def _index(flat: int, shape) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape)) if shape else ()


def _hint_size_one(got: np.ndarray) -> str:
    return " (take the number out with .item() or float(...), or sum without keepdims)" if got.size == 1 else ""


def _hint_nonfinite() -> str:
    return ("\nA NaN or inf where the true value is finite usually means an overflow (e.g. np.exp of a large "
            "number) or 0/0; look for a numerically stable form.")


def _shape_hint(got, expected) -> str:
    if got.size == expected.size and np.squeeze(np.zeros(got.shape)).shape == np.squeeze(np.zeros(expected.shape)).shape:
        return "\nThe sizes agree but an axis of length 1 differs (keepdims=True, or a reshape?)."
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        return "\nThat is the transposed shape."
    if got.ndim == expected.ndim - 1 or got.ndim == expected.ndim + 1:
        return "\nAn axis is missing or extra: did you sum over the wrong axis, or forget one?"
    return ""


def exact_factor(got, expected) -> float | None:
    """k when every value of `got` is exactly (to 1e-9) k times the expected one, for k = -1 or k (or 1/k) an
    integer from 2 to 10,000; else None. Exact on purpose: a ratio of 0.999975 is a rounding issue, not 1/m."""
    try:
        g = np.atleast_1d(np.asarray(got, dtype=np.float64)).ravel()
        e = np.atleast_1d(np.asarray(expected, dtype=np.float64)).ravel()
    except (TypeError, ValueError):
        return None
    if g.shape != e.shape or not (np.all(np.isfinite(g)) and np.all(np.isfinite(e))):
        return None
    scale = float(np.max(np.abs(e), initial=0.0))
    nonzero = np.abs(e) > 1e-12 * scale
    if scale == 0 or np.any(np.abs(g[~nonzero]) > 1e-9 * scale):
        return None
    ratios = g[nonzero] / e[nonzero]
    k = float(np.median(ratios))
    if k == 0 or not np.allclose(ratios, k, rtol=1e-9, atol=0):
        return None
    if abs(k + 1) <= 1e-9:
        return -1.0
    for n in (abs(k), 1 / abs(k)):
        if 2 - 1e-9 <= n <= 10_000 and abs(n - round(n)) <= 1e-9 * n:
            return float(np.sign(k) * (round(n) if n == abs(k) else 1 / round(n)))
    return None


def describe_factor(k: float) -> str:
    if k == -1:
        return "Every value has the opposite sign of the expected one."
    n = round(abs(k)) if abs(k) >= 1 else round(1 / abs(k))
    sign = "" if k > 0 else "minus "
    if abs(k) >= 1:
        return f"Every value is exactly {sign}{n} times the expected one."
    return f"Every value is exactly {sign}1/{n} of the expected one."


def _ratio_hint(got, expected) -> str:
    k = exact_factor(got, expected)
    return "" if k is None else "\n" + describe_factor(k)


def _transpose_hint(got, expected, tol) -> str:
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and np.allclose(
            got, expected.T, rtol=tol.rtol,
            atol=tol.atol * max(1.0, float(np.max(np.abs(expected[np.isfinite(expected)]), initial=0.0)))):
        return "\nIt equals the transpose of the expected value."
    return ""
