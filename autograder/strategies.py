"""Hypothesis strategies shared by every topic: sizes, well-conditioned float64 arrays, labels.

Values are float64 and bounded; every element is drawn on its own (no fill value),
so inputs are generic (no accidental symmetry that hides a transposed weight) and
still shrink to small readable numbers. Sizes are small so a full grade is fast,
and drawn distinct where a square shape would hide a mistake.

Once a check has failed, the search for the smallest failing input draws again inside `small_sizes()`: every
size drawn with `sizes`, `size`, `size_from`, `lengths` or `sampled` is then at most SMALL_SIZE and may repeat,
down to the least size the exercise's definition allows (`least`, declared beside the generic range). The generic
draws are not changed by it: outside that block each returns the strategy it always did.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


TINY = 1e-3  # in a range of unit scale around 0, magnitudes below this are drawn as 0.0
SMALL_SIZE = 3  # the largest size `small_sizes()` draws

# A search for small inputs rejects a draw as soon as an array's shape is known to be too large, before its elements
# are drawn (drawing them is most of the cost of a large input).
_shape_guard: ContextVar[Callable[[tuple[int, ...]], None] | None] = ContextVar("shape_guard", default=None)


@contextmanager
def shape_guard(guard: Callable[[tuple[int, ...]], None]) -> Iterator[None]:
    """While drawing inside this block, `guard(shape)` sees the shape of every array these helpers draw, first."""
    token = _shape_guard.set(guard)
    try:
        yield
    finally:
        _shape_guard.reset(token)


_small: ContextVar[bool] = ContextVar("small_sizes", default=False)


@contextmanager
def small_sizes() -> Iterator[None]:
    """While drawing inside this block, `sizes` and `size` draw their small variant (see the module's docstring)."""
    token = _small.set(True)
    try:
        yield
    finally:
        _small.reset(token)


def _guard(shape) -> None:
    guard = _shape_guard.get()
    if guard is not None:
        guard((shape,) if isinstance(shape, int) else tuple(shape))


@lru_cache(maxsize=None)
def floats(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[float]:
    """Floats in [low, high]. Around 0 at unit scale, no tiny nonzero values: Hypothesis favours extreme floats
    (about a quarter of its draws in [-2, 2] were below 1e-3, such as 1.4e-45 or 6.9e-308), which only make a
    failing input hard to read; they become 0.0 (which is drawn anyway)."""
    values = st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)
    if low <= 0 <= high and max(abs(low), abs(high)) >= 1:
        return values.map(lambda v: v if abs(v) >= TINY else 0.0)
    return values


def arrays(shape, low: float = -2.0, high: float = 2.0, elements=None) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` with each element in [low, high] (or from `elements`)."""
    _guard(shape)
    if elements is None:
        return _float_arrays(shape if isinstance(shape, int) else tuple(shape), low, high)
    return hnp.arrays(np.float64, shape, elements=elements, fill=st.nothing())


@lru_cache(maxsize=4096)
def _float_arrays(shape, low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    """One strategy object per shape and range: built and validated once, not at every draw (the same draws)."""
    return hnp.arrays(np.float64, shape, elements=floats(low, high), fill=st.nothing())


def sizes(n: int, low: int = 2, high: int = 5, distinct: bool = True,
          least: int | tuple[int, ...] | None = None) -> st.SearchStrategy[list[int]]:
    """n sizes in [low, high]; pairwise distinct by default, so no shape is accidentally square.

    `least`: the smallest size the definition allows, one for all or one per size (default `low`): inside
    `small_sizes()` the sizes are drawn in [least, SMALL_SIZE], equal ones allowed."""
    if not _small.get():
        return _sizes(n, low, high, distinct)
    least = (low if least is None else least,) * n if not isinstance(least, tuple) else least
    assert len(least) == n, (least, n)
    return st.tuples(*(_size(k, max(k, min(high, SMALL_SIZE))) for k in least)).map(list)


def size(low: int, high: int, least: int | None = None) -> st.SearchStrategy[int]:
    """One size in [low, high]; inside `small_sizes()`, in [least, SMALL_SIZE] (`least` defaults to `low`)."""
    if _small.get():
        low = low if least is None else least
        high = max(low, min(high, SMALL_SIZE))
    return _size(low, high)


def lengths(low: int, high: int, least: int | None = None) -> tuple[int, int]:
    """The bounds (low, high) of a list's length, for `st.lists`; inside `small_sizes()`, (least, SMALL_SIZE)."""
    if _small.get():
        low = low if least is None else least
        return low, max(low, min(high, SMALL_SIZE))
    return low, high


def sampled(values, small) -> st.SearchStrategy:
    """One of `values` (sizes, or tuples of them); inside `small_sizes()`, one of `small`."""
    return st.sampled_from(list(small if _small.get() else values))


def size_from(values, least: int | None = None) -> st.SearchStrategy[int]:
    """One of the sizes `values`; inside `small_sizes()`, in [least, SMALL_SIZE] (`least` defaults to the
    smallest of `values`)."""
    values = list(values)
    if _small.get():
        return size(min(values), max(values), least)
    return st.sampled_from(values)


@lru_cache(maxsize=None)
def _sizes(n: int, low: int, high: int, distinct: bool) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(low, high), min_size=n, max_size=n, unique=distinct)


@lru_cache(maxsize=None)
def _size(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def labels(m: int, classes: int) -> st.SearchStrategy[np.ndarray]:
    """m int64 class labels in [0, classes); the first two differ, so two classes are always present."""
    _guard(m)
    return _labels(m, classes)


@lru_cache(maxsize=1024)
def _labels(m: int, classes: int) -> st.SearchStrategy[np.ndarray]:
    rest = hnp.arrays(np.int64, max(m - 2, 0), elements=st.integers(0, classes - 1), fill=st.nothing())
    return st.tuples(st.integers(0, classes - 1), st.integers(1, classes - 1), rest).map(
        lambda t: np.concatenate([[t[0], (t[0] + t[1]) % classes], t[2]]).astype(np.int64)[:m])


def binary_labels(m: int) -> st.SearchStrategy[np.ndarray]:
    """m float64 labels in {0, 1}, both present when m >= 2 (by construction: the first two differ)."""
    _guard(m)
    return _binary_labels(m)


@lru_cache(maxsize=1024)
def _binary_labels(m: int) -> st.SearchStrategy[np.ndarray]:
    rest = hnp.arrays(np.float64, max(m - 2, 0), elements=st.sampled_from([0.0, 1.0]), fill=st.nothing())
    return st.tuples(st.sampled_from([0.0, 1.0]), rest).map(
        lambda t: np.concatenate([[t[0], 1.0 - t[0]], t[1]])[:m])


def distinct_arrays(shape, low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` in [low, high] whose entries are pairwise distinct, by construction.

    The entries are `size` evenly spaced levels in a random order (a permutation), each moved by at most
    half a spacing: any two differ by at least half a spacing, (high - low) / (2 size), so every max has
    one argmax with a margin far above round-off (no ties in a max-pool window).
    """
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    _guard(shape)
    return _distinct_arrays(shape, low, high)


@lru_cache(maxsize=4096)
def _distinct_arrays(shape: tuple[int, ...], low: float, high: float) -> st.SearchStrategy[np.ndarray]:
    size = int(np.prod(shape))
    step = (high - low) / size
    offsets = hnp.arrays(np.float64, size, elements=floats(0.0, 0.5), fill=st.nothing())
    return st.tuples(st.permutations(range(size)), offsets).map(
        lambda t: (low + (np.asarray(t[0], dtype=np.float64) + 0.25 + t[1]) * step).reshape(shape))


def nonzero_arrays(shape, margin: float = 0.1, high: float = 2.0) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` with every |entry| in [margin, high] and its sign drawn on its own:
    no entry is near 0, where ReLU has its kink."""
    _guard(shape)
    return _nonzero_arrays(shape if isinstance(shape, int) else tuple(shape), margin, high)


@lru_cache(maxsize=4096)
def _nonzero_arrays(shape, margin: float, high: float) -> st.SearchStrategy[np.ndarray]:
    return st.tuples(_float_arrays(shape, margin, high), hnp.arrays(np.bool_, shape, elements=st.booleans())).map(
        lambda t: np.where(t[1], -t[0], t[0]))
