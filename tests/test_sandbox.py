"""The sandbox itself: what a worker can see and do, its limits across the whole submission, its CPU-time
budgets, and a fresh worker per exercise. Probes run in a real sandbox and report what they found; the
grader's side then checks nothing of its own was touched.

Where this machine cannot give the strongest isolation (no bubblewrap, not root), the tests of what only that
level promises are skipped, except in CI, which must run them (`.ci/run` installs bubblewrap).
"""
from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from autograder.sandbox import host, wire
from autograder.sandbox.host import Crash, Sandbox
from autograder.sandbox.isolation import SCRATCH_BYTES, Cgroups, isolation
from conftest import ROOT, failing, messages, mutate, solution_source

LEVEL = isolation().level
FULL = LEVEL == "bwrap" and isolation().root and Cgroups.available()
full_only = pytest.mark.skipif(not FULL, reason="needs bubblewrap, root and cgroups (as in CI)")


def run(source: str, function: str = "probe", args: dict | None = None, seconds: float = 10.0,
        sandbox: Sandbox | None = None):
    """Import `source` in a sandbox and call function(**args) in a fresh worker: its return value, or a Crash."""
    own = sandbox is None
    sandbox = sandbox or Sandbox()
    try:
        loaded = sandbox.load({"name": "probe", "path": "probe.py", "source": textwrap.dedent(source),
                               "cells": None, "seed": 0}, 20.0)
        assert isinstance(loaded, dict) and loaded.get("ok"), loaded
        worker = sandbox.worker()
        assert not isinstance(worker, Crash), worker
        args = args or {}
        reply = worker.request({"op": "run", "calls": [(function, tuple(args), "out")], "inputs": args,
                                "send_back": ["out"], "mutable": (), "seed": 0}, seconds)
        worker.close()
        if isinstance(reply, Crash):
            return reply
        assert reply.get("error") is None, reply["error"]
        return reply["results"]["out"]
    finally:
        if own:
            sandbox.close()


def test_ci_has_the_strongest_isolation():
    if os.environ.get("CI") and sys.platform.startswith("linux") and os.geteuid() == 0:
        assert FULL, "CI runs as root on Linux: bubblewrap and cgroups must work there (see .ci/run)"


PROBE = """
import os, sys, importlib, socket

def probe():
    facts = {}
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    facts["uid"], facts["gid"] = os.getuid(), os.getgid()
    facts["groups"] = [g for g in os.getgroups() if g != os.getgid()]
    facts["caps"] = [int(status[k].strip(), 16) for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")]
    facts["no_new_privs"] = status["NoNewPrivs"].strip()
    facts["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    facts["root_listing"] = sorted(os.listdir("/"))
    facts["seen"] = [p for p in PATHS if os.path.exists(p)]
    sys.meta_path[:] = [f for f in sys.meta_path if "Forbidden" not in type(f).__name__]
    imported = []
    for name in ("torch", "autograder", "reference", "solutions", "hypothesis", "scipy", "nbgrader"):
        sys.modules.pop(name, None)
        try:
            importlib.import_module(name)
            imported.append(name)
        except ImportError:
            pass
    facts["imported"] = imported
    written = []
    for folder in WRITABLE_TARGETS:
        try:
            with open(os.path.join(folder, "autograder-probe"), "w") as f:
                f.write("x")
            written.append(folder)
        except OSError:
            pass
    facts["written"] = written
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
        facts["connected"] = True
    except OSError:
        facts["connected"] = False
    facts["environment"] = sorted(os.environ)
    return facts
"""


@full_only
def test_a_worker_sees_and_touches_nothing_of_the_grader(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SEED", "424242")
    listener = socket.create_server(("127.0.0.1", 0))
    secret_paths = [str(ROOT), str(ROOT / "solutions" / "mlp.py"), str(ROOT / "reference"), sys.prefix,
                    str(tmp_path), f"/proc/{os.getpid()}", os.path.expanduser("~")]
    writable = [str(ROOT / "autograder"), str(tmp_path), "/usr", os.path.realpath(sys.base_prefix), "/"]
    source = PROBE.replace("PATHS", repr(secret_paths)).replace("WRITABLE_TARGETS", repr(writable)).replace(
        "PORT", str(listener.getsockname()[1]))
    facts = run(source)
    listener.close()
    assert facts["uid"] == facts["gid"] == 65534 and facts["groups"] == []
    assert facts["caps"] == [0, 0, 0, 0] and facts["no_new_privs"] == "1"
    assert len(facts["pids"]) <= 4, facts["pids"]  # bwrap's init, the fork server, this worker: no grader
    assert set(facts["root_listing"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "root",
                                          "sandbox", "sbin", "tmp", "usr"}, facts["root_listing"]
    assert facts["seen"] == [] or facts["seen"] == [os.path.expanduser("~")] and \
        os.path.realpath(sys.base_prefix).startswith(os.path.expanduser("~")), facts["seen"]
    assert facts["imported"] == []
    assert facts["written"] == []
    assert not facts["connected"]
    assert "AUTOGRADER_SEED" not in facts["environment"]
    assert not (ROOT / "autograder" / "autograder-probe").exists() and not (tmp_path / "autograder-probe").exists()


@full_only
def test_scratch_space_is_private_and_capped():
    facts = run("""
    import os

    def probe():
        written, chunk = 0, b"x" * 2**20
        for i in range(200):
            try:
                with open(f"/tmp/f{i}", "wb") as f:
                    for _ in range(8):
                        f.write(chunk)
                        written += len(chunk)
            except OSError:
                break
        return written
    """)
    assert 0 < facts <= SCRATCH_BYTES


@full_only
def test_memory_is_capped_across_processes():
    """Four forked children of 100 MiB each, under a 300 MiB cap: the kernel kills some (each alone is fine)."""
    source = """
    import os, time
    import numpy as np

    def probe():
        children = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                block = np.ones(100 * 2**20 // 8)  # written: 100 MiB resident
                start = time.process_time()
                while time.process_time() - start < 1:  # held while the others allocate (busy: a sleep is a hang)
                    pass
                os._exit(0)
            children.append(pid)
        return [os.waitpid(pid, 0)[1] for pid in children]
    """
    with Sandbox(memory_bytes=300 * 2**20) as sandbox:
        statuses = run(source, sandbox=sandbox, seconds=20.0)
        assert sandbox.cgroups.oom_kills() >= 1
    assert 9 in statuses and statuses.count(0) <= 2, statuses  # 9: killed by SIGKILL


@full_only
def test_processes_and_open_files_are_capped():
    counts = run("""
    import threading, time

    def probe():
        stop, threads, files = threading.Event(), [], []
        for _ in range(500):
            try:
                threads.append(threading.Thread(target=stop.wait, daemon=True))
                threads[-1].start()
            except RuntimeError:
                threads.pop()
                break
        stop.set()
        for thread in threads:
            thread.join()
        for _ in range(5000):
            try:
                files.append(open("/dev/null"))
            except OSError:
                break
        return [len(threads), len(files)]
    """)
    threads, files = counts
    assert 0 < threads < 64 and 0 < files < 256, counts


CPU_HEAVY = """
import time

def probe(seconds):
    start, n = time.process_time(), 0
    while time.process_time() - start < seconds:
        n += 1
    return time.process_time() - start
"""


def _hogs(n: int) -> list[subprocess.Popen]:
    # each in its own session, as the worker is: with the kernel's autogroup scheduling, the CPU is shared between
    # sessions first, so hogs sharing one session would leave the worker a whole core
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(n)]


def test_time_limits_count_cpu_time_not_a_busy_machine(monkeypatch):
    if LEVEL == "portable":
        pytest.skip("the portable path has a wall-clock deadline only")
    hogs = _hogs(2 * (os.cpu_count() or 1))
    try:
        start = time.monotonic()
        used = run(CPU_HEAVY, args={"seconds": np.float64(0.7)}, seconds=1.0)
        wall = time.monotonic() - start
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert not isinstance(used, Crash), used
    assert wall > 1.0 or os.cpu_count() > 4, f"the machine was not busy enough to show it ({wall:.2f} s)"


def test_a_busy_loop_is_stopped_after_its_cpu_budget_and_a_sleeper_by_the_backstop(monkeypatch):
    monkeypatch.setattr(host, "WALL_EXTRA", 1.0)
    start = time.monotonic()
    busy = run("def probe():\n    while True:\n        pass\n", seconds=0.5)
    busy_wall = time.monotonic() - start
    start = time.monotonic()
    sleeper = run("import time\ndef probe():\n    time.sleep(1000)\n", seconds=0.5)
    sleep_wall = time.monotonic() - start
    assert isinstance(busy, Crash) and busy.kind == "timeout" and isinstance(sleeper, Crash), (busy, sleeper)
    assert busy_wall < 8 and sleep_wall < 15, (busy_wall, sleep_wall)
    if LEVEL != "portable":
        assert "of CPU time" in busy.message and "wall-clock" in sleeper.message


def test_a_forged_begin_does_not_extend_the_deadline():
    forged = run("""
    import gc, time

    def probe():
        channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
        request = next(o for o in gc.get_objects() if isinstance(o, dict) and o.get("op") == "run")
        while True:
            channel.send({"id": request["id"], "begin": 0})
            start = time.process_time()
            while time.process_time() - start < 0.01:
                pass
    """, seconds=0.5)
    assert isinstance(forged, Crash) and forged.kind == "timeout", forged


@pytest.mark.parametrize("frame, phrase", [
    (b"\xff" * 16, "too large"),
    (b"\x08\x00\x00\x00\x00\x00\x00\x00" + b"\x01" * 8, "unreadable"),
])
def test_garbage_on_the_channel_costs_only_that_request(frame, phrase):
    with Sandbox() as sandbox:
        crash = run(f"""
        import gc, os

        def probe():
            channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
            os.write(channel.wfd, {frame!r})
            return 1.0
        """, sandbox=sandbox)
        assert isinstance(crash, Crash) and crash.kind == "protocol" and phrase in crash.message, crash
        worker = sandbox.worker()  # the sandbox goes on with a fresh worker
        reply = worker.request({"op": "run", "calls": [("probe", (), "out")], "inputs": {}, "send_back": ["out"],
                                "mutable": (), "seed": 0}, 5.0)
        worker.close()
        assert isinstance(reply, Crash)  # the same probe again: the same verdict, and no exception here


def test_stale_and_future_replies(tmp_path):
    stale = run("""
    import gc

    def probe():
        channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
        channel.send({"id": 0, "done": True, "results": {"out": 99.0}})  # an answer to an earlier request
        return 1.0
    """)
    assert stale == 1.0
    future = run("""
    import gc

    def probe():
        channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
        channel.send({"id": 10**6, "done": True, "results": {"out": 99.0}})
        return 1.0
    """)
    assert isinstance(future, Crash) and future.kind == "protocol"


@pytest.mark.slow
def test_fresh_state_per_exercise(submission):
    """np.seterr inside tanh, a global set by sigmoid: neither reaches another exercise."""
    source = mutate(solution_source("mlp"), [
        ("def sigmoid(z):\n", "_CALLS = []\n\n\ndef sigmoid(z):\n    _CALLS.append(1)\n"),
        ("def softmax(z):\n", "def softmax(z):\n    assert not _CALLS, 'sigmoid ran first'\n"),
        ("def tanh(z):\n", "def tanh(z):\n    np.seterr(all='raise')\n"),
    ])
    only = ["mlp.tanh", "mlp.sigmoid", "mlp.binary_cross_entropy", "mlp.softmax", "mlp.cross_entropy"]
    full = submission("mlp", source, only=only)
    assert failing(full) <= {("mlp.tanh", "a"), ("mlp.tanh", "da_dz")}, messages(full)
    alone = submission("mlp", source, only=["mlp.softmax"])
    assert alone.score == alone.points == sum(e.points for e in full.exercises if e.id == "mlp.softmax")


@pytest.mark.slow
def test_a_hang_in_del_is_charged_to_the_call_that_caused_it(submission):
    source = mutate(solution_source("mlp"), [("def sigmoid(z):\n", (
        "class _Hang:\n    def __del__(self):\n        while True:\n            pass\n\n\n"
        "def sigmoid(z):\n    h = _Hang()\n    h.me = h\n    del h\n"))])
    report = submission("mlp", source, only=["mlp.sigmoid", "mlp.tanh", "mlp.softmax"])
    assert failing(report) == {("mlp.sigmoid", "s")}
    assert "did not finish within" in messages(report)[("mlp.sigmoid", "s")]


@pytest.mark.slow
def test_a_thread_the_import_left_running_costs_nothing(submission):
    source = solution_source("mlp").replace("import numpy as np\n", (
        "import numpy as np\nimport threading\n"
        "threading.Thread(target=lambda: [0 for _ in iter(int, 1)], daemon=True).start()\n"), 1)
    report = submission("mlp", source, only=["mlp.tanh", "mlp.sigmoid"])
    assert report.score == report.points, messages(report)


# -- the wire: whatever bytes arrive, decoding ends in a value or a ValueError ---------------------------------

VALID = wire.encode({"done": True, "results": {"x": np.arange(6.0).reshape(2, 3), "n": [1, (2.5, None)]},
                     "error": None, "stdout": "hi"})


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(0, len(VALID)))
def test_decoding_mangled_frames_never_raises_anything_but_value_error(flips, cut):
    frame = bytearray(VALID)
    for position, value in flips:
        frame[position] = value
    for data in (bytes(frame), bytes(frame[:cut])):
        try:
            wire.decode(data)
        except ValueError:
            pass


@pytest.mark.parametrize("header", [
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser's recursion limit
    b'{"$list": [' * 60 + b"1" + b"]}" * 60,  # deeper than MAX_DEPTH
    b'{"$array": 0, "dtype": "<f8", "shape": [1000000]}',  # more than its buffer holds
    b'{"$array": 0, "dtype": "|O", "shape": [1]}',  # objects
    b'{"$float": [1]}',
    b"1" * 5000,  # an integer of 5000 digits
])
def test_malformed_headers_are_value_errors(header):
    with pytest.raises(ValueError):
        wire.decode(struct.pack("<II", len(header), 1) + header + struct.pack("<Q", 8) + b"\0" * 8)


def test_integers_beyond_float64_arrive_as_unsupported():
    back = wire.decode(wire.encode({"big": 10**400, "fine": 2**62}))
    assert back["big"] == wire.Unsupported("integer too large for float64") and back["fine"] == 2**62


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([np.float64, np.float32, np.complex128, np.int64, np.bool_]).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, max_side=3))), st.data())
def test_an_inputs_fingerprint_changes_exactly_when_its_values_do(a, data):
    """What the worker sends back of an input after a plan (its fingerprint) tells the grader it changed exactly
    where comparing the values would: -0.0 for 0.0 or one NaN for another is no change, any other value is."""
    b = a.copy()
    if b.size and data.draw(st.booleans()):
        index = data.draw(st.integers(0, b.size - 1))
        negate = b.dtype.kind in "fc" and data.draw(st.booleans())  # -0.0 for 0.0 among them
        b.flat[index] = -b.flat[index] if negate else data.draw(hnp.from_dtype(b.dtype))
    before, after = {"x": a, "layers": [a, 2, (1.5, None)]}, {"x": b, "layers": [b, 2.0, (1.5, None)]}
    assert (wire.fingerprint(before) == wire.fingerprint(after)) == wire.same(before, after)
    with np.errstate(all="ignore"):
        other = a.astype(np.complex64 if a.dtype.kind == "c" else np.float16)
    assert wire.fingerprint({"x": a}) != wire.fingerprint({"x": other})  # a dtype is part of it
    assert wire.fingerprint({"x": a}) != wire.fingerprint({"x": a.reshape(-1, 1)}) or a.ndim == 2 and a.shape[1] == 1


def test_only_what_a_call_returned_goes_back_never_an_input_of_the_same_name():
    """An exercise may name an output like an input (`params` in, `params` out): when the call fails, the
    check must see the failure, not the caller's input (which an in-place update may even have made right)."""
    source = "def step(params):\n    params['w'] += 1.0\n    raise ValueError('not done')\n"
    with Sandbox() as sandbox:
        loaded = sandbox.load({"name": "probe", "path": "probe.py", "source": source, "cells": None, "seed": 0}, 20.0)
        assert loaded.get("ok"), loaded
        worker = sandbox.worker()
        reply = worker.request({"op": "run", "calls": [("step", ("params",), "params")],
                                "inputs": {"params": {"w": np.zeros(2)}}, "send_back": ["params"],
                                "mutable": ("params",), "seed": 0}, 10.0)
        worker.close()
    assert "params" not in reply["results"], reply["results"]
    assert reply["error"]["kind"] == "exception" and "not done" in reply["error"]["message"]


def test_unseeded_generators_draw_new_numbers_at_each_call_and_the_same_on_every_run():
    """Two `default_rng()` in one call (two dropout masks) must differ, as they would unseeded; the whole
    draw must repeat exactly on the next run, so the grade does too."""
    source = ("import numpy as np\n\ndef probe():\n"
              "    return np.stack([np.random.default_rng().random(4), np.random.default_rng().random(4)])\n")
    first, second = run(source), run(source)
    assert not np.array_equal(first[0], first[1])
    assert np.array_equal(first, second)
