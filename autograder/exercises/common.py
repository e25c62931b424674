"""What several topics' exercises share: the spirals data set and its scores, the judge of a parameter dict's
shapes, and the logits strategy (mlp's losses and optim's label smoothing draw the same kind of logits).

The spirals are CS231n's 2-D data set of interleaved arms: mlp's and optim's training exercises train the same
[2, 32, 32, 3] network on them, and the HTML report draws its classes over them (outputs/pictures.py).
"""
from __future__ import annotations

import numpy as np
import torch

import reference.mlp as mlp_ref
from autograder import strategies as S
from autograder.oracle import as_tensor
from hypothesis import strategies as st

MLP_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")
SPIRAL_NETWORK = [2, 32, 32, 3]


def spirals(points_per_class: int, classes: int, seed: int, noise: float = 0.2):
    """A 2-D data set of interleaved spiral arms (CS231n's): X (points_per_class * classes, 2), labels y in
    0..classes-1."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, points_per_class)
        t = np.linspace(4.0 * c, 4.0 * (c + 1), points_per_class) + rng.normal(0.0, noise, points_per_class)
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(points_per_class, c))
    return np.concatenate(X), np.concatenate(y).astype(np.int64)


TRAIN_X, TRAIN_Y = spirals(100, 3, seed=0)
TEST_X, TEST_Y = spirals(100, 3, seed=1)


def layer_shapes(layer_sizes) -> dict[str, tuple[int, ...]]:
    """An MLP's parameter shapes, in order: W1 (n0, n1), b1 (n1,), W2 (n1, n2), ..."""
    shapes = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = (n_in, n_out), (n_out,)
    return shapes


def param_shapes(params, shapes: dict) -> str | None:
    """What is wrong with a returned parameter dict given the shapes it must hold (float64 arrays), or None."""
    if not isinstance(params, dict):
        return f"should return a dict of parameters, not {type(params).__name__}."
    for key, shape in shapes.items():
        value = params.get(key)
        if not isinstance(value, np.ndarray):
            return f"params[{key!r}] should be an array of shape {shape}, but it is missing or not an array."
        if value.shape != shape or value.dtype != np.float64:
            return f"params[{key!r}] has shape {value.shape} and dtype {value.dtype}, expected {shape}, float64."
    return None


def spiral_network(params) -> bool:
    """Whether `params` is a [2, 32, 32, 3] network's parameters (what the spirals' scores and picture take)."""
    return param_shapes(params, layer_shapes(SPIRAL_NETWORK)) is None


def spiral_scores(params) -> dict | None:
    """Training loss, held-out loss and held-out accuracy of a [2, 32, 32, 3] network on the spirals (the points
    of a learning curve, for mlp's and optim's training exercises alike)."""
    if not spiral_network(params):
        return None
    t = {k: as_tensor(params[k]) for k in MLP_PARAMS}
    with torch.no_grad():
        P, _ = mlp_ref.mlp_forward(as_tensor(TEST_X), **t)
        return {"training loss": float(mlp_ref.mlp_loss(as_tensor(TRAIN_X), as_tensor(TRAIN_Y), **t)),
                "held-out loss": float(mlp_ref.mlp_loss(as_tensor(TEST_X), as_tensor(TEST_Y), **t)),
                "held-out accuracy": float((P.argmax(1).numpy() == TEST_Y).mean())}


@st.composite
def logits(draw, m, classes):
    """(m, classes) moderate logits, shifted per row by up to +-1000 and sometimes spread so that gaps exceed 745."""
    z = draw(S.arrays((m, classes), -5, 5))
    offset = draw(S.arrays((m, 1), elements=st.sampled_from([0.0, 0.0, 750.0, -750.0, 1000.0])))
    spread = draw(st.sampled_from([1.0, 1.0, 200.0]))
    return z * spread + offset
