"""The Gradescope autograder zip: what it holds, what setup.sh installs, and run_autograder against a fake
/autograder tree (the bundle's own copy of the grader, not this checkout's), which writes results.json for a
correct upload, a crashing one, and when the grader itself cannot run."""
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import ROOT

MLP = (ROOT / "solutions" / "mlp.py").read_text()
SEED = 918273645  # distinctive: the instructor summary must not print it


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    seed = out.with_name("seed")
    seed.write_text(f"{SEED}\n")
    seed.chmod(0o600)
    run = subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", str(out), "--only", "mlp.tanh",
                          "mlp.affine", "--seed-file", str(seed), "--per-check", "--visibility", "after_due_date"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return out


def fake_autograder(tmp_path: Path, bundle: Path, upload: dict[str, str]) -> Path:
    """/autograder as Gradescope lays it out: source/ (the unzipped bundle), submission/, results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name, text in upload.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    return root


def run_autograder(root: Path, python: str = sys.executable, output: list | None = None) -> dict:
    """results.json after run_autograder; its stdout (Gradescope's autograder output) appended to `output`."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python,
           "PYTHONPATH": str(root / "source" / "grader")}  # setup.sh would have installed this copy
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd="/", env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    if output is not None:
        output.append(run.stdout)
    return json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_the_grader_without_solutions(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        config = json.loads(archive.read("config.json"))
    assert {"setup.sh", "run_autograder", "config.json", "grader/pyproject.toml", "grader/autograder/cli.py",
            "grader/autograder/sandbox/worker.py", "grader/reference/mlp.py"} <= set(names)
    assert not [n for n in names if n.split("/")[:2][-1] in ("solutions", "assignments", "tests", "course")
                or "__pycache__" in n]
    assert "grader/autograder/course/build.py" in names  # the package, whole: only the solutions stay home
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert config == {"only": ["mlp.tanh", "mlp.affine"], "seed": SEED, "per_check": True,
                      "visibility": "after_due_date", "stdout_visibility": "hidden"}


def fake_python(path: Path, version: str, log: Path) -> Path:
    """A stand-in Python at `path` that reports `version`, logs how it is called, and makes a venv of logging pip
    and python stand-ins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""#!/bin/bash
echo "$(basename "$0") $*" >> {log}
if [ "$1" = "--version" ]; then echo "Python {version}"; fi
if [ "$1 $2" = "-m venv" ] && [ -n "$3" ]; then
    mkdir -p "$3/bin"
    printf '#!/bin/bash\\necho "pip $*" >> {log}\\n' > "$3/bin/pip"
    printf '#!/bin/bash\\necho "python $*" >> {log}\\n' > "$3/bin/python"
    chmod +x "$3/bin/pip" "$3/bin/python"
fi
""")
    path.chmod(0o755)
    return path


def tools(tmp_path: Path, *names: str) -> Path:
    """A folder of links to the system tools setup.sh uses, and no Python: PATH holds only the stand-ins we make."""
    folder = tmp_path / "tools"
    folder.mkdir(exist_ok=True)
    for name in ("bash", "dirname", "chmod", "mkdir", "rm", "env", "cat", "basename", "printf", *names):
        found = shutil.which(name)
        if found and not (folder / name).exists():
            (folder / name).symlink_to(found)
    return folder


def run_setup(root: Path, path: list[Path], script: str | None = None) -> subprocess.CompletedProcess:
    """setup.sh run as Gradescope runs it (or `script` run after sourcing it), with PATH = `path` alone."""
    setup = root / "source" / "setup.sh"
    command = ["bash", str(setup)] if script is None else ["bash", "-c", f'source "{setup}"; {script}']
    return subprocess.run(command, env={**os.environ, "AUTOGRADER_ROOT": str(root),
                                        "PATH": ":".join(map(str, path))}, capture_output=True, text=True, timeout=60)


def test_setup_installs_a_cpu_torch_then_the_grader(bundle, tmp_path):
    """setup.sh with `python3` (3.12, as on Ubuntu 24.04) and pip stood in for (no network here): what it would
    install, in which order."""
    root = fake_autograder(tmp_path, bundle, {})
    log = tmp_path / "log"
    stubs = fake_python(tmp_path / "bin" / "python3", "3.12.3", log).parent
    run = run_setup(root, [stubs, tools(tmp_path)])
    assert run.returncode == 0, run.stderr
    steps = log.read_text().splitlines()
    assert f"python3 -m venv {root / 'venv'}" in steps
    torch = next(i for i, s in enumerate(steps) if s.startswith("pip install --index-url"))
    assert "whl/cpu" in steps[torch]
    assert Requirement(steps[torch].split()[-1]) == torch_requirement()  # the project's own bounds, CPU wheel
    grader = steps.index(f"pip install {root / 'source' / 'grader'}")
    assert torch < grader and steps[-1].startswith("python -c import autograder.grading")
    assert (root / "source" / "config.json").stat().st_mode & 0o077 == 0  # the seed: root's alone


def test_setup_finds_a_python_of_at_least_3_11(bundle, tmp_path):
    """find_python, the part of setup.sh that picks the Python: not the image's python3 when it is 3.10 (Ubuntu
    22.04, Gradescope's default image); a python3.12 beside it; python3 itself when it is recent enough."""
    root = fake_autograder(tmp_path, bundle, {})
    log, path = tmp_path / "log", [tmp_path / "bin", tools(tmp_path)]
    fake_python(tmp_path / "bin" / "python3", "3.10.12", log)
    run = run_setup(root, path, "find_python")
    assert run.returncode != 0 and run.stdout == ""
    newer = fake_python(tmp_path / "bin" / "python3.12", "3.12.1", log)
    assert run_setup(root, path, "find_python").stdout.strip() == str(newer)
    newer.unlink()
    fake_python(tmp_path / "bin" / "python3", "3.11.0", log)
    assert run_setup(root, path, "find_python").stdout.strip() == str(tmp_path / "bin" / "python3")
    fake_python(tmp_path / "bin" / "python3", "3.9.18", log)
    assert run_setup(root, path, "find_python").returncode != 0  # 3.9: minor 9 < 11, though "9" > "1"


def test_setup_installs_a_python_with_uv_on_an_image_with_3_10(bundle, tmp_path):
    """On Ubuntu 22.04 (python3 is 3.10) setup.sh installs a Python with uv, where the student's uid can run it,
    and builds the venv from it."""
    root = fake_autograder(tmp_path, bundle, {})
    log = tmp_path / "log"
    fake_python(tmp_path / "bin" / "python3", "3.10.12", log)
    uv = tmp_path / "bin" / "uv"
    installed = root / "python" / "cpython-3.12" / "bin" / "python3.12"
    uv.write_text(f"""#!/bin/bash
echo "uv $*" >> {log}
if [ "$1 $2" = "python install" ]; then
    [ "$UV_PYTHON_INSTALL_DIR" = "{root / 'python'}" ] || exit 1
    mkdir -p "$UV_PYTHON_INSTALL_DIR/cpython-3.12/bin"
    cp {tmp_path / 'bin' / 'python3.12-template'} "$UV_PYTHON_INSTALL_DIR/cpython-3.12/bin/python3.12"
fi
if [ "$1 $2" = "python find" ]; then echo "{installed}"; fi
""")
    uv.chmod(0o755)
    fake_python(tmp_path / "bin" / "python3.12-template", "3.12.7", log)
    run = run_setup(root, [tmp_path / "bin", tools(tmp_path, "cp")])
    assert run.returncode == 0, run.stderr
    steps = log.read_text().splitlines()
    assert "uv python install 3.12" in steps
    assert f"python3.12 -m venv {root / 'venv'}" in steps and not any(s.startswith("python3 -m venv") for s in steps)
    assert installed.stat().st_mode & 0o005 == 0o005  # the student's uid runs the venv's Python through it


def test_shell_files_pass_shellcheck():
    """setup.sh and run_autograder as shipped (package data), checked as CI checks them."""
    from autograder.integrations.gradescope.bundle import FILES

    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (CI installs it)")
    files = [FILES / "setup.sh", FILES / "run_autograder"]
    run = subprocess.run(["shellcheck", "--shell=bash", *map(str, files)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    # an installed grader can build the bundle
    assert set(package_data["autograder.integrations.gradescope"]) == {"setup.sh", "run_autograder"}


def test_the_zip_ships_the_package_files(bundle):
    from autograder.integrations.gradescope.bundle import FILES

    with zipfile.ZipFile(bundle) as archive:
        for name in ("setup.sh", "run_autograder"):
            assert archive.read(name) == (FILES / name).read_bytes()
        env = archive.read("setup.env").decode()
    assert "whl/cpu" in env and "TORCH_REQUIREMENT=" in env


def test_the_instructor_summary_says_where_the_seed_came_from_never_the_seed(tmp_path):
    from autograder.integrations.gradescope.bundle import instructor_summary
    from autograder.grading.grade import versions
    from autograder.grading.results import CheckResult, ExerciseResult, Report

    report = Report("your submission", [ExerciseResult("mlp.tanh", "tanh", [CheckResult("value", 2, 2),
                                                                           CheckResult("grad", 1, 0, "wrong")])],
                    not_gradable={"cnn": "SyntaxError: invalid syntax\n  line 3"}, seed=918273645,
                    grader_version="9.9.9", versions=versions())
    text = instructor_summary(report, {"seed": 918273645}, 3, ["hw/mlp.py as mlp.py"], ["note: two mlp.py"], 1.25)
    assert "918273645" not in text
    assert "seed: the grading seed in config.json" in text and "nn-autograder 9.9.9" in text
    assert "upload: 3 files; graded hw/mlp.py as mlp.py" in text and "note: two mlp.py" in text
    assert "not gradable cnn: SyntaxError" in text and "score: 2 / 3 in 1.2 s" in text and "UTC" in text
    public = instructor_summary(report, {"seed": None}, 1, [], [], 0.5)
    assert "public inputs" in public and "graded nothing" in public and "upload: 1 file;" in public


def torch_requirement() -> Requirement:
    """torch's bounds as pyproject.toml declares them, read here on their own (autograder.project reads them too)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return next(Requirement(r) for r in project["dependencies"] if Requirement(r).name == "torch")


@pytest.mark.slow
def test_run_autograder_grades_an_upload(bundle, tmp_path):
    root = fake_autograder(tmp_path, bundle, {"hw/mlp.py": MLP, "hw/notes.txt": "hello"})
    output = []
    results = run_autograder(root, output=output)
    assert results["score"] == 6 and len(results["tests"]) == 6  # one test per check, as configured
    assert all(t["visibility"] == "after_due_date" for t in results["tests"])
    summary = output[0]  # for the instructor: what ran on what, never the seed
    assert "score: 6 / 6" in summary and "upload: 2 files; graded hw/mlp.py as mlp.py" in summary
    assert "seed: the grading seed in config.json" in summary and str(SEED) not in summary
    assert results["extra_data"]["seed"] == SEED and results["output"].startswith("Graded: hw/mlp.py as mlp.py.")
    probe = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"],
                           env={**os.environ, "PYTHONPATH": str(root / "source" / "grader")}, cwd="/",
                           capture_output=True, text=True)
    assert probe.stdout.startswith(str(root / "source" / "grader"))  # the bundle's grader ran, not this checkout


@pytest.mark.slow
def test_run_autograder_on_a_crashing_and_an_empty_upload(bundle, tmp_path):
    crash = fake_autograder(tmp_path / "crash", bundle, {"mlp.py": "import os\nos._exit(1)\n" + MLP})
    results = run_autograder(crash)
    assert results["score"] == 0 and len(results["tests"]) == 6
    assert all("Not gradable" in t["output"] for t in results["tests"])
    empty = fake_autograder(tmp_path / "empty", bundle, {"README.md": "oops"})
    results = run_autograder(empty)
    assert results["score"] == 0 and "No file for any topic was found" in results["output"]


@pytest.mark.slow
def test_results_json_even_when_the_grader_cannot_run(bundle, tmp_path):
    broken_config = fake_autograder(tmp_path / "config", bundle, {"mlp.py": MLP})
    (broken_config / "source" / "config.json").write_text("{not json")
    results = run_autograder(broken_config)
    assert results["score"] == 0 and "autograder itself failed" in results["output"]
    no_python = fake_autograder(tmp_path / "python", bundle, {"mlp.py": MLP})
    output = []
    results = run_autograder(no_python, python=str(tmp_path / "no-such-python"), output=output)
    assert "the grader did not run (exit status 127" in output[0]
    assert results == {"score": 0, "tests": [], "output": "The autograder failed before grading this submission "
                       "(exit status 127). Your work was not graded: please tell your instructor."}
