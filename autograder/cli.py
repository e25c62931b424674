"""python -m autograder {list, check, grade, build, release}."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder import outputs
from autograder.course.build import ROOT, build
from autograder.outputs.text import exercise_text, summary
from autograder.model import catalog, select


def cmd_list(args) -> int:
    exercises = catalog()
    if args.format == "json":
        print(json.dumps([{"id": e.id, "topic": e.topic, "title": e.title, "points": e.points,
                           "checks": [{"name": c.name, "points": c.points} for c in e.checks]}
                          for e in exercises], indent=2))
    else:
        for e in exercises:
            print(f"{e.id:32} {e.points:>5g}  {e.title}")
        print(f"{len(exercises)} exercises, {sum(e.points for e in exercises):g} points")
    return 0


def _grade(submission: Path, selectors: list[str], live: bool):
    from autograder.grading import grade  # imports torch: only when grading

    if not submission.is_dir():
        raise SystemExit(f"error: {submission} is not a folder")
    try:
        exercises = select(catalog(), selectors)
    except ValueError as e:
        raise SystemExit(f"error: {e}")

    def show(result):
        print(exercise_text(result), end="\n\n", flush=True)

    return grade(submission, exercises, on_exercise=show if live else None)


def cmd_check(args) -> int:
    report = _grade(Path(args.submission), args.selectors, live=True)
    print(summary(report))
    return 0 if report.score == report.points else 1


def cmd_grade(args) -> int:
    report = _grade(Path(args.submission), args.only, live=False)
    text = outputs.render(report, args.format)
    if args.out:
        Path(args.out).write_text(text)
        print(summary(report), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_build(args) -> int:
    changed = build(ROOT, check=args.check)
    if args.check:
        if changed:
            print("Generated files differ from what `python -m autograder build` makes:\n" + "\n".join(changed))
            return 1
        print("assignments/ and course/ are up to date with solutions/.")
        return 0
    print("\n".join(f"wrote {c}" for c in changed) or "nothing to do: assignments/ and course/ are up to date.")
    return 0


def cmd_release(args) -> int:
    from autograder.course.release import release

    try:
        written = release(Path(args.out))
    except (FileExistsError, FileNotFoundError) as e:
        raise SystemExit(f"error: {e}")
    print(f"wrote the student kit, {len(written)} files, to {args.out}: see {Path(args.out) / 'README.md'}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="list every exercise: id, topic, points")
    ls.add_argument("--format", choices=["text", "json"], default="text")
    ls.set_defaults(run=cmd_list)

    check = sub.add_parser("check", help="check your own work; exit status 1 unless full marks")
    check.add_argument("selectors", nargs="*", metavar="TOPIC|EXERCISE", help="e.g. mlp or mlp.affine (default: all)")
    check.add_argument("--submission", default="assignments", help="folder with your topic modules")
    check.set_defaults(run=cmd_check)

    grade = sub.add_parser("grade", help="grade one submission folder")
    grade.add_argument("submission", metavar="DIR")
    grade.add_argument("--format", choices=["text", "json", "gradescope"], default="text")
    grade.add_argument("--out", help="write the result here instead of standard output")
    grade.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    grade.set_defaults(run=cmd_grade)

    b = sub.add_parser("build", help="regenerate assignments/ and the nbgrader course/ from solutions/")
    b.add_argument("--check", action="store_true", help="fail if the committed files differ")
    b.set_defaults(run=cmd_build)

    r = sub.add_parser("release", help="write the student kit: stubs, notebooks, README, the grader without solutions")
    r.add_argument("out", metavar="OUT", help="a new or empty folder")
    r.set_defaults(run=cmd_release)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
