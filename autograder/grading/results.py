"""What grading produces: a `Report` of `ExerciseResult`s, each a list of `CheckResult`s."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckResult:
    name: str
    points: float
    score: float
    message: str | None = None  # None: passed

    @property
    def passed(self) -> bool:
        return self.message is None


@dataclass
class ExerciseResult:
    id: str
    title: str
    checks: list[CheckResult]

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
