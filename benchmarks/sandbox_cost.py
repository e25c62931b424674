"""What the sandbox costs: grade time of `solutions/` per topic, old isolation against new.

    python benchmarks/sandbox_cost.py [--baseline COMMIT] [--repeat 5] [--isolation auto posix portable]

The baseline is the grader as it was at COMMIT (default: the last commit before the bubblewrap sandbox,
one worker process per topic with rlimits and `unshare`), checked out into a temporary git worktree and
run with this virtualenv. Each variant grades each topic of this tree's `solutions/` in its own process:
one warm-up grade (torch, the oracle's first call), then `--repeat` timed in-process `grade` calls, whose
median is reported. Variants run interleaved, so a change in the machine's load hits them alike.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "ab005ec"  # "Shared interfaces: ...": the worker of the old sandbox, before issue 7

MEASURE = """
import json, sys, time
from pathlib import Path
from autograder.model import catalog, select
from autograder.grading import grade
topic, submission, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
exercises = select(catalog(), [topic])
grade(submission, exercises)  # warm-up
times, scores = [], set()
for _ in range(repeat):
    start = time.perf_counter()
    report = grade(submission, exercises)
    times.append(time.perf_counter() - start)
    scores.add(f"{report.score:g}/{report.points:g}")
print(json.dumps({"times": times, "scores": sorted(scores)}))
"""


def run(tree: Path, topic: str, repeat: int, isolation: str | None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("AUTOGRADER_ISOLATION", None)
    if isolation:
        env["AUTOGRADER_ISOLATION"] = isolation
    out = subprocess.run([sys.executable, "-c", MEASURE, topic, str(ROOT / "solutions"), str(repeat)],
                         cwd=tree, env=env, capture_output=True, text=True, check=True)
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
            scores = {v[0]: {t: set() for t in chosen} for v in variants}
            for topic in chosen:
                for label, tree, level in variants:
                    got = run(tree, topic, args.repeat, level)
                    results[label][topic] += got["times"]
                    scores[label][topic] |= set(got["scores"])
        finally:
            if args.baseline:
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)

    print(f"grade time of solutions/, median of {args.repeat} in-process grades per topic "
          f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.2f})")
    header = f"{'variant':24}" + "".join(f"{t:>22}" for t in chosen)
    print(header)
    base = variants[0][0]
    for label, _, _ in variants:
        cells = []
        for topic in chosen:
            median = statistics.median(results[label][topic])
            extra = "" if label == base or not args.baseline else \
                f" ({median / statistics.median(results[base][topic]) - 1:+.0%})"
            cells.append(f"{median:7.2f} s{extra:>7} {'/'.join(sorted(scores[label][topic])):>6}")
        print(f"{label:24}" + "".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
