"""Grading a class: `grade-all` of this tree against a baseline, on local processes and on Dask, in one run.

    python benchmarks/class_batch.py [--count 100] [--kind complete|mixed] [--topics mlp cnn ...] [--jobs 2]
                                     [--baseline 309e4f5] [--workers 1 2 4] [--seed 31337] [--work DIR]
    python benchmarks/class_batch.py --count 0 --nbgrader 4      # the comparison with nbgrader alone

The class: --count students in several layouts (a folder, loose files, a zip per student), each handing in the
--topics modules (default: all five). `complete`: the reference solutions (the target of issue 21: 100 complete
five-topic submissions with --jobs 2 on 2 cores in at most 3 minutes). `mixed`: about half complete, a quarter with
a realistic bug from the test corpora or a topic left as the stub, some broken (a syntax error, a missing file,
an import error) and a few hostile (an endless loop, a process that exits, a memory hog, megabytes printed).

Each figure is the whole `python -m autograder grade-all` command, start-up included:
    baseline, --jobs J       the grader at --baseline (a git worktree in --work, run with this virtualenv)
    this tree, --jobs J      a first batch: its cache of the public inputs in a new, empty folder
    this tree, --seed S      a secret grading seed: every grading process draws its inputs in memory
    Dask, N workers          this tree on a LocalCluster of N single-threaded worker processes, each N of --workers
                             (a first batch too: the workers' cache folder is new for each cluster)
with the wall time, students per minute, the speedup over the baseline (Dask: over 1 worker) and the CPU time of
the command and every process it started (Dask: the cluster's too, which this script starts). All gradebooks of
the public inputs must be identical. The machine's load average is printed at the start and the end: on a shared
machine compare CPU times; the commands are printed so that the figures can be measured again on an idle one.
`--nbgrader N` then grades N complete students as notebooks in nbgrader's layout with `grade-all` on the
`submitted/` folder, and with `nbgrader autograde` (one assignment per topic) twice: as nbgrader does by itself
(each notebook run in a kernel) and with this course's configuration (the notebook files graded in the sandbox).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import corpus, mutate  # noqa: E402  (the realistic bugs of the test corpora)
from trees import BASELINE, Cpu, Tree, worktree  # noqa: E402  (beside this script)

ALL_TOPICS = ("mlp", "cnn", "rnn", "transformer", "optim")
NB_TOPICS = ("mlp", "cnn")  # the nbgrader comparison
BIN = Path(sys.executable).parent
HOSTILE = {
    "loop": ("mlp", "def tanh(z):\n", "def tanh(z):\n    while True:\n        pass\n"),
    "exit": ("cnn", "def relu_forward(z):\n", "def relu_forward(z):\n    import os; os._exit(1)\n"),
    "memory": ("mlp", "def softmax(z):\n", "def softmax(z):\n    hog = [bytearray(2**28) for _ in range(64)]\n"),
    "print": ("mlp", "def sigmoid(z):\n", "def sigmoid(z):\n    print('x' * 10**7)\n"),
}


def solution(topic: str) -> str:
    return (ROOT / "solutions" / f"{topic}.py").read_text()


def student_files(i: int, kind: str, topics: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """(kind, {topic file name: text}) for student i: complete, or a deterministic mix."""
    files = {f"{t}.py": solution(t) for t in topics}
    slot = i % 20
    if kind == "complete" or slot < 10:
        if slot in (1, 2):  # complete, as notebooks
            return "complete", {f"{t}.ipynb": (ROOT / "course" / "source" / t / f"{t}.ipynb").read_text()
                                for t in topics}
        return "complete", files
    bugs = {t: [b for b in module.BUGS if not b.xfail] for t, module in corpus("bugs").items()}
    if slot < 15:
        topic = topics[i % len(topics)]
        if slot == 14:  # one topic left as the stub
            files[f"{topic}.py"] = (ROOT / "assignments" / f"{topic}.py").read_text()
        else:
            bug = bugs[topic][(i // 2) % len(bugs[topic])]
            files[f"{topic}.py"] = mutate(files[f"{topic}.py"], bug.edits)
        return "partial", files
    if slot < 18:
        broken = ("syntax", "missing", "import")[slot - 15]
        first, last = f"{topics[0]}.py", f"{topics[-1]}.py"
        if broken == "syntax":
            files[first] = files[first].replace("def ", "def (", 1)
        elif broken == "missing":
            del files[last]
        else:
            files[last] = "import scipy_that_is_not_installed\n" + files[last]
        return "broken", files
    name = list(HOSTILE)[(i // 20 + slot - 18) % len(HOSTILE)]
    topic, old, new = HOSTILE[name]
    if topic not in topics:
        return "complete", files
    files[f"{topic}.py"] = mutate(files[f"{topic}.py"], [(old, new)])
    return "hostile", files


def write_class(root: Path, count: int, kind: str, topics: tuple[str, ...]) -> dict[str, int]:
    """The class in mixed layouts: a folder, loose `<student>_<topic>` files, or a zip per student."""
    kinds: dict[str, int] = {}
    for i in range(count):
        what, files = student_files(i, kind, topics)
        kinds[what] = kinds.get(what, 0) + 1
        student = f"s{i:03d}"
        layout = i % 3
        if layout == 0:
            for name, text in files.items():
                (root / student).mkdir(parents=True, exist_ok=True)
                (root / student / name).write_text(text)
        elif layout == 1:
            for name, text in files.items():
                (root / f"{student}_{name}").write_text(text)
        else:
            with zipfile.ZipFile(root / f"{student}.zip", "w") as archive:
                for name, text in files.items():
                    archive.writestr(f"work/{name}", text)
    return kinds


def timed(cmd: list[str], **kw) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the command and every process it started, the run)."""
    with Cpu() as cpu:
        start = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True, **kw)
        wall = time.perf_counter() - start
    return wall, cpu.seconds, run


def grade_all(tree: Tree, root: Path, out: Path, *args: str, show: bool = False) -> tuple[float, float]:
    """(wall, CPU) seconds of the whole command."""
    # before course/assignments.toml, --assignment named the gradebook's column; now it picks a declared
    # assignment, and grade-all grades the topics handed in by itself
    named = [] if (tree.path / "autograder" / "assignments.py").exists() else ["--assignment", "class"]
    argv = ["grade-all", str(root), "--out", str(out), "--quiet", *named, *args]
    if show:
        print(f"    {tree.shown(*argv)}")
    wall, cpu, run = timed([sys.executable, "-m", "autograder", *argv], cwd=tree.path, env=tree.env)
    if run.returncode not in (0, 1) or not (out / "gradebook.csv").exists():
        raise SystemExit(f"grade-all failed:\n{run.stdout}\n{run.stderr}")
    return wall, cpu


def nbgrader_course(work: Path, students: int, kernel: bool) -> tuple[Path, dict, list[str]]:
    """A copy of the course with `students` complete notebooks submitted. `kernel`: autograde as nbgrader does by
    itself (each notebook run in a kernel, test cells included), without the course's autograde preprocessors."""
    from test_nbgrader_flow import fill, nbgrader_env, solution_cells  # the nbgrader course flow the tests run

    course = work / "course"
    (course / "source").mkdir(parents=True)
    for topic in NB_TOPICS:
        shutil.copytree(ROOT / "course" / "source" / topic, course / "source" / topic)
    config = (ROOT / "course" / "nbgrader_config.py").read_text()
    if kernel:
        config = "\n".join(line for line in config.splitlines() if "autograde_preprocessors" not in line)
    (course / "nbgrader_config.py").write_text(config)
    (work / "home").mkdir(parents=True, exist_ok=True)
    env = nbgrader_env(work / "home")
    names = [f"n{i:02d}" for i in range(students)]
    (course / "students.csv").write_text("id,first_name,last_name,email\n" + "".join(f"{s},{s},S,\n" for s in names))
    nbgrader(course, env, "db", "student", "import", "students.csv")
    for topic in NB_TOPICS:
        nbgrader(course, env, "generate_assignment", topic)
        answers = solution_cells(course / "source" / topic / f"{topic}.ipynb")
        for s in names:
            folder = course / "submitted" / s / topic
            folder.mkdir(parents=True)
            shutil.copy(course / "release" / topic / f"{topic}.ipynb", folder / f"{topic}.ipynb")
            fill(folder / f"{topic}.ipynb", answers, [])
            (folder / "timestamp.txt").write_text("2024-03-01 10:00:00.000000 UTC")
    return course, env, names


def nbgrader(course: Path, env: dict, *args: str) -> float:
    wall, _, run = timed([str(BIN / "nbgrader"), *args], cwd=course, env=env, timeout=3600)
    if run.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}")
    return wall


def nbgrader_comparison(work: Path, students: int) -> None:
    print(f"\nnbgrader comparison: {students} complete students, topics {', '.join(NB_TOPICS)}, as notebooks")
    ours = None
    for kernel, label in ((True, "nbgrader autograde, its own flow (kernel)"),
                          (False, "nbgrader autograde, this course's config")):
        course, env, _ = nbgrader_course(work / ("kernel" if kernel else "course"), students, kernel)
        autograde = sum(nbgrader(course, env, "autograde", topic) for topic in NB_TOPICS)
        if ours is None:
            ours, _ = grade_all(Tree("this tree", ROOT), course / "submitted", work / "nb-out", "--jobs", "1")
            print(f"  {'grade-all --jobs 1':42} {ours:7.1f} s  {ours / students:6.2f} s per submission")
        print(f"  {label:42} {autograde:7.1f} s  {autograde / students:6.2f} s per submission "
              f"(grade-all {autograde / ours:.2f}x faster)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=100, help="students in the class (0: skip)")
    p.add_argument("--kind", choices=["complete", "mixed"], default="complete")
    p.add_argument("--topics", nargs="+", default=list(ALL_TOPICS))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--baseline", default=BASELINE, help="commit to compare with ('none': skip)")
    p.add_argument("--seed", type=int, default=31337, help="the secret grading seed of the seeded run (-1: skip)")
    p.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4], help="Dask LocalCluster sizes (none: skip)")
    p.add_argument("--nbgrader", type=int, default=0, help="students for the nbgrader comparison (0: skip)")
    p.add_argument("--work", type=Path, default=None)
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="class-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.count:
        grade_class(work, args)
    if args.nbgrader:
        nbgrader_comparison(work / "nbgrader", args.nbgrader)


def grade_class(work: Path, args) -> None:
    topics = tuple(args.topics)
    root = work / "class"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    kinds = write_class(root, args.count, args.kind, topics)
    print(f"class of {args.count} ({', '.join(topics)}) in {root}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    this = Tree("this tree", ROOT, Path(tempfile.mkdtemp(prefix="cache-", dir=work)))
    runs: dict[str, tuple[tuple[float, float], Path | None]] = {}

    def run(label: str, tree: Tree, *extra: str, compare: bool = True):
        out = work / f"out-{len(runs)}"
        shutil.rmtree(out, ignore_errors=True)
        print(f"  {label}:", flush=True)
        runs[label] = (grade_all(tree, root, out, *extra, show=True), out if compare else None)

    jobs = ["--jobs", str(args.jobs)]
    if args.baseline != "none":
        run(f"baseline {args.baseline}, --jobs {args.jobs}", Tree("baseline", worktree(args.baseline, work)), *jobs)
    run(f"this tree, --jobs {args.jobs}", this, *jobs)
    if args.seed >= 0:
        run(f"this tree, --jobs {args.jobs} --seed {args.seed}", this, *jobs, "--seed", str(args.seed), compare=False)
    for n in args.workers or []:
        from distributed import LocalCluster

        label = f"Dask LocalCluster, {n} worker{'s' if n > 1 else ''}"
        os.environ["AUTOGRADER_CACHE"] = tempfile.mkdtemp(prefix="dask-cache-", dir=work)  # a first batch, too
        with Cpu() as cpu:  # the cluster's processes are this script's: counted with the command
            start = time.perf_counter()
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                run(label, this, "--scheduler", cluster.scheduler_address)
        (wall, _), out = runs[label]
        runs[label] = ((wall, cpu.seconds), out)
        print(f"    (the cluster's start and stop took {time.perf_counter() - start - wall:.1f} s more)")
    first = next(iter(runs.values()))[0][0]
    dask_one = next((r[0][0] for label, r in runs.items() if label.endswith(" 1 worker")), None)
    print(f"\n{'':42} {'wall':>8} {'per min':>8} {'speedup':>8} {'CPU':>8}")
    for label, ((wall, cpu), _) in runs.items():
        base = dask_one if label.startswith("Dask") and dask_one else first
        print(f"{label:42} {wall:7.1f}s {60 * args.count / wall:8.1f} {base / wall:7.2f}x {cpu:7.1f}s")
    print("(speedup: over the first row; Dask rows: over 1 Dask worker; CPU: the command and everything it started)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    books = {label: (out / "gradebook.csv").read_text() for label, (_, out) in runs.items() if out is not None}
    reference = next(iter(books.values()))
    print("gradebooks identical: " + ("yes" if len(set(books.values())) == 1 else
                                       "NO: " + ", ".join(label for label in books if books[label] != reference)))
    ours = runs[f"this tree, --jobs {args.jobs}"][1]
    seconds = [json.loads(path.read_text())["seconds"] for path in (ours / "results").glob("*.json")]
    print(f"this tree, one submission inside a warm grading process: median {statistics.median(seconds):.2f} s, "
          f"max {max(seconds):.2f} s (the first of each process draws the inputs)")
    print((ours / "summary.txt").read_text())

if __name__ == "__main__":
    main()
