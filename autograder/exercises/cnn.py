"""cnn: the course notes' convolutional network, layer by layer. Solutions: solutions/cnn.py; oracle: reference/cnn.py.

Inputs are small NCHW arrays with distinct sizes (N != C != F, H != W, rectangular kernels), strides > 1 that
are smaller than the kernel and do not divide H + 2P - K, padding 0 and > 0. Kinks are avoided by
construction: ReLU inputs stay at least 0.1 away from 0 (S.nonzero_arrays), max-pool inputs have pairwise
distinct values (S.distinct_arrays), and the CIFAR CNN is graded on fixed seeds whose margins
tests/test_reference_cnn.py verifies. Every forward/backward pair runs a second forward pass (x2) before the
backward pass of the first, so a cache kept in a global fails; float32 intermediates fail on an input whose
products cancel (CONV_FLOAT32). Common mistakes are declared as variants of the oracle (`mistakes`).
"""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

import reference.cnn as ref
from autograder import strategies as S
from autograder.compare import Tolerance, compare
from autograder.model import Check, call, exercise, mistake
from autograder.oracle import as_numpy, as_tensor, forward_backward, vector_jacobian


def _others(values, *taken):
    return st.sampled_from([v for v in values if v not in taken])


# -- strategies ---------------------------------------------------------------------------

# Backward checks also need the second forward pass (on x2), which runs before the backward pass of the first.
SECOND_FORWARD = ("out2",)


@st.composite
def relu_inputs(draw):
    N = draw(st.integers(2, 3))
    D = draw(_others(range(1, 5), N))
    shape = (N, D, draw(_others(range(1, 5), N, D)))  # (N, D, K), all different
    return {"z": draw(S.nonzero_arrays(shape)), "dout": draw(S.arrays(shape)), "z2": draw(S.nonzero_arrays(shape))}


@st.composite
def conv_size_inputs(draw):
    HH, WW = draw(S.sizes(2, 1, 7, distinct=False))
    stride, pad = draw(st.integers(1, 4)), draw(st.integers(0, 3))
    H = draw(st.integers(max(1, HH - 2 * pad), 40))
    W = draw(st.integers(max(1, WW - 2 * pad), 40))
    return {"H": H, "W": W, "HH": HH, "WW": WW, "stride": stride, "pad": pad}


CONV_SIZE_EXAMPLES = ({"H": 7, "W": 8, "HH": 3, "WW": 3, "stride": 2, "pad": 0},   # 7 and 8 both give 3
                      {"H": 10, "W": 13, "HH": 4, "WW": 2, "stride": 3, "pad": 1})  # (3, 5): floor on both axes


def _stride_misfits(size, pad, kernel, stride):
    return (size + 2 * pad - kernel) % stride != 0


@st.composite
def conv_inputs(draw):
    """x (N, C, H, W), w (F, C, HH, WW), b, dout; N, C, F pairwise distinct, H != W, HH != WW."""
    N = draw(st.integers(2, 3))
    C = draw(_others(range(1, 4), N))
    F_ = draw(_others(range(1, 5), N, C))
    HH, WW = draw(S.sizes(2, 1, 4))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    H = draw(st.integers(max(2, HH - 2 * pad), 7))
    W = draw(_others(range(max(2, WW - 2 * pad), 8), H))
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    return {"x": draw(S.arrays((N, C, H, W))), "w": draw(S.arrays((F_, C, HH, WW))), "b": draw(S.arrays(F_)),
            "stride": stride, "pad": pad, "dout": draw(S.arrays((N, F_, Ho, Wo))), "x2": draw(S.arrays((N, C, H, W)))}


def _fixed(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, shape).round(2)


# N=2, C=3, F=4, a 4 x 5 input, a 3 x 2 kernel, stride 2 (< 3), pad 1: H+2P-HH = 3 and W+2P-WW = 5, both odd.
CONV_EXAMPLE = {"x": _fixed((2, 3, 4, 5), 1), "w": _fixed((4, 3, 3, 2), 2), "b": _fixed(4, 3), "stride": 2, "pad": 1,
                "dout": _fixed((2, 4, 2, 3), 4), "x2": _fixed((2, 3, 4, 5), 5)}


def _cancelling_conv() -> dict:
    """Terms of about 1e4 that cancel against the bias down to O(1), and dout whose entries cancel in dw: float32
    intermediates lose ~1e-3 of the result here (float64 ~1e-12), so they fail every time."""
    rng = np.random.default_rng(7)
    x = 100.0 + rng.uniform(-1, 1, (2, 3, 4, 3))
    w = 100.0 + rng.uniform(-1, 1, (1, 3, 2, 2))
    b = -np.array([x.mean() * w.sum()]) + 0.5
    dout = rng.uniform(-1, 1, (2, 1, 3, 2))
    return {"x": x, "w": w, "b": b, "stride": 1, "pad": 0, "dout": dout - dout.mean() + 1e-3, "x2": np.ones(x.shape)}


CONV_FLOAT32 = _cancelling_conv()


def conv_oracle(x, w, b, stride, pad, dout, x2=None):
    return forward_backward(lambda x, w, b: ref.conv2d(x, w, b, stride, pad), {"x": x, "w": w, "b": b}, out="out",
                            grads={"x": "dx", "w": "dw", "b": "db"}, dout=dout)


CONV_COVERS = {
    "N != C": lambda i: i["x"].shape[0] != i["x"].shape[1],
    "C > 1 and F > 1": lambda i: i["w"].shape[1] > 1 and i["w"].shape[0] > 1,
    "F != C": lambda i: i["w"].shape[0] != i["w"].shape[1],
    "H != W": lambda i: i["x"].shape[2] != i["x"].shape[3],
    "HH != WW": lambda i: i["w"].shape[2] != i["w"].shape[3],
    "P = 0": lambda i: i["pad"] == 0,
    "P > 0": lambda i: i["pad"] > 0,
    "S > 1, S < HH, S divides neither H+2P-HH nor W+2P-WW": lambda i: 1 < i["stride"] < i["w"].shape[2] and all(
        _stride_misfits(i["x"].shape[a], i["pad"], i["w"].shape[a], i["stride"]) for a in (2, 3)),
    "S > 1 with P = 0": lambda i: i["stride"] > 1 and i["pad"] == 0,
}

POOLS = [(2, 2), (3, 3), (2, 3), (3, 2), (1, 2), (3, 1)]


@st.composite
def pool_inputs(draw, distinct: bool):
    """x (N, C, H, W) and dout for a pool window (ph, pw) and stride; max-pool inputs have distinct values."""
    N = draw(st.integers(2, 3))
    C = draw(_others(range(1, 4), N))
    ph, pw = draw(st.sampled_from(POOLS))
    stride = draw(st.integers(1, 3))
    H = draw(st.integers(ph, 7))
    W = draw(_others(range(pw, 8), H))
    Ho, Wo = (H - ph) // stride + 1, (W - pw) // stride + 1
    x = draw(S.distinct_arrays((N, C, H, W)) if distinct else S.arrays((N, C, H, W)))
    return {"x": x, "pool_height": ph, "pool_width": pw, "stride": stride, "dout": draw(S.arrays((N, C, Ho, Wo))),
            "x2": draw(S.arrays((N, C, H, W)))}


# N=2, C=1, 5 x 7, 3 x 2 windows with stride 2: rows overlap, and 2 does not divide 7 - 2; distinct values.
POOL_EXAMPLE = {"x": np.random.default_rng(5).permutation(70).reshape(2, 1, 5, 7) / 20.0 - 1.75,
                "pool_height": 3, "pool_width": 2, "stride": 2, "dout": _fixed((2, 1, 2, 3), 5),
                "x2": _fixed((2, 1, 5, 7), 8)}
# the seed's (and the CIFAR CNN's) 2 x 2 pool with stride 2, on N=3, C=2, a 4 x 6 image
POOL_EXAMPLE_2X2 = {"x": np.random.default_rng(6).permutation(144).reshape(3, 2, 4, 6) / 36.0 - 2.0,
                    "pool_height": 2, "pool_width": 2, "stride": 2, "dout": _fixed((3, 2, 2, 3), 6),
                    "x2": _fixed((3, 2, 4, 6), 9)}

POOL_COVERS = {
    "N != C": lambda i: i["x"].shape[0] != i["x"].shape[1],
    "H != W": lambda i: i["x"].shape[2] != i["x"].shape[3],
    "pool_height != pool_width": lambda i: i["pool_height"] != i["pool_width"],
    "2 x 2, stride 2": lambda i: (i["pool_height"], i["pool_width"], i["stride"]) == (2, 2, 2),
    "S > 1 and S < pool (overlapping windows)": lambda i: 1 < i["stride"] < max(i["pool_height"], i["pool_width"]),
    "S > 1 not dividing H - ph or W - pw": lambda i: i["stride"] > 1 and (
        (i["x"].shape[2] - i["pool_height"]) % i["stride"] or (i["x"].shape[3] - i["pool_width"]) % i["stride"]),
}


def pool_oracle(op):
    def oracle(x, pool_height, pool_width, stride, dout, x2=None):
        return forward_backward(lambda x: op(x, pool_height, pool_width, stride), {"x": x}, out="out",
                                grads={"x": "dx"}, dout=dout)
    return oracle


@st.composite
def batchnorm_inputs(draw, mode=None, spatial=False):
    """Small batches (m = 2..4 rows, or N*H*W values per channel), features of very different scales
    (0.01, 1, 5: with eps = 1e-5 the eps matters at 0.01), gamma != 1, beta != 0, momentum 0.1 or 0.3."""
    if spatial:
        N = draw(st.integers(2, 3))
        D = draw(_others(range(2, 5), N))
        H, W = draw(S.sizes(2, 1, 4))
        shape, per_feature = (N, D, H, W), (1, D, 1, 1)
    else:
        N = draw(st.integers(2, 4))
        D = draw(_others(range(2, 6), N))
        shape, per_feature = (N, D), (1, D)
    scale = draw(S.arrays(D, elements=st.sampled_from([0.01, 1.0, 5.0]))).reshape(per_feature)
    shift = draw(S.arrays(D, -3, 3)).reshape(per_feature)
    return {"x": draw(S.arrays(shape)) * scale + shift, "gamma": draw(S.arrays(D, -2, 2)),
            "beta": draw(S.arrays(D)), "running_mean": draw(S.arrays(D, -1, 1)),
            "running_var": draw(S.arrays(D, elements=st.one_of(S.floats(0.1, 3.0), st.just(1e-4)))),
            "mode": mode or draw(st.sampled_from(["train", "eval"])), "momentum": draw(st.sampled_from([0.1, 0.3])),
            "eps": draw(st.sampled_from([1e-5, 1e-3])), "dout": draw(S.arrays(shape)),
            "x2": draw(S.arrays(shape)) * scale + shift}


def batchnorm_oracle(spatial: bool):
    def oracle(x, gamma, beta, running_mean, running_var, mode, momentum, eps, dout, x2=None):
        t = {k: as_tensor(v, requires_grad=True) for k, v in {"x": x, "gamma": gamma, "beta": beta}.items()}
        fn = ref.spatial_batchnorm if spatial else ref.batchnorm
        out, new_mean, new_var = fn(t["x"], t["gamma"], t["beta"], as_tensor(running_mean), as_tensor(running_var),
                                    mode == "train", momentum, eps)
        dx, dgamma, dbeta = vector_jacobian(out, [t["x"], t["gamma"], t["beta"]], as_tensor(dout))
        return as_numpy({"out": out, "new_running_mean": new_mean, "new_running_var": new_var,
                         "dx": dx, "dgamma": dgamma, "dbeta": dbeta})
    return oracle


def batchnorm_calls(prefix=""):
    args = ("gamma", "beta", "running_mean", "running_var", "mode", "momentum", "eps")
    return [call(f"{prefix}batchnorm_forward", "x", *args, returns=("out", "new_running_mean", "new_running_var",
                                                                    "cache")),
            call(f"{prefix}batchnorm_forward", "x2", *args, returns=("out2", "mean2", "var2", "cache2")),
            call(f"{prefix}batchnorm_backward", "dout", "cache", returns=("dx", "dgamma", "dbeta"))]


def batchnorm_checks(dx_points=1):
    return [Check("out", 1), Check("running_mean", 1, output="new_running_mean"),
            Check("running_var", 1, output="new_running_var"), Check("dx", dx_points, needs=SECOND_FORWARD),
            Check("dgamma", 1, needs=SECOND_FORWARD), Check("dbeta", 1, needs=SECOND_FORWARD)]


BN_COVERS = {
    "m in 2..4": lambda i: 2 <= i["x"].shape[0] <= 4,
    "m != D": lambda i: i["x"].shape[0] != i["x"].shape[1],
    "a feature of scale 0.01": lambda i: (i["x"].std(axis=0) < 0.05).any(),
    "gamma != 1, beta != 0": lambda i: (i["gamma"] != 1).all() and (i["beta"] != 0).any(),
    "momentum != 0.1": lambda i: i["momentum"] != 0.1,
    "eps = 1e-5": lambda i: i["eps"] == 1e-5,
}


@st.composite
def flatten_inputs(draw):
    N = draw(st.integers(2, 3))
    C, H, W = draw(S.sizes(3, 1, 4))
    return {"x": draw(S.arrays((N, C, H, W))), "dout": draw(S.arrays((N, C * H * W))),
            "x2": draw(S.arrays((N, C, H, W)))}


@st.composite
def layer(draw):
    kind = draw(st.sampled_from(["conv", "pool"]))
    return kind, draw(st.integers(1 if kind == "conv" else 2, 5)), draw(st.integers(1, 3))


rf_inputs = st.lists(layer(), min_size=1, max_size=4).map(lambda layers: {"layers": layers})
SEED_CIFAR_STACK = [("conv", 3, 1), ("pool", 2, 2), ("conv", 3, 1), ("pool", 2, 2)]  # RF 10; the seed's recursion: 13
RF_EXAMPLES = ({"layers": SEED_CIFAR_STACK},
               {"layers": [("conv", 7, 2), ("pool", 3, 2), ("conv", 3, 1), ("conv", 3, 1)]})  # RF 27; literal: 37


def _literal_recursion_differs(layers):
    """The seed's recursion counts a layer's own stride: it is wrong once a layer with k > 1 follows a stride > 1."""
    return any(s > 1 and any(k > 1 for _, k, _ in layers[i + 1:]) for i, (_, _, s) in enumerate(layers))


# The CIFAR CNN: weights and images from fixed seeds (tests/test_reference_cnn.py checks that every
# pre-activation is at least 1e-6 from 0 and every pooling window's maximum leads by at least 1e-6).
CIFAR_SEEDS = (0, 1)
CIFAR_SHAPES = {"W1": (16, 3, 3, 3), "b1": (16,), "W2": (32, 16, 3, 3), "b2": (32,), "W3": (2048, 128),
                "b3": (128,), "W4": (128, 10), "b4": (10,)}


def cifar_inputs(seed: int, N: int = 2) -> dict:
    """LeCun-scaled weights (std 1/sqrt(fan_in)), biases N(0, 0.1^2), N(0, 1) images, N distinct labels."""
    rng = np.random.default_rng(1000 + seed)
    params = {}
    for name, shape in CIFAR_SHAPES.items():
        fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
        params[name] = rng.standard_normal(shape) * (0.1 if name[0] == "b" else 1 / np.sqrt(fan_in))
    return {"x": rng.standard_normal((N, 3, 32, 32)), "y": rng.permutation(10)[:N].astype(np.int64),
            "params": params}


def cifar_oracle(x, y, params):
    net = ref.cifar_cnn(params)
    scores = net(as_tensor(x))
    loss = F.cross_entropy(scores, as_tensor(y))
    layers = ref.cifar_parametrised(net)
    found = torch.autograd.grad(loss, [p for layer in layers for p in (layer.weight, layer.bias)])
    grads = {}
    for l, (layer, dweight, dbias) in enumerate(zip(layers, found[::2], found[1::2]), start=1):
        grads[f"W{l}"] = as_numpy(dweight if isinstance(layer, torch.nn.Conv2d) else dweight.T)
        grads[f"b{l}"] = as_numpy(dbias)
    return {"scores": as_numpy(scores), "loss": as_numpy(loss), "grads": grads}


def cifar_shapes_judge(got, inputs):
    """The shapes compared with torch's exactly as an ordinary check would (compare()); a judge only because the
    list is ragged (4-tuples, then 2-tuples), which tests/test_correct_variants.py's numeric measure cannot read."""
    return compare("shapes", got["shapes"], cifar_arithmetic_oracle(**inputs)["shapes"], Tolerance())


def cifar_arithmetic_oracle(N):
    net = ref.cifar_cnn()
    per_layer = [sum(p.numel() for p in layer.parameters()) for layer in ref.cifar_parametrised(net)]
    mlp_total = sum(p.numel() for p in ref.equivalent_mlp(device="meta").parameters())
    h, shapes = torch.zeros(N, 3, 32, 32), []
    for module in net:
        h = module(h)
        shapes.append(tuple(h.shape))
    return {"layer_params": per_layer, "total": sum(per_layer), "mlp_total": mlp_total,
            "reduction": 100.0 * (mlp_total - sum(per_layer)) / mlp_total, "shapes": shapes}


# -- common mistakes, as variants of the oracle ----------------------------------------------


def _conv_variant(x, w, b, stride, pad, dout, flip=False, pad_before=False, x_for_grads=None):
    """The conv layer with one misconception: a flipped kernel (true convolution), all 2P zeros before the image,
    or the gradients of another input (x_for_grads) than the one whose cache came back."""
    def forward(x, w, b):
        if pad_before:
            xp = F.pad(x, (2 * pad, 0, 2 * pad, 0))
            return ref.conv2d(xp, w.flip(-1, -2) if flip else w, b, stride, 0)
        return ref.conv2d(x, w.flip(-1, -2) if flip else w, b, stride, pad)
    source = x if x_for_grads is None else x_for_grads
    return forward_backward(forward, {"x": source, "w": w, "b": b}, out="out", grads={"x": "dx", "w": "dw", "b": "db"},
                            dout=dout)


def _conv_dw_stride_one(x, w, b, stride, pad, dout, **_):
    """dW by the notes' stride-1 formula, X[c, i + u, j + v]: windows at every position, not every S-th."""
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    HH, WW = w.shape[2:]
    Ho, Wo = dout.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(xpad, (HH, WW), axis=(2, 3))[:, :, :Ho, :Wo]
    return {"dw": np.einsum("nfij,ncijuv->fcuv", dout, windows)}


def _bn_variant(x, gamma, beta, running_mean, running_var, mode, momentum, eps, dout, unbiased=False,
                eps_outside=False, batch_stats_in_eval=False, constant_stats=False, **_):
    """Batch norm with one misconception (spatial: per channel over N, H, W); gradients by autograd of that forward."""
    if x.ndim == 4:
        rows = _bn_variant(_as_rows(x), gamma, beta, running_mean, running_var, mode, momentum, eps, _as_rows(dout),
                           unbiased, eps_outside, batch_stats_in_eval, constant_stats)
        return {**rows, "out": _from_rows(rows["out"], x.shape), "dx": _from_rows(rows["dx"], x.shape)}
    t = {k: as_tensor(v, requires_grad=True) for k, v in {"x": x, "gamma": gamma, "beta": beta}.items()}
    use_batch = mode == "train" or batch_stats_in_eval
    if use_batch:
        mean = t["x"].mean(0)
        var = t["x"].var(0, unbiased=unbiased)
        if constant_stats:
            mean, var = mean.detach(), var.detach()
    else:
        mean, var = as_tensor(running_mean), as_tensor(running_var)
    scale = 1 / (torch.sqrt(var) + eps) if eps_outside else 1 / torch.sqrt(var + eps)
    out = t["gamma"] * (t["x"] - mean) * scale + t["beta"]
    dx, dgamma, dbeta = vector_jacobian(out, [t["x"], t["gamma"], t["beta"]], as_tensor(dout))
    return as_numpy({"out": out, "dx": dx, "dgamma": dgamma, "dbeta": dbeta})


def _as_rows(x):
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _from_rows(rows, shape):
    N, C, H, W = shape
    return rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)


def _running(x, running_mean, running_var, momentum, biased=False, swapped=False, **_):
    x = _as_rows(x) if x.ndim == 4 else x
    m = x.shape[0]
    mu, var = x.mean(0), x.var(0) * (1 if biased else m / (m - 1))
    keep, new = (momentum, 1 - momentum) if swapped else (1 - momentum, momentum)
    return {"new_running_mean": keep * running_mean + new * mu, "new_running_var": keep * running_var + new * var}


def _rf_literal(layers):
    rf, jump = 1, 1
    for _, k, s in layers:
        jump *= s
        rf += (k - 1) * jump
    return {"rf": rf}


def _rf_last_stride(layers):
    rf, jump = 1, 1
    for _, k, s in layers:
        rf += (k - 1) * jump
        jump = s
    return {"rf": rf, "jump": jump}


BN_TRAIN_ONLY = ("unbiased_variance", "constant_statistics", "running_var_biased", "momentum_swapped")
BN_EVAL_ONLY = ("eval_with_batch_statistics",)

CNN_MISTAKES = {
    "relu": [mistake("backward_of_dout", "dz equals max(dout, 0): ReLU applied to the upstream gradient, not its "
                     "derivative at z times dout.", lambda z, dout, z2: {"dz": np.maximum(dout, 0)})],
    "conv_output_size": [
        mistake("ceil", "the sizes are rounded up; the formula floors (H + 2P - HH) / S.",
                lambda H, W, HH, WW, stride, pad: {"size": (-(-(H + 2 * pad - HH) // stride) + 1,
                                                           -(-(W + 2 * pad - WW) // stride) + 1)}),
        mistake("one_side_padding", "the sizes count P once; the padding adds P rows (columns) on each side, 2P.",
                lambda H, W, HH, WW, stride, pad: {"size": ((H + pad - HH) // stride + 1, (W + pad - WW) // stride + 1)}),
    ],
    "conv_param_count": [
        mistake("no_bias", "the count leaves out the C_out biases.",
                lambda C_in, C_out, HH, WW: {"params": HH * WW * C_in * C_out}),
        mistake("bias_per_input", "the count has one bias per input channel; there is one per filter (C_out).",
                lambda C_in, C_out, HH, WW: {"params": HH * WW * C_in * C_out + C_in}),
    ],
    "conv": [
        mistake("flipped_kernel", "the output equals a true convolution (the kernel flipped); the layer is a "
                "cross-correlation, the kernel is not flipped.",
                lambda **i: _conv_variant(**{k: v for k, v in i.items() if k != "x2"}, flip=True),
                checks=("out", "dx", "dw")),
        mistake("padding_on_one_side", "the output equals all 2P zeros placed before the image (top and left) and "
                "none after; P go on each side.",
                lambda **i: _conv_variant(**{k: v for k, v in i.items() if k != "x2"}, pad_before=True),
                checks=("out", "dw")),
        mistake("dw_stride_one", "dw equals the stride-1 formula X[c, i + u, j + v]; with stride S the window of "
                "output (i, j) starts at (i*S, j*S).", lambda **i: _conv_dw_stride_one(**i), checks=("dw",)),
        mistake("db_mean", "db equals the mean of dout over the batch and positions, not the sum.",
                lambda dout, **_: {"db": dout.mean(axis=(0, 2, 3))}),
        mistake("second_batch", "dw is the gradient for the second batch that went forward (x2), not for the "
                "cache passed in: is the cache kept somewhere global?",
                lambda x, x2, **i: _conv_variant(x, **{k: v for k, v in i.items()}, x_for_grads=x2),
                checks=("dw",)),
    ],
    "max_pool": [
        mistake("grad_to_whole_window", "dout reaches every entry of its window; only the window's maximum gets "
                "it.", lambda x, pool_height, pool_width, stride, dout, x2: forward_backward(
                    lambda x: ref.avg_pool2d(x, pool_height, pool_width, stride) * pool_height * pool_width,
                    {"x": x}, out="out", grads={"x": "dx"}, dout=dout), checks=("dx",)),
    ],
    "avg_pool": [
        mistake("not_divided", "dx is pool_height * pool_width times too large: each input's share of dout is "
                "1/(pool_height pool_width).", lambda x, pool_height, pool_width, stride, dout, x2: forward_backward(
                    lambda x: ref.avg_pool2d(x, pool_height, pool_width, stride) * pool_height * pool_width,
                    {"x": x}, out="out", grads={"x": "dx"}, dout=dout), checks=("dx",)),
    ],
    "batchnorm": [
        mistake("unbiased_variance", "the output is normalised with the unbiased variance (1/(m-1)); batch norm "
                "uses the biased one (1/m).", lambda **i: _bn_variant(**i, unbiased=True), checks=("out",)),
        mistake("eps_outside_sqrt", "the output equals 1/(sqrt(var) + eps) scaling; eps goes inside the root.",
                lambda **i: _bn_variant(**i, eps_outside=True), checks=("out",)),
        mistake("eval_with_batch_statistics", "in evaluation mode the output uses the batch's own statistics, not "
                "the running ones.", lambda **i: _bn_variant(**i, batch_stats_in_eval=True) if i["mode"] == "eval"
                else {}, checks=("out",)),
        mistake("constant_statistics", "dx treats the batch mean and variance as constants (gamma dout / std): "
                "they depend on x too.", lambda **i: _bn_variant(**i, constant_stats=True)
                if i["mode"] == "train" else {}, checks=("dx",)),
        mistake("running_var_biased", "the running variance moved toward the biased batch variance; the running "
                "estimate uses the unbiased one (m/(m-1)).",
                lambda **i: _running(**i, biased=True) if i["mode"] == "train" else {}, checks=("running_var",)),
        mistake("momentum_swapped", "the running statistics keep `momentum` of the old value and take 1 - momentum "
                "of the batch's: the weights are the other way round.",
                lambda **i: _running(**i, swapped=True) if i["mode"] == "train" else {},
                checks=("running_mean", "running_var")),
    ],
    "flatten": [mistake("channels_last", "the values are flattened in (H, W, C) order; NCHW flattens C first.",
                        lambda x, dout, x2: {"out": x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1)})],
    "receptive_field": [
        mistake("literal_recursion", "the RF equals the course notes' recursion, which spreads each kernel by its "
                "own layer's stride too (an erratum: only the strides before it count).",
                lambda layers: _rf_literal(layers)),
        mistake("jump_is_last_stride", "the jump equals the last layer's stride; it is the product of all strides.",
                lambda layers: _rf_last_stride(layers), checks=("jump",)),
    ],
    "cifar_arithmetic": [
        mistake("reduction_over_cnn", "the reduction equals the difference divided by the CNN's count (the course "
                "notes' 53 %); a reduction is relative to the MLP's count.",
                lambda N: {"reduction": 100.0 * (411146 - 268650) / 268650}),
        mistake("mlp_one_hidden_layer", "the MLP count is that of 3072 -> 128 -> 10, one hidden layer; the notes' "
                "MLP has two (3072 -> 128 -> 128 -> 10).", lambda N: {"mlp_total": 3072 * 128 + 128 + 128 * 10 + 10}),
        mistake("mlp_pixels", "the MLP count takes 32 x 32 = 1024 inputs; a flattened colour image has 3 x 32 x 32 "
                "= 3072 values.", lambda N: {"mlp_total": 1024 * 128 + 128 + 128 * 128 + 128 + 128 * 10 + 10}),
    ],
}


# -- the exercises --------------------------------------------------------------------------
# (relu comes first: tests/test_coverage.py draws the catalog's first exercise and reads its input "z".)

relu = exercise(
    "cnn.relu", "ReLU forward and backward",
    calls=[call("relu_forward", "z", returns=("out", "cache")), call("relu_forward", "z2", returns=("out2", "cache2")),
           call("relu_backward", "dout", "cache", returns="dz")],
    inputs=relu_inputs(),
    oracle=lambda z, dout, z2: forward_backward(ref.relu, {"z": z}, out="out", grads={"z": "dz"}, dout=dout),
    checks=[Check("out", 1), Check("dz", 1, needs=SECOND_FORWARD)],
    covers={"negative and positive z": lambda i: i["z"].min() < 0 < i["z"].max()},
    mistakes=CNN_MISTAKES["relu"],
)

conv_output_size = exercise(
    "cnn.conv_output_size", "conv output size H' = floor((H + 2P - HH)/S) + 1",
    calls=[call("conv_output_size", "H", "W", "HH", "WW", "stride", "pad", returns="size")],
    inputs=conv_size_inputs(), examples=CONV_SIZE_EXAMPLES,
    oracle=lambda **i: {"size": ref.conv_output_shape(**i)},
    checks={"size": 1},
    covers={"H != W": lambda i: i["H"] != i["W"], "HH != WW": lambda i: i["HH"] != i["WW"],
            "P = 0": lambda i: i["pad"] == 0, "P > 0": lambda i: i["pad"] > 0,
            "S does not divide H+2P-HH": lambda i: _stride_misfits(i["H"], i["pad"], i["HH"], i["stride"]),
            "S does not divide W+2P-WW": lambda i: _stride_misfits(i["W"], i["pad"], i["WW"], i["stride"])},
    max_examples=30, mistakes=CNN_MISTAKES["conv_output_size"],
)

conv_param_count = exercise(
    "cnn.conv_param_count", "conv parameter count (weights and biases)",
    calls=[call("conv_param_count", "C_in", "C_out", "HH", "WW", returns="params")],
    inputs=st.fixed_dictionaries({"C_in": st.integers(1, 64), "C_out": st.integers(1, 64), "HH": st.integers(1, 7),
                                  "WW": st.integers(1, 7)}),
    examples=({"C_in": 3, "C_out": 16, "HH": 3, "WW": 3},),
    oracle=lambda **i: {"params": ref.conv_param_count(**i)},
    checks={"params": 1},
    covers={"C_in != C_out": lambda i: i["C_in"] != i["C_out"], "HH != WW": lambda i: i["HH"] != i["WW"],
            "C_in > 1": lambda i: i["C_in"] > 1},
    max_examples=30, mistakes=CNN_MISTAKES["conv_param_count"],
)

conv = exercise(
    "cnn.conv", "conv layer forward and backward (stride, zero padding, NCHW)",
    calls=[call("conv_forward", "x", "w", "b", "stride", "pad", returns=("out", "cache")),
           call("conv_forward", "x2", "w", "b", "stride", "pad", returns=("out2", "cache2")),
           call("conv_backward", "dout", "cache", returns=("dx", "dw", "db"))],
    inputs=conv_inputs(), examples=(CONV_EXAMPLE, CONV_FLOAT32), oracle=conv_oracle,
    checks=[Check("out", 2), Check("dx", 2, needs=SECOND_FORWARD), Check("dw", 2, needs=SECOND_FORWARD),
            Check("db", 1, needs=SECOND_FORWARD)],
    covers=CONV_COVERS, mistakes=CNN_MISTAKES["conv"],
)

max_pool = exercise(
    "cnn.max_pool", "max pooling forward and backward",
    calls=[call("max_pool_forward", "x", "pool_height", "pool_width", "stride", returns=("out", "cache")),
           call("max_pool_forward", "x2", "pool_height", "pool_width", "stride", returns=("out2", "cache2")),
           call("max_pool_backward", "dout", "cache", returns="dx")],
    inputs=pool_inputs(distinct=True), examples=(POOL_EXAMPLE, POOL_EXAMPLE_2X2), oracle=pool_oracle(ref.max_pool2d),
    checks=[Check("out", 1), Check("dx", 2, needs=SECOND_FORWARD)],
    covers={**POOL_COVERS, "distinct values": lambda i: len(np.unique(i["x"])) == i["x"].size},
    mistakes=CNN_MISTAKES["max_pool"],
)

avg_pool = exercise(
    "cnn.avg_pool", "average pooling forward and backward",
    calls=[call("avg_pool_forward", "x", "pool_height", "pool_width", "stride", returns=("out", "cache")),
           call("avg_pool_forward", "x2", "pool_height", "pool_width", "stride", returns=("out2", "cache2")),
           call("avg_pool_backward", "dout", "cache", returns="dx")],
    inputs=pool_inputs(distinct=False), examples=(POOL_EXAMPLE, POOL_EXAMPLE_2X2), oracle=pool_oracle(ref.avg_pool2d),
    checks=[Check("out", 1), Check("dx", 1, needs=SECOND_FORWARD)],
    covers=POOL_COVERS, mistakes=CNN_MISTAKES["avg_pool"],
)

batchnorm_train = exercise(
    "cnn.batchnorm_train", "batch norm in training mode: batch statistics, running-statistics update, backward",
    calls=batchnorm_calls(), inputs=batchnorm_inputs("train"), oracle=batchnorm_oracle(spatial=False),
    checks=batchnorm_checks(dx_points=2), covers=BN_COVERS,
    mistakes=[m for m in CNN_MISTAKES["batchnorm"] if m.name not in BN_EVAL_ONLY],
)

batchnorm_eval = exercise(
    "cnn.batchnorm_eval", "batch norm in evaluation mode: running statistics, backward",
    calls=batchnorm_calls(), inputs=batchnorm_inputs("eval"), oracle=batchnorm_oracle(spatial=False),
    checks=batchnorm_checks(), covers={**BN_COVERS, "running_var 1e-4": lambda i: (i["running_var"] == 1e-4).any()},
    mistakes=[m for m in CNN_MISTAKES["batchnorm"] if m.name not in BN_TRAIN_ONLY],
)

spatial_batchnorm = exercise(
    "cnn.spatial_batchnorm", "spatial batch norm (NCHW, statistics over N, H, W), training and evaluation",
    builds_on=("cnn.batchnorm_train",),
    calls=batchnorm_calls("spatial_"), inputs=batchnorm_inputs(spatial=True), oracle=batchnorm_oracle(spatial=True),
    checks=batchnorm_checks(),
    covers={"train": lambda i: i["mode"] == "train", "eval": lambda i: i["mode"] == "eval",
            "N != C": lambda i: i["x"].shape[0] != i["x"].shape[1],
            "H != W": lambda i: i["x"].shape[2] != i["x"].shape[3],
            "a channel of scale 0.01": lambda i: (i["x"].std(axis=(0, 2, 3)) < 0.05).any()},
    mistakes=CNN_MISTAKES["batchnorm"],
)

flatten = exercise(
    "cnn.flatten", "flatten forward and backward",
    calls=[call("flatten_forward", "x", returns=("out", "cache")), call("flatten_forward", "x2", returns=("out2", "cache2")),
           call("flatten_backward", "dout", "cache", returns="dx")],
    inputs=flatten_inputs(),
    oracle=lambda x, dout, x2: forward_backward(ref.flatten, {"x": x}, out="out", grads={"x": "dx"}, dout=dout),
    checks=[Check("out", 1), Check("dx", 1, needs=SECOND_FORWARD)],
    covers={"C > 1 and H != W": lambda i: i["x"].shape[1] > 1 and i["x"].shape[2] != i["x"].shape[3]},
    mistakes=CNN_MISTAKES["flatten"],
)

receptive_field = exercise(
    "cnn.receptive_field", "receptive field and jump of a layer stack (the course notes' recursion corrected)",
    calls=[call("receptive_field", "layers", returns=("rf", "jump"))],
    inputs=rf_inputs, examples=RF_EXAMPLES,
    oracle=lambda layers: dict(zip(("rf", "jump"), ref.receptive_field(layers))),
    checks={"rf": 2, "jump": 1},
    covers={"a kernel > 1 after a stride > 1": lambda i: _literal_recursion_differs(i["layers"]),
            "a pooling layer": lambda i: any(kind == "pool" for kind, _, _ in i["layers"]),
            "3 or more layers": lambda i: len(i["layers"]) >= 3},
    mistakes=CNN_MISTAKES["receptive_field"],
)

cifar_arithmetic = exercise(
    "cnn.cifar_arithmetic", "the course notes' CIFAR CNN: parameters per layer, the equivalent MLP, the reduction, "
    "shapes",
    builds_on=("cnn.conv_output_size", "cnn.conv_param_count"),
    calls=[call("cifar_cnn_param_counts", returns=("layer_params", "total")),
           call("equivalent_mlp_param_count", returns="mlp_total"),
           call("cifar_parameter_reduction", returns="reduction"),
           call("cifar_cnn_shapes", "N", returns="shapes")],
    inputs=st.integers(2, 8).map(lambda n: {"N": n}),
    oracle=cifar_arithmetic_oracle,
    checks=[Check("layer_params", 1), Check("total", 1), Check("mlp_total", 1), Check("reduction", 1),
            Check("shapes", 1, judge=cifar_shapes_judge)],
    max_examples=3, mistakes=CNN_MISTAKES["cifar_arithmetic"],
)

cifar_cnn = exercise(
    "cnn.cifar_cnn", "the course notes' CIFAR CNN from your layers: forward, cross-entropy, backward",
    builds_on=("cnn.conv", "cnn.relu", "cnn.max_pool", "cnn.flatten"),
    calls=[call("cifar_cnn_forward", "x", "params", returns=("scores", "cache")),
           call("softmax_loss", "scores", "y", returns=("loss", "dscores")),
           call("cifar_cnn_backward", "dscores", "cache", returns="grads")],
    inputs=st.sampled_from(CIFAR_SEEDS).map(cifar_inputs), oracle=cifar_oracle,
    checks=[Check("scores", 2), Check("loss", 1)] + [Check(f"d{k}", 1, output=f"grads.{k}") for k in ref.CIFAR_PARAMS],
    max_examples=2, seconds=30.0,
)
