"""Feedback that teaches: pasteable small inputs, one message per cause, hints exactly when true, the
misconception named (never falsely), and text for people. Grading tests use one exercise each."""
import math
import re

import numpy as np
import pytest

from autograder.compare import (Tolerance, compare, discrepancy, exact_factor, fmt_array, format_inputs, is_plain,
                                python_literal)
from autograder.grading.results import CheckResult, Diagnosis, ExerciseResult, Feedback, Kind, Report, Reproduction
from autograder.model import topics, catalog
from autograder.outputs.text import as_text, exercise_text
from conftest import corpus, graded_bug, largest_free_axis, mutate, paste_blocks, pastes, solution_source

TOL = Tolerance()


# -- values shown as Python that reproduces them ------------------------------------------------


@pytest.mark.parametrize("value", [
    np.array([[0.1, -2.5], [1e-300, 3.0]]), np.array([2, 0, 1]), np.array([np.nan, np.inf, -np.inf]),
    np.arange(24.0).reshape(2, 3, 4) / 7, np.array(1.25), {"W1": np.ones((2, 3)), "b1": np.zeros(3)},
    [("conv", 3, 1), ("pool", 2, 2)], "train", 0.1, 7,
    # inputs that used to print as `<array ...>` or `array(...)` under "paste into Python": an LSTM's (3, 12) or a
    # GRU's (7, 9) weights, a zero (4, 12) one, checkpoints (a list of arrays), an infinite float
    np.arange(36.0).reshape(3, 12) / 7, np.arange(63.0).reshape(7, 9) / 3, np.zeros((4, 12)), np.full((9, 9), 2),
    [np.ones(2), np.zeros((1, 2))], np.float64(np.inf)])
@pytest.mark.parametrize("compact", [False, True], ids=["whole", "compact"])
def test_shown_values_paste_back_exactly(value, compact):
    text = format_inputs({"v": value}, compact=compact)
    space = {"np": np}
    exec(text, space)  # noqa: S102 - the grader's own text
    back = space["v"]
    if isinstance(value, dict):
        assert all(np.array_equal(back[k], value[k]) for k in value)
    elif isinstance(value, list) and isinstance(value[0], np.ndarray):
        assert len(back) == len(value) and all(np.array_equal(b, v) for b, v in zip(back, value))
    elif isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value, equal_nan=True)
    else:
        assert back == value


def test_shown_arrays_state_shape_and_dtype_and_large_ones_are_summarised_whole():
    assert "# shape (2, 3), float64" in format_inputs({"x": np.zeros((2, 3))})
    big = np.random.default_rng(0).standard_normal((2, 3, 32, 32))
    for text in (python_literal(big), fmt_array(big)):
        assert text.startswith("<array of shape (2, 3, 32, 32), float64, values in [") and "..." not in text
    assert re.fullmatch(r"<array of shape \(2, 3, 32, 32\), float64, values in \[-?[\d.]+, [\d.]+\]>", fmt_array(big))


def test_compact_inputs_take_a_line_each_where_they_fit():
    """The short text's inputs: a small array on one line with its shape, a dict of small entries packed, numbers
    side by side; what does not fit is written as the whole text writes it; all of it pastes back."""
    inputs = {"x": np.array([[0.0, 1.5], [2.0, -3.0]]), "q": np.arange(18.0).reshape(2, 3, 3),
              "lr": 0.1, "epochs": 3, "mask": None, "params": {"W": np.ones((1, 2)), "b": np.zeros(2)},
              "big": np.arange(36.0).reshape(3, 12) / 7}
    text = format_inputs(inputs, compact=True)
    lines = text.splitlines()
    assert lines[0] == "x = np.array([[0., 1.5], [2., -3.]])  # shape (2, 2)"
    assert lines[1:3] == ["q = np.array([[[0., 1., 2.], [3., 4., 5.], [6., 7., 8.]],",
                          "              [[9., 10., 11.], [12., 13., 14.], [15., 16., 17.]]])"]  # no room for the shape
    assert lines[3] == "params = {'W': np.array([[1., 1.]]), 'b': np.zeros(2)}"
    assert "\n".join(lines[4:-1]) == format_inputs({"big": inputs["big"]})  # too long for one line a row
    assert lines[-1] == "lr = 0.1; epochs = 3; mask = None"  # numbers last, together
    assert len(lines) < len(format_inputs(inputs).splitlines()) and all(len(line) <= 76 for line in lines[:4])
    space = {"np": np}
    exec(text, space)  # noqa: S102 - the grader's own text
    assert all(np.array_equal(space[k], v) for k, v in inputs.items() if isinstance(v, np.ndarray))
    assert np.array_equal(space["params"]["W"], inputs["params"]["W"]) and space["epochs"] == 3


def test_plain_numbers_and_visible_errors():
    assert is_plain({"x": np.array([0.0, 0.5, -2.0]), "lr": 0.1}) and not is_plain(np.array([1.4e-45, 1.0]))
    assert discrepancy(np.array([1.0, 2.02]), np.array([1.0, 2.0])) == pytest.approx(0.01)
    assert discrepancy(np.array([1.0]), np.array([1.0, 2.0])) == math.inf


# -- hints fire exactly when true ------------------------------------------------------------------


@pytest.mark.parametrize("got, expected, factor", [
    (np.array([2.0, -4.0, 0.0]), np.array([1.0, -2.0, 0.0]), 2.0),
    (np.array([0.5, 1.0]), np.array([1.5, 3.0]), 1 / 3),
    (6.0, 2.0, 3.0),  # a scalar (a loss) too
    (np.array([7.0]), np.array([-7.0]), -1.0),
    (np.array([0.999975, 1.99995]), np.array([1.0, 2.0]), None),  # a constant ratio that is no factor of a size
    (np.array([1.5, 3.0]), np.array([1.0, 2.0]), None),
    (np.array([2.0, 4.0 + 1e-6]), np.array([1.0, 2.0]), None),  # not exact
    (np.array([2.0, 1.0]), np.array([1.0, 0.0]), None),  # nonzero where 0 is expected
])
def test_exact_factor(got, expected, factor):
    found = exact_factor(got, expected)
    assert (found is None) if factor is None else found == pytest.approx(factor)


def test_factor_hint_on_its_own_line_and_for_scalars():
    assert "\nEvery value is exactly 3 times the expected one." in compare("loss", 6.0, 2.0, TOL)
    assert "times" not in compare("x", np.array([0.999975, 1.99995]), np.array([1.0, 2.0]), TOL)


def test_a_pattern_is_stated_only_when_further_inputs_bear_it_out():
    """"fails only when d_model <= 64" read off four inputs is stated only if changing d_model alone flips the
    verdict; a bug that fails for other reasons (here: the step count) is not pinned on d_model."""
    from autograder.grading.search import _patterns

    history = [({"d_model": d, "steps": k}, d <= 64) for d, k in ((16, 0), (64, 0), (512, 3), (1000, 5))]
    assert _patterns(history, lambda i: i["d_model"] <= 64) == [
        "Pattern: it fails only when d_model <= 64 (all 2 inputs tried with d_model from 512 to 1000 passed)."]
    assert _patterns(history, lambda i: i["steps"] == 0) == [  # the step count, not d_model
        "Pattern: it fails only when steps <= 0 (all 2 inputs tried with steps from 3 to 5 passed)."]
    assert _patterns(history) == []  # unchecked: nothing is stated


def test_a_factor_is_pinned_on_the_size_that_equals_it_on_every_input():
    """On the shrunk input the factor 2 equals both the batch and n_heads; on another input only n_heads."""
    from autograder.grading.search import _factor_source

    shrunk = {"x_q": np.zeros((2, 1, 4)), "n_heads": 2}
    other = {"x_q": np.zeros((4, 2, 6)), "n_heads": 3}
    expected = np.array([1.0, -2.0])
    assert _factor_source(expected / 2, expected, shrunk, [(expected / 3, expected, other)]) == [
        "Pattern: the factor 2 equals n_heads on this input (and on others tried)."]
    assert _factor_source(expected / 2, expected, shrunk) == []  # one input: no law
    batch_times_length = {"x": np.zeros((3, 2, 5))}
    assert "x.shape[0] * x.shape[1]" in _factor_source(expected * 2, expected, {"x": np.zeros((2, 1, 3))},
                                                       [(expected * 6, expected, batch_times_length)])[0]


# -- grading one exercise: what a failing check says ----------------------------------------------------


def _grade(submission, topic, edits, only):
    report = submission(topic, mutate(solution_source(topic), edits), only=only)
    return report, {c.name: c for e in report.exercises for c in e.checks}


def _shown_inputs(message: str) -> dict:
    block = message.split("to reproduce):\n", 1)[1]
    space = {"np": np}
    exec(block.split("\nYour code printed:")[0], space)  # noqa: S102
    return {k: v for k, v in space.items() if k not in ("np", "__builtins__")}


def test_one_message_per_failed_call(submission):
    _, checks = _grade(submission, "mlp", [("return dout @ W.T,", "return dout @ W,")], ["mlp.affine"])
    assert checks["out"].passed and checks["dx"].kind == "exception"
    assert "raised ValueError" in checks["dx"].message and "should return dx (" in checks["dx"].message
    for name in ("dW", "db"):
        assert checks[name].kind == "not_checked" and checks[name].score == 0
        assert checks[name].message == "Not checked: affine_backward raised ValueError (see dx)."
    text = exercise_text(ExerciseResult("mlp.affine", "affine", list(checks.values())))
    assert text.count("Traceback") + text.count("line ") <= 2
    one_line = "\n  --   dW; db (0/2): Not checked: affine_backward raised ValueError (see dx)."  # one cause, one line
    assert one_line in text
    assert "--   dW (0/1)" in exercise_text(ExerciseResult("mlp.affine", "affine", list(checks.values())), verbose=True)


def test_a_module_that_does_not_import_is_explained_once():
    why = "Not gradable: SyntaxError in mlp.py, line 3: invalid syntax"
    exercises = [ExerciseResult(f"mlp.e{i}", "e", [CheckResult.failed(name, 1, Feedback(Kind.NOT_GRADABLE, why))
                                                  for name in "ab"]) for i in range(3)]
    text = as_text(Report("s", exercises, not_gradable={"mlp": why[len("Not gradable: "):]}))
    assert text.count("invalid syntax") == 2  # once under the first exercise, once in the summary
    assert "(not graded: the module does not import, see above)" in text


def test_a_loss_of_numpy_inf_is_a_value_with_its_hint(submission):
    edits = [("    return float(-np.mean(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)))\n",
              "    return np.float64(np.inf)\n")]
    _, checks = _grade(submission, "mlp", edits, ["mlp.binary_cross_entropy"])
    assert checks["loss"].kind == "value" and "loss is inf" in checks["loss"].message
    assert "overflow" in checks["loss"].message and "unreadable" not in checks["loss"].message


def test_not_implemented_for_some_inputs_shows_its_message_and_input(submission):
    edits = [("    F_, C, HH, WW = w.shape\n    xpad",
              "    if stride > 1:\n        raise NotImplementedError('stride > 1 is not done yet')\n"
              "    F_, C, HH, WW = w.shape\n    xpad")]
    _, checks = _grade(submission, "cnn", edits, ["cnn.conv"])
    out = checks["out"]
    assert "stride > 1 is not done yet" in out.message and out.kind == "exception"
    assert _shown_inputs(out.message)["stride"] >= 2
    assert all(checks[n].kind == "not_checked" for n in ("dx", "dw", "db"))


def test_a_stub_says_nothing_about_inputs(submission):
    stub = 'raise NotImplementedError("softmax: not implemented yet (exercise mlp.softmax)")'
    edits = [("    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n",
              f"    {stub}\n")]
    _, checks = _grade(submission, "mlp", edits, ["mlp.softmax"])
    assert "not implemented yet" in checks["p"].message and "input" not in checks["p"].message.lower()


def test_inputs_are_small_pasteable_and_reproduce_the_failure(submission):
    """A cnn bug that the fixed explicit example used to show unshrunk (a (2, 3, 4, 5) input, cut at 600 chars)."""
    edits = [("dxpad = _scatter_windows(dwin, (C, N, H + 2 * pad, W + 2 * pad), stride)",
              "dxpad = _scatter_windows(dwin, (C, N, H + 2 * pad, W + 2 * pad), 1)")]
    _, checks = _grade(submission, "cnn", edits, ["cnn.conv"])
    dx = checks["dx"]
    assert not dx.passed and "Smallest failing input (paste into Python to reproduce):" in dx.message
    inputs = _shown_inputs(dx.message)
    assert set(inputs) == {"x", "w", "b", "stride", "pad", "dout", "x2"}
    assert max(max(v.shape) for v in inputs.values() if isinstance(v, np.ndarray)) <= 3
    assert inputs["stride"] >= 2
    assert re.search(r"^Pattern: it fails only when stride >= 2 \(all \d+ inputs tried with stride = 1 passed\)\.$",
                     dx.message, re.M), dx.message
    from autograder.model import select

    (conv,) = select(catalog(), ["cnn.conv"])
    expected = conv.oracle(**inputs)["dx"]
    assert compare("dx", dx.got, expected, TOL) is not None  # the shown input reproduces the failure


def test_small_sizes_are_the_same_strategies_with_a_small_range():
    """After a failure the search draws again inside S.small_sizes(): every size in [least, 3], equal ones allowed;
    outside it the generic draws are unchanged (distinct, in the declared range: the same strategy object)."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    from autograder import strategies as S

    generic, small = [], []

    @settings(max_examples=60, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw(data):
        generic.append(data.draw(S.sizes(3, 2, 5, least=(1, 2, 1))))
        with S.small_sizes():
            small.append(data.draw(S.sizes(3, 2, 5, least=(1, 2, 1))) + [data.draw(S.size(2, 9, least=1)),
                                                                        data.draw(S.size_from([2, 4, 5]))])

    draw()
    assert all(len(set(s)) == 3 and 2 <= min(s) and max(s) <= 5 for s in generic)
    assert all(1 <= a <= 3 and 2 <= b <= 3 and 1 <= c <= 3 and 1 <= d <= 3 and 2 <= e <= 3 for a, b, c, d, e in small)
    assert any(s[0] == 1 for s in small) and any(len(set(s[:3])) < 3 for s in small)
    assert S.sizes(3, 2, 5, least=1) is S.sizes(3, 2, 5)


def test_sizes_shrink_too_and_the_smaller_input_fails_the_same_way(submission):
    """Multi-head attention is graded with 2 or 3 heads and sizes distinct in 2..5 (they catch transposed and
    wrong-axis mistakes); a mistake that needs no second head is shown on one head, every axis at most 3, with the
    diagnosis the generic failure has, and the input shown reproduces the failure."""
    from autograder.compare import largest_axis
    from autograder.model import select

    bug = next(b for b in corpus("bugs")["transformer"].BUGS if b.id == "dx_kv_without_values")
    report = submission("transformer", mutate(solution_source("transformer"), bug.edits),
                        only=["transformer.multi_head_attention"])
    check = next(c for c in report.exercises[0].checks if not c.passed)
    assert check.name == "dx_kv" and check.mistakes == list(bug.mistakes)
    inputs = _shown_inputs(check.message)
    assert inputs["n_heads"] == 1 and largest_axis(inputs) <= 3, check.message
    (mha,) = select(catalog(), ["transformer.multi_head_attention"])
    assert compare("dx_kv", check.got, mha.oracle(**inputs)["dx_kv"], TOL) is not None


def test_the_misconception_is_named_with_the_factor_and_its_size(submission):
    _, checks = _grade(submission, "mlp", [("    return d / m\n", "    return d\n")], ["mlp.cross_entropy"])
    message = checks["dz"].message
    assert checks["dz"].mistakes == ["grad_no_1_over_m"]
    assert "\nLikely mistake: the gradient equals P - Y, without the 1/m of the mean." in message
    m = _shown_inputs(message)["z"].shape[0]
    assert f"Every value is exactly {m} times the expected one." in message
    assert f"Pattern: the factor {m} equals z.shape[0]" in message


def test_a_mistake_that_fits_only_the_degenerate_shrunk_input_is_not_named(submission):
    """The loss summed over time is T times too large; on the shrunk input N = T, where "summed over the batch" (N
    times too large) fits as well: it was named too. A name must also fit a generic failing input (N != T)."""
    bug = next(b for b in corpus("bugs")["rnn"].BUGS if b.id == "mse_summed_over_time")
    report = submission("rnn", mutate(solution_source("rnn"), bug.edits), only=["rnn.sequence_mse"])
    named = {m for c in report.exercises[0].checks for m in c.mistakes}
    assert named == {"summed_over_time"}, named


def test_only_the_inputs_a_function_takes_are_shown(submission):
    edits = [("np.exp(z - z.max(axis=1, keepdims=True))", "np.exp(z - z.max(axis=0, keepdims=True))"),
             ("return e / e.sum(axis=1, keepdims=True)", "return e / e.sum(axis=0, keepdims=True)")]
    _, checks = _grade(submission, "mlp", edits, ["mlp.softmax"])
    assert set(_shown_inputs(checks["p"].message)) == {"z"}  # softmax takes no labels


def test_printed_warnings_point_at_the_students_file(submission, tmp_path):
    edits = [("    return np.tanh(z)\n", "    print('tanh of', z.shape)\n    return np.tanh(z) + 1\n")]
    _, checks = _grade(submission, "mlp", edits, ["mlp.tanh"])
    assert "Your code printed:\ntanh of (" in checks["a"].message


def _short_block(text: str) -> dict:
    """The input under "paste into Python" of a short text, run after `import numpy as np`."""
    from benchmarks.feedback_quality import short_blocks

    (block,) = short_blocks(text)[:1]
    space = {"np": np}
    exec(block, space)  # noqa: S102 - the grader's own text
    return {k: v for k, v in space.items() if k not in ("np", "__builtins__")}


@pytest.mark.parametrize("topic, bug_id, function, call, path", [
    ("mlp", "backward_no_tanh_derivative", "mlp_backward", lambda f, i: f(i["y"], i["params"], i["cache"]), ("W1",)),
    ("mlp", "sgd_ascent", "sgd_step", lambda f, i: f(i["params"], i["grads"], i["lr"]), ("b2",)),
])
def test_the_short_text_shows_only_the_entries_that_matter_and_still_reproduces(submission, topic, bug_id, function,
                                                                               call, path):
    """mlp_backward's input is ~30 lines, mostly params and the cache; the short text shows the entries the failing
    gradient depends on, and the student's function called on what is shown (pasted) returns the wrong value the
    feedback shows. The whole input stays in the record (the --verbose text, the JSON)."""
    bug = next(b for b in corpus("bugs")[topic].BUGS if b.id == bug_id)
    source = mutate(solution_source(topic), bug.edits)
    report = submission(topic, source, only=[f"mlp.{function}"])
    [exercise] = report.exercises
    check = next(c for c in exercise.checks if not c.passed)
    shown = _short_block(exercise_text(exercise))
    repro = check.feedback.reproduction
    assert repro.left_out and all(e.split("[")[0] in ("params", "grads", "cache") for e in repro.left_out)
    for name in {e.split("[")[0] for e in repro.left_out}:
        assert set(shown[name]) < set(check.inputs[name])  # entries left out of the short text ...
        assert set(check.inputs[name]) == set(_shown_inputs(check.message)[name])  # ... not out of the record
    student: dict = {}
    exec(compile(source, f"{topic}.py", "exec"), student)  # noqa: S102 - the corpus's own bug
    got = call(student[function], shown)
    for key in path:
        got = got[key]
    assert np.array_equal(got, check.got[path[0]] if isinstance(check.got, dict) else check.got)


def test_the_entries_left_out_never_take_the_time_of_the_checks_still_to_grade():
    """Which entries of params play no part is found by running the student's functions again: only while the
    exercise's calls have half their time left, else the whole input is shown."""
    from autograder.grading.search import Verdict, _entries_read
    from autograder.model import select
    from autograder.grading.session import EXERCISE_CALLS

    (ex,) = select(catalog(), ["mlp.sgd_step"])
    check = ex.checks[0]

    class Session:  # the time the exercise's calls have left; a call would fail the test
        def __init__(self, left):
            self.left, self.runs = {ex.id: [left, left]}, 0

        def outcome(self, *args):
            self.runs += 1
            raise AssertionError("no time to spare")

    shown = {"params": {"W": np.zeros(2), "b": np.zeros(1)}, "grads": {"W": np.ones(2), "b": np.ones(1)}, "lr": 0.1}
    wrong = Verdict("new_params['W'] is wrong.", Kind.VALUE, got={"W": np.ones(2)}, expected={"W": np.zeros(2)})
    short = Session(ex.seconds * EXERCISE_CALLS / 2)
    assert _entries_read(ex, check, short, shown, shown, wrong) == (shown, []) and short.runs == 0
    plenty = Session(ex.seconds * EXERCISE_CALLS)
    assert _entries_read(ex, check, plenty, shown, shown, wrong) == (shown, []) and plenty.runs > 0  # tried


def test_no_check_takes_more_than_30_lines_of_the_short_text():
    """An input too long to read is referred to (the command and --verbose show it), a traceback of thousands of
    characters is cut; the first failing check keeps to BRIEF lines when its input fits."""
    from benchmarks.feedback_quality import check_lines
    from autograder.outputs.text import BRIEF, MOST

    def failing(headline, inputs, detail=""):
        return CheckResult.failed("dx", 1, Feedback(Kind.VALUE, headline, exercise="mlp.affine", detail=detail,
                                                    reproduction=Reproduction(inputs, "dx = affine_backward(x)")))

    long = "\n".join(f"w{i} = {i}" for i in range(40))
    for check in (failing("dx is wrong.", long), failing("dx is wrong " * 400, "x = 1"),
                  failing("dx is wrong.", "x = 1", "\n".join("tb " * 60 for _ in range(50)))):
        text = exercise_text(ExerciseResult("mlp.affine", "affine", [check]))
        assert max(check_lines(text)) <= MOST, text
    import_error = Feedback(Kind.NOT_GRADABLE, "Not gradable: ImportError", detail="\n".join(["x" * 200] * 60))
    text = exercise_text(ExerciseResult("mlp.affine", "affine", [CheckResult.failed("dx", 1, import_error)]))
    assert max(check_lines(text)) <= MOST and "--verbose" in text, text
    assert len(exercise_text(ExerciseResult("mlp.affine", "affine", [CheckResult.failed("dx", 1, import_error)]),
                             verbose=True).splitlines()) > 60  # --verbose keeps everything
    text = exercise_text(ExerciseResult("mlp.affine", "affine", [failing("dx is wrong.", long)]))
    assert "Failing input (40 lines): `--verbose` shows it." in " ".join(line.strip() for line in text.splitlines())
    short = failing("dx is wrong.", "x = 1")
    short.feedback.diagnoses.append(Diagnosis("mistake", "the bias is left out."))
    text = exercise_text(ExerciseResult("mlp.affine", "affine", [short, CheckResult("out", 1, 1)]))
    assert text.splitlines() == [  # the header says what passed; the headline is on the check's line
        "FAIL mlp.affine - affine  [1/2]  ok: out (1/1)",
        "  FAIL dx (0/1): dx is wrong.",
        "      Likely mistake: the bias is left out.",
        "      Failing input: paste into Python, then call dx = affine_backward(x):",
        "      x = 1"]
    assert check_lines(text) == [4] <= [BRIEF]


def test_feedback_lines_are_wrapped_and_code_is_not():
    long = "x" * 30 + " " + " ".join(["word"] * 40)
    check = CheckResult.failed("p", 1, Feedback(Kind.VALUE, long, reproduction=Reproduction(
        "z = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0]])"
        "  # shape (1, 14), float64", "p = softmax(z)", True, "Smallest failing input")))
    lines = exercise_text(ExerciseResult("mlp.softmax", "softmax", [check]), width=60).splitlines()
    assert all(len(line) <= 60 for line in lines if "np.array" not in line)
    assert any(line.strip().startswith("z = np.array([[1.0") and line.endswith("float64") for line in lines)


# -- mistakes: each a real variant, named only when it holds --------------------------------------------------


DECLARING = [ex for ex in catalog() if ex.mistakes and ex.topic in ("mlp", "cnn")]


@pytest.mark.parametrize("ex", DECLARING, ids=[ex.id for ex in DECLARING])
def test_each_declared_mistake_is_a_real_variant_of_the_oracle(ex):
    """A mistake that equals the right answer on every graded input could never be named; its hint is one
    sentence for students (no grader internals, "the course notes" for the source text)."""
    from test_coverage import drawn

    inputs = drawn(ex)
    for mistake in ex.mistakes:
        assert mistake.hint.strip().endswith((".", "?")) and "seed" not in mistake.hint.lower()
        assert not re.search(r"oracle|hypothesis|torch|nn\.", mistake.hint, re.I), mistake.hint
        differs = False
        for i in inputs:
            try:
                variant = mistake.oracle(**i)
            except Exception:  # noqa: BLE001 - a variant may not apply to every input
                continue
            expected = ex.oracle(**i)
            for check in ex.checks:
                if check.path[0] in variant and (not mistake.checks or check.name in mistake.checks):
                    from autograder.grading.search import _lookup

                    v, _ = _lookup(variant, check.path)
                    e, _ = _lookup(expected, check.path)
                    differs |= compare("x", v, e, TOL) is not None
        assert differs, f"{ex.id}: mistake {mistake.name} never differs from the right answer"


def test_no_student_text_says_seed_or_names_grader_internals():
    for ex in catalog():
        assert "seed" not in ex.title.lower(), ex.title
        # naming the convention followed ("as PyTorch stores it") is fine; naming how the grader checks is not
        assert not re.search(r"against|(?<!py)torch|oracle|hypothesis|nn\.", ex.title, re.I), ex.title
    for topic in topics():
        docstrings = re.findall(r'"""(.*?)"""', solution_source(topic), re.S)
        assert not any(re.search(r"\bthe seed\b|\bseed's\b", d, re.I) for d in docstrings)


def test_corpora_name_their_mistakes():
    """Every corpus says which mistakes its bugs are (test_each_bug_gets_its_feedback holds the grader to it)."""
    for topic, module in corpus("bugs").items():
        assert sum(bool(b.mistakes) for b in module.BUGS) >= 5, topic


BUGS = [(topic, bug) for topic, module in sorted(corpus("bugs").items()) for bug in module.BUGS if not bug.xfail]


@pytest.mark.slow
@pytest.mark.parametrize("topic, bug", [pytest.param(topic, bug, id=f"{topic}-{bug.id}",
                                                     marks=pytest.mark.xdist_group(f"{topic}-{bug.id}"))
                                        for topic, bug in BUGS])
def test_each_bug_gets_its_feedback(topic, bug):
    """Every bug of the corpora (graded once with tests/test_buggy.py): it fails its checks, its feedback names
    exactly the mistakes the corpus lists (none: no diagnosis, never a wrong one), the first failing check shows an
    input no longer than the corpus's bound along every free axis, and every input under "paste into Python" runs
    after `import numpy as np`."""
    report = graded_bug(topic, bug.edits)
    checks = [c for e in report.exercises for c in e.checks if not c.passed]
    assert {(e.id, c.name) for e in report.exercises for c in e.checks if not c.passed} == bug.fails
    named = {m for c in checks for m in c.mistakes}
    assert named == set(bug.mistakes), f"named {sorted(named)}, expected {sorted(bug.mistakes)}"
    shown = next((c.inputs for c in checks if c.inputs), None)
    if shown is not None:
        longest = largest_free_axis(shown)
        assert longest <= bug.input_axis, f"the input shown is {longest} long, at most {bug.input_axis}"
    blocks = [b for c in checks if c.message for b in paste_blocks(c.message)]
    assert all("<array" not in b and pastes(b) for b in blocks), "an input to paste does not run"
    # the default text: every input under "paste into Python" runs too; no check takes more than MOST lines; the
    # first failing check of an exercise keeps to BRIEF, unless its input (whole, as it must paste) needs the room:
    # then it says nothing more than what is wrong, the first diagnosis, the input and the call
    from benchmarks.feedback_quality import check_blocks, check_lines, display_lines, short_blocks
    from autograder.outputs.text import BRIEF, MOST

    for e in report.exercises:
        if e.score < e.points:
            text = exercise_text(e)
            assert all("<array" not in b and pastes(b) for b in short_blocks(text)), text
            assert max(check_lines(text)) <= MOST, text
            first = next(b for b in check_blocks(text) if b[0].startswith("  FAIL"))
            if display_lines("\n".join(first)) > BRIEF:
                said = "\n".join(first)
                assert "Expected" not in said and len(re.findall(r"^ *(Likely mistake|Pattern|Precision):", said,
                                                                 re.M)) <= 1, text


TRAINING_HINTS = {  # tests/bugs_optim.py's training bugs -> the hint of autograder/exercises/optim.py's judge
    "train_constant_lr": "the cosine schedule's lr of each epoch is not used",
    "train_schedule_one_epoch_ahead": "the schedule runs one epoch ahead",
    "train_adam_not_adamw": "as Adam's L2 penalty does",
    "train_state_reset_each_epoch": "m, v and the step count are not carried over",
}


@pytest.mark.slow
@pytest.mark.parametrize("bug_id", TRAINING_HINTS)
def test_optim_training_mistakes_are_named_by_the_steps_check(bug_id, submission):
    """A judged check names a mistake only when the returned parameters are that mistake's training, exactly."""
    bug = next(b for b in corpus("bugs")["optim"].BUGS if b.id == bug_id)
    report = submission("optim", mutate(solution_source("optim"), bug.edits), only=["optim.train"])
    steps = next(c for c in report.exercises[0].checks if c.name == "steps")
    named = [line for line in steps.message.splitlines() if line.startswith("Likely mistake:")]
    assert len(named) == 1 and TRAINING_HINTS[bug_id] in steps.message.replace("\n", " "), steps.message
