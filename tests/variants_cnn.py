"""Correct alternative implementations of solutions/cnn.py, written in the styles real students use.

Each variant is a list of (old, new) edits for `conftest.mutate`; every `old` is the solution region of one
function of solutions/cnn.py (found by `region`, so the variants follow the solution's bodies). All of them
are correct float64 code and must earn full marks (tests/test_correct_variants.py); the list follows
../shared/INPUT-COVERAGE.md, "Correct variants that must earn full marks": loops vs einsum vs im2col,
max-pool backward by argmax, batch norm by the long chain rule, ReLU grad `>= 0` vs `> 0`, ReLU and
max-pool swapped in the CIFAR CNN.
"""
import textwrap

from conftest import solution_source

SOURCE = solution_source("cnn")


def region(function: str) -> str:
    """The text between `### BEGIN SOLUTION` and `### END SOLUTION` in `function` of solutions/cnn.py."""
    start = SOURCE.index(f"\ndef {function}(")
    begin = SOURCE.index("    ### BEGIN SOLUTION\n", start) + len("    ### BEGIN SOLUTION\n")
    return SOURCE[begin:SOURCE.index("    ### END SOLUTION\n", begin)]


def body(code: str) -> str:
    """A function body: dedented code, indented by four spaces, ending in a newline."""
    return textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", "    ")


def replace(function: str, code: str) -> tuple[str, str]:
    return region(function), body(code)


VARIANTS: dict[str, list[tuple[str, str]]] = {
    # CS231n's "naive" layers: Python loops over every output position (and sample and filter).
    "naive_loops": [
        replace("conv_forward", """
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            H_out = 1 + (H + 2 * pad - HH) // stride
            W_out = 1 + (W + 2 * pad - WW) // stride
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
            out = np.zeros((N, F, H_out, W_out))
            for n in range(N):
                for f in range(F):
                    for i in range(H_out):
                        for j in range(W_out):
                            window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                            out[n, f, i, j] = np.sum(window * w[f]) + b[f]
            return out, (x, w, b, stride, pad)
        """),
        replace("conv_backward", """
            x, w, b, stride, pad = cache
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            _, _, H_out, W_out = dout.shape
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
            dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros_like(b)
            for n in range(N):
                for f in range(F):
                    db[f] += np.sum(dout[n, f])
                    for i in range(H_out):
                        for j in range(W_out):
                            hs, ws = i * stride, j * stride
                            dw[f] += xp[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                            dxp[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
            return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
        """),
        replace("max_pool_forward", """
            N, C, H, W = x.shape
            H_out = 1 + (H - pool_height) // stride
            W_out = 1 + (W - pool_width) // stride
            out = np.zeros((N, C, H_out, W_out))
            for i in range(H_out):
                for j in range(W_out):
                    window = x[:, :, i * stride:i * stride + pool_height, j * stride:j * stride + pool_width]
                    out[:, :, i, j] = np.max(window, axis=(2, 3))
            return out, (x, pool_height, pool_width, stride)
        """),
        replace("max_pool_backward", """
            x, ph, pw, stride = cache
            N, C, H_out, W_out = dout.shape
            dx = np.zeros_like(x)
            for n in range(N):
                for c in range(C):
                    for i in range(H_out):
                        for j in range(W_out):
                            window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                            r, s = np.unravel_index(np.argmax(window), window.shape)
                            dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
            return dx
        """),
        replace("avg_pool_forward", """
            N, C, H, W = x.shape
            H_out = 1 + (H - pool_height) // stride
            W_out = 1 + (W - pool_width) // stride
            out = np.zeros((N, C, H_out, W_out))
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    out[:, :, i, j] = x[:, :, hs:hs + pool_height, ws:ws + pool_width].mean(axis=(2, 3))
            return out, (x, pool_height, pool_width, stride)
        """),
        replace("avg_pool_backward", """
            x, ph, pw, stride = cache
            dx = np.zeros_like(x)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    hs, ws = i * stride, j * stride
                    dx[:, :, hs:hs + ph, ws:ws + pw] += dout[:, :, i, j][:, :, None, None] / (ph * pw)
            return dx
        """),
    ],
    # Loops over output positions only, each a tensordot over (C, HH, WW) for the whole batch.
    "position_loops_tensordot": [
        replace("conv_forward", """
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
            Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
            out = np.empty((N, F, Ho, Wo))
            for i in range(Ho):
                for j in range(Wo):
                    patch = xp[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
            out += b.reshape(1, F, 1, 1)
            return out, {"xp": xp, "w": w, "stride": stride, "pad": pad}
        """),
        replace("conv_backward", """
            xp, w, stride, pad = cache["xp"], cache["w"], cache["stride"], cache["pad"]
            F, C, HH, WW = w.shape
            N, _, Ho, Wo = dout.shape
            dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
            for i in range(Ho):
                for j in range(Wo):
                    sl = (slice(None), slice(None), slice(i * stride, i * stride + HH),
                          slice(j * stride, j * stride + WW))
                    dw += np.tensordot(dout[:, :, i, j], xp[sl], axes=([0], [0]))
                    dxp[sl] += np.tensordot(dout[:, :, i, j], w, axes=([1], [0]))
            H, W = xp.shape[2] - 2 * pad, xp.shape[3] - 2 * pad
            return dxp[:, :, pad:pad + H, pad:pad + W], dw, dout.sum(axis=(0, 2, 3))
        """),
    ],
    # einsum on the window view (no im2col matrix); dx by one einsum per kernel offset.
    "einsum_windows": [
        replace("conv_forward", """
            xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
            out = np.einsum("nchwij,fcij->nfhw", win, w, optimize=True) + b[None, :, None, None]
            return out, (xp, w, stride, pad)
        """),
        replace("conv_backward", """
            xp, w, stride, pad = cache
            F, C, HH, WW = w.shape
            Ho, Wo = dout.shape[2:]
            win = sliding_window_view(xp, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
            dw = np.einsum("nfhw,nchwij->fcij", dout, win, optimize=True)
            dxp = np.zeros_like(xp)
            for i in range(HH):
                for j in range(WW):
                    dxp[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride] += np.einsum("nfhw,fc->nchw", dout,
                                                                                               w[:, :, i, j])
            H, W = xp.shape[2] - 2 * pad, xp.shape[3] - 2 * pad
            return dxp[:, :, pad:pad + H, pad:pad + W], dw, np.einsum("nfhw->f", dout)
        """),
    ],
    # im2col by hand with as_strided, the (C*HH*WW, N*H'*W') layout of CS231n's fast layers;
    # dx as a transposed convolution: dout dilated by the stride, correlated with the flipped kernel.
    "as_strided_im2col_transposed_conv": [
        replace("conv_forward", """
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            xp = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))))
            Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
            sN, sC, sH, sW = xp.strides
            patches = np.lib.stride_tricks.as_strided(
                xp, shape=(C, HH, WW, N, Ho, Wo), strides=(sC, sH, sW, sN, stride * sH, stride * sW))
            x_cols = patches.reshape(C * HH * WW, N * Ho * Wo)
            res = w.reshape(F, -1) @ x_cols + b.reshape(-1, 1)
            out = res.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3)
            return out, (x, w, stride, pad, x_cols)
        """),
        replace("conv_backward", """
            x, w, stride, pad, x_cols = cache
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            _, _, Ho, Wo = dout.shape
            d = dout.transpose(1, 0, 2, 3).reshape(F, -1)
            dw = (d @ x_cols.T).reshape(w.shape)
            db = d.sum(axis=1)
            dil = np.zeros((N, F, (Ho - 1) * stride + 1, (Wo - 1) * stride + 1))
            dil[:, :, ::stride, ::stride] = dout
            dil = np.pad(dil, ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
            full = sliding_window_view(dil, (HH, WW), axis=(2, 3))
            reached = np.einsum("nfhwij,fcij->nchw", full, w[:, :, ::-1, ::-1])
            dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
            dxp[:, :, :reached.shape[2], :reached.shape[3]] = reached  # rows no window reached get 0
            return dxp[:, :, pad:pad + H, pad:pad + W], dw, db
        """),
    ],
    # Max-pool backward by the flat argmax of each window and np.add.at; avg pool by np.kron-free broadcasting.
    "argmax_add_at": [
        replace("max_pool_backward", """
            x, ph, pw, stride, out = cache
            N, C, H, W = x.shape
            Ho, Wo = out.shape[2:]
            win = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::stride, ::stride].reshape(N, C, Ho, Wo, -1)
            k = np.argmax(win, axis=-1)
            rows = np.arange(Ho)[:, None] * stride + k // pw
            cols = np.arange(Wo)[None, :] * stride + k % pw
            n = np.arange(N)[:, None, None, None]
            c = np.arange(C)[None, :, None, None]
            dx = np.zeros_like(x)
            np.add.at(dx, (n, c, rows, cols), dout)
            return dx
        """),
        replace("avg_pool_backward", """
            shape, ph, pw, stride = cache
            dx = np.zeros(shape)
            Ho, Wo = dout.shape[2:]
            for p in range(ph):
                for q in range(pw):
                    dx[:, :, p:p + (Ho - 1) * stride + 1:stride, q:q + (Wo - 1) * stride + 1:stride] += dout
            return dx / (ph * pw)
        """),
    ],
    # Batch norm as CS231n's staged computation graph, backpropagated node by node (the long chain rule);
    # eval mode hands back the very arrays it was given (unchanged).
    "batchnorm_chain_rule": [
        replace("batchnorm_forward", """
            if mode == "train":
                m = x.shape[0]
                mu = np.sum(x, axis=0) / m
                xmu = x - mu
                sq = xmu ** 2
                var = np.sum(sq, axis=0) / m
                sqrtvar = np.sqrt(var + eps)
                ivar = 1.0 / sqrtvar
                xhat = xmu * ivar
                out = gamma * xhat + beta
                new_mean = momentum * mu + (1 - momentum) * running_mean
                new_var = momentum * (np.sum(sq, axis=0) / (m - 1)) + (1 - momentum) * running_var
                return out, new_mean, new_var, ("train", xhat, gamma, xmu, ivar, sqrtvar, var, eps)
            xhat = (x - running_mean) / np.sqrt(running_var + eps)
            return gamma * xhat + beta, running_mean, running_var, ("eval", xhat, gamma, running_var, eps)
        """),
        replace("batchnorm_backward", """
            dbeta = np.sum(dout, axis=0)
            if cache[0] == "eval":
                _, xhat, gamma, running_var, eps = cache
                return dout * gamma / np.sqrt(running_var + eps), np.sum(dout * xhat, axis=0), dbeta
            _, xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
            m = dout.shape[0]
            dgamma = np.sum(dout * xhat, axis=0)
            dxhat = dout * gamma
            divar = np.sum(dxhat * xmu, axis=0)
            dxmu1 = dxhat * ivar
            dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
            dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
            dsq = 1.0 / m * np.ones_like(dout) * dvar
            dxmu2 = 2 * xmu * dsq
            dx1 = dxmu1 + dxmu2
            dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
            dx2 = 1.0 / m * np.ones_like(dout) * dmu
            return dx1 + dx2, dgamma, dbeta
        """),
    ],
    # Spatial batch norm on the 4-D array directly (axis=(0, 2, 3), broadcasting), no reshape.
    "spatial_batchnorm_axes": [
        replace("spatial_batchnorm_forward", """
            axes = (0, 2, 3)
            if mode == "train":
                m = x.shape[0] * x.shape[2] * x.shape[3]
                mu, var = x.mean(axis=axes), x.var(axis=axes)
                new_mean = running_mean + momentum * (mu - running_mean)
                new_var = running_var + momentum * (var * m / (m - 1) - running_var)
            else:
                mu, var = running_mean, running_var
                new_mean, new_var = running_mean.copy(), running_var.copy()
            c = lambda v: v[None, :, None, None]
            xhat = (x - c(mu)) / c(np.sqrt(var + eps))
            return c(gamma) * xhat + c(beta), new_mean, new_var, (mode, xhat, gamma, var + eps)
        """),
        replace("spatial_batchnorm_backward", """
            mode, xhat, gamma, var_eps = cache
            axes = (0, 2, 3)
            c = lambda v: v[None, :, None, None]
            dbeta, dgamma = dout.sum(axis=axes), (dout * xhat).sum(axis=axes)
            dxhat = dout * c(gamma)
            if mode == "eval":
                return dxhat / c(np.sqrt(var_eps)), dgamma, dbeta
            dx = (dxhat - c(dxhat.mean(axis=axes)) - xhat * c((dxhat * xhat).mean(axis=axes))) / c(np.sqrt(var_eps))
            return dx, dgamma, dbeta
        """),
    ],
    # ReLU written with masks: forward by z * (z > 0), backward with `z >= 0` (equal away from 0, which the
    # grader never draws); in the CIFAR CNN, max-pool before ReLU (they commute).
    "relu_masks_pool_first": [
        replace("relu_forward", """
            mask = z > 0
            return z * mask, mask
        """),
        replace("relu_backward", """
            return np.where(cache, dout, 0.0)
        """),
        replace("cifar_cnn_forward", """
            caches = []
            h = x
            for conv in (1, 2):
                h, c1 = conv_forward(h, params[f"W{conv}"], params[f"b{conv}"], 1, 1)
                h, c2 = max_pool_forward(h, 2, 2, 2)
                h, c3 = relu_forward(h)
                caches.append((c1, c2, c3))
            h, flat = flatten_forward(h)
            h, fc1 = affine_forward(h, params["W3"], params["b3"])
            h, relu3 = relu_forward(h)
            scores, fc2 = affine_forward(h, params["W4"], params["b4"])
            return scores, (caches, flat, fc1, relu3, fc2)
        """),
        replace("cifar_cnn_backward", """
            caches, flat, fc1, relu3, fc2 = cache
            grads = {}
            d, grads["W4"], grads["b4"] = affine_backward(dscores, fc2)
            d, grads["W3"], grads["b3"] = affine_backward(relu_backward(d, relu3), fc1)
            d = flatten_backward(d, flat)
            for conv in (2, 1):
                c1, c2, c3 = caches[conv - 1]
                d = max_pool_backward(relu_backward(d, c3), c2)
                d, grads[f"W{conv}"], grads[f"b{conv}"] = conv_backward(d, c1)
            return grads
        """),
    ],
    # The ReLU gradient as dout copied and zeroed where z < 0 (z >= 0 passes), the CS231n idiom.
    "relu_copy_zero": [
        replace("relu_forward", """
            out = z.copy()
            out[out < 0] = 0
            return out, z
        """),
        replace("relu_backward", """
            dz = dout.copy()
            dz[cache < 0] = 0
            return dz
        """),
    ],
    # The receptive field from the other end: the input size that one output unit needs, layer by layer back.
    "receptive_field_backwards": [
        ("import numpy as np\n", "import math\n\nimport numpy as np\n"),
        replace("receptive_field", """
            size = 1
            for _, k, s in reversed(layers):
                size = (size - 1) * s + k
            return size, math.prod(s for _, _, s in layers)
        """),
    ],
    # The arithmetic written differently: floor by np.floor, counts per filter, the reduction as 1 - ratio,
    # shapes by running the student's own layers on zeros.
    "arithmetic_styles": [
        replace("conv_output_size", """
            H_out = int(np.floor((H - HH + 2 * pad) / stride)) + 1
            W_out = int(np.floor((W - WW + 2 * pad) / stride)) + 1
            return H_out, W_out
        """),
        replace("conv_param_count", """
            return (C_in * HH * WW + 1) * C_out
        """),
        replace("equivalent_mlp_param_count", """
            sizes = [3072, 128, 128, 10]
            total = 0
            for i in range(len(sizes) - 1):
                total += sizes[i] * sizes[i + 1] + sizes[i + 1]
            return total
        """),
        replace("cifar_parameter_reduction", """
            return float((1 - cifar_cnn_param_counts()[1] / equivalent_mlp_param_count()) * 100)
        """),
        replace("cifar_cnn_shapes", """
            params = {"W1": np.zeros((16, 3, 3, 3)), "b1": np.zeros(16), "W2": np.zeros((32, 16, 3, 3)),
                      "b2": np.zeros(32), "W3": np.zeros((2048, 128)), "b3": np.zeros(128),
                      "W4": np.zeros((128, 10)), "b4": np.zeros(10)}
            _, cache = cifar_cnn_forward(np.zeros((N, 3, 32, 32)), params)
            conv1, relu1, pool1, conv2, relu2, pool2, flat, fc1, relu3, fc2 = cache
            shapes = [relu1.shape, relu1.shape, conv2[0], relu2.shape, relu2.shape, flat]
            return [tuple(int(v) for v in s) for s in shapes] + [fc1[0].shape, relu3.shape, relu3.shape, (N, 10)]
        """),
    ],
}
