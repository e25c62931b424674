"""The worker: the only place a submission's code runs.

Started by `autograder.sandbox.host` from a folder holding only this file and wire.py, with NumPy and the
Python standard library on its path and nothing else (no project root, no torch). Two ways to run:

    worker.py --serve FD   a fork server on the control socket FD: it imports the submission's module once,
                           then forks one fresh worker per exercise (each on its own socket, passed over FD)
                           and kills it, and everything it started, when the exercise is done
    worker.py --single     one worker on stdin/stdout that imports the module and serves one exercise
                           (the portable path: macOS, Windows, no fork)

Requests come from the trusted grader (pickled); answers go back `wire.encode`d, one per request (a batch of runs
is answered run by run, each under its own id, as if each were a request of its own). Before any submission code
runs the worker caps its own resources, silences fd 1 and 2 (the protocol keeps private copies), blocks
autograd libraries (they are also absent from its file system view, where the platform allows) and seeds every
random generator a submission may use, so that the same submission computes the same values on every run.
Nothing it says is trusted: the grader decodes its answers without pickle and decides every verdict itself.
"""
from __future__ import annotations

import builtins
import gc
import importlib.abc
import importlib.machinery
import io
import os
import pickle
import random
import signal
import socket
import struct
import sys
import time
import traceback
import types

try:
    import resource
except ImportError:  # Windows
    resource = None

import numpy as np
import numpy.linalg  # noqa: F401  (loaded before any limit applies)
import numpy.random  # noqa: F401

import wire  # beside this file: the worker's folder is first on its path

FORBIDDEN = ("torch", "tensorflow", "jax", "jaxlib", "autograd", "mxnet", "chainer", "mygrad",
             "keras", "paddle", "tinygrad", "minitorch", "micrograd", "theano", "scipy", "sklearn")
STDOUT_CAP = 4000


class ForbiddenLibraryError(AttributeError):
    """Raised when a submission touches an autograd library (an AttributeError so `from X import y` gets here)."""


class _ForbiddenModule(types.ModuleType):
    """What `import torch` gives a submission: importing works, using it fails that check only."""

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise ForbiddenLibraryError(self.__name__.split(".")[0])

    def __call__(self, *args, **kwargs):
        raise ForbiddenLibraryError(self.__name__.split(".")[0])


class _ForbiddenFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in FORBIDDEN:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec):
        return _ForbiddenModule(spec.name)

    def exec_module(self, module):
        pass


class _SubmissionFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The student's own modules and packages beside the topic file (helpers.py, nn_scratch/...), served from the
    texts the grader read: importable, never written anywhere. It comes last on sys.meta_path, so the standard
    library, NumPy and the worker's own modules are always found first: a student's file cannot shadow them."""

    def __init__(self, folder: str, files):
        self.folder = folder
        self.modules: dict[str, tuple[str | None, str]] = {}  # dotted name -> (relative path, text); a folder: None
        for relative, text in files:
            parts = relative[:-len(".py")].split("/")
            for i in range(1, len(parts)):  # every folder on the way is a package (a namespace one without __init__)
                self.modules.setdefault(".".join(parts[:i]), (None, ""))
            if parts[-1] == "__init__":
                self.modules[".".join(parts[:-1])] = (relative, text)
            else:
                self.modules.setdefault(".".join(parts), (relative, text))

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.modules:
            return None
        relative, _ = self.modules[fullname]
        package = relative is None or relative.endswith("/__init__.py") or any(
            name.startswith(fullname + ".") for name in self.modules)
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=f"{self.folder}/{relative}" if relative else None,
                                              is_package=package)
        spec.has_location = relative is not None
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        relative, text = self.modules[module.__name__]
        if relative is not None:
            exec(compile(text, module.__spec__.origin, "exec"), module.__dict__)


class _CappedText(io.TextIOBase):
    """A stdout that keeps the first STDOUT_CAP characters and drops the rest (no flooding)."""

    def __init__(self):
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = STDOUT_CAP - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n... ({self.dropped} more characters not shown)"
        self.parts, self.size, self.dropped = [], 0, 0
        return text


class Channel:
    """Length-prefixed frames over a private file descriptor (a socket or a pipe).

    On the fork server's control socket, file descriptors the grader passes (SCM_RIGHTS) are collected in `fds`.
    """

    def __init__(self, rfd: int, wfd: int, control: socket.socket | None = None):
        self.rfd, self.wfd, self.control = rfd, wfd, control
        self.fds: list[int] = []

    def read(self):
        (n,) = struct.unpack("<Q", self._read_exact(8))
        return pickle.loads(self._read_exact(n))  # from the grader: trusted

    def _read_exact(self, n):
        chunks, left = [], n
        while left:
            if self.control is not None:
                chunk, fds, _, _ = socket.recv_fds(self.control, min(left, 1 << 20), 4)
                self.fds += fds
            else:
                chunk = os.read(self.rfd, min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def send(self, obj):
        self.send_bytes(wire.encode(obj))

    def send_bytes(self, data: bytes):
        view = memoryview(struct.pack("<Q", len(data)) + data)
        while view:
            view = view[os.write(self.wfd, view):]


# -- making the process safe and deterministic before student code runs ---------------------

LIMITS = {  # per process; the grader adds limits across the whole submission where it can (cgroups)
    "RLIMIT_CORE": 0,
    "RLIMIT_FSIZE": 16 * 2**20,  # no file larger than 16 MiB
    "RLIMIT_NOFILE": 256,
}


def _bootstrap(memory_bytes: int) -> _CappedText:
    """fd 0, 1, 2 and sys.std* silenced (the channel uses other descriptors); limits set; torch blocked."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    captured = _CappedText()
    sys.stdout = sys.stderr = captured
    sys.stdin = io.StringIO("")
    _die_with_parent()
    try:  # if memory runs out on the machine, the kernel kills the submission's processes first
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    if resource is not None:
        limits = dict(LIMITS, RLIMIT_AS=memory_bytes) if memory_bytes else dict(LIMITS)
        processes = os.environ.get("AUTOGRADER_WORKER_PROCESSES")  # set where the uid is the sandbox's alone
        if processes and hasattr(resource, "RLIMIT_NPROC"):
            limits["RLIMIT_NPROC"] = int(processes)
        for name, value in limits.items():
            soft, hard = resource.getrlimit(getattr(resource, name))
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(getattr(resource, name), (value, value))
    sys.meta_path.insert(0, _ForbiddenFinder())
    sys.setrecursionlimit(3000)
    builtins.input = lambda *a: (_ for _ in ()).throw(EOFError("input() is not available while grading"))
    return captured


def _die_with_parent():
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass


def _in_own_pid_namespace() -> bool:
    """True only inside a PID namespace of our own (NSpid lists more than one level), where kill(-1)
    reaches nothing but the sandbox's processes."""
    try:
        with open("/proc/self/status") as f:
            return any(line.startswith("NSpid:") and len(line.split()) > 2 for line in f)
    except OSError:
        return False


_unseeded_default_rng = np.random.default_rng


def _seed_everything(seed: int):
    """Seed every generator a submission may use, so a grade never depends on the clock or the OS's entropy.

    Each unseeded `np.random.default_rng()` gets its own stream (seed, 0), (seed, 1), ...: repeatable, and two
    calls in one plan (two dropout masks, say) still draw different numbers, as they would unseeded.
    """
    np.random.seed(seed)
    random.seed(seed)
    streams = iter(range(1 << 62))

    def default_rng(seed_arg=None):
        return _unseeded_default_rng([seed, next(streams)] if seed_arg is None else seed_arg)

    np.random.default_rng = default_rng


# -- running requests -----------------------------------------------------------------------


class CallFailed(Exception):
    def __init__(self, kind: str, message: str, detail: str = ""):
        super().__init__(message)
        self.kind, self.message, self.detail = kind, message, detail


def _student_traceback(exc: BaseException, filename: str) -> str:
    """The frames of the traceback that are in the submission's file, newest last."""
    folder = os.path.dirname(filename)  # the submission's own modules are beside the topic file, or below it
    mine = (filename + ", cell ", folder + os.sep) if folder else (filename + ", cell ",)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename or f.filename.startswith(mine)]
    lines = traceback.format_list(frames[-4:])
    return "".join(lines).rstrip()


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable>"
    name = type(exc).__name__
    return f"{name}: {text[:500]}" if text else name


def _classify(exc: BaseException, fn_name: str, filename: str) -> CallFailed:
    where = _student_traceback(exc, filename)
    if isinstance(exc, ForbiddenLibraryError):
        return CallFailed("forbidden", f"{fn_name} uses {exc.args[0]}, which submissions may not use: "
                          "write it with NumPy (the grader itself compares against torch).", where)
    if isinstance(exc, NotImplementedError):
        said = _describe(exc).partition(": ")[2]
        said = "" if "not implemented yet" in said else said  # the stub's own words add nothing
        return CallFailed("not_implemented", f"{fn_name} is not implemented yet (it raises NotImplementedError"
                          f"{': ' + said if said else ''}).", where if said else "")
    if isinstance(exc, MemoryError):
        return CallFailed("memory", f"{fn_name} ran out of memory (the worker's limit was reached).", where)
    if isinstance(exc, RecursionError):
        return CallFailed("exception", f"{fn_name} recursed too deeply (RecursionError).", where)
    if isinstance(exc, SystemExit):
        return CallFailed("exception", f"{fn_name} called exit(); a function must return its result.", where)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return CallFailed("exception", f"{fn_name} raised {_describe(exc)}. Graded code runs with NumPy and the Python "
                          "standard library only (plus your own modules handed in beside it): move plotting "
                          "(matplotlib) and any other library's code under `if __name__ == \"__main__\":`.", where)
    return CallFailed("exception", f"{fn_name} raised {_describe(exc)}", where)


def _snapshot(value):
    """A copy to tell which call changed an input; whether one changed at all is the grader's decision."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _background_tasks() -> int:
    """Threads of this process plus its child processes (Linux /proc; a thread count elsewhere)."""
    try:
        threads = os.listdir("/proc/self/task")
        children = sum(len(open(f"/proc/self/task/{t}/children").read().split()) for t in threads)
        return len(threads) + children
    except OSError:
        import threading

        return threading.active_count()


class Module:
    """The submission's module, imported from the source text the grader read (a notebook: cell by cell)."""

    def __init__(self):
        self.namespace = None
        self.filename = ""
        self.cell_errors: list[str] = []  # a notebook cell that raised: later cells still run, as in Jupyter

    def load(self, req) -> dict:
        self.filename = req["path"]
        module = types.ModuleType(req["name"])
        module.__file__ = req["path"]
        _seed_everything(req["seed"])
        if req.get("files"):
            sys.meta_path.append(_SubmissionFinder(os.path.dirname(req["path"]), req["files"]))
        cells = req.get("cells") or [(0, req["source"])]
        for number, source in cells:
            where = f"{self.filename}, cell {number}" if req.get("cells") else self.filename
            try:
                exec(compile(source, where, "exec"), module.__dict__)
            except SyntaxError as e:
                message = f"SyntaxError in {os.path.basename(where)}, line {e.lineno}: {e.msg}"
                if not req.get("cells"):
                    return {"error": {"kind": "syntax", "message": message, "detail": (e.text or "").rstrip()}}
                self.cell_errors.append(message)
            except BaseException as e:  # noqa: BLE001 - anything a module does at import is the student's
                failed = _classify(e, f"importing {os.path.basename(where)}", where)
                if not req.get("cells"):
                    return {"error": vars_of(failed)}
                self.cell_errors.append(f"{os.path.basename(where)} raised {_describe(e)}")
        self.namespace = module
        return {"ok": True}


class Worker:
    """One exercise's worker: runs plans of calls on inputs, each call's results checked for leaks and
    in-place changes, and answers each request with its id."""

    def __init__(self, channel: Channel, captured: _CappedText, module: Module):
        self.channel, self.captured, self.module = channel, captured, module
        self.pid = os.getpid()
        self.tainted = False  # something of the submission's outlives its call: the grader restarts us
        self.elapsed = 0.0

    def serve(self):
        while True:
            try:
                request = self.channel.read()
            except EOFError:
                return
            if request["op"] == "batch":  # runs answered one by one, each as if it were a request of its own
                for run in request["runs"]:
                    restart, kind = self.answer(pickle.loads(run))  # from the grader: trusted
                    if restart or kind in request["stop_on"]:
                        break  # the grader asks for the rest one by one, as it would have without the batch
            else:
                self.answer(request)

    def answer(self, request) -> tuple[bool, str | None]:
        """Answer one request; (whether the grader will restart this worker, the kind of error the plan met)."""
        if request["op"] == "load":  # the portable path: this worker imports the module itself
            reply = self.module.load(request)
        else:
            reply = self.op_run(request)
        reply["id"] = request["id"]
        reply.setdefault("stdout", self.captured.take())
        error = reply.get("error")
        outcome = reply.get("restart") is True, error.get("kind") if isinstance(error, dict) else None
        try:
            data = wire.encode(reply)
        except Exception as e:  # a returned object that breaks when read (a hostile __len__, ...)
            fn = request.get("calls", [["the module"]])[-1][0]
            data = wire.encode({"id": request["id"], "done": True, "results": {}, "stdout": "", "error": {
                "kind": "bad_return", "call": fn, "detail": "",
                "message": f"what {fn} returned could not be read ({type(e).__name__}: return NumPy arrays)."}})
            outcome = outcome[0], "bad_return"
        del reply, error
        gc.collect()  # a __del__ that hangs does so now, charged to this request, not the next
        self.channel.send_bytes(data)
        return outcome

    def op_run(self, req):
        """Run a plan of calls on the inputs, reporting progress before each call."""
        _seed_everything(req["seed"])
        space = dict(req["inputs"])
        mutable = set(req.get("mutable", ()))
        error = None
        produced: set[str] = set()  # only what a call returned goes back: never an input of the same name
        self.elapsed = 0.0
        for index, (fn_name, arg_names, returns) in enumerate(req["calls"]):
            self.channel.send({"id": req["id"], "begin": index})
            try:
                outputs = self._call(fn_name, [space[a] for a in arg_names], returns,
                                     {a: space[a] for a in arg_names if a in req["inputs"] and a not in mutable})
                space.update(outputs)
                produced.update(outputs)
            except CallFailed as failed:
                error = dict(vars_of(failed), call=fn_name, index=index)
                break
        leaked = sorted({m.split(".")[0] for m in sys.modules} & set(FORBIDDEN))
        leaked = [m for m in leaked if not isinstance(sys.modules.get(m), _ForbiddenModule)]
        if leaked and error is None:
            error = {"kind": "forbidden", "call": req["calls"][-1][0], "index": len(req["calls"]) - 1,
                     "message": f"the submission loaded {', '.join(leaked)}, which is not allowed.", "detail": ""}
        results = {name: space[name] for name in req["send_back"] if name in space and name in produced}
        # What the inputs hold after the plan: the grader compares it with its own copy's (here, the submission could
        # patch whatever would compare them).
        after = {k: wire.fingerprint(v) for k, v in req["inputs"].items() if k not in mutable}
        return {"done": True, "results": results, "error": error, "stdout": self.captured.take(),
                "elapsed": self.elapsed, "restart": self.tainted, "inputs": after}

    def _call(self, fn_name, args, returns, watched):
        fn = getattr(self.module.namespace, fn_name, None)
        if fn is None or not callable(fn):
            message = f"{os.path.basename(self.module.filename)} has no function {fn_name}."
            if self.module.cell_errors:
                message += " (" + "; ".join(self.module.cell_errors[:3]) + ")"
            raise CallFailed("missing", message)
        before = {name: _snapshot(value) for name, value in watched.items()}
        start, tasks = time.perf_counter(), _background_tasks()
        try:
            result = fn(*args)
        except BaseException as e:  # noqa: BLE001
            raise _classify(e, fn_name, self.module.filename) from None
        finally:
            if os.getpid() != self.pid:  # a forked child came back here: it must not answer the grader
                os._exit(0)
            self.elapsed += time.perf_counter() - start
        if _background_tasks() > tasks:
            self.tainted = True
            raise CallFailed("leaked", f"{fn_name} left a thread or a process running after it returned; "
                             "a function must finish its work (join threads, wait for processes) before returning.")
        for name, value in watched.items():
            if not wire.same(before[name], value):
                raise CallFailed("mutated", f"{fn_name} modified its input `{name}` in place; "
                                 "work on a copy (e.g. x = x.copy()) so the caller's array is unchanged.")
        if isinstance(returns, str):
            return {returns: result}
        expected = f"a tuple ({', '.join(returns)})"
        if not isinstance(result, (tuple, list)) or len(result) != len(returns):
            got = f"a {len(result)}-tuple" if isinstance(result, (tuple, list)) else type(result).__name__
            raise CallFailed("bad_return", f"{fn_name} should return {expected}, but it returned {got}.")
        return dict(zip(returns, result))


def vars_of(failed: CallFailed) -> dict:
    return {"kind": failed.kind, "message": failed.message, "detail": failed.detail}


class ForkServer:
    """Imports the module once, then forks a fresh worker per exercise from that state.

    Control requests: load (import the module here), fork (a worker on the socket passed along), reap (kill the
    worker and everything it started). Each reply carries the request's id.
    """

    def __init__(self, channel: Channel, captured: _CappedText):
        self.channel, self.captured = channel, captured
        self.module = Module()
        self.child = 0
        self.pid_namespace = _in_own_pid_namespace()

    def serve(self):
        self.channel.send({"ready": True})
        while True:
            try:
                request = self.channel.read()
            except EOFError:
                return
            reply = getattr(self, "op_" + request["op"])(request)
            reply["id"] = request["id"]
            self.channel.send(reply)

    def op_load(self, req):
        reply = self.module.load(req)
        self._kill_strays()  # a process the module's import left behind dies here
        gc.collect()
        gc.freeze()  # what exists now is shared with every worker, and never scanned by their collections
        return dict(reply, stdout=self.captured.take())

    def op_fork(self, req):
        fd = self.channel.fds.pop()
        for stale in self.channel.fds:
            os.close(stale)
        self.channel.fds = []
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()  # its own process group: reaped as one
                _die_with_parent()
                self.channel.control.close()
                self.captured.take()
                Worker(Channel(fd, fd), self.captured, self.module).serve()
            finally:
                os._exit(0)
        os.close(fd)
        self.child = pid
        return {"forked": pid}

    def op_reap(self, req):
        """Kill the exercise's worker and all it started; its exit status if it had ended by itself."""
        status = None
        if self.child:
            try:
                pid, raw = os.waitpid(self.child, os.WNOHANG)
                for _ in range(100 if req.get("died") else 0):  # it closed its socket: let it finish dying
                    if pid:
                        break
                    time.sleep(0.01)
                    pid, raw = os.waitpid(self.child, os.WNOHANG)
                if pid:
                    status = os.waitstatus_to_exitcode(raw)
                else:
                    os.killpg(self.child, signal.SIGKILL)
                    os.waitpid(self.child, 0)
            except (ChildProcessError, ProcessLookupError, PermissionError):
                pass
            self.child = 0
        self._kill_strays()
        return {"reaped": True, "status": status}

    def _kill_strays(self):
        """Everything but this process and the namespace's init, where that is all the sandbox holds."""
        if not self.pid_namespace:
            return
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    break
            except ChildProcessError:
                break


def main():
    memory = int(os.environ.get("AUTOGRADER_WORKER_MEMORY", "0"))
    if sys.argv[1] == "--serve":
        control = socket.socket(fileno=int(sys.argv[2]))
        captured = _bootstrap(memory)
        ForkServer(Channel(control.fileno(), control.fileno(), control), captured).serve()
    else:
        rfd, wfd = os.dup(0), os.dup(1)
        captured = _bootstrap(memory)
        channel = Channel(rfd, wfd)
        channel.send({"ready": True})
        Worker(channel, captured, Module()).serve()


if __name__ == "__main__":
    main()
