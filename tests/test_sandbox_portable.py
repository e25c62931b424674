"""The weaker isolation levels give the same scores (issue 13, "portable check"): on macOS and Windows `check`
runs with what those platforms allow, and CI runs that code path here, with the Linux-only parts switched off
(`AUTOGRADER_ISOLATION=portable`: a new worker process per exercise, pipes, a wall-clock deadline; `posix`:
the fork server without bubblewrap)."""
from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.model import catalog, select
from autograder.grading import grade
from autograder.sandbox import isolation as isolation_module
from conftest import ROOT, failing, messages, mutate, solution_source

pytestmark = pytest.mark.slow


REACHABLE_LOCK = os.path.join(tempfile.gettempdir(), "autograder-tests-python-reachable.lock")


@pytest.fixture
def level(monkeypatch):
    """Grade at a given isolation level (the level is decided once per process: reset around the test). At
    posix, whether the pool's uids can run this Python is decided then too: no test may change that meanwhile
    (a shared hold on the lock `python_every_user_may_run` takes alone)."""
    import fcntl

    with open(REACHABLE_LOCK, "w") as lock:
        def use(name: str):
            if name == "posix":
                fcntl.flock(lock, fcntl.LOCK_SH)
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


@contextmanager
def python_every_user_may_run():
    """This Python and NumPy reachable by every user for the duration (a pyenv under /root, mode 700, as on this
    machine and in CI, is not): o+x on each folder on the way that lacks it, restored afterwards. One test at a
    time holds it (a lock file), so none restores a mode while another still needs it."""
    import fcntl

    with open(REACHABLE_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        changed = {}
        targets = [Path(os.path.realpath(sys.executable)), Path(sys.base_prefix).resolve() / "lib",
                   *isolation_module.numpy_dirs()]
        for folder in {a for t in targets for a in Path(t).parents if a != Path("/")}:
            mode = folder.stat().st_mode & 0o7777
            if not mode & 0o001:
                changed[folder] = mode
                folder.chmod(mode | 0o001)
        try:
            yield
        finally:
            for folder, mode in changed.items():
                folder.chmod(mode)


@pytest.fixture
def uid_pool(monkeypatch):
    """posix as root, each sandbox as a uid of its own (the Python made reachable for those uids meanwhile)."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")):
        pytest.skip("needs root on Linux")
    with python_every_user_may_run():
        monkeypatch.setenv("AUTOGRADER_ISOLATION", "posix")
        isolation_module.isolation.cache_clear()
        assert isolation_module.isolation().uids, isolation_module.isolation().why_shared
        yield
        monkeypatch.delenv("AUTOGRADER_ISOLATION")
        isolation_module.isolation.cache_clear()


KEEPER = """
import os

def probe():
    with open(os.path.join(os.environ["HOME"], "secret.txt"), "w") as f:
        f.write("alice's work")
    return [os.getuid(), os.getpid(), os.environ["HOME"]]
"""

INTRUDER = """
import os, signal, subprocess, sys, time

def probe(pid, home):
    tried = {}
    for what, attempt in [("kill", lambda: os.kill(pid, signal.SIGKILL)),
                          ("mem", lambda: open(f"/proc/{pid}/mem", "rb").read(1)),
                          ("environ", lambda: open(f"/proc/{pid}/environ", "rb").read()),
                          ("scratch", lambda: open(os.path.join(home, "secret.txt")).read()),
                          ("sandbox", lambda: os.listdir(os.path.dirname(home)))]:
        try:
            attempt()
            tried[what] = "done"
        except OSError as e:
            tried[what] = type(e).__name__
    with open("/tmp/autograder-test-left-behind", "w") as f:
        f.write("x")
    child = os.fork()
    if child == 0:  # a daemon, in a session of its own, not our child: it would kill whatever runs after it
        os.setsid()
        if os.fork() == 0:
            time.sleep(2)  # once this probe has answered
            while True:
                os.kill(-1, signal.SIGKILL)
                time.sleep(0.01)
        os._exit(0)
    os.waitpid(child, 0)
    return [os.getuid(), tried]
"""


def test_posix_as_root_gives_each_sandbox_a_uid_of_its_own(uid_pool):
    """Two submissions graded side by side: the second cannot kill the first's worker, read its memory, its
    environment or its scratch files, or list its sandbox; the daemon it leaves and the file it leaves in /tmp
    are gone once its sandbox is closed, and the first goes on."""
    from autograder.sandbox.host import Sandbox
    from test_sandbox import run

    with Sandbox() as alice:
        loaded = alice.load({"name": "probe", "path": "probe.py", "source": KEEPER, "cells": None, "seed": 0}, 20.0)
        assert loaded.get("ok"), loaded
        worker = alice.worker()
        request = {"op": "run", "calls": [("probe", (), "out")], "inputs": {}, "send_back": ["out"], "mutable": (),
                   "seed": 0}
        uid, pid, home = worker.request(request, 10.0)["results"]["out"]
        with Sandbox() as mallory:
            got = run(INTRUDER, args={"pid": pid, "home": home}, sandbox=mallory)
            her_uid = mallory.slot.uid
            assert isolation_module._processes_of(her_uid)  # her fork server, and her daemon
        assert got[0] == her_uid != uid and uid in isolation_module.UID_POOL and her_uid in isolation_module.UID_POOL
        assert set(got[1].values()) == {"PermissionError"}, got[1]
        assert not isolation_module._processes_of(her_uid)  # the daemon ended with her sandbox
        assert not os.path.exists("/tmp/autograder-test-left-behind")
        again = worker.request(request, 10.0)  # alice's worker is alive and well
        assert again["results"]["out"][:2] == [uid, pid], again
        worker.close()
