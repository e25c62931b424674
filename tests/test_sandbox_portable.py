"""The weaker isolation levels give the same scores (issue 13, "portable check"): on macOS and Windows `check`
runs with what those platforms allow, and CI runs that code path here, with the Linux-only parts switched off
(`AUTOGRADER_ISOLATION=portable`: a new worker process per exercise, pipes, a wall-clock deadline; `posix`:
the fork server without bubblewrap)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.model import catalog, select
from autograder.grading import grade
from autograder.sandbox import isolation as isolation_module
from conftest import ROOT, failing, messages, mutate, solution_source

pytestmark = pytest.mark.slow


@pytest.fixture
def level(monkeypatch):
    """Grade at a given isolation level (the level is decided once per process: reset around the test)."""
    def use(name: str):
        monkeypatch.setenv("AUTOGRADER_ISOLATION", name)
        isolation_module.isolation.cache_clear()
        assert isolation_module.isolation().level == name
    yield use
    monkeypatch.delenv("AUTOGRADER_ISOLATION")
    isolation_module.isolation.cache_clear()


def scores(report) -> dict:
    return {(e.id, c.name): c.score for e in report.exercises for c in e.checks}


BUGGY = [  # a wrong value, an exception, a hang, a crash: each the same verdict at every level
    ("t = np.tanh(z)\n    return 1.0 - t * t", "t = np.tanh(z)\n    return 1.0 - t"),
    ("x.T @ dout, dout.sum(axis=0)", "x.T @ dout, dout.sum(axis=0) * 2"),
    ("e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow", "while True:\n        pass"),
]
ONLY = ["mlp.tanh", "mlp.sigmoid", "mlp.affine", "mlp.softmax"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(folder) at the strongest level here, memoised: the reference every level must agree with."""
    buggy = tmp_path_factory.mktemp("buggy")
    (buggy / "mlp.py").write_text(mutate(solution_source("mlp"), BUGGY))
    exercises = catalog()
    runs = lambda: (grade(ROOT / "solutions", exercises), grade(buggy, select(exercises, ONLY)))  # noqa: E731
    return runs, runs()


@pytest.mark.parametrize("name", ["portable", "posix"])
def test_every_level_gives_the_same_scores(level, graded, name, capfd):
    runs, strongest = graded
    level(name)
    weaker = runs()
    assert weaker[0].score == weaker[0].points
    assert scores(weaker[1]) == scores(strongest[1])
    assert failing(weaker[1]) == {("mlp.tanh", "da_dz"), ("mlp.affine", "db"), ("mlp.sigmoid", "s")}
    assert "did not finish within 5 s" in messages(weaker[1])[("mlp.sigmoid", "s")]
    err = capfd.readouterr().err
    assert err.count("warning: isolation:") <= 1  # said once, not per sandbox


def test_portable_worker_crashes_are_contained(level, submission):
    level("portable")
    edits = [("e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow", "import os\n    os._exit(3)"),
             ("t = np.tanh(z)\n    return 1.0 - t * t", "raise ValueError('oops')")]
    report = submission("mlp", mutate(solution_source("mlp"), edits), only=["mlp.sigmoid", "mlp.tanh", "mlp.affine"])
    assert failing(report) == {("mlp.sigmoid", "s"), ("mlp.tanh", "da_dz")}
    assert "exited with status 3" in messages(report)[("mlp.sigmoid", "s")]
    assert "raised ValueError: oops" in messages(report)[("mlp.tanh", "da_dz")]


def test_posix_as_root_runs_student_code_as_nobody(level, submission):
    """Without bubblewrap, as root (a Gradescope container): the worker is `nobody`, so a file only root may read
    stays closed to it. Where `nobody` cannot start this Python (a pyenv under /root, as on the CI machine), the
    worker stays root and the warning says so: nothing to test then."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        pytest.skip("needs root")
    level("posix")
    if not isolation_module.isolation().nobody:
        pytest.skip("nobody cannot run this Python here (it lives in a folder only root may enter)")
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)  # any user may look in; only root may read the file
    secret = folder / "secret.txt"
    secret.write_text("the grading seed")
    secret.chmod(0o600)
    edits = [("t = np.tanh(z)\n    return 1.0 - t * t",
              f"import os\n    text = open({str(secret)!r}).read()\n    raise ValueError(f'uid {{os.getuid()}} reads {{text}}')"),
             ("return np.tanh(z)\n", "import os\n    raise ValueError(f'uid {os.getuid()}')\n")]
    report = submission("mlp", mutate(solution_source("mlp"), edits), only=["mlp.tanh"])
    said = messages(report)
    assert f"uid {isolation_module.NOBODY}" in said[("mlp.tanh", "a")]
    assert "PermissionError" in said[("mlp.tanh", "da_dz")] and "the grading seed" not in said[("mlp.tanh", "da_dz")]
    shutil.rmtree(folder)
