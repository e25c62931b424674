"""transformer: the course notes' "Attention Is All You Need" section. Solutions: solutions/transformer.py;
oracle: reference/transformer.py.

Inputs have Lq != Lk and d_k != d_v, batch * heads >= 2, odd and even d_model, heads h >= 2 with d_k < d_model,
masks with a fully visible row and a partly masked one (never a fully masked row), scores beyond 710 (a softmax
without the max shift overflows), layer-norm rows at scale 0.01 (where eps matters), gamma != 1 and beta != 0.
Scores beyond 710 are graded on the forward output alone, by a check with its own inputs: a gradient through
scores of ~1000 is ill-conditioned in float64 (their rounding, ~1e-13, reaches the gradients multiplied by the
size of the keys and values), so two correct codes can disagree there by 1e-8; at moderate scores they agree to
1e-12, where the gradients are graded.
ReLU kinks are avoided by construction: the FFN's first bias is moved so that every pre-activation is at least
1e-3 from 0 (clear_of_zero). Dropout is graded by replaying the oracle with the student's own mask and by
exact-bound statistics of the mask, never by comparing random draws. Each exercise lists common misconceptions
(`mistakes`) as variants of the oracle; tests/test_reference_transformer.py checks that each one differs.
"""
import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reference.transformer as ref
from autograder import strategies as S
from autograder.compare import Tolerance, compare, describe_type, fmt_array
from autograder.model import Check, call, exercise, mistake
from autograder.oracle import as_numpy, as_tensor, forward_backward, vector_jacobian

# -- strategies ---------------------------------------------------------------------------------

LARGE_SCORE = 1000.0  # exp(710) overflows float64: a softmax without the max shift gives inf / inf = nan


def values(shape, low=-2.0, high=2.0):
    """float64 arrays with entries in [low, high] rounded to 2 decimals: generic enough, and a failing input that
    Hypothesis shrinks reads 0.41 or -1.8 rather than 7.2e-294."""
    return S.arrays(shape, low, high).map(lambda a: np.round(a, 2) + 0.0)  # + 0.0: no -0.0


def seeded(rng, shape, low=-2.0, high=2.0):
    """Uniform values rounded to 2 decimals (readable in feedback), for inputs too large to draw entry by entry."""
    return rng.uniform(low, high, shape).round(2)


@st.composite
def additive_masks(draw, Lq, Lk):
    """(Lq, Lk) masks of 0 and -inf: row 0 sees every key, every row sees at least one, the last row hides one."""
    hidden = draw(hnp.arrays(np.bool_, (Lq, Lk), elements=st.booleans())).copy()
    seen = draw(hnp.arrays(np.int64, Lq, elements=st.integers(0, Lk - 1)))
    hidden[0] = False
    hidden[np.arange(Lq), seen] = False
    hidden[-1, (seen[-1] + 1) % Lk] = True
    return np.where(hidden, -np.inf, 0.0)


def visible_scores(Q, K, mask):
    """Q K^T / sqrt(d_k) where the mask lets the query see the key (NaN elsewhere)."""
    scores = Q @ np.swapaxes(K, -1, -2) / math.sqrt(Q.shape[-1])
    return scores if mask is None else np.where(np.isneginf(mask), np.nan, scores)


def scaled_to_large_scores(Q, scores):
    """Q scaled so that the visible score of largest magnitude becomes +LARGE_SCORE (scores are linear in Q)."""
    if not np.any(np.nan_to_num(scores)):
        return Q  # all zero: nothing to scale (Hypothesis's simplest draw)
    peak = scores.flat[np.nanargmax(np.abs(scores))]
    return Q * (LARGE_SCORE / peak)


@st.composite
def attention_inputs(draw, bias=False, large=False):
    """Q, K, V with leading axes (B,) or (B, h), Lq != Lk and d_k != d_v; the mask is None or 0/-inf, or
    (bias=True, for the placement check) a finite additive bias with some -inf entries. large=True: Q scaled so
    that the largest visible score is 1000."""
    Lq, Lk, d_k, d_v = draw(S.sizes(4, 2, 5, least=(1, 2, 1, 1)))  # a mask hides one key of two
    lead = draw(st.sampled_from([(2,), (3,), (2, 3), (3, 2)]))
    Q, K, V = draw(values(lead + (Lq, d_k))), draw(values(lead + (Lk, d_k))), draw(values(lead + (Lk, d_v)))
    mask = draw(st.one_of(st.none(), additive_masks(Lq, Lk)))
    if bias:
        mask = (np.zeros((Lq, Lk)) if mask is None else mask) + draw(values((Lq, Lk), -3, 3))
    if large:
        Q = scaled_to_large_scores(Q, visible_scores(Q, K, mask))
    return {"Q": Q, "K": K, "V": V, "mask": mask, "dout": draw(values(lead + (Lq, d_v)))}


def _fixed(shape, seed, low=-2.0, high=2.0):
    return seeded(np.random.default_rng(seed), shape, low, high)


# The first example that fails is the one a student sees, so the small ones come first: a 3-D batch without a
# mask; then batch and heads (2, 3), Lq = 3 != Lk = 4, d_k = 2 != d_v = 5, a mask whose row 0 is fully visible and
# whose other rows are partly masked.
ATTENTION_EXAMPLES = (
    {"Q": _fixed((2, 4, 3), 15), "K": _fixed((2, 2, 3), 16), "V": _fixed((2, 2, 5), 17), "mask": None,
     "dout": _fixed((2, 4, 5), 18)},
    {"Q": _fixed((2, 3, 3, 2), 11), "K": _fixed((2, 3, 4, 2), 12), "V": _fixed((2, 3, 4, 5), 13),
     "mask": np.array([[0.0, 0, 0, 0], [0, -np.inf, 0, -np.inf], [-np.inf, 0, -np.inf, -np.inf]]),
     "dout": _fixed((2, 3, 3, 5), 14)},
)


def masked_rows(mask):
    """(has a fully visible row, has a partly masked row) of a 0/-inf mask."""
    hidden = np.isneginf(mask)
    return bool((~hidden).all(axis=1).any()), bool((hidden.any(axis=1) & ~hidden.all(axis=1)).any())


ATTENTION_COVERS = {
    "batch * heads >= 2": lambda i: int(np.prod(i["Q"].shape[:-2])) >= 2,
    "leading axes (B, h)": lambda i: i["Q"].ndim == 4,
    "Lq != Lk and d_k != d_v": lambda i: i["Q"].shape[-2] != i["K"].shape[-2] and i["Q"].shape[-1] != i["V"].shape[-1],
    "no mask": lambda i: i["mask"] is None,
    "a fully visible row and a partly masked row": lambda i: i["mask"] is not None and all(masked_rows(i["mask"])),
}


@st.composite
def mha_inputs(draw, large=False):
    """Cross-attention (Lq != Lk) or self-attention (x_kv = x_q, sometimes causal); h in {2, 3}, d_k != d_v,
    d_model odd or even and not always h * d_k. large=True: cross-attention with x_q scaled so that the largest
    visible score of any head is 1000."""
    B, n_heads = draw(S.size(2, 3, least=1)), draw(S.size(2, 3, least=1))
    d_k, d_v = draw(S.sizes(2, 2, 4, least=1).filter(lambda s: n_heads not in s or n_heads == 1))
    d_model = draw(st.integers(max(1, n_heads * d_k - 1), n_heads * d_k + 1))
    kind = "cross" if large else draw(st.sampled_from(["cross", "cross", "self"]))
    Lq, Lk = draw(S.sizes(2, 2, 5, least=(1, 2)))
    x_q = draw(values((B, Lq, d_model)))
    x_kv = x_q.copy() if kind == "self" else draw(values((B, Lk, d_model)))
    Lk = x_kv.shape[1]
    mask = draw(st.one_of(st.none(), additive_masks(Lq, Lk),
                          st.just(as_numpy(ref.causal_mask(Lq))) if kind == "self" else st.nothing()))
    shapes = {"W_Q": (d_model, n_heads * d_k), "W_K": (d_model, n_heads * d_k), "W_V": (d_model, n_heads * d_v),
              "W_O": (n_heads * d_v, d_model)}
    params = {k: draw(values(shape, -1, 1)) for k, shape in shapes.items()}
    if large:  # cross-attention: the scores are linear in x_q
        x_q = scaled_to_large_scores(x_q, mha_scores(x_q, x_kv, params, n_heads, mask))
    return {"x_q": x_q, "x_kv": x_kv, "params": params, "n_heads": n_heads, "mask": mask,
            "dout": draw(values((B, Lq, d_model)))}


def mha_scores(x_q, x_kv, params, n_heads, mask):
    """Every head's visible scores (B, h, Lq, Lk)."""
    split = lambda x: as_numpy(ref.split_heads(as_tensor(x), n_heads))  # noqa: E731
    return visible_scores(split(x_q @ params["W_Q"]), split(x_kv @ params["W_K"]), mask)


def _mha_example(B, Lq, Lk, d_model, n_heads, d_k, d_v, seed, mask=None):
    rng = np.random.default_rng(seed)
    x_q = seeded(rng, (B, Lq, d_model))
    x_kv = x_q.copy() if Lk is None else seeded(rng, (B, Lk, d_model))
    params = {"W_Q": seeded(rng, (d_model, n_heads * d_k), -1, 1), "W_K": seeded(rng, (d_model, n_heads * d_k), -1, 1),
              "W_V": seeded(rng, (d_model, n_heads * d_v), -1, 1), "W_O": seeded(rng, (n_heads * d_v, d_model), -1, 1)}
    return {"x_q": x_q, "x_kv": x_kv, "params": params, "n_heads": n_heads, "mask": mask,
            "dout": seeded(rng, (B, Lq, d_model))}


MHA_EXAMPLES = (
    # causal self-attention, B = 3, T = 4, d_model = 6 = h d_k with h = 3, d_k = 2, d_v = 4
    _mha_example(3, 4, None, 6, 3, 2, 4, 22, mask=as_numpy(ref.causal_mask(4))),
    # cross-attention, B = 2, Lq = 2 != Lk = 3, d_model = 5 (odd), h = 2, d_k = 3, d_v = 4, a mask
    _mha_example(2, 2, 3, 5, 2, 3, 4, 21, mask=np.array([[0.0, 0, 0], [0, -np.inf, 0]])),
)


def _mha_sizes(i):
    """(d_model, h, d_k, d_v) of an MHA input."""
    h = i["n_heads"]
    return i["x_q"].shape[-1], h, i["params"]["W_Q"].shape[1] // h, i["params"]["W_V"].shape[1] // h


MHA_COVERS = {
    "h >= 2 and d_k < d_model": lambda i: _mha_sizes(i)[1] >= 2 and _mha_sizes(i)[2] < _mha_sizes(i)[0],
    "cross-attention with Lq != Lk": lambda i: i["x_q"].shape[1] != i["x_kv"].shape[1],
    "self-attention with the causal mask": lambda i: i["mask"] is not None and i["mask"].shape[0] == i["mask"].shape[1]
    and np.array_equal(i["mask"], as_numpy(ref.causal_mask(i["mask"].shape[0]))),
    "odd d_model": lambda i: _mha_sizes(i)[0] % 2 == 1,
    "even d_model": lambda i: _mha_sizes(i)[0] % 2 == 0,
    "h * d_k != d_model": lambda i: _mha_sizes(i)[1] * _mha_sizes(i)[2] != _mha_sizes(i)[0],
    "d_k != d_v": lambda i: _mha_sizes(i)[2] != _mha_sizes(i)[3],
    "a fully visible row and a partly masked row": lambda i: i["mask"] is not None and all(masked_rows(i["mask"])),
}


@st.composite
def layer_norm_inputs(draw):
    """x (B, T, D) with B, T, D distinct, each position at its own scale (0.01, 1 or 5) and shift; gamma, beta."""
    B, T, D = draw(S.sizes(3, 2, 5, least=(1, 1, 2)))  # a norm over one entry is always 0
    scale = draw(S.arrays((B, T, 1), elements=st.sampled_from([0.01, 1.0, 5.0])))
    return {"x": draw(values((B, T, D))) * scale + draw(values((B, T, 1), -3, 3)),
            "gamma": draw(values(D, -2, 2)), "beta": draw(values(D)), "eps": draw(st.sampled_from([1e-5, 1e-3])),
            "dout": draw(values((B, T, D)))}


LAYER_NORM_COVERS = {
    "B, T, D distinct (T > 1)": lambda i: len(set(i["x"].shape)) == 3 and i["x"].shape[1] > 1,
    "a position at scale 0.01": lambda i: (i["x"].std(axis=-1) < 0.05).any(),
    "gamma != 1, beta != 0": lambda i: (i["gamma"] != 1).all() and (i["beta"] != 0).any(),
    "eps = 1e-5": lambda i: i["eps"] == 1e-5,
}


def clear_of_zero(pre, b, margin=1e-3):
    """b moved, column by column, as little as possible so that every pre[..., j] + b[j] is >= margin from 0.

    The forbidden values of b[j] are the intervals (-v - margin, -v + margin) around each -v, v in pre[..., j];
    the nearest allowed value is b[j] itself or an end of one of them.
    """
    columns = pre.reshape(-1, pre.shape[-1])
    b = np.array(b, dtype=np.float64)
    for j in range(b.size):
        v = columns[:, j]
        candidates = np.concatenate([[b[j]], -v - margin, -v + margin])
        allowed = [c for c in candidates if np.abs(v + c).min() >= margin * (1 - 1e-9)]
        b[j] = min(allowed, key=lambda c: abs(c - b[j]))
    return b


@st.composite
def ffn_inputs(draw):
    """x (B, T, d_model) with B, T, d_model, d_ff distinct; b1 clear of the ReLU kink."""
    B, T, d_model, d_ff = draw(S.sizes(4, 2, 5, least=1))
    x, W1 = draw(values((B, T, d_model))), draw(values((d_model, d_ff), -1, 1))
    return {"x": x, "W1": W1, "b1": clear_of_zero(x @ W1, draw(values(d_ff, -1, 1))),
            "W2": draw(values((d_ff, d_model), -1, 1)), "b2": draw(values(d_model)),
            "dout": draw(values((B, T, d_model)))}


# (h, d_k) of the encoder layers: d_model = h d_k is 6, 8, 9 (odd) or 15 (odd); 3 when the sizes are small (a layer
# norm over 2 entries gives +-1 whatever they are).
ENCODER_HEADS = [(2, 3), (3, 2), (2, 4), (3, 3), (3, 5)]
SMALL_ENCODER_HEADS = [(1, 3), (3, 1)]


def encoder_example(B, T, n_heads, d_k, d_ff, seed, x_scale=1.0):
    """An encoder layer's input from `seed`: x ~ U(-2, 2) * x_scale, weights ~ U(-1, 1), gamma in [0.5, 1.5]
    (never 1), beta and the biases in [-0.5, 0.5], values rounded to 2 decimals; b1 then moved clear of the ReLU
    kink for this x."""
    d_model = n_heads * d_k
    rng = np.random.default_rng(seed)
    params = {k: seeded(rng, (d_model, d_model), -1, 1) for k in ref.ATTENTION_PARAMS}
    params.update(gamma1=seeded(rng, d_model, 0.5, 1.5), beta1=seeded(rng, d_model, -0.5, 0.5),
                  W1=seeded(rng, (d_model, d_ff), -1, 1), b1=seeded(rng, d_ff, -0.5, 0.5),
                  W2=seeded(rng, (d_ff, d_model), -1, 1), b2=seeded(rng, d_model, -0.5, 0.5),
                  gamma2=seeded(rng, d_model, 0.5, 1.5), beta2=seeded(rng, d_model, -0.5, 0.5))
    params = {k: np.where(v == 1.0, 1.01, v) if k.startswith("gamma") else v for k, v in params.items()}
    x = seeded(rng, (B, T, d_model)) * x_scale
    with torch.no_grad():
        t = {k: as_tensor(v) for k, v in params.items()}
        attended = ref.multi_head_attention(as_tensor(x), as_tensor(x), *(t[k] for k in ref.ATTENTION_PARAMS),
                                            n_heads)
        y = ref.layer_norm(as_tensor(x) + attended, t["gamma1"], t["beta1"])
    params["b1"] = clear_of_zero(as_numpy(y) @ params["W1"], params["b1"])
    return {"x": x, "params": params, "n_heads": n_heads, "dout": seeded(rng, (B, T, d_model))}


@st.composite
def encoder_inputs(draw):
    n_heads, d_k = draw(S.sampled(ENCODER_HEADS, SMALL_ENCODER_HEADS))
    B, T = draw(S.sizes(2, 2, 4, least=(1, 2)))  # T = 1: the attention weights are all 1
    d_ff = draw(S.size(2, 12, least=1).filter(lambda f: f != n_heads * d_k))
    return encoder_example(B, T, n_heads, d_k, d_ff, draw(st.integers(0, 2**16)),
                           draw(st.sampled_from([1.0, 1.0, 0.01])))


# B = T = 2, d_model = 6 (h = 2, d_k = 3), d_ff = 4; then d_model = 9 (odd, h = 3), B = 2, T = 3, d_ff = 5, x at
# scale 0.01 (where the layer norms' eps matters). Large scores are graded in transformer.multi_head_attention.
ENCODER_EXAMPLES = (encoder_example(2, 2, 2, 3, 4, 32), encoder_example(2, 3, 3, 3, 5, 31, x_scale=0.01))


ENCODER_COVERS = {
    "B >= 2 and T > 1": lambda i: i["x"].shape[0] >= 2 and i["x"].shape[1] > 1,
    "h >= 2 and d_k < d_model": lambda i: i["n_heads"] >= 2,
    "odd d_model": lambda i: i["x"].shape[-1] % 2 == 1,
    "even d_model": lambda i: i["x"].shape[-1] % 2 == 0,
    "d_ff != d_model": lambda i: i["params"]["W1"].shape[1] != i["x"].shape[-1],
    "x at scale 0.01": lambda i: np.abs(i["x"]).max() <= 0.02,
}


@st.composite
def smoothing_inputs(draw):
    """logits (B, T, V) with B, T, V distinct, shifted per position by up to 1000 and sometimes spread so that
    gaps exceed 745; targets with two classes at least; epsilon 0 or > 0."""
    B, T, V = draw(S.sizes(3, 2, 5, least=(1, 1, 2)))
    logits = draw(values((B, T, V), -5, 5)) * draw(st.sampled_from([1.0, 1.0, 200.0]))
    logits = logits + draw(S.arrays((B, T, 1), elements=st.sampled_from([0.0, 0.0, 750.0, -750.0, 1000.0])))
    return {"logits": logits, "y": draw(S.labels(B * T, V)).reshape(B, T),
            "epsilon": draw(st.sampled_from([0.0, 0.1, 0.3]))}


SMOOTHING_EXAMPLES = ({"logits": np.array([[[1000.0, 999.0, 1001.5, 998.0], [-800.0, 800.0, 0.0, 1.0]],
                                           [[0.5, -1.0, 2.0, 0.0], [3.0, 2.5, -0.5, 1.0]],
                                           [[0.0, 0.0, 0.0, 0.0], [1.0, -2.0, 0.5, 0.25]]]),
                       "y": np.array([[2, 0], [1, 3], [0, 2]]), "epsilon": 0.1},)

SMOOTHING_COVERS = {
    "epsilon = 0": lambda i: i["epsilon"] == 0,
    "epsilon > 0": lambda i: i["epsilon"] > 0,
    "B, T, V distinct": lambda i: len(set(i["logits"].shape)) == 3,
    "logits >= 710": lambda i: i["logits"].max() >= 710,
    "a gap >= 745 with epsilon > 0": lambda i: i["epsilon"] > 0 and np.ptp(i["logits"], axis=-1).max() >= 745,
}


@st.composite
def noam_inputs(draw):
    """Steps 1, warmup - 1, warmup, warmup + 1 and a few others up to 20 warmups, in a random order."""
    warmup = draw(st.integers(2, 5000))
    others = draw(st.lists(st.integers(1, 20 * warmup), min_size=1, max_size=4))
    steps = draw(st.permutations([1, warmup - 1, warmup, warmup + 1, *others]))
    return {"steps": np.array(steps, dtype=np.int64), "d_model": draw(st.sampled_from([16, 64, 512, 1000])),
            "warmup": warmup}


NOAM_EXAMPLES = ({"steps": np.array([1, 2, 3999, 4000, 4001, 10000, 100000]), "d_model": 512, "warmup": 4000},)


def _dropout_x(draw):
    B, T, D = draw(S.sizes(3, 2, 5, least=1))
    return draw(values((B, T, D))), draw(values((B, T, D)))


@st.composite
def dropout_identity_inputs(draw):
    """The deterministic cases: p = 0 in training, or evaluation mode with p > 0."""
    x, dout = _dropout_x(draw)
    train = draw(st.booleans())
    return {"x": x, "p": 0.0 if train else draw(st.sampled_from([0.1, 0.5, 0.9])), "train": train, "dout": dout}


@st.composite
def dropout_train_inputs(draw):
    x, dout = _dropout_x(draw)
    return {"x": x, "p": draw(st.sampled_from([0.1, 0.25, 0.5, 0.8])), "train": True, "dout": dout}


DROPOUT_IDENTITY_EXAMPLES = ({"x": _fixed((2, 3, 4), 41), "p": 0.0, "train": True, "dout": _fixed((2, 3, 4), 43)},
                             {"x": _fixed((2, 3, 4), 42), "p": 0.5, "train": False, "dout": _fixed((2, 3, 4), 44)})
# For the statistics: 20000 entries, (4, 50, 100), so that every axis can be split into disjoint pairs.
RATE_X = np.ones((4, 50, 100))


def rate_inputs(p):
    return st.just({"x": RATE_X, "p": p, "train": True})


@st.composite
def param_count_inputs(draw):
    n_heads = draw(st.sampled_from([1, 2, 4, 8]))
    d_model = n_heads * draw(st.integers(1, 64))
    return {"d_model": d_model, "n_heads": n_heads, "d_ff": draw(st.integers(1, 4096)), "bias": draw(st.booleans())}


# -- oracles ------------------------------------------------------------------------------------


def attention_oracle(attend=ref.attention):
    """out, weights and the gradients of out with respect to Q, K, V (for `attend`, the oracle or a mistake)."""
    def oracle(Q, K, V, mask, dout):
        t = [as_tensor(v, requires_grad=True) for v in (Q, K, V)]
        out, weights = attend(*t, None if mask is None else as_tensor(mask))
        dQ, dK, dV = vector_jacobian(out, t, as_tensor(dout))
        return as_numpy({"out": out, "weights": weights, "dQ": dQ, "dK": dK, "dV": dV})
    return oracle


def mha_oracle(attend=ref.multi_head_attention):
    def oracle(x_q, x_kv, params, n_heads, mask, dout):
        inputs = {"x_q": x_q, "x_kv": x_kv, **params}
        found = forward_backward(lambda x_q, x_kv, **W: attend(x_q, x_kv, *(W[k] for k in ref.ATTENTION_PARAMS),
                                                                n_heads, None if mask is None else as_tensor(mask)),
                                 inputs, out="out", grads={k: k for k in inputs}, dout=dout)
        return {"out": found["out"], "dx_q": found["x_q"], "dx_kv": found["x_kv"],
                "grads": {k: found[k] for k in ref.ATTENTION_PARAMS}}
    return oracle


def layer_norm_oracle(norm=ref.layer_norm):
    def oracle(x, gamma, beta, eps, dout):
        return forward_backward(lambda x, gamma, beta: norm(x, gamma, beta, eps),
                                {"x": x, "gamma": gamma, "beta": beta}, out="out",
                                grads={"x": "dx", "gamma": "dgamma", "beta": "dbeta"}, dout=dout)
    return oracle


def ffn_oracle(net=ref.ffn):
    def oracle(x, W1, b1, W2, b2, dout):
        inputs = {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
        return forward_backward(net, inputs, out="out", grads={k: "d" + k for k in inputs}, dout=dout)
    return oracle


def encoder_oracle(layer=ref.encoder_layer):
    def oracle(x, params, n_heads, dout):
        found = forward_backward(lambda **t: layer(**t, n_heads=n_heads), {"x": x, **params}, out="out",
                                 grads={k: k for k in ("x", *ref.ENCODER_PARAMS)}, dout=dout)
        return {"out": found["out"], "dx": found["x"], "grads": {k: found[k] for k in ref.ENCODER_PARAMS}}
    return oracle


def smoothing_oracle(loss=ref.label_smoothing_cross_entropy):
    def oracle(logits, y, epsilon):
        return forward_backward(lambda logits, y: loss(logits, y, epsilon), {"logits": logits, "y": y}, out="loss",
                                grads={"logits": "dlogits"})
    return oracle


def dropout_identity_oracle(x, p, train, dout):
    """p = 0 in training, or evaluation mode: the layer is the identity (a replay with a mask keeping everything)."""
    keep = as_tensor(np.ones_like(x))
    return forward_backward(lambda x: ref.dropout(x, keep, p if train else 0.0), {"x": x}, out="out",
                            grads={"x": "dx"}, dout=dout)


# -- judges -------------------------------------------------------------------------------------


def causal_mask_judge(got, inputs):
    """Hidden entries must be -inf (or at most -1e9) exactly where the oracle's are -inf, the others exactly 0."""
    T, mask = inputs["T"], got["mask"]
    if not isinstance(mask, np.ndarray) or mask.shape != (T, T) or mask.dtype.kind != "f":
        return f"mask should be a float array of shape ({T}, {T}), but it is {describe_type(mask)}."
    expected = as_numpy(ref.causal_mask(T))
    hidden = np.isneginf(expected)
    wrong = np.where(hidden, ~(mask <= -1e9), mask != 0)
    if not wrong.any():
        return None
    i, j = (int(k) for k in np.argwhere(wrong)[0])
    should = f"be -inf: query {i} must not see key {j}, a later position" if hidden[i, j] else \
        f"be 0: query {i} must see key {j}" + (", itself" if i == j else ", an earlier position")
    return (f"mask is wrong in {int(wrong.sum())} of {T * T} entries; mask[{i}, {j}] is {mask[i, j]:g} but should "
            f"{should}.\nExpected:\n{fmt_array(expected)}\nGot:\n{fmt_array(mask)}")


def _dropout_mask_problem(mask, x):
    """Why `mask` cannot be the multiplier mask of x (None when it can): its type, dtype, shape, finiteness."""
    if not isinstance(mask, np.ndarray) or mask.shape != x.shape or mask.dtype != np.float64:
        return f"mask should be a float64 array of shape {x.shape}, but it is {describe_type(mask)}."
    if not np.isfinite(mask).all():
        return "mask has entries that are not finite."
    return None


def _replay(x, mask, p, dout):
    """The oracle replayed with the student's mask: the kept entries are where the mask is nonzero."""
    keep = as_tensor((mask != 0).astype(np.float64))
    return forward_backward(lambda x: ref.dropout(x, keep, p), {"x": x}, out="out", grads={"x": "dx"}, dout=dout)


def dropout_replay_judge(output):
    """`out` (or `dx`) in training mode against the oracle replayed with the mask the student returned."""
    def judge(got, inputs):
        x, p = inputs["x"], inputs["p"]
        problem = _dropout_mask_problem(got["mask"], x)
        if problem:
            return f"{output} cannot be checked against your mask: {problem}"
        expected = _replay(x, got["mask"], p, inputs["dout"])[output]
        message = compare(output, got[output], expected, Tolerance())
        unscaled = x if output == "out" else inputs["dout"]
        if message and isinstance(got[output], np.ndarray) and got[output].shape == x.shape and np.allclose(
                got[output], unscaled * (got["mask"] != 0), rtol=1e-12, atol=0):
            message += f" The kept entries are not rescaled (by 1 / (1 - p) = {1 / (1 - p):.6g})."
        return message
    return judge


def dropout_mask_judge(got, inputs):
    """Every mask entry is 0 (dropped) or 1 / (1 - p) (kept)."""
    x, p, mask = inputs["x"], inputs["p"], got["mask"]
    problem = _dropout_mask_problem(mask, x)
    if problem:
        return problem
    scale = 1.0 / (1.0 - p)
    wrong = (mask != 0) & ~np.isclose(mask, scale, rtol=1e-12, atol=0)
    if not wrong.any():
        return None
    idx = tuple(int(k) for k in np.argwhere(wrong)[0])
    note = " (only 0 and 1: the kept entries are not rescaled)" if np.isin(mask, (0.0, 1.0)).all() else ""
    return (f"mask[{idx}] is {mask[idx]:.6g}; every entry should be 0 (dropped) or 1 / (1 - p) = {scale:.6g} "
            f"(kept), p = {p}{note}.")


def hoeffding_deviation(n, alpha):
    """t with P(|mean of n independent [0, 1] draws - their expectation| >= t) <= alpha (Hoeffding: 2 exp(-2 n t^2))."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


RATE_ALPHA = 1e-7  # per test; 4 tests per check, 2 checks: a correct dropout fails with probability < 1e-6


def drop_rate_judge(got, inputs):
    """The fraction of kept entries is 1 - p, and the entries are drawn independently along every axis.

    Under a correct dropout the mask entries are independent Bernoulli(1 - p) draws. (1) The kept fraction of the
    n entries deviates from 1 - p by at least t = sqrt(ln(2/alpha) / 2n) with probability <= alpha (Hoeffding).
    (2) For each axis, the entries at even and odd indices along it form n/2 disjoint independent pairs, each
    agreeing with probability q = p^2 + (1 - p)^2; a mask shared along that axis agrees everywhere. Same bound.
    """
    x, p, mask = inputs["x"], inputs["p"], got["mask"]
    problem = _dropout_mask_problem(mask, x)
    if problem:
        return problem
    kept = mask != 0
    t = hoeffding_deviation(kept.size, RATE_ALPHA)
    if abs(kept.mean() - (1 - p)) >= t:
        return (f"with p = {p} (the probability of dropping), {1 - kept.mean():.2%} of the {kept.size} entries were "
                f"dropped; a correct dropout drops {p:.0%} of them, give or take {t:.2%}.")
    agree = p * p + (1 - p) ** 2
    for axis, size in enumerate(kept.shape):
        even, odd = (np.take(kept, np.arange(start, size - size % 2, 2), axis=axis) for start in (0, 1))
        same = float((even == odd).mean())
        if abs(same - agree) >= hoeffding_deviation(even.size, RATE_ALPHA):
            return (f"the mask is not drawn independently for every entry: along axis {axis}, neighbouring entries "
                    f"agree {same:.1%} of the time, where independent draws agree {agree:.1%} of the time.")
    return None


# -- misconceptions (variants of the oracle) --------------------------------------------------------
# From the course notes' errata and the bugs reported against public implementations (tests/bugs_transformer.py
# names the issues): heads reshaped without the transpose, the tutorial PE, eps outside the square root, the
# unbiased variance, smoothing over V - 1 classes, the schedule one step off.


def _attention_variant(scale=lambda d_k: d_k ** -0.5, axis=-1, mask_inside=False):
    """Attention with a mistaken scale, softmax axis or mask placement."""
    def attend(Q, K, V, mask):
        scores = Q @ K.transpose(-2, -1)
        if mask is not None and mask_inside:
            scores = scores + mask
        scores = scores * scale(Q.shape[-1])
        if mask is not None and not mask_inside:
            scores = scores + mask
        weights = torch.softmax(scores, dim=axis)
        return weights @ V, weights
    return attend


def elementwise_softmax_backward(Q, K, V, mask, dout):
    """dQ and dK when the softmax's derivative is taken entry by entry, weights * (1 - weights), as for a sigmoid."""
    t = {k: as_tensor(v) for k, v in dict(Q=Q, K=K, V=V, dout=dout).items()}
    _, weights = ref.attention(t["Q"], t["K"], t["V"], None if mask is None else as_tensor(mask))
    dscores = weights * (1 - weights) * (t["dout"] @ t["V"].transpose(-2, -1)) / math.sqrt(Q.shape[-1])
    return as_numpy({"dQ": dscores @ t["K"], "dK": dscores.transpose(-2, -1) @ t["Q"]})


def _mha_variant(split=ref.split_heads, merge=ref.merge_heads, scale_by_d_model=False, values_detached=False):
    """Multi-head attention with a mistaken head split or merge, scale, or a gradient path cut."""
    def attend(x_q, x_kv, W_Q, W_K, W_V, W_O, n_heads, mask):
        Q, K = split(x_q @ W_Q, n_heads), split(x_kv @ W_K, n_heads)
        V = split((x_kv.detach() if values_detached else x_kv) @ W_V, n_heads)
        scale = (lambda d_k: x_q.shape[-1] ** -0.5) if scale_by_d_model else (lambda d_k: d_k ** -0.5)
        return merge(_attention_variant(scale)(Q, K, V, mask)[0]) @ W_O
    return attend


def _heads_without_transpose(x, n_heads):
    B, L, hd = x.shape
    return x.reshape(B, n_heads, L, hd // n_heads)


def _merge_without_transpose(x):
    B, h, L, d = x.shape
    return x.reshape(B, L, h * d)


def _pe_variant(angle_exponent=lambda column, d: (column - column % 2) / d, swap=False, halves=False, first=0):
    """Positional encodings with a mistaken exponent, sin/cos swapped, [sin | cos] halves, or positions from 1."""
    def oracle(T, d_model):
        pos = torch.arange(first, first + T, dtype=torch.float64)[:, None]
        column = torch.arange(d_model)
        angle = pos / 10000.0 ** angle_exponent(column, d_model)
        even = (column % 2 == 0) != swap
        pe = torch.where(even, torch.sin(angle), torch.cos(angle))
        if halves:
            pe = torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=1)
        return {"PE": as_numpy(pe)}
    return oracle


def _normalise(x, gamma, beta, mu, sd):
    return gamma * (x - mu) / sd + beta


LN_MISTAKES = {
    "over the batch axis": lambda x, g, b, eps: _normalise(
        x, g, b, x.mean(0), torch.sqrt(x.var(0, correction=0) + eps)),
    "unbiased variance": lambda x, g, b, eps: _normalise(
        x, g, b, x.mean(-1, keepdim=True), torch.sqrt(x.var(-1, keepdim=True) + eps)),
    "eps outside the square root": lambda x, g, b, eps: _normalise(
        x, g, b, x.mean(-1, keepdim=True), x.std(-1, correction=0, keepdim=True) + eps),
    "no eps": lambda x, g, b, eps: ref.layer_norm(x, g, b, 0.0),
    "constant statistics": lambda x, g, b, eps: _normalise(
        x, g, b, x.mean(-1, keepdim=True).detach(), torch.sqrt(x.var(-1, correction=0, keepdim=True) + eps).detach()),
}


def _encoder_variant(order="post", residual_cut=None, keys_detached=False):
    """The encoder layer pre-LN, as the notes print it, or with a gradient path cut (residual, keys and values)."""
    def layer(x, W_Q, W_K, W_V, W_O, gamma1, beta1, W1, b1, W2, b2, gamma2, beta2, n_heads):
        attend = (lambda x_q, x_kv, *W: ref.multi_head_attention(x_q, x_kv.detach(), *W)) if keys_detached \
            else ref.multi_head_attention
        norm1 = lambda v: ref.layer_norm(v, gamma1, beta1)  # noqa: E731
        norm2 = lambda v: ref.layer_norm(v, gamma2, beta2)  # noqa: E731
        mha = lambda v: attend(v, v, W_Q, W_K, W_V, W_O, n_heads, None)  # noqa: E731
        ffn = lambda v: ref.ffn(v, W1, b1, W2, b2)  # noqa: E731
        if order == "pre":
            y = x + mha(norm1(x))
            return y + ffn(norm2(y))
        if order == "notes":
            return norm2(x + ffn(norm1(x + mha(x))))
        y = norm1((x.detach() if residual_cut == "attention" else x) + mha(x))
        return norm2((y.detach() if residual_cut == "ffn" else y) + ffn(y))
    return layer


def _smoothed(on, off, divide_by="tokens"):
    """Label-smoothing cross-entropy with target weights on(eps, V) and off(eps, V), reduced over `divide_by`."""
    def loss(logits, y, epsilon):
        V = logits.shape[-1]
        log_p = torch.log_softmax(logits, dim=-1)
        q = torch.full_like(log_p, off(epsilon, V)).scatter(-1, y[..., None], on(epsilon, V))
        total = -(q * log_p).sum()
        return total / {"tokens": y.numel(), "sequences": y.shape[0], "none": 1}[divide_by]
    return loss


def _noam_variant(lr):
    return lambda steps, d_model, warmup: {"lr": as_numpy(lr(torch.as_tensor(steps, dtype=torch.float64),
                                                              d_model, warmup))}


def _count_variant(count):
    return lambda d_model, n_heads, d_ff, bias: {"params": count(d_model, n_heads, d_ff, bias)}


# -- the exercises --------------------------------------------------------------------------------

attention = exercise(
    "transformer.attention", "scaled dot-product attention forward and backward, with an optional mask",
    calls=[call("attention_forward", "Q", "K", "V", "mask", returns=("out", "weights", "cache")),
           call("attention_backward", "dout", "cache", returns=("dQ", "dK", "dV"))],
    inputs=attention_inputs(), examples=ATTENTION_EXAMPLES, oracle=attention_oracle(),
    checks=[Check("out", 2), Check("weights", 1), Check("dQ", 1), Check("dK", 1), Check("dV", 1),
            Check("mask added after scaling", 1, output="weights", inputs=attention_inputs(bias=True),
                  max_examples=10),
            Check("out, scores beyond 710", 1, output="out", inputs=attention_inputs(large=True), max_examples=5)],
    covers=ATTENTION_COVERS,
    mistakes=[
        mistake("scaled by d_k", "The scores look divided by d_k itself, not by its square root.",
                attention_oracle(_attention_variant(lambda d_k: 1 / d_k))),
        mistake("not scaled", "The scores look unscaled: Q K^T is never divided by sqrt(d_k).",
                attention_oracle(_attention_variant(lambda d_k: 1.0))),
        mistake("softmax over the queries", "The weights look normalised over the queries (each column sums to "
                "1) rather than over the keys.", attention_oracle(_attention_variant(axis=-2))),
        mistake("mask inside the scaling", "The mask looks divided by sqrt(d_k) too, as in the course notes' "
                "masked-attention formula; that only works for masks of 0 and -inf.",
                attention_oracle(_attention_variant(mask_inside=True)), checks=["mask added after scaling"]),
        mistake("elementwise softmax derivative", "dQ and dK look computed with the softmax derivative taken "
                "entry by entry, weights * (1 - weights), which leaves out how each weight depends on the other "
                "scores of its row.", elementwise_softmax_backward),
    ],
)

causal_mask = exercise(
    "transformer.causal_mask", "the causal mask (the course notes' matrix corrected)",
    calls=[call("causal_mask", "T", returns="mask")],
    inputs=st.integers(2, 9).map(lambda T: {"T": T}), examples=({"T": 4},),
    oracle=lambda T: {"mask": as_numpy(ref.causal_mask(T))},
    checks=[Check("mask", 2, judge=causal_mask_judge)],
    covers={"T >= 3": lambda i: i["T"] >= 3},
    max_examples=8,
    mistakes=[
        mistake("anti-causal", "The mask hides the past and shows the future: it is the course notes' matrix, "
                "which is transposed.", lambda T: {"mask": as_numpy(ref.causal_mask(T).T)}),
        mistake("diagonal hidden", "The mask hides each position from itself as well; position 0 then sees "
                "nothing at all.", lambda T: {"mask": as_numpy(torch.full((T, T), -math.inf).triu(0))}),
    ],
)

multi_head_attention = exercise(
    "transformer.multi_head_attention", "multi-head attention forward and backward (W_Q, W_K, W_V, W_O), "
    "self- and cross-attention",
    builds_on=("transformer.attention",),
    calls=[call("mha_forward", "x_q", "x_kv", "params", "n_heads", "mask", returns=("out", "cache")),
           call("mha_backward", "dout", "cache", returns=("dx_q", "dx_kv", "grads"))],
    inputs=mha_inputs(), examples=MHA_EXAMPLES, oracle=mha_oracle(),
    checks=[Check("out", 2), Check("dx_q", 1), Check("dx_kv", 1)]
    + [Check(f"d{k}", 1, output=f"grads.{k}") for k in ref.ATTENTION_PARAMS]
    + [Check("out, scores beyond 710", 1, output="out", inputs=mha_inputs(large=True), max_examples=5)],
    covers=MHA_COVERS,
    mistakes=[
        mistake("heads split without the transpose", "The heads look split by reshaping (B, L, h*d_k) straight "
                "into (B, h, L, d_k), which mixes positions and features across heads.",
                mha_oracle(_mha_variant(split=_heads_without_transpose))),
        mistake("heads merged without the transpose", "The heads look concatenated by reshaping (B, h, L, d_v) "
                "straight into (B, L, h*d_v), which mixes positions across heads.",
                mha_oracle(_mha_variant(merge=_merge_without_transpose))),
        mistake("scaled by sqrt(d_model)", "Each head's scores look divided by sqrt(d_model) instead of by "
                "sqrt(d_k) of the head.", mha_oracle(_mha_variant(scale_by_d_model=True))),
        mistake("values' path missing from dx_kv", "dx_kv looks like it only collects the gradient that reaches "
                "x_kv through the keys, not through the values.",
                mha_oracle(_mha_variant(values_detached=True)), checks=["dx_kv"]),
    ],
)

positional_encoding = exercise(
    "transformer.positional_encoding", "sinusoidal positional encoding (odd and even d_model)",
    calls=[call("positional_encoding", "T", "d_model", returns="PE")],
    inputs=st.fixed_dictionaries({"T": st.integers(2, 40), "d_model": st.integers(2, 13)}),
    examples=({"T": 6, "d_model": 7}, {"T": 50, "d_model": 8}),
    oracle=lambda T, d_model: {"PE": as_numpy(ref.positional_encoding(T, d_model))},
    checks={"PE": 2},
    covers={"odd d_model": lambda i: i["d_model"] % 2 == 1, "even d_model >= 6": lambda i: i["d_model"] % 2 == 0
            and i["d_model"] >= 6, "T != d_model": lambda i: i["T"] != i["d_model"]},
    mistakes=[
        mistake("exponent i / d_model", "The frequencies look computed from the column index itself, "
                "10000^(j / d_model), instead of from 2i, the even column of the pair.",
                _pe_variant(lambda column, d: column / d)),
        mistake("cosine with the next frequency", "The cosine columns look as if they use the next pair's "
                "frequency instead of sharing their sine's.",
                _pe_variant(lambda column, d: (column + column % 2) / d)),
        mistake("sin and cos swapped", "Sine and cosine look swapped: the even columns hold cosines.",
                _pe_variant(swap=True)),
        mistake("halves instead of interleaved", "The sines and cosines look concatenated as two halves "
                "instead of interleaved in alternating columns.", _pe_variant(halves=True)),
        mistake("positions from 1", "The positions look counted from 1: row 0 should be position 0.",
                _pe_variant(first=1)),
    ],
)

layer_norm = exercise(
    "transformer.layer_norm", "layer norm forward and backward over (B, T, D)",
    calls=[call("layer_norm_forward", "x", "gamma", "beta", "eps", returns=("out", "cache")),
           call("layer_norm_backward", "dout", "cache", returns=("dx", "dgamma", "dbeta"))],
    inputs=layer_norm_inputs(), oracle=layer_norm_oracle(),
    checks={"out": 1, "dx": 2, "dgamma": 1, "dbeta": 1},
    covers=LAYER_NORM_COVERS,
    mistakes=[
        mistake("statistics over the batch", "The statistics look taken over the batch axis (as in batch norm), "
                "not over the features of each position.", layer_norm_oracle(LN_MISTAKES["over the batch axis"])),
        mistake("unbiased variance", "The variance looks divided by D - 1 (the unbiased estimate) rather than "
                "by D.", layer_norm_oracle(LN_MISTAKES["unbiased variance"])),
        mistake("eps outside the square root", "eps looks added to the standard deviation instead of to the "
                "variance under the square root.", layer_norm_oracle(LN_MISTAKES["eps outside the square root"])),
        mistake("no eps", "The result looks computed without eps, as the course notes' formula is written.",
                layer_norm_oracle(LN_MISTAKES["no eps"])),
        mistake("mean and variance as constants", "dx looks computed as if the mean and the variance did not "
                "depend on x.", layer_norm_oracle(LN_MISTAKES["constant statistics"]), checks=["dx"]),
    ],
)

ffn = exercise(
    "transformer.ffn", "position-wise feed-forward network forward and backward",
    calls=[call("ffn_forward", "x", "W1", "b1", "W2", "b2", returns=("out", "cache")),
           call("ffn_backward", "dout", "cache", returns=("dx", "dW1", "db1", "dW2", "db2"))],
    inputs=ffn_inputs(), oracle=ffn_oracle(),
    checks={"out": 1, "dx": 1, "dW1": 1, "db1": 1, "dW2": 1, "db2": 1},
    covers={"B, T, d_model, d_ff distinct": lambda i: len({*i["x"].shape, i["W1"].shape[1]}) == 4,
            "negative and positive pre-activations": lambda i: (i["x"] @ i["W1"] + i["b1"]).min() < 0
            < (i["x"] @ i["W1"] + i["b1"]).max()},
    mistakes=[
        mistake("no ReLU", "The hidden layer looks linear: the ReLU between the two maps is missing.",
                ffn_oracle(lambda x, W1, b1, W2, b2: (x @ W1 + b1) @ W2 + b2)),
        mistake("ReLU skipped in backward", "The gradient looks passed through the ReLU unchanged, also where "
                "the pre-activation is negative.",
                ffn_oracle(lambda x, W1, b1, W2, b2: ((x @ W1 + b1) + (ref.relu(x @ W1 + b1) - (x @ W1 + b1))
                                                      .detach()) @ W2 + b2),
                checks=["dx", "dW1", "db1"]),
    ],
)

encoder_layer = exercise(
    "transformer.encoder_layer", "the encoder layer, post-LN as in the paper, forward and backward",
    builds_on=("transformer.multi_head_attention", "transformer.layer_norm", "transformer.ffn"),
    calls=[call("encoder_layer_forward", "x", "params", "n_heads", returns=("out", "cache")),
           call("encoder_layer_backward", "dout", "cache", returns=("dx", "grads"))],
    inputs=encoder_inputs(), examples=ENCODER_EXAMPLES, oracle=encoder_oracle(),
    checks=[Check("out", 2), Check("dx", 2)] + [Check(f"d{k}", 1, output=f"grads.{k}") for k in ref.ENCODER_PARAMS],
    covers=ENCODER_COVERS, max_examples=12,
    mistakes=[
        mistake("pre-LN", "The layer looks pre-normalised, x + MHA(LN(x)), where this one normalises after each "
                "residual sum.", encoder_oracle(_encoder_variant("pre"))),
        mistake("the notes' formula read literally", "The second residual looks like it adds x, as the course "
                "notes print it, where the FFN sublayer's own input belongs.",
                encoder_oracle(_encoder_variant("notes"))),
        mistake("attention residual missing in backward", "dx looks like it lacks the residual path around the "
                "attention: the gradient that goes straight from the first sum to x.",
                encoder_oracle(_encoder_variant(residual_cut="attention")), checks=["dx"]),
        mistake("FFN residual missing in backward", "The gradients below the FFN look like they lack its "
                "residual path: the gradient that goes straight from the second sum to the FFN's input.",
                encoder_oracle(_encoder_variant(residual_cut="ffn"))),
        mistake("self-attention gradient only through the queries", "dx looks like it only collects the "
                "gradient through the queries, not through the keys and values, which come from x too.",
                encoder_oracle(_encoder_variant(keys_detached=True)), checks=["dx"]),
    ],
)

label_smoothing = exercise(
    "transformer.label_smoothing", "label-smoothing cross-entropy and its gradient",
    calls=[call("label_smoothing_loss", "logits", "y", "epsilon", returns=("loss", "dlogits"))],
    inputs=smoothing_inputs(), examples=SMOOTHING_EXAMPLES, oracle=smoothing_oracle(),
    checks={"loss": 2, "dlogits": 2},
    covers=SMOOTHING_COVERS,
    mistakes=[
        mistake("epsilon / (V - 1)", "The smoothing mass looks spread over the V - 1 wrong classes only, "
                "epsilon / (V - 1) each, not over all V classes.",
                smoothing_oracle(_smoothed(lambda e, V: 1 - e, lambda e, V: e / (V - 1)))),
        mistake("target weight 1 - epsilon", "The true class looks weighted 1 - epsilon, without its own share "
                "epsilon / V of the smoothing.", smoothing_oracle(_smoothed(lambda e, V: 1 - e, lambda e, V: e / V))),
        mistake("sum over tokens", "The loss looks summed over the tokens rather than averaged.",
                smoothing_oracle(_smoothed(lambda e, V: 1 - e + e / V, lambda e, V: e / V, "none"))),
        mistake("mean over sequences only", "The loss looks averaged over the B sequences, not over all B*T tokens.",
                smoothing_oracle(_smoothed(lambda e, V: 1 - e + e / V, lambda e, V: e / V, "sequences"))),
    ],
)

noam = exercise(
    "transformer.noam", "the warmup / inverse-square-root learning-rate schedule (steps from 1)",
    calls=[call("noam_lr", "steps", "d_model", "warmup", returns="lr")],
    inputs=noam_inputs(), examples=NOAM_EXAMPLES,
    oracle=lambda steps, d_model, warmup: {"lr": as_numpy(ref.noam(as_tensor(steps), d_model, warmup))},
    checks={"lr": 2}, picture="noam",
    covers={"step 1": lambda i: 1 in i["steps"], "step = warmup": lambda i: i["warmup"] in i["steps"],
            "a step beyond warmup": lambda i: (i["steps"] > i["warmup"]).any(),
            "int64 steps": lambda i: i["steps"].dtype == np.int64},
    mistakes=[
        mistake("steps from 0", "The schedule looks shifted by one step, as if the first step were step 0.",
                _noam_variant(lambda s, d, w: ref.noam(s + 1, d, w))),
        mistake("warmup^-0.5 in the ramp", "The warmup ramp looks scaled by warmup^-0.5 instead of "
                "warmup^-1.5.", _noam_variant(lambda s, d, w: d ** -0.5 * torch.minimum(s ** -0.5, s * w ** -0.5))),
        mistake("max instead of min", "The schedule looks like the larger of the two terms, not the smaller.",
                _noam_variant(lambda s, d, w: d ** -0.5 * torch.maximum(s ** -0.5, s * w ** -1.5))),
        mistake("d_model^0.5", "The schedule looks multiplied by sqrt(d_model) instead of divided by it.",
                _noam_variant(lambda s, d, w: d ** 0.5 * torch.minimum(s ** -0.5, s * w ** -1.5))),
    ],
)

dropout = exercise(
    "transformer.dropout", "inverted dropout forward and backward, graded with your own mask and its statistics",
    calls=[call("dropout_forward", "x", "p", "train", returns=("out", "mask")),
           call("dropout_backward", "dout", "mask", returns="dx")],
    inputs=dropout_identity_inputs(), examples=DROPOUT_IDENTITY_EXAMPLES, oracle=dropout_identity_oracle,
    checks=[Check("out (p = 0, eval)", 1, output="out"), Check("dx (p = 0, eval)", 1, output="dx"),
            Check("out (train)", 1, output="out", judge=dropout_replay_judge("out"), inputs=dropout_train_inputs(),
                  max_examples=10),
            Check("mask (train)", 1, output="mask", judge=dropout_mask_judge, inputs=dropout_train_inputs(),
                  max_examples=10),
            Check("dx (train)", 1, output="dx", judge=dropout_replay_judge("dx"), inputs=dropout_train_inputs(),
                  max_examples=10),
            Check("drop rate at p = 0.2", 1, output="mask", judge=drop_rate_judge, inputs=rate_inputs(0.2),
                  max_examples=1),
            Check("drop rate at p = 0.7", 1, output="mask", judge=drop_rate_judge, inputs=rate_inputs(0.7),
                  max_examples=1)],
    covers={"p = 0 in training": lambda i: i["train"] and i["p"] == 0,
            "evaluation with p > 0": lambda i: not i["train"] and i["p"] > 0},
    mistakes=[
        mistake("p as the keep probability", "Everything is dropped at p = 0: p looks used as the probability "
                "of keeping an entry, not of dropping it.",
                lambda x, p, train, dout: {"out": np.zeros_like(x) if train and p == 0 else x},
                checks=["out (p = 0, eval)"]),
    ],
)

encoder_param_count = exercise(
    "transformer.encoder_param_count", "parameters of an encoder layer, with and without biases",
    calls=[call("encoder_layer_param_count", "d_model", "n_heads", "d_ff", "bias", returns="params")],
    inputs=param_count_inputs(),
    examples=({"d_model": 512, "n_heads": 8, "d_ff": 2048, "bias": True},
              {"d_model": 6, "n_heads": 2, "d_ff": 5, "bias": False}),
    oracle=lambda **i: {"params": ref.encoder_layer_param_count(**i)},
    checks={"params": 2},
    covers={"bias": lambda i: i["bias"], "no bias": lambda i: not i["bias"],
            "n_heads > 1": lambda i: i["n_heads"] > 1, "d_ff != 4 d_model": lambda i: i["d_ff"] != 4 * i["d_model"]},
    max_examples=30,
    mistakes=[
        mistake("no attention biases", "The count looks like it leaves out the biases of the four attention "
                "projections (the course notes' formulas have none; PyTorch's layer has them).",
                _count_variant(lambda d, h, f, bias: ref.encoder_layer_param_count(d, h, f, bias) - 4 * d * bias)),
        mistake("projections per head", "The count looks like it gives every head its own d_model x d_model "
                "projections; the heads share the width, d_k = d_model / h.",
                _count_variant(lambda d, h, f, bias: ref.encoder_layer_param_count(d, h, f, bias)
                               + 3 * (h - 1) * d * d)),
        mistake("layer norms left out", "The count looks like it leaves out the two layer norms' parameters.",
                _count_variant(lambda d, h, f, bias: ref.encoder_layer_param_count(d, h, f, bias)
                               - 2 * d * (1 + bias))),
    ],
)
