"""`python -m autograder build`: the student stubs in assignments/ and the nbgrader course in course/,
generated from solutions/ (`stubs.stub`), the exercise catalog (`notebooks.course_files`) and the course's
assignments (course/assignments.toml: an nbgrader assignment each).

`build --check` (run in CI) compares instead of writing, so what is committed never drifts.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from autograder.assignments import declared_ids
from autograder.course.notebooks import course_files, notebook_json
from autograder.course.stubs import stub
from autograder.project import ROOT


def stubs(root: Path = ROOT) -> dict[Path, str]:
    """The student stubs, assignments/<topic>.py, one per solution."""
    if not (root / "solutions").is_dir():  # e.g. the grader a student installed from the kit
        raise SystemExit(f"build needs the instructor's repository: no solutions/ in {root}")
    files = {}
    for solution in sorted((root / "solutions").glob("*.py")):
        if solution.name.startswith("_"):
            continue
        files[root / "assignments" / solution.name] = stub(solution.read_text(), solution.stem, solution.name)
    return files


def nbgrader_course(root: Path = ROOT, definition: Path | None = None) -> dict[Path, str]:
    """The nbgrader course, an nbgrader assignment per assignment of course/assignments.toml:
    course/source/<assignment>/<topic>.ipynb holds that assignment's exercises of the topic, with its points
    (without the file, one per topic: source/<topic>/<topic>.ipynb, every exercise). `definition`: another file
    than course/assignments.toml."""
    from autograder.assignments import exercises_of, load

    files = course_files(root)
    course = root / "course"
    whole = {path.parent.name: (path, text) for path, text in files.items()
             if path.parent.parent == course / "source"}
    for path, _ in whole.values():
        del files[path]
    for a in load(definition or course / "assignments.toml"):
        exercises = exercises_of([a])
        for topic in a.topics:
            path = course / "source" / a.name / f"{topic}.ipynb"
            mine = [ex for ex in exercises if ex.topic == topic]
            if a.name == topic and not a.points and len(mine) == len(declared_ids()[topic]):
                files[path] = whole[topic][1]  # the topic's own notebook
            else:
                files[path] = notebook_json((root / "solutions" / f"{topic}.py").read_text(), topic, mine)
    return files


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and the text it should hold: the stubs, then the nbgrader course."""
    return {**stubs(root), **nbgrader_course(root)}


def build(root: Path = ROOT, check: bool = False) -> list[str]:
    """Write the generated files (or, with check, only compare); returns the drifted or written paths."""
    changed = []
    for path, text in generated(root).items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        changed.append(str(path.relative_to(root)))
        if check:
            diff = difflib.unified_diff((current or "").splitlines(), text.splitlines(), "committed", "generated",
                                        lineterm="", n=1)
            changed[-1] += "\n" + "\n".join(list(diff)[:40])
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return changed
