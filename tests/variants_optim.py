"""Correct alternative implementations of solutions/optim.py, in the styles real students use.

Each variant is a list of (old, new) edits for `conftest.mutate`; an `old` is the solution region of one function
of solutions/optim.py (found by `region`, so the variants follow the solution), or the module's import line where a
variant adds a class. All of them are correct float64 code and must earn full marks
(tests/test_correct_variants.py): optimizer state held in a class instead of a dict, or as a tuple; parameters
updated in place instead of functionally; Adam in PyTorch's "step size / denominator" form; recursive instead
of closed-form schedules (cosine in torch's chainable form); ReduceLROnPlateau as an object, and with its threshold
written as a difference; early stopping with the first loss as the starting best; other RNG calls for dropout;
training with np.array_split (into equal minibatches, or at the multiples of batch_size), over pre-shuffled copies of
the data, with an index array shuffled in place.
"""
import textwrap

from conftest import solution_source
from variants_cnn import body

SOURCE = solution_source("optim")
IMPORTS = "import numpy as np\n"


def region(function: str) -> str:
    """The text between `### BEGIN SOLUTION` and `### END SOLUTION` in `function` of solutions/optim.py."""
    start = SOURCE.index(f"\ndef {function}(")
    begin = SOURCE.index("### BEGIN SOLUTION\n", start) + len("### BEGIN SOLUTION\n")
    return SOURCE[begin:SOURCE.index("    ### END SOLUTION\n", begin)]


def replace(function: str, code: str) -> tuple[str, str]:
    return region(function), body(code)


def with_class(code: str) -> tuple[str, str]:
    """An edit that defines a class right after the module's imports."""
    return IMPORTS, IMPORTS + "\n\n" + textwrap.dedent(code).strip("\n") + "\n"


VARIANTS: dict[str, list[tuple[str, str]]] = {
    # The optimizer state as an object with attributes; Adam/AdamW in PyTorch's own arrangement of the formula.
    "state_in_a_class": [
        with_class("""
            class Moments:
                '''What Adam carries from step to step.'''

                def __init__(self, params):
                    self.t = 0
                    self.m = {k: np.zeros_like(p) for k, p in params.items()}
                    self.v = {k: np.zeros_like(p) for k, p in params.items()}

                def direction(self, grads, beta1, beta2, eps):
                    self.t += 1
                    step_size = 1.0 / (1 - beta1 ** self.t)
                    root_correction = np.sqrt(1 - beta2 ** self.t)
                    out = {}
                    for k, g in grads.items():
                        self.m[k] = beta1 * self.m[k] + (1 - beta1) * g
                        self.v[k] = beta2 * self.v[k] + (1 - beta2) * g * g
                        out[k] = step_size * self.m[k] / (np.sqrt(self.v[k]) / root_correction + eps)
                    return out


            class Buffer:
                def __init__(self, params):
                    self.b = {k: np.zeros_like(p) for k, p in params.items()}
        """),
        replace("momentum_step", """
            state = state if state is not None else Buffer(params)
            for k in params:
                state.b[k] = momentum * state.b[k] + grads[k]
            return {k: params[k] - lr * state.b[k] for k in params}, state
        """),
        replace("nesterov_step", """
            state = state if state is not None else Buffer(params)
            new = {}
            for k in params:
                state.b[k] = momentum * state.b[k] + grads[k]
                new[k] = params[k] - lr * (grads[k] + momentum * state.b[k])
            return new, state
        """),
        replace("adam_step", """
            state = state or Moments(params)
            d = state.direction({k: grads[k] + weight_decay * params[k] for k in grads}, beta1, beta2, eps)
            return {k: params[k] - lr * d[k] for k in params}, state
        """),
        replace("adamw_step", """
            state = state or Moments(params)
            d = state.direction(grads, beta1, beta2, eps)
            return {k: params[k] * (1 - lr * weight_decay) - lr * d[k] for k in params}, state
        """),
    ],
    # Parameters and state updated in place (as torch.optim does), the same dicts returned.
    "in_place": [
        replace("sgd_step", """
            for name, p in params.items():
                p *= 1 - lr * weight_decay
                p -= lr * grads[name]
            return params
        """),
        replace("momentum_step", """
            if state is None:
                state = {name: np.zeros_like(p) for name, p in params.items()}
            for name, p in params.items():
                state[name] *= momentum
                state[name] += grads[name]
                p -= lr * state[name]
            return params, state
        """),
        replace("adagrad_step", """
            if state is None:
                state = {name: np.zeros_like(p) for name, p in params.items()}
            for name, p in params.items():
                state[name] += grads[name] * grads[name]
                p -= lr * grads[name] / (np.sqrt(state[name]) + eps)
            return params, state
        """),
        replace("rmsprop_step", """
            if state is None:
                state = {name: np.zeros_like(p) for name, p in params.items()}
            for name, p in params.items():
                state[name] *= rho
                state[name] += (1 - rho) * np.square(grads[name])
                p -= lr * grads[name] / (np.sqrt(state[name]) + eps)
            return params, state
        """),
    ],
    # One state per parameter, as a tuple; Adam written the textbook way, step by step.
    "per_parameter_tuples": [
        replace("adam_step", """
            state = state or {k: (0, np.zeros_like(p), np.zeros_like(p)) for k, p in params.items()}
            new_params, new_state = {}, {}
            for k, p in params.items():
                t, m, v = state[k]
                g = grads[k] + weight_decay * p
                t = t + 1
                m = beta1 * m + (1 - beta1) * g
                v = beta2 * v + (1 - beta2) * g ** 2
                m_hat = m / (1 - beta1 ** t)
                v_hat = v / (1 - beta2 ** t)
                new_params[k] = p - lr * m_hat / (np.sqrt(v_hat) + eps)
                new_state[k] = (t, m, v)
            return new_params, new_state
        """),
        replace("adamw_step", """
            state = state or {k: (0, np.zeros_like(p), np.zeros_like(p)) for k, p in params.items()}
            new_params, new_state = {}, {}
            for k, p in params.items():
                t, m, v = state[k]
                t += 1
                m = beta1 * m + (1 - beta1) * grads[k]
                v = beta2 * v + (1 - beta2) * grads[k] ** 2
                decayed = p - lr * weight_decay * p
                new_params[k] = decayed - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
                new_state[k] = (t, m, v)
            return new_params, new_state
        """),
        replace("nesterov_step", """
            # expanded: g + momentum * (momentum * b_old + g) = (1 + momentum) g + momentum^2 b_old
            old = state if state is not None else {k: 0.0 for k in params}
            new = {k: momentum * old[k] + grads[k] for k in params}
            return {k: params[k] - lr * ((1 + momentum) * grads[k] + momentum ** 2 * old[k]) for k in params}, new
        """),
    ],
    # Schedules built epoch by epoch, as torch's schedulers do (cosine in torch's chainable form).
    "recursive_schedules": [
        replace("step_lr", """
            lrs, lr = [], base_lr
            for t in range(epochs):
                if t > 0 and t % step_size == 0:
                    lr *= gamma
                lrs.append(lr)
            return np.array(lrs)
        """),
        replace("exponential_lr", """
            lrs = [base_lr]
            for _ in range(epochs - 1):
                lrs.append(lrs[-1] * gamma)
            return np.array(lrs)
        """),
        replace("cosine_lr", """
            import math
            lrs = [base_lr]
            for t in range(1, epochs):
                if (t - 1 - T_max) % (2 * T_max) == 0:
                    lrs.append(lrs[-1] + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2)
                else:
                    lrs.append((1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max))
                               * (lrs[-1] - eta_min) + eta_min)
            return np.array(lrs)
        """),
        replace("sgdr_lr", """
            starts, length, start = [], T_0, 0
            while start < epochs:  # the epoch at which each cycle starts, and its length
                starts.append((start, length))
                start, length = start + length, length * T_mult
            lrs = np.empty(epochs)
            for begin, length in starts:
                t = np.arange(begin, min(begin + length, epochs))
                lrs[t] = eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * (t - begin) / length)) / 2
            return lrs
        """),
    ],
    # ReduceLROnPlateau as an object, with torch's method names.
    "plateau_object": [
        with_class("""
            class Plateau:
                def __init__(self, lr, mode, factor, patience, threshold, cooldown, min_lr):
                    self.lr, self.mode, self.factor, self.patience = lr, mode, factor, patience
                    self.threshold, self.cooldown, self.min_lr = threshold, cooldown, min_lr
                    self.best = float("inf") if mode == "min" else -float("inf")
                    self.num_bad_epochs = 0
                    self.cooldown_counter = 0

                def is_better(self, a):  # (best - best * threshold would be inf - inf = nan at the start)
                    if self.mode == "min":
                        return a < self.best * (1.0 - self.threshold)
                    return a > self.best * (1.0 + self.threshold)

                def step(self, metric):
                    if self.is_better(metric):
                        self.best, self.num_bad_epochs = metric, 0
                    else:
                        self.num_bad_epochs += 1
                    if self.cooldown_counter > 0:
                        self.cooldown_counter -= 1
                        self.num_bad_epochs = 0
                    if self.num_bad_epochs > self.patience:
                        self.lr = max(self.lr * self.factor, self.min_lr)
                        self.cooldown_counter = self.cooldown
                        self.num_bad_epochs = 0
                    return self.lr
        """),
        replace("reduce_on_plateau", """
            scheduler = Plateau(base_lr, mode, factor, patience, threshold, cooldown, min_lr)
            return np.array([scheduler.step(float(m)) for m in metrics])
        """),
    ],
    # Early stopping with an explicit copy of the best parameters and a while loop.
    "early_stopping_while": [
        replace("early_stopping", """
            import copy
            best_loss, best_epoch, best_params = float("inf"), -1, None
            epoch, epochs_without_improvement = 0, 0
            while epoch < len(val_losses):
                if best_loss - val_losses[epoch] > min_delta:
                    best_loss, best_epoch = float(val_losses[epoch]), epoch
                    best_params = copy.deepcopy(checkpoints[epoch])
                    epochs_without_improvement = 0
                else:
                    epochs_without_improvement += 1
                    if epochs_without_improvement == patience:
                        break
                epoch += 1
            return int(min(epoch, len(val_losses) - 1)), int(best_epoch), best_params
        """),
    ],
    # Dropout from np.random.binomial, the evaluation input passed through as is.
    "dropout_binomial": [
        replace("dropout_forward", """
            if train:
                mask = np.random.binomial(1, keep_prob, size=a.shape) / keep_prob
            else:
                mask = np.ones(a.shape)
            return a * mask, mask
        """),
        replace("dropout_backward", "return np.multiply(dout, mask)"),
    ],
    # Mixup with explicit one-hot rows and np.take; the soft cross-entropy through log-sum-exp.
    "mixup_logsumexp": [
        replace("mixup", """
            m = len(y)
            onehot = np.zeros((m, num_classes))
            onehot[np.arange(m), y] = 1.0
            partner_x, partner_y = np.take(x, perm, axis=0), np.take(onehot, perm, axis=0)
            return lam * x + (1.0 - lam) * partner_x, lam * onehot + (1.0 - lam) * partner_y
        """),
        replace("soft_cross_entropy", """
            lse = np.logaddexp.reduce(z, axis=1, keepdims=True)
            p = np.exp(z - lse)
            m = len(z)
            return float(np.sum(y_soft * (lse - z)) / m), (p - y_soft) / m
        """),
        replace("l2_penalty", """
            squared = sum(np.vdot(p, p) for p in params.values())
            total = {name: g + weight_decay * params[name] for name, g in grads.items()}
            return float(loss + weight_decay / 2 * squared), total
        """),
    ],
    # Training with np.array_split minibatches (sizes 30 and 29 rather than 32 and a remainder).
    "train_array_split": [
        replace("train_mlp_adamw", """
            params = init_params(layer_sizes, seed)
            rng = np.random.default_rng(seed)
            state = None
            n_batches = int(np.ceil(len(X) / batch_size))
            for epoch, lr_t in enumerate(cosine_lr(lr, 0.0, epochs, epochs)):
                for batch in np.array_split(rng.permutation(len(X)), n_batches):
                    _, cache = mlp_forward(X[batch], params)
                    params, state = adamw_step(params, mlp_backward(y[batch], params, cache), state, lr_t,
                                               0.9, 0.999, 1e-8, weight_decay)
            return params
        """),
    ],
    # ReduceLROnPlateau with the threshold as a difference ("best - metric > threshold * best"), no infinite best
    # (the first metric always improves), the comparisons written the other way round.
    "plateau_threshold_arithmetic": [
        replace("reduce_on_plateau", """
            lr, lrs = base_lr, []
            best, bad, cooldown_left = None, 0, 0
            for metric in metrics:
                if best is None:
                    improved = True
                elif mode == "min":
                    improved = best - metric > threshold * best
                else:
                    improved = threshold * best < metric - best
                if improved:
                    best = metric
                    bad = 0
                else:
                    bad = bad + 1
                if cooldown_left:
                    cooldown_left -= 1
                    bad = 0
                if patience < bad:
                    lr = max(min_lr, factor * lr)
                    cooldown_left = cooldown
                    bad = 0
                lrs.append(lr)
            return np.asarray(lrs, dtype=float)
        """),
    ],
    # Early stopping with the first loss as the starting best, min_delta on the other side of the comparison.
    "early_stopping_first_loss": [
        replace("early_stopping", """
            best, best_epoch, wait = val_losses[0], 0, 0
            stop = len(val_losses) - 1
            for t in range(1, len(val_losses)):
                if val_losses[t] + min_delta < best:
                    best, best_epoch, wait = val_losses[t], t, 0
                    continue
                wait += 1
                if patience <= wait:
                    stop = t
                    break
            return stop, best_epoch, checkpoints[best_epoch]
        """),
    ],
    # Training over pre-shuffled copies of X and y, sliced; one index array shuffled in place every epoch (each
    # shuffle reorders the last order: the docstring accepts it).
    "train_shuffle_in_place": [
        replace("train_mlp_adamw", """
            rng = np.random.default_rng(seed)
            params = init_params(layer_sizes, seed)
            state, m = None, X.shape[0]
            indices = np.arange(m)
            schedule = cosine_lr(lr, 0.0, epochs, epochs)
            for epoch in range(epochs):
                rng.shuffle(indices)
                X_epoch, y_epoch = X[indices], y[indices]
                first = 0
                while first < m:
                    X_batch, y_batch = X_epoch[first:first + batch_size], y_epoch[first:first + batch_size]
                    _, cache = mlp_forward(X_batch, params)
                    grads = mlp_backward(y_batch, params, cache)
                    params, state = adamw_step(params, grads, state, float(schedule[epoch]), 0.9, 0.999, 1e-8,
                                               weight_decay)
                    first += batch_size
            return params
        """),
    ],
    # Minibatches from np.array_split at the multiples of batch_size, taken with np.take.
    "train_split_at_indices": [
        replace("train_mlp_adamw", """
            params, state = init_params(layer_sizes, seed), None
            rng = np.random.default_rng(seed)
            orders = [rng.permutation(len(X)) for _ in range(epochs)]
            for order, lr_t in zip(orders, cosine_lr(lr, 0.0, epochs, epochs)):
                for batch in np.array_split(order, np.arange(batch_size, len(X), batch_size)):
                    _, cache = mlp_forward(np.take(X, batch, axis=0), params)
                    grads = mlp_backward(np.take(y, batch), params, cache)
                    params, state = adamw_step(params, grads, state, lr_t, 0.9, 0.999, 1e-8, weight_decay)
            return params
        """),
    ],
}
