"""What a submission is: a folder holding, per topic, `<topic>.py` or the topic's notebook `<topic>.ipynb`.

A notebook is read as a file, never executed here (nor in the student's kernel): its code cells, in order, are
what the sandbox runs to make the module that is graded, each cell on its own as Jupyter would (a cell that
raises does not stop the next), without the autograder test cells and IPython magics. So the official grade of
a notebook comes from the notebook file alone, graded exactly as a `.py` submission is.
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
            return TopicSource(topic, path, raw)
        try:
            return TopicSource(topic, path, notebook_code(raw), tuple(notebook_cells(raw)))
        except ValueError as e:
            return f"{path.name} is not a readable notebook: {e}"
    return f"no file {topic}.py or {topic}.ipynb in {shown_as or folder}."


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
    """sha256 over what is graded: each topic's name and source text, in topic order."""
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.topic):
        digest.update(f"{source.topic}\0{len(source.text)}\0".encode() + source.text.encode())
    return digest.hexdigest()
