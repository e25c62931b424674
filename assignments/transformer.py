# Generated from solutions/transformer.py by `python -m autograder build`. Fill in every function that raises
# NotImplementedError, then run `python -m autograder check transformer`.
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
    # TODO: implement attention_forward (exercise transformer.attention).
    raise NotImplementedError("attention_forward: not implemented yet (exercise transformer.attention)")


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
    # TODO: implement attention_backward (exercise transformer.attention).
    raise NotImplementedError("attention_backward: not implemented yet (exercise transformer.attention)")


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
    # TODO: implement causal_mask (exercise transformer.causal_mask).
    raise NotImplementedError("causal_mask: not implemented yet (exercise transformer.causal_mask)")


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
    # TODO: implement mha_forward (exercise transformer.multi_head_attention).
    raise NotImplementedError("mha_forward: not implemented yet (exercise transformer.multi_head_attention)")


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
    # TODO: implement mha_backward (exercise transformer.multi_head_attention).
    raise NotImplementedError("mha_backward: not implemented yet (exercise transformer.multi_head_attention)")


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
    # TODO: implement positional_encoding (exercise transformer.positional_encoding).
    raise NotImplementedError("positional_encoding: not implemented yet (exercise transformer.positional_encoding)")


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
    # TODO: implement layer_norm_forward (exercise transformer.layer_norm).
    raise NotImplementedError("layer_norm_forward: not implemented yet (exercise transformer.layer_norm)")


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
    # TODO: implement layer_norm_backward (exercise transformer.layer_norm).
    raise NotImplementedError("layer_norm_backward: not implemented yet (exercise transformer.layer_norm)")


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
    # TODO: implement ffn_forward (exercise transformer.ffn).
    raise NotImplementedError("ffn_forward: not implemented yet (exercise transformer.ffn)")


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
    # TODO: implement ffn_backward (exercise transformer.ffn).
    raise NotImplementedError("ffn_backward: not implemented yet (exercise transformer.ffn)")


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
    # TODO: implement encoder_layer_forward (exercise transformer.encoder_layer).
    raise NotImplementedError("encoder_layer_forward: not implemented yet (exercise transformer.encoder_layer)")


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
    # TODO: implement encoder_layer_backward (exercise transformer.encoder_layer).
    raise NotImplementedError("encoder_layer_backward: not implemented yet (exercise transformer.encoder_layer)")


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
    # TODO: implement label_smoothing_loss (exercise transformer.label_smoothing).
    raise NotImplementedError("label_smoothing_loss: not implemented yet (exercise transformer.label_smoothing)")


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
    # TODO: implement noam_lr (exercise transformer.noam).
    raise NotImplementedError("noam_lr: not implemented yet (exercise transformer.noam)")


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
    # TODO: implement dropout_forward (exercise transformer.dropout).
    raise NotImplementedError("dropout_forward: not implemented yet (exercise transformer.dropout)")


def dropout_backward(dout, mask):
    """Inverted dropout, backward (exercise transformer.dropout): dx = dout * mask.

    Args:
        dout: upstream gradient, of x's shape.
        mask: what dropout_forward returned with out.
    Returns:
        dx: x's shape.
    """
    # TODO: implement dropout_backward (exercise transformer.dropout).
    raise NotImplementedError("dropout_backward: not implemented yet (exercise transformer.dropout)")


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
    # TODO: implement encoder_layer_param_count (exercise transformer.encoder_param_count).
    raise NotImplementedError("encoder_layer_param_count: not implemented yet (exercise transformer.encoder_param_count)")
