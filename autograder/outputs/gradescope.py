"""A `Report` as Gradescope's results.json: one test per exercise, named by its id, the feedback as output."""
from __future__ import annotations

from autograder.grading.results import Report
from autograder.outputs.text import exercise_output, summary


def as_gradescope(report: Report) -> dict:
    """Gradescope's results.json: one test per exercise, named by its id, with the feedback as output."""
    return {
        "score": report.score,
        "execution_time": round(report.timing.total, 3),
        "output": summary(report),
        "tests": [
            {"name": f"{e.id}: {e.title}", "number": str(i), "score": e.score, "max_score": e.points,
             "status": "passed" if e.score == e.points else "failed", "output": exercise_output(e),
             "tags": [e.topic]}
            for i, e in enumerate(report.exercises, start=1)],
    }
