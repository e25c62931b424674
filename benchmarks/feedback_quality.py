"""How good the feedback is on the project's own buggy-submission corpus (tests/bugs_<topic>.py).

    python benchmarks/feedback_quality.py [--topics mlp cnn] [--limit N] [--json OUT]

Every bug of the corpus is graded as a one-topic submission, and its feedback is read as a student reads it
(the text output, rendered 80 columns wide). Four figures:

- right check:   the checks that fail are exactly the ones the bug lives in (the corpus's `fails` set);
- small input:   of the bugs whose feedback shows an input, the share where every shown array is at most 3
                 long along every axis (read off the text: the shape a pasted input states, or its brackets);
- misconception: the share whose feedback names what is wrong beyond "expected vs got": a named mistake
                 ("Likely mistake: ..."), a pattern read off the inputs ("Pattern: ..."), or an exact
                 factor / transpose / sign hint;
- lines:         the median number of 80-column lines of feedback per failing exercise.

The figures are read from text only, so the script measures any version of the grader the same way.

Measured on this machine (2 cores), the corpus of the time:
                                    before issue 11 (84 bugs)   after (95 bugs)    all five topics (215 bugs, idle)
    right check(s)                  100.0 %                     98.9 %             100.0 %
    an input at most 3 along axes    33.3 %                     47.4 %              47.4 % (cnn 65, rnn 57, optim 56,
                                                                                           mlp 33, transformer 18)
    misconception named              16.7 %                     58.9 %              68.8 % (optim 85, cnn 79, rnn 73,
                                                                                           transformer 68, mlp 42)
    median / max lines per exercise  26.5 / 1047                26 / 221            34 / 276
Network, CIFAR, training and attention inputs cannot be 3 long along every axis (a 32 x 32 image; heads x d_k).
"""
from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

INPUT_HEADERS = ("Smallest failing input", "Input:", "On this input", "Failing input", "Input (")
NAMING = re.compile(r"Likely mistake:|Pattern:|times the expected|transpose of the expected|opposite sign")
NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|inf|nan"


def shown_inputs(message: str) -> list[str]:
    """The `name = value` entries of every input block in a feedback message."""
    entries, inside = [], False
    for line in message.splitlines():
        stripped = line.strip()
        if any(stripped.startswith(h) for h in INPUT_HEADERS):
            inside = True
            continue
        if inside:
            if re.match(r"^[A-Za-z_][\w\[\]'\"]* = ", stripped):
                entries.append(stripped)
            elif entries and stripped and re.match(r"^[\[\]\d\-+., eE()]+", stripped):
                entries[-1] += " " + stripped  # a continuation line of a multi-line array
            else:
                inside = False
    return entries


def largest_axis(entry: str) -> int:
    """The longest axis of the value in a `name = value` entry (0 for a scalar; a large number when cut)."""
    stated = re.search(r"shape \(([\d, ]*)\)", entry)
    if stated:
        return max((int(s) for s in stated.group(1).replace(" ", "").split(",") if s), default=0)
    value = entry.split(" = ", 1)[1]
    if "..." in value:
        return 10**6  # summarised: far more than 3
    tokens = re.findall(r"\[|\]|" + NUMBER, value)
    stack, longest = [[]], 0
    for token in tokens:
        if token == "[":
            stack.append([])
        elif token == "]":
            done = stack.pop()
            longest = max(longest, len(done))
            if stack:
                stack[-1].append(done)
        elif stack:
            stack[-1].append(token)
    return longest


def display_lines(text: str, width: int = 80) -> int:
    return sum(max(1, math.ceil(len(line) / width)) for line in text.splitlines())


def measure(topics: list[str], limit: int | None) -> dict:
    from autograder.outputs.text import exercise_text
    from conftest import corpus, failing, grade_source, mutate, solution_source

    rows = []
    for topic, module in corpus("bugs").items():
        if topics and topic not in topics:
            continue
        for bug in module.BUGS[:limit]:
            with tempfile.TemporaryDirectory() as folder:
                report = grade_source(Path(folder), topic, mutate(solution_source(topic), bug.edits))
            text = {e.id: exercise_text(e) for e in report.exercises if e.score < e.points}
            messages = [c.message for e in report.exercises for c in e.checks if c.message]
            entries = [entry for m in messages for entry in shown_inputs(m)]
            axes = [largest_axis(entry) for entry in entries]
            rows.append({
                "bug": f"{topic}.{bug.id}",
                "right_check": failing(report) == bug.fails,
                "shows_input": bool(entries),
                "small_input": bool(entries) and max(axes) <= 3,
                "largest_axis": max(axes, default=None),
                "names_misconception": any(NAMING.search(m) for m in messages),
                "lines": [display_lines(t) for t in text.values()],
            })
            print(f"  {rows[-1]['bug']:55} right={rows[-1]['right_check']!s:5} "
                  f"axis={rows[-1]['largest_axis']!s:7} named={rows[-1]['names_misconception']!s:5} "
                  f"lines={rows[-1]['lines']}", flush=True)
    return {"rows": rows}


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    with_input = [r for r in rows if r["shows_input"]]
    lines = [x for r in rows for x in r["lines"]]
    return {
        "bugs": n,
        "right_check": sum(r["right_check"] for r in rows) / n,
        "shows_input": len(with_input) / n,
        "small_input_of_shown": sum(r["small_input"] for r in with_input) / max(1, len(with_input)),
        "names_misconception": sum(r["names_misconception"] for r in rows) / n,
        "median_lines_per_failing_exercise": statistics.median(lines) if lines else 0,
        "max_lines_per_failing_exercise": max(lines, default=0),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--topics", nargs="*", default=[])
    p.add_argument("--limit", type=int, default=None, help="at most N bugs per topic")
    p.add_argument("--json", help="also write every row and the summary here")
    args = p.parse_args()
    start = time.perf_counter()
    rows = measure(args.topics, args.limit)["rows"]
    result = summary(rows)
    print(f"\n{result['bugs']} buggy submissions, {time.perf_counter() - start:.0f} s")
    print(f"  feedback names the right check(s)            {result['right_check']:6.1%}")
    print(f"  feedback shows an input                      {result['shows_input']:6.1%}")
    print(f"    ... at most 3 along every axis             {result['small_input_of_shown']:6.1%}")
    print(f"  feedback names the misconception             {result['names_misconception']:6.1%}")
    print(f"  median lines per failing exercise (80 cols)  {result['median_lines_per_failing_exercise']:6g}"
          f"   (max {result['max_lines_per_failing_exercise']})")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": result, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
