"""Transformers from first principles: the course notes' "Attention Is All You Need" in NumPy.

Conventions (the same in every exercise of this topic):
- batch first, row vectors: a batch of sequences x has shape (B, T, d_model), and a linear map is
  x W + b with W of shape (n_in, n_out), applied at every position (x @ W works on (B, T, n_in) arrays);
- attention works on the last two axes: queries Q (..., Lq, d_k), keys K (..., Lk, d_k), values
  V (..., Lk, d_v), where "..." is any number of leading axes (batch, or batch and heads);
- masks are additive: a mask M of shape (Lq, Lk) is added to the scaled scores, 0 where query i may look
  at key j, -inf where it may not, and a finite value where it is a bias (every row keeps a key visible);
- forward functions return (out, cache) and backward functions take (dout, cache), CS231n style; dout is
  dL/dout for some scalar loss L, and each backward returns dL/d(each input) of that input's shape;
- arrays are float64; a function never modifies its input arrays in place.

Where the course notes are wrong, these exercises follow the corrected math, and each docstring says so:
the notes' causal mask is anti-causal; their masked attention adds M before the scaling; their encoder-layer
formula is post-normalisation (mislabelled "pre-normalization") with its outer residual wrong; their layer norm
has no eps. Each function says which exercise grades it.
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
    """Scaled dot-product attention, forward (exercise transformer.attention).

        scores  = Q K^T / sqrt(d_k) + M                      (..., Lq, Lk)
        weights = softmax(scores) over the keys (the last axis), so each row sums to 1
        out     = weights V                                   (..., Lq, d_v)

    The mask is added *after* the scaling, as PyTorch's scaled_dot_product_attention does. The course notes'
    masked attention, softmax((Q K^T + M) / sqrt(d_k)), puts it inside; that agrees only for masks of 0 and
    -inf, and the grader also uses masks with finite entries (an additive bias, such as a relative-position
    bias), where it does not. Scores can exceed 700 (a softmax without the max shift overflows); masked entries
    must get weight exactly 0.

    Args:
        Q: (..., Lq, d_k) queries; "..." is one or more leading axes, e.g. (B,) or (B, h).
        K: (..., Lk, d_k) keys.
        V: (..., Lk, d_v) values.
        mask: None, or an additive mask M of shape (Lq, Lk), the same for every leading index.
    Returns:
        out: (..., Lq, d_v).
        weights: (..., Lq, Lk) the attention weights.
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
    """Scaled dot-product attention, backward (exercise transformer.attention).

        dV       = weights^T dout
        dweights = dout V^T
        dscores  = weights * (dweights - sum_j weights_j dweights_j)   (the softmax Jacobian, row by row)
        dQ       = dscores K / sqrt(d_k),   dK = dscores^T Q / sqrt(d_k)

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
    """The causal (look-ahead) mask of a decoder's self-attention (exercise transformer.causal_mask).

        M[i, j] = 0      if j <= i   (query i sees itself and the positions before it)
        M[i, j] = -inf   if j > i    (the future is hidden)

    so that row i of softmax(Q K^T / sqrt(d_k) + M) puts no weight on any later position. The course notes print
    the transposed matrix (0 if i <= j, -inf if i > j), which is anti-causal: it lets position i see only
    positions j >= i, contradicting their own sentence "position i can only attend to positions j <= i".
    A large negative number such as -1e9 instead of -inf is accepted too.

    Args:
        T: the sequence length (an int).
    Returns:
        M: (T, T) float array.
    """
    ### BEGIN SOLUTION
    return np.triu(np.full((T, T), -np.inf), k=1)
    ### END SOLUTION


def mha_forward(x_q, x_kv, params, n_heads, mask=None):
    """Multi-head attention, forward (exercise transformer.multi_head_attention).

        head_i = Attention(x_q W_Q^i, x_kv W_K^i, x_kv W_V^i),   i = 1..h
        out    = Concat(head_1, ..., head_h) W_O

    The projections of all heads are stored side by side: W_Q = [W_Q^1 | W_Q^2 | ... | W_Q^h], so head i uses
    columns i*d_k:(i+1)*d_k of W_Q and W_K and columns i*d_v:(i+1)*d_v of W_V, and its output is block i of the
    concatenation, which meets rows i*d_v:(i+1)*d_v of W_O. There are no biases (as in the course notes).
    d_k = W_Q.shape[1] / h and d_v = W_V.shape[1] / h; they need not equal d_model / h. Hint: compute
    x_q @ W_Q for all heads at once, then reshape (B, Lq, h*d_k) to (B, Lq, h, d_k) and move the head axis
    before the position axis, giving (B, h, Lq, d_k), which attention_forward accepts as it is.

    For cross-attention x_kv (the encoder's output) differs from x_q and Lk may differ from Lq; for
    self-attention both are the same array x. With PyTorch's nn.MultiheadAttention (batch_first=True, no
    biases, d_k = d_v = d_model / h) this is the same map, its in_proj_weight being [W_Q^T; W_K^T; W_V^T].

    Args:
        x_q: (B, Lq, d_model) the sequence that asks (queries).
        x_kv: (B, Lk, d_model) the sequence attended to (keys and values).
        params: dict with "W_Q" (d_model, h*d_k), "W_K" (d_model, h*d_k), "W_V" (d_model, h*d_v),
            "W_O" (h*d_v, d_model).
        n_heads: h >= 2, the number of heads.
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
    """Multi-head attention, backward (exercise transformer.multi_head_attention).

    Back through W_O, split the gradient of the concatenation into its heads, back through attention
    (attention_backward), merge the heads' dQ, dK, dV, and back through the projections:

        dW_O = concat^T dout,   dW_Q = x_q^T dQ,   dW_K = x_kv^T dK,   dW_V = x_kv^T dV   (summed over B and L)
        dx_q = dQ W_Q^T,        dx_kv = dK W_K^T + dV W_V^T

    For self-attention (x_q and x_kv the same x) the gradient with respect to x is dx_q + dx_kv.

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
    """The sinusoidal positional encoding (exercise transformer.positional_encoding).

        PE[pos, 2i]   = sin(pos / 10000^(2i / d_model))
        PE[pos, 2i+1] = cos(pos / 10000^(2i / d_model))

    for positions pos = 0, 1, ..., T-1: columns 2i and 2i+1 share one frequency, sine in the even column, cosine
    in the odd one (interleaved, not two halves). d_model may be odd: then the last column, d_model - 1, is a
    sine with no cosine partner. (The course notes' alternative "PE_pos = Re[e^(i pos w_k)]" gives only the
    cosine columns: the sines are the imaginary parts.)

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
    """Layer normalisation over the features of every position, forward (exercise transformer.layer_norm).

        mu  = (1/D) sum_d x[..., d],   var = (1/D) sum_d (x[..., d] - mu)^2      (per position; the biased variance)
        out = gamma * (x - mu) / sqrt(var + eps) + beta

    Unlike batch norm, the statistics are taken over the last axis (the D features of one position of one
    sequence), never over the batch. The course notes write LN(x) = gamma (x - mu) / sigma + beta with no eps;
    PyTorch's nn.LayerNorm, followed here, adds eps to the variance inside the square root, which matters when
    the features are small (at scale 0.01 the difference is about 25%).

    Args:
        x: (B, T, D).
        gamma, beta: (D,) scale and shift.
        eps: added to the variance, e.g. 1e-5.
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
    """Layer normalisation, backward (exercise transformer.layer_norm).

        dbeta  = sum over all positions of dout,   dgamma = sum over all positions of dout * xhat
        g      = dout * gamma
        dx     = (g - mean_d(g) - xhat * mean_d(g * xhat)) / sqrt(var + eps)

    where xhat = (x - mu) / sqrt(var + eps) and mean_d averages over the D features of each position.

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
    """The position-wise feed-forward network, forward (exercise transformer.ffn).

        FFN(x) = max(0, x W1 + b1) W2 + b2

    the same two-layer ReLU network applied at every position of every sequence. (The course notes' "typically
    d_ff = 4 d_model = 2048" assumes d_model = 512.) The grader's pre-activations x W1 + b1 are never near 0.

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
    """The position-wise feed-forward network, backward (exercise transformer.ffn).

    With h = x W1 + b1 and a = max(0, h):

        dW2 = a^T dout,   db2 = dout summed over positions,   da = dout W2^T
        dh  = da * [h > 0]
        dW1 = x^T dh,     db1 = dh summed over positions,     dx = dh W1^T

    (x^T dout means: sum over every batch index and position, x[b, t]^T dout[b, t]; reshape to (B*T, n) first.)

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
    """One Transformer encoder layer, post-normalisation, forward (exercise transformer.encoder_layer).

        y   = LayerNorm1(x + MultiHead(x, x, x))
        out = LayerNorm2(y + FFN(y))

    This is the paper's layer, PyTorch's nn.TransformerEncoderLayer(norm_first=False) without dropout. The course
    notes write EncoderLayer(x) = LN(x + FFN(LN(x + MultiHead(x, x, x)))): read literally, the outer residual
    adds x, where it must add y, the input of the FFN sublayer. They also call it the "pre-normalization
    variant", but normalising *after* each residual sum is post-normalisation (pre-LN would be
    y = x + MHA(LN(x)), out = y + FFN(LN(y))). Build it from your mha_forward (self-attention, no mask, no
    biases), layer_norm_forward (eps = LN_EPS = 1e-5) and ffn_forward.

    Args:
        x: (B, T, d_model).
        params: dict with the attention weights "W_Q", "W_K", "W_V", "W_O" (d_model, d_model) (d_k = d_model / h),
            the first layer norm's "gamma1", "beta1" (d_model,), the FFN's "W1" (d_model, d_ff), "b1" (d_ff,),
            "W2" (d_ff, d_model), "b2" (d_model,), the second layer norm's "gamma2", "beta2" (d_model,).
        n_heads: the number of heads h.
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
    """One Transformer encoder layer, backward (exercise transformer.encoder_layer).

    Go back through the layer in reverse with your backward functions. Each residual sum s = a + F(a) sends its
    gradient both through F and straight to a, so the two add up at a; and x reaches the attention three times
    (as queries, keys and values), so its gradient collects dx_q + dx_kv besides the residual's.

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
    """Cross-entropy with label smoothing, and its gradient (exercise transformer.label_smoothing).

        p   = softmax(logits) over the vocabulary (the last axis)
        q_i = 1 - epsilon + epsilon / V   if i = y,      q_i = epsilon / V   otherwise
        L   = -(1/N) sum over the N = B*T tokens of sum_i q_i log p_i
        dL/dlogits = (p - q) / N

    The smoothed target spreads epsilon uniformly over all V classes, the true one included (as the course notes
    and PyTorch's F.cross_entropy(label_smoothing=epsilon) do); epsilon = 0 is the ordinary cross-entropy.
    Logits can be large (1000, or rows whose entries differ by more than 745): compute log p without
    overflow, and without taking the log of a probability that underflowed to 0.

    Args:
        logits: (B, T, V) scores.
        y: (B, T) integer targets in [0, V).
        epsilon: the smoothing, 0 <= epsilon < 1.
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
    """The Transformer's warmup and inverse-square-root learning-rate schedule (exercise transformer.noam).

        lr(step) = d_model^-0.5 * min(step^-0.5, step * warmup^-1.5)

    It rises linearly for the first `warmup` steps, peaks at step = warmup (d_model^-0.5 * warmup^-0.5), then decays
    like step^-0.5. Steps are counted from 1: at step 0 the formula divides by zero (with PyTorch's LambdaLR,
    whose epoch counter starts at 0, pass step = epoch + 1). The notes' "4000 steps" is the paper's warmup.

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
    """Inverted dropout, forward (exercise transformer.dropout).

        training:   out = x * mask,   mask = Bernoulli(1 - p) / (1 - p)   (each entry on its own)
        evaluation: out = x           (mask = 1 everywhere)

    p is the probability of *dropping* an entry, as in the course notes' Transformer section and PyTorch's
    nn.Dropout(p) (their regularisation section uses p for the keep probability). Kept entries are scaled by
    1 / (1 - p), so the expected output equals x and nothing needs rescaling at evaluation. Draw the mask with
    NumPy's random generator (np.random.rand, or np.random.default_rng()); the grader never compares your random
    draws with its own: it checks out against your mask, and the mask's statistics.

    Args:
        x: array of any shape, e.g. (B, T, d_model).
        p: the drop probability, 0 <= p < 1.
        train: True in training mode, False in evaluation mode.
    Returns:
        out: x's shape.
        mask: x's shape, float: the factor each entry was multiplied by, 0 where dropped and 1 / (1 - p) where
            kept (all ones in evaluation mode); it is also the cache dropout_backward takes.
    """
    ### BEGIN SOLUTION
    if not train:
        return x.copy(), np.ones_like(x)
    mask = (np.random.rand(*x.shape) >= p) / (1.0 - p)
    return x * mask, mask
    ### END SOLUTION


def dropout_backward(dout, mask):
    """Inverted dropout, backward (exercise transformer.dropout): dx = dout * mask.

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
    """Number of learnable parameters of one encoder layer, counted as PyTorch's
    nn.TransformerEncoderLayer(d_model, n_heads, d_ff, bias=bias) holds them (exercise transformer.encoder_param_count).

    The layer has the four attention projections W_Q, W_K, W_V, W_O (each d_model x d_model in all: the h heads
    share the width, d_k = d_model / h), the FFN's W1 (d_model x d_ff) and W2 (d_ff x d_model), and two layer
    norms with a gamma of d_model entries each. With bias=True, every one of these six linear maps has a bias
    (of its output width) and each layer norm has its beta (d_model); with bias=False there are none of them.
    The course notes' multi-head formulas have no attention biases; PyTorch's layer does, unless bias=False.

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
