"""Grades as CSV: one submission's checks (`--format csv`), and a class's gradebook (one row per student).

The gradebook starts with the columns of `nbgrader export` (so a sheet or script made for nbgrader reads it),
where `raw_score` and `score` are the total; then `name`, the student's name exactly as the layout gave it
("José María Núñez", a Canvas login), and one column per exercise, with its points.
Every text cell (names, ids, feedback, notes: a student's text) goes through `safe.cell`: no formula, no control
character; the numbers the grader writes itself stay numbers.
"""
from __future__ import annotations

import csv
import io

from autograder.grading.results import Report, feedback_text
from autograder.outputs.safe import cell

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]


def _table(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _pts(x: float) -> str:
    return f"{x:g}"


def as_csv(report: Report) -> str:
    """One row per check: its exercise, points, and the feedback when it failed (whole, then its kind, headline and
    named mistakes, for a sheet to sort by)."""
    return _table(["exercise", "title", "check", "score", "max_score", "passed", "message", "kind", "headline",
                   "mistakes"], [
        [cell(e.id), cell(e.title), cell(c.name), _pts(c.score), _pts(c.points), str(c.passed).lower(),
         cell(feedback_text(c.feedback) if c.feedback else c.message or ""), cell(str(c.kind)),
         cell(c.feedback.headline if c.feedback else ""), cell("; ".join(c.mistakes))]
        for e in report.exercises for c in e.checks])


def notes(result: dict) -> list[str]:
    """What the instructor should know about a results file: not graded, topics not gradable, the layout's notes
    (a late flag, a file skipped)."""
    problems = [f"{t}: {(why.splitlines() or [''])[0]}" for t, why in result.get("not_gradable", {}).items()]
    if result.get("error"):
        problems.insert(0, f"not graded: {result['error']}")
    return problems + list(result.get("student", {}).get("notes", []))


def gradebook(results: list[dict], exercise_ids: list[str], assignment: str = "", duedate: str = "") -> str:
    """One row per student (each member of a group submission gets the group's row) from results files.

    `results` are the batch's results files (`--format json` plus a `student` block); an exercise a result
    does not hold is left empty, so a partial grade never reads as a zero.
    """
    rows = []
    for result in results:
        who = result.get("student", {})
        scores = {e["id"]: e["score"] for e in result["exercises"]}
        for member in [who.get("id", "")] + list(who.get("partners", [])):
            own = member == who.get("id")
            text = [assignment, duedate, who.get("timestamp", ""), member, who.get("last_name", "") if own else "",
                    who.get("first_name", "") if own else "", who.get("email", "") if own else ""]
            rows.append([cell(str(t)) for t in text]
                        + [_pts(result["score"]), "0", _pts(result["score"]), _pts(result["max_score"])]
                        + [cell(str(who.get("name", ""))) if own else ""]
                        + [_pts(scores[i]) if i in scores else "" for i in exercise_ids]
                        + [cell("; ".join(notes(result)))])
    return _table(NBGRADER_COLUMNS + ["name"] + exercise_ids + ["notes"], rows)
