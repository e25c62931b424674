"""One feedback record rendered through every output format: each renders the record's fields, none re-parses
the text (a record whose text looks like the grader's own markers renders unchanged), the commands follow the
reader (the kit, the notebooks folder, no command for a class member), root causes come first, and the short
text keeps to its line budget."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import nbformat

from autograder.grading.results import (CLASS, KIT, NOTEBOOK, CheckResult, Diagnosis, ExerciseResult, Feedback,
                                        Kind, Report, Reproduction, Values, feedback_text, roots_first,
                                        trace_root_cause)
from autograder.outputs import render
from autograder.outputs.text import BRIEF, as_text, exercise_text

MARKER = "Smallest failing input (paste into Python to reproduce):"  # a marker the old renderers searched for


def record(**more) -> Feedback:
    fields = dict(
        kind=Kind.VALUE, headline="dx is wrong in 2 of 6 entries. Largest error at index (0, 1).",
        exercise="mlp.affine", detail=f"Got: {MARKER}", source="mlp.py", call="affine_backward",
        diagnoses=[Diagnosis("mistake", "the bias gradient is averaged, not summed.", name="db_mean",
                             evidence="matches on two inputs"),
                   Diagnosis("precision", "a precision problem (float32 somewhere): expected 1.000000000000e+00, "
                             "got 1.000001000000e+00.")],
        values=Values("[1. 2. 3.]", "[1. 2. 4.]", (0, 2)),
        reproduction=Reproduction("x = np.array([[1.0, 2.0]])  # shape (1, 2), float64", "dx = affine_backward(x)",
                                  True, "Smallest failing input"),
        printed="Likely mistake: printed by the student\nline two", location="mlp.py, line 12")
    fields.update(more)
    return Feedback(**fields)


def report_of(fb: Feedback) -> Report:
    failing = CheckResult.failed("dx", 1.0, fb, seconds=0.25)
    return Report("sub", [ExerciseResult("mlp.affine", "affine layer", [failing, CheckResult("out", 1.0, 1.0)])])


def test_one_record_renders_through_every_format():
    fb = record()
    report = report_of(fb)
    check = report.exercises[0].checks[0]
    assert check.message == feedback_text(fb) and check.kind == "value" and check.kind is Kind.VALUE
    pieces = [fb.headline, "the bias gradient is averaged, not summed.", "[1. 2. 4.]", "dx = affine_backward(x)",
              "x = np.array([[1.0, 2.0]])", f"Got: {MARKER}"]

    text = render(report, "text", verbose=True)
    html = render(report, "html")
    data = json.loads(render(report, "json"))
    gradescope = json.loads(render(report, "gradescope", per_check=True))
    junit = ET.fromstring(render(report, "junit"))
    csv = render(report, "csv")
    cell = exercise_text(report.exercises[0], verbose=True, reader=NOTEBOOK)
    for name, out in [("text", text), ("gradescope", gradescope["tests"][0]["output"]), ("csv", csv),
                      ("junit", junit.find(".//failure").text), ("notebook", cell)]:
        for piece in pieces:
            assert piece in out, (name, piece)
    import html as escape
    for piece in pieces:
        assert escape.escape(piece) in html, piece

    as_json = data["exercises"][0]["checks"][0]
    assert as_json["kind"] == "value" and as_json["message"] == check.message  # today's fields kept
    assert as_json["feedback"]["headline"] == fb.headline and as_json["feedback"]["values"]["index"] == [0, 2]
    assert as_json["feedback"]["diagnoses"][0] == {"kind": "mistake", "text": fb.diagnoses[0].text,
                                                   "name": "db_mean", "evidence": "matches on two inputs"}
    assert as_json["feedback"]["command"] == "python -m autograder check mlp.affine"
    assert junit.find(".//failure").get("message") == fb.headline
    assert junit.find(".//testcase").get("time") == "0.250"  # the check's own time, not "0"
    assert "Precision: a precision problem" in text and '<div class="pattern">Precision:' in html
    assert '<div class="mistake">Likely mistake: the bias' in html
    # text that looks like the grader's markers is the student's: shown as it is, never taken for structure
    assert "Likely mistake: printed by the student" in text and '<div class="mistake">Likely mistake: printed' not in html
    assert escape.escape(f"Got: {MARKER}") in html


def test_commands_follow_the_reader():
    unpasteable = record(reproduction=Reproduction("<a large input>", "dx = affine_backward(x)", False, "Input"))
    assert "`python -m autograder check mlp.affine` reproduces it" in feedback_text(unpasteable, KIT)
    assert "check mlp.affine --submission notebooks` reproduces it" in feedback_text(unpasteable, NOTEBOOK)
    assert "python -m autograder" not in feedback_text(unpasteable, CLASS)
    as_notebook = record(source="mlp.ipynb", reproduction=unpasteable.reproduction)
    assert "--submission notebooks" in feedback_text(as_notebook)  # the graded file decides when no reader is given
    missing = record(kind=Kind.MISSING, headline="mlp.py has no function affine_backward.", values=None,
                     reproduction=None)
    assert feedback_text(missing, NOTEBOOK).startswith("this notebook defines no function affine_backward.")
    assert feedback_text(missing, KIT).startswith("mlp.py has no function")


def test_root_cause_is_said_first_and_listed_first():
    softmax = ExerciseResult("mlp.softmax", "softmax", [CheckResult.failed("p", 2.0, record(exercise="mlp.softmax"))])
    forward = ExerciseResult("mlp.mlp_forward", "forward", [CheckResult.failed("P", 2.0, record(exercise="mlp.mlp_forward"))])
    trace_root_cause(forward, "mlp_forward", ("mlp.softmax",), {"mlp.softmax": softmax})
    fb = forward.checks[0].feedback
    assert fb.root_cause == "mlp.softmax"
    assert forward.checks[0].message.splitlines()[0] == "Root cause: fix mlp.softmax first: mlp_forward calls it, and it fails."
    assert exercise_text(forward).splitlines()[2].strip().startswith("Root cause: fix mlp.softmax first")
    assert roots_first([forward, softmax]) == [softmax, forward]
    text = as_text(Report("sub", [forward, softmax]))
    assert text.index("mlp.softmax - softmax") < text.index("mlp.mlp_forward - forward")
    passing = ExerciseResult("mlp.x", "x", [CheckResult("a", 1.0, 1.0)])
    trace_root_cause(passing, "x", ("mlp.softmax",), {"mlp.softmax": softmax})
    assert passing.checks[0].feedback is None  # a passing exercise has no root cause to fix


def test_short_text_keeps_to_its_budget():
    long_input = "\n".join(f"w{i} = {i}" for i in range(40))
    fb = record(reproduction=Reproduction(long_input, "dx = affine_backward(x)", True, "Smallest failing input"),
                printed="\n".join(f"epoch {i}" for i in range(240)))
    checks = [CheckResult.failed(f"c{i}", 1.0, record(**{**fb.__dict__})) for i in range(4)]
    result = ExerciseResult("mlp.affine", "affine layer", checks)
    short = exercise_text(result).splitlines()
    first_check = short[1:1 + BRIEF]
    assert len([line for line in first_check if not line.lstrip().startswith("FAIL c")]) <= BRIEF
    assert sum(line.lstrip().startswith("FAIL c") for line in short) == 4  # the other checks one line each
    assert sum("epoch" in line for line in short) == 5 and short.count("      Your code printed:") == 1
    assert len(short) <= 1 + BRIEF + 3 + 7  # header, first check, three lines, what it printed
    assert len(exercise_text(result, verbose=True).splitlines()) > 4 * 40  # --verbose keeps everything
    stub = ExerciseResult("rnn.x", "x", [CheckResult.failed("a", 1.0, Feedback(Kind.NOT_IMPLEMENTED, "x is not implemented yet."))] )
    text = as_text(Report("sub", [stub] * 16))
    assert "rnn: 16 exercises not started" in text and len(text.splitlines()) <= 5


def test_the_nbgrader_cell_renders_the_record(tmp_path):
    cell = exercise_text(report_of(record()).exercises[0], verbose=True, reader=NOTEBOOK)
    out = nbformat.v4.new_output("stream", name="stdout", text=cell)
    assert record().headline in out.text and "Smallest failing input" in out.text


def test_precision_is_named_with_both_numbers_in_one_notation():
    import numpy as np

    from autograder.grading.search import _precision, _values

    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    float32 = expected.astype(np.float32) * np.float32(1 + 3e-7) + np.float32(1e-6)
    [found] = _precision(float32.astype(np.float64), expected)
    assert found.kind == "precision" and "float32" in found.text
    worst = np.unravel_index(np.argmax(np.abs(float32 - expected)), expected.shape)
    assert f"expected at index {[int(i) for i in worst]} {expected[worst]:.12e}, got {float(float32[worst]):.12e}" \
        in found.text
    assert _precision(expected * 1.01, expected) == []  # a plainly wrong value is not a precision problem
    assert _precision(expected, expected) == []
    big = np.arange(60.0).reshape(6, 10)
    wrong = big.copy()
    wrong[4, 7] += 5
    values = _values(wrong, big)
    assert values.index == (4, 7) and "52." in values.got and "47." in values.expected  # the row around the worst entry
