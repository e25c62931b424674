"""Hostile and broken submissions: each costs only the checks it touches; the grader and the rest go on."""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import pytest

from autograder.grading import session
from autograder.sandbox.isolation import isolation
from conftest import ROOT, failing, messages, mutate, solution_source

pytestmark = pytest.mark.slow


def body(function: str, new_body: str) -> tuple[str, str]:
    """An edit replacing the solution region of `function` with `new_body` (4-space indented lines)."""
    source = solution_source("mlp")
    start = source.index(f"def {function}(")
    begin = source.index("    ### BEGIN SOLUTION\n", start)
    end = source.index("    ### END SOLUTION\n", begin) + len("    ### END SOLUTION\n")
    return source[begin:end], "".join(f"    {line}\n" for line in new_body.splitlines())


# function -> (hostile body, the checks it must cost, a phrase its feedback must contain)
HOSTILE = {
    "tanh": ("while True:\n    pass", {("mlp.tanh", "a")}, "did not finish within"),
    "tanh_derivative": ("import os\nos._exit(3)", {("mlp.tanh", "da_dz")}, "exited with status 3"),
    "sigmoid": ("import ctypes\nctypes.string_at(0)", {("mlp.sigmoid", "s")}, "segmentation fault"),
    "binary_cross_entropy": ("raise ValueError('oops')", {("mlp.binary_cross_entropy", "loss")},
                             "raised ValueError: oops"),
    "binary_cross_entropy_grad": ("import torch\nreturn torch.as_tensor(a).numpy()",
                                  {("mlp.binary_cross_entropy", "dL_da")}, "uses torch"),
    "cross_entropy": ("return None", {("mlp.cross_entropy", "loss")}, "it is None"),
    "cross_entropy_grad": ("return softmax(z).tolist()", {("mlp.cross_entropy", "dz")}, "Python list"),
    "mlp_forward": ("P, cache = _mlp_forward(X, params)\nreturn np.full_like(P, np.nan), cache",
                    {("mlp.mlp_forward", "P")}, "not finite"),
    "mlp_backward": ("grads = _mlp_backward(y, params, cache)\ncache['X'] *= 2.0\nreturn grads",
                     {("mlp.mlp_backward", f"d{k}") for k in ("W1", "b1", "W2", "b2", "W3", "b3")},
                     "modified its input `cache` in place"),
    "init_params": ("return np.ones(2**32)", {("mlp.init_params", "shapes"), ("mlp.init_params", "seed"),
                                              ("mlp.init_params", "distribution"), ("mlp.train_mlp", "steps")},
                    "ran out of memory"),
    "train_mlp": ("print('x' * 10_000_000)\nreturn _train_mlp(X, y, layer_sizes, lr, epochs, seed)", set(), ""),
}
if isolation().level == "bwrap":  # only where the worker cannot see the grader's process
    # The worker's parent is the sandbox's fork server, and kill(-1) reaches only what the sandbox holds: neither
    # reaches the grader. Whether the worker dies with its sandbox before it answers (None) is a race; its check
    # fails either way, and the next exercise must not pay for it.
    HOSTILE["sgd_step"] = ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(-1, signal.SIGKILL)",
                           {("mlp.sgd_step", "new_params")}, "")
# affine_backward: a bare wrong shape in one output costs that output's check alone
AFFINE_EDIT = ("dout.sum(axis=0)\n", "dout.sum(axis=0, keepdims=True)\n")


HELPERS = ("softmax", "init_params", "mlp_forward", "mlp_backward", "sgd_step", "train_mlp")


def hostile_source() -> str:
    """The solutions with the hostile bodies above, plus private working copies (_mlp_forward, ...)
    of the functions they delegate to, so that each hostile body breaks nothing but itself."""
    source = solution_source("mlp")
    copies = "".join("\n\n\n" + source[source.index(f"def {name}("):].split("\n\n\n")[0] for name in HELPERS)
    copies = re.sub(rf"\b({'|'.join(HELPERS)})\(", r"_\1(", copies)
    edits = [body(fn, new) for fn, (new, _, _) in HOSTILE.items()] + [AFFINE_EDIT]
    top = ("import numpy as np\nimport torch  # importing is allowed; using it is not\n"
           "np.allclose = lambda *a, **k: True  # tampering with NumPy changes nothing in the grader\n")
    return mutate(source, edits).replace("import numpy as np\n", top, 1) + copies + "\n"


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    from conftest import grade_source

    return grade_source(tmp_path_factory.mktemp("hostile"), "mlp", hostile_source())


def test_each_hostile_function_costs_only_its_own_checks(hostile_report):
    expected = set().union(*(checks for _, checks, _ in HOSTILE.values())) | {("mlp.affine", "db")}
    assert failing(hostile_report) == expected


@pytest.mark.parametrize("function", sorted(HOSTILE))
def test_feedback_says_what_happened(hostile_report, function):
    _, checks, phrase = HOSTILE[function]
    for check in checks:
        assert phrase in messages(hostile_report)[check], messages(hostile_report)[check]


def test_wrong_shape_feedback_names_both_shapes(hostile_report):
    message = messages(hostile_report)[("mlp.affine", "db")]
    assert "has shape (1," in message and "expected (" in message and "keepdims" in message


def test_not_implemented_and_forbidden_say_nothing_about_inputs(hostile_report):
    assert "input" not in messages(hostile_report)[("mlp.binary_cross_entropy", "dL_da")].lower()


@pytest.mark.parametrize("source, phrase", [
    ("def tanh(z)\n    return z\n", "SyntaxError"),
    ("import numpy as np\nraise RuntimeError('broken at import')\n", "RuntimeError: broken at import"),
    ("import os\nos._exit(0)\n", "importing mlp.py failed"),
    ("while True:\n    pass\n", "did not finish within"),
])
def test_module_that_does_not_import_is_not_gradable(submission, monkeypatch, source, phrase):
    monkeypatch.setattr(session, "LOAD_SECONDS", 2.0)
    report = submission("mlp", source)
    assert report.score == 0 and len(report.exercises) == 11
    assert phrase in report.not_gradable["mlp"]
    assert all(phrase in c.message for e in report.exercises for c in e.checks)


def test_missing_module_is_not_gradable(tmp_path):
    from autograder.model import catalog, select
    from autograder.grading import grade

    report = grade(tmp_path, select(catalog(), ["mlp"]))
    assert report.score == 0 and "no file mlp.py" in report.not_gradable["mlp"]


@pytest.mark.parametrize("spawn", [
    "import threading, time, os\nthreading.Thread(target=lambda: (time.sleep(0.3), os._exit(1)), daemon=True).start()",
    "import os, time\nif os.fork() == 0:\n    time.sleep(0.3)\n    os._exit(1)",
])
def test_a_thread_or_process_left_running_costs_only_its_own_check(submission, spawn):
    edits = [body("sigmoid", spawn + "\nreturn 1 / (1 + np.exp(-z))")]
    report = submission("mlp", mutate(solution_source("mlp"), edits), only=["mlp.sigmoid", "mlp.tanh", "mlp.affine"])
    assert failing(report) == {("mlp.sigmoid", "s")}
    assert "left a thread or a process running" in messages(report)[("mlp.sigmoid", "s")]


def test_a_returned_object_that_breaks_when_read_costs_only_its_check(submission):
    edits = [body("sigmoid", "class D(dict):\n    def items(self):\n        raise RuntimeError\nreturn D(a=1)")]
    report = submission("mlp", mutate(solution_source("mlp"), edits), only=["mlp.sigmoid", "mlp.tanh"])
    assert failing(report) == {("mlp.sigmoid", "s")}
    assert "what sigmoid returned could not be read" in messages(report)[("mlp.sigmoid", "s")]


# -- no full marks without the work ------------------------------------------------------------------------

@pytest.mark.parametrize("how, phrase", [
    ("from solutions.mlp import tanh as _t\nreturn _t(z)", "No module named 'solutions'"),
    (f"exec(open({str(ROOT / 'solutions' / 'mlp.py')!r}).read(), globals())\nreturn np.tanh(z)",
     "FileNotFoundError"),
    ("import sys, importlib\nsys.meta_path[:] = [f for f in sys.meta_path if 'Forbidden' not in type(f).__name__]\n"
     "sys.modules.pop('torch', None)\ntorch = importlib.import_module('torch')\n"
     "return torch.tanh(torch.as_tensor(z)).numpy()", "No module named 'torch'"),
    ("from autograder.oracle import forward_backward\nreturn np.tanh(z)", "No module named 'autograder'"),
    ("from reference.mlp import tanh as _t\nreturn np.tanh(z)", "No module named 'reference'"),
])
def test_nothing_to_find(submission, how, phrase):
    if isolation().level != "bwrap" and "FileNotFoundError" in phrase:
        pytest.skip("without bubblewrap the worker can read what the grader's user can read")
    report = submission("mlp", mutate(solution_source("mlp"), [body("tanh", how)]), only=["mlp.tanh"])
    assert ("mlp.tanh", "a") in failing(report)
    assert phrase in messages(report)[("mlp.tanh", "a")], messages(report)[("mlp.tanh", "a")]


def test_a_table_of_the_public_answers_fails_under_a_secret_seed(submission):
    """Recorded with `check` (public inputs), a table of answers earns the points there, and none under a
    grading seed the students do not have."""
    from autograder.grading.search import search
    from autograder.model import catalog, select

    ex = select(catalog(), ["mlp.sigmoid"])[0]
    seen = []
    search(ex.inputs, ex.examples, ex.max_examples, lambda inputs: seen.append(inputs["z"]))
    table = {z.tobytes(): (0.5 + 0.5 * np.tanh(z / 2)).tolist() for z in seen}
    cheat = (f"_TABLE = {table!r}\n\n\n"
             "def sigmoid(z):\n    return np.array(_TABLE.get(z.tobytes(), np.zeros_like(z).tolist()))\n")
    source = solution_source("mlp") + "\n\n" + cheat
    public = submission("mlp", source, only=["mlp.sigmoid"])
    assert public.score == public.points
    from autograder.grading import grade

    secret = grade(Path(public.submission), [ex], seed=20240607)
    assert secret.score == 0 and secret.seed == 20240607


@pytest.mark.parametrize("seed", [1, 77, 2**31 - 1])
def test_correct_code_earns_full_marks_under_any_seed(seed):
    from autograder.grading import grade
    from autograder.model import catalog

    report = grade(ROOT / "solutions", catalog(), seed=seed)
    assert report.score == report.points, {k: v for k, v in messages(report).items()}
    assert report.seed == seed


# -- nothing a worker returns or sends breaks the grader ---------------------------------------------------

ODD = {
    "sigmoid": ("return 10**400", "mlp.sigmoid", "s"),
    "softmax": ("x = []\nfor _ in range(40):\n    x = [x]\nreturn x", "mlp.softmax", "p"),
    "tanh_derivative": ("return {'a': 10**400, 'b': float('nan'), 'c': 'text'}", "mlp.tanh", "da_dz"),
    "binary_cross_entropy": ("return 2**64 + 1", "mlp.binary_cross_entropy", "loss"),
}


def test_odd_returned_values_cost_their_checks_and_nothing_else(submission):
    edits = [body(fn, new) for fn, (new, _, _) in ODD.items()]
    report = submission("mlp", mutate(solution_source("mlp"), edits),
                        only=["mlp.sigmoid", "mlp.softmax", "mlp.tanh", "mlp.binary_cross_entropy", "mlp.affine"])
    assert failing(report) == {(ex, check) for _, ex, check in ODD.values()}
    for _, ex, check in ODD.values():
        assert "Internal grader error" not in messages(report)[(ex, check)]


# -- the results file ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("planted", ["symlink", "fifo", "file"])
def test_results_file_is_replaced_whole_never_followed(tmp_path, planted):
    from autograder.project import write_atomic

    target, out = tmp_path / "elsewhere.txt", tmp_path / "results.json"
    target.write_text("keep me")
    if planted == "symlink":
        out.symlink_to(target)
    elif planted == "fifo":
        os.mkfifo(out)  # opening it for writing would hang until a reader came
    else:
        out.write_text("forged")
    write_atomic(out, '{"score": 1}')
    assert not out.is_symlink() and out.read_text() == '{"score": 1}' and target.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_writes_a_results_file_a_daemon_cannot_rewrite(tmp_path):
    out = tmp_path / "out" / "results.json"
    out.parent.mkdir()
    daemon = (f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
              f"        for _ in range(40):\n            time.sleep(0.1)\n            try:\n"
              f"                open({str(out)!r}, 'w').write('{{}}')\n            except OSError:\n"
              f"                pass\n        os._exit(0)\n    os._exit(0)\nreturn np.tanh(z)")
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "mlp.py").write_text(mutate(solution_source("mlp"), [body("tanh", daemon)]))
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--only", "mlp.tanh",
                          "mlp.sigmoid", "--format", "json", "--out", str(out)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    time.sleep(4.5)  # the daemon, had it survived, would have written by now
    result = json.loads(out.read_text())
    assert result["max_score"] > 0 and {e["id"] for e in result["exercises"]} == {"mlp.tanh", "mlp.sigmoid"}


# -- what the worker says about its inputs is not trusted ------------------------------------------------------

# The type's real dict, through gc (assignments bypass the read-only proxy); the originals are kept alive and the
# type cache cleared, so that the patched methods are the ones called (and nothing crashes).
PATCH_COPY = '''
import gc, sys
_types = gc.get_referents(np.ndarray.__dict__)[0]
_ORIGINAL, _PRISTINE = dict(_types), {}
_types["copy"] = lambda self, *a, **k: self  # every snapshot of an input is the input itself
sys._clear_type_cache()
'''
PATCH_MORE = '''
_types["tobytes"] = lambda self, *a, **k: _ORIGINAL["tobytes"](_PRISTINE.get(id(self), self), *a, **k)
sys._clear_type_cache()
np.ascontiguousarray = lambda x, *a, **k: _PRISTINE.get(id(x), x)
np.asarray = lambda x, *a, **k: _PRISTINE.get(id(x), x)
np.array_equal = lambda *a, **k: True
'''


@pytest.mark.parametrize("patch", [PATCH_COPY, PATCH_COPY + PATCH_MORE], ids=["copy", "copy-tobytes-compare"])
def test_patched_numpy_cannot_hide_an_input_changed_in_place(submission, patch):
    """The module makes every copy (and then every comparison and serialisation) of an array lie, and tanh
    overwrites its input, keeping a pristine copy to show whoever asks: the grader still sees the change."""
    hide = "out = np.tanh(z)\n_PRISTINE[id(z)] = np.array(z)\nz[...] = 0.0\nreturn out"
    source = mutate(solution_source("mlp"), [body("tanh", hide)]).replace("import numpy as np\n",
                                                                          "import numpy as np\n" + patch, 1)
    report = submission("mlp", source, only=["mlp.tanh"])
    assert failing(report) == {("mlp.tanh", "a")}
    assert "modified in place" in messages(report)[("mlp.tanh", "a")], messages(report)[("mlp.tanh", "a")]


# -- a hang costs its exercise once, not once per request --------------------------------------------------------

def answered(monkeypatch) -> list[tuple[str, str]]:
    """(first function, "reply" or the crash's kind) of every plan the worker answered or was stopped in, sent on
    its own or in a batch, in order."""
    from autograder.sandbox import host

    sent, outcome = [], session.TopicSession._outcome

    def counted(self, ex, calls, request, inputs, reply, capped):
        sent.append((calls[0].function, reply.kind if isinstance(reply, host.Crash) else "reply"))
        return outcome(self, ex, calls, request, inputs, reply, capped)

    monkeypatch.setattr(session.TopicSession, "_outcome", counted)
    return sent


SLEEPER = "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except BaseException:\n        pass"


def test_a_sleeping_hang_costs_its_function_once_and_seconds_not_the_backstop(submission, monkeypatch):
    """tanh sleeps forever, swallowing every exception; mlp.tanh has two checks, and Hypothesis would try many
    inputs: one request calling tanh is sent, stopped as soon as it is seen waiting (not after the 4 x 5 + 10 s
    backstop), and no other; tanh_derivative (its own check) and the next exercise are graded as usual."""
    sent = answered(monkeypatch)
    edits = [body("tanh", SLEEPER), body("tanh_derivative", "t = np.tanh(z)\nreturn 1.0 - t")]
    report = submission("mlp", mutate(solution_source("mlp"), edits), only=["mlp.tanh", "mlp.sigmoid"])
    assert failing(report) == {("mlp.tanh", "a"), ("mlp.tanh", "da_dz")}
    said = messages(report)
    assert "without computing" in said[("mlp.tanh", "a")], said
    assert "expected" in said[("mlp.tanh", "da_dz")].lower(), said  # a wrong value, found and shown as usual
    assert [kind for fn, kind in sent if fn == "tanh"] == ["timeout"], sent
    assert any(fn == "sigmoid" and kind == "reply" for fn, kind in sent), sent


def test_an_exercise_whose_calls_are_slow_but_finish_stops_at_its_total(submission, monkeypatch):
    """Each call of sigmoid busies 0.3 s of CPU, well within its 5 s: without a total, the search would pay that
    for every input it tries; with one (here 1 s for the exercise), the exercise stops there and says why."""
    monkeypatch.setattr(session, "EXERCISE_CALLS", 0.2)
    sent = answered(monkeypatch)
    slow = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.3:\n    pass\n" \
           "return 1 / (1 + np.exp(-z))"
    report = submission("mlp", mutate(solution_source("mlp"), [body("sigmoid", slow)]), only=["mlp.sigmoid"])
    assert failing(report) == {("mlp.sigmoid", "s")}
    assert "mlp.sigmoid's calls had used their 1 s in all" in messages(report)[("mlp.sigmoid", "s")]
    assert [fn for fn, _ in sent].count("sigmoid") <= 5, sent


# -- the secret seed is never on a command line ------------------------------------------------------------------

@pytest.mark.parametrize("command", [["grade", "solutions"], ["grade-all", "solutions"], ["gradescope-bundle", "x.zip"],
                                     ["nbgrader-autograde", "mlp", "--student", "alice"]])
def test_a_seed_on_the_command_line_is_refused_saying_what_to_use(command, tmp_path):
    """A command line is public (/proc/PID/cmdline, student code included): `--seed N` stops every command before
    it grades or writes anything, and says to use --seed-file or AUTOGRADER_SEED."""
    run = subprocess.run([sys.executable, "-m", "autograder", *command, "--seed", "8675309"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "--seed-file" in run.stderr and "AUTOGRADER_SEED" in run.stderr, run.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_seed_file_other_users_can_read_is_refused_and_a_private_one_is_used(tmp_path):
    seed = tmp_path / "seed"
    seed.write_text("8675309\n")
    seed.chmod(0o644)
    grade = [sys.executable, "-m", "autograder", "grade", str(ROOT / "solutions"), "--only", "mlp.tanh",
             "--format", "json", "--seed-file", str(seed)]
    refused = subprocess.run(grade, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "chmod 600" in refused.stderr, refused.stderr
    seed.chmod(0o600)
    used = subprocess.run(grade, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert used.returncode == 0 and json.loads(used.stdout)["seed"] == 8675309, used.stderr
