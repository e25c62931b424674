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

### BEGIN SOLUTION


def _softmax(z):
    """Softmax over the last axis, shifted by each row's maximum so that exp never overflows."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _split_heads(x, n_heads):
    """(B, L, h*d) -> (B, h, L, d): head i takes columns i*d:(i+1)*d of every position."""
    B, L, hd = x.shape
    return x.reshape(B, L, n_heads, hd // n_heads).transpose(0, 2, 1, 3)


def _merge_heads(x):
    """(B, h, L, d) -> (B, L, h*d): the inverse of _split_heads, the heads side by side in order."""
    B, h, L, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, L, h * d)


def _weight_grad(x, dout):
    """dL/dW of out = x W at every position, x (..., n_in), dout (..., n_out): x^T dout summed over positions."""
    return x.reshape(-1, x.shape[-1]).T @ dout.reshape(-1, dout.shape[-1])


def _sum_positions(dout):
    """dL/db of out = x W + b: dout (..., n) summed over every axis but the last."""
    return dout.reshape(-1, dout.shape[-1]).sum(axis=0)


### END SOLUTION


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
    ### BEGIN SOLUTION
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores = scores + mask
    weights = _softmax(scores)
    return weights @ V, weights, (Q, K, V, weights)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    Q, K, V, weights = cache
    dV = np.swapaxes(weights, -1, -2) @ dout
    dweights = dout @ np.swapaxes(V, -1, -2)
    dscores = weights * (dweights - (weights * dweights).sum(axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1])
    return dscores @ K, np.swapaxes(dscores, -1, -2) @ Q, dV
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return np.triu(np.full((T, T), -np.inf), k=1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    Q = _split_heads(x_q @ params["W_Q"], n_heads)                        # (B, h, Lq, d_k)
    K = _split_heads(x_kv @ params["W_K"], n_heads)                       # (B, h, Lk, d_k)
    V = _split_heads(x_kv @ params["W_V"], n_heads)                       # (B, h, Lk, d_v)
    heads, _, attention_cache = attention_forward(Q, K, V, mask)
    concat = _merge_heads(heads)                                          # (B, Lq, h*d_v)
    return concat @ params["W_O"], (x_q, x_kv, params, n_heads, attention_cache, concat)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x_q, x_kv, params, n_heads, attention_cache, concat = cache
    grads = {"W_O": _weight_grad(concat, dout)}
    dheads = _split_heads(dout @ params["W_O"].T, n_heads)
    dQ, dK, dV = (_merge_heads(d) for d in attention_backward(dheads, attention_cache))
    grads["W_Q"], grads["W_K"], grads["W_V"] = _weight_grad(x_q, dQ), _weight_grad(x_kv, dK), _weight_grad(x_kv, dV)
    dx_q = dQ @ params["W_Q"].T
    dx_kv = dK @ params["W_K"].T + dV @ params["W_V"].T
    return dx_q, dx_kv, grads
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    pos = np.arange(T)[:, None]
    two_i = np.arange(d_model) // 2 * 2                                    # 0, 0, 2, 2, 4, 4, ...
    angle = pos / 10000.0 ** (two_i / d_model)
    return np.where(np.arange(d_model) % 2 == 0, np.sin(angle), np.cos(angle))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    mu = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    xhat, gamma, inv_std = cache
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    return dx, _sum_positions(dout * xhat), _sum_positions(dout)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    h = x @ W1 + b1
    a = np.maximum(h, 0.0)
    return a @ W2 + b2, (x, W1, W2, h, a)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, W1, W2, h, a = cache
    dh = (dout @ W2.T) * (h > 0)
    return dh @ W1.T, _weight_grad(x, dh), _sum_positions(dh), _weight_grad(a, dout), _sum_positions(dout)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    attention_params = {k: params[k] for k in ("W_Q", "W_K", "W_V", "W_O")}
    attended, attention_cache = mha_forward(x, x, attention_params, n_heads)
    y, norm1 = layer_norm_forward(x + attended, params["gamma1"], params["beta1"], LN_EPS)
    f, ffn_cache = ffn_forward(y, params["W1"], params["b1"], params["W2"], params["b2"])
    out, norm2 = layer_norm_forward(y + f, params["gamma2"], params["beta2"], LN_EPS)
    return out, (attention_cache, norm1, ffn_cache, norm2)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    attention_cache, norm1, ffn_cache, norm2 = cache
    grads = {}
    ds, grads["gamma2"], grads["beta2"] = layer_norm_backward(dout, norm2)
    dy, grads["W1"], grads["b1"], grads["W2"], grads["b2"] = ffn_backward(ds, ffn_cache)
    dr, grads["gamma1"], grads["beta1"] = layer_norm_backward(dy + ds, norm1)
    dx_q, dx_kv, attention_grads = mha_backward(dr, attention_cache)
    grads.update(attention_grads)
    return dr + dx_q + dx_kv, grads
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    V = logits.shape[-1]
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    q = np.full(logits.shape, epsilon / V)
    np.put_along_axis(q, y[..., None], 1.0 - epsilon + epsilon / V, axis=-1)
    N = y.size
    return float(-(q * log_p).sum() / N), (np.exp(log_p) - q) / N
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    steps = np.asarray(steps, dtype=np.float64)
    return d_model ** -0.5 * np.minimum(steps ** -0.5, steps * warmup ** -1.5)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if not train:
        return x.copy(), np.ones_like(x)
    mask = (np.random.rand(*x.shape) >= p) / (1.0 - p)
    return x * mask, mask
    ### END SOLUTION


def dropout_backward(dout, mask):
    r"""Inverted dropout, backward (exercise transformer.dropout).

        $$ dx = d\mathrm{out} \odot \mathrm{mask} $$

    Args:
        dout: upstream gradient, of x's shape.
        mask: what dropout_forward returned with out.
    Returns:
        dx: x's shape.
    """
    ### BEGIN SOLUTION
    return dout * mask
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    linear_weights = 4 * d_model * d_model + 2 * d_model * d_ff
    gammas = 2 * d_model
    if not bias:
        return linear_weights + gammas
    return linear_weights + gammas + 4 * d_model + d_ff + d_model + 2 * d_model
    ### END SOLUTION
