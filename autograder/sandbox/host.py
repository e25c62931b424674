"""Running submission code in a worker process, from the grader's side.

`Sandbox` owns one worker process for one submission module. Every request has
a deadline; a worker that misses it, dies (os._exit, a segfault) or answers
gibberish is killed and replaced, and the caller gets a `Crash` describing what
happened, in words a student understands. When the grader runs as root and
`unshare` is available, the worker lives in its own PID and network namespaces:
it cannot signal the grader or any other process, nor reach the network.
"""
from __future__ import annotations

import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from autograder.sandbox import wire

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_MEMORY = 2 * 2**30
STARTUP_SECONDS = 60.0


@dataclass
class Crash:
    """A request that did not complete: `kind` is timeout, crash or protocol."""

    kind: str
    message: str
    index: int | None = None  # which call of a plan was running, when known


@lru_cache(maxsize=1)
def _namespace_prefix() -> tuple[str, ...]:
    """`unshare` arguments that put the worker in fresh PID and network namespaces, if we may."""
    unshare = shutil.which("unshare")
    if os.environ.get("AUTOGRADER_NO_NAMESPACES") or not unshare or os.geteuid() != 0:
        return ()
    prefix = (unshare, "--pid", "--fork", "--kill-child", "--net")
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True, timeout=30)
    return prefix if probe.returncode == 0 else ()


class Sandbox:
    """One worker process; restarted transparently after a crash or a timeout."""

    def __init__(self, memory_bytes: int = DEFAULT_MEMORY):
        self.memory_bytes = memory_bytes
        self.proc: subprocess.Popen | None = None
        self.buffer = b""
        self.starts = 0
        self.workdir = tempfile.mkdtemp(prefix="autograder-worker-")

    # -- lifecycle -----------------------------------------------------------------------

    def start(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "AUTOGRADER_WORKER_MEMORY": str(self.memory_bytes),
        }
        cmd = [*_namespace_prefix(), sys.executable, "-I", "-c",
               f"import sys; sys.path.insert(0, {str(ROOT)!r}); from autograder.sandbox.worker import main; main()"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=self.workdir, env=env,
                                     start_new_session=True)
        self.buffer = b""
        self.starts += 1
        reply = self._read(time.monotonic() + STARTUP_SECONDS)
        if isinstance(reply, Crash) or not reply.get("ready"):
            self.kill()
            raise RuntimeError(f"the grading worker did not start: {getattr(reply, 'message', reply)}")

    def kill(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.proc.wait()
        self.proc = None

    def close(self):
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- requests ------------------------------------------------------------------------

    def request(self, message: dict, seconds_per_step: float):
        """Send one request; return the final reply dict, or a Crash (the worker is then gone).

        The worker announces each call of a plan with {"begin": i}; each call gets its own
        `seconds_per_step` deadline.
        """
        if self.proc is None:
            self.start()
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return self._crashed(None)
        index = None
        while True:
            reply = self._read(time.monotonic() + seconds_per_step, index)
            if isinstance(reply, Crash):
                return reply
            if "begin" in reply:
                index = reply["begin"]
                continue
            return reply

    def _read(self, deadline: float, index=None):
        """Read one frame before `deadline`."""
        while True:
            if self._oversized():
                self.kill()
                return Crash("protocol", "the answer was too large to accept (over "
                             f"{wire.MAX_MESSAGE_BYTES >> 20} MiB).", index)
            frame = self._frame()
            if frame is not None:
                try:
                    reply = wire.decode(frame)
                except ValueError as e:
                    self.kill()
                    return Crash("protocol", f"the worker sent an unreadable answer ({e}).", index)
                if not isinstance(reply, dict):
                    self.kill()
                    return Crash("protocol", "the worker sent an unexpected answer.", index)
                return reply
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                return Crash("timeout", "", index)
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    return self._crashed(index)
                self.buffer += chunk

    def _oversized(self) -> bool:
        return len(self.buffer) >= 8 and struct.unpack_from("<Q", self.buffer)[0] > wire.MAX_MESSAGE_BYTES

    def _frame(self):
        if len(self.buffer) < 8:
            return None
        (n,) = struct.unpack_from("<Q", self.buffer)
        if len(self.buffer) < 8 + n:
            return None
        frame, self.buffer = self.buffer[8 : 8 + n], self.buffer[8 + n :]
        return frame

    def _crashed(self, index) -> Crash:
        proc = self.proc
        try:
            proc.wait(timeout=2)  # let it report its own exit status before we kill what is left
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        code = proc.returncode if proc else None
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        if code == -signal.SIGSEGV:
            how += " (a segmentation fault)"
        return Crash("crash", f"the Python process running your code {how}; the grader started a fresh one.",
                     index)
