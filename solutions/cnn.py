r"""CNNs from first principles: the course notes' convolutional-network layers in NumPy.

Conventions (the same in every exercise of this topic):
- images are NCHW: x has shape (N, C, H, W) = (batch, channels, height, width);
- a conv layer has weights $w$ of shape (F, C, HH, WW) (F filters, each C x HH x WW) and a bias $b$ of shape (F,);
- "convolution" means cross-correlation, as in every deep-learning library (the kernel is not flipped):
      $$ \mathrm{out}[n, f, i, j] = b[f] + \sum_{c, u, v} x_{\mathrm{pad}}[n, c, iS + u, jS + v] \; w[f, c, u, v] $$
  where $x_{\mathrm{pad}}$ is x with $P$ zeros added on every side, $S$ is the stride, and the output size is
      $$ H' = \left\lfloor \frac{H + 2P - HH}{S} \right\rfloor + 1, \qquad W' = \left\lfloor \frac{W + 2P - WW}{S} \right\rfloor + 1 $$
- forward functions return (out, cache) and backward functions take (dout, cache), CS231n style: dout is
  $\partial L / \partial \mathrm{out}$ for some scalar loss $L$, and each backward returns $\partial L / \partial$
  each input, of that input's shape;
- arrays are float64, and so is every intermediate: float32 loses about $10^{-3}$ of a result whose terms
  cancel, and some graded inputs are built that way, so float32 code fails every time;
- a function never modifies its input arrays in place, nor later through a reference kept in a cache;
- a forward function keeps what its backward needs in the cache it returns, not in a global: the grader
  runs a second forward pass before the backward pass of the first;
- vectorise with NumPy (`np.lib.stride_tricks.sliding_window_view`, `reshape`, `@`, `np.einsum`): a loop over
  the HH x WW kernel offsets or over layers is fine, a loop over pixels is slow.

Each function says which exercise grades it.

The CIFAR CNN's linear layers are the ones you wrote in the mlp topic: this module imports affine_forward and
affine_backward from your mlp.py (hand it in beside this file). They are an exercise of the mlp topic, so they
are yours to write, not given here; without a working mlp.py only cnn.cifar_cnn cannot pass.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

### BEGIN SOLUTION


def _windows(x, kh, kw, stride):
    """A view (N, C, H', W', kh, kw) of the kh x kw window under every output position (no copy)."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _scatter_windows(dwin, shape, stride):
    """The adjoint of _windows: dwin[u, v] (..., H', W') is the gradient of entry (u, v) of every window;
    add each back to the input position it came from, in an array of `shape` (..., H, W)."""
    kh, kw, *_, Ho, Wo = dwin.shape
    dx = np.zeros(shape)
    for u in range(kh):  # a loop over kernel offsets, each one a strided slice of the whole batch
        for v in range(kw):
            dx[..., u:u + stride * Ho:stride, v:v + stride * Wo:stride] += dwin[u, v]
    return dx


### END SOLUTION


def relu_forward(z):
    r"""ReLU, forward (exercise cnn.relu).

        $$ \mathrm{out} = \max(0, z) \quad \text{elementwise} $$

    Args:
        z: array of any shape, e.g. (N, C, H, W) pre-activations. The grader's inputs are never 0.
    Returns:
        out: array of z's shape.
        cache: whatever relu_backward needs.
    """
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0), z
    ### END SOLUTION


def relu_backward(dout, cache):
    r"""ReLU, backward (exercise cnn.relu).

        $$ dz = d\mathrm{out} \odot [z > 0] $$

    where $[z > 0]$ is 1 where $z > 0$ and 0 elsewhere. The derivative at $z = 0$ does not matter here: the
    grader never draws $z = 0$.

    Args:
        dout: upstream gradient, of z's shape.
        cache: what relu_forward returned.
    Returns:
        dz: array of z's shape.
    """
    ### BEGIN SOLUTION
    return dout * (cache > 0)
    ### END SOLUTION


def conv_output_size(H, W, HH, WW, stride, pad):
    r"""Output height and width of a convolution (exercise cnn.conv_output_size).

        $$ H' = \left\lfloor \frac{H + 2P - HH}{S} \right\rfloor + 1, \qquad W' = \left\lfloor \frac{W + 2P - WW}{S} \right\rfloor + 1 $$

    The floor matters: with $HH = 3$, $S = 2$, $P = 0$, inputs of height 7 and 8 both give $H' = 3$. The same
    formula with $P = 0$ gives the output size of a pooling layer.

    Args:
        H, W: input height and width (ints); HH, WW: kernel height and width; stride: $S \ge 1$; pad: $P \ge 0$.
            The grader only asks for valid layers, $H + 2P \ge HH$ and $W + 2P \ge WW$.
    Returns:
        (H', W') as a tuple of two ints.
    """
    ### BEGIN SOLUTION
    return (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    ### END SOLUTION


def conv_param_count(C_in, C_out, HH, WW):
    r"""Number of learnable parameters of a conv layer with a bias (exercise cnn.conv_param_count).

        $$ \text{parameters} = HH \cdot WW \cdot C_{\mathrm{in}} \cdot C_{\mathrm{out}} + C_{\mathrm{out}} $$

    the weights, plus one bias per output channel.

    Args:
        C_in, C_out: input and output channels; HH, WW: kernel height and width (ints).
    Returns:
        the count, an int.
    """
    ### BEGIN SOLUTION
    return HH * WW * C_in * C_out + C_out
    ### END SOLUTION


def conv_forward(x, w, b, stride, pad):
    r"""Convolution (cross-correlation) layer, forward (exercise cnn.conv).

        $$ \mathrm{out}[n, f, i, j] = b[f] + \sum_{c, u, v} x_{\mathrm{pad}}[n, c, iS + u, jS + v] \; w[f, c, u, v] $$

        $$ H' = \left\lfloor \frac{H + 2P - HH}{S} \right\rfloor + 1, \qquad W' = \left\lfloor \frac{W + 2P - WW}{S} \right\rfloor + 1 $$

    $x_{\mathrm{pad}}$ is x with $P$ zeros on each of the four sides (`np.pad`). Hint (im2col): lay every HH x WW
    window of $x_{\mathrm{pad}}$ out as a column of a matrix of shape (C*HH*WW, N*H'*W'); then the layer is one
    matrix product, `w.reshape(F, -1) @ columns`.

    Args:
        x: (N, C, H, W) input.
        w: (F, C, HH, WW) filters.
        b: (F,) biases.
        stride: $S \ge 1$, the same along height and width.
        pad: $P \ge 0$ zeros added on every side.
    Returns:
        out: (N, F, H', W').
        cache: whatever conv_backward needs.
    """
    ### BEGIN SOLUTION
    F_, C, HH, WW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = _windows(xpad, HH, WW, stride)                              # (N, C, H', W', HH, WW), a view
    N, _, Ho, Wo = windows.shape[:4]
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)  # im2col: a column per output
    out = (w.reshape(F_, -1) @ cols + b[:, None]).reshape(F_, N, Ho, Wo).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), (x.shape, w, stride, pad, cols)
    ### END SOLUTION


def conv_backward(dout, cache):
    r"""Convolution layer, backward (exercise cnn.conv).

        $$
        \begin{aligned}
        db[f] &= \textstyle\sum_{n, i, j} d\mathrm{out}[n, f, i, j] \\
        dw[f, c, u, v] &= \textstyle\sum_{n, i, j} d\mathrm{out}[n, f, i, j] \; x_{\mathrm{pad}}[n, c, iS + u, jS + v] \\
        dx_{\mathrm{pad}}[n, c, iS + u, jS + v] &\mathrel{+}= d\mathrm{out}[n, f, i, j] \; w[f, c, u, v] \quad \text{for every } n, f, i, j, u, v
        \end{aligned}
        $$

    and $dx$ is $dx_{\mathrm{pad}}$ without its $P$-wide border. The course notes' formulas,
    $dW = \sum_{ij} dY[o, i, j]\, X[c, i+u, j+v]$ and $dX = \sum dY[o, i-u, j-v]\, W[o, c, u, v]$, hold only for
    stride 1 and one sample; these are the general ones (the sums run over the batch, the input index is
    $iS + u$). Input rows and columns that no window reaches (when $S$ does not divide $H + 2P - HH$) get 0.

    Args:
        dout: (N, F, H', W') upstream gradient, with H' and W' as in conv_forward.
        cache: what conv_forward returned.
    Returns:
        dx: (N, C, H, W), dw: (F, C, HH, WW), db: (F,).
    """
    ### BEGIN SOLUTION
    x_shape, w, stride, pad, cols = cache
    N, C, H, W = x_shape
    F_, _, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    d = dout.transpose(1, 0, 2, 3).reshape(F_, N * Ho * Wo)             # a column per output position
    db = d.sum(axis=1)
    dw = (d @ cols.T).reshape(w.shape)
    dwin = (w.reshape(F_, -1).T @ d).reshape(C, HH, WW, N, Ho, Wo).transpose(1, 2, 0, 3, 4, 5)
    dxpad = _scatter_windows(dwin, (C, N, H + 2 * pad, W + 2 * pad), stride).transpose(1, 0, 2, 3)
    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, db
    ### END SOLUTION


def max_pool_forward(x, pool_height, pool_width, stride):
    r"""Max pooling, forward (exercise cnn.max_pool).

        $$ \mathrm{out}[n, c, i, j] = \max_{0 \le p < \mathrm{pool\_height},\; 0 \le q < \mathrm{pool\_width}} x[n, c, iS + p, jS + q] $$

        $$ H' = \left\lfloor \frac{H - \mathrm{pool\_height}}{S} \right\rfloor + 1, \qquad W' = \left\lfloor \frac{W - \mathrm{pool\_width}}{S} \right\rfloor + 1 \quad \text{(no padding)} $$

    Windows overlap when $S$ is smaller than the pool.

    Args:
        x: (N, C, H, W) input.
        pool_height, pool_width: window size; stride: $S \ge 1$.
    Returns:
        out: (N, C, H', W').
        cache: whatever max_pool_backward needs.
    """
    ### BEGIN SOLUTION
    out = _windows(x, pool_height, pool_width, stride).max(axis=(4, 5))
    return out, (x, pool_height, pool_width, stride, out)
    ### END SOLUTION


def max_pool_backward(dout, cache):
    r"""Max pooling, backward (exercise cnn.max_pool).

    Each $d\mathrm{out}[n, c, i, j]$ goes to the input that was the maximum of its window; the others get nothing
    from that window. An input that is the maximum of several overlapping windows receives the sum.

    A window can hold a tie: several inputs equal to its maximum. The inputs of exercise cnn.max_pool have
    distinct values, so it has none; in the CIFAR CNN (exercise cnn.cifar_cnn), after a ReLU, many windows hold
    only zeros. Your backward must work there, but which of the tied inputs gets the gradient does not change the
    grade: ReLU's backward then stops it, since those inputs were negative before the ReLU.

    Args:
        dout: (N, C, H', W') upstream gradient, with H' and W' as in max_pool_forward.
        cache: what max_pool_forward returned.
    Returns:
        dx: (N, C, H, W).
    """
    ### BEGIN SOLUTION
    x, ph, pw, stride, out = cache
    is_max = _windows(x, ph, pw, stride) == out[..., None, None]         # one True per window: no ties
    return _scatter_windows(np.moveaxis(is_max * dout[..., None, None], (4, 5), (0, 1)), x.shape, stride)
    ### END SOLUTION


def avg_pool_forward(x, pool_height, pool_width, stride):
    r"""Average pooling, forward (exercise cnn.avg_pool).

        $$ \mathrm{out}[n, c, i, j] = \frac{1}{\mathrm{pool\_height} \cdot \mathrm{pool\_width}} \sum_{p, q} x[n, c, iS + p, jS + q] $$

    with $H'$ and $W'$ as in max pooling (no padding).

    Args:
        x: (N, C, H, W) input.
        pool_height, pool_width: window size; stride: $S \ge 1$.
    Returns:
        out: (N, C, H', W').
        cache: whatever avg_pool_backward needs.
    """
    ### BEGIN SOLUTION
    return _windows(x, pool_height, pool_width, stride).mean(axis=(4, 5)), (x.shape, pool_height, pool_width, stride)
    ### END SOLUTION


def avg_pool_backward(dout, cache):
    r"""Average pooling, backward (exercise cnn.avg_pool).

    Each $d\mathrm{out}[n, c, i, j]$ is shared equally, $1 / (\mathrm{pool\_height} \cdot \mathrm{pool\_width})$
    each, by the inputs of its window; overlapping windows add up.

    Args:
        dout: (N, C, H', W') upstream gradient, with H' and W' as in avg_pool_forward.
        cache: what avg_pool_forward returned.
    Returns:
        dx: (N, C, H, W).
    """
    ### BEGIN SOLUTION
    shape, ph, pw, stride = cache
    share = np.broadcast_to(dout / (ph * pw), (ph, pw) + dout.shape)
    return _scatter_windows(share, shape, stride)
    ### END SOLUTION


def batchnorm_forward(x, gamma, beta, running_mean, running_var, mode, momentum, eps):
    r"""Batch normalisation of features, forward, in training or evaluation mode (exercises cnn.batchnorm_train,
    cnn.batchnorm_eval).

    With `mode == "train"`, normalise each feature with the statistics of the batch (the course notes' formulas;
    the variance is the biased one):

        $$
        \begin{aligned}
        \mu &= \frac{1}{m} \sum_{i=1}^{m} x_i, \qquad \sigma^2 = \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu)^2 \\
        \hat{x}_i &= \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad \mathrm{out}_i = \gamma \odot \hat{x}_i + \beta
        \end{aligned}
        $$

    and update the running statistics as PyTorch does (the course notes do not say how), with the unbiased
    variance $\sigma^2 \frac{m}{m - 1}$:

        $$
        \begin{aligned}
        \mathrm{new\_running\_mean} &= (1 - \text{momentum}) \cdot \mathrm{running\_mean} + \text{momentum} \cdot \mu \\
        \mathrm{new\_running\_var} &= (1 - \text{momentum}) \cdot \mathrm{running\_var} + \text{momentum} \cdot \sigma^2 \tfrac{m}{m - 1}
        \end{aligned}
        $$

    With `mode == "eval"`, normalise with the running statistics instead and return them unchanged:

        $$ \mathrm{out} = \gamma \odot \frac{x - \mathrm{running\_mean}}{\sqrt{\mathrm{running\_var} + \epsilon}} + \beta $$

    Note the convention: torch's momentum 0.1 weights the *new* batch by 0.1 (CS231n's momentum 0.9 weights the
    old running value by 0.9). Return new arrays: do not update running_mean or running_var in place.

    Args:
        x: (m, D) a batch of m examples with D features.
        gamma, beta: (D,) scale and shift.
        running_mean, running_var: (D,) running statistics.
        mode: "train" or "eval".
        momentum: weight of the current batch in the running statistics, e.g. 0.1.
        eps: $\epsilon$, added to the variance, e.g. 1e-5.
    Returns:
        out: (m, D).
        new_running_mean, new_running_var: (D,).
        cache: whatever batchnorm_backward needs (include the mode).
    """
    ### BEGIN SOLUTION
    if mode == "train":
        m = x.shape[0]
        mu, var = x.mean(axis=0), x.var(axis=0)
        new_mean = (1.0 - momentum) * running_mean + momentum * mu
        new_var = (1.0 - momentum) * running_var + momentum * var * m / (m - 1)
    elif mode == "eval":
        mu, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    else:
        raise ValueError(f"mode must be 'train' or 'eval', not {mode!r}")
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, new_mean, new_var, (mode, xhat, gamma, inv_std)
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    r"""Batch normalisation, backward (exercises cnn.batchnorm_train, cnn.batchnorm_eval).

        $$ d\beta = \sum_{i} d\mathrm{out}_i, \qquad d\gamma = \sum_{i} d\mathrm{out}_i \odot \hat{x}_i $$

    In mode "train", $\mu$ and $\sigma^2$ depend on every $x_i$, which gives

        $$ dx = \frac{\gamma}{m \sqrt{\sigma^2 + \epsilon}} \odot \left( m \, d\mathrm{out} - d\beta - \hat{x} \odot d\gamma \right) $$

    In mode "eval" the running statistics are constants, so $dx = \gamma \odot d\mathrm{out} / \sqrt{\mathrm{running\_var} + \epsilon}$.

    Args:
        dout: (m, D) upstream gradient.
        cache: what batchnorm_forward returned.
    Returns:
        dx: (m, D), dgamma: (D,), dbeta: (D,).
    """
    ### BEGIN SOLUTION
    mode, xhat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if mode == "train":
        m = dout.shape[0]
        return gamma * inv_std / m * (m * dout - dbeta - xhat * dgamma), dgamma, dbeta
    return gamma * inv_std * dout, dgamma, dbeta
    ### END SOLUTION


def spatial_batchnorm_forward(x, gamma, beta, running_mean, running_var, mode, momentum, eps):
    r"""Spatial batch normalisation of NCHW images, forward (exercise cnn.spatial_batchnorm).

    Exactly batchnorm_forward with one feature per channel: the statistics of channel $c$ are taken over all
    $N \cdot H \cdot W$ values `x[:, c, :, :]` (so $m = NHW$ in the running-variance correction $\frac{m}{m - 1}$).
    Hint: move the channel axis last and reshape to (N*H*W, C).

    Args:
        x: (N, C, H, W) input.
        gamma, beta, running_mean, running_var: (C,).
        mode, momentum, eps: as in batchnorm_forward.
    Returns:
        out: (N, C, H, W); new_running_mean, new_running_var: (C,); cache.
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    out, new_mean, new_var, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta,
                                                      running_mean, running_var, mode, momentum, eps)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), new_mean, new_var, cache
    ### END SOLUTION


def spatial_batchnorm_backward(dout, cache):
    """Spatial batch normalisation, backward (exercise cnn.spatial_batchnorm).

    Args:
        dout: (N, C, H, W) upstream gradient.
        cache: what spatial_batchnorm_forward returned.
    Returns:
        dx: (N, C, H, W), dgamma: (C,), dbeta: (C,).
    """
    ### BEGIN SOLUTION
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta
    ### END SOLUTION


def flatten_forward(x):
    r"""Flatten, forward (exercise cnn.flatten): (N, C, H, W) -> (N, C*H*W) in NumPy's C order.

        $$ \mathrm{out}[n, (cH + h) W + w] = x[n, c, h, w] $$

    the order of `torch.flatten(x, 1)` and `nn.Flatten`.

    Args:
        x: (N, C, H, W).
    Returns:
        out: (N, C*H*W); cache: whatever flatten_backward needs.
    """
    ### BEGIN SOLUTION
    return x.reshape(x.shape[0], -1), x.shape
    ### END SOLUTION


def flatten_backward(dout, cache):
    """Flatten, backward (exercise cnn.flatten).

    Args:
        dout: (N, C*H*W) upstream gradient.
        cache: what flatten_forward returned.
    Returns:
        dx: (N, C, H, W).
    """
    ### BEGIN SOLUTION
    return dout.reshape(cache)
    ### END SOLUTION


def receptive_field(layers):
    r"""Receptive field and jump of a stack of conv and pooling layers (exercise cnn.receptive_field).

    Start from one input pixel, $RF_0 = 1$ and $J_0 = 1$, and go through the layers $l = 1, 2, \dots$, of kernel
    size $k_l$ and stride $s_l$:

        $$ RF_l = RF_{l-1} + (k_l - 1) \, J_{l-1}, \qquad J_l = J_{l-1} \, s_l $$

    $RF_L$ is the width of the input region that one output unit sees (first to last input row), and $J_L$ is the
    distance, in input pixels, between the regions of two neighbouring output units. A layer's kernel is spread
    by the strides of the layers *before* it, not by its own: the course notes' recursion
    $RF_{l+1} = RF_l + (k_l - 1) \prod_{i=1}^{l} s_i$ includes layer $l$'s own stride, an erratum (for the
    course notes' CIFAR CNN it gives 13; the true receptive field, measured with autograd, is 10). The grader
    measures the receptive field with autograd: the support of the gradient of one output unit with respect to
    the input.

    Args:
        layers: a list of (kind, kernel, stride) tuples, kind "conv" or "pool", square kernels, no padding,
            e.g. [("conv", 3, 1), ("pool", 2, 2)].
    Returns:
        (RF, J): two ints.
    """
    ### BEGIN SOLUTION
    rf, jump = 1, 1
    for _, k, s in layers:
        rf += (k - 1) * jump
        jump *= s
    return rf, jump
    ### END SOLUTION


# -- the course notes' CIFAR-10 CNN ----------------------------------------------------------------------
#
#   x (N, 3, 32, 32) -> Conv 3->16 k3 p1 -> ReLU -> MaxPool 2x2 s2 -> Conv 16->32 k3 p1 -> ReLU -> MaxPool 2x2 s2
#     -> Flatten -> Linear 2048->128 -> ReLU -> Linear 128->10 -> scores (N, 10)
#
# Conv layers have stride 1 and padding 1; linear layers compute h W + b with W of shape (n_in, n_out): they are
# your affine_forward and affine_backward of the mlp topic, imported from your mlp.py. The parameters are a dict: W1 (16, 3, 3, 3), b1 (16,), W2 (32, 16, 3, 3), b2 (32,),
# W3 (2048, 128), b3 (128,), W4 (128, 10), b4 (10,).


def _mlp():
    """Your mlp.py, beside this file: the CIFAR CNN's linear layers are the ones you wrote there."""
    try:
        import mlp
    except Exception as e:  # say what is missing, where the network needs it
        raise ImportError(f"the CIFAR CNN's linear layers are affine_forward and affine_backward from your mlp.py, "
                          f"which must be beside this file and import ({type(e).__name__}: {e}).") from None
    return mlp


def affine_forward(x, W, b):
    """Your mlp topic's affine_forward (exercise mlp.affine), from your mlp.py: out = x W + b, and its cache."""
    return _mlp().affine_forward(x, W, b)


def affine_backward(dout, cache):
    """Your mlp topic's affine_backward (exercise mlp.affine), from your mlp.py: dx, dW, db."""
    return _mlp().affine_backward(dout, cache)


def softmax_loss(scores, y):
    """Provided: mean cross-entropy of softmax(scores) against labels y, and its gradient (P - Y) / N.

    Args:
        scores: (N, K) logits; y: (N,) integer labels.
    Returns:
        loss (a float), dscores (N, K).
    """
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = scores.shape[0]
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    return float(-log_p[np.arange(N), y].mean()), dscores / N


def cifar_cnn_param_counts():
    r"""Parameters of the course notes' CIFAR CNN, layer by layer (exercise cnn.cifar_arithmetic).

    Count the weights and biases of conv1, conv2, fc1 and fc2 (ReLU, pooling and flatten have none); use
    conv_param_count for the conv layers, $n_{\mathrm{in}} n_{\mathrm{out}} + n_{\mathrm{out}}$ for a linear layer.

    Returns:
        (per_layer, total): per_layer a list of four ints [conv1, conv2, fc1, fc2], total their sum (an int).
    """
    ### BEGIN SOLUTION
    per_layer = [conv_param_count(3, 16, 3, 3), conv_param_count(16, 32, 3, 3), 2048 * 128 + 128, 128 * 10 + 10]
    return per_layer, sum(per_layer)
    ### END SOLUTION


def equivalent_mlp_param_count():
    r"""Parameters of the course notes' "equivalent MLP" on flattened CIFAR images (exercise
    cnn.cifar_arithmetic): Linear 3072->128, ReLU, Linear 128->128, ReLU, Linear 128->10 (each with a bias).

    Returns:
        the total, an int.
    """
    ### BEGIN SOLUTION
    return sum(n_in * n_out + n_out for n_in, n_out in [(3 * 32 * 32, 128), (128, 128), (128, 10)])
    ### END SOLUTION


def cifar_parameter_reduction():
    r"""How many fewer parameters the CNN has than the equivalent MLP, in percent of the MLP's
    (exercise cnn.cifar_arithmetic):

        $$ \text{reduction} = 100 \cdot \frac{\text{MLP total} - \text{CNN total}}{\text{MLP total}} $$

    The course notes state 53% here; that is an erratum: 53% is the difference divided by the *CNN's* total.
    Compute it from cifar_cnn_param_counts and equivalent_mlp_param_count.

    Returns:
        the reduction in percent, a float.
    """
    ### BEGIN SOLUTION
    cnn, mlp = cifar_cnn_param_counts()[1], equivalent_mlp_param_count()
    return 100.0 * (mlp - cnn) / mlp
    ### END SOLUTION


def cifar_cnn_shapes(N):
    r"""The shape of the output of every layer of the CIFAR CNN for a batch of N images (exercise
    cnn.cifar_arithmetic). Use conv_output_size (a 2x2 stride-2 pool has the output size of a conv with
    HH = WW = 2, S = 2, P = 0).

    Args:
        N: the batch size.
    Returns:
        a list of 10 tuples of ints, the outputs of conv1, relu, pool, conv2, relu, pool, flatten, fc1, relu, fc2,
        each including the batch axis: [(N, 16, 32, 32), (N, 16, 32, 32), ..., (N, 10)].
    """
    ### BEGIN SOLUTION
    shapes, (H, W) = [], (32, 32)
    for channels in (16, 32):
        H, W = conv_output_size(H, W, 3, 3, 1, 1)
        shapes += [(N, channels, H, W)] * 2
        H, W = conv_output_size(H, W, 2, 2, 2, 0)
        shapes.append((N, channels, H, W))
    return shapes + [(N, 32 * H * W), (N, 128), (N, 128), (N, 10)]
    ### END SOLUTION


def cifar_cnn_forward(x, params):
    r"""Forward pass of the course notes' CIFAR CNN built from your layers (exercise cnn.cifar_cnn).

    Conv 3->16 (3x3, padding 1), ReLU, max-pool 2x2 stride 2, Conv 16->32 (3x3, padding 1), ReLU, max-pool 2x2
    stride 2, flatten, Linear 2048->128, ReLU, Linear 128->10, as drawn above. After a ReLU, pooling windows of
    zeros tie: see max_pool_backward.

    Args:
        x: (N, 3, 32, 32) images.
        params: dict with W1 (16, 3, 3, 3), b1 (16,), W2 (32, 16, 3, 3), b2 (32,), W3 (2048, 128), b3 (128,),
            W4 (128, 10), b4 (10,).
    Returns:
        scores: (N, 10) logits (no softmax).
        cache: whatever cifar_cnn_backward needs (e.g. every layer's cache).
    """
    ### BEGIN SOLUTION
    h, conv1 = conv_forward(x, params["W1"], params["b1"], 1, 1)
    h, relu1 = relu_forward(h)
    h, pool1 = max_pool_forward(h, 2, 2, 2)
    h, conv2 = conv_forward(h, params["W2"], params["b2"], 1, 1)
    h, relu2 = relu_forward(h)
    h, pool2 = max_pool_forward(h, 2, 2, 2)
    h, flat = flatten_forward(h)
    h, fc1 = affine_forward(h, params["W3"], params["b3"])
    h, relu3 = relu_forward(h)
    scores, fc2 = affine_forward(h, params["W4"], params["b4"])
    return scores, (conv1, relu1, pool1, conv2, relu2, pool2, flat, fc1, relu3, fc2)
    ### END SOLUTION


def cifar_cnn_backward(dscores, cache):
    """Backward pass of the CIFAR CNN (exercise cnn.cifar_cnn): from dL/dscores to every parameter gradient.

    The grader computes dscores with softmax_loss, so L is the mean cross-entropy.

    Args:
        dscores: (N, 10) upstream gradient.
        cache: what cifar_cnn_forward returned.
    Returns:
        dict with "W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4": dL/dparam, each of its parameter's shape.
    """
    ### BEGIN SOLUTION
    conv1, relu1, pool1, conv2, relu2, pool2, flat, fc1, relu3, fc2 = cache
    grads = {}
    d, grads["W4"], grads["b4"] = affine_backward(dscores, fc2)
    d, grads["W3"], grads["b3"] = affine_backward(relu_backward(d, relu3), fc1)
    d = relu_backward(max_pool_backward(flatten_backward(d, flat), pool2), relu2)
    d, grads["W2"], grads["b2"] = conv_backward(d, conv2)
    d = relu_backward(max_pool_backward(d, pool1), relu1)
    _, grads["W1"], grads["b1"] = conv_backward(d, conv1)
    return grads
    ### END SOLUTION
