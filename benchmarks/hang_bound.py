"""What a topic whose every function hangs costs: `grade --only TOPIC` of such a module, wall-clock and CPU time.

    python benchmarks/hang_bound.py [--topic mlp] [--hang sleep busy] [--tree PATH] [--isolation posix]

Each graded function's body (the solution region of `solutions/<topic>.py`) is replaced by a hang that swallows
every exception, so nothing but SIGKILL stops it:

    sleep   `while True: try: time.sleep(1) except BaseException: pass`      (no CPU used: waits)
    busy    signals ignored, then `while True: try: pass except BaseException: pass`  (one core, all the time)

`--tree` grades with the grader of another checkout (e.g. a worktree of an older commit) in this virtualenv;
`--limit` stops a run after that many seconds (the old grader did not finish a sleeping mlp in 7 minutes).
CPU time is the grader's and every process it started and reaped (the sandbox's included).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANGS = {
    "sleep": "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except BaseException:\n        pass",
    "busy": ("import signal\nfor s in range(1, 65):\n    try:\n        signal.signal(s, signal.SIG_IGN)\n"
             "    except (OSError, ValueError, RuntimeError):\n        pass\nwhile True:\n    try:\n        pass\n"
             "    except BaseException:\n        pass"),
}


def hanging_module(topic: str, hang: str) -> str:
    """solutions/<topic>.py with every solution region replaced by `hang`."""
    source = (ROOT / "solutions" / f"{topic}.py").read_text()
    region = re.compile(r"^( *)### BEGIN SOLUTION\n.*?^\1### END SOLUTION\n", re.MULTILINE | re.DOTALL)
    return region.sub(lambda m: "".join(f"{m.group(1)}{line}\n" for line in HANGS[hang].splitlines()), source)


def measure(tree: Path, topic: str, hang: str, limit: float, isolation: str | None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"{topic}.py").write_text(hanging_module(topic, hang))
        env = dict(os.environ, PYTHONPATH=str(tree))
        if isolation:
            env["AUTOGRADER_ISOLATION"] = isolation
        before, start = os.times(), time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "autograder", "grade", folder, "--only", topic,
                                   "--format", "json"], cwd=tree, env=env, capture_output=True, text=True,
                                  timeout=limit, start_new_session=True)
            finished = done.returncode == 0
        except subprocess.TimeoutExpired:
            finished = False
        wall = time.perf_counter() - start
        after = os.times()
    return {"wall": wall, "cpu": after.children_user + after.children_system - before.children_user
            - before.children_system, "finished": finished}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--topic", default="mlp")
    p.add_argument("--hang", nargs="+", default=list(HANGS), choices=list(HANGS))
    p.add_argument("--tree", type=Path, default=ROOT)
    p.add_argument("--limit", type=float, default=1800.0, help="stop a run after this many seconds")
    p.add_argument("--isolation", choices=["bwrap", "posix", "portable"])
    args = p.parse_args()
    for hang in args.hang:
        got = measure(args.tree.resolve(), args.topic, hang, args.limit, args.isolation)
        state = "graded" if got["finished"] else f"still running at {args.limit:g} s: stopped"
        print(f"{args.topic}, every function {hang:5}: {got['wall']:6.1f} s wall, {got['cpu']:6.1f} s CPU ({state})",
              flush=True)


if __name__ == "__main__":
    main()
