"""How fast the student's loop and one grade are, this tree against a baseline, in one run.

    python benchmarks/check_time.py [--baseline 309e4f5] [--repeat 5] [--submission solutions]

Measured, each the median of --repeat runs, wall-clock and CPU (the command and every process it started: its
sandboxes too, see trees.Cpu), alternating baseline and this tree so that both see the same load:

    floor                     python -c "import numpy, torch, hypothesis"
    check mlp.affine          python -m autograder check mlp.affine --submission S (warm: the public inputs on disk)
    check mlp                 the same for a whole topic
    check --watch, re-check   from a save of S/mlp.py to the line saying the check is done (mlp.affine)
    grade, first run          python -m autograder grade S (all five topics; this tree: an empty cache folder)
    grade, second run         the same again (this tree: the cache the first run wrote)

The baseline is the grader at --baseline, checked out into a git worktree (kept in --work) and run with this
virtualenv; this tree's cache goes to a folder of its own (AUTOGRADER_CACHE), never the user's. The load average
is printed at the start and the end: the machine is shared, so compare CPU times when the wall times are noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from trees import BASELINE, ROOT, Cpu, Tree, worktree  # beside this script


def timed(cmd: list[str], cwd: Path, env: dict, tries: int = 3) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process it started). The submission earns every point,
    so a run that does not (a sandbox killed from outside on a shared machine) is not a measurement: run again."""
    for _ in range(tries):
        with Cpu() as cpu:
            start = time.perf_counter()
            run = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            wall = time.perf_counter() - start
        if run.returncode == 0 and (not run.stdout.startswith("{") or _full_marks(run.stdout)):
            return wall, cpu.seconds
        print(f"  (a run without full marks, not counted: {' '.join(cmd[-4:])})", flush=True)
    raise SystemExit(f"{' '.join(cmd)} failed {tries} times in {cwd}")


def _full_marks(output: str) -> bool:
    result = json.loads(output)
    return result["score"] == result["max_score"]


def watch_recheck(tree: Tree, submission: Path, selector: str, saves: int) -> list[float]:
    """Seconds from each save of the topic file to the line `check --watch` prints when its check is done."""
    topic = selector.split(".")[0]
    proc = subprocess.Popen(tree.command("check", selector, "--watch", "--submission", str(submission)),
                            cwd=tree.path, env=dict(tree.env, PYTHONUNBUFFERED="1"), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    times = []
    try:
        _wait_for(lines, "watching", 300)
        source = submission / f"{topic}.py"
        for i in range(saves):
            time.sleep(1.0)  # the pool starts the next sandbox meanwhile, as it would while a student types
            start = time.perf_counter()
            source.write_text(source.read_text().rstrip("\n") + "\n" + "\n" * (i % 2))
            _wait_for(lines, "checked in", 120)
            times.append(time.perf_counter() - start)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return times


def _wait_for(lines: queue.Queue, text: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if text in lines.get(timeout=max(0.0, deadline - time.monotonic())):
                return
        except queue.Empty:
            break
    raise RuntimeError(f"no {text!r} from check --watch within {seconds} s")


def row(label: str, runs: list[tuple[float, float]]) -> str:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return (f"  {label:34} {statistics.median(walls):6.2f} s wall  {statistics.median(cpus):6.2f} s CPU   "
            f"(walls {', '.join(f'{w:.2f}' for w in walls)})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", default=BASELINE, help="commit to compare with ('none': this tree only)")
    p.add_argument("--submission", default="solutions")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "autograder-bench")
    args = p.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    submission = (ROOT / args.submission).resolve()
    warm_cache = Path(tempfile.mkdtemp(prefix="cache-", dir=args.work))
    trees = [Tree("this tree", ROOT, warm_cache)]
    if args.baseline != "none":
        trees.insert(0, Tree(f"baseline {args.baseline}", worktree(args.baseline, args.work), None))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
          f"median of {args.repeat} runs, submission {submission}")
    for tree in trees:
        print(f"  {tree.label}: {tree.shown('check', 'mlp.affine', '--submission', str(submission))}")
    results: dict[str, dict[str, list]] = {t.label: {} for t in trees}

    def measure(name: str, tree: Tree, cmd: list[str], env: dict | None = None):
        results[tree.label].setdefault(name, []).append(timed(cmd, tree.path, env or tree.env))

    floor = [sys.executable, "-c", "import numpy, torch, hypothesis"]
    for tree in trees:  # a first run of each: the disk cache of this tree filled, files in the page cache
        timed(tree.command("check", "mlp", "--submission", str(submission)), tree.path, tree.env)
    for _ in range(args.repeat):
        for tree in trees:
            measure("floor: import numpy, torch, hypothesis", tree, floor)
            measure("check mlp.affine", tree, tree.command("check", "mlp.affine", "--submission", str(submission)))
            measure("check mlp", tree, tree.command("check", "mlp", "--submission", str(submission)))
    for _ in range(max(1, args.repeat // 2)):
        for tree in trees:
            cold = tempfile.mkdtemp(prefix="cold-", dir=args.work)
            env = dict(tree.env, AUTOGRADER_CACHE=cold) if "AUTOGRADER_CACHE" in tree.env else tree.env
            cmd = tree.command("grade", str(submission), "--format", "json")
            measure("grade, first run", tree, cmd, env)
            measure("grade, second run", tree, cmd, env)
    for tree in trees:
        copy = Path(tempfile.mkdtemp(prefix="watched-", dir=args.work))
        shutil.copy(submission / "mlp.py", copy / "mlp.py")
        saves = watch_recheck(tree, copy, "mlp.affine", args.repeat)
        results[tree.label]["check --watch mlp.affine, re-check"] = [(t, float("nan")) for t in saves]
    for tree in trees:
        print(f"\n{tree.label}:")
        for name, runs in results[tree.label].items():
            print(row(name, runs))
        floor_wall = statistics.median(w for w, _ in results[tree.label]["floor: import numpy, torch, hypothesis"])
        affine = statistics.median(w for w, _ in results[tree.label]["check mlp.affine"])
        print(f"  check mlp.affine - floor: {affine - floor_wall:+.2f} s ({affine / floor_wall:.2f} x the floor)")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (the CPU figures depend far less on it than wall)")


if __name__ == "__main__":
    main()
