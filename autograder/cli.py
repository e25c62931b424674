"""python -m autograder {list, check, grade, build, nbgrader-autograde}."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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


def _grade(submission: Path, selectors: list[str], live: bool, seed: int | None = None):
    from autograder.grading import grade  # imports torch: only when grading

    if not submission.is_dir():
        raise SystemExit(f"error: {submission} is not a folder")
    try:
        exercises = select(catalog(), selectors)
    except ValueError as e:
        raise SystemExit(f"error: {e}")

    def show(result):
        print(exercise_text(result), end="\n\n", flush=True)

    return grade(submission, exercises, seed=seed, on_exercise=show if live else None)


def cmd_check(args) -> int:
    report = _grade(Path(args.submission), args.selectors, live=True)
    print(summary(report))
    return 0 if report.score == report.points else 1


def cmd_grade(args) -> int:
    from autograder.grading.grade import seed_from_environment

    seed = args.seed if args.seed is not None else seed_from_environment()
    try:
        report = _grade(Path(args.submission), args.only, live=False, seed=seed)
    except Exception as e:  # noqa: BLE001 - a results file is written whatever happens
        if not args.out:
            raise
        from autograder.grading import Report

        report = Report(args.submission, [], not_gradable={"*": f"the grader failed: {type(e).__name__}: {e}"},
                        seed=seed)
    text = outputs.render(report, args.format)
    if args.out:
        write_atomically(Path(args.out), text)
        print(summary(report), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` all at once: a new file (O_EXCL, never through a link) in the same folder, renamed
    over `path`, so a reader sees the old file or the whole new one, and a link or FIFO planted at `path` is
    replaced, never followed or opened."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)  # O_CREAT | O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def cmd_nbgrader_autograde(args) -> int:
    from autograder.outputs.gradebook import autograde

    return autograde([args.assignment, *args.nbgrader_args], seed=args.seed)


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
    grade.add_argument("--seed", type=int, default=None,
                       help="secret grading seed (default: $AUTOGRADER_SEED, else the public inputs of `check`)")
    grade.set_defaults(run=cmd_grade)

    nb = sub.add_parser("nbgrader-autograde", help="nbgrader autograde, grading each notebook file in the sandbox "
                        "(run in the course folder; no student code runs in a kernel)")
    nb.add_argument("assignment")
    nb.add_argument("--seed", type=int, default=None, help="secret grading seed (default: $AUTOGRADER_SEED)")
    nb.add_argument("nbgrader_args", nargs=argparse.REMAINDER, metavar="...",
                    help="passed to nbgrader autograde, e.g. --student alice")
    nb.set_defaults(run=cmd_nbgrader_autograde)

    b = sub.add_parser("build", help="regenerate assignments/ and the nbgrader course/ from solutions/")
    b.add_argument("--check", action="store_true", help="fail if the committed files differ")
    b.set_defaults(run=cmd_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
