"""The output formats: JUnit XML, CSV, Gradescope's results.json (visibility, extra_data, one test per check).

Reports are built by hand (every case, no grading), then one real grade goes through the CLI in each format.
"""
import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograder.grading.results import CheckResult, ExerciseResult, Report
from autograder.outputs import FORMATS, render
from autograder.outputs.gradescope import as_gradescope

from conftest import ROOT


def report() -> Report:
    """mlp: one exercise passed, one half failed (a message with a control character a student printed);
    cnn: not gradable."""
    return Report("alice", [
        ExerciseResult("mlp.tanh", "tanh", [CheckResult("a", 1, 1.0), CheckResult("da_dz", 1, 1.0)]),
        ExerciseResult("mlp.affine", "affine layer", [CheckResult("out", 2, 2.0),
                                                      CheckResult("dW", 1, 0.0, "dW is wrong\x1b[31m at [0, 1]\n"
                                                                                "expected 1.0, got 2.0")]),
        ExerciseResult("cnn.relu", "ReLU", [CheckResult("out", 1, 0.0, "Not gradable: SyntaxError in cnn.py"),
                                            CheckResult("dz", 1, 0.0, "Not gradable: SyntaxError in cnn.py")]),
    ], not_gradable={"cnn": "SyntaxError in cnn.py"}, seed=1234, grader_version="9.9", content_hash="abc")


def test_junit_counts_failures_errors_and_points():
    root = ET.fromstring(render(report(), "junit"))  # parses: the control character was replaced
    assert root.tag == "testsuites" and (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "1", "2")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["mlp", "cnn"]
    assert (suites["mlp"].get("tests"), suites["mlp"].get("failures"), suites["mlp"].get("errors")) == ("4", "1", "0")
    props = lambda el: {p.get("name"): p.get("value") for p in el.find("properties")}
    assert props(root)["score"] == "4" and props(root)["max_score"] == "7" and props(root)["seed"] == "1234"
    assert props(suites["cnn"]) == {"score": "0", "max_score": "2"}
    dw = next(c for c in root.iter("testcase") if (c.get("classname"), c.get("name")) == ("mlp.affine", "dW"))
    failure = dw.find("failure")
    assert failure.get("message") == "dW is wrong\\x1b[31m at [0, 1]" and "expected 1.0, got 2.0" in failure.text
    assert props(dw) == {"score": "0", "max_score": "1", "title": "affine layer"}
    relu = [c for c in root.iter("testcase") if c.get("classname") == "cnn.relu"]
    assert all(c.find("error").get("type") == "not gradable" for c in relu)
    passed = [c for c in root.iter("testcase") if c.find("failure") is None and c.find("error") is None]
    assert len(passed) == 3


def test_csv_one_row_per_check():
    rows = list(csv.DictReader(io.StringIO(render(report(), "csv"))))
    assert [(r["exercise"], r["check"], r["score"], r["max_score"], r["passed"]) for r in rows] == [
        ("mlp.tanh", "a", "1", "1", "true"), ("mlp.tanh", "da_dz", "1", "1", "true"),
        ("mlp.affine", "out", "2", "2", "true"), ("mlp.affine", "dW", "0", "1", "false"),
        ("cnn.relu", "out", "0", "1", "false"), ("cnn.relu", "dz", "0", "1", "false")]
    assert rows[3]["message"].endswith("expected 1.0, got 2.0")  # multi-line feedback survives quoting


@pytest.mark.parametrize("per_check", [False, True])
def test_gradescope_scores_add_up_either_way(per_check):
    results = as_gradescope(report(), per_check=per_check, visibility="after_published", stdout_visibility="visible")
    tests = results["tests"]
    assert len(tests) == (6 if per_check else 3)
    assert sum(t["score"] for t in tests) == results["score"] == 4
    assert sum(t["max_score"] for t in tests) == 7
    assert all(t["name"].startswith(("mlp.tanh:", "mlp.affine:", "cnn.relu:")) for t in tests)
    assert all(t["visibility"] == "after_published" for t in tests)
    assert results["visibility"] == "after_published" and results["stdout_visibility"] == "visible"
    assert results["output_format"] == "text"
    extra = results["extra_data"]
    assert (extra["grader_version"], extra["seed"], extra["content_hash"]) == ("9.9", 1234, "abc")
    assert extra["checks"]["mlp.affine"] == {"out": 2.0, "dW": 0.0}
    if per_check:
        dw = next(t for t in tests if t["extra_data"] == {"exercise": "mlp.affine", "check": "dW"})
        assert dw["status"] == "failed" and dw["max_score"] == 1 and "expected 1.0" in dw["output"]
        assert dw["name"] == "mlp.affine: affine layer (dW)"


def test_gradescope_refuses_an_unknown_visibility():
    with pytest.raises(ValueError, match="visibility"):
        as_gradescope(report(), visibility="sometimes")


@pytest.mark.slow
def test_every_format_from_the_cli(tmp_path):
    """One real grade (a correct tanh, a wrong sigmoid) in every format, each read back."""
    source = (ROOT / "solutions" / "mlp.py").read_text()
    (tmp_path / "mlp.py").write_text(source.replace("def sigmoid(z):\n", "def sigmoid(z):\n    return z\n"))
    out = {}
    for fmt in FORMATS:
        run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--only", "mlp.tanh",
                              "mlp.sigmoid", "--format", fmt, "--per-check"], cwd=ROOT, capture_output=True, text=True,
                             timeout=300)
        assert run.returncode == 0, run.stderr
        out[fmt] = run.stdout
    assert json.loads(out["json"])["score"] == 2 and json.loads(out["gradescope"])["score"] == 2
    assert len(json.loads(out["gradescope"])["tests"]) == 3  # --per-check: tanh's two checks, sigmoid's one
    junit = ET.fromstring(out["junit"])
    assert (junit.get("tests"), junit.get("failures")) == ("3", "1")
    assert [r["passed"] for r in csv.DictReader(io.StringIO(out["csv"]))] == ["true", "true", "false"]
    assert "Score: 2/3" in out["text"]


def test_the_cli_offers_every_format():
    """The CLI names the formats without importing them (so `check` starts fast): the two lists agree."""
    from autograder import cli

    assert set(cli.FORMATS) == set(FORMATS)
