"""The house rules of autograder/ (issue 20, item 8), read from the source: one home for each constant and for the
atomic writer, no module both generating the course and running inside a student's kernel, no import cycle
through the command line."""
import ast
import json
import re
import subprocess
import sys

import pytest

from conftest import ROOT

PACKAGE = ROOT / "autograder"
CONSTANTS = PACKAGE / "project.py"
CPU_INDEX = "download.pytorch.org/whl/cpu"
TORCH_BOUNDS = re.compile(r"""["']torch\s*(?:[<>=!~]=?|===)\s*\d""")  # a literal like "torch>=2.3,<2.14"


def modules() -> dict[str, ast.Module]:
    """Every module under autograder/, by dotted name, parsed."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(), str(path))
    return found


def imported(tree: ast.Module, top_level_only: bool = False) -> set[str]:
    """The modules `tree` imports (`from a import b` counts as a and a.b), anywhere or at its top level only."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_torch_index_and_requirement_have_one_home():
    """Every text file of the package (modules, setup.sh, run_autograder) but autograder/project.py: neither the CPU
    index URL nor a bounded torch requirement written out, so the kit's README, the Gradescope bundle and the CLI's
    default cannot drift apart (nor from pyproject.toml, which project.py reads)."""
    offenders = []
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        if path == CONSTANTS:
            continue
        text = path.read_text(errors="replace")
        if CPU_INDEX in text or TORCH_BOUNDS.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    assert CPU_INDEX in CONSTANTS.read_text()


def test_one_atomic_writer():
    """Only autograder/project.py makes a temporary file to rename over another (mkstemp: an unpredictable name,
    O_EXCL); everything else that replaces a file calls its write_atomic."""
    renames = {"replace", "rename", "mkstemp"}
    offenders = []
    for name, tree in modules().items():
        if name == "autograder.project":
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in renames
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in ("os", "tempfile")):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_nothing_imports_the_command_line():
    """The command line is the top layer: no module of the package imports autograder.cli (release used to, for
    its parser: a cycle), except `python -m autograder` itself; cli imports the course generator inside its
    commands only."""
    trees = modules()
    importers = sorted(name for name, tree in trees.items()
                       if name not in ("autograder.cli", "autograder.__main__") and "autograder.cli" in imported(tree))
    assert importers == []
    at_top = {m for m in imported(trees["autograder.cli"], top_level_only=True) if m.startswith("autograder.course")}
    assert at_top == set()


PROBE = """
import ast, importlib, json, sys
import {module} as cell
lazy = set()  # what its functions import when a test cell runs: loaded here too
for node in ast.walk(ast.parse(open(cell.__file__).read())):
    if isinstance(node, ast.Import):
        lazy |= {{alias.name for alias in node.names}}
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        lazy.add(node.module)
for name in sorted(lazy):
    importlib.import_module(name)
print(json.dumps({{"file": sys.modules["autograder.integrations.notebook_cell"].__file__,
                  "modules": sorted(sys.modules)}}))
"""


@pytest.mark.parametrize("module", ["autograder.integrations.notebook_cell", "autograder.notebook_cell"])
def test_the_notebook_cell_never_loads_the_course_generator(module):
    """What a notebook's test cell imports in a student's kernel (the entry point, as released notebooks name it
    too, and every module its functions import) loads no course generator, no nbgrader glue, no command line."""
    run = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    probe = json.loads(run.stdout.splitlines()[-1])
    assert probe["file"] == str(PACKAGE / "integrations" / "notebook_cell.py")  # this tree's, not an installed one
    loaded = probe["modules"]
    forbidden = [m for m in loaded if m == "autograder.cli" or m.split(".")[0] == "nbgrader"
                 or m.startswith(("autograder.course", "autograder.integrations.nbgrader",
                                  "autograder.integrations.gradescope"))]
    assert forbidden == []
