"""Correct alternative implementations of solutions/mlp.py, written in the styles real students use.

Each variant is a list of (old, new) edits for `conftest.mutate`; every `old` is a function body of
the reference solution and occurs there exactly once. All of them are correct float64 code and must
earn full marks (tests/test_correct_variants.py); the list follows ../shared/INPUT-COVERAGE.md,
"Correct variants that must earn full marks".
"""
import textwrap


def body(code: str) -> str:
    """A function body: dedented code, indented by four spaces, ending in a newline."""
    return textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", "    ")


# -- the bodies of solutions/mlp.py that the variants replace ----------------------------------

IMPORTS = "import numpy as np\n"
TANH = body("return np.tanh(z)")
TANH_DERIVATIVE = body("""
    t = np.tanh(z)
    return 1.0 - t * t
""")
SIGMOID = body("""
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
""")
BCE = body("return float(-np.mean(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)))")
BCE_GRAD = body("return (a - y) / (a * (1.0 - a)) / a.shape[0]")
SOFTMAX = body("""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
""")
CROSS_ENTROPY = body("""
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(z.shape[0]), y].mean())
""")
CROSS_ENTROPY_GRAD = body("""
    m = z.shape[0]
    d = softmax(z)
    d[np.arange(m), y] -= 1.0
    return d / m
""")
AFFINE_FORWARD = body("return x @ W + b, (x, W)")
AFFINE_BACKWARD = body("""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
""")
INIT_PARAMS = body("""
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        params[f"b{l}"] = np.zeros(n_out)
    return params
""")
MLP_FORWARD = body("""
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = np.tanh(Z2)
    Z3 = A2 @ params["W3"] + params["b3"]
    P = softmax(Z3)
    return P, {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "Z3": Z3, "P": P}
""")
MLP_BACKWARD = body("""
    m = y.shape[0]
    dZ3 = cache["P"].copy()
    dZ3[np.arange(m), y] -= 1.0
    dZ3 /= m
    dZ2 = (dZ3 @ params["W3"].T) * (1.0 - cache["A2"] ** 2)
    dZ1 = (dZ2 @ params["W2"].T) * (1.0 - cache["A1"] ** 2)
    return {
        "W3": cache["A2"].T @ dZ3, "b3": dZ3.sum(axis=0),
        "W2": cache["A1"].T @ dZ2, "b2": dZ2.sum(axis=0),
        "W1": cache["X"].T @ dZ1, "b1": dZ1.sum(axis=0),
    }
""")
SGD_STEP = body("return {name: value - lr * grads[name] for name, value in params.items()}")
TRAIN_MLP = body("""
    params = init_params(layer_sizes, seed)
    for _ in range(epochs):
        _, cache = mlp_forward(X, params)
        params = sgd_step(params, mlp_backward(y, params, cache), lr)
    return params
""")

# -- the variants ------------------------------------------------------------------------------

VARIANTS: dict[str, list[tuple[str, str]]] = {
    # Python loops over rows (and over entries for the matrix product); plain Python floats returned.
    "row_loops": [
        (SOFTMAX, body("""
            p = np.empty_like(z)
            for i in range(z.shape[0]):
                e = np.exp(z[i] - np.max(z[i]))
                p[i] = e / np.sum(e)
            return p
        """)),
        (CROSS_ENTROPY, body("""
            total = 0.0
            for i in range(z.shape[0]):
                row = z[i] - np.max(z[i])
                total += np.log(np.sum(np.exp(row))) - row[y[i]]
            return total / z.shape[0]
        """)),
        (CROSS_ENTROPY_GRAD, body("""
            m = z.shape[0]
            d = np.zeros_like(z)
            for i in range(m):
                e = np.exp(z[i] - z[i].max())
                d[i] = e / e.sum()
                d[i, y[i]] -= 1
            return d / m
        """)),
        (BCE, body("""
            total = 0.0
            for ai, yi in zip(a, y):
                total += yi * np.log(ai) + (1 - yi) * np.log(1 - ai)
            return -total / len(a)
        """)),
        (BCE_GRAD, body("return np.array([(ai - yi) / (ai * (1 - ai)) / len(a) for ai, yi in zip(a, y)])")),
        (AFFINE_FORWARD, body("""
            m, n_in, n_out = x.shape[0], W.shape[0], W.shape[1]
            out = np.zeros((m, n_out))
            for i in range(m):
                for j in range(n_out):
                    out[i, j] = sum(x[i, k] * W[k, j] for k in range(n_in)) + b[j]
            return out, (x, W, b)
        """)),
        (AFFINE_BACKWARD, body("""
            x, W, b = cache
            dx, dW, db = np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)
            for i in range(x.shape[0]):
                dx[i] = W @ dout[i]
                dW += np.outer(x[i], dout[i])
                db += dout[i]
            return dx, dW, db
        """)),
    ],
    # Entry by entry with the math module; the sigmoid takes the branch that cannot overflow.
    "entry_loops_math": [
        (IMPORTS, "import math\n\nimport numpy as np\n"),
        (TANH, body("""
            out = np.empty(z.shape)
            for idx in np.ndindex(z.shape):
                out[idx] = math.tanh(z[idx])
            return out
        """)),
        (TANH_DERIVATIVE, body("""
            out = np.empty(z.shape)
            for idx, v in np.ndenumerate(z):
                out[idx] = 1 - math.tanh(v) ** 2
            return out
        """)),
        (SIGMOID, body("""
            out = np.empty(z.shape)
            for idx, v in np.ndenumerate(z):
                if v >= 0:
                    out[idx] = 1 / (1 + math.exp(-v))
                else:
                    out[idx] = math.exp(v) / (1 + math.exp(v))
            return out
        """)),
    ],
    "einsum": [
        (AFFINE_FORWARD, body('return np.einsum("mi,io->mo", x, W) + b, (x, W)')),
        (AFFINE_BACKWARD, body("""
            x, W = cache
            return np.einsum("mo,io->mi", dout, W), np.einsum("mi,mo->io", x, dout), np.einsum("mo->o", dout)
        """)),
        (MLP_FORWARD, body("""
            Z1 = np.einsum("mi,ij->mj", X, params["W1"]) + params["b1"]
            A1 = np.tanh(Z1)
            Z2 = np.einsum("mi,ij->mj", A1, params["W2"]) + params["b2"]
            A2 = np.tanh(Z2)
            Z3 = np.einsum("mi,ij->mj", A2, params["W3"]) + params["b3"]
            P = softmax(Z3)
            return P, {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "Z3": Z3, "P": P}
        """)),
        (MLP_BACKWARD, body("""
            m = y.shape[0]
            dZ3 = (cache["P"] - np.eye(cache["P"].shape[1])[y]) / m
            dZ2 = np.einsum("mc,jc->mj", dZ3, params["W3"]) * (1 - cache["A2"] ** 2)
            dZ1 = np.einsum("mj,ij->mi", dZ2, params["W2"]) * (1 - cache["A1"] ** 2)
            grads = {}
            for l, (A, dZ) in enumerate([(cache["X"], dZ1), (cache["A1"], dZ2), (cache["A2"], dZ3)], start=1):
                grads[f"W{l}"] = np.einsum("mi,mj->ij", A, dZ)
                grads[f"b{l}"] = np.einsum("mj->j", dZ)
            return grads
        """)),
    ],
    # softmax = exp(z - logsumexp(z)); the loss is logsumexp minus the label's logit.
    "logsumexp": [
        (SOFTMAX, body("""
            mx = z.max(axis=1, keepdims=True)
            lse = mx + np.log(np.sum(np.exp(z - mx), axis=1, keepdims=True))
            return np.exp(z - lse)
        """)),
        (CROSS_ENTROPY, body("""
            mx = np.max(z, axis=1)
            lse = mx + np.log(np.sum(np.exp(z - mx[:, None]), axis=1))
            return np.mean(lse - z[np.arange(len(y)), y])
        """)),
        (CROSS_ENTROPY_GRAD, body("""
            m = len(y)
            mx = np.max(z, axis=1, keepdims=True)
            p = np.exp(z - mx - np.log(np.sum(np.exp(z - mx), axis=1, keepdims=True)))
            p[np.arange(m), y] -= 1
            return p / m
        """)),
    ],
    # Broadcasting through transposes instead of keepdims, as many tutorials do.
    "transposed_broadcast": [
        (SOFTMAX, body("""
            e = np.exp((z.T - np.max(z, axis=1)).T)
            return (e.T / np.sum(e, axis=1)).T
        """)),
        (AFFINE_BACKWARD, body("""
            x, W = cache
            return (W @ dout.T).T, (dout.T @ x).T, np.sum(dout, axis=0, keepdims=True)[0]
        """)),
    ],
    "clip_sigmoid": [
        (SIGMOID, body("return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))")),
    ],
    "mask_sigmoid": [
        (SIGMOID, body("""
            out = np.zeros_like(z, dtype=float)
            pos = z >= 0
            out[pos] = 1 / (1 + np.exp(-z[pos]))
            ez = np.exp(z[~pos])
            out[~pos] = ez / (1 + ez)
            return out
        """)),
    ],
    "logaddexp_sigmoid": [
        (SIGMOID, body("return np.exp(-np.logaddexp(0.0, -z))")),
    ],
    # tanh from a stable sigmoid; the derivative as sech^2 (np.cosh overflows to inf -> 0, with a warning).
    "tanh_via_sigmoid_cosh": [
        (TANH, body("return 2 * sigmoid(2 * z) - 1")),
        (TANH_DERIVATIVE, body("return 1 / np.cosh(z) ** 2")),
    ],
    # tanh with e^{-2|z|}, which cannot overflow, and its derivative 4e / (1 + e)^2 in the same form.
    "tanh_exp_abs": [
        (TANH, body("""
            e = np.exp(-2 * np.abs(z))
            return np.sign(z) * (1 - e) / (1 + e)
        """)),
        (TANH_DERIVATIVE, body("""
            e = np.exp(-2 * np.abs(z))
            return 4 * e / (1 + e) ** 2
        """)),
    ],
    "bce_sum_over_len": [
        (BCE, body("return np.sum(-(y * np.log(a) + (1 - y) * np.log(1 - a))) / len(a)")),
        (BCE_GRAD, body("return (-(y / a) + (1 - y) / (1 - a)) / len(a)")),
    ],
    "bce_clipped": [
        (BCE, body("""
            eps = 1e-12
            a = np.clip(a, eps, 1 - eps)
            return -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
        """)),
        (BCE_GRAD, body("""
            m = a.shape[0]
            return (a - y) / (a * (1 - a) * m)
        """)),
    ],
    "onehot_eye": [
        (CROSS_ENTROPY, body("""
            m, C = z.shape
            Y = np.eye(C)[y]
            shifted = z - np.max(z, axis=1, keepdims=True)
            log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            return -np.sum(Y * log_p) / m
        """)),
        (CROSS_ENTROPY_GRAD, body("""
            m, C = z.shape
            Y = np.eye(C)[y]
            return (softmax(z) - Y) / m
        """)),
    ],
    "dot_and_ones": [
        (AFFINE_FORWARD, body("""
            out = np.dot(x, W) + b
            cache = {"x": x, "W": W, "b": b}
            return out, cache
        """)),
        (AFFINE_BACKWARD, body("""
            x, W = cache["x"], cache["W"]
            dx = np.dot(dout, W.T)
            dW = np.dot(x.T, dout)
            db = np.ones(dout.shape[0]) @ dout
            return dx, dW, db
        """)),
    ],
    # The network built from the layer functions: a loop over layers forward, the helpers backward.
    "layer_helpers": [
        (MLP_FORWARD, body("""
            cache = {"X": X}
            A = X
            for l in (1, 2, 3):
                Z, _ = affine_forward(A, params[f"W{l}"], params[f"b{l}"])
                cache[f"Z{l}"] = Z
                if l < 3:
                    A = tanh(Z)
                    cache[f"A{l}"] = A
            P = softmax(Z)
            cache["P"] = P
            return P, cache
        """)),
        (MLP_BACKWARD, body("""
            grads = {}
            dZ = cross_entropy_grad(cache["Z3"], y)
            inputs = {1: cache["X"], 2: cache["A1"], 3: cache["A2"]}
            for l in (3, 2, 1):
                dA, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dZ, (inputs[l], params[f"W{l}"]))
                if l > 1:
                    dZ = dA * tanh_derivative(cache[f"Z{l - 1}"])
            return grads
        """)),
    ],
    # Backward reading the pre-activations: tanh'(Z) from np.tanh(Z) rather than from the cached A.
    "backward_from_Z": [
        (MLP_BACKWARD, body("""
            m = len(y)
            Y = np.zeros_like(cache["P"])
            Y[np.arange(m), y] = 1
            dZ3 = (cache["P"] - Y) / m
            dW3 = cache["A2"].T @ dZ3
            db3 = np.sum(dZ3, axis=0)
            dZ2 = dZ3 @ params["W3"].T * (1 - np.tanh(cache["Z2"]) ** 2)
            dW2 = cache["A1"].T @ dZ2
            db2 = np.sum(dZ2, axis=0)
            dZ1 = dZ2 @ params["W2"].T * (1 - np.tanh(cache["Z1"]) ** 2)
            dW1 = cache["X"].T @ dZ1
            db1 = np.sum(dZ1, axis=0)
            return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}
        """)),
    ],
    "init_rng_normal": [
        (INIT_PARAMS, body("""
            rng = np.random.default_rng(seed)
            params = {}
            for l in range(1, len(layer_sizes)):
                n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
                params["W" + str(l)] = rng.normal(0, 1 / np.sqrt(n_in), size=(n_in, n_out))
                params["b" + str(l)] = np.zeros((n_out,))
            return params
        """)),
    ],
    "init_legacy_seed": [
        (INIT_PARAMS, body("""
            np.random.seed(seed)
            params = {}
            for l in range(1, len(layer_sizes)):
                params[f"W{l}"] = np.random.randn(layer_sizes[l - 1], layer_sizes[l]) * np.sqrt(1.0 / layer_sizes[l - 1])
                params[f"b{l}"] = np.zeros(layer_sizes[l])
            return params
        """)),
    ],
    # In-place update returning the same dict, and a training loop that tracks and prints the loss.
    "in_place_sgd_verbose_training": [
        (SGD_STEP, body("""
            for k in params:
                params[k] -= lr * grads[k]
            return params
        """)),
        (TRAIN_MLP, body("""
            params = init_params(layer_sizes, seed)
            losses = []
            for epoch in range(epochs):
                P, cache = mlp_forward(X, params)
                losses.append(cross_entropy(cache["Z3"], y))
                grads = mlp_backward(y, params, cache)
                params = sgd_step(params, grads, lr)
                if epoch % 100 == 0:
                    print(f"epoch {epoch}: loss {losses[-1]:.4f}")
            return params
        """)),
    ],
}
