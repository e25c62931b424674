"""Grading a submission folder: each topic's module in its own sandboxed worker, every exercise's checks."""
from __future__ import annotations

import os
import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable

import autograder
from autograder.grading.curve import learning_curve
from autograder.grading.results import CheckResult, ExerciseResult, Feedback, Kind, Report, Timing, trace_root_cause
from autograder.grading.search import grade_exercise
from autograder.grading.session import TopicSession
from autograder.model import Exercise, topics
from autograder.sandbox.pool import POOL
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
          on_exercise: Callable[[ExerciseResult], None] | None = None, curves: bool = False,
          parallel: int = 1, shown_as: str | None = None) -> Report:
    """Grade `exercises` on the topic sources in `submission` (a folder of `<topic>.py` or `<topic>.ipynb`).

    `seed` None draws the public inputs that `check` uses; an integer draws the inputs from that grading seed
    (deterministic for a given seed). Each topic's module runs in its own sandbox, each exercise in a fresh
    worker there. Nothing a submission does makes this raise: a failure of the grader itself while grading one
    exercise costs that exercise's checks (with a message saying so), and the other exercises and topics are
    still graded. `curves`: also replay each training exercise's learning curve (for the HTML report).
    `parallel`: topics graded at the same time, each in its own sandbox and thread (`grade` and `check` use a
    core each; a grading process of a batch, one); the report and `on_exercise` keep the course's order.
    `shown_as`: the name the feedback gives the submission's folder (a batch grades a temporary copy).
    """
    start = time.perf_counter()
    report = Report(str(submission), [], seed=seed, grader_version=autograder.__version__, versions=versions())
    chosen = topics(exercises)
    in_order = _InOrder(chosen, on_exercise)

    def one(index: int, topic: str) -> _Topic:
        mine = [ex for ex in exercises if ex.topic == topic]
        source = topic_source(Path(submission), topic, shown_as)
        done = _Topic(source if isinstance(source, TopicSource) else None)
        try:
            with POOL.sandbox(ahead=index + 1 < len(chosen)) as sandbox:  # the next topic's starts meanwhile
                problem = source if isinstance(source, str) else None
                if isinstance(source, TopicSource):
                    session = TopicSession(source, sandbox, done.timing)
                    problem = _guarded(session.load, lambda e: f"the grader could not run {source.filename} ({e}).")
                for ex in mine:
                    if problem:
                        done.problem = problem
                        result = _all_fail(ex, f"Not gradable: {problem}", Kind.NOT_GRADABLE)
                    else:
                        result = _guarded(lambda: grade_exercise(ex, session, seed=seed), lambda e: _all_fail(
                            ex, f"Your result could not be checked: the grader failed ({e}). Please report this.",
                            GRADER_FAILURE))
                        if curves and ex.curve is not None:
                            result.curve = _guarded(lambda: learning_curve(ex, session), lambda e: None)
                        _guarded(session.end_exercise, lambda e: None)
                        _guarded(lambda: trace_root_cause(result, ex.functions[0], ex.builds_on,
                                                          {r.id: r for r in done.results}), lambda e: None)
                    done.results.append(result)
                    in_order.add(topic, result)
        finally:
            in_order.finish(topic)
        return done

    if parallel > 1 and len(chosen) > 1:
        with ThreadPoolExecutor(min(parallel, len(chosen)), thread_name_prefix="topic") as threads:
            graded = list(threads.map(one, range(len(chosen)), chosen))
    else:
        graded = [one(index, topic) for index, topic in enumerate(chosen)]
    for topic, done in zip(chosen, graded):
        report.exercises += done.results
        if done.problem:
            report.not_gradable[topic] = done.problem
        report.timing.student += done.timing.student
        report.timing.oracle += done.timing.oracle
    report.content_hash = content_hash([done.source for done in graded if done.source is not None])
    report.timing.total = time.perf_counter() - start
    return report


@dataclass
class _Topic:
    """One topic of a submission, graded."""

    source: TopicSource | None
    results: list[ExerciseResult] = field(default_factory=list)
    problem: str | None = None  # why the topic is not gradable
    timing: Timing = field(default_factory=Timing)


class _InOrder:
    """Hands each exercise's result to `callback` in the course's order, whichever topic is graded first."""

    def __init__(self, topics: list[str], callback: Callable[[ExerciseResult], None] | None):
        self.callback, self.order = callback, list(topics)
        self.waiting: dict[str, list[ExerciseResult]] = {t: [] for t in topics}
        self.finished: set[str] = set()
        self.lock = threading.Lock()

    def add(self, topic: str, result: ExerciseResult) -> None:
        with self.lock:
            self.waiting[topic].append(result)
            self._flush()

    def finish(self, topic: str) -> None:
        with self.lock:
            self.finished.add(topic)
            self._flush()

    def _flush(self) -> None:
        while self.order:
            head = self.order[0]
            ready, self.waiting[head] = self.waiting[head], []
            for result in ready:
                if self.callback:
                    self.callback(result)
            if head not in self.finished:
                return
            self.order.pop(0)


GRADER_FAILURE = Kind.GRADER  # a check's kind when the grader, not the submission, failed it: `grade-all` regrades it


def _all_fail(ex: Exercise, message: str, kind: Kind) -> ExerciseResult:
    headline, _, detail = message.partition("\n")
    return ExerciseResult(ex.id, ex.title, [CheckResult.failed(c.name, c.points, Feedback(
        kind, headline, exercise=ex.id, detail=detail)) for c in ex.checks])


def _guarded(run, on_error):
    """run(), or on_error(a short description of the exception) if it raises (KeyboardInterrupt aside)."""
    try:
        return run()
    except Exception as e:  # noqa: BLE001 - one exercise's failure must not lose the others' grades
        return on_error(f"{type(e).__name__}: {str(e)[:300]}")
