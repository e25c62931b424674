"""The student stub of a solution module: each solution region becomes `raise NotImplementedError`.

In a solution module, each solution region sits between `### BEGIN SOLUTION` and
`### END SOLUTION` (nbgrader's markers). Inside a function the region becomes a
stub that names its exercise and raises NotImplementedError; at module level it
is removed. Everything else (imports, signatures, docstrings) is kept verbatim.
"""
from __future__ import annotations

import ast
import re

from autograder.model import catalog

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
    return HEADER.format(name=name, topic=topic) + re.sub(r"\n{3,}(?=\S)", "\n\n\n", clear_solutions(source, topic, name))


def clear_solutions(source: str, topic: str, name: str = "<cell>") -> str:
    """The source (a module, or one notebook cell) with each solution region replaced by its stub."""
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
    return "\n".join(out) + "\n"


def _enclosing_functions(source: str) -> dict[int, str]:
    """Line number -> name of the innermost function containing it."""
    found: dict[int, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if line not in found or node.lineno > found[line][1]:
                    found[line] = (node.name, node.lineno)
    return {line: name for line, (name, _) in found.items()}
