"""What a batch grading process runs: the grader's start-up once (torch, the catalog), then whole submissions.

Each submission is graded by `grade()` exactly as `python -m autograder grade` does, its code in the sandbox's
worker processes; this process holds only the grader. A task carries the files themselves (not paths), so the
same task runs on a Dask worker on another machine.
"""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import tempfile
import threading
from functools import lru_cache
from pathlib import Path, PurePosixPath

import autograder
from autograder.project import ROOT

# What a grade depends on, beyond the versions a Report records: a change to any of these regrades everything.
GRADING_CODE = ("autograder/*.py", "autograder/exercises/*.py", "autograder/grading/*.py",
                "autograder/sandbox/*.py", "reference/*.py")


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
    import torch

    from autograder.grading import grade  # noqa: F401  (torch, Hypothesis, the oracle)
    from autograder.model import catalog

    torch.set_num_threads(1)  # one core per grading process: N processes on N cores, not N x N threads

    catalog()
    grader_fingerprint()
    _keep_warm()


def machine_id() -> str:
    """This machine and boot: a folder named by a batch on one machine means nothing on another (a Dask worker)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{socket.gethostname()}/{boot}"


_CLASS_DRAWS: set[str] = set()  # the class folders this process has drawn into


def _draw_first(exercises: list, seed: int | None, shared: dict | None) -> None:
    """Before a process's first student of a class: every search of the class drawn, into the folder the batch's
    grading processes on this machine share, each beginning at another place (`start`, a fraction of the way), so
    that each draws a part and reads the others' parts. A folder of another machine, or gone, is not used."""
    from autograder.grading.cache import DRAWS, Folder, private
    from autograder.grading.search import prepare

    if not isinstance(shared, dict) or shared.get("machine") != machine_id():
        return
    folder = Path(str(shared.get("folder")))
    if str(folder) in _CLASS_DRAWS or not private(folder):
        return
    _CLASS_DRAWS.add(str(folder))
    DRAWS.use_first(Folder(folder, seed, create=False))
    start = shared.get("start")
    prepare(exercises, seed, float(start) if isinstance(start, (int, float)) else 0.0)


def _keep_warm() -> None:
    """What this process keeps from one submission to the next: a sandbox started ahead for the next topic
    (autograder/sandbox/pool.py); the inputs and oracle values it draws stay in memory (grading/cache.py)."""
    from autograder.sandbox.pool import POOL

    POOL.keep_warm()


def grade_files(files: dict[str, bytes], exercises: list, seed: int | None, display: str, curves: bool = False):
    """Grade one submission given as {canonical file name: contents}; messages name it `display`, never the
    temporary folder it was graded in. Returns the `Report` (`curves`: with the training exercises' learning
    curves, for the HTML page)."""
    from autograder.grading import grade

    # mode 700, the grader's alone: at posix as root, a classmate's worker runs as another uid and cannot read it
    with tempfile.TemporaryDirectory(prefix="autograder-batch-") as tmp:
        folder = Path(tmp) / "submission"
        folder.mkdir()
        for name, data in files.items():  # a topic file, or one of the student's own modules (`nn_scratch/a.py`)
            parts = [part for part in PurePosixPath(name).parts if part not in ("", ".", "..", "/")]
            path = folder.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        report = grade(folder, exercises, seed=seed, curves=curves, shown_as=display)
    report.submission = display  # the feedback names files by their names, never the folder graded here
    return report


def grade_task(task: dict) -> dict:
    """One submission: task = {student, files: {name: bytes}, only: [ids], points: {id: points} (an assignment's),
    seed, display, html}; its results as data, and with `html` its feedback page as "html"."""
    from autograder.assignments import with_points
    from autograder.model import catalog, select
    from autograder.outputs.structured import as_dict

    html = bool(task.get("html"))
    exercises = with_points(select(catalog(), task["only"]), task.get("points"))
    _draw_first(exercises, task["seed"], task.get("draws"))
    report = grade_files(task["files"], exercises, task["seed"], task["display"], curves=html)
    result = {**as_dict(report), "seconds": round(report.timing.total, 3), "grader_fingerprint": grader_fingerprint()}
    if html:
        result["html"] = feedback_page(report)
    return result


def feedback_page(report) -> str:
    """The student's HTML page; should even the page fail, their feedback as text in a page: a page never costs
    the grade it shows."""
    import html

    from autograder.grading.results import CLASS
    from autograder.outputs.html import as_html
    from autograder.outputs.text import as_text

    try:
        return as_html(report, reader=CLASS)
    except Exception as e:  # noqa: BLE001
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Feedback</title></head><body>'
                f"<p>The page's pictures could not be made ({html.escape(type(e).__name__)}); the feedback:</p>"
                f"<pre>{html.escape(as_text(report, verbose=True, reader=CLASS))}</pre></body></html>\n")


_ONE_AT_A_TIME = threading.Lock()


def grade_task_on_dask(task: dict) -> dict:
    """`grade_task` on a Dask worker: one grade at a time per worker process, whatever its thread count; the
    worker keeps what a grading process keeps between submissions."""
    with _ONE_AT_A_TIME:
        _keep_warm()
        return grade_task(task)
