"""What a grade is written as: text for people, JSON, Gradescope's results.json, JUnit XML, CSV.

Each format is one module with one job; `render` picks it by name (the CLI's `--format`). Options reach the
formats that take them (Gradescope's visibility and one-test-per-check, the text's `verbose`).
"""
from __future__ import annotations

import json

from autograder.grading.results import Report
from autograder.outputs.csv import as_csv
from autograder.outputs.gradescope import as_gradescope
from autograder.outputs.junit import as_junit
from autograder.outputs.structured import as_dict
from autograder.outputs.text import as_text

FORMATS = {
    "text": lambda report, verbose=False, **_: as_text(report, verbose=verbose),
    "json": lambda report, **_: json.dumps(as_dict(report), indent=2) + "\n",
    "gradescope": lambda report, verbose=False, **options: json.dumps(as_gradescope(report, **options), indent=2) + "\n",
    "junit": lambda report, **_: as_junit(report),
    "csv": lambda report, **_: as_csv(report),
    "html": lambda report, **_: __import__("autograder.outputs.html", fromlist=["as_html"]).as_html(report),  # matplotlib
}


def render(report: Report, fmt: str, **options) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return FORMATS[fmt](report, **options)
