"""Realistic buggy MLP submissions: edits to solutions/mlp.py and the checks each must lose.

Every `fails` set was found by running the grader; `xfail` says why a set is not what the grader gives yet.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    id: str
    description: str
    edits: list[tuple[str, str]]
    fails: set[tuple[str, str]]
    xfail: str | None = None  # a grader-validity problem: why the grader disagrees with `fails`


TANH, SIGMOID, BCE, SOFTMAX, CE = "mlp.tanh", "mlp.sigmoid", "mlp.binary_cross_entropy", "mlp.softmax", "mlp.cross_entropy"
AFFINE, FORWARD, BACKWARD = "mlp.affine", "mlp.mlp_forward", "mlp.mlp_backward"
INIT, SGD, TRAIN = "mlp.init_params", "mlp.sgd_step", "mlp.train_mlp"
ALL_GRADS = {(BACKWARD, f"d{k}") for k in ("W1", "b1", "W2", "b2", "W3", "b3")}

BUGS = [
    # -- activations ----------------------------------------------------------------------
    Bug("tanh_exp2z", "tanh as (e^{2z}-1)/(e^{2z}+1): inf/inf = nan for z >= 355",
        [("    return np.tanh(z)\n", "    e = np.exp(2 * z)\n    return (e - 1) / (e + 1)\n")],
        {(TANH, "a")}),
    Bug("tanh_exp_z", "tanh as (e^z-e^-z)/(e^z+e^-z): nan for |z| >= 710",
        [("    return np.tanh(z)\n", "    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))\n")],
        {(TANH, "a")}),
    Bug("tanh_derivative_of_z", "tanh' as 1 - z**2 (treats z as if it were tanh(z))",
        [("    return 1.0 - t * t", "    return 1.0 - z ** 2")],
        {(TANH, "da_dz")}),
    Bug("sigmoid_naive", "sigmoid as e^z/(1+e^z): inf/inf = nan for z >= 710",
        [("    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow\n"
          "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "    return np.exp(z) / (1 + np.exp(z))")],
        {(SIGMOID, "s")}),
    # -- losses -----------------------------------------------------------------------------
    Bug("bce_sum", "BCE summed over the batch instead of averaged",
        [("-np.mean(y * np.log(a)", "-np.sum(y * np.log(a)")],
        {(BCE, "loss")}),
    Bug("bce_grad_no_1_over_m", "BCE gradient without 1/m (the seed's single-sample formula)",
        [("(a * (1.0 - a)) / a.shape[0]", "(a * (1.0 - a))")],
        {(BCE, "dL_da")}),
    Bug("bce_grad_sign", "BCE gradient with the sign flipped: (y - a) instead of (a - y)",
        [("return (a - y) / (a * (1.0 - a))", "return (y - a) / (a * (1.0 - a))")],
        {(BCE, "dL_da")}),
    Bug("bce_grad_wrt_logits", "dL/da written as (a - y)/m, which is dL/dz through the sigmoid",
        [("(a - y) / (a * (1.0 - a)) / a.shape[0]", "(a - y) / a.shape[0]")],
        {(BCE, "dL_da")}),
    Bug("softmax_no_shift", "softmax without subtracting the row maximum: exp overflows for logits >= 710",
        [("e = np.exp(z - z.max(axis=1, keepdims=True))", "e = np.exp(z)")],
        {(SOFTMAX, "p"), (CE, "dz")}),
    Bug("softmax_global_max", "softmax shifted by the global maximum: rows far below it underflow to 0/0",
        [("np.exp(z - z.max(axis=1, keepdims=True))", "np.exp(z - z.max())")],
        {(SOFTMAX, "p"), (CE, "dz")}),
    Bug("softmax_max_no_keepdims", "row max without keepdims: (m, C) - (m,) broadcasts wrongly or fails when m != C",
        [("np.exp(z - z.max(axis=1, keepdims=True))", "np.exp(z - z.max(axis=1))")],
        {(SOFTMAX, "p"), (CE, "dz"), (FORWARD, "P"), (FORWARD, "cache"), (TRAIN, "accuracy")}),
    Bug("softmax_columns", "softmax normalised over axis 0 (the column layout of the seed's maths)",
        [("np.exp(z - z.max(axis=1, keepdims=True))", "np.exp(z - z.max(axis=0, keepdims=True))"),
         ("return e / e.sum(axis=1, keepdims=True)", "return e / e.sum(axis=0, keepdims=True)")],
        {(SOFTMAX, "p"), (CE, "dz"), (FORWARD, "P"), (FORWARD, "cache"), (TRAIN, "accuracy")}),
    Bug("softmax_in_place", "softmax shifts its input in place (z -= max), corrupting the caller's logits",
        [("    e = np.exp(z - z.max(axis=1, keepdims=True))\n",
          "    z -= z.max(axis=1, keepdims=True)\n    e = np.exp(z)\n")],
        {(SOFTMAX, "p"), (CE, "dz"), (FORWARD, "cache")}),
    Bug("ce_log_of_softmax", "cross-entropy as log(softmax(z)): -inf once a logit gap exceeds 745",
        [("    shifted = z - z.max(axis=1, keepdims=True)\n"
          "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
          "    log_p = np.log(softmax(z))\n")],
        {(CE, "loss")}),
    Bug("ce_grad_no_1_over_m", "cross-entropy gradient P - Y without 1/m",
        [("    return d / m\n", "    return d\n")],
        {(CE, "dz")}),
    Bug("ce_grad_column_index", "one-hot subtraction as d[:, y] -= 1 (whole columns instead of one entry per row)",
        [("d[np.arange(m), y] -= 1.0", "d[:, y] -= 1.0")],
        {(CE, "dz")}),
    # -- affine layer -------------------------------------------------------------------------
    Bug("affine_forward_no_bias", "affine_forward returns x @ W and forgets + b",
        [("return x @ W + b, (x, W)", "return x @ W, (x, W)")],
        {(AFFINE, "out")}),
    Bug("affine_dx_no_transpose", "dx = dout @ W: shape error when n_in != n_out",
        [("return dout @ W.T,", "return dout @ W,")],
        {(AFFINE, "dx"), (AFFINE, "dW"), (AFFINE, "db")}),
    Bug("affine_dW_transposed", "dW = dout.T @ x: the transpose of the gradient",
        [("x.T @ dout, dout.sum", "dout.T @ x, dout.sum")],
        {(AFFINE, "dW")}),
    Bug("affine_db_first_row", "db = dout[0]: the first example's gradient only",
        [("dout.sum(axis=0)", "dout[0]")],
        {(AFFINE, "db")}),
    Bug("affine_db_mean", "db = dout.mean(axis=0): an extra 1/m",
        [("dout.sum(axis=0)", "dout.mean(axis=0)")],
        {(AFFINE, "db")}),
    Bug("affine_db_keepdims", "db summed with keepdims=True: shape (1, n_out) instead of (n_out,)",
        [("dout.sum(axis=0)", "dout.sum(axis=0, keepdims=True)")],
        {(AFFINE, "db")}),
    # -- forward pass -------------------------------------------------------------------------
    Bug("forward_no_b2", "the second layer forgets its bias",
        [('Z2 = A1 @ params["W2"] + params["b2"]', 'Z2 = A1 @ params["W2"]')],
        {(FORWARD, "P"), (FORWARD, "cache")}),
    Bug("forward_sigmoid", "the first hidden layer uses sigmoid instead of tanh",
        [("A1 = np.tanh(Z1)", "A1 = sigmoid(Z1)")],
        {(FORWARD, "P"), (FORWARD, "cache"), (TRAIN, "accuracy")}),
    Bug("forward_cache_Z_for_A", "the cache stores Z2 under \"A2\" (P itself is right)",
        [('"A2": A2,', '"A2": Z2,')],
        {(FORWARD, "cache"), (TRAIN, "accuracy")}),
    # -- backward pass ------------------------------------------------------------------------
    Bug("backward_no_1_over_m", "dZ3 = P - Y without 1/m",
        [("    dZ3 /= m\n", "")],
        ALL_GRADS | {(TRAIN, "accuracy")}),
    Bug("backward_Z2_for_A2", "tanh' at layer 2 as 1 - Z2**2 instead of 1 - A2**2",
        [('(1.0 - cache["A2"] ** 2)', '(1.0 - cache["Z2"] ** 2)')],
        {(BACKWARD, k) for k in ("dW2", "db2", "dW1", "db1")} | {(TRAIN, "accuracy")}),
    Bug("backward_no_tanh_derivative", "dZ1 forgets the tanh derivative of layer 1",
        [('dZ1 = (dZ2 @ params["W2"].T) * (1.0 - cache["A1"] ** 2)', 'dZ1 = dZ2 @ params["W2"].T')],
        {(BACKWARD, "dW1"), (BACKWARD, "db1")}),
    Bug("backward_tanh_derivative_of_A", "tanh' applied to the activation: tanh_derivative(A2) = 1 - tanh(A2)^2",
        [('(1.0 - cache["A2"] ** 2)', 'tanh_derivative(cache["A2"])')],
        {(BACKWARD, k) for k in ("dW2", "db2", "dW1", "db1")}),
    Bug("backward_dW1_from_A1", "dW1 = A1^T dZ1 instead of X^T dZ1",
        [('"W1": cache["X"].T @ dZ1', '"W1": cache["A1"].T @ dZ1')],
        {(BACKWARD, "dW1"), (TRAIN, "accuracy")}),
    Bug("backward_W2_no_transpose", "dZ1 from dZ2 @ W2 (not W2^T): shape error when n_1 != n_2",
        [('dZ1 = (dZ2 @ params["W2"].T)', 'dZ1 = (dZ2 @ params["W2"])')],
        ALL_GRADS),  # training still reaches 90%: there n_1 = n_2 = 32
    Bug("backward_db3_total_sum", "db3 = dZ3.sum(): a scalar, summed over classes too",
        [('"b3": dZ3.sum(axis=0)', '"b3": dZ3.sum()')],
        {(BACKWARD, "db3")}),
    Bug("backward_modifies_cache", "dZ3 = cache[\"P\"] without a copy: the one-hot subtraction corrupts the cache",
        [('dZ3 = cache["P"].copy()', 'dZ3 = cache["P"]')],
        ALL_GRADS),
    # -- initialisation -----------------------------------------------------------------------
    Bug("init_torch_layout", "W of shape (n_out, n_in), PyTorch's layout",
        [("rng.standard_normal((n_in, n_out))", "rng.standard_normal((n_out, n_in))")],
        {(INIT, "shapes"), (INIT, "distribution"), (TRAIN, "accuracy")}),
    Bug("init_glorot", "Xavier/Glorot std sqrt(2/(n_in+n_out)) instead of 1/sqrt(n_in)",
        [("/ np.sqrt(n_in)", "* np.sqrt(2.0 / (n_in + n_out))")],
        {(INIT, "distribution")}),
    Bug("init_he", "He std sqrt(2/n_in)",
        [("/ np.sqrt(n_in)", "* np.sqrt(2.0 / n_in)")],
        {(INIT, "distribution")}),
    Bug("init_fan_swap", "std 1/sqrt(n_out): fan-in and fan-out swapped",
        [("/ np.sqrt(n_in)", "/ np.sqrt(n_out)")],
        {(INIT, "distribution")}),
    Bug("init_variance_as_std", "N(0, 1/n_in) drawn with std 1/n_in (variance passed as the scale)",
        [("rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)", "rng.normal(0.0, 1.0 / n_in, (n_in, n_out))")],
        {(INIT, "distribution")}),
    Bug("init_uniform", "uniform draws U(+-sqrt(3/n_in)): the right variance, the wrong distribution",
        [("rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)",
          "rng.uniform(-np.sqrt(3.0 / n_in), np.sqrt(3.0 / n_in), (n_in, n_out))")],
        {(INIT, "distribution")}),
    Bug("init_nonzero_bias", "biases initialised to 0.01 instead of 0",
        [("np.zeros(n_out)", "np.full(n_out, 0.01)")],
        {(INIT, "shapes")}),
    # -- optimisation ---------------------------------------------------------------------------
    Bug("sgd_ascent", "theta + lr * grad: gradient ascent",
        [("value - lr * grads[name]", "value + lr * grads[name]")],
        {(SGD, "new_params"), (TRAIN, "accuracy")}),
    Bug("sgd_weights_only", "updates the weights but leaves the biases unchanged",
        [("value - lr * grads[name] for", 'value - lr * grads[name] if name.startswith("W") else value for')],
        {(SGD, "new_params")}),
    Bug("sgd_scales_grads_in_place", "sgd_step scales the caller's gradients in place (grads[name] *= lr)",
        [("    return {name: value - lr * grads[name] for name, value in params.items()}\n",
          "    for name in params:\n        grads[name] *= lr\n"
          "    return {name: value - grads[name] for name, value in params.items()}\n")],
        {(SGD, "new_params")}),
    Bug("train_discards_step", "train_mlp calls sgd_step without keeping its result (assumes it works in place)",
        [("params = sgd_step(params,", "sgd_step(params,")],
        {(TRAIN, "accuracy")}),
]
