"""A `Report` as text for a person: each exercise, its checks, the feedback, and a summary.

Short by default, what a student stuck on a wrong gradient reads first: per failing exercise, its first failing
check in full (at most BRIEF lines: what is wrong, the diagnosis, expected and got, the input and how the function
is called) and each other failing check in one line; a passing exercise in one line; the exercises of a topic not
started yet in one line per topic; what the code printed once per exercise, its first and last lines.
`verbose` gives every check in full (as the HTML page and the JSON do).

The text renders each check's `Feedback` record field by field: prose is wrapped to the width of the page (80
columns unless told), code (the failing input, arrays, tracebacks) is never wrapped, so it can be pasted back.
A topic whose module does not import is explained once, not under every exercise. `styled` adds colour for a
terminal (rich decides whether the terminal supports it). What a submission wrote (an exception's message, its
printed output) reaches the text with its control characters escaped (`safe.printable`): no ESC sequence, CR or
BS of a student's ever acts on the terminal that shows it.
"""
from __future__ import annotations

import textwrap

from autograder.assignments import plural
from autograder.grading.results import (CheckResult, ExerciseResult, Feedback, Kind, Reader, Report, call_lines,
                                        command, feedback_lines, headline, roots_first)
from autograder.outputs.safe import printable

WIDTH = 80
INDENT = "  "
BRIEF = 11  # lines of a failing exercise's first failing check, its own line included: with the exercise's header, 12
PRINTED = (3, 2)  # the first and last lines of what a function printed, in the short text


def _pts(x: float) -> str:
    return f"{x:g}"


def _mark(check) -> str:
    if check.passed:
        return "ok  "
    return "--  " if check.kind == Kind.NOT_CHECKED else "FAIL"


def _lines_of(check: CheckResult) -> list[tuple[str, str]]:
    """(role, text) lines of a check's feedback; a check without a record (a grade-all placeholder) is prose."""
    return [("prose", line) for line in (check.message or "").splitlines()]


def _wrap(lines: list[tuple[str, str]], prefix: str, width: int) -> list[str]:
    """Prose, diagnoses and labels wrapped at `width` (continuations indented); code lines kept whole."""
    out = []
    for role, text in lines:
        if role == "code":
            out.append(prefix + text)
        else:
            out += textwrap.wrap(text, width=max(40, width), initial_indent=prefix, subsequent_indent=prefix + "  ",
                                 break_long_words=False, break_on_hyphens=False) or [prefix]
    return out


def _not_gradable(result: ExerciseResult) -> Feedback | None:
    """The record explaining why the exercise's topic could not be graded, if that is why every check failed."""
    if result.checks and all(c.kind == Kind.NOT_GRADABLE for c in result.checks):
        return result.checks[0].feedback
    return None


def not_started(result: ExerciseResult) -> bool:
    """Every check of it meets the stub (NotImplementedError), or was not checked because of it."""
    kinds = {c.kind for c in result.checks}
    return result.score == 0 and Kind.NOT_IMPLEMENTED in kinds and kinds <= {Kind.NOT_IMPLEMENTED, Kind.NOT_CHECKED}


def _brief(fb: Feedback, reader: Reader | None, prefix: str, width: int, budget: int) -> tuple[list[str], bool]:
    """At most `budget` lines of a check's feedback, the most telling first; whether anything was left out."""
    head = [(d.kind, d.line) for d in fb.diagnoses if d.kind == "root_cause"][:1] + [("prose", headline(fb, reader))]
    diagnoses = [(d.kind, d.line) for d in fb.diagnoses if d.kind != "root_cause"][:3]
    detail = [("code", t) for t in fb.detail.splitlines()]
    cut = False
    if len(detail) > 3:  # a traceback: its last lines say where it raised
        detail, cut = [("code", "...")] + detail[-2:], True
    out = _wrap(head + detail + diagnoses, prefix, width)
    r, repro = fb.reproduction, []
    if r is not None and r.same_as:
        repro = _wrap([("prose", f"{r.title}: the one shown under {r.same_as} above.")], prefix, width)
    elif r is not None:
        run = command(fb, reader)
        title = (f"{r.title} (paste into Python to reproduce):" if r.pasteable
                 else f"{r.title} (`{run}` reproduces it):" if run else f"{r.title}:")
        label = _wrap([("label", title)], prefix, width)
        code = [prefix + s for s in r.inputs.splitlines() + call_lines(r)]
        room = budget - len(out) - len(label)
        if len(code) > room:
            cut = True
            more = len(code) - max(room - 1, 0)
            code = code[:max(room - 1, 0)] + [prefix + f"# ... {more} more lines (--verbose shows them)"]
        repro = label + code if room > 1 else []
    if fb.values is not None:  # the headline names the worst entry already: expected and got only where room is left
        v = fb.values
        where = f" (around index {list(v.index)})" if v.index else ""
        block = _wrap([("label", f"Expected{where}:"), *[("code", s) for s in v.expected.splitlines()],
                       ("label", "Got:"), *[("code", s) for s in v.got.splitlines()]], prefix, width)
        if len(out) + len(block) + len(repro) <= budget:
            out += block
        else:
            cut = True
    out += repro
    return out[:budget], cut


def _printed_lines(result: ExerciseResult, prefix: str, verbose: bool) -> list[str]:
    """What the exercise's functions printed, once (under its first check that shows it): first and last lines."""
    text = next((c.feedback.printed for c in result.checks if c.feedback is not None and c.feedback.printed), "")
    if not text or verbose:
        return []
    lines = text.splitlines()
    first, last = PRINTED
    if len(lines) > first + last + 1:
        lines = lines[:first] + [f"... ({len(lines) - first - last} more lines)"] + lines[-last:]
    return [prefix + "Your code printed:"] + [prefix + "  " + line for line in lines]


def exercise_text(result: ExerciseResult, indent: str = INDENT, width: int = WIDTH, brief: bool = False,
                  verbose: bool = False, reader: Reader | None = None) -> str:
    """One exercise: its header, its checks, the feedback of the failing ones (see the module's docstring).

    `brief`: a topic that could not be graded is said once elsewhere, so only the header line is shown.
    `reader`: who reads it, which decides the commands it names (default: what the graded file implies)."""
    mark = "PASS" if result.score == result.points else "FAIL"
    header = f"{mark} {result.id} - {result.title}  [{_pts(result.score)}/{_pts(result.points)}]"
    why = _not_gradable(result)
    if why and brief:
        return printable(header + "  (not graded: the module does not import, see above)")
    if why:
        return printable("\n".join([header] + _wrap(feedback_lines(why, reader), indent * 3, width)))
    if mark == "PASS" and not verbose:
        return printable(header)
    lines = [header]
    first = next((c for c in result.checks if not c.passed and c.checked), None)
    passed = [c for c in result.checks if c.passed]
    if passed and not verbose:
        lines.append(f"{indent}ok   {'; '.join(c.name for c in passed)} "
                     f"({_pts(sum(c.score for c in passed))}/{_pts(sum(c.points for c in passed))})")
    for check in result.checks:
        if check.passed and not verbose:
            continue
        title = f"{indent}{_mark(check)} {check.name} ({_pts(check.score)}/{_pts(check.points)})"
        if check.passed:
            lines.append(title)
        elif verbose or check is first:
            lines.append(title)
            if check.feedback is None:
                lines += _wrap(_lines_of(check), indent * 3, width)
            elif verbose:
                lines += _wrap(feedback_lines(check.feedback, reader), indent * 3, width)
            else:
                lines += _brief(check.feedback, reader, indent * 3, width, BRIEF - 1)[0]
        else:  # one line: what is wrong, its own cause where it differs from the first check's
            said = headline(check.feedback, reader) if check.feedback else (check.message or "").split("\n")[0]
            lines.append(title + ": " + textwrap.shorten(said, width=max(20, width - len(title) - 2), placeholder=" ..."))
    lines += _printed_lines(result, indent * 3, verbose)
    return printable("\n".join(lines))


def exercise_output(result: ExerciseResult, width: int = WIDTH, reader: Reader | None = None) -> str:
    """The whole feedback text of one exercise: each check, then what went wrong (Gradescope's `output`)."""
    return "\n".join(exercise_text(result, width=width, verbose=True, reader=reader).splitlines()[1:])


class LiveText:
    """Exercise texts as results arrive (`check`): a module that does not import is explained once per topic; an
    exercise not started yet gives "" (the summary counts them per topic) unless `verbose`."""

    def __init__(self, width: int = WIDTH, verbose: bool = False, reader: Reader | None = None):
        self.width, self.verbose, self.reader = width, verbose, reader
        self.explained: set[str] = set()

    def __call__(self, result: ExerciseResult) -> str:
        if not self.verbose and not_started(result):
            return ""
        brief = _not_gradable(result) is not None and result.topic in self.explained
        if _not_gradable(result):
            self.explained.add(result.topic)
        return exercise_text(result, width=self.width, brief=brief, verbose=self.verbose, reader=self.reader)


def failed_list(report: Report, skip_topics: set[str] = frozenset(), verbose: bool = True) -> list[str]:
    """One line per exercise short of full marks, naming the checks that did not pass (`verbose` False: the
    exercises not started counted in one line per topic)."""
    lines, idle = [], {}
    for e in report.exercises:
        if e.score < e.points and e.topic not in skip_topics:
            if not verbose and not_started(e):
                idle[e.topic] = idle.get(e.topic, 0) + 1
                continue
            names = [c.name for c in e.checks if not c.passed and c.checked]
            skipped = [c.name for c in e.checks if not c.checked]
            detail = "; ".join(names) + (f" (not checked: {'; '.join(skipped)})" if skipped else "")
            lines.append(f"{e.id}: {detail}  {_pts(e.score)}/{_pts(e.points)}")
    lines += [f"{topic}: {n} exercise{'s' if n != 1 else ''} not started" for topic, n in idle.items()]
    return lines


def summary(report: Report, verbose: bool = True) -> str:
    lines = []
    for topic, why in report.not_gradable.items():
        lines.append(f"NOT GRADABLE {topic}: {(why.splitlines() or [''])[0]}")
    failed = failed_list(report, skip_topics=set(report.not_gradable), verbose=verbose)
    if failed:
        lines.append("Still to do:")
        lines += [INDENT + line for line in failed]
    lines.append(f"Score: {_pts(report.score)}/{_pts(report.points)} "
                 f"({sum(e.score == e.points for e in report.exercises)} of "
                 f"{plural(len(report.exercises), 'exercise')} complete)")
    if not verbose and failed:
        lines.append("(--verbose shows every check in full)")
    return printable("\n".join(lines))


def as_text(report: Report, width: int = WIDTH, verbose: bool = False, reader: Reader | None = None) -> str:
    """The whole report; root causes listed before the exercises that call them."""
    live = LiveText(width, verbose, reader)
    texts = [t for t in (live(e) for e in roots_first(report.exercises)) if t]
    return "\n\n".join(texts + [summary(report, verbose)]) + "\n"


STYLES = [  # (a line's start after its indent, rich style)
    ("PASS ", "bold green"), ("FAIL ", "bold red"), ("ok ", "green"), ("-- ", "yellow"),
    ("Root cause:", "bold magenta"), ("Likely mistake:", "bold yellow"), ("Pattern:", "cyan"),
    ("Precision:", "cyan"), ("Score:", "bold"), ("NOT GRADABLE", "bold red"), ("Still to do:", "bold"),
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
