"""What a batch leaves for the instructor besides each student's results: the gradebook, the class summary, and
the grades in the import format of the class's LMS (`OUT/exports/`).

All are computed from the results files of the students now in ROOT, never from what one run happened to
grade, so a resumed batch writes the same gradebook as an uninterrupted one. The summary names the students
whose results hold a failure of the grader (they are regraded on the next run), and lists the top-level names
that are no one's; its text is safe to print (`safe.printable`), and every file is the grader's alone (0600).
`export OUT --to LMS` rebuilds an export from OUT's results files alone: those of the class of the last
`grade-all` (summary.json's `ids`), without grading.
"""
from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path

from autograder.assignments import plural
from autograder.batch.run import ClassRun, load_result, private_folder
from autograder.grading.grade import GRADER_FAILURE
from autograder.model import Exercise
from autograder.outputs.classpage import class_data, class_page, feedback_pages
from autograder.outputs.csv import gradebook
from autograder.outputs.lms import LMS_EXPORTS, TITLE, Export, Roster, export, roster_lms
from autograder.outputs.safe import printable
from autograder.project import write_atomic

TOP = 10  # exercises and checks listed in the summary
_ID = re.compile(r"[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,63}")  # discover.student_ids' ids: a file name in results/


def summarize(run: ClassRun, exercises: list[Exercise]) -> dict:
    """Score distribution, topics not gradable, and among the students whose topic was gradable, the exercises
    most of them miss and the checks most often failed (with their usual first line of feedback); the grader's
    own failures are left out."""
    graded = [run.results[s.student] for s in run.submissions
              if s.student in run.results and not run.results[s.student].get("error")]
    n = len(graded)
    total = sum(ex.points for ex in exercises)
    scores = sorted(r["score"] for r in graded)
    attempted, missed, failed, first_lines = Counter(), Counter(), Counter(), {}
    not_gradable = Counter()
    for result in graded:
        not_gradable.update(result.get("not_gradable", {}).keys())
        for e in result["exercises"]:
            if e["topic"] in result.get("not_gradable", {}):
                continue  # counted once, as a topic not gradable
            attempted[e["id"]] += 1
            missed[e["id"]] += e["score"] < e["max_score"]
            for c in e["checks"]:
                if not c["passed"] and not str(c.get("kind") or "").startswith(GRADER_FAILURE):  # the student's
                    key = f"{e['id']} {c['name']}"
                    failed[key] += 1
                    first_lines.setdefault(key, Counter())[(c["message"] or "").strip().split("\n")[0][:120]] += 1
    bins = [0] * 10  # tenths of the maximum; full marks in the last
    for score in scores:
        bins[min(int(10 * score / total), 9) if total else 9] += 1
    return {
        "students": len(run.submissions), "graded": n, "errors": run.errors, "changed": run.changed,
        "grader_failures": [s for s in run.grader_failures if s not in run.errors], "layout": run.layout,
        "unmapped": run.unmapped, "ids": [s.student for s in run.submissions],
        "graded_this_run": len(run.graded), "reused": len(run.skipped), "seconds": round(run.seconds, 1),
        "max_score": total,
        "scores": {"mean": statistics.fmean(scores), "median": statistics.median(scores), "min": scores[0],
                   "max": scores[-1], "stdev": statistics.pstdev(scores),
                   "full_marks": sum(s == total for s in scores)} if scores else {},
        "histogram": bins,
        "not_gradable": dict(not_gradable.most_common()),
        "exercises_missed": [{"id": i, "students": k, "share": k / attempted[i]}
                             for i, k in missed.most_common() if k][:TOP],
        "checks_failed": [{"check": key, "students": k, "share": k / attempted[key.split()[0]],
                           "usual_feedback": first_lines[key].most_common(1)[0][0]} for key, k in failed.most_common(TOP)],
    }


def summary_text(data: dict) -> str:
    lines = [f"{plural(data['students'], 'student')} ({data['layout']} layout): {data['graded_this_run']} graded "
             f"in "
             f"{data['seconds']:g} s, "
             f"{data['reused']} unchanged since their stored results"
             + (f", {len(data['changed'])} changed since graded ({', '.join(data['changed'])})" if data["changed"] else "")]
    if data["errors"]:
        lines.append(f"NOT GRADED (the grader failed; run again to retry): {', '.join(data['errors'])}")
    if data["grader_failures"]:
        lines.append("PARTLY GRADED (the grader failed some checks, scored 0 for now; run again to regrade them): "
                     + ", ".join(data["grader_failures"]))
    if data["unmapped"]:
        lines.append(f"No one's ({plural(len(data['unmapped']), 'name')} at ROOT's top level not mapped to a "
                     "student; see --layout):")
        lines += [f"  {u}" for u in data["unmapped"][:TOP]] + (
            [f"  ... and {len(data['unmapped']) - TOP} more (summary.json)"] if len(data["unmapped"]) > TOP else [])
    if data["scores"]:
        s, top = data["scores"], data["max_score"]
        lines.append(f"Scores out of {top:g}: mean {s['mean']:.1f}, median {s['median']:g}, min {s['min']:g}, "
                     f"max {s['max']:g}, sd {s['stdev']:.1f}; full marks: {s['full_marks']} of {data['graded']}")
        width = max(data["histogram"]) or 1
        for i, count in enumerate(data["histogram"]):
            label = f"{10 * i:3d}-{10 * i + 10:3d}%" if i < 9 else " 90-100%"
            lines.append(f"  {label} {'#' * round(30 * count / width):30} {count}")
    for topic, count in data["not_gradable"].items():
        lines.append(f"Not gradable {topic}: {plural(count, 'student')}")
    if data["exercises_missed"]:
        lines.append("Exercises most students miss (of those whose topic was gradable):")
        lines += [f"  {e['id']:34} {e['students']:4d} ({e['share']:.0%})" for e in data["exercises_missed"]]
    if data["checks_failed"]:
        lines.append("Checks most often failed:")
        lines += [f"  {c['check']:44} {c['students']:4d} ({c['share']:.0%})  {c['usual_feedback']}"
                  for c in data["checks_failed"]]
    return printable("\n".join(lines) + "\n")


def write_reports(run: ClassRun, out: Path, exercises: list[Exercise], assignment: str = "", due: str = "") -> str:
    """gradebook.csv, summary.json and summary.txt in `out` (`assignment`: the assignment's name, `due` its due date,
    as the gradebook's columns); returns the summary text."""
    results = [run.results[s.student] for s in run.submissions if s.student in run.results]
    write_atomic(out / "gradebook.csv", gradebook(results, [ex.id for ex in exercises], assignment, due), 0o600)
    data = {**summarize(run, exercises), "assignment": assignment}
    data["class"] = write_class_page(out, results, exercises, assignment)
    write_atomic(out / "summary.json", json.dumps(data, indent=1) + "\n", 0o600)
    text = summary_text(data) + reteach_text(data["class"])
    write_atomic(out / "summary.txt", text, 0o600)
    return text + class_page_line(out)


def write_class_page(out: Path, results: list[dict], exercises: list[Exercise], assignment: str = "") -> dict:
    """OUT/class.html (0600), the class page of `results` (`classpage`); returns its data for summary.json."""
    data = class_data(results, exercises, feedback_pages(out))
    write_atomic(out / "class.html", class_page(data, assignment), 0o600)
    return data


def reteach_text(data: dict, top: int = 5) -> str:
    """The class page's first lists in a few lines: the misconceptions costing the most, the commonest causes."""
    lines = []
    if data["misconceptions"]:
        lines.append("Misconceptions, by the points they cost (class.html lists them all):")
        lines += [f"  {m['exercise']}: {m['hint']} — {_students(m)}, {m['points']:g} points lost"
                  for m in data["misconceptions"][:top]]
    if data["root_causes"]:
        lines.append("Most common failures, once per root cause:")
        lines += [f"  {c['cause']}: {_students(c)}" for c in data["root_causes"][:top]]
    return printable("\n".join(lines) + "\n") if lines else ""


def _students(entry: dict) -> str:
    n = len(entry["students"])
    return f"{n} student" + ("" if n == 1 else "s")


def class_page_line(out: Path) -> str:
    return printable(f"Class page (what to reteach): {out / 'class.html'}\n", keep="\n")


def write_export(out: Path, results: list[dict], lms: str, assignment: str, roster: Roster | None = None,
                 dest: Path | None = None) -> tuple[Path, Export]:
    """The export of `lms` (`lms.export`) written to `dest` (default OUT/exports/<lms>.csv, 0600), and its report
    beside it (<name>-report.txt); a `RosterError` if the roster cannot be filled in."""
    made = export(results, lms, assignment, roster)
    if dest is None:
        dest = private_folder(out / "exports") / f"{lms}{made.suffix}"
    write_atomic(dest, made.data, 0o600)
    write_atomic(dest.with_name(f"{dest.stem}-report.txt"), made.report(dest), 0o600)
    return dest, made


def export_line(dest: Path, made: Export) -> str:
    """One line for grade-all's output: where the export is, and whether its report lists anything to check."""
    n = len(made.problems)
    return printable(f"{TITLE[made.lms]} import: {dest} ({plural(len(made.written), 'grade')})"
                     + (f"; {n} to check by hand, see {dest.with_name(f'{dest.stem}-report.txt')}" if n else "")
                     + "\n", keep="\n")


def write_class_export(run: ClassRun, out: Path, assignment: str, roster: Roster | None = None) -> str:
    """grade-all's export: the class's own LMS's (its layout's), filled into `roster` when it is that LMS's; the
    lines to print ("" for a layout of no LMS)."""
    lms = run.layout if run.layout in LMS_EXPORTS else None
    if lms is None:
        return (f"--roster not used: a {run.layout} layout carries no LMS ids; after grading, "
                "`python -m autograder export` writes an LMS's file\n") if roster else ""
    note = ""
    if roster is not None and roster_lms(roster) != lms:
        note, roster = f"--roster not used: {roster.name} is not a {TITLE[lms]} export\n", None
    results = [run.results[s.student] for s in run.submissions if s.student in run.results]
    return note + export_line(*write_export(out, results, lms, assignment, roster))


def class_results(out: Path) -> tuple[list[dict], str, str]:
    """OUT's results files: those of the class of the last grade-all when summary.json names it (else every one),
    the class's layout, and the assignment it was graded as."""
    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}
    summary = summary if isinstance(summary, dict) else {}
    files = sorted((out / "results").glob("*.json"))
    ids = summary.get("ids")
    if isinstance(ids, list):
        files = [out / "results" / f"{i}.json" for i in ids if isinstance(i, str) and _ID.fullmatch(i)]
    results = [r for f in files if (r := load_result(f)) is not None]
    return results, str(summary.get("layout") or ""), str(summary.get("assignment") or "")
