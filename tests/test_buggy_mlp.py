"""Every realistic buggy MLP submission of tests/bugs_mlp.py loses exactly the checks it should, with feedback."""
import pytest

from bugs_mlp import BUGS
from conftest import failing, messages, mutate, solution_source

pytestmark = pytest.mark.slow


def test_corpus_is_large_and_ids_are_unique():
    assert len(BUGS) >= 15
    assert len({bug.id for bug in BUGS}) == len(BUGS)


@pytest.mark.parametrize("bug", [
    pytest.param(bug, id=bug.id, marks=[pytest.mark.xfail(strict=True, reason=bug.xfail)] if bug.xfail else [])
    for bug in BUGS])
def test_bug_loses_exactly_its_checks(bug, submission):
    report = submission("mlp", mutate(solution_source("mlp"), bug.edits))
    assert failing(report) == bug.fails
    notes = messages(report)
    assert all(notes.get(key, "").strip() for key in bug.fails), "a failing check without feedback"
    assert report.score < report.points
