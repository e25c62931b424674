"""python -m autograder {list, check, grade, grade-all, gradescope-bundle, build}."""
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
    options = {}
    if args.format == "gradescope":
        options = {"per_check": args.per_check, "visibility": args.visibility,
                   "stdout_visibility": args.stdout_visibility}
    text = outputs.render(report, args.format, **options)
    if args.out:
        Path(args.out).write_text(text)
        print(summary(report), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_grade_all(args) -> int:
    from autograder.batch.report import write_reports
    from autograder.batch.run import DEFAULT_TIMEOUT, grade_class

    root, out = Path(args.root), Path(args.out)
    if not root.exists():
        raise SystemExit(f"error: {root} does not exist")
    try:
        exercises = select(catalog(), args.only)
    except ValueError as e:
        raise SystemExit(f"error: {e}")
    try:
        run = grade_class(root, out, exercises, jobs=args.jobs, seed=args.seed, scheduler=args.scheduler,
                          timeout=args.timeout or DEFAULT_TIMEOUT, force=args.force, progress=not args.quiet)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the results written so far are kept in {out / 'results'}; "
              "run the same command again to grade the rest.", file=sys.stderr)
        return 130
    except (RuntimeError, OSError) as e:
        raise SystemExit(f"error: {e}")
    print(write_reports(run, out, exercises, args.assignment or root.stem), end="")
    print(f"Results: {out / 'results'}/<student>.json; gradebook: {out / 'gradebook.csv'}; "
          f"summary: {out / 'summary.txt'}")
    return 1 if run.errors else 0


def cmd_gradescope_bundle(args) -> int:
    from autograder.batch.bundle import build_bundle

    try:
        exercises = select(catalog(), args.only)
        config = {"only": args.only, "seed": args.seed, "per_check": args.per_check,
                  "visibility": args.visibility, "stdout_visibility": args.stdout_visibility}
        names = build_bundle(Path(args.out), config, args.torch_index)
    except (ValueError, RuntimeError) as e:
        raise SystemExit(f"error: {e}")
    print(f"wrote {args.out}: {len(exercises)} exercises, {sum(e.points for e in exercises):g} points, "
          f"{len(names)} files (setup.sh, run_autograder, config.json, the grader without solutions/). "
          "Upload it as the assignment's autograder (Configure Autograder > Zip file upload).")
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


def _gradescope_options(p: argparse.ArgumentParser) -> None:
    from autograder.outputs.gradescope import VISIBILITY

    g = p.add_argument_group("Gradescope results.json")
    g.add_argument("--per-check", action="store_true", help="one test per check (default: one per exercise)")
    g.add_argument("--visibility", choices=VISIBILITY, default="visible", help="when students see the tests")
    g.add_argument("--stdout-visibility", choices=VISIBILITY, default="hidden",
                   help="when students see the grader's own output")


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
    grade.add_argument("--format", choices=list(outputs.FORMATS), default="text")
    grade.add_argument("--out", help="write the result here instead of standard output")
    grade.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    _gradescope_options(grade)
    grade.set_defaults(run=cmd_grade)

    batch = sub.add_parser("grade-all", help="grade a class: a folder of submissions, in parallel, resumable")
    batch.add_argument("root", metavar="ROOT", help="folder (or zip) of submissions: a folder, zip or files per "
                       "student, nbgrader's submitted/, a Gradescope export or an LMS bulk download")
    batch.add_argument("--out", default="graded", help="results, gradebook.csv and summary go here (default: graded)")
    batch.add_argument("--jobs", type=int, default=None, help="grading processes (default: one per core)")
    batch.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    batch.add_argument("--seed", type=int, default=None, help="the grading seed (default: the public inputs)")
    batch.add_argument("--scheduler", metavar="ADDRESS", help="grade on this Dask cluster (tcp://host:8786)")
    batch.add_argument("--timeout", type=float, default=None, help="seconds per submission before the batch gives up "
                       "on it (default 1800; the grader's per-call limits come first; local processes only)")
    batch.add_argument("--assignment", help="the gradebook's assignment column (default: ROOT's name)")
    batch.add_argument("--force", action="store_true", help="regrade every student, even unchanged ones")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(run=cmd_grade_all)

    bundle = sub.add_parser("gradescope-bundle", help="write a Gradescope autograder zip (no solutions/ in it)")
    bundle.add_argument("out", metavar="OUT.zip")
    bundle.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    bundle.add_argument("--seed", type=int, default=None, help="grading seed (default: the public inputs of `check`); "
                        "it is stored in the zip's config.json")
    bundle.add_argument("--torch-index", default="https://download.pytorch.org/whl/cpu",
                        help="where setup.sh gets the CPU-only torch")
    _gradescope_options(bundle)
    bundle.set_defaults(run=cmd_gradescope_bundle)

    b = sub.add_parser("build", help="regenerate assignments/ and the nbgrader course/ from solutions/")
    b.add_argument("--check", action="store_true", help="fail if the committed files differ")
    b.set_defaults(run=cmd_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
