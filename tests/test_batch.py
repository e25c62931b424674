"""Grading a class with `grade-all`: every student graded as `grade` grades them, in parallel, on local
processes or a Dask cluster; hostile and broken submissions cost only themselves; a batch killed mid-way and
run again writes the same gradebook; unchanged work is not regraded, changed work is.

One small class (three exercises each, so the tests stay quick) is graded once and shared.
"""
import csv
import html
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from autograder.grading import grade
from autograder.model import catalog, select

from conftest import ROOT, mutate

pytestmark = pytest.mark.slow

ONLY = ["mlp.tanh", "mlp.sigmoid", "mlp.affine"]
EXERCISES = select(catalog(), ONLY)
MLP = (ROOT / "solutions" / "mlp.py").read_text()
NOTEBOOK = (ROOT / "course" / "source" / "mlp" / "mlp.ipynb").read_text()
WRONG_DERIVATIVE = [("t = np.tanh(z)\n    return 1.0 - t * t", "t = np.tanh(z)\n    return 1.0 - t")]
HANG = [(f"def {fn}({args}):\n", f"def {fn}({args}):\n    while True:\n        pass\n")  # 5 s per call each
        for fn, args in [("tanh", "z"), ("sigmoid", "z"), ("affine_forward", "x, W, b")]]
CRASH = [("def affine_forward(x, W, b):\n", "def affine_forward(x, W, b):\n    import os; os._exit(3)\n")]


def make_class(root: Path) -> Path:
    """Seven students in four layouts: correct, buggy, a notebook in a zip, hostile, partial, empty."""
    files = {
        "alice/mlp.py": MLP,
        "bob_mlp.py": mutate(MLP, WRONG_DERIVATIVE),
        "dave/mlp.py": mutate(MLP, CRASH),  # the process running affine_forward exits
        "erin/mlp.py": "import os\nos._exit(3)\n" + MLP,  # its process exits at import
        "frank.py": MLP.split("\ndef sigmoid")[0],  # tanh only: recognised by its functions
        "gina/README.txt": "I forgot to upload my work",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    with zipfile.ZipFile(root / "carol.zip", "w") as archive:
        archive.writestr("hw1/mlp.ipynb", NOTEBOOK)
    return root


def scratch(out: Path) -> Path:
    """Where the batch writing `out` keeps its temporary files (the sandbox workers' folders among them): beside
    `out`, which is the grader's alone (0700)."""
    return out.with_name(out.name + "-tmp")


def grade_all(root: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    scratch(out).mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out),
                           "--only", *ONLY, "--quiet", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "TMPDIR": str(scratch(out))})


def gradebook(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))


def results(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))}


def check_scores(result) -> dict:
    """(exercise, check) -> score, from a results file or a Report."""
    if isinstance(result, dict):
        return {(e["id"], c["name"]): c["score"] for e in result["exercises"] for c in e["checks"]}
    return {(e.id, c.name): c.score for e in result.exercises for c in e.checks}


def sandbox_workers(out: Path) -> list[psutil.Process]:
    """Processes still running in a folder of `scratch(out)`: the sandbox workers of the batch that wrote `out`."""
    alive = []
    for proc in psutil.process_iter():
        try:
            if proc.cwd().startswith(str(scratch(out))):
                alive.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return alive


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded once with two local grading processes: (root, out, the run)."""
    base = tmp_path_factory.mktemp("batch")
    root = make_class(base / "class")
    run = grade_all(root, base / "out", "--jobs", "2")
    return root, base / "out", run


def test_every_student_graded_once_as_grade_grades_them(graded):
    root, out, run = graded
    assert run.returncode == 0, run.stderr
    stored = results(out)
    assert sorted(stored) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
    for student, result in stored.items():
        alone = grade(out / "submissions" / student, EXERCISES)  # what `grade` gives the same files
        assert check_scores(result) == check_scores(alone), student
        assert result["content_hash"] == alone.content_hash and result["seed"] is None
        assert [e["id"] for e in result["exercises"]] == ONLY
    scores = {s: r["score"] for s, r in stored.items()}
    assert scores["alice"] == scores["carol"] == 7  # a module; a notebook inside a zip
    assert check_scores(stored["bob"])[("mlp.tanh", "da_dz")] == 0 and scores["bob"] == 6
    assert scores["dave"] == 3 and scores["frank"] == 2 and scores["gina"] == 0
    assert "mlp" in stored["erin"]["not_gradable"] and scores["erin"] == 0
    assert stored["carol"]["student"]["files"] == {"mlp.ipynb": "hw1/mlp.ipynb"}
    assert "/tmp" not in json.dumps(stored["gina"]["not_gradable"])  # named as the instructor knows it
    assert not sandbox_workers(out)


def test_gradebook_and_summary(graded):
    root, out, run = graded
    rows = {row["student_id"]: row for row in gradebook(out)}
    assert list(rows) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina"]
    header = list(gradebook(out)[0])
    assert header[:11] == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                           "raw_score", "late_submission_penalty", "score", "max_score"]  # nbgrader's export
    assert header[11:] == ["name"] + ONLY + ["notes"]  # then the name exactly as the layout gave it
    for student, result in results(out).items():
        row = rows[student]
        assert float(row["score"]) == result["score"] and float(row["max_score"]) == 7
        assert sum(float(row[i]) for i in ONLY) == result["score"] and row["assignment"] == "+".join(ONLY)
    assert "no file for any topic" in rows["gina"]["notes"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 7 and summary["graded_this_run"] == 7 and summary["scores"]["full_marks"] == 2
    assert summary["not_gradable"] == {"mlp": 2}  # erin's import, gina's missing file
    missed = {e["id"]: e["students"] for e in summary["exercises_missed"]}
    assert missed == {"mlp.affine": 2, "mlp.sigmoid": 1, "mlp.tanh": 1}  # dave, frank; frank; bob
    assert "Checks most often failed" in run.stdout and "mlp.tanh da_dz" in run.stdout


def test_rerun_reuses_unchanged_work_and_regrades_changed_work(graded, tmp_path):
    root, out, _ = graded
    root2, out2 = tmp_path / "class", tmp_path / "out"
    shutil.copytree(root, root2)
    shutil.copytree(out, out2)
    again = grade_all(root2, out2)
    assert again.returncode == 0 and "0 graded" in again.stdout and "7 unchanged" in again.stdout
    assert (out2 / "gradebook.csv").read_text() == (out / "gradebook.csv").read_text()

    (root2 / "bob_mlp.py").write_text(MLP)  # bob fixes his bug
    fixed = grade_all(root2, out2)
    assert fixed.returncode == 0 and "1 graded" in fixed.stdout and "1 changed since graded (bob)" in fixed.stdout
    assert results(out2)["bob"]["score"] == 7
    assert results(out2)["alice"] == results(out)["alice"]  # untouched

    seed = tmp_path / "seed"
    seed.write_text("7\n")
    seed.chmod(0o600)
    other_seed = grade_all(root2, out2, "--seed-file", str(seed))  # a different grading seed is a different grade
    assert "7 graded" in other_seed.stdout and {r["seed"] for r in results(out2).values()} == {7}


def test_feedback_pages_for_every_student_kept_with_their_results(graded, tmp_path):
    """--html writes each student's `grade --format html` page; students graded before without one are graded
    again for it (same results), then left alone; a regrade without --html removes the page it outdates."""
    root, out, _ = graded
    root2, out2 = tmp_path / "class", tmp_path / "out"
    shutil.copytree(root, root2)
    shutil.copytree(out, out2)
    paged = grade_all(root2, out2, "--html")
    assert paged.returncode == 0 and "7 graded" in paged.stdout and "feedback pages" in paged.stdout, paged.stderr
    pages = {p.stem: html.unescape(p.read_text()) for p in (out2 / "feedback").glob("*.html")}
    assert sorted(pages) == sorted(results(out)) and results(out2) == {
        s: {**r, "seconds": results(out2)[s]["seconds"]} for s, r in results(out).items()}
    assert "Feedback for bob's submission" in pages["bob"] and "da_dz" in pages["bob"] and "FAIL" in pages["bob"]
    assert "data:image/png;base64," in pages["bob"] and str(out2) not in pages["bob"]  # a heatmap; no temp path
    assert "<b>7/7</b> points" in pages["alice"] and "Not gradable" in pages["gina"]
    assert "0 graded" in grade_all(root2, out2, "--html").stdout

    (root2 / "bob_mlp.py").write_text(MLP)
    assert "1 graded" in grade_all(root2, out2).stdout  # without --html: bob's old page would now be wrong
    assert not (out2 / "feedback" / "bob.html").exists() and (out2 / "feedback" / "alice.html").exists()


def test_a_batch_killed_midway_resumes_to_the_same_gradebook(graded, tmp_path):
    root, out, _ = graded
    root2, out2 = tmp_path / "class", tmp_path / "out"
    shutil.copytree(root, root2)
    cmd = [sys.executable, "-m", "autograder", "grade-all", str(root2), "--out", str(out2), "--only", *ONLY,
           "--quiet", "--jobs", "1"]
    batch = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 300
    while not list((out2 / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    family = psutil.Process(batch.pid).children(recursive=True)
    batch.send_signal(signal.SIGKILL)  # the batch alone: its grading process must notice and clean up
    batch.wait()
    done_before = len(list((out2 / "results").glob("*.json")))
    assert 1 <= done_before < 7, "the kill came too late to test anything"
    gone, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"left running after the batch was killed: {alive}"

    resumed = grade_all(root2, out2)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} unchanged" in resumed.stdout and f"{7 - done_before} graded" in resumed.stdout
    assert (out2 / "gradebook.csv").read_text() == (out / "gradebook.csv").read_text()
    assert not list((out2 / "results").glob(".*"))  # no half-written file left behind


def test_a_submission_over_the_batch_limit_costs_only_itself(tmp_path):
    root = tmp_path / "class"
    (root / "alice").mkdir(parents=True)
    (root / "alice" / "mlp.py").write_text(MLP)
    (root / "hugo_mlp.py").write_text(mutate(MLP, HANG))  # at least 15 s of time limits; alice needs ~2 s
    run = grade_all(root, tmp_path / "out", "--jobs", "2", "--timeout", "10")
    assert run.returncode == 1  # a student the grader could not grade: the instructor must know
    stored = results(tmp_path / "out")
    assert stored["alice"]["score"] == 7 and not stored["alice"].get("error")
    assert "took over 10 s" in stored["hugo"]["error"] and stored["hugo"]["score"] == 0
    assert "NOT GRADED" in run.stdout and "hugo" in run.stdout
    assert "not graded: grading this submission took over 10 s" in gradebook(tmp_path / "out")[1]["notes"]
    time.sleep(1)
    assert not sandbox_workers(tmp_path / "out")  # hugo's endless loop was stopped with the process grading it


def test_a_dask_cluster_grades_the_same(graded, tmp_path):
    from distributed import LocalCluster

    root, out, _ = graded
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = grade_all(root, tmp_path / "out", "--scheduler", cluster.scheduler_address)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "gradebook.csv").read_text() == (out / "gradebook.csv").read_text()
    assert {s: check_scores(r) for s, r in results(tmp_path / "out").items()} == \
           {s: check_scores(r) for s, r in results(out).items()}
