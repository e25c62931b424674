"""Warm sandboxes: the next topic's sandbox started while the current one is graded.

Starting a sandbox (bubblewrap, Python and NumPy in it, the isolation probe the first time) costs about a fifth
of a second, once per topic of each submission. A grading process starts the next one ahead, in a background
thread, so that the next topic finds it ready: `grade` does so for the topics of a submission, and a process that
grades again and again (`check --watch`, grade-all's grading processes, a Dask worker) keeps one ready always
(`keep_warm`). `check` starts its first one before it imports torch, which takes longer.

Containment is unchanged: a sandbox started ahead is only a process waiting for its module, in which no
submission's code has run; each is handed out once, for one topic of one submission, and closed after it, as a
sandbox started on the spot would be. One that is no longer usable (its process died, the isolation level
changed) is closed and replaced by a new one. Sandboxes are started by one thread that lives as long as the
process: a sandbox dies with the thread that started it (bubblewrap's --die-with-parent, the worker's
PR_SET_PDEATHSIG), so a thread per start would take its sandbox down with it.
"""
from __future__ import annotations

import atexit
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from autograder.sandbox.host import Sandbox
from autograder.sandbox.isolation import isolation


class SandboxPool:
    """Sandboxes started ahead of their use, in this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ready: list[Future] = []  # sandboxes starting or started, oldest first
        self.uses: int | None = 0  # takes still to come that should find one ready (None: every take)
        self.depth = 1  # sandboxes kept ready at once (`grade` takes one per core at its start)
        self.starter: ThreadPoolExecutor | None = None  # its one thread starts every sandbox, and outlives them

    def keep_warm(self, uses: int | None = None, depth: int = 1) -> None:
        """Keep a sandbox ready for each of the next `uses` sandboxes asked for (None: from now on), `depth` of them
        at once, starting them now."""
        with self.lock:
            self.uses, self.depth = uses, max(1, depth)
        self._fill()

    def sandbox(self, ahead: bool = False) -> Sandbox:
        """A fresh sandbox, started already if one is ready; `ahead`: start another one for the next use now."""
        with self.lock:
            future = self.ready.pop(0) if self.ready else None
            if self.uses:
                self.uses -= 1
        sandbox = _usable(future)
        if self.uses is None or self.uses > 0:
            self._fill()
        elif ahead:
            self.start()
        return sandbox or Sandbox()

    def start(self, count: int = 1) -> None:
        """Start sandboxes in the background until `count` are ready or starting."""
        with self.lock:
            if self.starter is None:
                self.starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-pool")
            while len(self.ready) < count:
                self.ready.append(self.starter.submit(_prestart))

    def close(self) -> None:
        """Stop every sandbox started ahead (at exit)."""
        with self.lock:
            ready, self.ready, self.uses = self.ready, [], 0
        for future in ready:
            sandbox = _usable(future)
            if sandbox is not None:
                sandbox.close()

    def _fill(self) -> None:
        if self.uses is None or self.uses > 0:
            self.start(self.depth if self.uses is None else min(self.depth, self.uses))


def _prestart() -> Sandbox:
    sandbox = Sandbox()
    sandbox.prestart()
    return sandbox


def _usable(future: Future | None) -> Sandbox | None:
    """The sandbox `future` started, if it is still good for this process's isolation; else None (closed)."""
    if future is None:
        return None
    try:
        sandbox = future.result()
    except Exception:  # noqa: BLE001
        return None
    alive = sandbox.proc is None or sandbox.proc.poll() is None
    if alive and sandbox.iso == isolation():
        return sandbox
    sandbox.close()
    return None


POOL = SandboxPool()  # this process's
atexit.register(POOL.close)
