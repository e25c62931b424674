"""Validity blind spots (issue 18): values that are not finite, and the optim inputs that let whole classes of
mistakes pass (slow progress on a plateau, min_delta as a fraction, training with several minibatches).

Most tests run the corpus's buggy modules in this process on the inputs a check really draws (as
tests/test_correct_variants.py does), which is enough to know whether the check can see the bug; tests/test_buggy.py
grades the same bugs end to end.
"""
import copy
import types

import numpy as np
import pytest

from autograder.compare import Tolerance, compare
from autograder.exercises import optim as E
from autograder.grading.search import search
from autograder.model import catalog
from conftest import corpus, mutate, solution_source
from test_correct_variants import lookup, run_plan

BUGS = {b.id: b for b in corpus("bugs")["optim"].BUGS}
TOL = Tolerance()


def module_of(bug_id: str | None = None, topic: str = "optim") -> types.ModuleType:
    """The solution module, or a bug's version of it, imported here."""
    source = solution_source(topic) if bug_id is None else mutate(solution_source(topic), BUGS[bug_id].edits)
    module = types.ModuleType(f"{topic}_{bug_id}")
    exec(compile(source, f"<{bug_id}>", "exec"), module.__dict__)
    return module


def check_of(exercise_id: str, name: str):
    ex = next(e for e in catalog() if e.id == exercise_id)
    return ex, next(c for c in ex.checks if c.name == name)


def graded(ex, check, seed=None) -> list[dict]:
    """The inputs the check is graded on (its own strategy, or the exercise's with the explicit examples)."""
    found = []
    if check.inputs is not None:
        search(check.inputs, (), check.max_examples or ex.max_examples, found.append, seed)
    else:
        search(ex.inputs, ex.examples, ex.max_examples, found.append, seed)
    return found


def verdict(ex, check, module, inputs) -> str | None:
    """What the check says about `module` on `inputs` (None: it passes)."""
    with np.errstate(all="ignore"):
        got = run_plan(module, ex, inputs)
    if check.judge is not None:
        return check.judge(got, inputs)
    return compare(check.name, lookup(got, check.path), lookup(ex.oracle(**copy.deepcopy(inputs)), check.path), TOL)


# -- 1. values that are not finite ---------------------------------------------------------------------------------


@pytest.mark.parametrize("got, expected", [
    (np.array([9.0, 9.0]), np.array([np.inf, 1.0])),  # an infinite entry widened every bound to inf
    (np.array([9.0, 9.0, 9.0]), np.array([np.nan, np.nan, np.nan])),  # comparisons with NaN are all false
    (np.array([np.inf, 1.5]), np.array([np.inf, 1.0])),  # the matching inf does not excuse the other entry
    (np.array([-np.inf, 1.0]), np.array([np.inf, 1.0])),
    (np.array([np.nan, 1.0]), np.array([np.inf, 1.0])),
    (np.array([np.inf, 1.0]), np.array([np.nan, 1.0])),
    (9.0, np.inf), (9.0, float("nan")), (-np.inf, np.inf), (np.nan, -np.inf), (np.inf, 1.0),
])
def test_a_value_that_is_not_finite_matches_only_itself(got, expected):
    assert compare("x", got, expected, TOL) is not None


@pytest.mark.parametrize("got, expected", [
    (np.array([np.inf, 1.0 + 1e-9, np.nan, -np.inf]), np.array([np.inf, 1.0, np.nan, -np.inf])),
    (np.array([[0.0, -np.inf], [0.0, 0.0]]), np.array([[0.0, -np.inf], [0.0, 0.0]])),
    (float("nan"), float("nan")), (np.inf, np.inf), (-np.inf, -np.inf),
])
def test_the_same_value_that_is_not_finite_matches(got, expected):
    assert compare("x", got, expected, TOL) is None


def test_an_entry_that_is_not_finite_leaves_the_others_bounds_alone():
    """max|expected| (the scale of the absolute tolerance) is taken over the finite entries."""
    expected = np.array([np.inf, 1.0, 0.0])
    assert compare("x", np.array([np.inf, 1.0, 1e-8]), expected, TOL) is not None  # 1e-8 > atol * 1
    assert compare("x", np.array([np.inf, 1.0, 1e-10]), expected, TOL) is None


def test_a_mistake_that_is_not_finite_where_the_answer_is_never_matches():
    from autograder.compare import matches_mistake

    expected, variant = np.array([1.0, 2.0]), np.array([np.nan, 3.0])
    assert not matches_mistake(np.array([np.nan, 3.0]), variant, expected, TOL)  # even a NaN answer
    assert not matches_mistake(np.array([5.0, 3.0]), variant, expected, TOL)
    assert matches_mistake({"W": np.array([1.0, 3.0])}, {"W": np.array([1.0, 3.0])}, {"W": expected}, TOL)
    assert not matches_mistake({"W": expected}, {"W": expected}, {"W": expected}, TOL)  # not a mistake: right
    # where the answer itself is not finite, a mistake may share it
    assert matches_mistake(np.array([np.inf, 3.0]), np.array([np.inf, 3.0]), np.array([np.inf, 2.0]), TOL)


def floats(value):
    """Every array or number in a (nested dict of) value(s), as float64 arrays."""
    if isinstance(value, dict):
        for v in value.values():
            yield from floats(v)
    else:
        yield np.asarray(value, dtype=np.float64)


def compared_cases(ex, seeds=(None, 1)) -> list:
    """(check, inputs) for every compared check and every input it is graded on, each strategy drawn once."""
    drawn, cases = {}, []
    for check in ex.checks:
        if check.judge is None:
            key = id(check.inputs)
            if key not in drawn:
                drawn[key] = [i for seed in seeds for i in graded(ex, check, seed)]
            cases += [(check, i) for i in drawn[key]]
    return cases


@pytest.mark.slow
@pytest.mark.parametrize("ex", [e for e in catalog() if e.oracle is not None], ids=lambda e: e.id)
def test_oracles_are_finite_and_every_mistake_can_be_named(ex):
    """The audit of issue 18, on the inputs every compared check is graded on (public draws and a grading seed):

    - every value an oracle gives a compared check is finite. compare() judges values that are not finite exactly,
      but no exercise means to ask for one (the causal mask, -inf by design, is judged);
    - on some input of every check it applies to, a declared mistake is finite where the oracle is: a misconception
      that always divides by zero (Adam's t = 0) could never be named, only falsely suspected."""
    usable = {}  # (mistake, check) -> finite where the oracle is on some input (absent: it never applied)
    for check, inputs in compared_cases(ex):
        with np.errstate(all="ignore"):
            expected = lookup(ex.oracle(**copy.deepcopy(inputs)), check.path)
        assert all(np.isfinite(e).all() for e in floats(expected)), check.name
        for m in ex.mistakes:
            if (m.checks and check.name not in m.checks) or usable.get((m.name, check.name)):
                continue
            with np.errstate(all="ignore"):
                value = m.oracle(**copy.deepcopy(inputs))
            if isinstance(value, dict) and check.path[0] in value:  # else it says nothing about this check here
                usable[(m.name, check.name)] = all(
                    np.isfinite(v).all() if v.shape != e.shape else (np.isfinite(v) | ~np.isfinite(e)).all()
                    for v, e in zip(floats(lookup(value, check.path)), floats(expected)))
    assert all(usable.values()), [key for key, ok in usable.items() if not ok]


@pytest.mark.slow
@pytest.mark.parametrize("bug_id", ["adam_default_eps", "adam_counter_per_parameter", "adam_corrected_moments_stored",
                                    "adam_second_moment_of_raw_gradient", "adam_counter_starts_at_one"])
def test_realistic_adam_bugs_are_not_told_they_divide_by_zero(bug_id, submission):
    """Issue 18: a mistake whose value is NaN matched every wrong answer, so most Adam bugs were told "the bias
    correction uses t = 0 at the first step". Each names exactly its own misconception, or none."""
    report = submission("optim", mutate(solution_source("optim"), BUGS[bug_id].edits), only=["optim.adam"])
    named = {m for e in report.exercises for c in e.checks for m in c.mistakes}
    assert report.score < report.points
    assert named == set(BUGS[bug_id].mistakes), named


def test_replays_from_an_init_that_is_not_finite_fail():
    """The training checks replay the student's training from the student's init_params: from NaN weights the
    replay is NaN everywhere, which used to accept any trained parameters."""
    ex, check = check_of("optim.train", "steps")
    inputs = graded(ex, check)[0]
    init = module_of().init_params(inputs["layer_sizes"], inputs["seed"])
    broken = {k: v * np.nan for k, v in init.items()}
    assert check.judge({"init": broken, "params": init}, inputs) is not None
    ex, check = check_of("mlp.train_mlp", "steps")
    inputs = graded(ex, check)[0]
    init = module_of(topic="mlp").init_params(inputs["layer_sizes"], inputs["seed"])
    assert check.judge({"init": {k: v * np.nan for k, v in init.items()}, "params": init}, inputs) is not None


# -- 2, 3. plateau and early stopping: inputs where the variants of the threshold disagree --------------------------


@pytest.mark.parametrize("bug_id, exercise_id, check_name", [
    ("plateau_best_follows_every_decrease", "optim.plateau", "slow progress"),
    ("plateau_compared_with_last_epoch", "optim.plateau", "slow progress"),
    ("plateau_absolute_threshold", "optim.plateau", "slow progress"),
    ("plateau_threshold_over_the_metric", "optim.plateau", "slow progress"),
    ("early_stopping_relative_min_delta", "optim.early_stopping", "stop_epoch"),
    ("early_stopping_beyond_patience", "optim.early_stopping", "stop_epoch"),
    ("early_stopping_first_loss_as_best", "optim.early_stopping", "stop_epoch"),
])
def test_threshold_and_patience_mistakes_fail_on_the_explicit_examples(bug_id, exercise_id, check_name):
    """Caught by construction, under any grading seed: the check's first input (its explicit example) shows it."""
    ex, check = check_of(exercise_id, check_name)
    module = module_of(bug_id)
    firsts = [graded(ex, check, seed)[0] for seed in (None, 1, 2)] if check.inputs is not None else list(ex.examples)
    assert any(verdict(ex, check, module, i) for i in firsts)
    assert all(verdict(ex, check, module_of(), i) is None for i in firsts)


@pytest.mark.parametrize("bug_id", ["plateau_best_follows_every_decrease", "plateau_absolute_threshold"])
def test_slow_progress_is_drawn_often(bug_id):
    """Beyond the example: most drawn inputs of the slow-progress check show these mistakes, in both modes."""
    ex, check = check_of("optim.plateau", "slow progress")
    module = module_of(bug_id)
    cases = [i for seed in (None, 1, 2) for i in graded(ex, check, seed)]
    caught = [i for i in cases if verdict(ex, check, module, i)]
    assert len(caught) >= len(cases) / 3 and {i["mode"] for i in caught} == {"min", "max"}


def test_the_relative_min_delta_is_drawn_often():
    ex, check = check_of("optim.early_stopping", "stop_epoch")
    relative = next(m for m in ex.mistakes if m.name == "relative min_delta")
    cases = []
    for seed in (None, 1, 2):
        search(ex.inputs, (), ex.max_examples, cases.append, seed)
    differs = [i for i in cases if relative.oracle(**i)["stop_epoch"] != E.early_oracle(**i)["stop_epoch"]]
    assert len(differs) >= len(cases) / 5


@pytest.mark.parametrize("key", [("optim.train", "steps"), ("optim.plateau", "slow progress")],
                         ids=lambda k: f"{k[0]}-{k[1]}")
def test_checks_with_their_own_inputs_meet_their_conditions(key):
    ex, check = check_of(*key)
    inputs = graded(ex, check)
    unmet = [name for name, holds in E.CHECK_COVERS[key].items() if not any(holds(i) for i in inputs)]
    assert not unmet, unmet


# -- 4. training with several minibatches ------------------------------------------------------------------------------


TRAINING = {  # bug -> the hint the steps check names (autograder/exercises/optim.py's TRAINING_MISTAKES)
    "train_schedule_per_minibatch": "steps after every minibatch, over all the steps",
    "train_schedule_per_minibatch_t_max_epochs": "steps after every minibatch (with T_max = epochs)",
    "train_generator_per_epoch": "Every epoch takes the examples in the same order",
    "train_permutation_drawn_once": "Every epoch takes the examples in the same order",
    "train_legacy_global_seed": "legacy global generator",
    "train_last_batch_dropped": "The last, smaller minibatch of each epoch is skipped",
    "train_no_shuffle": "The examples are not shuffled",
    "train_constant_lr": "the cosine schedule's lr of each epoch is not used",
    "train_schedule_one_epoch_ahead": "the schedule runs one epoch ahead",
    "train_adam_not_adamw": "as Adam's L2 penalty does",
    "train_state_reset_each_epoch": "m, v and the step count are not carried over",
    "train_seed_per_epoch": None,  # caught, but no declared misconception holds exactly
    "train_batch_count_rounded_down": None,
}


@pytest.mark.parametrize("bug_id", TRAINING)
def test_training_mistakes_are_caught_and_named_by_the_steps_check(bug_id):
    """Replayed exactly with several minibatches per epoch, on the check's first input (under any seed): a schedule
    stepped per minibatch, one order for every epoch or a dropped last minibatch no longer pass."""
    ex, check = check_of("optim.train", "steps")
    module = module_of(bug_id)
    for seed in (None, 1):
        message = verdict(ex, check, module, graded(ex, check, seed)[0])
        assert message, seed
        named = [line for line in message.splitlines() if line.startswith("Likely mistake:")]
        if TRAINING[bug_id] is None:
            assert not named, message
        else:
            assert len(named) == 1 and TRAINING[bug_id] in named[0], message


def test_the_steps_check_accepts_every_split_and_shuffle_the_docstring_allows():
    """The solution and the variants written with np.array_split, an index array shuffled in place and np.take
    replay exactly on every input of the check (tests/test_correct_variants.py grades them too)."""
    from conftest import corpus as corpora

    variants = corpora("variants")["optim"].VARIANTS
    ex, check = check_of("optim.train", "steps")
    modules = [module_of()]
    for name in ("train_array_split", "train_shuffle_in_place", "train_split_at_indices"):
        module = types.ModuleType(name)
        exec(compile(mutate(solution_source("optim"), variants[name]), name, "exec"), module.__dict__)
        modules.append(module)
    for inputs in graded(ex, check):
        for module in modules:
            assert verdict(ex, check, module, inputs) is None, module.__name__


def test_the_first_replayed_input_has_a_smaller_last_minibatch_under_any_seed():
    ex, check = check_of("optim.train", "steps")
    for seed in (None, 1, 2, 3):
        first = graded(ex, check, seed)[0]
        assert len(first["X"]) % first["batch_size"] and len(first["X"]) > 2 * first["batch_size"]
        assert first["epochs"] >= 3


def test_train_docstring_says_what_is_replayed():
    text = solution_source("optim").split("def train_mlp_adamw(", 1)[1].split('"""')[1]
    for phrase in ("np.random.default_rng(seed)", "before the first epoch", "rng.permutation(m)",
                   "steps once per epoch", "np.array_split", "rng.shuffle(indices)", "smaller"):
        assert phrase in text, phrase
