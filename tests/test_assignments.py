"""Assignments (course/assignments.toml) read alike by every command, and the frictions of a first afternoon:
an empty or misspelled ROOT, `check` from inside the kit, the kit's .gitignore, plurals."""
import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import cli
from autograder.model import catalog

from conftest import ROOT

MLP = (ROOT / "solutions" / "mlp.py").read_text()
POINTS = {ex.id: ex.points for ex in catalog({"mlp"})}

HW1 = """# the instructor's assignments
[[assignment]]
name = "hw1"
exercises = ["mlp.sigmoid", "mlp.tanh"]
points = { "mlp.tanh" = 10 }
due = 2027-02-14

[[assignment]]
name = "hw2"
topics = ["cnn"]
"""


@pytest.fixture
def hw1(tmp_path, monkeypatch):
    from autograder import assignments

    path = tmp_path / "assignments.toml"
    path.write_text(HW1)
    monkeypatch.setattr(assignments, "DEFINITION", path)
    return path


def test_the_default_is_one_assignment_per_topic_in_course_order(tmp_path):
    from autograder import assignments
    from autograder.assignments import load

    found = load(tmp_path / "absent.toml")
    assert [a.name for a in found] == ["mlp", "cnn", "rnn", "transformer", "optim"]
    assert [ex.id for ex in assignments.exercises_of(found[:1])] == list(POINTS)


def test_a_definition_gives_exercises_in_course_order_and_its_points(hw1):
    from autograder import assignments
    from autograder.assignments import load

    hw, cnn = load()
    assert (hw.name, hw.exercises, hw.topics, str(hw.due)) == ("hw1", ("mlp.tanh", "mlp.sigmoid"), ["mlp"], "2027-02-14")
    exercises = assignments.exercises_of([hw])
    assert [ex.points for ex in exercises] == [10, POINTS["mlp.sigmoid"]]
    tanh = exercises[0]
    declared = next(ex for ex in catalog({"mlp"}) if ex.id == "mlp.tanh")
    ratios = {round(c.points / d.points, 9) for c, d in zip(tanh.checks, declared.checks)}
    assert len(ratios) == 1  # the checks keep their proportions
    assert cnn.exercises == tuple(ex.id for ex in catalog({"cnn"}))


@pytest.mark.parametrize("text, words", [
    ('[[assignment]]\nname = "a"\ntopics = ["cnnn"]\n', [":3:", "'topics'", "Did you mean cnn"]),
    ('[[assignment]]\nname = "a"\ntopics = ["mlp"]\n\n[[assignment]]\nname = "b"\nexcercises = ["mlp.tanh"]\n',
     [":7:", "(b)", "'excercises'", "did you mean 'exercises'"]),
    ('[[assignment]]\nname = "a"\ntopics = ["mlp"]\npoints = { "cnn.conv2d" = 3 }\n', ["'points'", "not one of"]),
    ('[[assignment]]\nname = "a"\ntopics = ["mlp"]\ndue = "soon"\n', ["'due'", "TOML date"]),
    ('[[assignment]]\nname = "a"\n', ["'topics'", "needs topics or exercises"]),
    ('[[assignment]]\nname = "a"\ntopics = ["mlp"]\n[[assignment]]\nname = "a"\ntopics = ["cnn"]\n',
     [":4:", "already"]),
    ('[[assignment]\n', ["not valid TOML", "line 1"]),
])
def test_a_wrong_definition_says_where_and_what(tmp_path, text, words):
    from autograder.assignments import AssignmentError, load

    path = tmp_path / "assignments.toml"
    path.write_text(text)
    with pytest.raises(AssignmentError) as e:
        load(path)
    for word in words:
        assert word in str(e.value)


def test_list_shows_points_per_topic_and_per_assignment(hw1, capsys):
    assert cli.main(["list"]) == 0
    printed = capsys.readouterr().out
    cnn = sum(ex.points for ex in catalog({"cnn"}))
    assert f"  mlp {'':26} {sum(POINTS.values()):>5g}  {len(POINTS)} exercises" in printed
    assert f"  hw1 {'':26} {10 + POINTS['mlp.sigmoid']:>5g}  2 exercises of mlp  due 2027-02-14" in printed
    assert f"  hw2 {'':26} {cnn:>5g}" in printed


def test_release_writes_the_kit_of_an_assignment_with_a_gitignore(hw1, tmp_path, capsys):
    kit = tmp_path / "kit"
    assert cli.main(["release", str(kit), "--assignment", "hw1"]) == 0
    assert sorted(p.name for p in (kit / "assignments").iterdir()) == ["mlp.py"]
    assert sorted(p.name for p in (kit / "notebooks").iterdir()) == ["mlp.ipynb"]
    readme = (kit / "README.md").read_text()
    assert "**hw1** (" in readme and "due 2027-02-14" in readme and "`mlp.tanh` (10 points)" in readme
    assert "mlp.affine" not in readme.split("## Assignments")[1].split("## Hand in")[0]
    ignored = (kit / ".gitignore").read_text().split()
    assert {".venv/", "__pycache__/", ".ipynb_checkpoints/", "results/"} <= set(ignored)
    with pytest.raises(SystemExit, match="no assignment 'hw3' in .*assignments.toml; did you mean 'hw"):
        cli.main(["release", str(tmp_path / "kit2"), "--assignment", "hw3"])


def test_the_nbgrader_course_has_an_assignment_per_definition(hw1):
    from autograder.course.build import nbgrader_course

    files = nbgrader_course(ROOT, hw1)
    source = ROOT / "course" / "source"
    assert {p.relative_to(source).as_posix() for p in files if source in p.parents} == {"hw1/mlp.ipynb", "hw2/cnn.ipynb"}
    cells = json.loads(files[source / "hw1" / "mlp.ipynb"])["cells"]
    graded = {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"] for c in cells
              if c["metadata"].get("nbgrader", {}).get("grade") and not c["metadata"]["nbgrader"].get("solution")}
    assert sum(graded.values()) == 10 + POINTS["mlp.sigmoid"]
    assert len(graded) == 2


def test_gradescope_bundle_grades_the_assignment(hw1, tmp_path, capsys):
    out = tmp_path / "autograder.zip"
    assert cli.main(["gradescope-bundle", str(out), "--assignment", "hw1"]) == 0
    assert f"hw1, 2 exercises, {10 + POINTS['mlp.sigmoid']:g} points" in capsys.readouterr().out
    config = json.loads(zipfile.ZipFile(out).read("config.json"))
    assert config["only"] == ["mlp.tanh", "mlp.sigmoid"] and config["points"] == {"mlp.tanh": 10.0}
    from autograder.integrations.gradescope.bundle import assigned

    assert [ex.points for ex in assigned(config)] == [10, POINTS["mlp.sigmoid"]]


def test_grade_defaults_to_the_topics_present(hw1, tmp_path, capsys):
    (tmp_path / "mlp.py").write_text(MLP)
    assert cli.main(["grade", str(tmp_path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"grading mlp as assignment hw1: the topics in {tmp_path}")
    result = json.loads(captured.out)
    assert [e["id"] for e in result["exercises"]] == ["mlp.tanh", "mlp.sigmoid"]
    assert result["score"] == result["max_score"] == 10 + POINTS["mlp.sigmoid"]


@pytest.mark.slow
def test_grade_all_grades_the_topics_handed_in_and_names_the_assignment(hw1, tmp_path, capsys):
    root = tmp_path / "class"
    for student, text in {"alice": MLP, "bob": MLP.replace("return np.tanh(z)", "return np.tanh(z) * 2")}.items():
        (root / student).mkdir(parents=True)
        (root / student / "mlp.py").write_text(text)
    out = tmp_path / "graded"
    assert cli.main(["grade-all", str(root), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == ("grading mlp as assignment hw1: the topics handed in; --assignment or --only "
                                       "to choose")
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    total = 10 + POINTS["mlp.sigmoid"]
    assert {(r["assignment"], r["duedate"]) for r in rows} == {("hw1", "2027-02-14")}
    assert {r["student_id"]: (float(r["max_score"]), float(r["score"]) < total) for r in rows} == {
        "alice": (total, False), "bob": (total, True)}
    assert "2 students" in printed and f"Scores out of {total:g}" in printed


def test_grade_all_refuses_an_empty_or_misspelled_root(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    with pytest.raises(SystemExit) as empty:
        cli.main(["grade-all", str(tmp_path / "class"), "--out", str(tmp_path / "out")])
    assert "no submission found" in str(empty.value) and "looked for" in str(empty.value)
    assert "mlp.py" in str(empty.value) or "mlp or cnn" in str(empty.value)
    with pytest.raises(SystemExit) as misspelled:
        cli.main(["grade-all", str(tmp_path / "clas"), "--out", str(tmp_path / "out")])
    assert "does not exist" in str(misspelled.value) and f"did you mean {tmp_path / 'class'}" in str(misspelled.value)
    assert "looked for" in str(misspelled.value)
    (tmp_path / "class" / "notes.txt").write_text("nothing to grade")
    with pytest.raises(SystemExit, match="looked for"):
        cli.main(["grade-all", str(tmp_path / "class"), "--out", str(tmp_path / "out")])


def test_check_finds_the_kit_from_any_of_its_folders(tmp_path):
    kit = tmp_path / "kit"
    (kit / "assignments" / "deep").mkdir(parents=True)
    (kit / "assignments" / "mlp.py").write_text(MLP)
    (kit / "notebooks").mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "mlp.tanh"], cwd=kit / "assignments" / "deep",
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "grading mlp: 1 exercise in ../" in done.stdout and "not a folder" not in done.stdout + done.stderr
    assert cli.kit_folder(kit) == Path("assignments")
    assert cli.kit_folder(kit / "assignments") == Path(".")
    for inside in (kit / "assignments" / "deep", kit / "notebooks"):
        assert (inside / cli.kit_folder(inside)).resolve() == (kit / "assignments").resolve()


def test_counts_are_plural_only_when_more_than_one():
    from autograder.batch.report import summarize, summary_text
    from autograder.batch.run import ClassRun
    from autograder.batch.discover import Submission

    result = {"score": 1.0, "max_score": 2.0, "exercises": [], "not_gradable": {"cnn": "no file"}}
    run = ClassRun([Submission("alice", "alice")], results={"alice": result})
    text = summary_text(summarize(run, catalog({"mlp"})[:1]))
    assert text.startswith("1 student ") and "Not gradable cnn: 1 student\n" in text
