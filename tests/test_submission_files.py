"""A submission of several files: the student's own modules and packages beside the topic file are importable in
the sandbox, and cannot shadow NumPy or the worker's modules; a topic that needs another topic's functions (optim
trains the mlp network) imports them from the student's module and says so when it is missing; an import of a
library other than NumPy, and a crashed worker, are said in words a student can act on."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from autograder.grading import grade
from autograder.model import catalog, select
from autograder.sandbox.host import _death
from autograder.submissions import TopicSource, content_hash, topic_source

ROOT = Path(__file__).resolve().parent.parent
MLP = (ROOT / "solutions" / "mlp.py").read_text()


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def scores(report) -> dict[str, tuple[float, float]]:
    return {e.id: (e.score, e.points) for e in report.exercises}


def messages(report) -> str:
    return "\n".join([*(c.message or "" for e in report.exercises for c in e.checks), *report.not_gradable.values()])


# The topic module imports its formulas from a helper module, a package and a namespace package (no __init__.py);
# decoys named like NumPy and the worker's own modules sit beside it and must never be imported.
MULTI_FILE = {
    "mlp.py": MLP.replace("import numpy as np\n", "import numpy as np\nfrom helpers import tanh_of\n"
                          "from nn_scratch.activations import sigmoid_of\nfrom nn_ns.deep.more import relu_of\n", 1)
                 .replace("    return np.tanh(z)\n", "    assert relu_of(1.0) == 1.0\n    return tanh_of(z)\n", 1)
                 .replace("    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n", "    return sigmoid_of(z)\n", 1),
    "helpers.py": "import numpy as np\n\n\ndef tanh_of(z):\n    return np.tanh(z)\n",
    "nn_scratch/__init__.py": "from .activations import sigmoid_of  # noqa: F401\n",
    "nn_scratch/activations.py": "import numpy as np\n\n\ndef sigmoid_of(z):\n    e = np.exp(-np.abs(z))\n"
                                 "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
    "nn_ns/deep/more.py": "def relu_of(x):\n    return max(x, 0.0)\n",
    "numpy.py": "raise SystemExit('the student numpy.py was imported')\n",
    "wire.py": "raise SystemExit('the student wire.py was imported')\n",
    "worker.py": "raise SystemExit('the student worker.py was imported')\n",
}


def test_a_topic_module_imports_the_students_own_modules_and_packages(tmp_path):
    assert "tanh_of(z)" in MULTI_FILE["mlp.py"] and "sigmoid_of(z)\n" in MULTI_FILE["mlp.py"]  # the edits above apply
    folder = write(tmp_path / "sub", MULTI_FILE)
    report = grade(folder, select(catalog(), ["mlp.tanh", "mlp.sigmoid"]))
    assert not report.not_gradable, report.not_gradable
    assert all(score == full > 0 for score, full in scores(report).values()), messages(report)


def test_check_grades_a_submission_of_several_files(tmp_path):
    import subprocess
    import sys

    folder = write(tmp_path / "sub", MULTI_FILE)
    run = subprocess.run([sys.executable, "-m", "autograder", "check", "mlp.tanh", "--submission", str(folder)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr  # 0: full marks


def test_the_students_other_files_change_the_content_hash(tmp_path):
    folder = write(tmp_path / "sub", MULTI_FILE)
    source = topic_source(folder, "mlp")
    assert isinstance(source, TopicSource) and "helpers.py" in dict(source.files)
    before = content_hash([source])
    (folder / "helpers.py").write_text(MULTI_FILE["helpers.py"] + "\n# changed\n")
    assert content_hash([topic_source(folder, "mlp")]) != before


def test_a_link_in_the_submission_is_not_followed(tmp_path):
    """A link could name any file the grader can read (the solutions): it is never sent to the sandbox."""
    folder = write(tmp_path / "sub", {"mlp.py": MLP.replace("import numpy as np\n", "import numpy as np\nimport leak\n", 1)})
    (folder / "leak.py").symlink_to(ROOT / "solutions" / "cnn.py")
    assert "leak.py" not in dict(topic_source(folder, "mlp").files)
    report = grade(folder, select(catalog(), ["mlp.tanh"]))
    assert "No module named 'leak'" in report.not_gradable.get("mlp", "")


def test_optim_train_names_the_mlp_functions_it_needs_and_the_rest_of_optim_grades_alone(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    shutil.copy(ROOT / "solutions" / "optim.py", folder / "optim.py")  # no mlp.py beside it
    report = grade(folder, select(catalog(), ["optim.sgd", "optim.train"]))
    got = scores(report)
    assert got["optim.sgd"][0] == got["optim.sgd"][1] > 0
    assert got["optim.train"][0] == 0
    text = messages(report)
    assert "mlp.py" in text and all(name in text for name in ("init_params", "mlp_forward", "mlp_backward")), text


def test_a_library_other_than_numpy_at_the_top_says_graded_code_runs_with_numpy_only(tmp_path):
    source = MLP.replace("import numpy as np\n", "import numpy as np\nimport plotting_library_not_installed as plt\n", 1)
    folder = write(tmp_path / "sub", {"mlp.py": source})
    why = grade(folder, select(catalog(), ["mlp.tanh"])).not_gradable["mlp"]
    assert "plotting_library_not_installed" in why and "NumPy" in why and 'if __name__ == "__main__":' in why


def test_a_crashed_worker_is_described_in_words(tmp_path):
    source = MLP.replace("def tanh(z):\n", "def tanh(z):\n    import ctypes; ctypes.string_at(0)\n", 1)
    folder = write(tmp_path / "sub", {"mlp.py": source})
    text = messages(grade(folder, select(catalog(), ["mlp.tanh"])))
    assert "crashed with a segmentation fault (signal 11" in text, text
    assert "crashed with a segmentation fault (signal 11; exit status 139)" in _death(139)
    assert "was killed (SIGKILL, signal 9" in _death(-9) and "exited with status 3" in _death(3)


def test_grade_all_sends_a_students_own_modules_with_the_task(tmp_path):
    """grade-all: the student's own modules beside the topic file (a folder per student, a zip) reach the sandbox."""
    import json
    import subprocess
    import sys
    import zipfile

    root, out = tmp_path / "class", tmp_path / "out"
    write(root / "alice" / "hw1", MULTI_FILE)
    with zipfile.ZipFile(root / "bob.zip", "w") as archive:
        for name, text in MULTI_FILE.items():
            archive.writestr(f"work/{name}", textwrap.dedent(text))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--only",
                          "mlp.tanh", "mlp.sigmoid", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "TMPDIR": str(scratch)})
    for student in ("alice", "bob"):
        result = json.loads((out / "results" / f"{student}.json").read_text())
        assert result["score"] == result["max_score"] > 0, (run.stdout, run.stderr, result)
