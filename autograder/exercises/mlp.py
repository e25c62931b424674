"""mlp: the seed's 3-layer tanh/tanh/softmax MLP. Solutions: solutions/mlp.py; oracle: reference/mlp.py."""
import numpy as np
from hypothesis import strategies as st

import reference.mlp as ref
from autograder import strategies as S
from autograder.model import Check, call, exercise
from autograder.oracle import as_numpy, as_tensor, elementwise_derivative, forward_backward

PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")

# -- strategies ---------------------------------------------------------------------------

# Mostly moderate values, sometimes huge ones: |z| >= 355 overflows e^{2z}, |z| >= 710 overflows e^z.
HUGE = st.sampled_from([-1000.0, -800.0, -400.0, 400.0, 800.0, 1000.0])
elementwise = st.tuples(S.sizes(2, 1, 4, distinct=False)).flatmap(
    lambda shape: S.arrays(tuple(shape[0]), elements=st.one_of(S.floats(-6, 6), HUGE))).map(lambda z: {"z": z})
ELEMENTWISE_EXAMPLE = {"z": np.array([[-1000.0, -400.0, -0.5, 0.0], [0.25, 3.0, 400.0, 1000.0]])}


@st.composite
def bce_inputs(draw):
    m = draw(st.integers(2, 6))
    return {"a": draw(S.arrays(m, 0.01, 0.99)), "y": draw(S.binary_labels(m))}


@st.composite
def logits(draw, m, classes):
    """Moderate logits, shifted per row by up to +-1000 and sometimes spread so that gaps exceed 745."""
    z = draw(S.arrays((m, classes), -5, 5))
    offset = draw(S.arrays((m, 1), elements=st.sampled_from([0.0, 0.0, 750.0, -750.0, 1000.0])))
    spread = draw(st.sampled_from([1.0, 1.0, 200.0]))
    return z * spread + offset


@st.composite
def classification_inputs(draw):
    m, classes = draw(S.sizes(2, 2, 5))  # m != C
    return {"z": draw(logits(m, classes)), "y": draw(S.labels(m, classes))}


CLASSIFICATION_EXAMPLE = {  # a row with logits near 1000 and a row whose gap to the max is 1600
    "z": np.array([[1000.0, 999.0, 1001.5], [-800.0, 800.0, 0.0]]), "y": np.array([2, 0])}


@st.composite
def affine_inputs(draw):
    m, n_in, n_out = draw(S.sizes(3, 2, 5))
    return {"x": draw(S.arrays((m, n_in))), "W": draw(S.arrays((n_in, n_out))),
            "b": draw(S.arrays(n_out)), "dout": draw(S.arrays((m, n_out)))}


@st.composite
def network(draw):
    """X, labels and parameters of an MLP whose five sizes m, n_0, n_1, n_2, C are all different."""
    m, n0, n1, n2, c = draw(S.sizes(5, 2, 7))
    params = {}
    for l, (a, b) in enumerate([(n0, n1), (n1, n2), (n2, c)], start=1):
        params[f"W{l}"] = draw(S.arrays((a, b), -1.5, 1.5))
        params[f"b{l}"] = draw(S.arrays(b, -1, 1))
    return {"X": draw(S.arrays((m, n0))), "y": draw(S.labels(m, c)), "params": params}


def _reference_cache(X, params):
    P, cache = ref.mlp_forward(as_tensor(X), **{k: as_tensor(v) for k, v in params.items()})
    return as_numpy(cache)


backward_inputs = network().map(lambda n: {**n, "cache": _reference_cache(n["X"], n["params"])})


@st.composite
def step_inputs(draw):
    n0, n1, c = draw(S.sizes(3, 2, 5))
    shapes = {"W1": (n0, n1), "b1": (n1,), "W2": (n1, c), "b2": (c,)}
    return {"params": {k: draw(S.arrays(s)) for k, s in shapes.items()},
            "grads": {k: draw(S.arrays(s)) for k, s in shapes.items()},
            "lr": draw(st.sampled_from([0.5, 0.1, 0.01]))}


# -- judges for what is graded by statistics or accuracy -----------------------------------


def _param_shapes(params, layer_sizes) -> str | None:
    if not isinstance(params, dict):
        return f"should return a dict of parameters, not {type(params).__name__}."
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        for key, shape in ((f"W{l}", (n_in, n_out)), (f"b{l}", (n_out,))):
            value = params.get(key)
            if not isinstance(value, np.ndarray):
                return f"params[{key!r}] should be an array of shape {shape}, but it is missing or not an array."
            if value.shape != shape or value.dtype != np.float64:
                return f"params[{key!r}] has shape {value.shape} and dtype {value.dtype}, expected {shape}, float64."
    return None


def init_shapes(got, inputs):
    problem = _param_shapes(got["params"], inputs["layer_sizes"])
    if problem:
        return "init_params " + problem
    for key, value in got["params"].items():
        if key.startswith("b") and np.any(value != 0):
            return f"params[{key!r}] should be all zeros (the seed initialises biases to 0)."
    return None


def init_distribution(got, inputs):
    """W_l * sqrt(n_in) must look like i.i.d. N(0, 1): mean, variance and the whole CDF are tested.

    A correct initialisation fails with probability below 1e-6 in all (union bound over three layers,
    each with three tests of false-alarm rate at most 1e-7 by an exact bound: see autograder/statistics.py).
    """
    from autograder.statistics import standard_normal_test

    problem = _param_shapes(got["params"], inputs["layer_sizes"])
    if problem:
        return "init_params " + problem
    sizes = inputs["layer_sizes"]
    for l, n_in in enumerate(sizes[:-1], start=1):
        problem = standard_normal_test(got["params"][f"W{l}"] * np.sqrt(n_in), alpha=1e-7)
        if problem:
            return (f"params['W{l}'] (n_in = {n_in}) does not look like N(0, 1/n_in) draws: {problem} "
                    f"Expected std 1/sqrt(n_in) = {1 / np.sqrt(n_in):.5f}; got {got['params'][f'W{l}'].std():.5f}.")
    return None


def spirals(points_per_class: int, classes: int, seed: int, noise: float = 0.2):
    """A 2-D data set of interleaved spiral arms (CS231n's), labels 0..classes-1."""
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
TARGET_ACCURACY = 0.90


def held_out_accuracy(got, inputs):
    params = got["params"]
    problem = _param_shapes(params, inputs["layer_sizes"])
    if problem:
        return "train_mlp " + problem
    P, _ = ref.mlp_forward(as_tensor(TEST_X), **{k: as_tensor(params[k]) for k in PARAMS})
    accuracy = float((P.argmax(dim=1).numpy() == TEST_Y).mean())
    if not np.isfinite(accuracy) or accuracy < TARGET_ACCURACY:
        return (f"the trained network classifies {accuracy:.1%} of the held-out spiral points correctly; "
                f"at least {TARGET_ACCURACY:.0%} is required (a correct implementation reaches about 99%).")
    return None


# -- the exercises --------------------------------------------------------------------------

tanh = exercise(
    "mlp.tanh", "tanh and its derivative",
    calls=[call("tanh", "z", returns="a"), call("tanh_derivative", "z", returns="da_dz")],
    inputs=elementwise, examples=(ELEMENTWISE_EXAMPLE,),
    oracle=lambda z: {"a": as_numpy(ref.tanh(as_tensor(z))), "da_dz": elementwise_derivative(ref.tanh, z)},
    checks={"a": 1, "da_dz": 1},
    covers={"|z| >= 355": lambda i: np.abs(i["z"]).max() >= 355},
)

sigmoid = exercise(
    "mlp.sigmoid", "sigmoid",
    calls=[call("sigmoid", "z", returns="s")],
    inputs=elementwise, examples=(ELEMENTWISE_EXAMPLE,),
    oracle=lambda z: {"s": as_numpy(ref.sigmoid(as_tensor(z)))},
    checks={"s": 1},
    covers={"z >= 710": lambda i: i["z"].max() >= 710, "z <= -710": lambda i: i["z"].min() <= -710},
)

binary_cross_entropy = exercise(
    "mlp.binary_cross_entropy", "binary cross-entropy (mean) and dL/da",
    calls=[call("binary_cross_entropy", "a", "y", returns="loss"),
           call("binary_cross_entropy_grad", "a", "y", returns="dL_da")],
    inputs=bce_inputs(),
    oracle=lambda a, y: forward_backward(ref.binary_cross_entropy, {"a": a, "y": y}, out="loss",
                                         grads={"a": "dL_da"}),
    checks={"loss": 1, "dL_da": 1},
    covers={"m >= 2": lambda i: len(i["a"]) >= 2, "both classes": lambda i: len(set(i["y"])) == 2},
)

softmax = exercise(
    "mlp.softmax", "numerically stable softmax",
    calls=[call("softmax", "z", returns="p")],
    inputs=classification_inputs(), examples=(CLASSIFICATION_EXAMPLE,),
    oracle=lambda z, y: {"p": as_numpy(ref.softmax(as_tensor(z)))},
    checks={"p": 2},
    covers={"logits >= 710": lambda i: i["z"].max() >= 710,
            "gap >= 745": lambda i: (i["z"].max(1) - i["z"].min(1)).max() >= 745},
)

cross_entropy = exercise(
    "mlp.cross_entropy", "cross-entropy from logits and its gradient (P - Y)/m",
    calls=[call("cross_entropy", "z", "y", returns="loss"), call("cross_entropy_grad", "z", "y", returns="dz")],
    inputs=classification_inputs(), examples=(CLASSIFICATION_EXAMPLE,),
    oracle=lambda z, y: forward_backward(ref.cross_entropy, {"z": z, "y": y}, out="loss", grads={"z": "dz"}),
    checks={"loss": 1, "dz": 1},
    covers={"m >= 2": lambda i: len(i["y"]) >= 2, "m != C": lambda i: i["z"].shape[0] != i["z"].shape[1],
            "logits >= 710": lambda i: i["z"].max() >= 710,
            "gap >= 745": lambda i: (i["z"].max(1) - i["z"].min(1)).max() >= 745},
)

affine = exercise(
    "mlp.affine", "affine layer forward and backward",
    calls=[call("affine_forward", "x", "W", "b", returns=("out", "cache")),
           call("affine_backward", "dout", "cache", returns=("dx", "dW", "db"))],
    inputs=affine_inputs(),
    oracle=lambda x, W, b, dout: forward_backward(ref.affine, {"x": x, "W": W, "b": b}, out="out",
                                                  grads={"x": "dx", "W": "dW", "b": "db"}, dout=dout),
    checks={"out": 1, "dx": 1, "dW": 1, "db": 1},
    covers={"m >= 2": lambda i: i["x"].shape[0] >= 2, "n_in != n_out": lambda i: i["W"].shape[0] != i["W"].shape[1],
            "m != n_in": lambda i: i["x"].shape[0] != i["x"].shape[1]},
)

mlp_forward = exercise(
    "mlp.mlp_forward", "the 3-layer MLP forward pass with its cache",
    calls=[call("mlp_forward", "X", "params", returns=("P", "cache"))],
    inputs=network(),
    oracle=lambda X, y, params: dict(zip(("P", "cache"), as_numpy(
        ref.mlp_forward(as_tensor(X), **{k: as_tensor(v) for k, v in params.items()})))),
    checks={"P": 2, "cache": 1},
    covers={"all sizes distinct": lambda i: len({i["X"].shape[0], *i["X"].shape[1:], *(
        v.shape[1] for k, v in i["params"].items() if k.startswith("W"))}) == 5},
)

mlp_backward = exercise(
    "mlp.mlp_backward", "backpropagation to all six parameter gradients",
    calls=[call("mlp_backward", "y", "params", "cache", returns="grads")],
    inputs=backward_inputs,
    oracle=lambda X, y, params, cache: {"grads": forward_backward(
        ref.mlp_loss, {"X": X, "y": y, **params}, out="loss", grads={k: k for k in PARAMS})},
    checks=[Check(f"d{k}", 1, output=f"grads.{k}") for k in PARAMS],
    covers={"m >= 2": lambda i: i["X"].shape[0] >= 2, "nonzero biases": lambda i: np.abs(i["params"]["b1"]).max() > 0},
)

init_params = exercise(
    "mlp.init_params", "the seed's initialisation N(0, 1/n_in), graded statistically",
    calls=[call("init_params", "layer_sizes", "seed", returns="params")],
    inputs=st.fixed_dictionaries({"layer_sizes": S.sizes(4, 2, 9), "seed": st.integers(0, 2**16)}),
    checks=[Check("shapes", 1, output="params", judge=init_shapes),
            Check("distribution", 2, output="params", judge=init_distribution, max_examples=1,
                  inputs=st.just({"layer_sizes": [500, 400, 300, 200], "seed": 2024}))],
)

sgd_step = exercise(
    "mlp.sgd_step", "a gradient-descent step",
    calls=[call("sgd_step", "params", "grads", "lr", returns="new_params")],
    inputs=step_inputs(), mutable=("params",),
    oracle=lambda params, grads, lr: {"new_params": as_numpy(ref.sgd_step(
        {k: as_tensor(v) for k, v in params.items()}, {k: as_tensor(v) for k, v in grads.items()}, lr))},
    checks={"new_params": 2},
)

train_mlp = exercise(
    "mlp.train_mlp", f"training on 2-D spirals to {TARGET_ACCURACY:.0%} held-out accuracy",
    calls=[call("train_mlp", "X", "y", "layer_sizes", "lr", "epochs", "seed", returns="params")],
    inputs=st.just({"X": TRAIN_X, "y": TRAIN_Y, "layer_sizes": [2, 32, 32, 3], "lr": 1.0, "epochs": 500,
                    "seed": 0}),
    checks=[Check("accuracy", 3, output="params", judge=held_out_accuracy)],
    max_examples=1, seconds=60.0,
)
