"""What a batch grading process runs: the grader's start-up once (torch, the catalog), then whole submissions.

Each submission is graded by `grade()` exactly as `python -m autograder grade` does, its code in the sandbox's
worker processes; this process holds only the grader. A task carries the files themselves (not paths), so the
same task runs on a Dask worker on another machine.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import autograder

# What a grade depends on, beyond the versions a Report records: a change to any of these regrades everything.
GRADING_CODE = ("autograder/*.py", "autograder/exercises/*.py", "autograder/grading/*.py",
                "autograder/sandbox/*.py", "reference/*.py")
ROOT = Path(autograder.__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def grader_fingerprint() -> str:
    """sha256 of the grader's own code (the version string alone misses an edit to a check)."""
    digest = hashlib.sha256(autograder.__version__.encode())
    for pattern in GRADING_CODE:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _kill_sandboxes(*_):
    """On SIGTERM (a task over its time limit, or the batch gone): take the sandbox workers down with us.

    They run in their own sessions, so they do not share our fate by themselves.
    """
    import psutil

    for child in psutil.Process().children():
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    os._exit(1)


def warm_up() -> None:
    """Run once per grading process: what every grade needs, loaded before the first student."""
    signal.signal(signal.SIGTERM, _kill_sandboxes)
    try:  # Linux: SIGTERM when the batch that started us dies, even by SIGKILL
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    from autograder.grading import grade  # noqa: F401  (torch, Hypothesis, the oracle)
    from autograder.model import catalog

    catalog()
    grader_fingerprint()


def grade_task(task: dict) -> dict:
    """Grade one submission: task = {files: {name: bytes}, only: [...], seed, display}; the results as data."""
    from autograder.grading import grade
    from autograder.model import catalog, select
    from autograder.outputs.structured import as_dict

    exercises = select(catalog(), task["only"])
    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as tmp:
        folder = Path(tmp) / "submission"
        folder.mkdir()
        for name, data in task["files"].items():
            (folder / Path(name).name).write_bytes(data)
        report = grade(folder, exercises, seed=task["seed"])
        report.submission = task["display"]
        text = json.dumps(as_dict(report))
    # Messages name the file graded; name it as the instructor knows it, not by a temporary folder.
    result = json.loads(text.replace(json.dumps(str(folder))[1:-1], json.dumps(task["display"])[1:-1]))
    result["seconds"] = round(report.timing.total, 3)
    result["grader_fingerprint"] = grader_fingerprint()
    return result


_ONE_AT_A_TIME = threading.Lock()


def grade_task_on_dask(task: dict) -> dict:
    """`grade_task` on a Dask worker: one grade at a time per worker process, whatever its thread count."""
    with _ONE_AT_A_TIME:
        return grade_task(task)
