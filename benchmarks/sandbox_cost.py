"""What the sandbox costs: grade time of `solutions/` per topic, old isolation against new.

    python benchmarks/sandbox_cost.py [--baseline COMMIT] [--repeat 5] [--isolation auto posix portable]

The baseline is the grader as it was at COMMIT (default: the last commit before the bubblewrap sandbox,
one worker process per topic with rlimits and `unshare`), checked out into a temporary git worktree and
run with this virtualenv. Each variant grades each topic of this tree's `solutions/` in its own process:
one warm-up grade (torch, the oracle's first call), then `--repeat` timed in-process `grade` calls, whose
median is reported: wall-clock time, and CPU time of the grader and every process it started (the sandbox's
included: each variant runs in a cpuacct cgroup of its own, where the machine has one and we are root; else the
grader and the children it reaped), which depends far less on how busy the machine is.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "ab005ec"  # "Shared interfaces: ...": the worker of the old sandbox, before issue 7

MEASURE = """
import json, os, sys, time
from pathlib import Path
from autograder.model import catalog, select
from autograder.grading import grade
topic, submission, repeat, usage = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def cpu_seconds():
    if usage:
        return int(Path(usage).read_text()) / 1e9
    return sum(os.times()[:4])  # user and system, own and of reaped children

exercises = select(catalog(), [topic])
grade(submission, exercises)  # warm-up
times, cpu, scores = [], [], set()
for _ in range(repeat):
    start, before = time.perf_counter(), cpu_seconds()
    report = grade(submission, exercises)
    times.append(time.perf_counter() - start)
    cpu.append(cpu_seconds() - before)
    scores.add(f"{report.score:g}/{report.points:g}")
print(json.dumps({"times": times, "cpu": cpu, "scores": sorted(scores)}))
"""


CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def run(tree: Path, topic: str, repeat: int, isolation: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("AUTOGRADER_ISOLATION", None)
    if isolation:
        env["AUTOGRADER_ISOLATION"] = isolation
    group = CPUACCT / f"autograder-bench-{os.getpid()}"
    try:
        group.mkdir()
    except OSError:
        group = None
    command = [sys.executable, "-c", MEASURE, topic, str(ROOT / "solutions"), str(repeat),
               str(group / "cpuacct.usage") if group else ""]
    if group:  # the measuring process joins the cgroup before it starts anything
        command = ["/bin/sh", "-c", f'echo $$ > {group / "cgroup.procs"} && exec "$@"', "sh", *command]
    try:
        out = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=True)
    finally:
        if group:
            for _ in range(100):
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", default=BASELINE, help="commit of the old isolation ('' to skip)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--isolation", nargs="*", default=["auto"], help="levels of this tree to time")
    p.add_argument("--topics", nargs="*", default=None)
    args = p.parse_args()

    sys.path.insert(0, str(ROOT))
    from autograder.model import topics

    chosen = args.topics or topics()
    variants: list[tuple[str, Path, str | None]] = []
    with tempfile.TemporaryDirectory(prefix="sandbox-cost-") as tmp:
        if args.baseline:
            old = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(old), args.baseline], cwd=ROOT, check=True,
                           capture_output=True)
            variants.append((f"old ({args.baseline})", old, None))
        variants += [(f"new: {level}", ROOT, None if level == "auto" else level) for level in args.isolation]
        try:
            results = {v[0]: {t: [] for t in chosen} for v in variants}
            cpu = {v[0]: {t: [] for t in chosen} for v in variants}
            scores = {v[0]: {t: set() for t in chosen} for v in variants}
            for topic in chosen:
                for label, tree, level in variants:
                    got = run(tree, topic, args.repeat, level)
                    results[label][topic] += got["times"]
                    cpu[label][topic] += got["cpu"]
                    scores[label][topic] |= set(got["scores"])
        finally:
            if args.baseline:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)

    print(f"grade time of solutions/, median of {args.repeat} in-process grades per topic "
          f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}); wall clock, then CPU time")
    print(f"{'variant':24}" + "".join(f"{t:>34}" for t in chosen))
    base = variants[0][0]
    for label, _, _ in variants:
        cells = []
        for topic in chosen:
            cell = ""
            for table in (results, cpu):
                median = statistics.median(table[label][topic])
                extra = "" if label == base or not args.baseline else \
                    f" ({median / statistics.median(table[base][topic]) - 1:+.0%})"
                cell += f"{median:6.2f} s{extra:>7} "
            cells.append(cell + f"{'/'.join(sorted(scores[label][topic])):>6}")
        print(f"{label:24}" + "".join(f"{c:>34}" for c in cells))


if __name__ == "__main__":
    main()
