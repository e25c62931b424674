"""optim: optimizers, schedules and regularization. Solutions: solutions/optim.py; oracle: reference/optim.py.

Optimizers are graded over trajectories: three steps from one start, each with its own gradients and its own lr
(the lr changes at every step, as under a schedule), on two parameter tensors of different shapes. "step 1" checks
the first step alone and "3 steps" the parameters after the third, so the state a submission carries is graded as
it carries it: the worker hands each step's returned state to the next call, and the grader never reads it.
eps is drawn large (1e-3 .. 0.1) and the first gradient always has an exact 0, so eps inside vs outside the square
root, or a missing eps, decide the outcome by construction rather than by luck (CONVENTIONS §5, INPUT-COVERAGE).
Hyperparameters are drawn away from their defaults, so a hard-coded default fails.

Schedules are graded on whole runs of epochs that reach t = s - 1, s, past T_max and across SGDR restarts;
ReduceLROnPlateau on six scenarios, each its own check (patience, threshold, slow progress, cooldown, mode "max",
min_lr); early stopping on losses where an absolute and a relative min_delta disagree, and at patience boundaries.
The training exercise is replayed exactly, step by step, on a few examples in several minibatches per epoch.
Each exercise's `mistakes` are the common misconceptions, written as variants of the oracle.
"""
import math

import numpy as np
import torch
from hypothesis import strategies as st

import reference.mlp as mlp_ref
import reference.optim as ref
from autograder import strategies as S
from autograder.compare import Tolerance, compare, matches_mistake
from autograder.exercises.common import TEST_X, TEST_Y, TRAIN_X, TRAIN_Y, logits, spiral_scores
from autograder.model import Check, Curve, call, exercise, mistake
from autograder.oracle import as_numpy, as_tensor, forward_backward

STEPS = 3
LRS = (0.3, 0.1, 0.03, 0.01)
EPS = (0.1, 0.01, 1e-3)
MOMENTUM = {"momentum": st.sampled_from((0.9, 0.5, 0.8))}
MOMENTUM_COVERS = {"momentum != 0.9": lambda i: i["momentum"] != 0.9}
WEIGHT_DECAYS = (0.01, 0.1, 0.5)

# -- optimizer trajectories ----------------------------------------------------------------


@st.composite
def trajectory_inputs(draw, **hyper):
    """params0 = {"W": (n_in, n_out), "b": (n_out,)} with n_in != n_out; STEPS gradients with exact zeros (an unused
    unit has gradient 0), the first always with grads0["b"][0] = 0; STEPS pairwise different lrs; state0 = None;
    each hyperparameter drawn from its strategy. The values (two decimals, in [-2, 2]) come from a drawn seed:
    drawing ~40 floats one by one made Hypothesis the slowest part of grading, and shrinking them helps little."""
    n_in, n_out = draw(S.sizes(2, 2, 4, least=1))
    shapes = {"W": (n_in, n_out), "b": (n_out,)}
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = {"params0": {k: rng.uniform(-2, 2, s).round(2) for k, s in shapes.items()}, "state0": None}
    for i in range(STEPS):
        inputs[f"grads{i}"] = {k: rng.uniform(-2, 2, s).round(2) * (rng.random(s) > 0.2) for k, s in shapes.items()}
    inputs["grads0"]["b"][0] = 0.0
    lrs = draw(st.lists(st.sampled_from(LRS), min_size=STEPS, max_size=STEPS, unique=True))
    inputs.update({f"lr{i}": lr for i, lr in enumerate(lrs)})
    inputs.update({name: draw(strategy) for name, strategy in hyper.items()})
    return inputs


def trajectory_example(**hyper):
    """A fixed trajectory: W (2, 3), b (3,), a zero and a tiny gradient entry, lrs 0.1, 0.3, 0.03."""
    rng = np.random.default_rng(7)
    grads = [{"W": rng.uniform(-2, 2, (2, 3)).round(2), "b": rng.uniform(-2, 2, 3).round(2)} for _ in range(STEPS)]
    grads[0]["b"][0], grads[1]["W"][0, 1] = 0.0, 1e-4
    return {"params0": {"W": rng.uniform(-2, 2, (2, 3)).round(2), "b": rng.uniform(-2, 2, 3).round(2)},
            "state0": None, **{f"grads{i}": g for i, g in enumerate(grads)},
            "lr0": 0.1, "lr1": 0.3, "lr2": 0.03, **hyper}


def steps(function, *hyper, stateful=True):
    """The plan: STEPS calls of `function`, each on the parameters (and state) the previous call returned."""
    plan = []
    for i in range(STEPS):
        state = (f"state{i}",) if stateful else ()
        returns = (f"params{i + 1}", f"state{i + 1}") if stateful else f"params{i + 1}"
        plan.append(call(function, f"params{i}", f"grads{i}", *state, f"lr{i}", *hyper, returns=returns))
    return plan


def optimizer_oracle(name, *hyper):
    def oracle(**inputs):
        after = ref.trajectory(name, inputs["params0"], [inputs[f"grads{i}"] for i in range(STEPS)],
                               [inputs[f"lr{i}"] for i in range(STEPS)], **{h: inputs[h] for h in hyper})
        return {f"params{i + 1}": as_numpy(p) for i, p in enumerate(after)}
    return oracle


def trajectory_checks(first=1, later=2):
    return [Check("step 1", first, output="params1"), Check(f"{STEPS} steps", later, output=f"params{STEPS}")]


TRAJECTORY_COVERS = {
    "lr different at every step": lambda i: len({i[f"lr{k}"] for k in range(STEPS)}) == STEPS,
    "two parameter tensors, W not square": lambda i: len(i["params0"]) == 2 and len(set(i["params0"]["W"].shape)) == 2,
    "a gradient entry exactly 0": lambda i: any((g == 0).any() for g in i["grads0"].values()),
}


def rollout(rule, *hyper, **switches):
    """A Mistake's oracle: what a per-tensor update rule(p, g, s, lr, *hyper, **switches) -> (p, s), applied to
    every parameter at every step (s None at the first), gives on the exercise's trajectory."""
    def oracle(**inputs):
        params, state, out = dict(inputs["params0"]), dict.fromkeys(inputs["params0"]), {}
        for i in range(STEPS):
            for k in params:
                params[k], state[k] = rule(params[k], inputs[f"grads{i}"][k], state[k], inputs[f"lr{i}"],
                                           *(inputs[h] for h in hyper), **switches)
            out[f"params{i + 1}"] = dict(params)
        return out
    return oracle


def sgd_rule(p, g, s, lr, weight_decay, decay_without_lr=False, ascent=False):
    if decay_without_lr:
        return p - lr * g - weight_decay * p, s
    return p + (1 if ascent else -1) * lr * (g + weight_decay * p), s


def momentum_rule(p, g, b, lr, momentum, nesterov=False, plain=False, lr_inside=False, dampened=False,
                  reset=False, old_buffer=False):
    """b <- momentum b + g, p <- p - lr b (Nesterov: p - lr (g + momentum b)), or one of the mistakes."""
    b_old = 0 * g if (b is None or reset) else b
    if lr_inside:  # the course notes' velocity v = gamma v + lr g (for Nesterov, in CS231n's form)
        v = momentum * b_old + lr * g
        return (p + momentum * b_old - (1 + momentum) * v if nesterov else p - v), v
    b_new = momentum * b_old + ((1 - momentum) * g if dampened else g)
    if nesterov and not plain:
        return p - lr * (g + momentum * b_new), b_new
    return p - lr * (b_old if old_buffer else b_new), b_new


def adaptive_rule(p, g, G, lr, *hyper, rmsprop=False, eps_inside=False, reset=False, no_sqrt=False,
                  default_alpha=False, swapped=False):
    """AdaGrad (hyper = eps; G <- G + g^2) or RMSProp (hyper = rho, eps; G <- rho G + (1 - rho) g^2), then
    p - lr g / (sqrt(G) + eps), or one of the mistakes."""
    eps = hyper[-1]
    G = 0 * g if (G is None or reset) else G
    if rmsprop:
        rho = 0.99 if default_alpha else hyper[0]
        G = (1 - rho) * G + rho * g * g if swapped else rho * G + (1 - rho) * g * g
    else:
        G = G + g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        return p - lr * g / (np.sqrt(G + eps) if eps_inside else (G if no_sqrt else np.sqrt(G)) + eps), G


def adam_rule(p, g, s, lr, beta1, beta2, eps, weight_decay, decoupled=False, coupled=False, bias_correction=True,
              t_shift=0, eps_inside=False, eps_hat=False, swapped=False, correct_v=True, reset=False,
              decay_without_lr=False, decay_after=False):
    """Adam (decoupled False) or AdamW (True) on one tensor, s = (t, m, v), or one of the mistakes."""
    t, m, v = (0, 0 * g, 0 * g) if (s is None or reset) else s
    if swapped:
        beta1, beta2 = beta2, beta1
    if not decoupled or coupled:
        g = g + weight_decay * p
    t += 1
    m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m / (1 - beta1 ** (t + t_shift)) if bias_correction else m
        v_hat = v / (1 - beta2 ** (t + t_shift)) if bias_correction and correct_v else v
        direction = m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
        if eps_hat:  # TensorFlow's form: lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
            direction = np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t) * m / (np.sqrt(v) + eps)
    if decoupled and not coupled:
        decay = weight_decay * p if decay_without_lr else lr * weight_decay * p
        if decay_after:
            return (p - lr * direction) * (1 - lr * weight_decay), (t, m, v)
        return p - decay - lr * direction, (t, m, v)
    return p - lr * direction, (t, m, v)


def _optimizer(exercise_id, function, title, hyper, mistakes, checks=None, extra_checks=(), **options):
    """An optimizer exercise: the trajectory plan, its oracle, checks and covers."""
    name = exercise_id.split(".", 1)[1]
    stateful = name != "sgd"
    names = tuple(hyper)
    return exercise(
        exercise_id, title, calls=steps(function, *names, stateful=stateful),
        inputs=trajectory_inputs(**hyper), examples=(trajectory_example(**options.pop("example")),),
        oracle=optimizer_oracle(name, *names), checks=(checks or trajectory_checks()) + list(extra_checks),
        covers={**TRAJECTORY_COVERS, **options.pop("covers", {})}, mutable=("params0",), mistakes=mistakes,
        max_examples=10, **options)


# -- schedules --------------------------------------------------------------------------------

BASE_LRS = st.sampled_from([0.1, 1.0, 0.05])


@st.composite
def step_lr_inputs(draw):
    step_size = draw(st.integers(2, 5))
    return {"base_lr": draw(BASE_LRS), "step_size": step_size, "gamma": draw(st.sampled_from([0.5, 0.1, 0.3])),
            "epochs": 2 * step_size + draw(st.integers(1, 3))}  # reaches t = s - 1, s, 2 s


@st.composite
def cosine_inputs(draw):
    T_max = draw(st.integers(2, 6))
    base_lr = draw(BASE_LRS)
    return {"base_lr": base_lr, "eta_min": base_lr * draw(st.sampled_from([0.1, 0.01, 0.25])), "T_max": T_max,
            "epochs": 2 * T_max + draw(st.integers(2, 4))}  # past T_max, back up past 2 T_max


@st.composite
def sgdr_inputs(draw):
    T_0, T_mult = draw(st.integers(2, 4)), draw(st.sampled_from([2, 3, 1]))
    base_lr = draw(BASE_LRS)
    return {"base_lr": base_lr, "eta_min": base_lr * draw(st.sampled_from([0.1, 0.01])), "T_0": T_0,
            "T_mult": T_mult, "epochs": T_0 * (1 + T_mult) + draw(st.integers(1, 3))}  # two restarts


def schedule_oracle(name):
    def oracle(base_lr, epochs, **hyper):
        return {"lrs": as_numpy(ref.schedule(name, base_lr, epochs, **hyper))}
    return oracle


def closed_form(formula):
    """A schedule Mistake's oracle: lrs = formula(t, **inputs) over t = 0 .. epochs - 1."""
    return lambda **i: {"lrs": np.array([formula(t, **i) for t in range(i["epochs"])], dtype=np.float64)}


def cosine(t, base_lr, eta_min, T):
    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * t / T)) / 2


def sgdr_variant(base_lr, eta_min, T_0, T_mult, epochs, ignore_mult=False, late=False):
    lrs, T_cur, T_i = [], 0, T_0
    for _ in range(epochs):
        lrs.append(cosine(T_cur, base_lr, eta_min, T_i))
        T_cur += 1
        if T_cur == T_i + (1 if late else 0):
            T_cur, T_i = 0, T_i * (1 if ignore_mult else T_mult)
    return {"lrs": np.array(lrs)}


# -- ReduceLROnPlateau: five scenarios ---------------------------------------------------------


@st.composite
def metric_series(draw, mode, threshold, moves, n=(10, 15), slight=(10,)):
    """Positive metrics made by multiplicative moves: "better" (by 20 %), "worse" (10 %), "same", and "slightly"
    better by threshold / k, k drawn from `slight`: never better by the relative threshold unless k (mode "max") or
    k + 1 (mode "min") of them add up, and then by a margin of at least threshold^2 / 4
    (tests/test_reference_optim.py checks that no comparison is closer)."""
    sign = 1 if mode == "max" else -1
    k = draw(st.sampled_from(slight))
    factor = {"better": 1 + sign * 0.2, "worse": 1 - sign * 0.1, "same": 1.0, "slightly": 1 + sign * threshold / k}
    value, series = draw(st.sampled_from([2.5, 0.4, 40.0])), []
    low, high = S.lengths(*n, least=2)
    for move in draw(st.lists(st.sampled_from(moves), min_size=low, max_size=high)):
        value *= factor[move]
        series.append(value)
    return np.array(series)


@st.composite
def plateau_inputs(draw, mode="min", moves=("better", "worse", "same"), cooldown=(0,), threshold=(1e-4,),
                   min_lr=(0.0,), slight=(10,)):
    mode = draw(st.sampled_from(mode)) if isinstance(mode, tuple) else mode
    thr = draw(st.sampled_from(threshold))
    base_lr, patience = draw(st.sampled_from([0.1, 1.0])), draw(st.integers(0, 3))
    # At most 15 metrics: factor 0.1 only with patience >= 2 keeps every lr above 1e-7, where torch's skipping of
    # reductions smaller than its eps = 1e-8 never applies (the docstring does not ask for it).
    factor = draw(st.sampled_from([0.5, 0.1] if patience >= 2 else [0.5]))
    return {"metrics": draw(metric_series(mode, thr, moves, slight=slight)), "base_lr": base_lr, "mode": mode,
            "factor": factor, "patience": patience, "threshold": thr,
            "cooldown": draw(st.sampled_from(cooldown)), "min_lr": base_lr * draw(st.sampled_from(min_lr))}


def _plateau_example(metrics, **options):
    defaults = {"base_lr": 0.1, "mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-4, "cooldown": 0,
                "min_lr": 0.0}
    return {"metrics": np.array(metrics, dtype=np.float64), **defaults, **options}


PLATEAU_SCENARIOS = {  # check name -> (strategy, explicit example)
    "patience": (plateau_inputs(), _plateau_example([1.0] * 12)),  # constant: reductions after metrics #4, 7, 10
    "threshold": (plateau_inputs(moves=("slightly", "better", "slightly", "same"), threshold=(1e-4, 1e-2)),
                  _plateau_example([1.0 - 9e-6 * k for k in range(12)])),  # slowly improving: bad epochs all
    # Runs of improvements, each smaller than the threshold, that add up past it (at scales 0.4, 2.5 and 40, where
    # an absolute threshold disagrees with the relative one both ways). In the example, steps of 0.0015 (0.3 %)
    # add up past 1 % of the best (0.005; an absolute 0.01 would take twice as long); 0.495025 and 0.4886 lie just
    # above best * (1 - threshold), where metric * (1 + threshold) < best would count them; the recovery after
    # 0.514025 beats that metric but not the best.
    "slow progress": (plateau_inputs(mode=("min", "max"), moves=("slightly",) * 5 + ("same", "worse", "better"),
                                     threshold=(1e-2, 1e-3, 1e-4), slight=(3, 2, 4)),
                      _plateau_example([0.5, 0.4985, 0.497, 0.495025, 0.493525, 0.492025, 0.490525, 0.489025,
                                        0.514025, 0.4886, 0.4886, 0.5136], threshold=0.01)),
    "cooldown": (plateau_inputs(cooldown=(1, 2, 3)), _plateau_example([1.0] * 12, patience=1, cooldown=2)),
    "mode max": (plateau_inputs(mode="max", moves=("better", "worse", "same")),
                 _plateau_example([0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.65, 0.7], mode="max")),
    "min_lr": (plateau_inputs(min_lr=(0.05, 0.3)),
               _plateau_example([3.0, 2.9, 2.9, 2.9, 3.1, 3.0, 3.2, 3.3, 3.1, 3.0, 3.4, 3.5], patience=0, factor=0.1,
                                min_lr=0.002)),
}


def _improves(metric, best, mode, threshold, absolute=False):
    """Whether `metric` improves on `best` by the threshold (relative, torch's "rel" mode, unless `absolute`)."""
    sign = 1 if mode == "max" else -1
    bound = best + sign * threshold if absolute else best * (1 + sign * threshold)
    return sign * metric > sign * bound


def _bests(i):
    """The oracle's best before each metric (its first is +-inf)."""
    best, found = (np.inf if i["mode"] == "min" else -np.inf), []
    for metric in i["metrics"]:
        found.append(best)
        best = metric if _improves(metric, best, i["mode"], i["threshold"]) else best
    return found


def _adds_up(i):
    """A metric that improves on the best by the threshold although it improves on the metric before it by less."""
    m, mode, threshold = i["metrics"], i["mode"], i["threshold"]
    return any(_improves(m[t], best, mode, threshold) and not _improves(m[t], m[t - 1], mode, threshold)
               for t, best in enumerate(_bests(i)) if t > 0)


def _modes_disagree(i, absolute_only):
    """A metric that improves on the best by the absolute threshold but not by the relative one (or the reverse)."""
    return any(_improves(m, best, i["mode"], i["threshold"], absolute=absolute_only)
               and not _improves(m, best, i["mode"], i["threshold"], absolute=not absolute_only)
               for m, best in zip(i["metrics"], _bests(i)) if np.isfinite(best))


def plateau_oracle(metrics, **options):
    return {"lrs": as_numpy(ref.plateau(metrics, **options))}


def plateau_variant(metrics, base_lr, mode, factor, patience, threshold, cooldown, min_lr, at_patience=False,
                    no_threshold=False, abs_threshold=False, cooldown_counts=False, ignore_mode=False,
                    ignore_min_lr=False, best_follows=False, last_metric=False, over_metric=False):
    """The lrs of ReduceLROnPlateau with one of the common mistakes switched on."""
    mode = "min" if ignore_mode else mode
    threshold = 0.0 if no_threshold else threshold
    lr, best, bad, cooldown_left, lrs = base_lr, np.inf if mode == "min" else -np.inf, 0, 0, []
    for metric in metrics:
        improved = _improves(metric, best, mode, threshold, absolute=abs_threshold)
        if over_metric:  # the threshold taken of the new metric: metric * (1 + threshold) < best in mode "min"
            improved = metric * (1 + threshold) < best if mode == "min" else metric * (1 - threshold) > best
        best, bad = (metric, 0) if improved else (best, bad + 1)
        if last_metric or best_follows and _improves(metric, best, mode, 0.0):
            best = metric  # the best follows every small improvement (or every metric), the count does not reset
        in_cooldown = cooldown_left > 0
        if in_cooldown:  # torch: bad epochs during the cooldown are discarded; the mistake keeps counting them
            cooldown_left -= 1
            bad = bad if cooldown_counts else 0
        if (bad >= patience if at_patience else bad > patience) and not (cooldown_counts and in_cooldown):
            lr = lr * factor if ignore_min_lr else max(lr * factor, min_lr)
            cooldown_left, bad = cooldown, 0
        lrs.append(lr)
    return {"lrs": np.array(lrs)}


def plateau_mistake(name, hint, checks=(), **switch):
    return mistake(name, hint, lambda **i: plateau_variant(**i, **switch), checks)


# -- regularization ---------------------------------------------------------------------------


@st.composite
def l2_inputs(draw):
    n_in, n_out = draw(S.sizes(2, 2, 4, least=1))
    shapes = {"W": (n_in, n_out), "b": (n_out,)}
    return {"loss": draw(S.floats(0.1, 3.0)), "grads": {k: draw(S.arrays(s)) for k, s in shapes.items()},
            "params": {k: draw(S.nonzero_arrays(s)) for k, s in shapes.items()},
            "weight_decay": draw(st.sampled_from([0.1, 0.01, 0.5]))}


def l2_oracle(loss, grads, params, weight_decay):
    found = forward_backward(lambda loss, weight_decay, **p: ref.l2_penalized(loss, weight_decay, **p),
                             {"loss": loss, "weight_decay": weight_decay, **params}, out="total_loss",
                             grads={k: k for k in params})
    return {"total_loss": found["total_loss"], "total_grads": {k: grads[k] + found[k] for k in params}}


def l2_variant(loss, grads, params, weight_decay, half=0.5, grad_factor=1.0, skip_biases=False, norm=False):
    kept = {k: p for k, p in params.items() if not (skip_biases and k.startswith("b"))}
    squares = sum(float(np.sum(p * p)) for p in kept.values())
    penalty = half * weight_decay * (np.sqrt(squares) if norm else squares)
    return {"total_loss": loss + penalty,
            "total_grads": {k: grads[k] + (grad_factor * weight_decay * kept[k] if k in kept else 0) for k in grads}}


@st.composite
def dropout_inputs(draw, train=True):
    m, n = draw(S.sizes(2, 2, 5, least=1))
    return {"a": draw(S.nonzero_arrays((m, n))), "dout": draw(S.arrays((m, n))),
            "keep_prob": draw(st.sampled_from([0.5, 0.8, 0.25, 1.0])), "train": train}


# One large draw for the statistics: 60 000 units, keep_prob 0.8 (0.2 would be the drop probability).
DROPOUT_LARGE = {"a": np.random.default_rng(11).uniform(0.5, 2.0, (200, 300)), "dout": np.ones((200, 300)),
                 "keep_prob": 0.8, "train": True}


def hoeffding_bound(n: int, alpha: float) -> float:
    """eps with P(|kept fraction - keep_prob| > eps) <= alpha for n independent units (Hoeffding's inequality)."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def _mask_problem(got, inputs) -> str | None:
    """Why the mask is unusable (not an array of a's shape), or None."""
    mask = got.get("mask")
    if not isinstance(mask, np.ndarray) or mask.shape != inputs["a"].shape:
        return f"dropout_forward's mask should be an array of shape {inputs['a'].shape}, but it is " \
               f"{'an array of shape ' + str(mask.shape) if isinstance(mask, np.ndarray) else type(mask).__name__}."
    if not np.all(np.isfinite(mask)):
        return "dropout_forward's mask contains NaN or inf."
    return None


def _replayed(got, inputs, name, upstream):
    """Compare got[name] with the inverted dropout of `upstream` under the units the student's mask kept."""
    problem = _mask_problem(got, inputs)
    if problem:
        return problem
    kept = torch.as_tensor(got["mask"] != 0)
    expected = as_numpy(ref.dropout_with_mask(as_tensor(inputs[upstream]), kept, inputs["keep_prob"]))
    message = compare(name, got[name], expected, Tolerance())
    if message and isinstance(got[name], np.ndarray) and got[name].shape == expected.shape:
        with np.errstate(all="ignore"):
            if np.allclose(got[name], expected * inputs["keep_prob"] / (1 - inputs["keep_prob"])):
                message += " It is scaled by 1 / (1 - keep_prob): keep_prob is the probability of keeping a unit."
            elif np.allclose(got[name], expected * inputs["keep_prob"]):
                message += " The kept units are not scaled up (inverted dropout keeps the expected value unchanged)."
    return message


def dropout_out_judge(got, inputs):
    """out = a * kept / keep_prob, replayed with the units the submission's mask kept."""
    return _replayed(got, inputs, "out", "a")


def dropout_da_judge(got, inputs):
    return _replayed(got, inputs, "da", "dout")


def dropout_eval_judge(got, inputs):
    """In evaluation, out = a and da = dout: nothing dropped, nothing scaled."""
    return (compare("out (evaluation)", got["out"], inputs["a"], Tolerance())
            or compare("da (evaluation)", got["da"], inputs["dout"], Tolerance()))


def dropout_mask_judge(got, inputs):
    """On 60 000 units: mask values 0 or 1/keep_prob; the kept fraction within a Hoeffding bound of keep_prob
    (a correct mask fails with probability below 1e-9); units dropped independently, not per example or per column."""
    problem = _mask_problem(got, inputs)
    if problem:
        return problem
    mask, keep = got["mask"], inputs["keep_prob"]
    scaled = np.isclose(mask, 1 / keep, rtol=1e-12, atol=0) | (mask == 0)
    if not scaled.all():
        value = mask[~scaled].flat[0]
        return (f"the mask has the value {value:.6g}; every entry should be 0 (dropped) or 1 / keep_prob = "
                f"{1 / keep:.6g} (kept).")
    kept = float((mask != 0).mean())
    bound = hoeffding_bound(mask.size, alpha=1e-9)
    if abs(kept - keep) > bound:
        hint = " That is about 1 - keep_prob: is keep_prob used as the probability of dropping?" \
            if abs(kept - (1 - keep)) <= bound else ""
        return (f"the mask keeps {kept:.2%} of the units with keep_prob = {keep}; a correct mask keeps "
                f"{keep:.0%} +- {bound:.2%}.{hint}")
    if np.all(mask == mask[:, :1]) or np.all(mask == mask[:1, :]):
        return ("the mask is the same along a whole row or column: each unit of each example is kept or dropped "
                "on its own.")
    return None


@st.composite
def early_stopping_inputs(draw):
    """Validation losses made of moves from 3 or 10: better by 0.2, by 0.02 (more than min_delta = 0.01, less than
    1 % of a loss above 2), by 0.004 (less than min_delta: three in a row add up past it), the same (an exact
    tie), worse by 0.1. At these scales min_delta taken as a fraction of the best (1 % of 10 is 0.1) disagrees with
    the absolute one often. Every difference of two losses is a multiple of 0.004, so none is within 0.002 of
    min_delta (0.01 or 0.03): any arrangement of the comparison (loss < best - min_delta, best - loss > min_delta)
    agrees."""
    patience, min_delta = draw(st.integers(1, 4)), draw(st.sampled_from([0.01, 0.0, 0.03]))
    value, losses = draw(st.sampled_from([3.0, 10.0])), []
    moves = draw(st.lists(st.sampled_from(["modestly", "better", "slightly", "same", "worse", "slightly"]),
                          min_size=6, max_size=12))
    for move in moves:
        value += {"better": -0.2, "modestly": -0.02, "slightly": -0.004, "same": 0.0, "worse": 0.1}[move]
        losses.append(round(value, 6))
    return {"val_losses": np.array(losses), "checkpoints": _checkpoints(len(losses)),
            "patience": patience, "min_delta": min_delta}


def _checkpoints(E):
    """E parameter dicts, W (2, 3) and b (3,); the one of epoch t holds t + 0.1 k, so that a checkpoint of the
    wrong epoch shows in the feedback (expected 7.1, got 9.1)."""
    return [{"W": t + np.arange(6.0).reshape(2, 3) / 10, "b": t + np.arange(3.0) / 10} for t in range(E)]


EARLY_EXAMPLES = (
    # the best epoch (7) is within patience of the end (9): training never stops early
    {"val_losses": np.array([2.0, 1.5, 1.6, 1.2, 1.25, 1.1, 1.1, 0.9, 0.95, 0.92]), "checkpoints": _checkpoints(10),
     "patience": 3, "min_delta": 0.0},
    # ties and improvements smaller than min_delta are no improvement: stops after epoch 5, best epoch 2
    {"val_losses": np.array([1.0, 0.8, 0.7, 0.7, 0.695, 0.699, 0.5, 0.4]), "checkpoints": _checkpoints(8),
     "patience": 3, "min_delta": 0.01},
    # with min_delta = 0, a tie with the best (epoch 2) is still no improvement: stops after epoch 4, best epoch 1
    {"val_losses": np.array([1.0, 0.8, 0.8, 0.9, 0.95, 0.7]), "checkpoints": _checkpoints(6), "patience": 3,
     "min_delta": 0.0},
    # min_delta is absolute: 0.004 an epoch beats the best by more than 0.01 every third epoch (never by 1 %), so
    # training never stops; best epoch 9
    {"val_losses": np.array([round(3.0 - 0.004 * t, 6) for t in range(11)]), "checkpoints": _checkpoints(11),
     "patience": 3, "min_delta": 0.01},
    # patience boundaries: 2 epochs without improvement, then an improvement (epoch 4); then 3: stops after epoch 7,
    # one before the last
    {"val_losses": np.array([1.0, 0.9, 1.0, 1.0, 0.8, 0.9, 0.9, 0.9, 0.7]), "checkpoints": _checkpoints(9),
     "patience": 3, "min_delta": 0.0},
)


def _best_so_far(val_losses, min_delta):
    """The best loss before each epoch (inf before the first)."""
    best, found = np.inf, []
    for loss in val_losses:
        found.append(best)
        best = loss if loss < best - min_delta else best
    return found


def _wait_before_improvement(i):
    """Some improvement comes after exactly patience - 1 epochs without one (patience >= 2)."""
    wait, best = 0, np.inf
    for loss in i["val_losses"]:
        if loss < best - i["min_delta"]:
            if i["patience"] >= 2 and wait == i["patience"] - 1:
                return True
            best, wait = loss, 0
        else:
            wait += 1
            if wait >= i["patience"]:
                return False
    return False


def early_oracle(val_losses, checkpoints, patience, min_delta):
    stop, best = ref.early_stopping(val_losses, patience, min_delta)
    return {"stop_epoch": stop, "best_epoch": best, "best_params": checkpoints[best]}


def early_variant(val_losses, checkpoints, patience, min_delta, beyond=False, ties=False, no_delta=False,
                  last=False, from_stop=False, relative=False, lowest=False):
    best, best_epoch, wait, stop = np.inf, 0, 0, len(val_losses) - 1
    delta = 0.0 if no_delta else min_delta
    for t, loss in enumerate(val_losses):
        bound = best * (1 - delta) if relative else best - delta
        if loss <= bound if ties else loss < bound:
            best, best_epoch, wait = loss, t, 0
        else:
            wait += 1
        if wait > patience if beyond else wait >= patience:
            stop = t
            break
    if from_stop:
        best_epoch = max(stop - patience, 0)
    if lowest:
        best_epoch = int(np.argmin(val_losses[:stop + 1]))
    return {"stop_epoch": stop, "best_epoch": best_epoch, "best_params": checkpoints[stop if last else best_epoch]}


@st.composite
def mixup_inputs(draw):
    m, d, C = draw(S.sizes(3, 3, 5, least=(2, 1, 2)))  # m = 2: a swap
    y = draw(S.labels(m, C))
    order = np.array(draw(st.permutations(range(m))))
    perm = np.empty(m, dtype=np.int64)
    perm[order] = np.roll(order, -1)  # one m-cycle, m >= 3: no fixed point, and perm is not its own inverse
    lam = draw(st.sampled_from([0.3, 0.7, 0.9, 0.15]))
    onehot = np.eye(C)[y]
    return {"x": draw(S.arrays((m, d))), "y": y, "lam": lam, "perm": perm.astype(np.int64), "num_classes": C,
            "z": draw(logits(m, C)), "y_soft": lam * onehot + (1 - lam) * onehot[perm]}


MIXUP_EXAMPLE = {"x": np.arange(12.0).reshape(4, 3) / 4, "y": np.array([0, 2, 1, 2]), "lam": 0.7,
                 "perm": np.array([2, 0, 3, 1]), "num_classes": 4,
                 "z": np.array([[1.0, 2.0, 0.5, -1.0], [800.0, -5.0, 0.0, 799.0], [0.0, 0.0, 1.0, 3.0],
                                [-750.0, 1.0, 2.0, 0.0]])}
MIXUP_EXAMPLE["y_soft"] = 0.7 * np.eye(4)[MIXUP_EXAMPLE["y"]] + 0.3 * np.eye(4)[MIXUP_EXAMPLE["y"][[2, 0, 3, 1]]]


def mixup_oracle(x, y, lam, perm, num_classes, z, y_soft):
    x_mix, y_mix = ref.mixup(as_tensor(x), as_tensor(y), lam, as_tensor(perm), num_classes)
    return {"x_mix": as_numpy(x_mix), "y_mix": as_numpy(y_mix),
            **forward_backward(ref.soft_cross_entropy, {"z": z, "y_soft": y_soft}, out="loss", grads={"z": "dz"})}


def mixup_variant(x, y, lam, perm, num_classes, z, y_soft, swapped=False, unmixed_labels=False, inverse=False):
    perm = np.argsort(perm) if inverse else perm
    lam = 1 - lam if swapped else lam
    onehot = np.eye(num_classes)[y]
    return {"x_mix": lam * x + (1 - lam) * x[perm],
            "y_mix": onehot if unmixed_labels else lam * onehot + (1 - lam) * onehot[perm]}


def soft_ce_variant(z, y_soft, per_class=False, no_mean=False, **_):
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    m = z.shape[0] * (z.shape[1] if per_class else 1)
    m = 1 if no_mean else m
    return {"loss": float(-np.sum(y_soft * log_p) / m), "dz": (np.exp(log_p) - y_soft) / m}


# -- training the mlp topic's network ------------------------------------------------------------

TARGET_LOSS = 0.1
TRAIN_CONFIGS = ({"epochs": 40, "batch_size": 32, "lr": 0.02, "weight_decay": 0.01, "seed": 0},
                 {"epochs": 50, "batch_size": 40, "lr": 0.02, "weight_decay": 0.05, "seed": 1})  # 300 % 40 = 20
TRAIN_INPUTS = [{"X": TRAIN_X, "y": TRAIN_Y, "layer_sizes": [2, 32, 32, 3], **c} for c in TRAIN_CONFIGS]
TRAIN_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def held_out_loss(got, inputs):
    """The mean cross-entropy of the trained MLP on the held-out spiral points, computed here with torch."""
    params = got["params"]
    problem = _network_shapes(params, inputs["layer_sizes"])
    if problem:
        return f"train_mlp_adamw {problem}"
    tensors = {k: as_tensor(params[k]) for k in TRAIN_PARAMS}
    loss = float(mlp_ref.mlp_loss(as_tensor(TEST_X), as_tensor(TEST_Y), **tensors))
    if not np.isfinite(loss) or loss > TARGET_LOSS:
        return (f"with {', '.join(f'{k} = {inputs[k]}' for k in ('epochs', 'batch_size', 'lr', 'weight_decay', 'seed'))}"
                f" the trained network's mean cross-entropy on the held-out spiral points is {loss:.4g}; at most "
                f"{TARGET_LOSS} is required (a correct implementation reaches about 0.03).")
    return None


def _network_shapes(params, layer_sizes) -> str | None:
    """What is wrong with the shapes of a network's params dict, or None."""
    if not isinstance(params, dict):
        return f"should return the params dict, not {type(params).__name__}."
    for l, (a, b) in enumerate(zip(layer_sizes, layer_sizes[1:]), 1):
        for k, shape in ((f"W{l}", (a, b)), (f"b{l}", (b,))):
            if not isinstance(params.get(k), np.ndarray) or params[k].shape != shape:
                return f"should return params[{k!r}] as an array of shape {shape}."
    return None


def _adamw_training(start: dict, inputs: dict, epochs: int | None = None, **recipe) -> dict:
    """ref.train_mlp_adamw on `inputs` from `start` (numpy params); `recipe` changes it (the mistakes below)."""
    options = {k: inputs[k] for k in ("batch_size", "lr", "weight_decay", "seed")}
    return as_numpy(ref.train_mlp_adamw(as_tensor(inputs["X"]), as_tensor(inputs["y"]),
                                        {k: as_tensor(start[k]) for k in TRAIN_PARAMS},
                                        inputs["epochs"] if epochs is None else epochs, **options, **recipe))


def _state_reset(start, inputs):
    """The training with a fresh optimizer state every epoch: each epoch a one-epoch run at its lr, in its order."""
    params, orders = start, ref.shuffled(len(inputs["X"]), inputs["epochs"], inputs["seed"])
    lrs = ref.schedule("cosine_lr", inputs["lr"], inputs["epochs"], eta_min=0.0, T_max=inputs["epochs"])
    for lr, order in zip(lrs, orders):
        params = _adamw_training(params, inputs, 1, lrs=[float(lr)], orders=lambda m, epochs, seed, o=order: [o])
    return params


def _even_split(order, batch_size):
    """ceil(m / batch_size) minibatches of nearly equal sizes, as np.array_split makes them."""
    return np.array_split(order, -(-len(order) // batch_size))


def _same_order(m, epochs, seed):
    """The first permutation in every epoch: the generator re-created each epoch, or the order drawn once."""
    return [np.random.default_rng(seed).permutation(m)] * epochs


def _legacy_orders(m, epochs, seed):
    """np.random.seed(seed), then np.random.permutation(m) each epoch: the legacy global generator."""
    legacy = np.random.RandomState(seed)
    return [legacy.permutation(m) for _ in range(epochs)]


def _compounded_orders(m, epochs, seed):
    """rng.shuffle(indices) of one index array, or X, y = X[perm], y[perm], each epoch: each permutation reorders
    the previous epoch's order."""
    orders, current = [], np.arange(m)
    for perm in ref.shuffled(m, epochs, seed):
        current = current[perm]
        orders.append(current)
    return orders


def _per_step_lrs(i, T_max=None):
    """The cosine schedule stepped after every minibatch, with T_max = the number of steps (or the epochs)."""
    steps = i["epochs"] * -(-len(i["X"]) // i["batch_size"])
    return ref.schedule("cosine_lr", i["lr"], steps, eta_min=0.0, T_max=T_max or steps)


TRAINING_MISTAKES = [  # (the hint, what a training with that mistake returns)
    ("The learning rate stays at lr: the cosine schedule's lr of each epoch is not used.",
     lambda start, i: _adamw_training(start, i, lrs=[i["lr"]] * i["epochs"])),
    ("The lr of each epoch is the next epoch's: the schedule runs one epoch ahead.",
     lambda start, i: _adamw_training(start, i, lrs=ref.schedule("cosine_lr", i["lr"], i["epochs"] + 1, eta_min=0.0,
                                                                 T_max=i["epochs"])[1:])),
    ("The weight decay is added to the gradient, as Adam's L2 penalty does; AdamW decays the parameters "
     "outside the adaptive step.", lambda start, i: _adamw_training(start, i, optimizer="adam")),
    ("Every epoch starts from a fresh optimizer state: m, v and the step count are not carried over.", _state_reset),
    ("The cosine schedule steps after every minibatch, over all the steps, not once per epoch.",
     lambda start, i: _adamw_training(start, i, lrs=_per_step_lrs(i), per_step=True)),
    ("The cosine schedule steps after every minibatch (with T_max = epochs), not once per epoch.",
     lambda start, i: _adamw_training(start, i, lrs=_per_step_lrs(i, T_max=i["epochs"]), per_step=True)),
    ("Every epoch takes the examples in the same order: the generator is created again every epoch, or one "
     "permutation serves them all.", lambda start, i: _adamw_training(start, i, orders=_same_order)),
    ("The examples are not shuffled: every epoch takes them in data order.",
     lambda start, i: _adamw_training(start, i, orders=lambda m, epochs, seed: [np.arange(m)] * epochs)),
    ("The examples are shuffled by np.random's legacy global generator (np.random.seed, np.random.permutation), "
     "not by np.random.default_rng(seed).", lambda start, i: _adamw_training(start, i, orders=_legacy_orders)),
    ("The last, smaller minibatch of each epoch is skipped.",
     lambda start, i: _adamw_training(start, i, batches=lambda order, b: ref.slices(order, b)[:len(order) // b])),
]


def _finite_network(params) -> bool:
    return all(np.isfinite(params[k]).all() for k in TRAIN_PARAMS)


ACCEPTED_RECIPES = [{"batches": batches, "orders": orders} for batches in (ref.slices, _even_split)
                    for orders in (ref.shuffled, _compounded_orders)]  # the first is the reference's own


def _minibatches(inputs, batches, orders) -> list:
    """The examples of every minibatch of every epoch under a recipe (to skip replaying the same one twice)."""
    return [[tuple(b) for b in batches(order, inputs["batch_size"])]
            for order in orders(len(inputs["X"]), inputs["epochs"], inputs["seed"])]


def replayed_steps(got, inputs):
    """On a few examples, train_mlp_adamw is exactly the specified training replayed from init_params(layer_sizes,
    seed): its permutations (fresh ones, or each reordering the last), its minibatches (slices of batch_size, or
    np.array_split into as many), one AdamW step each at its epoch's lr, the optimizer state carried throughout."""
    for function, params in (("init_params", got["init"]), ("train_mlp_adamw", got["params"])):
        problem = _network_shapes(params, inputs["layer_sizes"])
        if problem:
            return f"{function} {problem}"
    if not _finite_network(got["init"]):
        return "init_params returned NaN or inf: the training cannot be replayed from it."
    params = {k: got["params"][k] for k in TRAIN_PARAMS}
    expected = _adamw_training(got["init"], inputs)
    message = compare("params", params, expected, Tolerance())
    if not message:
        return None
    specified = _minibatches(inputs, **ACCEPTED_RECIPES[0])
    for recipe in ACCEPTED_RECIPES[1:]:
        if _minibatches(inputs, **recipe) != specified and compare(
                "params", params, _adamw_training(got["init"], inputs, **recipe), Tolerance()) is None:
            return None  # another order or split the docstring allows
    m, batch_size = len(inputs["X"]), inputs["batch_size"]
    sizes = [len(b) for b in ref.slices(np.arange(m), batch_size)]
    config = ", ".join(f"{k}={inputs[k]}" for k in ("epochs", "batch_size", "lr", "weight_decay", "seed"))
    text = (f"train_mlp_adamw({config}) on {m} examples (minibatches of {', '.join(map(str, sizes))} per epoch) is "
            f"not the specified training replayed from init_params(layer_sizes, seed):\n{message}")
    for hint, variant in TRAINING_MISTAKES:
        if matches_mistake(params, variant(got["init"], inputs), expected, Tolerance()):
            return f"{text}\nLikely mistake: {hint}"
    return (f"{text}\nThe training calls your adamw_step and cosine_lr: if optim.adamw or optim.cosine_lr fails, "
            "fix it first.")


REPLAY_POINTS = [40, 150, 250, 60, 170, 270, 80]  # points of the spirals, classes 0 1 2 0 1 2 0
REPLAY_SPLITS = [(7, 3), (6, 3), (6, 4), (7, 2), (3, 3), (6, 2), (3, 5)]  # (m, batch_size): minibatches of
# 3 3 1, 3 3, 4 2, 2 2 2 1, one full batch, 2 2 2, one smaller than batch_size


@st.composite
def replay_inputs(draw):
    """A few spiral points in several minibatches per epoch (equal ones, or a smaller last one), over 2 to 4 epochs;
    the first draw is the explicit case: 7 examples, batch_size 3 (3, 3, 1), 3 epochs."""
    m, batch_size = draw(st.sampled_from(REPLAY_SPLITS))
    points = REPLAY_POINTS[:m]
    return {"X": TRAIN_X[points], "y": TRAIN_Y[points], "layer_sizes": [2, 4, 5, 3],
            "epochs": draw(st.sampled_from([3, 2, 4])), "batch_size": batch_size,
            "lr": draw(st.sampled_from([0.05, 0.1])), "weight_decay": draw(st.sampled_from([0.2, 0.05])),
            "seed": draw(st.integers(0, 3))}


CHECK_COVERS = {  # what the inputs of a check with its own strategy meet, on that check's draws alone
    # (tests/test_validity.py); an exercise's `covers` hold for the inputs of all its checks together
    ("optim.train", "steps"): {
        "several minibatches, the last one smaller": lambda i: len(i["X"]) > i["batch_size"]
        and len(i["X"]) % i["batch_size"] != 0,
        "several equal minibatches": lambda i: len(i["X"]) > i["batch_size"] and len(i["X"]) % i["batch_size"] == 0,
        "a last minibatch of one example": lambda i: len(i["X"]) % i["batch_size"] == 1,
        "three or more minibatches": lambda i: -(-len(i["X"]) // i["batch_size"]) >= 3,
        "epochs >= 3": lambda i: i["epochs"] >= 3},
    ("optim.plateau", "slow progress"): {
        "small improvements adding up past the threshold": _adds_up,
        "the same in mode max": lambda i: i["mode"] == "max" and _adds_up(i),
        "an absolute threshold improves where the relative one does not": lambda i: _modes_disagree(i, True),
        "the relative threshold improves where an absolute one does not": lambda i: _modes_disagree(i, False)},
}


def adamw_training_curve(got, inputs, at):
    """The correct training's parameters after a whole run of each number of epochs in `at` (the cosine schedule
    spans each run), from the student's init_params."""
    if _network_shapes(got.get("init"), inputs["layer_sizes"]):
        raise ValueError("init_params returned no usable network")
    return [_adamw_training(got["init"], inputs, epochs) for epochs in at]


# == the exercises ===============================================================================

STEP1, ALL = "step 1", f"{STEPS} steps"

sgd = _optimizer(
    "optim.sgd", "sgd_step", "SGD with weight decay, over a trajectory with a changing lr",
    hyper={"weight_decay": st.just(0.0)}, example={"weight_decay": 0.0},
    checks=[Check(STEP1, 1, output="params1"), Check(ALL, 1, output=f"params{STEPS}")],
    extra_checks=[Check("weight decay", 1, output=f"params{STEPS}", inputs=trajectory_inputs(
        weight_decay=st.sampled_from(WEIGHT_DECAYS)))],
    mistakes=[
        mistake("ascent", "The parameters move along the gradient (uphill) instead of against it.",
                rollout(sgd_rule, "weight_decay", ascent=True)),
        mistake("decay without lr", "The weight decay term is not multiplied by the learning rate.",
                rollout(sgd_rule, "weight_decay", decay_without_lr=True), checks=["weight decay"]),
    ],
)

momentum = _optimizer(
    "optim.momentum", "momentum_step", "SGD with momentum, over a trajectory with a changing lr",
    hyper=MOMENTUM, example={"momentum": 0.5},
    covers=MOMENTUM_COVERS,
    mistakes=[
        mistake("lr inside the velocity", "The velocity accumulates lr * g (the course notes' v = gamma v + eta g), "
                "so past steps keep their old learning rates when lr changes.",
                rollout(momentum_rule, "momentum", lr_inside=True), checks=[ALL]),
        mistake("dampened", "The buffer averages the gradients (momentum * b + (1 - momentum) * g) instead of "
                "summing them.", rollout(momentum_rule, "momentum", dampened=True)),
        mistake("state lost", "Every step behaves like a first step: the momentum buffer of the previous step is "
                "not carried over.", rollout(momentum_rule, "momentum", reset=True), checks=[ALL]),
        mistake("old buffer", "The parameters move with the buffer of the previous step, before the new gradient "
                "is added to it.", rollout(momentum_rule, "momentum", old_buffer=True)),
    ],
)

nesterov = _optimizer(
    "optim.nesterov", "nesterov_step", "Nesterov momentum as PyTorch stores it (the look-ahead point)",
    hyper=MOMENTUM, example={"momentum": 0.8},
    covers=MOMENTUM_COVERS,
    mistakes=[
        mistake("plain momentum", "This is heavy-ball momentum: the Nesterov correction momentum * b is missing "
                "from the step.", rollout(momentum_rule, "momentum", nesterov=True, plain=True)),
        mistake("lr inside the velocity", "The velocity accumulates lr * g (the course notes' form), so past steps "
                "keep their old learning rates when lr changes.",
                rollout(momentum_rule, "momentum", nesterov=True, lr_inside=True), checks=[ALL]),
        mistake("state lost", "Every step behaves like a first step: the momentum buffer of the previous step is "
                "not carried over.", rollout(momentum_rule, "momentum", nesterov=True, reset=True), checks=[ALL]),
    ],
)

adagrad = _optimizer(
    "optim.adagrad", "adagrad_step", "AdaGrad (eps outside the square root)",
    hyper={"eps": st.sampled_from(EPS)}, example={"eps": 0.01},
    mistakes=[
        mistake("eps inside the root", "eps is inside the square root, as in the course notes' AdaGrad, not "
                "where PyTorch's convention puts it.", rollout(adaptive_rule, "eps", eps_inside=True)),
        mistake("not accumulated", "G holds only the latest squared gradient: it should accumulate all of them.",
                rollout(adaptive_rule, "eps", reset=True), checks=[ALL]),
        mistake("no square root", "The step divides by G + eps instead of sqrt(G) + eps.",
                rollout(adaptive_rule, "eps", no_sqrt=True)),
    ],
)

rmsprop = _optimizer(
    "optim.rmsprop", "rmsprop_step", "RMSProp (eps outside the square root, decay rho)",
    hyper={"rho": st.sampled_from([0.9, 0.8, 0.99]), "eps": st.sampled_from(EPS)}, example={"rho": 0.8, "eps": 0.01},
    covers={"rho != 0.99 and != 0.9": lambda i: i["rho"] not in (0.99, 0.9)},
    mistakes=[
        mistake("eps inside the root", "eps is inside the square root, as in the course notes' RMSProp, not "
                "where PyTorch's convention puts it.",
                rollout(adaptive_rule, "rho", "eps", rmsprop=True, eps_inside=True)),
        mistake("rho swapped", "The running average weights the new squared gradient by rho and the old average "
                "by 1 - rho: the roles are swapped.", rollout(adaptive_rule, "rho", "eps", rmsprop=True, swapped=True)),
        mistake("default alpha", "The decay rate is PyTorch's default 0.99, not the rho you are given.",
                rollout(adaptive_rule, "rho", "eps", rmsprop=True, default_alpha=True)),
        mistake("state lost", "Every step behaves like a first step: the running average is not carried over.",
                rollout(adaptive_rule, "rho", "eps", rmsprop=True, reset=True), checks=[ALL]),
    ],
)

ADAM_HYPER = ("beta1", "beta2", "eps", "weight_decay")
BETAS = {"beta1": st.sampled_from([0.9, 0.8, 0.5]), "beta2": st.sampled_from([0.999, 0.99, 0.95]),
         "eps": st.sampled_from(EPS)}
BETA_COVERS = {"beta1 != 0.9 and beta2 != 0.999": lambda i: i["beta1"] != 0.9 and i["beta2"] != 0.999}


def adam_mistake(name, hint, checks=(), decoupled=False, **switch):
    return mistake(name, hint, rollout(adam_rule, *ADAM_HYPER, decoupled=decoupled, **switch), checks)


adam = _optimizer(
    "optim.adam", "adam_step", "Adam with bias correction, and L2 weight decay added to the gradient",
    hyper={**BETAS, "weight_decay": st.just(0.0)}, example={"beta1": 0.8, "beta2": 0.99, "eps": 0.01,
                                                            "weight_decay": 0.0},
    extra_checks=[Check("weight decay", 1, output=f"params{STEPS}",
                        inputs=trajectory_inputs(**BETAS, weight_decay=st.sampled_from(WEIGHT_DECAYS)))],
    covers=BETA_COVERS,
    mistakes=[
        adam_mistake("no bias correction", "m and v are not bias-corrected (divided by 1 - beta^t).",
                     bias_correction=False),
        adam_mistake("step counter one ahead", "The bias correction uses t + 1: the step counter is one ahead.",
                     t_shift=1),
        adam_mistake("eps inside the root", "eps is inside the square root.", eps_inside=True),
        adam_mistake("epsilon hat", "eps is added to sqrt(v) before the bias correction (TensorFlow's "
                     "\"epsilon hat\" form), so it is scaled by sqrt(1 - beta2^t).", eps_hat=True),
        adam_mistake("betas swapped", "beta1 and beta2 are swapped.", checks=[ALL, "weight decay"], swapped=True),
        adam_mistake("v not corrected", "Only m is bias-corrected, not v.",
                     correct_v=False),
        adam_mistake("state lost", "Every step behaves like a first step: m, v and the step counter are not carried "
                     "over.", checks=[ALL, "weight decay"], reset=True),
        adam_mistake("decoupled decay", "The weight decay is decoupled, as in AdamW.", checks=["weight decay"], decoupled=True),
    ],
)

adamw = _optimizer(
    "optim.adamw", "adamw_step", "AdamW: decoupled weight decay, scaled by lr",
    hyper={**BETAS, "weight_decay": st.sampled_from(WEIGHT_DECAYS)},
    example={"beta1": 0.8, "beta2": 0.99, "eps": 0.01, "weight_decay": 0.1},
    covers=BETA_COVERS,
    mistakes=[
        adam_mistake("coupled decay", "The weight decay goes through the gradient (Adam's L2 form), so sqrt(v_hat) "
                     "rescales it.", decoupled=True, coupled=True),
        adam_mistake("decay without lr", "The decay is not multiplied by the learning rate.", decoupled=True,
                     decay_without_lr=True),
        adam_mistake("decay after the update", "The decay is applied to the parameters after the Adam update.", decoupled=True, decay_after=True),
        adam_mistake("no bias correction", "m and v are not bias-corrected (divided by 1 - beta^t).", decoupled=True,
                     bias_correction=False),
    ],
)

step_lr = exercise(
    "optim.step_lr", "StepLR: lr = base_lr * gamma^floor(t / step_size)",
    calls=[call("step_lr", "base_lr", "step_size", "gamma", "epochs", returns="lrs")],
    inputs=step_lr_inputs(), examples=({"base_lr": 0.1, "step_size": 3, "gamma": 0.5, "epochs": 8},),
    oracle=schedule_oracle("step_lr"), picture="schedule", checks={"lrs": 1},
    covers={"t = s - 1, s and 2 s": lambda i: i["epochs"] > 2 * i["step_size"], "gamma != 0.1": lambda i: i["gamma"] != 0.1},
    mistakes=[
        mistake("one epoch early", "Each decay comes one epoch early: epoch t = step_size - 1 already has the "
                "decayed lr.", closed_form(lambda t, base_lr, step_size, gamma, **_: base_lr * gamma ** ((t + 1) // step_size))),
        mistake("no floor", "The lr decays a little every epoch: the exponent t / step_size is not rounded down.",
                closed_form(lambda t, base_lr, step_size, gamma, **_: base_lr * gamma ** (t / step_size))),
    ],
)

exponential_lr = exercise(
    "optim.exponential_lr", "ExponentialLR: lr = base_lr * gamma^t",
    calls=[call("exponential_lr", "base_lr", "gamma", "epochs", returns="lrs")],
    inputs=st.fixed_dictionaries({"base_lr": BASE_LRS, "gamma": st.sampled_from([0.9, 0.5, 0.95]),
                                  "epochs": st.integers(3, 10)}),
    oracle=schedule_oracle("exponential_lr"), picture="schedule", checks={"lrs": 1},
    mistakes=[mistake("one epoch early", "The lr of epoch 0 is already decayed: epoch t uses gamma^(t + 1).",
                      closed_form(lambda t, base_lr, gamma, **_: base_lr * gamma ** (t + 1)))],
)

cosine_lr = exercise(
    "optim.cosine_lr", "cosine annealing with eta_min, also past T_max",
    calls=[call("cosine_lr", "base_lr", "eta_min", "T_max", "epochs", returns="lrs")],
    inputs=cosine_inputs(), examples=({"base_lr": 0.1, "eta_min": 0.01, "T_max": 4, "epochs": 11},),
    oracle=schedule_oracle("cosine_lr"), picture="schedule", checks={"lrs": 2},
    covers={"eta_min != 0": lambda i: i["eta_min"] != 0, "t > T_max + 1": lambda i: i["epochs"] > i["T_max"] + 2,
            "t > 2 T_max": lambda i: i["epochs"] > 2 * i["T_max"] + 1},
    mistakes=[
        mistake("clamped", "After T_max the lr stays at eta_min.",
                closed_form(lambda t, base_lr, eta_min, T_max, **_: cosine(min(t, T_max), base_lr, eta_min, T_max))),
        mistake("eta_min ignored", "The lr anneals to 0 instead of eta_min.",
                closed_form(lambda t, base_lr, T_max, **_: cosine(t, base_lr, 0.0, T_max))),
        mistake("from epoch 1", "The schedule starts one epoch late: epoch 0 already has the lr of t = 1.",
                closed_form(lambda t, base_lr, eta_min, T_max, **_: cosine(t + 1, base_lr, eta_min, T_max))),
    ],
)

sgdr = exercise(
    "optim.sgdr", "cosine annealing with warm restarts (SGDR), cycles growing by T_mult",
    calls=[call("sgdr_lr", "base_lr", "eta_min", "T_0", "T_mult", "epochs", returns="lrs")],
    inputs=sgdr_inputs(), examples=({"base_lr": 0.1, "eta_min": 0.001, "T_0": 2, "T_mult": 2, "epochs": 16},),
    oracle=schedule_oracle("sgdr_lr"), picture="schedule", checks={"lrs": 2},
    covers={"T_mult > 1": lambda i: i["T_mult"] > 1,
            "two restarts": lambda i: i["epochs"] > i["T_0"] * (1 + i["T_mult"])},
    mistakes=[
        mistake("T_mult ignored", "Every cycle is T_0 epochs long: the cycle length does not grow by T_mult.",
                lambda **i: sgdr_variant(**i, ignore_mult=True)),
        mistake("restart late", "Each restart comes one epoch late: the lr reaches eta_min before restarting.",
                lambda **i: sgdr_variant(**i, late=True)),
        mistake("no restarts", "The lr never restarts: past T_0 it follows the cosine back up.",
                closed_form(lambda t, base_lr, eta_min, T_0, **_: cosine(t, base_lr, eta_min, T_0))),
    ],
)

plateau = exercise(
    "optim.plateau", "ReduceLROnPlateau: patience, relative threshold, cooldown, mode, min_lr",
    calls=[call("reduce_on_plateau", "metrics", "base_lr", "mode", "factor", "patience", "threshold", "cooldown",
                "min_lr", returns="lrs")],
    inputs=st.one_of(*(strategy for strategy, _ in PLATEAU_SCENARIOS.values())),
    examples=tuple(example for _, example in PLATEAU_SCENARIOS.values()),
    oracle=plateau_oracle, picture="schedule",
    checks=[Check(name, 1, output="lrs", inputs=st.one_of(st.just(example), strategy), max_examples=8)
            for name, (strategy, example) in PLATEAU_SCENARIOS.items()],
    covers={"constant metric": lambda i: len(set(i["metrics"])) == 1,
            "slowly improving": lambda i: np.all(np.diff(i["metrics"]) < 0) and np.all(
                -np.diff(i["metrics"]) / i["metrics"][:-1] < i["threshold"]),
            "small improvements adding up past the threshold": _adds_up,
            "the relative threshold improves where an absolute one does not": lambda i: _modes_disagree(i, False),
            "cooldown > 0": lambda i: i["cooldown"] > 0, "mode max": lambda i: i["mode"] == "max",
            "min_lr reached": lambda i: i["min_lr"] > 0 and plateau_oracle(**i)["lrs"].min() == i["min_lr"]},
    max_examples=12,
    mistakes=[
        plateau_mistake(">= patience", "The lr is reduced as soon as the bad epochs reach patience (the course "
                        "notes' >=): one epoch early.", at_patience=True),
        plateau_mistake("no threshold", "Any decrease counts as an improvement: the threshold is not applied.", checks=["threshold"], no_threshold=True),
        plateau_mistake("absolute threshold", "The threshold is applied as an absolute difference from the best.",
                        checks=["threshold", "slow progress"], abs_threshold=True),
        plateau_mistake("best follows small improvements", "The best follows every improvement, however small, while "
                        "the bad epochs only reset on an improvement by the threshold: slow but steady progress "
                        "never counts.", checks=["slow progress"], best_follows=True),
        plateau_mistake("threshold of the new metric", "The relative threshold is taken of the new metric "
                        "(metric * (1 + threshold) < best), not of the best.", checks=["slow progress"],
                        over_metric=True),
        plateau_mistake("compared with the last epoch", "Each metric is compared with the previous epoch's, not with "
                        "the best so far.", checks=["slow progress", "patience", "mode max"], last_metric=True),
        plateau_mistake("cooldown counts", "Bad epochs during the cooldown are counted towards the next reduction.",
                        checks=["cooldown"], cooldown_counts=True),
        plateau_mistake("mode ignored", "The metric is treated as a loss (lower is better) although mode is "
                        "\"max\".", checks=["mode max"], ignore_mode=True),
        plateau_mistake("min_lr ignored", "The lr goes below min_lr.", checks=["min_lr"], ignore_min_lr=True),
    ],
)

l2_penalty = exercise(
    "optim.l2_penalty", "L2 penalty (lambda / 2) ||theta||^2 and its gradient",
    calls=[call("l2_penalty", "loss", "grads", "params", "weight_decay", returns=("total_loss", "total_grads"))],
    inputs=l2_inputs(), oracle=l2_oracle, checks={"total_loss": 1, "total_grads": 1}, max_examples=10,
    covers={"two parameter tensors, W not square": lambda i: len(set(i["params"]["W"].shape)) == 2},
    mistakes=[
        mistake("no 1/2", "The penalty is lambda ||theta||^2 without the 1/2.",
                lambda **i: l2_variant(**i, half=1.0), checks=["total_loss"]),
        mistake("gradient 2 lambda theta", "The gradient of the penalty is 2 lambda theta: it belongs to a penalty "
                "without the 1/2.", lambda **i: l2_variant(**i, grad_factor=2.0), checks=["total_grads"]),
        mistake("biases skipped", "The biases are not penalized.",
                lambda **i: l2_variant(**i, skip_biases=True)),
        mistake("norm not squared", "The penalty uses the norm ||theta||, not its square.",
                lambda **i: l2_variant(**i, norm=True), checks=["total_loss"]),
    ],
)

dropout = exercise(
    "optim.dropout", "inverted dropout with keep probability keep_prob (the course notes' p in this section)",
    calls=[call("dropout_forward", "a", "keep_prob", "train", returns=("out", "mask")),
           call("dropout_backward", "dout", "mask", returns="da")],
    inputs=dropout_inputs(),
    checks=[Check("out", 1, judge=dropout_out_judge), Check("da", 1, judge=dropout_da_judge),
            Check("evaluation", 1, output="da", judge=dropout_eval_judge, inputs=dropout_inputs(train=False),
                  max_examples=5),
            Check("mask", 1, judge=dropout_mask_judge, inputs=st.just(DROPOUT_LARGE), max_examples=1)],
    covers={"keep_prob < 1": lambda i: i["keep_prob"] < 1, "keep_prob = 1": lambda i: i["keep_prob"] == 1,
            "keep_prob != 0.5": lambda i: i["keep_prob"] not in (0.5, 1.0)},
    max_examples=10,
)

EPOCHS = ["stop_epoch", "best_epoch"]

early_stopping = exercise(
    "optim.early_stopping", "early stopping: patience, min_delta, restoring the best checkpoint",
    calls=[call("early_stopping", "val_losses", "checkpoints", "patience", "min_delta",
                returns=("stop_epoch", "best_epoch", "best_params"))],
    inputs=early_stopping_inputs(), examples=EARLY_EXAMPLES, oracle=early_oracle,
    checks={"stop_epoch": 1, "best_epoch": 1, "best_params": 1},
    covers={"best epoch within patience of the end": lambda i: len(i["val_losses"]) - 1 - ref.early_stopping(
                i["val_losses"], i["patience"], i["min_delta"])[1] < i["patience"],
            "stops early": lambda i: ref.early_stopping(i["val_losses"], i["patience"], i["min_delta"])[0]
            < len(i["val_losses"]) - 1,
            "min_delta = 0 and a loss equal to the best so far": lambda i: i["min_delta"] == 0 and any(
                loss == best for loss, best in zip(i["val_losses"], _best_so_far(i["val_losses"], 0.0))),
            "min_delta > 0": lambda i: i["min_delta"] > 0,
            "min_delta as a fraction of the best would stop elsewhere": lambda i: ref.early_stopping(
                i["val_losses"], i["patience"], i["min_delta"])[0] != early_variant(**i, relative=True)["stop_epoch"],
            "patience - 1 epochs without improvement, then an improvement": _wait_before_improvement,
            "stops one epoch before the last": lambda i: ref.early_stopping(
                i["val_losses"], i["patience"], i["min_delta"])[0] == len(i["val_losses"]) - 2,
            "patience 1": lambda i: i["patience"] == 1, "patience 4": lambda i: i["patience"] == 4},
    max_examples=15,
    mistakes=[
        # A rule of when to stop or which epoch is best shows in stop_epoch or best_epoch: it is named there, not
        # on best_params, where a checkpoint index of a few epochs coincides with another rule's too easily.
        mistake("> patience", "Training stops one epoch late: it waits for more than patience bad epochs "
                "(ReduceLROnPlateau's rule).",
                lambda **i: early_variant(**i, beyond=True), checks=EPOCHS),
        mistake("ties improve", "A loss equal to the best counts as an improvement.",
                lambda **i: early_variant(**i, ties=True), checks=EPOCHS),
        mistake("min_delta ignored", "Improvements smaller than min_delta count as improvements.",
                lambda **i: early_variant(**i, no_delta=True), checks=EPOCHS),
        mistake("last checkpoint", "The parameters returned are the last checkpoint, not the best one.",
                lambda **i: early_variant(**i, last=True), checks=["best_params"]),
        mistake("best from the stop", "The best epoch is taken as stop_epoch - patience, which is wrong when "
                "training runs to the end.", lambda **i: early_variant(**i, from_stop=True),
                checks=["best_epoch", "best_params"]),
        mistake("relative min_delta", "min_delta is applied as a fraction of the best loss (loss < best * (1 - "
                "min_delta)); it is an absolute decrease.", lambda **i: early_variant(**i, relative=True),
                checks=["stop_epoch"]),
        mistake("lowest loss", "The best epoch is the one with the lowest loss, even where it beat the best by less "
                "than min_delta; only an improvement makes an epoch the best.",
                lambda **i: early_variant(**i, lowest=True), checks=["best_epoch"]),
    ],
)

mixup = exercise(
    "optim.mixup", "mixup with a given lambda and permutation, and cross-entropy with soft labels",
    calls=[call("mixup", "x", "y", "lam", "perm", "num_classes", returns=("x_mix", "y_mix")),
           call("soft_cross_entropy", "z", "y_soft", returns=("loss", "dz"))],
    inputs=mixup_inputs(), examples=(MIXUP_EXAMPLE,), oracle=mixup_oracle,
    checks={"x_mix": 1, "y_mix": 1, "loss": 1, "dz": 1}, max_examples=12,
    covers={"lam != 0.5": lambda i: i["lam"] != 0.5,
            "perm not its own inverse": lambda i: not np.array_equal(i["perm"][i["perm"]], np.arange(len(i["perm"]))),
            "m != d != C": lambda i: len({*i["x"].shape, i["num_classes"]}) == 3,
            "logits >= 710": lambda i: np.abs(i["z"]).max() >= 710},
    mistakes=[
        mistake("lambda swapped", "lam weights the partner example perm[i] instead of example i.",
                lambda **i: mixup_variant(**i, swapped=True), checks=["x_mix", "y_mix"]),
        mistake("labels not mixed", "The labels are not mixed like the inputs.",
                lambda **i: mixup_variant(**i, unmixed_labels=True), checks=["y_mix"]),
        mistake("inverse permutation", "Example i is mixed with the example j such that perm[j] = i, not with "
                "perm[i].", lambda **i: mixup_variant(**i, inverse=True), checks=["x_mix", "y_mix"]),
        mistake("mean over classes", "The loss is averaged over the classes as well as the batch.", lambda **i: soft_ce_variant(**i, per_class=True), checks=["loss", "dz"]),
        mistake("sum over the batch", "The loss is summed over the batch, not averaged.",
                lambda **i: soft_ce_variant(**i, no_mean=True), checks=["loss", "dz"]),
    ],
)

train = exercise(
    "optim.train", f"training the mlp topic's network with AdamW and a cosine schedule to held-out "
    f"cross-entropy <= {TARGET_LOSS}",
    builds_on=("optim.adamw", "optim.cosine_lr"),
    calls=[call("train_mlp_adamw", "X", "y", "layer_sizes", "epochs", "batch_size", "lr", "weight_decay", "seed",
                returns="params"),
           call("init_params", "layer_sizes", "seed", returns="init")],
    inputs=st.sampled_from(TRAIN_INPUTS), examples=tuple(TRAIN_INPUTS),
    checks=[Check("steps", 1, output="params", judge=replayed_steps, needs=("init",), inputs=replay_inputs(),
                  max_examples=6),
            Check("held-out loss", 3, output="params", judge=held_out_loss)],
    max_examples=2, seconds=30.0, picture="decision_regions",
    curve=Curve(output="params", inputs=TRAIN_INPUTS[0], vary="epochs", at=(1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 35),
                measure=spiral_scores, reference=adamw_training_curve, needs=("init",),
                targets={"held-out loss": TARGET_LOSS},
                note="Each point is a whole training run of that many epochs: the cosine schedule spans the run."),
)
