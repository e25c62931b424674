"""Every notebook students get from `nbgrader generate_assignment`, untouched, runs top to bottom as "Restart &
Run All" runs it (a fresh kernel; the first error stops the run): the given cells and the stubs define their
functions, the helper cell is only a comment, and every autograder test cell gives 0 points without an error
or a word on stderr."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course.notebooks import GITIGNORE
from autograder.model import catalog

from conftest import ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
TOPICS = sorted(p.name for p in (ROOT / "course" / "source").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """course/ copied and released by nbgrader with its own configuration: topic -> the released notebook."""
    tmp = tmp_path_factory.mktemp("release")
    ignore = [line.rstrip("/") for line in GITIGNORE.splitlines() if line and not line.startswith("#")]
    shutil.copytree(ROOT / "course", tmp / "course", ignore=shutil.ignore_patterns(*ignore))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_DATA_DIR=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    for topic in TOPICS:
        run = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", topic], cwd=tmp / "course", env=env,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    return tmp, env, {topic: tmp / "course" / "release" / topic / f"{topic}.ipynb" for topic in TOPICS}


@pytest.mark.parametrize("topic", TOPICS)
def test_restart_and_run_all_runs_the_untouched_release(released, topic, monkeypatch):
    from nbclient import NotebookClient

    tmp, env, notebooks = released
    for name in ("CONFIG", "DATA", "RUNTIME"):
        monkeypatch.setenv(f"JUPYTER_{name}_DIR", env[f"JUPYTER_{name}_DIR"])
    nb = nbformat.read(notebooks[topic], as_version=4)
    folder = notebooks[topic].parent
    # allow_errors=False: like Restart & Run All, the first cell that raises stops the run (CellExecutionError)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(tests) == len([ex for ex in catalog() if ex.topic == topic])
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], cell
    for cell in tests:
        values = [o.data["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
        assert values == [], (cell.metadata.nbgrader["grade_id"], cell.outputs)  # no stray value under the feedback
        printed = "".join(o.text for o in cell.outputs if o.get("name") == "stdout")
        assert "not implemented yet" in printed or "NotImplementedError" in printed, printed
