"""A `Report` as plain data (the `--format json` results file): every exercise and check with its message, and
each failing check's feedback record (`feedback`: headline, detail, diagnoses, values, reproduction, printed, ...,
and `command`, the command that runs it again, or null)."""
from __future__ import annotations

from dataclasses import asdict

from autograder.grading.results import Feedback, Report, command


def feedback_dict(feedback: Feedback | None) -> dict | None:
    """The record as plain data (its kind as its string), with the command it implies."""
    if feedback is None:
        return None
    return {**asdict(feedback), "kind": str(feedback.kind), "command": command(feedback)}


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
                         "message": c.message, "kind": str(c.kind) if c.kind else None, "call": c.call,
                         "mistakes": c.mistakes, "diagnosis": c.diagnosis, "feedback": feedback_dict(c.feedback)}
                        for c in e.checks]}
            for e in report.exercises],
    }
