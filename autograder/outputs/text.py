"""A `Report` as text for a person: each exercise, its checks, the feedback, and a summary."""
from __future__ import annotations

from autograder.grading.results import ExerciseResult, Report


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
