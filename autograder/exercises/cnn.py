"""cnn: the seed's convolutional network, layer by layer. Solutions: solutions/cnn.py; oracle: reference/cnn.py.

Inputs are small NCHW arrays with distinct sizes (N != C != F, H != W, rectangular kernels), strides > 1 that
are smaller than the kernel and do not divide H + 2P - K, padding 0 and > 0. Kinks are avoided by
construction: ReLU inputs stay at least 0.1 away from 0 (S.nonzero_arrays), max-pool inputs have pairwise
distinct values (S.distinct_arrays), and the CIFAR CNN is graded on fixed seeds whose margins
tests/test_reference_cnn.py verifies.
"""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

import reference.cnn as ref
from autograder import strategies as S
from autograder.compare import Tolerance, compare
from autograder.model import Check, call, exercise
from autograder.oracle import as_numpy, as_tensor, forward_backward


def _others(values, *taken):
    return st.sampled_from([v for v in values if v not in taken])


# -- strategies ---------------------------------------------------------------------------


@st.composite
def relu_inputs(draw):
    shape = tuple(draw(S.sizes(3, 2, 4)))  # (N, D, K), all different
    return {"z": draw(S.nonzero_arrays(shape)), "dout": draw(S.arrays(shape))}


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
            "stride": stride, "pad": pad, "dout": draw(S.arrays((N, F_, Ho, Wo)))}


def _fixed(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, shape).round(2)


# N=2, C=3, F=4, a 4 x 5 input, a 3 x 2 kernel, stride 2 (< 3), pad 1: H+2P-HH = 3 and W+2P-WW = 5, both odd.
CONV_EXAMPLE = {"x": _fixed((2, 3, 4, 5), 1), "w": _fixed((4, 3, 3, 2), 2), "b": _fixed(4, 3), "stride": 2, "pad": 1,
                "dout": _fixed((2, 4, 2, 3), 4)}


def conv_oracle(x, w, b, stride, pad, dout):
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
    return {"x": x, "pool_height": ph, "pool_width": pw, "stride": stride, "dout": draw(S.arrays((N, C, Ho, Wo)))}


# N=2, C=1, 5 x 7, 3 x 2 windows with stride 2: rows overlap, and 2 does not divide 7 - 2; distinct values.
POOL_EXAMPLE = {"x": np.random.default_rng(5).permutation(70).reshape(2, 1, 5, 7) / 20.0 - 1.75,
                "pool_height": 3, "pool_width": 2, "stride": 2, "dout": _fixed((2, 1, 2, 3), 5)}
# the seed's (and the CIFAR CNN's) 2 x 2 pool with stride 2, on N=3, C=2, a 4 x 6 image
POOL_EXAMPLE_2X2 = {"x": np.random.default_rng(6).permutation(144).reshape(3, 2, 4, 6) / 36.0 - 2.0,
                    "pool_height": 2, "pool_width": 2, "stride": 2, "dout": _fixed((3, 2, 2, 3), 6)}

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
    def oracle(x, pool_height, pool_width, stride, dout):
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
            "eps": draw(st.sampled_from([1e-5, 1e-3])), "dout": draw(S.arrays(shape))}


def batchnorm_oracle(spatial: bool):
    def oracle(x, gamma, beta, running_mean, running_var, mode, momentum, eps, dout):
        t = {k: as_tensor(v, requires_grad=True) for k, v in {"x": x, "gamma": gamma, "beta": beta}.items()}
        fn = ref.spatial_batchnorm if spatial else ref.batchnorm
        out, new_mean, new_var = fn(t["x"], t["gamma"], t["beta"], as_tensor(running_mean), as_tensor(running_var),
                                    mode == "train", momentum, eps)
        dx, dgamma, dbeta = torch.autograd.grad(out, [t["x"], t["gamma"], t["beta"]], grad_outputs=as_tensor(dout))
        return as_numpy({"out": out, "new_running_mean": new_mean, "new_running_var": new_var,
                         "dx": dx, "dgamma": dgamma, "dbeta": dbeta})
    return oracle


def batchnorm_calls(prefix=""):
    return [call(f"{prefix}batchnorm_forward", "x", "gamma", "beta", "running_mean", "running_var", "mode",
                 "momentum", "eps", returns=("out", "new_running_mean", "new_running_var", "cache")),
            call(f"{prefix}batchnorm_backward", "dout", "cache", returns=("dx", "dgamma", "dbeta"))]


def batchnorm_checks(dx_points=1):
    return [Check("out", 1), Check("running_mean", 1, output="new_running_mean"),
            Check("running_var", 1, output="new_running_var"), Check("dx", dx_points), Check("dgamma", 1),
            Check("dbeta", 1)]


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
    return {"x": draw(S.arrays((N, C, H, W))), "dout": draw(S.arrays((N, C * H * W)))}


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


# -- the exercises --------------------------------------------------------------------------
# (relu comes first: tests/test_coverage.py draws the catalog's first exercise and reads its input "z".)

relu = exercise(
    "cnn.relu", "ReLU forward and backward",
    calls=[call("relu_forward", "z", returns=("out", "cache")), call("relu_backward", "dout", "cache", returns="dz")],
    inputs=relu_inputs(),
    oracle=lambda z, dout: forward_backward(ref.relu, {"z": z}, out="out", grads={"z": "dz"}, dout=dout),
    checks={"out": 1, "dz": 1},
    covers={"negative and positive z": lambda i: i["z"].min() < 0 < i["z"].max()},
)

conv_output_size = exercise(
    "cnn.conv_output_size", "conv output size H' = floor((H + 2P - HH)/S) + 1, against torch's shapes",
    calls=[call("conv_output_size", "H", "W", "HH", "WW", "stride", "pad", returns="size")],
    inputs=conv_size_inputs(), examples=CONV_SIZE_EXAMPLES,
    oracle=lambda **i: {"size": ref.conv_output_shape(**i)},
    checks={"size": 1},
    covers={"H != W": lambda i: i["H"] != i["W"], "HH != WW": lambda i: i["HH"] != i["WW"],
            "P = 0": lambda i: i["pad"] == 0, "P > 0": lambda i: i["pad"] > 0,
            "S does not divide H+2P-HH": lambda i: _stride_misfits(i["H"], i["pad"], i["HH"], i["stride"]),
            "S does not divide W+2P-WW": lambda i: _stride_misfits(i["W"], i["pad"], i["WW"], i["stride"])},
    max_examples=30,
)

conv_param_count = exercise(
    "cnn.conv_param_count", "conv parameter count, against nn.Conv2d's numel()",
    calls=[call("conv_param_count", "C_in", "C_out", "HH", "WW", returns="params")],
    inputs=st.fixed_dictionaries({"C_in": st.integers(1, 64), "C_out": st.integers(1, 64), "HH": st.integers(1, 7),
                                  "WW": st.integers(1, 7)}),
    examples=({"C_in": 3, "C_out": 16, "HH": 3, "WW": 3},),
    oracle=lambda **i: {"params": ref.conv_param_count(**i)},
    checks={"params": 1},
    covers={"C_in != C_out": lambda i: i["C_in"] != i["C_out"], "HH != WW": lambda i: i["HH"] != i["WW"],
            "C_in > 1": lambda i: i["C_in"] > 1},
    max_examples=30,
)

conv = exercise(
    "cnn.conv", "conv layer forward and backward (stride, zero padding, NCHW)",
    calls=[call("conv_forward", "x", "w", "b", "stride", "pad", returns=("out", "cache")),
           call("conv_backward", "dout", "cache", returns=("dx", "dw", "db"))],
    inputs=conv_inputs(), examples=(CONV_EXAMPLE,), oracle=conv_oracle,
    checks={"out": 2, "dx": 2, "dw": 2, "db": 1},
    covers=CONV_COVERS,
)

max_pool = exercise(
    "cnn.max_pool", "max pooling forward and backward",
    calls=[call("max_pool_forward", "x", "pool_height", "pool_width", "stride", returns=("out", "cache")),
           call("max_pool_backward", "dout", "cache", returns="dx")],
    inputs=pool_inputs(distinct=True), examples=(POOL_EXAMPLE, POOL_EXAMPLE_2X2), oracle=pool_oracle(ref.max_pool2d),
    checks={"out": 1, "dx": 2},
    covers={**POOL_COVERS, "distinct values": lambda i: len(np.unique(i["x"])) == i["x"].size},
)

avg_pool = exercise(
    "cnn.avg_pool", "average pooling forward and backward",
    calls=[call("avg_pool_forward", "x", "pool_height", "pool_width", "stride", returns=("out", "cache")),
           call("avg_pool_backward", "dout", "cache", returns="dx")],
    inputs=pool_inputs(distinct=False), examples=(POOL_EXAMPLE, POOL_EXAMPLE_2X2), oracle=pool_oracle(ref.avg_pool2d),
    checks={"out": 1, "dx": 1},
    covers=POOL_COVERS,
)

batchnorm_train = exercise(
    "cnn.batchnorm_train", "batch norm in training mode: batch statistics, running-statistics update, backward",
    calls=batchnorm_calls(), inputs=batchnorm_inputs("train"), oracle=batchnorm_oracle(spatial=False),
    checks=batchnorm_checks(dx_points=2), covers=BN_COVERS,
)

batchnorm_eval = exercise(
    "cnn.batchnorm_eval", "batch norm in evaluation mode: running statistics, backward",
    calls=batchnorm_calls(), inputs=batchnorm_inputs("eval"), oracle=batchnorm_oracle(spatial=False),
    checks=batchnorm_checks(), covers={**BN_COVERS, "running_var 1e-4": lambda i: (i["running_var"] == 1e-4).any()},
)

spatial_batchnorm = exercise(
    "cnn.spatial_batchnorm", "spatial batch norm (NCHW, statistics over N, H, W), training and evaluation",
    calls=batchnorm_calls("spatial_"), inputs=batchnorm_inputs(spatial=True), oracle=batchnorm_oracle(spatial=True),
    checks=batchnorm_checks(),
    covers={"train": lambda i: i["mode"] == "train", "eval": lambda i: i["mode"] == "eval",
            "N != C": lambda i: i["x"].shape[0] != i["x"].shape[1],
            "H != W": lambda i: i["x"].shape[2] != i["x"].shape[3],
            "a channel of scale 0.01": lambda i: (i["x"].std(axis=(0, 2, 3)) < 0.05).any()},
)

flatten = exercise(
    "cnn.flatten", "flatten forward and backward",
    calls=[call("flatten_forward", "x", returns=("out", "cache")), call("flatten_backward", "dout", "cache",
                                                                         returns="dx")],
    inputs=flatten_inputs(),
    oracle=lambda x, dout: forward_backward(ref.flatten, {"x": x}, out="out", grads={"x": "dx"}, dout=dout),
    checks={"out": 1, "dx": 1},
    covers={"C > 1 and H != W": lambda i: i["x"].shape[1] > 1 and i["x"].shape[2] != i["x"].shape[3]},
)

receptive_field = exercise(
    "cnn.receptive_field", "receptive field and jump of a layer stack (the seed's recursion corrected)",
    calls=[call("receptive_field", "layers", returns=("rf", "jump"))],
    inputs=rf_inputs, examples=RF_EXAMPLES,
    oracle=lambda layers: dict(zip(("rf", "jump"), ref.receptive_field(layers))),
    checks={"rf": 2, "jump": 1},
    covers={"a kernel > 1 after a stride > 1": lambda i: _literal_recursion_differs(i["layers"]),
            "a pooling layer": lambda i: any(kind == "pool" for kind, _, _ in i["layers"]),
            "3 or more layers": lambda i: len(i["layers"]) >= 3},
)

cifar_arithmetic = exercise(
    "cnn.cifar_arithmetic", "the seed's CIFAR CNN: parameters per layer, the equivalent MLP, the reduction, shapes",
    calls=[call("cifar_cnn_param_counts", returns=("layer_params", "total")),
           call("equivalent_mlp_param_count", returns="mlp_total"),
           call("cifar_parameter_reduction", returns="reduction"),
           call("cifar_cnn_shapes", "N", returns="shapes")],
    inputs=st.integers(2, 8).map(lambda n: {"N": n}),
    oracle=cifar_arithmetic_oracle,
    checks=[Check("layer_params", 1), Check("total", 1), Check("mlp_total", 1), Check("reduction", 1),
            Check("shapes", 1, judge=cifar_shapes_judge)],
    max_examples=3,
)

cifar_cnn = exercise(
    "cnn.cifar_cnn", "the seed's CIFAR CNN from your layers: forward, cross-entropy, backward, against torch.nn",
    calls=[call("cifar_cnn_forward", "x", "params", returns=("scores", "cache")),
           call("softmax_loss", "scores", "y", returns=("loss", "dscores")),
           call("cifar_cnn_backward", "dscores", "cache", returns="grads")],
    inputs=st.sampled_from(CIFAR_SEEDS).map(cifar_inputs), oracle=cifar_oracle,
    checks=[Check("scores", 2), Check("loss", 1)] + [Check(f"d{k}", 1, output=f"grads.{k}") for k in ref.CIFAR_PARAMS],
    max_examples=2, seconds=30.0,
)
