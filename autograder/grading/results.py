"""What grading produces: a `Report` of `ExerciseResult`s, each a list of `CheckResult`s."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CheckResult:
    name: str
    points: float
    score: float
    message: str | None = None  # None: passed; else the whole feedback text of the check
    kind: str = ""  # why it failed: "value" (a wrong result), a failed call ("exception", "timeout", "missing",
    # ...), "not_checked" (a call it needs failed under another check: the message names it)
    call: str | None = None  # for a failed call: the student function that failed
    diagnosis: list[str] = field(default_factory=list)  # named mistakes and patterns (also in `message`)
    mistakes: list[str] = field(default_factory=list)  # names of the declared `Mistake`s the wrong value equals
    inputs: dict | None = None  # the failing input the message shows
    expected: Any = None  # on that input, for pictures (the HTML report)
    got: Any = None

    @property
    def passed(self) -> bool:
        return self.message is None

    @property
    def checked(self) -> bool:
        return self.kind != "not_checked"


@dataclass
class LearningCurve:
    """A training exercise's metrics after each number of epochs (`at`): the student's training, and the correct
    training from the same start when the exercise has a reference. A value is None where that run failed or
    returned nothing measurable, inf where the metric is not finite (a diverged run)."""

    vary: str  # the input varied, e.g. "epochs"
    at: list[int]
    got: dict[str, list[float | None]]  # metric -> one value per point of `at`
    expected: dict[str, list[float | None]] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)  # metric -> the graded threshold
    note: str = ""
    stopped: str = ""  # why the student's curve ends early (a run that hung or crashed, the time budget), else ""
    failed: str = ""  # the runs that raised (gaps in the curve), and the first one's message, else ""


@dataclass
class ExerciseResult:
    id: str
    title: str
    checks: list[CheckResult]
    curve: LearningCurve | None = None  # only when the HTML report asked for it

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def score(self) -> float:
        return sum(c.score for c in self.checks)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)


@dataclass
class Timing:
    student: float = 0.0  # inside student functions, as the worker measured it
    oracle: float = 0.0
    total: float = 0.0


@dataclass
class Report:
    submission: str
    exercises: list[ExerciseResult]
    not_gradable: dict[str, str] = field(default_factory=dict)  # topic -> why
    timing: Timing = field(default_factory=Timing)
    seed: int | None = None  # None: the public inputs of `check`; else the grading seed that drew them
    grader_version: str = ""
    versions: dict[str, str] = field(default_factory=dict)  # python, numpy, torch, hypothesis
    content_hash: str = ""  # sha256 of the graded topic sources, so a regrade of unchanged work can be skipped

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)
