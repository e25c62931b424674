"""A class of 30 with one adversary: whatever her code does to her classmates, each of them gets the score they get
in the same class without her, at the bwrap and the posix level (as root: a uid per sandbox), and she learns
nothing of theirs, nor the secret seed.

Her functions SIGKILL every process they can see (and leave a daemon doing so for two minutes), read the class
folder, `--out` (staged submissions, results) and the grader's temporary folders, read the memory of every
process they can, and look for the seed in every command line and environment; then report what they found in
their own feedback. One cheap exercise (`--only mlp.tanh`), two grading processes, so that she is graded beside
her classmates.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.sandbox import isolation as isolation_module
from conftest import ROOT, mutate, solution_source
from test_sandbox_portable import python_every_user_may_run

pytestmark = pytest.mark.slow

SEED = "918273645"
VICTIMS = [f"student{i:02d}" for i in range(1, 30)]
BUG = ("t = np.tanh(z)\n    return 1.0 - t * t", "t = np.tanh(z)\n    return 1.0 - t")

ATTACK = '''
import glob as _glob, json as _json, os as _os, signal as _signal, time as _time

_CLASS, _OUT, _VICTIMS, _SEED = {cls!r}, {out!r}, {victims!r}, {seed!r}
_DAEMON = []


def _status(pid, field):
    try:
        with open(f"/proc/{{pid}}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))
    except (OSError, StopIteration, ValueError):
        return None


def _attack():
    found = {{"read": [], "seed": [], "memory": []}}
    paths = [p for v in _VICTIMS for p in (f"{{_CLASS}}/{{v}}/mlp.py", f"{{_OUT}}/submissions/{{v}}/mlp.py",
                                            f"{{_OUT}}/results/{{v}}.json")]
    for pattern in ("/tmp/autograder-batch-*/*/*", "/tmp/autograder-sandbox-*/*", "/tmp/autograder-sandbox-*/*/*",
                    _OUT + "/*", _OUT + "/*/*"):
        paths += _glob.glob(pattern)
    for path in paths:
        try:
            with open(path, "rb") as f:
                if b"classmate" in f.read() or "results" in path:
                    found["read"].append(path)
        except OSError:
            pass
    me = _os.getuid()
    for pid in [p for p in _os.listdir("/proc") if p.isdigit()]:
        for part in ("cmdline", "environ"):
            try:
                with open(f"/proc/{{pid}}/{{part}}", "rb") as f:
                    if _SEED.encode() in f.read():
                        found["seed"].append(f"{{pid}}/{{part}}")
            except OSError:
                pass
        if _status(pid, "Uid") not in (me, None):
            try:
                with open(f"/proc/{{pid}}/maps") as f:
                    start = int(f.readline().split("-")[0], 16)
                with open(f"/proc/{{pid}}/mem", "rb") as f:
                    f.seek(start)
                    if f.read(16):
                        found["memory"].append(pid)
            except (OSError, ValueError):
                pass
    return found


def _daemon():
    """Two minutes of SIGKILL to every process in sight but her own sandbox's fork server and its workers (so
    that her report gets out), from a process no longer hers (double fork, its own session)."""
    _DAEMON.append(1)
    server = _os.getppid()
    spare = {{server}}
    child = _os.fork()
    if child == 0:
        _os.setsid()
        if _os.fork() == 0:
            spare.add(_os.getpid())
            end = _time.monotonic() + 120
            while _time.monotonic() < end:
                for pid in [int(p) for p in _os.listdir("/proc") if p.isdigit()]:
                    if pid not in spare and _status(pid, "PPid") != server:
                        try:
                            _os.kill(pid, _signal.SIGKILL)
                        except OSError:
                            pass
                _time.sleep(0.005)
        _os._exit(0)
    _os.waitpid(child, 0)
'''
HER_TANH = ("found = {k: len(v) for k, v in _attack().items()}  # counts: a message is cut at 500 characters\n"
            "if not _DAEMON:\n    _daemon()\n    _time.sleep(1)  # her classmates are graded meanwhile\n"
            "raise ValueError('FOUND ' + _json.dumps(found))")
HER_DERIVATIVE = "while True:\n    try:\n        _time.sleep(1)\n    except BaseException:\n        pass"


def body(function: str, new_body: str) -> tuple[str, str]:
    source = solution_source("mlp")
    begin = source.index("    ### BEGIN SOLUTION\n", source.index(f"def {function}("))
    end = source.index("    ### END SOLUTION\n", begin) + len("    ### END SOLUTION\n")
    return source[begin:end], "".join(f"    {line}\n" for line in new_body.splitlines())


def make_class(root: Path, out: Path, with_her: bool) -> None:
    for i, name in enumerate(VICTIMS):
        source = mutate(solution_source("mlp"), [BUG] if i % 2 else [])
        (root / name).mkdir(parents=True)
        (root / name / "mlp.py").write_text(f"# classmate {name}'s own work\n{source}")
    if with_her:
        source = mutate(solution_source("mlp"), [body("tanh", HER_TANH), body("tanh_derivative", HER_DERIVATIVE)])
        attack = ATTACK.format(cls=str(root), out=str(out), victims=VICTIMS, seed=SEED)
        (root / "mallory").mkdir()
        (root / "mallory" / "mlp.py").write_text(source.replace("import numpy as np\n", "import numpy as np\n" + attack, 1))


def grade_class(tmp: Path, level_name: str | None, with_her: bool) -> tuple[dict, dict | None]:
    """Grade the class at `level_name` (None: the strongest here); (student -> {check: score}) of her classmates,
    and what she found (None without her). The class folder is the instructor's (private); --out sits in a
    folder every user may enter."""
    root = tmp / f"class-{level_name}-{with_her}"
    public = Path(tempfile.mkdtemp(prefix="autograder-test-public-"))
    public.chmod(0o755)
    out = public / "graded"
    seed_file = tmp / f"seed-{level_name}-{with_her}"
    seed_file.write_text(SEED)
    seed_file.chmod(0o600)
    make_class(root, out, with_her)
    try:
        env = {**os.environ, "AUTOGRADER_SEED": SEED}
        env.pop("AUTOGRADER_ISOLATION", None)
        if level_name:
            env["AUTOGRADER_ISOLATION"] = level_name
        run = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out),
                              "--only", "mlp.tanh", "--jobs", "2", "--quiet", "--seed-file", str(seed_file)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stderr
        results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    finally:
        shutil.rmtree(public, ignore_errors=True)
    scores = {s: {(e["id"], c["name"]): c["score"] for e in r["exercises"] for c in e["checks"]}
              for s, r in results.items() if s != "mallory"}
    assert sorted(scores) == VICTIMS
    found = None
    if with_her:
        message = next(c["message"] for e in results["mallory"]["exercises"] for c in e["checks"] if c["name"] == "a")
        assert "FOUND " in message, message
        found = json.loads(message.split("FOUND ", 1)[1].splitlines()[0])
    return scores, found


@pytest.fixture(scope="module")
def without_her(tmp_path_factory):
    """Her classmates' scores in the class without her (the same at every level: the grader's own tests)."""
    scores, _ = grade_class(tmp_path_factory.mktemp("reference"), None, with_her=False)
    assert {s[("mlp.tanh", "da_dz")] > 0 for s in scores.values()} == {True, False}  # some earn it, some do not
    return scores


def test_at_bwrap_she_reaches_no_classmate(without_her, tmp_path):
    if isolation_module.isolation().level != "bwrap":
        pytest.skip("needs bubblewrap (CI installs it)")
    scores, found = grade_class(tmp_path, "bwrap", with_her=True)
    assert found == {"read": 0, "seed": 0, "memory": 0}, found
    assert scores == without_her


def test_at_posix_as_root_she_reaches_no_classmate(without_her, tmp_path):
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")):
        pytest.skip("needs root on Linux")
    with python_every_user_may_run():  # each grading process checks that the pool's uids can run this Python
        scores, found = grade_class(tmp_path, "posix", with_her=True)
    assert found == {"read": 0, "seed": 0, "memory": 0}, found
    assert scores == without_her
    assert not [uid for uid in isolation_module.UID_POOL if isolation_module._processes_of(uid)]  # no daemon left
