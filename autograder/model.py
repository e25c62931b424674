"""How an exercise is declared, and the catalog of all of them.

An exercise is data: an id `topic.name`, the student functions it calls (a small
plan of `Call`s run in the worker), a Hypothesis strategy for its inputs, an
oracle that computes the expected outputs with torch, and `Check`s, each worth
points. The engine reads these declarations and knows no topic by name; the
declarations live in `autograder/exercises/<topic>.py`, one module per topic.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from autograder.compare import Tolerance

if TYPE_CHECKING:  # only annotations need it: `check` prints its first line before Hypothesis loads
    from hypothesis import strategies as st

Inputs = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One call of a student function: `returns` names its result (a tuple of names unpacks it)."""

    function: str
    args: tuple[str, ...]
    returns: str | tuple[str, ...]

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.returns,) if isinstance(self.returns, str) else tuple(self.returns)


def call(function: str, *args: str, returns: str | tuple[str, ...]) -> Call:
    return Call(function, tuple(args), returns)


@dataclass(frozen=True)
class Check:
    """One graded fact about an exercise's outputs.

    By default the output at `output` (a name, or `name.key` into a returned dict)
    is compared with the oracle's value under the same path. A `judge` replaces
    that comparison: judge(got, inputs) returns None (pass) or a message (fail),
    where got maps output names to what the student returned. `inputs` overrides
    the exercise's strategy for this check alone.
    """

    name: str
    points: float
    output: str | None = None
    judge: Callable[[dict, Inputs], str | None] | None = None
    inputs: st.SearchStrategy | None = None
    tolerance: Tolerance | None = None
    max_examples: int | None = None
    needs: tuple[str, ...] = ()  # other outputs whose calls must run too (in declaration order), e.g. a second
    # forward pass before the backward pass reads the first one's cache; a judge reads them from `got`

    @property
    def path(self) -> tuple[str, ...]:
        return tuple((self.output or self.name).split("."))


@dataclass(frozen=True)
class Mistake:
    """A common misconception, written as a variant of the oracle: what a student who makes it would return.

    `oracle` takes the exercise's inputs (as `Exercise.oracle` does) and returns the values the mistaken
    formula gives, under the same output names (paths) as the exercise's oracle; it may return only the
    outputs the mistake changes. When a failing check's output matches this variant on the failing input
    (within the check's tolerance), the feedback names the mistake: `hint` is one sentence a student reads,
    naming the misconception without giving the fix ("The gradient is m times too large: is the 1/m of the
    mean missing?"). `checks` limits it to some check names (default: every check whose output it returns).
    """

    name: str
    hint: str
    oracle: Callable[..., dict]
    checks: tuple[str, ...] = ()


def mistake(name: str, hint: str, oracle: Callable[..., dict], checks: tuple[str, ...] | list[str] = ()) -> Mistake:
    return Mistake(name, hint, oracle, tuple(checks))


@dataclass(frozen=True)
class Curve:
    """A training exercise's learning curve, drawn in the HTML report; never graded.

    The student's training (the call returning `output`) runs again on `inputs` with `vary` (its number of
    epochs) set to each of `at`, in increasing order, and `measure` scores each result it returns, e.g.
    {"held-out accuracy": 0.97} (None: not a usable result). `reference`, if given, returns the correct
    training's result at every point of `at`, from the start the student's own run used: it takes (got, inputs,
    at) like a judge, where got holds the outputs named in `needs` (say the student's init_params). `targets`
    draws a graded threshold as a line across a metric's plot; `note` says what one point of the curve is.
    """

    output: str
    inputs: Inputs
    vary: str
    at: tuple[int, ...]
    measure: Callable[[Any], dict[str, float] | None]
    reference: Callable[[dict, Inputs, tuple[int, ...]], list] | None = None
    needs: tuple[str, ...] = ()
    targets: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    calls: tuple[Call, ...]
    inputs: st.SearchStrategy
    checks: tuple[Check, ...]
    oracle: Callable[..., dict] | None = None
    examples: tuple[Inputs, ...] = ()
    covers: dict[str, Callable[[Inputs], bool]] = field(default_factory=dict)
    mutable: tuple[str, ...] = ()
    tolerance: Tolerance = Tolerance()
    max_examples: int = 20
    seconds: float = 5.0  # per call
    mistakes: tuple[Mistake, ...] = ()
    picture: str | None = None  # the name of its picture in the HTML report (outputs/pictures.py), or None
    curve: Curve | None = None  # a training exercise's learning curve for the HTML report
    builds_on: tuple[str, ...] = ()  # ids of the exercises whose functions this one calls: a failure there is the
    # root cause of one here ("fix mlp.softmax first"), said first in its feedback
    plans: dict = field(default_factory=dict, init=False, compare=False, repr=False)  # plan_of's, by check name

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.function for c in self.calls))

    def plan_for(self, output: str) -> tuple[int, ...]:
        """Indices of the calls needed to produce `output`: its producer and, recursively, theirs.

        Each check runs only its own plan, so a function that hangs or crashes costs the checks
        of its outputs and of what depends on them, not those of an independent function.
        """
        needed, todo = set(), [output]
        while todo:
            i = self.producer(todo.pop())
            if i not in needed:
                needed.add(i)
                todo += [a for a in self.calls[i].args if any(a in c.outputs for c in self.calls)]
        return tuple(sorted(needed))

    def plan_of(self, check: Check) -> tuple[int, ...]:
        """The calls a check runs: those of its output and of everything it `needs`, in declaration order."""
        plan = self.plans.get(check.name)
        if plan is None:  # asked for on every input of every check
            plan = self.plans[check.name] = tuple(sorted({i for out in (check.path[0], *check.needs)
                                                          for i in self.plan_for(out)}))
        return plan

    def producer(self, output: str) -> int:
        """Index of the call that returns `output`."""
        for i, c in enumerate(self.calls):
            if output in c.outputs:
                return i
        raise KeyError(f"{self.id}: no call returns {output!r}")


def exercise(id: str, title: str, calls, inputs, checks, **options) -> Exercise:
    """Declare an exercise; `checks` maps a check name to its points, or lists `Check`s."""
    if isinstance(checks, dict):
        checks = [Check(name, points) for name, points in checks.items()]
    if "mistakes" in options:
        options["mistakes"] = tuple(options["mistakes"])
    ex = Exercise(id, title, tuple(calls), inputs, tuple(checks), **options)
    for check in ex.checks:
        for output in (check.path[0], *check.needs):
            ex.producer(output)  # fail at import on a typo
    if ex.curve is not None:
        for output in (ex.curve.output, *ex.curve.needs):
            ex.producer(output)
    return ex


COURSE_ORDER = ("mlp", "cnn", "rnn", "transformer", "optim")  # the course notes' order; other topics follow


def course_order(topic: str) -> tuple[int, str]:
    return (COURSE_ORDER.index(topic) if topic in COURSE_ORDER else len(COURSE_ORDER), topic)


def catalog(only_topics: set[str] | None = None) -> list[Exercise]:
    """Every declared exercise, topics in course order, declaration order within (`only_topics`: of those
    topics alone, importing no other topic's declarations)."""
    import autograder.exercises as package

    found: list[Exercise] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: course_order(m.name)):
        if only_topics is not None and info.name not in only_topics:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found += [v for v in vars(module).values() if isinstance(v, Exercise)]
    return found


def topics(exercises: list[Exercise] | None = None) -> list[str]:
    return list(dict.fromkeys(ex.topic for ex in (exercises or catalog())))


def select(exercises: list[Exercise], selectors: list[str]) -> list[Exercise]:
    """Exercises matching any selector: a topic (`mlp`) or an exercise id (`mlp.affine`)."""
    if not selectors:
        return exercises
    unknown = [s for s in selectors if not any(s in (ex.topic, ex.id) for ex in exercises)]
    if unknown:
        raise ValueError(f"unknown topic or exercise: {', '.join(unknown)}")
    return [ex for ex in exercises if ex.topic in selectors or ex.id in selectors]
