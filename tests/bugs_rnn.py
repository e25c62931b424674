"""Realistic buggy RNN submissions: edits to solutions/rnn.py and the checks each must lose.

Every `fails` set was found by running the grader and read for sense: a bug in a step function also costs the
sequence exercises that call it, and training loses `first_steps` when its parameters after three steps are off,
`held_out` only when the bug also stops it from learning the task: an approximate gradient (truncated BPTT) can
still learn it.
"""
from conftest import Bug, annotated

STEP, FORWARD, BPTT = "rnn.rnn_step", "rnn.rnn_forward", "rnn.rnn_backward"
LSTM_STEP, LSTM_FORWARD, LSTM_BPTT = "rnn.lstm_step", "rnn.lstm_forward", "rnn.lstm_backward"
GRU_STEP, GRU_FORWARD, GRU_BPTT = "rnn.gru_step", "rnn.gru_forward", "rnn.gru_backward"
COUNTS, CLIP, MSE, CE = "rnn.param_counts", "rnn.clip_grad_norm", "rnn.sequence_mse", "rnn.sequence_cross_entropy"
REGRESSION, CLASSIFICATION, TRAIN = "rnn.regression_metrics", "rnn.classification_metrics", "rnn.train_rnn"


def checks(exercise, *names):
    return {(exercise, n) for n in names}


STEP_GRADS = ("dx", "dh_prev", "dWx", "dWh", "db")
BPTT_ALL = checks(BPTT, "dx", "dh0", "dWx", "dWh", "db")
LSTM_STEP_GRADS = ("dx", "dh_prev", "dc_prev", "dW", "db")
LSTM_STEP_ALL = checks(LSTM_STEP, "h_next", "c_next", *LSTM_STEP_GRADS)
LSTM_BPTT_ALL = checks(LSTM_BPTT, "dx", "dh0", "dc0", "dW", "db")
GRU_STEP_ALL = checks(GRU_STEP, "h_next", "dx", "dh_prev", "dW", "db")
GRU_BPTT_ALL = checks(GRU_BPTT, "dx", "dh0", "dW", "db")
FIRST_STEPS = checks(TRAIN, "first_steps")
TRAIN_ALL = checks(TRAIN, "first_steps", "held_out")

BUGS = [
    # -- the vanilla RNN step ------------------------------------------------------------------------------------
    Bug("step_wh_transposed", "h_prev Wh^T: the notes' column form W_hh h_{t-1} carried over to row vectors",
        [("    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)\n", "    h_next = np.tanh(x @ Wx + h_prev @ Wh.T + b)\n")],
        checks(STEP, "h_next", *STEP_GRADS) | checks(FORWARD, "h", "cache") | TRAIN_ALL),
    Bug("step_no_tanh_derivative", "step backward forgets the tanh: da = dh_next",
        [("    da = dh_next * (1.0 - h_next ** 2)\n", "    da = dh_next\n")],
        checks(STEP, *STEP_GRADS)),
    Bug("step_tanh_derivative_of_output", "tanh' evaluated at h_next: 1 - tanh(h_next)^2",
        [("    da = dh_next * (1.0 - h_next ** 2)\n", "    da = dh_next * (1.0 - np.tanh(h_next) ** 2)\n")],
        checks(STEP, *STEP_GRADS)),
    Bug("step_dwh_from_h_next", "dWh = h_next^T da (the state the weight produced, not the one it read)",
        [("    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)\n",
          "    return da @ Wx.T, da @ Wh.T, x.T @ da, h_next.T @ da, da.sum(axis=0)\n")],
        checks(STEP, "dWh")),
    Bug("step_dh_prev_untransposed", "dh_prev = da Wh (Wh not transposed; square, so the shape is right)",
        [("    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)\n",
          "    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)\n")],
        checks(STEP, "dh_prev")),
    Bug("step_db_not_summed", "db left per example: shape (N, H)",
        [("    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)\n",
          "    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da\n")],
        checks(STEP, "db")),
    # -- the unrolled forward ----------------------------------------------------------------------------------------
    Bug("forward_h0_ignored", "the sequence starts from zeros whatever h0 is",
        [("    h_prev = h0\n    for t in range(T):\n        h_prev, _ = rnn_step_forward",
          "    h_prev = np.zeros_like(h0)\n    for t in range(T):\n        h_prev, _ = rnn_step_forward")],
        checks(FORWARD, "h", "cache")),  # training starts from h0 = 0: it cannot see this bug
    Bug("forward_no_recurrence", "every step reads h0: the new state is never carried forward",
        [("        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)\n        h[:, t] = h_prev\n",
          "        h[:, t], _ = rnn_step_forward(x[:, t], h0, Wx, Wh, b)\n")],
        checks(FORWARD, "h", "cache") | TRAIN_ALL),
    Bug("forward_cache_of_step_caches", "CS231n style: the cache is the list of step caches, and rnn_backward "
        "reads that list (ignoring the documented cache entries)",
        [("    h_prev = h0\n    for t in range(T):\n        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)\n"
          "        h[:, t] = h_prev\n"
          "    return h, {\"x\": x, \"h0\": h0, \"Wx\": Wx, \"Wh\": Wh, \"b\": b, \"h\": h}\n",
          "    h_prev, caches = h0, []\n    for t in range(T):\n"
          "        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)\n"
          "        h[:, t] = h_prev\n        caches.append(step_cache)\n    return h, caches\n"),
         ("    x, h0, Wx, Wh, h = (cache[k] for k in (\"x\", \"h0\", \"Wx\", \"Wh\", \"h\"))\n",
          "    x = np.stack([c[0] for c in cache], axis=1)\n    h0, Wx, Wh = cache[0][1], cache[0][2], cache[0][3]\n"
          "    h = np.stack([c[4] for c in cache], axis=1)\n")],
        checks(FORWARD, "cache") | BPTT_ALL),  # its own pipeline (training) works
    # -- backpropagation through time -----------------------------------------------------------------------------
    Bug("bptt_no_flow_from_next_step", "each step uses only its own dh[:, t]: the gradient from step t + 1 dropped",
        [("        da[:, t] = (dh[:, t] + dh_from_next) * (1.0 - h[:, t] ** 2)\n",
          "        da[:, t] = dh[:, t] * (1.0 - h[:, t] ** 2)\n")],
        BPTT_ALL | FIRST_STEPS),  # truncated BPTT still learns the task (held-out MSE 0.012)
    Bug("bptt_not_accumulated", "a loop over time that assigns (=) each step's parameter gradients instead of "
        "adding them up: the first step's are left",
        [("    # Every shared parameter's gradient is a sum over all steps (and the batch): one product each.\n"
          "    rows = da.reshape(N * T, -1)\n"
          "    return (da @ Wx.T, dh_from_next, x.reshape(N * T, D).T @ rows, h_before.reshape(N * T, -1).T @ rows,\n"
          "            rows.sum(axis=0))\n",
          "    for t in reversed(range(T)):\n"
          "        dWx, dWh, db = x[:, t].T @ da[:, t], h_before[:, t].T @ da[:, t], da[:, t].sum(axis=0)\n"
          "    return da @ Wx.T, dh_from_next, dWx, dWh, db\n")],
        checks(BPTT, "dWx", "dWh", "db") | TRAIN_ALL),
    Bug("bptt_last_dh_only", "many-to-one thinking: only the last hidden state's upstream gradient is used",
        [("    dh_from_next = np.zeros_like(h0)\n", "    dh_from_next = dh[:, -1]\n"),
         ("        da[:, t] = (dh[:, t] + dh_from_next) * (1.0 - h[:, t] ** 2)\n",
          "        da[:, t] = dh_from_next * (1.0 - h[:, t] ** 2)\n")],
        BPTT_ALL | TRAIN_ALL),
    Bug("bptt_dh0_zero", "dh0 returned as zeros (h0 treated as a constant)",
        [("    return (da @ Wx.T, dh_from_next, ", "    return (da @ Wx.T, np.zeros_like(h0), ")],
        checks(BPTT, "dh0")),
    Bug("bptt_wh_untransposed", "the gradient to h_{t-1} as da_t Wh instead of da_t Wh^T",
        [("        dh_from_next = da[:, t] @ Wh.T\n", "        dh_from_next = da[:, t] @ Wh\n")],
        BPTT_ALL | TRAIN_ALL),
    Bug("bptt_upstream_in_place", "adds the next step's gradient into the caller's dh in place",
        [("        da[:, t] = (dh[:, t] + dh_from_next) * (1.0 - h[:, t] ** 2)\n",
          "        dh[:, t] += dh_from_next\n        da[:, t] = dh[:, t] * (1.0 - h[:, t] ** 2)\n")],
        BPTT_ALL),  # train_rnn passes a fresh dpred @ Wy^T: the aliasing does not change its result
    # -- the LSTM ----------------------------------------------------------------------------------------------------
    Bug("lstm_torch_gate_order", "W's column blocks read in PyTorch's order i, f, g, o, forward and backward alike",
        [("    f, i, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])\n",
          "    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])\n"),
         ("    da = np.concatenate([dc * c_prev * f * (1.0 - f), dc * g * i * (1.0 - i), ",
          "    da = np.concatenate([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f), ")],
        LSTM_STEP_ALL | checks(LSTM_FORWARD, "h", "c", "cache") | LSTM_BPTT_ALL),
    Bug("lstm_x_first", "[x, h] instead of the notes' [h, x], forward and backward alike",
        [("    a = np.concatenate([h_prev, x], axis=1) @ W + b\n",
          "    a = np.concatenate([x, h_prev], axis=1) @ W + b\n"),
         ("    dW = np.concatenate([h_prev, x], axis=1).T @ da\n"
          "    return dhx[:, H:], dhx[:, :H], dc * f, dW, da.sum(axis=0)\n",
          "    D = x.shape[1]\n    dW = np.concatenate([x, h_prev], axis=1).T @ da\n"
          "    return dhx[:, :D], dhx[:, D:], dc * f, dW, da.sum(axis=0)\n")],
        LSTM_STEP_ALL | checks(LSTM_FORWARD, "h", "c", "cache") | LSTM_BPTT_ALL),
    Bug("lstm_no_tanh_on_cell", "h_next = o * c_next (the tanh of the cell state forgotten in forward)",
        [("    return o * tanh_c, c_next, (x, h_prev, c_prev, W, f, i, g, o, tanh_c)\n",
          "    return o * c_next, c_next, (x, h_prev, c_prev, W, f, i, g, o, tanh_c)\n")],
        checks(LSTM_STEP, "h_next") | checks(LSTM_FORWARD, "h", "c", "cache")),  # c_t depends on h_{t-1}
    Bug("lstm_dc_prev_without_forget_gate", "the cell-state gradient passed back without the forget gate: dc_prev = dc",
        [("    return dhx[:, H:], dhx[:, :H], dc * f, dW, da.sum(axis=0)\n",
          "    return dhx[:, H:], dhx[:, :H], dc, dW, da.sum(axis=0)\n")],
        checks(LSTM_STEP, "dc_prev") | LSTM_BPTT_ALL),
    Bug("lstm_dc_without_h_path", "dc = dc_next: the gradient reaching c through h = o tanh(c) is dropped",
        [("    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)\n", "    dc = dc_next\n")],
        checks(LSTM_STEP, *LSTM_STEP_GRADS) | LSTM_BPTT_ALL),
    Bug("lstm_bptt_cell_gradient_not_carried", "lstm_backward passes dc_next = 0 to every step: the cell state's "
        "gradient is not carried back through time",
        [("lstm_step_backward(dh[:, t] + dh_prev, dc_prev, step)",
          "lstm_step_backward(dh[:, t] + dh_prev, np.zeros_like(dc_prev), step)")],
        LSTM_BPTT_ALL),
    Bug("sigmoid_overflows", "sigmoid as e^z / (1 + e^z): inf / inf = nan once z >= 710",
        [("    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
          "    return np.exp(z) / (1.0 + np.exp(z))\n")],
        LSTM_STEP_ALL - checks(LSTM_STEP, "c_next") | checks(LSTM_FORWARD, "h", "c", "cache") | GRU_STEP_ALL
        | checks(GRU_FORWARD, "h", "cache")),  # the saturating step example drives only o's gate past 710
    # -- the GRU -----------------------------------------------------------------------------------------------------
    Bug("gru_torch_z_convention", "PyTorch's z: h = z h_prev + (1 - z) h~, forward and backward alike",
        [("    return (1.0 - z) * h_prev + z * h_tilde, (x, h_prev, W, r, z, h_tilde)\n",
          "    return z * h_prev + (1.0 - z) * h_tilde, (x, h_prev, W, r, z, h_tilde)\n"),
         ("    da_h = dh_next * z * (1.0 - h_tilde ** 2)\n", "    da_h = dh_next * (1.0 - z) * (1.0 - h_tilde ** 2)\n"),
         ("dh_next * (h_tilde - h_prev) * z * (1.0 - z)], axis=1)",
          "dh_next * (h_prev - h_tilde) * z * (1.0 - z)], axis=1)"),
         ("    dh_prev = dh_next * (1.0 - z) + drh * r + d_hx[:, :H]\n",
          "    dh_prev = dh_next * z + drh * r + d_hx[:, :H]\n")],
        GRU_STEP_ALL | checks(GRU_FORWARD, "h", "cache") | GRU_BPTT_ALL),
    Bug("gru_reset_after", "PyTorch's reset-after candidate tanh(x W_x + r * (h_prev W_h) + b) in forward",
        [("    h_tilde = np.tanh(np.concatenate([r * h_prev, x], axis=1) @ W[:, 2 * H:] + b[2 * H:])\n",
          "    h_tilde = np.tanh(x @ W[H:, 2 * H:] + r * (h_prev @ W[:H, 2 * H:]) + b[2 * H:])\n")],
        GRU_STEP_ALL | checks(GRU_FORWARD, "h", "cache")),
    Bug("gru_dh_prev_without_reset_path", "dh_prev misses the path through r * h_prev in the candidate",
        [("    dh_prev = dh_next * (1.0 - z) + drh * r + d_hx[:, :H]\n",
          "    dh_prev = dh_next * (1.0 - z) + d_hx[:, :H]\n")],
        checks(GRU_STEP, "dh_prev") | GRU_BPTT_ALL),
    # -- parameter counts --------------------------------------------------------------------------------------------
    Bug("count_ignores_bias_vectors", "one bias vector per gate whatever bias_vectors says",
        [("+ bias_vectors * hidden_size)", "+ hidden_size)")],
        checks(COUNTS, "rnn", "lstm", "gru")),
    Bug("count_upper_layers_read_input", "every layer counted as if it read the D input features",
        [("        layer_input = hidden_size  # layer 2", "        layer_input = input_size  # layer 2")],
        checks(COUNTS, "rnn", "lstm", "gru")),
    # -- gradient clipping ---------------------------------------------------------------------------------------------
    Bug("clip_per_tensor", "each gradient array clipped by its own norm",
        [("    return {k: g * coefficient for k, g in grads.items()}, total\n",
          "    return {k: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for k, g in grads.items()}, total\n")],
        checks(CLIP, "clipped") | FIRST_STEPS),
    Bug("clip_also_below_threshold", "the coefficient applied whatever its value: small gradients scaled up",
        [("    coefficient = min(1.0, max_norm / (total + 1e-6))\n", "    coefficient = max_norm / (total + 1e-6)\n")],
        checks(CLIP, "clipped") | TRAIN_ALL),
    Bug("clip_sum_of_norms", "the total norm as the sum of the arrays' norms",
        [("    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))\n",
          "    total = float(sum(np.linalg.norm(g) for g in grads.values()))\n")],
        checks(CLIP, "total", "clipped") | FIRST_STEPS),
    Bug("clip_in_place", "clips the caller's arrays in place and returns them",
        [("    return {k: g * coefficient for k, g in grads.items()}, total\n",
          "    for g in grads.values():\n        g *= coefficient\n    return grads, total\n")],
        checks(CLIP, "total", "clipped")),  # train_rnn's grads are its own: in place is harmless there
    # -- losses --------------------------------------------------------------------------------------------------------
    Bug("mse_mean_over_features", "np.mean over the K output features too (F.mse_loss), in the loss and gradient",
        [("    return float(np.sum(diff ** 2) / (N * T)), 2.0 * diff / (N * T)\n",
          "    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size\n")],
        checks(MSE, "loss", "dpred") | FIRST_STEPS),  # the task has K = 1, where the two agree
    Bug("mse_summed_over_time", "the loss divided by N only: summed over the time steps",
        [("    return float(np.sum(diff ** 2) / (N * T)), 2.0 * diff / (N * T)\n",
          "    return float(np.sum(diff ** 2) / N), 2.0 * diff / N\n")],
        checks(MSE, "loss", "dpred") | TRAIN_ALL),
    Bug("ce_summed_over_time", "CS231n's temporal softmax loss: divided by N only",
        [("    return float(-np.sum(log_p * onehot) / (N * T)), (np.exp(log_p) - onehot) / (N * T)\n",
          "    return float(-np.sum(log_p * onehot) / N), (np.exp(log_p) - onehot) / N\n")],
        checks(CE, "loss", "dscores")),
    Bug("ce_unstable_softmax", "softmax without subtracting the maximum: overflows at logits >= 710",
        [("    shifted = scores - scores.max(axis=2, keepdims=True)\n", "    shifted = scores\n")],
        checks(CE, "loss", "dscores")),
    # -- metrics -------------------------------------------------------------------------------------------------------
    Bug("mae_without_abs", "MAE as the mean of the signed errors",
        [("    return float(np.mean(np.abs(y_true - y_pred)))\n",
          "    return float(np.abs(np.mean(y_true - y_pred)))\n")],
        checks(REGRESSION, "mae")),
    Bug("rmse_root_per_entry", "RMSE as the mean of sqrt(error^2)",
        [("    return float(np.sqrt(mse(y_true, y_pred)))\n",
          "    return float(np.mean(np.sqrt((y_true - y_pred) ** 2)))\n")],
        checks(REGRESSION, "rmse")),
    Bug("precision_zero_division_nan", "precision without the zero-division case: 0/0 gives nan",
        [("    return float(np.sum((y_true == 1) & (y_pred == 1)) / predicted) if predicted else 0.0\n",
          "    with np.errstate(all=\"ignore\"):\n"
          "        return float(np.sum((y_true == 1) & (y_pred == 1)) / predicted)\n")],
        checks(CLASSIFICATION, "precision", "f1")),
    Bug("recall_zero_division_one", "recall = 1 when there is no positive label",
        [("    return float(np.sum((y_true == 1) & (y_pred == 1)) / actual) if actual else 0.0\n",
          "    return float(np.sum((y_true == 1) & (y_pred == 1)) / actual) if actual else 1.0\n")],
        checks(CLASSIFICATION, "recall")),  # F1 is 0 either way: precision is 0 when no label is positive
    Bug("f1_arithmetic_mean", "F1 as the arithmetic mean of precision and recall",
        [("    return 2.0 * p * r / (p + r) if p + r else 0.0\n", "    return (p + r) / 2.0\n")],
        checks(CLASSIFICATION, "f1")),
    Bug("accuracy_true_positives_only", "accuracy counting only the true positives",
        [("    return float(np.mean(y_true == y_pred))\n",
          "    return float(np.mean((y_true == 1) & (y_pred == 1)))\n")],
        checks(CLASSIFICATION, "accuracy")),
    # -- training ------------------------------------------------------------------------------------------------------
    Bug("train_without_clipping", "the clipping step left out",
        [("        clipped, _ = clip_grad_norm(grads, max_norm)\n", "        clipped = grads\n")],
        TRAIN_ALL),
    Bug("train_output_bias_frozen", "the output bias by never updated",
        [("        p = {k: p[k] - lr * clipped[k] for k in p}\n",
          "        p = {k: p[k] - lr * clipped[k] if k != \"by\" else p[k] for k in p}\n")],
        FIRST_STEPS),
    Bug("train_updates_in_place", "the update p -= lr * g on the caller's arrays (no copy)",
        [("    p = {k: v.copy() for k, v in params.items()}\n", "    p = params\n"),
         ("        p = {k: p[k] - lr * clipped[k] for k in p}\n",
          "        for k in p:\n            p[k] -= lr * clipped[k]\n")],
        TRAIN_ALL),
]

# The misconception (autograder/exercises/rnn.py) each bug embodies, per exercise: wherever the bug's output is
# wrong, it is what that misconception's variant of the oracle returns (tests/test_reference_rnn.py), so the
# feedback can name it.
NAMED = {
    "step_wh_transposed": [(STEP, "wh_transposed", ("h_next",)), (FORWARD, "wh_transposed", ("h",))],
    "step_no_tanh_derivative": [(STEP, "no_tanh_derivative", STEP_GRADS)],
    "step_tanh_derivative_of_output": [(STEP, "tanh_derivative_of_output", STEP_GRADS)],
    "step_dwh_from_h_next": [(STEP, "dwh_from_h_next", ("dWh",))],
    "step_dh_prev_untransposed": [(STEP, "dh_prev_untransposed", ("dh_prev",))],
    "forward_h0_ignored": [(FORWARD, "h0_ignored", ("h",))],
    "bptt_no_flow_from_next_step": [(BPTT, "no_flow_from_next_step", ("dx", "dh0", "dWx", "dWh", "db"))],
    "bptt_not_accumulated": [(BPTT, "not_accumulated_over_time", ("dWx", "dWh", "db"))],
    "bptt_last_dh_only": [(BPTT, "last_dh_only", ("dx", "dh0", "dWx", "dWh", "db"))],
    "bptt_wh_untransposed": [(BPTT, "dh_prev_untransposed", ("dx", "dh0", "dWx", "dWh", "db"))],
    "lstm_torch_gate_order": [(LSTM_STEP, "torch_gate_order", ("h_next", "c_next", *LSTM_STEP_GRADS)),
                              (LSTM_FORWARD, "torch_gate_order", ("h", "c"))],
    "lstm_x_first": [(LSTM_STEP, "x_first", ("h_next", "c_next", *LSTM_STEP_GRADS)),
                     (LSTM_FORWARD, "x_first", ("h", "c"))],
    "lstm_no_tanh_on_cell": [(LSTM_STEP, "no_tanh_on_cell", ("h_next",)), (LSTM_FORWARD, "no_tanh_on_cell", ("h",))],
    "lstm_dc_prev_without_forget_gate": [(LSTM_STEP, "dc_prev_without_forget_gate", ("dc_prev",)),
                                         (LSTM_BPTT, "dc_prev_without_forget_gate", ("dx", "dh0", "dc0", "dW", "db"))],
    "lstm_dc_without_h_path": [(LSTM_STEP, "dc_without_h_path", LSTM_STEP_GRADS),
                               (LSTM_BPTT, "dc_without_h_path", ("dx", "dh0", "dc0", "dW", "db"))],
    "gru_torch_z_convention": [(GRU_STEP, "z_keeps_old_state", ("h_next", "dx", "dh_prev", "dW", "db")),
                               (GRU_FORWARD, "z_keeps_old_state", ("h",))],
    "gru_reset_after": [(GRU_STEP, "reset_after", ("h_next",)), (GRU_FORWARD, "reset_after", ("h",))],
    "gru_dh_prev_without_reset_path": [(GRU_STEP, "dh_prev_without_reset_path", ("dh_prev",)),
                                       (GRU_BPTT, "dh_prev_without_reset_path", ("dx", "dh0", "dW", "db"))],
    "count_ignores_bias_vectors": [(COUNTS, "always_1_bias_vectors", ("rnn", "lstm", "gru"))],
    "count_upper_layers_read_input": [(COUNTS, "upper_layers_read_the_input", ("rnn", "lstm", "gru"))],
    "clip_per_tensor": [(CLIP, "per_tensor", ("clipped",)), (TRAIN, "per_tensor_clipping", ("first_steps",))],
    "clip_also_below_threshold": [(CLIP, "scales_up", ("clipped",))],
    "clip_sum_of_norms": [(CLIP, "sum_of_norms", ("total", "clipped"))],
    "mse_mean_over_features": [(MSE, "mean_over_features", ("loss", "dpred"))],
    "mse_summed_over_time": [(MSE, "summed_over_time", ("loss", "dpred"))],
    "ce_summed_over_time": [(CE, "summed_over_time", ("loss", "dscores"))],
    "mae_without_abs": [(REGRESSION, "mae_signed", ("mae",))],
    "rmse_root_per_entry": [(REGRESSION, "rmse_root_per_entry", ("rmse",))],
    "recall_zero_division_one": [(CLASSIFICATION, "zero_division_one", ("recall",))],
    "f1_arithmetic_mean": [(CLASSIFICATION, "f1_arithmetic_mean", ("f1",))],
    "accuracy_true_positives_only": [(CLASSIFICATION, "accuracy_true_positives_only", ("accuracy",))],
    "train_without_clipping": [(TRAIN, "no_clipping", ("first_steps",))],
}

# The feedback each bug gets beyond its checks (tests/test_feedback.py): the mistakes it names (none for the
# others), and the length of the input its first failing check shows, at most 3 along every free axis but
# for these.
MISTAKES = {
    'step_wh_transposed': ('wh_transposed',),
    'step_no_tanh_derivative': ('no_tanh_derivative',),
    'step_tanh_derivative_of_output': ('tanh_derivative_of_output',),
    'step_dwh_from_h_next': ('dwh_from_h_next',),
    'step_dh_prev_untransposed': ('dh_prev_untransposed',),
    'forward_h0_ignored': ('h0_ignored',),
    'bptt_no_flow_from_next_step': ('no_flow_from_next_step',),
    'bptt_not_accumulated': ('not_accumulated_over_time',),
    'bptt_last_dh_only': ('last_dh_only',),
    'bptt_wh_untransposed': ('dh_prev_untransposed',),
    'lstm_torch_gate_order': ('torch_gate_order',),
    'lstm_x_first': ('x_first',),
    'lstm_no_tanh_on_cell': ('no_tanh_on_cell',),
    'lstm_dc_prev_without_forget_gate': ('dc_prev_without_forget_gate',),
    'lstm_dc_without_h_path': ('dc_without_h_path',),
    'gru_torch_z_convention': ('z_keeps_old_state',),
    'gru_reset_after': ('reset_after',),
    'gru_dh_prev_without_reset_path': ('dh_prev_without_reset_path',),
    'count_ignores_bias_vectors': ('always_1_bias_vectors',),
    'count_upper_layers_read_input': ('upper_layers_read_the_input',),
    'clip_per_tensor': ('per_tensor', 'per_tensor_clipping'),
    'clip_also_below_threshold': ('scales_up',),
    'clip_sum_of_norms': ('sum_of_norms',),
    'mse_mean_over_features': ('mean_over_features',),
    'mse_summed_over_time': ('summed_over_time',),
    'ce_summed_over_time': ('summed_over_time',),
    'mae_without_abs': ('mae_signed',),
    'rmse_root_per_entry': ('rmse_root_per_entry',),
    'recall_zero_division_one': ('zero_division_one',),
    'f1_arithmetic_mean': ('f1_arithmetic_mean',),
    'accuracy_true_positives_only': ('accuracy_true_positives_only',),
    'train_without_clipping': ('no_clipping',),
}
INPUT_AXIS = {
    'sigmoid_overflows': 16,
    'ce_summed_over_time': 4,
}
BUGS = annotated(BUGS, MISTAKES, INPUT_AXIS)
