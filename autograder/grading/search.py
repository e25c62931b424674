"""Grading a check as a Hypothesis search over the exercise's inputs.

For each check, Hypothesis draws inputs (derandomized, no database), the worker
runs the student's plan of calls on them, the oracle computes the expected
values here in the grader, and `compare` (or the check's judge) gives the
verdict. A failure is shrunk to the smallest input that still fails. Failures
that say nothing about the input (missing function, not implemented, crash,
timeout, forbidden import) stop the search at once instead of shrinking.
Results are memoised per input (`TopicSession`), so checks of one exercise share worker calls.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings
from hypothesis import seed as hypothesis_seed

from autograder.compare import compare, fmt_array
from autograder.grading.results import CheckResult, ExerciseResult
from autograder.grading.session import TopicSession
from autograder.model import Check, Exercise

HYPOTHESIS = settings(database=None, derandomize=True, deadline=None, verbosity=Verbosity.quiet,
                      suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                      print_blob=False, phases=(Phase.explicit, Phase.generate, Phase.shrink))


def _no_local_constants() -> None:
    """Draw inputs from the strategies alone, whatever modules happen to be imported.

    Hypothesis mixes number literals from every *local* module in sys.modules (its "local constants") into
    what it draws, so the inputs of an exercise changed when a judge lazily imported autograder.statistics,
    and differed between `grade`, `grade --only` and a notebook. Those literals are the grader's own (the
    submission runs in the worker), so they are switched off; Hypothesis's built-in constants stay.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without the feature
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        providers._get_local_constants = providers.Constants  # an empty set of constants
        getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", {}).clear()


_no_local_constants()
NO_INPUT = {"missing", "not_implemented", "forbidden"}  # the input does not matter: say nothing about it
STOPPING = NO_INPUT | {"timeout", "crash", "protocol", "memory", "leaked"}  # not worth shrinking: stop at the first
SHRINK_BUDGET = 50  # evaluations after the first failure, then the smallest failure so far is reported:
# a check of a topic with five broken exercises took 8.4 s at 100, 4.0 s at 40 (shrunk nearly as far)


class _Failed(Exception):
    """A failing example: Hypothesis shrinks it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Stop(BaseException):
    """A failure independent of the input: Hypothesis lets a BaseException through without shrinking."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _label(path: tuple[str, ...]) -> str:
    return path[0] + "".join(f"[{k!r}]" for k in path[1:])


def _lookup(outputs: dict, path: tuple[str, ...]):
    """(value at `path`, None) or (None, why it is not there); path[0] is known to be present."""
    value, label = outputs[path[0]], path[0]
    for key in path[1:]:
        if not isinstance(value, dict):
            return None, f"{label} should be a dict, but it is {type(value).__name__}."
        if key not in value:
            return None, f"{label} has no entry {key!r}."
        value, label = value[key], label + f"[{key!r}]"
    return value, None


def _format_inputs(inputs: dict) -> str:
    lines = []
    for name, value in inputs.items():
        entries = {f"{name}[{k!r}]": v for k, v in value.items()} if isinstance(value, dict) else {name: value}
        for label, v in entries.items():
            lines.append(f"{label} = " + fmt_array(v).replace("\n", "\n" + " " * (len(label) + 3)))
    return "\n".join(lines)


def _verdict(ex: Exercise, check: Check, session: TopicSession, inputs: dict) -> tuple[str | None, str]:
    """(message or None, the kind of failure: "value" for a wrong result, else the worker's error kind)."""
    root = check.path[0]
    outcome = session.outcome(ex, ex.plan_for(root), inputs)
    if root not in outcome.results:
        err = outcome.error or {"kind": "protocol", "message": f"no value for {root} came back from the worker."}
        message = err["message"] + (f"\n{err['detail']}" if err.get("detail") else "")
        return message, err.get("kind", "exception")
    if check.judge is not None:
        message = check.judge(outcome.results, inputs)
    else:
        got, problem = _lookup(outcome.results, check.path)
        if problem:
            return problem, "value"
        expected, _ = _lookup(session.oracle(ex, inputs), check.path)
        message = compare(_label(check.path), got, expected, check.tolerance or ex.tolerance)
        if message and isinstance(got, np.ndarray) and isinstance(expected, np.ndarray) \
                and got.shape == expected.shape and 1 < expected.size <= 60:
            message += f"\nExpected:\n{fmt_array(expected)}\nGot:\n{fmt_array(got)}"
    if message and outcome.stdout:
        message += f"\nYour code printed:\n{outcome.stdout.rstrip()}"
    return message, "value"


def search(strategy, examples, max_examples: int, test_one: Callable[[dict], None], seed: int | None = None) -> None:
    """Run `test_one` on the inputs the grader draws: the explicit examples, then Hypothesis's.

    Every check (and tests/test_coverage.py) goes through this one function. With `seed` None, Hypothesis
    derives its derandomized seed from the test function, so the same strategy yields the same (public) inputs
    everywhere; with a grading seed, the draws come from that seed instead, still the same on every run.
    """
    def prop(inputs):
        test_one(inputs)

    test = given(strategy)(prop)
    for explicit in reversed(examples):
        test = example(explicit)(test)
    if seed is None:
        settings(HYPOTHESIS, max_examples=max_examples)(test)()
    else:
        hypothesis_seed(seed)(settings(HYPOTHESIS, max_examples=max_examples, derandomize=False)(test))()


def run_check(ex: Exercise, check: Check, session: TopicSession, known_failures: list[dict],
              seed: int | None = None) -> CheckResult:
    """Grade one check. Inputs that failed earlier checks of the exercise are tried first (no shrinking
    needed when they fail this one too); a new failure is shrunk within SHRINK_BUDGET evaluations."""
    state = {"after_failure": 0, "best": None}

    def test_one(inputs):
        if state["best"] is not None:
            state["after_failure"] += 1
            if state["after_failure"] > SHRINK_BUDGET:
                raise _Stop(state["best"])  # formatted below, with the input it belongs to
        message, kind = _verdict(ex, check, session, inputs)
        if not message:
            return
        if kind in STOPPING:
            raise _Stop(message if kind in NO_INPUT else f"{message}\nOn this input:\n{_format_inputs(inputs)}")
        state["best"], state["inputs"] = message, inputs
        raise _Failed(message)

    own = check.inputs is not None
    examples = () if own else (*known_failures, *ex.examples)
    try:
        search(check.inputs if own else ex.inputs, examples, check.max_examples or ex.max_examples, test_one, seed)
    except (_Failed, _Stop) as failure:
        message = failure.message
        if isinstance(failure, _Failed) or message is state["best"]:
            # a shrunk failure: Hypothesis raised it for the last (smallest) failing input we saw
            single = (check.max_examples or ex.max_examples) == 1
            message += (f"\n{'Input' if single else 'Smallest failing input'}:\n"
                        f"{_format_inputs(state['inputs'])}")
            if not own and not any(state["inputs"] is k for k in known_failures):
                known_failures.append(state["inputs"])
        return CheckResult(check.name, check.points, 0.0, message)
    except Exception as group:  # Flaky and friends wrap our failure; anything else is the grader's fault
        inner = _first_failure(group)
        if inner is None:
            return CheckResult(check.name, check.points, 0.0,
                               f"Internal grader error ({type(group).__name__}: {group}); please report this.")
        return CheckResult(check.name, check.points, 0.0,
                           inner.message + "\n(Your code gave different results for the same input.)")
    return CheckResult(check.name, check.points, check.points)


def grade_exercise(ex: Exercise, session: TopicSession, seed: int | None = None) -> ExerciseResult:
    """All checks of one exercise.

    First one pass over the exercise's inputs evaluates every check that shares them (most submissions
    pass most checks, and drawing inputs is the costly part); then each check that failed gets its own
    search, which finds the same failing input (derandomized) and shrinks it.
    """
    shared = [c for c in ex.checks if c.inputs is None and c.max_examples is None]
    failed: dict[str, tuple[str, str]] = {}

    def test_one(inputs):
        for check in shared:
            if check.name not in failed:
                message, kind = _verdict(ex, check, session, inputs)
                if message:
                    failed[check.name] = (message, kind)
        if len(failed) == len(shared):
            raise _Stop("every check failed")

    if shared:
        try:
            search(ex.inputs, ex.examples, ex.max_examples, test_one, seed)
        except _Stop:
            pass
    known_failures: list[dict] = []
    results = []
    for check in ex.checks:
        if check in shared and check.name not in failed:
            results.append(CheckResult(check.name, check.points, check.points))
        elif check in shared and failed[check.name][1] in NO_INPUT:
            results.append(CheckResult(check.name, check.points, 0.0, failed[check.name][0]))
        else:
            results.append(run_check(ex, check, session, known_failures, seed))
    return ExerciseResult(ex.id, ex.title, results)


def _first_failure(exc: BaseException):
    if isinstance(exc, (_Failed, _Stop)):
        return exc
    for inner in getattr(exc, "exceptions", ()) or ():
        found = _first_failure(inner)
        if found:
            return found
    return None
