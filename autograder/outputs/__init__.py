"""What a grade is written as: text for people, JSON, Gradescope's results.json.

Each format is one module with one job; `render` picks it by name (the CLI's `--format`).
"""
from __future__ import annotations

import json

from autograder.grading.results import Report
from autograder.outputs.gradescope import as_gradescope
from autograder.outputs.structured import as_dict
from autograder.outputs.text import as_text

FORMATS = {
    "text": as_text,
    "json": lambda report: json.dumps(as_dict(report), indent=2) + "\n",
    "gradescope": lambda report: json.dumps(as_gradescope(report), indent=2) + "\n",
    "html": lambda report: __import__("autograder.outputs.html", fromlist=["as_html"]).as_html(report),  # matplotlib
}


def render(report: Report, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return FORMATS[fmt](report)
