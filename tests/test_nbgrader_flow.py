"""The README's nbgrader trial on one machine, run as the README writes it (bash, offline, a fresh home), on the
course's committed mlp notebook: students added, the assignment generated and released, fetched and submitted by
four students under their own names (correct code; partly wrong code; code that hangs in one exercise; no
work at all, but cells that attack the grading), collected, autograded (the course's config grades each notebook
file in the sandbox: no student code runs in a kernel), feedback generated, released and fetched, grades
exported. The gradebook must hold, per exercise, exactly the points `python -m autograder grade` gives the same
code as a module, each test cell the CLI's feedback text, grades.csv one row per student, the log no checksum
warning, and the attacker nothing.
"""
import copy
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.course.notebooks import COURSE_ID, GITIGNORE
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
STUDENTS = {"alice": [], "amy": [], "bob": WRONG, "carol": HANG, "mallory": None}
# amy's notebook is one nbgrader's own checks reject (issue 17): a copy-pasted test cell (its metadata and cell id
# duplicated), forged nbgrader metadata; she sorts first, so on her nbgrader stopped grading the class
# mallory implements nothing; her extra cells try the ways an in-kernel grade was beaten (issue 7)
ATTACKS = [
    'get_ipython().ast_node_interactivity = "none"  # a test cell whose value is not displayed got full marks',
    "import autograder.integrations.notebook_cell as cell\ncell.grade_in_notebook = lambda *a, **k: 1e9",
    "import importlib, autograder.integrations.notebook_cell\nimportlib.reload = lambda module: module",
    "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import glob, time, sqlite3\\ntime.sleep(2)\\n"
    "for db in glob.glob(\"/**/gradebook.db\", recursive=True):\\n"
    "    sqlite3.connect(db).execute(\"update grade set auto_score = 99\").connection.commit()'])",
]
BIN = Path(sys.executable).parent
GENERATED_BY_NBGRADER = [line.rstrip("/") for line in GITIGNORE.splitlines() if line and not line.startswith("#")]


def readme_trial() -> dict[int, list[str]]:
    """The README's one-machine trial, the bash block under its heading: step number -> its lines."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### A trial on one machine"):]
    block = section[section.index("```bash\n") + len("```bash\n"):section.index("\n```\n")]
    steps: dict[int, list[str]] = {}
    for line in block.splitlines():
        heading = re.match(r"# (\d)\. ", line)
        if heading:
            steps[int(heading.group(1))] = []
        steps[max(steps)].append(line)
    return steps


def trial_script(python: Path) -> str:
    """The README's trial as one bash script, as it stands, but for three students: alice's part is the
    README's; bob and carol repeat it in subshells (with their names), before her. The install line is left
    out (this test runs in the installed virtualenv), and `jupyter lab` becomes the student's editing."""
    steps = readme_trial()
    install = steps[1].pop(1)
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -e \".[test]\""), install

    def student(name: str) -> list[str]:
        lines = []
        for line in steps[3]:
            line = line.replace("alice", name)
            if line.startswith("jupyter lab "):
                notebook = line.split()[2]
                code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                        f"from test_nbgrader_flow import work; work({name!r}, {notebook!r})")
                line = f"{shlex.quote(str(python))} -c {shlex.quote(code)}"
            lines.append(line)
        return lines

    others = [f"( {'; '.join(l for l in student(name) if not l.startswith('#'))} )"
              for name in STUDENTS if name != "alice"]
    assert "alice" in STUDENTS
    return "\n".join(steps[1] + steps[2] + others + student("alice") + steps[4] + steps[5]) + "\n"


def work(student: str, notebook: str) -> None:
    """What `student` writes in the fetched notebook: the instructor's solution cells, with their edits; for
    mallory, the released stubs untouched and a code cell per attack."""
    if STUDENTS[student] is None:
        nb = nbformat.read(notebook, as_version=4)
        nb.cells[3:3] = [nbformat.v4.new_code_cell(code) for code in ATTACKS]
        nbformat.write(nb, notebook)
        return
    fill(Path(notebook), solution_cells(ROOT / "course" / "source" / TOPIC / f"{TOPIC}.ipynb"), STUDENTS[student])
    if student == "amy":
        rejected_by_nbgrader(Path(notebook))


def rejected_by_nbgrader(notebook: Path) -> None:
    """A duplicated test cell (Jupyter's copy and paste keeps its id and metadata), forged metadata on a cell of her
    own (a schema from the future, 100 points) and on a copy of a solution cell (an old schema), written as JSON so
    that nothing repairs them."""
    nb = json.loads(notebook.read_text())
    cells = nb["cells"]
    test = next(i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_tanh")
    solution = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("solution"))
    cells.insert(test + 1, copy.deepcopy(cells[test]))
    cells.insert(test + 2, {**copy.deepcopy(solution), "metadata": {"nbgrader": {**solution["metadata"]["nbgrader"],
                                                                                 "schema_version": 1}}})
    cells.append({"cell_type": "code", "id": cells[0]["id"], "execution_count": None, "outputs": [], "source": "x = 1",
                  "metadata": {"nbgrader": {"grade": True, "grade_id": "bonus", "points": 100, "solution": False,
                                            "locked": False, "schema_version": 99}}})
    notebook.write_text(json.dumps(nb))


def nbgrader_env(home: Path) -> dict[str, str]:
    """The environment nbgrader runs in: this virtualenv's commands first, a fresh HOME, no Jupyter settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    return env


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
    """`python -m autograder grade DIR --only TOPIC --verbose`, started (it runs while nbgrader does its part): nbgrader's
    feedback keeps every check in full, like the HTML page."""
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(folder), "--only", TOPIC, "--verbose"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def cli_blocks(run: subprocess.Popen) -> dict[str, str]:
    """The CLI's text report: exercise id -> its feedback block."""
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    blocks = out.strip().split("\n\n")[:-1]  # the last block is the summary
    return {block.split()[1]: block for block in blocks}


def test_the_readme_trial_grades_like_the_cli(tmp_path):
    exercises = [ex for ex in catalog() if ex.topic == TOPIC]
    total = sum(ex.points for ex in exercises)
    cell_of = {ex.id: f"test_{ex.id.split('.', 1)[1]}" for ex in exercises}
    repo, home = tmp_path / "repo", tmp_path / "home"
    home.mkdir()
    shutil.copytree(ROOT / "course", repo / "course", ignore=shutil.ignore_patterns(*GENERATED_BY_NBGRADER))
    course = repo / "course"

    cli_runs = {}  # the same code as modules, graded by the CLI
    for student, edits in STUDENTS.items():
        if edits is None:
            continue
        folder = tmp_path / "modules" / student
        folder.mkdir(parents=True)
        (folder / f"{TOPIC}.py").write_text(mutate((ROOT / "solutions" / f"{TOPIC}.py").read_text(), edits))
        cli_runs[student] = start_cli(folder)

    env = nbgrader_env(home)
    start = time.perf_counter()
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", trial_script(BIN / "python")], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=900)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-6000:]
    print(f"the README's trial, four students: {time.perf_counter() - start:.1f} s")
    assert "checksum" not in log.lower(), [l for l in log.splitlines() if "checksum" in l.lower()]
    assert "cheating" not in log.lower()  # check_owner is off in the trial

    released = nbformat.read(course / "release" / TOPIC / f"{TOPIC}.ipynb", as_version=4)
    assert "BEGIN HIDDEN TESTS" not in str(released) and "BEGIN SOLUTION" not in str(released)

    expected = {student: cli_blocks(run) for student, run in cli_runs.items()}

    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in STUDENTS:
            notebook = gb.find_submission_notebook(TOPIC, TOPIC, student)
            cells = {g.name: g.score for g in notebook.grades}
            scores[student] = (gb.find_submission(TOPIC, student).score, cells)
    print({s: total_and_cells[0] for s, total_and_cells in scores.items()})

    assert scores["mallory"][0] == 0 and not any(scores["mallory"][1].values()), scores["mallory"]
    time.sleep(3)  # mallory's daemon, had it run anywhere, would have edited the gradebook by now
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        assert gb.find_submission(TOPIC, "mallory").score == 0
    graded = [student for student, edits in STUDENTS.items() if edits is not None]
    for student in graded:
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

    # Each test cell printed the CLI's feedback, and nothing on stderr.
    for student in graded:
        nb = nbformat.read(course / "autograded" / student / TOPIC / f"{TOPIC}.ipynb", as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade"):
                continue
            assert not [o for o in cell.outputs if o.get("name") == "stderr" or o.output_type == "error"], cell
            printed = "".join(o.text for o in cell.outputs if o.get("name") == "stdout").strip()
            printed = printed.replace(" --submission notebooks", "")  # its commands check the notebook
            ex_id = next(e for e, c in cell_of.items() if c == meta["grade_id"])
            assert printed == expected[student][ex_id], (student, ex_id)
        html = course / "feedback" / student / TOPIC / f"{TOPIC}.html"
        assert html.is_file() and f"{scores[student][0]:g} / {total:g}" in html.read_text().replace(".0 ", " ")
    assert "did not finish within 5 s" in (course / "feedback" / "carol" / TOPIC / f"{TOPIC}.html").read_text()
    # alice fetched her feedback (step 5)
    assert list((home / "students" / "alice" / TOPIC / "feedback").glob(f"*/{TOPIC}.html"))

    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(STUDENTS)  # each under their own name: alice, bob, ..., not this login
    for student, row in rows.items():
        assert row["assignment"] == TOPIC
        assert float(row["score"]) == scores[student][0] and float(row["max_score"]) == total
