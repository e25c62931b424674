"""The graders a benchmark compares: this tree, and a baseline commit checked out beside it."""
from __future__ import annotations

import os
import subprocess
import sys
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
