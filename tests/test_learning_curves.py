"""The training exercises' learning curves (the HTML report): the student's own training, replayed for each number
of epochs, against the correct training from the same start; never graded."""
import math
import time

import numpy as np
import pytest

from autograder.grading.results import CheckResult, ExerciseResult, LearningCurve, Report
from autograder.model import catalog, select
from autograder.outputs.html import as_html, learning_curves
from conftest import mutate, solution_source, write_submission

TRAINING = {"mlp.train_mlp": "accuracy", "rnn.train_rnn": "held_out", "optim.train": "held-out loss"}
WRONG_TRAINING = {  # a training that runs, but not the one asked for
    "mlp.train_mlp": ("        params = sgd_step(params, mlp_backward(y, params, cache), lr)",
                      "        params = sgd_step(params, mlp_backward(y, params, cache), 0.3)"),
    "rnn.train_rnn": ("        clipped, _ = clip_grad_norm(grads, max_norm)", "        clipped = grads"),
    "optim.train": ("adamw_step(params, grads, state, lrs[epoch],", "adamw_step(params, grads, state, lr,"),
}


def graded_with_curves(tmp_path, exercise_id: str, edits=()):
    from autograder.grading import grade

    topic = exercise_id.split(".")[0]
    write_submission(tmp_path, topic, mutate(solution_source(topic), list(edits)))
    report = grade(tmp_path, select(catalog(), [exercise_id]), curves=True)
    return report.exercises[0]


def test_every_training_exercise_declares_a_curve():
    declared = {ex.id for ex in catalog() if ex.curve is not None}
    assert declared == set(TRAINING)


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", TRAINING)
def test_a_correct_training_is_the_reference_at_every_point(tmp_path, exercise_id):
    """The solution's curve is the reference's (torch) at every number of epochs: both are the same training."""
    curve = graded_with_curves(tmp_path, exercise_id).curve
    ex = select(catalog(), [exercise_id])[0]
    assert curve.at[-1] == ex.curve.inputs["epochs"] and len(curve.at) >= 10 and not (curve.stopped or curve.failed)
    assert set(curve.got) == set(curve.expected) and len(curve.got) >= 2
    for metric, values in curve.got.items():
        assert None not in values
        np.testing.assert_allclose(values, curve.expected[metric], rtol=1e-6, err_msg=metric)
    assert len({round(v, 6) for v in curve.got[next(iter(curve.got))]}) > len(curve.at) // 2  # a curve, not a line


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", TRAINING)
def test_a_wrong_training_draws_its_own_curve(tmp_path, exercise_id):
    """The curve is the student's training: it leaves the reference, and its last point is the graded run."""
    result = graded_with_curves(tmp_path, exercise_id, [WRONG_TRAINING[exercise_id]])
    curve = result.curve
    metric = next(iter(curve.got))
    got, expected = np.array(curve.got[metric], dtype=float), np.array(curve.expected[metric], dtype=float)
    assert np.nanmax(np.abs(got - expected) / np.abs(expected)) > 0.2
    ex = select(catalog(), [exercise_id])[0]
    graded = next(c for c in result.checks if c.name == TRAINING[exercise_id])
    measured = ex.curve.measure(graded.got)
    if measured is not None:  # the graded run's own parameters, measured the same way
        last = curve.got[metric][-1]
        assert (last == math.inf and not math.isfinite(measured[metric])) or last == pytest.approx(measured[metric])


@pytest.mark.slow
def test_runs_that_raise_leave_gaps_and_the_replay_keeps_to_its_budget(tmp_path, monkeypatch):
    edit = ("    params = init_params(layer_sizes, seed)\n    for _ in range(epochs):",
            "    if epochs < 60:\n        raise ValueError('too few epochs')\n"
            "    params = init_params(layer_sizes, seed)\n    for _ in range(epochs):")
    curve = graded_with_curves(tmp_path / "raises", "mlp.train_mlp", [edit]).curve
    short = [i for i, n in enumerate(curve.at) if n < 60]
    assert short and all(curve.got["training loss"][i] is None for i in short)
    assert None not in curve.got["training loss"][len(short):]
    assert curve.failed.startswith("The runs of 1, 5, 10, 20, 35, 50 epochs failed")
    assert "too few epochs" in curve.failed
    assert not curve.stopped

    import autograder.grading.curve as replay

    monkeypatch.setattr(replay, "BUDGET_SECONDS", 0.0)
    curve = graded_with_curves(tmp_path / "budget", "mlp.train_mlp").curve
    ran = [n for n, v in zip(curve.at, curve.got["training loss"]) if v is not None]
    assert ran == [curve.at[0], curve.at[-1]]  # the first replay, then none; the graded run is free
    assert "would take more than 0 s" in curve.stopped
    assert None not in curve.expected["training loss"]

    monkeypatch.setattr(replay, "BUDGET_SECONDS", 1.0)  # a run that hangs is stopped after this, not after 60 s
    hang = (edit[0], "    while epochs == 5:\n        pass\n" + edit[0])
    start = time.perf_counter()
    curve = graded_with_curves(tmp_path / "hang", "mlp.train_mlp", [hang]).curve
    assert time.perf_counter() - start < 30
    assert "the run of 5 epochs failed: train_mlp did not finish within 1 s" in curve.stopped
    losses = curve.got["training loss"]
    assert losses[0] is not None and losses[1:-1] == [None] * (len(curve.at) - 2) and losses[-1] is not None


def test_the_report_draws_the_curve_and_marks_a_diverged_run():
    at = [1, 5, 10, 20]
    diverged = LearningCurve("epochs", at, {"loss": [0.8, 3.0, math.inf, None], "accuracy": [0.5, 0.4, 0.3, None]},
                             {"loss": [0.8, 0.5, 0.3, 0.1], "accuracy": [0.5, 0.7, 0.9, 0.95]}, {"loss": 0.2},
                             stopped="runs of 20 or more epochs would take more than 20 s in all")
    loss, accuracy = learning_curves(diverged)
    assert len(loss.axes[0].get_lines()) == 4 and len(accuracy.axes[0].get_lines()) == 2  # correct, yours, off
    # the chart, threshold: the loss's; correct and yours: the accuracy's
    off_chart = loss.axes[0].get_lines()[2]
    assert list(off_chart.get_xdata()) == [10]
    assert learning_curves(LearningCurve("epochs", at, {"loss": [None] * 4})) == []
    result = ExerciseResult("mlp.train_mlp", "training", [CheckResult("accuracy", 3, 3)], curve=diverged)
    page = as_html(Report("s", [result]))
    assert "Learning curve" in page and "Your curve stops early: runs of 20 or more epochs" in page
    without = as_html(Report("s", [ExerciseResult("mlp.train_mlp", "training", [CheckResult("accuracy", 3, 3)])]))
    assert page.count("data:image/png;base64,") == without.count("data:image/png;base64,") + 2
