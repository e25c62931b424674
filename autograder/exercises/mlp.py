"""mlp: the course notes' 3-layer tanh/tanh/softmax MLP. Solutions: solutions/mlp.py; oracle: reference/mlp.py.

What a bug could depend on, and how the inputs vary it: sizes (all distinct, m >= 2), extreme values (|z| up to
1000, logits >= 710 and gaps >= 745, also inside the composed mlp_forward), a second call (the affine layer runs
two forward passes before its backward pass, so a cache kept in a global fails), call order and aliasing (every
input is compared after the whole plan, so a cache that aliases the caller's array and is modified later fails),
depth and seed (init_params is asked for 1 to 4 layers, twice with one seed and once with another), and each
hyperparameter of training (train_mlp is also checked step by step for several lr and epochs). float64 is the
policy: inputs whose products cancel make float32 intermediates fail every time (see FLOAT32 below).

Each exercise declares its common mistakes as variants of the oracle (`mistakes`): when a wrong value equals one
on the failing input, the feedback names it.
"""
import numpy as np
import torch
from hypothesis import strategies as st

import reference.mlp as ref
from autograder import strategies as S
from autograder.compare import Tolerance, compare
from autograder.exercises.common import (TEST_X, TEST_Y, TRAIN_X, TRAIN_Y, layer_shapes, logits,
                                         param_shapes, spiral_scores)
from autograder.model import Check, Curve, call, exercise, mistake
from autograder.oracle import as_numpy, as_tensor, continued, elementwise_derivative, forward_backward

PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")

# -- strategies ---------------------------------------------------------------------------

# Mostly moderate values, sometimes huge ones: |z| >= 355 overflows e^{2z}, |z| >= 710 overflows e^z.
HUGE = st.sampled_from([-1000.0, -800.0, -400.0, 400.0, 800.0, 1000.0])
elementwise = st.tuples(S.sizes(2, 1, 4, distinct=False)).flatmap(
    lambda shape: S.arrays(tuple(shape[0]), elements=st.one_of(S.floats(-6, 6), HUGE))).map(lambda z: {"z": z})
ELEMENTWISE_EXAMPLE = {"z": np.array([[-1000.0, -400.0, -0.5, 0.0], [0.25, 3.0, 400.0, 1000.0]])}


@st.composite
def bce_inputs(draw):
    m = draw(S.size(2, 6, least=1))
    return {"a": draw(S.arrays(m, 0.01, 0.99)), "y": draw(S.binary_labels(m))}


@st.composite
def classification_inputs(draw):
    m, classes = draw(S.sizes(2, 2, 5, least=(1, 2)))  # m != C
    return {"z": draw(logits(m, classes)), "y": draw(S.labels(m, classes))}


CLASSIFICATION_EXAMPLE = {  # a row with logits near 1000 and a row whose gap to the max is 1600
    "z": np.array([[1000.0, 999.0, 1001.5], [-800.0, 800.0, 0.0]]), "y": np.array([2, 0])}


@st.composite
def affine_inputs(draw):
    """x, W, b, dout, and x2: a second batch that goes forward before the first one's backward pass."""
    m, n_in, n_out = draw(S.sizes(3, 2, 5, least=1))
    return {"x": draw(S.arrays((m, n_in))), "W": draw(S.arrays((n_in, n_out))),
            "b": draw(S.arrays(n_out)), "dout": draw(S.arrays((m, n_out))), "x2": draw(S.arrays((m, n_in)))}


def cancelling(m: int, n_in: int, n_out: int, seed: int) -> dict:
    """x, W, b with terms of about 1e4 in x W that cancel against b down to O(1) (and dout whose rows cancel in
    x^T dout): float64 keeps ~1e-12 of the result, float32 intermediates lose ~1e-3 of it, so code that computes
    in float32 fails on this input every time (and correct float64 code passes every time)."""
    rng = np.random.default_rng(seed)
    x = 100.0 + rng.uniform(-1, 1, (m, n_in))
    W = 100.0 + rng.uniform(-1, 1, (n_in, n_out))
    b = -(x.mean(axis=0) @ W) + rng.uniform(-1, 1, n_out)
    dout = rng.uniform(-1, 1, (m, n_out))
    dout -= dout.mean(axis=0) - 1e-3
    return {"x": x, "W": W, "b": b, "dout": dout}


# The float32 policy: every exercise that multiplies matrices has an input on which float32 intermediates fail.
FLOAT32_AFFINE = {**cancelling(2, 3, 4, 0), "x2": np.ones((2, 3))}


@st.composite
def network(draw):
    """X, labels and parameters of an MLP whose five sizes m, n_0, n_1, n_2, C are all different.

    Sometimes the output bias is huge (all of b3 moved by +-800, or one class by +800): logits >= 710 and gaps >= 745 reach the
    composed network too, not only softmax and cross_entropy on their own."""
    m, n0, n1, n2, c = draw(S.sizes(5, 2, 7, least=(1, 1, 1, 1, 2)))
    params = {}
    for l, (a, b) in enumerate([(n0, n1), (n1, n2), (n2, c)], start=1):
        params[f"W{l}"] = draw(S.arrays((a, b), -1.5, 1.5))
        params[f"b{l}"] = draw(S.arrays(b, -1, 1))
    shift = draw(st.sampled_from(["none", "none", "all up", "all down", "one up"]))
    params["b3"] = params["b3"] + {"none": 0.0, "all up": 800.0, "all down": -800.0,
                                   "one up": np.where(np.arange(c) == 0, 800.0, 0.0)}[shift]
    return {"X": draw(S.arrays((m, n0))), "y": draw(S.labels(m, c)), "params": params}


def _cancelling_network() -> dict:
    """A network whose first layer cancels like `cancelling` (the float32 policy), with moderate later layers."""
    first = cancelling(3, 2, 4, 1)
    rng = np.random.default_rng(2)
    params = {"W1": first["W"], "b1": first["b"], "W2": rng.uniform(-1, 1, (4, 5)), "b2": rng.uniform(-1, 1, 5),
              "W3": rng.uniform(-1, 1, (5, 6)), "b3": rng.uniform(-1, 1, 6)}
    return {"X": first["x"], "y": np.array([0, 5, 2]), "params": params}


FLOAT32_NETWORK = _cancelling_network()


def _reference_cache(X, params):
    P, cache = ref.mlp_forward(as_tensor(X), **{k: as_tensor(v) for k, v in params.items()})
    return as_numpy(cache)


backward_inputs = network().map(lambda n: {**n, "cache": _reference_cache(n["X"], n["params"])})


@st.composite
def step_inputs(draw):
    n0, n1, c = draw(S.sizes(3, 2, 5, least=1))
    shapes = {"W1": (n0, n1), "b1": (n1,), "W2": (n1, c), "b2": (c,)}
    return {"params": {k: draw(S.arrays(s)) for k, s in shapes.items()},
            "grads": {k: draw(S.arrays(s)) for k, s in shapes.items()},
            "lr": draw(st.sampled_from([0.5, 0.1, 0.01]))}


@st.composite
def init_inputs(draw):
    """1 to 4 layers of distinct sizes, a seed, and another seed."""
    layers = draw(st.integers(1, 4))
    seed, other = draw(st.lists(st.integers(0, 2**16), min_size=2, max_size=2, unique=True))
    return {"layer_sizes": draw(S.sizes(layers + 1, 2, 9)), "seed": seed, "other_seed": other}


# -- judges for what is graded by statistics or accuracy -----------------------------------


def _param_shapes(params, layer_sizes) -> str | None:
    return param_shapes(params, layer_shapes(layer_sizes))


def init_shapes(got, inputs):
    problem = _param_shapes(got["params"], inputs["layer_sizes"])
    if problem:
        return "init_params " + problem
    expected = {f"{kind}{l}" for l in range(1, len(inputs["layer_sizes"])) for kind in "Wb"}
    extra = sorted(set(got["params"]) - expected)
    if extra:
        return (f"init_params({inputs['layer_sizes']}, ...) returned {extra[0]!r} too: a network with "
                f"{len(inputs['layer_sizes']) - 1} layer(s) has exactly {sorted(expected)}.")
    for key, value in got["params"].items():
        if key.startswith("b") and np.any(value != 0):
            return f"params[{key!r}] should be all zeros (the course notes initialise biases to 0)."
    return None


def init_seed(got, inputs):
    """The same seed gives the same parameters, another seed other ones, and no two layers share their draws."""
    sizes = inputs["layer_sizes"]
    for name in ("params", "params_again", "params_other"):
        if _param_shapes(got[name], sizes):
            return "init_params " + _param_shapes(got[name], sizes)
    weights = [k for k in got["params"] if k.startswith("W")]
    if any(not np.array_equal(got["params"][k], got["params_again"][k]) for k in weights):
        return (f"two calls init_params({sizes}, seed={inputs['seed']}) returned different weights: the same seed "
                "must give the same parameters (draw from np.random.default_rng(seed)).")
    if all(np.array_equal(got["params"][k], got["params_other"][k]) for k in weights):
        return (f"init_params({sizes}, seed={inputs['seed']}) and seed={inputs['other_seed']} returned the same "
                "weights: the `seed` argument seems to be ignored.")
    standard = [got["params"][k].ravel() * np.sqrt(got["params"][k].shape[0]) for k in weights]
    for i in range(len(standard)):
        for j in range(i + 1, len(standard)):
            n = min(standard[i].size, standard[j].size)
            if np.allclose(standard[i][:n], standard[j][:n], rtol=1e-12, atol=0):
                return (f"W{i + 1} and W{j + 1} start with the same random numbers (scaled): every layer seems to "
                        "draw from a generator seeded afresh; one generator should serve all the layers.")
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
            std = float(got["params"][f"W{l}"].std())
            return (f"params['W{l}'] (n_in = {n_in}) does not look like N(0, 1/n_in) draws: {problem} "
                    f"Expected std 1/sqrt(n_in) = {1 / np.sqrt(n_in):.5f}; got {std:.5f}."
                    f"{_known_scale(std, n_in, sizes[l])}")
    return None


def _known_scale(std: float, n_in: int, n_out: int) -> str:
    """Name a well-known scale when the measured std is within 2 % of it (over 10^4+ draws, far beyond chance)."""
    known = {"sqrt(2 / (n_in + n_out)), Xavier/Glorot's": np.sqrt(2 / (n_in + n_out)),
             "sqrt(2 / n_in), He's": np.sqrt(2 / n_in), "1 / sqrt(n_out): fan-in and fan-out swapped?": 1 / np.sqrt(n_out),
             "1 / n_in: the variance passed where numpy wants the standard deviation?": 1 / n_in}
    for name, value in known.items():
        if abs(std / value - 1) < 0.02:
            return f"\nLikely mistake: that std is {name}."
    return ""


TARGET_ACCURACY = 0.90
TASK = {"X": TRAIN_X, "y": TRAIN_Y, "layer_sizes": [2, 32, 32, 3], "lr": 1.0, "epochs": 500, "seed": 0}


def gradient_descent(params, X, y, lr, epochs):
    """`epochs` full-batch steps of gradient descent on the mean cross-entropy, gradients from autograd."""
    current = {k: as_tensor(v) for k, v in params.items()}
    for _ in range(epochs):
        t = {k: v.clone().requires_grad_(True) for k, v in current.items()}
        loss = ref.mlp_loss(as_tensor(X), as_tensor(y), **t)
        grads = torch.autograd.grad(loss, [t[k] for k in PARAMS])
        current = {k: t[k].detach() - lr * g for k, g in zip(PARAMS, grads)}
    return as_numpy(current)


def training_steps(got, inputs):
    """train_mlp(..., lr, epochs, seed) is exactly `epochs` gradient-descent steps from init_params(sizes, seed)."""
    problem = _param_shapes(got["init"], inputs["layer_sizes"]) or _param_shapes(got["params"], inputs["layer_sizes"])
    if problem:
        return "init_params or train_mlp " + problem
    if not all(np.isfinite(v).all() for v in got["init"].values()):
        return "init_params returned NaN or inf: the training cannot be replayed from it."
    expected = gradient_descent(got["init"], inputs["X"], inputs["y"], inputs["lr"], inputs["epochs"])
    message = compare("params", {k: got["params"][k] for k in PARAMS}, expected, Tolerance())
    if message:
        return (f"train_mlp(lr={inputs['lr']}, epochs={inputs['epochs']}) is not {inputs['epochs']} full-batch "
                f"gradient-descent step(s) of size lr from init_params(layer_sizes, seed):\n{message}")
    return None


def gradient_descent_curve(got, inputs, at):
    """The correct training's parameters after each number of epochs in `at`, from the student's init_params."""
    problem = _param_shapes(got.get("init"), inputs["layer_sizes"])
    if problem:
        raise ValueError(problem)
    return continued(lambda params, epochs: gradient_descent(params, inputs["X"], inputs["y"], inputs["lr"], epochs),
                     got["init"], at)


SMALL_X, SMALL_Y = np.array([[0.5, -1.0], [1.5, 0.25], [-1.0, 0.75]]), np.array([0, 1, 1])  # m = 3, 2 classes


@st.composite
def training_inputs(draw):
    return {"X": SMALL_X, "y": SMALL_Y, "layer_sizes": [2, 4, 5, 2], "lr": draw(st.sampled_from([0.5, 0.05, 2.0])),
            "epochs": draw(st.integers(1, 3)), "seed": draw(st.integers(0, 9))}


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


# -- common mistakes, as variants of the oracle ----------------------------------------------


def _np(fn, *args):
    """A reference formula evaluated on NumPy inputs, as NumPy."""
    return as_numpy(fn(*(as_tensor(a) for a in args)))


def _one_hot(y, classes):
    return np.eye(classes)[y]


def _softmax_rows(z):
    return _np(ref.softmax, z)


def _ce_grad_variant(z, y, scale=True, subtract=True):
    m, classes = z.shape
    d = _softmax_rows(z) - (_one_hot(y, classes) if subtract else 0.0)
    return d / m if scale else d


def _column_subtraction(z, y):
    d = _softmax_rows(z)
    d[:, y] -= 1.0
    return d / z.shape[0]


def _mlp_with(X, params, hidden=ref.tanh, output=ref.softmax):
    t = {k: as_tensor(v) for k, v in params.items()}
    A1 = hidden(as_tensor(X) @ t["W1"] + t["b1"])
    A2 = hidden(A1 @ t["W2"] + t["b2"])
    return as_numpy(output(A2 @ t["W3"] + t["b3"]))


def _mlp_grads(X, y, params, scale=1.0, derivative="A"):
    """The six gradients by hand, with the tanh derivative taken from A (right), Z (1 - Z^2) or left out."""
    P, cache = as_numpy(ref.mlp_forward(as_tensor(X), **{k: as_tensor(v) for k, v in params.items()}))
    m = X.shape[0]
    dZ3 = (P - _one_hot(y, P.shape[1])) / m * scale
    def local(l):
        if derivative == "none1":  # left out in layer 1 only
            return 1.0 if l == 1 else 1 - cache[f"A{l}"] ** 2
        return {"A": 1 - cache[f"A{l}"] ** 2, "Z": 1 - cache[f"Z{l}"] ** 2, "none": 1.0}[derivative]
    dZ2 = dZ3 @ params["W3"].T * local(2)
    dZ1 = dZ2 @ params["W2"].T * local(1)
    return {"grads": {"W3": cache["A2"].T @ dZ3, "b3": dZ3.sum(0), "W2": cache["A1"].T @ dZ2, "b2": dZ2.sum(0),
                      "W1": X.T @ dZ1, "b1": dZ1.sum(0)}}


MLP_MISTAKES = {
    "tanh": [
        mistake("derivative_of_z", "the derivative equals 1 - z^2: the formula 1 - tanh^2 seems to be applied to "
                "z itself rather than to tanh(z).", lambda z: {"da_dz": 1 - z ** 2}),
        mistake("derivative_sign", "the derivative equals tanh(z)^2 - 1, the negative of d tanh/dz.",
                lambda z: {"da_dz": np.tanh(z) ** 2 - 1}),
    ],
    "bce": [
        mistake("loss_summed", "the loss equals the sum over the batch, m times the mean the course notes use.",
                lambda a, y: {"loss": float(-np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)))}),
        mistake("grad_single_sample", "the gradient equals the single-sample formula (a - y) / (a (1 - a)), "
                "without the 1/m of the mean.", lambda a, y: {"dL_da": (a - y) / (a * (1 - a))}),
        mistake("grad_sign", "the gradient has the opposite sign: (y - a) in place of (a - y)?",
                lambda a, y: {"dL_da": (y - a) / (a * (1 - a)) / len(a)}),
        mistake("grad_wrt_logit", "the values equal (a - y)/m, the gradient with respect to the sigmoid's input z, "
                "not with respect to a.", lambda a, y: {"dL_da": (a - y) / len(a)}),
    ],
    "softmax": [
        mistake("columns", "the values are normalised over axis 0 (each column sums to 1), not over each row.",
                lambda z, y: {"p": np.exp(z - z.max(0)) / np.exp(z - z.max(0)).sum(0)}),
    ],
    "cross_entropy": [
        mistake("loss_summed", "the loss equals the sum over the batch, m times the mean.",
                lambda z, y: {"loss": float(-(_np(ref.log_softmax, z)[np.arange(len(y)), y]).sum())}),
        mistake("grad_no_1_over_m", "the gradient equals P - Y, without the 1/m of the mean.",
                lambda z, y: {"dz": _ce_grad_variant(z, y, scale=False)}),
        mistake("grad_no_one_hot", "the gradient equals P/m: the one-hot Y seems not to be subtracted.",
                lambda z, y: {"dz": _ce_grad_variant(z, y, subtract=False)}),
        mistake("grad_columns", "1 was subtracted from whole columns (d[:, y] -= 1) rather than from one entry "
                "per row.", lambda z, y: {"dz": _column_subtraction(z, y)}),
    ],
    "affine": [
        mistake("no_bias", "out equals x W without + b.", lambda x, W, b, dout, x2: {"out": x @ W}),
        mistake("db_mean", "db equals the mean of dout over the batch: a 1/m too many.",
                lambda x, W, b, dout, x2: {"db": dout.mean(0)}),
        mistake("db_first_row", "db equals the first row of dout: the other examples are not summed in.",
                lambda x, W, b, dout, x2: {"db": dout[0]}),
        mistake("dW_transposed", "dW equals dout^T x, the transpose of the gradient.",
                lambda x, W, b, dout, x2: {"dW": dout.T @ x}),
        mistake("second_batch", "the gradients are those of the second batch that went forward (x2), not of the "
                "cache passed in: is the cache kept somewhere global?",
                lambda x, W, b, dout, x2: {"dx": dout @ W.T, "dW": x2.T @ dout, "db": dout.sum(0)},
                checks=("dW",)),
    ],
    "mlp_forward": [
        mistake("sigmoid_hidden", "P equals the network with sigmoid hidden layers; these layers use tanh.",
                lambda X, y, params: {"P": _mlp_with(X, params, hidden=ref.sigmoid)}),
        mistake("no_softmax", "P equals the logits Z3: the softmax seems to be missing.",
                lambda X, y, params: {"P": _mlp_with(X, params, output=lambda z: z)}),
        mistake("softmax_columns", "P is normalised over the batch axis (each column sums to 1), not per row.",
                lambda X, y, params: {"P": _mlp_with(X, params, output=lambda z: torch.softmax(z, 0))}),
    ],
    "mlp_backward": [
        mistake("no_1_over_m", "every gradient is m times too large: dZ3 = P - Y without the 1/m of the mean.",
                lambda X, y, params, cache: _mlp_grads(X, y, params, scale=X.shape[0])),
        mistake("tanh_derivative_of_Z", "the gradients use 1 - Z^2 as the tanh derivative; it is 1 - A^2 "
                "(A = tanh(Z)).", lambda X, y, params, cache: _mlp_grads(X, y, params, derivative="Z")),
        mistake("no_tanh_derivative", "the gradients leave out the tanh derivative (1 - A^2) of the hidden layers.",
                lambda X, y, params, cache: _mlp_grads(X, y, params, derivative="none")),
        mistake("no_tanh_derivative_layer1", "dW1 and db1 leave out the tanh derivative (1 - A1^2) of the first "
                "hidden layer.", lambda X, y, params, cache: _mlp_grads(X, y, params, derivative="none1"),
                checks=("dW1", "db1")),
    ],
    "sgd": [
        mistake("ascent", "the parameters moved along +gradient: that is gradient ascent.",
                lambda params, grads, lr: {"new_params": {k: v + lr * grads[k] for k, v in params.items()}}),
        mistake("weights_only", "the weights moved but the biases did not.",
                lambda params, grads, lr: {"new_params": {
                    k: v - lr * grads[k] if k.startswith("W") else v for k, v in params.items()}}),
        mistake("no_lr", "the step is the whole gradient: the learning rate seems not to be applied.",
                lambda params, grads, lr: {"new_params": {k: v - grads[k] for k, v in params.items()}}),
    ],
}


# -- the exercises --------------------------------------------------------------------------

tanh = exercise(
    "mlp.tanh", "tanh and its derivative",
    calls=[call("tanh", "z", returns="a"), call("tanh_derivative", "z", returns="da_dz")],
    inputs=elementwise, examples=(ELEMENTWISE_EXAMPLE,),
    oracle=lambda z: {"a": as_numpy(ref.tanh(as_tensor(z))), "da_dz": elementwise_derivative(ref.tanh, z)},
    checks={"a": 1, "da_dz": 1},
    covers={"|z| >= 355": lambda i: np.abs(i["z"]).max() >= 355},
    mistakes=MLP_MISTAKES["tanh"],
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
    mistakes=MLP_MISTAKES["bce"],
)

softmax = exercise(
    "mlp.softmax", "numerically stable softmax",
    calls=[call("softmax", "z", returns="p")],
    inputs=classification_inputs(), examples=(CLASSIFICATION_EXAMPLE,),
    oracle=lambda z, y: {"p": as_numpy(ref.softmax(as_tensor(z)))},
    checks={"p": 2},
    covers={"logits >= 710": lambda i: i["z"].max() >= 710,
            "gap >= 745": lambda i: (i["z"].max(1) - i["z"].min(1)).max() >= 745},
    mistakes=MLP_MISTAKES["softmax"],
)

cross_entropy = exercise(
    "mlp.cross_entropy", "cross-entropy from logits and its gradient (P - Y)/m",
    builds_on=("mlp.softmax",),
    calls=[call("cross_entropy", "z", "y", returns="loss"), call("cross_entropy_grad", "z", "y", returns="dz")],
    inputs=classification_inputs(), examples=(CLASSIFICATION_EXAMPLE,),
    oracle=lambda z, y: forward_backward(ref.cross_entropy, {"z": z, "y": y}, out="loss", grads={"z": "dz"}),
    checks={"loss": 1, "dz": 1},
    covers={"m >= 2": lambda i: len(i["y"]) >= 2, "m != C": lambda i: i["z"].shape[0] != i["z"].shape[1],
            "logits >= 710": lambda i: i["z"].max() >= 710,
            "gap >= 745": lambda i: (i["z"].max(1) - i["z"].min(1)).max() >= 745},
    mistakes=MLP_MISTAKES["cross_entropy"],
)

# Two forward passes (x, then x2) before the backward pass of the first: a cache kept in a global fails.
BACKWARD_AFTER_TWO_FORWARDS = ("out2",)

affine = exercise(
    "mlp.affine", "affine layer forward and backward",
    calls=[call("affine_forward", "x", "W", "b", returns=("out", "cache")),
           call("affine_forward", "x2", "W", "b", returns=("out2", "cache2")),
           call("affine_backward", "dout", "cache", returns=("dx", "dW", "db"))],
    inputs=affine_inputs(), examples=(FLOAT32_AFFINE,),
    oracle=lambda x, W, b, dout, x2: forward_backward(ref.affine, {"x": x, "W": W, "b": b}, out="out",
                                                      grads={"x": "dx", "W": "dW", "b": "db"}, dout=dout),
    checks=[Check("out", 1)] + [Check(g, 1, needs=BACKWARD_AFTER_TWO_FORWARDS) for g in ("dx", "dW", "db")],
    covers={"m >= 2": lambda i: i["x"].shape[0] >= 2, "n_in != n_out": lambda i: i["W"].shape[0] != i["W"].shape[1],
            "m != n_in": lambda i: i["x"].shape[0] != i["x"].shape[1],
            "float32 intermediates fail": lambda i: i["W"].min() > 50},
    mistakes=MLP_MISTAKES["affine"],
)

mlp_forward = exercise(
    "mlp.mlp_forward", "the 3-layer MLP forward pass with its cache",
    builds_on=("mlp.softmax",),
    calls=[call("mlp_forward", "X", "params", returns=("P", "cache"))],
    inputs=network(), examples=(FLOAT32_NETWORK,),
    oracle=lambda X, y, params: dict(zip(("P", "cache"), as_numpy(
        ref.mlp_forward(as_tensor(X), **{k: as_tensor(v) for k, v in params.items()})))),
    checks={"P": 2, "cache": 1},
    covers={"all sizes distinct": lambda i: len({i["X"].shape[0], *i["X"].shape[1:], *(
        v.shape[1] for k, v in i["params"].items() if k.startswith("W"))}) == 5,
            "logits >= 710": lambda i: np.abs(i["params"]["b3"]).max() >= 710,
            "logit gaps >= 745": lambda i: np.ptp(i["params"]["b3"]) >= 745},
    mistakes=MLP_MISTAKES["mlp_forward"],
)

mlp_backward = exercise(
    "mlp.mlp_backward", "backpropagation to all six parameter gradients",
    calls=[call("mlp_backward", "y", "params", "cache", returns="grads")],
    inputs=backward_inputs,
    oracle=lambda X, y, params, cache: {"grads": forward_backward(
        ref.mlp_loss, {"X": X, "y": y, **params}, out="loss", grads={k: k for k in PARAMS})},
    checks=[Check(f"d{k}", 1, output=f"grads.{k}") for k in PARAMS],
    covers={"m >= 2": lambda i: i["X"].shape[0] >= 2, "nonzero biases": lambda i: np.abs(i["params"]["b1"]).max() > 0,
            "logits >= 710": lambda i: np.abs(i["params"]["b3"]).max() >= 710},
    mistakes=MLP_MISTAKES["mlp_backward"],
)

init_params = exercise(
    "mlp.init_params", "the course notes' initialisation N(0, 1/n_in), graded statistically",
    calls=[call("init_params", "layer_sizes", "seed", returns="params"),
           call("init_params", "layer_sizes", "seed", returns="params_again"),
           call("init_params", "layer_sizes", "other_seed", returns="params_other")],
    inputs=init_inputs(),
    checks=[Check("shapes", 1, output="params", judge=init_shapes),
            Check("seed", 1, output="params_again", judge=init_seed, needs=("params", "params_other")),
            Check("distribution", 2, output="params", judge=init_distribution, max_examples=1,
                  inputs=st.just({"layer_sizes": [500, 400, 300, 200], "seed": 2024, "other_seed": 7}))],
    covers={"1 layer": lambda i: len(i["layer_sizes"]) == 2, "4 layers": lambda i: len(i["layer_sizes"]) == 5},
)

sgd_step = exercise(
    "mlp.sgd_step", "a gradient-descent step",
    calls=[call("sgd_step", "params", "grads", "lr", returns="new_params")],
    inputs=step_inputs(), mutable=("params",),
    oracle=lambda params, grads, lr: {"new_params": as_numpy(ref.sgd_step(
        {k: as_tensor(v) for k, v in params.items()}, {k: as_tensor(v) for k, v in grads.items()}, lr))},
    checks={"new_params": 2},
    mistakes=MLP_MISTAKES["sgd"],
)

train_mlp = exercise(
    "mlp.train_mlp", f"training on 2-D spirals to {TARGET_ACCURACY:.0%} held-out accuracy",
    builds_on=("mlp.mlp_forward", "mlp.mlp_backward", "mlp.sgd_step", "mlp.init_params"),
    calls=[call("train_mlp", "X", "y", "layer_sizes", "lr", "epochs", "seed", returns="params"),
           call("init_params", "layer_sizes", "seed", returns="init")],
    inputs=st.just(TASK),
    checks=[Check("steps", 1, output="params", judge=training_steps, needs=("init",), inputs=training_inputs(),
                  max_examples=6),
            Check("accuracy", 3, output="params", judge=held_out_accuracy)],
    max_examples=1, seconds=60.0, picture="decision_regions",
    curve=Curve(output="params", inputs=TASK, vary="epochs", at=(1, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 400),
                measure=spiral_scores, reference=gradient_descent_curve, needs=("init",),
                targets={"held-out accuracy": TARGET_ACCURACY}),
)
