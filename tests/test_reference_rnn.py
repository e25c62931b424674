"""The rnn oracle (reference/rnn.py) checked against torch built-ins, scikit-learn and gradcheck; and the rnn
declarations' own claims: each misconception differs from the oracle, the training task needs its clipping.

Inputs come from the grader's own strategies (autograder/exercises/rnn.py). Values and gradients must agree
with the built-in within the rule of autograder/compare.py made a million times tighter (rtol 1e-12, atol 1e-14
scaled by max(1, max|expected|)).
"""
import copy

import numpy as np
import pytest
import sklearn.metrics
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.autograd import gradcheck

import reference.rnn as ref
from autograder.compare import compare
from autograder.exercises import rnn as E
from autograder.grading.search import search
from autograder.model import catalog, select
from test_reference_cnn import close, t

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None)


def same_vjp(mine, builtin, inputs, upstream, rtol=1e-12):
    """Values and vector-Jacobian products of two functions of the same tensors agree; each returns a tuple."""
    got, expected = mine(*inputs), builtin(*inputs)
    for g, e in zip(got, expected):
        close(g, e, rtol=rtol)
    for g, e in zip(torch.autograd.grad(got, inputs, upstream), torch.autograd.grad(expected, inputs, upstream)):
        close(g, e, rtol=rtol)


def small(inputs, names):
    """Leaf tensors for gradcheck: the first two rows of the batch, everything else as is."""
    return tuple(t(inputs[k][:2] if k in ("x", "h_prev", "c_prev", "h0", "c0") else inputs[k], grad=True)
                 for k in names)


# -- the vanilla RNN against nn.RNNCell and nn.RNN -------------------------------------------------------------


def rnn_module(Wx, Wh, b, cell=False):
    """nn.RNNCell / nn.RNN (tanh, batch_first) holding the row-form weights: weight_ih = Wx^T, weight_hh = Wh^T;
    torch's two biases add up, so b is split between them."""
    D, H = Wx.shape
    module = nn.RNNCell(D, H) if cell else nn.RNN(D, H, batch_first=True)
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if cell else \
        ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    params = dict(zip(names, (Wx.T, Wh.T, 0.25 * b, 0.75 * b)))
    return torch.func.functional_call, module, params


@SETTINGS
@given(E.rnn_step_inputs())
@example(E.RNN_STEP_EXAMPLES[0])
@example(E.RNN_STEP_EXAMPLES[1])
def test_rnn_step_against_rnncell(inputs):
    x, h, Wx, Wh, b = (t(inputs[k], grad=True) for k in ("x", "h_prev", "Wx", "Wh", "b"))
    call, module, _ = rnn_module(Wx, Wh, b, cell=True)

    def builtin(x, h, Wx, Wh, b):
        return (call(module, {"weight_ih": Wx.T, "weight_hh": Wh.T, "bias_ih": 0.25 * b, "bias_hh": 0.75 * b},
                     (x, h)),)

    same_vjp(lambda *a: (ref.rnn_step(*a),), builtin, (x, h, Wx, Wh, b), (t(inputs["dh_next"]),))
    assert gradcheck(ref.rnn_step, small(inputs, ("x", "h_prev", "Wx", "Wh", "b")))


@SETTINGS
@given(E.rnn_sequence_inputs())
@example(E.RNN_SEQUENCE_EXAMPLES[0])
@example(E.RNN_SEQUENCE_EXAMPLES[2])
def test_rnn_forward_against_nn_rnn(inputs):
    x, h0, Wx, Wh, b = (t(inputs[k], grad=True) for k in ("x", "h0", "Wx", "Wh", "b"))
    call, module, _ = rnn_module(Wx, Wh, b)

    def builtin(x, h0, Wx, Wh, b):
        params = {"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": 0.25 * b, "bias_hh_l0": 0.75 * b}
        return (call(module, params, (x, h0[None]))[0],)

    same_vjp(lambda *a: (ref.rnn_forward(*a),), builtin, (x, h0, Wx, Wh, b), (t(inputs["dh"]),))
    assert gradcheck(ref.rnn_forward, small(inputs, ("x", "h0", "Wx", "Wh", "b")))


# -- the LSTM against nn.LSTMCell and nn.LSTM -------------------------------------------------------------------

TORCH_GATES = ("i", "f", "g", "o")  # nn.LSTM's row blocks


def lstm_torch_params(W, b, suffix=""):
    """The row-form W (H + D, 4H) on [h, x], blocks f, i, C~, o, as nn.LSTM's weight_ih (4H, D) and weight_hh
    (4H, H), blocks i, f, g, o (CONVENTIONS.md section 3). b goes to bias_ih; bias_hh is 0."""
    H = W.shape[1] // 4
    blocks = [ref.LSTM_GATES.index(g) for g in TORCH_GATES]
    reordered = torch.cat([W[:, k * H:(k + 1) * H] for k in blocks], dim=1)
    return {f"weight_ih{suffix}": reordered[H:].T, f"weight_hh{suffix}": reordered[:H].T,
            f"bias_ih{suffix}": torch.cat([b[k * H:(k + 1) * H] for k in blocks]),
            f"bias_hh{suffix}": torch.zeros(4 * H)}


@SETTINGS
@given(E.lstm_step_inputs())
@example(E.LSTM_STEP_EXAMPLES[0])
@example(E.LSTM_STEP_EXAMPLES[1])
def test_lstm_step_against_lstmcell(inputs):
    names = ("x", "h_prev", "c_prev", "W", "b")
    x, h, c, W, b = (t(inputs[k], grad=True) for k in names)
    module = nn.LSTMCell(x.shape[1], h.shape[1])

    def builtin(x, h, c, W, b):
        return torch.func.functional_call(module, lstm_torch_params(W, b), (x, (h, c)))

    same_vjp(lambda *a: ref.lstm_step(*a)[:2], builtin, (x, h, c, W, b),
             (t(inputs["dh_next"]), t(inputs["dc_next"])))
    assert gradcheck(lambda *a: ref.lstm_step(*a)[:2], small(inputs, names))


def test_lstm_gate_order_matters():
    """The mapping is needed: reading the blocks in torch's order instead of the notes' gives another LSTM."""
    inputs = E.LSTM_STEP_EXAMPLES[0]
    args = [t(inputs[k]) for k in ("x", "h_prev", "c_prev", "W", "b")]
    assert not torch.allclose(ref.lstm_step(*args)[0], E.lstm_gate_order(TORCH_GATES)(*args)[0])


@SETTINGS
@given(E.lstm_sequence_inputs())
@example(E.LSTM_SEQUENCE_EXAMPLES[1])
@example(E.LSTM_SEQUENCE_EXAMPLES[2])
def test_lstm_forward_against_nn_lstm(inputs):
    names = ("x", "h0", "c0", "W", "b")
    x, h0, c0, W, b = (t(inputs[k], grad=True) for k in names)
    module = nn.LSTM(x.shape[2], h0.shape[1], batch_first=True)

    def builtin(x, h0, c0, W, b):
        out, (h_T, c_T) = torch.func.functional_call(module, lstm_torch_params(W, b, "_l0"), (x, (h0[None], c0[None])))
        return out, c_T[0]

    def mine(x, h0, c0, W, b):
        h, c, _ = ref.lstm_forward(x, h0, c0, W, b)
        return h, c[:, -1]

    same_vjp(mine, builtin, (x, h0, c0, W, b), (t(inputs["dh"]), t(inputs["dh"][:, 0])))
    assert gradcheck(lambda *a: ref.lstm_forward(*a)[:2], small(inputs, names))


# -- the notes' GRU: nn.GRUCell only where they agree, gradcheck everywhere ---------------------------------------


def gru_special_case(W, b):
    """Make the notes' GRU one that nn.GRUCell can express: the candidate's h rows W[:H, 2H:] set to 0 (torch's
    W_hn = 0, b_hn = 0: then resetting before or after the product is the same), and torch's z weights the
    negated z weights (torch's z keeps the old state: z_torch = 1 - z_notes = sigmoid(-a_z)).
    Returns the notes' W and b, and nn.GRUCell's parameters (blocks r, z, n)."""
    H = W.shape[1] // 3
    W = W.clone()
    W[:H, 2 * H:] = 0.0
    r, z, n = (slice(k * H, (k + 1) * H) for k in range(3))
    weight = torch.cat([W[:, r], -W[:, z], W[:, n]], dim=1)
    params = {"weight_ih": weight[H:].T, "weight_hh": weight[:H].T,
              "bias_ih": torch.cat([b[r], -b[z], b[n]]), "bias_hh": torch.zeros(3 * H)}
    return W, b, params


@SETTINGS
@given(E.gru_step_inputs())
@example(E.GRU_STEP_EXAMPLES[0])
@example(E.GRU_STEP_EXAMPLES[1])
def test_gru_step_against_grucell_where_they_agree(inputs):
    x, h, W, b = (t(inputs[k]) for k in ("x", "h_prev", "W", "b"))
    W, b, params = gru_special_case(W, b)
    x, h, W, b = (v.requires_grad_(True) for v in (x, h, W, b))
    module = nn.GRUCell(x.shape[1], h.shape[1])
    with torch.no_grad():
        for name, value in params.items():
            getattr(module, name).copy_(value)
    got, expected = ref.gru_step(x, h, W, b)[0], module(x, h)
    close(got, expected)
    up = t(inputs["dh_next"])
    for g, e in zip(torch.autograd.grad(got, (x, h), up), torch.autograd.grad(expected, (x, h), up)):
        close(g, e)
    assert gradcheck(lambda *a: ref.gru_step(*a)[0], small(inputs, ("x", "h_prev", "W", "b")))


def test_the_notes_gru_is_not_grucell():
    """Outside the special case the two differ (CONVENTIONS.md section 3: 0.16 from the reset placement alone)."""
    inputs = E.GRU_STEP_EXAMPLES[0]
    x, h, W, b = (t(inputs[k]) for k in ("x", "h_prev", "W", "b"))
    _, _, params = gru_special_case(W, b)
    H = h.shape[1]
    params["weight_hh"] = torch.cat([W[:H, :H], -W[:H, H:2 * H], W[:H, 2 * H:]], dim=1).T
    module = nn.GRUCell(x.shape[1], H)
    with torch.no_grad():
        for name, value in params.items():
            getattr(module, name).copy_(value)
    assert (ref.gru_step(x, h, W, b)[0] - module(x, h)).abs().max() > 1e-3


@SETTINGS
@given(E.gru_sequence_inputs())
@example(E.GRU_SEQUENCE_EXAMPLES[1])
def test_gru_forward_unrolls_the_step(inputs):
    x, h0, W, b = (t(inputs[k]) for k in ("x", "h0", "W", "b"))
    W, b, params = gru_special_case(W, b)
    module = nn.GRU(x.shape[2], h0.shape[1], batch_first=True)
    with torch.no_grad():
        for name, value in params.items():
            getattr(module, name + "_l0").copy_(value)
    close(ref.gru_forward(x, h0, W, b)[0], module(x, h0[None])[0])
    assert gradcheck(lambda *a: ref.gru_forward(*a)[0], small(inputs, ("x", "h0", "W", "b")))


# -- parameter counts, clipping, losses, metrics ---------------------------------------------------------------------


@SETTINGS
@given(E.param_count_inputs)
def test_param_counts_against_the_closed_form(inputs):
    D, H, L, biases = (inputs[k] for k in ("input_size", "hidden_size", "num_layers", "bias_vectors"))
    for cell, gates in (("rnn", 1), ("lstm", 4), ("gru", 3)):
        per_layer = [gates * (H * (n_in + H) + biases * H) for n_in in [D] + [H] * (L - 1)]
        assert ref.param_count(cell, **inputs) == sum(per_layer)


def test_param_counts_of_torch_modules():
    module = nn.LSTM(10, 20, num_layers=2)
    assert ref.param_count("lstm", 10, 20, 2, 2) == sum(p.numel() for p in module.parameters())
    assert ref.param_count("lstm", 10, 20, 2, 1) == sum(p.numel() for n, p in module.named_parameters()
                                                        if not n.startswith("bias_hh"))


@SETTINGS
@given(E.clip_inputs())
@example(E.CLIP_EXAMPLES[0])
@example(E.CLIP_EXAMPLES[1])
def test_clip_against_clip_grad_norm_(inputs):
    params = [nn.Parameter(torch.zeros(g.shape)) for g in inputs["grads"].values()]
    for p, g in zip(params, inputs["grads"].values()):
        p.grad = t(g)
    total = torch.nn.utils.clip_grad_norm_(params, inputs["max_norm"])
    clipped, mine = ref.clip_grad_norm([t(g) for g in inputs["grads"].values()], inputs["max_norm"])
    close(mine, total)
    for got, p in zip(clipped, params):
        close(got, p.grad)
        if mine < inputs["max_norm"]:
            assert torch.equal(got, p.grad)  # left bit-identical below the threshold


@SETTINGS
@given(E.mse_inputs())
def test_sequence_mse_is_mse_loss_times_the_output_size(inputs):
    pred = t(inputs["pred"], grad=True)
    target = t(inputs["target"])
    same_vjp(lambda p: (ref.sequence_mse(p, target),), lambda p: (F.mse_loss(p, target) * p.shape[2],), (pred,),
             (torch.tensor(1.0),))


@SETTINGS
@given(E.sequence_logits())
@example(E.CE_EXAMPLE)
def test_sequence_cross_entropy_is_cross_entropy_over_every_step(inputs):
    scores, y = t(inputs["scores"], grad=True), torch.tensor(inputs["y"])
    C = scores.shape[2]
    same_vjp(lambda s: (ref.sequence_cross_entropy(s, y),),
             lambda s: (F.cross_entropy(s.reshape(-1, C), y.reshape(-1)),), (scores,), (torch.tensor(1.0),))


@SETTINGS
@given(E.regression_inputs())
def test_regression_metrics(inputs):
    y_true, y_pred = t(inputs["y_true"]), t(inputs["y_pred"])
    close(ref.mse(y_true, y_pred), F.mse_loss(y_pred, y_true))
    close(ref.mae(y_true, y_pred), F.l1_loss(y_pred, y_true))
    close(ref.rmse(y_true, y_pred), torch.sqrt(F.mse_loss(y_pred, y_true)))
    close(ref.mse(y_true, y_pred),
          sklearn.metrics.mean_squared_error(inputs["y_true"].ravel(), inputs["y_pred"].ravel()))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(E.classification_inputs())
@example(E.CLASSIFICATION_EXAMPLES[1])
@example(E.CLASSIFICATION_EXAMPLES[2])
@example(E.CLASSIFICATION_EXAMPLES[3])
def test_classification_metrics_against_scikit_learn(inputs):
    """Including the zero-division cases: scikit-learn with zero_division=0 is the stated convention."""
    y_true, y_pred = inputs["y_true"], inputs["y_pred"]
    tt, tp = torch.tensor(y_true), torch.tensor(y_pred)
    assert ref.accuracy(tt, tp) == pytest.approx(sklearn.metrics.accuracy_score(y_true, y_pred), abs=1e-15)
    for mine, theirs in ((ref.precision, sklearn.metrics.precision_score), (ref.recall, sklearn.metrics.recall_score),
                         (ref.f1_score, sklearn.metrics.f1_score)):
        assert mine(tt, tp) == pytest.approx(theirs(y_true, y_pred, zero_division=0), abs=1e-15)


# -- the training exercise ------------------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(E.training_inputs())
@example(E.TASK_FIRST_STEPS)
def test_training_is_sgd_with_clip_grad_norm_(inputs):
    """The oracle's training = torch.optim.SGD stepping an RNN regressor whose gradients clip_grad_norm_ clips."""
    params = {k: nn.Parameter(t(v)) for k, v in inputs["params"].items()}
    optimizer = torch.optim.SGD(params.values(), lr=inputs["lr"])
    x, y = t(inputs["x"]), t(inputs["y"])
    for _ in range(inputs["epochs"]):
        optimizer.zero_grad()
        ref.sequence_mse(ref.rnn_regressor(x, *(params[k] for k in ref.REGRESSOR_PARAMS)), y).backward()
        torch.nn.utils.clip_grad_norm_(params.values(), inputs["max_norm"])
        optimizer.step()
    trained, _ = ref.train_rnn(x, y, {k: t(v) for k, v in inputs["params"].items()}, inputs["lr"], inputs["epochs"],
                               inputs["max_norm"])
    for k in ref.REGRESSOR_PARAMS:
        close(trained[k], params[k], rtol=1e-10)


def test_rnn_regressor_is_nn_rnn_and_a_linear_readout():
    p = {k: t(v) for k, v in E.TASK["params"].items()}
    x = t(E.TEST_X[:8])
    rnn = nn.RNN(1, E.TASK_HIDDEN, batch_first=True, bias=True)
    readout = nn.Linear(E.TASK_HIDDEN, 1)
    with torch.no_grad():
        for module, values in ((rnn, (p["Wx"].T, p["Wh"].T, p["b"], torch.zeros_like(p["b"]))),
                               (readout, (p["Wy"].T, p["by"]))):
            for param, value in zip(module.parameters(), values):
                param.copy_(value)
    close(ref.rnn_regressor(x, *(p[k] for k in ref.REGRESSOR_PARAMS)), readout(rnn(x)[0]))


def test_the_training_task_needs_clipping():
    """The first three steps clip, do not clip, clip (so `first_steps` sees both); the full training reaches the
    target with a wide margin, and the same training without clipping does not."""
    x, y = t(E.TRAIN_X), t(E.TRAIN_Y)
    params = {k: t(v) for k, v in E.TASK["params"].items()}
    _, norms = ref.train_rnn(x, y, params, E.TASK["lr"], 3, E.TASK["max_norm"])
    assert norms[0] > 1.5 and norms[1] < 0.9 and norms[2] > 1.01
    held_out = {}
    for name, clip in (("clipped", ref.clip_grad_norm), ("not clipped", lambda g, m: (list(g), torch.tensor(0.0)))):
        trained, _ = ref.train_rnn(x, y, params, E.TASK["lr"], E.TASK["epochs"], E.TASK["max_norm"], clip=clip)
        with np.errstate(all="ignore"):
            pred = ref.rnn_regressor(t(E.TEST_X), *(trained[k] for k in ref.REGRESSOR_PARAMS))
            held_out[name] = float(ref.sequence_mse(pred, t(E.TEST_Y)))
    assert held_out["clipped"] < E.TARGET_MSE / 2
    assert not held_out["not clipped"] < 10 * E.TARGET_MSE  # diverged: nan or huge


# -- the misconceptions ----------------------------------------------------------------------------------------------

RNN_EXERCISES = select(catalog(), ["rnn"])
WITH_MISTAKES = [(ex, m) for ex in RNN_EXERCISES for m in ex.mistakes]


def lookup(value, path):
    for key in path:
        value = value[key]
    return value


@pytest.fixture(scope="module")
def graded_inputs():
    """Every input the grader draws for each rnn exercise (its examples and Hypothesis's)."""
    found = {}
    for ex in RNN_EXERCISES:
        found[ex.id] = []
        search(ex.inputs, ex.examples, ex.max_examples, found[ex.id].append)
    return found


@pytest.mark.parametrize("ex, mistake", WITH_MISTAKES, ids=[f"{ex.id}-{m.name}" for ex, m in WITH_MISTAKES])
def test_each_misconception_differs_from_the_oracle_on_the_graded_inputs(ex, mistake, graded_inputs):
    """Some graded input tells the two apart (compare() fails) for every check the misconception names, or, when
    it names none, for one of the checks whose output it returns; and the variant's values have the oracle's
    shapes, so that matching a student's output against it is meaningful."""
    assert set(mistake.checks) <= {c.name for c in ex.checks}
    checks = [c for c in ex.checks if c.judge is None and (not mistake.checks or c.name in mistake.checks)]
    told_apart = set()
    for inputs in graded_inputs[ex.id]:
        expected, wrong = ex.oracle(**copy.deepcopy(inputs)), mistake.oracle(**copy.deepcopy(inputs))
        for check in checks:
            try:
                value = lookup(wrong, check.path)
            except KeyError:
                continue
            assert np.shape(value) == np.shape(lookup(expected, check.path)), (check.name, np.shape(value))
            if compare(check.name, value, lookup(expected, check.path), check.tolerance or ex.tolerance):
                told_apart.add(check.name)
    if mistake.checks:
        assert set(mistake.checks) <= told_apart, f"no graded input separates {set(mistake.checks) - told_apart}"
    else:
        assert told_apart, "no graded input separates the misconception from the oracle"


def test_every_rnn_exercise_declares_misconceptions():
    assert all(ex.mistakes for ex in RNN_EXERCISES)
    assert all(len({m.name for m in ex.mistakes}) == len(ex.mistakes) for ex in RNN_EXERCISES)


# -- clipping with and without torch's + 1e-6 ---------------------------------------------------------------------


@pytest.mark.slow
def test_clipping_without_the_epsilon_earns_full_marks(submission):
    """max_norm / total instead of max_norm / (total + 1e-6) is correct too (shared/INPUT-COVERAGE.md): it moves the
    clipped values by a relative 1e-6 / total, which CLIP_TOLERANCE accepts and the default rtol 1e-6 would not
    always; test_correct_variants cannot hold it (it asks every variant to agree to 1e-10)."""
    from conftest import mutate, solution_source
    from variants_rnn import CLIP_WITHOUT_EPS

    report = submission("rnn", mutate(solution_source("rnn"), CLIP_WITHOUT_EPS), only=["rnn.clip_grad_norm",
                                                                                       "rnn.train_rnn"])
    assert report.score == report.points > 0, [c.message for e in report.exercises for c in e.checks]


def test_the_epsilon_moves_the_clipped_values_by_less_than_the_tolerance():
    ex = select(catalog(), ["rnn.clip_grad_norm"])[0]
    inputs = ex.examples[0]
    grads = [t(g) for g in inputs["grads"].values()]
    with_eps, total = ref.clip_grad_norm(grads, inputs["max_norm"])
    without = [g * inputs["max_norm"] / total for g in grads]
    relative = max(float(((a - b).abs() / b.abs()).max()) for a, b in zip(with_eps, without))
    assert 1e-8 < relative < E.CLIP_TOLERANCE.rtol / 10


NAMED = [(bug_id, *named) for bug_id, entries in __import__("bugs_rnn").NAMED.items() for named in entries]


@pytest.mark.parametrize("bug_id, exercise_id, mistake_name, check_names", NAMED,
                         ids=[f"{b}-{e.split('.')[1]}" for b, e, _, _ in NAMED])
def test_the_misconception_is_what_the_buggy_code_returns(bug_id, exercise_id, mistake_name, check_names,
                                                          graded_inputs):
    """Wherever the bug of tests/bugs_rnn.py gets a check wrong, its output is the misconception's variant of the
    oracle (within the check's tolerance): the hint would name the right mistake, and never a wrong one."""
    import types

    import bugs_rnn
    from conftest import mutate, solution_source
    from test_correct_variants import run_plan

    bug = next(b for b in bugs_rnn.BUGS if b.id == bug_id)
    module = types.ModuleType(bug_id)
    exec(compile(mutate(solution_source("rnn"), bug.edits), bug_id, "exec"), module.__dict__)
    ex = select(catalog(), [exercise_id])[0]
    mistake = next(m for m in ex.mistakes if m.name == mistake_name)
    checks = [c for c in ex.checks if c.name in check_names]
    assert len(checks) == len(check_names)
    wrong = 0
    for inputs in graded_inputs[exercise_id]:
        with np.errstate(all="ignore"):
            got = run_plan(module, ex, inputs)
        expected, variant = ex.oracle(**copy.deepcopy(inputs)), mistake.oracle(**copy.deepcopy(inputs))
        for check in checks:
            tolerance = check.tolerance or ex.tolerance
            if compare(check.name, lookup(got, check.path), lookup(expected, check.path), tolerance):
                wrong += 1
                assert compare(check.name, lookup(got, check.path), lookup(variant, check.path), tolerance) is None
    assert wrong, "the bug never gets these checks wrong"
