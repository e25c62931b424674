"""The course as nbgrader notebooks, generated from solutions/ and the catalog (`python -m autograder build`).

A pipeline of small steps:

    solutions/<topic>.py --sections--> setup code, then each exercise's functions, helpers, given code
                         --cells-----> nbgrader cells: markdown from the docstrings, solution cells,
                                       one autograder test cell per exercise (stable ids, no timestamps)
                         --notebook--> course/source/<topic>/<topic>.ipynb (nbformat)
    the catalog          --config----> course/nbgrader_config.py (the per-cell time limit)

The test cells call `autograder.integrations.notebook_cell.grade_in_notebook`; nothing in this module runs in
a student's kernel. No topic is named here: topics come from solutions/*.py and exercises from the catalog.
"""
from __future__ import annotations

import ast
import inspect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.pyast import defined_names

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
COURSE_ID = "nn-first-principles"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
HELPERS = "# Helper functions for the exercises below, if you want any: write them here."
MARGIN_SECONDS = 30  # on top of the engine's worst case: the torch import of the first test cell, worker starts


# == generation =================================================================================


@dataclass
class Section:
    """Consecutive top-level statements of a solution module that become one code cell."""

    kind: str  # "setup" (before any function), "solution" (has a solution region) or "given"
    owner: str | None  # the exercise id whose functions these are, if any
    source: str
    names: list[str]  # the top-level names the statements define
    uses: set[str] = field(default_factory=set)  # top-level names they refer to


def _statement_spans(source: str, tree: ast.Module) -> list[tuple[list[ast.stmt], str, bool]]:
    """The top-level statements with their text: the comments above each, and the indented comments that
    end its body (such as `### END SOLUTION`). The statements of a module-level solution region (helpers
    the stub leaves out) make one span, markers included, flagged True."""
    lines = source.splitlines()
    regions, begin = [], None
    for number, line in enumerate(lines, start=1):
        if line.rstrip() == BEGIN:
            begin = number
        elif line.rstrip() == END and begin is not None:
            regions.append((begin, number))
            begin = None
    has_doc = ast.get_docstring(tree, clean=False) is not None
    body, start = (tree.body[1:], tree.body[0].end_lineno) if has_doc else (tree.body, 0)
    spans: list[tuple[list[ast.stmt], str, bool]] = []
    open_region = None
    for node in body:
        region = next((r for r in regions if r[0] < node.lineno < r[1]), None)
        if region is not None and region == open_region:
            spans[-1][0].append(node)
            continue
        end = region[1] if region else node.end_lineno
        for number in range(end + 1, len(lines) + 1):
            line = lines[number - 1]
            if line.strip() and not (line[:1].isspace() and line.lstrip().startswith("#")):
                break
            if line.strip() and not region:
                end = number
        spans.append(([node], "\n".join(lines[start:end]).strip("\n"), region is not None))
        start, open_region = end, region
    return spans


def sections(source: str, topic: str, exercises: list) -> list[Section]:
    """Split a solution module into cells: each function goes with the first exercise that calls it."""
    owner_of: dict[str, str] = {}
    for ex in exercises:
        for function in ex.functions:
            owner_of.setdefault(function, ex.id)
    tree = ast.parse(source)
    top_level = {name for node in tree.body for name in defined_names(node)}
    out: list[Section] = []
    for nodes, text, region in _statement_spans(source, tree):
        names = [name for node in nodes for name in defined_names(node)]
        uses = {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)} & top_level
        if region:  # a module-level solution region: the solution's helpers; the student writes their own
            out.append(Section("solution", None, HELPERS + "\n" + text, names, uses))
            continue
        if not isinstance(nodes[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind = "given" if any(s.kind != "setup" for s in out) else "setup"  # imports, constants first
            owner = None
        else:
            kind = "solution" if BEGIN in text else "given"
            owner = owner_of.get(nodes[0].name)
        if out and out[-1].kind == kind and out[-1].owner == owner and (kind != "solution" or owner):
            out[-1].source += "\n\n\n" + text
            out[-1].names += names
            out[-1].uses |= uses
        else:
            out.append(Section(kind, owner, text, names, uses))
    missing = sorted({f for ex in exercises for f in ex.functions} - top_level)
    if missing:
        raise ValueError(f"solutions/{topic}.py has no function {', '.join(missing)}, "
                         "which the exercise catalog calls")
    return out


def _needs(ex, parts: list[Section]) -> int:
    """Index of the last section the exercise's functions need, transitively."""
    where = {name: i for i, s in enumerate(parts) for name in s.names}
    todo, seen = list(ex.functions), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in where:
            continue
        seen.add(name)
        todo += parts[where[name]].uses
    return max(where[name] for name in seen)


# -- docstrings as markdown -----------------------------------------------------------------------
#
# The docstring convention (solutions/<topic>.py; what `docstring_markdown` renders for Jupyter's MathJax):
# - The first line is a plain sentence, no math: the notebook's code cell keeps it as the docstring.
# - Inline math is LaTeX between single dollars on one line, $\frac{\partial J}{\partial W}$, as the course
#   notes write it; a docstring with math is a raw string (r"""...""") so backslashes reach LaTeX.
# - Display math is a block indented four spaces deeper than its paragraph, from a `$$` to a `$$`:
#   one formula on one line, or `$$`, then lines inside \begin{aligned} ... \end{aligned}, then `$$`.
# - Any other block indented four deeper (code, a command, a formula in the plain style) is a code block.
# - `Args:`/`Returns:` sections become lists; `code` spans and *emphasis* are Markdown; every other
#   character shows as written (so a plain-style docstring, without dollars, still reads right).

_SECTION = re.compile(r"^(Args|Arguments|Returns|Raises|Yields|Notes?|Examples?):\s*$")
_ENTRY = re.compile(r"^([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*|\*{1,2}\w+): (.*)$")
_VERBATIM = re.compile(r"(\$\$.+?\$\$|\$[^$]+\$|`[^`]+`)")  # math and code spans pass through untouched
_EMPHASIS = re.compile(r"(?<![\w*\\])\*([^\s*](?:[^*]*[^\s*])?)\*(?![\w*])")
_MARKUP = re.compile(r"[\\`*<\[~|$]|(?<!\w)_|_(?!\w)")  # what Markdown could read as markup
_LINE_START = re.compile(r"^(?:[#>+]|(\d+)\.)(?=\s)")  # a heading, quote, list item: only at a line's start


def _inline(text: str) -> str:
    """One line of prose as Markdown: math and code spans as written, `*word*` as emphasis, every other
    character that Markdown would read as markup escaped."""
    if _VERBATIM.sub("", text).count("$"):
        raise ValueError(f"unmatched $ (inline math stays on one line): {text.strip()!r}")
    out = []
    for i, part in enumerate(_VERBATIM.split(text)):
        if i % 2:
            out.append(part)
            continue
        pieces = _EMPHASIS.split(part)  # odd pieces: the emphasised words
        out.append("".join(f"*{_escape(p)}*" if j % 2 else _escape(p) for j, p in enumerate(pieces)))
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else "\\" + m.group(0), "".join(out))


def _escape(text: str) -> str:
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines: list[str]) -> list[str]:
    """An indented block: display math between `$$` and `$$`, else a code block."""
    body = inspect.cleandoc("\n".join(lines)).splitlines()
    if body[0].startswith("$$") and body[-1].endswith("$$") and len("\n".join(body)) > 4:
        math = "\n".join(body)[2:-2].strip()
        return ["$$", *(line.strip() for line in math.splitlines() if line.strip()), "$$"]
    return ["```text", *body, "```"]


def _prose(lines: list[str]) -> list[str]:
    """Paragraphs and "- " lists; lines indented 4 deeper than their paragraph as display math or code."""
    out, item, i = [], None, 0
    while i < len(lines):
        line, base = lines[i], item if item is not None else 0
        if i and _indent(line) >= base + 4:
            j = i
            while j < len(lines) and _indent(lines[j]) >= base + 4:
                j += 1
            out += [" " * base + l if l else l for l in _block(lines[i:j])]
            i = j
            continue
        if line.lstrip().startswith("- ") and (item is None or _indent(line) < item):
            item = _indent(line) + 2
            out.append(" " * (item - 2) + "- " + _inline(line.strip()[2:]))
        elif item is not None and _indent(line) >= item:
            out.append(" " * item + _inline(line.strip()))
        else:
            item = None
            out.append(_inline(line.strip()))
        i += 1
    return out


def docstring_markdown(doc: str) -> str:
    """A docstring as Markdown, by the convention above: math for MathJax, Args/Returns as lists."""
    blocks, block = [], []
    for line in inspect.cleandoc(doc).splitlines():
        if _SECTION.match(line) and block:
            blocks.append(block)
            block = []
        if line.strip():
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    out: list[str] = []
    for lines in blocks:
        header = _SECTION.match(lines[0])
        if header:
            out.append(f"**{header.group(1)}:**")
            out.append("")
            items: list[str] = []
            base = min(_indent(l) for l in lines[1:]) if lines[1:] else 0
            for line in lines[1:]:
                if _indent(line) > base and items:
                    items[-1] += " " + _inline(line.strip())
                    continue
                entry = _ENTRY.match(line.strip())
                items.append(f"- `{entry.group(1)}`: {_inline(entry.group(2))}" if entry
                             else f"- {_inline(line.strip())}")
            out += items
        elif all(l.startswith((" ", "\t")) for l in lines):
            out += _block(lines)
        else:
            out += _prose(lines)
        out.append("")
    return "\n".join(out).strip() + "\n"


def short_docstrings(code: str, names: set[str]) -> str:
    """The code with the docstring of each function in `names` cut to its first line (its full text is in
    the markdown cell above it)."""
    lines = code.splitlines()
    for node in sorted(ast.parse(code).body, key=lambda n: -n.lineno):
        if not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names
                and ast.get_docstring(node)):
            continue
        doc = node.body[0]
        summary = ast.get_docstring(node).splitlines()[0].strip()
        if len(ast.get_docstring(node).splitlines()) == 1:
            continue
        prefix = "r" if "\\" in summary else ""
        indent = lines[doc.lineno - 1][: _indent(lines[doc.lineno - 1])]
        lines[doc.lineno - 1: doc.end_lineno] = [f'{indent}{prefix}"""{summary}"""']
    return "\n".join(lines)


# -- cells --------------------------------------------------------------------------------------


def _meta(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _points(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def _n_points(x: float) -> str:
    return f"{_points(x)} point{'' if x == 1 else 's'}"


def grade_cell_source(ex) -> str:
    """An autograder test cell. No hidden part: nbgrader would restore it at autograde and warn "checksum
    has changed" for every cell. Its visible reload gives the same speed bump: the points come from the
    grading code as installed, not from a copy that a cell above may have replaced."""
    return "\n".join([
        f"# Autograder test of {ex.id} ({_n_points(ex.points)}): grades the functions this notebook defines,",
        "# in a separate process, with the checks of `python -m autograder check "
        f"{ex.id}`. Prints what passes and",
        "# what fails; its value is your points.",
        "import importlib as _importlib, autograder.integrations.notebook_cell as _grading  "
        "# the grading code as installed",
        "grade_in_notebook = _importlib.reload(_grading).grade_in_notebook",
        f'grade_in_notebook("{ex.id}")',
    ])


def _exercise_markdown(ex, number: int, functions: dict[str, ast.FunctionDef], shown: set[str]) -> str:
    """The exercise's heading, points and checks, then each function's docstring: once in the notebook, at
    the first exercise that calls the function (`shown` holds those already rendered)."""
    checks = ", ".join(f"`{c.name}` ({_points(c.points)})" for c in ex.checks)
    parts = [f"## {number}. {_inline(ex.title[:1].upper() + ex.title[1:])}",
             "",
             f"Exercise `{ex.id}`, {_n_points(ex.points)}; "
             f"checks: {checks}.", ""]
    earlier = [name for name in ex.functions if name in shown]
    if earlier:
        parts += [f"It calls {', '.join(f'`{n}`' for n in earlier)} again, as described above.", ""]
    for name in ex.functions:
        node = functions.get(name)
        if node is None or name in shown:
            continue
        shown.add(name)
        args = ", ".join(a.arg for a in node.args.args)
        parts += [f"### `{name}({args})`", "", docstring_markdown(ast.get_docstring(node) or "")]
    return "\n".join(parts).strip()


def _howto(topic: str) -> str:
    return "\n".join([
        "### How this notebook is graded",
        "",
        "In each function, replace `raise NotImplementedError` with your code (NumPy only; keep the signatures),",
        "and run the cell. The **autograder test** cell after each exercise grades the functions as this notebook defines",
        "them, in a separate process, with exactly the checks of "
        f"`python -m autograder check {topic}`: every value and",
        "gradient against PyTorch autograd on generated inputs. It prints each check with its points and, for a",
        "failing one, what is wrong on the smallest input that shows it; its value is your points. A function that",
        "hangs or crashes costs only the checks that call it. Before you submit, run the whole notebook from the",
        "top (*Kernel, Restart Kernel and Run All Cells*): the grader runs it that way.",
    ])


def notebook_cells(source: str, topic: str, exercises: list) -> list[tuple[str, str, dict]]:
    """(cell type, source, metadata) of every cell of a topic's notebook, in order."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    doc = ast.get_docstring(tree) or topic
    title, _, rest = doc.partition("\n")
    intro = f"# {_inline(title.strip())}\n" + (f"\n{docstring_markdown(rest)}" if rest.strip() else "")
    cells = [("markdown", intro.strip(), _meta("intro", locked=True)),
             ("markdown", _howto(topic), _meta("howto", locked=True))]
    parts = sections(source, topic, exercises)
    last = {ex.id: _needs(ex, parts) for ex in exercises}
    by_id = {ex.id: ex for ex in exercises}
    introduced, used_ids, shown = set(), set(), set()
    described = {name for ex in exercises for name in ex.functions}  # their docstrings are in the markdown

    def unique(base: str) -> str:
        grade_id, n = base, 2
        while grade_id in used_ids:
            grade_id, n = f"{base}_{n}", n + 1
        used_ids.add(grade_id)
        return grade_id

    def introduce(ex):
        if ex.id not in introduced:
            introduced.add(ex.id)
            cells.append(("markdown", _exercise_markdown(ex, len(introduced), functions, shown),
                          _meta(unique(f"text_{_short(ex)}"), locked=True)))

    for i, part in enumerate(parts):
        if part.owner and part.kind == "solution":
            introduce(by_id[part.owner])
        if part.kind == "solution":
            base = f"code_{_short(by_id[part.owner])}" if part.owner else f"helper_{part.names[0]}"
            cells.append(("code", short_docstrings(part.source, described), _meta(unique(base), solution=True)))
        else:
            cells.append(("code", short_docstrings(part.source, described), _meta(unique(part.kind if part.kind == "setup" else
                                                             f"given_{part.names[0] if part.names else i}"),
                                                      locked=True)))
        for ex in exercises:
            if last[ex.id] == i:
                introduce(ex)
                cells.append(("code", grade_cell_source(ex),
                              _meta(unique(f"test_{_short(ex)}"), grade=True, locked=True,
                                    points=_points(ex.points))))
    return cells


def _short(ex) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", ex.id.split(".", 1)[1])


def notebook_json(source: str, topic: str, exercises: list) -> str:
    """The notebook as deterministic JSON text: stable cell ids (the grade ids), no outputs or timestamps."""
    try:
        import nbformat
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    except ImportError as e:  # the course needs the test extra: pip install -e ".[test]"
        raise RuntimeError("writing the nbgrader notebooks needs nbformat: pip install -e \".[test]\"") from e
    cells = []
    for kind, text, meta in notebook_cells(source, topic, exercises):
        make = new_code_cell if kind == "code" else new_markdown_cell
        cells.append(make(text, metadata=meta, id=meta["nbgrader"]["grade_id"].replace("_", "-")))
    nb = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC),
                                             "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def cell_timeout(exercises: list) -> int:
    """nbgrader's per-cell limit: above the engine's worst case for any exercise, so the engine decides.

    The engine gives each call `seconds` (the exercise's declaration) and stops at the first timeout of a
    plan, so one test cell lasts at most one import of the module plus `seconds` per distinct plan.
    """
    from autograder.grading.session import LOAD_SECONDS

    worst = max([len({ex.plan_for(c.path[0]) for c in ex.checks}) * ex.seconds for ex in exercises] or [0])
    return int(math.ceil(LOAD_SECONDS + worst + MARGIN_SECONDS))


def config_text(exercises: list) -> str:
    slowest = max(exercises, key=lambda e: e.seconds) if exercises else None
    return "\n".join([
        '"""nbgrader configuration of the course. Generated by `python -m autograder build`: do not edit."""',
        "c = get_config()  # noqa: F821 (nbgrader provides get_config)",
        "",
        "# One assignment per topic: source/<topic>/<topic>.ipynb. Run nbgrader in this folder.",
        f'c.CourseDirectory.course_id = "{COURSE_ID}"',
        "",
        "# Where release/fetch/submit/collect meet: a folder the instructor and the students share. Set it here",
        "# or in the Jupyter config (students need it too), e.g.",
        '# c.Exchange.root = "/srv/nbgrader/exchange"',
        "",
        "# A backstop, per cell: the grader itself stops a student call after its exercise's limit",
        f"# (`seconds`, at most {slowest.seconds:g} s for {slowest.id}), so a test cell ends well within this."
        if slowest else "# A backstop, per cell: the grader itself stops each student call after its limit.",
        f"c.Execute.timeout = {cell_timeout(exercises)}",
        "# A cell that swallows the interrupt then costs that cell, not the whole submission.",
        "c.Execute.raise_on_iopub_timeout = False",
        f'c.Execute.kernel_name = "{KERNELSPEC["name"]}"',
        "",
        "# The released notebook runs top to bottom (Restart & Run All): where students may write helper",
        "# functions, at the top level of a cell, nbgrader's stub is a comment there, not a `raise`.",
        "from autograder.integrations.nbgrader import generate_assignment_preprocessors  # noqa: E402",
        "",
        "c.GenerateAssignment.preprocessors = generate_assignment_preprocessors()",
        "",
        "# The official grade comes from each notebook *file*, graded in the sandbox: autograde's execution step (a",
        "# kernel running the student's code) is replaced, so nothing computed in a student's kernel counts.",
        "from autograder.integrations.nbgrader import preprocessors as autograde_preprocessors  # noqa: E402",
        "",
        "c.Autograde.autograde_preprocessors = autograde_preprocessors()",
        "",
        "# A notebook nbgrader's own checks would reject (a duplicated test cell, forged metadata) must not stop the",
        "# class: its cells' nbgrader metadata is rewritten from the gradebook before those checks.",
        "from autograder.integrations.nbgrader import sanitize_preprocessors  # noqa: E402",
        "",
        "c.Autograde.sanitize_preprocessors = sanitize_preprocessors()",
        "",
    ])


GITIGNORE = "\n".join(["# What nbgrader makes here while it runs the course (generated)",
                       "gradebook.db", "release/", "submitted/", "autograded/", "feedback/", "downloaded/",
                       ".nbgrader.log", ""])


def course_files(root: Path) -> dict[Path, str]:
    """Every file of the nbgrader course in root/course, and the text it should hold."""
    from autograder.model import catalog

    exercises = catalog()
    course = root / "course"
    files = {course / "nbgrader_config.py": config_text(exercises), course / ".gitignore": GITIGNORE}
    for solution in sorted((root / "solutions").glob("*.py")):
        if solution.name.startswith("_"):
            continue
        topic = solution.stem
        mine = [ex for ex in exercises if ex.topic == topic]
        files[course / "source" / topic / f"{topic}.ipynb"] = notebook_json(solution.read_text(), topic, mine)
    return files
