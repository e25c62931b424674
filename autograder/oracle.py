"""Glue between NumPy inputs and the torch oracles in `reference/`.

`reference/` writes each formula in torch ops; these helpers evaluate it in
float64 and take every gradient from `torch.autograd`, returning NumPy values
keyed by the names the exercise's checks use.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)  # the oracle's tensors are tiny: threads only add contention


def as_tensor(x, requires_grad: bool = False) -> torch.Tensor:
    t = torch.as_tensor(np.array(x))
    if requires_grad:
        t = t.to(torch.float64).requires_grad_(True)
    return t


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().numpy().copy()
        return float(x) if x.ndim == 0 and x.dtype.kind == "f" else x
    if isinstance(x, dict):
        return {k: as_numpy(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(as_numpy(v) for v in x)
    return x


def forward_backward(fn: Callable, inputs: dict, *, out: str, grads: dict[str, str] | None = None,
                     dout=None) -> dict:
    """Evaluate `fn(**inputs)` and the vector-Jacobian product with `dout` (None: the output is a scalar loss).

    `grads` maps an input name to the name of its gradient in the result, e.g. {"x": "dx"}.
    """
    grads = grads or {}
    tensors = {k: as_tensor(v, requires_grad=k in grads) for k, v in inputs.items()}
    value = fn(**tensors)
    result = {out: as_numpy(value)}
    if grads:
        wrt = [tensors[k] for k in grads]
        found = (torch.autograd.grad(value, wrt, allow_unused=True) if dout is None
                 else vector_jacobian(value, wrt, as_tensor(dout), allow_unused=True))
        for (name, grad_name), g in zip(grads.items(), found):
            result[grad_name] = np.zeros_like(inputs[name], dtype=np.float64) if g is None else as_numpy(g)
    return result


def vector_jacobian(outputs, inputs, upstream, **options):
    """torch.autograd.grad(outputs, inputs, grad_outputs=upstream), as the gradient of the scalar
    sum(output * upstream): the same numbers (its gradient with respect to an output is upstream, exactly), but
    without torch's check of grad_outputs, whose first use imports sympy (a quarter of a second of every check)."""
    outputs = [outputs] if isinstance(outputs, torch.Tensor) else list(outputs)
    upstream = [upstream] if isinstance(upstream, torch.Tensor) else list(upstream)
    return torch.autograd.grad(sum((o * u).sum() for o, u in zip(outputs, upstream)), inputs, **options)


def continued(train: Callable, start, at) -> list:
    """One training continued to each number of epochs in `at` (increasing), and its result at each:
    train(params, epochs) trains `epochs` more from params (a learning curve's reference, in one run)."""
    path, params, done = [], start, 0
    for epochs in at:
        params, done = train(params, epochs - done), epochs
        path.append(params)
    return path


def elementwise_derivative(fn: Callable, z: np.ndarray) -> np.ndarray:
    """d fn(z) / dz for an elementwise fn: the gradient of sum(fn(z))."""
    t = as_tensor(z, requires_grad=True)
    (g,) = torch.autograd.grad(fn(t).sum(), [t])
    return as_numpy(g)
