"""The cnn oracle (reference/cnn.py) checked against torch built-ins and torch.autograd.gradcheck.

Inputs come from the grader's own strategies (autograder/exercises/cnn.py), so they cover the same
regimes: strides that do not divide H + 2P - K, rectangular kernels and pools, overlapping windows,
features of scale 0.01, both batch-norm modes. Values and gradients must agree with the built-in within
the rule of autograder/compare.py made a million times tighter (rtol 1e-12, atol 1e-14 scaled by
max(1, max|expected|)).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.autograd import gradcheck

import reference.cnn as ref
from autograder import strategies as S
from autograder.exercises import cnn as E

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)


def t(x, grad=False):
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


def close(got, expected, rtol=1e-12, atol=1e-14):
    got, expected = (np.asarray(v.detach() if isinstance(v, torch.Tensor) else v) for v in (got, expected))
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    err = np.abs(got - expected)
    assert np.all(err <= rtol * np.abs(expected) + atol * scale), f"max abs error {err.max():.3g}"


def same_vjp(mine, builtin, inputs, upstream):
    """Values and vector-Jacobian products of two functions of the same tensors agree."""
    got, expected = mine(*inputs), builtin(*inputs)
    close(got, expected)
    for g, e in zip(torch.autograd.grad(got, inputs, upstream), torch.autograd.grad(expected, inputs, upstream)):
        close(g, e)


@SETTINGS
@given(E.relu_inputs())
def test_relu(inputs):
    z = t(inputs["z"], grad=True)
    same_vjp(ref.relu, F.relu, (z,), t(inputs["dout"]))
    assert gradcheck(ref.relu, (t(inputs["z"][:2, :2], grad=True),))


@SETTINGS
@given(E.conv_inputs())
@example(E.CONV_EXAMPLE)
def test_conv2d(inputs):
    x, w, b = (t(inputs[k], grad=True) for k in ("x", "w", "b"))
    s, p = inputs["stride"], inputs["pad"]
    same_vjp(lambda x, w, b: ref.conv2d(x, w, b, s, p), lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p),
             (x, w, b), t(inputs["dout"]))
    assert gradcheck(lambda x, w, b: ref.conv2d(x, w, b, s, p), (x[:2], w, b))


@pytest.mark.parametrize("distinct, mine, builtin", [(True, ref.max_pool2d, F.max_pool2d),
                                                     (False, ref.avg_pool2d, F.avg_pool2d)],
                         ids=["max_pool", "avg_pool"])
def test_pooling(distinct, mine, builtin):
    @SETTINGS
    @given(E.pool_inputs(distinct))
    @example(E.POOL_EXAMPLE)
    @example(E.POOL_EXAMPLE_2X2)
    def check(inputs):
        x = t(inputs["x"], grad=True)
        ph, pw, s = inputs["pool_height"], inputs["pool_width"], inputs["stride"]
        same_vjp(lambda x: mine(x, ph, pw, s), lambda x: builtin(x, (ph, pw), stride=s), (x,), t(inputs["dout"]))
        assert gradcheck(lambda x: mine(x, ph, pw, s), (x,))  # max: differentiable, the values are distinct

    check()


@SETTINGS
@given(E.flatten_inputs())
def test_flatten(inputs):
    x = t(inputs["x"], grad=True)
    same_vjp(ref.flatten, lambda x: torch.flatten(x, 1), (x,), t(inputs["dout"]))
    same_vjp(ref.flatten, nn.Flatten(), (x,), t(inputs["dout"]))


def builtin_batchnorm(inputs, spatial):
    """nn.BatchNorm1d/2d holding gamma, beta and the running statistics, in the input's mode."""
    x = inputs["x"]
    module = (nn.BatchNorm2d if spatial else nn.BatchNorm1d)(x.shape[1], eps=inputs["eps"], momentum=inputs["momentum"],
                                                            dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(t(inputs["gamma"]))
        module.bias.copy_(t(inputs["beta"]))
        module.running_mean.copy_(t(inputs["running_mean"]))
        module.running_var.copy_(t(inputs["running_var"]))
    return module.train(inputs["mode"] == "train")


def check_batchnorm(inputs, spatial):
    mine_fn = ref.spatial_batchnorm if spatial else ref.batchnorm
    training = inputs["mode"] == "train"
    x, gamma, beta = (t(inputs[k], grad=True) for k in ("x", "gamma", "beta"))
    rm, rv = t(inputs["running_mean"]), t(inputs["running_var"])
    out, new_mean, new_var = mine_fn(x, gamma, beta, rm, rv, training, inputs["momentum"], inputs["eps"])
    module = builtin_batchnorm(inputs, spatial)
    expected = module(x)
    close(out, expected)
    close(new_mean, module.running_mean)
    close(new_var, module.running_var)
    functional = F.batch_norm(x, rm.clone(), rv.clone(), gamma, beta, training, inputs["momentum"], inputs["eps"])
    close(out, functional)
    up = t(inputs["dout"])
    mine_grads = torch.autograd.grad(out, (x, gamma, beta), up)
    builtin_grads = torch.autograd.grad(expected, (x, module.weight, module.bias), up)
    for g, e in zip(mine_grads, builtin_grads):
        close(g, e, rtol=1e-10)  # batch norm's backward cancels: the two orders of summation differ by ~1e-13
    assert gradcheck(lambda x, g, b: mine_fn(x, g, b, rm, rv, training, inputs["momentum"], inputs["eps"])[0],
                     (x, gamma, beta), fast_mode=True)


@SETTINGS
@given(st.one_of(E.batchnorm_inputs("train"), E.batchnorm_inputs("eval")))
def test_batchnorm_against_batchnorm1d(inputs):
    check_batchnorm(inputs, spatial=False)


@SETTINGS
@given(E.batchnorm_inputs(spatial=True))
def test_spatial_batchnorm_against_batchnorm2d(inputs):
    check_batchnorm(inputs, spatial=True)


def test_batchnorm_running_variance_is_unbiased_and_the_normalisation_biased():
    x = t([[1.0, -2.0], [3.0, 0.5], [-1.0, 4.0]])
    out, _, new_var = ref.batchnorm(x, torch.ones(2), torch.zeros(2), torch.zeros(2), torch.ones(2), True, 0.1, 0.0)
    close(out, (x - x.mean(0)) / x.var(0, unbiased=False).sqrt())
    close(new_var, 0.9 + 0.1 * x.var(0, unbiased=True))


# -- arithmetic ------------------------------------------------------------------------------


@SETTINGS
@given(E.conv_size_inputs())
@example(E.CONV_SIZE_EXAMPLES[0])
@example(E.CONV_SIZE_EXAMPLES[1])
def test_conv_output_shape(inputs):
    H_out, W_out = ref.conv_output_shape(**inputs)
    x = torch.zeros(1, 1, inputs["H"], inputs["W"])
    w = torch.zeros(1, 1, inputs["HH"], inputs["WW"])
    assert ref.conv2d(x, w, torch.zeros(1), inputs["stride"], inputs["pad"]).shape[2:] == (H_out, W_out)
    if inputs["pad"] == 0:  # pools (no padding) follow the same size rule
        assert F.max_pool2d(x, (inputs["HH"], inputs["WW"]), inputs["stride"]).shape[2:] == (H_out, W_out)
        assert F.avg_pool2d(x, (inputs["HH"], inputs["WW"]), inputs["stride"]).shape[2:] == (H_out, W_out)


def test_conv_output_shape_floors():
    assert ref.conv_output_shape(7, 8, 3, 3, 2, 0) == (3, 3)
    assert ref.conv_output_shape(32, 32, 3, 3, 1, 1) == (32, 32)


@SETTINGS
@given(st.fixed_dictionaries({"C_in": st.integers(1, 64), "C_out": st.integers(1, 64), "HH": st.integers(1, 7),
                              "WW": st.integers(1, 7)}))
def test_conv_param_count(inputs):
    conv = nn.Conv2d(inputs["C_in"], inputs["C_out"], (inputs["HH"], inputs["WW"]))
    assert ref.conv_param_count(**inputs) == conv.weight.numel() + conv.bias.numel()


def test_conv_param_count_of_the_seed():
    assert ref.conv_param_count(3, 16, 3, 3) == 448 and ref.conv_param_count(16, 32, 3, 3) == 4640


# -- receptive field -------------------------------------------------------------------------


def corrected(layers):
    rf, jump = 1, 1
    for _, k, s in layers:
        rf, jump = rf + (k - 1) * jump, jump * s
    return rf, jump


def seed_literal(layers):
    rf, jump = 1, 1
    for _, k, s in layers:
        jump *= s
        rf += (k - 1) * jump
    return rf


def stack(*pairs, kind="conv"):
    return [(kind, k, s) for k, s in pairs]


@pytest.mark.parametrize("layers, rf, literal", [  # CONVENTIONS.md, section 2: measured RF and the seed's recursion
    (stack((3, 1), (3, 1)), 5, 5),
    (stack((3, 2), (3, 1)), 7, 9),
    (E.SEED_CIFAR_STACK, 10, 13),
    ([("conv", 7, 2), ("pool", 3, 2), ("conv", 3, 1), ("conv", 3, 1)], 27, 37),
    (stack((5, 1), (3, 2), (3, 2), (1, 1)), 11, 17),
])
def test_receptive_field_table(layers, rf, literal):
    assert ref.receptive_field(layers)[0] == rf == corrected(layers)[0]
    assert seed_literal(layers) == literal


@SETTINGS
@given(E.rf_inputs)
def test_receptive_field_matches_the_corrected_recursion(inputs):
    assert ref.receptive_field(inputs["layers"]) == corrected(inputs["layers"])


def test_receptive_field_with_a_real_max_pool_under_measures():
    """Why the oracle uses average pools: a max-pool gradient reaches only the argmax (CIFAR stack: 8, not 10)."""
    x = torch.rand(1, 1, 22, 22, generator=torch.Generator().manual_seed(0), requires_grad=True)
    h = F.max_pool2d(F.conv2d(x, torch.ones(1, 1, 3, 3)), 2)
    h = F.max_pool2d(F.conv2d(h, torch.ones(1, 1, 3, 3)), 2)
    (g,) = torch.autograd.grad(h[0, 0, 1, 1], x)
    rows = torch.nonzero(g[0, 0].abs().sum(dim=1) > 0).flatten()
    assert int(rows.max() - rows.min()) + 1 < 10


# -- the CIFAR CNN ---------------------------------------------------------------------------


def test_cifar_counts_and_shapes():
    net = ref.cifar_cnn()
    per_layer = [sum(p.numel() for p in layer.parameters()) for layer in ref.cifar_parametrised(net)]
    assert per_layer == [448, 4640, 262_272, 1290] and sum(per_layer) == 268_650
    mlp = sum(p.numel() for p in ref.equivalent_mlp().parameters())
    assert mlp == 411_146
    assert abs(100 * (mlp - 268_650) / mlp - 34.6582) < 1e-4 and abs(100 * (mlp - 268_650) / 268_650 - 53.04) < 0.01
    got = E.cifar_arithmetic_oracle(3)
    assert got["shapes"] == [(3, 16, 32, 32), (3, 16, 32, 32), (3, 16, 16, 16), (3, 32, 16, 16), (3, 32, 16, 16),
                             (3, 32, 8, 8), (3, 2048), (3, 128), (3, 128), (3, 10)]
    assert got["layer_params"] == per_layer and got["mlp_total"] == mlp


@pytest.mark.parametrize("seed", E.CIFAR_SEEDS)
def test_cifar_inputs_stay_away_from_kinks(seed):
    """Every ReLU input is >= 1e-6 from 0; in every pooling window with a positive maximum, it leads the
    runner-up by >= 1e-6 (windows of negatives are all 0 after ReLU and pass no gradient). Correct code agrees
    with the oracle to ~1e-15, so no argmax or ReLU branch can differ."""
    inputs = E.cifar_inputs(seed)
    p = {k: t(v) for k, v in inputs["params"].items()}
    z1 = ref.conv2d(t(inputs["x"]), p["W1"], p["b1"], 1, 1)
    z2 = ref.conv2d(ref.max_pool2d(ref.relu(z1), 2, 2, 2), p["W2"], p["b2"], 1, 1)
    z3 = ref.flatten(ref.max_pool2d(ref.relu(z2), 2, 2, 2)) @ p["W3"] + p["b3"]
    assert min(float(z.abs().min()) for z in (z1, z2, z3)) >= 1e-6
    for z in (z1, z2):
        top = ref._windows(z, 2, 2, 2).flatten(-2).topk(2, dim=-1).values
        leads = top[..., 0] - top[..., 1]
        assert float(leads[top[..., 0] > 0].min()) >= 1e-6
    assert len(set(inputs["y"])) == len(inputs["y"])


@pytest.mark.parametrize("seed", E.CIFAR_SEEDS)
def test_cifar_cnn_modules_match_the_seed_formulas(seed):
    """nn.Sequential holding the exercise's weights (the oracle) = the same network from this module's ops."""
    inputs = E.cifar_inputs(seed)
    x, y = t(inputs["x"]), torch.tensor(inputs["y"])
    mine = {k: t(v, grad=True) for k, v in inputs["params"].items()}
    scores = ref.cifar_cnn_ops(x, *(mine[k] for k in ref.CIFAR_PARAMS))
    loss = F.cross_entropy(scores, y)
    expected = E.cifar_oracle(inputs["x"], inputs["y"], inputs["params"])
    close(scores, expected["scores"])
    close(loss, expected["loss"])
    for k, g in zip(ref.CIFAR_PARAMS, torch.autograd.grad(loss, [mine[k] for k in ref.CIFAR_PARAMS])):
        close(g, expected["grads"][k], rtol=1e-10)  # different summation orders in conv and pooling backward
    params = tuple(mine[k] for k in ref.CIFAR_PARAMS)
    assert gradcheck(lambda *p: F.cross_entropy(ref.cifar_cnn_ops(x, *p), y), params, fast_mode=True)


# -- the strategies that avoid kinks by construction -------------------------------------------


@SETTINGS
@given(st.tuples(st.integers(1, 40), st.integers(1, 4)).flatmap(lambda s: S.distinct_arrays(s, -2, 2)))
def test_distinct_arrays_have_separated_values(x):
    v = np.sort(x.ravel())
    assert -2 <= v[0] and v[-1] <= 2
    assert np.diff(v).min(initial=np.inf) >= 4 / (2 * x.size) - 1e-12


@SETTINGS
@given(S.nonzero_arrays((3, 4)))
def test_nonzero_arrays_stay_away_from_zero(z):
    assert np.abs(z).min() >= 0.1 and np.abs(z).max() <= 2.0
