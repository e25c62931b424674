# Generated from solutions/mlp.py by `python -m autograder build`. Fill in every function that raises
# NotImplementedError, then run `python -m autograder check mlp`.
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
    # TODO: implement tanh (exercise mlp.tanh).
    raise NotImplementedError("tanh: not implemented yet (exercise mlp.tanh)")


def tanh_derivative(z):
    """Derivative of tanh, elementwise (exercise mlp.tanh).

        d tanh(z) / dz = 1 - tanh(z)^2

    Args:
        z: array of any shape (the pre-activation, not tanh(z)).
    Returns:
        array of the same shape as z.
    """
    # TODO: implement tanh_derivative (exercise mlp.tanh).
    raise NotImplementedError("tanh_derivative: not implemented yet (exercise mlp.tanh)")


def sigmoid(z):
    """Logistic sigmoid, elementwise (exercise mlp.sigmoid).

        sigma(z) = 1 / (1 + e^-z)

    It must stay finite and exact for large |z| (|z| >= 710 overflows e^|z|).

    Args:
        z: array of any shape.
    Returns:
        array of the same shape as z, values in [0, 1].
    """
    # TODO: implement sigmoid (exercise mlp.sigmoid).
    raise NotImplementedError("sigmoid: not implemented yet (exercise mlp.sigmoid)")


def binary_cross_entropy(a, y):
    """Mean binary cross-entropy (exercise mlp.binary_cross_entropy).

        L = -(1/m) sum_i [ y_i log(a_i) + (1 - y_i) log(1 - a_i) ]

    Args:
        a: (m,) predicted probabilities, strictly between 0 and 1.
        y: (m,) labels, each 0.0 or 1.0.
    Returns:
        L as a Python float.
    """
    # TODO: implement binary_cross_entropy (exercise mlp.binary_cross_entropy).
    raise NotImplementedError("binary_cross_entropy: not implemented yet (exercise mlp.binary_cross_entropy)")


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
    # TODO: implement binary_cross_entropy_grad (exercise mlp.binary_cross_entropy).
    raise NotImplementedError("binary_cross_entropy_grad: not implemented yet (exercise mlp.binary_cross_entropy)")


def softmax(z):
    """Row-wise softmax of logits (exercise mlp.softmax).

        p_ij = exp(z_ij) / sum_k exp(z_ik)

    Subtract each row's maximum first (it cancels): without it, exp overflows for logits >= 710.

    Args:
        z: (m, C) logits.
    Returns:
        (m, C) probabilities; every row sums to 1.
    """
    # TODO: implement softmax (exercise mlp.softmax).
    raise NotImplementedError("softmax: not implemented yet (exercise mlp.softmax)")


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
    # TODO: implement cross_entropy (exercise mlp.cross_entropy).
    raise NotImplementedError("cross_entropy: not implemented yet (exercise mlp.cross_entropy)")


def cross_entropy_grad(z, y):
    """Gradient of the mean cross-entropy with respect to the logits (exercise mlp.cross_entropy).

        dJ/dZ = (P - Y) / m,   P = softmax(z), Y the one-hot encoding of y

    Args:
        z: (m, C) logits.
        y: (m,) integer class labels in [0, C).
    Returns:
        (m, C) array dJ/dz.
    """
    # TODO: implement cross_entropy_grad (exercise mlp.cross_entropy).
    raise NotImplementedError("cross_entropy_grad: not implemented yet (exercise mlp.cross_entropy)")


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
    # TODO: implement affine_forward (exercise mlp.affine).
    raise NotImplementedError("affine_forward: not implemented yet (exercise mlp.affine)")


def affine_backward(dout, cache):
    """Affine layer, backward (exercise mlp.affine).

        dx = dout W^T,   dW = x^T dout,   db = sum of dout over the batch

    Args:
        dout: (m, n_out) upstream gradient dL/dout.
        cache: what affine_forward returned.
    Returns:
        dx: (m, n_in), dW: (n_in, n_out), db: (n_out,).
    """
    # TODO: implement affine_backward (exercise mlp.affine).
    raise NotImplementedError("affine_backward: not implemented yet (exercise mlp.affine)")


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
    # TODO: implement init_params (exercise mlp.init_params).
    raise NotImplementedError("init_params: not implemented yet (exercise mlp.init_params)")


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
    # TODO: implement mlp_forward (exercise mlp.mlp_forward).
    raise NotImplementedError("mlp_forward: not implemented yet (exercise mlp.mlp_forward)")


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
    # TODO: implement mlp_backward (exercise mlp.mlp_backward).
    raise NotImplementedError("mlp_backward: not implemented yet (exercise mlp.mlp_backward)")


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
    # TODO: implement sgd_step (exercise mlp.sgd_step).
    raise NotImplementedError("sgd_step: not implemented yet (exercise mlp.sgd_step)")


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
    # TODO: implement train_mlp (exercise mlp.train_mlp).
    raise NotImplementedError("train_mlp: not implemented yet (exercise mlp.train_mlp)")
