"""The graders a benchmark compares: this tree, and a baseline commit checked out beside it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "309e4f5"  # before issue 21: no cache of draws, a sandbox started on the spot, one topic at a time


def worktree(commit: str, work: Path) -> Path:
    """A checkout of `commit` (made once, kept in `work`), to run with this virtualenv."""
    tree = work / f"tree-{commit}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True,
                       capture_output=True)
    return tree


class Tree:
    """A grader to run: its source folder, and the environment of its commands (`cache`: its own folder of draws,
    never the user's)."""

    def __init__(self, label: str, path: Path, cache: Path | None = None):
        self.label, self.path = label, path
        self.env = dict(os.environ, PYTHONPATH=str(path))
        if cache is not None:
            self.env["AUTOGRADER_CACHE"] = str(cache)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "autograder", *args]

    def shown(self, *args: str) -> str:
        """The command, as one can paste it to measure again."""
        cache = f"AUTOGRADER_CACHE={self.env['AUTOGRADER_CACHE']} " if "AUTOGRADER_CACHE" in self.env else ""
        return f"(cd {self.path} && {cache}PYTHONPATH={self.path} {sys.executable} -m autograder {' '.join(args)})"


class Cpu:
    """CPU seconds of everything this process starts inside the block (`seconds` after it), sandboxes included.

    Where we are root and cgroup v1's cpuacct is mounted (this machine), this process moves into a cgroup of its
    own for the block, and its children with it: a bubblewrap sandbox's processes are reparented when it is
    stopped, so the usage of reaped children misses them. Elsewhere, the usage of the children this process reaped.
    """

    ROOT_GROUP = Path("/sys/fs/cgroup/cpuacct")

    def __init__(self):
        self.group: Path | None = None
        self.seconds = 0.0

    def __enter__(self):
        self.outer = self._current()
        try:
            self.group = self.outer / f"autograder-bench-{os.getpid()}-{id(self)}"  # nested: counted in the outer
            self.group.mkdir()
            (self.group / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            self.group = None
        self.start = self._usage()
        return self

    def __exit__(self, *exc):
        self.seconds = self._usage() - self.start
        if self.group is not None:
            (self.outer / "cgroup.procs").write_text(str(os.getpid()))
            for _ in range(100):  # its processes may take a moment to be gone
                try:
                    self.group.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)

    def _current(self) -> Path:
        try:
            for line in Path("/proc/self/cgroup").read_text().splitlines():
                _, controllers, path = line.split(":", 2)
                if "cpuacct" in controllers.split(","):
                    return self.ROOT_GROUP / path.lstrip("/")
        except OSError:
            pass
        return self.ROOT_GROUP

    def _usage(self) -> float:
        if self.group is not None:
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime
