# Generated from solutions/rnn.py by `python -m autograder build`. Fill in every function that raises
# NotImplementedError, then run `python -m autograder check rnn`.
"""Recurrent networks from first principles: the course notes' RNN, LSTM and GRU in NumPy.

Conventions (the same in every exercise of this topic):
- a batch of sequences x has shape (N, T, D) = (batch, time steps, input features); hidden states are rows of
  shape (N, H); a sequence of hidden states has shape (N, T, H), and h[:, t] is the state after step t + 1;
- row form: the course notes write h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h) with column vectors, but give the
  shapes W_xh: (input, hidden) and x_t: (batch, input), which only fit row vectors. Here every layer is written
  in row form, as in the notes' shapes:
      h_t = tanh(x_t Wx + h_{t-1} Wh + b)      Wx = W_xh (D, H), Wh = W_hh (H, H), b = b_h (H,)
- the LSTM and the GRU act on [h_{t-1}, x_t], the concatenation of h_{t-1} and x_t along the feature axis,
  h first, as the notes write it; their weights are one matrix W with a column block per gate, in the notes'
  order (LSTM: f, i, C~, o; GRU: r, z, h~);
- forward functions return their outputs and a cache, backward functions take the upstream gradient and the
  cache, CS231n style; each backward returns dL/d(each input) for some scalar loss L, of that input's shape;
- arrays are float64; a function never modifies its input arrays in place;
- some inputs drive pre-activations into the hundreds: np.tanh copes, and so must your sigmoid (e^z / (1 + e^z)
  gives nan at z = 800);
- vectorise over the batch with NumPy; a Python loop over the time steps is fine (it is how an RNN runs).

Each function says which exercise grades it.
"""
import numpy as np


# -- the vanilla RNN ---------------------------------------------------------------------------------------


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of the vanilla RNN, forward (exercise rnn.rnn_step).

        h_next = tanh(x Wx + h_prev Wh + b)

    (The notes' h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h) in row form: see the module's conventions.)

    Args:
        x: (N, D) inputs of this step.
        h_prev: (N, H) hidden state of the previous step.
        Wx: (D, H) input-to-hidden weights, the notes' W_xh.
        Wh: (H, H) hidden-to-hidden weights, the notes' W_hh (not symmetric: mind which side h_prev is on).
        b: (H,) bias.
    Returns:
        h_next: (N, H).
        cache: whatever rnn_step_backward needs.
    """
    # TODO: implement rnn_step_forward (exercise rnn.rnn_step).
    raise NotImplementedError("rnn_step_forward: not implemented yet (exercise rnn.rnn_step)")


def rnn_step_backward(dh_next, cache):
    """One step of the vanilla RNN, backward (exercise rnn.rnn_step).

        da = dh_next * (1 - h_next^2)          (tanh'(a) = 1 - tanh(a)^2, a the pre-activation)
        dx = da Wx^T,   dh_prev = da Wh^T,   dWx = x^T da,   dWh = h_prev^T da,   db = sum of da over the batch

    Args:
        dh_next: (N, H) upstream gradient dL/dh_next.
        cache: what rnn_step_forward returned.
    Returns:
        dx: (N, D), dh_prev: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    # TODO: implement rnn_step_backward (exercise rnn.rnn_step).
    raise NotImplementedError("rnn_step_backward: not implemented yet (exercise rnn.rnn_step)")


def rnn_forward(x, h0, Wx, Wh, b):
    """The RNN unrolled over a whole sequence, forward (exercise rnn.rnn_forward).

        h_1 = tanh(x_1 Wx + h0 Wh + b),   h_t = tanh(x_t Wx + h_{t-1} Wh + b)   for t = 2, ..., T

    The same Wx, Wh and b at every step (parameter sharing); x_t is x[:, t - 1] and h_t is h[:, t - 1].

    Args:
        x: (N, T, D) input sequences.
        h0: (N, H) initial hidden state (not necessarily zero).
        Wx: (D, H), Wh: (H, H), b: (H,) as in rnn_step_forward.
    Returns:
        h: (N, T, H), the hidden state after every step (h0 is not included).
        cache: a dict with exactly the entries "x", "h0", "Wx", "Wh", "b" (the inputs) and "h" (the output).
            rnn_backward is graded on its own, on a cache with just these entries that the grader builds from
            the correct forward pass, so it must read only these.
    """
    # TODO: implement rnn_forward (exercise rnn.rnn_forward).
    raise NotImplementedError("rnn_forward: not implemented yet (exercise rnn.rnn_forward)")


def rnn_backward(dh, cache):
    """Backpropagation through time for the whole sequence (exercise rnn.rnn_backward).

    dh[:, t] is the gradient of the loss with respect to h_{t+1} coming from outside the RNN (for instance from
    the output y_t = h_t W_hy + b_y of that step). The total gradient at a hidden state also includes what
    flows back from the next step, as in the notes:

        dL/dh_t = dh_t (from outside) + dL/dh_{t+1} dh_{t+1}/dh_t
        da_t = dL/dh_t * (1 - h_t^2),   dL/dh_{t-1} (from step t) = da_t Wh^T,   dx_t = da_t Wx^T
        dWx = sum_t x_t^T da_t,   dWh = sum_t h_{t-1}^T da_t,   db = sum_t sum over the batch of da_t,
        dh0 = what flows back from step 1

    Go from t = T down to 1. Wx, Wh and b are shared by every step, so their gradients add up over time.
    (Why gradients vanish or explode: dh_{t}/dh_{t-1} = diag(1 - h_t^2) Wh^T, multiplied over many steps. The
    notes' condition "largest eigenvalue < 1" should read: largest singular value of Wh < 1 is enough for
    vanishing; an eigenvalue bound does not control such products.)

    Args:
        dh: (N, T, H) upstream gradients of every hidden state.
        cache: a dict with the entries "x", "h0", "Wx", "Wh", "b" and "h" (see rnn_forward).
    Returns:
        dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    # TODO: implement rnn_backward (exercise rnn.rnn_backward).
    raise NotImplementedError("rnn_backward: not implemented yet (exercise rnn.rnn_backward)")


# -- the LSTM --------------------------------------------------------------------------------------------


def lstm_step_forward(x, h_prev, c_prev, W, b):
    """One LSTM step, forward (exercise rnn.lstm_step).

    The notes' equations in row form, all four gates from one product with [h_prev, x] (N, H + D):

        [a_f | a_i | a_g | a_o] = [h_prev, x] W + b          each block (N, H)
        f = sigmoid(a_f),  i = sigmoid(a_i),  g = tanh(a_g),  o = sigmoid(a_o)
        c_next = f * c_prev + i * g
        h_next = o * tanh(c_next)

    g is the notes' candidate C~. The column blocks of W and b are in the notes' order f, i, C~, o (PyTorch's
    nn.LSTM uses i, f, g, o); the first H rows of W multiply h_prev, the last D rows multiply x.

    Args:
        x: (N, D) inputs of this step.
        h_prev: (N, H) previous hidden state; c_prev: (N, H) previous cell state.
        W: (H + D, 4H) weights; columns [0, H) for f, [H, 2H) for i, [2H, 3H) for C~, [3H, 4H) for o.
        b: (4H,) biases, in the same blocks.
    Returns:
        h_next: (N, H), c_next: (N, H).
        cache: whatever lstm_step_backward needs.
    """
    # TODO: implement lstm_step_forward (exercise rnn.lstm_step).
    raise NotImplementedError("lstm_step_forward: not implemented yet (exercise rnn.lstm_step)")


def lstm_step_backward(dh_next, dc_next, cache):
    """One LSTM step, backward (exercise rnn.lstm_step).

    The cell state gets gradient from two places: directly (dc_next) and through h_next = o * tanh(c_next):

        dc = dc_next + dh_next * o * (1 - tanh(c_next)^2)
        do = dh_next * tanh(c_next),   df = dc * c_prev,   di = dc * g,   dg = dc * i,   dc_prev = dc * f
        da = [df f (1 - f) | di i (1 - i) | dg (1 - g^2) | do o (1 - o)]      (N, 4H)
        dW = [h_prev, x]^T da,   db = sum of da over the batch,   [dh_prev, dx] = da W^T

    Args:
        dh_next: (N, H) upstream gradient of h_next; dc_next: (N, H) upstream gradient of c_next.
        cache: what lstm_step_forward returned.
    Returns:
        dx: (N, D), dh_prev: (N, H), dc_prev: (N, H), dW: (H + D, 4H), db: (4H,).
    """
    # TODO: implement lstm_step_backward (exercise rnn.lstm_step).
    raise NotImplementedError("lstm_step_backward: not implemented yet (exercise rnn.lstm_step)")


def lstm_forward(x, h0, c0, W, b):
    """The LSTM unrolled over a whole sequence, forward (exercise rnn.lstm_forward).

        h_t, c_t = lstm_step(x_t, h_{t-1}, c_{t-1})   for t = 1, ..., T, starting from h0 and c0

    Args:
        x: (N, T, D) input sequences.
        h0: (N, H) initial hidden state; c0: (N, H) initial cell state.
        W: (H + D, 4H), b: (4H,) as in lstm_step_forward (blocks f, i, C~, o).
    Returns:
        h: (N, T, H) the hidden states and c: (N, T, H) the cell states after every step.
        cache: a dict with exactly the entries "x", "h0", "c0", "W", "b" (the inputs), "h", "c" (the outputs) and
            "f", "i", "g", "o", the gate values of every step, each (N, T, H) (g is C~). lstm_backward is graded
            on its own, on a cache with just these entries built from the correct forward pass.
    """
    # TODO: implement lstm_forward (exercise rnn.lstm_forward).
    raise NotImplementedError("lstm_forward: not implemented yet (exercise rnn.lstm_forward)")


def lstm_backward(dh, cache):
    """Backpropagation through time for the LSTM (exercise rnn.lstm_backward).

    dh[:, t] is the upstream gradient of h_{t+1} (the loss depends on the hidden states only). Going from t = T
    down to 1, each step receives dh[:, t] plus the dh_prev of the step after it, and the dc_prev of the step
    after it as its dc_next (zero at t = T); dW and db add up over the steps.

    Args:
        dh: (N, T, H) upstream gradients of every hidden state.
        cache: a dict with the entries "x", "h0", "c0", "W", "b", "h", "c", "f", "i", "g", "o" (see lstm_forward).
    Returns:
        dx: (N, T, D), dh0: (N, H), dc0: (N, H), dW: (H + D, 4H), db: (4H,).
    """
    # TODO: implement lstm_backward (exercise rnn.lstm_backward).
    raise NotImplementedError("lstm_backward: not implemented yet (exercise rnn.lstm_backward)")


# -- the GRU ---------------------------------------------------------------------------------------------


def gru_step_forward(x, h_prev, W, b):
    """One step of the course notes' GRU, forward (exercise rnn.gru_step).

        [a_r | a_z] = [h_prev, x] W[:, :2H] + b[:2H],   r = sigmoid(a_r),   z = sigmoid(a_z)
        h_tilde = tanh([r * h_prev, x] W[:, 2H:] + b[2H:])
        h_next = (1 - z) * h_prev + z * h_tilde

    This is the notes' GRU, which differs from PyTorch's nn.GRUCell in two ways: here z is the share of the
    new candidate h_tilde (torch's z keeps the old state), and the reset gate multiplies h_prev before the
    product with the weights (torch applies it after, to W_hn h + b_hn).

    Args:
        x: (N, D) inputs of this step.
        h_prev: (N, H) previous hidden state.
        W: (H + D, 3H) weights; columns [0, H) for r, [H, 2H) for z, [2H, 3H) for h_tilde; the first H rows
            multiply h_prev (or r * h_prev for h_tilde), the last D rows multiply x.
        b: (3H,) biases, in the same blocks.
    Returns:
        h_next: (N, H).
        cache: whatever gru_step_backward needs.
    """
    # TODO: implement gru_step_forward (exercise rnn.gru_step).
    raise NotImplementedError("gru_step_forward: not implemented yet (exercise rnn.gru_step)")


def gru_step_backward(dh_next, cache):
    """One step of the course notes' GRU, backward (exercise rnn.gru_step).

    h_prev reaches h_next along three paths: directly ((1 - z) * h_prev), through the gates r and z, and
    through r * h_prev in the candidate; its gradient is the sum of all three.

        dz = dh_next * (h_tilde - h_prev),   da_h = dh_next * z * (1 - h_tilde^2)
        [d(r * h_prev), dx_1] = da_h W[:, 2H:]^T,   dr = d(r * h_prev) * h_prev
        da_rz = [dr r (1 - r) | dz z (1 - z)],   [dh_2, dx_2] = da_rz W[:, :2H]^T
        dh_prev = dh_next * (1 - z) + d(r * h_prev) * r + dh_2,   dx = dx_1 + dx_2
        dW = [[h_prev, x]^T da_rz | [r * h_prev, x]^T da_h],   db = sums over the batch of [da_rz | da_h]

    Args:
        dh_next: (N, H) upstream gradient of h_next.
        cache: what gru_step_forward returned.
    Returns:
        dx: (N, D), dh_prev: (N, H), dW: (H + D, 3H), db: (3H,).
    """
    # TODO: implement gru_step_backward (exercise rnn.gru_step).
    raise NotImplementedError("gru_step_backward: not implemented yet (exercise rnn.gru_step)")


def gru_forward(x, h0, W, b):
    """The course notes' GRU unrolled over a whole sequence, forward (exercise rnn.gru_forward).

        h_t = gru_step(x_t, h_{t-1})   for t = 1, ..., T, starting from h0

    Args:
        x: (N, T, D) input sequences.
        h0: (N, H) initial hidden state.
        W: (H + D, 3H), b: (3H,) as in gru_step_forward (blocks r, z, h~).
    Returns:
        h: (N, T, H), the hidden state after every step.
        cache: a dict with exactly the entries "x", "h0", "W", "b" (the inputs), "h" (the output) and "r", "z",
            "h_tilde", the gates and candidates of every step, each (N, T, H). gru_backward is graded on its
            own, on a cache with just these entries built from the correct forward pass.
    """
    # TODO: implement gru_forward (exercise rnn.gru_forward).
    raise NotImplementedError("gru_forward: not implemented yet (exercise rnn.gru_forward)")


def gru_backward(dh, cache):
    """Backpropagation through time for the course notes' GRU (exercise rnn.gru_backward).

    dh[:, t] is the upstream gradient of h_{t+1}. Going from t = T down to 1, each step receives dh[:, t] plus
    the dh_prev of the step after it; dW and db add up over the steps.

    Args:
        dh: (N, T, H) upstream gradients of every hidden state.
        cache: a dict with the entries "x", "h0", "W", "b", "h", "r", "z", "h_tilde" (see gru_forward).
    Returns:
        dx: (N, T, D), dh0: (N, H), dW: (H + D, 3H), db: (3H,).
    """
    # TODO: implement gru_backward (exercise rnn.gru_backward).
    raise NotImplementedError("gru_backward: not implemented yet (exercise rnn.gru_backward)")


# -- parameter counts --------------------------------------------------------------------------------------


def rnn_param_count(input_size, hidden_size, num_layers, bias_vectors):
    """Learnable parameters of a vanilla RNN of num_layers stacked layers (exercise rnn.param_counts).

        one layer: H (D + H) + bias_vectors H          (Wx: D x H, Wh: H x H, the biases)

    Layer 1 reads the D input features; every layer above reads the H hidden states of the layer below.
    bias_vectors is 1 for the notes' single bias b_h, or 2 for PyTorch's nn.RNN, which keeps two bias vectors
    (bias_ih and bias_hh) although only their sum matters.

    Args:
        input_size: D; hidden_size: H; num_layers: the number of stacked layers (>= 1); bias_vectors: 1 or 2.
    Returns:
        the count, an int.
    """
    # TODO: implement rnn_param_count (exercise rnn.param_counts).
    raise NotImplementedError("rnn_param_count: not implemented yet (exercise rnn.param_counts)")


def lstm_param_count(input_size, hidden_size, num_layers, bias_vectors):
    """Learnable parameters of an LSTM of num_layers stacked layers (exercise rnn.param_counts).

        one layer: 4 (H (D + H) + bias_vectors H)       (four gates f, i, C~, o, each with weights on [h, x])

    Layers and bias_vectors as in rnn_param_count (nn.LSTM keeps two bias vectors per gate).

    Args:
        input_size: D; hidden_size: H; num_layers: the number of stacked layers (>= 1); bias_vectors: 1 or 2.
    Returns:
        the count, an int.
    """
    # TODO: implement lstm_param_count (exercise rnn.param_counts).
    raise NotImplementedError("lstm_param_count: not implemented yet (exercise rnn.param_counts)")


def gru_param_count(input_size, hidden_size, num_layers, bias_vectors):
    """Learnable parameters of a GRU of num_layers stacked layers (exercise rnn.param_counts).

        one layer: 3 (H (D + H) + bias_vectors H)       (r, z and the candidate h~)

    The notes' GRU and nn.GRU differ in where the reset gate acts, not in their parameter count. Layers and
    bias_vectors as in rnn_param_count (nn.GRU keeps two bias vectors per block).

    Args:
        input_size: D; hidden_size: H; num_layers: the number of stacked layers (>= 1); bias_vectors: 1 or 2.
    Returns:
        the count, an int.
    """
    # TODO: implement gru_param_count (exercise rnn.param_counts).
    raise NotImplementedError("gru_param_count: not implemented yet (exercise rnn.param_counts)")


# -- gradient clipping ---------------------------------------------------------------------------------------


def clip_grad_norm(grads, max_norm):
    """Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_ (exercise rnn.clip_grad_norm).

        total = sqrt(sum over every gradient array g of sum(g^2))      (one norm over all of them together)
        coefficient = max_norm / (total + 1e-6)
        clipped g = g * coefficient if coefficient < 1, else g unchanged

    One coefficient for all the gradients, so their directions relative to each other are kept (clipping each
    array on its own would change them). The 1e-6 guards against dividing by 0 (max_norm / total without it is
    accepted too: it changes the result by about a millionth).

    Args:
        grads: a dict of gradient arrays (any shapes), e.g. {"Wx": ..., "Wh": ..., "b": ...}.
        max_norm: the largest global norm allowed, > 0.
    Returns:
        clipped: a new dict with the same keys and the clipped arrays (grads itself is left unchanged).
        total: the global norm before clipping, a float.
    """
    # TODO: implement clip_grad_norm (exercise rnn.clip_grad_norm).
    raise NotImplementedError("clip_grad_norm: not implemented yet (exercise rnn.clip_grad_norm)")


# -- sequence losses ----------------------------------------------------------------------------------------


def sequence_mse(pred, target):
    """The notes' regression loss over a sequence, and its gradient (exercise rnn.sequence_mse).

        L = (1 / (N T)) sum_n sum_t ||pred[n, t] - target[n, t]||^2,   dpred = 2 (pred - target) / (N T)

    The notes' L = (1/T) sum_t ||y_t - y^_t||^2, averaged over the batch too. The squared norm sums over the K
    output features: this is F.mse_loss (which also averages over K) times K.

    Args:
        pred: (N, T, K) predictions; target: (N, T, K) targets.
    Returns:
        loss: a float; dpred: (N, T, K), dL/dpred.
    """
    # TODO: implement sequence_mse (exercise rnn.sequence_mse).
    raise NotImplementedError("sequence_mse: not implemented yet (exercise rnn.sequence_mse)")


def sequence_cross_entropy(scores, y):
    """The notes' classification loss over a sequence, from logits, and its gradient
    (exercise rnn.sequence_cross_entropy).

        p[n, t] = softmax(scores[n, t])
        L = -(1 / (N T)) sum_n sum_t log p[n, t, y[n, t]],   dscores = (p - onehot(y)) / (N T)

    The notes' L = -(1/T) sum_t sum_c y_tc log y^_tc with one-hot targets, averaged over the batch too; it
    equals F.cross_entropy on the N T rows. Take scores, not probabilities, and compute the softmax stably:
    scores can be in the thousands.

    Args:
        scores: (N, T, C) logits; y: (N, T) integer labels in [0, C).
    Returns:
        loss: a float; dscores: (N, T, C), dL/dscores.
    """
    # TODO: implement sequence_cross_entropy (exercise rnn.sequence_cross_entropy).
    raise NotImplementedError("sequence_cross_entropy: not implemented yet (exercise rnn.sequence_cross_entropy)")


# -- evaluation metrics ---------------------------------------------------------------------------------------


def mse(y_true, y_pred):
    """Mean squared error over every entry (exercise rnn.regression_metrics).

        MSE = (1/n) sum_i (y_true_i - y_pred_i)^2      (n: the number of entries, whatever the shape)

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    # TODO: implement mse (exercise rnn.regression_metrics).
    raise NotImplementedError("mse: not implemented yet (exercise rnn.regression_metrics)")


def mae(y_true, y_pred):
    """Mean absolute error over every entry (exercise rnn.regression_metrics).

        MAE = (1/n) sum_i |y_true_i - y_pred_i|

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    # TODO: implement mae (exercise rnn.regression_metrics).
    raise NotImplementedError("mae: not implemented yet (exercise rnn.regression_metrics)")


def rmse(y_true, y_pred):
    """Root mean squared error (exercise rnn.regression_metrics).

        RMSE = sqrt(MSE)     (the square root of the mean over every entry, taken once)

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    # TODO: implement rmse (exercise rnn.regression_metrics).
    raise NotImplementedError("rmse: not implemented yet (exercise rnn.regression_metrics)")


def accuracy(y_true, y_pred):
    """The fraction of correct predictions (exercise rnn.classification_metrics).

        accuracy = (TP + TN) / (TP + TN + FP + FN)

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement accuracy (exercise rnn.classification_metrics).
    raise NotImplementedError("accuracy: not implemented yet (exercise rnn.classification_metrics)")


def precision(y_true, y_pred):
    """Precision of the positive class 1 (exercise rnn.classification_metrics).

        precision = TP / (TP + FP),   and 0 when nothing is predicted positive (TP + FP = 0)

    The zero-division convention is scikit-learn's zero_division=0.

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement precision (exercise rnn.classification_metrics).
    raise NotImplementedError("precision: not implemented yet (exercise rnn.classification_metrics)")


def recall(y_true, y_pred):
    """Recall of the positive class 1 (exercise rnn.classification_metrics).

        recall = TP / (TP + FN),   and 0 when no label is positive (TP + FN = 0)

    The zero-division convention is scikit-learn's zero_division=0.

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement recall (exercise rnn.classification_metrics).
    raise NotImplementedError("recall: not implemented yet (exercise rnn.classification_metrics)")


def f1_score(y_true, y_pred):
    """F1 score of the positive class 1 (exercise rnn.classification_metrics).

        F1 = 2 precision recall / (precision + recall),   and 0 when precision + recall = 0

    (With precision and recall as defined above; scikit-learn's f1_score with zero_division=0.)

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement f1_score (exercise rnn.classification_metrics).
    raise NotImplementedError("f1_score: not implemented yet (exercise rnn.classification_metrics)")


# -- training ------------------------------------------------------------------------------------------------


def train_rnn(x, y, params, lr, epochs, max_norm):
    """Train an RNN regressor by gradient descent with gradient clipping (exercise rnn.train_rnn).

    The model reads each sequence from h0 = 0 and predicts an output at every step:

        h = rnn_forward(x, 0, Wx, Wh, b),   pred_t = h_t Wy + by,   loss = sequence_mse(pred, y)

    Each of the `epochs` steps uses the whole batch: compute the loss and the gradients of all five parameters
    (your rnn_backward gives those of Wx, Wh and b from dL/dh = dpred Wy^T), clip them together with
    clip_grad_norm(grads, max_norm), then update every parameter: p <- p - lr * clipped dp.

    Args:
        x: (N, T, D) input sequences; y: (N, T, K) targets.
        params: a dict with the initial "Wx" (D, H), "Wh" (H, H), "b" (H,), "Wy" (H, K) and "by" (K,).
        lr: the learning rate; epochs: the number of steps; max_norm: the clipping threshold.
    Returns:
        a new dict with the five trained parameters (params itself is left unchanged).
    """
    # TODO: implement train_rnn (exercise rnn.train_rnn).
    raise NotImplementedError("train_rnn: not implemented yet (exercise rnn.train_rnn)")
