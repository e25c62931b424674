"""Running submission code in a sandbox, from the grader's side.

A `Sandbox` holds one submission module. `load` imports it; `worker()` gives a fresh worker in the state the
import left, one per exercise, so whatever a call changes (NumPy's error settings, a global, a thread that
hangs later) cannot cost another exercise. With fork (Linux, macOS) the sandbox is a fork server that imports
the module once and forks each worker from it, and kills each worker with everything it started; elsewhere each
worker is a new process that imports the module itself. How the sandbox is isolated: `isolation.py`.

Everything a worker sends is untrusted. Each request carries an id and gets one absolute budget, counted in CPU
time of the whole sandbox (so a busy machine gives the same verdict as an idle one) with a generous wall-clock
backstop, that nothing the worker sends can extend, and is stopped early once its processes are seen waiting
without computing (a sleep, a lock); frames are bounded in size and decoded without pickle; a reply that is
late, forged, malformed or oversized ends that request as a `Crash`, never as an exception here. At posix as
root a sandbox runs as a uid of its own (`UidSlot`), taken when it starts and given back, clean, when it closes.
"""
from __future__ import annotations

import os
import pickle
import queue
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from autograder.sandbox import wire
from autograder.sandbox.isolation import MEMORY_BYTES, Cgroups, UidSlot, isolation, launch, note_once

STARTUP_SECONDS = 60.0  # wall clock: starting Python and NumPy in the sandbox
CONTROL_SECONDS = 10.0  # wall clock: a fork or a reap by the fork server
WALL_FACTOR, WALL_EXTRA = 4.0, 10.0  # the backstop: a request may take this long in wall-clock time
IDLE_SECONDS, IDLE_SHARE = 2.0, 0.1  # a request whose processes computed or waited for a CPU less than this share
# of the last IDLE_SECONDS is hung (sleeping, blocked): honest NumPy code never waits that long for anything else
CORES = os.cpu_count() or 1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Crash:
    """A request that did not complete: `kind` is timeout, crash or protocol."""

    kind: str
    message: str
    index: int | None = None  # which call of a plan was running, when known


class ProcessTree:
    """CPU time of a process and every process below it, reaped ones included (Linux /proc); and how long its
    live threads waited for a CPU, which tells a busy machine (they wait to run) from a hang (they sleep)."""

    def __init__(self, root: int, alone_at_start: bool = False):
        self.root = root
        self.alone_at_start = alone_at_start  # an exercise's worker starts each request without children

    @staticmethod
    def _stat(pid: int) -> int:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime (in clock ticks)

    def start(self) -> float | None:
        """The time so far, at the start of a request: one file read for a worker, which has no children then."""
        if not self.alone_at_start:
            return self.seconds()
        try:
            return self._stat(self.root) / CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            return None

    def seconds(self) -> float | None:
        found = self._walk(waits=False)
        return found and found[0]

    def demand(self) -> float | None:
        """CPU time so far plus the time the live threads spent waiting for a CPU (schedstat): what the tree
        asked of the machine. It grows with wall-clock time on a busy machine too, and stops when all sleep."""
        found = self._walk(waits=True)
        return found and found[0] + found[1]

    def _walk(self, waits: bool) -> tuple[float, float] | None:
        ticks, waited, todo, seen = 0, 0, [self.root], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                ticks += self._stat(pid)
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo += [int(c) for c in f.read().split()]
                    if waits:
                        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                            waited += int(f.read().split()[1])  # nanoseconds runnable but not running
            except (OSError, ValueError, IndexError):
                if pid == self.root:
                    return None
        return ticks / CLOCK_TICKS, waited / 1e9


def host_pid(root: int, pid: int) -> int | None:
    """The host's id of the process below `root` that its own PID namespace calls `pid`."""
    todo, seen = [root], set()
    while todo:
        candidate = todo.pop()
        if candidate in seen:
            continue
        seen.add(candidate)
        try:
            with open(f"/proc/{candidate}/status") as f:
                for line in f:
                    if line.startswith("NSpid:") and line.split()[-1] == str(pid):
                        return candidate
            for tid in os.listdir(f"/proc/{candidate}/task"):
                with open(f"/proc/{candidate}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return None


class Budget:
    """One request's time: `seconds` of CPU time (where it can be measured) and a wall-clock backstop (WALL_FACTOR
    x seconds + WALL_EXTRA; `seconds` where CPU time is not measured), at most `wall_cap`. Where CPU time is
    measured, a request whose processes neither compute nor wait for a CPU for IDLE_SECONDS (they sleep, block on
    a lock, wait for input) is stopped then: a sleeping hang costs seconds, not the whole backstop."""

    def __init__(self, seconds: float, cpu: ProcessTree | None, wall_cap: float | None = None):
        self.seconds, self.cpu = seconds, cpu
        self.start = time.monotonic()
        self.cpu_start = cpu.start() if cpu else None
        if self.cpu_start is None:
            self.cpu = None
        self.wall = seconds * WALL_FACTOR + WALL_EXTRA if self.cpu else seconds
        if wall_cap is not None:
            self.wall = min(self.wall, wall_cap)
        # CPU time grows at most CORES seconds per second: no need to measure it before this
        self.next_check = self.start + seconds / CORES
        self.next_idle = self.start + IDLE_SECONDS / 4
        self.samples: list[tuple[float, float]] = []  # (time, demand) over the last IDLE_SECONDS

    def wait(self) -> float | str:
        """How long to wait for the worker before looking again, or why the budget is spent."""
        now = time.monotonic()
        if now - self.start >= self.wall:
            return (f"did not finish within {self.wall:g} s" if self.cpu is None else
                    f"did not finish within {self.wall:g} s of wall-clock time (waiting, not computing: "
                    "sleep, a lock, input?)")
        if self.cpu is not None and now >= self.next_check:
            used = (self.cpu.seconds() or 0.0) - self.cpu_start
            if used >= self.seconds:
                return f"did not finish within {self.seconds:g} s of CPU time"
            self.next_check = now + max((self.seconds - used) / CORES, 0.01)
        if self.cpu is not None and now >= self.next_idle:
            idle = self._idle(now)
            if idle:
                return idle
            self.next_idle = now + IDLE_SECONDS / 4
        until = min(self.next_check, self.next_idle) if self.cpu is not None else self.start + self.wall
        return max(0.0, min(until, self.start + self.wall) - now)

    def _idle(self, now: float) -> str | None:
        demand = self.cpu.demand()
        if demand is None:
            return None
        self.samples.append((now, demand))
        while len(self.samples) > 1 and now - self.samples[1][0] >= IDLE_SECONDS:
            self.samples.pop(0)  # keep one sample at least IDLE_SECONDS old
        then, before = self.samples[0]
        if now - then >= IDLE_SECONDS and demand - before < IDLE_SHARE * (now - then):
            return (f"did not finish: it waited {now - then:.0f} s of wall-clock time without computing "
                    "(sleep, a lock, input?)")
        return None

    def used(self) -> tuple[float, float]:
        """(CPU seconds, wall-clock seconds) the request took so far; CPU time is 0 where it cannot be measured."""
        cpu = self.cpu.start() if self.cpu is not None else None
        return (cpu - self.cpu_start if cpu is not None else 0.0), time.monotonic() - self.start


class Channel:
    """Frames to and from one untrusted worker over a socket (select) or a pipe (a reader thread)."""

    def __init__(self, sock: socket.socket | None = None, proc: subprocess.Popen | None = None,
                 cpu: ProcessTree | None = None):
        self.sock, self.proc, self.cpu = sock, proc, cpu
        self.buffer = bytearray()
        self.next_id = 0
        self.eof = False
        if proc is not None:
            self.chunks: queue.Queue = queue.Queue()
            threading.Thread(target=self._pump, args=(proc.stdout, self.chunks), daemon=True).start()

    @staticmethod
    def _pump(stream, chunks):
        try:
            while True:
                chunk = stream.read1(1 << 20) if hasattr(stream, "read1") else stream.read(1 << 16)
                chunks.put(chunk)
                if not chunk:
                    return
        except (OSError, ValueError):
            chunks.put(b"")

    def send(self, message: dict, fds: tuple[int, ...] = ()) -> bool:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        frame = struct.pack("<Q", len(data)) + data
        try:
            if self.sock is not None:
                self.sock.settimeout(CONTROL_SECONDS)
                if fds:
                    sent = socket.send_fds(self.sock, [frame], list(fds))
                    frame = frame[sent:]
                self.sock.sendall(frame)
            else:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            return True
        except (OSError, ValueError):
            return False

    def request(self, message: dict, budget: Budget, calls: int = 1, fds: tuple[int, ...] = ()) -> dict | Crash:
        """Send `message` with a fresh id; the final reply, or a Crash (kind "eof" when the worker is gone)."""
        rid = self.post(message, fds)
        return self.answer(rid, budget, calls) if rid else Crash("eof", "", None)

    def post(self, message: dict, fds: tuple[int, ...] = ()) -> int:
        """Send `message` with a fresh id, which is returned (0 if the worker is gone)."""
        self.next_id += 1
        return self.next_id if self.send(dict(message, id=self.next_id), fds) else 0

    def answer(self, rid: int, budget: Budget, calls: int = 1) -> dict | Crash:
        """The final reply to request `rid`, or a Crash."""
        index = None
        while True:
            reply = self.read(budget, index)
            if not isinstance(reply, dict):
                return reply
            got = reply.get("id")
            if type(got) is not int or got > rid:
                return Crash("protocol", "the worker sent an answer to a request it was never sent.", index)
            if got < rid:
                continue  # a late or forged answer to an earlier request: ignored
            if "begin" in reply:
                begin = reply["begin"]
                if type(begin) is not int or not 0 <= begin < calls:
                    return Crash("protocol", "the worker sent an unexpected answer.", index)
                index = begin
                continue
            return reply

    def read(self, budget: Budget, index=None) -> dict | Crash:
        """One frame before the budget is spent: a dict, or a Crash (kind "eof" at the end of the stream)."""
        while True:
            if len(self.buffer) >= 8:
                (n,) = struct.unpack_from("<Q", self.buffer)
                if n > wire.MAX_MESSAGE_BYTES:
                    return Crash("protocol", "the answer was too large to accept (over "
                                 f"{wire.MAX_MESSAGE_BYTES >> 20} MiB).", index)
                if len(self.buffer) >= 8 + n:
                    frame = bytes(self.buffer[8 : 8 + n])
                    del self.buffer[: 8 + n]
                    try:
                        reply = wire.decode(frame)
                    except ValueError as e:
                        return Crash("protocol", f"the worker sent an unreadable answer ({e}).", index)
                    if not isinstance(reply, dict):
                        return Crash("protocol", "the worker sent an unexpected answer.", index)
                    return reply
            if self.eof:
                return Crash("eof", "", index)
            wait = budget.wait()
            if isinstance(wait, str):
                return Crash("timeout", wait, index)
            chunk = self._receive(wait)
            if chunk == b"":
                self.eof = True
            elif chunk:
                self.buffer += chunk

    def _receive(self, timeout: float) -> bytes | None:
        """Bytes, b"" at EOF, or None if nothing came within `timeout`."""
        if self.sock is None:
            try:
                return self.chunks.get(timeout=timeout)
            except queue.Empty:
                return None
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        try:
            return self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError, socket.timeout):
            return None
        except OSError:
            return b""

    def close(self):
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()


SIGNAL_WORDS = {"SIGSEGV": "a segmentation fault", "SIGBUS": "a bus error", "SIGFPE": "a floating-point exception",
                "SIGILL": "an illegal instruction", "SIGABRT": "an abort"}


def _death(code: int | None, oom: int = 0) -> str:
    """How the process running the student's code ended, in words: an exit status, or the signal that ended it
    (as a negative code, or as 128 + its number where a shell or bwrap passed it on)."""
    if oom:
        how = (f"was stopped because the submission's processes together used more than "
               f"{oom / 2**30:g} GiB of memory")
    elif code is not None and (code < 0 or 128 < code < 128 + signal.NSIG):
        number = -code if code < 0 else code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = ""
        status = f"; exit status {code}" if code > 0 else ""
        if name == "SIGKILL":
            how = (f"was killed (SIGKILL, signal 9{status}): the system ran out of memory, or it ran past a limit "
                   f"the grader enforces")
        else:
            how = f"crashed with {SIGNAL_WORDS.get(name, name or 'a signal')} (signal {number}{status})"
    else:
        how = f"exited with status {code}"
    return f"the Python process running your code {how}; the grader started a fresh one."


class Worker:
    """A fresh worker for one exercise: requests until `close`."""

    def __init__(self, channel: Channel, sandbox: "Sandbox"):
        self.channel, self.sandbox = channel, sandbox
        self.alive = True
        self.used = (0.0, 0.0)  # (CPU, wall-clock) seconds of the last request

    def request(self, message: dict, seconds: float, calls: int = 1, wall_cap: float | None = None) -> dict | Crash:
        """The reply to `message` within `seconds` of CPU time (see Budget; at most `wall_cap` seconds of
        wall-clock time), or a Crash."""
        return self.answer(self.channel.post(message), seconds, calls, wall_cap)

    def batch(self, runs: list[dict], stop_on: frozenset[str]) -> list[int]:
        """Send `runs` at once (one message, not one round trip each); their ids, for `answer` in order. The worker
        answers each as a request of its own, and stops after a run whose error is of a kind in `stop_on` or that
        needs a fresh worker: the runs after it are never answered."""
        ids = list(range(self.channel.next_id + 1, self.channel.next_id + 1 + len(runs)))
        self.channel.next_id += len(runs)
        # each run pickled on its own: two runs on one inputs object must not share it (a run may change its inputs)
        sent = self.channel.send({"op": "batch", "stop_on": sorted(stop_on), "runs": [
            pickle.dumps(dict(run, id=i), protocol=pickle.HIGHEST_PROTOCOL) for run, i in zip(runs, ids)]})
        return ids if sent else []

    def answer(self, rid: int, seconds: float, calls: int = 1, wall_cap: float | None = None) -> dict | Crash:
        """The reply to the request `rid` sent before, within `seconds` of CPU time from now (see `request`)."""
        budget = Budget(seconds, self.channel.cpu, wall_cap)
        reply = self.channel.answer(rid, budget, calls) if rid else Crash("eof", "", None)
        self.used = budget.used()
        if isinstance(reply, dict):
            return reply
        died = reply.kind == "eof"
        code, oom = self.sandbox.reap(self, died)
        if died or oom:  # the sandbox tells how it ended
            return Crash("memory" if oom else "crash", _death(code, oom and self.sandbox.memory_bytes), reply.index)
        return reply

    def close(self):
        if self.channel is not None:
            self.sandbox.reap(self, False)


class Sandbox:
    """One submission module, imported once, and fresh workers in the state its import left."""

    def __init__(self, memory_bytes: int = MEMORY_BYTES):
        note_once()
        self.iso = isolation()
        self.memory_bytes = memory_bytes
        self.folder = tempfile.mkdtemp(prefix="autograder-sandbox-")
        self.load_request: dict | None = None
        self.proc: subprocess.Popen | None = None
        self.control: Channel | None = None
        self.cgroups: Cgroups | None = None
        # portable: the next exercise's worker, started early (its import overlaps the grading of this exercise);
        # with the id of its import request, or 0 once that was answered
        self.spare: tuple[Worker, int] | None = None
        self.starts = 0
        self.oom_kills = 0
        self.early = False  # the fork server was started before its module was known (`prestart`)
        self.broken: Crash | None = None  # why the module, imported once, cannot give workers any more
        self.slot: UidSlot | None = None  # posix as root: the uid this sandbox's processes run as, its alone

    # -- the public face -----------------------------------------------------------------------------------

    def prestart(self) -> None:
        """Start the fork server now, before its module is known (a warm sandbox: pool.py);
        `load` then only sends the module. No code of any submission runs in it before."""
        if self.iso.level != "portable" and self.control is None:
            self._start()
            self.early = True

    def load(self, request: dict, seconds: float) -> dict | Crash:
        """Import the module (request: name, path, source or cells, seed); the reply or a Crash."""
        self.load_request = request
        self.broken = None
        if self.iso.level == "portable":
            self._drop_spare()
            worker, reply = self._spawned(self._spawn(), seconds)
            if isinstance(reply, dict) and not reply.get("error"):
                self.spare = (worker, 0)
            elif worker is not None:
                worker.close()
            return reply
        if not self.early:
            self.kill()
        return self._start_and_load(seconds)

    def worker(self) -> Worker | Crash:
        """A fresh worker in the module's post-import state (the module is re-imported if the sandbox died)."""
        if self.load_request is None:
            raise RuntimeError("load the module first")
        if self.iso.level == "portable":
            spare, self.spare = self.spare or self._spawn(), None
            worker, reply = self._spawned(spare, 20.0)
            self.spare = self._spawn()
            if not isinstance(reply, dict) or reply.get("error"):
                if worker is not None:
                    worker.close()
                return reply if isinstance(reply, Crash) else Crash("crash", _error_text(reply))
            return worker
        if self.broken is not None:  # it could not give a worker, even restarted: asking again would cost the same
            return self.broken
        for attempt in range(2):  # a sandbox that died since (killed by the last worker, say) is started again
            if self.control is None:
                reply = self._start_and_load(20.0)
                if not isinstance(reply, dict) or reply.get("error"):
                    self.kill()
                    self.broken = reply if isinstance(reply, Crash) else Crash("crash", _error_text(reply))
                    return self.broken
            mine, theirs = socket.socketpair()
            try:
                reply = self.control.request({"op": "fork"}, Budget(CONTROL_SECONDS, None), fds=(theirs.fileno(),))
            finally:
                theirs.close()
            if isinstance(reply, dict) and reply.get("forked"):
                break
            mine.close()
            self.kill()
        else:
            self.broken = Crash("crash", "the sandbox stopped answering, twice; the grader gave up on this module.")
            return self.broken
        # Its budget counts its own CPU time and its descendants', not the fork server's (where a thread the
        # module's import started may still be running).
        pid = reply.get("forked")
        pid = host_pid(self.proc.pid, pid) if type(pid) is int and pid > 0 else None
        return Worker(Channel(sock=mine, cpu=ProcessTree(pid, alone_at_start=True) if pid else self.control.cpu), self)

    def reap(self, worker: Worker, died: bool) -> tuple[int | None, bool]:
        """End `worker` and everything it started; (its exit status if it `died` by itself, whether the
        submission ran out of memory meanwhile)."""
        worker.alive = False
        channel, worker.channel = worker.channel, None
        if channel is None:
            return None, False
        channel.close()
        if channel.proc is not None:  # portable: the worker is its own process
            proc = channel.proc
            if died:
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            code = proc.returncode
            _kill_process_group(proc)
            return code, False
        code = None
        if self.control is not None:
            reply = self.control.request({"op": "reap", "died": died}, Budget(CONTROL_SECONDS, None))
            if isinstance(reply, dict) and reply.get("reaped"):
                status = reply.get("status")
                code = status if type(status) is int and -64 < status < 256 else None
            else:
                self.kill()
        oom = False
        if self.cgroups is not None:
            kills = self.cgroups.oom_kills()
            oom, self.oom_kills = kills > self.oom_kills, kills
        return code, oom

    def kill(self):
        """Stop the sandbox and everything in it."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.proc is not None:
            _kill_process_group(self.proc)
            self.proc = None
        if self.cgroups is not None:
            self.cgroups.close()
            self.cgroups = None

    def close(self):
        self._drop_spare()
        self.kill()
        if self.slot is not None:  # after the sandbox's end: whatever still runs as its uid dies here
            self.slot.release()
            self.slot = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- starting ------------------------------------------------------------------------------------------

    def _start_and_load(self, seconds: float) -> dict | Crash:
        early, self.early = self.early and self.proc is not None and self.proc.poll() is None, False
        problem = None if early else self._start()
        if problem:
            return problem
        reply = self.control.request(dict(self.load_request, op="load"), Budget(seconds, self.control.cpu))
        if not isinstance(reply, dict):
            code = None
            if reply.kind == "eof" and self.proc is not None:
                try:
                    code = self.proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            self.kill()
            return Crash("crash", _death(code)) if reply.kind == "eof" else reply
        return reply

    def _start(self) -> Crash | None:
        """Start the fork server; None when it is ready."""
        self.kill()
        if self.iso.root and self.iso.level == "bwrap":
            try:
                self.cgroups = Cgroups(self.memory_bytes)
            except OSError:
                self.cgroups = None
            self.oom_kills = 0
        if self.iso.uids and self.slot is None:
            self.slot = UidSlot()
        mine, theirs = socket.socketpair()
        argv, env = launch(self.folder_path, ["--serve", str(theirs.fileno())], self.cgroups, self.memory_bytes,
                           self.slot and self.slot.uid)
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), cwd=self.folder,
                                         env=env, start_new_session=True)
        finally:
            theirs.close()
        self.starts += 1
        pid = self.proc.pid
        self.control = Channel(sock=mine, cpu=ProcessTree(pid))
        ready = self.control.read(Budget(STARTUP_SECONDS, None))
        if not (isinstance(ready, dict) and ready.get("ready")):
            self.kill()
            raise RuntimeError(f"the grading worker did not start: {getattr(ready, 'message', ready)}")
        return None

    def _spawn(self) -> tuple[Worker, int]:
        """Portable: start a new worker process and send it the import; (the worker, the import's request id)."""
        argv, env = launch(self.folder_path, ["--single"], None, self.memory_bytes)
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                cwd=self.folder, env=env, **_new_group())
        self.starts += 1
        worker = Worker(Channel(proc=proc), self)
        return worker, worker.channel.post(dict(self.load_request, op="load"))

    def _spawned(self, spare: tuple[Worker, int], seconds: float) -> tuple[Worker | None, dict | Crash]:
        """The worker `_spawn` started, ready, and its answer to the import (a dict, or a Crash)."""
        worker, rid = spare
        if not rid:
            return worker, {"ok": True}
        ready = worker.channel.read(Budget(STARTUP_SECONDS, None))
        if not (isinstance(ready, dict) and ready.get("ready")):
            worker.close()
            raise RuntimeError(f"the grading worker did not start: {getattr(ready, 'message', ready)}")
        reply = worker.channel.answer(rid, Budget(seconds, None))
        if isinstance(reply, Crash):
            code, _ = self.reap(worker, reply.kind == "eof")
            return None, Crash("crash", _death(code)) if reply.kind == "eof" else reply
        return worker, reply

    def _drop_spare(self):
        if self.spare is not None:
            self.spare[0].close()
            self.spare = None

    @property
    def folder_path(self):
        from pathlib import Path

        return Path(self.folder)


def _error_text(reply) -> str:
    err = reply.get("error") if isinstance(reply, dict) else None
    message = err.get("message") if isinstance(err, dict) else None
    return f"the module could not be re-imported: {message if isinstance(message, str) else 'no answer'}"


def _new_group() -> dict:
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_process_group(proc: subprocess.Popen):
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream:
                stream.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
