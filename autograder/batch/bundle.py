"""The Gradescope autograder: `python -m autograder gradescope-bundle OUT.zip`, and what runs inside it.

OUT.zip, uploaded as the assignment's autograder ("Zip file upload"), holds:

    setup.sh         run once when Gradescope builds the image: Python, a CPU-only torch, the grader
    run_autograder   run for each submission: grades /autograder/submission, writes /autograder/results/results.json
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
import sys
import traceback
import zipfile
from importlib import metadata
from pathlib import Path

from autograder.batch.worker import ROOT

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # PyPI's Linux torch is the multi-GB CUDA build
GRADER_FILES = ("pyproject.toml", "README.md", "autograder/**/*.py", "reference/**/*.py")
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # the same inputs make the same zip

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image.
set -euo pipefail
SOURCE="$(cd "$(dirname "$0")" && pwd)"
AUTOGRADER="${{AUTOGRADER_ROOT:-/autograder}}"
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv "$AUTOGRADER/venv"
PIP="$AUTOGRADER/venv/bin/pip"
"$PIP" install --upgrade pip
# CPU-only torch first: installing the grader then finds its torch requirement met.
"$PIP" install --index-url "{torch_index}" "{torch}"
"$PIP" install "$SOURCE/grader"
# The inputs every student's grading replays, drawn once (without them each submission's grading draws its own).
"$AUTOGRADER/venv/bin/python" -m autograder.batch.bundle --precompute "$SOURCE/draws" --config "$SOURCE/config.json" \
    || echo "warning: the inputs could not be drawn ahead; each submission's grading draws them"
# Fail the image build here, not at the first student.
"$AUTOGRADER/venv/bin/python" -c "import autograder.grading, autograder.batch.bundle"
# The grading seed is for the grader alone: without bubblewrap, student code runs as a uid of its own (README,
# threat model), which must be able to run this Python, and must not read config.json.
chmod o+x "$AUTOGRADER"
chmod -R o+rX "$AUTOGRADER/venv"
chmod 600 "$SOURCE/config.json"
chmod -R go-rwx "$SOURCE/draws" 2>/dev/null || true
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for each submission. Whatever happens, results.json exists when it ends.
AUTOGRADER="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$AUTOGRADER/venv/bin/python}"
RESULTS="$AUTOGRADER/results/results.json"
mkdir -p "$AUTOGRADER/results"
rm -f "$RESULTS"
cd "$AUTOGRADER"
"$PYTHON" -m autograder.batch.bundle --autograder "$AUTOGRADER" --config "$AUTOGRADER/source/config.json"
status=$?
if [ ! -s "$RESULTS" ]; then  # the grader could not even write its own failure (Python missing, killed, ...)
    printf '%s\n' '{"score": 0, "tests": [], "output": "The autograder failed before grading this submission (exit status '"$status"'). Your work was not graded: please tell your instructor."}' > "$RESULTS"
fi
exit 0
"""


def torch_requirement() -> str:
    """The grader's own torch requirement (the CPU build's bounds), as installed."""
    for requirement in metadata.requires("nn-autograder") or []:
        if requirement.replace(" ", "").startswith("torch") and "extra" not in requirement:
            return requirement.split(";")[0].strip()
    raise RuntimeError("nn-autograder's metadata names no torch requirement")


def build_bundle(out: Path, config: dict, torch_index: str = TORCH_CPU_INDEX) -> list[str]:
    """Write the autograder zip; return the names it holds."""
    if not (ROOT / "pyproject.toml").is_file():
        raise RuntimeError(f"the grader's source tree is needed (pyproject.toml, autograder/, reference/); "
                           f"{ROOT} is an installed copy")
    files = {"setup.sh": SETUP_SH.format(torch_index=torch_index, torch=torch_requirement()),
             "run_autograder": RUN_AUTOGRADER, "config.json": json.dumps(config, indent=2) + "\n"}
    for pattern in GRADER_FILES:
        for path in sorted(ROOT.glob(pattern)):
            if "__pycache__" not in path.parts:
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
    DRAWS.folders.insert(0, Folder(folder, config.get("seed")))
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
        DRAWS.folders.insert(0, Folder(draws, config.get("seed"), writable=False))
    chosen, notes = discover_one(submission, exercises)
    files = {name: entry.read() for name, entry in chosen.items()}
    report = grade_files(files, exercises, config.get("seed"), "your submission")
    print(f"inputs: {DRAWS.summary()}")  # for the instructor (Gradescope's autograder output)
    results = as_gradescope(report, per_check=config.get("per_check", False),
                            visibility=config.get("visibility", "visible"),
                            stdout_visibility=config.get("stdout_visibility", "hidden"))
    graded = ", ".join(f"{entry.path.as_posix()} as {name}" for name, entry in chosen.items())
    found = f"Graded: {graded}." if graded else "No file for any topic was found in your submission."
    results["output"] = "\n".join([found, *notes, results["output"]])
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Grade /autograder/submission (what run_autograder calls).")
    p.add_argument("--autograder", type=Path, default=Path("/autograder"))
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--precompute", type=Path, metavar="DIR", help="draw the inputs into DIR and stop (setup.sh)")
    args = p.parse_args(argv)
    from autograder.batch.run import write_atomic

    if args.precompute:
        searches = precompute(json.loads(args.config.read_text()), args.precompute)
        print(f"drew the inputs of {searches} searches into {args.precompute}")
        return 0
    try:
        config = json.loads(args.config.read_text())
        results = grade_submission(args.autograder / "submission", config, args.config.parent / "draws")
    except Exception:  # noqa: BLE001 -- the grader's own failure still gets a results.json
        traceback.print_exc()  # stdout_visibility decides whether the student sees it; the instructor always can
        results = {"score": 0, "tests": [], "output": "The autograder itself failed while grading this submission; "
                   "your work was not graded. Please tell your instructor."}
    write_atomic(args.autograder / "results" / "results.json", json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
