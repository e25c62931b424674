"""Hypothesis strategies shared by every topic: sizes, well-conditioned float64 arrays, labels.

Values are float64 and bounded; every element is drawn on its own (no fill value),
so inputs are generic (no accidental symmetry that hides a transposed weight) and
still shrink to small readable numbers. Sizes are small so a full grade is fast,
and drawn distinct where a square shape would hide a mistake.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def floats(low: float = -2.0, high: float = 2.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)


def arrays(shape, low: float = -2.0, high: float = 2.0, elements=None) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of `shape` with each element in [low, high] (or from `elements`)."""
    return hnp.arrays(np.float64, shape, elements=floats(low, high) if elements is None else elements, fill=st.nothing())


def sizes(n: int, low: int = 2, high: int = 5, distinct: bool = True) -> st.SearchStrategy[list[int]]:
    """n sizes in [low, high]; pairwise distinct by default, so no shape is accidentally square."""
    return st.lists(st.integers(low, high), min_size=n, max_size=n, unique=distinct)


def labels(m: int, classes: int) -> st.SearchStrategy[np.ndarray]:
    """m int64 class labels in [0, classes); the first two differ, so two classes are always present."""
    rest = hnp.arrays(np.int64, max(m - 2, 0), elements=st.integers(0, classes - 1), fill=st.nothing())
    return st.tuples(st.integers(0, classes - 1), st.integers(1, classes - 1), rest).map(
        lambda t: np.concatenate([[t[0], (t[0] + t[1]) % classes], t[2]]).astype(np.int64)[:m])


def binary_labels(m: int) -> st.SearchStrategy[np.ndarray]:
    """m float64 labels in {0, 1}, both present when m >= 2 (by construction: the first two differ)."""
    rest = hnp.arrays(np.float64, max(m - 2, 0), elements=st.sampled_from([0.0, 1.0]), fill=st.nothing())
    return st.tuples(st.sampled_from([0.0, 1.0]), rest).map(
        lambda t: np.concatenate([[t[0], 1.0 - t[0]], t[1]])[:m])
