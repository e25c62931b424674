"""MLP from first principles: the course notes' 3-layer tanh/tanh/softmax network in NumPy.

Conventions (the same in every exercise of this topic):
- a batch holds m examples as rows: X has shape (m, n_in);
- a layer computes Z = X W + b with W of shape (n_in, n_out) and b of shape (n_out,);
- every loss is a mean over the batch, so every gradient of it carries a factor 1/m;
- arrays are float64, and so is every intermediate: computing in float32 (astype(np.float32)) loses about
  1e-3 of a result whose terms cancel, and some graded inputs are built that way, so float32 code fails
  every time (casting only the final result is harmless but pointless);
- a function never modifies its input arrays in place, nor later through a reference kept in a cache;
- a forward function keeps what its backward needs in the cache it returns, not in a global: the grader
  runs a second forward pass before the backward pass of the first.

Each function says which exercise grades it.
"""
import numpy as np


def tanh(z):
    """Hyperbolic tangent, elementwise (exercise mlp.tanh).

        tanh(z) = (e^z - e^-z) / (e^z + e^-z)

    It must stay finite for every float64 z: e^{2z} overflows once |z| >= 355.

    Args:
        z: array of any shape.
    Returns:
        array of the same shape as z, values in [-1, 1].
    """
    ### BEGIN SOLUTION
    return np.tanh(z)
    ### END SOLUTION


def tanh_derivative(z):
    """Derivative of tanh, elementwise (exercise mlp.tanh).

        d tanh(z) / dz = 1 - tanh(z)^2

    Args:
        z: array of any shape (the pre-activation, not tanh(z)).
    Returns:
        array of the same shape as z.
    """
    ### BEGIN SOLUTION
    t = np.tanh(z)
    return 1.0 - t * t
    ### END SOLUTION


def sigmoid(z):
    """Logistic sigmoid, elementwise (exercise mlp.sigmoid).

        sigma(z) = 1 / (1 + e^-z)

    It must stay finite and exact for large |z| (|z| >= 710 overflows e^|z|).

    Args:
        z: array of any shape.
    Returns:
        array of the same shape as z, values in [0, 1].
    """
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def binary_cross_entropy(a, y):
    """Mean binary cross-entropy (exercise mlp.binary_cross_entropy).

        L = -(1/m) sum_i [ y_i log(a_i) + (1 - y_i) log(1 - a_i) ]

    Args:
        a: (m,) predicted probabilities, strictly between 0 and 1.
        y: (m,) labels, each 0.0 or 1.0.
    Returns:
        L as a Python float.
    """
    ### BEGIN SOLUTION
    return float(-np.mean(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)))
    ### END SOLUTION


def binary_cross_entropy_grad(a, y):
    """Gradient of the mean binary cross-entropy with respect to a (exercise mlp.binary_cross_entropy).

        dL/da_i = (a_i - y_i) / (a_i (1 - a_i)) / m

    The course notes write this without 1/m, for a single sample; L above is a mean over m samples.

    Args:
        a: (m,) predicted probabilities, strictly between 0 and 1.
        y: (m,) labels, each 0.0 or 1.0.
    Returns:
        (m,) array dL/da.
    """
    ### BEGIN SOLUTION
    return (a - y) / (a * (1.0 - a)) / a.shape[0]
    ### END SOLUTION


def softmax(z):
    """Row-wise softmax of logits (exercise mlp.softmax).

        p_ij = exp(z_ij) / sum_k exp(z_ik)

    Subtract each row's maximum first (it cancels): without it, exp overflows for logits >= 710.

    Args:
        z: (m, C) logits.
    Returns:
        (m, C) probabilities; every row sums to 1.
    """
    ### BEGIN SOLUTION
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION


def cross_entropy(z, y):
    """Mean cross-entropy of softmax(z) against integer labels (exercise mlp.cross_entropy).

        J = -(1/m) sum_i log softmax(z)_{i, y_i}

    Compute log softmax with the log-sum-exp trick, log p_ij = z_ij - max_i - log sum_k exp(z_ik - max_i):
    log(softmax(z)) gives -inf once a logit trails its row's maximum by more than about 745.

    Args:
        z: (m, C) logits.
        y: (m,) integer class labels in [0, C).
    Returns:
        J as a Python float.
    """
    ### BEGIN SOLUTION
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(z.shape[0]), y].mean())
    ### END SOLUTION


def cross_entropy_grad(z, y):
    """Gradient of the mean cross-entropy with respect to the logits (exercise mlp.cross_entropy).

        dJ/dZ = (P - Y) / m,   P = softmax(z), Y the one-hot encoding of y

    Args:
        z: (m, C) logits.
        y: (m,) integer class labels in [0, C).
    Returns:
        (m, C) array dJ/dz.
    """
    ### BEGIN SOLUTION
    m = z.shape[0]
    d = softmax(z)
    d[np.arange(m), y] -= 1.0
    return d / m
    ### END SOLUTION


def affine_forward(x, W, b):
    """Affine (fully connected) layer, forward (exercise mlp.affine).

        out = x W + b

    Args:
        x: (m, n_in) inputs.
        W: (n_in, n_out) weights.
        b: (n_out,) biases.
    Returns:
        out: (m, n_out).
        cache: whatever affine_backward needs (your choice).
    """
    ### BEGIN SOLUTION
    return x @ W + b, (x, W)
    ### END SOLUTION


def affine_backward(dout, cache):
    """Affine layer, backward (exercise mlp.affine).

        dx = dout W^T,   dW = x^T dout,   db = sum of dout over the batch

    Args:
        dout: (m, n_out) upstream gradient dL/dout.
        cache: what affine_forward returned.
    Returns:
        dx: (m, n_in), dW: (n_in, n_out), db: (n_out,).
    """
    ### BEGIN SOLUTION
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
    ### END SOLUTION


def init_params(layer_sizes, seed):
    """The course notes' initialisation (exercise mlp.init_params).

        W_l ~ N(0, 1/n_in) entrywise (std 1/sqrt(n_in), n_in = layer_sizes[l-1]),   b_l = 0

    The course notes call this Xavier; it is LeCun normal (Xavier/Glorot uses 2/(n_in + n_out)).
    Graded statistically: mean, variance and shape of the distribution, never exact values; also for 1 to 4
    layers, and for repeatability (the same seed gives the same parameters, another seed other ones).

    Args:
        layer_sizes: [n_0, n_1, ..., n_L], e.g. [n_input, n_1, n_2, n_classes].
        seed: int; use np.random.default_rng(seed) so that runs are repeatable.
    Returns:
        dict with "W1", "b1", ..., "WL", "bL"; W_l of shape (n_{l-1}, n_l), b_l of shape (n_l,).
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = {}
    for l, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        params[f"b{l}"] = np.zeros(n_out)
    return params
    ### END SOLUTION


def mlp_forward(X, params):
    """Forward pass of the 3-layer MLP (exercise mlp.mlp_forward).

        Z1 = X W1 + b1,   A1 = tanh(Z1)
        Z2 = A1 W2 + b2,  A2 = tanh(Z2)
        Z3 = A2 W3 + b3,  P = softmax(Z3)

    Args:
        X: (m, n_0) inputs.
        params: dict with W1 (n_0, n_1), b1 (n_1,), W2 (n_1, n_2), b2 (n_2,), W3 (n_2, C), b3 (C,).
    Returns:
        P: (m, C) class probabilities.
        cache: dict with exactly these entries, which mlp_backward reads:
            "X", "Z1", "A1", "Z2", "A2", "Z3", "P".
    """
    ### BEGIN SOLUTION
    Z1 = X @ params["W1"] + params["b1"]
    A1 = np.tanh(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = np.tanh(Z2)
    Z3 = A2 @ params["W3"] + params["b3"]
    P = softmax(Z3)
    return P, {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "Z3": Z3, "P": P}
    ### END SOLUTION


def mlp_backward(y, params, cache):
    """Backpropagation through the 3-layer MLP (exercise mlp.mlp_backward).

    The loss is the mean cross-entropy J of P against the labels y. Work backwards:

        dZ3 = (P - Y) / m
        dW3 = A2^T dZ3,   db3 = sum over the batch of dZ3
        dZ2 = (dZ3 W3^T) * (1 - A2^2)
        dW2 = A1^T dZ2,   db2 = sum over the batch of dZ2
        dZ1 = (dZ2 W2^T) * (1 - A1^2)
        dW1 = X^T dZ1,    db1 = sum over the batch of dZ1

    Args:
        y: (m,) integer class labels.
        params: the dict of mlp_forward.
        cache: the cache dict of mlp_forward (entries "X", "Z1", "A1", "Z2", "A2", "Z3", "P");
            the grader passes a correct cache, so read only these entries and do not modify them.
    Returns:
        dict with "W1", "b1", "W2", "b2", "W3", "b3": dJ/dparam, each of its parameter's shape.
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION


def sgd_step(params, grads, lr):
    """One step of gradient descent (exercise mlp.sgd_step).

        theta <- theta - lr * dJ/dtheta   for every parameter theta

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes.
        lr: learning rate, a float > 0.
    Returns:
        dict of the updated parameters (updating params in place and returning it is fine too).
    """
    ### BEGIN SOLUTION
    return {name: value - lr * grads[name] for name, value in params.items()}
    ### END SOLUTION


def train_mlp(X, y, layer_sizes, lr, epochs, seed):
    """Train the MLP with full-batch gradient descent (exercise mlp.train_mlp).

    Initialise with init_params(layer_sizes, seed), then repeat `epochs` times:
    mlp_forward, mlp_backward, sgd_step. Graded step by step (a few epochs on a small data set, for
    several lr and epochs: exactly `epochs` full-batch steps of size lr from init_params(layer_sizes, seed)),
    and by the accuracy of the returned parameters on held-out points of the same data set.

    Args:
        X: (m, n_0) training inputs.
        y: (m,) integer labels.
        layer_sizes: [n_0, n_1, n_2, C].
        lr: learning rate.
        epochs: number of gradient-descent steps.
        seed: seed for init_params.
    Returns:
        the trained params dict.
    """
    ### BEGIN SOLUTION
    params = init_params(layer_sizes, seed)
    for _ in range(epochs):
        _, cache = mlp_forward(X, params)
        params = sgd_step(params, mlp_backward(y, params, cache), lr)
    return params
    ### END SOLUTION
