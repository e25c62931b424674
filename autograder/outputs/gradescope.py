"""A `Report` as Gradescope's results.json: one test per exercise (or per check), the feedback as output.

What instructors set (see Gradescope's autograder specification): `visibility` of the tests ("visible",
"hidden", "after_due_date", "after_published"), `stdout_visibility` of the run's own output, the
`output_format` of the feedback, and `extra_data` for their scripts: every check's score, the grader's
version, the seed and the content hash of what was graded.
"""
from __future__ import annotations

from autograder.grading.results import Report, feedback_text
from autograder.outputs.text import exercise_output, summary

VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")


def as_gradescope(report: Report, *, per_check: bool = False, visibility: str = "visible",
                  stdout_visibility: str = "hidden") -> dict:
    """Gradescope's results.json; `per_check` makes each check its own test (named `exercise: title (check)`)."""
    if visibility not in VISIBILITY or stdout_visibility not in VISIBILITY:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITY)}")
    tests = []
    for i, e in enumerate(report.exercises, start=1):
        if not per_check:
            tests.append({"name": f"{e.id}: {e.title}", "number": str(i), "score": e.score, "max_score": e.points,
                          "status": "passed" if e.score == e.points else "failed", "output": exercise_output(e),
                          "tags": [e.topic], "visibility": visibility,
                          "extra_data": {"exercise": e.id, "checks": {c.name: c.score for c in e.checks}}})
            continue
        for j, c in enumerate(e.checks, start=1):
            tests.append({"name": f"{e.id}: {e.title} ({c.name})", "number": f"{i}.{j}", "score": c.score,
                          "max_score": c.points, "status": "passed" if c.passed else "failed",
                          "output": feedback_text(c.feedback) if c.feedback else c.message or "ok", "tags": [e.topic],
                          "visibility": visibility,
                          "extra_data": {"exercise": e.id, "check": c.name}})
    return {
        "score": report.score,
        "execution_time": round(report.timing.total, 3),
        "output": summary(report),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "extra_data": {"grader_version": report.grader_version, "seed": report.seed,
                       "content_hash": report.content_hash, "versions": report.versions,
                       "not_gradable": report.not_gradable,
                       "checks": {e.id: {c.name: c.score for c in e.checks} for e in report.exercises}},
        "tests": tests,
    }
