"""`python -m autograder release OUT`: the student kit, everything a student gets and nothing more.

    OUT/README.md                  install, work, check, hand in (generated from the catalog); the assignments
    OUT/.gitignore                 the virtual environment, caches, checkpoints and reports stay out of git
    OUT/assignments/<topic>.py     the stubs: the repository's assignments/, generated from solutions/
    OUT/notebooks/<topic>.ipynb    the same exercises as notebooks, each test cell giving feedback in place
    OUT/grader/                    the grader as a project to `pip install`: autograder/, reference/ (the torch
                                   formulas `check` compares with) and pyproject.toml; no solutions/, no tests/

Every check is public (`check` runs the instructor's checks), so the grader ships whole. What stays with the
instructor is solutions/, tests/ (whose correct variants are solutions too), benchmarks/ and the nbgrader course.
"""
from __future__ import annotations

import json
from pathlib import Path

from autograder.course.build import stubs
from autograder.course.notebooks import course_files
from autograder.course.stubs import clear_solutions
from autograder.project import ROOT, TORCH_CPU_INDEX, grader_files, torch_requirement


def student_notebook(text: str, topic: str) -> str:
    """A source notebook of course/source/ as students get it outside nbgrader: the solution regions
    replaced by the stubs of assignments/ (a function raises NotImplementedError naming its exercise; a
    region at a cell's top level, the solution's helpers, is removed), everything else as it is."""
    nb = json.loads(text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            source = "".join(cell["source"])
            cleared = clear_solutions(source, topic, f"{topic}.ipynb").rstrip("\n")
            cell["source"] = [line for line in cleared.splitlines(keepends=True)]
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _assignments_text(assignments) -> list[str]:
    """The README's list of the kit's assignments: each one's exercises, points and due date."""
    from autograder.assignments import exercises_of, plural

    lines = ["## Assignments", ""]
    for a in assignments:
        mine = exercises_of([a])
        due = f", due {a.due.isoformat()}" if a.due else ""
        lines.append(f"**{a.name}** ({plural(sum(ex.points for ex in mine), 'point')}{due}):")
        lines += [f"- `{ex.id}` ({plural(ex.points, 'point')}): {ex.title}" for ex in mine] + [""]
    return lines


def student_readme(topics: list[str], assignments=None) -> str:
    from autograder.assignments import exercises_of, plural
    from autograder.model import catalog

    exercises = exercises_of(assignments) if assignments else [ex for ex in catalog() if ex.topic in topics]
    points = sum(ex.points for ex in exercises)
    first = topics[0] if topics else "mlp"
    example = next((ex.id for ex in exercises if ex.topic == first), f"{first}.name")
    torch = torch_requirement()
    commands = [(f"python -m autograder check {first}", "one topic"),
                (f"python -m autograder check {example}", "one exercise"),
                ("python -m autograder check", "everything"),
                (f"python -m autograder check --submission notebooks {first}", "your notebook, not assignments/"),
                (f"python -m autograder check --watch {first}", "again each time you save"),
                (f"python -m autograder check {first} --html report.html", "also a page with pictures")]
    width = max(len(command) for command, _ in commands) + 2
    return "\n".join([
        "# Neural networks from first principles: your kit",
        "",
        "You implement every formula of the course in NumPy; the grader checks each value and each gradient",
        "against PyTorch autograd, on generated inputs, and tells you what is wrong on the smallest input that",
        f"shows it. Topics, in course order: {', '.join(topics)} ({plural(len(exercises), 'exercise')}, "
        f"{plural(points, 'point')}).",
        "",
        "## Install, once",
        "",
        "You need Python 3.11 or newer. In this folder:",
        "",
        "**Linux.** The first `pip` line takes PyTorch's CPU build, about 200 MB (without it, pip takes the CUDA",
        "build, several GB, which the grader does not use):",
        "",
        "```bash",
        "python3 -m venv .venv",
        f'.venv/bin/pip install "{torch}" --index-url {TORCH_CPU_INDEX}',
        ".venv/bin/pip install ./grader",
        "```",
        "",
        "**macOS** (Apple silicon: PyTorch's macOS build is the CPU build already):",
        "",
        "```bash",
        "python3 -m venv .venv",
        ".venv/bin/pip install ./grader",
        "```",
        "",
        "On an Intel Mac, PyTorch's last build is 2.2, made for NumPy 1, and the grader needs NumPy 2.4 or newer:",
        "use a Linux machine or container there.",
        "",
        "**Windows** (PowerShell; PyTorch's Windows build is the CPU build already):",
        "",
        "```powershell",
        "py -m venv .venv",
        r".venv\Scripts\pip install ./grader",
        "```",
        "",
        r"Below, `python` means the environment's Python: `.venv/bin/python` (Windows: `.venv\Scripts\python`),",
        r"or plain `python` after `source .venv/bin/activate` (Windows: `.venv\Scripts\Activate.ps1`).",
        "",
        "## Work",
        "",
        "Each topic is in two forms; use the one you like, and run `check` from any folder of the kit (from",
        "`notebooks/` it checks your notebooks; from anywhere else, `assignments/`).",
        "",
        "- `assignments/<topic>.py`: replace each `raise NotImplementedError(...)` with your code, NumPy only.",
        "  The docstrings give the formula, the shapes and the conventions.",
        "- `notebooks/<topic>.ipynb`: the same exercises, with the formulas typeset. Open it with Jupyter in",
        "  the same environment (`python -m pip install jupyterlab`, then `python -m jupyterlab`). After each",
        "  exercise, its **autograder test** cell grades the functions the notebook defines and prints the",
        "  same feedback as `check`; a training exercise's cell also draws your learning curves. Run the whole",
        "  notebook from the top before you hand it in.",
        "",
        "## Check",
        "",
        "```bash",
        *(f"{command:<{width}}# {comment}" for command, comment in commands),
        "```",
        "",
        "For every exercise you see each check (the forward value, each gradient, ...) with its points; for a",
        "failing one, what is wrong (shape, dtype, NaN, which entry, expected vs got, hints such as \"every value",
        "is 5 times the expected one\"), and the smallest input that shows it. The exit status is 0 only with",
        "full marks. Your code runs in a separate process with a time limit, so a hang or a crash costs only the",
        "checks it touches. With `--html`, a page (open it in a browser) shows each wrong array as heatmaps of",
        "the expected values, yours and their difference, and each training exercise with its learning curves:",
        "your training, run again for a range of epoch counts, against the correct training from the same start.",
        "",
        *(_assignments_text(assignments) if assignments else []),
        "## Hand in",
        "",
        "Hand in what your course asks for: `assignments/<topic>.py`, one file per topic, or your",
        "`notebooks/<topic>.ipynb`.",
        "The instructor's grade runs exactly the checks of `check`, possibly on other inputs drawn the same",
        "way: code that is right earns the same points, code fitted to the inputs you saw does not.",
        "",
    ])


GRADER_README = """# nn-autograder, the grader of the course

What `python -m autograder check` needs: the exercises and their checks (`autograder/`) and the formulas they
are compared with, written in PyTorch (`reference/`). Install it with `pip install ./grader` from the kit;
the kit's README.md says how, per platform.
"""


GITIGNORE = "\n".join(["# Made while you work, not part of your work", ".venv/", "venv/", "__pycache__/", "*.pyc",
                       ".ipynb_checkpoints/", "*.html", "results/", ".hypothesis/", ""])


def release(out: Path, root: Path = ROOT, assignments=None) -> list[Path]:
    """Write the student kit to `out` (a new or empty folder): the topics of `assignments` (a list of
    `autograder.assignments.Assignment`; None: every topic); returns the files written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: the kit goes in a new folder")
    if not (root / "solutions").is_dir():
        raise FileNotFoundError("release needs the instructor's repository (solutions/ beside autograder/)")
    files: dict[Path, str] = {}
    topics = []
    wanted = {t for a in assignments for t in a.topics} if assignments else None
    for path, text in {**stubs(root), **course_files(root)}.items():  # every topic whole, in notebooks/ too
        relative = path.relative_to(root)
        if wanted is not None and path.stem not in wanted:
            continue
        if relative.parts[0] == "assignments":
            files[out / relative] = text
            topics.append(path.stem)
        elif relative.parts[:2] == ("course", "source") and path.suffix == ".ipynb":
            files[out / "notebooks" / path.name] = student_notebook(text, path.stem)
    from autograder.model import course_order

    topics.sort(key=course_order)
    files[out / "README.md"] = student_readme(topics, assignments)
    files[out / ".gitignore"] = GITIGNORE
    files[out / "grader" / "README.md"] = GRADER_README
    for source in grader_files(root):
        files[out / "grader" / source.relative_to(root)] = source.read_text()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(files)
