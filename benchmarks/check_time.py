"""How fast the student's loop is: `check`'s first line, `check TOPIC.EXERCISE`, `check TOPIC`, and the start-up floor.

    python benchmarks/check_time.py [--submission solutions] [--repeat 5]

The floor is what any check pays before grading: Python with NumPy, torch and Hypothesis imported. A
one-exercise check should cost that plus the exercise (DESIGN.md: within 0.5 s of the floor). The time to the
first line is measured to the moment `check` has written it (it prints before importing torch).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str]) -> tuple[float, float]:
    """(seconds to the first line of output, seconds to the end)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.readline()
    first = time.perf_counter() - start
    proc.communicate()
    return first, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--submission", default="solutions")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    py = sys.executable
    runs = {
        "floor: import numpy, torch, hypothesis": [py, "-c", "import numpy, torch, hypothesis; print()"],
        "check mlp.affine": [py, "-m", "autograder", "check", "mlp.affine", "--submission", args.submission],
        "check mlp": [py, "-m", "autograder", "check", "mlp", "--submission", args.submission],
    }
    print(f"median of {args.repeat} runs, submission {args.submission}:")
    for label, cmd in runs.items():
        firsts, totals = zip(*(wall(cmd) for _ in range(args.repeat)))
        print(f"  {label:40} {statistics.median(totals):6.2f} s   (first line after "
              f"{statistics.median(firsts):.2f} s; runs {', '.join(f'{t:.2f}' for t in totals)})")


if __name__ == "__main__":
    main()
