"""python -m autograder {list, check, grade, grade-all, export, gradescope-bundle, build, release,
nbgrader-autograde}."""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

# Heavy modules (torch, hypothesis, the catalog) are imported inside the commands: `check` says what it is
# doing before it pays for them.
EXERCISES = Path(__file__).resolve().parent / "exercises"
FORMATS = ("text", "json", "gradescope", "html", "junit", "csv")  # autograder.outputs.FORMATS, without importing it
LAYOUTS = ("auto", "folders", "files", "nbgrader", "gradescope", "canvas", "moodle", "blackboard", "brightspace")
# autograder.batch.discover.LAYOUTS, likewise
LMS_EXPORTS = ("canvas", "moodle", "blackboard", "gradescope")  # autograder.outputs.lms.LMS_EXPORTS, likewise


def cmd_list(args) -> int:
    from autograder.model import catalog

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


def declared_ids() -> dict[str, list[str]]:
    """topic -> exercise ids, read from the declarations' text in course order (no imports: instant)."""
    from autograder.model import course_order

    found: dict[str, list[str]] = {}
    for path in sorted(EXERCISES.glob("*.py"), key=lambda p: course_order(p.stem)):
        # Every declaration reads `name = <declaring call>(\n    "<topic>.<name>", ...`.
        ids = re.findall(rf'^\w+ = \w+\(\s*"({path.stem}\.[a-z0-9_]+)"', path.read_text(), re.MULTILINE)
        if ids:
            found[path.stem] = ids
    return found


def unknown_selectors(selectors: list[str], known: dict[str, list[str]]) -> list[str]:
    """A message per selector that names neither a topic nor an exercise, with a "did you mean"."""
    names = list(known) + [i for ids in known.values() for i in ids]
    problems = []
    for s in selectors:
        if s in names:
            continue
        close = difflib.get_close_matches(s, names, n=2, cutoff=0.8)
        if not close and "." not in s:
            close = [i for i in names if i.endswith("." + s)]
        hint = f" Did you mean {' or '.join(close)}?" if close else f" Topics: {', '.join(known)}."
        problems.append(f"unknown topic or exercise {s!r}.{hint}")
    return problems


def _select(selectors: list[str]):
    from autograder.model import catalog, select

    wanted = {s.split(".", 1)[0] for s in selectors} or None
    exercises = catalog(wanted)
    try:
        return select(exercises, selectors)
    except ValueError:
        known: dict[str, list[str]] = {}
        for ex in catalog():
            known.setdefault(ex.topic, []).append(ex.id)
        raise SystemExit("error: " + " ".join(unknown_selectors(selectors, known))) from None


def _grade(submission: Path, selectors: list[str], on_exercise=None, seed: int | None = None, curves=False):
    from autograder.grading import grade  # imports torch: only when grading

    if not submission.is_dir():
        raise SystemExit(f"error: {submission} is not a folder")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return grade(submission, _select(selectors), on_exercise=on_exercise, seed=seed, curves=curves,
                 parallel=cores)  # a topic per core


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _check_once(args, console, width: int, selectors: list[str]):
    from autograder.grading.cache import DRAWS
    from autograder.outputs.text import LiveText, styled, summary

    DRAWS.own_work = True  # the code checked is the user's own: the public inputs may be kept on disk at any level

    live = LiveText(width, verbose=args.verbose, reader=_reader(args.submission))

    def show(result):
        text = live(result)
        if text:  # an exercise not started is counted in the summary instead
            console.print(styled(text), end="\n\n")

    report = _grade(Path(args.submission), selectors, on_exercise=show, curves=bool(args.html))
    console.print(styled(summary(report, verbose=args.verbose)))
    if args.html:
        from autograder.outputs.html import as_html

        Path(args.html).write_text(as_html(report), encoding="utf-8")
        console.print(f"HTML report: {args.html}")
    return report


def _reader(submission: str):
    """Who reads `check`'s feedback: its commands name the folder checked (notebooks/, or another)."""
    from autograder.grading.results import KIT, Reader

    return KIT if Path(submission) == Path("assignments") else Reader(submission=submission)


def _watched(submission: Path, topics: list[str]) -> dict[Path, float]:
    files = [submission / f"{t}{suffix}" for t in topics for suffix in (".py", ".ipynb")]
    return {f: f.stat().st_mtime_ns for f in files if f.exists()}


def cmd_check(args) -> int:
    known = declared_ids()
    problems = unknown_selectors(args.selectors, known)
    if problems and known:
        raise SystemExit("error: " + " ".join(problems))
    topics = [t for t in known if not args.selectors or t in args.selectors
              or any(s.startswith(t + ".") for s in args.selectors)]
    counts = []
    for t in topics:
        n = sum(1 for i in known[t] if not args.selectors or t in args.selectors or i in args.selectors)
        counts.append(f"{t}: {n} exercise{'s' if n != 1 else ''}")
    console = _console()
    width = min(shutil.get_terminal_size((80, 24)).columns, 100) if console.is_terminal else 80
    console.print(f"grading {', '.join(counts)} in {args.submission}/ ...", style="bold")
    from autograder.sandbox.pool import POOL

    POOL.keep_warm(None if args.watch else len(topics))  # the first sandbox starts while torch is imported
    report = _check_once(args, console, width, args.selectors)
    if not args.watch:
        return 0 if report.score == report.points else 1
    submission = Path(args.submission)
    seen = _watched(submission, topics)
    console.print(f"watching {', '.join(str(f) for f in seen)}: every save is checked again (Ctrl-C stops).",
                  style="bold")
    try:
        while True:
            time.sleep(0.05)  # a stat of a few files: a save is seen within 50 ms
            now = _watched(submission, topics)
            changed = sorted({f.stem for f in now if now[f] != seen.get(f)})
            seen = now
            if changed:
                start = time.perf_counter()
                console.rule(f"{', '.join(changed)} changed: checking again")
                selectors = [s for s in args.selectors if s.split(".", 1)[0] in changed] or changed
                _check_once(args, console, width, selectors)
                console.print(f"(checked in {time.perf_counter() - start:.1f} s; watching)", style="dim")
    except KeyboardInterrupt:
        return 0


def cmd_grade(args) -> int:
    from autograder import outputs
    from autograder.grading.grade import grading_seed
    from autograder.outputs.text import summary

    seed = grading_seed(args.seed_file)
    try:
        report = _grade(Path(args.submission), args.only, seed=seed, curves=args.format == "html")
    except Exception as e:  # noqa: BLE001 - a results file is written whatever happens
        if not args.out:
            raise
        from autograder.grading import Report

        report = Report(args.submission, [], not_gradable={"*": f"the grader failed: {type(e).__name__}: {e}"},
                        seed=seed)
    options = {"verbose": args.verbose}
    if args.format == "gradescope":
        options = {"per_check": args.per_check, "visibility": args.visibility,
                   "stdout_visibility": args.stdout_visibility}
    text = outputs.render(report, args.format, **options)
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

    from autograder.grading.grade import grading_seed

    # nbgrader's arguments (REMAINDER) also took the seed options written after ASSIGNMENT: take them back
    own = argparse.ArgumentParser(prog="python -m autograder nbgrader-autograde", add_help=False)
    _seed_options(own)
    found, nbgrader_args = own.parse_known_args(args.nbgrader_args)
    seed_file = args.seed_file or found.seed_file
    grading_seed(seed_file)  # a seed file that cannot be used stops here, before nbgrader starts
    return autograde([args.assignment, *nbgrader_args], seed_file=seed_file)


def cmd_grade_all(args) -> int:
    from autograder.batch.discover import LayoutError
    from autograder.batch.report import write_reports
    from autograder.batch.report import write_class_export
    from autograder.batch.run import DEFAULT_TIMEOUT, grade_class
    from autograder.grading.grade import grading_seed
    from autograder.outputs.safe import printable

    root, out = Path(args.root), Path(args.out)
    if not root.exists():
        raise SystemExit(f"error: {root} does not exist")
    exercises = _select(args.only)
    roster = _roster(args.roster, args.assignment or root.stem)  # checked before grading: a wrong file costs no wait
    seed = grading_seed(args.seed_file)
    if not args.scheduler:  # a Dask worker's sandbox is its own machine's
        from autograder.sandbox.isolation import class_isolation

        warning = class_isolation(args.jobs)
        if warning:
            print(warning, file=sys.stderr)
    try:
        run = grade_class(root, out, exercises, jobs=args.jobs, seed=seed, scheduler=args.scheduler,
                          timeout=args.timeout or DEFAULT_TIMEOUT, force=args.force, progress=not args.quiet,
                          html=args.html, layout=args.layout)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the results written so far are kept in {out / 'results'}; "
              "run the same command again to grade the rest.", file=sys.stderr)
        return 130
    except (LayoutError, RuntimeError, OSError) as e:
        raise SystemExit(printable(f"error: {e}", keep=""))
    print(write_reports(run, out, exercises, args.assignment or root.stem), end="")
    print(write_class_export(run, out, args.assignment or root.stem, roster), end="")
    pages = f"; feedback pages: {out / 'feedback'}/<student>.html" if args.html else ""
    print(f"Results: {out / 'results'}/<student>.json; gradebook: {out / 'gradebook.csv'}; "
          f"summary: {out / 'summary.txt'}{pages}")
    return 1 if run.grader_failures else 0


def _roster(path: str | None, assignment: str, lms: str | None = None):
    """The LMS export to fill in (`--roster`), checked: that LMS's (or any of the four), with a column for
    `assignment`; None without one."""
    if not path:
        return None
    from autograder.outputs.lms import RosterError, check_roster, read_roster, roster_lms
    from autograder.outputs.safe import printable

    try:
        roster = read_roster(Path(path))
        lms = lms or roster_lms(roster)
        if lms is None:
            raise RosterError(f"{roster.name} is not an export of Canvas (a gradebook CSV), Moodle (a grading "
                              "worksheet), Blackboard (a Grade Center download) or Gradescope (a score download)")
        check_roster(roster, lms, assignment)
    except (OSError, RosterError) as e:
        raise SystemExit(printable(f"error: --roster: {e}", keep=""))
    return roster


def cmd_export(args) -> int:
    from autograder.batch.report import class_results, write_export
    from autograder.outputs.lms import TITLE, RosterError
    from autograder.outputs.safe import printable

    out = Path(args.out)
    if not (out / "results").is_dir():
        raise SystemExit(f"error: {out} has no results/ folder: pass the folder grade-all wrote (its --out)")
    results, layout, graded_as = class_results(out)
    if not results:
        raise SystemExit(f"error: {out / 'results'} holds no results file")
    assignment = args.assignment or graded_as or out.name
    roster = _roster(args.roster, assignment, args.to)
    try:
        dest, made = write_export(out, results, args.to, assignment, roster, Path(args.dest) if args.dest else None)
    except (OSError, RosterError) as e:
        raise SystemExit(printable(f"error: {e}", keep=""))
    print(made.report(dest, most=20), end="")
    if layout and layout != args.to and not made.written:
        print(printable(f"(the class was a {layout} layout: its results carry no {TITLE[args.to]} ids)"))
    return 1 if made.problems else 0


def cmd_gradescope_bundle(args) -> int:
    from autograder.batch.bundle import build_bundle
    from autograder.grading.grade import grading_seed

    exercises = _select(args.only)
    try:
        config = {"only": args.only, "seed": grading_seed(args.seed_file), "per_check": args.per_check,
                  "visibility": args.visibility, "stdout_visibility": args.stdout_visibility}
        names = build_bundle(Path(args.out), config, args.torch_index)
    except (ValueError, RuntimeError) as e:
        raise SystemExit(f"error: {e}")
    print(f"wrote {args.out}: {len(exercises)} exercises, {sum(e.points for e in exercises):g} points, "
          f"{len(names)} files (setup.sh, run_autograder, config.json, the grader without solutions/). "
          "Upload it as the assignment's autograder (Configure Autograder > Zip file upload).")
    return 0


def cmd_build(args) -> int:
    from autograder.course.build import ROOT, build

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


class _SeedInArgv(argparse.Action):
    """`--seed N`: refused, saying what to use instead (a command line is public)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from autograder.grading.grade import SEED_IN_ARGV

        parser.error(SEED_IN_ARGV)


def _seed_options(p: argparse.ArgumentParser, default: str = "$AUTOGRADER_SEED, else the public inputs of `check`"
                  ) -> None:
    p.add_argument("--seed-file", metavar="FILE", help=f"the secret grading seed, read from FILE (one integer; a file "
                   f"only you can read: chmod 600) (default: {default})")
    p.add_argument("--seed", action=_SeedInArgv, help=argparse.SUPPRESS)


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
    check.add_argument("--watch", action="store_true", help="check again on every save of your files")
    check.add_argument("--verbose", action="store_true", help="every check's feedback in full (default: the first "
                       "failing check of each exercise in full, the others in one line)")
    check.add_argument("--html", metavar="FILE", help="also write an HTML report (pictures of wrong arrays, learning curves)")
    check.set_defaults(run=cmd_check)

    grade = sub.add_parser("grade", help="grade one submission folder")
    grade.add_argument("submission", metavar="DIR")
    grade.add_argument("--format", choices=FORMATS, default="text")
    grade.add_argument("--out", help="write the result here instead of standard output")
    grade.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    grade.add_argument("--verbose", action="store_true", help="the text format: every check's feedback in full")
    _seed_options(grade)
    _gradescope_options(grade)
    grade.set_defaults(run=cmd_grade)

    nb = sub.add_parser("nbgrader-autograde", help="nbgrader autograde, grading each notebook file in the sandbox "
                        "(run in the course folder; no student code runs in a kernel)")
    nb.add_argument("assignment")
    _seed_options(nb)
    nb.add_argument("nbgrader_args", nargs=argparse.REMAINDER, metavar="...",
                    help="passed to nbgrader autograde, e.g. --student alice")
    nb.set_defaults(run=cmd_nbgrader_autograde)
    batch = sub.add_parser("grade-all", help="grade a class: a folder of submissions, in parallel, resumable")
    batch.add_argument("root", metavar="ROOT", help="folder (or zip) of submissions: a folder, zip or files per "
                       "student, nbgrader's submitted/, a Gradescope export or an LMS bulk download")
    batch.add_argument("--out", default="graded", help="results, gradebook.csv and summary go here (default: graded)")
    batch.add_argument("--jobs", type=int, default=None, help="grading processes (default: one per core)")
    batch.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    _seed_options(batch)
    batch.add_argument("--scheduler", metavar="ADDRESS", help="grade on this Dask cluster (tcp://host:8786)")
    batch.add_argument("--timeout", type=float, default=None, help="seconds per submission before the batch gives up "
                       "on it (default 1800; the grader's per-call limits come first; local processes only)")
    batch.add_argument("--assignment", help="the gradebook's assignment column (default: ROOT's name)")
    batch.add_argument("--force", action="store_true", help="regrade every student, even unchanged ones")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument("--html", action="store_true", help="also write feedback/<student>.html, each student's "
                       "feedback page (pictures of wrong arrays, learning curves)")
    batch.add_argument("--layout", choices=LAYOUTS, default="auto",
                       help="how ROOT is laid out (default auto: decided from ROOT's top level; a class that fits no "
                       "layout clearly is an error that names the layout to pass)")
    batch.add_argument("--roster", metavar="FILE", help="the LMS's own export to fill in with the grades (Canvas's "
                       "gradebook CSV, Moodle's grading worksheet, Blackboard's Grade Center download, a Gradescope "
                       "score download); the column titled --assignment gets them. Default: a new file from the ids "
                       "of the download. Written to OUT/exports/")
    batch.set_defaults(run=cmd_grade_all)

    ex = sub.add_parser("export", help="write a graded class's grades in an LMS's import format (no grading)")
    ex.add_argument("out", metavar="OUT", help="the folder grade-all wrote (its --out)")
    ex.add_argument("--to", choices=LMS_EXPORTS, required=True, help="the LMS whose import format to write")
    ex.add_argument("--roster", metavar="FILE", help="that LMS's own export to fill in (see grade-all --roster)")
    ex.add_argument("--assignment", metavar="NAME", help="the grade column's title (default: grade-all's "
                    "--assignment, else ROOT's name)")
    ex.add_argument("--out", dest="dest", metavar="FILE", help="where to write it (default: OUT/exports/<lms>.csv); "
                    "its report goes beside it (<name>-report.txt)")
    ex.set_defaults(run=cmd_export)

    bundle = sub.add_parser("gradescope-bundle", help="write a Gradescope autograder zip (no solutions/ in it)")
    bundle.add_argument("out", metavar="OUT.zip")
    bundle.add_argument("--only", nargs="*", default=[], metavar="TOPIC|EXERCISE")
    _seed_options(bundle, "$AUTOGRADER_SEED, else the public inputs of `check`; it is stored in the zip's "
                  "config.json, which only root may read in Gradescope's container")
    bundle.add_argument("--torch-index", default="https://download.pytorch.org/whl/cpu",
                        help="where setup.sh gets the CPU-only torch")
    _gradescope_options(bundle)
    bundle.set_defaults(run=cmd_gradescope_bundle)

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
