"""Shared helpers: grade a module's source text as a one-topic submission."""
from __future__ import annotations

import ast
import importlib
import re
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from autograder.compare import arrays_in
from autograder.model import catalog, select
from autograder.grading import Report, grade

ROOT = Path(__file__).resolve().parent.parent
# solutions/optim.py and cnn.py import the mlp topic's functions from mlp.py beside them, as a student's do: a
# test that runs a solution module in this process finds solutions/mlp.py (after every other module)
sys.path.append(str(ROOT / "solutions"))


@dataclass(frozen=True)
class Bug:
    """A realistic mistake: edits to the topic's solution module, and the checks it must lose (no others)."""

    id: str
    description: str
    edits: list[tuple[str, str]]
    fails: set[tuple[str, str]]
    xfail: str | None = None  # a known grader-validity problem: why the grader disagrees with `fails`
    mistakes: tuple[str, ...] = ()  # the declared `Mistake`s its feedback names, exactly (none: it names none)
    input_axis: int = 3  # the input its first failing check shows is no longer along any free axis
    # (tests/test_feedback.py holds the grader to both)


def annotated(bugs: list[Bug], mistakes: dict[str, tuple[str, ...]], input_axis: dict[str, int]) -> list[Bug]:
    """`bugs` with the mistakes their feedback names and the bound on the input it shows, given per bug id (a bug
    not in `mistakes` keeps its own: none unless it says; not in `input_axis`, 3)."""
    ids = {b.id for b in bugs}
    assert set(mistakes) <= ids and set(input_axis) <= ids, sorted((set(mistakes) | set(input_axis)) - ids)
    return [replace(b, mistakes=mistakes.get(b.id, b.mistakes), input_axis=input_axis.get(b.id, b.input_axis))
            for b in bugs]


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


def write_submission(folder: Path, topic: str, source: str) -> Path:
    """`source` as folder/<topic>.py, beside the other topics' solution modules (a topic may import from one:
    optim.py trains the network of mlp.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{topic}.py").write_text(source)
    for other in (ROOT / "solutions").glob("*.py"):
        if not (folder / other.name).exists():
            (folder / other.name).write_text(other.read_text())
    return folder


def grade_source(folder: Path, topic: str, source: str, only: list[str] | None = None) -> Report:
    """Write `source` as folder/<topic>.py and grade it (the whole topic unless `only`)."""
    return grade(write_submission(folder, topic, source), select(catalog(), only or [topic]))


def _definitions(source: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    """A module's top-level statements, keyed by the function or class they define (else by position: "#3"), as
    AST text; and each function or class -> the module's functions and classes its body refers to."""
    body = ast.parse(source).body
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    statements = {n.name if isinstance(n, kinds) else f"#{i}": ast.dump(n) for i, n in enumerate(body)}
    defs = {n.name: n for n in body if isinstance(n, kinds)}
    uses = {name: {m.id for m in ast.walk(n) if isinstance(m, ast.Name)} & defs.keys() for name, n in defs.items()}
    return statements, uses


def affected_exercises(topic: str, source: str) -> list[str]:
    """The exercises of `topic` whose grade an edit of its solution module can change: those whose functions reach
    (through the module's own functions) a definition that differs. Grading is deterministic and each exercise
    runs only its own functions in a fresh worker, so every other exercise grades exactly as the solutions do
    (full marks, tested on its own); an edit outside the functions (an import, a constant) affects them all."""
    (before, used_before), (after, used_after) = _definitions(solution_source(topic)), _definitions(source)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    exercises = [ex for ex in catalog() if ex.topic == topic]
    if any(name.startswith("#") for name in changed):
        return [ex.id for ex in exercises]
    uses = {**used_before, **used_after}
    found = []
    for ex in exercises:
        reach, todo = set(), list(ex.functions)
        while todo:
            name = todo.pop()
            if name not in reach:
                reach.add(name)
                todo += uses.get(name, ())
        if reach & changed:
            found.append(ex.id)
    return found


def largest_free_axis(inputs) -> int:
    """The longest axis of the arrays of `inputs` (0 for none), a 3H or 4H gate axis counted as H (H <= 3 being
    another axis's size): what "at most 3 along every free axis" measures."""
    arrays = [a for a in arrays_in(inputs) if a.ndim]
    sizes = {n for a in arrays for n in a.shape}
    longest = 0
    for a in arrays:
        for n in a.shape:
            gate = next((n // g for g in (4, 3) if n > 3 and n % g == 0 and n // g in sizes and n // g <= 3), None)
            longest = max(longest, n if gate is None else gate)
    return longest


PASTE = "paste into Python"
CODE_LINE = re.compile(r"^(\s|[A-Za-z_]\w* = |[}\])])")


def paste_blocks(message: str) -> list[str]:
    """The Python under every "paste into Python" header of a feedback message."""
    blocks, lines = [], message.splitlines()
    for i, line in enumerate(lines):
        if PASTE in line:
            body = []
            for code in lines[i + 1:]:
                if not code.strip() or not CODE_LINE.match(code):
                    break
                body.append(code)
            blocks.append("\n".join(body))
    return blocks


def pastes(code: str) -> bool:
    """Whether `code` runs after `import numpy as np`."""
    try:
        exec(compile(code, "<feedback>", "exec"), {"np": np})  # noqa: S102 - the grader's own text
    except Exception:  # noqa: BLE001
        return False
    return True


def failing(report: Report) -> set[tuple[str, str]]:
    """(exercise id, check name) of every check that did not earn its points."""
    return {(e.id, c.name) for e in report.exercises for c in e.checks if not c.passed}


def messages(report: Report) -> dict[tuple[str, str], str]:
    return {(e.id, c.name): c.message for e in report.exercises for c in e.checks if c.message}


_GRADED: dict[tuple[str, tuple], Report] = {}


def graded_bug(topic: str, edits: list[tuple[str, str]]) -> Report:
    """A bug of a corpus graded as `edited` grades it, once per process: tests/test_buggy.py and
    tests/test_feedback.py read the same report (run in one process, or one xdist group, a bug is graded once)."""
    key = (topic, tuple(map(tuple, edits)))
    if key not in _GRADED:
        source = mutate(solution_source(topic), edits)
        with tempfile.TemporaryDirectory() as folder:
            _GRADED[key] = grade_source(Path(folder) / "submission", topic, source,
                                        affected_exercises(topic, source) or None)
    return _GRADED[key]


@pytest.fixture
def edited(tmp_path):
    """Grade a topic's solution module with `edits` applied, on the exercises the edits can affect:
    edited(topic, edits) -> Report. The corpora of bugs and variants share grading work this way."""
    def run(topic: str, edits: list[tuple[str, str]]) -> Report:
        source = mutate(solution_source(topic), edits)
        return grade_source(tmp_path / "submission", topic, source, affected_exercises(topic, source) or None)
    return run


@pytest.fixture
def submission(tmp_path):
    """Grade a topic module given as source text: submission(topic, source, only=None) -> Report."""
    def run(topic: str, source: str, only: list[str] | None = None) -> Report:
        return grade_source(tmp_path / "submission", topic, source, only)
    return run
