"""Oracle for the rnn topic: the course notes' recurrent networks written in torch ops.

Row form throughout (the notes write column vectors, but their shapes need rows): a batch of inputs
x_t (N, D), hidden states h_t (N, H),

    vanilla:  h_t = tanh(x_t Wx + h_{t-1} Wh + b)                         Wx (D, H), Wh (H, H), b (H,)
    LSTM:     [f | i | g | o] = [h_{t-1}, x_t] W + b                      W (H + D, 4H), b (4H,)
              f, i, o = sigmoid(.), g = tanh(.)   (g is the notes' candidate C~)
              c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
    GRU:      [r | z] = sigmoid([h_{t-1}, x_t] W[:, :2H] + b[:2H])         W (H + D, 3H), b (3H,)
              h~_t = tanh([r * h_{t-1}, x_t] W[:, 2H:] + b[2H:])
              h_t = (1 - z) * h_{t-1} + z * h~_t   (the notes' GRU: not nn.GRUCell's, see CONVENTIONS.md)

[h, x] is the concatenation along the feature axis, h first, as the notes' [h_{t-1}, x_t]; gate blocks are
in the notes' order (f, i, C~, o for the LSTM, r, z, h~ for the GRU). Only forward formulas live here; every
gradient the grader expects comes from torch.autograd (autograder/oracle.py). tests/test_reference_rnn.py
checks each function against nn.RNNCell/nn.RNN, nn.LSTMCell/nn.LSTM (with the weight mapping), nn.GRUCell
(in the special case where the notes' GRU and torch's agree), clip_grad_norm_, F.mse_loss, F.cross_entropy,
scikit-learn's metrics and gradcheck.
"""
import torch
import torch.nn.functional as F
from torch import nn

LSTM_GATES = ("f", "i", "g", "o")  # the column blocks of the LSTM's W and b, in this order
GRU_GATES = ("r", "z", "h_tilde")


# -- cells and sequences ---------------------------------------------------------------------------


def rnn_step(x, h_prev, Wx, Wh, b):
    """h_next = tanh(x Wx + h_prev Wh + b): x (N, D), h_prev (N, H) -> (N, H)."""
    return torch.tanh(x @ Wx + h_prev @ Wh + b)


def rnn_forward(x, h0, Wx, Wh, b, step=rnn_step):
    """Every hidden state of the unrolled RNN: x (N, T, D), h0 (N, H) -> h (N, T, H), h[:, t] = h_{t+1}.
    (`step` is the cell: the grader's misconceptions pass a modified one.)"""
    h, states = h0, []
    for t in range(x.shape[1]):
        h = step(x[:, t], h, Wx, Wh, b)
        states.append(h)
    return torch.stack(states, dim=1)


def lstm_step(x, h_prev, c_prev, W, b):
    """One LSTM step: (h_next, c_next, gates) with gates = {"f", "i", "g", "o"}, each (N, H)."""
    H = h_prev.shape[1]
    a = torch.cat([h_prev, x], dim=1) @ W + b
    f, i, g, o = (a[:, k * H:(k + 1) * H] for k in range(4))
    gates = {"f": torch.sigmoid(f), "i": torch.sigmoid(i), "g": torch.tanh(g), "o": torch.sigmoid(o)}
    c_next = gates["f"] * c_prev + gates["i"] * gates["g"]
    return gates["o"] * torch.tanh(c_next), c_next, gates


def lstm_forward(x, h0, c0, W, b, step=lstm_step):
    """The unrolled LSTM: (h, c, gates), each (N, T, H); gates maps "f", "i", "g", "o" to (N, T, H)."""
    h, c, hs, cs, gates = h0, c0, [], [], {k: [] for k in LSTM_GATES}
    for t in range(x.shape[1]):
        h, c, values = step(x[:, t], h, c, W, b)
        hs.append(h)
        cs.append(c)
        for k in LSTM_GATES:
            gates[k].append(values[k])
    return torch.stack(hs, 1), torch.stack(cs, 1), {k: torch.stack(v, 1) for k, v in gates.items()}


def gru_step(x, h_prev, W, b):
    """One step of the notes' GRU: (h_next, gates) with gates = {"r", "z", "h_tilde"}, each (N, H)."""
    H = h_prev.shape[1]
    rz = torch.sigmoid(torch.cat([h_prev, x], dim=1) @ W[:, :2 * H] + b[:2 * H])
    r, z = rz[:, :H], rz[:, H:]
    h_tilde = torch.tanh(torch.cat([r * h_prev, x], dim=1) @ W[:, 2 * H:] + b[2 * H:])
    return (1 - z) * h_prev + z * h_tilde, {"r": r, "z": z, "h_tilde": h_tilde}


def gru_forward(x, h0, W, b, step=gru_step):
    """The unrolled GRU: (h, gates), h (N, T, H); gates maps "r", "z", "h_tilde" to (N, T, H)."""
    h, hs, gates = h0, [], {k: [] for k in GRU_GATES}
    for t in range(x.shape[1]):
        h, values = step(x[:, t], h, W, b)
        hs.append(h)
        for k in GRU_GATES:
            gates[k].append(values[k])
    return torch.stack(hs, 1), {k: torch.stack(v, 1) for k, v in gates.items()}


# -- parameter counts read off torch -----------------------------------------------------------------

MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def param_count(cell, input_size, hidden_size, num_layers, bias_vectors):
    """numel() of nn.RNN/nn.LSTM/nn.GRU(input_size, hidden_size, num_layers) (on the meta device: no memory).

    torch keeps two bias vectors per gate (bias_ih and bias_hh, which only ever appear as their sum);
    bias_vectors = 1 counts the notes' single bias per gate, that is without bias_hh."""
    module = MODULES[cell](input_size, hidden_size, num_layers, device="meta")
    return int(sum(p.numel() for name, p in module.named_parameters()
                   if bias_vectors == 2 or not name.startswith("bias_hh")))


# -- gradient clipping, losses, metrics -------------------------------------------------------------


def clip_grad_norm(grads, max_norm):
    """(clipped, total): total = sqrt(sum of every squared entry of every gradient) (the global L2 norm),
    clipped = each gradient times min(1, max_norm / (total + 1e-6)), as torch.nn.utils.clip_grad_norm_."""
    total = torch.sqrt(sum((g ** 2).sum() for g in grads))
    coefficient = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    return [g * coefficient for g in grads], total


def sequence_mse(pred, target):
    """The notes' L = (1/T) sum_t ||y_t - y^_t||^2, averaged over the batch too: pred, target (N, T, K).
    F.mse_loss would also average over the K output features: L = F.mse_loss * K."""
    return ((pred - target) ** 2).sum(dim=2).mean()


def sequence_cross_entropy(scores, y):
    """L = -(1/(N T)) sum_{n, t} log softmax(scores[n, t])[y[n, t]]: scores (N, T, C) logits, y (N, T) labels."""
    log_p = torch.log_softmax(scores, dim=2)
    return -log_p.gather(2, y.unsqueeze(2)).mean()


def mse(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean()


def mae(y_true, y_pred):
    return (y_true - y_pred).abs().mean()


def rmse(y_true, y_pred):
    return torch.sqrt(mse(y_true, y_pred))


def confusion(y_true, y_pred):
    """(TP, FP, FN, TN) of 0/1 labels, as floats."""
    t, p = y_true == 1, y_pred == 1
    return tuple(float((a & b).sum()) for a, b in ((t, p), (~t, p), (t, ~p), (~t, ~p)))


def accuracy(y_true, y_pred):
    tp, fp, fn, tn = confusion(y_true, y_pred)
    return (tp + tn) / (tp + tn + fp + fn)


def precision(y_true, y_pred):
    """TP / (TP + FP), and 0 when nothing is predicted positive (scikit-learn's zero_division=0)."""
    tp, fp, _, _ = confusion(y_true, y_pred)
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true, y_pred):
    """TP / (TP + FN), and 0 when no label is positive (scikit-learn's zero_division=0)."""
    tp, _, fn, _ = confusion(y_true, y_pred)
    return tp / (tp + fn) if tp + fn else 0.0


def f1_score(y_true, y_pred):
    """2 P R / (P + R), and 0 when P + R = 0."""
    p, r = precision(y_true, y_pred), recall(y_true, y_pred)
    return 2 * p * r / (p + r) if p + r else 0.0


# -- the integration exercise: a vanilla RNN regressor trained by clipped gradient descent ----------

REGRESSOR_PARAMS = ("Wx", "Wh", "b", "Wy", "by")


def rnn_regressor(x, Wx, Wh, b, Wy, by):
    """y^_t = h_t Wy + by for every step of the RNN started from h0 = 0: x (N, T, D) -> (N, T, K)."""
    h = rnn_forward(x, torch.zeros(x.shape[0], Wh.shape[0], dtype=x.dtype), Wx, Wh, b)
    return h @ Wy + by


def train_rnn(x, y, params, lr, epochs, max_norm, clip=clip_grad_norm):
    """`epochs` steps of full-batch gradient descent on sequence_mse(rnn_regressor(x), y), the gradients
    clipped to a global norm of max_norm before every update. Returns (params, the total norm of each step).
    (`clip` is the clipping rule: the grader's misconceptions pass a modified one.)"""
    params = {k: params[k].detach().clone() for k in REGRESSOR_PARAMS}
    norms = []
    for _ in range(epochs):
        tensors = [params[k].requires_grad_(True) for k in REGRESSOR_PARAMS]
        loss = sequence_mse(rnn_regressor(x, *tensors), y)
        clipped, total = clip(torch.autograd.grad(loss, tensors), max_norm)
        norms.append(float(total))
        params = {k: (p - lr * g).detach() for k, p, g in zip(REGRESSOR_PARAMS, tensors, clipped)}
    return params, norms
