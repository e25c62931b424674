"""No answer in any kit: no solution region's body, of any topic, appears in any file of any kit `release` makes.

A region's body is compared as code: its lines stripped of indentation, blank and comment lines left out, must not
appear as consecutive lines of a kit file (a notebook: of its cells' sources). Every kit `release` can make is
checked: all topics together, and each topic alone where `release --only` selects topics.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course.stubs import BEGIN, END
from autograder.model import course_order

ROOT = Path(__file__).resolve().parent.parent
TOPICS = sorted((p.stem for p in (ROOT / "solutions").glob("*.py")), key=course_order)


def _code_lines(text: str) -> list[str]:
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def solution_bodies() -> list[tuple[str, list[str]]]:
    """(where, the body's code lines) of every solution region of solutions/."""
    bodies = []
    for path in sorted((ROOT / "solutions").glob("*.py")):
        inside, start, body = False, 0, []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if line.strip() == BEGIN:
                inside, start, body = True, number, []
            elif line.strip() == END:
                inside = False
                if _code_lines("\n".join(body)):
                    bodies.append((f"solutions/{path.name}:{start}", _code_lines("\n".join(body))))
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
            text = "\n".join("".join(cell["source"]) for cell in json.loads(text)["cells"])
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


def test_the_comparison_finds_a_body_however_it_is_indented():
    """The check itself can fail: a region's body copied into a file, at another indentation, is found."""
    where, body = next(b for b in solution_bodies() if len(b[1]) >= 3)
    copied = "def given(x):\n" + "\n".join("        " + line for line in body) + "\n# after\n"
    assert contains(_code_lines(copied), body)
    assert not contains(_code_lines(copied), body + ["return None"])
