"""No answer in any kit: no solution region's body, of any topic, appears in any file of any kit `release` makes.

A region's body is compared as code: its lines as `ast.unparse` prints them (indentation, layout and comments left
out) must not appear as consecutive lines of a kit file (a notebook: of its cells' sources, cell by cell). Every kit `release` can make is
checked: all topics together, and each topic alone where `release --only` selects topics.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.course.stubs import BEGIN, END
from autograder.model import course_order

ROOT = Path(__file__).resolve().parent.parent
TOPICS = sorted((p.stem for p in (ROOT / "solutions").glob("*.py")), key=course_order)


def _code_lines(text: str) -> list[str]:
    """The code's lines as Python prints them back (`ast.unparse`: one layout, no comments, no trailing commas),
    so that a copy laid out otherwise is still found; text that is not Python, line by line, stripped."""
    try:
        text = ast.unparse(ast.parse(textwrap.dedent(text)))
    except SyntaxError:
        pass
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def solution_bodies() -> list[tuple[str, list[str]]]:
    """(where, the body's code lines) of every solution region of solutions/."""
    return [(where, _code_lines(text)) for where, text in solution_regions() if _code_lines(text)]


def solution_regions() -> list[tuple[str, str]]:
    """(where, the body's text) of every solution region of solutions/."""
    bodies = []
    for path in sorted((ROOT / "solutions").glob("*.py")):
        inside, start, body = False, 0, []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.strip() == BEGIN:
                inside, start, body = True, number, []
            elif line.strip() == END:
                inside = False
                bodies.append((f"solutions/{path.name}:{start}", "\n".join(body)))
            elif inside:
                body.append(line)
    return bodies


def kit_texts(kit: Path) -> dict[str, list[str]]:
    """Every text file of a kit as code lines; a notebook as its cells' sources."""
    texts = {}
    for path in sorted(p for p in kit.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if path.suffix == ".ipynb":
            cells = ["".join(cell["source"]) for cell in json.loads(text)["cells"]]
            texts[path.relative_to(kit).as_posix()] = [line for cell in cells for line in _code_lines(cell)]
        else:
            texts[path.relative_to(kit).as_posix()] = _code_lines(text)
    return texts


def contains(lines: list[str], body: list[str]) -> bool:
    return ("\n" + "\n".join(body) + "\n") in ("\n" + "\n".join(lines) + "\n")


def release_options() -> str:
    return subprocess.run([sys.executable, "-m", "autograder", "release", "--help"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


KITS = [pytest.param((), id="all topics")] + [pytest.param((topic,), id=topic) for topic in TOPICS]


@pytest.mark.slow
@pytest.mark.parametrize("topics", KITS)
def test_no_solution_body_appears_in_any_kit_file(topics, tmp_path):
    if topics and "--only" not in release_options():
        pytest.skip("this release makes one kit, all topics together (checked above)")
    kit = tmp_path / "kit"
    select = ["--only", ",".join(topics)] if topics else []
    subprocess.run([sys.executable, "-m", "autograder", "release", str(kit), *select], cwd=ROOT, check=True,
                   capture_output=True)
    texts = kit_texts(kit)
    assert any(name.startswith("assignments/") for name in texts) and len(solution_bodies()) > 100
    leaks = [f"{where} in {name}" for where, body in solution_bodies() for name, lines in texts.items()
             if contains(lines, body)]
    assert not leaks, "solution code shipped in the kit:\n" + "\n".join(leaks)


def test_the_comparison_finds_a_body_laid_out_otherwise():
    """The check itself can fail: a region's body copied into a method, indented deeper, is found; not a body
    with a line more."""
    checked = 0
    for where, text in solution_regions():
        body = _code_lines(text)
        if len(body) >= 3 and text.startswith("    "):  # a function's body
            copied = "class Given:\n\n    def f(self):\n" + textwrap.indent(textwrap.dedent(text), " " * 8) + "\n# after\n"
            assert contains(_code_lines(copied), body), where
            assert not contains(_code_lines(copied), body + ["return None"]), where
            checked += 1
    assert checked > 20
