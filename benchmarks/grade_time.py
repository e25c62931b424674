"""How long grading takes, and where the time goes.

    python benchmarks/grade_time.py [--submission solutions] [--only mlp] [--repeat 3] [--profile]

Splits an in-process `grade` into time inside student code (as the worker measures it),
time in the torch oracle, and the rest: the grader's overhead (Hypothesis drawing and
shrinking, the worker round trips, comparison, the worker's start). Also times the whole
command `python -m autograder grade ...` (its own process, torch import included) and a
bare `import torch`, the floor DESIGN.md counts once. `--profile` also says where the grader's own time goes in
one in-process grade, after a first one (the inputs then come from the cache of draws, as for every student
after the first): waiting for the sandbox (the student's code and the worker), Hypothesis, the oracle (torch),
the wire (pickle, sockets), the cache of draws, the comparison, and the rest.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--submission", default="solutions")
    p.add_argument("--only", nargs="*", default=["mlp"])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--profile", action="store_true", help="where the grader's time goes (cProfile, by part)")
    args = p.parse_args()

    from autograder.model import catalog, select
    from autograder.grading import grade

    exercises = select(catalog(), args.only)
    runs = []
    for _ in range(args.repeat):
        report = grade(ROOT / args.submission, exercises)
        t = report.timing
        runs.append((t.total, t.student, t.oracle, t.total - t.student - t.oracle))
    score = f"{report.score:g}/{report.points:g}"
    cli = [wall([sys.executable, "-m", "autograder", "grade", args.submission, "--only", *args.only,
                 "--format", "json"]) for _ in range(args.repeat)]
    torch_import = statistics.median(wall([sys.executable, "-c", "import torch"]) for _ in range(3))

    total, student, oracle, overhead = (statistics.median(col) for col in zip(*runs))
    print(f"grading {args.submission} ({', '.join(args.only)}): {len(exercises)} exercises, score {score}, "
          f"median of {args.repeat}")
    print(f"  in-process grade        {total:7.3f} s")
    print(f"    student code          {student:7.3f} s  ({student / total:5.1%})")
    print(f"    oracle (torch)        {oracle:7.3f} s  ({oracle / total:5.1%})")
    print(f"    grader overhead       {overhead:7.3f} s  ({overhead / total:5.1%})")
    print(f"  `python -m autograder grade` wall  {statistics.median(cli):7.3f} s  (runs: "
          f"{', '.join(f'{c:.2f}' for c in cli)})")
    floor = student + oracle + torch_import
    print(f"  floor (student + oracle + import torch {torch_import:.2f} s) {floor:7.3f} s; "
          f"overhead / floor = {overhead / floor:.2f}")
    if args.profile:
        profile(lambda: grade(ROOT / args.submission, exercises))


PARTS = [  # (part, what a function's file or name contains), the first that matches
    ("waiting for the sandbox (student code, worker)", ("select.select", "method 'recv", "poll")),
    ("the wire: pickle, sockets, decoding replies", ("_pickle", "sendall", "sandbox/wire.py", "sandbox/host.py")),
    ("starting sandboxes", ("subprocess.py", "sandbox/isolation.py", "sandbox/pool.py", "fork_exec", "waitpid")),
    ("Hypothesis (drawing, shrinking)", ("/hypothesis/",)),
    ("the oracle (torch, reference/)", ("/torch/", "torch._C", "/reference/", "autograder/oracle.py")),
    ("the cache of draws (copies)", ("grading/cache.py",)),
    ("the comparison", ("autograder/compare.py",)),
    ("the grader's search and feedback", ("grading/search.py", "grading/session.py", "autograder/model.py")),
]


def profile(run) -> None:
    """One grade under cProfile; its functions' own time summed by part of the grader."""
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler).stats
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, _) in stats.items():
        where = f"{filename} {name}"
        part = next((label for label, marks in PARTS if any(m in where for m in marks)), "other (numpy, Python)")
        totals[part] = totals.get(part, 0.0) + own
    total = sum(totals.values())
    print(f"\nwhere one grade's time goes (cProfile, {total:.2f} s in the grading process):")
    for part, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {part:50} {seconds:7.3f} s  ({seconds / total:5.1%})")


if __name__ == "__main__":
    main()
