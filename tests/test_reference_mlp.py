"""The mlp oracle (reference/mlp.py) checked against torch built-ins and torch.autograd.gradcheck.

Inputs come from the grader's own strategies (autograder/exercises/mlp.py), so they cover the same
regimes: |z| = 400, 800, 1000 for tanh/sigmoid, logits shifted by up to +-1000 with row gaps > 745.
Values and gradients must agree with the built-in within the rule of autograder/compare.py made a
million times tighter (rtol 1e-12, atol 1e-14 scaled by max(1, max|expected|)).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from torch.autograd import gradcheck

import reference.mlp as ref
from autograder.exercises import mlp as E
from autograder.oracle import elementwise_derivative, forward_backward
from autograder.statistics import standard_normal_test

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)
HUGE_Z = {"z": np.array([[-1000.0, -800.0, -400.0, -1e-300], [400.0, 800.0, 1000.0, 0.0]])}
SHIFTED = {"z": np.array([[-1000.0, -1001.5, -999.0], [1000.0, -600.0, 200.0], [3.0, 1.0, 2.0]]),
           "y": np.array([1, 2, 0])}  # rows shifted by -1000, a gap of 1600 > 745


def t(x, grad=False):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


def close(got, expected, rtol=1e-12, atol=1e-14):
    got, expected = (np.asarray(v.detach() if isinstance(v, torch.Tensor) else v) for v in (got, expected))
    assert got.shape == expected.shape and np.all(np.isfinite(got) == np.isfinite(expected))
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    err = np.abs(got - expected)
    assert np.all(err <= rtol * np.abs(expected) + atol * scale), f"max abs error {err.max():.3g}"


def grads(value, wrt, upstream=None):
    return torch.autograd.grad(value, wrt, grad_outputs=upstream)


def upstream_like(x):
    """A generic, deterministic upstream gradient of x's shape."""
    return torch.cos(torch.arange(x.numel(), dtype=torch.float64) * 1.7 + 0.3).reshape(x.shape)


@SETTINGS
@given(E.elementwise)
@example(HUGE_Z)
def test_tanh(inputs):
    z = t(inputs["z"], grad=True)
    a = ref.tanh(z)
    close(a, torch.tanh(z))
    close(grads(a.sum(), z)[0], 1 - torch.tanh(z) ** 2)
    small = t(np.clip(inputs["z"], -6, 6)[:2, :3], grad=True)
    assert gradcheck(ref.tanh, (small,))


@SETTINGS
@given(E.elementwise)
@example(HUGE_Z)
def test_sigmoid(inputs):
    z = t(inputs["z"], grad=True)
    s = ref.sigmoid(z)
    close(s, torch.sigmoid(z))
    close(grads(s.sum(), z)[0], grads(torch.sigmoid(z).sum(), z)[0])
    small = t(np.clip(inputs["z"], -6, 6)[:2, :3], grad=True)
    assert gradcheck(ref.sigmoid, (small,))


@SETTINGS
@given(E.bce_inputs())
def test_binary_cross_entropy(inputs):
    a, y = t(inputs["a"], grad=True), t(inputs["y"])
    loss, expected = ref.binary_cross_entropy(a, y), F.binary_cross_entropy(a, y)  # reduction="mean"
    close(loss, expected)
    close(grads(loss, a)[0], grads(expected, a)[0])
    assert gradcheck(lambda a: ref.binary_cross_entropy(a, y), (a,))


@SETTINGS
@given(E.classification_inputs())
@example(E.CLASSIFICATION_EXAMPLE)
@example(SHIFTED)
def test_softmax_and_log_softmax(inputs):
    z = t(inputs["z"], grad=True)
    for mine, builtin in ((ref.softmax, torch.softmax), (ref.log_softmax, torch.log_softmax)):
        got, expected = mine(z), builtin(z, dim=1)
        close(got, expected)
        up = upstream_like(z)
        close(grads(got, z, up)[0], grads(expected, z, up)[0])
        assert gradcheck(mine, (z,))


@SETTINGS
@given(E.classification_inputs())
@example(E.CLASSIFICATION_EXAMPLE)
@example(SHIFTED)
def test_cross_entropy(inputs):
    z, y = t(inputs["z"], grad=True), torch.tensor(inputs["y"])
    loss, expected = ref.cross_entropy(z, y), F.cross_entropy(z, y)
    close(loss, expected)
    close(grads(loss, z)[0], grads(expected, z)[0])
    assert gradcheck(lambda z: ref.cross_entropy(z, y), (z,))


@SETTINGS
@given(E.affine_inputs())
def test_affine(inputs):
    x, W, b = (t(inputs[k], grad=True) for k in ("x", "W", "b"))
    out, expected = ref.affine(x, W, b), F.linear(x, W.T, b)
    close(out, expected)
    up = t(inputs["dout"])
    for g, e in zip(grads(out, (x, W, b), up), grads(expected, (x, W, b), up)):
        close(g, e)
    assert gradcheck(ref.affine, (x, W, b))


def sequential(params):
    """nn.Sequential(Linear, Tanh, Linear, Tanh, Linear) holding the same parameters (weight = W.T)."""
    layers = []
    for l in (1, 2, 3):
        W, b = params[f"W{l}"], params[f"b{l}"]
        linear = torch.nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(t(W.T))
            linear.bias.copy_(t(b))
        layers += [linear, torch.nn.Tanh()] if l < 3 else [linear]
    return torch.nn.Sequential(*layers)


@SETTINGS
@given(E.network())
def test_mlp_forward_and_loss(inputs):
    X, y = t(inputs["X"]), torch.tensor(inputs["y"])
    mine = {k: t(v, grad=True) for k, v in inputs["params"].items()}
    net = sequential(inputs["params"])
    P, cache = ref.mlp_forward(X, **mine)
    h, outputs = X, []
    for layer in net:
        h = layer(h)
        outputs.append(h)
    for name, expected in zip(("Z1", "A1", "Z2", "A2", "Z3"), outputs):
        close(cache[name], expected)
    close(P, torch.softmax(h, dim=1))
    loss, expected = ref.mlp_loss(X, y, **mine), F.cross_entropy(h, y)
    close(loss, expected)
    expected.backward()
    for g, (name, value) in zip(grads(loss, list(mine.values())), mine.items()):
        linear = net[2 * (int(name[1]) - 1)]
        close(g, linear.weight.grad.T if name[0] == "W" else linear.bias.grad)
    params = tuple(mine[k] for k in E.PARAMS)  # fast_mode: random projections of the Jacobians
    assert gradcheck(lambda *p: ref.mlp_loss(X, y, *p), params, fast_mode=True)
    assert gradcheck(lambda *p: ref.mlp_forward(X, *p)[0], params, fast_mode=True)


@SETTINGS
@given(E.step_inputs())
def test_sgd_step(inputs):
    params = {k: torch.nn.Parameter(t(v)) for k, v in inputs["params"].items()}
    got = ref.sgd_step({k: t(v) for k, v in inputs["params"].items()},
                       {k: t(v) for k, v in inputs["grads"].items()}, inputs["lr"])
    for k, p in params.items():
        p.grad = t(inputs["grads"][k])
    torch.optim.SGD(params.values(), lr=inputs["lr"]).step()
    assert got.keys() == params.keys()
    for k in params:
        close(got[k], params[k])
    names = list(params)
    assert gradcheck(lambda *pg: tuple(ref.sgd_step(dict(zip(names, pg[:len(names)])),
                                                    dict(zip(names, pg[len(names):])), inputs["lr"]).values()),
                     tuple(t(inputs[d][k], grad=True) for d in ("params", "grads") for k in names))


def test_forward_backward_on_an_affine_layer():
    x, W, b = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 0.0]]), np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 4.0]]), \
        np.array([0.1, -0.2, 0.3])
    dout = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5], [-0.5, 3.0, 1.0]])
    got = forward_backward(ref.affine, {"x": x, "W": W, "b": b}, out="out",
                           grads={"x": "dx", "W": "dW", "b": "db"}, dout=dout)
    expected = {"out": x @ W + b, "dx": dout @ W.T, "dW": x.T @ dout, "db": dout.sum(axis=0)}
    assert got.keys() == expected.keys()
    for k in expected:
        assert isinstance(got[k], np.ndarray) and got[k].dtype == np.float64
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-15, atol=1e-15)
    loss = forward_backward(ref.cross_entropy, SHIFTED, out="loss", grads={"z": "dz"})
    assert isinstance(loss["loss"], float)


def test_elementwise_derivative_of_tanh():
    z = HUGE_Z["z"] / 200  # [-5, 5], with 0 and a tiny value
    # 1.3e-13 relative measured at |z| = 5, where the derivative is 1.8e-4 (2e-17 absolute)
    np.testing.assert_allclose(elementwise_derivative(ref.tanh, z), 1 / np.cosh(z) ** 2, rtol=1e-12)
    assert np.all(elementwise_derivative(ref.tanh, HUGE_Z["z"])[np.abs(HUGE_Z["z"]) >= 400] == 0)


# -- standard_normal_test at the grader's alpha -------------------------------------------------
# Sizes: 20 correct samples of 10,000; the wrong distributions at 60,000, the size of the grader's
# smallest layer (W3 of [500, 400, 300, 200]), so each is rejected in every layer. (At 10,000 the
# test would be too weak for two of them: over seeds 0..19 a mean of 0.05 has z = 5 < 5.33 and is
# caught 4 times in 20, variance 1.1x 19 times in 20; that is why the graded layers are large.)

ALPHA = 1e-7  # as in autograder/exercises/mlp.py: init_distribution
N_REJECT = 300 * 200


@pytest.mark.parametrize("seed", range(20))
def test_standard_normal_test_accepts_normal_draws(seed):
    assert standard_normal_test(np.random.default_rng(seed).standard_normal(10_000), ALPHA) is None


WRONG = {  # name: (sampler of n values, the test that must reject it)
    "variance 1.1x": (lambda r, n: r.standard_normal(n) * np.sqrt(1.1), "variance"),
    "Xavier 2/(n_in+n_out), not 1/n_in": (lambda r, n: r.standard_normal(n) * np.sqrt(2 * 400 / (400 + 300)),
                                          "variance"),
    "uniform, unit variance": (lambda r, n: r.uniform(-np.sqrt(3), np.sqrt(3), n), "not normal"),
    "mean 0.05": (lambda r, n: r.standard_normal(n) + 0.05, "mean"),
    "Student-t(5), unit variance": (lambda r, n: r.standard_t(5, n) / np.sqrt(5 / 3), "not normal"),
}


@pytest.mark.parametrize("name", WRONG)
def test_standard_normal_test_rejects(name):
    sample, reason = WRONG[name]
    message = standard_normal_test(sample(np.random.default_rng(7), N_REJECT), ALPHA)
    assert message is not None and reason in message, message
