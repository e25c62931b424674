"""The worker: the only process in which a submission's code runs.

Started by `autograder.sandbox.host.Sandbox`. It reads
requests (pickled by the trusted grader) on stdin and answers on its original
stdout with `wire.encode`d messages. Before any submission code runs it caps its
own memory and file sizes, silences fd 1 and 2 (the protocol keeps private copies),
blocks autograd libraries, and seeds every random generator a submission may use,
so that the same submission computes the same values on every run.

The worker imports NumPy and this module only. Nothing it says is trusted: the
grader decodes its answers without pickle and decides every verdict itself.
"""
from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import io
import os
import pickle
import random
import resource
import struct
import sys
import time
import traceback
import types

import numpy as np
import numpy.linalg  # noqa: F401  (loaded before any limit applies)
import numpy.random  # noqa: F401

from autograder.sandbox import wire

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
    """Length-prefixed frames over two private file descriptors."""

    def __init__(self, rfd: int, wfd: int):
        self.r = os.fdopen(rfd, "rb", buffering=0)
        self.wfd = wfd

    def read(self):
        head = self._read_exact(8)
        (n,) = struct.unpack("<Q", head)
        return pickle.loads(self._read_exact(n))  # from the grader: trusted

    def _read_exact(self, n):
        chunks, left = [], n
        while left:
            chunk = self.r.read(left)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def send(self, obj):
        data = wire.encode(obj)
        msg = struct.pack("<Q", len(data)) + data
        view = memoryview(msg)
        while view:
            view = view[os.write(self.wfd, view):]


# -- making the process safe and deterministic before student code runs ---------------------


def _bootstrap(memory_bytes: int) -> tuple[Channel, _CappedText]:
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    captured = _CappedText()
    sys.stdout = sys.stderr = captured
    sys.stdin = io.StringIO("")
    _die_with_parent()
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 2**20, 16 * 2**20))
    sys.meta_path.insert(0, _ForbiddenFinder())
    sys.setrecursionlimit(3000)
    return Channel(rfd, wfd), captured


def _die_with_parent():
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass


_unseeded_default_rng = np.random.default_rng


def _seed_everything(seed: int):
    np.random.seed(seed)
    random.seed(seed)

    def default_rng(seed_arg=None):
        return _unseeded_default_rng(seed if seed_arg is None else seed_arg)

    np.random.default_rng = default_rng


# -- running requests -----------------------------------------------------------------------


class CallFailed(Exception):
    def __init__(self, kind: str, message: str, detail: str = ""):
        super().__init__(message)
        self.kind, self.message, self.detail = kind, message, detail


def _student_traceback(exc: BaseException, filename: str) -> str:
    """The frames of the traceback that are in the submission's file, newest last."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
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
    return CallFailed("exception", f"{fn_name} raised {_describe(exc)}", where)


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _background_tasks() -> int:
    """Threads of this process plus its child processes (Linux /proc; a thread count elsewhere)."""
    try:
        threads = os.listdir("/proc/self/task")
        children = sum(len(open(f"/proc/self/task/{t}/children").read().split()) for t in threads)
        return len(threads) + children
    except OSError:
        import threading

        return threading.active_count()


class Worker:
    def __init__(self, channel: Channel, captured: _CappedText):
        self.channel, self.captured = channel, captured
        self.pid = os.getpid()
        self.tainted = False  # something of the submission's outlives its call: the grader restarts us
        self.module = None
        self.filename = ""
        self.elapsed = 0.0

    def serve(self):
        self.channel.send({"ready": True, "pid": os.getpid()})
        while True:
            try:
                request = self.channel.read()
            except EOFError:
                return
            reply = getattr(self, "op_" + request["op"])(request)
            try:
                self.channel.send(reply)
            except Exception as e:  # a returned object that breaks when read (a hostile __len__, ...)
                fn = request.get("calls", [["the module"]])[-1][0]
                self.channel.send({"done": True, "results": {}, "stdout": "", "error": {
                    "kind": "bad_return", "call": fn, "detail": "",
                    "message": f"what {fn} returned could not be read ({type(e).__name__}: return NumPy arrays)."}})

    def op_load(self, req):
        """Import the submission's module from its source text (the grader read the file)."""
        self.filename = req["path"]
        module = types.ModuleType(req["name"])
        module.__file__ = req["path"]
        _seed_everything(req["seed"])
        try:
            code = compile(req["source"], req["path"], "exec")
            exec(code, module.__dict__)
        except SyntaxError as e:
            where = f"{os.path.basename(req['path'])}, line {e.lineno}"
            return {"error": {"kind": "syntax", "message": f"SyntaxError in {where}: {e.msg}",
                              "detail": (e.text or "").rstrip()}, "stdout": self.captured.take()}
        except BaseException as e:  # noqa: BLE001 - anything a module does at import is the student's
            failed = _classify(e, f"importing {os.path.basename(req['path'])}", self.filename)
            return {"error": vars_of(failed), "stdout": self.captured.take()}
        self.module = module
        return {"ok": True, "stdout": self.captured.take()}

    def op_run(self, req):
        """Run a plan of calls on the inputs, reporting progress before each call."""
        _seed_everything(req["seed"])
        space = dict(req["inputs"])
        mutable = set(req.get("mutable", ()))
        pristine = {k: _snapshot(v) for k, v in space.items() if k not in mutable}
        error = None
        self.elapsed = 0.0
        for index, (fn_name, arg_names, returns) in enumerate(req["calls"]):
            self.channel.send({"begin": index})
            try:
                space.update(self._call(fn_name, [space[a] for a in arg_names], returns,
                                        {a: space[a] for a in arg_names
                                         if a in req["inputs"] and a not in mutable}))
            except CallFailed as failed:
                error = dict(vars_of(failed), call=fn_name, index=index)
                break
        changed = [k for k, v in pristine.items() if not _same(v, req["inputs"][k])]
        if changed and error is None:  # through a reference kept in a cache, say, by an earlier call
            names = ", ".join(dict.fromkeys(c[0] for c in req["calls"]))
            error = {"kind": "mutated", "call": req["calls"][-1][0], "index": len(req["calls"]) - 1, "detail": "",
                     "message": f"the input `{changed[0]}` was modified in place while running {names}: a function "
                     "changed the caller's array through a reference it kept (in its cache, say); work on a copy."}
            space = {}  # no result of this plan counts
        leaked = sorted({m.split(".")[0] for m in sys.modules} & set(FORBIDDEN))
        leaked = [m for m in leaked if not isinstance(sys.modules.get(m), _ForbiddenModule)]
        if leaked and error is None:
            error = {"kind": "forbidden", "call": req["calls"][-1][0], "index": len(req["calls"]) - 1,
                     "message": f"the submission loaded {', '.join(leaked)}, which is not allowed.", "detail": ""}
        results = {name: space[name] for name in req["send_back"] if name in space}
        return {"done": True, "results": results, "error": error, "stdout": self.captured.take(),
                "elapsed": self.elapsed, "restart": self.tainted}

    def _call(self, fn_name, args, returns, watched):
        fn = getattr(self.module, fn_name, None)
        if fn is None or not callable(fn):
            raise CallFailed("missing", f"{os.path.basename(self.filename)} has no function {fn_name}.")
        before = {name: _snapshot(value) for name, value in watched.items()}
        start, tasks = time.perf_counter(), _background_tasks()
        try:
            result = fn(*args)
        except BaseException as e:  # noqa: BLE001
            raise _classify(e, fn_name, self.filename) from None
        finally:
            if os.getpid() != self.pid:  # a forked child came back here: it must not answer the grader
                os._exit(0)
            self.elapsed += time.perf_counter() - start
        if _background_tasks() > tasks:
            self.tainted = True
            raise CallFailed("leaked", f"{fn_name} left a thread or a process running after it returned; "
                             "a function must finish its work (join threads, wait for processes) before returning.")
        for name, value in watched.items():
            if not _same(before[name], value):
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


def main():
    memory = int(os.environ.get("AUTOGRADER_WORKER_MEMORY", "0"))
    channel, captured = _bootstrap(memory)
    builtins.input = lambda *a: (_ for _ in ()).throw(EOFError("input() is not available while grading"))
    Worker(channel, captured).serve()


if __name__ == "__main__":
    main()
