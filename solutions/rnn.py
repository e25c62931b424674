r"""Recurrent networks from first principles: the course notes' RNN, LSTM and GRU in NumPy.

Conventions (the same in every exercise of this topic):
- a batch of sequences x has shape (N, T, D) = (batch, time steps, input features); hidden states are rows of
  shape (N, H); a sequence of hidden states has shape (N, T, H), and `h[:, t]` is the state after step $t + 1$;
- row form: the course notes write $h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$ with column vectors, but
  give the shapes $W_{xh}$: (input, hidden) and $x_t$: (batch, input), which only fit row vectors. Here every
  layer is written in row form, as in the notes' shapes:
      $$ h_t = \tanh(x_t W_x + h_{t-1} W_h + b) $$
  with $W_x$ = `Wx` = $W_{xh}$ (D, H), $W_h$ = `Wh` = $W_{hh}$ (H, H) and $b$ = `b` = $b_h$ (H,);
- the LSTM and the GRU act on $[h_{t-1}, x_t]$, the concatenation of $h_{t-1}$ and $x_t$ along the feature axis,
  h first, as the notes write it; their weights are one matrix W with a column block per gate, in the notes'
  order (LSTM: $f, i, \tilde{C}, o$; GRU: $r, z, \tilde{h}$);
- forward functions return their outputs and a cache, backward functions take the upstream gradient and the
  cache, CS231n style; each backward returns $\partial L / \partial$ each input for some scalar loss $L$, of that
  input's shape;
- arrays are float64; a function never modifies its input arrays in place;
- some inputs drive pre-activations into the hundreds: `np.tanh` copes, and so must your sigmoid $\sigma$
  ($e^z / (1 + e^z)$ gives nan at $z = 800$);
- vectorise over the batch with NumPy; a Python loop over the time steps is fine (it is how an RNN runs).

Each function says which exercise grades it.
"""
import numpy as np

### BEGIN SOLUTION


def _sigmoid(z):
    """1 / (1 + e^-z), computed from e^-|z| so that it never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _recurrent_param_count(gates, input_size, hidden_size, num_layers, bias_vectors):
    """Each layer has `gates` blocks of weights (on its input and on h) and bias_vectors biases per block."""
    count, layer_input = 0, input_size
    for _ in range(num_layers):
        count += gates * (hidden_size * (layer_input + hidden_size) + bias_vectors * hidden_size)
        layer_input = hidden_size  # layer 2 and above read the hidden states of the layer below
    return count


### END SOLUTION

# -- the vanilla RNN ---------------------------------------------------------------------------------------


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    r"""One step of the vanilla RNN, forward (exercise rnn.rnn_step).

        $$ h_{\mathrm{next}} = \tanh(x W_x + h_{\mathrm{prev}} W_h + b) $$

    (The notes' $h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h)$ in row form: see the module's conventions.)

    Args:
        x: (N, D) inputs of this step.
        h_prev: (N, H) hidden state of the previous step.
        Wx: (D, H) input-to-hidden weights $W_x$, the notes' $W_{xh}$.
        Wh: (H, H) hidden-to-hidden weights $W_h$, the notes' $W_{hh}$ (not symmetric: mind which side h_prev is
            on).
        b: (H,) bias.
    Returns:
        h_next: (N, H).
        cache: whatever rnn_step_backward needs.
    """
    ### BEGIN SOLUTION
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, h_next)
    ### END SOLUTION


def rnn_step_backward(dh_next, cache):
    r"""One step of the vanilla RNN, backward (exercise rnn.rnn_step).

        $$
        \begin{aligned}
        da &= dh_{\mathrm{next}} \odot (1 - h_{\mathrm{next}}^2) \\
        dx &= da\, W_x^\top, \qquad dh_{\mathrm{prev}} = da\, W_h^\top, \qquad dW_x = x^\top da, \qquad
            dW_h = h_{\mathrm{prev}}^\top da, \qquad db = \textstyle\sum_n da_{n,:}
        \end{aligned}
        $$

    where $\tanh'(a) = 1 - \tanh^2(a)$, $a$ the pre-activation, and $\sum_n$ sums over the batch.

    Args:
        dh_next: (N, H) upstream gradient $\partial L / \partial h_{\mathrm{next}}$.
        cache: what rnn_step_forward returned.
    Returns:
        dx: (N, D), dh_prev: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1.0 - h_next ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    r"""The RNN unrolled over a whole sequence, forward (exercise rnn.rnn_forward).

        $$
        \begin{aligned}
        h_1 &= \tanh(x_1 W_x + h_0 W_h + b) \\
        h_t &= \tanh(x_t W_x + h_{t-1} W_h + b) \quad \text{for } t = 2, \dots, T
        \end{aligned}
        $$

    with $h_0$ = `h0`. The same Wx, Wh and b at every step (parameter sharing); $x_t$ is `x[:, t - 1]` and $h_t$ is
    `h[:, t - 1]`.

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
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    h_prev = h0
    for t in range(T):
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
    return h, {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "h": h}
    ### END SOLUTION


def rnn_backward(dh, cache):
    r"""Backpropagation through time for the whole sequence (exercise rnn.rnn_backward).

    `dh[:, t]` is the gradient of the loss with respect to $h_{t+1}$ coming from outside the RNN (for instance from
    the output $y_t = h_t W_{hy} + b_y$ of that step). The total gradient at a hidden state also includes what
    flows back from the next step, as in the notes; with $dh_t$ the gradient from outside:

        $$
        \begin{aligned}
        \frac{\partial L}{\partial h_t} &= dh_t + \frac{\partial L}{\partial h_{t+1}} \frac{\partial h_{t+1}}{\partial h_t} \\
        da_t &= \frac{\partial L}{\partial h_t} \odot (1 - h_t^2), \qquad
            \frac{\partial L}{\partial h_{t-1}} \text{ (from step } t\text{)} = da_t\, W_h^\top, \qquad dx_t = da_t\, W_x^\top \\
        dW_x &= \textstyle\sum_t x_t^\top da_t, \qquad dW_h = \textstyle\sum_t h_{t-1}^\top da_t, \qquad
            db = \textstyle\sum_t \sum_n (da_t)_{n,:} \\
        dh_0 &= \text{what flows back from step 1}
        \end{aligned}
        $$

    Go from $t = T$ down to 1. Wx, Wh and b are shared by every step, so their gradients add up over time.
    (Why gradients vanish or explode: $\partial h_t / \partial h_{t-1} = \operatorname{diag}(1 - h_t^2)\, W_h^\top$,
    multiplied over many steps. The notes' condition "largest eigenvalue < 1" should read: largest singular value
    of $W_h$ < 1 is enough for vanishing; an eigenvalue bound does not control such products.)

    Args:
        dh: (N, T, H) upstream gradients of every hidden state.
        cache: a dict with the entries "x", "h0", "Wx", "Wh", "b" and "h" (see rnn_forward).
    Returns:
        dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    ### BEGIN SOLUTION
    x, h0, Wx, Wh, h = (cache[k] for k in ("x", "h0", "Wx", "Wh", "h"))
    N, T, D = x.shape
    h_before = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # h_{t-1} for every t
    da = np.empty_like(h)
    dh_from_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dh_from_next) * (1.0 - h[:, t] ** 2)
        dh_from_next = da[:, t] @ Wh.T
    # Every shared parameter's gradient is a sum over all steps (and the batch): one product each.
    rows = da.reshape(N * T, -1)
    return (da @ Wx.T, dh_from_next, x.reshape(N * T, D).T @ rows, h_before.reshape(N * T, -1).T @ rows,
            rows.sum(axis=0))
    ### END SOLUTION


# -- the LSTM --------------------------------------------------------------------------------------------


def lstm_step_forward(x, h_prev, c_prev, W, b):
    r"""One LSTM step, forward (exercise rnn.lstm_step).

    The notes' equations in row form, all four gates from one product with $[h_{\mathrm{prev}}, x]$ (N, H + D):

        $$
        \begin{aligned}
        \big[ a_f \mid a_i \mid a_g \mid a_o \big] &= [h_{\mathrm{prev}}, x]\, W + b && \text{each block } (N, H) \\
        f &= \sigma(a_f), \quad i = \sigma(a_i), \quad g = \tanh(a_g), \quad o = \sigma(a_o) \\
        c_{\mathrm{next}} &= f \odot c_{\mathrm{prev}} + i \odot g \\
        h_{\mathrm{next}} &= o \odot \tanh(c_{\mathrm{next}})
        \end{aligned}
        $$

    $\sigma$ is the sigmoid and $g$ is the notes' candidate $\tilde{C}$. The column blocks of W and b are in the
    notes' order $f, i, \tilde{C}, o$ (PyTorch's `nn.LSTM` uses i, f, g, o); the first H rows of W multiply h_prev,
    the last D rows multiply x.

    Args:
        x: (N, D) inputs of this step.
        h_prev: (N, H) previous hidden state; c_prev: (N, H) previous cell state.
        W: (H + D, 4H) weights; columns [0, H) for $f$, [H, 2H) for $i$, [2H, 3H) for $\tilde{C}$, [3H, 4H) for $o$.
        b: (4H,) biases, in the same blocks.
    Returns:
        h_next: (N, H), c_next: (N, H).
        cache: whatever lstm_step_backward needs.
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    a = np.concatenate([h_prev, x], axis=1) @ W + b
    f, i, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    return o * tanh_c, c_next, (x, h_prev, c_prev, W, f, i, g, o, tanh_c)
    ### END SOLUTION


def lstm_step_backward(dh_next, dc_next, cache):
    r"""One LSTM step, backward (exercise rnn.lstm_step).

    The cell state gets gradient from two places: directly (dc_next) and through
    $h_{\mathrm{next}} = o \odot \tanh(c_{\mathrm{next}})$:

        $$
        \begin{aligned}
        dc &= dc_{\mathrm{next}} + dh_{\mathrm{next}} \odot o \odot \big(1 - \tanh^2(c_{\mathrm{next}})\big) \\
        do &= dh_{\mathrm{next}} \odot \tanh(c_{\mathrm{next}}), \quad df = dc \odot c_{\mathrm{prev}}, \quad
            di = dc \odot g, \quad dg = dc \odot i, \quad dc_{\mathrm{prev}} = dc \odot f \\
        da &= \big[\, df \odot f (1 - f) \mid di \odot i (1 - i) \mid dg \odot (1 - g^2) \mid do \odot o (1 - o) \,\big]
            && (N, 4H) \\
        dW &= [h_{\mathrm{prev}}, x]^\top da, \qquad db = \textstyle\sum_n da_{n,:}, \qquad
            [dh_{\mathrm{prev}}, dx] = da\, W^\top
        \end{aligned}
        $$

    where $\sum_n$ sums over the batch.

    Args:
        dh_next: (N, H) upstream gradient of h_next; dc_next: (N, H) upstream gradient of c_next.
        cache: what lstm_step_forward returned.
    Returns:
        dx: (N, D), dh_prev: (N, H), dc_prev: (N, H), dW: (H + D, 4H), db: (4H,).
    """
    ### BEGIN SOLUTION
    x, h_prev, c_prev, W, f, i, g, o, tanh_c = cache
    H = h_prev.shape[1]
    dc = dc_next + dh_next * o * (1.0 - tanh_c ** 2)
    da = np.concatenate([dc * c_prev * f * (1.0 - f), dc * g * i * (1.0 - i), dc * i * (1.0 - g ** 2),
                         dh_next * tanh_c * o * (1.0 - o)], axis=1)
    dhx = da @ W.T
    dW = np.concatenate([h_prev, x], axis=1).T @ da
    return dhx[:, H:], dhx[:, :H], dc * f, dW, da.sum(axis=0)
    ### END SOLUTION


def lstm_forward(x, h0, c0, W, b):
    r"""The LSTM unrolled over a whole sequence, forward (exercise rnn.lstm_forward).

        $$ h_t, c_t = \mathrm{lstm\_step}(x_t, h_{t-1}, c_{t-1}) \quad \text{for } t = 1, \dots, T $$

    starting from $h_0$ = `h0` and $c_0$ = `c0`.

    Args:
        x: (N, T, D) input sequences.
        h0: (N, H) initial hidden state; c0: (N, H) initial cell state.
        W: (H + D, 4H), b: (4H,) as in lstm_step_forward (blocks $f, i, \tilde{C}, o$).
    Returns:
        h: (N, T, H) the hidden states and c: (N, T, H) the cell states after every step.
        cache: a dict with exactly the entries "x", "h0", "c0", "W", "b" (the inputs), "h", "c" (the outputs) and
            "f", "i", "g", "o", the gate values of every step, each (N, T, H) ($g$ is $\tilde{C}$). lstm_backward
            is graded on its own, on a cache with just these entries built from the correct forward pass.
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    cache = {"x": x, "h0": h0, "c0": c0, "W": W, "b": b}
    states = {k: np.empty((N, T, h0.shape[1])) for k in ("h", "c", "f", "i", "g", "o")}
    h_prev, c_prev = h0, c0
    for t in range(T):
        h_prev, c_prev, (_, _, _, _, f, i, g, o, _) = lstm_step_forward(x[:, t], h_prev, c_prev, W, b)
        for k, value in zip(("h", "c", "f", "i", "g", "o"), (h_prev, c_prev, f, i, g, o)):
            states[k][:, t] = value
    cache.update(states)
    return states["h"], states["c"], cache
    ### END SOLUTION


def lstm_backward(dh, cache):
    r"""Backpropagation through time for the LSTM (exercise rnn.lstm_backward).

    `dh[:, t]` is the upstream gradient of $h_{t+1}$ (the loss depends on the hidden states only). Going from
    $t = T$ down to 1, each step receives `dh[:, t]` plus the dh_prev of the step after it, and the dc_prev of the
    step after it as its dc_next (zero at $t = T$); dW and db add up over the steps.

    Args:
        dh: (N, T, H) upstream gradients of every hidden state.
        cache: a dict with the entries "x", "h0", "c0", "W", "b", "h", "c", "f", "i", "g", "o" (see lstm_forward).
    Returns:
        dx: (N, T, D), dh0: (N, H), dc0: (N, H), dW: (H + D, 4H), db: (4H,).
    """
    ### BEGIN SOLUTION
    x, h, c, W = cache["x"], cache["h"], cache["c"], cache["W"]
    T = x.shape[1]
    dx, dW, db = np.empty_like(x), np.zeros_like(W), np.zeros(W.shape[1])
    dh_prev, dc_prev = np.zeros_like(cache["h0"]), np.zeros_like(cache["c0"])
    for t in reversed(range(T)):
        h_before = h[:, t - 1] if t else cache["h0"]
        c_before = c[:, t - 1] if t else cache["c0"]
        step = (x[:, t], h_before, c_before, W, *(cache[k][:, t] for k in ("f", "i", "g", "o")), np.tanh(c[:, t]))
        dx[:, t], dh_prev, dc_prev, dW_t, db_t = lstm_step_backward(dh[:, t] + dh_prev, dc_prev, step)
        dW += dW_t
        db += db_t
    return dx, dh_prev, dc_prev, dW, db
    ### END SOLUTION


# -- the GRU ---------------------------------------------------------------------------------------------


def gru_step_forward(x, h_prev, W, b):
    r"""One step of the course notes' GRU, forward (exercise rnn.gru_step).

        $$
        \begin{aligned}
        \big[ a_r \mid a_z \big] &= [h_{\mathrm{prev}}, x]\, W_{rz} + b_{rz}, \qquad r = \sigma(a_r), \qquad z = \sigma(a_z) \\
        \tilde{h} &= \tanh\big([r \odot h_{\mathrm{prev}}, x]\, W_{\tilde{h}} + b_{\tilde{h}}\big) \\
        h_{\mathrm{next}} &= (1 - z) \odot h_{\mathrm{prev}} + z \odot \tilde{h}
        \end{aligned}
        $$

    with $W_{rz}$ = `W[:, :2H]`, $b_{rz}$ = `b[:2H]`, $W_{\tilde{h}}$ = `W[:, 2H:]`, $b_{\tilde{h}}$ = `b[2H:]`, and
    $\tilde{h}$ = h_tilde. This is the notes' GRU, which differs from PyTorch's `nn.GRUCell` in two ways: here $z$
    is the share of the new candidate $\tilde{h}$ (torch's $z$ keeps the old state), and the reset gate multiplies
    $h_{\mathrm{prev}}$ before the product with the weights (torch applies it after, to $W_{hn} h + b_{hn}$).

    Args:
        x: (N, D) inputs of this step.
        h_prev: (N, H) previous hidden state.
        W: (H + D, 3H) weights; columns [0, H) for $r$, [H, 2H) for $z$, [2H, 3H) for $\tilde{h}$; the first H rows
            multiply h_prev (or $r \odot h_{\mathrm{prev}}$ for $\tilde{h}$), the last D rows multiply x.
        b: (3H,) biases, in the same blocks.
    Returns:
        h_next: (N, H).
        cache: whatever gru_step_backward needs.
    """
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    rz = _sigmoid(np.concatenate([h_prev, x], axis=1) @ W[:, :2 * H] + b[:2 * H])
    r, z = rz[:, :H], rz[:, H:]
    h_tilde = np.tanh(np.concatenate([r * h_prev, x], axis=1) @ W[:, 2 * H:] + b[2 * H:])
    return (1.0 - z) * h_prev + z * h_tilde, (x, h_prev, W, r, z, h_tilde)
    ### END SOLUTION


def gru_step_backward(dh_next, cache):
    r"""One step of the course notes' GRU, backward (exercise rnn.gru_step).

    $h_{\mathrm{prev}}$ reaches $h_{\mathrm{next}}$ along three paths: directly ($(1 - z) \odot h_{\mathrm{prev}}$),
    through the gates $r$ and $z$, and through $r \odot h_{\mathrm{prev}}$ in the candidate; its gradient is the
    sum of all three. With $W_{rz}$ and $W_{\tilde{h}}$ as in gru_step_forward:

        $$
        \begin{aligned}
        dz &= dh_{\mathrm{next}} \odot (\tilde{h} - h_{\mathrm{prev}}), \qquad
            da_{\tilde{h}} = dh_{\mathrm{next}} \odot z \odot (1 - \tilde{h}^2) \\
        \big[ d(r \odot h_{\mathrm{prev}}),\, dx_1 \big] &= da_{\tilde{h}}\, W_{\tilde{h}}^\top, \qquad
            dr = d(r \odot h_{\mathrm{prev}}) \odot h_{\mathrm{prev}} \\
        da_{rz} &= [\, dr \odot r (1 - r) \mid dz \odot z (1 - z) \,], \qquad [dh_2,\, dx_2] = da_{rz}\, W_{rz}^\top \\
        dh_{\mathrm{prev}} &= dh_{\mathrm{next}} \odot (1 - z) + d(r \odot h_{\mathrm{prev}}) \odot r + dh_2, \qquad
            dx = dx_1 + dx_2 \\
        dW &= \big[\, [h_{\mathrm{prev}}, x]^\top da_{rz} \mid [r \odot h_{\mathrm{prev}}, x]^\top da_{\tilde{h}} \,\big],
            \qquad db = \textstyle\sum_n [\, da_{rz} \mid da_{\tilde{h}} \,]_{n,:}
        \end{aligned}
        $$

    where $\sum_n$ sums over the batch.

    Args:
        dh_next: (N, H) upstream gradient of h_next.
        cache: what gru_step_forward returned.
    Returns:
        dx: (N, D), dh_prev: (N, H), dW: (H + D, 3H), db: (3H,).
    """
    ### BEGIN SOLUTION
    x, h_prev, W, r, z, h_tilde = cache
    H = h_prev.shape[1]
    da_h = dh_next * z * (1.0 - h_tilde ** 2)
    d_rhx = da_h @ W[:, 2 * H:].T
    drh = d_rhx[:, :H]
    da_rz = np.concatenate([drh * h_prev * r * (1.0 - r), dh_next * (h_tilde - h_prev) * z * (1.0 - z)], axis=1)
    d_hx = da_rz @ W[:, :2 * H].T
    dh_prev = dh_next * (1.0 - z) + drh * r + d_hx[:, :H]
    dW = np.concatenate([np.concatenate([h_prev, x], axis=1).T @ da_rz,
                         np.concatenate([r * h_prev, x], axis=1).T @ da_h], axis=1)
    return d_rhx[:, H:] + d_hx[:, H:], dh_prev, dW, np.concatenate([da_rz.sum(axis=0), da_h.sum(axis=0)])
    ### END SOLUTION


def gru_forward(x, h0, W, b):
    r"""The course notes' GRU unrolled over a whole sequence, forward (exercise rnn.gru_forward).

        $$ h_t = \mathrm{gru\_step}(x_t, h_{t-1}) \quad \text{for } t = 1, \dots, T $$

    starting from $h_0$ = `h0`.

    Args:
        x: (N, T, D) input sequences.
        h0: (N, H) initial hidden state.
        W: (H + D, 3H), b: (3H,) as in gru_step_forward (blocks $r, z, \tilde{h}$).
    Returns:
        h: (N, T, H), the hidden state after every step.
        cache: a dict with exactly the entries "x", "h0", "W", "b" (the inputs), "h" (the output) and "r", "z",
            "h_tilde", the gates and candidates of every step, each (N, T, H). gru_backward is graded on its
            own, on a cache with just these entries built from the correct forward pass.
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    states = {k: np.empty((N, T, h0.shape[1])) for k in ("h", "r", "z", "h_tilde")}
    h_prev = h0
    for t in range(T):
        h_prev, (_, _, _, r, z, h_tilde) = gru_step_forward(x[:, t], h_prev, W, b)
        for k, value in zip(("h", "r", "z", "h_tilde"), (h_prev, r, z, h_tilde)):
            states[k][:, t] = value
    return states["h"], {"x": x, "h0": h0, "W": W, "b": b, **states}
    ### END SOLUTION


def gru_backward(dh, cache):
    r"""Backpropagation through time for the course notes' GRU (exercise rnn.gru_backward).

    `dh[:, t]` is the upstream gradient of $h_{t+1}$. Going from $t = T$ down to 1, each step receives `dh[:, t]`
    plus the dh_prev of the step after it; dW and db add up over the steps.

    Args:
        dh: (N, T, H) upstream gradients of every hidden state.
        cache: a dict with the entries "x", "h0", "W", "b", "h", "r", "z", "h_tilde" (see gru_forward).
    Returns:
        dx: (N, T, D), dh0: (N, H), dW: (H + D, 3H), db: (3H,).
    """
    ### BEGIN SOLUTION
    x, h, W = cache["x"], cache["h"], cache["W"]
    dx, dW, db = np.empty_like(x), np.zeros_like(W), np.zeros(W.shape[1])
    dh_prev = np.zeros_like(cache["h0"])
    for t in reversed(range(x.shape[1])):
        h_before = h[:, t - 1] if t else cache["h0"]
        step = (x[:, t], h_before, W, cache["r"][:, t], cache["z"][:, t], cache["h_tilde"][:, t])
        dx[:, t], dh_prev, dW_t, db_t = gru_step_backward(dh[:, t] + dh_prev, step)
        dW += dW_t
        db += db_t
    return dx, dh_prev, dW, db
    ### END SOLUTION


# -- parameter counts --------------------------------------------------------------------------------------


def rnn_param_count(input_size, hidden_size, num_layers, bias_vectors):
    r"""Learnable parameters of a vanilla RNN of num_layers stacked layers (exercise rnn.param_counts).

        $$ \text{one layer: } H (D + H) + \mathrm{bias\_vectors} \cdot H $$

    That is the weights $W_x$ ($D \times H$) and $W_h$ ($H \times H$), and the biases. Layer 1 reads the D input
    features; every layer above reads the H hidden states of the layer below. bias_vectors is 1 for the notes' single bias $b_h$, or 2 for
    PyTorch's `nn.RNN`, which keeps two bias vectors (bias_ih and bias_hh) although only their sum matters.

    Args:
        input_size: D; hidden_size: H; num_layers: the number of stacked layers (>= 1); bias_vectors: 1 or 2.
    Returns:
        the count, an int.
    """
    ### BEGIN SOLUTION
    return _recurrent_param_count(1, input_size, hidden_size, num_layers, bias_vectors)
    ### END SOLUTION


def lstm_param_count(input_size, hidden_size, num_layers, bias_vectors):
    r"""Learnable parameters of an LSTM of num_layers stacked layers (exercise rnn.param_counts).

        $$ \text{one layer: } 4 \big( H (D + H) + \mathrm{bias\_vectors} \cdot H \big) $$

    Four gates $f, i, \tilde{C}, o$, each with weights on $[h, x]$. Layers and bias_vectors as in rnn_param_count
    (`nn.LSTM` keeps two bias vectors per gate).

    Args:
        input_size: D; hidden_size: H; num_layers: the number of stacked layers (>= 1); bias_vectors: 1 or 2.
    Returns:
        the count, an int.
    """
    ### BEGIN SOLUTION
    return _recurrent_param_count(4, input_size, hidden_size, num_layers, bias_vectors)
    ### END SOLUTION


def gru_param_count(input_size, hidden_size, num_layers, bias_vectors):
    r"""Learnable parameters of a GRU of num_layers stacked layers (exercise rnn.param_counts).

        $$ \text{one layer: } 3 \big( H (D + H) + \mathrm{bias\_vectors} \cdot H \big) $$

    Three blocks: $r$, $z$ and the candidate $\tilde{h}$. The notes' GRU and `nn.GRU` differ in where the reset gate acts,
    not in their parameter count. Layers and bias_vectors as in rnn_param_count (`nn.GRU` keeps two bias vectors
    per block).

    Args:
        input_size: D; hidden_size: H; num_layers: the number of stacked layers (>= 1); bias_vectors: 1 or 2.
    Returns:
        the count, an int.
    """
    ### BEGIN SOLUTION
    return _recurrent_param_count(3, input_size, hidden_size, num_layers, bias_vectors)
    ### END SOLUTION


# -- gradient clipping ---------------------------------------------------------------------------------------


def clip_grad_norm(grads, max_norm):
    r"""Gradient clipping by the global norm, as torch.nn.utils.clip_grad_norm_ (exercise rnn.clip_grad_norm).

        $$
        \begin{aligned}
        \mathrm{total} &= \sqrt{\textstyle\sum_{g} \sum_{j} g_j^2}
            && \text{(one norm over all the gradient arrays } g \text{ together)} \\
        \mathrm{coefficient} &= \frac{\mathrm{max\_norm}}{\mathrm{total} + 10^{-6}} \\
        g_{\mathrm{clipped}} &= \begin{cases} g \cdot \mathrm{coefficient} & \text{if } \mathrm{coefficient} < 1 \\
            g \text{ unchanged} & \text{otherwise} \end{cases}
        \end{aligned}
        $$

    One coefficient for all the gradients, so their directions relative to each other are kept (clipping each
    array on its own would change them). The $10^{-6}$ guards against dividing by 0
    ($\mathrm{max\_norm} / \mathrm{total}$ without it is accepted too: it changes the result by about a millionth).

    Args:
        grads: a dict of gradient arrays (any shapes), e.g. {"Wx": ..., "Wh": ..., "b": ...}.
        max_norm: the largest global norm allowed, > 0.
    Returns:
        clipped: a new dict with the same keys and the clipped arrays (grads itself is left unchanged).
        total: the global norm before clipping, a float.
    """
    ### BEGIN SOLUTION
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    coefficient = min(1.0, max_norm / (total + 1e-6))
    return {k: g * coefficient for k, g in grads.items()}, total
    ### END SOLUTION


# -- sequence losses ----------------------------------------------------------------------------------------


def sequence_mse(pred, target):
    r"""The notes' regression loss over a sequence, and its gradient (exercise rnn.sequence_mse).

        $$
        \begin{aligned}
        L &= \frac{1}{N T} \sum_{n=1}^{N} \sum_{t=1}^{T} \big\| \mathrm{pred}_{n,t} - \mathrm{target}_{n,t} \big\|^2 \\
        d\mathrm{pred} &= \frac{2\, (\mathrm{pred} - \mathrm{target})}{N T}
        \end{aligned}
        $$

    The notes' $\mathcal{L} = \frac{1}{T} \sum_{t} \|y_t - \hat{y}_t\|^2$, averaged over the batch too. The squared
    norm sums over the K output features: this is `F.mse_loss` (which also averages over K) times K.

    Args:
        pred: (N, T, K) predictions; target: (N, T, K) targets.
    Returns:
        loss: a float; dpred: (N, T, K), $\partial L / \partial \mathrm{pred}$.
    """
    ### BEGIN SOLUTION
    N, T, _ = pred.shape
    diff = pred - target
    return float(np.sum(diff ** 2) / (N * T)), 2.0 * diff / (N * T)
    ### END SOLUTION


def sequence_cross_entropy(scores, y):
    r"""The notes' sequence classification loss, from logits, and its gradient (exercise rnn.sequence_cross_entropy).

        $$
        \begin{aligned}
        p_{n,t} &= \operatorname{softmax}(\mathrm{scores}_{n,t}) \\
        L &= -\frac{1}{N T} \sum_{n=1}^{N} \sum_{t=1}^{T} \log p_{n, t, y_{n,t}} \\
        d\mathrm{scores} &= \frac{p - \mathrm{onehot}(y)}{N T}
        \end{aligned}
        $$

    The notes' $\mathcal{L} = -\frac{1}{T} \sum_{t} \sum_{c} y_{t,c} \log \hat{y}_{t,c}$ with one-hot targets,
    averaged over the batch too; it equals `F.cross_entropy` on the $N T$ rows. Take scores, not probabilities,
    and compute the softmax stably: scores can be in the thousands.

    Args:
        scores: (N, T, C) logits; y: (N, T) integer labels in [0, C).
    Returns:
        loss: a float; dscores: (N, T, C), $\partial L / \partial \mathrm{scores}$.
    """
    ### BEGIN SOLUTION
    N, T, C = scores.shape
    shifted = scores - scores.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    onehot = np.eye(C)[y]
    return float(-np.sum(log_p * onehot) / (N * T)), (np.exp(log_p) - onehot) / (N * T)
    ### END SOLUTION


# -- evaluation metrics ---------------------------------------------------------------------------------------


def mse(y_true, y_pred):
    r"""Mean squared error over every entry (exercise rnn.regression_metrics).

        $$ \mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} \left( y_{\mathrm{true},i} - y_{\mathrm{pred},i} \right)^2 $$

    ($n$: the number of entries, whatever the shape.)

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    return float(np.mean((y_true - y_pred) ** 2))
    ### END SOLUTION


def mae(y_true, y_pred):
    r"""Mean absolute error over every entry (exercise rnn.regression_metrics).

        $$ \mathrm{MAE} = \frac{1}{n} \sum_{i=1}^{n} \left| y_{\mathrm{true},i} - y_{\mathrm{pred},i} \right| $$

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    return float(np.mean(np.abs(y_true - y_pred)))
    ### END SOLUTION


def rmse(y_true, y_pred):
    r"""Root mean squared error (exercise rnn.regression_metrics).

        $$ \mathrm{RMSE} = \sqrt{\mathrm{MSE}} $$

    (the square root of the mean over every entry, taken once).

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    return float(np.sqrt(mse(y_true, y_pred)))
    ### END SOLUTION


def accuracy(y_true, y_pred):
    r"""The fraction of correct predictions (exercise rnn.classification_metrics).

        $$ \mathrm{accuracy} = \frac{TP + TN}{TP + TN + FP + FN} $$

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    return float(np.mean(y_true == y_pred))
    ### END SOLUTION


def precision(y_true, y_pred):
    r"""Precision of the positive class 1 (exercise rnn.classification_metrics).

        $$ \mathrm{precision} = \frac{TP}{TP + FP}, \quad \text{and 0 when nothing is predicted positive } (TP + FP = 0) $$

    The zero-division convention is scikit-learn's zero_division=0.

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    predicted = np.sum(y_pred == 1)
    return float(np.sum((y_true == 1) & (y_pred == 1)) / predicted) if predicted else 0.0
    ### END SOLUTION


def recall(y_true, y_pred):
    r"""Recall of the positive class 1 (exercise rnn.classification_metrics).

        $$ \mathrm{recall} = \frac{TP}{TP + FN}, \quad \text{and 0 when no label is positive } (TP + FN = 0) $$

    The zero-division convention is scikit-learn's zero_division=0.

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    actual = np.sum(y_true == 1)
    return float(np.sum((y_true == 1) & (y_pred == 1)) / actual) if actual else 0.0
    ### END SOLUTION


def f1_score(y_true, y_pred):
    r"""F1 score of the positive class 1 (exercise rnn.classification_metrics).

        $$ F_1 = \frac{2 \cdot \mathrm{precision} \cdot \mathrm{recall}}{\mathrm{precision} + \mathrm{recall}} $$

    and 0 when $\mathrm{precision} + \mathrm{recall} = 0$ (with precision and recall as defined above;
    scikit-learn's f1_score with zero_division=0).

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    ### BEGIN SOLUTION
    p, r = precision(y_true, y_pred), recall(y_true, y_pred)
    return 2.0 * p * r / (p + r) if p + r else 0.0
    ### END SOLUTION


# -- training ------------------------------------------------------------------------------------------------


def train_rnn(x, y, params, lr, epochs, max_norm):
    r"""Train an RNN regressor by gradient descent with gradient clipping (exercise rnn.train_rnn).

    The model reads each sequence from $h_0 = 0$ and predicts an output at every step:

        $$
        \begin{aligned}
        h &= \mathrm{rnn\_forward}(x, 0, W_x, W_h, b) \\
        \mathrm{pred}_t &= h_t W_y + b_y \\
        \mathrm{loss} &= \mathrm{sequence\_mse}(\mathrm{pred}, y)
        \end{aligned}
        $$

    Each of the `epochs` steps uses the whole batch: compute the loss and the gradients of all five parameters
    (your rnn_backward gives those of Wx, Wh and b from $\partial L / \partial h = d\mathrm{pred}\, W_y^\top$), clip
    them together with `clip_grad_norm(grads, max_norm)`, then update every parameter $p$ with its clipped
    gradient $dp$ and the learning rate $\eta$ = `lr`:

        $$ p \leftarrow p - \eta\, dp $$

    Args:
        x: (N, T, D) input sequences; y: (N, T, K) targets.
        params: a dict with the initial "Wx" (D, H), "Wh" (H, H), "b" (H,), "Wy" (H, K) and "by" (K,).
        lr: the learning rate; epochs: the number of steps; max_norm: the clipping threshold.
    Returns:
        a new dict with the five trained parameters (params itself is left unchanged).
    """
    ### BEGIN SOLUTION
    p = {k: v.copy() for k, v in params.items()}
    h0 = np.zeros((x.shape[0], p["Wh"].shape[0]))
    for _ in range(epochs):
        h, cache = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
        _, dpred = sequence_mse(h @ p["Wy"] + p["by"], y)
        grads = {"Wy": np.einsum("nth,ntk->hk", h, dpred), "by": dpred.sum(axis=(0, 1))}
        _, _, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dpred @ p["Wy"].T, cache)
        clipped, _ = clip_grad_norm(grads, max_norm)
        p = {k: p[k] - lr * clipped[k] for k in p}
    return p
    ### END SOLUTION
