"""The student kit (`python -m autograder release OUT`): what is in it, that no solution is, and that `check`
works in it, with its grader installed into a fresh virtual environment that cannot see this repository."""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course import release as kit
from autograder.course.build import generated
from autograder.project import TORCH_CPU_INDEX

from conftest import ROOT

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def solution_regions() -> dict[str, tuple[str, ...]]:
    """'<file>:<line>' -> the stripped, non-blank lines of each solution region of solutions/*.py."""
    regions = {}
    for path in sorted((ROOT / "solutions").glob("*.py")):
        inside = None
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.strip() == BEGIN:
                inside, body = number, []
            elif line.strip() == END:
                regions[f"{path.name}:{inside}"] = tuple(l for l in body if l and not l.startswith("#"))
                inside = None
            elif inside:
                body.append(line.strip())
    return regions


def holders(region: tuple[str, ...], texts: dict[str, str]) -> list[str]:
    """The names of the texts that hold the region's lines in a row (indentation, blank and comment lines aside,
    as in solution_regions)."""
    found = []
    for name, text in texts.items():
        lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
        if any(tuple(lines[i:i + len(region)]) == region for i in range(len(lines) - len(region) + 1)):
            found.append(name)
    return found


def kit_texts(out: Path) -> dict[str, str]:
    """Every file of the kit as text; a notebook as its cells' sources."""
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        text = path.read_text()
        if path.suffix == ".ipynb":
            text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
        texts[str(path.relative_to(out))] = text
    return texts


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kit") / "kit"
    return out, kit.release(out)


def test_the_kit_holds_the_stubs_notebooks_readme_and_grader(built):
    out, written = built
    names = {str(p.relative_to(out)) for p in written}
    assert names == {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    topics = sorted(p.stem for p in (ROOT / "solutions").glob("*.py"))
    for topic in topics:
        assert (out / "assignments" / f"{topic}.py").read_text() == (ROOT / "assignments" / f"{topic}.py").read_text()
        assert f"notebooks/{topic}.ipynb" in names
    assert {"README.md", "grader/pyproject.toml", "grader/README.md", "grader/autograder/cli.py",
            "grader/reference/mlp.py"} <= names
    top = {Path(n).parts[0] for n in names} | {Path(n).parts[1] for n in names if n.startswith("grader/")}
    assert not top & {"solutions", "tests", "benchmarks", "course", ".ci", "scripts"}, top
    readme = (out / "README.md").read_text()
    for platform in ("**Linux.**", "**macOS**", "**Windows**"):
        assert platform in readme
    assert f"--index-url {TORCH_CPU_INDEX}" in readme and "python -m autograder check mlp" in readme


def test_every_command_of_the_kit_readme_is_one_the_grader_takes(built):
    """The README lists `check`'s options (--watch, --html, --submission) without asking the command line which
    exist (release sits below cli): each command it shows must parse."""
    import shlex

    from autograder.cli import parser

    out, _ = built
    commands = [line.split("#")[0].strip() for line in (out / "README.md").read_text().splitlines()
                if line.startswith("python -m autograder ")]
    assert any("--watch" in c for c in commands) and any("--html" in c for c in commands)
    for command in commands:
        parser().parse_args(shlex.split(command)[3:])  # argparse exits (SystemExit) on an option it does not know


def test_no_solution_is_in_the_kit(built):
    """No solution region of solutions/ is in any file of the kit, except code that the stubs give anyway (cnn's
    provided affine layer is mlp's solution). The search finds every region in solutions/ itself."""
    out, _ = built
    regions = solution_regions()
    assert len(regions) > 20
    given = {str(p.relative_to(ROOT)): text for p, text in generated(ROOT).items() if p.suffix == ".py"}
    solutions = {p.name: p.read_text() for p in (ROOT / "solutions").glob("*.py")}
    texts = kit_texts(out)
    leaked = {}
    for where, region in regions.items():
        assert holders(region, solutions), where  # the search can find a region
        if holders(region, given):
            continue
        found = holders(region, texts)
        if found:
            leaked[where] = found
    assert not leaked, leaked
    # and no solution region is left anywhere, even an empty one
    for name, text in texts.items():
        assert not {line.strip() for line in text.splitlines()} & {BEGIN, END}, name


def test_student_notebooks_run_through_and_grade_like_the_stubs(built):
    """A kit notebook's solution cells are the stub module's functions (each raising its exercise's message);
    the helper cell keeps only its comment, so the notebook runs top to bottom."""
    out, _ = built
    nb = json.loads((out / "notebooks" / "cnn.ipynb").read_text())
    code = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"}
    assert code["helper__windows"] == "# Helper functions for the exercises below, if you want any: write them here."
    assert 'raise NotImplementedError("conv_forward: not implemented yet (exercise cnn.conv)")' in code["code_conv"]
    for text in code.values():
        assert not [node for node in ast.parse(text).body if isinstance(node, ast.Raise)], text


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "kit").mkdir()
    (tmp_path / "kit" / "mine.py").write_text("")
    with pytest.raises(FileExistsError):
        kit.release(tmp_path / "kit")


def _venv_site_packages(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_check_runs_in_the_kit_with_its_own_grader(built, tmp_path):
    """The kit's grader, installed (not editable) into a new virtual environment whose only other packages are
    this one's (numpy, torch, Hypothesis, by a path entry: so no copy of the grader from this repository), runs
    `check` from the kit's folder: the untouched stubs score 0 and exit 1, the instructor's solution gets every
    point of the exercises checked; `build` refuses to run there."""
    out, _ = built
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    Path(_venv_site_packages(python), "dependencies.pth").write_text(_venv_site_packages(Path(sys.executable)) + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                              "--no-deps", "--no-build-isolation", "--ignore-installed", str(out / "grader")],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}

    def run(*args, cwd=out):
        return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)

    where = run("-c", "import autograder, reference; print(autograder.__file__); print(reference.__file__)")
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(env_dir)) for line in where.stdout.split()), where.stdout

    exercises = ["mlp.tanh", "mlp.affine"]
    stubs = run("-m", "autograder", "check", *exercises)
    def score_of(run) -> str:
        return next((line for line in run.stdout.splitlines() if line.startswith("Score:")), "")

    assert stubs.returncode == 1 and "0/6" in score_of(stubs), stubs.stdout + stubs.stderr

    work = tmp_path / "work"
    work.mkdir()
    (work / "mlp.py").write_text((ROOT / "solutions" / "mlp.py").read_text())  # a student who got it right
    done = run("-m", "autograder", "check", "--submission", str(work), *exercises)
    assert done.returncode == 0 and "6/6" in score_of(done), done.stdout + done.stderr
    page = tmp_path / "report.html"  # the README's --html: the kit's own grader draws the learning curves
    pictured = run("-m", "autograder", "check", "--submission", str(work), "mlp.train_mlp", "--html", str(page))
    assert pictured.returncode == 0 and "Learning curve" in page.read_text(), pictured.stdout + pictured.stderr

    notebook = run("-m", "autograder", "check", "--submission", "notebooks", "mlp.tanh")
    assert notebook.returncode == 1 and "0/2" in score_of(notebook), notebook.stdout + notebook.stderr

    build = run("-m", "autograder", "build")
    assert build.returncode != 0 and "instructor's repository" in build.stderr + build.stdout
