"""Oracle for the mlp topic: the seed's MLP formulas written in torch ops.

Row convention, as in the seed's batch algorithm: Z = X W + b with X (m, n_in),
W (n_in, n_out), b (n_out,). Only forward formulas live here; every gradient the
grader expects is taken from these with torch.autograd (see autograder/oracle.py).
tests/test_reference_mlp.py checks each one against a torch built-in and gradcheck.
"""
import torch


def _two_sided(z, positive, negative):
    """positive(z) where z >= 0, negative(z) elsewhere; each branch only sees its own z (no inf * 0 in backward)."""
    pos = z >= 0
    zero = torch.zeros_like(z)
    return torch.where(pos, positive(torch.where(pos, z, zero)), negative(torch.where(pos, zero, z)))


def tanh(z):
    """tanh(z) = (e^{2z} - 1) / (e^{2z} + 1), written with e^{-2|z|} so it cannot overflow,
    and with expm1(u) = e^u - 1 so it keeps its relative accuracy near 0."""
    return _two_sided(z, lambda p: -torch.expm1(-2 * p) / (2 + torch.expm1(-2 * p)),
                      lambda n: torch.expm1(2 * n) / (2 + torch.expm1(2 * n)))


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^{-z}) = e^z / (1 + e^z), each form on the side where it cannot overflow."""
    return _two_sided(z, lambda p: 1 / (1 + torch.exp(-p)), lambda n: torch.exp(n) / (1 + torch.exp(n)))


def binary_cross_entropy(a, y):
    """L = -(1/m) sum_i [y_i log a_i + (1 - y_i) log(1 - a_i)], a and y of shape (m,)."""
    return -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).mean()


def log_softmax(z):
    """log p_ij = (z_ij - max_k z_ik) - log sum_k exp(z_ik - max_k z_ik), row-wise, z (m, C)."""
    shifted = z - z.max(dim=1, keepdim=True).values.detach()  # the shift cancels; no gradient through it
    return shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))


def softmax(z):
    """p_ij = exp(z_ij - max_k z_ik) / sum_k exp(z_ik - max_k z_ik), row-wise, z (m, C)."""
    shifted = z - z.max(dim=1, keepdim=True).values.detach()
    e = torch.exp(shifted)
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(z, y):
    """J = -(1/m) sum_i log softmax(z)_{i, y_i}: z (m, C) logits, y (m,) integer labels."""
    return -log_softmax(z)[torch.arange(z.shape[0]), y].mean()


def affine(x, W, b):
    """Z = x W + b: x (m, n_in), W (n_in, n_out), b (n_out,) -> (m, n_out)."""
    return x @ W + b


def mlp_forward(X, W1, b1, W2, b2, W3, b3):
    """The seed's 3-layer MLP: tanh, tanh, softmax. Returns (P, every intermediate by name)."""
    Z1 = affine(X, W1, b1)
    A1 = tanh(Z1)
    Z2 = affine(A1, W2, b2)
    A2 = tanh(Z2)
    Z3 = affine(A2, W3, b3)
    P = softmax(Z3)
    return P, {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "Z3": Z3, "P": P}


def mlp_loss(X, y, W1, b1, W2, b2, W3, b3):
    """Mean cross-entropy of the MLP's logits Z3 against labels y."""
    _, cache = mlp_forward(X, W1, b1, W2, b2, W3, b3)
    return cross_entropy(cache["Z3"], y)


def sgd_step(params, grads, lr):
    """theta <- theta - lr * dL/dtheta for every parameter (the seed's update rule)."""
    return {k: params[k] - lr * grads[k] for k in params}
