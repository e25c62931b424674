"""How long the class page takes to build: `write_class_page` on a class of synthetic results files.

    python benchmarks/class_page.py [--students 100] [--repeat 5] [--seed 0]

The class: --students results files of every exercise of every topic (the whole catalog, the largest page a
class can have), as `grade-all` writes them, each student's work drawn at random: an exercise full marks, left
unimplemented (its first check "not implemented", the others "not checked" after it), or partly wrong (some checks
a wrong value, half of those equal to one of the exercise's declared mistakes). The results are written to a
temporary OUT/results and read back as `report.class_results` reads them; every second student has a feedback page.

Printed: the time to read the files, and to build and write class.html (`write_class_page`, the histogram
included), each the median of --repeat runs, wall and CPU time; and the page's size. The first run, which pays
matplotlib's import, is printed apart.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.model import catalog  # noqa: E402


def synthetic_result(student: str, exercises, rng: random.Random) -> dict:
    """One student's results file as grade-all writes it (the fields the class page reads, and the rest's shape)."""
    out = []
    for ex in exercises:
        fate = rng.choices(["full", "unwritten", "wrong"], weights=[6, 1, 3])[0]
        function = ex.functions[0]
        checks = []
        for i, c in enumerate(ex.checks):
            if fate == "unwritten":
                kind = "not_implemented" if i == 0 else "not_checked"
                checks.append({"name": c.name, "score": 0.0, "max_score": c.points, "passed": False, "kind": kind,
                               "call": function, "message": f"{function} is not implemented yet", "mistakes": [],
                               "diagnosis": []})
            elif fate == "wrong" and rng.random() < 0.5:
                mistakes = [rng.choice(ex.mistakes).name] if ex.mistakes and rng.random() < 0.5 else []
                checks.append({"name": c.name, "score": 0.0, "max_score": c.points, "passed": False, "kind": "value",
                               "call": None, "message": f"{c.name} is wrong\nFailing input: ...", "mistakes": mistakes,
                               "diagnosis": []})
            else:
                checks.append({"name": c.name, "score": c.points, "max_score": c.points, "passed": True, "kind": None,
                               "call": None, "message": None, "mistakes": [], "diagnosis": []})
        out.append({"id": ex.id, "topic": ex.topic, "title": ex.title, "checks": checks,
                    "score": sum(c["score"] for c in checks), "max_score": ex.points})
    return {"submission": f"{student}'s submission", "score": sum(e["score"] for e in out),
            "max_score": sum(e["max_score"] for e in out), "not_gradable": {}, "seed": None,
            "exercises": out, "student": {"id": student, "name": f"Student {student}"}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--students", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    from autograder.batch.report import write_class_page
    from autograder.batch.run import load_result

    exercises = catalog()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        (out / "results").mkdir()
        (out / "feedback").mkdir()
        for i in range(args.students):
            student = f"s{i:04d}"
            (out / "results" / f"{student}.json").write_text(json.dumps(synthetic_result(student, exercises, rng)))
            if i % 2 == 0:
                (out / "feedback" / f"{student}.html").write_text("<p></p>")
        reads, builds = [], []
        for run in range(args.repeat + 1):
            wall, cpu = time.perf_counter(), time.process_time()
            results = [load_result(f) for f in sorted((out / "results").glob("*.json"))]
            read = (time.perf_counter() - wall, time.process_time() - cpu)
            wall, cpu = time.perf_counter(), time.process_time()
            write_class_page(out, results, exercises, "benchmark")
            build = (time.perf_counter() - wall, time.process_time() - cpu)
            if run == 0:
                print(f"first run (matplotlib imported): read {read[0]:.3f} s wall / {read[1]:.3f} s CPU, "
                      f"build {build[0]:.3f} s wall / {build[1]:.3f} s CPU")
            else:
                reads.append(read)
                builds.append(build)
        size = (out / "class.html").stat().st_size
    checks = sum(len(ex.checks) for ex in exercises)
    print(f"{args.students} students x {len(exercises)} exercises ({checks} checks each), median of {args.repeat}:")
    for label, runs in (("read the results files", reads), ("build and write class.html", builds)):
        print(f"  {label:28} {statistics.median(w for w, _ in runs):.3f} s wall, "
              f"{statistics.median(c for _, c in runs):.3f} s CPU")
    print(f"  class.html: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
