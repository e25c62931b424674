"""What grading produces: a `Report` of `ExerciseResult`s, each a list of `CheckResult`s; a failing check's
`Feedback` is a record (what is wrong, the diagnoses, expected and got, how to reproduce it, what the code
printed), built once by the grader. Every output renders its fields; `feedback_text` is the one text rendering
(`CheckResult.message` holds it, for what reads a check's feedback as one string)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    """Why a check failed. str-valued: a kind equals its string ("value") and JSON writes it as one."""

    VALUE = "value"  # a wrong result
    EXCEPTION = "exception"  # a failed call: the student function raised ...
    TIMEOUT = "timeout"  # ... did not finish in time
    MISSING = "missing"  # ... is not defined
    NOT_IMPLEMENTED = "not_implemented"  # ... is still the stub
    FORBIDDEN = "forbidden"  # ... imported what it may not
    CRASH = "crash"  # ... took its worker down
    MEMORY = "memory"
    PROTOCOL = "protocol"
    LEAKED = "leaked"
    MUTATED = "mutated"  # ... changed its inputs
    BAD_RETURN = "bad_return"  # ... returned what cannot travel back
    SYNTAX = "syntax"
    NOT_CHECKED = "not_checked"  # a call it needs failed under another check (the feedback names it)
    NOT_GRADABLE = "not_gradable"  # the topic's module could not be graded at all
    GRADER = "grader"  # the grader, not the submission, failed it (`grade-all` regrades it)

    @classmethod
    def of(cls, text: str | None) -> "Kind | str":
        """The Kind named `text`; a kind the sandbox may add later stays its string."""
        try:
            return cls(text)
        except ValueError:
            return text or ""

    def __str__(self) -> str:
        return self.value


NO_INPUT = frozenset({Kind.MISSING, Kind.NOT_IMPLEMENTED, Kind.FORBIDDEN})  # the input does not matter


@dataclass
class Diagnosis:
    """One thing the grader found out about a failure, beyond its headline."""

    kind: str  # "mistake" (a declared misconception), "pattern", "factor", "precision", "root_cause"
    text: str  # the sentence a student reads, without a label
    name: str = ""  # the declared mistake's name, the root exercise's id, ...
    evidence: str = ""  # what supports it (the inputs it was confirmed on, ...)

    LABELS = {"mistake": "Likely mistake", "pattern": "Pattern", "factor": "Pattern", "precision": "Precision",
              "root_cause": "Root cause"}

    @property
    def line(self) -> str:
        return f"{self.LABELS.get(self.kind, self.kind)}: {self.text}"


@dataclass
class Values:
    """Expected and got, as text, around the worst entry (`index`, None for a scalar or a whole small array)."""

    expected: str
    got: str
    index: tuple | None = None


@dataclass
class Reproduction:
    """The failing input and how to run it again."""

    inputs: str  # as lines of Python (or a description when not `pasteable`)
    call: str = ""  # how the function is called, e.g. "affine_forward(x, w, b)"
    pasteable: bool = True  # runs after `import numpy as np`; else too large: the command reproduces it
    title: str = "Failing input"  # "Smallest failing input", "Input"
    same_as: str | None = None  # the input is the one shown under this earlier check: not printed again
    short: str = ""  # the same input as the short text shows it ("": `inputs`): an array on one line where it fits,
    # a dict only with the entries the failing check reads (the input still fails the same way: the grader ran it)
    left_out: list[str] = field(default_factory=list)  # the entries `short` leaves out, e.g. "params['b2']"


@dataclass
class Feedback:
    """The feedback of one failing check."""

    kind: Kind | str
    headline: str  # what is wrong, one line
    exercise: str = ""  # its id, for the commands a renderer names
    detail: str = ""  # the rest of the grader's message (a traceback, the shapes a call was given)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    values: Values | None = None
    reproduction: Reproduction | None = None
    printed: str = ""  # what the student's code printed (warnings included)
    location: str = ""  # file and line, where known
    root_cause: str | None = None  # the id of a failing exercise this one calls: fix that one first
    call: str | None = None  # for a failed call: the student function that failed
    source: str = ""  # the file graded (mlp.py, mlp.ipynb): which submission the commands refer to


@dataclass(frozen=True)
class Reader:
    """Who reads the feedback, which decides the commands it names: `submission` the folder `check` is run on
    (None: the kit's default), `command` False for a class member (who has no kit command to run)."""

    submission: str | None = None
    command: bool = True
    notebook: bool = False  # the functions came from a notebook's cells


KIT, CLASS = Reader(), Reader(command=False)
NOTEBOOK = Reader(submission="notebooks", notebook=True)
DEFAULT_SUBMISSION = "assignments"


def reader_of(feedback: Feedback) -> Reader:
    """The reader a graded file implies: a notebook's feedback names the notebooks folder."""
    return NOTEBOOK if feedback.source.endswith(".ipynb") else KIT


def command(feedback: Feedback, reader: Reader | None = None) -> str | None:
    """The command that runs the failing check again, for this reader (None: none to give)."""
    reader = reader or reader_of(feedback)
    if not reader.command or not feedback.exercise:
        return None
    folder = reader.submission
    return f"python -m autograder check {feedback.exercise}" + (
        f" --submission {folder}" if folder and folder != DEFAULT_SUBMISSION else "")


def headline(feedback: Feedback, reader: Reader | None = None) -> str:
    """The headline, said to this reader: a notebook defines its functions, it has no file of them."""
    reader = reader or reader_of(feedback)
    if feedback.kind == Kind.MISSING and reader.notebook and feedback.call:
        return f"this notebook defines no function {feedback.call}."
    return feedback.headline


def call_lines(reproduction: Reproduction) -> list[str]:
    """How the check calls the student's functions, as a comment the pasted input still runs with."""
    calls = reproduction.call.splitlines()
    return [f"# called as: {'; '.join(calls)}"] if calls else []


def feedback_lines(feedback: Feedback, reader: Reader | None = None, *, printed: bool = True) -> list[tuple[str, str]]:
    """The feedback as (role, text) lines in reading order; role is "prose", "label", "code" (never wrapped, so it
    pastes back) or a diagnosis's kind ("mistake", "pattern", ...). The root cause comes first: it says what to fix
    before anything else."""
    reader = reader or reader_of(feedback)
    out: list[tuple[str, str]] = []
    roots = [d for d in feedback.diagnoses if d.kind == "root_cause"]
    out += [(d.kind, d.line) for d in roots]
    out.append(("prose", headline(feedback, reader)))
    if feedback.detail:
        out += [("code", line) for line in feedback.detail.splitlines()]
    out += [(d.kind, d.line) for d in feedback.diagnoses if d.kind != "root_cause"]
    if feedback.values is not None:
        v = feedback.values
        where = f" (around index {list(v.index)})" if v.index else ""
        out += [("label", f"Expected{where}:"), *[("code", s) for s in v.expected.splitlines()],
                ("label", "Got:"), *[("code", s) for s in v.got.splitlines()]]
    r = feedback.reproduction
    if r is not None:
        if r.same_as:
            out.append(("prose", f"{r.title}: the one shown under {r.same_as} above."))
        else:
            run = command(feedback, reader)
            if r.pasteable:
                out.append(("label", f"{r.title} (paste into Python to reproduce):"))
            elif run:
                out.append(("label", f"{r.title} (`{run}` reproduces it):"))
            else:
                out.append(("label", f"{r.title}:"))
            out += [("code", s) for s in r.inputs.splitlines() + call_lines(r)]
    if printed and feedback.printed:
        out.append(("label", "Your code printed:"))
        out += [("code", s) for s in feedback.printed.splitlines()]
    return out


def feedback_text(feedback: Feedback, reader: Reader | None = None) -> str:
    """The whole feedback as plain text (`CheckResult.message`, and every output that wants one string)."""
    return "\n".join(text for _, text in feedback_lines(feedback, reader))


@dataclass
class CheckResult:
    name: str
    points: float
    score: float
    message: str | None = None  # None: passed; else the whole feedback text of the check (feedback_text)
    kind: Kind | str = ""  # why it failed (a Kind); "" when it passed
    call: str | None = None  # for a failed call: the student function that failed
    diagnosis: list[str] = field(default_factory=list)  # the diagnoses' lines (also in `message`)
    mistakes: list[str] = field(default_factory=list)  # names of the declared `Mistake`s the wrong value equals
    inputs: dict | None = None  # the failing input the message shows
    expected: Any = None  # on that input, for pictures (the HTML report)
    got: Any = None
    feedback: Feedback | None = None  # the record `message` renders
    seconds: float = 0.0  # time spent grading it (its search), for the JUnit report

    @property
    def passed(self) -> bool:
        return self.message is None

    @property
    def checked(self) -> bool:
        return self.kind != Kind.NOT_CHECKED

    @classmethod
    def failed(cls, name: str, points: float, feedback: Feedback, **more) -> "CheckResult":
        """A failing check whose message is its feedback rendered."""
        return cls(name, points, 0.0, feedback_text(feedback), kind=feedback.kind, call=feedback.call,
                   diagnosis=[d.line for d in feedback.diagnoses], feedback=feedback, **more)

    def rerender(self) -> None:
        """`message` and `diagnosis` again from the record, after a field of it changed (a root cause found)."""
        if self.feedback is not None:
            self.message = feedback_text(self.feedback)
            self.diagnosis = [d.line for d in self.feedback.diagnoses]


@dataclass
class LearningCurve:
    """A training exercise's metrics after each number of epochs (`at`): the student's training, and the correct
    training from the same start when the exercise has a reference. A value is None where that run failed or
    returned nothing measurable, inf where the metric is not finite (a diverged run)."""

    vary: str  # the input varied, e.g. "epochs"
    at: list[int]
    got: dict[str, list[float | None]]  # metric -> one value per point of `at`
    expected: dict[str, list[float | None]] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)  # metric -> the graded threshold
    note: str = ""
    stopped: str = ""  # why the student's curve ends early (a run that hung or crashed, the time budget), else ""
    failed: str = ""  # the runs that raised (gaps in the curve), and the first one's message, else ""


@dataclass
class ExerciseResult:
    id: str
    title: str
    checks: list[CheckResult]
    curve: LearningCurve | None = None  # only when the HTML report asked for it

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def score(self) -> float:
        return sum(c.score for c in self.checks)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)


@dataclass
class Timing:
    student: float = 0.0  # inside student functions, as the worker measured it
    oracle: float = 0.0
    total: float = 0.0


@dataclass
class Report:
    submission: str
    exercises: list[ExerciseResult]
    not_gradable: dict[str, str] = field(default_factory=dict)  # topic -> why
    timing: Timing = field(default_factory=Timing)
    seed: int | None = None  # None: the public inputs of `check`; else the grading seed that drew them
    grader_version: str = ""
    versions: dict[str, str] = field(default_factory=dict)  # python, numpy, torch, hypothesis
    content_hash: str = ""  # sha256 of the graded topic sources, so a regrade of unchanged work can be skipped

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises)

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)


def trace_root_cause(result: ExerciseResult, caller: str, builds_on: tuple[str, ...],
                     graded: dict[str, ExerciseResult]) -> None:
    """When `result` failed and an exercise it builds on (whose function `caller` calls) failed too, each failing
    check of it says first which one to fix: that exercise's own root cause if it has one, else itself."""
    if result.score >= result.points:
        return
    failed = [graded[i] for i in builds_on if i in graded and graded[i].score < graded[i].points]
    if not failed:
        return
    root = failed[0]
    deeper = next((c.feedback.root_cause for c in root.checks if c.feedback and c.feedback.root_cause), None)
    root_id = deeper or root.id
    for check in result.checks:
        fb = check.feedback
        if fb is None or fb.kind in (Kind.NOT_GRADABLE, Kind.GRADER) or fb.root_cause:
            continue
        fb.root_cause = root_id
        fb.diagnoses.insert(0, Diagnosis("root_cause", f"fix {root_id} first: {caller} calls it, and it fails.",
                                         name=root_id, evidence=f"{root.id} fails its own checks"))
        check.rerender()


def roots_first(exercises: list[ExerciseResult]) -> list[ExerciseResult]:
    """The exercises in order, each root cause moved before the first exercise that names it."""
    by_id = {e.id: e for e in exercises}
    ordered: list[ExerciseResult] = []
    for e in exercises:
        for root in dict.fromkeys(c.feedback.root_cause for c in e.checks if c.feedback and c.feedback.root_cause):
            if root in by_id and by_id[root] not in ordered:
                ordered.append(by_id[root])
        if e not in ordered:
            ordered.append(e)
    return ordered
