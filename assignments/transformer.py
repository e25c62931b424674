# Generated from solutions/transformer.py by `python -m autograder build`. Fill in every function that raises
# NotImplementedError, then run `python -m autograder check transformer`.
r"""Transformers from first principles: the course notes' "Attention Is All You Need" in NumPy.

Conventions (the same in every exercise of this topic):
- batch first, row vectors: a batch of sequences x has shape (B, T, d_model), and a linear map is
  $x W + b$ with $W$ of shape (n_in, n_out), applied at every position (`x @ W` works on (B, T, n_in) arrays);
- attention works on the last two axes: queries $Q$ (..., Lq, d_k), keys $K$ (..., Lk, d_k), values
  $V$ (..., Lk, d_v), where "..." is any number of leading axes (batch, or batch and heads);
- masks are additive: a mask $M$ of shape (Lq, Lk) is added to the scaled scores, $M_{ij} = 0$ where query $i$
  may look at key $j$, $-\infty$ where it may not, and a finite value where it is a bias (every row keeps a key
  visible);
- forward functions return (out, cache) and backward functions take (dout, cache), CS231n style: dout is
  $\partial L / \partial \mathrm{out}$ for some scalar loss $L$, and each backward returns $\partial L / \partial$
  each input, of that input's shape;
- arrays are float64; a function never modifies its input arrays in place.

Where the course notes are wrong, these exercises follow the corrected math, and each docstring says so:
the notes' causal mask is anti-causal; their masked attention adds $M$ before the scaling; their encoder-layer
formula is post-normalisation (mislabelled "pre-normalization") with its outer residual wrong; their layer norm
has no $\epsilon$. Each function says which exercise grades it.
"""
import numpy as np

LN_EPS = 1e-5  # the layer-norm eps of the encoder layer (PyTorch's default)


def attention_forward(Q, K, V, mask=None):
    r"""Scaled dot-product attention, forward (exercise transformer.attention).

        $$
        \begin{aligned}
        e &= \frac{Q K^\top}{\sqrt{d_k}} + M && \text{the scores, } (\dots, L_q, L_k) \\
        \alpha &= \operatorname{softmax}(e) && \text{over the keys (the last axis), so each row sums to 1} \\
        \mathrm{out} &= \alpha V && (\dots, L_q, d_v)
        \end{aligned}
        $$

    $e$ and $\alpha$ are the course notes' scores $e_{ij}$ and attention weights $\alpha_{ij}$, for every query $i$
    and key $j$. The mask is added *after* the scaling, as PyTorch's `scaled_dot_product_attention` does. The
    course notes' masked attention, $\operatorname{softmax}\big((Q K^\top + M) / \sqrt{d_k}\big) V$, puts it
    inside; that agrees only for masks of 0 and $-\infty$, and the grader also uses masks with finite entries (an
    additive bias, such as a relative-position bias), where it does not. Scores can exceed 700 (a softmax without
    the max shift overflows); masked entries must get weight exactly 0.

    Args:
        Q: (..., Lq, d_k) queries; "..." is one or more leading axes, e.g. (B,) or (B, h).
        K: (..., Lk, d_k) keys.
        V: (..., Lk, d_v) values.
        mask: None, or an additive mask $M$ of shape (Lq, Lk), the same for every leading index.
    Returns:
        out: (..., Lq, d_v).
        weights: (..., Lq, Lk) the attention weights $\alpha$.
        cache: whatever attention_backward needs.
    """
    # TODO: implement attention_forward (exercise transformer.attention).
    raise NotImplementedError("attention_forward: not implemented yet (exercise transformer.attention)")


def attention_backward(dout, cache):
    r"""Scaled dot-product attention, backward (exercise transformer.attention).

    With $d\mathrm{out} = \partial L / \partial \mathrm{out}$, $d\alpha = \partial L / \partial \alpha$ and so on
    ($e$ and $\alpha$ as in attention_forward):

        $$
        \begin{aligned}
        dV &= \alpha^\top d\mathrm{out}, \qquad d\alpha = d\mathrm{out}\, V^\top \\
        de_{ij} &= \alpha_{ij} \Big( d\alpha_{ij} - \textstyle\sum_{k} \alpha_{ik}\, d\alpha_{ik} \Big)
            && \text{(the softmax Jacobian, row by row)} \\
        dQ &= \frac{de\, K}{\sqrt{d_k}}, \qquad dK = \frac{de^\top Q}{\sqrt{d_k}}
        \end{aligned}
        $$

    (transposes swap the last two axes; the leading axes stay). The mask is a constant: it has no gradient.

    Args:
        dout: (..., Lq, d_v) upstream gradient.
        cache: what attention_forward returned.
    Returns:
        dQ: (..., Lq, d_k), dK: (..., Lk, d_k), dV: (..., Lk, d_v).
    """
    # TODO: implement attention_backward (exercise transformer.attention).
    raise NotImplementedError("attention_backward: not implemented yet (exercise transformer.attention)")


def causal_mask(T):
    r"""The causal (look-ahead) mask of a decoder's self-attention (exercise transformer.causal_mask).

        $$
        \begin{aligned}
        M_{ij} &= 0 && \text{if } j \le i \quad \text{(query } i \text{ sees itself and the positions before it)} \\
        M_{ij} &= -\infty && \text{if } j > i \quad \text{(the future is hidden)}
        \end{aligned}
        $$

    so that row $i$ of $\operatorname{softmax}(Q K^\top / \sqrt{d_k} + M)$ puts no weight on any later position.
    The course notes print the transposed matrix ($0$ if $i \le j$, $-\infty$ if $i > j$), which is anti-causal:
    it lets position $i$ see only positions $j \ge i$, contradicting their own sentence "position $i$ can only
    attend to positions $j \le i$". A large negative number such as $-10^9$ instead of $-\infty$ is accepted too.

    Args:
        T: the sequence length (an int).
    Returns:
        M: (T, T) float array.
    """
    # TODO: implement causal_mask (exercise transformer.causal_mask).
    raise NotImplementedError("causal_mask: not implemented yet (exercise transformer.causal_mask)")


def mha_forward(x_q, x_kv, params, n_heads, mask=None):
    r"""Multi-head attention, forward (exercise transformer.multi_head_attention).

        $$
        \begin{aligned}
        \mathrm{head}_i &= \operatorname{Attention}(x_q W^Q_i,\; x_{kv} W^K_i,\; x_{kv} W^V_i), \qquad i = 1, \dots, h \\
        \mathrm{out} &= \operatorname{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W^O
        \end{aligned}
        $$

    The projections of all heads are stored side by side: $W^Q = [W^Q_1 \mid W^Q_2 \mid \dots \mid W^Q_h]$ is
    `params["W_Q"]`, so the head of index `i` (counting from 0) uses columns `i*d_k:(i+1)*d_k` of $W^Q$ and $W^K$
    and columns `i*d_v:(i+1)*d_v` of $W^V$, and its output is block `i` of the concatenation, which meets rows
    `i*d_v:(i+1)*d_v` of $W^O$. There are no biases (as in the course notes). $d_k$ = `W_Q.shape[1]` / $h$ and
    $d_v$ = `W_V.shape[1]` / $h$; they need not equal $d_{\mathrm{model}} / h$. Hint: compute `x_q @ W_Q` for all
    heads at once, then reshape (B, Lq, h*d_k) to (B, Lq, h, d_k) and move the head axis before the position
    axis, giving (B, h, Lq, d_k), which attention_forward accepts as it is.

    For cross-attention $x_{kv}$ (the encoder's output) differs from $x_q$ and Lk may differ from Lq; for
    self-attention both are the same array x. With PyTorch's `nn.MultiheadAttention` (`batch_first=True`, no
    biases, $d_k = d_v = d_{\mathrm{model}} / h$) this is the same map, its `in_proj_weight` being
    $\big[(W^Q)^\top; (W^K)^\top; (W^V)^\top\big]$.

    Args:
        x_q: (B, Lq, d_model) the sequence that asks (queries).
        x_kv: (B, Lk, d_model) the sequence attended to (keys and values).
        params: dict with "W_Q" (d_model, h*d_k), "W_K" (d_model, h*d_k), "W_V" (d_model, h*d_v),
            "W_O" (h*d_v, d_model).
        n_heads: $h \ge 2$, the number of heads.
        mask: None, or an additive mask (Lq, Lk) used by every head (see attention_forward).
    Returns:
        out: (B, Lq, d_model).
        cache: whatever mha_backward needs.
    """
    # TODO: implement mha_forward (exercise transformer.multi_head_attention).
    raise NotImplementedError("mha_forward: not implemented yet (exercise transformer.multi_head_attention)")


def mha_backward(dout, cache):
    r"""Multi-head attention, backward (exercise transformer.multi_head_attention).

    Back through $W^O$, split the gradient of the concatenation into its heads, back through attention
    (attention_backward), merge the heads' $dQ$, $dK$, $dV$, and back through the projections:

        $$
        \begin{aligned}
        dW^O &= \mathrm{concat}^\top d\mathrm{out}, \qquad dW^Q = x_q^\top dQ, \qquad dW^K = x_{kv}^\top dK,
            \qquad dW^V = x_{kv}^\top dV \\
        dx_q &= dQ\, (W^Q)^\top, \qquad dx_{kv} = dK\, (W^K)^\top + dV\, (W^V)^\top
        \end{aligned}
        $$

    where $\mathrm{concat} = \operatorname{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)$, and each weight
    gradient is summed over B and L (every batch index and position). For self-attention ($x_q$ and $x_{kv}$ the
    same x) the gradient with respect to x is $dx_q + dx_{kv}$.

    Args:
        dout: (B, Lq, d_model) upstream gradient.
        cache: what mha_forward returned.
    Returns:
        dx_q: (B, Lq, d_model), dx_kv: (B, Lk, d_model),
        grads: dict with "W_Q", "W_K", "W_V", "W_O", each of its parameter's shape.
    """
    # TODO: implement mha_backward (exercise transformer.multi_head_attention).
    raise NotImplementedError("mha_backward: not implemented yet (exercise transformer.multi_head_attention)")


def positional_encoding(T, d_model):
    r"""The sinusoidal positional encoding (exercise transformer.positional_encoding).

        $$
        \begin{aligned}
        PE_{(pos, 2i)} &= \sin\left(\frac{pos}{10000^{2i / d_{\mathrm{model}}}}\right) \\
        PE_{(pos, 2i+1)} &= \cos\left(\frac{pos}{10000^{2i / d_{\mathrm{model}}}}\right)
        \end{aligned}
        $$

    for positions $pos = 0, 1, \dots, T - 1$ (`PE[pos, 2i]` is $PE_{(pos, 2i)}$): columns $2i$ and $2i + 1$
    share one frequency, sine in the even column, cosine in the odd one (interleaved, not two halves). d_model may
    be odd: then the last column, $d_{\mathrm{model}} - 1$, is a sine with no cosine partner. (The course notes'
    alternative $PE_{pos} = \mathrm{Re}\left[e^{i \cdot pos \cdot \omega_k}\right]$ gives only the cosine columns:
    the sines are the imaginary parts.)

    Args:
        T: number of positions; d_model: the model width (ints).
    Returns:
        PE: (T, d_model) float array.
    """
    # TODO: implement positional_encoding (exercise transformer.positional_encoding).
    raise NotImplementedError("positional_encoding: not implemented yet (exercise transformer.positional_encoding)")


def layer_norm_forward(x, gamma, beta, eps):
    r"""Layer normalisation over the features of every position, forward (exercise transformer.layer_norm).

    For every batch index $b$ and position $t$, over the D features $d$ of $x_{bt}$:

        $$
        \begin{aligned}
        \mu_{bt} &= \frac{1}{D} \sum_{d=1}^{D} x_{btd}, \qquad
            \sigma^2_{bt} = \frac{1}{D} \sum_{d=1}^{D} (x_{btd} - \mu_{bt})^2 \\
        \mathrm{out}_{btd} &= \gamma_d \, \frac{x_{btd} - \mu_{bt}}{\sqrt{\sigma^2_{bt} + \epsilon}} + \beta_d
        \end{aligned}
        $$

    (per position; $\sigma^2$ is the biased variance). Unlike batch norm, the statistics are taken over the last
    axis (the D features of one position of one sequence), never over the batch. The course notes write
    $\mathrm{LN}(x) = \gamma \frac{x - \mu}{\sigma} + \beta$ with no $\epsilon$; PyTorch's `nn.LayerNorm`, followed
    here, adds $\epsilon$ to the variance inside the square root, which matters when the features are small (at
    scale 0.01 the difference is about 25%).

    Args:
        x: (B, T, D).
        gamma, beta: (D,) scale $\gamma$ and shift $\beta$.
        eps: $\epsilon$, added to the variance, e.g. 1e-5.
    Returns:
        out: (B, T, D).
        cache: whatever layer_norm_backward needs.
    """
    # TODO: implement layer_norm_forward (exercise transformer.layer_norm).
    raise NotImplementedError("layer_norm_forward: not implemented yet (exercise transformer.layer_norm)")


def layer_norm_backward(dout, cache):
    r"""Layer normalisation, backward (exercise transformer.layer_norm).

        $$
        \begin{aligned}
        d\beta &= \textstyle\sum_{b, t} d\mathrm{out}_{bt}, \qquad
            d\gamma = \textstyle\sum_{b, t} d\mathrm{out}_{bt} \odot \hat{x}_{bt} \\
        g &= d\mathrm{out} \odot \gamma \\
        dx &= \frac{g - \operatorname{mean}_d(g) - \hat{x} \odot \operatorname{mean}_d(g \odot \hat{x})}{\sqrt{\sigma^2 + \epsilon}}
        \end{aligned}
        $$

    where $\sum_{b, t}$ sums over all positions (every batch index and position),
    $\hat{x} = (x - \mu) / \sqrt{\sigma^2 + \epsilon}$, and $\operatorname{mean}_d$ averages over the D features of
    each position.

    Args:
        dout: (B, T, D) upstream gradient.
        cache: what layer_norm_forward returned.
    Returns:
        dx: (B, T, D), dgamma: (D,), dbeta: (D,).
    """
    # TODO: implement layer_norm_backward (exercise transformer.layer_norm).
    raise NotImplementedError("layer_norm_backward: not implemented yet (exercise transformer.layer_norm)")


def ffn_forward(x, W1, b1, W2, b2):
    r"""The position-wise feed-forward network, forward (exercise transformer.ffn).

        $$ \mathrm{FFN}(x) = \max(0,\, x W_1 + b_1)\, W_2 + b_2 $$

    the same two-layer ReLU network applied at every position of every sequence. (The course notes' "typically
    $d_{ff} = 4 \cdot d_{\mathrm{model}} = 2048$" assumes $d_{\mathrm{model}} = 512$.) The grader's pre-activations
    $x W_1 + b_1$ are never near 0.

    Args:
        x: (B, T, d_model).
        W1: (d_model, d_ff), b1: (d_ff,), W2: (d_ff, d_model), b2: (d_model,).
    Returns:
        out: (B, T, d_model).
        cache: whatever ffn_backward needs.
    """
    # TODO: implement ffn_forward (exercise transformer.ffn).
    raise NotImplementedError("ffn_forward: not implemented yet (exercise transformer.ffn)")


def ffn_backward(dout, cache):
    r"""The position-wise feed-forward network, backward (exercise transformer.ffn).

    With $h = x W_1 + b_1$ and $a = \max(0, h)$:

        $$
        \begin{aligned}
        dW_2 &= a^\top d\mathrm{out}, \qquad db_2 = \textstyle\sum_{b, t} d\mathrm{out}_{bt}, \qquad
            da = d\mathrm{out}\, W_2^\top \\
        dh &= da \odot [h > 0] \\
        dW_1 &= x^\top dh, \qquad db_1 = \textstyle\sum_{b, t} dh_{bt}, \qquad dx = dh\, W_1^\top
        \end{aligned}
        $$

    where $[h > 0]$ is 1 where $h > 0$ and 0 elsewhere, and $\sum_{b, t}$ sums over the positions.
    $x^\top d\mathrm{out}$ means: sum over every batch index and position,
    $\sum_{b, t} x_{bt}^\top\, d\mathrm{out}_{bt}$; reshape to (B*T, n) first.

    Args:
        dout: (B, T, d_model) upstream gradient.
        cache: what ffn_forward returned.
    Returns:
        dx: (B, T, d_model), dW1: (d_model, d_ff), db1: (d_ff,), dW2: (d_ff, d_model), db2: (d_model,).
    """
    # TODO: implement ffn_backward (exercise transformer.ffn).
    raise NotImplementedError("ffn_backward: not implemented yet (exercise transformer.ffn)")


def encoder_layer_forward(x, params, n_heads):
    r"""One Transformer encoder layer, post-normalisation, forward (exercise transformer.encoder_layer).

        $$
        \begin{aligned}
        y &= \mathrm{LayerNorm}_1\big(x + \mathrm{MultiHead}(x, x, x)\big) \\
        \mathrm{out} &= \mathrm{LayerNorm}_2\big(y + \mathrm{FFN}(y)\big)
        \end{aligned}
        $$

    This is the paper's layer, PyTorch's `nn.TransformerEncoderLayer(norm_first=False)` without dropout. The
    course notes write
    $\mathrm{EncoderLayer}(x) = \mathrm{LN}\big(x + \mathrm{FFN}(\mathrm{LN}(x + \mathrm{MultiHead}(x, x, x)))\big)$:
    read literally, the outer residual adds $x$, where it must add $y$, the input of the FFN sublayer. They also
    call it the "pre-normalization variant", but normalising *after* each residual sum is post-normalisation
    (pre-LN would be $y = x + \mathrm{MHA}(\mathrm{LN}(x))$, $\mathrm{out} = y + \mathrm{FFN}(\mathrm{LN}(y))$).
    Build it from your mha_forward (self-attention, no mask, no biases), layer_norm_forward (eps = `LN_EPS` =
    1e-5) and ffn_forward.

    Args:
        x: (B, T, d_model).
        params: dict with the attention weights "W_Q", "W_K", "W_V", "W_O" (d_model, d_model)
            ($d_k = d_{\mathrm{model}} / h$), the first layer norm's "gamma1", "beta1" (d_model,), the FFN's
            "W1" (d_model, d_ff), "b1" (d_ff,), "W2" (d_ff, d_model), "b2" (d_model,), the second layer norm's
            "gamma2", "beta2" (d_model,).
        n_heads: the number of heads $h$.
    Returns:
        out: (B, T, d_model).
        cache: whatever encoder_layer_backward needs.
    """
    # TODO: implement encoder_layer_forward (exercise transformer.encoder_layer).
    raise NotImplementedError("encoder_layer_forward: not implemented yet (exercise transformer.encoder_layer)")


def encoder_layer_backward(dout, cache):
    r"""One Transformer encoder layer, backward (exercise transformer.encoder_layer).

    Go back through the layer in reverse with your backward functions. Each residual sum $s = a + F(a)$ sends its
    gradient both through $F$ and straight to $a$, so the two add up at $a$; and $x$ reaches the attention three
    times (as queries, keys and values), so its gradient collects $dx_q + dx_{kv}$ besides the residual's.

    Args:
        dout: (B, T, d_model) upstream gradient.
        cache: what encoder_layer_forward returned.
    Returns:
        dx: (B, T, d_model).
        grads: dict with the same keys as params ("W_Q", ..., "beta2"), each of its parameter's shape.
    """
    # TODO: implement encoder_layer_backward (exercise transformer.encoder_layer).
    raise NotImplementedError("encoder_layer_backward: not implemented yet (exercise transformer.encoder_layer)")


def label_smoothing_loss(logits, y, epsilon):
    r"""Cross-entropy with label smoothing, and its gradient (exercise transformer.label_smoothing).

        $$
        \begin{aligned}
        p &= \operatorname{softmax}(\mathrm{logits}) && \text{over the vocabulary (the last axis)} \\
        q_i &= \begin{cases} 1 - \epsilon + \frac{\epsilon}{V} & \text{if } i = y \\
            \frac{\epsilon}{V} & \text{otherwise} \end{cases} \\
        L &= -\frac{1}{N} \sum_{\text{tokens}} \sum_{i=1}^{V} q_i \log p_i && \text{over the } N = B T \text{ tokens} \\
        \frac{\partial L}{\partial\, \mathrm{logits}} &= \frac{p - q}{N}
        \end{aligned}
        $$

    The smoothed target spreads $\epsilon$ uniformly over all $V$ classes, the true one included (as the course
    notes and PyTorch's `F.cross_entropy(label_smoothing=epsilon)` do); $\epsilon = 0$ is the ordinary
    cross-entropy. Logits can be large (1000, or rows whose entries differ by more than 745): compute $\log p$
    without overflow, and without taking the log of a probability that underflowed to 0.

    Args:
        logits: (B, T, V) scores.
        y: (B, T) integer targets in [0, V).
        epsilon: the smoothing $\epsilon$, $0 \le \epsilon < 1$.
    Returns:
        loss: a float.
        dlogits: (B, T, V).
    """
    # TODO: implement label_smoothing_loss (exercise transformer.label_smoothing).
    raise NotImplementedError("label_smoothing_loss: not implemented yet (exercise transformer.label_smoothing)")


def noam_lr(steps, d_model, warmup):
    r"""The Transformer's warmup and inverse-square-root learning-rate schedule (exercise transformer.noam).

        $$
        \begin{aligned}
        \mathrm{lr}(\mathrm{step}) &= d_{\mathrm{model}}^{-0.5} \cdot
            \min\left(\mathrm{step}^{-0.5},\; \mathrm{step} \cdot \mathrm{warmup}^{-1.5}\right)
        \end{aligned}
        $$

    It rises linearly for the first `warmup` steps, peaks at $\mathrm{step} = \mathrm{warmup}$
    ($d_{\mathrm{model}}^{-0.5} \cdot \mathrm{warmup}^{-0.5}$), then decays like $\mathrm{step}^{-0.5}$. Steps are
    counted from 1: at step 0 the formula divides by zero (with PyTorch's `LambdaLR`, whose epoch counter starts
    at 0, pass $\mathrm{step} = \mathrm{epoch} + 1$). The course notes' "4000 steps" is the paper's warmup.

    Args:
        steps: (n,) integer array of step numbers, each >= 1.
        d_model: the model width; warmup: the number of warmup steps (ints).
    Returns:
        (n,) float array, the learning rate at each step.
    """
    # TODO: implement noam_lr (exercise transformer.noam).
    raise NotImplementedError("noam_lr: not implemented yet (exercise transformer.noam)")


def dropout_forward(x, p, train):
    r"""Inverted dropout, forward (exercise transformer.dropout).

        $$
        \begin{aligned}
        \text{training:} \quad & \mathrm{out} = x \odot \mathrm{mask}, \qquad
            \mathrm{mask} = \frac{\mathrm{Bernoulli}(1 - p)}{1 - p} \quad \text{(each entry on its own)} \\
        \text{evaluation:} \quad & \mathrm{out} = x \quad (\mathrm{mask} = 1 \text{ everywhere})
        \end{aligned}
        $$

    $p$ is the probability of *dropping* an entry, as in the course notes' Transformer section and PyTorch's
    `nn.Dropout(p)` (their regularisation section uses $p$ for the keep probability). Kept entries are scaled by
    $1 / (1 - p)$, so the expected output equals x and nothing needs rescaling at evaluation. Draw the mask with
    NumPy's random generator (`np.random.rand`, or `np.random.default_rng()`); the grader never compares your
    random draws with its own: it checks out against your mask, and the mask's statistics.

    Args:
        x: array of any shape, e.g. (B, T, d_model).
        p: the drop probability, $0 \le p < 1$.
        train: True in training mode, False in evaluation mode.
    Returns:
        out: x's shape.
        mask: x's shape, float: the factor each entry was multiplied by, 0 where dropped and $1 / (1 - p)$ where
            kept (all ones in evaluation mode); it is also the cache dropout_backward takes.
    """
    # TODO: implement dropout_forward (exercise transformer.dropout).
    raise NotImplementedError("dropout_forward: not implemented yet (exercise transformer.dropout)")


def dropout_backward(dout, mask):
    r"""Inverted dropout, backward (exercise transformer.dropout).

        $$ dx = d\mathrm{out} \odot \mathrm{mask} $$

    Args:
        dout: upstream gradient, of x's shape.
        mask: what dropout_forward returned with out.
    Returns:
        dx: x's shape.
    """
    # TODO: implement dropout_backward (exercise transformer.dropout).
    raise NotImplementedError("dropout_backward: not implemented yet (exercise transformer.dropout)")


def encoder_layer_param_count(d_model, n_heads, d_ff, bias):
    r"""Number of learnable parameters of one encoder layer (exercise transformer.encoder_param_count).

    Count them as PyTorch's `nn.TransformerEncoderLayer(d_model, n_heads, d_ff, bias=bias)` holds them. The
    layer has the four attention projections $W^Q, W^K, W^V, W^O$
    (each $d_{\mathrm{model}} \times d_{\mathrm{model}}$ in all: the $h$ heads share the width,
    $d_k = d_{\mathrm{model}} / h$), the FFN's $W_1$ ($d_{\mathrm{model}} \times d_{ff}$) and $W_2$
    ($d_{ff} \times d_{\mathrm{model}}$), and two layer norms with a $\gamma$ of $d_{\mathrm{model}}$ entries each.
    With bias=True, every one of these six linear maps has a bias (of its output width) and each layer norm has its
    $\beta$ ($d_{\mathrm{model}}$ entries); with bias=False there are none of them. The course notes' multi-head
    formulas have no attention biases; PyTorch's layer does, unless bias=False.

    Args:
        d_model, n_heads, d_ff: ints (d_model divisible by n_heads); bias: bool.
    Returns:
        the count, an int.
    """
    # TODO: implement encoder_layer_param_count (exercise transformer.encoder_param_count).
    raise NotImplementedError("encoder_layer_param_count: not implemented yet (exercise transformer.encoder_param_count)")
