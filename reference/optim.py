"""Oracle for the optim topic: torch.optim and torch.optim.lr_scheduler themselves, torch ops elsewhere.

Optimizers: torch.optim's own update (the functional form its optimizer classes call) steps float64 tensors
holding the initial parameters, with the given gradients and the lr of each step (what a scheduler changes). Schedulers: a torch scheduler on an optimizer that only holds the lr, stepped once per epoch;
the lr of epoch t is the lr after t calls of step(), as CONVENTIONS §6 measures it. Where torch has no
built-in (the L2 penalty, dropout given its mask, mixup, early stopping) the formula is written here; every
gradient comes from torch.autograd. tests/test_reference_optim.py cross-checks each function.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.optim import lr_scheduler
from torch.optim.adagrad import adagrad
from torch.optim.adam import adam
from torch.optim.adamw import adamw
from torch.optim.rmsprop import rmsprop
from torch.optim.sgd import sgd

def _initial_state(params: list[torch.Tensor]) -> dict:
    """Every per-parameter buffer the optimizer classes keep, as they initialise it (each algorithm uses its own):
    momentum buffers (created by sgd() at the first step), AdaGrad's sums, the running averages m and v, step counts."""
    return {"buffers": [None] * len(params), "sums": [torch.zeros_like(p) for p in params],
            "m": [torch.zeros_like(p) for p in params], "v": [torch.zeros_like(p) for p in params],
            "steps": [torch.zeros((), dtype=torch.float64) for _ in params]}


# name -> one step of torch.optim's algorithm: the functional form that the optimizer class's step() calls
# (torch.optim.sgd.sgd, ...), on the state the class keeps. The class itself is not stepped because its step()
# imports torch._dynamo, 1 to 3 s per grading process; tests/test_reference_optim.py checks that both agree.
STEP = {
    "sgd": lambda p, g, s, lr, weight_decay: sgd(
        p, g, s["buffers"], weight_decay=weight_decay, momentum=0.0, lr=lr, dampening=0.0, nesterov=False,
        maximize=False),
    "momentum": lambda p, g, s, lr, momentum: sgd(
        p, g, s["buffers"], weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0, nesterov=False, maximize=False),
    "nesterov": lambda p, g, s, lr, momentum: sgd(
        p, g, s["buffers"], weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0, nesterov=True, maximize=False),
    "adagrad": lambda p, g, s, lr, eps: adagrad(
        p, g, s["sums"], s["steps"], lr=lr, weight_decay=0.0, lr_decay=0.0, eps=eps, maximize=False),
    "rmsprop": lambda p, g, s, lr, rho, eps: rmsprop(
        p, g, s["v"], [], [], s["steps"], lr=lr, alpha=rho, eps=eps, weight_decay=0.0, momentum=0.0, centered=False),
    "adam": lambda p, g, s, lr, beta1, beta2, eps, weight_decay: adam(
        p, g, s["m"], s["v"], [], s["steps"], amsgrad=False, beta1=beta1, beta2=beta2, lr=lr,
        weight_decay=weight_decay, eps=eps, maximize=False),
    "adamw": lambda p, g, s, lr, beta1, beta2, eps, weight_decay: adamw(
        p, g, s["m"], s["v"], [], s["steps"], amsgrad=False, beta1=beta1, beta2=beta2, lr=lr,
        weight_decay=weight_decay, eps=eps, maximize=False),
}
CLASSES = {  # the same algorithms as torch.optim classes, for the cross-checks in tests/
    "sgd": lambda params, weight_decay: torch.optim.SGD(params, lr=0.0, weight_decay=weight_decay),
    "momentum": lambda params, momentum: torch.optim.SGD(params, lr=0.0, momentum=momentum),
    "nesterov": lambda params, momentum: torch.optim.SGD(params, lr=0.0, momentum=momentum, nesterov=True),
    "adagrad": lambda params, eps: torch.optim.Adagrad(params, lr=0.0, eps=eps),
    "rmsprop": lambda params, rho, eps: torch.optim.RMSprop(params, lr=0.0, alpha=rho, eps=eps),
    "adam": lambda params, beta1, beta2, eps, weight_decay: torch.optim.Adam(
        params, lr=0.0, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay),
    "adamw": lambda params, beta1, beta2, eps, weight_decay: torch.optim.AdamW(
        params, lr=0.0, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay),
}


def trajectory(optimizer: str, params: dict, grads: list[dict], lrs: list[float], **hyper) -> list[dict]:
    """The parameters after each step of torch's `optimizer` (a key of STEP), step i using the gradients
    grads[i] and the learning rate lrs[i] (what a scheduler does between steps)."""
    names = list(params)
    tensors = [torch.tensor(params[k], dtype=torch.float64) for k in names]
    state, after = _initial_state(tensors), []
    with torch.no_grad():
        for step_grads, lr in zip(grads, lrs):
            STEP[optimizer](tensors, [torch.tensor(step_grads[k], dtype=torch.float64) for k in names], state, lr,
                            **hyper)
            after.append({k: t.clone() for k, t in zip(names, tensors)})
    return after


SCHEDULERS = {  # name -> torch scheduler of `opt` with the exercise's hyperparameters
    "step_lr": lambda opt, step_size, gamma: lr_scheduler.StepLR(opt, step_size, gamma),
    "exponential_lr": lambda opt, gamma: lr_scheduler.ExponentialLR(opt, gamma),
    "cosine_lr": lambda opt, eta_min, T_max: lr_scheduler.CosineAnnealingLR(opt, T_max, eta_min),
    "sgdr_lr": lambda opt, eta_min, T_0, T_mult: lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min),
}


class LrHolder(torch.optim.Optimizer):
    """The smallest optimizer a torch scheduler accepts: one param group holding the lr, a step that does nothing.

    add_param_group is the base class's, minus its wrapper that imports torch._dynamo (1 to 3 s per grading
    process); the schedulers themselves are torch's, unchanged."""

    def __init__(self, lr: float):
        super().__init__([torch.zeros(1)], {"lr": lr})

    def add_param_group(self, param_group: dict) -> None:
        self.param_groups.append({**self.defaults, **param_group})

    def step(self, closure=None) -> None:
        return None

    @property
    def lr(self) -> float:
        return self.param_groups[0]["lr"]


def schedule(name: str, base_lr: float, epochs: int, **hyper) -> torch.Tensor:
    """(epochs,) the lr of epochs 0 .. epochs - 1 under torch's scheduler `name`."""
    holder = LrHolder(base_lr)
    scheduler, lrs = SCHEDULERS[name](holder, **hyper), []
    for _ in range(epochs):
        lrs.append(holder.lr)
        holder.step()  # an epoch of training, then the scheduler's step, in the order torch expects
        scheduler.step()
    return torch.tensor(lrs)


def shuffled(m: int, epochs: int, seed: int) -> list:
    """The order of the examples in each epoch: one numpy generator, seeded once, one permutation per epoch."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return [rng.permutation(m) for _ in range(epochs)]


def slices(order, batch_size: int) -> list:
    """The minibatches of one epoch: consecutive runs of batch_size examples of `order`, the last one smaller when
    batch_size does not divide m."""
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


def train_mlp_adamw(X, y, params: dict, epochs: int, batch_size: int, lr: float, weight_decay: float, seed: int,
                    optimizer: str = "adamw", lrs=None, orders=shuffled, batches=slices,
                    per_step: bool = False) -> dict:
    """optim.train's training from `params` (the mlp topic's network): every epoch t, the examples in the order
    orders(m, epochs, seed)[t] (numpy.random.default_rng(seed).permutation), in minibatches of batch_size (the
    last one may be smaller), one step of torch's AdamW each (betas (0.9, 0.999), eps 1e-8) on the batch's mean
    cross-entropy, with the lr of epoch t under CosineAnnealingLR(T_max=epochs, eta_min=0). Returns the trained
    params. (`optimizer`, `lrs` (one per epoch, or one per step when `per_step`), `orders` and `batches` (order,
    batch_size) -> the epoch's minibatches change the recipe: the grader's misconceptions.)"""
    import reference.mlp as mlp

    names = list(params)
    tensors = [params[k].detach().clone() for k in names]
    state = _initial_state(tensors)
    lrs = schedule("cosine_lr", lr, epochs, eta_min=0.0, T_max=epochs) if lrs is None else lrs
    step = 0
    for epoch, order in enumerate(orders(len(X), epochs, seed)):
        for batch in batches(order, batch_size):
            batch = torch.as_tensor(batch)
            live = [t.requires_grad_(True) for t in tensors]
            grads = torch.autograd.grad(mlp.mlp_loss(X[batch], y[batch], **dict(zip(names, live))), live)
            tensors = [t.detach() for t in live]
            with torch.no_grad():
                STEP[optimizer](tensors, list(grads), state, float(lrs[step if per_step else epoch]), beta1=0.9,
                                beta2=0.999, eps=1e-8, weight_decay=weight_decay)
            step += 1
    return dict(zip(names, tensors))


def plateau(metrics, base_lr, mode, factor, patience, threshold, cooldown, min_lr) -> torch.Tensor:
    """(E,) the lr after each metric under torch's ReduceLROnPlateau (threshold_mode "rel")."""
    holder = LrHolder(base_lr)
    scheduler = lr_scheduler.ReduceLROnPlateau(holder, mode=mode, factor=factor, patience=patience,
                                               threshold=threshold, threshold_mode="rel", cooldown=cooldown,
                                               min_lr=min_lr)
    lrs = []
    for metric in metrics:
        scheduler.step(float(metric))
        lrs.append(holder.lr)
    return torch.tensor(lrs)


def l2_penalized(loss, weight_decay, **params):
    """L + (weight_decay / 2) * sum of the squares of every parameter (its gradient comes from autograd)."""
    return loss + weight_decay / 2 * sum((p * p).sum() for p in params.values())


def dropout_with_mask(a, kept, keep_prob):
    """Inverted dropout given which units were kept (bool, a's shape): a * kept / keep_prob, the formula of
    the course notes' regularization section (h = a / p with p the keep probability)."""
    return a * kept / keep_prob


def mixup(x, y, lam, perm, num_classes):
    """(lam x + (1 - lam) x[perm], lam onehot(y) + (1 - lam) onehot(y[perm]))."""
    onehot = F.one_hot(y, num_classes).to(x.dtype)
    return lam * x + (1 - lam) * x[perm], lam * onehot + (1 - lam) * onehot[perm]


def soft_cross_entropy(z, y_soft):
    """-(1/m) sum_i sum_c y_soft[i, c] log softmax(z)[i, c], via torch's cross-entropy with probability targets."""
    return F.cross_entropy(z, y_soft)


def early_stopping(val_losses, patience: int, min_delta: float) -> tuple[int, int]:
    """(stop_epoch, best_epoch) of Keras/Lightning EarlyStopping: an improvement beats the best by more than
    min_delta; training stops after the epoch at which `patience` epochs in a row have not improved."""
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch, wait = float(loss), epoch, 0
        else:
            wait += 1
        if wait >= patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
