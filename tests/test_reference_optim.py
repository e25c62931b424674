"""The optim oracle (reference/optim.py) checked against torch.optim and torch.optim.lr_scheduler as users run
them, against the course notes' formulas where they agree, and against the measured facts of CONVENTIONS §5-7.

Inputs come from the grader's own strategies (autograder/exercises/optim.py). The last part checks the exercises'
declared misconceptions: each variant differs from the oracle on the inputs its checks draw (else the grader
could never see it), and each mistaken rule with its mistake switched off is the oracle.
"""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from torch.autograd import gradcheck
from torch.optim import lr_scheduler

import reference.optim as ref
from autograder.compare import Tolerance, compare
from autograder.exercises import optim as E
from autograder.grading.search import search
from autograder.model import catalog, select

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None)
OPTIMIZERS = [E.sgd, E.momentum, E.nesterov, E.adagrad, E.rmsprop, E.adam, E.adamw]
EXERCISES = select(catalog(), ["optim"])


def close(got, expected, rtol=1e-12, atol=1e-14):
    got, expected = (np.asarray(v.detach() if isinstance(v, torch.Tensor) else v, dtype=np.float64)
                     for v in (got, expected))
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    assert np.all(np.abs(got - expected) <= rtol * np.abs(expected) + atol * scale), (got, expected)


def drawn(strategy, examples=(), n=15) -> list[dict]:
    """The inputs the grader draws from `strategy` (explicit examples first)."""
    seen = []
    search(strategy, examples, n, seen.append)
    return seen


def check_inputs(ex, check) -> list[dict]:
    """The inputs a check of an exercise is graded on."""
    if check.inputs is not None:
        return drawn(check.inputs, (), check.max_examples or ex.max_examples)
    return drawn(ex.inputs, ex.examples, ex.max_examples)


# -- optimizers: the functional forms the grader steps are torch.optim's classes, step for step ------------------


def hyper_of(ex, inputs):
    return {name: inputs[name] for name in ex.calls[0].args[4 if ex.id != "optim.sgd" else 3:]}


def class_trajectory(name, inputs, hyper):
    """The same trajectory with the torch.optim class, as a training loop drives it (grads in .grad, lr set
    in the param group between steps, as a scheduler does)."""
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in inputs["params0"].items()}
    opt = ref.CLASSES[name](list(tensors.values()), **hyper)
    after = []
    for i in range(E.STEPS):
        for group in opt.param_groups:
            group["lr"] = inputs[f"lr{i}"]
        for k, t in tensors.items():
            t.grad = torch.tensor(inputs[f"grads{i}"][k])
        opt.step()
        after.append({k: t.detach().clone() for k, t in tensors.items()})
    return after


@pytest.mark.parametrize("ex", OPTIMIZERS, ids=[e.id for e in OPTIMIZERS])
def test_optimizer_oracle_is_the_torch_optim_class(ex):
    name = ex.id.split(".")[1]
    cases = drawn(ex.inputs, ex.examples, 8) + [i for c in ex.checks if c.inputs is not None
                                                for i in drawn(c.inputs, (), 8)]
    for inputs in cases:
        hyper = hyper_of(ex, inputs)
        mine = ref.trajectory(name, inputs["params0"], [inputs[f"grads{i}"] for i in range(E.STEPS)],
                              [inputs[f"lr{i}"] for i in range(E.STEPS)], **hyper)
        for got, expected in zip(mine, class_trajectory(name, inputs, hyper)):
            for k in got:
                assert torch.equal(got[k], expected[k]), (ex.id, k)


def quadratic_run(rule, steps=20, lr_at=lambda t: 0.1):
    """Parameters of a rule on f = 1/2 theta^T A theta - b^T theta (the real gradient at every step)."""
    A = torch.tensor([[3.0, 0.5], [0.5, 1.0]])
    b = torch.tensor([1.0, -2.0])
    theta, state = torch.tensor([1.0, 1.0]), None
    for t in range(steps):
        theta, state = rule(theta, A @ theta - b, state, lr_at(t))
    return theta


def test_momentum_is_the_course_notes_velocity_at_constant_lr_only():
    """CONVENTIONS §5: the notes' v = gamma v + eta g, theta -= v equals torch's buffer times lr at constant lr,
    and differs once the lr changes."""
    def seed(theta, g, v, lr):
        v = lr * g if v is None else 0.9 * v + lr * g
        return theta - v, v

    def torch_momentum(theta, g, state, lr):
        state = state or {"params": [theta.clone()], "s": ref._initial_state([theta])}
        ref.STEP["momentum"](state["params"], [g], state["s"], lr, 0.9)
        return state["params"][0].clone(), state

    close(quadratic_run(seed), quadratic_run(torch_momentum), rtol=1e-13)
    step_decay = lambda t: 0.1 if t < 10 else 0.01  # noqa: E731
    assert (quadratic_run(seed, lr_at=step_decay) - quadratic_run(torch_momentum, lr_at=step_decay)).abs().max() > 1e-3


def test_nesterov_stores_the_look_ahead_point():
    """CONVENTIONS §5: with phi = theta - gamma v, the notes' Nesterov (gradient at the look-ahead) is torch's."""
    A, b, gamma, lr = torch.tensor([[2.0, 0.3], [0.3, 0.5]]), torch.tensor([0.5, -1.0]), 0.8, 0.1
    theta, v = torch.tensor([1.0, -1.0]), torch.zeros(2)
    phi, state = theta.clone(), ref._initial_state([theta])
    params = [phi]
    for _ in range(15):
        v = gamma * v + lr * (A @ (theta - gamma * v) - b)
        theta = theta - v
        ref.STEP["nesterov"](params, [A @ params[0] - b], state, lr, gamma)
        close(params[0], theta - gamma * v, rtol=1e-12)


def test_eps_placement_is_visible_on_the_graded_inputs():
    """AdaGrad with eps inside the root moves the first step of the explicit example, and of most drawn trajectories
    (all but those Hypothesis starts from, whose gradients are all 0), by more than the tolerance."""
    inside = E.rollout(E.adaptive_rule, "eps", eps_inside=True)
    cases = drawn(E.adagrad.inputs, E.adagrad.examples, 10)
    differs = [bool(compare("params1", inside(**i)["params1"], E.adagrad.oracle(**i)["params1"], Tolerance()))
               for i in cases]
    assert differs[0] and sum(differs) >= 0.8 * len(cases), differs


# -- schedules ---------------------------------------------------------------------------------------------


def attached_to_sgd(make, base_lr, epochs):
    """The lrs of a scheduler attached to a real torch.optim.SGD, stepped after every optimizer step."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    scheduler, lrs = make(opt), []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


SCHEDULE_EXERCISES = [E.step_lr, E.exponential_lr, E.cosine_lr, E.sgdr]
SEED_FORMULAS = {  # the course notes' closed forms, which torch follows (CONVENTIONS §6)
    "step_lr": lambda t, base_lr, step_size, gamma, **_: base_lr * gamma ** (t // step_size),
    "exponential_lr": lambda t, base_lr, gamma, **_: base_lr * gamma ** t,
    "cosine_lr": lambda t, base_lr, eta_min, T_max, **_: E.cosine(t, base_lr, eta_min, T_max),
}


@pytest.mark.parametrize("ex", SCHEDULE_EXERCISES, ids=[e.id for e in SCHEDULE_EXERCISES])
def test_schedule_oracle_is_the_scheduler_on_a_real_optimizer_and_the_notes_formula(ex):
    name = ex.calls[0].function
    for inputs in drawn(ex.inputs, ex.examples, 10):
        hyper = {k: v for k, v in inputs.items() if k not in ("base_lr", "epochs")}
        got = ex.oracle(**inputs)["lrs"]
        close(got, attached_to_sgd(lambda opt: ref.SCHEDULERS[name](opt, **hyper), inputs["base_lr"],
                                   inputs["epochs"]), rtol=0, atol=0)
        if name in SEED_FORMULAS:
            close(got, [SEED_FORMULAS[name](t, **inputs) for t in range(inputs["epochs"])], rtol=1e-13)


def test_sgdr_restarts_where_conventions_measured_them():
    lrs = ref.schedule("sgdr_lr", 0.1, 40, eta_min=1e-3, T_0=5, T_mult=2).numpy()
    assert [t for t in range(40) if lrs[t] == 0.1] == [0, 5, 15, 35]
    assert lrs.min() > 1e-3  # eta_min is never reached


def test_cosine_rises_again_past_t_max():
    lrs = ref.schedule("cosine_lr", 0.1, 20, eta_min=0.01, T_max=4).numpy()
    close(lrs[4], 0.01)
    close(lrs[8], 0.1)
    close(lrs[:9], lrs[8:17])  # period 2 T_max


def reduction_epochs(lrs, base_lr):
    """1-based numbers of the metrics after which the lr dropped."""
    before = np.concatenate([[base_lr], lrs[:-1]])
    return [i + 1 for i in range(len(lrs)) if lrs[i] < before[i] * (1 - 1e-12)]


@pytest.mark.parametrize("metrics, options, reductions", [
    ([1.0] * 11, {}, [4, 7, 10]),  # patience 2: > patience, not >=
    ([1.0 - 1e-5 * k for k in range(10)], {}, [4, 7, 10]),  # improving by less than the relative threshold
    ([1.0 - 1e-5 * k for k in range(10)], {"threshold": 0.0}, []),
    ([1.0] * 12, {"patience": 1, "cooldown": 2}, [3, 7, 11]),  # bad epochs during the cooldown are discarded
    ([0.5, 0.6, 0.6, 0.6, 0.6, 0.6], {"mode": "max"}, [5]),
    ([0.5, 0.6, 0.6, 0.6, 0.6, 0.6], {"mode": "min"}, [4]),
])
def test_plateau_reduces_where_conventions_measured(metrics, options, reductions):
    kw = {"base_lr": 0.1, "mode": "min", "factor": 0.1, "patience": 2, "threshold": 1e-4, "cooldown": 0,
          "min_lr": 0.0, **options}
    assert reduction_epochs(ref.plateau(metrics, **kw).numpy(), kw["base_lr"]) == reductions


def test_plateau_floors_at_min_lr():
    lrs = ref.plateau([1.0] * 10, 1.0, "min", 0.1, 0, 1e-4, 0, 0.005).numpy()
    assert lrs.min() == 0.005 and lrs[-1] == 0.005


def plateau_cases(seeds=(None,)):
    """Each scenario's example and draws, with the public inputs (seed None) or grading seeds."""
    cases = []
    for strategy, example in E.PLATEAU_SCENARIOS.values():
        cases.append(example)
        for seed in seeds:
            search(strategy, (), 10, cases.append, seed)
    return cases


def test_each_plateau_check_draws_its_scenario_example():
    """A check with its own inputs has no explicit examples: its strategy starts with the example (one_of's first
    branch, which Hypothesis draws first), so the scenario the check is named after is always graded."""
    for check in E.plateau.checks:
        example = E.PLATEAU_SCENARIOS[check.name][1]
        same = lambda i: all(np.array_equal(i[k], example[k]) for k in example)  # noqa: E731
        assert any(same(i) for i in check_inputs(E.plateau, check)), check.name


def test_plateau_oracle_is_the_scheduler_on_a_real_optimizer():
    for inputs in plateau_cases():
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=inputs["base_lr"])
        scheduler = lr_scheduler.ReduceLROnPlateau(
            opt, mode=inputs["mode"], factor=inputs["factor"], patience=inputs["patience"],
            threshold=inputs["threshold"], cooldown=inputs["cooldown"], min_lr=inputs["min_lr"])
        expected = []
        for metric in inputs["metrics"]:
            scheduler.step(metric)
            expected.append(opt.param_groups[0]["lr"])
        close(E.plateau_oracle(**inputs)["lrs"], expected, rtol=0, atol=0)


def test_plateau_metrics_stay_clear_of_the_threshold():
    """No improvement test of a drawn series is within 1e-9 (relative) of its boundary best * (1 -+ threshold),
    so any correct arrangement of the comparison gives the same verdict, with the public inputs and grading seeds."""
    for inputs in plateau_cases(seeds=(None, 1, 2, 3)):
        sign = 1 if inputs["mode"] == "max" else -1
        best = -sign * np.inf
        for metric in inputs["metrics"]:
            if np.isfinite(best):
                boundary = best * (1 + sign * inputs["threshold"])
                assert abs(metric - boundary) > 1e-9 * abs(boundary), (metric, best, inputs["threshold"])
            if sign * metric > sign * best * (1 + sign * inputs["threshold"]) or not np.isfinite(best):
                best = metric


# -- regularization, mixup, early stopping ------------------------------------------------------------------


@SETTINGS
@given(E.l2_inputs())
def test_l2_penalty_gradient_is_sgds_weight_decay(inputs):
    """One torch SGD step with weight_decay on the plain gradients equals one plain step on the penalized ones."""
    expected = E.l2_oracle(**inputs)
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in inputs["params"].items()}
    opt = torch.optim.SGD(list(tensors.values()), lr=1.0, weight_decay=inputs["weight_decay"])
    for k, t in tensors.items():
        t.grad = torch.tensor(inputs["grads"][k])
    opt.step()
    for k, t in tensors.items():
        close(t.detach(), inputs["params"][k] - expected["total_grads"][k], rtol=1e-13)
    penalty = sum(float(np.sum(p ** 2)) for p in inputs["params"].values()) * inputs["weight_decay"] / 2
    close(expected["total_loss"], inputs["loss"] + penalty, rtol=1e-13)
    params = [torch.tensor(v, requires_grad=True) for v in inputs["params"].values()]
    assert gradcheck(lambda *p: ref.l2_penalized(torch.tensor(inputs["loss"]), inputs["weight_decay"],
                                                 **dict(zip("ab", p))), params)


def test_dropout_with_mask_is_nn_dropout_with_the_complement():
    """CONVENTIONS §4: h = a / p_keep where kept is nn.Dropout(p = 1 - p_keep) with the same mask."""
    torch.manual_seed(0)
    a = torch.rand(50, 40) + 0.5
    for keep in (0.8, 0.5, 0.25):
        out = torch.nn.Dropout(p=1 - keep).train()(a)
        close(ref.dropout_with_mask(a, out != 0, keep), out, rtol=4.5e-16, atol=0)  # a / keep vs a * (1 / keep): 1 ulp
    assert torch.equal(torch.nn.Dropout(p=0.5).eval()(a), a)


@SETTINGS
@given(E.mixup_inputs())
def test_mixup_loss_is_the_mixed_cross_entropy(inputs):
    """The soft-label cross-entropy of mixup's labels is lam CE(z, y) + (1 - lam) CE(z, y[perm]) (the mixup
    paper's criterion), and the mixed inputs are the convex combination."""
    x, y, perm, lam = (torch.tensor(inputs[k]) for k in ("x", "y", "perm", "lam"))
    x_mix, y_mix = ref.mixup(x, y, float(lam), perm, inputs["num_classes"])
    close(y_mix, inputs["y_soft"], rtol=1e-15)
    for i in range(len(x)):
        close(x_mix[i], lam * x[i] + (1 - lam) * x[perm[i]], rtol=1e-15)
    z = torch.tensor(inputs["z"], requires_grad=True)
    mixed = lam * F.cross_entropy(z, y) + (1 - lam) * F.cross_entropy(z, y[perm])
    soft = ref.soft_cross_entropy(z, y_mix)
    close(soft, mixed)
    for g, e in zip(torch.autograd.grad(soft, z), torch.autograd.grad(mixed, z)):
        close(g, e)
    small = torch.tensor(inputs["z"][:, :3] / 100, requires_grad=True)
    assert gradcheck(lambda z: ref.soft_cross_entropy(z, torch.softmax(torch.ones_like(z), 1)), (small,))


@pytest.mark.parametrize("losses, patience, min_delta, stop, best", [
    ([3, 2, 1, 1.5, 1.6, 1.7, 0.5], 3, 0.0, 5, 2),  # three epochs without improvement: stop after the third
    ([3, 2, 1, 1.5, 1.6, 0.5], 3, 0.0, 5, 5),  # the last epoch improves: no stop, best at the end
    ([1.0, 1.0, 1.0], 2, 0.0, 2, 0),  # a tie is not an improvement
    ([1.0, 0.995, 0.99, 0.985], 2, 0.01, 2, 0),  # nor is a step smaller than min_delta
    ([1.0, 0.9], 1, 0.0, 1, 1),
])
def test_early_stopping_cases(losses, patience, min_delta, stop, best):
    assert ref.early_stopping(np.array(losses), patience, min_delta) == (stop, best)


def test_early_stopping_losses_stay_clear_of_min_delta():
    """No drawn loss is within 1e-3 of best - min_delta (for any earlier loss as the best), public or seeded."""
    cases = []
    for seed in (None, 1, 2, 3):
        search(E.early_stopping.inputs, E.early_stopping.examples, 15, cases.append, seed)
    for inputs in cases:
        losses = inputs["val_losses"]
        for t in range(1, len(losses)):
            gaps = losses[:t] - inputs["min_delta"] - losses[t]
            assert np.all((np.abs(gaps) > 1e-3) | (gaps == 0) & (inputs["min_delta"] == 0)), (losses, t)


def test_early_stopping_matches_its_definition_on_the_graded_inputs():
    """stop = the first epoch that ends `patience` epochs in a row without improvement (else the last);
    best = the last improving epoch up to it; improving = below min_delta under every earlier improvement."""
    for inputs in drawn(E.early_stopping.inputs, E.early_stopping.examples, 30):
        losses, patience, delta = inputs["val_losses"], inputs["patience"], inputs["min_delta"]
        improving = []
        for t, loss in enumerate(losses):
            improving.append(all(loss < losses[s] - delta for s in range(t) if improving[s]))
        runs = [t for t in range(len(losses)) if t + 1 >= patience and not any(improving[t - patience + 1:t + 1])]
        stop = runs[0] if runs else len(losses) - 1
        assert ref.early_stopping(losses, patience, delta) == (stop, max(t for t in range(stop + 1) if improving[t]))


def test_the_solution_trains_well_inside_the_target_and_an_untrained_network_fails():
    import types
    from conftest import solution_source

    module = types.ModuleType("optim_solution")
    exec(compile(solution_source("optim"), "solutions/optim.py", "exec"), module.__dict__)
    for inputs in E.TRAIN_INPUTS:
        args = {k: inputs[k] for k in ("X", "y", "layer_sizes", "epochs", "batch_size", "lr", "weight_decay", "seed")}
        assert E.held_out_loss({"params": module.train_mlp_adamw(**args)}, inputs) is None
        untrained = module.init_params(inputs["layer_sizes"], inputs["seed"])
        assert "at most 0.1 is required" in E.held_out_loss({"params": untrained}, inputs)


# -- the declared misconceptions ------------------------------------------------------------------------------


def mistakes_with_checks():
    for ex in EXERCISES:
        for m in ex.mistakes:
            yield pytest.param(ex, m, id=f"{ex.id}-{m.name}")


@pytest.mark.parametrize("ex, mistake", list(mistakes_with_checks()))
def test_each_mistake_differs_from_the_oracle_on_its_checks_inputs(ex, mistake):
    probe = mistake.oracle(**copy.deepcopy(ex.examples[0] if ex.examples else drawn(ex.inputs, (), 1)[0]))
    checks = [c for c in ex.checks if (c.name in mistake.checks if mistake.checks else c.path[0] in probe)]
    assert checks, "the mistake applies to no check"
    for check in checks:
        differs = False
        for inputs in check_inputs(ex, check):
            got, expected = mistake.oracle(**copy.deepcopy(inputs)), ex.oracle(**copy.deepcopy(inputs))
            for key in check.path:
                got, expected = got[key], expected[key]
            with np.errstate(all="ignore"):
                if compare(check.name, got, expected, check.tolerance or ex.tolerance):
                    differs = True
                    break
        assert differs, f"{mistake.name} gives the oracle's {check.name} on every graded input"


RULES = [  # (exercise, the per-tensor rule and its hyperparameters, switches that make the rule the oracle)
    (E.sgd, E.sgd_rule, ("weight_decay",), {}),
    (E.momentum, E.momentum_rule, ("momentum",), {}),
    (E.nesterov, E.momentum_rule, ("momentum",), {"nesterov": True}),
    (E.adagrad, E.adaptive_rule, ("eps",), {}),
    (E.rmsprop, E.adaptive_rule, ("rho", "eps"), {"rmsprop": True}),
    (E.adam, E.adam_rule, E.ADAM_HYPER, {}),
    (E.adamw, E.adam_rule, E.ADAM_HYPER, {"decoupled": True}),
]


@pytest.mark.parametrize("ex, rule, hyper, switches", RULES, ids=[r[0].id for r in RULES])
def test_mistaken_rules_without_their_mistake_are_the_oracle(ex, rule, hyper, switches):
    """So a mistake's variant differs from the oracle by its mistake alone."""
    oracle = E.rollout(rule, *hyper, **switches)
    cases = drawn(ex.inputs, ex.examples, 8) + [i for c in ex.checks if c.inputs is not None
                                                for i in drawn(c.inputs, (), 8)]
    for inputs in cases:
        expected = ex.oracle(**inputs)
        for step, params in oracle(**inputs).items():
            for k in params:
                close(params[k], expected[step][k], rtol=1e-12)


@pytest.mark.parametrize("ex, variant, switches", [
    (E.plateau, lambda **i: E.plateau_variant(**i), {}),
    (E.early_stopping, lambda **i: E.early_variant(**i), {}),
    (E.l2_penalty, lambda **i: E.l2_variant(**i), {}),
    (E.mixup, lambda **i: {**E.mixup_variant(**i), **E.soft_ce_variant(**i)}, {}),
    (E.sgdr, lambda **i: E.sgdr_variant(**i), {}),
], ids=["plateau", "early_stopping", "l2_penalty", "mixup", "sgdr"])
def test_mistaken_variants_without_their_mistake_are_the_oracle(ex, variant, switches):
    cases = drawn(ex.inputs, ex.examples, 10) + [i for c in ex.checks if c.inputs is not None
                                                 for i in drawn(c.inputs, (), 5)]
    for inputs in cases:
        got, expected = variant(**copy.deepcopy(inputs)), ex.oracle(**copy.deepcopy(inputs))
        for key in got:
            assert compare(key, got[key], expected[key], Tolerance(1e-12, 1e-14)) is None


def test_adamw_training_is_torch_optim_adamw_under_cosine_annealing():
    """optim.train's reference (its steps check and learning curve) is torch.optim.AdamW stepped by
    CosineAnnealingLR, batch by batch, and it is the solution's training."""
    import types
    from conftest import solution_source

    solution = types.ModuleType("optim_solution")
    exec(compile(solution_source("optim"), "solutions/optim.py", "exec"), solution.__dict__)
    sizes, seed, epochs, batch_size, lr, weight_decay = [2, 5, 4, 3], 3, 4, 7, 0.05, 0.1
    X, y = torch.tensor(E.TRAIN_X[::15]), torch.tensor(E.TRAIN_Y[::15])  # 20 points: the last batch is smaller
    start = {k: torch.tensor(v) for k, v in solution.init_params(sizes, seed).items()}
    got = ref.train_mlp_adamw(X, y, start, epochs, batch_size, lr, weight_decay, seed)
    trained = solution.train_mlp_adamw(X.numpy(), y.numpy(), sizes, epochs, batch_size, lr, weight_decay, seed)
    for k in start:
        close(got[k], torch.tensor(trained[k]), rtol=1e-10, atol=1e-13)

    params = {k: v.clone().requires_grad_(True) for k, v in start.items()}
    opt = torch.optim.AdamW(params.values(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    scheduler, rng = lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=0.0), np.random.default_rng(seed)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        for first in range(0, len(X), batch_size):
            batch = order[first:first + batch_size]
            opt.zero_grad()
            hidden = torch.tanh(torch.tanh(X[batch] @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])
            F.cross_entropy(hidden @ params["W3"] + params["b3"], y[batch]).backward()
            opt.step()
        scheduler.step()
    for k in params:
        close(got[k], params[k].detach(), rtol=1e-12, atol=1e-14)
    assert not torch.allclose(got["W1"], start["W1"])


def test_the_training_recipes_are_the_code_they_stand_for():
    """The orders, splits and schedules optim.train's steps check replays (accepted ones and mistakes) are what the
    code a student writes does: rng.shuffle of one index array, np.random.seed, np.array_split, a scheduler stepped
    after every minibatch."""
    m, epochs, seed, batch_size = 7, 3, 2, 3
    rng, indices, in_place = np.random.default_rng(seed), np.arange(m), []
    for _ in range(epochs):
        rng.shuffle(indices)
        in_place.append(indices.copy())
    assert all(np.array_equal(a, b) for a, b in zip(E._compounded_orders(m, epochs, seed), in_place))
    np.random.seed(seed)
    legacy = [np.random.permutation(m) for _ in range(epochs)]
    assert all(np.array_equal(a, b) for a, b in zip(E._legacy_orders(m, epochs, seed), legacy))
    assert [len(b) for b in E._even_split(np.arange(m), batch_size)] == [3, 2, 2]
    assert [len(b) for b in ref.slices(np.arange(m), batch_size)] == [3, 3, 1]
    inputs = {"X": np.zeros((m, 2)), "epochs": epochs, "batch_size": batch_size, "lr": 0.1}
    for T_max in (None, epochs):
        holder = ref.LrHolder(0.1)
        scheduler = lr_scheduler.CosineAnnealingLR(holder, T_max=T_max or epochs * 3, eta_min=0.0)
        stepped = []
        for _ in range(epochs * 3):  # three minibatches an epoch, the scheduler stepped after each
            stepped.append(holder.lr)
            holder.step()  # the optimizer's step, then the scheduler's, in the order torch expects
            scheduler.step()
        close(E._per_step_lrs(inputs, T_max), stepped)
