"""The class page grade-all writes (OUT/class.html, and summary.json's "class"): per exercise full / partial / not
started; the class's misconceptions, counted across students, ordered by the points they cost, in the catalog's
words; failures once per root cause (one unimplemented function is one line, not one per check it fails); each
student linked to their feedback page; a hostile student name shown as text, never markup."""
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.grading.results import CheckResult, ExerciseResult, Report
from autograder.model import catalog, select
from autograder.outputs.structured import as_dict

from conftest import ROOT, grade_source, mutate

EXERCISES = select(catalog(), ["mlp.tanh", "mlp.affine", "mlp.binary_cross_entropy"])
BY_ID = {ex.id: ex for ex in EXERCISES}
HINT = {m.name: m.hint for m in BY_ID["mlp.tanh"].mistakes}["derivative_of_z"]
BCE_HINT = {m.name: m.hint for m in BY_ID["mlp.binary_cross_entropy"].mistakes}["loss_summed"]
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\x1b]52;c;AAAA\x07'


def passed(ex_id: str) -> ExerciseResult:
    ex = BY_ID[ex_id]
    return ExerciseResult(ex.id, ex.title, [CheckResult(c.name, c.points, c.points) for c in ex.checks])


def wrong(ex_id: str, mistakes: dict[str, list[str]]) -> ExerciseResult:
    """Each check named in `mistakes` fails with a wrong value equal to those declared mistakes; the rest pass."""
    ex = BY_ID[ex_id]
    return ExerciseResult(ex.id, ex.title, [
        CheckResult(c.name, c.points, 0.0, f"{c.name} is wrong", kind="value", mistakes=mistakes[c.name])
        if c.name in mistakes else CheckResult(c.name, c.points, c.points) for c in ex.checks])


def unwritten(ex_id: str, function: str) -> ExerciseResult:
    """The function is not implemented: its first check says so, the others are "not checked" after it."""
    ex = BY_ID[ex_id]
    first, *rest = ex.checks
    return ExerciseResult(ex.id, ex.title, [
        CheckResult(first.name, first.points, 0.0, f"{function} is not implemented yet", kind="not_implemented",
                    call=function),
        *[CheckResult(c.name, c.points, 0.0, f"Not checked: {function} is not implemented yet (see {first.name}).",
                      kind="not_checked", call=function) for c in rest]])


def result(student: str, name: str, exercises: list[ExerciseResult]) -> dict:
    report = Report(f"{student}'s submission", exercises, seed=1)
    return {**as_dict(report), "student": {"id": student, "name": name}}


def tanh_wrong() -> ExerciseResult:
    return wrong("mlp.tanh", {c.name: ["derivative_of_z"] for c in BY_ID["mlp.tanh"].checks if "d" in c.name})


def bce_summed() -> ExerciseResult:
    first = BY_ID["mlp.binary_cross_entropy"].checks[0].name
    return wrong("mlp.binary_cross_entropy", {first: ["loss_summed"]})


@pytest.fixture
def results() -> list[dict]:
    return [
        result("alice", "Alice", [passed("mlp.tanh"), passed("mlp.affine"), bce_summed()]),
        result("bob", "Bob", [tanh_wrong(), passed("mlp.affine"), bce_summed()]),
        result("carol", "Carol", [tanh_wrong(), unwritten("mlp.affine", "affine_backward"), passed("mlp.binary_cross_entropy")]),
        result("dave", HOSTILE, [tanh_wrong(), unwritten("mlp.affine", "affine_backward"), bce_summed()]),
    ]


def test_counts_per_exercise(results):
    from autograder.outputs.classpage import class_data

    data = class_data(results, EXERCISES)
    states = {e["id"]: (e["full"], e["partial"], e["not_started"]) for e in data["exercises"]}
    assert states == {"mlp.tanh": (1, 3, 0), "mlp.affine": (2, 0, 2), "mlp.binary_cross_entropy": (1, 3, 0)}
    assert [s["id"] for s in data["students"]][-1] == "alice"  # lowest score first: alice lost the least


def test_misconceptions_are_counted_across_students_and_ordered_by_points(results):
    from autograder.outputs.classpage import class_data

    misconceptions = class_data(results, EXERCISES)["misconceptions"]
    tanh_lost = sum(c.points for c in BY_ID["mlp.tanh"].checks if "d" in c.name)
    bce_lost = BY_ID["mlp.binary_cross_entropy"].checks[0].points
    assert [(m["exercise"], m["mistake"], m["students"], m["points"]) for m in misconceptions] == sorted([
        ("mlp.tanh", "derivative_of_z", ["Bob", "Carol", HOSTILE], 3 * tanh_lost),
        ("mlp.binary_cross_entropy", "loss_summed", ["Alice", "Bob", HOSTILE], 3 * bce_lost)], key=lambda m: -m[3])
    assert {m["mistake"]: m["hint"] for m in misconceptions} == {"derivative_of_z": HINT, "loss_summed": BCE_HINT}


def test_an_unimplemented_function_is_one_root_cause_not_one_per_check(results):
    from autograder.outputs.classpage import class_data

    causes = class_data(results, EXERCISES)["root_causes"]
    affine = [c for c in causes if "affine_backward" in c["cause"]]
    assert len(BY_ID["mlp.affine"].checks) > 1  # else there would be nothing to collapse
    assert len(affine) == 1 and affine[0]["students"] == ["Carol", HOSTILE]
    assert affine[0]["points"] == 2 * BY_ID["mlp.affine"].points and affine[0]["ids"] == ["carol", "dave"]
    assert "not implemented" in affine[0]["cause"] and not any("not_checked" in c["cause"] for c in causes)
    wrong_values = [c for c in causes if c["cause"].startswith("mlp.tanh ")]  # a wrong value: one line per check
    assert len(wrong_values) == sum("d" in c.name for c in BY_ID["mlp.tanh"].checks)


def test_the_page_escapes_a_hostile_name_and_links_existing_feedback_pages(results, tmp_path):
    from autograder.outputs.classpage import class_data, class_page

    page = class_page(class_data(results, EXERCISES, pages={"alice", "dave"}), "hw1 <b>")
    assert "<script>" not in page and "<img src=x" not in page and "\x1b" not in page and "\x07" not in page
    assert "&lt;script&gt;" in page and "\\x1b]52" in page and "hw1 &lt;b&gt;" in page
    links = re.findall(r'<a href="([^"]*)">', page)
    assert sorted(links) == ["feedback/alice.html", "feedback/dave.html"]
    assert HINT.split(":")[0].replace("'", "&#x27;") in page  # the catalog's words, escaped
    assert page.count("<svg") == 1  # the distribution, inline: the page needs no network


def test_grade_all_reports_write_the_page_and_summary_json(results, tmp_path):
    from autograder.batch.report import write_reports
    from autograder.batch.run import ClassRun

    run = ClassRun([SimpleNamespace(student=r["student"]["id"]) for r in results],
                   results={r["student"]["id"]: r for r in results}, layout="flat")
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "bob.html").write_text("<p>bob</p>")
    text = write_reports(run, tmp_path, EXERCISES, "hw1")
    page = (tmp_path / "class.html").read_text()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "class.html" in text and (tmp_path / "class.html").stat().st_mode & 0o077 == 0
    assert f"mlp.tanh: {HINT} — 3 students" in (tmp_path / "summary.txt").read_text()  # the terminal says it too
    assert "affine_backward is not implemented yet: 2 students" in text
    assert 'href="feedback/bob.html"' in page and 'href="feedback/alice.html"' not in page
    assert summary["class"]["misconceptions"][0]["students"] == ["Bob", "Carol", HOSTILE] or \
        summary["class"]["misconceptions"][0]["students"] == ["Alice", "Bob", HOSTILE]
    assert {e["id"] for e in summary["class"]["exercises"]} == set(BY_ID)


@pytest.mark.slow
def test_graded_submissions_carry_what_the_page_counts(tmp_path):
    """End to end: real grading records the declared mistake and the failing function the page groups by."""
    from autograder.outputs.classpage import class_data

    mlp = (ROOT / "solutions" / "mlp.py").read_text()
    only = ["mlp.tanh", "mlp.affine"]
    wrong_tanh = mutate(mlp, [("t = np.tanh(z)\n    return 1.0 - t * t", "return 1.0 - z * z")])
    stub = re.sub(r"(def affine_backward\([^)]*\):\n)", r"\1    raise NotImplementedError\n", mlp, count=1)
    graded = [{**as_dict(grade_source(tmp_path / name, "mlp", source, only)), "student": {"id": name}}
              for name, source in [("ann", wrong_tanh), ("ben", stub)]]
    data = class_data(graded, select(catalog(), only))
    assert [(m["mistake"], m["students"]) for m in data["misconceptions"]] == [("derivative_of_z", ["ann"])]
    affine = [c for c in data["root_causes"] if c["students"] == ["ben"]]
    assert len(affine) == 1 and "affine_backward" in affine[0]["cause"], data["root_causes"]
