"""The transformer oracle (reference/transformer.py) checked against torch built-ins and torch.autograd.gradcheck,
the input strategies' guarantees, the dropout statistics, and the declared misconceptions.

Inputs come from the grader's own strategies (autograder/exercises/transformer.py), so they cover the same regimes:
Lq != Lk, masks with -inf entries and finite biases, scores beyond 710, odd d_model, rows at scale 0.01. Values
and gradients must agree with the built-in within the rule of autograder/compare.py made 1e4 to 1e6 times tighter.
"""
import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.autograd import gradcheck

import reference.transformer as ref
from autograder import strategies as S
from autograder.exercises import transformer as E
from autograder.model import catalog, select
from test_correct_variants import draws
from test_reference_cnn import close, t

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def same_vjp(mine, builtin, inputs, upstream, rtol=1e-12):
    """Values and vector-Jacobian products of two functions of the same tensors agree."""
    got, expected = mine(*inputs), builtin(*inputs)
    close(got, expected, rtol)
    for g, e in zip(torch.autograd.grad(got, inputs, upstream), torch.autograd.grad(expected, inputs, upstream)):
        close(g, e, rtol)


def mask_of(inputs):
    return None if inputs["mask"] is None else t(inputs["mask"])


# -- attention and the causal mask ------------------------------------------------------------------


@SETTINGS
@given(st.one_of(E.attention_inputs(), E.attention_inputs(bias=True)))
@example(E.ATTENTION_EXAMPLES[0])
@example(E.ATTENTION_EXAMPLES[1])
def test_attention_against_scaled_dot_product_attention(inputs):
    Q, K, V = (t(inputs[k], grad=True) for k in "QKV")
    mask = mask_of(inputs)
    same_vjp(lambda Q, K, V: ref.attention(Q, K, V, mask)[0],
             lambda Q, K, V: F.scaled_dot_product_attention(Q, K, V, attn_mask=mask), (Q, K, V), t(inputs["dout"]),
             rtol=1e-10)  # scores up to ~3000: the two orders of rounding differ by ~1e-13 relative
    weights = ref.attention(Q, K, V, mask)[1]
    close(weights.sum(-1), torch.ones(weights.shape[:-1]))
    if mask is not None:
        assert (weights[..., torch.isneginf(mask)] == 0).all()


def test_attention_gradcheck():
    inputs = E.ATTENTION_EXAMPLES[1]
    Q, K, V = (t(inputs[k][:1, :2], grad=True) for k in "QKV")
    assert gradcheck(lambda Q, K, V: ref.attention(Q, K, V, t(inputs["mask"]))[0], (Q, K, V))


@pytest.mark.parametrize("T", [1, 2, 5, 9])
def test_causal_mask(T):
    mask = ref.causal_mask(T)
    assert torch.equal(mask, nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64))
    g = torch.Generator().manual_seed(T)
    Q, K, V = (torch.randn(2, 3, T, 4, generator=g) for _ in range(3))
    close(ref.attention(Q, K, V, mask)[0], F.scaled_dot_product_attention(Q, K, V, is_causal=True))
    keep = torch.ones(T, T).tril().bool()  # SDPA's boolean masks: True = may attend
    close(ref.attention(Q, K, V, mask)[0], F.scaled_dot_product_attention(Q, K, V, attn_mask=keep))
    if T > 1:  # the course notes' matrix, 0 if i <= j and -inf if i > j, is the anti-causal one
        notes = torch.where(torch.arange(T)[:, None] <= torch.arange(T)[None, :], 0.0, -math.inf)
        assert torch.equal(notes, mask.T)
        assert not torch.allclose(ref.attention(Q, K, V, notes)[0],
                                  F.scaled_dot_product_attention(Q, K, V, is_causal=True))


def test_mask_placement_matters_only_for_finite_masks():
    """CONVENTIONS.md 8.3: (QK^T + M)/sqrt(d) equals QK^T/sqrt(d) + M for 0/-inf masks, not for a finite bias."""
    inputs = E.ATTENTION_EXAMPLES[1]
    Q, K, V = (t(inputs[k]) for k in "QKV")
    inside = E._attention_variant(mask_inside=True)
    for mask in (t(inputs["mask"]), t(inputs["mask"]) + 0.5):
        finite = bool(torch.isfinite(mask).all())
        same = torch.allclose(inside(Q, K, V, mask)[0], ref.attention(Q, K, V, mask)[0], rtol=1e-12, atol=1e-14)
        assert same != finite or not (mask != 0).any()


# -- multi-head attention ---------------------------------------------------------------------------


def per_head_sdpa(x_q, x_kv, W_Q, W_K, W_V, W_O, n_heads, mask):
    """The notes' MultiHead written head by head with F.scaled_dot_product_attention: Concat(head_i) W_O."""
    d_k, d_v = W_Q.shape[1] // n_heads, W_V.shape[1] // n_heads
    heads = [F.scaled_dot_product_attention(x_q @ W_Q[:, i * d_k:(i + 1) * d_k], x_kv @ W_K[:, i * d_k:(i + 1) * d_k],
                                            x_kv @ W_V[:, i * d_v:(i + 1) * d_v], attn_mask=mask)
             for i in range(n_heads)]
    return torch.cat(heads, dim=-1) @ W_O


@SETTINGS
@given(E.mha_inputs())
@example(E.MHA_EXAMPLES[0])
@example(E.MHA_EXAMPLES[1])
def test_multi_head_attention_against_per_head_sdpa(inputs):
    """General d_k != d_v and h d_k != d_model: against a loop over heads of the built-in attention."""
    tensors = (t(inputs["x_q"], grad=True), t(inputs["x_kv"], grad=True),
               *(t(inputs["params"][k], grad=True) for k in ref.ATTENTION_PARAMS))
    h, mask = inputs["n_heads"], mask_of(inputs)
    same_vjp(lambda *a: ref.multi_head_attention(*a, h, mask), lambda *a: per_head_sdpa(*a, h, mask), tensors,
             t(inputs["dout"]), rtol=1e-10)


def builtin_mha(W_Q, W_K, W_V, W_O, n_heads):
    """nn.MultiheadAttention holding the weights (CONVENTIONS.md, section 4): in_proj from the blocks, no biases."""
    d_model = W_Q.shape[0]
    mha = nn.MultiheadAttention(d_model, n_heads, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([W_Q.T, W_K.T, W_V.T], 0))
        mha.in_proj_bias.zero_()
        mha.out_proj.weight.copy_(W_O.T)
        mha.out_proj.bias.zero_()
    return mha


@pytest.mark.parametrize("n_heads, d_k, Lq, Lk, causal", [(2, 3, 3, 5, False), (3, 2, 4, 4, True), (3, 3, 2, 3, False)])
def test_multi_head_attention_against_nn_multihead_attention(n_heads, d_k, Lq, Lk, causal):
    d_model = n_heads * d_k
    g = torch.Generator().manual_seed(d_model + Lq)
    W = [torch.randn(d_model, d_model, generator=g) / d_model ** 0.5 for _ in range(4)]
    x_q, x_kv = torch.randn(2, Lq, d_model, generator=g), torch.randn(2, Lk, d_model, generator=g)
    if causal:
        x_kv = x_q
    mask = ref.causal_mask(Lq) if causal else torch.where(torch.rand(Lq, Lk, generator=g) < 0.3, -math.inf, 0.0)
    mask[:, 0] = 0.0
    expected, weights = builtin_mha(*W, n_heads)(x_q, x_kv, x_kv, attn_mask=mask, need_weights=True)
    close(ref.multi_head_attention(x_q, x_kv, *W, n_heads, mask), expected)
    Q, K, V = (ref.split_heads(x @ w, n_heads) for x, w in ((x_q, W[0]), (x_kv, W[1]), (x_kv, W[2])))
    close(ref.attention(Q, K, V, mask)[1].mean(dim=1), weights)  # nn.MHA averages the heads' weights


def test_multi_head_attention_gradcheck():
    inputs = E.MHA_EXAMPLES[0]
    tensors = (t(inputs["x_q"][:1], grad=True), t(inputs["x_kv"][:1], grad=True),
               *(t(inputs["params"][k], grad=True) for k in ref.ATTENTION_PARAMS))
    assert gradcheck(lambda *a: ref.multi_head_attention(*a, inputs["n_heads"], t(inputs["mask"])), tensors,
                     fast_mode=True)


# -- positional encoding ------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(1, 60), st.integers(1, 17))
def test_positional_encoding_against_the_complex_exponential(T, d_model):
    """PE[:, 2k] = Im e^{i pos w_k}, PE[:, 2k+1] = Re e^{i pos w_k}, w_k = exp(-2k ln(10000) / d_model)."""
    pe = ref.positional_encoding(T, d_model)
    k = torch.arange(0, d_model, 2, dtype=torch.float64)
    rotation = torch.exp(1j * torch.arange(T, dtype=torch.float64)[:, None] * torch.exp(-k * math.log(1e4) / d_model))
    close(pe[:, 0::2], rotation.imag, atol=1e-13)
    close(pe[:, 1::2], rotation.real[:, :d_model // 2], atol=1e-13)


def test_positional_encoding_shifts_by_a_rotation():
    """PE[pos + k] = PE[pos] R_k: each (sin, cos) pair turns by the angle k w_i (CONVENTIONS.md, section 4)."""
    d_model, k = 8, 5
    pe = ref.positional_encoding(40, d_model)
    w = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    c, s = torch.cos(k * w), torch.sin(k * w)
    sin, cos = pe[:-k, 0::2], pe[:-k, 1::2]
    close(pe[k:, 0::2], sin * c + cos * s, atol=1e-13)
    close(pe[k:, 1::2], cos * c - sin * s, atol=1e-13)
    assert torch.equal(ref.positional_encoding(3, 5)[0], torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0]))


# -- layer norm, FFN, the encoder layer --------------------------------------------------------------


@SETTINGS
@given(E.layer_norm_inputs())
def test_layer_norm_against_nn_layer_norm(inputs):
    x, gamma, beta = (t(inputs[k], grad=True) for k in ("x", "gamma", "beta"))
    module = nn.LayerNorm(x.shape[-1], eps=inputs["eps"], dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(gamma)
        module.bias.copy_(beta)
    up = t(inputs["dout"])
    out = ref.layer_norm(x, gamma, beta, inputs["eps"])
    expected = module(x)
    # A constant row (var = 0) multiplies the round-off of its mean by 1/sqrt(eps): ~1e-13 apart
    close(out, expected, rtol=1e-10, atol=1e-12)
    close(out, F.layer_norm(x, x.shape[-1:], gamma, beta, inputs["eps"]), rtol=1e-10, atol=1e-12)
    for g, e in zip(torch.autograd.grad(out, (x, gamma, beta), up),
                    torch.autograd.grad(expected, (x, module.weight, module.bias), up)):
        close(g, e, rtol=1e-9, atol=1e-12)
    assert gradcheck(lambda x, g, b: ref.layer_norm(x, g, b, inputs["eps"]), (x[:1], gamma, beta), fast_mode=True)


def test_layer_norm_eps_matters_at_small_scale():
    """CONVENTIONS.md 8.10: without eps the result differs by about 0.24 at scale 0.01."""
    x = 0.01 * torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
    ones, zeros = torch.ones(16), torch.zeros(16)
    assert (ref.layer_norm(x, ones, zeros) - ref.layer_norm(x, ones, zeros, 0.0)).abs().max() > 0.05


@SETTINGS
@given(E.ffn_inputs())
def test_ffn_against_nn_linear_relu_linear(inputs):
    d_model, d_ff = inputs["W1"].shape
    net = nn.Sequential(nn.Linear(d_model, d_ff, dtype=torch.float64), nn.ReLU(),
                        nn.Linear(d_ff, d_model, dtype=torch.float64))
    x = t(inputs["x"], grad=True)
    with torch.no_grad():
        net[0].weight.copy_(t(inputs["W1"]).T), net[0].bias.copy_(t(inputs["b1"]))
        net[2].weight.copy_(t(inputs["W2"]).T), net[2].bias.copy_(t(inputs["b2"]))
    same_vjp(lambda x: ref.ffn(x, *(t(inputs[k]) for k in ("W1", "b1", "W2", "b2"))), net, (x,), t(inputs["dout"]))
    assert (t(inputs["x"]) @ t(inputs["W1"]) + t(inputs["b1"])).abs().min() >= 1e-3 * (1 - 1e-9)


def builtin_encoder_layer(params, n_heads, norm_first=False):
    """nn.TransformerEncoderLayer(norm_first, dropout=0, batch_first) holding the exercise's weights, attention
    biases zero (the notes' multi-head attention has none)."""
    d_model, d_ff = params["W1"].shape
    layer = nn.TransformerEncoderLayer(d_model, n_heads, d_ff, dropout=0.0, batch_first=True, norm_first=norm_first,
                                       dtype=torch.float64)
    p = {k: t(v) for k, v in params.items()}
    attention = builtin_mha(p["W_Q"], p["W_K"], p["W_V"], p["W_O"], n_heads)
    with torch.no_grad():
        layer.self_attn.load_state_dict(attention.state_dict())
        for module, w, b in ((layer.linear1, "W1", "b1"), (layer.linear2, "W2", "b2")):
            module.weight.copy_(p[w].T)
            module.bias.copy_(p[b])
        for module, g, b in ((layer.norm1, "gamma1", "beta1"), (layer.norm2, "gamma2", "beta2")):
            module.weight.copy_(p[g])
            module.bias.copy_(p[b])
    return layer.train()  # train mode with dropout 0: the plain path, not the fused inference kernel


def builtin_grads(layer):
    """The layer's parameter gradients under the exercise's names and layout."""
    d = layer.self_attn.in_proj_weight.shape[1]
    w = layer.self_attn.in_proj_weight.grad
    return {"W_Q": w[:d].T, "W_K": w[d:2 * d].T, "W_V": w[2 * d:].T, "W_O": layer.self_attn.out_proj.weight.grad.T,
            "gamma1": layer.norm1.weight.grad, "beta1": layer.norm1.bias.grad, "W1": layer.linear1.weight.grad.T,
            "b1": layer.linear1.bias.grad, "W2": layer.linear2.weight.grad.T, "b2": layer.linear2.bias.grad,
            "gamma2": layer.norm2.weight.grad, "beta2": layer.norm2.bias.grad}


@settings(SETTINGS, max_examples=15)
@given(E.encoder_inputs())
@example(E.ENCODER_EXAMPLES[0])
@example(E.ENCODER_EXAMPLES[1])
def test_encoder_layer_against_nn_transformer_encoder_layer(inputs):
    """The oracle (values and every gradient) = nn.TransformerEncoderLayer(norm_first=False, dropout=0)."""
    expected = E.encoder_oracle()(**copy.deepcopy(inputs))
    layer = builtin_encoder_layer(inputs["params"], inputs["n_heads"])
    x = t(inputs["x"], grad=True)
    out = layer(x)
    out.backward(t(inputs["dout"]))
    close(out, expected["out"], rtol=1e-10)
    # Scores beyond 1e4 saturate the softmax: the gradients through it are ~1e-12, 1 - weight cancels, and two
    # correct computations differ by ~1e-12 there (compare.py allows 1e-9)
    close(x.grad, expected["dx"], rtol=1e-8, atol=1e-10)
    for k, g in builtin_grads(layer).items():
        close(g, expected["grads"][k], rtol=1e-8, atol=1e-10)


def test_encoder_layer_gradcheck_and_the_pre_ln_variant():
    inputs = E.ENCODER_EXAMPLES[0]
    x, h = t(inputs["x"][:1], grad=True), inputs["n_heads"]
    params = {k: t(v, grad=True) for k, v in inputs["params"].items()}
    assert gradcheck(lambda x, *p: ref.encoder_layer(x, *p, n_heads=h), (x, *params.values()), fast_mode=True)
    with torch.no_grad():  # the misconception "pre-LN" is exactly PyTorch's norm_first=True
        pre = E._encoder_variant("pre")(t(inputs["x"]), **{k: t(v) for k, v in inputs["params"].items()}, n_heads=h)
        close(pre, builtin_encoder_layer(inputs["params"], h, norm_first=True)(t(inputs["x"])), rtol=1e-10)


@settings(SETTINGS, max_examples=10)
@given(E.encoder_inputs())
@example(E.ENCODER_EXAMPLES[1])
def test_encoder_inputs_stay_away_from_the_relu_kink(inputs):
    p = {k: t(v) for k, v in inputs["params"].items()}
    x = t(inputs["x"])
    y = ref.layer_norm(x + ref.multi_head_attention(x, x, *(p[k] for k in ref.ATTENTION_PARAMS), inputs["n_heads"]),
                       p["gamma1"], p["beta1"])
    assert (y @ p["W1"] + p["b1"]).abs().min() >= 1e-3 * (1 - 1e-9)
    assert all((p[g] != 1).all() for g in ("gamma1", "gamma2"))


@SETTINGS
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    S.arrays((n, 3), -3, 3), S.arrays(3, -3, 3))))
def test_clear_of_zero_moves_the_bias_out_of_every_margin(case):
    pre, b = case
    moved = E.clear_of_zero(pre, b, margin=0.5)
    assert np.abs(pre + moved).min() >= 0.5 * (1 - 1e-9)
    kept = np.abs(pre + b).min(axis=0) >= 0.5
    assert np.array_equal(moved[kept], b[kept])  # a bias already clear is not moved


# -- loss, schedule, dropout, parameter count ---------------------------------------------------------


@SETTINGS
@given(E.smoothing_inputs())
@example(E.SMOOTHING_EXAMPLES[0])
def test_label_smoothing_against_f_cross_entropy(inputs):
    logits, y, eps = t(inputs["logits"], grad=True), torch.tensor(inputs["y"]), inputs["epsilon"]
    V = logits.shape[-1]
    same_vjp(lambda z: ref.label_smoothing_cross_entropy(z, y, eps),
             lambda z: F.cross_entropy(z.reshape(-1, V), y.reshape(-1), label_smoothing=eps), (logits,), None)


def test_label_smoothing_over_v_minus_one_differs():
    """CONVENTIONS.md, section 4: spreading eps over the V - 1 other classes is another (non-PyTorch) convention."""
    inputs = E.SMOOTHING_EXAMPLES[0]
    z, y = t(inputs["logits"]), torch.tensor(inputs["y"])
    other = E._smoothed(lambda e, V: 1 - e, lambda e, V: e / (V - 1))(z, y, 0.1)
    assert abs(float(other - ref.label_smoothing_cross_entropy(z, y, 0.1))) > 1e-4


@pytest.mark.parametrize("d_model, warmup", [(512, 4000), (16, 7), (64, 2)])
def test_noam_against_lambda_lr(d_model, warmup):
    """LambdaLR(lambda e: noam(e + 1)) with base lr 1 gives, after s - 1 scheduler steps, the lr of step s."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: float(ref.noam(e + 1, d_model, warmup)))
    steps = range(1, min(3 * warmup, 600) + 1)
    seen = []
    for _ in steps:
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    close(torch.tensor(seen), ref.noam(torch.tensor(list(steps)), d_model, warmup))
    if warmup == 4000:  # the peak d^-0.5 w^-0.5
        assert abs(float(ref.noam(4000, 512, 4000)) - 6.987712e-4) < 1e-9


def test_noam_at_step_zero_is_undefined():
    with pytest.raises(ZeroDivisionError):
        torch.optim.lr_scheduler.LambdaLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0),
                                          lambda e: 512 ** -0.5 * min(e ** -0.5, e * 4000 ** -1.5))


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9])
def test_dropout_replayed_with_nn_dropouts_own_mask(p):
    x = torch.rand(4, 5, 6, generator=torch.Generator().manual_seed(1)) + 0.5  # nonzero: out == 0 marks a drop
    torch.manual_seed(0)
    expected = nn.Dropout(p).train()(x)
    close(ref.dropout(x, (expected != 0).double(), p), expected)
    assert torch.equal(nn.Dropout(p).eval()(x), x)


def test_drop_rate_judge_passes_correct_masks_and_fails_biased_or_shared_ones():
    x = E.RATE_X
    for seed in range(5):
        rng = np.random.default_rng(seed)
        for p in (0.2, 0.7):
            inputs = {"x": x, "p": p}
            mask = (rng.random(x.shape) >= p) / (1 - p)
            assert E.drop_rate_judge({"mask": mask}, inputs) is None
            assert "dropped" in E.drop_rate_judge({"mask": (rng.random(x.shape) < p) / (1 - p)}, inputs)  # p kept
            for axis in range(3):  # one slice, with exactly a fraction p dropped, repeated along the axis
                one = np.take(mask, [0], axis=axis)
                exact = rng.permutation(one.size) >= round(p * one.size)
                shared = np.broadcast_to(exact.reshape(one.shape) / (1 - p), x.shape)
                assert "not drawn independently" in E.drop_rate_judge({"mask": shared}, inputs)
    assert E.hoeffding_deviation(20000, 1e-7) < 0.021


@pytest.mark.parametrize("d_model, n_heads, d_ff", [(512, 8, 2048), (6, 2, 5), (9, 3, 1), (4, 1, 16)])
def test_encoder_layer_param_count(d_model, n_heads, d_ff):
    """numel() of nn.TransformerEncoderLayer = the count written out (4 d^2 + 2 d d_ff weights, 2 d gammas, and
    with biases 4 d + d_ff + d + 2 d more); the paper's layer has 3,152,384."""
    weights = 4 * d_model ** 2 + 2 * d_model * d_ff + 2 * d_model
    assert ref.encoder_layer_param_count(d_model, n_heads, d_ff, False) == weights
    assert ref.encoder_layer_param_count(d_model, n_heads, d_ff, True) == weights + 7 * d_model + d_ff
    assert ref.encoder_layer_param_count(512, 8, 2048, True) == 3_152_384


# -- misconceptions -----------------------------------------------------------------------------------

EXERCISES = select(catalog(), ["transformer"])
MISTAKES = [(ex, m) for ex in EXERCISES for m in ex.mistakes]


def lookup(value, path):
    for key in path:
        value = value[key]
    return value


def differs(a, b) -> bool:
    if isinstance(b, dict):
        return any(differs(a[k], b[k]) for k in b)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("ex, m", MISTAKES, ids=[f"{ex.id}-{m.name}" for ex, m in MISTAKES])
def test_each_mistake_differs_from_the_oracle_on_the_graded_inputs(ex, m):
    """Every declared misconception changes the output of some check it names (all of them, when it names them)
    on the inputs that check is graded on, so that it can be told apart from a correct answer."""
    assert m.hint.strip().endswith((".", "?")) and "oracle" not in m.hint.lower()
    named = [c for c in ex.checks if c.name in m.checks]
    assert len(named) == len(m.checks), f"{m.name} names a check {ex.id} does not have"
    candidates = named or list(ex.checks)
    shown = set()
    for check in candidates:
        strategy = ex.inputs if check.inputs is None else check.inputs
        inputs = [*(ex.examples if check.inputs is None else ()), *draws(strategy, 15)]
        for i in inputs:
            variant = m.oracle(**copy.deepcopy(i))
            if check.path[0] not in variant:
                continue
            if differs(lookup(variant, check.path), lookup(ex.oracle(**copy.deepcopy(i)), check.path)):
                shown.add(check.name)
                break
    assert shown == {c.name for c in named} if named else shown, f"{m.name} never differs on {ex.id}"


def test_every_exercise_declares_misconceptions():
    assert all(ex.mistakes for ex in EXERCISES)


@SETTINGS
@given(st.one_of(E.attention_inputs(large=True), E.mha_inputs(large=True)))
def test_large_score_inputs_reach_1000(inputs):
    """The inputs of the "scores beyond 710" checks: the largest visible score is 1000 (all-zero draws aside)."""
    if "Q" in inputs:
        scores = E.visible_scores(inputs["Q"], inputs["K"], inputs["mask"])
    else:
        scores = E.mha_scores(inputs["x_q"], inputs["x_kv"], inputs["params"], inputs["n_heads"], inputs["mask"])
    if np.any(np.nan_to_num(scores)):
        assert abs(np.nanmax(scores) - 1000.0) < 1e-9


@SETTINGS
@given(st.one_of(E.attention_inputs(large=True), E.mha_inputs(large=True)))
def test_large_score_forward_against_the_builtins(inputs):
    """Forward values at scores of 1000 (gradients there are ill-conditioned; see the exercise module's docstring)."""
    mask = mask_of(inputs)
    if "Q" in inputs:
        Q, K, V = (t(inputs[k]) for k in "QKV")
        close(ref.attention(Q, K, V, mask)[0], F.scaled_dot_product_attention(Q, K, V, attn_mask=mask), rtol=1e-10)
    else:
        args = (t(inputs["x_q"]), t(inputs["x_kv"]), *(t(inputs["params"][k]) for k in ref.ATTENTION_PARAMS))
        close(ref.multi_head_attention(*args, inputs["n_heads"], mask), per_head_sdpa(*args, inputs["n_heads"], mask),
              rtol=1e-10)
