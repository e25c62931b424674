"""Each search's inputs and the oracle's values on them, drawn once per grader, seed and exercise.

A search whose test function never raises draws the same inputs whatever that function computes: Hypothesis's
draws depend on the strategy, the seed and the test function's source, not on what the test did with them
(tests/test_cache.py checks it for every exercise). Every student who passes a check therefore sees the same
inputs, so `grading/search.py` draws them once, with the oracle's values on them, and replays them to each
student; the first failure still goes to Hypothesis, which finds it again and shrinks it as before.

Where the draws are kept, keyed by the grader's fingerprint, the versions a grade depends on, the seed, the
exercise and the search:

    memory   every grading process (`check --watch`, grade-all's processes, a Dask worker) keeps what it drew;
             each use gets its own copies, so nothing one student's grading does reaches another's
    disk     the public inputs only (never a grading seed's), in the user's cache folder (`user_folder()`),
             for the next `check` or `grade`; a file is used only if its key is the one wanted and its sha256
             over key and content matches, and it is decoded without pickle (the sandbox's wire format);
             anything else is ignored and written anew. Deleting the folder is always safe.
    bundle   a Gradescope autograder draws its seed's inputs once, when its image is built, into a folder only
             root may read, like its config.json (`autograder/integrations/gradescope/bundle.py`)
    class    grade-all's grading processes draw a class's inputs (its seed's) into a folder they share, the
             grader's alone, each process beginning at another search (`batch/run.py`); removed after the class

Student code must neither read nor write the disk cache. Under bubblewrap the worker does not see the folder;
as root without bubblewrap it runs as a uid of its own, and the folder is the grader's alone (0700). Where it runs
as the grader's own user (posix without root or without uids that can run NumPy, Windows), the disk cache is used only for `check` (`own_work`: the code
checked is the user's own, so it could mislead no one else), and `grade` draws in memory.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import stat
import struct
import sys
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from autograder.project import write_atomic
from autograder.sandbox import wire

FORMAT = 1  # of the files; part of every key
MAGIC = b"nn-autograder draws\n"
MAX_FILE_BYTES = 2**30
KEEP_GRADERS = 4  # folders of other grader versions kept on disk (the oldest go first)
MEMORY_BYTES = 512 * 2**20  # the draws a process keeps (one seed's, all five topics: about 11 MB)

Entry = tuple  # (inputs, the oracle's values on them or None: computed when needed)


class Draws:
    """One search's inputs in the order Hypothesis drew them, each with the oracle's values; every iteration
    yields fresh copies (the grading of one student cannot change what the next one is given)."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.nbytes = sum(_nbytes(inputs) + _nbytes(expected) for inputs, expected in entries)  # once: every put sums them

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        for inputs, expected in self.entries:
            yield fresh(inputs), fresh(expected)

    def after(self, n: int) -> Draws:
        """The draws without the first `n` (a search's explicit examples)."""
        return Draws(self.entries[n:])


@dataclass(frozen=True)
class Key:
    exercise: str
    search: str  # "": the exercise's shared pass; else the name of a check that searches on its own
    seed: int | None  # None: the public inputs


@lru_cache(maxsize=1)
def grader_key() -> dict:
    """What every draw depends on besides its own key: the grader's code and the versions of what it runs on."""
    from autograder.batch.worker import grader_fingerprint
    from autograder.grading.grade import versions

    return {"format": FORMAT, "grader": grader_fingerprint(), "versions": versions()}


class Folder:
    """Draw files on disk for one seed: `path`/<grader>/<exercise>.<search>.draws. Only a folder that is the
    grader's user's alone (POSIX: owned by it, no access for others) is read or written."""

    def __init__(self, path: Path, seed: int | None, writable: bool = True, create: bool = True):
        self.path, self.seed, self.writable = Path(path), seed, writable
        self.create = create  # False: a folder someone else made and removes (a class's): never made again here

    def file(self, key: Key) -> Path:
        grader = hashlib.sha256(json.dumps(grader_key(), sort_keys=True).encode()).hexdigest()[:16]
        search = hashlib.sha256(key.search.encode()).hexdigest()[:12]
        return self.path / grader / f"{key.exercise}.{search}.draws"

    def read(self, key: Key) -> list[Entry] | None:
        """The entries stored for `key`, or None: absent, stale, corrupt, tampered with, or not ours alone."""
        path = self.file(key)
        if key.seed != self.seed or not path.is_file() or not private(self.path):
            return None
        try:
            data = _read_own_file(path)
            if not data.startswith(MAGIC):
                return None
            header, _, payload = data[len(MAGIC):].partition(b"\n")
            stored = json.loads(header)
            if stored.get("key") != _key_dict(key) or stored.get("sha256") != _digest(key, payload):
                return None
            entries = _unpack(payload)
            return entries if len(entries) == stored.get("entries") else None
        except (OSError, ValueError, TypeError, AttributeError, struct.error):
            return None

    def write(self, key: Key, entries: list[Entry]) -> bool:
        """Store `entries` if the wire format rebuilds every one exactly; False if not stored."""
        if not self.writable or key.seed != self.seed or not (self.create or self.path.is_dir()):
            return False
        try:
            payload = _pack(entries)
        except ValueError:  # a value the format does not rebuild exactly: kept in memory only
            return False
        try:
            folder = self.file(key).parent
            if not folder.exists():
                make_private(self.path)
                folder.mkdir(mode=0o700, exist_ok=True)  # another grading process may make it too
                self._prune(keep=folder)
            if not private(self.path):
                return False
            header = json.dumps({"key": _key_dict(key), "entries": len(entries), "sha256": _digest(key, payload)})
            # a torn file after a crash fails its sha256 on reading: a miss, so no fsync
            write_atomic(self.file(key), MAGIC + header.encode() + b"\n" + payload, 0o600, durable=False)
            return True
        except OSError:
            return False

    def _prune(self, keep: Path) -> None:
        """Remove the folders of older graders beyond KEEP_GRADERS (by when they were last written)."""
        others = sorted((p for p in self.path.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
        for old in others[:max(0, len(others) - KEEP_GRADERS)]:
            shutil.rmtree(old, ignore_errors=True)


class DrawCache:
    """The draws of one process: in memory, and in the folders on disk that may hold them."""

    def __init__(self):
        self.lock = threading.Lock()  # topics graded in threads share it (never held while drawing)
        self.memory: OrderedDict[Key, Draws] = OrderedDict()
        self.folders: list[Folder] = []  # the first that may hold a key's seed is used
        self.enabled = True
        self.own_work = False  # `check`: the disk cache serves the public inputs even where workers could reach it
        self.user = True  # whether the user's cache folder is used for the public inputs
        self.served = {"memory": 0, "disk": 0, "drawn": 0}  # where each search's draws came from

    def get(self, key: Key, compute: Callable[[], list[Entry] | None]) -> Draws | None:
        """The draws of `key`: remembered, read from disk, or computed (and stored) now; None if `compute` gives
        none (then the caller searches as if there were no cache)."""
        if not self.enabled:
            return None
        with self.lock:
            draws = self.memory.get(key)
            if draws is not None:
                self.memory.move_to_end(key)
                self.served["memory"] += 1
                return draws
        folder = self.folder(key.seed)
        entries = folder.read(key) if folder is not None else None
        served = "disk" if entries is not None else "drawn"
        if entries is None:
            entries = compute()
            if entries is None:
                return None
            if folder is not None:
                folder.write(key, entries)
        with self.lock:
            self.served[served] += 1
            draws = self.memory[key] = Draws(entries)
            self._evict()
        return draws

    def folder(self, seed: int | None) -> Folder | None:
        for folder in self.folders:
            if folder.seed == seed:
                return folder
        if seed is not None or not self.user:
            return None
        path = user_folder()
        if path is None or (workers_can_reach(path) and not self.own_work):
            return None
        return Folder(path, None)

    def use_first(self, folder: Folder) -> None:
        """Look in `folder` first for its seed's draws (those of a folder of that seed that is gone are dropped: an
        earlier class's)."""
        with self.lock:
            self.folders[:] = [f for f in self.folders if f.seed != folder.seed or f.path.is_dir()]
            self.folders.insert(0, folder)

    def clear(self) -> None:
        self.memory.clear()

    def summary(self) -> str:
        """Where the draws of this process's searches came from, e.g. "12 searches from disk, 3 drawn"."""
        return ", ".join(f"{n} searches {'from ' + where if where != 'drawn' else where}"
                         for where, n in self.served.items() if n) or "no searches"

    def _evict(self) -> None:
        total = sum(d.nbytes for d in self.memory.values())
        while len(self.memory) > 1 and total > MEMORY_BYTES:
            _, oldest = self.memory.popitem(last=False)
            total -= oldest.nbytes


DRAWS = DrawCache()  # this process's


@contextmanager
def disabled() -> Iterator[None]:
    """Grade as if there were no cache (every search drawn by Hypothesis): the reference the cache is tested
    against."""
    before = DRAWS.enabled
    DRAWS.enabled = False
    try:
        yield
    finally:
        DRAWS.enabled = before


def user_folder() -> Path | None:
    """Where the public inputs are kept: $AUTOGRADER_CACHE ("off": nowhere), else the platform's cache folder
    (~/.cache/nn-autograder on Linux, ~/Library/Caches/nn-autograder on macOS, %LOCALAPPDATA%\\nn-autograder)."""
    chosen = os.environ.get("AUTOGRADER_CACHE", "").strip()
    if chosen.lower() in ("off", "0", "no", "none"):
        return None
    if chosen:
        return Path(chosen).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "nn-autograder"


def workers_can_reach(path: Path) -> bool:
    """Whether student code in this machine's sandbox could open `path`: under bubblewrap, only if it lies in
    what the worker's view binds; as root without bubblewrap each worker runs as a uid of its own (and the
    folder is the grader's alone); otherwise (`shared`) the worker is the grader's own user and could."""
    from autograder.sandbox.isolation import bwrap_command, isolation

    iso = isolation()
    if iso.level == "bwrap":
        return any(_within(path, source) for source in bound_paths(bwrap_command(iso.root)))
    return iso.shared


def bound_paths(command: tuple[str, ...]) -> list[str]:
    """The host paths a bubblewrap command line makes visible in the sandbox (--bind, --ro-bind and kin)."""
    binds = ("--bind", "--ro-bind", "--dev-bind", "--bind-try", "--ro-bind-try", "--dev-bind-try")
    return [command[i + 1] for i, arg in enumerate(command[:-1]) if arg in binds]


def _within(path: Path, source: str) -> bool:
    path, source = os.path.realpath(path), os.path.realpath(source)
    return path == source or path.startswith(source.rstrip(os.sep) + os.sep) or source.startswith(path + os.sep)


def private(path: Path) -> bool:
    """The folder is the grader's user's alone: owned by it, and no one else may enter, read or write it."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not hasattr(os, "getuid"):  # Windows: a folder in the user's profile
        return os.path.isdir(path)
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and st.st_mode & 0o077 == 0


def make_private(path: Path) -> None:
    """Create `path` as a folder only this user may use (or make an existing one of ours so)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid") and os.lstat(path).st_uid == os.getuid():
        os.chmod(path, 0o700)


def _read_own_file(path: Path) -> bytes:
    """A regular file of ours, never through a link, at most MAX_FILE_BYTES."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES or \
                (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise ValueError("not a file of ours")
        return f.read(MAX_FILE_BYTES + 1)


def _key_dict(key: Key) -> dict:
    return {**grader_key(), "exercise": key.exercise, "search": key.search, "seed": key.seed}


def _digest(key: Key, payload: bytes) -> str:
    return hashlib.sha256(json.dumps(_key_dict(key), sort_keys=True).encode() + b"\0" + payload).hexdigest()


def _pack(entries: list[Entry]) -> bytes:
    """Each input and its oracle values as a wire frame, length first; ValueError unless each rebuilds exactly."""
    parts = []
    for entry in entries:
        for value in entry:
            frame = wire.encode(value)
            if not identical(wire.decode(frame), value):
                raise ValueError("not exactly representable")
            parts += [struct.pack("<Q", len(frame)), frame]
    return b"".join(parts)


def _unpack(payload: bytes) -> list[Entry]:
    values, offset = [], 0
    while offset < len(payload):
        (n,) = struct.unpack_from("<Q", payload, offset)
        offset += 8
        if offset + n > len(payload):
            raise ValueError("truncated")
        values.append(wire.decode(payload[offset:offset + n]))
        offset += n
    if len(values) % 2:
        raise ValueError("an input without its values")
    entries = list(zip(values[::2], values[1::2]))
    if not all(isinstance(i, dict) and (e is None or isinstance(e, dict)) for i, e in entries):
        raise ValueError("not draws")
    return entries


def fresh(value):
    """A copy of `value` that shares nothing mutable with it (arrays keep their memory layout)."""
    if isinstance(value, np.ndarray):
        return value.copy(order="K")
    if type(value) is dict:
        return {k: fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [fresh(v) for v in value]
    if type(value) is tuple:
        return tuple(fresh(v) for v in value)
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        return value
    return copy.deepcopy(value)


def identical(a, b) -> bool:
    """Equal in type, layout and every bit (-0.0 and NaN included): what a student would be given is the same."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (a.dtype == b.dtype and a.shape == b.shape and a.flags.c_contiguous == b.flags.c_contiguous
                and a.flags.f_contiguous == b.flags.f_contiguous and a.tobytes() == b.tobytes())
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b))
    if a is None or isinstance(a, (bool, int, str)):
        return a == b
    return False


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return 64 + sum(_nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return 64 + sum(_nbytes(v) for v in value)
    return 32
