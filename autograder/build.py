"""Generating the student stubs in assignments/ and the nbgrader course in course/ from solutions/.

In a solution module, each solution region sits between `### BEGIN SOLUTION` and
`### END SOLUTION` (nbgrader's markers). Inside a function the region becomes a
stub that names its exercise and raises NotImplementedError; at module level it
is removed. Everything else (imports, signatures, docstrings) is kept verbatim.

The nbgrader course (course/nbgrader_config.py, course/source/<topic>/<topic>.ipynb) is made by
`autograder.notebooks.course_files` from the same modules and the exercise catalog; nbgrader itself
clears the solution regions when it generates the students' version.
"""
from __future__ import annotations

import ast
import difflib
import re
from pathlib import Path

from autograder.model import catalog
from autograder.notebooks import course_files

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HEADER = ("# Generated from solutions/{name} by `python -m autograder build`. Fill in every function that raises\n"
          "# NotImplementedError, then run `python -m autograder check {topic}`.\n")


def _exercise_of(function: str, topic: str) -> str:
    for ex in catalog():
        if ex.topic == topic and function in ex.functions:
            return ex.id
    return topic


def stub(source: str, topic: str, name: str) -> str:
    """The student version of one solution module's source."""
    lines = source.splitlines()
    enclosing = _enclosing_functions(source)
    out, inside = [], False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{name}:{number}: nested {BEGIN}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            function = enclosing.get(number)
            if function:
                ex_id = _exercise_of(function, topic)
                out += [f"{indent}# TODO: implement {function} (exercise {ex_id}).",
                        f'{indent}raise NotImplementedError("{function}: not implemented yet (exercise {ex_id})")']
        elif stripped == END:
            if not inside:
                raise ValueError(f"{name}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{name}: {BEGIN} without {END}")
    body = "\n".join(out) + "\n"
    return HEADER.format(name=name, topic=topic) + re.sub(r"\n{3,}(?=\S)", "\n\n\n", body)


def _enclosing_functions(source: str) -> dict[int, str]:
    """Line number -> name of the innermost function containing it."""
    found: dict[int, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if line not in found or node.lineno > found[line][1]:
                    found[line] = (node.name, node.lineno)
    return {line: name for line, (name, _) in found.items()}


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file and the text it should hold: the stubs, then the nbgrader course."""
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
