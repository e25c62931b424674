"""What a notebook's autograder test cell runs, inside the student's kernel: `grade_in_notebook`.

    the kernel's namespace --module_source--> the module the notebook defines (only what the exercise needs)
                           --grade----------> `autograder.grading.grade` in a sandboxed worker, as the CLI does
                           --feedback-------> the CLI's text on stdout (the points in its header)

with nothing on stderr: nbgrader scores a test cell that wrote to stderr zero, warnings included.
This is the student's own check while they work: the kernel is theirs, so no value computed here counts. The
official grade comes from the notebook file, graded in the sandbox by `python -m autograder nbgrader-autograde`
(`autograder.integrations.nbgrader`). Nothing here generates the course (that is `autograder.course`).
"""
from __future__ import annotations

import ast
import contextlib
import dis
import importlib
import inspect
import io
import linecache
import os
import re
import sys
import tempfile
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

from autograder.pyast import defined_names


@dataclass
class _Piece:
    order: tuple  # (execution count, line): the order the kernel ran them in
    source: str
    label: str | None  # "In[3]": the cell, for tracebacks
    line: int  # the piece's first line within its cell


def _global_names(code: types.CodeType) -> set[str]:
    """Global names a function's code reads or writes, nested functions and comprehensions included."""
    names = {i.argval for i in dis.get_instructions(code)
             if i.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return {n for n in names if isinstance(n, str)}


def _load_names(nodes) -> set[str]:
    return {n.id for node in nodes if node is not None for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Kernel:
    """What the kernel knows: its namespace, the cells it ran (IPython) and their numbers."""

    def __init__(self, namespace: dict | None):
        try:
            ip = get_ipython()  # type: ignore[name-defined]  # noqa: F821
        except NameError:
            ip = None
        if ip is None:
            try:
                from IPython import get_ipython as _get

                ip = _get()
            except ImportError:
                ip = None
        self.ip = ip
        if namespace is None:
            namespace = ip.user_ns if ip is not None else sys.modules["__main__"].__dict__
        self.ns = namespace
        self.main = namespace.get("__name__", "__main__")

    def label(self, filename: str) -> tuple[int | None, str | None]:
        compiler = getattr(self.ip, "compile", None)
        number = getattr(compiler, "_filename_map", {}).get(filename)
        return number, (f"In[{number}]" if number is not None else None)

    def history(self) -> list[str]:
        hist = getattr(getattr(self.ip, "history_manager", None), "input_hist_parsed", None)
        return list(hist or [])


def _statement_at(text: str, line: int) -> tuple[ast.stmt, str, int] | None:
    """The top-level statement of `text` containing `line`, its source and first line."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines()
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if first <= line <= node.end_lineno:
            return node, "\n".join(lines[first - 1: node.end_lineno]), first
    return None


def _from_code(kernel: _Kernel, value) -> tuple[_Piece, set[str]] | None:
    """The statement that defined a notebook function (from the cell the kernel ran), and what it uses."""
    function = inspect.unwrap(value) if callable(value) else value
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    found = _statement_at("".join(linecache.getlines(code.co_filename)), code.co_firstlineno)
    if found is None:
        return None
    node, text, first = found
    number, label = kernel.label(code.co_filename)
    uses = _global_names(code)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        uses |= _load_names([*node.decorator_list, *node.args.defaults, *node.args.kw_defaults])
    else:
        uses |= _load_names([node])
    return _Piece((number or 0, first), text, label, first), uses


def _from_history(kernel: _Kernel, name: str) -> tuple[_Piece, set[str]] | None:
    """The latest top-level statement the kernel ran that binds `name` (constants, classes, ...)."""
    for number, cell in reversed(list(enumerate(kernel.history()))):
        if "grade_in_notebook" in cell:
            continue
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        lines = cell.splitlines()
        for node in reversed(tree.body):
            if isinstance(node, ast.AugAssign) or name not in defined_names(node):
                continue
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            text = "\n".join(lines[first - 1: node.end_lineno])
            uses = _load_names([node])
            if isinstance(node, ast.ClassDef):  # method bodies: their globals only, not their locals
                uses = _load_names([*node.bases, *node.decorator_list, *node.keywords])
                for member in vars(kernel.ns.get(name, object)).values():
                    member = getattr(member, "__func__", member)
                    if isinstance(getattr(member, "__code__", None), types.CodeType):
                        uses |= _global_names(member.__code__)
            return _Piece((number, first), text, f"In[{number}]", first), uses
    return None


def _import_line(name: str, value) -> str | None:
    if isinstance(value, types.ModuleType):
        return f"import {value.__name__}" if value.__name__ == name else f"import {value.__name__} as {name}"
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None) or \
        getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module == "__main__" or "." in qualname:
        return None
    try:
        if getattr(importlib.import_module(module), qualname) is not value:
            return None
    except Exception:  # noqa: BLE001 - not importable as such: not an import
        return None
    return f"from {module} import {qualname}" + (f" as {name}" if name != qualname else "")


@dataclass
class NotebookModule:
    source: str
    cells: list[tuple[int, int, str, int]]  # (first line in the module, last line, cell label, line in cell)


def module_source(functions, namespace: dict | None = None) -> NotebookModule:
    """The module a notebook defines, as far as `functions` need it.

    Starting from the graded functions, each name they use (transitively) is taken from the kernel: a
    module or an importable object becomes an import; a function the notebook defines becomes its
    definition, from the cell the kernel ran last for it; anything else (a constant, a class) becomes the
    latest statement the kernel ran that binds it. Other cells (scratch work, a training run, the test
    cells) are left out, so the worker does not re-run them. The pieces keep the order the kernel ran them.
    """
    kernel = _Kernel(namespace)
    imports: dict[str, str] = {}
    pieces: dict[tuple, _Piece] = {}
    todo, seen = list(functions), set()
    while todo:
        name = todo.pop(0)
        if name in seen or name not in kernel.ns or name.startswith("__"):
            continue
        seen.add(name)
        value = kernel.ns[name]
        target = inspect.unwrap(value) if callable(value) else value
        found = None
        if getattr(target, "__module__", None) == kernel.main and isinstance(target, (types.FunctionType, type)):
            if isinstance(target, types.FunctionType):
                found = _from_code(kernel, value)
        else:
            line = _import_line(name, value)
            if line:
                imports[name] = line
                continue
        if found is None:
            found = _from_history(kernel, name)
        if found is not None:
            piece, uses = found
            pieces.setdefault((piece.order, piece.source), piece)
            todo += sorted(uses - seen)
    blocks = [([imports[k] for k in sorted(imports, key=lambda k: (imports[k].startswith("from"), imports[k]))],
               None, 0)] if imports else []
    blocks += [(p.source.splitlines(), p.label, p.line) for p in sorted(pieces.values(), key=lambda p: p.order)]
    lines: list[str] = []
    cells = []
    for block, label, first in blocks:
        if lines:
            lines += ["", ""]
        if label:
            cells.append((len(lines) + 1, len(lines) + len(block), label, first))
        lines += block
    return NotebookModule("\n".join(lines) + "\n", cells)


def _cell_references(text: str, path: Path, module: NotebookModule) -> str:
    """Point a traceback (`File "mlp.py", line 40`) at the notebook's cell instead of the temporary module."""
    def where(match):
        n = int(match.group(1))
        for first, last, label, line in module.cells:
            if first <= n <= last:
                return f"Cell {label}, line {line + n - first}"
        return f'File "{path.name}", line {n}'

    return re.sub(r'File "' + re.escape(path.name) + r'", line (\d+)', where, text)


@contextlib.contextmanager
def _quiet():
    """Nothing reaches stdout or stderr, Python-level or file descriptors 1 and 2; warnings are off.

    ipykernel forwards what is written to fd 2 (a C++ warning from torch, say) as the cell's stderr, and
    nbgrader scores a test cell with any stderr output zero.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    saved = {}
    sink = tempfile.TemporaryFile()
    old = sys.stdout, sys.stderr
    try:
        for fd in (1, 2):
            try:
                saved[fd] = os.dup(fd)
                os.dup2(sink.fileno(), fd)
            except OSError:
                pass
        sys.stdout = sys.stderr = io.StringIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stdout, sys.stderr = old
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        sink.close()


def grade_exercise_in_notebook(exercise_id: str, namespace: dict | None = None, curves: bool = False):
    """(ExerciseResult, feedback text): the exercise graded on the functions the notebook defines (`curves`: with
    a training exercise's learning curve)."""
    from autograder.grading import grade
    from autograder.model import catalog
    from autograder.grading.results import NOTEBOOK
    from autograder.outputs.text import exercise_text

    matches = [ex for ex in catalog() if ex.id == exercise_id]
    if not matches:
        raise ValueError(f"no exercise {exercise_id!r} in the catalog")
    ex = matches[0]
    module = module_source(ex.functions, namespace)
    with tempfile.TemporaryDirectory(prefix="autograder-notebook-") as folder, _hypothesis_home(folder):
        path = Path(folder) / f"{ex.topic}.py"
        path.write_text(module.source, encoding="utf-8")
        result = grade(Path(folder), [ex], curves=curves).exercises[0]
        for check in result.checks:  # tracebacks name the notebook's cells, not the module made of them
            if check.feedback is not None:
                check.feedback.detail = _cell_references(check.feedback.detail, path, module)
                check.feedback.printed = _cell_references(check.feedback.printed, path, module)
                check.rerender()
        text = exercise_text(result, reader=NOTEBOOK)
    return result, text


@contextlib.contextmanager
def _hypothesis_home(folder: str):
    """Hypothesis keeps caches in ./.hypothesis: here, in the temporary folder, not the student's."""
    from hypothesis import configuration

    previous = vars(configuration).get("__hypothesis_home_directory")
    configuration.set_hypothesis_home_dir(Path(folder) / ".hypothesis")
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(previous)


def grade_in_notebook(exercise_id: str, namespace: dict | None = None) -> None:
    """Grade one exercise on the functions this notebook defines; print the feedback (its header holds the points).

    The functions run in the CLI's sandbox (never in the kernel), with the checks and the feedback text of
    `python -m autograder check`. It returns None, so the test cell shows the feedback and no stray value under
    it; the grade that counts is the notebook file's, from `nbgrader-autograde`. Nothing is
    written to stderr. In Jupyter, a training exercise also shows its learning curves (as `check --html` does).
    """
    figures = ""
    with _quiet():
        result, text = grade_exercise_in_notebook(exercise_id, namespace, curves=_renders_html())
        if result.curve is not None:  # only in Jupyter
            try:  # matplotlib, quietly (its first import may talk); a picture is a bonus, never an error
                from autograder.outputs.html import curve_html

                figures = curve_html(result.curve)
            except Exception:  # noqa: BLE001
                figures = ""
    print(text, flush=True)
    if figures:
        from IPython.display import HTML, display

        display(HTML(figures))


def _renders_html() -> bool:
    """Whether this runs in a Jupyter kernel, whose front end shows HTML (not a terminal IPython, not Python)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None
