"""What a submission is: a folder holding, per topic, `<topic>.py` or the topic's notebook `<topic>.ipynb`.

A notebook is read as a file, never executed here (nor in the student's kernel): its code cells, in order, are
what the sandbox runs to make the module that is graded, each cell on its own as Jupyter would (a cell that
raises does not stop the next), without the autograder test cells and IPython magics. So the official grade of
a notebook comes from the notebook file alone, graded exactly as a `.py` submission is.

Beside the topic files, a submission may hold the student's own modules and packages (`helpers.py`, a folder
`nn_scratch/` of .py files): every .py file of the folder and of its subfolders (hidden ones, `__pycache__` and
virtual environments left out) travels to the sandbox as text with the topic's module, importable there and
never written (`sandbox/worker.py`); so does a topic's notebook, as the module its code cells define, for a
topic module that imports another topic (optim.py imports the network of mlp.py). At most MAX_FILES files and
MAX_MODULE_BYTES in all: what is beyond is left out, never read.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TopicSource:
    topic: str
    path: Path  # the file the student handed in
    text: str  # the Python module graded
    cells: tuple[tuple[int, str], ...] = ()  # a notebook's code cells (number, source), run one by one
    files: tuple[tuple[str, str], ...] = ()  # the submission's own modules: (path relative to it, POSIX; text)

    @property
    def filename(self) -> str:
        return self.path.name


def topic_source(folder: Path, topic: str, shown_as: str | None = None) -> TopicSource | str:
    """The topic's source in `folder`, or why there is none (a message for the student, naming the folder
    `shown_as` when given: a batch grades a copy whose path is its own business)."""
    folder = Path(folder)
    for path in (folder / f"{topic}.py", folder / f"{topic}.ipynb"):
        if not path.is_file():
            continue
        try:
            raw = path.read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            return f"{path.name} cannot be read: {e.strerror}."
        if path.suffix == ".py":
            return TopicSource(topic, path, raw, files=own_modules(folder))
        try:
            return TopicSource(topic, path, notebook_code(raw), tuple(notebook_cells(raw)), own_modules(folder))
        except ValueError as e:
            return f"{path.name} is not a readable notebook: {e}"
    return f"no file {topic}.py or {topic}.ipynb in {shown_as or folder}."


MAX_FILES = 200  # the student's own modules travel with each topic's module: a bound on what one submission sends
MAX_MODULE_BYTES = 2 * 2**20  # all of them together
MAX_DEPTH = 4  # folders below the submission's
SKIPPED = {"__pycache__", "site-packages", "node_modules", "venv", "env"}  # besides hidden folders (.venv, .git)


def own_modules(folder: Path) -> tuple[tuple[str, str], ...]:
    """The student's own modules beside the topic files: (POSIX path relative to `folder`, text), sorted; a
    notebook `<name>.ipynb` with no `<name>.py` as `<name>.py`, the module its code cells define. Links are not
    followed (a link could name any file the grader can read), and the bounds above hold."""
    found: list[tuple[str, str]] = []
    size = 0

    def walk(here: Path, depth: int) -> None:
        nonlocal size
        try:
            entries = sorted(here.iterdir())
        except OSError:
            return
        for path in entries:
            if len(found) >= MAX_FILES or path.is_symlink():
                continue
            if path.is_dir():
                if depth < MAX_DEPTH and not path.name.startswith(".") and path.name not in SKIPPED \
                        and path.name.isidentifier():
                    walk(path, depth + 1)
                continue
            notebook = path.suffix == ".ipynb" and depth == 0 and not path.with_suffix(".py").exists()
            if not (path.suffix == ".py" or notebook) or not path.stem.isidentifier() or not path.is_file():
                continue
            try:
                if size + path.stat().st_size > MAX_MODULE_BYTES:
                    continue
                raw = path.read_text(encoding="utf-8", errors="replace")
                text = raw if path.suffix == ".py" else notebook_code(raw)
            except (OSError, ValueError):
                continue
            size += len(raw.encode())
            found.append((path.with_suffix(".py").relative_to(folder).as_posix(), text))

    walk(Path(folder), 0)
    return tuple(found)


def notebook_code(raw: str) -> str:
    """The module a notebook's code cells define, top to bottom, as one text (what is hashed and shown)."""
    return "\n\n\n".join(code for _, code in notebook_cells(raw)) + "\n"


def notebook_cells(raw: str) -> list[tuple[int, str]]:
    """(number, source) of each code cell but the autograder test cells, magics left out; cells are numbered
    from 1 at the top of the notebook, markdown included, as a student counts them."""
    try:
        cells = json.loads(raw)["cells"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ValueError(str(e)) from None
    blocks = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") and not meta.get("solution"):
            continue  # an autograder test cell: the grade never comes from the notebook's own cells
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = [line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))]
        blocks.append((number, "\n".join(lines)))
    return blocks


def content_hash(sources: list[TopicSource]) -> str:
    """sha256 over what is graded: each topic's name and source text, in topic order, and the submission's own
    modules where it has any."""
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.topic):
        digest.update(f"{source.topic}\0{len(source.text)}\0".encode() + source.text.encode())
        for name, text in source.files:
            digest.update(f"\0{name}\0{len(text)}\0".encode() + text.encode())
    return digest.hexdigest()
