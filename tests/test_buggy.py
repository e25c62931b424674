"""Every realistic buggy submission of tests/bugs_<topic>.py loses exactly the checks it should, with feedback."""
import pytest

from conftest import corpus, failing, messages, mutate, solution_source

pytestmark = pytest.mark.slow
CORPORA = corpus("bugs")
BUGS = {topic: module.BUGS for topic, module in CORPORA.items()}


@pytest.mark.parametrize("topic", sorted(BUGS))
def test_corpus_is_large_and_ids_are_unique(topic):
    assert len(BUGS[topic]) >= 15
    assert len({bug.id for bug in BUGS[topic]}) == len(BUGS[topic])


@pytest.mark.parametrize("topic, bug", [
    pytest.param(topic, bug, id=f"{topic}-{bug.id}",
                 marks=[pytest.mark.xfail(strict=True, reason=bug.xfail)] if bug.xfail else [])
    for topic, bugs in sorted(BUGS.items()) for bug in bugs])
def test_bug_loses_exactly_its_checks(topic, bug, submission):
    report = submission(topic, mutate(solution_source(topic), bug.edits))
    assert failing(report) == bug.fails
    notes = messages(report)
    assert all(notes.get(key, "").strip() for key in bug.fails), "a failing check without feedback"
    assert report.score < report.points
    if getattr(CORPORA[topic], "MISTAKES_CHECKED", False):  # the misconception named when it holds, never falsely
        named = {m for e in report.exercises for c in e.checks for m in c.mistakes}
        assert named == set(bug.mistakes), f"named {sorted(named)}, expected {sorted(bug.mistakes)}"
