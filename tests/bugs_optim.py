"""Realistic buggy optim submissions: edits to solutions/optim.py and the checks each must lose.

The mistakes come from the course notes' own formulas where the exercise follows PyTorch instead (eps inside the
root, the velocity v = gamma v + eta g, ">= patience", keep vs drop probability), from PyTorch's issue tracker and
forum threads (Adam's weight_decay is not AdamW's, the step counter, schedulers off by one epoch), and from the
classic slips of students (state not carried over, hard-coded defaults, the missing 1/2 of the L2 penalty).
Every `fails` set was found by running the grader and read for sense. `_adam_direction` is shared by adam_step and
adamw_step, so a bug in it costs both exercises, and optim.train's steps (it trains with adamw_step). Issue 18 added
Adam slips that the former comparison told "the bias correction uses t = 0" (a NaN mistake matched any answer), slow
progress on a plateau and the threshold's other arithmetic, min_delta as a fraction, and training loops that are right
with one minibatch per epoch only (a schedule stepped per minibatch, one order for every epoch, a dropped last
minibatch). `mistakes` lists what the feedback names where that is exact (tests/test_validity.py checks some).
"""
from conftest import Bug, annotated

SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP = "optim.sgd", "optim.momentum", "optim.nesterov", "optim.adagrad", \
    "optim.rmsprop"
ADAM, ADAMW, STEP, EXP, COSINE, SGDR = "optim.adam", "optim.adamw", "optim.step_lr", "optim.exponential_lr", \
    "optim.cosine_lr", "optim.sgdr"
PLATEAU, L2, DROPOUT, EARLY, MIXUP, TRAIN = "optim.plateau", "optim.l2_penalty", "optim.dropout", \
    "optim.early_stopping", "optim.mixup", "optim.train"


def steps(exercise, *names):
    return {(exercise, n) for n in names}


ADAM_ALL = steps(ADAM, "step 1", "3 steps", "weight decay")
ADAMW_ALL = steps(ADAMW, "step 1", "3 steps")
TRAIN_STEPS = steps(TRAIN, "steps")  # optim.train calls adamw_step: a bug there shows in its steps too
PLATEAU_IMPROVED = ("        improved = metric < best * (1 - threshold) if mode == \"min\" else "
                    "metric > best * (1 + threshold)\n")
DIRECTION = "    direction = {k: (m[k] / (1 - beta1 ** t)) / (np.sqrt(v[k] / (1 - beta2 ** t)) + eps) for k in grads}\n"

BUGS = [
    # -- SGD, momentum, Nesterov ------------------------------------------------------------------
    Bug("sgd_decay_without_lr", "weight decay subtracted without the learning rate: theta - lr g - lambda theta",
        [("    return {k: p - lr * (grads[k] + weight_decay * p) for k, p in params.items()}\n",
          "    return {k: p - lr * grads[k] - weight_decay * p for k, p in params.items()}\n")],
        steps(SGD, "weight decay")),
    Bug("sgd_ascent", "the update adds the gradient",
        [("    return {k: p - lr * (grads[k] + weight_decay * p) for k, p in params.items()}\n",
          "    return {k: p + lr * (grads[k] + weight_decay * p) for k, p in params.items()}\n")],
        steps(SGD, "step 1", "3 steps", "weight decay")),
    Bug("momentum_seed_velocity", "the course notes' velocity v = gamma v + lr g, theta -= v (lr inside the buffer)",
        [("    buffers = {k: momentum * buffers[k] + grads[k] for k in params}\n"
          "    return {k: p - lr * buffers[k] for k, p in params.items()}, buffers\n",
          "    buffers = {k: momentum * buffers[k] + lr * grads[k] for k in params}\n"
          "    return {k: p - buffers[k] for k, p in params.items()}, buffers\n")],
        steps(MOMENTUM, "3 steps")),  # equal at the first step, and at any constant lr
    Bug("momentum_dampened", "an exponential average of the gradients, b = gamma b + (1 - gamma) g",
        [("    buffers = {k: momentum * buffers[k] + grads[k] for k in params}\n"
          "    return {k: p - lr * buffers[k] for k, p in params.items()}, buffers\n",
          "    buffers = {k: momentum * buffers[k] + (1 - momentum) * grads[k] for k in params}\n"
          "    return {k: p - lr * buffers[k] for k, p in params.items()}, buffers\n")],
        steps(MOMENTUM, "step 1", "3 steps")),
    Bug("momentum_state_not_carried", "the buffer restarts from zero at every step (the returned state is ignored)",
        [("    buffers = {k: np.zeros_like(p) for k, p in params.items()} if state is None else state\n"
          "    buffers = {k: momentum * buffers[k] + grads[k] for k in params}\n"
          "    return {k: p - lr * buffers[k]",
          "    buffers = {k: np.zeros_like(p) for k, p in params.items()}\n"
          "    buffers = {k: momentum * buffers[k] + grads[k] for k in params}\n"
          "    return {k: p - lr * buffers[k]")],
        steps(MOMENTUM, "3 steps")),
    Bug("nesterov_is_momentum", "Nesterov written as heavy-ball momentum (no look-ahead term)",
        [("    return {k: p - lr * (grads[k] + momentum * buffers[k]) for k, p in params.items()}, buffers\n",
          "    return {k: p - lr * buffers[k] for k, p in params.items()}, buffers\n")],
        steps(NESTEROV, "step 1", "3 steps")),
    Bug("nesterov_hardcoded_momentum", "the momentum 0.9 hard-coded instead of the argument",
        [("    return {k: p - lr * (grads[k] + momentum * buffers[k]) for k, p in params.items()}, buffers\n",
          "    return {k: p - lr * (grads[k] + 0.9 * buffers[k]) for k, p in params.items()}, buffers\n")],
        steps(NESTEROV, "step 1", "3 steps")),
    # -- AdaGrad, RMSProp ------------------------------------------------------------------------------
    Bug("adagrad_eps_inside", "the course notes' AdaGrad: eps inside the square root",
        [("    return {k: p - lr * grads[k] / (np.sqrt(G[k]) + eps) for k, p in params.items()}, G\n",
          "    return {k: p - lr * grads[k] / np.sqrt(G[k] + eps) for k, p in params.items()}, G\n")],
        steps(ADAGRAD, "step 1", "3 steps")),
    Bug("adagrad_no_eps", "no eps at all: 0 / 0 where a gradient entry is 0",
        [("    return {k: p - lr * grads[k] / (np.sqrt(G[k]) + eps) for k, p in params.items()}, G\n",
          "    return {k: p - lr * grads[k] / np.sqrt(G[k]) for k, p in params.items()}, G\n")],
        steps(ADAGRAD, "step 1", "3 steps")),
    Bug("rmsprop_eps_inside", "the course notes' RMSProp: eps inside the square root",
        [("    return {k: p - lr * grads[k] / (np.sqrt(v[k]) + eps) for k, p in params.items()}, v\n",
          "    return {k: p - lr * grads[k] / np.sqrt(v[k] + eps) for k, p in params.items()}, v\n")],
        steps(RMSPROP, "step 1", "3 steps")),
    Bug("rmsprop_rho_swapped", "the running average weights the new squared gradient by rho",
        [("    v = {k: rho * v[k] + (1 - rho) * grads[k] ** 2 for k in params}\n",
          "    v = {k: (1 - rho) * v[k] + rho * grads[k] ** 2 for k in params}\n")],
        steps(RMSPROP, "step 1", "3 steps")),
    Bug("rmsprop_torch_default_alpha", "torch's default alpha 0.99 hard-coded instead of rho",
        [("    v = {k: rho * v[k] + (1 - rho) * grads[k] ** 2 for k in params}\n",
          "    v = {k: 0.99 * v[k] + 0.01 * grads[k] ** 2 for k in params}\n")],
        steps(RMSPROP, "step 1", "3 steps")),
    # -- Adam, AdamW -------------------------------------------------------------------------------------
    Bug("adam_no_bias_correction", "m and v used without bias correction",
        [(DIRECTION, "    direction = {k: m[k] / (np.sqrt(v[k]) + eps) for k in grads}\n")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS),
    Bug("adam_step_counter_from_zero", "the step counter is incremented after the update: t = 0 at the first step",
        [("    t = state[\"t\"] + 1\n", "    t = state[\"t\"]\n"),
         ("    return direction, {\"t\": t, \"m\": m, \"v\": v}\n",
          "    return direction, {\"t\": t + 1, \"m\": m, \"v\": v}\n")],
        ADAM_ALL | ADAMW_ALL | {(TRAIN, "held-out loss")} | TRAIN_STEPS),
    Bug("adam_eps_inside", "eps inside the square root in Adam",
        [(DIRECTION, "    direction = {k: (m[k] / (1 - beta1 ** t)) / np.sqrt(v[k] / (1 - beta2 ** t) + eps) "
                     "for k in grads}\n")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS),
    Bug("adam_state_reset", "the state is rebuilt at every step, so every step is a first step",
        [("    if state is None:\n        state = {\"t\": 0,", "    if True:\n        state = {\"t\": 0,")],
        steps(ADAM, "3 steps", "weight decay") | steps(ADAMW, "3 steps") | TRAIN_STEPS),
    Bug("adam_betas_swapped", "beta1 and beta2 swapped in the moment updates (the bias corrections keep theirs)",
        [("    m = {k: beta1 * state[\"m\"][k] + (1 - beta1) * g for k, g in grads.items()}\n"
          "    v = {k: beta2 * state[\"v\"][k] + (1 - beta2) * g ** 2 for k, g in grads.items()}\n",
          "    m = {k: beta2 * state[\"m\"][k] + (1 - beta2) * g for k, g in grads.items()}\n"
          "    v = {k: beta1 * state[\"v\"][k] + (1 - beta1) * g ** 2 for k, g in grads.items()}\n")],
        ADAM_ALL | ADAMW_ALL | {(TRAIN, "held-out loss")} | TRAIN_STEPS),
    Bug("adam_decay_added_in_place", "the L2 term added into the caller's gradient arrays (grads[k] += ...)",
        [("    grads = {k: g + weight_decay * params[k] for k, g in grads.items()}\n",
          "    for k in grads:\n        grads[k] += weight_decay * params[k]\n")],
        steps(ADAM, "weight decay")),  # with weight_decay 0 the arrays keep their values
    Bug("adam_decoupled_decay", "Adam's weight_decay applied the AdamW way",
        [("    grads = {k: g + weight_decay * params[k] for k, g in grads.items()}\n"
          "    direction, state = _adam_direction(grads, state, beta1, beta2, eps)\n"
          "    return {k: p - lr * direction[k] for k, p in params.items()}, state\n",
          "    direction, state = _adam_direction(grads, state, beta1, beta2, eps)\n"
          "    return {k: p - lr * weight_decay * p - lr * direction[k] for k, p in params.items()}, state\n")],
        steps(ADAM, "weight decay")),
    Bug("adamw_coupled_decay", "AdamW's decay added to the gradient, as Adam's L2 (the PyTorch < 1.2 confusion)",
        [("    direction, state = _adam_direction(grads, state, beta1, beta2, eps)\n"
          "    return {k: p - lr * weight_decay * p - lr * direction[k] for k, p in params.items()}, state\n",
          "    grads = {k: g + weight_decay * params[k] for k, g in grads.items()}\n"
          "    direction, state = _adam_direction(grads, state, beta1, beta2, eps)\n"
          "    return {k: p - lr * direction[k] for k, p in params.items()}, state\n")],
        # Adam with L2 0.01 does not learn the spirals in 40 epochs
        ADAMW_ALL | {(TRAIN, "held-out loss")} | TRAIN_STEPS),
    Bug("adamw_decay_without_lr", "AdamW's decay not scaled by lr (the paper's eta_t schedule multiplier read as 1)",
        [("    return {k: p - lr * weight_decay * p - lr * direction[k] for k, p in params.items()}, state\n",
          "    return {k: p - weight_decay * p - lr * direction[k] for k, p in params.items()}, state\n")],
        ADAMW_ALL | {(TRAIN, "held-out loss")} | TRAIN_STEPS),
    # Realistic Adam slips with no declared misconception of their own (each tried against the misconceptions that
    # divide by zero: none may be named, tests/test_buggy.py)
    Bug("adam_default_eps", "eps hard-coded to torch's default 1e-8 instead of the argument",
        [(DIRECTION, DIRECTION.replace("+ eps)", "+ 1e-8)"))],
        ADAM_ALL | ADAMW_ALL),
    Bug("adam_weight_decay_ignored", "adam_step never adds the L2 term to the gradient",
        [("    grads = {k: g + weight_decay * params[k] for k, g in grads.items()}\n"
          "    direction, state = _adam_direction(grads, state, beta1, beta2, eps)\n"
          "    return {k: p - lr * direction[k] for k, p in params.items()}, state\n",
          "    direction, state = _adam_direction(grads, state, beta1, beta2, eps)\n"
          "    return {k: p - lr * direction[k] for k, p in params.items()}, state\n")],
        steps(ADAM, "weight decay")),
    Bug("adam_corrected_moments_stored", "the bias-corrected m_hat and v_hat kept as the state instead of m and v",
        [("    direction = {k: (m[k] / (1 - beta1 ** t)) / (np.sqrt(v[k] / (1 - beta2 ** t)) + eps) for k in grads}\n"
          "    return direction, {\"t\": t, \"m\": m, \"v\": v}\n",
          "    m = {k: m[k] / (1 - beta1 ** t) for k in grads}\n"
          "    v = {k: v[k] / (1 - beta2 ** t) for k in grads}\n"
          "    direction = {k: m[k] / (np.sqrt(v[k]) + eps) for k in grads}\n"
          "    return direction, {\"t\": t, \"m\": m, \"v\": v}\n")],
        steps(ADAM, "3 steps", "weight decay") | steps(ADAMW, "3 steps") | TRAIN_STEPS | {(TRAIN, "held-out loss")}),
    Bug("adam_counter_per_parameter", "the step counter incremented once per parameter tensor, not once per step",
        [("    t = state[\"t\"] + 1\n", "    t = state[\"t\"]\n"),
         (DIRECTION, "    direction = {}\n    for k in grads:\n        t += 1\n"
                     "        direction[k] = (m[k] / (1 - beta1 ** t)) / (np.sqrt(v[k] / (1 - beta2 ** t)) + eps)\n")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS),
    Bug("adam_epsilon_hat", "the Adam paper's efficient form: lr sqrt(1 - beta2^t) / (1 - beta1^t) m / (sqrt(v) + eps)",
        [(DIRECTION, "    direction = {k: np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m[k] / (np.sqrt(v[k]) + eps) "
                     "for k in grads}\n")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS, mistakes=("epsilon hat",)),
    Bug("adam_v_not_corrected", "only the first moment bias-corrected",
        [(DIRECTION, "    direction = {k: (m[k] / (1 - beta1 ** t)) / (np.sqrt(v[k]) + eps) for k in grads}\n")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS | {(TRAIN, "held-out loss")}, mistakes=("v not corrected",)),
    Bug("adam_counter_starts_at_one", "the state's counter initialised to 1, so the first step has t = 2",
        [("        state = {\"t\": 0,", "        state = {\"t\": 1,")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS, mistakes=("step counter one ahead",)),
    Bug("adam_no_square_root", "the step divides by v_hat + eps, not sqrt(v_hat) + eps",
        [(DIRECTION, DIRECTION.replace("(np.sqrt(v[k] / (1 - beta2 ** t)) + eps)", "(v[k] / (1 - beta2 ** t) + eps)"))],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS | {(TRAIN, "held-out loss")}),
    Bug("adam_second_moment_of_raw_gradient", "v averages g instead of g^2: the square root of a negative is NaN",
        [("(1 - beta2) * g ** 2 for k, g in grads.items()}", "(1 - beta2) * g for k, g in grads.items()}")],
        ADAM_ALL | ADAMW_ALL | TRAIN_STEPS | {(TRAIN, "held-out loss")}),
    Bug("adamw_decay_after_update", "AdamW's decay applied to the parameters after the Adam step",
        [("    return {k: p - lr * weight_decay * p - lr * direction[k] for k, p in params.items()}, state\n",
          "    return {k: (p - lr * direction[k]) * (1 - lr * weight_decay) for k, p in params.items()}, state\n")],
        ADAMW_ALL | TRAIN_STEPS, mistakes=("decay after the update",)),
    # -- schedules -----------------------------------------------------------------------------------------
    Bug("step_lr_one_epoch_early", "counting epochs from 1: the first decay at t = step_size - 1",
        [("    return base_lr * gamma ** (np.arange(epochs) // step_size)\n",
          "    return base_lr * gamma ** ((np.arange(epochs) + 1) // step_size)\n")],
        steps(STEP, "lrs")),
    Bug("step_lr_no_floor", "true division: the lr decays a little every epoch",
        [("    return base_lr * gamma ** (np.arange(epochs) // step_size)\n",
          "    return base_lr * gamma ** (np.arange(epochs) / step_size)\n")],
        steps(STEP, "lrs")),
    Bug("exponential_lr_one_epoch_early", "gamma^(t + 1): epoch 0 already decayed",
        [("    return base_lr * gamma ** np.arange(epochs)\n", "    return base_lr * gamma ** np.arange(1, epochs + 1)\n")],
        steps(EXP, "lrs")),
    Bug("cosine_clamped", "the lr held at eta_min after T_max",
        [("    t = np.arange(epochs)\n", "    t = np.minimum(np.arange(epochs), T_max)\n")],
        steps(COSINE, "lrs")),
    Bug("cosine_eta_min_ignored", "annealing to 0",
        [("    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2\n",
          "    return base_lr * (1 + np.cos(np.pi * t / T_max)) / 2\n")],
        steps(COSINE, "lrs")),
    Bug("sgdr_t_mult_ignored", "every cycle T_0 epochs long",
        [("            T_cur, T_i = 0, T_i * T_mult\n", "            T_cur, T_i = 0, T_i\n")],
        steps(SGDR, "lrs")),
    Bug("sgdr_restart_late", "the restart one epoch late (T_cur reaches T_i first)",
        [("        if T_cur == T_i:\n", "        if T_cur > T_i:\n")],
        steps(SGDR, "lrs")),
    Bug("plateau_at_patience", "the course notes' pseudocode: reduce once bad epochs >= patience",
        [("        if bad > patience:\n", "        if bad >= patience:\n")],
        steps(PLATEAU, "patience", "threshold", "slow progress", "cooldown", "mode max", "min_lr")),
    Bug("plateau_no_threshold", "any decrease counts as an improvement",
        [("        improved = metric < best * (1 - threshold) if mode == \"min\" else metric > best * (1 + threshold)\n",
          "        improved = metric < best if mode == \"min\" else metric > best\n")],
        steps(PLATEAU, "threshold", "slow progress")),
    Bug("plateau_threshold_inf_minus_inf", "the threshold written best - best * threshold: inf - inf = nan at the start",
        [("        improved = metric < best * (1 - threshold) if mode == \"min\" else metric > best * (1 + threshold)\n",
          "        improved = metric < best - best * threshold if mode == \"min\" else metric > best + best * threshold\n")],
        # in mode max, -inf + -inf is -inf
        steps(PLATEAU, "patience", "threshold", "slow progress", "cooldown", "min_lr")),
    Bug("plateau_best_follows_every_decrease", "the best tracks every decrease, the bad epochs reset only on a "
        "significant one: slow progress never counts",
        [("        best, bad = (metric, 0) if improved else (best, bad + 1)\n",
          "        bad = 0 if improved else bad + 1\n"
          "        best = min(best, metric) if mode == \"min\" else max(best, metric)\n")],
        steps(PLATEAU, "slow progress"), mistakes=("best follows small improvements",)),
    Bug("plateau_compared_with_last_epoch", "each metric compared with the previous epoch's instead of the best",
        [("        best, bad = (metric, 0) if improved else (best, bad + 1)\n",
          "        best, bad = metric, 0 if improved else bad + 1\n")],
        steps(PLATEAU, "patience", "slow progress", "mode max"), mistakes=("compared with the last epoch",)),
    Bug("plateau_absolute_threshold", "torch's threshold_mode \"abs\": best - threshold, not best * (1 - threshold)",
        [(PLATEAU_IMPROVED,
          "        improved = metric < best - threshold if mode == \"min\" else metric > best + threshold\n")],
        steps(PLATEAU, "threshold", "slow progress"), mistakes=("absolute threshold",)),
    Bug("plateau_threshold_over_the_metric", "the relative threshold taken of the new metric: metric (1 + threshold) "
        "< best",
        [(PLATEAU_IMPROVED, "        improved = metric * (1 + threshold) < best if mode == \"min\" else "
                         "metric * (1 - threshold) > best\n")],
        steps(PLATEAU, "slow progress"), mistakes=("threshold of the new metric",)),
    Bug("plateau_cooldown_counts_bad_epochs", "bad epochs keep counting during the cooldown",
        [("        if cooldown_left > 0:\n            cooldown_left, bad = cooldown_left - 1, 0\n"
          "        if bad > patience:\n",
          "        if cooldown_left > 0:\n            cooldown_left -= 1\n"
          "        elif bad > patience:\n")],
        steps(PLATEAU, "cooldown")),
    Bug("plateau_mode_ignored", "always mode \"min\"",
        [("        improved = metric < best * (1 - threshold) if mode == \"min\" else metric > best * (1 + threshold)\n",
          "        improved = metric < best * (1 - threshold)\n"),
         ("np.inf if mode == \"min\" else -np.inf", "np.inf")],
        steps(PLATEAU, "mode max", "slow progress")),
    Bug("plateau_min_lr_ignored", "the lr may go below min_lr",
        [("            lr, cooldown_left, bad = max(lr * factor, min_lr), cooldown, 0\n",
          "            lr, cooldown_left, bad = lr * factor, cooldown, 0\n")],
        steps(PLATEAU, "min_lr")),
    # -- regularization --------------------------------------------------------------------------------------
    Bug("l2_no_half", "the penalty lambda ||theta||^2 without the 1/2 (the gradient kept as lambda theta)",
        [("    penalty = 0.5 * weight_decay * sum(", "    penalty = weight_decay * sum(")],
        steps(L2, "total_loss")),
    Bug("l2_biases_not_penalized", "only the weights W penalized",
        [("    penalty = 0.5 * weight_decay * sum(float(np.sum(p * p)) for p in params.values())\n"
          "    return loss + penalty, {k: grads[k] + weight_decay * p for k, p in params.items()}\n",
          "    penalty = 0.5 * weight_decay * sum(float(np.sum(p * p)) for k, p in params.items() if k[0] == 'W')\n"
          "    return loss + penalty, {k: grads[k] + (weight_decay * p if k[0] == 'W' else 0) "
          "for k, p in params.items()}\n")],
        steps(L2, "total_loss", "total_grads")),
    Bug("dropout_keep_as_drop", "keep_prob read as the drop probability (nn.Dropout's p)",
        [("    mask = (np.random.random(a.shape) < keep_prob) / keep_prob\n",
          "    mask = (np.random.random(a.shape) >= keep_prob) / (1 - keep_prob)\n")],
        steps(DROPOUT, "out", "da", "mask")),
    Bug("dropout_not_inverted", "no 1/keep_prob scaling in training",
        [("    mask = (np.random.random(a.shape) < keep_prob) / keep_prob\n",
          "    mask = (np.random.random(a.shape) < keep_prob) * 1.0\n")],
        steps(DROPOUT, "out", "da", "mask")),
    Bug("dropout_scaled_at_evaluation", "classic (non-inverted) dropout's test-time scaling: out = a * keep_prob",
        [("        return a.copy(), np.ones_like(a)\n",
          "        return a * keep_prob, np.full_like(a, keep_prob)\n")],
        steps(DROPOUT, "evaluation")),
    Bug("dropout_one_mask_per_feature", "one mask for the whole batch: a unit is dropped for every example",
        [("    mask = (np.random.random(a.shape) < keep_prob) / keep_prob\n",
          "    mask = np.broadcast_to((np.random.random(a.shape[1]) < keep_prob) / keep_prob, a.shape)\n")],
        steps(DROPOUT, "mask")),
    Bug("early_stopping_beyond_patience", "ReduceLROnPlateau's rule: stop once wait > patience",
        [("        if wait >= patience:\n", "        if wait > patience:\n")],
        steps(EARLY, "stop_epoch", "best_epoch", "best_params")),
    Bug("early_stopping_no_restore", "the last checkpoint returned instead of the best",
        [("    return t, best_epoch, checkpoints[best_epoch]\n", "    return t, best_epoch, checkpoints[t]\n")],
        steps(EARLY, "best_params")),
    Bug("early_stopping_ties_improve", "a loss equal to the best counts as an improvement",
        [("        if loss < best - min_delta:\n", "        if loss <= best - min_delta:\n")],
        steps(EARLY, "stop_epoch", "best_epoch", "best_params")),
    Bug("early_stopping_relative_min_delta", "min_delta as a fraction of the best: loss < best * (1 - min_delta)",
        [("        if loss < best - min_delta:\n", "        if loss < best * (1 - min_delta):\n")],
        steps(EARLY, "stop_epoch", "best_epoch", "best_params"), mistakes=("relative min_delta",)),
    Bug("early_stopping_lowest_loss", "the best epoch taken as the lowest loss, improvement or not",
        [("    return t, best_epoch, checkpoints[best_epoch]\n",
          "    best_epoch = int(np.argmin(val_losses[:t + 1]))\n    return t, best_epoch, checkpoints[best_epoch]\n")],
        steps(EARLY, "best_epoch", "best_params")),
    Bug("early_stopping_first_loss_as_best", "best starts at the first loss, so epoch 0 already counts as a bad epoch",
        [("    best, best_epoch, wait = np.inf, 0, 0\n", "    best, best_epoch, wait = val_losses[0], 0, 0\n")],
        steps(EARLY, "stop_epoch", "best_epoch", "best_params")),
    Bug("mixup_lambda_swapped", "lam weights the partner example",
        [("    return lam * x + (1 - lam) * x[perm], lam * onehot + (1 - lam) * onehot[perm]\n",
          "    return (1 - lam) * x + lam * x[perm], (1 - lam) * onehot + lam * onehot[perm]\n")],
        steps(MIXUP, "x_mix", "y_mix")),
    Bug("mixup_labels_not_mixed", "the inputs are mixed, the labels are not",
        [("    return lam * x + (1 - lam) * x[perm], lam * onehot + (1 - lam) * onehot[perm]\n",
          "    return lam * x + (1 - lam) * x[perm], onehot\n")],
        steps(MIXUP, "y_mix")),
    Bug("soft_cross_entropy_unstable", "log softmax without the max shift: exp overflows at logits >= 710",
        [("    shifted = z - z.max(axis=1, keepdims=True)\n    log_p = shifted", "    shifted = z\n    log_p = shifted")],
        steps(MIXUP, "loss", "dz")),
    Bug("soft_cross_entropy_mean_over_classes", "the loss averaged over batch and classes",
        [("    m = z.shape[0]\n", "    m = z.size\n")],
        steps(MIXUP, "loss", "dz")),
    # -- training ----------------------------------------------------------------------------------------
    Bug("train_no_shuffle", "minibatches in data order: the spiral data come sorted by class",
        [("        order = rng.permutation(len(X))\n", "        order = np.arange(len(X))\n")],
        steps(TRAIN, "steps", "held-out loss")),
    Bug("train_constant_lr", "the cosine schedule computed but the base lr used in every step",
        [("adamw_step(params, grads, state, lrs[epoch],", "adamw_step(params, grads, state, lr,")],
        steps(TRAIN, "steps")),
    Bug("train_schedule_one_epoch_ahead", "the scheduler stepped before each epoch, so epoch t gets the lr of t + 1",
        [("    lrs = cosine_lr(lr, 0.0, epochs, epochs)\n", "    lrs = cosine_lr(lr, 0.0, epochs, epochs + 1)[1:]\n")],
        steps(TRAIN, "steps")),
    Bug("train_adam_not_adamw", "Adam's coupled L2 penalty instead of AdamW's decoupled weight decay",
        [("params, state = adamw_step(params, grads, state,", "params, state = adam_step(params, grads, state,")],
        steps(TRAIN, "steps", "held-out loss")),
    Bug("train_state_reset_each_epoch", "the optimizer state created again at the start of every epoch",
        [("        order = rng.permutation(len(X))\n", "        order, state = rng.permutation(len(X)), None\n")],
        steps(TRAIN, "steps")),
    Bug("train_schedule_per_minibatch", "the cosine schedule stepped after every minibatch, over all the steps",
        [("    lrs = cosine_lr(lr, 0.0, epochs, epochs)\n", "    steps = epochs * int(np.ceil(len(X) / batch_size))\n"
          "    lrs, step = cosine_lr(lr, 0.0, steps, steps), 0\n"),
         ("adamw_step(params, grads, state, lrs[epoch], 0.9, 0.999, 1e-8, weight_decay)\n",
          "adamw_step(params, grads, state, lrs[step], 0.9, 0.999, 1e-8, weight_decay)\n"
          "            step += 1\n")],
        steps(TRAIN, "steps")),
    Bug("train_schedule_per_minibatch_t_max_epochs", "scheduler.step() after every minibatch with T_max = epochs",
        [("    lrs = cosine_lr(lr, 0.0, epochs, epochs)\n",
          "    lrs, step = cosine_lr(lr, 0.0, epochs, epochs * int(np.ceil(len(X) / batch_size))), 0\n"),
         ("adamw_step(params, grads, state, lrs[epoch], 0.9, 0.999, 1e-8, weight_decay)\n",
          "adamw_step(params, grads, state, lrs[step], 0.9, 0.999, 1e-8, weight_decay)\n"
          "            step += 1\n")],
        steps(TRAIN, "steps")),
    Bug("train_generator_per_epoch", "the generator created inside the epoch loop: the same order every epoch",
        [("        order = rng.permutation(len(X))\n",
          "        order = np.random.default_rng(seed).permutation(len(X))\n")],
        steps(TRAIN, "steps")),
    Bug("train_permutation_drawn_once", "one permutation drawn before the first epoch and reused",
        [("    for epoch in range(epochs):\n        order = rng.permutation(len(X))\n",
          "    order = rng.permutation(len(X))\n    for epoch in range(epochs):\n")],
        steps(TRAIN, "steps")),
    Bug("train_legacy_global_seed", "np.random.seed(seed) and np.random.permutation: the legacy generator",
        [("        order = rng.permutation(len(X))\n", "        order = np.random.permutation(len(X))\n"),
         ("    lrs = cosine_lr(lr, 0.0, epochs, epochs)\n", "    lrs = cosine_lr(lr, 0.0, epochs, epochs)\n"
          "    np.random.seed(seed)\n")],
        steps(TRAIN, "steps")),
    Bug("train_seed_per_epoch", "a generator seeded with seed + epoch in every epoch",
        [("        order = rng.permutation(len(X))\n",
          "        order = np.random.default_rng(seed + epoch).permutation(len(X))\n")],
        steps(TRAIN, "steps")),
    Bug("train_last_batch_dropped", "only full minibatches: the last, smaller one of every epoch skipped",
        [("        for start in range(0, len(X), batch_size):\n",
          "        for start in range(0, len(X) - batch_size + 1, batch_size):\n")],
        steps(TRAIN, "steps")),
    Bug("train_batch_count_rounded_down", "np.array_split into m // batch_size minibatches (too few steps)",
        [("        for start in range(0, len(X), batch_size):\n            batch = order[start:start + batch_size]\n",
          "        for batch in np.array_split(order, max(len(X) // batch_size, 1)):\n")],
        steps(TRAIN, "steps")),
]

# The feedback each bug gets beyond its checks (tests/test_feedback.py): the mistakes it names (none for the
# others), and the length of the input its first failing check shows, at most 3 along every free axis but
# for these.
MISTAKES = {
    'sgd_decay_without_lr': ('decay without lr',),
    'sgd_ascent': ('ascent',),
    'momentum_seed_velocity': ('lr inside the velocity',),
    'momentum_dampened': ('dampened',),
    'momentum_state_not_carried': ('state lost',),
    'nesterov_is_momentum': ('plain momentum',),
    'adagrad_eps_inside': ('eps inside the root',),
    'rmsprop_eps_inside': ('eps inside the root',),
    'rmsprop_rho_swapped': ('rho swapped',),
    'rmsprop_torch_default_alpha': ('default alpha',),
    'adam_no_bias_correction': ('no bias correction',),
    'adam_eps_inside': ('eps inside the root',),
    'adam_state_reset': ('state lost',),
    'adam_decoupled_decay': ('decoupled decay',),
    'adamw_coupled_decay': ('coupled decay',),
    'adamw_decay_without_lr': ('decay without lr',),
    'step_lr_one_epoch_early': ('one epoch early',),
    'step_lr_no_floor': ('no floor',),
    'exponential_lr_one_epoch_early': ('one epoch early',),
    'cosine_clamped': ('clamped',),
    'cosine_eta_min_ignored': ('eta_min ignored',),
    'sgdr_t_mult_ignored': ('T_mult ignored',),
    'sgdr_restart_late': ('restart late',),
    'plateau_at_patience': ('>= patience',),
    'plateau_no_threshold': ('no threshold',),
    'plateau_cooldown_counts_bad_epochs': ('cooldown counts',),
    'plateau_mode_ignored': ('mode ignored',),
    'plateau_min_lr_ignored': ('min_lr ignored',),
    'l2_no_half': ('no 1/2',),
    'l2_biases_not_penalized': ('biases skipped',),
    'early_stopping_beyond_patience': ('> patience',),
    'early_stopping_no_restore': ('last checkpoint',),
    'early_stopping_ties_improve': ('> patience', 'ties improve'),
    'early_stopping_lowest_loss': ('lowest loss',),
    'mixup_lambda_swapped': ('lambda swapped',),
    'mixup_labels_not_mixed': ('labels not mixed',),
    'soft_cross_entropy_mean_over_classes': ('mean over classes',),
}
INPUT_AXIS = {
    'plateau_compared_with_last_epoch': 10,
    'plateau_cooldown_counts_bad_epochs': 12,
    'plateau_min_lr_ignored': 12,
    'dropout_one_mask_per_feature': 300,
    'train_batch_count_rounded_down': 7,  # the steps check's fixed example: several minibatches per epoch
}
BUGS = annotated(BUGS, MISTAKES, INPUT_AXIS)
