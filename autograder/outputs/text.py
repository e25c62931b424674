"""A `Report` as text for a person: each exercise, its checks, the feedback, and a summary.

Short by default, what a student stuck on a wrong gradient reads first: per failing exercise, a header on one line
(its title shortened to fit, the checks that passed beside it), its first failing check in full (at most BRIEF
lines: what is wrong on the check's own line, the root cause, the mistake named, the smallest input pasteable after
`import numpy as np` with the calls to make in its label, then the other diagnoses and expected vs got where room
is left) and each other failing check in one line (its own mistake where it differs; the checks not checked
for one cause, together); a passing exercise in one line; the exercises of a topic not started yet in one line
per topic; what the code printed once per exercise, its first and last lines. The input is the record's short
form (`Reproduction.short`: small arrays on one line, side by side, zeros as np.zeros, the entries of params or a
cache that play no part left out); an input too long for BRIEF is still shown whole (it must paste), and no check
takes more than MOST lines: beyond, `--verbose` shows it. `verbose` gives every check in full (as the HTML page and
the JSON do).

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
MOST = 30  # lines of any one check, whatever its input: a longer input is referred to (`--verbose` shows it)
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


def _wrapped(text: str, first: str, prefix: str, width: int) -> list[str]:
    """Prose wrapped at `width`, its first line after `first`, the others after `prefix` plus two."""
    return textwrap.wrap(text, width=max(40, width), initial_indent=first, subsequent_indent=prefix + "  ",
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def _values_lines(v, prefix: str, width: int) -> list[str]:
    """Expected and got: a line each where both fit one line, else the blocks of the verbose text."""
    where = f" (around index {list(v.index)})" if v.index else ""
    exp, got = (" ".join(s.split()) for s in (v.expected, v.got))
    one = [f"{prefix}Expected{where}: {exp}", f"{prefix}Got{' ' * (len(where) + 5)}: {got}"]
    if all(len(line) <= width for line in one) and "\n" not in v.expected + v.got:
        return one
    return _wrap([("label", f"Expected{where}:"), *[("code", s) for s in v.expected.splitlines()],
                  ("label", "Got:"), *[("code", s) for s in v.got.splitlines()]], prefix, width)


def _reproduction_lines(fb: Feedback, reader: Reader | None, prefix: str, width: int, room: int) -> list[str]:
    """The input and the call, whole (pasteable) when they fit in `room` lines, else where to see them."""
    r = fb.reproduction
    if r is None:
        return []
    if r.same_as:
        return _wrap([("prose", f"{r.title}: the one shown under {r.same_as} above.")], prefix, width)
    run = command(fb, reader)
    calls = " and ".join(r.call.splitlines())
    if r.pasteable:  # the calls said in the label: one line where they are short, fewer than the comments take
        title = f"{r.title}: paste into Python, then call {calls}:" if calls else \
            f"{r.title} (paste into Python to reproduce):"
        code = (r.short or r.inputs).splitlines()
    else:
        title = f"{r.title} (`{run}` reproduces it):" if run else f"{r.title}:"
        code = (r.short or r.inputs).splitlines() + _calls(r, width - len(prefix))
    block = _wrap([("label", title)], prefix, width) + [prefix + s for s in code]
    if _height(block, width) <= room:
        return block
    lines = len((r.short or r.inputs).splitlines())
    return _wrap([("prose", f"{r.title} ({plural(lines, 'line')}): " +
                   ("`--verbose` shows it." if run else "the whole feedback shows it."))], prefix, width)


def _calls(r, width: int) -> list[str]:
    """How the check calls the functions, as comments: on one line where it fits, else a line per call."""
    one = call_lines(r)
    calls = r.call.splitlines()
    if len(calls) < 2 or all(len(line) <= width for line in one):
        return one
    return [f"# called as: {calls[0]}", *[f"#   then {c}" for c in calls[1:]]]


def _height(lines: list[str], width: int) -> int:
    """Lines as a terminal `width` columns wide shows them (a code line longer than that takes two)."""
    return sum(max(1, -(-len(line) // width)) for line in lines)


def _brief(fb: Feedback, reader: Reader | None, title: str, prefix: str, width: int) -> list[str]:
    """A check's feedback in at most BRIEF lines, its title line included, the most telling first: what is wrong (on
    the title's line), the root cause (the line below: fix that first), the named mistake (else the first pattern
    read off the values), the input (pasteable) and the call, then the other diagnoses (none beside a named mistake)
    and expected vs got where room is left. An input too long for BRIEF is still shown whole up to MOST
    lines (it is what reproduces the failure), and referred to beyond; under a root cause, referred to beyond
    BRIEF (the root exercise's own input is the one to try first)."""
    roots = [d.line for d in fb.diagnoses if d.kind == "root_cause"][:1]
    head = _wrapped(headline(fb, reader), title + ": ", prefix, width)
    head += _wrap([("root_cause", roots[0])], prefix, width) if roots else []  # what to fix first, right below
    detail = fb.detail.splitlines()
    if fb.kind == Kind.VALUE and any(d.kind in ("mistake", "root_cause") for d in fb.diagnoses):
        detail = []  # a hint read off the values ("exactly 2 times the expected one"): the cause named says more
    if len(detail) > 3:  # a traceback: its last lines say where it raised
        detail = ["..."] + detail[-2:]
    head += [prefix + line for line in detail]
    ranked = sorted((d for d in fb.diagnoses if d.kind != "root_cause"), key=lambda d: d.kind != "mistake")
    if ranked and ranked[0].kind == "mistake":  # the mistake named says it: no pattern read off the values beside
        ranked = [d for d in ranked if d.kind == "mistake"]
    diagnoses = [_wrap([(d.kind, d.line)], prefix, width) for d in ranked[:3]]
    first = diagnoses[0] if diagnoses else []
    room = (BRIEF if roots else MOST) - _height(head + first, width)  # fix the root first: its input says more
    repro = _reproduction_lines(fb, reader, prefix, width, room)
    out = head + first
    for more in diagnoses[1:] + ([_values_lines(fb.values, prefix, width)] if fb.values is not None else []):
        if _height(out + more + repro, width) <= BRIEF:
            out = out + more
    out += repro
    return _clipped(out, prefix, width)  # a headline or traceback line of thousands of characters


def _clipped(lines: list[str], prefix: str, width: int) -> list[str]:
    """`lines` if they take at most MOST lines of the terminal, else as many as fit and a line saying the rest is
    in `--verbose` (a line too long for all of it cut at the terminal's width)."""
    if _height(lines, width) <= MOST:
        return lines
    kept: list[str] = []
    for line in lines:
        if _height(kept + [line], width) > MOST - 1:
            if not kept or _height(kept, width) < MOST - 2:
                kept.append(line[:width])
            break
        kept.append(line)
    return kept + [prefix + "... (`--verbose` shows the rest)"]


def _header(result: ExerciseResult, mark: str, ok: str, indent: str, width: int) -> list[str]:
    """A failing exercise's header in the short text: on one line, its title shortened to fit if need be, and the
    checks that passed on it where they fit beside it (else on the next line)."""
    start, points = f"{mark} {result.id} - ", f"  [{_pts(result.score)}/{_pts(result.points)}]"
    beside = f"  ok: {ok[5:]}" if ok else ""
    if len(indent + ok) > width:  # the names that passed, as many as fit, and their points
        names, score = ok[5:].rsplit(" (", 1)
        ok = f"ok   {textwrap.shorten(names, width - len(indent) - len(score) - 8, placeholder=' ...')} ({score}"
    for after, below in ((beside, []), ("", [indent + ok] if ok else [])):
        room = width - len(start) - len(points) - len(after)
        if room >= min(len(result.title), 24):
            title = result.title if len(result.title) <= room else \
                textwrap.shorten(result.title, room, placeholder=" ...")
            return [start + title + points + after] + below
    return [start + result.title + points] + ([indent + ok] if ok else [])


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
        said = _wrap(feedback_lines(why, reader), indent * 3, width)
        if not verbose:  # an import's long traceback: its start
            said = _clipped(said, indent * 3, width)
        return printable("\n".join([header] + said))
    if mark == "PASS" and not verbose:
        return printable(header)
    first = next((c for c in result.checks if not c.passed and c.checked), None)
    passed = [c for c in result.checks if c.passed]
    ok = f"ok   {'; '.join(c.name for c in passed)} ({_pts(sum(c.score for c in passed))}/" \
         f"{_pts(sum(c.points for c in passed))})" if passed and not verbose else ""
    lines = [header] if verbose else _header(result, mark, ok, indent, width)
    unchecked: dict[str, list[CheckResult]] = {}  # the checks not checked for one cause: said once, in one line
    for check in result.checks:
        if not verbose and not check.checked and check is not first:
            unchecked.setdefault(check.message or "", []).append(check)
    for check in result.checks:
        if check.passed and not verbose:
            continue
        title = f"{indent}{_mark(check)} {check.name} ({_pts(check.score)}/{_pts(check.points)})"
        group = unchecked.get(check.message or "") if not verbose and not check.checked else None
        if group and len(group) > 1 and check in group:
            if check is group[0]:
                title = f"{indent}{_mark(check)} {'; '.join(c.name for c in group)} " \
                        f"({_pts(sum(c.score for c in group))}/{_pts(sum(c.points for c in group))})"
                said = check.message or ""
                lines += [f"{title}: {said}"] if len(f"{title}: {said}") <= width else \
                    [title + ":"] + _wrap([("prose", said)], indent * 3, width)[:2]
            continue
        if check.passed:
            lines.append(title)
        elif verbose or check is first:
            lines.append(title)
            if check.feedback is None:
                lines += _wrap(_lines_of(check), indent * 3, width)
            elif verbose:
                lines += _wrap(feedback_lines(check.feedback, reader), indent * 3, width)
            else:
                lines[-1:] = _brief(check.feedback, reader, title, indent * 3, width)
        else:  # one line: what is wrong, its own cause where it differs from the first check's
            said = headline(check.feedback, reader) if check.feedback else (check.message or "").split("\n")[0]
            own = [d for d in (check.feedback.diagnoses if check.feedback else []) if d.kind == "mistake"
                   and d.name not in (first.mistakes if first is not None else ())]
            said = own[0].line if own else said
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
