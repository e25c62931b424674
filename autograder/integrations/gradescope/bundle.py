"""The Gradescope autograder: `python -m autograder gradescope-bundle OUT.zip`, and what runs inside it.

OUT.zip, uploaded as the assignment's autograder ("Zip file upload"), holds:

    setup.sh         run once when Gradescope builds the image: a Python >= 3.11 (installed with uv when the
                     image's is older, as on the default Ubuntu 22.04 image), a CPU-only torch, the grader
    setup.env        setup.sh's settings: the torch index and requirement
    run_autograder   run for each submission: grades /autograder/submission, writes /autograder/results/results.json,
                     and prints a summary for the instructor (score, where the seed came from, grader, time, files)
    config.json      what to grade and how: the exercises, the grading seed, one test per check, visibility
    grader/          the grader's source (autograder/, reference/, pyproject.toml); never solutions/

setup.sh also draws every input the grading replays, with the oracle's values, once for all students, into
draws/ beside config.json (grading/cache.py), in the image itself (so the versions are the image's); like
config.json it is readable by root alone, since it holds the grading seed's inputs.

The submission is found as `grade-all` finds one student's work: `<topic>.py` or `<topic>.ipynb` anywhere in
the upload (a zip Gradescope unpacked, a GitHub repository with `assignments/`), else by the names and functions
in the files. results.json is written in every case: a crashing or hostile submission is graded like any other,
a grader that fails writes a zero that says so, and if Python itself cannot run, run_autograder writes it.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
import traceback
import zipfile
from pathlib import Path

from autograder.outputs.safe import printable
from autograder.project import ROOT, TORCH_CPU_INDEX, grader_files, torch_requirement, write_atomic

FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # the same inputs make the same zip

FILES = Path(__file__).parent  # setup.sh and run_autograder beside this module, shipped as package data


def setup_env(torch_index: str, torch: str) -> str:
    """setup.sh's settings, as shell assignments it sources."""
    return (f"# read by setup.sh\nTORCH_INDEX={shlex.quote(torch_index)}\n"
            f"TORCH_REQUIREMENT={shlex.quote(torch)}\n")


def build_bundle(out: Path, config: dict, torch_index: str = TORCH_CPU_INDEX) -> list[str]:
    """Write the autograder zip; return the names it holds."""
    if not (ROOT / "pyproject.toml").is_file():
        raise RuntimeError(f"the grader's source tree is needed (pyproject.toml, autograder/, reference/); "
                           f"{ROOT} is an installed copy")
    files = {name: (FILES / name).read_text(encoding="utf-8") for name in ("setup.sh", "run_autograder")}
    files["setup.env"] = setup_env(torch_index, torch_requirement())
    files["config.json"] = json.dumps(config, indent=2) + "\n"
    for path in [ROOT / "README.md", *grader_files()]:  # README.md: pyproject.toml's readme
        files[f"grader/{path.relative_to(ROOT).as_posix()}"] = path.read_text(encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return list(files)


def assigned(config: dict) -> list:
    """The exercises `config` grades ("only": ids or topics) with the assignment's points ("points")."""
    from autograder.assignments import with_points
    from autograder.model import catalog, select

    return with_points(select(catalog(), config.get("only") or []), config.get("points"))


def precompute(config: dict, folder: Path) -> int:
    """Draw every search the grading of `config` replays into `folder` (made private to this user); how many."""
    from autograder.grading.cache import DRAWS, Folder, make_private
    from autograder.grading.search import prepare, searches

    exercises = assigned(config)
    make_private(folder)
    DRAWS.use_first(Folder(folder, config.get("seed")))
    prepare(exercises, config.get("seed"))
    return sum(len(searches(ex)) for ex in exercises)


def grade_submission(submission: Path, config: dict, draws: Path | None = None) -> dict:
    """results.json for the upload in `submission`, as `config` asks (`draws`: what `precompute` drew)."""
    from autograder.batch.discover import discover_one
    from autograder.batch.worker import grade_files
    from autograder.grading.cache import DRAWS, Folder
    from autograder.outputs.gradescope import as_gradescope

    exercises = assigned(config)
    if draws is not None:
        DRAWS.use_first(Folder(draws, config.get("seed"), writable=False))
    start = time.perf_counter()
    chosen, notes = discover_one(submission, exercises)
    files = {name: entry.read() for name, entry in chosen.items()}
    report = grade_files(files, exercises, config.get("seed"), "your submission")
    graded = [f"{entry.path.as_posix()} as {name}" for name, entry in chosen.items()]
    print(instructor_summary(report, config, upload_files(submission), graded, notes, time.perf_counter() - start))
    print(f"inputs: {DRAWS.summary()}")
    results = as_gradescope(report, per_check=config.get("per_check", False),
                            visibility=config.get("visibility", "visible"),
                            stdout_visibility=config.get("stdout_visibility", "hidden"))
    found = f"Graded: {', '.join(graded)}." if graded else "No file for any topic was found in your submission."
    results["output"] = "\n".join([found, *notes, results["output"]])
    return results


def upload_files(submission: Path) -> int:
    """How many files the upload holds."""
    return sum(1 for p in submission.rglob("*") if p.is_file()) if submission.is_dir() else 0


def seed_source(config: dict) -> str:
    """Where the grading seed came from, never the seed: this output may be shown to students."""
    if config.get("seed") is None:
        return "none: the public inputs of `check` (no --seed-file or AUTOGRADER_SEED when the bundle was built)"
    return "the grading seed in config.json, fixed when the bundle was built (readable by root alone)"


def instructor_summary(report, config: dict, uploaded: int, graded: list[str], notes: list[str],
                       seconds: float) -> str:
    """run_autograder's output, for the instructor: score, seed source, grader, time, what the upload held."""
    v = report.versions
    lines = [f"nn-autograder {report.grader_version}: Python {v.get('python')}, NumPy {v.get('numpy')}, "
             f"torch {v.get('torch')}, Hypothesis {v.get('hypothesis')}",
             f"seed: {seed_source(config)}",
             f"upload: {uploaded} file{'' if uploaded == 1 else 's'}; graded "
             + (", ".join(graded) if graded else "nothing (no file for any topic)"),
             *[f"  {note}" for note in notes],
             *[f"not gradable {topic}: {why.splitlines()[0] if why else ''}"
               for topic, why in report.not_gradable.items()],
             f"score: {report.score:g} / {report.points:g} in {seconds:.1f} s "
             f"(finished {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())})"]
    return printable("\n".join(lines), keep="\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Grade /autograder/submission (what run_autograder calls).")
    p.add_argument("--autograder", type=Path, default=Path("/autograder"))
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--precompute", type=Path, metavar="DIR", help="draw the inputs into DIR and stop (setup.sh)")
    args = p.parse_args(argv)
    if args.precompute:
        searches = precompute(json.loads(args.config.read_text()), args.precompute)
        print(f"drew the inputs of {searches} searches into {args.precompute}")
        return 0
    try:
        config = json.loads(args.config.read_text())
        results = grade_submission(args.autograder / "submission", config, args.config.parent / "draws")
    except Exception:  # noqa: BLE001 -- the grader's own failure still gets a results.json
        traceback.print_exc()  # stdout_visibility decides whether the student sees it; the instructor always can
        print("nn-autograder: the grader failed (above); this submission scored 0, not graded")
        results = {"score": 0, "tests": [], "output": "The autograder itself failed while grading this submission; "
                   "your work was not graded. Please tell your instructor."}
    write_atomic(args.autograder / "results" / "results.json", json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
