"""Grading a class: wall time, submissions per minute and speedup of `grade-all`, against `nbgrader autograde`.

    python benchmarks/class_batch.py [--count 100] [--nbgrader 10] [--work DIR] [--skip-dask]

Builds a mixed class of `--count` submissions in several layouts (a folder, loose files, a zip per student,
modules and notebooks): about half complete, a quarter with a realistic bug from the test corpora or a topic
left as the stub, some broken (a syntax error, a missing file, an import error) and a few hostile (an endless
loop, a process that exits, a memory hog, megabytes printed). Grades it with 1 and 2 local grading processes
and on a 2-worker Dask LocalCluster (each the whole `python -m autograder grade-all` command, start-up
included), checks the three gradebooks are identical, and reports the CPU time of one complete submission.
Then grades `--nbgrader` complete students as notebooks in nbgrader's layout with `grade-all` on the `submitted/`
folder, and with `nbgrader autograde` (one assignment per topic) twice: as nbgrader does by itself (each notebook
run in a kernel, test cells included) and with this course's configuration (the notebook files graded in the
sandbox, no kernel). `--count 0` skips the class, `--nbgrader 0` the comparison.
"""
from __future__ import annotations

import argparse
import os
import resource
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

TOPICS = ("mlp", "cnn")
BIN = Path(sys.executable).parent
HOSTILE = {
    "loop": ("mlp", "def tanh(z):\n", "def tanh(z):\n    while True:\n        pass\n"),
    "exit": ("cnn", "def relu_forward(z):\n", "def relu_forward(z):\n    import os; os._exit(1)\n"),
    "memory": ("mlp", "def softmax(z):\n", "def softmax(z):\n    hog = [bytearray(2**28) for _ in range(64)]\n"),
    "print": ("mlp", "def sigmoid(z):\n", "def sigmoid(z):\n    print('x' * 10**7)\n"),
}


def solution(topic: str) -> str:
    return (ROOT / "solutions" / f"{topic}.py").read_text()


def student_files(i: int) -> tuple[str, dict[str, str]]:
    """(kind, {topic file name: text}) for student i: a deterministic mix."""
    bugs = {t: [b for b in module.BUGS if not b.xfail] for t, module in corpus("bugs").items()}
    files = {f"{t}.py": solution(t) for t in TOPICS}
    slot = i % 20
    if slot < 10:
        if slot in (1, 2):  # complete, as notebooks
            return "complete", {f"{t}.ipynb": (ROOT / "course" / "source" / t / f"{t}.ipynb").read_text() for t in TOPICS}
        return "complete", files
    if slot < 15:
        topic = TOPICS[i % 2]
        if slot == 14:  # one topic left as the stub
            files[f"{topic}.py"] = (ROOT / "assignments" / f"{topic}.py").read_text()
        else:
            bug = bugs[topic][(i // 2) % len(bugs[topic])]
            files[f"{topic}.py"] = mutate(files[f"{topic}.py"], bug.edits)
        return "partial", files
    if slot < 18:
        kind = ("syntax", "missing", "import")[slot - 15]
        if kind == "syntax":
            files["mlp.py"] = files["mlp.py"].replace("def tanh(z):", "def tanh(z)", 1)
        elif kind == "missing":
            del files["cnn.py"]
        else:
            files["cnn.py"] = "import scipy_that_is_not_installed\n" + files["cnn.py"]
        return "broken", files
    name = list(HOSTILE)[(i // 20 + slot - 18) % len(HOSTILE)]
    topic, old, new = HOSTILE[name]
    files[f"{topic}.py"] = mutate(files[f"{topic}.py"], [(old, new)])
    return "hostile", files


def write_class(root: Path, count: int) -> dict[str, int]:
    """The class in mixed layouts: a folder, loose `<student>_<topic>` files, or a zip per student."""
    kinds: dict[str, int] = {}
    for i in range(count):
        kind, files = student_files(i)
        kinds[kind] = kinds.get(kind, 0) + 1
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
    """(wall seconds, CPU seconds of the command and its children, the run)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, run


def grade_all(root: Path, out: Path, *args: str) -> tuple[float, float]:
    """(wall, CPU) seconds of the whole command (the Dask workers' CPU is not counted: other processes)."""
    wall, cpu, run = timed([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--quiet",
                          "--assignment", "class", *args], cwd=ROOT)
    if run.returncode not in (0, 1):
        raise SystemExit(f"grade-all failed:\n{run.stdout}\n{run.stderr}")
    return wall, cpu


def nbgrader_course(work: Path, students: int, kernel: bool) -> tuple[Path, dict, list[str]]:
    """A copy of the course with `students` complete notebooks submitted. `kernel`: autograde as nbgrader does by
    itself (each notebook run in a kernel, test cells included), without the course's autograde preprocessors."""
    from test_nbgrader_flow import fill, nbgrader_env, solution_cells  # the nbgrader course flow the tests run

    course = work / "course"
    (course / "source").mkdir(parents=True)
    for topic in TOPICS:
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
    for topic in TOPICS:
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
    print(f"\nnbgrader comparison: {students} complete students, topics {', '.join(TOPICS)}, as notebooks")
    ours = None
    for kernel, label in ((True, "nbgrader autograde, its own flow (kernel)"),
                          (False, "nbgrader autograde, this course's config")):
        course, env, _ = nbgrader_course(work / ("kernel" if kernel else "course"), students, kernel)
        autograde = sum(nbgrader(course, env, "autograde", topic) for topic in TOPICS)
        if ours is None:
            ours, _ = grade_all(course / "submitted", work / "nb-out", "--jobs", "1")
            print(f"  {'grade-all --jobs 1':42} {ours:7.1f} s  {ours / students:6.2f} s per submission")
        print(f"  {label:42} {autograde:7.1f} s  {autograde / students:6.2f} s per submission "
              f"(grade-all {autograde / ours:.2f}x faster)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=100, help="students in the class (0: skip)")
    p.add_argument("--nbgrader", type=int, default=10, help="students for the nbgrader comparison (0: skip)")
    p.add_argument("--work", type=Path, default=None)
    p.add_argument("--skip-dask", action="store_true")
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="class-batch-"))
    if args.count:
        grade_class(work, args)
    if args.nbgrader:
        nbgrader_comparison(work / "nbgrader", args.nbgrader)


def grade_class(work: Path, args) -> None:
    root = work / "class"
    root.mkdir(parents=True, exist_ok=True)
    kinds = write_class(root, args.count)
    print(f"class of {args.count} in {root}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")

    wall, cpu, run = timed([sys.executable, "-m", "autograder", "grade", "solutions", "--format", "json"], cwd=ROOT)
    print(f"one complete submission ({', '.join(TOPICS)}), `grade` command: {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU (torch import included)")

    runs = {}
    for label, extra in (("1 local process", ["--jobs", "1"]), ("2 local processes", ["--jobs", "2"])):
        runs[label] = (grade_all(root, work / f"out-{len(runs)}", *extra), work / f"out-{len(runs)}")
    if not args.skip_dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            runs["Dask LocalCluster, 2 workers"] = (grade_all(root, work / "out-dask", "--scheduler",
                                                              cluster.scheduler_address), work / "out-dask")
    base = runs["1 local process"][0][0]
    print(f"\n{'':32} {'wall':>8} {'per min':>8} {'speedup':>8} {'CPU':>8}")
    for label, ((wall, cpu), _) in runs.items():
        print(f"{label:32} {wall:7.1f}s {60 * args.count / wall:8.1f} {base / wall:7.2f}x {cpu:7.1f}s"
              + ("  (the Dask workers' CPU is not counted)" if "Dask" in label else ""))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    books = {label: (out / "gradebook.csv").read_text() for label, (_, out) in runs.items()}
    print("gradebooks identical: " + ("yes" if len(set(books.values())) == 1 else "NO"))
    import json

    one = runs["1 local process"][1]
    complete = [json.loads(p.read_text())["seconds"] for p in (one / "results").glob("*.json")
                if json.loads(p.read_text())["score"] == json.loads(p.read_text())["max_score"]]
    if complete:
        print(f"complete submissions inside a warm grading process: median {statistics.median(complete):.2f} s, "
              f"max {max(complete):.2f} s ({len(complete)} of them)")
    print((one / "summary.txt").read_text())


if __name__ == "__main__":
    main()
