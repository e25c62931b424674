"""Turning a `Report` into text for a person, JSON, or Gradescope's results.json."""
from __future__ import annotations

import json

from autograder.runner import ExerciseResult, Report


def _pts(x: float) -> str:
    return f"{x:g}"


def exercise_text(result: ExerciseResult, indent: str = "  ") -> str:
    mark = "PASS" if result.score == result.points else "FAIL"
    lines = [f"{mark} {result.id} - {result.title}  [{_pts(result.score)}/{_pts(result.points)}]"]
    shared = {c.message for c in result.checks}
    once = len(shared) == 1 and None not in shared and len(result.checks) > 1  # e.g. "not gradable"
    for check in result.checks:
        lines.append(f"{indent}{'ok  ' if check.passed else 'FAIL'} {check.name} "
                     f"({_pts(check.score)}/{_pts(check.points)})")
        if check.message and not once:
            lines += [indent * 3 + line for line in check.message.splitlines()]
    if once:
        lines += [indent * 3 + line for line in shared.pop().splitlines()]
    return "\n".join(lines)


def exercise_output(result: ExerciseResult) -> str:
    """The feedback text of one exercise: each check, then what went wrong (Gradescope's `output`)."""
    return "\n".join(exercise_text(result).splitlines()[1:])


def summary(report: Report) -> str:
    lines = []
    for topic, why in report.not_gradable.items():
        lines.append(f"NOT GRADABLE {topic}: {why.splitlines()[0]}")
    lines.append(f"Score: {_pts(report.score)}/{_pts(report.points)} "
                 f"({sum(e.score == e.points for e in report.exercises)} of {len(report.exercises)} exercises "
                 f"complete)")
    return "\n".join(lines)


def as_text(report: Report) -> str:
    return "\n\n".join([exercise_text(e) for e in report.exercises] + [summary(report)]) + "\n"


def as_dict(report: Report) -> dict:
    return {
        "submission": report.submission,
        "score": report.score,
        "max_score": report.points,
        "not_gradable": report.not_gradable,
        "exercises": [
            {"id": e.id, "topic": e.topic, "title": e.title, "score": e.score, "max_score": e.points,
             "checks": [{"name": c.name, "score": c.score, "max_score": c.points, "passed": c.passed,
                         "message": c.message} for c in e.checks]}
            for e in report.exercises],
    }


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


def render(report: Report, fmt: str) -> str:
    if fmt == "text":
        return as_text(report)
    if fmt == "json":
        return json.dumps(as_dict(report), indent=2) + "\n"
    if fmt == "gradescope":
        return json.dumps(as_gradescope(report), indent=2) + "\n"
    raise ValueError(f"unknown format {fmt!r}")
