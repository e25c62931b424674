# Generated from solutions/rnn.py by `python -m autograder build`. Fill in every function that raises
# NotImplementedError, then run `python -m autograder check rnn`.
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
    # TODO: implement rnn_step_forward (exercise rnn.rnn_step).
    raise NotImplementedError("rnn_step_forward: not implemented yet (exercise rnn.rnn_step)")


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
    # TODO: implement rnn_step_backward (exercise rnn.rnn_step).
    raise NotImplementedError("rnn_step_backward: not implemented yet (exercise rnn.rnn_step)")


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
    # TODO: implement rnn_forward (exercise rnn.rnn_forward).
    raise NotImplementedError("rnn_forward: not implemented yet (exercise rnn.rnn_forward)")


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
    # TODO: implement rnn_backward (exercise rnn.rnn_backward).
    raise NotImplementedError("rnn_backward: not implemented yet (exercise rnn.rnn_backward)")


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
    # TODO: implement lstm_step_forward (exercise rnn.lstm_step).
    raise NotImplementedError("lstm_step_forward: not implemented yet (exercise rnn.lstm_step)")


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
    # TODO: implement lstm_step_backward (exercise rnn.lstm_step).
    raise NotImplementedError("lstm_step_backward: not implemented yet (exercise rnn.lstm_step)")


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
    # TODO: implement lstm_forward (exercise rnn.lstm_forward).
    raise NotImplementedError("lstm_forward: not implemented yet (exercise rnn.lstm_forward)")


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
    # TODO: implement lstm_backward (exercise rnn.lstm_backward).
    raise NotImplementedError("lstm_backward: not implemented yet (exercise rnn.lstm_backward)")


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
    # TODO: implement gru_step_forward (exercise rnn.gru_step).
    raise NotImplementedError("gru_step_forward: not implemented yet (exercise rnn.gru_step)")


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
    # TODO: implement gru_step_backward (exercise rnn.gru_step).
    raise NotImplementedError("gru_step_backward: not implemented yet (exercise rnn.gru_step)")


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
    # TODO: implement gru_forward (exercise rnn.gru_forward).
    raise NotImplementedError("gru_forward: not implemented yet (exercise rnn.gru_forward)")


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
    # TODO: implement gru_backward (exercise rnn.gru_backward).
    raise NotImplementedError("gru_backward: not implemented yet (exercise rnn.gru_backward)")


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
    # TODO: implement rnn_param_count (exercise rnn.param_counts).
    raise NotImplementedError("rnn_param_count: not implemented yet (exercise rnn.param_counts)")


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
    # TODO: implement lstm_param_count (exercise rnn.param_counts).
    raise NotImplementedError("lstm_param_count: not implemented yet (exercise rnn.param_counts)")


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
    # TODO: implement gru_param_count (exercise rnn.param_counts).
    raise NotImplementedError("gru_param_count: not implemented yet (exercise rnn.param_counts)")


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
    # TODO: implement clip_grad_norm (exercise rnn.clip_grad_norm).
    raise NotImplementedError("clip_grad_norm: not implemented yet (exercise rnn.clip_grad_norm)")


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
    # TODO: implement sequence_mse (exercise rnn.sequence_mse).
    raise NotImplementedError("sequence_mse: not implemented yet (exercise rnn.sequence_mse)")


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
    # TODO: implement sequence_cross_entropy (exercise rnn.sequence_cross_entropy).
    raise NotImplementedError("sequence_cross_entropy: not implemented yet (exercise rnn.sequence_cross_entropy)")


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
    # TODO: implement mse (exercise rnn.regression_metrics).
    raise NotImplementedError("mse: not implemented yet (exercise rnn.regression_metrics)")


def mae(y_true, y_pred):
    r"""Mean absolute error over every entry (exercise rnn.regression_metrics).

        $$ \mathrm{MAE} = \frac{1}{n} \sum_{i=1}^{n} \left| y_{\mathrm{true},i} - y_{\mathrm{pred},i} \right| $$

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    # TODO: implement mae (exercise rnn.regression_metrics).
    raise NotImplementedError("mae: not implemented yet (exercise rnn.regression_metrics)")


def rmse(y_true, y_pred):
    r"""Root mean squared error (exercise rnn.regression_metrics).

        $$ \mathrm{RMSE} = \sqrt{\mathrm{MSE}} $$

    (the square root of the mean over every entry, taken once).

    Args:
        y_true, y_pred: arrays of the same shape.
    Returns:
        a float.
    """
    # TODO: implement rmse (exercise rnn.regression_metrics).
    raise NotImplementedError("rmse: not implemented yet (exercise rnn.regression_metrics)")


def accuracy(y_true, y_pred):
    r"""The fraction of correct predictions (exercise rnn.classification_metrics).

        $$ \mathrm{accuracy} = \frac{TP + TN}{TP + TN + FP + FN} $$

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement accuracy (exercise rnn.classification_metrics).
    raise NotImplementedError("accuracy: not implemented yet (exercise rnn.classification_metrics)")


def precision(y_true, y_pred):
    r"""Precision of the positive class 1 (exercise rnn.classification_metrics).

        $$ \mathrm{precision} = \frac{TP}{TP + FP}, \quad \text{and 0 when nothing is predicted positive } (TP + FP = 0) $$

    The zero-division convention is scikit-learn's zero_division=0.

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement precision (exercise rnn.classification_metrics).
    raise NotImplementedError("precision: not implemented yet (exercise rnn.classification_metrics)")


def recall(y_true, y_pred):
    r"""Recall of the positive class 1 (exercise rnn.classification_metrics).

        $$ \mathrm{recall} = \frac{TP}{TP + FN}, \quad \text{and 0 when no label is positive } (TP + FN = 0) $$

    The zero-division convention is scikit-learn's zero_division=0.

    Args:
        y_true: (n,) labels, 0 or 1; y_pred: (n,) predicted labels, 0 or 1 (integer arrays).
    Returns:
        a float.
    """
    # TODO: implement recall (exercise rnn.classification_metrics).
    raise NotImplementedError("recall: not implemented yet (exercise rnn.classification_metrics)")


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
    # TODO: implement f1_score (exercise rnn.classification_metrics).
    raise NotImplementedError("f1_score: not implemented yet (exercise rnn.classification_metrics)")


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
    # TODO: implement train_rnn (exercise rnn.train_rnn).
    raise NotImplementedError("train_rnn: not implemented yet (exercise rnn.train_rnn)")
