"""Realistic buggy CNN submissions: edits to solutions/cnn.py and the checks each must lose.

Every `fails` set was found by running the grader and read for sense; `xfail` says why a set is not what the
grader gives yet.
"""
from conftest import Bug, annotated

RELU, SIZE, COUNT, CONV = "cnn.relu", "cnn.conv_output_size", "cnn.conv_param_count", "cnn.conv"
MAXPOOL, AVGPOOL, FLATTEN, RF = "cnn.max_pool", "cnn.avg_pool", "cnn.flatten", "cnn.receptive_field"
BN_TRAIN, BN_EVAL, SPATIAL = "cnn.batchnorm_train", "cnn.batchnorm_eval", "cnn.spatial_batchnorm"
ARITH, CIFAR = "cnn.cifar_arithmetic", "cnn.cifar_cnn"
BN_ALL = ("out", "running_mean", "running_var", "dx", "dgamma", "dbeta")


def cifar(*names):
    """Checks of the CIFAR CNN exercise: "scores", "loss" and the gradients "dW1", ..., "db4"."""
    return {(CIFAR, n) for n in names}


CIFAR_ALL = cifar("scores", "loss", "dW1", "db1", "dW2", "db2", "dW3", "db3", "dW4", "db4")
CIFAR_CONV_GRADS = cifar("dW1", "db1", "dW2", "db2")

BUGS = [
    # -- ReLU ---------------------------------------------------------------------------------
    Bug("relu_backward_of_dout", "ReLU backward applies ReLU to the upstream gradient: max(dout, 0)",
        [("    return dout * (cache > 0)\n", "    return np.maximum(dout, 0.0)\n")],
        {(RELU, "dz")} | cifar("dW1", "db1", "dW2", "db2", "dW3", "db3"),
        mistakes=('backward_of_dout',)),
    Bug("relu_in_place", "ReLU forward zeroes the negatives of its input in place and returns it",
        [("    return np.maximum(z, 0.0), z\n", "    z[z < 0] = 0.0\n    return z, z\n")],
        {(RELU, "out"), (RELU, "dz")}),
    # -- arithmetic -------------------------------------------------------------------------------
    Bug("output_size_ceil", "output size with a ceiling instead of the floor",
        [("    return (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1\n",
          "    return -(-(H + 2 * pad - HH) // stride) + 1, -(-(W + 2 * pad - WW) // stride) + 1\n")],
        {(SIZE, "size")},
        mistakes=('ceil',)),
    Bug("output_size_true_division", "output size with / instead of //: 3.5 rows",
        [("(H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1",
          "(H + 2 * pad - HH) / stride + 1, (W + 2 * pad - WW) / stride + 1")],
        {(SIZE, "size")}),  # the CIFAR shapes divide evenly: 32.0 == 32
    Bug("output_size_one_pad", "output size with P instead of 2P (padding on one side only)",
        [("(H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1",
          "(H + pad - HH) // stride + 1, (W + pad - WW) // stride + 1")],
        {(SIZE, "size"), (ARITH, "shapes")},
        mistakes=('one_side_padding',)),
    Bug("param_count_no_bias", "conv parameters without the biases",
        [("    return HH * WW * C_in * C_out + C_out\n", "    return HH * WW * C_in * C_out\n")],
        {(COUNT, "params"), (ARITH, "layer_params"), (ARITH, "total"), (ARITH, "reduction")},
        mistakes=('no_bias',)),
    Bug("param_count_bias_per_input_channel", "conv parameters with one bias per input channel",
        [("    return HH * WW * C_in * C_out + C_out\n", "    return HH * WW * C_in * C_out + C_in\n")],
        {(COUNT, "params"), (ARITH, "layer_params"), (ARITH, "total"), (ARITH, "reduction")},
        mistakes=('bias_per_input',)),
    # -- convolution ----------------------------------------------------------------------------
    Bug("conv_flipped_kernel", "true convolution: the kernel flipped in forward (the backward is the solution's)",
        [("    out = (w.reshape(F_, -1) @ cols", "    out = (w[:, :, ::-1, ::-1].reshape(F_, -1) @ cols")],
        {(CONV, "out")} | CIFAR_ALL,
        mistakes=('flipped_kernel',)),
    Bug("conv_flipped_kernel_consistent", "true convolution, forward and backward: the kernel flipped in both",
        [("    out = (w.reshape(F_, -1) @ cols", "    out = (w[:, :, ::-1, ::-1].reshape(F_, -1) @ cols"),
         ("    dw = (d @ cols.T).reshape(w.shape)\n", "    dw = (d @ cols.T).reshape(w.shape)[:, :, ::-1, ::-1]\n"),
         ("    dwin = (w.reshape(F_, -1).T @ d)", "    dwin = (w[:, :, ::-1, ::-1].reshape(F_, -1).T @ d)")],
        {(CONV, "out"), (CONV, "dx"), (CONV, "dw")} | CIFAR_ALL,
        mistakes=('flipped_kernel',)),
    Bug("conv_pad_one_side", "all 2P zeros of padding added before the image (top and left), none after",
        [("xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
          "xpad = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))")],
        {(CONV, "out"), (CONV, "dw")} | CIFAR_ALL,
        mistakes=('padding_on_one_side',)),  # dx does not depend on x: the backward's dx is right
    Bug("conv_backward_ignores_stride", "col2im scatters the window gradients with stride 1",
        [("dxpad = _scatter_windows(dwin, (C, N, H + 2 * pad, W + 2 * pad), stride)",
          "dxpad = _scatter_windows(dwin, (C, N, H + 2 * pad, W + 2 * pad), 1)")],
        {(CONV, "dx")}),  # the CIFAR CNN has stride 1
    Bug("conv_dw_seed_stride_one", "dW by the seed's stride-1 formula X[c, i + u, j + v] (not i*S + u)",
        [("    return np.ascontiguousarray(out), (x.shape, w, stride, pad, cols)\n",
          "    return np.ascontiguousarray(out), (x.shape, w, stride, pad, cols, xpad)\n"),
         ("    x_shape, w, stride, pad, cols = cache\n", "    x_shape, w, stride, pad, cols, xpad = cache\n"),
         ("    dw = (d @ cols.T).reshape(w.shape)\n",
          "    dw = np.einsum('nfij,ncijuv->fcuv', dout,\n"
          "                   sliding_window_view(xpad, (HH, WW), axis=(2, 3))[:, :, :Ho, :Wo])\n")],
        {(CONV, "dw")},
        mistakes=('dw_stride_one',)),
    Bug("conv_db_not_summed_over_batch", "db summed over H' and W' but not over the batch: shape (N, F)",
        [("    db = d.sum(axis=1)\n", "    db = dout.sum(axis=(2, 3))\n")],
        {(CONV, "db"), (CIFAR, "db1"), (CIFAR, "db2")}),
    Bug("conv_db_mean", "db as the mean of dout instead of the sum",
        [("    db = d.sum(axis=1)\n", "    db = d.mean(axis=1)\n")],
        {(CONV, "db"), (CIFAR, "db1"), (CIFAR, "db2")},
        mistakes=('db_mean',)),
    Bug("conv_dx_keeps_padding", "dx returned with its P-wide border of padding",
        [("    return dxpad[:, :, pad:pad + H, pad:pad + W], dw, db\n", "    return dxpad, dw, db\n")],
        {(CONV, "dx")} | CIFAR_ALL - cifar("scores", "loss")),  # the CIFAR backward fails on the shape
    Bug("conv_im2col_channel_last", "im2col columns ordered (HH, WW, C) while the weights are flattened (C, HH, WW)",
        [("windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)",
          "windows.transpose(4, 5, 1, 0, 2, 3).reshape(C * HH * WW, N * Ho * Wo)")],
        {(CONV, "out"), (CONV, "dw")} | CIFAR_ALL),
    # -- blind spots: a second forward pass, aliasing through a cache, precision -----------------------
    Bug("conv_global_cache", "conv_forward keeps its cache in a global, conv_backward reads the global",
        [("    return np.ascontiguousarray(out), (x.shape, w, stride, pad, cols)\n",
          "    global _LAST\n    _LAST = (x.shape, w, stride, pad, cols)\n    return np.ascontiguousarray(out), None\n"),
         ("    x_shape, w, stride, pad, cols = cache\n", "    x_shape, w, stride, pad, cols = _LAST\n")],
        {(CONV, "dw")} | CIFAR_ALL - cifar("scores", "loss"),
        mistakes=('second_batch',)),  # conv2's cache serves conv1's backward too
    Bug("conv_float32", "conv_forward multiplies in float32 and casts back",
        [("    out = (w.reshape(F_, -1) @ cols + b[:, None])",
          "    out = ((w.reshape(F_, -1).astype(np.float32) @ cols.astype(np.float32)).astype(np.float64) + b[:, None])")],
        {(CONV, "out")} | CIFAR_ALL - cifar("loss", "db2", "db4")),  # those stay within 1e-6 on the CIFAR inputs
    Bug("relu_mask_in_place", "relu_backward turns the cached z into its 0/1 mask in place: the cache is the "
        "caller's z, so the caller's array changes",
        [("    return dout * (cache > 0)\n", "    cache[cache > 0] = 1.0\n    cache[cache < 0] = 0.0\n    return dout * cache\n")],
        {(RELU, "dz")}),  # inside the CIFAR CNN the cache is an intermediate: the values stay right
    # -- pooling -------------------------------------------------------------------------------
    Bug("max_pool_grad_to_every_entry", "max-pool backward sends dout to every entry of the window",
        [("    is_max = _windows(x, ph, pw, stride) == out[..., None, None]",
          "    is_max = np.ones(out.shape + (ph, pw), dtype=bool)")],
        {(MAXPOOL, "dx")} | CIFAR_CONV_GRADS,
        mistakes=('grad_to_whole_window',)),
    Bug("max_pool_overwrites_overlaps", "naive max-pool backward assigns (=) each window's gradient: overlaps lost",
        [("    x, ph, pw, stride, out = cache\n"
          "    is_max = _windows(x, ph, pw, stride) == out[..., None, None]         # one True per window: no ties\n"
          "    return _scatter_windows(np.moveaxis(is_max * dout[..., None, None], (4, 5), (0, 1)), x.shape, stride)\n",
          "    x, ph, pw, stride, out = cache\n"
          "    dx = np.zeros_like(x)\n"
          "    for i in range(dout.shape[2]):\n"
          "        for j in range(dout.shape[3]):\n"
          "            rows, cols = slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw)\n"
          "            mask = x[:, :, rows, cols] == out[:, :, i, j][:, :, None, None]\n"
          "            dx[:, :, rows, cols] = mask * dout[:, :, i, j][:, :, None, None]\n"
          "    return dx\n")],
        {(MAXPOOL, "dx")}),  # the CIFAR CNN's 2x2 stride-2 windows do not overlap
    Bug("max_pool_stride_is_pool_size", "max-pool forward moves by the pool size, ignoring the stride",
        [("    out = _windows(x, pool_height, pool_width, stride).max(axis=(4, 5))",
          "    out = _windows(x, pool_height, pool_width, pool_height).max(axis=(4, 5))")],
        {(MAXPOOL, "out"), (MAXPOOL, "dx")}),
    Bug("max_pool_height_width_swapped", "windows taken pool_width high and pool_height wide",
        [("    out = _windows(x, pool_height, pool_width, stride).max(axis=(4, 5))\n"
          "    return out, (x, pool_height, pool_width, stride, out)",
          "    out = _windows(x, pool_width, pool_height, stride).max(axis=(4, 5))\n"
          "    return out, (x, pool_width, pool_height, stride, out)")],
        {(MAXPOOL, "out"), (MAXPOOL, "dx")}),
    Bug("avg_pool_backward_not_divided", "average-pool backward forgets the 1/(pool_height pool_width)",
        [("np.broadcast_to(dout / (ph * pw), ", "np.broadcast_to(dout, ")],
        {(AVGPOOL, "dx")},
        mistakes=('not_divided',)),
    # -- batch norm ------------------------------------------------------------------------------
    Bug("bn_unbiased_variance", "batch norm normalises with the unbiased variance (ddof=1)",
        [("    mu, var = x.mean(axis=0), x.var(axis=0)\n", "    mu, var = x.mean(axis=0), x.var(axis=0, ddof=1)\n")],
        {(BN_TRAIN, c) for c in ("out", "running_var", "dx", "dgamma")}
        | {(SPATIAL, c) for c in ("out", "running_var", "dx", "dgamma")},
        mistakes=('unbiased_variance',)),
    Bug("bn_running_var_biased", "running variance updated with the biased batch variance",
        [("    new_var = (1.0 - momentum) * running_var + momentum * var * m / (m - 1)\n",
          "    new_var = (1.0 - momentum) * running_var + momentum * var\n")],
        {(BN_TRAIN, "running_var"), (SPATIAL, "running_var")},
        mistakes=('running_var_biased',)),
    Bug("bn_momentum_cs231n", "running statistics with CS231n's convention: momentum * old + (1 - momentum) * new",
        [("        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n"
          "        new_var = (1.0 - momentum) * running_var + momentum * var * m / (m - 1)\n",
          "        new_mean = momentum * running_mean + (1.0 - momentum) * mu\n"
          "        new_var = momentum * running_var + (1.0 - momentum) * var * m / (m - 1)\n")],
        {(BN_TRAIN, "running_mean"), (BN_TRAIN, "running_var"), (SPATIAL, "running_mean"), (SPATIAL, "running_var")},
        mistakes=('momentum_swapped',)),
    Bug("bn_running_update_in_place", "running statistics updated in place (running_mean *= ...), CS231n's bn_param",
        [("        new_mean = (1.0 - momentum) * running_mean + momentum * mu\n"
          "        new_var = (1.0 - momentum) * running_var + momentum * var * m / (m - 1)\n",
          "        running_mean *= 1.0 - momentum\n        running_mean += momentum * mu\n"
          "        running_var *= 1.0 - momentum\n        running_var += momentum * var * m / (m - 1)\n"
          "        new_mean, new_var = running_mean, running_var\n")],
        {(BN_TRAIN, c) for c in BN_ALL} | {(SPATIAL, c) for c in BN_ALL}),
    Bug("bn_eval_uses_batch_statistics", "evaluation mode normalises with the batch's statistics",
        [("        mu, var = running_mean, running_var\n", "        mu, var = x.mean(axis=0), x.var(axis=0)\n")],
        {(BN_EVAL, c) for c in ("out", "dx", "dgamma")} | {(SPATIAL, c) for c in ("out", "dx", "dgamma")},
        mistakes=('eval_with_batch_statistics',)),
    Bug("bn_backward_constant_statistics", "training-mode dx as if mu and var were constants: gamma dout / std",
        [("        return gamma * inv_std / m * (m * dout - dbeta - xhat * dgamma), dgamma, dbeta\n",
          "        return gamma * inv_std * dout, dgamma, dbeta\n")],
        {(BN_TRAIN, "dx"), (SPATIAL, "dx")},
        mistakes=('constant_statistics',)),
    Bug("bn_backward_ignores_mode", "batch-norm backward always uses the training-mode formula, also in eval mode",
        [("    if mode == \"train\":\n        m = dout.shape[0]\n"
          "        return gamma * inv_std / m * (m * dout - dbeta - xhat * dgamma), dgamma, dbeta\n"
          "    return gamma * inv_std * dout, dgamma, dbeta\n",
          "    m = dout.shape[0]\n"
          "    return gamma * inv_std / m * (m * dout - dbeta - xhat * dgamma), dgamma, dbeta\n")],
        {(BN_EVAL, "dx"), (SPATIAL, "dx")}),
    Bug("bn_eval_updates_running_statistics", "evaluation mode still moves the running statistics toward the batch's",
        [("        new_mean, new_var = running_mean.copy(), running_var.copy()\n",
          "        m = x.shape[0]\n"
          "        new_mean = (1.0 - momentum) * running_mean + momentum * x.mean(axis=0)\n"
          "        new_var = (1.0 - momentum) * running_var + momentum * x.var(axis=0) * m / (m - 1)\n")],
        {(BN_EVAL, "running_mean"), (BN_EVAL, "running_var"), (SPATIAL, "running_mean"), (SPATIAL, "running_var")}),
    Bug("bn_eps_outside_sqrt", "1 / (sqrt(var) + eps) instead of 1 / sqrt(var + eps)",
        [("    inv_std = 1.0 / np.sqrt(var + eps)\n", "    inv_std = 1.0 / (np.sqrt(var) + eps)\n")],
        {(BN_TRAIN, c) for c in ("out", "dx", "dgamma")} | {(BN_EVAL, c) for c in ("out", "dx", "dgamma")}
        | {(SPATIAL, c) for c in ("out", "dx", "dgamma")},
        mistakes=('eps_outside_sqrt',)),
    Bug("spatial_bn_no_transpose", "spatial batch norm reshapes NCHW to (-1, C) without moving C last",
        [("batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C)", "batchnorm_forward(x.reshape(-1, C)")],
        {(SPATIAL, c) for c in ("out", "running_mean", "running_var", "dx", "dgamma")}),
    # -- flatten ---------------------------------------------------------------------------------
    Bug("flatten_channels_last", "flatten in NHWC order (TensorFlow's), not NCHW's C order",
        [("    return x.reshape(x.shape[0], -1), x.shape\n",
          "    return x.transpose(0, 2, 3, 1).reshape(x.shape[0], -1), x.shape\n")],
        {(FLATTEN, "out")} | CIFAR_ALL,
        mistakes=('channels_last',)),
    # -- receptive field ---------------------------------------------------------------------------
    Bug("rf_seed_literal_recursion", "the seed's recursion: a layer's kernel spread by its own stride too",
        [("        rf += (k - 1) * jump\n        jump *= s\n", "        jump *= s\n        rf += (k - 1) * jump\n")],
        {(RF, "rf")},
        mistakes=('literal_recursion',)),
    Bug("rf_jump_from_last_stride", "the jump taken as the last layer's stride, not the product of all strides",
        [("        jump *= s\n", "        jump = s\n")],
        {(RF, "rf"), (RF, "jump")},
        mistakes=('jump_is_last_stride',)),
    # -- the CIFAR CNN -------------------------------------------------------------------------------
    Bug("cifar_reduction_over_cnn", "the reduction divided by the CNN's count: the seed's 53%",
        [("    return 100.0 * (mlp - cnn) / mlp\n", "    return 100.0 * (mlp - cnn) / cnn\n")],
        {(ARITH, "reduction")},
        mistakes=('reduction_over_cnn',)),
    Bug("cifar_mlp_one_hidden_layer", "the equivalent MLP with one hidden layer, 3072 -> 128 -> 10",
        [("[(3 * 32 * 32, 128), (128, 128), (128, 10)]", "[(3 * 32 * 32, 128), (128, 10)]")],
        {(ARITH, "mlp_total"), (ARITH, "reduction")},
        mistakes=('mlp_one_hidden_layer',)),
    Bug("cifar_mlp_pixels_not_values", "the MLP's input counted as 32 x 32 pixels, not 3072 values",
        [("[(3 * 32 * 32, 128), (128, 128), (128, 10)]", "[(32 * 32, 128), (128, 128), (128, 10)]")],
        {(ARITH, "mlp_total"), (ARITH, "reduction")},
        mistakes=('mlp_pixels',)),
    Bug("cifar_shapes_without_relu", "the list of shapes leaves out the ReLU layers",
        [("        shapes += [(N, channels, H, W)] * 2\n", "        shapes.append((N, channels, H, W))\n")],
        {(ARITH, "shapes")}),
    Bug("cifar_backward_skips_relu3", "backward through fc1 without the ReLU mask of the hidden layer",
        [("affine_backward(relu_backward(d, relu3), fc1)", "affine_backward(d, fc1)")],
        cifar("dW1", "db1", "dW2", "db2", "dW3", "db3")),
    Bug("cifar_backward_relu_mask_from_wrong_layer", "conv2's ReLU backward reads relu1's cache: a copy-paste slip "
        "that raises on the shapes, so the backward returns no gradient at all",
        [("    d = relu_backward(max_pool_backward(flatten_backward(d, flat), pool2), relu2)\n",
          "    d = relu_backward(max_pool_backward(flatten_backward(d, flat), pool2), relu1)\n")],
        CIFAR_ALL - cifar("scores", "loss")),
]

# The feedback each bug gets beyond its checks (tests/test_feedback.py): the mistakes above, and the length of the
# input its first failing check shows, at most 3 along every free axis but for these.
INPUT_AXIS = {  # bugs whose first failing check shows an input longer than 3 along a free axis
    'cifar_backward_skips_relu3': 2048,
    'cifar_backward_relu_mask_from_wrong_layer': 2048,
}
BUGS = annotated(BUGS, {}, INPUT_AXIS)
