"""Correct implementations in other styles (tests/variants_mlp.py) must earn every point.

A variant that loses points is a grader-validity bug (a tolerance too tight, an input regime the
docstring does not promise, a check stricter than the task), never a reason to weaken the variant.
The last test measures how far correct code strays from the oracle: the evidence for compare.py's rtol.
"""
import copy
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from autograder.model import catalog, select
from conftest import corpus, messages, mutate, solution_source

VARIANTS = {topic: module.VARIANTS for topic, module in corpus("variants").items()}

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("topic, name", [(t, n) for t, variants in sorted(VARIANTS.items()) for n in variants])
def test_variant_earns_full_marks(topic, name, edited):
    report = edited(topic, VARIANTS[topic][name])
    assert report.points > 0 and report.score == report.points, messages(report)


# -- how close correct code comes to the oracle --------------------------------------------------


def load(topic: str, name: str) -> types.ModuleType:
    """The variant (or, for "solution", the reference solution) imported in-process."""
    module = types.ModuleType(f"{topic}_{name}")
    source = solution_source(topic)
    source = source if name == "solution" else mutate(source, VARIANTS[topic][name])
    exec(compile(source, f"<{topic} variant {name}>", "exec"), module.__dict__)
    return module


def draws(strategy, n: int) -> list:
    found = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(inputs):
        found.append(inputs)

    collect()
    return found


def run_plan(module, ex, inputs: dict) -> dict:
    """What the worker does: call the exercise's functions in order, naming their results. Each result is kept
    as it was when returned, as the check of that output sees it (its plan ends there): a later call may update
    it in place (an optimizer step that updates the parameters of the step before)."""
    space, returned = copy.deepcopy(inputs), {}
    for c in ex.calls:
        result = getattr(module, c.function)(*(space[a] for a in c.args))
        named = {c.returns: result} if isinstance(c.returns, str) else dict(zip(c.returns, result))
        space.update(named)
        returned.update(copy.deepcopy(named))
    return {**space, **returned}


def lookup(value, path):
    for key in path:
        value = value[key]
    return value


def disagreement(got, expected) -> float:
    """The smallest rtol at which compare.py would still accept `got`, its atol kept at rtol / 1000.

    compare.py accepts |got - e| <= 1e-6 |e| + 1e-9 max(1, max|e|) = 1e-6 (|e| + 1e-3 max(1, max|e|)),
    that is exactly when this number is <= 1e-6.
    """
    if isinstance(expected, dict):
        return max(disagreement(got[k], expected[k]) for k in expected)
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return float(np.max(np.abs(got - expected) / (np.abs(expected) + 1e-3 * scale), initial=0.0))


@pytest.mark.parametrize("topic", sorted(VARIANTS))
def test_correct_code_agrees_with_the_oracle_far_inside_the_tolerance(topic):
    """Every variant and the solution, on 50 generated inputs (plus the explicit examples) per exercise.

    Measured maximum (numpy 2.4.6, torch 2.13.0, float64): 1.0e-13, mlp.tanh's da_dz (1 - tanh(z)^2 cancels near
    |z| = 5); by exercise: tanh 1e-13, mlp_backward 9.4e-14, softmax 5.6e-14, mlp_forward 3.7e-14,
    cross_entropy 3.1e-14, affine 2.9e-14, sigmoid 3.8e-16, binary_cross_entropy 2.9e-16, sgd_step 0.
    A real bug moves a value by more than 1e-3, so rtol = 1e-6 sits about seven decades above correct
    code and three below the smallest bug.
    """
    modules = {name: load(topic, name) for name in ["solution", *VARIANTS[topic]]}
    worst = {}
    for ex in select(catalog(), [topic]):
        checks = [c for c in ex.checks if c.judge is None]
        if ex.oracle is None or not checks:
            continue
        worst[ex.id] = (0.0, "all", "all")
        for inputs in [*ex.examples, *draws(ex.inputs, 50)]:
            expected = ex.oracle(**copy.deepcopy(inputs))
            for name, module in modules.items():
                with np.errstate(all="ignore"):  # np.cosh overflowing to inf is correct here
                    got = run_plan(module, ex, inputs)
                for check in checks:
                    d = disagreement(lookup(got, check.path), lookup(expected, check.path))
                    if d > worst[ex.id][0]:
                        worst[ex.id] = (d, name, check.name)
    print("\n".join(f"{ex_id}: {d:.2g} ({name}, {check})" for ex_id, (d, name, check) in sorted(worst.items())))
    assert max(d for d, _, _ in worst.values()) < 1e-10, worst
