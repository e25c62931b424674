# Generated from solutions/optim.py by `python -m autograder build`. Fill in every function that raises
# NotImplementedError, then run `python -m autograder check optim`.
r"""Optimizers, schedulers and regularization from first principles, in NumPy.

Conventions (the same in every exercise of this topic):
- the parameters of a model are a dict name -> float64 array, e.g. {"W": (n_in, n_out), "b": (n_out,)}, and
  their gradients a dict with the same names and shapes; every optimizer updates each entry on its own, so each
  formula below holds for every parameter array $\theta$ and its gradient $g = \partial L / \partial \theta$,
  entry by entry ($\odot$ is the elementwise product);
- an optimizer step is a function `step(params, grads, state, lr, ...) -> (new_params, new_state)`. The state is
  None at the first step; after that it is whatever your step returned the step before (a dict of arrays and a
  step counter, an object of your own: your choice; it is only handed to your next step). Updating the parameter
  arrays in place and returning them is fine; the gradients must stay unchanged;
- lr is the learning rate $\eta$ of this step: a schedule changes it between steps, so always use the lr you are
  given;
- every formula follows PyTorch (`torch.optim`, `torch.optim.lr_scheduler`); where the course notes write a
  formula differently, the docstring says how and why;
- a schedule returns a NumPy array with the learning rate $\eta_t$ of every epoch
  $t = 0, 1, \dots, \mathrm{epochs} - 1$, where epoch $t$ uses the lr in effect after $t$ calls of a PyTorch
  scheduler's `step()` (epoch 0 uses the base lr).

Each function says which exercise grades it.

The network optim.train trains is the one you wrote in the mlp topic: this module imports init_params,
mlp_forward and mlp_backward from your mlp.py (hand it in beside this file). They are exercises of the mlp
topic, so they are yours to write, not given here; without a working mlp.py only optim.train cannot pass, and
every other exercise of this topic is graded as usual.
"""
import numpy as np


def sgd_step(params, grads, lr, weight_decay):
    r"""Stochastic gradient descent with weight decay, one step (exercise optim.sgd).

        $$ \theta \leftarrow \theta - \eta\, (g + \lambda \theta) = (1 - \eta \lambda)\, \theta - \eta\, g $$

    with the learning rate $\eta$ = `lr` and the weight decay $\lambda$ = `weight_decay`. This is the course notes'
    "weight decay interpretation" of L2 regularization, and what `torch.optim.SGD(lr, weight_decay=weight_decay)`
    does: the gradient of the penalty $\frac{\lambda}{2} \|\theta\|^2$ is $\lambda \theta$. SGD keeps no state.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes: $\partial L / \partial \theta$ of each parameter $\theta$.
        lr: learning rate of this step, a float > 0.
        weight_decay: $\lambda \ge 0$ (0 means plain SGD).
    Returns:
        new_params: dict of the updated parameters.
    """
    # TODO: implement sgd_step (exercise optim.sgd).
    raise NotImplementedError("sgd_step: not implemented yet (exercise optim.sgd)")


def momentum_step(params, grads, state, lr, momentum):
    r"""SGD with momentum, one step (exercise optim.momentum).

        $$
        \begin{aligned}
        b &\leftarrow \gamma\, b + g && (b = 0 \text{ before the first step, so } b = g \text{ after it}) \\
        \theta &\leftarrow \theta - \eta\, b
        \end{aligned}
        $$

    with $\gamma$ = `momentum` and $\eta$ = `lr`. $b$, the momentum buffer, is a running sum of gradients; the lr of
    the current step scales it. The course notes write the velocity with the learning rate inside,
    $v \leftarrow \gamma v + \eta g$, $\theta \leftarrow \theta - v$. That is the same while lr is constant
    ($v = \eta b$), but not once a schedule changes lr: the notes' $v$ keeps each past gradient at the lr of its
    own step. This exercise follows `torch.optim.SGD(momentum=...)`, with an lr that changes between steps.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes.
        state: None at the first step, else the new_state of the previous step.
        lr: learning rate of this step.
        momentum: $\gamma$ in [0, 1).
    Returns:
        new_params: dict of the updated parameters.
        new_state: whatever the next step needs (here: $b$ for every parameter).
    """
    # TODO: implement momentum_step (exercise optim.momentum).
    raise NotImplementedError("momentum_step: not implemented yet (exercise optim.momentum)")


def nesterov_step(params, grads, state, lr, momentum):
    r"""Nesterov accelerated gradient, one step, as PyTorch stores it (exercise optim.nesterov).

        $$
        \begin{aligned}
        b &\leftarrow \gamma\, b + g && (b = 0 \text{ before the first step}) \\
        \theta &\leftarrow \theta - \eta\, (g + \gamma\, b)
        \end{aligned}
        $$

    with $\gamma$ = `momentum` and $\eta$ = `lr`. The course notes take the gradient at a look-ahead point,
    $v \leftarrow \gamma v + \eta \nabla L(\theta - \gamma v)$, $\theta \leftarrow \theta - v$. PyTorch
    (`torch.optim.SGD(momentum=..., nesterov=True)`) keeps the look-ahead point itself as the parameters: with
    $\phi = \theta - \gamma v$, the notes' recursion becomes the two lines above, so the gradient you are given is
    already taken at the look-ahead point. As in optim.momentum, the lr of the current step scales the buffer.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes (the gradient at params).
        state: None at the first step, else the new_state of the previous step.
        lr: learning rate of this step.
        momentum: $\gamma$ in [0, 1).
    Returns:
        new_params: dict of the updated parameters.
        new_state: whatever the next step needs.
    """
    # TODO: implement nesterov_step (exercise optim.nesterov).
    raise NotImplementedError("nesterov_step: not implemented yet (exercise optim.nesterov)")


def adagrad_step(params, grads, state, lr, eps):
    r"""AdaGrad, one step (exercise optim.adagrad).

        $$
        \begin{aligned}
        G &\leftarrow G + g \odot g && (G = 0 \text{ before the first step}) \\
        \theta &\leftarrow \theta - \frac{\eta}{\sqrt{G} + \epsilon} \odot g
        \end{aligned}
        $$

    with $\eta$ = `lr` and $\epsilon$ = `eps`. $\epsilon$ goes outside the square root, as in
    `torch.optim.Adagrad` and in the course notes' own Adam; the notes' AdaGrad puts it inside,
    $\sqrt{G + \epsilon}$. The two differ by about $\epsilon / \sqrt{G}$: nothing for $\epsilon = 10^{-10}$, a lot
    for $\epsilon = 0.01$.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes; entries may be exactly 0.
        state: None at the first step, else the new_state of the previous step.
        lr: learning rate of this step.
        eps: $\epsilon > 0$.
    Returns:
        new_params: dict of the updated parameters.
        new_state: whatever the next step needs.
    """
    # TODO: implement adagrad_step (exercise optim.adagrad).
    raise NotImplementedError("adagrad_step: not implemented yet (exercise optim.adagrad)")


def rmsprop_step(params, grads, state, lr, rho, eps):
    r"""RMSProp, one step (exercise optim.rmsprop).

        $$
        \begin{aligned}
        v &\leftarrow \rho\, v + (1 - \rho)\, g \odot g && (v = 0 \text{ before the first step}) \\
        \theta &\leftarrow \theta - \frac{\eta}{\sqrt{v} + \epsilon} \odot g
        \end{aligned}
        $$

    with $\rho$ = `rho`, $\eta$ = `lr` and $\epsilon$ = `eps`. $\epsilon$ goes outside the square root, as in
    `torch.optim.RMSprop`; the course notes put it inside, $\sqrt{v + \epsilon}$. The notes' $\rho$ is torch's
    `alpha`, whose default is 0.99, not the notes' typical 0.9: use the rho you are given.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes; entries may be exactly 0.
        state: None at the first step, else the new_state of the previous step.
        lr: learning rate of this step.
        rho: $\rho$, the decay rate of the running average, in (0, 1).
        eps: $\epsilon > 0$.
    Returns:
        new_params: dict of the updated parameters.
        new_state: whatever the next step needs.
    """
    # TODO: implement rmsprop_step (exercise optim.rmsprop).
    raise NotImplementedError("rmsprop_step: not implemented yet (exercise optim.rmsprop)")


def adam_step(params, grads, state, lr, beta1, beta2, eps, weight_decay):
    r"""Adam with bias correction, one step, with L2 weight decay (exercise optim.adam).

        $$
        \begin{aligned}
        g &\leftarrow g + \lambda\, \theta && \text{(L2 regularization, added to the gradient)} \\
        t &\leftarrow t + 1 && (t = 0 \text{ before the first step, so the first step has } t = 1) \\
        m &\leftarrow \beta_1 m + (1 - \beta_1)\, g && (m = v = 0 \text{ before the first step}) \\
        v &\leftarrow \beta_2 v + (1 - \beta_2)\, g \odot g \\
        \hat{m} &= \frac{m}{1 - \beta_1^t}, \qquad \hat{v} = \frac{v}{1 - \beta_2^t} \\
        \theta &\leftarrow \theta - \frac{\eta}{\sqrt{\hat{v}} + \epsilon}\, \hat{m}
        \end{aligned}
        $$

    with $\eta$ = `lr`, $\beta_1$ = `beta1`, $\beta_2$ = `beta2`, $\epsilon$ = `eps` and $\lambda$ = `weight_decay`.
    As `torch.optim.Adam(lr, betas=(beta1, beta2), eps, weight_decay)`: its weight decay is the L2 penalty's
    gradient, added to $g$ before the moments, so it is rescaled by $\sqrt{\hat{v}}$ like the rest of the gradient
    ("coupled"; compare optim.adamw). $\epsilon$ is outside the square root, as in the course notes.

    Args:
        params: dict name -> array.
        grads: dict with the same names and shapes; entries may be exactly 0.
        state: None at the first step, else the new_state of the previous step.
        lr: learning rate of this step.
        beta1, beta2: decay rates of the first and second moment, in [0, 1).
        eps: $\epsilon > 0$.
        weight_decay: $\lambda \ge 0$.
    Returns:
        new_params: dict of the updated parameters.
        new_state: whatever the next step needs ($m$, $v$ and the step counter $t$).
    """
    # TODO: implement adam_step (exercise optim.adam).
    raise NotImplementedError("adam_step: not implemented yet (exercise optim.adam)")


def adamw_step(params, grads, state, lr, beta1, beta2, eps, weight_decay):
    r"""AdamW: Adam with decoupled weight decay, one step (exercise optim.adamw).

        $$ \theta \leftarrow \theta - \eta \lambda\, \theta \quad \text{(decay the parameters first, scaled by } \eta \text{)} $$

    then the Adam step of optim.adam on the unchanged gradient $g$ (no weight decay added to $g$). Together:

        $$ \theta \leftarrow \theta - \eta \left( \frac{\hat{m}}{\sqrt{\hat{v}} + \epsilon} + \lambda\, \theta_{\mathrm{old}} \right) $$

    with $\eta$ = `lr` and $\lambda$ = `weight_decay`. The decay is "decoupled": it does not go through $m$ and
    $v$, so $\sqrt{\hat{v}}$ does not rescale it. This is
    `torch.optim.AdamW(lr, betas=(beta1, beta2), eps, weight_decay)`; the course notes name AdamW without a
    formula. The arguments and results are those of adam_step; only the use of weight_decay differs.
    """
    # TODO: implement adamw_step (exercise optim.adamw).
    raise NotImplementedError("adamw_step: not implemented yet (exercise optim.adamw)")


def step_lr(base_lr, step_size, gamma, epochs):
    r"""Step decay, the learning rate of every epoch (exercise optim.step_lr).

        $$ \eta_t = \eta_0 \cdot \gamma^{\lfloor t / s \rfloor}, \qquad t = 0, 1, \dots, \mathrm{epochs} - 1 $$

    with $\eta_0$ = `base_lr`, $\gamma$ = `gamma` and $s$ = `step_size`. So epochs 0 to $s - 1$ use base_lr, and
    the first decay is at $t = s$ (torch's `StepLR`).

    Args:
        base_lr: the lr of epoch 0; step_size: an int >= 1; gamma: the decay factor; epochs: how many lrs.
    Returns:
        lrs: (epochs,) float64 array.
    """
    # TODO: implement step_lr (exercise optim.step_lr).
    raise NotImplementedError("step_lr: not implemented yet (exercise optim.step_lr)")


def exponential_lr(base_lr, gamma, epochs):
    r"""Exponential decay, the learning rate of every epoch (exercise optim.exponential_lr).

        $$ \eta_t = \eta_0 \cdot \gamma^t, \qquad t = 0, 1, \dots, \mathrm{epochs} - 1 $$

    with $\eta_0$ = `base_lr` and $\gamma$ = `gamma`.

    Args:
        base_lr: the lr of epoch 0; gamma: the decay factor per epoch; epochs: how many lrs.
    Returns:
        lrs: (epochs,) float64 array.
    """
    # TODO: implement exponential_lr (exercise optim.exponential_lr).
    raise NotImplementedError("exponential_lr: not implemented yet (exercise optim.exponential_lr)")


def cosine_lr(base_lr, eta_min, T_max, epochs):
    r"""Cosine annealing, the learning rate of every epoch (exercise optim.cosine_lr).

        $$
        \begin{aligned}
        \eta_t &= \eta_{\min} + \frac{1}{2} (\eta_{\max} - \eta_{\min}) \left(1 + \cos\left(\frac{t \pi}{T_{\max}}\right)\right),
            \qquad t = 0, 1, \dots, \mathrm{epochs} - 1
        \end{aligned}
        $$

    with $\eta_{\max}$ = `base_lr`, $\eta_{\min}$ = `eta_min` and $T_{\max}$ = `T_max`. The lr falls from base_lr
    (the course notes' $\eta_{\max}$) at $t = 0$ to eta_min at $t = T_{\max}$. Past $T_{\max}$ the same formula
    holds: the lr rises again, back to base_lr at $t = 2 T_{\max}$ (torch's `CosineAnnealingLR` does not clamp it
    at eta_min).

    Args:
        base_lr: $\eta_{\max}$, the lr of epoch 0; eta_min: the smallest lr; T_max: half a period, in epochs (an int);
        epochs: how many lrs (may exceed T_max).
    Returns:
        lrs: (epochs,) float64 array.
    """
    # TODO: implement cosine_lr (exercise optim.cosine_lr).
    raise NotImplementedError("cosine_lr: not implemented yet (exercise optim.cosine_lr)")


def sgdr_lr(base_lr, eta_min, T_0, T_mult, epochs):
    r"""Cosine annealing with warm restarts (SGDR), the learning rate of every epoch (exercise optim.sgdr).

        $$ \eta_t = \eta_{\min} + \frac{1}{2} (\eta_{\max} - \eta_{\min}) \left(1 + \cos\left(\frac{T_{\mathrm{cur}}}{T_i} \pi\right)\right) $$

    with $\eta_{\max}$ = `base_lr` and $\eta_{\min}$ = `eta_min`. $T_{\mathrm{cur}}$ counts the epochs since the
    last restart and $T_i$ is the length of the current cycle: the first cycle has $T_i = T_0$; when
    $T_{\mathrm{cur}}$ reaches $T_i$, the lr restarts at base_lr ($T_{\mathrm{cur}} = 0$) and the next cycle is
    $T_{\mathrm{mult}}$ times longer. With $T_0 = 2$, $T_{\mathrm{mult}} = 2$ the restarts are at
    $t = 2, 6, 14, \dots$ Within a cycle the lr never quite reaches eta_min (torch's
    `CosineAnnealingWarmRestarts`).

    Args:
        base_lr: the lr at $t = 0$ and at every restart; eta_min: the floor; T_0: length of the first cycle
            (int >= 1); T_mult: growth factor of the cycle length (int >= 1); epochs: how many lrs.
    Returns:
        lrs: (epochs,) float64 array.
    """
    # TODO: implement sgdr_lr (exercise optim.sgdr).
    raise NotImplementedError("sgdr_lr: not implemented yet (exercise optim.sgdr)")


def reduce_on_plateau(metrics, base_lr, mode, factor, patience, threshold, cooldown, min_lr):
    r"""Reduce the lr when a validation metric stops improving (exercise optim.plateau).

    After each epoch the scheduler sees that epoch's metric and returns the lr for the next epoch:

    - the metric improved if $\mathrm{metric} < \mathrm{best} \cdot (1 - \mathrm{threshold})$ in mode "min" (e.g. a
      loss; best starts at $+\infty$), or if $\mathrm{metric} > \mathrm{best} \cdot (1 + \mathrm{threshold})$ in
      mode "max" (e.g. an accuracy; best starts at $-\infty$);
    - if it improved: `best = metric`, `bad_epochs = 0`; else `bad_epochs += 1` (and best stays: it is the metric
      of the last improvement, so that small improvements add up until they beat it by the threshold);
    - if in cooldown: `cooldown_left -= 1`, `bad_epochs = 0` (bad epochs during a cooldown do not count);
    - if $\mathrm{bad\_epochs} > \mathrm{patience}$: the lr is reduced,
      $\mathrm{lr} \leftarrow \max(\mathrm{lr} \cdot \mathrm{factor},\, \mathrm{min\_lr})$, and
      `cooldown_left = cooldown`, `bad_epochs = 0`.

    This is torch's `ReduceLROnPlateau` (threshold_mode "rel"); the course notes' pseudocode differs in three
    ways. It reduces once $\mathrm{bad\_epochs} > \mathrm{patience}$, not $\ge \mathrm{patience}$. An improvement
    must beat the best by the relative threshold: a metric improving by less than that each epoch still counts as
    a bad epoch. During the `cooldown` epochs after a reduction, bad epochs are discarded, so the next reduction
    comes at least $\mathrm{cooldown} + \mathrm{patience} + 1$ epochs later. The metrics are positive.

    Args:
        metrics: (E,) array, the metric of each epoch.
        base_lr: the lr before the first epoch.
        mode: "min" or "max".
        factor: the lr is multiplied by it at a reduction, in (0, 1).
        patience: how many bad epochs are tolerated (int >= 0).
        threshold: relative improvement needed, e.g. 1e-4.
        cooldown: epochs after a reduction during which bad epochs are discarded (int >= 0).
        min_lr: the lr never goes below it.
    Returns:
        lrs: (E,) float64 array, lrs[i] = the lr after seeing metrics[0..i].
    """
    # TODO: implement reduce_on_plateau (exercise optim.plateau).
    raise NotImplementedError("reduce_on_plateau: not implemented yet (exercise optim.plateau)")


def l2_penalty(loss, grads, params, weight_decay):
    r"""L2 regularization: the penalized loss and its gradient (exercise optim.l2_penalty).

        $$
        \begin{aligned}
        L_{\mathrm{total}} &= L + \frac{\lambda}{2} \sum_{\theta} \sum_{i} \theta_i^2 \\
        \frac{\partial L_{\mathrm{total}}}{\partial \theta} &= \frac{\partial L}{\partial \theta} + \lambda\, \theta
        \end{aligned}
        $$

    with $\lambda$ = `weight_decay`; the outer sum runs over every parameter array $\theta$, the inner one over its
    entries. The $\frac{1}{2}$ makes the gradient $\lambda \theta$, so weight_decay is the $\lambda$ of SGD's and
    Adam's weight_decay. Every parameter is penalized, biases included, as in the course notes.

    Args:
        loss: $L$, a float.
        grads: dict name -> $\partial L / \partial \theta$.
        params: dict with the same names and shapes.
        weight_decay: $\lambda \ge 0$.
    Returns:
        total_loss: a float.
        total_grads: dict with the same names and shapes.
    """
    # TODO: implement l2_penalty (exercise optim.l2_penalty).
    raise NotImplementedError("l2_penalty: not implemented yet (exercise optim.l2_penalty)")


def dropout_forward(a, keep_prob, train):
    r"""Inverted dropout, forward (exercise optim.dropout).

    In training, each activation is kept with probability keep_prob, independently of every other, and scaled
    by 1 / keep_prob so that its expected value is unchanged; with $p_{\mathrm{keep}}$ = `keep_prob`:

        $$
        \begin{aligned}
        \mathrm{mask}_{ij} &= \begin{cases} 1 / p_{\mathrm{keep}} & \text{with probability } p_{\mathrm{keep}} \\
            0 & \text{otherwise} \end{cases} \\
        \mathrm{out} &= a \odot \mathrm{mask}
        \end{aligned}
        $$

    with a new random draw at every call. In evaluation (train False) nothing is dropped or scaled:
    $\mathrm{out} = a$, mask = all ones.

    Careful with $p$: in this section the course notes' $p$ is the probability of KEEPING a unit ($h = a / p$); in
    their Transformer section, and in torch's `nn.Dropout(p)`, $p$ is the probability of DROPPING it. This
    function takes keep_prob, the notes' $p$ here; `nn.Dropout(p=1 - keep_prob)` does the same.

    Args:
        a: (m, n) activations.
        keep_prob: probability of keeping each unit, in (0, 1].
        train: True in training, False in evaluation.
    Returns:
        out: (m, n).
        mask: (m, n), the factor each activation was multiplied by (0 or 1 / keep_prob; 1 in evaluation).
    """
    # TODO: implement dropout_forward (exercise optim.dropout).
    raise NotImplementedError("dropout_forward: not implemented yet (exercise optim.dropout)")


def dropout_backward(dout, mask):
    r"""Inverted dropout, backward (exercise optim.dropout).

        $$ da = d\mathrm{out} \odot \mathrm{mask} $$

    Args:
        dout: (m, n) upstream gradient $\partial L / \partial \mathrm{out}$.
        mask: what dropout_forward returned.
    Returns:
        da: (m, n).
    """
    # TODO: implement dropout_backward (exercise optim.dropout).
    raise NotImplementedError("dropout_backward: not implemented yet (exercise optim.dropout)")


def early_stopping(val_losses, checkpoints, patience, min_delta):
    r"""Early stopping with the best checkpoint restored (exercise optim.early_stopping).

    Training runs epoch by epoch; after epoch $t$ ($t = 0, 1, \dots$) its validation loss `val_losses[t]` is known:

    - epoch $t$ improved if $\mathrm{val\_losses}[t] < \mathrm{best} - \mathrm{min\_delta}$ (best starts at
      $+\infty$; min_delta is an absolute decrease of the loss, not a fraction of it);
    - if it improved: `best = val_losses[t]`, `best_epoch = t`, `wait = 0`; else `wait += 1`;
    - training stops after epoch $t$ once $\mathrm{wait} \ge \mathrm{patience}$ (patience epochs in a row without
      improvement).

    If training never stops early, it runs to the last epoch. Then the best model is restored: the checkpoint
    saved after best_epoch. This is Keras's and PyTorch Lightning's EarlyStopping (with restore_best_weights):
    note $\mathrm{wait} \ge \mathrm{patience}$, unlike ReduceLROnPlateau's $\mathrm{bad\_epochs} > \mathrm{patience}$
    (optim.plateau). A loss equal to the best is not an improvement.

    Args:
        val_losses: (E,) array, the validation loss after each epoch.
        checkpoints: list of E dicts name -> array, the parameters after each epoch.
        patience: int >= 1.
        min_delta: the smallest decrease that counts as an improvement, >= 0.
    Returns:
        stop_epoch: int, the last epoch trained (E - 1 if training never stops early).
        best_epoch: int, the epoch with the best validation loss up to stop_epoch.
        best_params: the checkpoint of best_epoch.
    """
    # TODO: implement early_stopping (exercise optim.early_stopping).
    raise NotImplementedError("early_stopping: not implemented yet (exercise optim.early_stopping)")


def mixup(x, y, lam, perm, num_classes):
    r"""Mixup: convex combinations of pairs of training examples (exercise optim.mixup).

        $$
        \begin{aligned}
        \tilde{x}_i &= \lambda\, x_i + (1 - \lambda)\, x_{\pi(i)} \\
        \tilde{y}_i &= \lambda\, \mathrm{onehot}(y_i) + (1 - \lambda)\, \mathrm{onehot}(y_{\pi(i)})
        \end{aligned}
        $$

    with $\lambda$ = `lam` and $\pi(i)$ = `perm[i]`; $\tilde{x}$ is x_mix and $\tilde{y}$ is y_mix (the course
    notes' $\tilde{x} = \lambda x_i + (1 - \lambda) x_j$). Example $i$ is mixed with example `perm[i]` of the same
    batch (perm is a permutation of $0, \dots, m - 1$; in training $\lambda \sim \mathrm{Beta}(\alpha, \alpha)$ and
    perm is random, here both are given).

    Args:
        x: (m, d) inputs.
        y: (m,) integer labels in 0 .. num_classes - 1.
        lam: the mixing weight $\lambda$, in [0, 1].
        perm: (m,) integer permutation.
        num_classes: C.
    Returns:
        x_mix: (m, d).
        y_mix: (m, C) soft labels, each row summing to 1.
    """
    # TODO: implement mixup (exercise optim.mixup).
    raise NotImplementedError("mixup: not implemented yet (exercise optim.mixup)")


def soft_cross_entropy(z, y_soft):
    r"""Cross-entropy of logits against soft labels, and its gradient (exercise optim.mixup).

        $$
        \begin{aligned}
        L &= -\frac{1}{m} \sum_{i=1}^{m} \sum_{c=1}^{C} Y_{ic} \log \operatorname{softmax}(z)_{ic} \\
        \frac{\partial L}{\partial z} &= \frac{1}{m} \big(\operatorname{softmax}(z) - Y\big)
        \end{aligned}
        $$

    with the soft labels $Y$ = `y_soft`. With the one-hot labels of the mlp topic this is the usual cross-entropy;
    with mixup's labels it equals $\lambda\, \mathrm{CE}(z, y) + (1 - \lambda)\, \mathrm{CE}(z, y')$, where
    $y'_i = y_{\pi(i)}$ is `y[perm]`. Logits may be large ($|z| \ge 710$): compute log softmax stably.

    Args:
        z: (m, C) logits.
        y_soft: (m, C) soft labels, each row summing to 1.
    Returns:
        loss: a float.
        dz: (m, C).
    """
    # TODO: implement soft_cross_entropy (exercise optim.mixup).
    raise NotImplementedError("soft_cross_entropy: not implemented yet (exercise optim.mixup)")


# -- the mlp topic's network: yours, from mlp.py; the next exercise trains it with your optimizer and schedule ------

def _mlp():
    """Your mlp.py, beside this file: optim.train trains the network you wrote there."""
    try:
        import mlp
    except Exception as e:  # say what is missing, where the training needs it
        raise ImportError(f"optim.train trains the mlp topic's network with init_params, mlp_forward and "
                          f"mlp_backward from your mlp.py, which must be beside this file and import "
                          f"({type(e).__name__}: {e}).") from None
    return mlp


def init_params(layer_sizes, seed):
    """Your mlp topic's init_params (exercise mlp.init_params), from your mlp.py."""
    return _mlp().init_params(layer_sizes, seed)


def mlp_forward(X, params):
    """Your mlp topic's mlp_forward (exercise mlp.mlp_forward): X (m, n_0) -> P (m, C), and its cache."""
    return _mlp().mlp_forward(X, params)


def mlp_backward(y, params, cache):
    """Your mlp topic's mlp_backward (exercise mlp.mlp_backward): the gradients, a dict like params."""
    return _mlp().mlp_backward(y, params, cache)


def train_mlp_adamw(X, y, layer_sizes, epochs, batch_size, lr, weight_decay, seed):
    r"""Train the MLP with minibatch AdamW and a cosine schedule (exercise optim.train).

    The training is specified exactly, so that it can be replayed step by step:

    - initialise with `init_params(layer_sizes, seed)`, and create one generator
      `rng = np.random.default_rng(seed)` before the first epoch (not one per epoch);
    - for every epoch $t = 0, \dots, \mathrm{epochs} - 1$: draw `order = rng.permutation(m)`, the indices of the
      original X and y in the order of this epoch (a new permutation every epoch). Shuffling one index array in
      place with `rng.shuffle(indices)` every epoch, or reordering X and y by every new permutation, is accepted
      as well: the same draws, each reordering the order of the epoch before;
    - split `order` into consecutive minibatches of batch_size examples, `order[0:batch_size]`,
      `order[batch_size:2 * batch_size]`, ...; the last one is smaller when batch_size does not divide m, and is
      used too. (`np.array_split(order, ceil(m / batch_size))`, as many minibatches of nearly equal sizes, is
      accepted as well.)
    - for each minibatch, run mlp_forward and mlp_backward on `X[batch]`, `y[batch]` and take one adamw_step with
      lr $\eta_t$, betas (0.9, 0.999), eps 1e-8 and weight_decay, carrying the optimizer state from step to step
      and from epoch to epoch;
    - the schedule steps once per epoch: $\eta_t$ = `cosine_lr(lr, 0.0, epochs, epochs)[t]` is the lr of every
      minibatch of epoch $t$.

    Graded by the mean cross-entropy of the returned parameters on held-out points of the same data set, and step
    by step: on a few examples in several minibatches per epoch, the result must be exactly this training,
    replayed from `init_params(layer_sizes, seed)`.

    Args:
        X: (m, n_0) training inputs; y: (m,) integer labels.
        layer_sizes: $[n_0, n_1, n_2, C]$.
        epochs, batch_size: ints; lr: the base learning rate; weight_decay: AdamW's $\lambda$; seed: an int.
    Returns:
        the trained params dict.
    """
    # TODO: implement train_mlp_adamw (exercise optim.train).
    raise NotImplementedError("train_mlp_adamw: not implemented yet (exercise optim.train)")
