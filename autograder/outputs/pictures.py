"""The pictures of the HTML report that an exercise asks for by name (`Exercise.picture`): each takes the
exercise's result (ExerciseResult) and returns a matplotlib Figure, or None when there is nothing to draw.

- "decision_regions": the held-out spirals over the classes the trained network predicts (mlp's and optim's
  training exercises train the same [2, 32, 32, 3] network on them);
- "held_out_sequences": two held-out sequences of rnn's delayed-copy task and what the trained RNN predicts;
- "schedule": a learning-rate schedule's rates epoch by epoch, against the expected ones where they differ;
- "noam": the returned learning rates at their steps on the expected warmup / inverse-square-root curve.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

import reference.mlp as mlp_ref
import reference.rnn as rnn_ref
import reference.transformer as transformer_ref
from autograder.exercises import rnn
from autograder.exercises.common import MLP_PARAMS, TEST_X, TEST_Y, param_shapes, spiral_network
from autograder.oracle import as_tensor


def decision_regions(result):
    """The held-out spirals over the classes the trained network predicts (the HTML report's picture; optim's
    training exercise trains the same network on the same spirals)."""
    from matplotlib.figure import Figure

    trained = [c.got for c in result.checks if isinstance(c.got, dict) and spiral_network(c.got)]
    if not trained:
        return None
    params = trained[0]
    grid = np.linspace(-1.1, 1.1, 200)
    gx, gy = np.meshgrid(grid, grid)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    with torch.no_grad():
        P, _ = mlp_ref.mlp_forward(as_tensor(points), **{k: as_tensor(params[k]) for k in MLP_PARAMS})
        P_test, _ = mlp_ref.mlp_forward(as_tensor(TEST_X), **{k: as_tensor(params[k]) for k in MLP_PARAMS})
    accuracy = float((P_test.argmax(1).numpy() == TEST_Y).mean())
    fig = Figure(figsize=(4.2, 4.2))
    ax = fig.add_subplot()
    ax.contourf(gx, gy, P.argmax(1).numpy().reshape(gx.shape), levels=[-0.5, 0.5, 1.5, 2.5], alpha=0.3,
                colors=["#1f77b4", "#ff7f0e", "#2ca02c"])
    ax.scatter(TEST_X[:, 0], TEST_X[:, 1], c=np.array(["#1f77b4", "#ff7f0e", "#2ca02c"])[TEST_Y], s=10,
               edgecolors="k", linewidths=0.3)
    ax.set_title(f"held-out spirals and your network's classes: {accuracy:.0%} right", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def held_out_sequences(result):
    """Two held-out sequences: the input, the target (the input 3 steps earlier) and what the trained RNN predicts
    (the HTML report's picture)."""
    from matplotlib.figure import Figure

    check = next((c for c in result.checks if c.name == "held_out"), None)
    params = check.got if check is not None else None
    if param_shapes(params, {k: v.shape for k, v in rnn.TASK["params"].items()}):
        return None
    with torch.no_grad():
        weights = (as_tensor(params[k]) for k in rnn_ref.REGRESSOR_PARAMS)
        pred = rnn_ref.rnn_regressor(as_tensor(rnn.TEST_X[:2]), *weights).numpy()
    fig = Figure(figsize=(6.4, 3.6))
    axes = fig.subplots(2, 1, sharex=True)
    steps = np.arange(rnn.TASK_STEPS)
    for n, ax in enumerate(axes):
        ax.plot(steps, rnn.TEST_X[n, :, 0], color="#bbbbbb", lw=1, label="input")
        ax.plot(steps, rnn.TEST_Y[n, :, 0], color="#1f77b4", lw=2,
                label=f"target (input {rnn.TASK_DELAY} steps earlier)")
        ax.plot(steps, pred[n, :, 0], color="#ff7f0e", lw=1.5, ls="--", label="your trained RNN")
        ax.set_ylim(-1.3, 1.3)
    axes[0].legend(fontsize=7, loc="upper right", ncol=3)
    axes[1].set_xlabel("time step t", fontsize=8)
    axes[0].set_title("two held-out sequences", fontsize=9)
    return fig


def schedule(result):
    """The returned learning rates epoch by epoch, against the expected ones where they differ (the HTML report's
    picture of every schedule exercise)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    drawn = [c for c in result.checks if c.got is not None]
    check = next((c for c in drawn if not c.passed), drawn[0] if drawn else None)  # a failing check first
    got = check.got if check is not None else None
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "fiu" or got.ndim != 1 or not np.isfinite(got).all():
        return None
    fig = Figure(figsize=(6.0, 2.8))
    ax = fig.add_subplot()
    expected = check.expected if isinstance(check.expected, np.ndarray) and check.expected.ndim == 1 else None
    if expected is not None:
        ax.step(np.arange(expected.size), expected, where="post", color="#1f77b4", lw=3, alpha=0.5, label="expected")
    ax.step(np.arange(got.size), got, where="post", color="#ff7f0e", lw=1.5, marker=".", label="yours")
    ax.set_xlabel("epoch t", fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("lr", fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(f"{check.name}: your learning rates" + (" against the expected ones" if expected is not None
                                                         else " (all as expected)"), fontsize=9)
    return fig


def noam(result):
    """The returned learning rates at their steps on the expected warmup / inverse-square-root curve, a failing
    check's input first (the HTML report's picture)."""
    from matplotlib.figure import Figure

    shown = [c for c in result.checks if isinstance(c.inputs, dict) and "steps" in c.inputs]
    check = next((c for c in shown if not c.passed), shown[0] if shown else None)
    if check is None:
        return None
    steps, got, d_model, warmup = np.asarray(check.inputs["steps"]), check.got, check.inputs["d_model"], \
        check.inputs["warmup"]
    if not isinstance(got, np.ndarray) or got.shape != steps.shape or got.dtype.kind not in "fiu" \
            or not np.isfinite(got).all():
        return None
    grid = np.unique(np.geomspace(1, max(steps.max(), 4 * warmup), 400).round())
    fig = Figure(figsize=(6.0, 2.8))
    ax = fig.add_subplot()
    ax.plot(grid, transformer_ref.noam(grid, d_model, warmup).numpy(), color="#1f77b4", lw=2, label="expected")
    ax.axvline(warmup, color="#888888", lw=1, ls=":", label=f"warmup = {warmup}")
    ax.plot(steps, got, ls="none", marker="o", ms=5, color="#ff7f0e", label="yours")
    if grid.max() > 50:
        ax.set_xscale("log")  # warmup and decay both visible, over thousands of steps
    ax.set_xlabel("step (from 1)", fontsize=8)
    ax.set_ylabel("lr", fontsize=8)
    ax.tick_params(which="both", labelsize=7)
    ax.legend(fontsize=7)
    ax.set_title(f"{check.name}: your learning rates at d_model = {d_model}", fontsize=9)
    return fig


PICTURES: dict[str, Callable[[Any], Any]] = {"decision_regions": decision_regions,
                                             "held_out_sequences": held_out_sequences, "schedule": schedule,
                                             "noam": noam}


def picture(name: str) -> Callable[[Any], Any]:
    """The picture an exercise names."""
    return PICTURES[name]
