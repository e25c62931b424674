"""A training exercise's learning curve: the student's training run again for several numbers of epochs, and
the correct training's metrics at the same points. The HTML report draws it; it is never graded.

The training functions return only their final parameters, so the curve is replayed: one more call of the
student's function per point, in the exercise's worker, each a whole run of that many epochs. The graded run
is memoised (free); the others go in increasing order. A run that raises leaves a gap; the replay stops at a
run that hangs or crashes (each is stopped after BUDGET_SECONDS, or the exercise's own limit if smaller), or when
the next run would take the student's runs past BUDGET_SECONDS (its cost estimated from the previous run's).
"""
from __future__ import annotations

import math
import time

from autograder.grading.results import LearningCurve
from autograder.grading.search import STOPPING
from autograder.grading.session import TopicSession
from autograder.model import Curve, Exercise

BUDGET_SECONDS = 20.0  # of the student's training for one curve, beyond the graded run


def learning_curve(ex: Exercise, session: TopicSession) -> LearningCurve | None:
    curve = ex.curve
    if curve is None:
        return None
    at = sorted(set(curve.at) | {curve.inputs[curve.vary]})
    scores: dict[int, dict] = {}
    graded = curve.inputs[curve.vary]
    if _run(ex, session, graded, scores):  # the graded run first: already done, so free
        return None  # the checks already say why the training failed: no curve to draw
    stopped, failed, spent, last = "", [], 0.0, None
    for n in at:
        if n == graded:
            continue
        if last is not None and last[0] > 0 and spent + last[1] * n / last[0] > BUDGET_SECONDS:
            stopped = f"runs of {n} or more {curve.vary} would take more than {BUDGET_SECONDS:g} s in all"
            break
        start = time.perf_counter()
        error = _run(ex, session, n, scores)
        last = (n, time.perf_counter() - start)
        spent += last[1]
        if error:
            failed.append((n, error))
            if error["kind"] in STOPPING - {"exception", "not_implemented"}:
                stopped = f"the run of {n} {curve.vary} failed: {_gist(error)}"
                break
    expected = _reference(ex, session, curve, at) if curve.reference is not None else []
    metrics = list(dict.fromkeys(m for s in [*scores.values(), *expected] for m in s))
    failures = "" if not failed or stopped else (
        f"The runs of {', '.join(str(n) for n, _ in failed)} {curve.vary} failed: {_gist(failed[0][1])}")
    return LearningCurve(curve.vary, at, {m: [scores.get(n, {}).get(m) for n in at] for m in metrics},
                         {m: [s.get(m) for s in expected] for m in metrics} if expected else {},
                         dict(curve.targets), curve.note, stopped, failures)


def _gist(error: dict) -> str:
    return error["message"].splitlines()[0].rstrip(".")


def _run(ex: Exercise, session: TopicSession, n: int, scores: dict) -> dict | None:
    """The student's training with `vary` = n, scored into scores[n]; the worker's error if the call failed."""
    curve = ex.curve
    limit = None if n == curve.inputs[curve.vary] else min(ex.seconds, BUDGET_SECONDS)  # None: the graded run's
    outcome = session.outcome(ex, ex.plan_for(curve.output), {**curve.inputs, curve.vary: n}, limit)
    if outcome.error:
        return outcome.error
    scores[n] = _measured(curve, outcome.results.get(curve.output))
    return None


def _measured(curve: Curve, trained) -> dict[str, float | None]:
    """curve.measure(trained): every value a float, inf where it is not finite (a diverged run), {} for a result
    that cannot be measured."""
    try:
        values = curve.measure(trained) or {}
    except Exception:  # noqa: BLE001 - whatever the student returned, the report is still written
        return {}
    return {m: float(v) if math.isfinite(v) else math.inf for m, v in values.items() if isinstance(v, (int, float))}


def _reference(ex: Exercise, session: TopicSession, curve: Curve, at: list[int]) -> list[dict]:
    """The correct training's metrics at every point, from the start the student's run used ([] if unknown)."""
    got = {}
    if curve.needs:
        plan = tuple(sorted({i for out in curve.needs for i in ex.plan_for(out)}))
        outcome = session.outcome(ex, plan, curve.inputs)
        if outcome.error:
            return []
        got = outcome.results
    try:
        trained = curve.reference(got, curve.inputs, tuple(at))
    except Exception:  # noqa: BLE001 - an unusable start (say a wrong init_params): no reference curve
        return []
    return [_measured(curve, t) for t in trained]
