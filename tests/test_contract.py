"""The contracts outside tools rely on (DESIGN.md): the CLI, Gradescope's results.json, determinism."""
import json
import re
import subprocess
import sys

import pytest

from autograder.course.build import ROOT
from autograder.model import catalog

pytestmark = pytest.mark.slow


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def solutions_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs") / "r.json"
    run = cli("grade", "solutions", "--format", "gradescope", "--out", str(out))
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text())


def test_solutions_earn_every_point_in_gradescope_format(solutions_json):
    tests = solutions_json["tests"]
    assert solutions_json["score"] == sum(t["max_score"] for t in tests) > 0
    ids = {e.id for e in catalog()}
    assert {t["name"].split(":")[0] for t in tests} == ids
    for t in tests:
        assert t["status"] == "passed" and t["score"] == t["max_score"]


def test_stubs_earn_zero_with_a_message_for_every_test(tmp_path):
    out = tmp_path / "a.json"
    assert cli("grade", "assignments", "--format", "gradescope", "--out", str(out)).returncode == 0
    result = json.loads(out.read_text())
    assert result["score"] == 0 and len(result["tests"]) == len(catalog())
    for t in result["tests"]:
        assert t["status"] == "failed" and t["score"] == 0
        assert "not implemented yet" in t["output"], t["output"]
    assert sum(t["score"] for t in result["tests"]) == result["score"]


def test_list_json_names_every_exercise_with_topic_and_points():
    run = cli("list", "--format", "json")
    listed = json.loads(run.stdout)
    assert [(e["id"], e["topic"], e["points"]) for e in listed] == [(e.id, e.topic, e.points) for e in catalog()]


def test_check_exit_status_and_output():
    full = cli("check", "mlp.affine", "--submission", "solutions")
    assert full.returncode == 0 and "PASS mlp.affine" in full.stdout and "Score: 4/4" in full.stdout
    stub = cli("check", "mlp.affine")  # default submission: assignments
    assert stub.returncode == 1 and "mlp: 1 exercise not started" in stub.stdout and "Score: 0/4" in stub.stdout
    unknown = cli("check", "mlp.nonexistent")
    assert unknown.returncode != 0 and "unknown topic or exercise" in unknown.stderr


def test_check_and_grade_agree(tmp_path):
    """The student's self-check and the instructor's grade run the same checks and give the same score."""
    source = (ROOT / "solutions" / "mlp.py").read_text().replace("dout.sum(axis=0)\n", "dout.sum(axis=0) * 2\n")
    (tmp_path / "mlp.py").write_text(source)
    check = cli("check", "mlp", "--submission", str(tmp_path))
    graded = json.loads(cli("grade", str(tmp_path), "--only", "mlp", "--format", "json").stdout)
    assert check.returncode == 1
    assert f"Score: {graded['score']:g}/{graded['max_score']:g}" in check.stdout
    assert graded["score"] == graded["max_score"] - 1


def test_same_json_scores_on_two_runs(tmp_path):
    source = (ROOT / "solutions" / "mlp.py").read_text().replace("/ np.sqrt(n_in)", "/ np.sqrt(n_out)")
    source = source.replace("t = np.tanh(z)\n    return 1.0 - t * t", "return 1.0 - z * z")
    (tmp_path / "mlp.py").write_text(source)
    runs = [json.loads(cli("grade", str(tmp_path), "--format", "json").stdout) for _ in range(2)]
    for run in runs:
        del run["submission"]
    assert runs[0] == runs[1]
    assert 0 < runs[0]["score"] < runs[0]["max_score"]


def test_build_check_passes_on_the_committed_stubs():
    run = cli("build", "--check")
    assert run.returncode == 0, run.stdout


def test_a_broken_topic_does_not_stop_the_others(tmp_path):
    """One topic's module has a syntax error: it is not gradable; every other topic earns full marks."""
    from autograder.model import topics
    from autograder.grading import grade

    names = topics()
    sources = {topic: (ROOT / "solutions" / f"{topic}.py").read_text() for topic in names}
    # a topic no other one calls into (optim and cnn call the student's own mlp.py)
    alone = [t for t in names if not any(re.search(rf"^\s*(import|from) {t}\b", sources[o], re.M)
                                         for o in names if o != t)]
    if len(names) < 2 or not alone:
        pytest.skip("needs two topics, one of them called by no other")
    broken = alone[0]
    for topic in names:
        (tmp_path / f"{topic}.py").write_text("def broken(:\n" if topic == broken else sources[topic])
    report = grade(tmp_path, catalog())
    assert list(report.not_gradable) == [broken] and "SyntaxError" in report.not_gradable[broken]
    for e in report.exercises:
        assert e.score == (0 if e.topic == broken else e.points), e.id
