"""rnn: the course notes' recurrent networks. Solutions: solutions/rnn.py; oracle: reference/rnn.py.

Inputs are small batches of sequences whose sizes are pairwise distinct (N != D != H, and D != H != K for the
regressor), with T = 1 and T >= 3, h0 != 0, random (non-symmetric) recurrent weights, gate biases offset per gate
so that no two gates look alike even when shrunk, and one explicit example per layer whose inputs are in the
hundreds, so that tanh and sigmoid saturate (|pre-activation| >= 710). Gradient clipping sees 2 or 3 arrays and
global norms below and above max_norm; metrics see no positive predictions and no positive labels.

The sequence backward exercises are graded on their own, from a cache the oracle builds (the cache's entries are
part of the task, as mlp.mlp_backward's); the step exercises use the student's own forward and its cache.
Each exercise declares common misconceptions (`Mistake`s) as variants of the oracle: most are the oracle with
one thing changed, and the backward ones are autograd of a forward pass whose value is unchanged but whose
gradient takes the student's wrong path (a `detach()` cuts a path; `_gradient_only` adds one).
"""
import numpy as np
import torch
from hypothesis import strategies as st

import reference.rnn as ref
from autograder import strategies as S
from autograder.compare import Tolerance
from autograder.exercises.common import param_shapes
from autograder.model import Check, Curve, call, exercise, mistake
from autograder.oracle import as_numpy, as_tensor, continued, vector_jacobian

# -- oracle helpers ---------------------------------------------------------------------------------


def vjp(fn, inputs: dict, grads: dict[str, str], upstream: dict[str, str], outputs: tuple[str, ...]) -> dict:
    """fn(**tensors) returns a tuple named `outputs`; the result holds those values and the vector-Jacobian
    product of the outputs named in `upstream` (output -> name of its upstream gradient in `inputs`) with
    respect to each input in `grads` (input -> name of its gradient in the result)."""
    tensors = {k: as_tensor(v, requires_grad=k in grads) for k, v in inputs.items()}
    values = dict(zip(outputs, fn(**tensors)))
    wanted = [values[o] for o in upstream]
    found = vector_jacobian(wanted, [tensors[k] for k in grads], [as_tensor(inputs[u]) for u in upstream.values()],
                            allow_unused=True)
    result = {o: as_numpy(values[o]) for o in outputs}
    for (name, grad_name), g in zip(grads.items(), found):
        result[grad_name] = np.zeros_like(inputs[name], dtype=np.float64) if g is None else as_numpy(g)
    return result


def _gradient_only(term):
    """Zero in value; adds the gradient of `term` (how a mistake's extra gradient path is written)."""
    return term - term.detach()


def _pick(inputs: dict, names) -> dict:
    return {k: inputs[k] for k in names}


def _fixed(shape, seed, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, shape).round(2)


def _saturating(shape, seed):
    """Inputs in the hundreds, both signs: every pre-activation they reach is far beyond +-710."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(800, 1000, shape).round()


def _block_offsets(gates: int, H: int, offsets) -> np.ndarray:
    return np.repeat(np.asarray(offsets[:gates], dtype=np.float64), H)


LSTM_BIAS_OFFSETS = (1.0, -0.5, 0.25, 0.5)  # f, i, C~, o: distinct per gate even when the drawn part shrinks to 0
GRU_BIAS_OFFSETS = (0.5, -0.5, 0.25)  # r, z, h~

# -- strategies ----------------------------------------------------------------------------------------


def _others(values, *taken, least=None):
    return S.size_from([v for v in values if v not in taken], least)


@st.composite
def step_sizes(draw):
    """N, D, H pairwise distinct: N in 2..3, H in 2..4 (H = 1 would make Wh symmetric), D in 1..4 (each down to 1
    when the sizes are small)."""
    N = draw(S.size(2, 3, least=1))
    H = draw(_others(range(2, 5), N, least=1))
    return N, draw(_others(range(1, 5), N, H)), H


@st.composite
def sequence_sizes(draw):
    N, D, H = draw(step_sizes())
    return N, draw(S.size(1, 4)), D, H


@st.composite
def rnn_step_inputs(draw):
    N, D, H = draw(step_sizes())
    return {"x": draw(S.arrays((N, D))), "h_prev": draw(S.arrays((N, H), -1, 1)),
            "Wx": draw(S.arrays((D, H), -1, 1)), "Wh": draw(S.arrays((H, H), -1, 1)), "b": draw(S.arrays(H, -1, 1)),
            "dh_next": draw(S.arrays((N, H)))}


def rnn_step_example(N, D, H, seed, saturating=False):
    return {"x": _saturating((N, D), seed) if saturating else _fixed((N, D), seed, -2, 2),
            "h_prev": _fixed((N, H), seed + 1), "Wx": _fixed((D, H), seed + 2), "Wh": _fixed((H, H), seed + 3),
            "b": _fixed(H, seed + 4), "dh_next": _fixed((N, H), seed + 5, -2, 2)}


# Explicit examples are tried first and shown as they are when they fail (they cannot shrink): the first ones are
# small (at most 3 along every axis: with N, D, H distinct and N, H >= 2, D = 1), the saturating one comes last.
RNN_STEP_EXAMPLES = (rnn_step_example(3, 1, 2, 1), rnn_step_example(2, 3, 4, 10, saturating=True))


@st.composite
def rnn_sequence_inputs(draw, upstream=True):
    N, T, D, H = draw(sequence_sizes())
    inputs = {"x": draw(S.arrays((N, T, D))), "h0": draw(S.arrays((N, H), -1, 1)),
              "Wx": draw(S.arrays((D, H), -1, 1)), "Wh": draw(S.arrays((H, H), -1, 1)), "b": draw(S.arrays(H, -1, 1))}
    if upstream:
        inputs["dh"] = draw(S.arrays((N, T, H)))
    return inputs


def rnn_sequence_example(N, T, D, H, seed, saturating=False):
    x = _saturating((N, T, D), seed) if saturating else _fixed((N, T, D), seed, -2, 2)
    return {"x": x, "h0": _fixed((N, H), seed + 1), "Wx": _fixed((D, H), seed + 2), "Wh": _fixed((H, H), seed + 3),
            "b": _fixed(H, seed + 4), "dh": _fixed((N, T, H), seed + 5, -2, 2)}


RNN_SEQUENCE_EXAMPLES = (rnn_sequence_example(3, 1, 1, 2, 20), rnn_sequence_example(2, 3, 1, 3, 30),
                         rnn_sequence_example(2, 3, 4, 3, 40, saturating=True))


def _tensors(inputs, names):
    return [as_tensor(inputs[k]) for k in names]


RNN_CACHE = ("x", "h0", "Wx", "Wh", "b")


def rnn_cache(inputs) -> dict:
    """The cache rnn_forward returns and rnn_backward reads: its inputs x, h0, Wx, Wh, b and its states h."""
    h = ref.rnn_forward(*_tensors(inputs, ("x", "h0", "Wx", "Wh", "b")))
    return {**_pick(inputs, RNN_CACHE), "h": as_numpy(h)}


def with_cache(make_cache):
    return lambda inputs: {**inputs, "cache": make_cache(inputs)}


@st.composite
def lstm_step_inputs(draw):
    N, D, H = draw(step_sizes())
    return {"x": draw(S.arrays((N, D))), "h_prev": draw(S.arrays((N, H), -1, 1)),
            "c_prev": draw(S.arrays((N, H))), "W": draw(S.arrays((H + D, 4 * H), -1, 1)),
            "b": draw(S.arrays(4 * H, -0.5, 0.5)) + _block_offsets(4, H, LSTM_BIAS_OFFSETS),
            "dh_next": draw(S.arrays((N, H))), "dc_next": draw(S.arrays((N, H)))}


def lstm_step_example(N, D, H, seed, saturating=False):
    return {"x": _saturating((N, D), seed) if saturating else _fixed((N, D), seed, -2, 2),
            "h_prev": _fixed((N, H), seed + 1), "c_prev": _fixed((N, H), seed + 2, -2, 2),
            "W": _fixed((H + D, 4 * H), seed + 3),
            "b": _fixed(4 * H, seed + 4, -0.5, 0.5) + _block_offsets(4, H, LSTM_BIAS_OFFSETS),
            "dh_next": _fixed((N, H), seed + 5, -2, 2), "dc_next": _fixed((N, H), seed + 6, -2, 2)}


LSTM_STEP_EXAMPLES = (lstm_step_example(3, 1, 2, 50), lstm_step_example(2, 3, 4, 60, saturating=True))


@st.composite
def lstm_sequence_inputs(draw, upstream=True):
    N, T, D, H = draw(sequence_sizes())
    inputs = {"x": draw(S.arrays((N, T, D))), "h0": draw(S.arrays((N, H), -1, 1)), "c0": draw(S.arrays((N, H))),
              "W": draw(S.arrays((H + D, 4 * H), -1, 1)),
              "b": draw(S.arrays(4 * H, -0.5, 0.5)) + _block_offsets(4, H, LSTM_BIAS_OFFSETS)}
    if upstream:
        inputs["dh"] = draw(S.arrays((N, T, H)))
    return inputs


def lstm_sequence_example(N, T, D, H, seed, saturating=False):
    x = _saturating((N, T, D), seed) if saturating else _fixed((N, T, D), seed, -2, 2)
    return {"x": x, "h0": _fixed((N, H), seed + 1), "c0": _fixed((N, H), seed + 2, -2, 2),
            "W": _fixed((H + D, 4 * H), seed + 3),
            "b": _fixed(4 * H, seed + 4, -0.5, 0.5) + _block_offsets(4, H, LSTM_BIAS_OFFSETS),
            "dh": _fixed((N, T, H), seed + 5, -2, 2)}


LSTM_SEQUENCE_EXAMPLES = (lstm_sequence_example(3, 1, 1, 2, 70), lstm_sequence_example(2, 3, 1, 3, 80),
                          lstm_sequence_example(2, 3, 4, 3, 90, saturating=True))
LSTM_CACHE = ("x", "h0", "c0", "W", "b")


def lstm_cache(inputs) -> dict:
    h, c, gates = ref.lstm_forward(*_tensors(inputs, ("x", "h0", "c0", "W", "b")))
    return {**_pick(inputs, LSTM_CACHE), "h": as_numpy(h), "c": as_numpy(c), **as_numpy(gates)}


@st.composite
def gru_step_inputs(draw):
    N, D, H = draw(step_sizes())
    return {"x": draw(S.arrays((N, D))), "h_prev": draw(S.arrays((N, H), -1, 1)),
            "W": draw(S.arrays((H + D, 3 * H), -1, 1)),
            "b": draw(S.arrays(3 * H, -0.5, 0.5)) + _block_offsets(3, H, GRU_BIAS_OFFSETS),
            "dh_next": draw(S.arrays((N, H)))}


def gru_step_example(N, D, H, seed, saturating=False):
    return {"x": _saturating((N, D), seed) if saturating else _fixed((N, D), seed, -2, 2),
            "h_prev": _fixed((N, H), seed + 1), "W": _fixed((H + D, 3 * H), seed + 2),
            "b": _fixed(3 * H, seed + 3, -0.5, 0.5) + _block_offsets(3, H, GRU_BIAS_OFFSETS),
            "dh_next": _fixed((N, H), seed + 4, -2, 2)}


GRU_STEP_EXAMPLES = (gru_step_example(3, 1, 2, 100), gru_step_example(2, 3, 4, 110, saturating=True))


@st.composite
def gru_sequence_inputs(draw, upstream=True):
    N, T, D, H = draw(sequence_sizes())
    inputs = {"x": draw(S.arrays((N, T, D))), "h0": draw(S.arrays((N, H), -1, 1)),
              "W": draw(S.arrays((H + D, 3 * H), -1, 1)),
              "b": draw(S.arrays(3 * H, -0.5, 0.5)) + _block_offsets(3, H, GRU_BIAS_OFFSETS)}
    if upstream:
        inputs["dh"] = draw(S.arrays((N, T, H)))
    return inputs


def gru_sequence_example(N, T, D, H, seed, saturating=False):
    x = _saturating((N, T, D), seed) if saturating else _fixed((N, T, D), seed, -2, 2)
    return {"x": x, "h0": _fixed((N, H), seed + 1), "W": _fixed((H + D, 3 * H), seed + 2),
            "b": _fixed(3 * H, seed + 3, -0.5, 0.5) + _block_offsets(3, H, GRU_BIAS_OFFSETS),
            "dh": _fixed((N, T, H), seed + 4, -2, 2)}


GRU_SEQUENCE_EXAMPLES = (gru_sequence_example(3, 1, 1, 2, 120), gru_sequence_example(2, 3, 1, 3, 130),
                         gru_sequence_example(2, 3, 4, 3, 140, saturating=True))
GRU_CACHE = ("x", "h0", "W", "b")


def gru_cache(inputs) -> dict:
    h, gates = ref.gru_forward(*_tensors(inputs, ("x", "h0", "W", "b")))
    return {**_pick(inputs, GRU_CACHE), "h": as_numpy(h), **as_numpy(gates)}


def _pre_activation_beyond(inputs, limit=710.0) -> bool:
    """Some gate or state pre-activation of the first step reaches |a| >= limit."""
    x = inputs["x"][:, 0] if inputs["x"].ndim == 3 else inputs["x"]
    if "Wx" in inputs:
        a = x @ inputs["Wx"]
    else:
        a = x @ inputs["W"][-x.shape[1]:]
    return bool(np.abs(a).max() >= limit)


def _not_symmetric(W) -> bool:
    return not np.allclose(W, W.T)


def _distinct_gate_biases(b, gates) -> bool:
    means = b.reshape(gates, -1).mean(axis=1)
    return len(np.unique(means.round(6))) == gates


STEP_COVERS = {
    "N, D, H pairwise distinct": lambda i: len({i["x"].shape[0], i["x"].shape[1], i["h_prev"].shape[1]}) == 3,
    "h_prev != 0": lambda i: np.abs(i["h_prev"]).max() > 0,
    "|pre-activation| >= 710 (saturated gates)": _pre_activation_beyond,
}
SEQUENCE_COVERS = {
    "T = 1": lambda i: i["x"].shape[1] == 1,
    "T >= 3": lambda i: i["x"].shape[1] >= 3,
    "N, D, H pairwise distinct": lambda i: len({i["x"].shape[0], i["x"].shape[2], i["h0"].shape[1]}) == 3,
    "N != T": lambda i: i["x"].shape[0] != i["x"].shape[1],
    "h0 != 0": lambda i: np.abs(i["h0"]).max() > 0,
    "|pre-activation| >= 710 (saturated gates)": _pre_activation_beyond,
}
RNN_COVERS = {"Wh not symmetric": lambda i: _not_symmetric(i["Wh"]), "b != 0": lambda i: np.abs(i["b"]).max() > 0}
LSTM_COVERS = {"distinct per-gate biases": lambda i: _distinct_gate_biases(i["b"], 4)}
GRU_COVERS = {"distinct per-gate biases": lambda i: _distinct_gate_biases(i["b"], 3)}

# -- the vanilla RNN: oracles and misconceptions --------------------------------------------------------

RNN_GRADS = {"x": "dx", "Wx": "dWx", "Wh": "dWh", "b": "db"}


def rnn_step_oracle(step=ref.rnn_step):
    def oracle(x, h_prev, Wx, Wh, b, dh_next):
        return vjp(lambda **t: (step(t["x"], t["h_prev"], t["Wx"], t["Wh"], t["b"]),),
                   {"x": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "b": b, "dh_next": dh_next},
                   {**RNN_GRADS, "h_prev": "dh_prev"}, {"h_next": "dh_next"}, ("h_next",))
    return oracle


def rnn_forward_oracle(step=ref.rnn_step, zero_h0=False):
    def oracle(x, h0, Wx, Wh, b, dh=None):
        h0 = np.zeros_like(h0) if zero_h0 else h0
        h = ref.rnn_forward(*_tensors({"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}, ("x", "h0", "Wx", "Wh", "b")),
                            step=step)
        return {"h": as_numpy(h), "cache": {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "h": as_numpy(h)}}
    return oracle


def rnn_backward_oracle(step=ref.rnn_step, around_h0=None, last_dh_only=False):
    """BPTT by autograd through the unrolled `step`; `around_h0(h0)` instead builds the step from the h0 tensor
    (for the misconceptions that treat the first step apart)."""
    def oracle(x, h0, Wx, Wh, b, dh, cache=None):
        if last_dh_only:
            dh = np.concatenate([np.zeros_like(dh[:, :-1]), dh[:, -1:]], axis=1)
        return vjp(lambda **t: (ref.rnn_forward(t["x"], t["h0"], t["Wx"], t["Wh"], t["b"],
                                                step=around_h0(t["h0"]) if around_h0 else step),),
                   {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "dh": dh},
                   {**RNN_GRADS, "h0": "dh0"}, {"h": "dh"}, ("h",))
    return oracle


def rnn_step_wh_transposed(x, h_prev, Wx, Wh, b):
    return ref.rnn_step(x, h_prev, Wx, Wh.T, b)


def rnn_step_no_tanh_derivative(x, h_prev, Wx, Wh, b):
    a = x @ Wx + h_prev @ Wh + b
    return torch.tanh(a).detach() + _gradient_only(a)


def rnn_step_tanh_derivative_of_output(x, h_prev, Wx, Wh, b):
    """tanh' taken at h_next (1 - tanh(h_next)^2) instead of at the pre-activation."""
    a = x @ Wx + h_prev @ Wh + b
    h = torch.tanh(a).detach()
    return h + _gradient_only(a) * (1 - torch.tanh(h) ** 2)


def rnn_step_dwh_from_h_next(x, h_prev, Wx, Wh, b):
    """dWh = h_next^T da: the recurrent weight's gradient paired with the wrong state."""
    h = torch.tanh(x @ Wx + h_prev @ Wh.detach() + b)
    return h + _gradient_only(h.detach() @ Wh) * (1 - h.detach() ** 2)


def rnn_step_dh_prev_untransposed(x, h_prev, Wx, Wh, b):
    """dh_prev = da Wh instead of da Wh^T (the value and every other gradient unchanged)."""
    a = x @ Wx + h_prev.detach() @ Wh + b + _gradient_only(h_prev @ Wh.detach().T)
    return torch.tanh(a)


RNN_WH_TRANSPOSED = "Wh is used transposed: h_prev is multiplied by Wh^T (the notes' column form W_hh h_{t-1} " \
                    "carried over to row vectors unchanged?)."
RNN_STEP_MISTAKES = [
    mistake("wh_transposed", RNN_WH_TRANSPOSED, rnn_step_oracle(rnn_step_wh_transposed)),
    mistake("no_tanh_derivative", "The gradients are those of a step without its tanh: the derivative "
            "1 - h_next^2 seems to be missing from the chain rule.", rnn_step_oracle(rnn_step_no_tanh_derivative),
            checks=("dx", "dh_prev", "dWx", "dWh", "db")),
    mistake("tanh_derivative_of_output", "tanh' seems taken at h_next as if it were the pre-activation "
            "(1 - tanh(h_next)^2); h_next is already tanh(a).", rnn_step_oracle(rnn_step_tanh_derivative_of_output),
            checks=("dx", "dh_prev", "dWx", "dWh", "db")),
    mistake("dwh_from_h_next", "dWh pairs da with h_next, but in the forward pass Wh multiplies h_prev.",
            rnn_step_oracle(rnn_step_dwh_from_h_next), checks=("dWh",)),
    mistake("dh_prev_untransposed", "dh_prev looks like da Wh: the gradient of h_prev Wh with respect to h_prev "
            "needs Wh the other way round.", rnn_step_oracle(rnn_step_dh_prev_untransposed), checks=("dh_prev",)),
]


def rnn_no_flow_from_next_step(h0):
    """Each step's h_prev is cut from the graph except h0: the dh of later steps never reaches earlier ones."""
    def step(x, h_prev, Wx, Wh, b):
        return ref.rnn_step(x, h_prev if h_prev is h0 else h_prev.detach(), Wx, Wh, b)
    return step


def rnn_first_step_params_only(h0):
    """Wx, Wh, b get gradient from the step that reads h0 only: dW = (not +=) in a loop that ends at t = 1."""
    def step(x, h_prev, Wx, Wh, b):
        params = (Wx, Wh, b) if h_prev is h0 else (Wx.detach(), Wh.detach(), b.detach())
        return ref.rnn_step(x, h_prev, *params)
    return step


RNN_FORWARD_MISTAKES = [
    mistake("h0_ignored", "The states are those of a sequence started from zeros: h0 seems not to be used.",
            rnn_forward_oracle(zero_h0=True), checks=("h",)),
    mistake("wh_transposed", RNN_WH_TRANSPOSED, rnn_forward_oracle(rnn_step_wh_transposed), checks=("h",)),
]
BPTT_GRADS = ("dx", "dh0", "dWx", "dWh", "db")
RNN_BACKWARD_MISTAKES = [
    mistake("no_flow_from_next_step", "Each step's gradient uses only its own dh[:, t]: the gradient flowing back "
            "from the later steps (through h_t into step t + 1) is missing.",
            rnn_backward_oracle(around_h0=rnn_no_flow_from_next_step)),
    mistake("not_accumulated_over_time", "The parameter gradients hold one step's contribution only: Wx, Wh and b "
            "are shared by every step.", rnn_backward_oracle(around_h0=rnn_first_step_params_only),
            checks=("dWx", "dWh", "db")),
    mistake("last_dh_only", "Only the last step's upstream gradient is used: dh has one for every hidden state.",
            rnn_backward_oracle(last_dh_only=True)),
    mistake("no_tanh_derivative", "The gradients are those of an RNN without its tanh: the derivative 1 - h_t^2 "
            "seems to be missing.", rnn_backward_oracle(rnn_step_no_tanh_derivative)),
    mistake("dh_prev_untransposed", "The gradient passed back to h_{t-1} looks like da_t Wh: it needs Wh the other "
            "way round.", rnn_backward_oracle(rnn_step_dh_prev_untransposed)),
]

# -- the LSTM: oracles and misconceptions -------------------------------------------------------------------


def lstm_step_oracle(step=ref.lstm_step):
    def oracle(x, h_prev, c_prev, W, b, dh_next, dc_next):
        return vjp(lambda **t: step(t["x"], t["h_prev"], t["c_prev"], t["W"], t["b"])[:2],
                   {"x": x, "h_prev": h_prev, "c_prev": c_prev, "W": W, "b": b, "dh_next": dh_next,
                    "dc_next": dc_next},
                   {"x": "dx", "h_prev": "dh_prev", "c_prev": "dc_prev", "W": "dW", "b": "db"},
                   {"h_next": "dh_next", "c_next": "dc_next"}, ("h_next", "c_next"))
    return oracle


def lstm_forward_oracle(step=ref.lstm_step):
    def oracle(x, h0, c0, W, b, dh=None):
        h, c, gates = ref.lstm_forward(*_tensors({"x": x, "h0": h0, "c0": c0, "W": W, "b": b},
                                                 ("x", "h0", "c0", "W", "b")), step=step)
        h, c = as_numpy(h), as_numpy(c)
        return {"h": h, "c": c, "cache": {"x": x, "h0": h0, "c0": c0, "W": W, "b": b, "h": h, "c": c,
                                          **as_numpy(gates)}}
    return oracle


def lstm_backward_oracle(step=ref.lstm_step):
    def oracle(x, h0, c0, W, b, dh, cache=None):
        return vjp(lambda **t: ref.lstm_forward(t["x"], t["h0"], t["c0"], t["W"], t["b"], step=step)[:1],
                   {"x": x, "h0": h0, "c0": c0, "W": W, "b": b, "dh": dh},
                   {"x": "dx", "h0": "dh0", "c0": "dc0", "W": "dW", "b": "db"}, {"h": "dh"}, ("h",))
    return oracle


def lstm_gate_order(order):
    """A student who reads W's and b's column blocks as the gates `order` (e.g. torch's i, f, g, o)."""
    def step(x, h_prev, c_prev, W, b):
        H = h_prev.shape[1]
        blocks = [order.index(gate) for gate in ref.LSTM_GATES]
        W = torch.cat([W[:, k * H:(k + 1) * H] for k in blocks], dim=1)
        b = torch.cat([b[k * H:(k + 1) * H] for k in blocks])
        return ref.lstm_step(x, h_prev, c_prev, W, b)
    return step


def lstm_x_first(x, h_prev, c_prev, W, b):
    """[x, h] @ W: W's first D rows multiply x."""
    D = x.shape[1]
    return ref.lstm_step(x, h_prev, c_prev, torch.cat([W[D:], W[:D]]), b)


def lstm_no_tanh_on_cell(x, h_prev, c_prev, W, b):
    h, c, gates = ref.lstm_step(x, h_prev, c_prev, W, b)
    return gates["o"] * c, c, gates


def _lstm_cell(x, h_prev, c_prev, W, b):
    """The gates and c_next of the correct step, for the backward misconceptions below."""
    _, c, gates = ref.lstm_step(x, h_prev, c_prev, W, b)
    return c, gates


def lstm_dc_without_h_path(x, h_prev, c_prev, W, b):
    """dc = dc_next only: the gradient reaching c_next through h_next = o tanh(c_next) is dropped."""
    c, gates = _lstm_cell(x, h_prev, c_prev, W, b)
    return gates["o"] * torch.tanh(c.detach()), c, gates


def lstm_dc_prev_without_forget_gate(x, h_prev, c_prev, W, b):
    """dc_prev = dc instead of dc * f."""
    _, gates = _lstm_cell(x, h_prev, c_prev, W, b)
    c = gates["f"] * c_prev.detach() + gates["i"] * gates["g"] + _gradient_only(c_prev)
    return gates["o"] * torch.tanh(c), c, gates


def lstm_no_tanh_derivative_on_cell(x, h_prev, c_prev, W, b):
    """dc = dc_next + dh_next * o: the derivative of tanh(c_next) is missing."""
    c, gates = _lstm_cell(x, h_prev, c_prev, W, b)
    return gates["o"] * torch.tanh(c).detach() + gates["o"].detach() * _gradient_only(c), c, gates


TORCH_ORDER = ("i", "f", "g", "o")
CS231N_ORDER = ("i", "f", "o", "g")
LSTM_ORDER_HINTS = {
    "torch_gate_order": ("The gates match W's column blocks read in PyTorch's order i, f, g, o; this exercise uses "
                         "the notes' order f, i, C~, o.", TORCH_ORDER),
    "cs231n_gate_order": ("The gates match W's column blocks read in the order i, f, o, g (CS231n's); this exercise "
                          "uses the notes' order f, i, C~, o.", CS231N_ORDER),
}
LSTM_X_FIRST = "W's rows look applied to [x, h] (x first); the notes' concatenation is [h_{t-1}, x_t], h first."
LSTM_NO_TANH = "h_next matches o * c_next: the tanh of the cell state is missing."
LSTM_BACKWARD_HINTS = {
    "dc_without_h_path": ("The cell state's gradient misses what reaches c through h = o * tanh(c).",
                          lstm_dc_without_h_path),
    "dc_prev_without_forget_gate": ("dc_prev is passed back without the forget gate's factor: c_next depends on "
                                    "c_prev through f * c_prev.", lstm_dc_prev_without_forget_gate),
    "no_tanh_derivative_on_cell": ("The gradient through tanh(c) misses its derivative 1 - tanh(c)^2.",
                                   lstm_no_tanh_derivative_on_cell),
}


def lstm_forward_mistakes(make_oracle, checks, h_checks):
    """The forward misconceptions: `checks` are those a changed gate computation fails, `h_checks` those a
    missing tanh on the cell state fails (the cell state itself is right)."""
    return [*(mistake(name, hint, make_oracle(lstm_gate_order(order)), checks)
              for name, (hint, order) in LSTM_ORDER_HINTS.items()),
            mistake("x_first", LSTM_X_FIRST, make_oracle(lstm_x_first), checks),
            mistake("no_tanh_on_cell", LSTM_NO_TANH, make_oracle(lstm_no_tanh_on_cell), h_checks)]


def lstm_backward_mistakes(make_oracle, checks, forget_gate_checks):
    """The backward misconceptions; `forget_gate_checks`: those a dc_prev without f fails (in one step, only
    dc_prev; over a sequence, everything before the last step)."""
    return [mistake(name, hint, make_oracle(step),
                    forget_gate_checks if name == "dc_prev_without_forget_gate" else checks)
            for name, (hint, step) in LSTM_BACKWARD_HINTS.items()]


# -- the GRU: oracles and misconceptions --------------------------------------------------------------------


def gru_step_oracle(step=ref.gru_step):
    def oracle(x, h_prev, W, b, dh_next):
        return vjp(lambda **t: step(t["x"], t["h_prev"], t["W"], t["b"])[:1],
                   {"x": x, "h_prev": h_prev, "W": W, "b": b, "dh_next": dh_next},
                   {"x": "dx", "h_prev": "dh_prev", "W": "dW", "b": "db"}, {"h_next": "dh_next"}, ("h_next",))
    return oracle


def gru_forward_oracle(step=ref.gru_step):
    def oracle(x, h0, W, b, dh=None):
        h, gates = ref.gru_forward(*_tensors({"x": x, "h0": h0, "W": W, "b": b}, ("x", "h0", "W", "b")), step=step)
        h = as_numpy(h)
        return {"h": h, "cache": {"x": x, "h0": h0, "W": W, "b": b, "h": h, **as_numpy(gates)}}
    return oracle


def gru_backward_oracle(step=ref.gru_step):
    def oracle(x, h0, W, b, dh, cache=None):
        return vjp(lambda **t: ref.gru_forward(t["x"], t["h0"], t["W"], t["b"], step=step)[:1],
                   {"x": x, "h0": h0, "W": W, "b": b, "dh": dh},
                   {"x": "dx", "h0": "dh0", "W": "dW", "b": "db"}, {"h": "dh"}, ("h",))
    return oracle


def _gru_gates(x, h_prev, W, b):
    H = h_prev.shape[1]
    rz = torch.sigmoid(torch.cat([h_prev, x], dim=1) @ W[:, :2 * H] + b[:2 * H])
    return rz[:, :H], rz[:, H:]


def gru_z_keeps_old_state(x, h_prev, W, b):
    """torch's convention: h = z * h_prev + (1 - z) * h~."""
    _, gates = ref.gru_step(x, h_prev, W, b)
    return gates["z"] * h_prev + (1 - gates["z"]) * gates["h_tilde"], gates


def gru_reset_after(x, h_prev, W, b):
    """torch's reset-after candidate: tanh(x W_x + r * (h_prev W_h) + b)."""
    H = h_prev.shape[1]
    r, z = _gru_gates(x, h_prev, W, b)
    h_tilde = torch.tanh(x @ W[H:, 2 * H:] + r * (h_prev @ W[:H, 2 * H:]) + b[2 * H:])
    return (1 - z) * h_prev + z * h_tilde, {"r": r, "z": z, "h_tilde": h_tilde}


def gru_no_reset(x, h_prev, W, b):
    H = h_prev.shape[1]
    r, z = _gru_gates(x, h_prev, W, b)
    h_tilde = torch.tanh(torch.cat([h_prev, x], dim=1) @ W[:, 2 * H:] + b[2 * H:])
    return (1 - z) * h_prev + z * h_tilde, {"r": r, "z": z, "h_tilde": h_tilde}


def gru_cut(path: str):
    """The correct GRU step with one of h_prev's three paths to h_next cut in the gradient (values unchanged)."""
    def step(x, h_prev, W, b):
        H = h_prev.shape[1]
        r, z = _gru_gates(h_prev=h_prev.detach() if path == "gates" else h_prev, x=x, W=W, b=b)
        reset = r * (h_prev.detach() if path == "reset" else h_prev)
        h_tilde = torch.tanh(torch.cat([reset, x], dim=1) @ W[:, 2 * H:] + b[2 * H:])
        direct = h_prev.detach() if path == "direct" else h_prev
        return (1 - z) * direct + z * h_tilde, {"r": r, "z": z, "h_tilde": h_tilde}
    return step


GRU_FORWARD_HINTS = {
    "z_keeps_old_state": ("h_next matches h = z * h_prev + (1 - z) * h~, PyTorch's convention; in the notes z is "
                          "the share of the new candidate h~.", gru_z_keeps_old_state),
    "reset_after": ("The candidate matches PyTorch's reset-after form tanh(x W + r * (h_prev W) + b); the notes "
                    "reset h_prev before the product.", gru_reset_after),
    "no_reset": ("The candidate ignores the reset gate r.", gru_no_reset),
}
GRU_BACKWARD_HINTS = {
    "dh_prev_without_direct_path": ("dh_prev misses the direct path (1 - z) * h_prev.", "direct"),
    "dh_prev_without_reset_path": ("dh_prev misses the path through r * h_prev in the candidate.", "reset"),
    "dh_prev_without_gate_path": ("dh_prev misses the path through the gates r and z, which read h_prev too.",
                                  "gates"),
}


def gru_mistakes(make_oracle, forward: bool, backward: bool, forward_checks=(), backward_checks=()):
    found = []
    if forward:
        found += [mistake(name, hint, make_oracle(step), checks=forward_checks)
                  for name, (hint, step) in GRU_FORWARD_HINTS.items()]
    if backward:
        found += [mistake(name, hint, make_oracle(gru_cut(path)), checks=backward_checks)
                  for name, (hint, path) in GRU_BACKWARD_HINTS.items()]
    return found


# -- parameter counts, clipping, losses, metrics -------------------------------------------------------------

param_count_inputs = st.fixed_dictionaries({"input_size": st.integers(1, 64), "hidden_size": st.integers(1, 64),
                                            "num_layers": st.integers(1, 3), "bias_vectors": st.sampled_from([1, 2])})
PARAM_COUNT_EXAMPLES = ({"input_size": 10, "hidden_size": 20, "num_layers": 2, "bias_vectors": 2},
                        {"input_size": 3, "hidden_size": 7, "num_layers": 3, "bias_vectors": 1})
CELLS = ("rnn", "lstm", "gru")


def param_count_oracle(count=ref.param_count):
    return lambda **i: {cell: count(cell, **i) for cell in CELLS}


GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _count(cell, input_size, hidden_size, num_layers, bias_vectors, layer_input=None, recurrent=True,
           biases_per_gate=True):
    total, n_in = 0, input_size
    for _ in range(num_layers):
        weights = hidden_size * (n_in + (hidden_size if recurrent else 0))
        total += GATES[cell] * weights + (GATES[cell] if biases_per_gate else 1) * bias_vectors * hidden_size
        n_in = hidden_size if layer_input is None else layer_input
    return total


PARAM_COUNT_MISTAKES = [
    *(mistake(f"always_{n}_bias_vectors", "The count does not depend on bias_vectors: PyTorch's layers keep two "
              "bias vectors per gate (bias_ih and bias_hh), the notes one.",
              param_count_oracle(lambda cell, bias_vectors, n=n, **i: _count(cell, bias_vectors=n, **i)))
      for n in (1, 2)),
    mistake("upper_layers_read_the_input", "Every layer is counted as if it read the D input features; the layers "
            "above the first read the H hidden states of the layer below.",
            param_count_oracle(lambda cell, **i: _count(cell, layer_input=i["input_size"], **i))),
    mistake("no_recurrent_weights", "The count misses the H x H weights on the previous hidden state.",
            param_count_oracle(lambda cell, **i: _count(cell, recurrent=False, **i))),
    mistake("one_bias_per_layer", "The count has one bias vector per layer instead of one per gate.",
            param_count_oracle(lambda cell, **i: _count(cell, biases_per_gate=False, **i)), checks=("lstm", "gru")),
]

GRAD_NAMES = ("Wx", "Wh", "b", "Wy")
GRAD_SHAPES = {"Wx": ("D", "H"), "Wh": ("H", "H"), "b": ("H",), "Wy": ("H", "K")}
NORM_RATIOS = (0.25, 0.8, 1.5, 3.0, 10.0)  # the global norm / max_norm: below and above the threshold


def _with_global_norm(grads: dict, norm: float) -> dict:
    """The arrays scaled together so that their global norm is `norm`."""
    scale = norm / np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    return {k: g * scale for k, g in grads.items()}


@st.composite
def clip_inputs(draw):
    """2 or 3 gradient arrays of different shapes, scaled so that their global norm is ratio * max_norm."""
    D, H, K = draw(S.sizes(3, 2, 4, least=1))
    sizes = {"D": D, "H": H, "K": K}
    names = GRAD_NAMES[:draw(st.integers(2, 3))]
    grads = {k: draw(S.nonzero_arrays(tuple(sizes[s] for s in GRAD_SHAPES[k]))) for k in names}
    max_norm = draw(st.sampled_from([0.5, 1.0, 5.0]))
    return {"grads": _with_global_norm(grads, draw(st.sampled_from(NORM_RATIOS)) * max_norm), "max_norm": max_norm}


def _clip_example(seed, ratio, max_norm, magnitudes=(1.0, 1.0, 1.0)):
    """Wx (3, 2), Wh (2, 2), b (2,) with their relative magnitudes, scaled to a global norm of ratio * max_norm."""
    rng = np.random.default_rng(seed)
    grads = {k: m * rng.uniform(-2, 2, shape) for k, shape, m in zip(("Wx", "Wh", "b"), [(3, 2), (2, 2), (2,)],
                                                                      magnitudes)}
    return {"grads": _with_global_norm(grads, ratio * max_norm), "max_norm": max_norm}


# Above the threshold with one array far below it (clipping per array leaves that one alone), and below it.
CLIP_EXAMPLES = (_clip_example(1, 3.0, 1.0, magnitudes=(1.0, 1.0, 0.05)), _clip_example(2, 0.6, 2.0))


def clip_oracle(clip=ref.clip_grad_norm, after=False):
    def oracle(grads, max_norm):
        clipped, total = clip([as_tensor(g) for g in grads.values()], max_norm)
        if after:
            total = torch.sqrt(sum((g ** 2).sum() for g in clipped))
        return {"clipped": dict(zip(grads, as_numpy(clipped))), "total": as_numpy(total)}
    return oracle


def clip_per_tensor(grads, max_norm):
    return [ref.clip_grad_norm([g], max_norm)[0][0] for g in grads], ref.clip_grad_norm(grads, max_norm)[1]


def clip_scales_up(grads, max_norm):
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    return [g * max_norm / (total + 1e-6) for g in grads], total


def clip_sum_of_norms(grads, max_norm):
    total = sum(torch.sqrt((g ** 2).sum()) for g in grads)
    return [g * torch.clamp(max_norm / (total + 1e-6), max=1.0) for g in grads], total


CLIP_PER_TENSOR = "Each gradient array seems clipped by its own norm; max_norm bounds one norm of all of them together."
CLIP_MISTAKES = [
    mistake("per_tensor", CLIP_PER_TENSOR, clip_oracle(clip_per_tensor), checks=("clipped",)),
    mistake("scales_up", "Gradients whose global norm is below max_norm are rescaled too: clipping only ever "
            "shrinks them.", clip_oracle(clip_scales_up), checks=("clipped",)),
    mistake("sum_of_norms", "The norm looks like the sum of the arrays' own norms rather than one L2 norm of all "
            "their entries.", clip_oracle(clip_sum_of_norms)),
    mistake("norm_after_clipping", "The norm returned looks like the norm after clipping; the function returns the "
            "norm before.", clip_oracle(after=True), checks=("total",)),
]
# The clipped values with and without torch's + 1e-6 differ by a relative 1e-6 / total (at most 2e-6 here, where
# total >= 0.5 when clipping acts): both are correct, so the clipped check accepts a relative 1e-5.
CLIP_TOLERANCE = Tolerance(rtol=1e-5)


@st.composite
def mse_inputs(draw):
    N = draw(S.size(2, 4, least=1))
    T, K = draw(S.sizes(2, 1, 4))
    return {"pred": draw(S.arrays((N, T, K))), "target": draw(S.arrays((N, T, K)))}


MSE_EXAMPLE = {"pred": _fixed((3, 1, 2), 120, -2, 2), "target": _fixed((3, 1, 2), 121, -2, 2)}


def loss_oracle(loss, names, grad_name, scale=None, grad_scale=None):
    """{"loss": loss(first, second), grad_name: its gradient with respect to first (N, T, K)}, the inputs named
    `names`; a misconception scales the loss or the gradient by a function of (N, T, K)."""
    def oracle(**inputs):
        first = as_tensor(inputs[names[0]], requires_grad=True)
        value = loss(first, as_tensor(inputs[names[1]])) * (scale(*first.shape) if scale else 1.0)
        (g,) = torch.autograd.grad(value, first)
        return {"loss": as_numpy(value), grad_name: as_numpy(g) * (grad_scale(*first.shape) if grad_scale else 1.0)}
    return oracle


def sequence_mse_oracle(**scales):
    return loss_oracle(ref.sequence_mse, ("pred", "target"), "dpred", **scales)


def sequence_ce_oracle(**scales):
    return loss_oracle(ref.sequence_cross_entropy, ("scores", "y"), "dscores", **scales)


SEQUENCE_MSE_MISTAKES = [
    mistake("mean_over_features", "The loss is K times too small: averaged over the K output features too (as "
            "F.mse_loss does), where the notes' squared norm sums over them.",
            sequence_mse_oracle(scale=lambda N, T, K: 1 / K)),
    mistake("summed_over_time", "The loss is T times too large: summed over the time steps, where the notes "
            "average over them.", sequence_mse_oracle(scale=lambda N, T, K: T)),
    mistake("summed_over_batch", "The loss is N times too large: summed over the batch instead of averaged.",
            sequence_mse_oracle(scale=lambda N, T, K: N)),
    mistake("gradient_without_2", "dpred is half the expected value: the 2 from the derivative of the square is "
            "missing.", sequence_mse_oracle(grad_scale=lambda N, T, K: 0.5), checks=("dpred",)),
]


@st.composite
def sequence_logits(draw):
    N, T, C = draw(S.sizes(3, 1, 5))
    N, C = N + 1, C + 1  # N >= 2, C >= 2
    z = draw(S.arrays((N, T, C), -5, 5)) * draw(st.sampled_from([1.0, 1.0, 200.0]))
    offset = draw(S.arrays((N, T, 1), elements=st.sampled_from([0.0, 0.0, 750.0, -750.0, 1000.0])))
    labels = draw(S.labels(N * T, C)).reshape(N, T)
    return {"scores": z + offset, "y": labels}


CE_EXAMPLE = {"scores": np.array([[[1000.0, 999.0, 1001.5]], [[-800.0, 800.0, 0.0]]]), "y": np.array([[2], [0]])}


SEQUENCE_CE_MISTAKES = [
    mistake("summed_over_time", "The loss is T times too large: summed over the time steps (as CS231n's temporal "
            "softmax loss does), where the notes average over them.",
            sequence_ce_oracle(scale=lambda N, T, C: T)),
    mistake("gradient_not_averaged", "dscores is N T times too large: the 1/(N T) of the average is missing from "
            "the gradient.", sequence_ce_oracle(grad_scale=lambda N, T, C: N * T), checks=("dscores",)),
]


@st.composite
def regression_inputs(draw):
    """y_true and y_pred of shape (n,) or (N, T); the errors have both signs (the first two by construction)."""
    shape = draw(st.sampled_from([(5,), (2, 3), (4, 2), (3,)]))
    y_true = draw(S.arrays(shape))
    errors = draw(S.nonzero_arrays(shape)).reshape(-1)
    errors[0], errors[1] = abs(errors[0]), -abs(errors[1])
    return {"y_true": y_true, "y_pred": y_true + errors.reshape(shape)}


def regression_oracle(mae=ref.mae, rmse=ref.rmse):
    def oracle(y_true, y_pred):
        t, p = as_tensor(y_true), as_tensor(y_pred)
        return {"mse": as_numpy(ref.mse(t, p)), "mae": as_numpy(mae(t, p)), "rmse": as_numpy(rmse(t, p))}
    return oracle


REGRESSION_MISTAKES = [
    mistake("mae_signed", "MAE matches the mean of the signed errors: positive and negative errors cancel out.",
            regression_oracle(mae=lambda t, p: (t - p).mean().abs()), checks=("mae",)),
    mistake("rmse_root_per_entry", "RMSE matches the mean of |error|: the square root is taken per entry, before "
            "the mean.", regression_oracle(rmse=ref.mae), checks=("rmse",)),
]


@st.composite
def classification_inputs(draw):
    """0/1 labels and predictions, by case: mixed, nothing predicted positive, no positive label, neither."""
    n = draw(S.size(2, 10))
    case = draw(st.sampled_from(["mixed", "mixed", "no positive prediction", "no positive label", "all negative"]))
    y_true = draw(S.binary_labels(n)).astype(np.int64)
    y_pred = draw(S.binary_labels(n)).astype(np.int64)
    if case in ("no positive prediction", "all negative"):
        y_pred[:] = 0
    if case in ("no positive label", "all negative"):
        y_true[:] = 0
    return {"y_true": y_true, "y_pred": y_pred}


CLASSIFICATION_EXAMPLES = (
    {"y_true": np.array([1, 0, 1, 1, 0, 0, 1]), "y_pred": np.array([1, 1, 0, 1, 0, 0, 0])},  # TP 2, FP 1, FN 2, TN 2
    {"y_true": np.array([1, 0, 1, 0]), "y_pred": np.array([0, 0, 0, 0])},  # no positive prediction
    {"y_true": np.array([0, 0, 0]), "y_pred": np.array([0, 1, 1])},  # no positive label
    {"y_true": np.array([0, 0]), "y_pred": np.array([0, 0])},  # neither
)


def classification_oracle(precision=ref.precision, recall=ref.recall, f1=ref.f1_score, accuracy=ref.accuracy):
    def oracle(y_true, y_pred):
        t, p = as_tensor(y_true), as_tensor(y_pred)
        return {"accuracy": accuracy(t, p), "precision": precision(t, p), "recall": recall(t, p), "f1": f1(t, p)}
    return oracle


def _ratio_or(value, numerator, denominator):
    return numerator / denominator if denominator else value


CLASSIFICATION_MISTAKES = [
    mistake("precision_recall_swapped", "precision and recall look swapped: precision matches TP / (TP + FN).",
            classification_oracle(precision=ref.recall, recall=ref.precision), checks=("precision", "recall")),
    mistake("zero_division_one", "With nothing to divide by (no positive prediction, or no positive label) this "
            "gives 1; the convention here is 0 (scikit-learn's zero_division=0).", classification_oracle(
                precision=lambda t, p: _ratio_or(1.0, *_tp_and(t, p, "pred")),
                recall=lambda t, p: _ratio_or(1.0, *_tp_and(t, p, "true"))), checks=("precision", "recall")),
    mistake("f1_arithmetic_mean", "F1 matches the arithmetic mean of precision and recall; F1 is their harmonic "
            "mean.", classification_oracle(f1=lambda t, p: (ref.precision(t, p) + ref.recall(t, p)) / 2),
            checks=("f1",)),
    mistake("accuracy_true_positives_only", "accuracy counts only the true positives as correct; true negatives are "
            "correct predictions too.", classification_oracle(accuracy=lambda t, p: _tp_and(t, p, "true")[0] / len(t)),
            checks=("accuracy",)),
]


def _tp_and(t, p, which):
    """(TP, the number of positive predictions or of positive labels)."""
    tp, fp, fn, _ = ref.confusion(t, p)
    return tp, (tp + fp) if which == "pred" else (tp + fn)


# -- the integration exercise -------------------------------------------------------------------------------------

TASK_DELAY, TASK_STEPS, TASK_HIDDEN = 3, 10, 24
TARGET_MSE = 0.02


def delayed_copy(n: int, seed: int):
    """Sequences of uniform(-1, 1) scalars; the target at step t is the input of step t - 3 (0 before that)."""
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, TASK_STEPS, 1))
    y = np.zeros_like(x)
    y[:, TASK_DELAY:] = x[:, :-TASK_DELAY]
    return x, y


def regressor_params(D: int, H: int, K: int, seed: int) -> dict:
    """LeCun-normal weights (std 1/sqrt(fan_in)), zero biases."""
    rng = np.random.default_rng(seed)
    return {"Wx": rng.normal(0, 1 / np.sqrt(D), (D, H)), "Wh": rng.normal(0, 1 / np.sqrt(H), (H, H)),
            "b": np.zeros(H), "Wy": rng.normal(0, 1 / np.sqrt(H), (H, K)), "by": np.zeros(K)}


TRAIN_X, TRAIN_Y = delayed_copy(256, seed=0)
TEST_X, TEST_Y = delayed_copy(256, seed=1)
TASK = {"x": TRAIN_X, "y": TRAIN_Y, "params": regressor_params(1, TASK_HIDDEN, 1, seed=0), "lr": 0.5,
        "epochs": 200, "max_norm": 1.0}
# Its first three steps have global norms 3.08 (clipped), 0.74 (not clipped) and 1.02 (clipped); without clipping
# the training diverges (tests/test_reference_rnn.py).
TASK_FIRST_STEPS = {**TASK, "epochs": 3}


@st.composite
def training_inputs(draw):
    N, T = draw(S.size(2, 4, least=1)), draw(S.size(1, 4))
    D, H, K = draw(S.sizes(3, 1, 4))
    shapes = {"Wx": (D, H), "Wh": (H, H), "b": (H,), "Wy": (H, K), "by": (K,)}
    return {"x": draw(S.arrays((N, T, D))), "y": draw(S.arrays((N, T, K))),
            "params": {k: draw(S.arrays(s, -1, 1)) for k, s in shapes.items()},
            "lr": draw(st.sampled_from([0.1, 0.5])), "epochs": draw(st.integers(1, 3)),
            "max_norm": draw(st.sampled_from([0.1, 1.0, 10.0]))}


def train_oracle(clip=ref.clip_grad_norm):
    def oracle(x, y, params, lr, epochs, max_norm):
        trained, _ = ref.train_rnn(as_tensor(x), as_tensor(y), {k: as_tensor(v) for k, v in params.items()}, lr,
                                   epochs, max_norm, clip=clip)
        return {"trained": as_numpy(trained)}
    return oracle


def step_norms(inputs) -> list[float]:
    """The global gradient norm of each step of the correct training on these inputs."""
    return ref.train_rnn(as_tensor(inputs["x"]), as_tensor(inputs["y"]),
                         {k: as_tensor(v) for k, v in inputs["params"].items()}, inputs["lr"], inputs["epochs"],
                         inputs["max_norm"])[1]


def held_out_error(got, inputs):
    params = got["trained"]
    problem = param_shapes(params, {k: v.shape for k, v in inputs["params"].items()})
    if problem:
        return "train_rnn " + problem
    pred = ref.rnn_regressor(as_tensor(TEST_X), *(as_tensor(params[k]) for k in ref.REGRESSOR_PARAMS))
    error = float(ref.sequence_mse(pred, as_tensor(TEST_Y)))
    if not np.isfinite(error) or error > TARGET_MSE:
        return (f"the trained RNN's mean squared error on held-out sequences is {error:.4g}; at most {TARGET_MSE} "
                f"is required (predicting 0 everywhere gives 0.225; a correct implementation reaches about 0.008).")
    return None


def copy_task_errors(trained) -> dict | None:
    """The trained regressor's mean squared error on the training and the held-out sequences (the points of the
    learning curve)."""
    if param_shapes(trained, {k: v.shape for k, v in TASK["params"].items()}):
        return None
    args = [as_tensor(trained[k]) for k in ref.REGRESSOR_PARAMS]
    with torch.no_grad():
        return {f"{name} MSE": float(ref.sequence_mse(ref.rnn_regressor(as_tensor(x), *args), as_tensor(y)))
                for name, x, y in (("training", TRAIN_X, TRAIN_Y), ("held-out", TEST_X, TEST_Y))}


def clipped_training_curve(got, inputs, at):
    """The correct training's parameters after each number of epochs in `at` (from the given params)."""
    x, y = as_tensor(inputs["x"]), as_tensor(inputs["y"])
    path = continued(lambda params, epochs: ref.train_rnn(x, y, params, inputs["lr"], epochs, inputs["max_norm"])[0],
                     {k: as_tensor(v) for k, v in inputs["params"].items()}, at)
    return [as_numpy(params) for params in path]


TRAIN_MISTAKES = [
    mistake("no_clipping", "The parameters match training without gradient clipping.",
            train_oracle(clip=lambda grads, max_norm: (list(grads), ref.clip_grad_norm(grads, max_norm)[1])),
            checks=("first_steps",)),
    mistake("per_tensor_clipping", CLIP_PER_TENSOR, train_oracle(clip=clip_per_tensor), checks=("first_steps",)),
]

LAYER_EXAMPLES = 15  # drawn inputs per layer exercise, besides its 2 or 3 explicit examples

# -- the exercises ---------------------------------------------------------------------------------------------------

rnn_step = exercise(
    "rnn.rnn_step", "vanilla RNN step, forward and backward",
    calls=[call("rnn_step_forward", "x", "h_prev", "Wx", "Wh", "b", returns=("h_next", "cache")),
           call("rnn_step_backward", "dh_next", "cache", returns=("dx", "dh_prev", "dWx", "dWh", "db"))],
    inputs=rnn_step_inputs(), examples=RNN_STEP_EXAMPLES, oracle=rnn_step_oracle(),
    checks={"h_next": 1, "dx": 1, "dh_prev": 1, "dWx": 1, "dWh": 1, "db": 1},
    covers={**STEP_COVERS, "Wh not symmetric": lambda i: _not_symmetric(i["Wh"])},
    mistakes=RNN_STEP_MISTAKES,
    max_examples=LAYER_EXAMPLES,
)

rnn_forward = exercise(
    "rnn.rnn_forward", "the RNN unrolled over a sequence from h0",
    builds_on=("rnn.rnn_step",),
    calls=[call("rnn_forward", "x", "h0", "Wx", "Wh", "b", returns=("h", "cache"))],
    inputs=rnn_sequence_inputs(upstream=False),
    examples=tuple(_pick(e, ("x", "h0", "Wx", "Wh", "b")) for e in RNN_SEQUENCE_EXAMPLES),
    oracle=rnn_forward_oracle(),
    checks={"h": 2, "cache": 1},
    covers={**SEQUENCE_COVERS, **RNN_COVERS},
    mistakes=RNN_FORWARD_MISTAKES,
    max_examples=LAYER_EXAMPLES,
)

rnn_backward = exercise(
    "rnn.rnn_backward", "backpropagation through time: dx, dh0 and the shared parameters' gradients",
    calls=[call("rnn_backward", "dh", "cache", returns=BPTT_GRADS)],
    inputs=rnn_sequence_inputs().map(with_cache(rnn_cache)),
    examples=tuple(with_cache(rnn_cache)(e) for e in RNN_SEQUENCE_EXAMPLES),
    oracle=rnn_backward_oracle(),
    checks={"dx": 1, "dh0": 1, "dWx": 1, "dWh": 2, "db": 1},
    covers={**SEQUENCE_COVERS, **RNN_COVERS},
    mistakes=RNN_BACKWARD_MISTAKES,
    max_examples=LAYER_EXAMPLES,
)

LSTM_STEP_OUTPUTS = ("h_next", "c_next")
LSTM_STEP_GRADS = ("dx", "dh_prev", "dc_prev", "dW", "db")
LSTM_BPTT_GRADS = ("dx", "dh0", "dc0", "dW", "db")
lstm_step = exercise(
    "rnn.lstm_step", "LSTM step (gates f, i, C~, o on [h, x]), forward and backward",
    calls=[call("lstm_step_forward", "x", "h_prev", "c_prev", "W", "b", returns=("h_next", "c_next", "cache")),
           call("lstm_step_backward", "dh_next", "dc_next", "cache", returns=LSTM_STEP_GRADS)],
    inputs=lstm_step_inputs(), examples=LSTM_STEP_EXAMPLES, oracle=lstm_step_oracle(),
    checks={"h_next": 1, "c_next": 1, "dx": 1, "dh_prev": 1, "dc_prev": 1, "dW": 2, "db": 1},
    covers={**STEP_COVERS, **LSTM_COVERS},
    mistakes=[*lstm_forward_mistakes(lstm_step_oracle, LSTM_STEP_OUTPUTS + LSTM_STEP_GRADS,
                                     ("h_next",) + LSTM_STEP_GRADS),
              *lstm_backward_mistakes(lstm_step_oracle, LSTM_STEP_GRADS, ("dc_prev",))],
    max_examples=LAYER_EXAMPLES,
)

lstm_forward = exercise(
    "rnn.lstm_forward", "the LSTM unrolled over a sequence: hidden and cell states",
    builds_on=("rnn.lstm_step",),
    calls=[call("lstm_forward", "x", "h0", "c0", "W", "b", returns=("h", "c", "cache"))],
    inputs=lstm_sequence_inputs(upstream=False),
    examples=tuple(_pick(e, ("x", "h0", "c0", "W", "b")) for e in LSTM_SEQUENCE_EXAMPLES),
    oracle=lstm_forward_oracle(),
    checks={"h": 2, "c": 1, "cache": 1},
    covers={**SEQUENCE_COVERS, **LSTM_COVERS, "c0 != 0": lambda i: np.abs(i["c0"]).max() > 0},
    mistakes=lstm_forward_mistakes(lstm_forward_oracle, ("h", "c"), ("h",)),
    max_examples=LAYER_EXAMPLES,
)

lstm_backward = exercise(
    "rnn.lstm_backward", "backpropagation through time for the LSTM, through the cell state too",
    builds_on=("rnn.lstm_step",),
    calls=[call("lstm_backward", "dh", "cache", returns=LSTM_BPTT_GRADS)],
    inputs=lstm_sequence_inputs().map(with_cache(lstm_cache)),
    examples=tuple(with_cache(lstm_cache)(e) for e in LSTM_SEQUENCE_EXAMPLES),
    oracle=lstm_backward_oracle(),
    checks={"dx": 1, "dh0": 1, "dc0": 1, "dW": 2, "db": 1},
    covers={**SEQUENCE_COVERS, **LSTM_COVERS},
    mistakes=lstm_backward_mistakes(lstm_backward_oracle, LSTM_BPTT_GRADS, LSTM_BPTT_GRADS),
    max_examples=LAYER_EXAMPLES,
)

gru_step = exercise(
    "rnn.gru_step", "GRU step by the course notes' equations, forward and backward",
    calls=[call("gru_step_forward", "x", "h_prev", "W", "b", returns=("h_next", "cache")),
           call("gru_step_backward", "dh_next", "cache", returns=("dx", "dh_prev", "dW", "db"))],
    inputs=gru_step_inputs(), examples=GRU_STEP_EXAMPLES, oracle=gru_step_oracle(),
    checks={"h_next": 1, "dx": 1, "dh_prev": 1, "dW": 2, "db": 1},
    covers={**STEP_COVERS, **GRU_COVERS},
    mistakes=gru_mistakes(gru_step_oracle, forward=True, backward=True, backward_checks=("dh_prev",)),
    max_examples=LAYER_EXAMPLES,
)

gru_forward = exercise(
    "rnn.gru_forward", "the course notes' GRU unrolled over a sequence",
    builds_on=("rnn.gru_step",),
    calls=[call("gru_forward", "x", "h0", "W", "b", returns=("h", "cache"))],
    inputs=gru_sequence_inputs(upstream=False),
    examples=tuple(_pick(e, ("x", "h0", "W", "b")) for e in GRU_SEQUENCE_EXAMPLES),
    oracle=gru_forward_oracle(),
    checks={"h": 2, "cache": 1},
    covers={**SEQUENCE_COVERS, **GRU_COVERS},
    mistakes=gru_mistakes(gru_forward_oracle, forward=True, backward=False, forward_checks=("h",)),
    max_examples=LAYER_EXAMPLES,
)

gru_backward = exercise(
    "rnn.gru_backward", "backpropagation through time for the course notes' GRU",
    builds_on=("rnn.gru_step",),
    calls=[call("gru_backward", "dh", "cache", returns=("dx", "dh0", "dW", "db"))],
    inputs=gru_sequence_inputs().map(with_cache(gru_cache)),
    examples=tuple(with_cache(gru_cache)(e) for e in GRU_SEQUENCE_EXAMPLES),
    oracle=gru_backward_oracle(),
    checks={"dx": 1, "dh0": 1, "dW": 2, "db": 1},
    covers={**SEQUENCE_COVERS, **GRU_COVERS},
    mistakes=gru_mistakes(gru_backward_oracle, forward=False, backward=True),
    max_examples=LAYER_EXAMPLES,
)

param_counts = exercise(
    "rnn.param_counts", "parameter counts of stacked RNN, LSTM and GRU layers, with one or two bias vectors",
    calls=[call(f"{cell}_param_count", "input_size", "hidden_size", "num_layers", "bias_vectors", returns=cell)
           for cell in CELLS],
    inputs=param_count_inputs, examples=PARAM_COUNT_EXAMPLES, oracle=param_count_oracle(),
    checks={cell: 1 for cell in CELLS},
    covers={"D != H": lambda i: i["input_size"] != i["hidden_size"], "2 or more layers": lambda i: i["num_layers"] > 1,
            "torch's two bias vectors": lambda i: i["bias_vectors"] == 2,
            "the notes' one bias vector": lambda i: i["bias_vectors"] == 1},
    mistakes=PARAM_COUNT_MISTAKES, max_examples=30,
)

clip_grad_norm = exercise(
    "rnn.clip_grad_norm", "gradient clipping by the global norm, as PyTorch's clip_grad_norm_",
    calls=[call("clip_grad_norm", "grads", "max_norm", returns=("clipped", "total"))],
    inputs=clip_inputs(), examples=CLIP_EXAMPLES, oracle=clip_oracle(),
    checks=[Check("total", 1), Check("clipped", 2, tolerance=CLIP_TOLERANCE)],
    covers={"global norm above max_norm": lambda i: _global_norm(i["grads"]) > i["max_norm"],
            "global norm below max_norm": lambda i: _global_norm(i["grads"]) < i["max_norm"],
            "3 arrays": lambda i: len(i["grads"]) == 3,
            "an array whose own norm is below max_norm, the global norm above":
                lambda i: _global_norm(i["grads"]) > i["max_norm"] > min(
                    np.sqrt(np.sum(g ** 2)) for g in i["grads"].values())},
    mistakes=CLIP_MISTAKES,
)


def _global_norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))


sequence_mse = exercise(
    "rnn.sequence_mse", "the notes' sequence regression loss and its gradient",
    calls=[call("sequence_mse", "pred", "target", returns=("loss", "dpred"))],
    inputs=mse_inputs(), examples=(MSE_EXAMPLE,), oracle=sequence_mse_oracle(),
    checks={"loss": 1, "dpred": 1},
    covers={"T = 1": lambda i: i["pred"].shape[1] == 1, "T >= 3": lambda i: i["pred"].shape[1] >= 3,
            "K >= 2": lambda i: i["pred"].shape[2] >= 2, "N >= 2": lambda i: i["pred"].shape[0] >= 2},
    mistakes=SEQUENCE_MSE_MISTAKES,
)

sequence_cross_entropy = exercise(
    "rnn.sequence_cross_entropy", "the notes' sequence classification loss from logits and its gradient",
    calls=[call("sequence_cross_entropy", "scores", "y", returns=("loss", "dscores"))],
    inputs=sequence_logits(), examples=(CE_EXAMPLE,), oracle=sequence_ce_oracle(),
    checks={"loss": 1, "dscores": 1},
    covers={"T = 1": lambda i: i["scores"].shape[1] == 1, "T >= 3": lambda i: i["scores"].shape[1] >= 3,
            "logits >= 710": lambda i: i["scores"].max() >= 710,
            "gap >= 745": lambda i: (i["scores"].max(2) - i["scores"].min(2)).max() >= 745},
    mistakes=SEQUENCE_CE_MISTAKES,
)

regression_metrics = exercise(
    "rnn.regression_metrics", "MSE, MAE and RMSE",
    calls=[call(name, "y_true", "y_pred", returns=name) for name in ("mse", "mae", "rmse")],
    inputs=regression_inputs(), oracle=regression_oracle(),
    checks={"mse": 1, "mae": 1, "rmse": 1},
    covers={"errors of both signs": lambda i: (i["y_pred"] - i["y_true"]).min() < 0 < (i["y_pred"] - i["y_true"]).max(),
            "2-D arrays": lambda i: i["y_true"].ndim == 2},
    mistakes=REGRESSION_MISTAKES,
)

classification_metrics = exercise(
    "rnn.classification_metrics", "accuracy, precision, recall and F1 (zero division gives 0)",
    calls=[call(name, "y_true", "y_pred", returns=name.replace("_score", ""))
           for name in ("accuracy", "precision", "recall", "f1_score")],
    inputs=classification_inputs(), examples=CLASSIFICATION_EXAMPLES, oracle=classification_oracle(),
    checks={"accuracy": 1, "precision": 1, "recall": 1, "f1": 1},
    covers={"no positive prediction": lambda i: not i["y_pred"].any(),
            "no positive label": lambda i: not i["y_true"].any(),
            "TP, FP and FN all > 0": lambda i: all(v > 0 for v in ref.confusion(as_tensor(i["y_true"]),
                                                                                 as_tensor(i["y_pred"]))[:3])},
    mistakes=CLASSIFICATION_MISTAKES, max_examples=30,
)

train_rnn = exercise(
    "rnn.train_rnn", f"training an RNN with clipping to copy its input 3 steps later (held-out MSE <= {TARGET_MSE})",
    builds_on=("rnn.rnn_forward", "rnn.rnn_backward", "rnn.sequence_mse", "rnn.clip_grad_norm"),
    calls=[call("train_rnn", "x", "y", "params", "lr", "epochs", "max_norm", returns="trained")],  # not "params":
    # an output named like an input would be read from the inputs when the call fails
    inputs=training_inputs(), examples=(TASK_FIRST_STEPS,), oracle=train_oracle(),
    checks=[Check("first_steps", 2, output="trained", tolerance=CLIP_TOLERANCE),
            Check("held_out", 3, output="trained", judge=held_out_error, max_examples=1, inputs=st.just(TASK))],
    covers={"a step clipped": lambda i: max(step_norms(i)) > i["max_norm"],
            "a step not clipped": lambda i: min(step_norms(i)) < i["max_norm"],
            "clipped and unclipped steps in one run": lambda i: min(step_norms(i)) < i["max_norm"] < max(
                step_norms(i)),
            "2 or more steps": lambda i: i["epochs"] >= 2, "T = 1": lambda i: i["x"].shape[1] == 1},
    mistakes=TRAIN_MISTAKES, max_examples=10, seconds=60.0, picture="held_out_sequences",
    curve=Curve(output="trained", inputs=TASK, vary="epochs", at=(1, 5, 10, 20, 30, 40, 60, 80, 100, 125, 150, 175),
                measure=copy_task_errors, reference=clipped_training_curve, targets={"held-out MSE": TARGET_MSE}),
)
