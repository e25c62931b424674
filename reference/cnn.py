"""Oracle for the cnn topic: the seed's CNN formulas written in torch ops.

NCHW layout; conv weights (F, C, HH, WW); cross-correlation, the form the seed says frameworks implement:

    out[n, f, i, j] = b[f] + sum_{c, u, v} xpad[n, c, i*S + u, j*S + v] * w[f, c, u, v],
    H' = floor((H + 2P - HH) / S) + 1.

Only forward formulas live here; every gradient the grader expects comes from torch.autograd
(autograder/oracle.py). Sizes and parameter counts are read off torch itself (output shapes, `numel()`),
the receptive field is measured with autograd, and the CIFAR CNN is `torch.nn` holding the student's weights.
tests/test_reference_cnn.py checks every function against the torch built-in and with gradcheck.
"""
import torch
import torch.nn.functional as F
from torch import nn


def _windows(x, kh, kw, stride):
    """(N, C, H, W) -> (N, C, H', W', kh, kw): the kh x kw window under every output position."""
    return x.unfold(2, kh, stride).unfold(3, kw, stride)


def conv2d(x, w, b, stride, pad):
    """The seed's conv layer: x (N, C, H, W), w (F, C, HH, WW), b (F,) -> (N, F, H', W')."""
    cols = _windows(F.pad(x, (pad, pad, pad, pad)), w.shape[2], w.shape[3], stride)
    return torch.einsum("nchwuv,fcuv->nfhw", cols, w) + b[None, :, None, None]


def relu(z):
    """max(0, z) elementwise."""
    return torch.where(z > 0, z, torch.zeros_like(z))


def max_pool2d(x, pool_height, pool_width, stride):
    """The seed's PoolOp with max, no padding: (N, C, H, W) -> (N, C, H', W')."""
    return _windows(x, pool_height, pool_width, stride).amax(dim=(-2, -1))


def avg_pool2d(x, pool_height, pool_width, stride):
    """The seed's PoolOp with the mean over each window, no padding: (N, C, H, W) -> (N, C, H', W')."""
    return _windows(x, pool_height, pool_width, stride).mean(dim=(-2, -1))


def flatten(x):
    """(N, C, H, W) -> (N, C*H*W) in C order, as torch.flatten(x, 1)."""
    return x.reshape(x.shape[0], -1)


def batchnorm(x, gamma, beta, running_mean, running_var, training, momentum, eps):
    """Batch norm over axis 0 of x (m, D). Returns (out, new running mean, new running var).

    Training: normalise with the batch mean and the biased batch variance (1/m, the seed's sigma^2_B);
    running_mean <- (1 - momentum) running_mean + momentum mu_B,
    running_var  <- (1 - momentum) running_var + momentum sigma^2_B * m / (m - 1)  (unbiased, as torch).
    Evaluation: normalise with the running statistics, which stay unchanged.
    """
    if training:
        m = x.shape[0]
        mean = x.mean(dim=0)
        var = ((x - mean) ** 2).mean(dim=0)
        new_mean = (1 - momentum) * running_mean + momentum * mean.detach()
        new_var = (1 - momentum) * running_var + momentum * var.detach() * m / (m - 1)
    else:
        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta, new_mean, new_var


def spatial_batchnorm(x, gamma, beta, running_mean, running_var, training, momentum, eps):
    """Batch norm of x (N, C, H, W) per channel, statistics over N, H and W (m = N*H*W values each)."""
    N, C, H, W = x.shape
    out, new_mean, new_var = batchnorm(x.permute(0, 2, 3, 1).reshape(-1, C), gamma, beta, running_mean,
                                       running_var, training, momentum, eps)
    return out.reshape(N, H, W, C).permute(0, 3, 1, 2), new_mean, new_var


# -- arithmetic read off torch ------------------------------------------------------------------


def conv_output_shape(H, W, HH, WW, stride, pad):
    """(H', W') of the output of F.conv2d, as torch computes it."""
    x, w = torch.zeros(1, 1, H, W), torch.zeros(1, 1, HH, WW)
    return tuple(int(s) for s in F.conv2d(x, w, stride=stride, padding=pad).shape[2:])


def conv_param_count(C_in, C_out, HH, WW):
    """numel() of the weight and bias of nn.Conv2d(C_in, C_out, (HH, WW)) (on the meta device: no memory)."""
    conv = nn.Conv2d(C_in, C_out, (HH, WW), device="meta")
    return int(sum(p.numel() for p in conv.parameters()))


def receptive_field(layers):
    """(RF, jump) of a stack of (kind, kernel, stride) layers, measured with autograd.

    Conv layers get weights 1 and pools are average pools (a max-pool gradient reaches only the argmax),
    so every input that influences an output unit gets a positive gradient. The input is sized so that
    the stack gives a 3 x 3 output; RF is the extent (first to last row) of the support of
    d out[1, 1] / d input, the jump is how far that support moves for out[2, 1].
    """
    size = 3
    for _, k, s in reversed(layers):
        size = (size - 1) * s + k
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    h = x
    for kind, k, s in layers:
        if kind == "conv":
            h = conv2d(h, torch.ones(1, 1, k, k), torch.zeros(1), s, 0)
        else:
            h = avg_pool2d(h, k, k, s)
    assert h.shape[-2:] == (3, 3), h.shape
    first, last = [], []
    for i in (1, 2):
        (g,) = torch.autograd.grad(h[0, 0, i, 1], x, retain_graph=True)
        rows = torch.nonzero(g[0, 0].sum(dim=1) > 0).flatten()
        first.append(int(rows.min()))
        last.append(int(rows.max()))
    return last[0] - first[0] + 1, first[1] - first[0]


# -- the seed's CIFAR-10 CNN --------------------------------------------------------------------

CIFAR_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4")


def cifar_cnn(params=None, device=None):
    """Conv 3->16 k3 p1, ReLU, MaxPool 2, Conv 16->32 k3 p1, ReLU, MaxPool 2, Flatten, Linear 2048->128, ReLU,
    Linear 128->10, as torch.nn (float64). With `params` in the exercise's layout (conv W (F, C, 3, 3); linear
    W (n_in, n_out), so nn.Linear's weight is W.T) the modules hold exactly those weights."""
    kw = {"device": device, "dtype": torch.float64}
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2048, 128, **kw), nn.ReLU(), nn.Linear(128, 10, **kw))
    if params is not None:
        with torch.no_grad():
            for layer, l in zip(cifar_parametrised(net), (1, 2, 3, 4)):
                W = torch.as_tensor(params[f"W{l}"])
                layer.weight.copy_(W if isinstance(layer, nn.Conv2d) else W.T)
                layer.bias.copy_(torch.as_tensor(params[f"b{l}"]))
    return net


def cifar_parametrised(net):
    """The layers of `net` that hold parameters, in order (conv1, conv2, fc1, fc2)."""
    return [layer for layer in net if list(layer.parameters())]


def equivalent_mlp(device=None):
    """The seed's "equivalent MLP" on the flattened image: Linear 3072->128, ReLU, Linear 128->128, ReLU,
    Linear 128->10."""
    kw = {"device": device, "dtype": torch.float64}
    return nn.Sequential(nn.Flatten(), nn.Linear(3072, 128, **kw), nn.ReLU(), nn.Linear(128, 128, **kw),
                         nn.ReLU(), nn.Linear(128, 10, **kw))


def cifar_cnn_ops(x, W1, b1, W2, b2, W3, b3, W4, b4):
    """The same CNN written with this module's ops (the seed's formulas): scores (N, 10)."""
    h = max_pool2d(relu(conv2d(x, W1, b1, 1, 1)), 2, 2, 2)
    h = max_pool2d(relu(conv2d(h, W2, b2, 1, 1)), 2, 2, 2)
    return relu(flatten(h) @ W3 + b3) @ W4 + b4
