"""Grading a submission folder: each topic's module in its own sandboxed worker, every exercise's checks."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from autograder.grading.results import CheckResult, ExerciseResult, Report
from autograder.grading.search import grade_exercise
from autograder.grading.session import TopicSession
from autograder.model import Exercise, topics
from autograder.sandbox.host import Sandbox


def grade(submission: Path, exercises: list[Exercise],
          on_exercise: Callable[[ExerciseResult], None] | None = None) -> Report:
    """Grade `exercises` on the topic modules in `submission` (a folder)."""
    start = time.perf_counter()
    report = Report(str(submission), [])
    for topic in topics(exercises):
        mine = [ex for ex in exercises if ex.topic == topic]
        path = Path(submission) / f"{topic}.py"
        with Sandbox() as sandbox:
            session = TopicSession(path, sandbox, report.timing)
            problem = (f"no file {path.name} in {submission}." if not path.is_file() else session.load())
            for ex in mine:
                if problem:
                    report.not_gradable[topic] = problem
                    result = ExerciseResult(ex.id, ex.title, [
                        CheckResult(c.name, c.points, 0.0, f"Not gradable: {problem}") for c in ex.checks])
                else:
                    result = grade_exercise(ex, session)
                report.exercises.append(result)
                if on_exercise:
                    on_exercise(result)
    report.timing.total = time.perf_counter() - start
    return report
