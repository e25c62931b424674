"""How long grading takes, and where the time goes.

    python benchmarks/grade_time.py [--submission solutions] [--only mlp] [--repeat 3]

Splits an in-process `grade` into time inside student code (as the worker measures it),
time in the torch oracle, and the rest: the grader's overhead (Hypothesis drawing and
shrinking, the worker round trips, comparison, the worker's start). Also times the whole
command `python -m autograder grade ...` (its own process, torch import included) and a
bare `import torch`, the floor DESIGN.md counts once.
"""
from __future__ import annotations

import argparse
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


if __name__ == "__main__":
    main()
