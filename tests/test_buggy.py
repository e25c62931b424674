"""Every realistic buggy submission of tests/bugs_<topic>.py loses exactly the checks it should, with feedback."""
import pytest

from autograder.model import catalog

from conftest import affected_exercises, corpus, failing, graded_bug, messages, mutate, solution_source

pytestmark = pytest.mark.slow
CORPORA = corpus("bugs")
BUGS = {topic: module.BUGS for topic, module in CORPORA.items()}


@pytest.mark.parametrize("topic", sorted(BUGS))
def test_corpus_is_large_and_ids_are_unique(topic):
    assert len(BUGS[topic]) >= 15
    assert len({bug.id for bug in BUGS[topic]}) == len(BUGS[topic])


@pytest.mark.parametrize("topic, bug", [
    pytest.param(topic, bug, id=f"{topic}-{bug.id}",
                 marks=[pytest.mark.xdist_group(f"{topic}-{bug.id}")] +
                 ([pytest.mark.xfail(strict=True, reason=bug.xfail)] if bug.xfail else []))
    for topic, bugs in sorted(BUGS.items()) for bug in bugs])
def test_bug_loses_exactly_its_checks(topic, bug):
    """(Its feedback: tests/test_feedback.py, on the same grading.)"""
    report = graded_bug(topic, bug.edits)
    assert failing(report) == bug.fails
    notes = messages(report)
    assert all(notes.get(key, "").strip() for key in bug.fails), "a failing check without feedback"
    assert report.score < report.points


def test_only_the_exercises_an_edit_can_reach_are_graded_again():
    """The corpora grade a bug on the exercises its edit can change; the rest grade as the solutions do."""
    source = solution_source("mlp")
    assert affected_exercises("mlp", source) == []
    tanh_only = mutate(source, [("def tanh_derivative(z):", "def tanh_derivative(z):\n    z = z + 0")])
    assert affected_exercises("mlp", tanh_only) == ["mlp.tanh"]
    softmax = affected_exercises("mlp", mutate(source, [("def softmax(z):", "def softmax(z):\n    z = z + 0")]))
    assert {"mlp.softmax", "mlp.cross_entropy", "mlp.mlp_forward"} <= set(softmax) and "mlp.tanh" not in softmax
    everything = affected_exercises("mlp", "import numpy as np\nSCALE = 1.0\n" + source.split("import numpy as np", 1)[1])
    assert len(everything) == len([ex for ex in catalog() if ex.topic == "mlp"])
