"""A class graded with an adversary in it (issue 17): what one student sends must not steer the batch, change
another student's grade, keep a wrong zero, or act on the instructor's terminal, spreadsheet or browser.

The unit tests build results by hand (no grading). The class test grades a Canvas download of 30 students, with
and without one adversary whose upload does everything at once, at the bwrap level and at posix.
"""
import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.batch.discover import Submission
from autograder.batch.report import summarize, summary_text
from autograder.batch.run import ClassRun, is_current
from autograder.grading.grade import GRADER_FAILURE
from autograder.grading.results import CheckResult, ExerciseResult, Report
from autograder.outputs.csv import as_csv, gradebook
from autograder.outputs.html import as_html
from autograder.outputs.text import LiveText, as_text, summary

from conftest import ROOT, mutate

ESCAPES = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[2J\x1b[H\r\x08\x9b31m\u202eFAKE PASS"
FORMULA = ("=", "+", "-", "@", "\t", "\r")
TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_report() -> Report:
    return Report("mallory", [
        ExerciseResult("mlp.tanh", "tanh", [
            CheckResult("a", 1, 0.0, "a is wrong\nExpected:\n[0.1]\nGot:\n[1.7e308]", kind="value",
                        expected=np.array([[0.1, 0.2], [0.3, 0.4]]), got=np.full((2, 2), 1.7e308)),
            CheckResult("da_dz", 1, 0.0, f"tanh_derivative raised ValueError: {ESCAPES}", kind="exception")]),
        ExerciseResult("mlp.sigmoid", "sigmoid", [
            CheckResult("s", 1, 0.0, "s is wrong", kind="value", expected=np.zeros(5000), got=np.ones(5000))]),
        ExerciseResult("mlp.affine", "affine", [
            CheckResult("out", 1, 0.0, "out is wrong", kind="value", expected=np.zeros((2, 2)),
                        got=np.array([[np.nan, np.inf], [-np.inf, 1.0]])),
            CheckResult("dx", 1, 1.0)]),
    ], not_gradable={"cnn": f"SyntaxError: {ESCAPES}"}, seed=None)


def test_text_for_a_terminal_holds_no_control_sequence():
    report = hostile_report()
    for text in [as_text(report), LiveText()(report.exercises[0])]:  # the short text a student reads first
        assert not TERMINAL_CONTROL.search(text), repr(text)
    for text in [as_text(report, verbose=True), summary(report), LiveText(verbose=True)(report.exercises[0])]:
        assert not TERMINAL_CONTROL.search(text), repr(text)
        assert "\\x1b]52;c;" in text or "Score" in text  # escaped, so the instructor sees what was there


def test_csv_cells_cannot_be_formulas_and_numbers_stay_numbers():
    who = {"id": "mallory", "first_name": '=HYPERLINK("http://evil.example","Click")', "last_name": "+1",
           "email": "@SUM(A1)", "timestamp": "-2", "partners": ["\tx", "\ry"], "notes": [ESCAPES]}
    result = {"student": who, "score": 3.0, "max_score": 7.0, "exercises": [{"id": "mlp.tanh", "score": 1.5}],
              "not_gradable": {"cnn": "=1+1"}}
    for text in (gradebook([result], ["mlp.tanh"], "-hw1"), as_csv(hostile_report())):
        rows = list(csv.reader(io.StringIO(text)))
        for row in rows:
            for value in row:
                assert not value.startswith(FORMULA), (value, row)
                assert not TERMINAL_CONTROL.search(value.replace("\n", "")), value
    row = list(csv.DictReader(io.StringIO(gradebook([result], ["mlp.tanh"]))))[0]
    assert (row["score"], row["max_score"], row["mlp.tanh"]) == ("3", "7", "1.5")  # ours: numbers
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example","Click")'  # theirs: text, shown as written


def test_the_html_page_is_always_written_and_undrawable_pictures_are_sentences():
    page = as_html(hostile_report())
    assert "Feedback for mallory" in page and "mlp.affine" in page
    assert "too large for a colour scale" in page  # 1.7e308
    assert "5000 values are too many to draw" in page
    assert page.count("data:image/png;base64,") >= 1  # NaN and inf are drawn (as gaps)


def _result(kind: str, **key) -> dict:
    check = {"name": "a", "kind": kind, "passed": False, "score": 0, "max_score": 1, "message": "a is wrong"}
    return {"exercises": [{"id": "mlp.tanh", "topic": "mlp", "score": 0, "max_score": 1, "checks": [check]}],
            "score": 0, "max_score": 1, **key}


def test_a_result_the_grader_failed_is_never_current():
    key = {"content_hash": "h", "seed": None, "grader_fingerprint": "f", "exercise_ids": ["mlp.tanh"],
           "isolation": "bwrap", "versions": {"numpy": "2"}}
    assert is_current(_result("value", **key), key)
    assert not is_current(_result(GRADER_FAILURE, **key), key)  # e.g. "the grader failed (...)": regraded
    assert not is_current(_result("value", **{**key, "isolation": "posix"}), key)  # graded at another level


def test_the_summary_names_students_whose_checks_the_grader_failed():
    subs = [Submission("alice", "alice"), Submission("bob", "bob")]
    run = ClassRun(subs, results={"alice": _result("value"), "bob": _result(GRADER_FAILURE)})
    assert run.grader_failures == ["bob"]
    data = summarize(run, [])
    assert data["grader_failures"] == ["bob"]
    assert [c["students"] for c in data["checks_failed"]] == [1]  # alice's: bob's is not a mistake of the class
    assert "PARTLY GRADED" in summary_text(data) and "bob" in summary_text(data)


# -- a class of 30 with one adversary --------------------------------------------------------------------------

ONLY = ["mlp.tanh", "mlp.sigmoid"]
MLP = (ROOT / "solutions" / "mlp.py").read_text()
BUGS = [  # what the other students hand in: correct work and realistic slips
    [], [("t = np.tanh(z)\n    return 1.0 - t * t", "t = np.tanh(z)\n    return 1.0 - t")],
    [("e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow", "return 1 / (1 + np.exp(-z))\n    e = 0")],
]
MALLORY = '=HYPERLINK("evil.example","Click")'  # her Canvas login, as the download writes it
HOSTILE = f'''import numpy as np


def tanh(z):
    return np.full(np.shape(z), 1.7e308)  # a wrong array that cannot be drawn


def tanh_derivative(z):
    t = np.tanh(z)
    return 1.0 - t * t


def sigmoid(z):
    raise ValueError({ESCAPES!r})
'''
STUB = "def tanh(z):\n    return z\n"


def zipped(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def canvas_class(root: Path, adversary: bool) -> Path:
    """29 students (alice among them) and, with `adversary`, mallory: a Canvas bulk download."""
    root.mkdir(parents=True)
    logins = ["liddellalice"] + [f"student{i:02d}" for i in range(1, 29)]
    for i, login in enumerate(logins):
        (root / f"{login}_{100 + i}_{1000 + i}_mlp.py").write_text(mutate(MLP, BUGS[i % len(BUGS)]))
    if adversary:
        upload = {
            "hw/submitted/liddellalice/mlp/mlp.py": STUB,  # nbgrader's layout, planted
            f"hw/submitted/{'x' * 300}/mlp/mlp.py": STUB,  # and a 300-character student in it
            "submission_metadata.yml": "submission_1:\n  :submitters:\n  - :name: Alice\n    :sid: liddellalice\n",
            "scratch.py": b"x=1\n" * (2**21 // 4),  # 2 MiB that names no topic (7 KB zipped)
            "mlp.py": STUB,
        }
        (root / f"{MALLORY}_130_2000_hw.zip").write_bytes(zipped(upload))
        # a Canvas upload whose original name reads as a Blackboard file of alice's, a resubmission outranking hers
        (root / f"{MALLORY}_130_2001_x_liddellalice_attempt_2024-01-01-00-00-00_mlp-9.py").write_text(HOSTILE)
    return root


def grade_all(root: Path, out: Path, level: str | None, jobs: int) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_ISOLATION"}
    if level:
        env["AUTOGRADER_ISOLATION"] = level
    return subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--only",
                           *ONLY, "--quiet", "--html", "--jobs", str(jobs)], cwd=ROOT, capture_output=True,
                          text=True, timeout=900, env=env)


def scores(out: Path) -> dict[str, float]:
    return {row["student_id"]: float(row["score"])
            for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}


@pytest.mark.slow
@pytest.mark.parametrize("level, jobs", [(None, 2), ("posix", 1)])
def test_one_adversary_changes_no_one_elses_grade(tmp_path, level, jobs):
    if level is None and not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed")
    without = grade_all(canvas_class(tmp_path / "without", False), tmp_path / "out-without", level, jobs)
    assert without.returncode == 0, without.stderr[-3000:]
    run = grade_all(canvas_class(tmp_path / "with", True), tmp_path / "out", level, jobs)
    assert run.returncode == 0, run.stderr[-3000:]
    out = tmp_path / "out"

    before, after = scores(tmp_path / "out-without"), scores(out)
    mallory = [s for s in after if s not in before]
    assert len(before) == 29 and len(after) == 30 and len(mallory) == 1
    assert {s: after[s] for s in before} == before  # every other student's score, exactly
    assert before["liddellalice"] == 3 and after[mallory[0]] == 1  # tanh's derivative earned; the page cost nothing

    her = json.loads((out / "results" / f"{mallory[0]}.json").read_text())
    assert her["student"]["name"] == MALLORY and her["student"]["ids"] == {"user_id": "130"}
    assert any("scratch.py" in n for n in her["student"]["notes"])  # listed, not parsed
    assert not her.get("error") and len(mallory[0]) <= 64
    page = (out / "feedback" / f"{mallory[0]}.html").read_text()
    assert "too large for a colour scale" in page

    for text in (run.stdout, run.stderr, (out / "summary.txt").read_text()):
        assert not TERMINAL_CONTROL.search(text), repr(text[:2000])
    for row in csv.reader(io.StringIO((out / "gradebook.csv").read_text())):
        assert not any(value.startswith(FORMULA) for value in row), row
    for path in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


@pytest.mark.slow
def test_a_rerun_regrades_what_the_grader_failed_or_graded_at_another_level(tmp_path):
    """A zero the grader caused (a check of kind "grader", a lost worker), or a result of another isolation level,
    is not kept by a rerun, as it was at 309e4f5 (only --force recovered it)."""
    root = tmp_path / "class"
    for student in ("alice", "bob", "carol"):
        (root / student).mkdir(parents=True)
        (root / student / "mlp.py").write_text(MLP)
    out = tmp_path / "out"
    first = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--only",
                            "mlp.tanh", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    assert {s: r["score"] for s, r in results.items()} == {"alice": 2, "bob": 2, "carol": 2}
    alice = results["alice"]  # as a lost worker left it: one check zero, "the grader failed"
    alice["exercises"][0]["checks"][0].update(score=0.0, passed=False, kind=GRADER_FAILURE,
                                              message="Your result could not be checked: the grader failed.")
    alice["exercises"][0]["score"] = alice["score"] = 1.0
    bob = {**results["bob"], "isolation": "portable"}  # graded where student code was barely contained
    for name, result in (("alice", alice), ("bob", bob)):
        (out / "results" / f"{name}.json").write_text(json.dumps(result))
    again = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--only",
                            "mlp.tanh", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "2 graded" in again.stdout and "1 unchanged" in again.stdout
    assert {p.stem: json.loads(p.read_text())["score"] for p in (out / "results").glob("*.json")} == \
           {"alice": 2, "bob": 2, "carol": 2}
