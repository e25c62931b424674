"""Every input condition an exercise declares (`covers`, see shared INPUT-COVERAGE) is met by the
inputs the grader really draws: a condition never met would let the mistake it exposes pass."""
import numpy as np
import pytest

from autograder.model import catalog
from autograder.grading.search import search

DECLARING = [e for e in catalog() if e.covers]


def drawn(ex) -> list[dict]:
    seen = []
    search(ex.inputs, ex.examples, ex.max_examples, seen.append)
    return seen


@pytest.mark.parametrize("ex", DECLARING, ids=[e.id for e in DECLARING])
def test_declared_conditions_are_met(ex):
    inputs = drawn(ex)
    assert len(inputs) >= min(ex.max_examples, 5)
    unmet = [name for name, holds in ex.covers.items() if not any(holds(i) for i in inputs)]
    assert not unmet, f"{ex.id}: no graded input has {unmet}"


def test_inputs_do_not_depend_on_which_grader_modules_are_loaded():
    """Hypothesis mixes literals of loaded local modules into its draws unless the runner turns that off."""
    import importlib
    import sys

    (ex,) = [e for e in catalog() if e.id == "mlp.affine"]
    before = drawn(ex)
    sys.modules.pop("autograder.statistics", None)
    importlib.import_module("autograder.statistics")  # a module full of number literals, loaded anew
    after = drawn(ex)
    assert all(np.array_equal(a["x"], b["x"]) for a, b in zip(before, after))


def test_batch_is_never_one():
    """m >= 2 everywhere: with a single example, a missing 1/m or an unsummed bias gradient is invisible."""
    for ex in catalog():
        for i in drawn(ex):
            for name in ("x", "X", "z", "a"):
                if name in i and getattr(i[name], "ndim", 0) >= 1 and ex.id not in ("mlp.tanh", "mlp.sigmoid"):
                    assert i[name].shape[0] >= 2, (ex.id, name, i[name].shape)


def test_grading_draws_the_same_inputs_every_time():
    (ex,) = [e for e in catalog() if e.id == "mlp.tanh"]
    first, second = drawn(ex), drawn(ex)
    assert len(first) == len(second)
    assert all((a["z"] == b["z"]).all() for a, b in zip(first, second))
