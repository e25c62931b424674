"""The batch: every student graded once, in parallel, resumable, on local processes or a Dask cluster.

    OUT/submissions/<student>/<topic>.py|.ipynb   exactly what was graded (regrade one with `grade`)
    OUT/results/<student>.json                    the student's results (`grade --format json`, plus who and how)
    OUT/feedback/<student>.html                   with `html`: the student's feedback page (`grade --format html`)
    OUT/gradebook.csv, OUT/summary.txt, OUT/summary.json, OUT/class.html (the class page: what to reteach)

A results file is written atomically the moment its student is done, and it records everything its score
depends on: the grader's version and code fingerprint, the versions of Python, NumPy, torch and Hypothesis, the
isolation level, the seed, the exercises and the content hash of what was graded. Run again, the batch grades
only the students whose key differs (new, changed, or not finished), and those whose results hold a check the
grader failed (a grader error, a lost worker: `kind` "grader"), so a batch killed mid-way finishes where it
stopped, its gradebook is the one an uninterrupted run writes, and no zero the grader caused is kept.

What one student sends never stops the batch: staging, grading and writing are contained per student (a failure
there is that student's "not graded" result), ids are bounded (`discover.student_ids`), and OUT holds the class's
work and grades: its folders are 0700 and its files 0600, readable by the grader's user alone.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent import futures as cf
from dataclasses import dataclass, field
from pathlib import Path

from autograder.batch.discover import Submission, Survey, survey
from autograder.batch.worker import grade_task, grade_task_on_dask, grader_fingerprint, machine_id, warm_up
from autograder.grading.grade import GRADER_FAILURE, versions
from autograder.grading.results import CheckResult, ExerciseResult, Report
from autograder.model import Exercise, catalog, topics
from autograder.outputs.safe import printable
from autograder.project import write_atomic
from autograder.submissions import TopicSource, content_hash, topic_source

DEFAULT_TIMEOUT = 1800.0  # a backstop per submission; the grader's own per-call limits come first
PRIVATE = 0o700  # OUT's folders: the class's work and grades are the grader's alone


def private_folder(path: Path) -> Path:
    path.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE)
    return path


def stage(sub: Submission, folder: Path) -> dict[str, bytes]:
    """Write the student's chosen files under their canonical names in `folder` (0700, files 0600); return them."""
    contents = sub.contents()  # topic files under their canonical names, and the student's own modules
    private_folder(folder)
    for old in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):  # a folder after what is in it
        name = old.relative_to(folder).as_posix()
        if old.is_dir() and not old.is_symlink():
            if not any(n.startswith(name + "/") for n in contents):
                old.rmdir()
        elif name not in contents:
            old.unlink()
    for name, data in contents.items():
        path = folder / name
        for parent in reversed(path.relative_to(folder).parents[:-1]):
            private_folder(folder / parent)
        if path.is_symlink() or not path.is_file() or path.read_bytes() != data:
            write_atomic(path, data, 0o600)
    return contents


def staged_hash(folder: Path, exercises: list[Exercise]) -> str:
    """The content hash `grade()` will record for this folder (the same function, on the same files)."""
    return content_hash([s for t in topics(exercises) if isinstance(s := topic_source(folder, t), TopicSource)])


def load_result(path: Path) -> dict | None:
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and "exercises" in result else None


@dataclass
class Job:
    sub: Submission
    task: dict
    key: dict  # what a stored result must match to be reused
    attempts: int = 0
    seconds: float | None = None  # how long its last grading took, when a results file says so
    size: int = 0  # bytes of its files


def longest_first(jobs: list[Job]) -> list[Job]:
    """The jobs in the order to start them: the longest first, so that no long one is left for the end while the
    other processes idle. A job's length is its last grading's time where known; else it is estimated from its
    size (seconds per byte of the jobs whose time is known, or the size alone when none is)."""
    timed = [j for j in jobs if j.seconds is not None and j.size > 0]
    rate = sorted(j.seconds / j.size for j in timed)[len(timed) // 2] if timed else None

    def length(job: Job) -> float:
        if job.seconds is not None:
            return job.seconds
        return job.size * rate if rate is not None else job.size

    return sorted(jobs, key=length, reverse=True)


def grader_failed(result: dict | None) -> bool:
    """Does the result hold a check the grader failed (not the student): a grader error, a lost worker?"""
    return bool(result) and (bool(result.get("error")) or any(
        str(c.get("kind") or "").startswith(GRADER_FAILURE)
        for e in result.get("exercises") or [] if isinstance(e, dict) for c in e.get("checks") or [] if isinstance(c, dict)))


def is_current(result: dict | None, key: dict) -> bool:
    """A stored result stands for this run: the same key (all a score depends on), and no failure of the grader."""
    return result is not None and not grader_failed(result) and all(result.get(k) == v for k, v in key.items())


def isolation_level() -> str:
    """The sandbox's level in this process (bwrap, posix, portable): part of what a score depends on."""
    from autograder.sandbox.isolation import isolation

    return isolation().level


def grader_identity() -> str:
    """The grader's code and the versions a score depends on: every Dask worker must have this machine's."""
    return grader_fingerprint() + json.dumps(versions(), sort_keys=True)


def failed_result(job: Job, exercises: list[Exercise], why: str) -> dict:
    """Zero for every check, saying why: the grader could not grade this submission (regraded on the next run);
    with its feedback page as "html" when the job asked for one."""
    from autograder.outputs.structured import as_dict

    report = Report(job.task["display"], [
        ExerciseResult(ex.id, ex.title, [CheckResult(c.name, c.points, 0.0, f"Not graded: {why}", kind=GRADER_FAILURE)
                                         for c in ex.checks])
        for ex in exercises], seed=job.task["seed"], versions=versions(), content_hash=job.key["content_hash"])
    result = {**as_dict(report), **job.key, "error": why}
    if job.task.get("html"):
        from autograder.batch.worker import feedback_page

        result["html"] = feedback_page(report)
    return result


class LocalPool:
    """Grading processes on this machine: each pays the grader's start-up once, then grades submission after
    submission; one that runs over `timeout` or dies is replaced, and only its submission is affected."""

    def __init__(self, jobs: int, timeout: float):
        from pebble import ProcessPool

        self.timeout, self.size = timeout, jobs
        self.pool = ProcessPool(max_workers=jobs, initializer=warm_up, context=multiprocessing.get_context("spawn"))

    def submit(self, task: dict, priority: int = 0) -> cf.Future:
        return self.pool.schedule(grade_task, args=(task,), timeout=self.timeout)  # in the order submitted

    def wait(self, pending: list) -> set:
        return cf.wait(pending, return_when=cf.FIRST_COMPLETED).done

    def close(self):
        self.pool.stop()
        self.pool.join()


def shared_draws_folder() -> str | None:
    """A folder, the grader's alone, where the grading processes of this machine keep the class's inputs and oracle
    values (each process draws a part, once for the class, and reads the others' parts); None where student code
    could reach it (each process then draws them all, in memory)."""
    from autograder.grading.cache import workers_can_reach

    folder = tempfile.mkdtemp(prefix="autograder-draws-")  # mode 700
    if workers_can_reach(Path(folder)):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return folder


class DaskPool:
    """The same grading on a Dask cluster: each task is one whole submission, graded in the worker's sandbox."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address, timeout="30s")
        mine = grader_identity()
        theirs = self.client.run(grader_identity)
        if not theirs:
            raise RuntimeError(f"the Dask cluster at {address} has no workers")
        other = sorted(worker for worker, fingerprint in theirs.items() if fingerprint != mine)
        if other:
            self.client.close()
            raise RuntimeError(f"these Dask workers run a different grader than this machine: {', '.join(other)}; "
                               "install the same nn-autograder (and Python, NumPy, torch, Hypothesis) on every worker")
        levels = self.client.run(isolation_level)
        if len(set(levels.values())) > 1:
            self.client.close()
            raise RuntimeError("the Dask workers isolate student code at different levels ("
                               + ", ".join(f"{w}: {level}" for w, level in sorted(levels.items()))
                               + "): a score would depend on the worker; give every worker the same sandbox")
        self.isolation = next(iter(levels.values()))
        self.size = len(theirs)

    def submit(self, task: dict, priority: int = 0):
        return self.client.submit(grade_task_on_dask, task, pure=False, retries=1, priority=priority,
                                  key=f"grade-{task['student']}-{time.monotonic_ns()}")

    def wait(self, pending: list) -> set:
        from distributed import wait

        return wait(pending, return_when="FIRST_COMPLETED").done

    def close(self):
        self.client.close()


@dataclass
class ClassRun:
    submissions: list[Submission]
    results: dict[str, dict] = field(default_factory=dict)  # student -> results, every student
    graded: list[str] = field(default_factory=list)  # graded in this run
    skipped: list[str] = field(default_factory=list)  # unchanged since their stored results
    changed: list[str] = field(default_factory=list)  # a different submission than the stored results graded
    errors: list[str] = field(default_factory=list)  # the grader could not grade them (retried on a rerun)
    seconds: float = 0.0
    layout: str = ""
    unmapped: list[str] = field(default_factory=list)  # top-level names that are no one's, with why

    @property
    def grader_failures(self) -> list[str]:
        """Students whose results hold a check the grader failed (their whole submission, or some checks)."""
        return [s.student for s in self.submissions if grader_failed(self.results.get(s.student))]


def handed_in(found: Survey) -> list[str]:
    """The topics the class handed in: those at least one student has a file for, in course order."""
    present = {Path(name).stem for sub in found.submissions for name in sub.files}
    return [t for t in topics(catalog()) if t in present]


def looked_for(root: Path, found: Survey | None = None) -> str:
    """Why there is nothing to grade at `root`, saying what was looked for (and a near name, for a misspelling)."""
    import difflib

    wanted = (f"looked for each student's {' or '.join(topics(catalog()))} (.py or .ipynb) in a folder, zip or "
              "files per student, nbgrader's submitted/, a Gradescope export or an LMS bulk download")
    if found is None:
        parent = root.parent if str(root.parent) else Path(".")
        near = difflib.get_close_matches(root.name, [p.name for p in parent.iterdir()], n=1) if parent.is_dir() else []
        return f"{root} does not exist" + (f" (did you mean {parent / near[0]}?)" if near else "") + f"; {wanted}"
    if not found.submissions:
        return f"no submission found in {root}; {wanted}"
    return (f"{len(found.submissions)} submission{'s' if len(found.submissions) != 1 else ''} found in {root} "
            f"({found.layout} layout), but no file of any topic in them; {wanted}")


def grade_class(root: Path, out: Path, exercises: list[Exercise], *, jobs: int | None = None, seed: int | None = None,
                scheduler: str | None = None, timeout: float = DEFAULT_TIMEOUT, force: bool = False,
                progress: bool = True, html: bool = False, layout: str = "auto", found: Survey | None = None
                ) -> ClassRun:
    """Grade every submission under `root` not already graded in `out`; write each results file as it comes
    (`html`: and each student's feedback page; a student whose page is missing is graded again). `layout`: how
    the class is laid out (`discover.LAYOUTS`; auto decides from ROOT's top level, or raises `LayoutError`);
    `found`: the class already surveyed. An exercise's points are those of `exercises` (an assignment's)."""
    from tqdm import tqdm

    start = time.perf_counter()
    out = Path(out)
    found = found or survey(root, catalog(), layout)
    for folder in (out, out / "results", out / "submissions", out / "feedback"):
        private_folder(folder)
    for leftover in [*(out / "results").glob(".*.tmp"), *(out / "feedback").glob(".*.tmp")]:  # a write cut short
        leftover.unlink()
    run = ClassRun(found.submissions, layout=found.layout, unmapped=found.unmapped)
    ids = [ex.id for ex in exercises]
    pool = DaskPool(scheduler) if scheduler else None
    common = {"seed": seed, "grader_fingerprint": grader_fingerprint(), "exercise_ids": ids,
              "isolation": pool.isolation if pool else isolation_level(), "versions": versions()}
    points = {ex.id: ex.points for ex in exercises if ex.id in overridden(exercises)}
    if points:  # an assignment's own points: a change regrades (absent otherwise, so stored results still match)
        common["points"] = points
    todo: list[Job] = []
    for sub in found.submissions:
        try:
            contents = stage(sub, out / "submissions" / sub.student)
            key = {"content_hash": staged_hash(out / "submissions" / sub.student, exercises), **common}
        except Exception as e:  # noqa: BLE001 - one student's files cost that student alone
            job = Job(sub, {"student": sub.student, "seed": seed, "display": f"{sub.student}'s submission"},
                      {"content_hash": "", **common})
            _record(run, out, job, failed_result(job, exercises, f"its files could not be staged ({_why(e)})"), None)
            continue
        stored = load_result(out / "results" / f"{sub.student}.json")
        has_page = (out / "feedback" / f"{sub.student}.html").is_file()
        if is_current(stored, key) and not force and (has_page or not html):
            run.results[sub.student] = stored
            run.skipped.append(sub.student)
            continue
        if stored is not None and stored.get("content_hash") != key["content_hash"] and not stored.get("error"):
            run.changed.append(sub.student)
        task = {"student": sub.student, "files": contents, "only": ids, "points": points, "seed": seed,
                "display": f"{sub.student}'s submission", "html": html}
        last = stored.get("seconds") if stored is not None else None
        todo.append(Job(sub, task, key, seconds=last if isinstance(last, (int, float)) and last >= 0 else None,
                        size=sum(len(data) for data in contents.values())))
    todo = longest_first(todo)
    if todo and pool is None:
        pool = LocalPool(jobs or len(os.sched_getaffinity(0)), timeout)
    draws = shared_draws_folder() if todo else None
    if draws is not None:  # the first task of each grading process says where it begins drawing
        machine = machine_id()
        for rank, job in enumerate(todo):
            job.task["draws"] = {"folder": draws, "machine": machine, "start": (rank % pool.size) / pool.size}

    bar = tqdm(total=len(found.submissions), initial=len(run.results), unit="student", desc="grading",
               file=sys.stderr, disable=not progress, dynamic_ncols=True, smoothing=0.1)
    try:
        running = {pool.submit(job.task, len(todo) - rank): job for rank, job in enumerate(todo)}
        while running:
            for future in pool.wait(list(running)):
                job = running.pop(future)
                result = _outcome(future, job, timeout)
                if result is None:  # the grading process died: once more, in a fresh one
                    job.attempts += 1
                    running[pool.submit(job.task, len(todo))] = job
                    continue
                if "error" in result:
                    result = failed_result(job, exercises, result["error"])
                    bar.write(printable(f"{job.sub.student}: not graded: {result['error']}", keep=""))
                _record(run, out, job, result, bar)
    finally:
        bar.close()
        if pool is not None:
            pool.close()
        if draws is not None:
            shutil.rmtree(draws, ignore_errors=True)
    run.seconds = time.perf_counter() - start
    return run


def overridden(exercises: list[Exercise]) -> set[str]:
    """The ids of `exercises` whose points differ from the catalog's (an assignment's own points)."""
    declared = {ex.id: ex.points for ex in catalog({ex.topic for ex in exercises})}
    return {ex.id for ex in exercises if declared.get(ex.id) != ex.points}


def _why(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e)[:300]}"


def _record(run: ClassRun, out: Path, job: Job, result: dict, bar) -> None:
    """Keep the student's result: their page and results file written (0600), their line of progress. A write that
    fails (a full disk) is that student's alone: they are listed as not graded, and graded again on a rerun."""
    student = job.sub.student
    page = result.pop("html", None)
    result = {**result, **job.key, "student": _who(job.sub)}
    if result.get("error"):
        run.errors.append(student)
    page_file = out / "feedback" / f"{student}.html"
    try:
        if isinstance(page, str):  # before the results file: a rerun regrades a student without a page
            write_atomic(page_file, page, 0o600)
        elif page_file.exists():  # a page of work graded before: it no longer matches the results
            page_file.unlink()
        write_atomic(out / "results" / f"{student}.json", json.dumps(result, indent=1) + "\n", 0o600)
    except OSError as e:
        result = {**result, "error": f"its results could not be written ({_why(e)})"}
        if student not in run.errors:
            run.errors.append(student)
    run.results[student] = result
    run.graded.append(student)
    if bar is not None:
        bar.set_postfix_str(printable(f"{student} {result['score']:g}/{result['max_score']:g}", keep=""), refresh=False)
        bar.update()


def _outcome(future, job: Job, timeout: float) -> dict | None:
    """The task's results; {"error": why} when the grader failed; None to retry it (once)."""
    try:
        return future.result()
    except cf.TimeoutError:
        return {"error": f"grading this submission took over {timeout:g} s, the batch's limit per submission"}
    except Exception as e:  # noqa: BLE001 -- the grader's own failure, e.g. its process killed
        if job.attempts < 1 and type(e).__name__ in ("ProcessExpired", "BrokenProcessPool"):
            return None
        return {"error": f"the grader failed ({type(e).__name__}: {str(e)[:300]})"}


def _who(sub: Submission) -> dict:
    """Who the student is, as the layout gave it: the data an LMS export is built from."""
    return {"id": sub.student, "name": sub.name, "first_name": sub.first_name, "last_name": sub.last_name,
            "email": sub.email, "timestamp": sub.timestamp, "partners": sub.partners, "layout": sub.layout,
            "ids": sub.ids, "late": sub.late, "origin": sub.origin,
            "files": {name: entry.path.as_posix() for name, entry in sub.files.items()}, "notes": sub.notes}
