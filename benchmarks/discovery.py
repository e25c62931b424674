"""Discovering a class: wall and CPU time, and peak memory, of `grade-all`'s discovery (no grading).

    python benchmarks/discovery.py [--students 100] [--big 3] [--work DIR]

Builds a class of `--students` folders (mlp.py and cnn.py each, some as notebooks, some named for no topic so
their functions decide) where `--big` students also hand in a 20 MiB file whose name names no topic: a notebook
whose outputs hold images (base64), a module holding a data table, a module of 20 MiB of `x=1` (the worst case
for a parser), in turn. Then runs discovery in a fresh process (`autograder.batch.discover.discover`, the
checkout this script sits in) and prints its wall and CPU time and its peak RSS. To compare with another
checkout, copy this script into it and run it there with that checkout's Python.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIG = 20 * 2**20 - 4096  # just under discovery's 20 MiB limit: still a candidate
MEASURE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from autograder.batch.discover import discover
from autograder.model import catalog
exercises = catalog()
wall, cpu = time.perf_counter(), time.process_time()
subs = discover({cls!r}, exercises)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(len(subs), sum(len(s.files) for s in subs), round(wall, 2), round(cpu, 2),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def big_file(kind: int) -> tuple[str, bytes]:
    """(name, contents) of a 20 MiB file that names no topic."""
    if kind == 0:
        image = base64.b64encode(os.urandom(BIG * 3 // 4 - 4096)).decode()
        nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["def tanh(z):\n",
                                                                                               "    return z\n"],
                         "outputs": [{"output_type": "display_data", "metadata": {},
                                      "data": {"image/png": image}}]}],
              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        return "work.ipynb", json.dumps(nb).encode()
    if kind == 1:
        row = b"    [" + b", ".join(b"0.123456789" for _ in range(16)) + b"],\n"
        return "data.py", b"TABLE = [\n" + row * ((BIG - 16) // len(row)) + b"]\n"
    return "scratch.py", b"x=1\n" * (BIG // 4)


def build(folder: Path, students: int, big: int) -> None:
    mlp = (ROOT / "solutions" / "mlp.py").read_bytes()
    cnn = (ROOT / "solutions" / "cnn.py").read_bytes()
    notebook = (ROOT / "course" / "source" / "mlp" / "mlp.ipynb").read_bytes()
    for i in range(students):
        student = folder / f"student{i:03d}"
        student.mkdir(parents=True)
        (student / ("mlp.ipynb" if i % 5 == 0 else "mlp.py")).write_bytes(notebook if i % 5 == 0 else mlp)
        (student / ("cnn.py" if i % 3 else "homework.py")).write_bytes(cnn)  # homework.py: by its functions
        if i < big:
            name, data = big_file(i % 3)
            (student / name).write_bytes(data)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=100)
    p.add_argument("--big", type=int, default=3, help="students who also hand in a 20 MiB file")
    p.add_argument("--work", type=Path, default=None, help="build the class here (default: a temporary folder)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="discovery-") as tmp:
        folder = (args.work or Path(tmp)) / "class"
        start = time.perf_counter()
        build(folder, args.students, args.big)
        print(f"built {args.students} students ({args.big} with a 20 MiB file) in {time.perf_counter() - start:.1f} s")
        run = subprocess.run([sys.executable, "-c", MEASURE.format(root=str(ROOT), cls=str(folder))],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr[-2000:])
            return 1
        n, files, wall, cpu, rss = run.stdout.split()
        print(f"discovery: {n} students, {files} files chosen: {wall} s wall, {cpu} s CPU, peak RSS {rss} MiB "
              f"(checkout {ROOT})")
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (16 * 2**30, 16 * 2**30))  # a parser's blow-up fails, not the machine
    sys.exit(main())
