"""python -m autograder {list, check, grade, grade-all, export, gradescope-bundle, build, release,
nbgrader-autograde}."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from autograder.assignments import declared_ids, plural, unknown_selectors  # instant: no catalog import
from autograder.project import TORCH_CPU_INDEX, write_atomic

# Heavy modules (torch, hypothesis, the catalog) are imported inside the commands: `check` says what it is
# doing before it pays for them.
FORMATS = ("text", "json", "gradescope", "html", "junit", "csv")  # autograder.outputs.FORMATS, without importing it
LAYOUTS = ("auto", "folders", "files", "nbgrader", "gradescope", "canvas", "moodle", "blackboard", "brightspace")
# autograder.batch.discover.LAYOUTS, likewise
LMS_EXPORTS = ("canvas", "moodle", "blackboard", "gradescope")  # autograder.outputs.lms.LMS_EXPORTS, likewise


def cmd_list(args) -> int:
    from autograder.assignments import DEFINITION, AssignmentError, exercises_of, load
    from autograder.model import catalog

    exercises = catalog()
    try:
        assignments = load()
    except AssignmentError as e:
        raise SystemExit(f"error: {e}") from None
    if args.format == "json":
        print(json.dumps([{"id": e.id, "topic": e.topic, "title": e.title, "points": e.points,
                           "checks": [{"name": c.name, "points": c.points} for c in e.checks]}
                          for e in exercises], indent=2))
        return 0
    for e in exercises:
        print(f"{e.id:32} {e.points:>5g}  {e.title}")
    print(f"{plural(len(exercises), 'exercise')}, {plural(sum(e.points for e in exercises), 'point')}")
    print("\nTopics:")
    for topic in dict.fromkeys(e.topic for e in exercises):
        mine = [e for e in exercises if e.topic == topic]
        print(f"  {topic:30} {sum(e.points for e in mine):>5g}  {plural(len(mine), 'exercise')}")
    where = "course/assignments.toml" if DEFINITION.is_file() else \
        "the default, one per topic: declare yours in course/assignments.toml"
    print(f"\nAssignments ({where}):")
    for a in assignments:
        mine = exercises_of([a])
        due = f"  due {a.due.isoformat()}" if a.due else ""
        print(f"  {a.name:30} {sum(e.points for e in mine):>5g}  {plural(len(mine), 'exercise')} of "
              f"{', '.join(a.topics)}{due}")
    return 0


def _selection(args, present=None):
    """What to grade: (exercises with their points, the assignment column, the topics chosen by default or None,
    the due date or "").
    `--assignment NAME` (the definition's), else `--only`, else the topics `present()` returns (those handed
    in: the assignment whose topics they are exactly, if one is), else everything."""
    from autograder.assignments import AssignmentError, covering, exercises_of, load, named, title

    try:
        assignments = load()
        if getattr(args, "assignment", None):
            if args.only:
                raise SystemExit("error: --assignment and --only both choose what to grade: pass one")
            chosen = named(args.assignment, assignments)
            due = min((a.due for a in chosen if a.due), default=None, key=str)
            return exercises_of(chosen), title(chosen), None, due.isoformat() if due else ""
        if args.only:
            exercises = _select(args.only)
            cover = covering(list(dict.fromkeys(e.topic for e in exercises)), assignments)
            same = cover and list(cover[0].exercises) == [e.id for e in exercises] and not cover[0].points
            return exercises, title(cover) if same else "+".join(args.only), None, ""
        topics = present() if present is not None else []
        if not topics:
            return _select([]), "all topics", [], ""
        cover = covering(topics, assignments)
        exercises = exercises_of(cover) if cover else _select(topics)
        name = title(cover) if cover else "+".join(topics)
        return exercises, name, topics, cover[0].due.isoformat() if cover and cover[0].due else ""
    except AssignmentError as e:
        raise SystemExit(f"error: {e}") from None


def _topics_as(topics: list[str], assignment: str) -> str:
    """"mlp, cnn", and the assignment they are graded as when it has a name of its own."""
    return ", ".join(topics) + (f" as assignment {assignment}" if assignment != "+".join(topics) else "")


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


def _grade(submission: Path, exercises, on_exercise=None, seed: int | None = None, curves=False):
    from autograder.grading import grade  # imports torch: only when grading

    if not submission.is_dir():
        raise SystemExit(f"error: {submission} is not a folder")
    return grade(submission, exercises, on_exercise=on_exercise, seed=seed, curves=curves,
                 parallel=_cores())  # a topic per core


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def present_topics(folder: Path) -> list[str]:
    """The topics with a file (`<topic>.py` or `<topic>.ipynb`) in `folder`, in course order."""
    return [t for t in declared_ids() if (folder / f"{t}.py").is_file() or (folder / f"{t}.ipynb").is_file()]


def kit_folder(start: Path | None = None) -> Path:
    """`check`'s default submission: the folder it runs in if it holds a topic's file (assignments/, notebooks/),
    else the assignments/ of the nearest folder up from there that has one (the kit's root); else assignments."""
    start = Path.cwd() if start is None else start
    if present_topics(start):
        return Path(".")
    for folder in [start, *start.parents]:
        if (folder / "assignments").is_dir():
            return Path(os.path.relpath(folder / "assignments", start))
    return Path("assignments")


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

    report = _grade(Path(args.submission), _select(selectors), on_exercise=show, curves=bool(args.html))
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
    args.submission = args.submission or str(kit_folder())
    if not args.selectors:  # the topics of the submission folder (a kit holds the topics released)
        args.selectors = present_topics(Path(args.submission))
    topics = [t for t in known if not args.selectors or t in args.selectors
              or any(s.startswith(t + ".") for s in args.selectors)]
    counts = []
    for t in topics:
        n = sum(1 for i in known[t] if not args.selectors or t in args.selectors or i in args.selectors)
        counts.append(f"{t}: {plural(n, 'exercise')}")
    console = _console()
    width = min(shutil.get_terminal_size((80, 24)).columns, 100) if console.is_terminal else 80
    console.print(f"grading {', '.join(counts)} in {args.submission}/ ...", style="bold")
    from autograder.sandbox.pool import POOL

    # the first sandboxes (a topic per core) start while torch is imported
    POOL.keep_warm(None if args.watch else len(topics), depth=1 if args.watch else min(len(topics), _cores()))
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
    from autograder.sandbox.pool import POOL

    submission = Path(args.submission)
    present = present_topics(submission)
    if present:  # the first sandboxes (a topic per core) start while torch is imported
        POOL.keep_warm(len(present), depth=min(len(present), _cores()))
    from autograder import outputs
    from autograder.grading.grade import grading_seed
    from autograder.outputs.text import summary

    seed = grading_seed(args.seed_file)
    exercises, assignment, defaulted, _ = _selection(args, lambda: present)
    if defaulted:
        print(f"grading {_topics_as(defaulted, assignment)}: the topics in {submission}; --assignment or --only to "
              "choose", file=sys.stderr)
    elif defaulted is not None and submission.is_dir():
        print(f"grading every topic: {submission} holds no topic's file (<topic>.py or <topic>.ipynb)",
              file=sys.stderr)
    try:
        report = _grade(submission, exercises, seed=seed, curves=args.format == "html")
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
        write_atomic(Path(args.out), text)
        print(summary(report), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_nbgrader_autograde(args) -> int:
    from autograder.integrations.nbgrader import autograde

    from autograder.grading.grade import grading_seed

    # nbgrader's arguments (REMAINDER) also took the seed options written after ASSIGNMENT: take them back
    own = argparse.ArgumentParser(prog="python -m autograder nbgrader-autograde", add_help=False)
    _seed_options(own)
    found, nbgrader_args = own.parse_known_args(args.nbgrader_args)
    seed_file = args.seed_file or found.seed_file
    grading_seed(seed_file)  # a seed file that cannot be used stops here, before nbgrader starts
    return autograde([args.assignment, *nbgrader_args], seed_file=seed_file)


def cmd_grade_all(args) -> int:
    from autograder.batch.discover import LayoutError, survey
    from autograder.batch.report import write_class_export, write_reports
    from autograder.batch.run import DEFAULT_TIMEOUT, grade_class, handed_in, looked_for
    from autograder.grading.grade import grading_seed
    from autograder.model import catalog
    from autograder.outputs.safe import printable

    root, out = Path(args.root), Path(args.out)
    if not root.exists():
        raise SystemExit(printable(f"error: {looked_for(root)}", keep=""))
    try:
        found = survey(root, catalog(), args.layout)
    except (LayoutError, OSError) as e:
        raise SystemExit(printable(f"error: {e}", keep=""))
    if not found.submissions or not handed_in(found):
        raise SystemExit(printable(f"error: {looked_for(root, found)}", keep=""))
    exercises, assignment, defaulted, due = _selection(args, lambda: handed_in(found))
    if defaulted:
        print(f"grading {_topics_as(defaulted, assignment)}: the topics handed in; --assignment or --only to choose")
    roster = _roster(args.roster, assignment)  # checked before grading: a wrong file costs no wait
    seed = grading_seed(args.seed_file)
    if not args.scheduler:  # a Dask worker's sandbox is its own machine's
        from autograder.sandbox.isolation import class_isolation

        warning = class_isolation(args.jobs)
        if warning:
            print(warning, file=sys.stderr)
    try:
        run = grade_class(root, out, exercises, jobs=args.jobs, seed=seed, scheduler=args.scheduler,
                          timeout=args.timeout or DEFAULT_TIMEOUT, force=args.force, progress=not args.quiet,
                          html=args.html, layout=args.layout, found=found)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the results written so far are kept in {out / 'results'}; "
              "run the same command again to grade the rest.", file=sys.stderr)
        return 130
    except (LayoutError, RuntimeError, OSError) as e:
        raise SystemExit(printable(f"error: {e}", keep=""))
    print(write_reports(run, out, exercises, assignment, due), end="")
    print(write_class_export(run, out, assignment, roster), end="")
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
    from autograder.assignments import chosen_points, load, named
    from autograder.integrations.gradescope.bundle import build_bundle
    from autograder.grading.grade import grading_seed

    exercises, assignment, _, _ = _selection(args)
    chosen = {"only": args.only}
    if args.assignment:  # its exercises and points travel in config.json: the zip holds no course/
        chosen = {"only": [e.id for e in exercises], "points": chosen_points(named(args.assignment, load())),
                  "assignment": assignment}
    try:
        config = {**chosen, "seed": grading_seed(args.seed_file), "per_check": args.per_check,
                  "visibility": args.visibility, "stdout_visibility": args.stdout_visibility}
        names = build_bundle(Path(args.out), config, args.torch_index)
    except (ValueError, RuntimeError) as e:
        raise SystemExit(f"error: {e}")
    print(f"wrote {args.out}: {assignment}, {plural(len(exercises), 'exercise')}, "
          f"{plural(sum(e.points for e in exercises), 'point')}, "
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
    from autograder.assignments import AssignmentError, load, named
    from autograder.course.release import release

    try:
        chosen = named(args.assignment, load()) if args.assignment else None
        written = release(Path(args.out), assignments=chosen)
    except (FileExistsError, FileNotFoundError, AssignmentError) as e:
        raise SystemExit(f"error: {e}")
    what = f"of {', '.join(a.name for a in chosen)}" if chosen else "of every topic"
    print(f"wrote the student kit {what}, {plural(len(written), 'file')}, to {args.out}: "
          f"see {Path(args.out) / 'README.md'}")
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


def _assignment_option(p: argparse.ArgumentParser, verb: str, default: str) -> None:
    p.add_argument("--assignment", action="append", default=[], metavar="NAME", help=f"{verb} this assignment of "
                   f"course/assignments.toml, out of its points (repeatable; default: {default})")


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
    check.add_argument("--submission", help="folder with your topic modules (default: the folder you are in if "
                       "it holds one, else the kit's assignments/, found from any folder of the kit)")
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
    _assignment_option(grade, "grade", "the topics in DIR")
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
    _assignment_option(batch, "grade", "the topics the class handed in; the gradebook's and the LMS's column is "
                       "the assignment's name")
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
    _assignment_option(bundle, "grade", "every topic")
    _seed_options(bundle, "$AUTOGRADER_SEED, else the public inputs of `check`; it is stored in the zip's "
                  "config.json, which only root may read in Gradescope's container")
    bundle.add_argument("--torch-index", default=TORCH_CPU_INDEX,
                        help="where setup.sh gets the CPU-only torch")
    _gradescope_options(bundle)
    bundle.set_defaults(run=cmd_gradescope_bundle)

    b = sub.add_parser("build", help="regenerate assignments/ and the nbgrader course/ from solutions/")
    b.add_argument("--check", action="store_true", help="fail if the committed files differ")
    b.set_defaults(run=cmd_build)

    r = sub.add_parser("release", help="write the student kit: stubs, notebooks, README, the grader without solutions")
    r.add_argument("out", metavar="OUT", help="a new or empty folder")
    _assignment_option(r, "write the kit of", "every topic")
    r.set_defaults(run=cmd_release)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
