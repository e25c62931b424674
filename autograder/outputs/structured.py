"""A `Report` as plain data (the `--format json` results file): every exercise and check with its message."""
from __future__ import annotations

from autograder.grading.results import Report


def as_dict(report: Report) -> dict:
    return {
        "submission": report.submission,
        "score": report.score,
        "max_score": report.points,
        "not_gradable": report.not_gradable,
        "seed": report.seed,
        "grader_version": report.grader_version,
        "versions": report.versions,
        "content_hash": report.content_hash,
        "exercises": [
            {"id": e.id, "topic": e.topic, "title": e.title, "score": e.score, "max_score": e.points,
             "checks": [{"name": c.name, "score": c.score, "max_score": c.points, "passed": c.passed,
                         "message": c.message, "kind": c.kind or None, "call": c.call, "mistakes": c.mistakes,
                         "diagnosis": c.diagnosis} for c in e.checks]}
            for e in report.exercises],
    }
