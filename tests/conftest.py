"""Shared helpers: grade a module's source text as a one-topic submission."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.model import catalog, select
from autograder.grading import Report, grade

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Bug:
    """A realistic mistake: edits to the topic's solution module, and the checks it must lose (no others)."""

    id: str
    description: str
    edits: list[tuple[str, str]]
    fails: set[tuple[str, str]]
    xfail: str | None = None  # a known grader-validity problem: why the grader disagrees with `fails`
    mistakes: tuple[str, ...] = ()  # the declared `Mistake`s its feedback names (checked where the corpus says
    # MISTAKES_CHECKED = True: then the feedback names exactly these, and no bug gets a false diagnosis)


def corpus(prefix: str) -> dict[str, object]:
    """topic -> the module tests/<prefix>_<topic>.py (bugs_mlp.py, variants_cnn.py, ...)."""
    return {path.stem.split("_", 1)[1]: importlib.import_module(path.stem)
            for path in sorted(Path(__file__).parent.glob(f"{prefix}_*.py"))}


def solution_source(topic: str) -> str:
    return (ROOT / "solutions" / f"{topic}.py").read_text()


def mutate(source: str, edits: list[tuple[str, str]]) -> str:
    """Apply (old, new) text replacements; each `old` must occur exactly once."""
    for old, new in edits:
        count = source.count(old)
        assert count == 1, f"edit target occurs {count} times, expected once: {old!r}"
        source = source.replace(old, new)
    return source


def grade_source(folder: Path, topic: str, source: str, only: list[str] | None = None) -> Report:
    """Write `source` as folder/<topic>.py and grade it (the whole topic unless `only`)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{topic}.py").write_text(source)
    return grade(folder, select(catalog(), only or [topic]))


def failing(report: Report) -> set[tuple[str, str]]:
    """(exercise id, check name) of every check that did not earn its points."""
    return {(e.id, c.name) for e in report.exercises for c in e.checks if not c.passed}


def messages(report: Report) -> dict[tuple[str, str], str]:
    return {(e.id, c.name): c.message for e in report.exercises for c in e.checks if c.message}


@pytest.fixture
def submission(tmp_path):
    """Grade a topic module given as source text: submission(topic, source, only=None) -> Report."""
    def run(topic: str, source: str, only: list[str] | None = None) -> Report:
        return grade_source(tmp_path / "submission", topic, source, only)
    return run
