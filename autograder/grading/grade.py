"""Grading a submission folder: each topic's module in its own sandboxed worker, every exercise's checks."""
from __future__ import annotations

import os
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Callable

import autograder
from autograder.grading.curve import learning_curve
from autograder.grading.results import CheckResult, ExerciseResult, Report
from autograder.grading.search import grade_exercise
from autograder.grading.session import TopicSession
from autograder.model import Exercise, topics
from autograder.sandbox.host import Sandbox
from autograder.submissions import TopicSource, content_hash, topic_source


def versions() -> dict[str, str]:
    """The versions a grade depends on, recorded in every result."""
    found = {"python": platform.python_version()}
    for package in ("numpy", "torch", "hypothesis"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "absent"
    return found


SEED_IN_ARGV = ("--seed puts the grading seed on the command line, which every process on this machine can read "
                "(/proc/PID/cmdline), student code included; it was not used (and is no longer secret). Write a new "
                "seed to a file only you can read (chmod 600) and pass --seed-file FILE, or set AUTOGRADER_SEED.")


def seed_from_environment() -> int | None:
    """The instructor's secret grading seed, from AUTOGRADER_SEED if it is set; None: the public inputs."""
    value = os.environ.get("AUTOGRADER_SEED", "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        raise SystemExit(f"error: AUTOGRADER_SEED={value!r} is not an integer") from None


def read_seed_file(path: str | Path) -> int:
    """The grading seed written in `path` (one integer). Like ssh with a private key, a file other users may read
    is refused: student code runs as another user and could read it too."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise SystemExit(f"error: cannot read the seed file {path}: {e}") from None
    if os.name == "posix" and mode & 0o004:
        raise SystemExit(f"error: the seed file {path} can be read by every user, student code included: "
                         f"chmod 600 {path}, and choose a new seed (this one may be known)")
    try:
        return int(text)
    except ValueError:
        raise SystemExit(f"error: the seed file {path} should hold one integer") from None


def grading_seed(seed_file: str | Path | None = None) -> int | None:
    """The seed from `seed_file` if given, else from AUTOGRADER_SEED; None: the public inputs of `check`."""
    return read_seed_file(seed_file) if seed_file else seed_from_environment()


def grade(submission: Path, exercises: list[Exercise], *, seed: int | None = None,
          on_exercise: Callable[[ExerciseResult], None] | None = None, curves: bool = False) -> Report:
    """Grade `exercises` on the topic sources in `submission` (a folder of `<topic>.py` or `<topic>.ipynb`).

    `seed` None draws the public inputs that `check` uses; an integer draws the inputs from that grading seed
    (deterministic for a given seed). Each topic's module runs in its own sandbox, each exercise in a fresh
    worker there. Nothing a submission does makes this raise: a failure of the grader itself while grading one
    exercise costs that exercise's checks (with a message saying so), and the other exercises and topics are
    still graded. `curves`: also replay each training exercise's learning curve (for the HTML report).
    """
    start = time.perf_counter()
    report = Report(str(submission), [], seed=seed, grader_version=autograder.__version__, versions=versions())
    graded: list[TopicSource] = []
    for topic in topics(exercises):
        mine = [ex for ex in exercises if ex.topic == topic]
        source = topic_source(Path(submission), topic)
        with Sandbox() as sandbox:
            problem = source if isinstance(source, str) else None
            if isinstance(source, TopicSource):
                graded.append(source)
                session = TopicSession(source, sandbox, report.timing)
                problem = _guarded(session.load, lambda e: f"the grader could not run {source.filename} ({e}).")
            for ex in mine:
                if problem:
                    report.not_gradable[topic] = problem
                    result = _all_fail(ex, f"Not gradable: {problem}")
                else:
                    result = _guarded(lambda: grade_exercise(ex, session, seed=seed), lambda e: _all_fail(
                        ex, f"Your result could not be checked: the grader failed ({e}). Please report this.",
                        GRADER_FAILURE))
                    if curves and ex.curve is not None:
                        result.curve = _guarded(lambda: learning_curve(ex, session), lambda e: None)
                    _guarded(session.end_exercise, lambda e: None)
                report.exercises.append(result)
                if on_exercise:
                    on_exercise(result)
    report.content_hash = content_hash(graded)
    report.timing.total = time.perf_counter() - start
    return report


GRADER_FAILURE = "grader"  # a check's kind when the grader, not the submission, failed it: `grade-all` regrades it


def _all_fail(ex: Exercise, message: str, kind: str = "") -> ExerciseResult:
    return ExerciseResult(ex.id, ex.title, [CheckResult(c.name, c.points, 0.0, message, kind) for c in ex.checks])


def _guarded(run, on_error):
    """run(), or on_error(a short description of the exception) if it raises (KeyboardInterrupt aside)."""
    try:
        return run()
    except Exception as e:  # noqa: BLE001 - one exercise's failure must not lose the others' grades
        return on_error(f"{type(e).__name__}: {str(e)[:300]}")
