"""The real nbgrader flow, offline, on the course's committed mlp notebook (see README, "Running the course
with nbgrader"): students added, the assignment generated and released, fetched and submitted by four
students (correct code; partly wrong code; code that hangs in one exercise; no work at all, but cells that
attack the grading), collected, autograded by `python -m autograder nbgrader-autograde` (the notebook files
graded in the sandbox, never run in a kernel), feedback generated, grades exported. The gradebook must hold,
per exercise, exactly the points `python -m autograder grade` gives the same code as a module, and each test
cell the CLI's feedback text; the attacker gets nothing.
"""
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.model import catalog

from conftest import ROOT, mutate

pytestmark = pytest.mark.slow

TOPIC = "mlp"  # one topic keeps the test fast; every topic's notebook is built the same way
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
WRONG = [  # bob: two realistic slips, one check each
    ("t = np.tanh(z)\n    return 1.0 - t * t", "t = np.tanh(z)\n    return 1.0 - t"),
    ("x.T @ dout, dout.sum(axis=0)", "x.T @ dout, dout.sum(axis=0) * 2"),
]
HANG = [  # carol: sigmoid never returns; it costs mlp.sigmoid alone
    ("e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow", "while True:\n        pass"),
]
STUDENTS = {"alice": [], "bob": WRONG, "carol": HANG, "mallory": None}
# mallory implements nothing; her extra cells try the ways an in-kernel grade was beaten (issue 7)
ATTACKS = [
    'get_ipython().ast_node_interactivity = "none"  # a test cell whose value is not displayed got full marks',
    "import autograder.notebook_cell as cell\ncell.grade_in_notebook = lambda *a, **k: 1e9",
    "import importlib, autograder.notebook_cell\nimportlib.reload = lambda module: module",
    "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import glob, time, sqlite3\\ntime.sleep(2)\\n"
    "for db in glob.glob(\"/**/gradebook.db\", recursive=True):\\n"
    "    sqlite3.connect(db).execute(\"update grade set auto_score = 99\").connection.commit()'])",
]
BIN = Path(sys.executable).parent


def _env(tmp: Path, data: Path) -> dict:
    env = dict(os.environ)
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",  # nbgrader runs `alembic` from PATH
               JUPYTER_CONFIG_DIR=str(tmp / "jupyter" / "config"), JUPYTER_DATA_DIR=str(data),
               JUPYTER_RUNTIME_DIR=str(tmp / "jupyter" / "runtime"), PYTHONWARNINGS="ignore")
    return env


def nbgrader(*args, cwd: Path, env: dict, command=(str(BIN / "nbgrader"),)) -> float:
    start = time.perf_counter()
    run = subprocess.run([*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"{' '.join(command)} {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return time.perf_counter() - start


def attack(notebook: Path) -> None:
    """mallory's notebook: the released stubs untouched, and a code cell per attack."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[3:3] = [nbformat.v4.new_code_cell(code) for code in ATTACKS]
    nbformat.write(nb, notebook)


def solution_cells(source_notebook: Path) -> dict[str, str]:
    """grade_id -> the solution code a student would write: the instructor's, without the markers."""
    nb = nbformat.read(source_notebook, as_version=4)
    return {c.metadata.nbgrader["grade_id"]: "\n".join(l for l in c.source.splitlines()
                                                        if l.strip() not in (BEGIN, END))
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


def fill(notebook: Path, answers: dict[str, str], edits) -> None:
    """Write the answers into the fetched notebook's solution cells, with `edits` applied across them."""
    nb = nbformat.read(notebook, as_version=4)
    pending = list(edits)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            for old, new in list(pending):
                if old in cell.source:
                    cell.source = mutate(cell.source, [(old, new)])
                    pending.remove((old, new))
    assert not pending, f"edits not applied: {pending}"
    nbformat.write(nb, notebook)


def start_cli(folder: Path) -> subprocess.Popen:
    """`python -m autograder grade DIR --only TOPIC`, started (it runs while nbgrader does its part)."""
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(folder), "--only", TOPIC],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def cli_blocks(run: subprocess.Popen) -> dict[str, str]:
    """The CLI's text report: exercise id -> its feedback block."""
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    blocks = out.strip().split("\n\n")[:-1]  # the last block is the summary
    return {block.split()[1]: block for block in blocks}


def test_nbgrader_flow_grades_like_the_cli(tmp_path):
    exercises = [ex for ex in catalog() if ex.topic == TOPIC]
    total = sum(ex.points for ex in exercises)
    cell_of = {ex.id: f"test_{ex.id.split('.', 1)[1]}" for ex in exercises}
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    (course / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "course" / "source" / TOPIC, course / "source" / TOPIC)
    (course / "nbgrader_config.py").write_text(
        (ROOT / "course" / "nbgrader_config.py").read_text()
        + f"c.Exchange.root = {str(exchange)!r}\nc.ExchangeCollect.check_owner = False  # every student is this user\n")
    env = _env(tmp_path, tmp_path / "jupyter" / "data")
    times = {}

    cli_runs = {}  # the same code as modules, graded by the CLI
    for student, edits in STUDENTS.items():
        if edits is None:
            continue
        folder = tmp_path / "modules" / student
        folder.mkdir(parents=True)
        (folder / f"{TOPIC}.py").write_text(mutate((ROOT / "solutions" / f"{TOPIC}.py").read_text(), edits))
        cli_runs[student] = start_cli(folder)

    (course / "students.csv").write_text("id,first_name,last_name,email\n" + "".join(
        f"{s},{s.title()},Student,{s}@example.org\n" for s in STUDENTS))
    times["db student import"] = nbgrader("db", "student", "import", "students.csv", cwd=course, env=env)
    times["generate_assignment"] = nbgrader("generate_assignment", TOPIC, cwd=course, env=env)
    times["release_assignment"] = nbgrader("release_assignment", TOPIC, cwd=course, env=env)

    released = nbformat.read(course / "release" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    assert "BEGIN HIDDEN TESTS" not in str(released) and "BEGIN SOLUTION" not in str(released)

    answers = solution_cells(course / "source" / TOPIC / f"{TOPIC}.ipynb")
    for student, edits in STUDENTS.items():
        home = tmp_path / "students" / student
        home.mkdir(parents=True)
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = {course_id(course)!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\n")
        senv = _env(tmp_path, home / ".jupyter-data")  # each student's own submit cache
        nbgrader("fetch_assignment", TOPIC, cwd=home, env=senv)
        if edits is None:
            attack(home / TOPIC / f"{TOPIC}.ipynb")
        else:
            fill(home / TOPIC / f"{TOPIC}.ipynb", answers, edits)
        nbgrader("submit", TOPIC, f"--student={student}", cwd=home, env=senv)

    times["collect"] = nbgrader("collect", TOPIC, cwd=course, env=env)
    times["nbgrader-autograde (4 students)"] = nbgrader("nbgrader-autograde", TOPIC, cwd=course, env=env,
                                                       command=(sys.executable, "-m", "autograder"))
    times["generate_feedback"] = nbgrader("generate_feedback", TOPIC, cwd=course, env=env)
    times["export"] = nbgrader("export", "--to=grades.csv", cwd=course, env=env)
    print("\n".join(f"{step}: {seconds:.1f} s" for step, seconds in times.items()))

    expected = {student: cli_blocks(run) for student, run in cli_runs.items()}

    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=course_id(course)) as gb:
        for student in STUDENTS:
            notebook = gb.find_submission_notebook(TOPIC, TOPIC, student)
            cells = {g.name: g.score for g in notebook.grades}
            scores[student] = (gb.find_submission(TOPIC, student).score, cells)
    print({s: total_and_cells[0] for s, total_and_cells in scores.items()})

    assert scores["mallory"][0] == 0 and not any(scores["mallory"][1].values()), scores["mallory"]
    time.sleep(3)  # mallory's daemon, had it run anywhere, would have edited the gradebook by now
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=course_id(course)) as gb:
        assert gb.find_submission(TOPIC, "mallory").score == 0
    for student in STUDENTS:
        if STUDENTS[student] is None:
            continue
        score, cells = scores[student]
        for ex in exercises:
            header = expected[student][ex.id].splitlines()[0]
            cli_score = float(header.rsplit("[", 1)[1].split("/")[0])
            assert cells[cell_of[ex.id]] == cli_score, (student, ex.id, cells, header)
        assert score == sum(cells.values())
    assert scores["alice"][0] == total
    assert scores["bob"][0] == total - 2
    assert scores["bob"][1]["test_tanh"] == 1 and scores["bob"][1]["test_affine"] == 3
    assert scores["carol"][0] == total - 1 and scores["carol"][1]["test_sigmoid"] == 0

    # Each test cell shows the CLI's feedback, and nothing on stderr.
    for student in [s for s, edits in STUDENTS.items() if edits is not None]:
        nb = nbformat.read(course / "autograded" / student / TOPIC / f"{TOPIC}.ipynb", as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade"):
                continue
            assert not [o for o in cell.outputs if o.get("name") == "stderr" or o.output_type == "error"], cell
            printed = "".join(o.text for o in cell.outputs if o.get("name") == "stdout").strip()
            ex_id = next(e for e, c in cell_of.items() if c == meta["grade_id"])
            assert printed == expected[student][ex_id], (student, ex_id)
        html = course / "feedback" / student / TOPIC / f"{TOPIC}.html"
        assert html.is_file() and f"{scores[student][0]:g} / {total:g}" in html.read_text().replace(".0 ", " ")
    assert "did not finish within 5 s" in (course / "feedback" / "carol" / TOPIC / f"{TOPIC}.html").read_text()

    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(STUDENTS)
    for student, row in rows.items():
        assert row["assignment"] == TOPIC
        assert float(row["score"]) == scores[student][0] and float(row["max_score"]) == total


def course_id(course: Path) -> str:
    for line in (course / "nbgrader_config.py").read_text().splitlines():
        if line.startswith("c.CourseDirectory.course_id"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise AssertionError("no course_id in nbgrader_config.py")
