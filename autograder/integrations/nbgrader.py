"""What the course changes in nbgrader: how assignments are released, and grades recorded from the sandbox.

Imported by nbgrader's configuration (course/nbgrader_config.py) and `python -m autograder nbgrader-autograde`,
in the instructor's environment, where nbgrader is installed; never in a student's kernel.

Release. nbgrader replaces every solution region with `# YOUR CODE HERE` and `raise NotImplementedError()`.
Inside a function that is right: the stub raises when the grader calls it. At the top level of a cell (the cell
where students may write helper functions) the `raise` runs with the cell, and "Restart & Run All", which the
notebook tells students to use, stops there. `ClearSolutionsRunnable` leaves the comment alone at the top level.

Grades: the official grade of a notebook never comes from a kernel. `nbgrader autograde` runs each submitted notebook in a Jupyter kernel, as the instructor, and scores each test
cell by what the kernel printed: the kernel is the student's, so anything that trusts it can be fooled (a test
cell whose value is not displayed earns full marks; code in the notebook can patch the test, or edit
gradebook.db). `SandboxGrade` takes the place of nbgrader's `Execute` step. It runs nothing in a kernel: it
grades the notebook's own code (its code cells as submitted, the test cells left out; nbgrader has already
restored every locked cell from the gradebook) in the sandbox, exactly as `python -m autograder grade` grades a
module, and writes each test cell's output: the feedback text, and the points as the cell's value. nbgrader's
own `SaveAutoGrades` then records those points through `nbgrader.api.Gradebook`, so the formgrader,
`generate_feedback` and `export` work as usual.

One notebook must not stop the class. nbgrader's `DeduplicateIds` empties the metadata of a duplicated cell (a
copy-pasted test cell), which its own `CheckCellMetadata` then rejects as an "old metadata format":
`SchemaTooOldError`, which ends `nbgrader autograde` for every student after that one; forged metadata (a schema
version of 99, points that are not a number) does the same or fails the notebook. `TrustedCells` takes the place
of `DeduplicateIds` in the sanitizing steps: every cell's nbgrader metadata is rewritten from the gradebook (the
instructor's source cell of that id), a cell the gradebook does not know, or a later copy of one it does, is an
ordinary cell (a copy of a test cell is left out: it is the instructor's, not the student's work), so the
notebook passes nbgrader's checks and is graded like any other.

    python -m autograder nbgrader-autograde ASSIGNMENT [--seed-file FILE] [--student ID]    (in the course folder)

runs `nbgrader autograde` with these steps; or put `from autograder.integrations.nbgrader import preprocessors,
sanitize_preprocessors` and `c.Autograde.autograde_preprocessors = preprocessors()`,
`c.Autograde.sanitize_preprocessors = sanitize_preprocessors()` in nbgrader_config.py (the course's does).
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat
from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor
from traitlets import Unicode

EXERCISE_CALL = re.compile(r"""grade_in_notebook\(\s*["']([\w.]+)["']""")


# == release ====================================================================================


class ClearSolutionsRunnable(ClearSolutions):
    """nbgrader's ClearSolutions, except that a region at a cell's top level becomes the stub's comment only."""

    def _replace_solution_region(self, cell, language):
        replaced = super()._replace_solution_region(cell, language)
        if replaced and cell.cell_type == "code":
            statements = [line for line in self.code_stub[language].split("\n")
                          if line.strip() and not line.lstrip().startswith("#")]
            cell.source = "\n".join(line for line in cell.source.split("\n") if line not in statements)
        return replaced


def generate_assignment_preprocessors() -> list:
    """nbgrader's own list for generate_assignment, with ClearSolutionsRunnable in place of ClearSolutions."""
    default = GenerateAssignment.class_traits()["preprocessors"].make_dynamic_default()
    return [ClearSolutionsRunnable if p is ClearSolutions else p for p in default]


# == autograde ==================================================================================


def preprocessors() -> list:
    """nbgrader's autograde steps, with `SandboxGrade` in place of `Execute` (running the notebook)."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute

    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    return [SandboxGrade if step is Execute else step for step in steps]


def sanitize_preprocessors() -> list:
    """nbgrader's sanitizing steps (before grading), with `TrustedCells` in place of `DeduplicateIds`."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import DeduplicateIds

    steps = Autograde.class_traits()["sanitize_preprocessors"].default()
    return [TrustedCells if step is DeduplicateIds else step for step in steps]


class TrustedCells(NbGraderPreprocessor):
    """A submitted notebook's nbgrader metadata, from the gradebook alone: the student's file decides nothing."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                cells = {c.name: (c.cell_type, bool(c.locked)) for c in source.source_cells}
                points = {c.name: float(c.max_score) for c in [*source.grade_cells, *source.task_cells]}
                solutions = {c.name for c in source.solution_cells}
                tasks = {c.name for c in source.task_cells}
            except MissingEntry:
                cells, points, solutions, tasks = {}, {}, set(), set()
        kept, copies = set(), []
        for cell in reversed(nb.cells):  # nbgrader keeps the last of duplicated cells
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            del cell.metadata["nbgrader"]
            if grade_id not in cells or grade_id in kept:  # not the instructor's, or a later copy
                if grade_id in kept and grade_id in points and grade_id not in solutions | tasks:
                    copies.append(cell)  # a copy of a test cell: the instructor's code, graded nowhere
                self.log.warning("cell %r: nbgrader metadata not from the gradebook; an ordinary cell", grade_id)
                continue
            kept.add(grade_id)
            cell.metadata["nbgrader"] = {
                "grade": grade_id in points and grade_id not in tasks, "solution": grade_id in solutions,
                "locked": cells[grade_id][1], "task": grade_id in tasks, "grade_id": grade_id, "schema_version": 3,
                **({"points": points[grade_id]} if grade_id in points else {})}
        nb.cells = [c for c in nb.cells if not any(c is copy for copy in copies)]
        return nb, resources


class SandboxGrade(NbGraderPreprocessor):
    """Grade the notebook's code in the sandbox; each test cell's output becomes its feedback and points."""

    seed_file = Unicode(None, allow_none=True, help="a file holding the secret grading seed, readable by you alone "
                        "(default: $AUTOGRADER_SEED, else the public inputs); never the seed itself, which a command "
                        "line would show to every process").tag(config=True)

    def preprocess(self, nb, resources):
        from autograder.assignments import assigned_points, with_points
        from autograder.grading import grade
        from autograder.grading.grade import grading_seed
        from autograder.model import catalog
        from autograder.grading.results import NOTEBOOK
        from autograder.outputs.text import exercise_text

        tests = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            found = EXERCISE_CALL.search(cell.source) if cell.cell_type == "code" else None
            if meta.get("grade") and not meta.get("solution") and found:
                tests[id(cell)] = found.group(1)
        by_id = {ex.id: ex for ex in catalog()}
        exercises = with_points([by_id[e] for e in dict.fromkeys(tests.values()) if e in by_id],
                                assigned_points(resources.get("nbgrader", {}).get("assignment")))
        topics = {ex.topic for ex in exercises}
        if len(topics) != 1:
            self.log.warning("no autograder test cells of one topic in this notebook: nothing graded")
            return nb, resources
        topic = topics.pop()
        seed = grading_seed(self.seed_file)
        with tempfile.TemporaryDirectory(prefix="autograder-nbgrader-") as folder:
            nbformat.write(nb, str(Path(folder) / f"{topic}.ipynb"))
            report = grade(Path(folder), exercises, seed=seed)
        results = {r.id: r for r in report.exercises}
        for cell in nb.cells:
            exercise = tests.get(id(cell))
            if exercise is None:
                continue
            if exercise not in results:
                cell.outputs = [nbformat.v4.new_output("error", ename="UnknownExercise", evalue=exercise,
                                                       traceback=[f"no exercise {exercise} in this grader"])]
                continue
            result = results[exercise]
            text = exercise_text(result, verbose=True, reader=NOTEBOOK)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
                            nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(result.score))},
                                                   execution_count=None)]
        resources.setdefault("autograder", {})["seed"] = report.seed
        return nb, resources


def autograde(argv: list[str], seed_file: str | None = None) -> int:
    """`nbgrader autograde` with `SandboxGrade` in place of running the notebooks (argv: nbgrader's arguments;
    `seed_file`: the file holding the grading seed)."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp.instance()
    app.initialize(argv)
    app.config.Autograde.autograde_preprocessors = preprocessors()
    app.config.Autograde.sanitize_preprocessors = sanitize_preprocessors()
    if seed_file is not None:
        app.config.SandboxGrade.seed_file = seed_file
    try:
        app.start()
    except SystemExit as e:
        return int(e.code or 0)
    return 0
