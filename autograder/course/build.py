"""`python -m autograder build`: the student stubs in assignments/ and the nbgrader course in course/,
generated from solutions/ (`stubs.stub`) and the exercise catalog (`notebooks.course_files`).

`build --check` (run in CI) compares instead of writing, so what is committed never drifts.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from autograder.course.notebooks import course_files
from autograder.course.stubs import stub

ROOT = Path(__file__).resolve().parent.parent.parent


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and the text it should hold: the stubs, then the nbgrader course."""
    if not (root / "solutions").is_dir():  # e.g. the grader a student installed from the kit
        raise SystemExit(f"build needs the instructor's repository: no solutions/ in {root}")
    files = {}
    for solution in sorted((root / "solutions").glob("*.py")):
        if solution.name.startswith("_"):
            continue
        files[root / "assignments" / solution.name] = stub(solution.read_text(), solution.stem, solution.name)
    files.update(course_files(root))
    return files


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
