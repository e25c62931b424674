"""A `Report` as text for a person: each exercise, its checks, the feedback, and a summary.

Prose is wrapped to the width of the page (80 columns unless told), so the hint at the end of a long sentence
is never off screen; code (the failing input, arrays, tracebacks) is never wrapped, so it can be pasted back.
A topic whose module does not import is explained once, not under every exercise. `styled` adds colour for a
terminal (rich decides whether the terminal supports it). What a submission wrote (an exception's message, its
printed output) reaches the text with its control characters escaped (`safe.printable`): no ESC sequence, CR or
BS of a student's ever acts on the terminal that shows it.
"""
from __future__ import annotations

import re
import textwrap

from autograder.assignments import plural
from autograder.grading.results import ExerciseResult, Report
from autograder.outputs.safe import printable

WIDTH = 80
INDENT = "  "
NOT_GRADABLE = "Not gradable: "
_CODE = re.compile(r"^(\s|[\[\]{}()<]|[A-Za-z_][\w\[\]'\"]* = |\w+ = |File \"|Traceback)")


def _pts(x: float) -> str:
    return f"{x:g}"


def _mark(check) -> str:
    if check.passed:
        return "ok  "
    return "--  " if check.kind == "not_checked" else "FAIL"


def _wrap(message: str, prefix: str, width: int) -> list[str]:
    """Prose lines wrapped at `width` (continuations indented); code lines kept whole."""
    lines, code = [], False
    for line in message.splitlines():
        if line.endswith(("to reproduce):", "reproduces it):", "Expected:", "Got:", "printed:")) or line == "Input":
            lines += textwrap.wrap(line, width=max(40, width), initial_indent=prefix, subsequent_indent=prefix + "  ")
            code = True
            continue
        if code and (_CODE.match(line) or not line.strip()):
            lines.append(prefix + line)
            continue
        code = False
        if _CODE.match(line) and not line.startswith(("Not ", "Likely", "Pattern")):
            lines.append(prefix + line)
            continue
        lines += textwrap.wrap(line, width=max(40, width), initial_indent=prefix, subsequent_indent=prefix + "  ",
                               break_long_words=False, break_on_hyphens=False) or [prefix]
    return lines


def _not_gradable(result: ExerciseResult) -> str | None:
    messages = {c.message for c in result.checks}
    if len(messages) == 1 and None not in messages and next(iter(messages)).startswith(NOT_GRADABLE):
        return messages.pop()
    return None


def exercise_text(result: ExerciseResult, indent: str = INDENT, width: int = WIDTH, brief: bool = False) -> str:
    """One exercise: its header, each check with its points, and the feedback of each failing check.

    `brief`: a topic that could not be graded is said once elsewhere, so only the header line is shown."""
    mark = "PASS" if result.score == result.points else "FAIL"
    header = f"{mark} {result.id} - {result.title}  [{_pts(result.score)}/{_pts(result.points)}]"
    why = _not_gradable(result)
    if why and brief:
        return printable(header + "  (not graded: the module does not import, see above)")
    lines = [header]
    for check in result.checks:
        lines.append(f"{indent}{_mark(check)} {check.name} ({_pts(check.score)}/{_pts(check.points)})")
        if check.message and not why:
            lines += _wrap(check.message, indent * 3, width)
    if why:
        lines += _wrap(why, indent * 3, width)
    return printable("\n".join(lines))


def exercise_output(result: ExerciseResult, width: int = WIDTH) -> str:
    """The feedback text of one exercise: each check, then what went wrong (Gradescope's `output`)."""
    return "\n".join(exercise_text(result, width=width).splitlines()[1:])


class LiveText:
    """Exercise texts as results arrive (`check`): a module that does not import is explained once per topic."""

    def __init__(self, width: int = WIDTH):
        self.width = width
        self.explained: set[str] = set()

    def __call__(self, result: ExerciseResult) -> str:
        brief = _not_gradable(result) is not None and result.topic in self.explained
        if _not_gradable(result):
            self.explained.add(result.topic)
        return exercise_text(result, width=self.width, brief=brief)


def failed_list(report: Report, skip_topics: set[str] = frozenset()) -> list[str]:
    """One line per exercise short of full marks, naming the checks that did not pass."""
    lines = []
    for e in report.exercises:
        if e.score < e.points and e.topic not in skip_topics:
            names = [c.name for c in e.checks if not c.passed and c.kind != "not_checked"]
            skipped = [c.name for c in e.checks if c.kind == "not_checked"]
            detail = ", ".join(names) + (f"; not checked: {', '.join(skipped)}" if skipped else "")
            lines.append(f"{e.id} ({detail})  {_pts(e.score)}/{_pts(e.points)}")
    return lines


def summary(report: Report) -> str:
    lines = []
    for topic, why in report.not_gradable.items():
        lines.append(f"NOT GRADABLE {topic}: {(why.splitlines() or [''])[0]}")
    failed = failed_list(report, skip_topics=set(report.not_gradable))
    if failed:
        lines.append("Still to do:")
        lines += [INDENT + line for line in failed]
    lines.append(f"Score: {_pts(report.score)}/{_pts(report.points)} "
                 f"({sum(e.score == e.points for e in report.exercises)} of "
                 f"{plural(len(report.exercises), 'exercise')} complete)")
    return printable("\n".join(lines))


def as_text(report: Report, width: int = WIDTH) -> str:
    live = LiveText(width)
    return "\n\n".join([live(e) for e in report.exercises] + [summary(report)]) + "\n"


STYLES = [  # (a line's start after its indent, rich style)
    ("PASS ", "bold green"), ("FAIL ", "bold red"), ("ok ", "green"), ("-- ", "yellow"),
    ("Likely mistake:", "bold yellow"), ("Pattern:", "cyan"), ("Score:", "bold"), ("NOT GRADABLE", "bold red"),
    ("Still to do:", "bold"),
]


def styled(text: str):
    """`text` as a rich Text, each line coloured by what it is (PASS, FAIL, a named mistake, ...)."""
    from rich.text import Text

    out = Text()
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append("\n")
        body = line.lstrip()
        style = next((s for start, s in STYLES if body.startswith(start)), None)
        out.append(line, style=style)
    return out
