"""The Gradescope autograder zip: what it holds, what setup.sh installs, and run_autograder against a fake
/autograder tree (the bundle's own copy of the grader, not this checkout's), which writes results.json for a
correct upload, a crashing one, and when the grader itself cannot run."""
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import ROOT

MLP = (ROOT / "solutions" / "mlp.py").read_text()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    seed = out.with_name("seed")
    seed.write_text("7\n")
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


def run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python,
           "PYTHONPATH": str(root / "source" / "grader")}  # setup.sh would have installed this copy
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd="/", env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
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
    assert config == {"only": ["mlp.tanh", "mlp.affine"], "seed": 7, "per_check": True,
                      "visibility": "after_due_date", "stdout_visibility": "hidden"}


def test_setup_installs_a_cpu_torch_then_the_grader(bundle, tmp_path):
    """setup.sh with `python3` and pip stood in for (no network here): what it would install, in which order."""
    root = fake_autograder(tmp_path, bundle, {})
    stubs, log = tmp_path / "bin", tmp_path / "log"
    stubs.mkdir()
    (stubs / "python3").write_text(f"""#!/bin/bash
echo "python3 $*" >> {log}
if [ "$1 $2" = "-m venv" ] && [ -n "$3" ]; then
    mkdir -p "$3/bin"
    printf '#!/bin/bash\\necho "pip $*" >> {log}\\n' > "$3/bin/pip"
    printf '#!/bin/bash\\necho "python $*" >> {log}\\n' > "$3/bin/python"
    chmod +x "$3/bin/pip" "$3/bin/python"
fi
""")
    (stubs / "python3").chmod(0o755)
    run = subprocess.run(["bash", str(root / "source" / "setup.sh")], env={**os.environ, "AUTOGRADER_ROOT": str(root),
                         "PATH": f"{stubs}:{os.environ['PATH']}"}, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    steps = log.read_text().splitlines()
    torch = next(i for i, s in enumerate(steps) if s.startswith("pip install --index-url"))
    assert "whl/cpu" in steps[torch]
    assert Requirement(steps[torch].split()[-1]) == torch_requirement()  # the project's own bounds, CPU wheel
    grader = steps.index(f"pip install {root / 'source' / 'grader'}")
    assert torch < grader and steps[-1].startswith("python -c import autograder.grading")
    assert (root / "source" / "config.json").stat().st_mode & 0o077 == 0  # the seed: root's alone


def torch_requirement() -> Requirement:
    """torch's bounds as pyproject.toml declares them (the bundle reads the installed metadata: this checks it)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return next(Requirement(r) for r in project["dependencies"] if Requirement(r).name == "torch")


@pytest.mark.slow
def test_run_autograder_grades_an_upload(bundle, tmp_path):
    root = fake_autograder(tmp_path, bundle, {"hw/mlp.py": MLP, "hw/notes.txt": "hello"})
    results = run_autograder(root)
    assert results["score"] == 6 and len(results["tests"]) == 6  # one test per check, as configured
    assert all(t["visibility"] == "after_due_date" for t in results["tests"])
    assert results["extra_data"]["seed"] == 7 and results["output"].startswith("Graded: hw/mlp.py as mlp.py.")
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
    results = run_autograder(no_python, python=str(tmp_path / "no-such-python"))
    assert results == {"score": 0, "tests": [], "output": "The autograder failed before grading this submission "
                       "(exit status 127). Your work was not graded: please tell your instructor."}
