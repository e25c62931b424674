"""Grading a check as a Hypothesis search over the exercise's inputs, and the feedback that explains a failure.

For each check, Hypothesis draws inputs (derandomized, no database), the worker runs the student's plan of
calls on them, the oracle computes the expected values here in the grader, and `compare` (or the check's
judge) gives the verdict. Results are memoised per input (`TopicSession`), so checks share worker calls.

What a failing check says, and why:
- the smallest input that still fails, found by Hypothesis from the strategy (explicit examples are never
  shrunk by Hypothesis, so they are the last resort), shrunk toward inputs where the error stays clearly
  visible and the numbers stay plain, then searched again with the strategy's small sizes (one head, H = 1,
  sizes at most 3) for an input that fails the same way, and shown as Python that can be pasted back;
- the misconception, when the wrong output equals one of the exercise's declared `Mistake`s on that input
  ("Likely mistake: ..."), and patterns read off every input tried ("Pattern: passes whenever stride = 1,
  fails whenever stride >= 2"; "the factor 3 is x.shape[0]"); each only when it holds, never a guess;
- one message per cause: a student function that raised (or hung, or is missing) is reported under the first
  check that needs it, and the other checks it prevented are "not checked", not failed a second time.
Failures that say nothing about the input (missing function, the stub's NotImplementedError, a forbidden
import) stop the search at once; a crash or a timeout is shown with its input, unshrunk.

The parts, in this order: Hypothesis as the grader runs it (`search`); the verdict of one check on one input
(`Verdict`, `_verdict`, `_diagnose`); the search for a check's most telling failing input (`CheckSearch`); the
explanation of a failure (`_explain`); and an exercise's grading, the shared pass first (`ExerciseGrading`).
A search that finds no failure draws the same inputs for every student: they and the oracle's values on them
are drawn once (`grading/cache.py`) and replayed; a failure still goes to Hypothesis, which finds and shrinks it.
"""
from __future__ import annotations

import re
import threading
import time
import warnings
import weakref
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import hypothesis
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, example, given, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from hypothesis import seed as hypothesis_seed

from autograder import strategies as S
from autograder.compare import (arrays_in, compare, discrepancy, exact_factor, fmt_array, format_inputs, largest_axis,
                                matches_mistake, tiny_numbers)
from autograder.compare import pasteable as is_pasteable  # a local `pasteable` is a Reproduction's field
from autograder.grading.cache import DRAWS, Draws, Key, fresh
from autograder.grading.results import (NO_INPUT, CheckResult, Diagnosis, ExerciseResult, Feedback, Kind,
                                        Reproduction, Values)
from autograder.grading.session import EXERCISE_CALLS, TopicSession, torch_for_oracle
from autograder.model import Check, Exercise, Mistake

HYPOTHESIS = settings(database=None, derandomize=True, deadline=None, verbosity=Verbosity.quiet,
                      suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                      print_blob=False, phases=(Phase.explicit, Phase.generate, Phase.shrink))
HYPOTHESIS_VERSIONS = ((6, 100), (7,))  # pyproject.toml's range: which inputs a seed draws may change beyond it
STOPPING = NO_INPUT | {Kind.TIMEOUT, Kind.CRASH, Kind.PROTOCOL, Kind.MEMORY, Kind.LEAKED}  # not worth shrinking
COSTLY = frozenset(k.value for k in STOPPING - NO_INPUT)  # a failure after which the shared pass may stop at once
SHRINK_BUDGET = 50  # evaluations after the first failure, then the smallest failure so far is reported:
# a check of a topic with five broken exercises took 8.4 s at 100, 4.0 s at 40 (shrunk nearly as far)
SMALL_SHRINK_BUDGET = 100  # the same for the search with small sizes: its inputs cost little to evaluate, and its
# shrinker moves sizes as well as values (an LSTM's H from 3 to 1 took 100)
SMALL_AXIS = 3  # a failing input longer than this along an axis is searched again with small sizes
SMALL_REJECTS = 25  # drawn inputs too large for that search before it gives up: some strategies never draw small
# inputs (five distinct layer widths), and each rejected draw costs a whole draw (0.04 s for an MLP network)
CLEAR = 0.01  # an error of at least 1 % of the expected scale is "clearly visible"
EVERY_INPUT_FAILED = 5  # inputs on which every check failed before the shared pass stops (a function that
# raises for some inputs only, say stride > 1, passes on others: that is worth knowing and telling)
SECOND_INPUTS = 2  # generic failing inputs a diagnosis must also fit, besides the shrunk one
SECOND_DRAWS = 6  # of a check's own inputs, how many of its draws are tried for them
PATTERN_MIN = 2  # a pattern needs at least this many passing and this many failing inputs
SHARED = ""  # the name of an exercise's shared pass among its searches (the others are named by their check)


# -- Hypothesis, as the grader runs it ------------------------------------------------------------------------


class _NoLocalConstants:
    """Draw inputs from the strategies alone, whatever modules happen to be imported.

    Hypothesis mixes number literals from every *local* module in sys.modules (its "local constants") into
    what it draws, so the inputs of an exercise changed when a judge lazily imported autograder.statistics,
    and differed between `grade`, `grade --only` and a notebook. Those literals are the grader's own (the
    submission runs in the worker), so they are switched off while a search runs (re-entrant, across threads);
    Hypothesis's built-in constants stay, and its cache of constants is emptied whenever the switch changes.

    No strategy of the grader uses the global `random`, and student code never runs in this process; but another
    thread of a grading process may (Dask's heartbeats jitter with it), and Hypothesis, seeing the global state
    change during a draw, would blame the strategy in a warning every instructor would read. Draws come from
    Hypothesis's own generator, so the inputs do not change either way: that warning is filtered meanwhile.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.depth = 0
        self.original = None
        self.warnings: warnings.catch_warnings | None = None

    def __enter__(self):
        with self.lock:
            if self.depth == 0:
                providers = _hypothesis_providers()
                if providers is not None:
                    self.original = providers._get_local_constants
                    providers._get_local_constants = providers.Constants  # an empty set of constants
                    providers.CONSTANTS_CACHE.cache.clear()
                self.warnings = warnings.catch_warnings()  # process-wide, like the filter list it saves
                self.warnings.__enter__()
                warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies")
            self.depth += 1

    def __exit__(self, *exc):
        with self.lock:
            self.depth -= 1
            if self.depth == 0:
                self.warnings.__exit__(None, None, None)
                if self.original is not None:
                    providers = _hypothesis_providers()
                    providers._get_local_constants, self.original = self.original, None
                    providers.CONSTANTS_CACHE.cache.clear()


def _hypothesis_providers():
    """The Hypothesis internals `_NoLocalConstants` changes (None: a Hypothesis without local constants), once the
    version is known to be one the grader's inputs were drawn with."""
    version = getattr(hypothesis, "__version_info__", (0,))
    if not HYPOTHESIS_VERSIONS[0] <= tuple(version) < HYPOTHESIS_VERSIONS[1]:
        raise RuntimeError(f"the grader draws its inputs with Hypothesis 6 (6.100 or later), not {hypothesis.__version__}"
                           ": install the version pyproject.toml requires")
    from hypothesis.internal.conjecture import providers

    if not hasattr(providers, "_get_local_constants"):  # before Hypothesis had local constants: nothing to switch off
        return None
    if not (hasattr(providers, "Constants") and hasattr(getattr(providers, "CONSTANTS_CACHE", None), "cache")):
        raise RuntimeError(f"Hypothesis {hypothesis.__version__} changed the internals the grader relies on to draw the "
                           "same inputs whatever modules are loaded")
    return providers


_NO_LOCAL_CONSTANTS = _NoLocalConstants()
_ONE_SEARCH_AT_A_TIME = threading.RLock()  # topics graded in threads: Hypothesis before 6.136 is not thread-safe


@contextmanager
def hypothesis_for_grading() -> Iterator[None]:
    """Hypothesis as the grader runs it (see _NoLocalConstants), while the block runs; re-entrant."""
    with _NO_LOCAL_CONSTANTS:
        yield


def search(strategy, examples, max_examples: int, test_one: Callable[[dict], None], seed: int | None = None) -> None:
    """Run `test_one` on the inputs the grader draws: the explicit examples, then Hypothesis's.

    Every check (and tests/test_coverage.py) goes through this one function. With `seed` None, Hypothesis
    derives its derandomized seed from the test function, so the same strategy yields the same (public) inputs
    everywhere; with a grading seed, the draws come from that seed instead, still the same on every run.
    (The source of `prop` names the public inputs: changing it changes every input `check` draws.)
    """
    def prop(inputs):
        test_one(inputs)

    test = given(strategy)(prop)
    for explicit in reversed(examples):
        test = example(explicit)(test)
    with hypothesis_for_grading(), _ONE_SEARCH_AT_A_TIME:
        if seed is None:
            settings(HYPOTHESIS, max_examples=max_examples)(test)()
        else:
            hypothesis_seed(seed)(settings(HYPOTHESIS, max_examples=max_examples, derandomize=False)(test))()


def drawn(strategy, examples, max_examples: int, seed: int | None = None) -> list[dict]:
    """The inputs `search` gives a test that never fails, in order."""
    found: list[dict] = []
    search(strategy, examples, max_examples, found.append, seed)
    return found


def _shared(ex: Exercise) -> list[Check]:
    """The checks evaluated together on the exercise's own inputs."""
    return [c for c in ex.checks if c.inputs is None and c.max_examples is None]


def searches(ex: Exercise) -> dict[str, tuple]:
    """Each search grading `ex` runs when nothing fails, by name (SHARED, or a check's): (strategy, explicit
    examples, max_examples, whether a check of it compares with the oracle)."""
    shared = _shared(ex)
    found = {}
    if shared:
        found[SHARED] = (ex.inputs, ex.examples, ex.max_examples, any(c.judge is None for c in shared))
    for check in ex.checks:
        if check not in shared:
            strategy = check.inputs if check.inputs is not None else ex.inputs
            found[check.name] = (strategy, (), check.max_examples or ex.max_examples, check.judge is None)
    return found


def draws(ex: Exercise, name: str, seed: int | None) -> Draws | None:
    """The inputs of the search `name` of `ex` and the oracle's values on them: drawn once (grading/cache.py)."""
    compared = searches(ex)[name][3]

    def compute():
        found = _drawn_inputs(ex, name, seed)
        if found is None:
            return None
        return [(inputs, _expected(ex, inputs) if compared and ex.oracle else None) for inputs in found]

    return DRAWS.get(Key(ex.id, name, seed), compute)


def _drawn_inputs(ex: Exercise, name: str, seed: int | None) -> list[dict] | None:
    strategy, examples, max_examples, _ = searches(ex)[name]
    try:
        return list(drawn(strategy, examples, max_examples, seed))
    except Exception:  # noqa: BLE001 - the search itself fails: graded without the cache, failing as before
        return None


def _shared_inputs(ex: Exercise, name: str, seed: int | None, limit: int) -> list[dict]:
    """The first `limit` inputs of the search `name` of `ex`, the same with the cache or without it."""
    cached = draws(ex, name, seed)
    if cached is not None:
        return [fresh(inputs) for inputs, _ in cached.entries[:limit]]
    return (_drawn_inputs(ex, name, seed) or [])[:limit]


def prepare(exercises: list[Exercise], seed: int | None, start: float = 0.0) -> None:
    """Draw every search of `exercises` now (a Gradescope image, a grading process before its first student),
    beginning `start` of the way through them (grading processes sharing a folder each begin elsewhere, and read
    what the others drew)."""
    every = [(ex, name) for ex in exercises for name in searches(ex)]
    first = int(start * len(every)) % max(len(every), 1)
    for ex, name in every[first:] + every[:first]:
        draws(ex, name, seed)


def _expected(ex: Exercise, inputs: dict) -> dict | None:
    try:
        with torch_for_oracle():
            return ex.oracle(**fresh(inputs))
    except Exception:  # noqa: BLE001 - computed (and raised) when a check asks for it, as without the cache
        return None


def _replayed(session: TopicSession, ex: Exercise, found: Draws) -> Iterator[dict]:
    """The inputs of `found`, in order, each with its oracle values handed to the session."""
    for inputs, expected in found:
        session.expect(ex, inputs, expected)
        yield inputs


# -- the verdict: what one check says about one input ----------------------------------------------------------


class _Failed(Exception):
    """A failing example: Hypothesis shrinks it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _Stop(BaseException):
    """A failure independent of the input: Hypothesis lets a BaseException through without shrinking."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Verdict:
    """What one check says about one input."""

    message: str | None  # what is wrong (its first line the headline), without what the code printed
    kind: Kind | str = Kind.VALUE  # a wrong result, else the worker's error kind (exception, timeout, ...)
    call: str | None = None  # the student function that failed, for a failed call
    got: Any = None
    expected: Any = None
    mistakes: tuple = ()  # (name, hint) of the declared mistakes the wrong value equals
    printed: str = ""  # what the student's code printed on this input

    @property
    def failed(self) -> bool:
        return self.message is not None

    def quality(self, inputs: dict) -> tuple[bool, int, frozenset]:
        """(clearly visible, tiny numbers in the input, named mistakes): while shrinking, a failing input is followed
        only if it is as clear as the first failure, has no more tiny numbers (1.4e-45) than the best one so far,
        and still shows the mistakes the first failure showed."""
        clear = self.kind != Kind.VALUE or self.got is None or discrepancy(self.got, self.expected) >= CLEAR
        return clear, tiny_numbers(inputs), frozenset(self.mistakes)


def _at_least(q, wanted, best) -> bool:
    return (q[0] or not wanted[0]) and q[1] <= best[1] and wanted[2] <= q[2]


def _label(path: tuple[str, ...]) -> str:
    return path[0] + "".join(f"[{k!r}]" for k in path[1:])


def _lookup(outputs: dict, path: tuple[str, ...]):
    """(value at `path`, None) or (None, why it is not there); path[0] is known to be present."""
    value, label = outputs[path[0]], path[0]
    for key in path[1:]:
        if not isinstance(value, dict):
            return None, f"{label} should be a dict, but it is {type(value).__name__}."
        if key not in value:
            return None, f"{label} has no entry {key!r}."
        value, label = value[key], label + f"[{key!r}]"
    return value, None


def _shown(ex: Exercise, check: Check, inputs: dict) -> dict:
    """The inputs the check's calls take (softmax is shown its z, not the labels it never reads)."""
    used = {a for i in ex.plan_of(check) for a in ex.calls[i].args}
    return {k: v for k, v in inputs.items() if k in used} or dict(inputs)


_MISTAKE_VALUES: "weakref.WeakKeyDictionary[TopicSession, dict]" = weakref.WeakKeyDictionary()


def _genericity(inputs: dict) -> tuple[int, int, int]:
    """How far `inputs` is from degenerate, to rank inputs: (no all-zero array, distinct sizes > 1 among its
    arrays' axes and integer arguments, entries)."""
    arrays = list(arrays_in(inputs))
    zero = any(a.size and a.dtype.kind == "f" and not a.any() for a in arrays)
    sizes = {n for a in arrays for n in a.shape if n > 1}
    sizes |= {int(v) for v in inputs.values() if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 1}
    return (0 if zero else 1, len(sizes), sum(a.size for a in arrays))


def _mistake_value(session: TopicSession, ex: Exercise, mistake: Mistake, inputs: dict, path):
    """What `mistake` gives at `path` on `inputs` (memoised per session), or None if it says nothing there."""
    memo = _MISTAKE_VALUES.setdefault(session, {})
    key = (ex.id, mistake.name, session.digest(inputs))
    if key not in memo:
        try:
            with torch_for_oracle():
                memo[key] = mistake.oracle(**inputs)
        except Exception:  # noqa: BLE001 - a variant that does not apply to this input names nothing
            memo[key] = None
    values = memo[key]
    if not isinstance(values, dict) or path[0] not in values:
        return None
    value, problem = _lookup(values, path)
    return None if problem else value


def _diagnose(ex: Exercise, check: Check, session: TopicSession, inputs: dict, got, expected) -> tuple:
    """(name, hint) of every declared mistake whose value equals what the student returned (and differs from the
    right answer) on this input: a name only when the match holds."""
    tol = check.tolerance or ex.tolerance
    found = []
    for mistake in ex.mistakes:
        if mistake.checks and check.name not in mistake.checks:
            continue
        variant = _mistake_value(session, ex, mistake, inputs, check.path)
        if variant is None:
            continue
        try:
            if matches_mistake(got, variant, expected, tol):
                found.append((mistake.name, mistake.hint))
        except TypeError:
            continue
    return tuple(found)


def _printed(session: TopicSession, stdout: str) -> str:
    """What the code printed, with warnings pointing at the student's file (`File "mlp.py", line 12`)."""
    path = re.escape(str(session.source.path))
    return re.sub(path + r":(\d+): ", lambda m: f'File "{session.source.filename}", line {m.group(1)}: ', stdout)


def _verdict(ex: Exercise, check: Check, session: TopicSession, inputs: dict, diagnose: bool = False) -> Verdict:
    root = check.path[0]
    outcome = session.outcome(ex, ex.plan_of(check), inputs)
    missing = next((o for o in (root, *check.needs) if o not in outcome.results), None)
    if missing is not None:
        err = outcome.error or {"kind": "protocol", "message": f"no value for {missing} came back from the worker."}
        message = err["message"] + (f"\n{err['detail']}" if err.get("detail") else "")
        kind = Kind.of(err.get("kind", "exception"))
        if kind == Kind.EXCEPTION and _about_shapes(err["message"]):
            message += _shape_context(ex, session, inputs, err.get("call"))
        return Verdict(message, kind, err.get("call"), printed=_printed(session, (outcome.stdout or "").rstrip()))
    got = expected = None
    mistakes: tuple = ()
    if check.judge is not None:
        message = check.judge(outcome.results, inputs)
        got = outcome.results.get(root)
    else:
        got, problem = _lookup(outcome.results, check.path)
        if problem:
            return Verdict(problem)
        expected, _ = _lookup(session.oracle(ex, inputs), check.path)
        message = compare(_label(check.path), got, expected, check.tolerance or ex.tolerance)
        if message and diagnose and ex.mistakes:
            mistakes = _diagnose(ex, check, session, inputs, got, expected)
    printed = _printed(session, outcome.stdout.rstrip()) if message and outcome.stdout else ""
    return Verdict(message, Kind.VALUE, None, got, expected, mistakes, printed)


def _about_shapes(message: str) -> bool:
    return any(s in message for s in ("shape", "broadcast", "dimension", "gufunc", "size"))


def _shape_context(ex: Exercise, session: TopicSession, inputs: dict, function: str | None) -> str:
    """For an error about shapes: the shapes the call was given and the ones it should return."""
    calls = [c for c in ex.calls if c.function == function]
    if not calls:
        return ""
    c = calls[0]
    given_ = [f"{a} {np.shape(inputs[a])}" for a in c.args if isinstance(inputs.get(a), np.ndarray)]
    try:
        expected = session.oracle(ex, inputs) if ex.oracle else {}
    except Exception:  # noqa: BLE001
        expected = {}
    wanted = [f"{o} {np.shape(expected[o])}" for o in c.outputs if isinstance(expected.get(o), np.ndarray)]
    lines = []
    if given_:
        lines.append(f"{function} was given {', '.join(given_)}")
    if wanted:
        lines.append(f"it should return {', '.join(wanted)}")
    return ("\n" + "; ".join(lines) + ".") if lines else ""


# -- the search: a check's most telling failing input ---------------------------------------------------------


@dataclass
class _Found:
    verdict: Verdict
    inputs: dict
    shrunk: bool
    first: dict | None = None  # the first failing input found, before shrinking: generic random values
    others: list = None  # [(inputs, verdict)]: further failing inputs, generic ones, that confirm what is said


class CheckSearch:
    """One check graded and its failure explained: built once per check that did not simply pass.

    Inputs that failed earlier checks of the exercise (`known_failures`) are tried first (no shrinking needed when
    they fail this one too); a new failure is shrunk within SHRINK_BUDGET evaluations. `partial`: the check passed
    on some inputs, so even a NotImplementedError depends on the input and is shown with it. `history` holds
    every input the shared pass tried and whether the check failed there (the patterns of the feedback)."""

    def __init__(self, ex: Exercise, check: Check, session: TopicSession, known_failures: list[dict],
                 seed: int | None = None, history: list[tuple[dict, bool]] | None = None, partial: bool = False,
                 first_input: dict | None = None, shown_under: dict | None = None):
        self.ex, self.check, self.session, self.seed = ex, check, session, seed
        self.known_failures, self.history, self.partial = known_failures, history or [], partial
        self.first_input, self.shown_under = first_input, shown_under
        self.stopping = STOPPING - {"not_implemented"} if partial else STOPPING
        self.own = check.inputs is not None
        self.strategy = check.inputs if self.own else ex.inputs
        self.max_examples = check.max_examples or ex.max_examples
        self.name = SHARED if check.inputs is None and check.max_examples is None else check.name  # its search
        self.tried: list = []  # the first input evaluated and its verdict (an exercise's picture draws them)

    def run(self) -> CheckResult:
        ex, check = self.ex, self.check
        found = self.find()
        if found is None:
            inputs, v = self.tried[0] if self.tried and ex.picture is not None else (None, Verdict(None))
            return CheckResult(check.name, check.points, check.points, inputs=inputs, got=v.got)  # for the picture
        if found.shrunk and not self.own and not any(found.inputs is k for k in self.known_failures):
            self.known_failures.append(found.inputs)
        found.others = self.second_inputs(found)
        if found.verdict.mistakes:
            found.verdict.mistakes = self.confirmed(found)
        if found.verdict.kind == Kind.NOT_IMPLEMENTED and self.partial:
            found.verdict.kind = Kind.EXCEPTION  # raised for some inputs only: the input is the point
        result = _explain(ex, check, self.session, found, self.history, self.shown_under)
        result.call = found.verdict.call
        return result

    def second_inputs(self, found: _Found) -> list[tuple[dict, Verdict]]:
        """The failing inputs, besides the shrunk one, that confirm a diagnosis: the most generic (non-degenerate:
        sizes distinct and > 1, no all-zero array) of the failures the searches met, at most SECOND_INPUTS of them,
        each with its verdict. A shrunk input has N = T = 1 and zeros: a mistake can coincide with the student there
        and nowhere else."""
        candidates = [found.first, self.first_input]
        candidates += [i for i, failed in self.history if failed]
        if self.own:  # the check's own draws, the same with the cache or without it (the feedback must not differ)
            candidates += _shared_inputs(self.ex, self.name, self.seed, SECOND_DRAWS)
        seen, ranked = {id(found.inputs)}, []
        for inputs in candidates:
            if inputs is not None and id(inputs) not in seen:
                seen.add(id(inputs))
                ranked.append(inputs)
        ranked.sort(key=_genericity, reverse=True)
        others = []
        for inputs in ranked:
            try:
                v = _verdict(self.ex, self.check, self.session, inputs, diagnose=True)
            except Exception:  # noqa: BLE001 - an input the oracle cannot take confirms nothing
                continue
            if v.failed and v.kind == found.verdict.kind:
                others.append((inputs, v))
                if len(others) == SECOND_INPUTS:
                    break
        return others

    def confirmed(self, found: _Found) -> tuple:
        """The mistakes of the shrunk failure that also fit a second, generic failing input, and agree with the
        student on the other checks where the student is right, on both inputs: a name only where it holds."""
        if not found.others and _genericity(found.inputs)[0] < 1:
            return ()  # a degenerate input never decides alone
        kept = []
        for m in found.verdict.mistakes:
            if all(m in v.mistakes for _, v in found.others) and all(
                    self.fits_passed_checks(m[0], inputs) for inputs in [found.inputs, *(i for i, _ in found.others)]):
                kept.append(m)
        return tuple(kept)

    def fits_passed_checks(self, name: str, inputs: dict) -> bool:
        """Whether the mistake `name` gives the right values on `inputs` wherever the student does, among the checks
        of calls the failing check makes too (a forward mistake is not the cause of a failing backward when the
        student's forward output is right; a backward that is right says nothing about a forward's mistake)."""
        ex, session = self.ex, self.session
        mistake = next(m for m in ex.mistakes if m.name == name)
        calls = set(ex.plan_of(self.check))
        for other in ex.checks:
            if other is self.check or other.judge is not None or other.inputs is not None \
                    or not set(ex.plan_of(other)) <= calls or (mistake.checks and other.name not in mistake.checks):
                continue  # (a mistake declared for some checks says nothing about the others' values)
            variant = _mistake_value(session, ex, mistake, inputs, other.path)
            if variant is None:
                continue
            try:
                if _verdict(ex, other, session, inputs).failed:
                    continue
                expected, _ = _lookup(session.oracle(ex, inputs), other.path)
                if compare("v", variant, expected, other.tolerance or ex.tolerance) is not None:
                    return False
            except Exception:  # noqa: BLE001 - a value that cannot be compared decides nothing
                continue
        return True

    def find(self) -> _Found | None:
        """The most telling small failing input of the check: a known (already small) failure of another check,
        else Hypothesis's shrunk failure among the strategy's inputs, searched again with small sizes if it is
        longer than SMALL_AXIS along an axis (`smaller`), else the first failing explicit example (Hypothesis does
        not shrink those)."""
        ex, check, session = self.ex, self.check, self.session
        for known in ([] if self.own else self.known_failures):
            v = _verdict(ex, check, session, known, diagnose=True)
            if v.failed and v.kind == Kind.VALUE:
                return _Found(v, known, True)
        n, strategy = self.max_examples, self.strategy
        found = None if self.passes_on_its_draws() else _Shrinking(self, strategy, self.tried).run()
        if found is not None and found.shrunk and n > 1 and _size(_shown(ex, check, found.inputs))[0]:
            found = self.smaller(found)
        if found is not None:
            return found
        for explicit in ([] if self.own else ex.examples):
            v = _verdict(ex, check, session, explicit, diagnose=True)
            if v.failed:
                return _Found(v, explicit, False)
        return None

    def smaller(self, found: _Found) -> _Found:
        """A smaller input that fails the check the same way as `found` (the same kind of failure, as clear, the same
        mistakes shown), else `found`. Hypothesis's shrinker spends its budget on the values of large arrays before
        it tries smaller shapes, and the strategies draw sizes distinct in 2..5 (they catch transposed and
        wrong-axis mistakes): the search draws again with small sizes (S.small_sizes), rejecting inputs longer than
        SMALL_AXIS along an axis as soon as their shapes are drawn, or if it draws none, inputs as long as `found`
        (an LSTM's 4H gate axis is 4 long at H = 1); if that finds nothing smaller, among the strategy's own sizes
        (some failures, a float32 cancellation, are rare and its generic draws happen to meet one). A failure is
        kept if it is smaller (see `_size`)."""
        shown = _shown(self.ex, self.check, found.inputs)
        size = _size(shown)
        searches = [_SmallInputs(self.strategy, SMALL_AXIS), _SmallInputs(self.strategy, largest_axis(shown) - 1),
                    _SmallInputs(self.strategy, SMALL_AXIS, small_sizes=False)]
        for i, small in enumerate(searches):
            if small.key in _SmallInputs.gave_up or (i == 1 and searches[0].found):
                continue  # (the second only where the first drew nothing at most 3 long: an LSTM's 4H)
            smaller = _Shrinking(self, small.strategy(), like=found, budget=SMALL_SHRINK_BUDGET).run()
            if smaller is not None and _size(_shown(self.ex, self.check, smaller.inputs)) < size:
                smaller.first = found.first  # generic values, for the second inputs that confirm a diagnosis
                return smaller
        return found

    def passes_on_its_draws(self) -> bool:
        """Whether the check passes on every input its search draws, replayed from the cache: then Hypothesis would
        find no failure either (a search that never fails draws the same inputs whatever its verdicts). `tried`
        gets the first input, as the search would have given it; on a failure Hypothesis searches as ever."""
        found = draws(self.ex, self.name, self.seed)
        if found is None:
            return False
        if self.name == SHARED:
            found = found.after(len(self.ex.examples))  # the check's own search has no explicit examples
        try:
            for inputs in _replayed(self.session, self.ex, found):
                v = _verdict(self.ex, self.check, self.session, inputs)
                if not self.tried:
                    self.tried.append((inputs, v))
                if v.failed:
                    break
            else:
                return True
        except Exception:  # noqa: BLE001 - the grader's own failure: Hypothesis reports it, as without the cache
            pass
        self.tried.clear()
        return False


class _Shrinking:
    """Hypothesis's first failure in `strategy`, shrunk within `budget` evaluations toward inputs that say at
    least as much as it did (see Verdict.quality); the declared mistakes are evaluated only where they matter.
    `tried`, if given, receives the first input evaluated and its verdict (an exercise's picture draws them).
    `like`: a failure found before; then only failures of its kind, and at least as telling, count (the others and
    an input the exercise's definition excludes, on which the oracle raises, are passed over)."""

    def __init__(self, search: CheckSearch, strategy, tried: list | None = None, like: _Found | None = None,
                 budget: int = SHRINK_BUDGET):
        self.search, self.strategy, self.tried, self.budget = search, strategy, tried, budget
        self.best: Verdict | None = None
        self.inputs: dict | None = None
        self.like = like.verdict.kind if like is not None else None
        self.wanted: tuple | None = like.verdict.quality(like.inputs) if like is not None else None  # the quality
        self.best_quality: tuple | None = self.wanted  # of the first failure
        self.after = 0  # evaluations since the first failure
        self.first: dict | None = None

    def test_one(self, inputs: dict) -> None:
        s = self.search
        if self.best is not None:
            self.after += 1
            if self.after > self.budget:
                raise _Stop("budget")
        wanted = self.wanted
        try:
            v = _verdict(s.ex, s.check, s.session, inputs, diagnose=wanted is None or bool(wanted[2]))
        except Exception:  # noqa: BLE001
            if self.like is None:
                raise  # the grader's own failure: Hypothesis reports it
            return  # an input the exercise cannot take (its oracle raises there) says nothing
        if self.tried is not None and not self.tried:
            self.tried.append((inputs, v))
        if not v.failed or (self.like is not None and v.kind != self.like):
            return
        if v.kind in s.stopping:
            self.best, self.inputs = v, inputs
            raise _Stop("stop")
        q = v.quality(inputs)
        if wanted is None:
            self.wanted, self.first = q, inputs
        elif not _at_least(q, wanted, self.best_quality):
            return  # it fails, but says less than the first failure did: shrinking does not go there
        self.best, self.inputs, self.best_quality = v, inputs, q
        raise _Failed(v.message)

    def run(self) -> _Found | None:
        s = self.search
        try:
            search(self.strategy, (), s.max_examples, self.test_one, s.seed)
        except (_Failed, _Stop, Unsatisfiable):
            pass
        except Exception as group:  # Flaky and friends wrap our failure; anything else is the grader's fault
            if _first_failure(group) is None:
                raise
            if self.best is not None:
                self.best.message += "\n(Your code gave different results for the same input.)"
        best = self.best
        if best is None:
            return None
        if best.kind == Kind.VALUE and not best.mistakes and s.ex.mistakes:
            best = _verdict(s.ex, s.check, s.session, self.inputs, diagnose=True)  # memoised: no new worker call
        return _Found(best, self.inputs, best.kind not in s.stopping, self.first)


class _SmallInputs:
    """A strategy drawing small sizes (S.small_sizes, unless not `small_sizes`) and restricted to inputs no longer
    than `limit` along every axis (fixed for the search: Hypothesis requires a strategy to treat the same choices
    alike). An array too large is rejected as soon as its shape is drawn (S.shape_guard), before its elements; the
    rest of the input is checked once drawn. If the first SMALL_REJECTS draws are all too large, the search gives up
    (a _Stop, which Hypothesis lets through), for good in this process; once it has drawn a small enough input it
    never gives up early (Hypothesis's generation drifts to larger inputs after the first few, and small failing
    inputs exist)."""

    gave_up: set[tuple] = set()  # (id() of the strategy, limit, small sizes) of the searches that gave up

    def __init__(self, strategy, limit: int, small_sizes: bool = True):
        self.whole, self.limit, self.small_sizes = strategy, limit, small_sizes
        self.key = (id(strategy), limit, small_sizes)
        self.rejected = 0
        self.found = False

    def too_large(self) -> None:
        self.rejected += 1
        if not self.found and self.rejected >= SMALL_REJECTS:
            self.gave_up.add(self.key)
            raise _Stop("no small inputs")
        reject()

    def guard(self, shape: tuple[int, ...]) -> None:
        if max(shape, default=0) > self.limit:
            self.too_large()

    def strategy(self):
        @st.composite
        def small(draw):
            with S.small_sizes() if self.small_sizes else nullcontext(), S.shape_guard(self.guard):
                inputs = draw(self.whole)
            if largest_axis(inputs) > self.limit:
                self.too_large()
            self.found = True
            return inputs

        return small()


def _size(inputs: dict) -> tuple[bool, int]:
    """How large an input is to read: (longer than SMALL_AXIS along an axis, its entries). Entries, not the longest
    axis, decide between two inputs both longer: an LSTM's W is (H + D, 4H), and (3, 8) reads better than (5, 8)."""
    return largest_axis(inputs) > SMALL_AXIS, sum(a.size for a in arrays_in(inputs))


# -- the explanation of a failing check ----------------------------------------------------------------------


def _patterns(history: list[tuple[dict, bool]], fails: Callable[[dict], bool] | None = None) -> list[str]:
    """Facts read off every input tried: a scalar input (stride, pad, mode, lr, n_heads, ...) whose values the
    failures all share while at least PATTERN_MIN inputs with other values passed ("fails only when stride >= 2").
    Two points make no law: each fact is stated only once checked on further inputs, `fails(inputs)` telling
    whether the check fails there: a failing input given a passing value must pass, and a passing input given a
    failing value must fail (without `fails`, nothing is stated)."""
    found = []
    if not history or fails is None:
        return found
    for name, value in history[0][0].items():
        if not isinstance(value, (int, float, str, bool, np.integer, np.floating)):
            continue
        passing = [i[name] for i, failed in history if not failed and name in i]
        failing = [i[name] for i, failed in history if failed and name in i]
        if len(failing) < PATTERN_MIN:
            continue
        if isinstance(value, (str, bool)):
            others = [v for v in passing if v not in set(failing)]
            if len(others) >= PATTERN_MIN and _swaps_hold(history, name, failing, others, fails):
                found.append(f"it fails only when {name} is {_either(sorted(set(failing), key=str))} (all "
                             f"{len(others)} inputs tried with {name} {_either(sorted(set(others), key=str))} passed)")
            continue
        below, above = [v for v in passing if v < min(failing)], [v for v in passing if v > max(failing)]
        if len(below) >= PATTERN_MIN and _swaps_hold(history, name, failing, below, fails):
            found.append(f"it fails only when {name} >= {min(failing):g} (all {len(below)} inputs tried with "
                         f"{_range(name, below)} passed)")
        elif len(above) >= PATTERN_MIN and _swaps_hold(history, name, failing, above, fails):
            found.append(f"it fails only when {name} <= {max(failing):g} (all {len(above)} inputs tried with "
                         f"{_range(name, above)} passed)")
    return [f"Pattern: {p}." for p in found]


def _fails_on(ex: Exercise, check: Check, session: TopicSession) -> Callable[[dict], bool]:
    """Whether `check` fails on an input; raises when the exercise cannot take it (its oracle raises there)."""
    def fails(inputs: dict) -> bool:
        if ex.oracle is not None:
            session.oracle(ex, inputs)
        return _verdict(ex, check, session, inputs).failed
    return fails


def _swaps_hold(history, name: str, failing: list, passing: list, fails: Callable[[dict], bool]) -> bool:
    """Whether the check follows `name` alone on further inputs: failing inputs given a passing value of `name`
    pass, and passing inputs given a failing value fail (two of each, the other arguments unchanged). A changed
    input the exercise cannot take (the oracle raises: a stride the upstream gradient's shape does not fit) tells
    nothing; if none can be taken, the pattern needs one more input on each side than PATTERN_MIN."""
    bad = [i for i, failed in history if failed and i.get(name) in failing][:PATTERN_MIN]
    good = [i for i, failed in history if not failed and i.get(name) in passing][:PATTERN_MIN]
    told = 0
    for k, (inputs, value, should_fail) in enumerate([(i, passing, False) for i in bad] +
                                                     [(i, failing, True) for i in good]):
        try:
            failed = fails({**inputs, name: value[k % len(value)]})
        except Exception:  # noqa: BLE001 - an input the exercise cannot take
            continue
        if failed != should_fail:
            return False
        told += 1
    if told:
        return True
    return sum(1 for _, f in history if f) > PATTERN_MIN and sum(1 for i, f in history if not f
                                                                  and i.get(name) in passing) > PATTERN_MIN


def _either(values) -> str:
    return " or ".join(repr(v) for v in values)


def _range(name: str, values) -> str:
    low, high = min(values), max(values)
    return f"{name} = {low:g}" if low == high else f"{name} from {low:g} to {high:g}"


def _factor_source(got, expected, inputs: dict, others: list[tuple] = ()) -> list[str]:
    """When the value is off by an exact integer factor, which sizes or scalar arguments of the input equal it
    (an axis, a product of two axes of one array such as B*T, or n_heads, d_model, epochs, ...). Stated only when
    the same size equals the factor on each of `others` too, [(got, expected, inputs)] of further failing inputs
    (on a shrunk input many sizes coincide: N = T = 2); without them nothing is stated."""
    n = _factor(got, expected)
    if n is None or not others:
        return []
    sizes = _sizes(inputs)
    names = [label for label, value in sizes.items() if value == n]
    for got2, expected2, inputs2 in others:
        n2, sizes2 = _factor(got2, expected2), _sizes(inputs2)
        names = [label for label in names if n2 is not None and sizes2.get(label) == n2]
    if not names:
        return []
    return [f"Pattern: the factor {n} equals {', '.join(names[:3])} on this input (and on others tried)."]


def _factor(got, expected) -> int | None:
    k = exact_factor(got, expected)
    if k is None or k == -1:
        return None
    return round(abs(k)) if abs(k) >= 1 else round(1 / abs(k))


def _sizes(inputs: dict) -> dict[str, int]:
    """label -> value of every size an input holds: array axes, products of two axes of one array, integer
    arguments (one label per value and array: the first found)."""
    found: dict[str, int] = {}
    for name, value in inputs.items():
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            found[name] = int(value)
        entries = value.items() if isinstance(value, dict) else [(None, value)]
        for key, a in entries:
            if not isinstance(a, np.ndarray):
                continue
            label = name if key is None else f"{name}[{key!r}]"
            for d, size in enumerate(a.shape):
                found.setdefault(f"{label}.shape[{d}]", size)
            for d in range(a.ndim - 1):
                found.setdefault(f"{label}.shape[{d}] * {label}.shape[{d + 1}]", a.shape[d] * a.shape[d + 1])
    return found


def _explain(ex: Exercise, check: Check, session: TopicSession, found: _Found,
             history: list[tuple[dict, bool]], shown_under: dict | None = None) -> CheckResult:
    """The feedback of a failing check, as a record; `shown_under` maps id(inputs) -> (check, names) of inputs
    already shown under an earlier check of the exercise, which are referred to rather than printed again."""
    v, inputs = found.verdict, found.inputs
    if v.kind in NO_INPUT:
        return CheckResult.failed(check.name, check.points, _record(ex, session, v))
    feedback = _record(ex, session, v)
    evidence = "gives your value on the failing input" + (" and on another one" if found.others else "") + \
        ", and the right one where your code is right"
    feedback.diagnoses = [Diagnosis("mistake", hint, name=name, evidence=evidence) for name, hint in v.mistakes]
    shown = _shown(ex, check, inputs)
    if v.kind == Kind.VALUE:
        others = [(o.got, o.expected, _shown(ex, check, i)) for i, o in found.others or ()]
        feedback.diagnoses += [_as_diagnosis("factor", line, "the sizes of the failing input and of others")
                               for line in _factor_source(v.got, v.expected, shown, others)]
        feedback.diagnoses += [_as_diagnosis("pattern", line, f"{len(history)} inputs tried, then more to confirm")
                               for line in _patterns(history, _fails_on(ex, check, session))]
        feedback.diagnoses += _precision(v.got, v.expected)
        feedback.values = _values(v.got, v.expected)
    if (check.max_examples or ex.max_examples) == 1:
        title = "Input"
    else:
        title = "Smallest failing input" if found.shrunk else "Failing input"
    pasteable = is_pasteable(shown)
    first_shown = not shown_under  # the exercise's first input shown: the one the short text shows whole
    earlier = (shown_under or {}).get(id(inputs))
    same_as = earlier[0] if earlier and set(shown) <= earlier[1] else None
    if same_as is None and shown_under is not None:
        shown_under[id(inputs)] = (check.name, set(shown))
    try:  # the short text's input: what fails to be written so is shown as the whole text shows it
        read, left_out = _entries_read(ex, check, session, inputs, shown, v) if first_shown and pasteable \
            else (shown, [])
        short = _short_inputs(read, left_out) if pasteable else ""
    except Exception:  # noqa: BLE001
        short, left_out = "", []
    feedback.reproduction = Reproduction(format_inputs(shown), _call_text(ex, check), pasteable, title, same_as,
                                         short, left_out)
    return CheckResult.failed(check.name, check.points, feedback, mistakes=[name for name, _ in v.mistakes],
                              inputs=shown, expected=v.expected, got=v.got)


READ_TRIALS = 40  # runs of the check at most, to find which entries of its dict inputs a failing check reads


def _entries_read(ex: Exercise, check: Check, session: TopicSession, inputs: dict, shown: dict,
                  v: Verdict) -> tuple[dict, list[str]]:
    """`shown` without the entries of its dicts (params, a cache) that play no part in the failure, and the entries
    left out ("params['b2']"). An entry is left out only when the student's functions, run again on the input
    without it, return exactly what they returned (of a returned dict, the entries still there), wrong exactly as
    before against the expected value of the whole input: the input shown, pasted, reproduces the failure,
    whatever the submission reads (an entry it reads raises KeyError without it, and stays). An entry is tried
    out of every dict that has it at once (params and grads share their keys), then out of each alone; at most
    READ_TRIALS runs, and only while the exercise's calls have half their time left. A wrong value only (an error
    may depend on what is there), a check with no judge, an input that pastes."""
    dicts = [n for n, x in shown.items() if isinstance(x, dict) and len(x) > 1]
    if v.kind != Kind.VALUE or check.judge is not None or not dicts or not v.failed:
        return shown, []
    current, left_out, trials = dict(shown), [], 0
    for key in dict.fromkeys(k for n in dicts for k in shown[n]):
        holders = [n for n in dicts if key in current[n] and len(current[n]) > 1]
        for attempt in [holders] + ([[n] for n in holders] if len(holders) > 1 else []):
            if not attempt or trials >= READ_TRIALS or not _time_to_spare(ex, session):
                continue
            trial = {n: ({k: x for k, x in current[n].items() if k != key} if n in attempt else current[n])
                     for n in current}
            trials += 1
            if _fails_alike(ex, check, session, {**inputs, **trial}, v):
                current = trial
                left_out += [f"{n}[{key!r}]" for n in attempt]
                break
    return current, left_out


def _time_to_spare(ex: Exercise, session: TopicSession) -> bool:
    """Whether the exercise's calls have more than half their time left (an explanation must never take the time
    the checks still to grade need)."""
    left = getattr(session, "left", {}).get(ex.id)
    return left is None or left[0] > ex.seconds * EXERCISE_CALLS / 2


def _fails_alike(ex: Exercise, check: Check, session: TopicSession, inputs: dict, v: Verdict) -> bool:
    """Whether the student's functions, run on `inputs`, return what they returned on the whole input (`v.got`; of a
    returned dict, the entries that are there), and that is wrong as `v` says: the same message against the
    expected value (of the whole input: a params dict without some entries has no right answer of its own)."""
    try:
        outcome = session.outcome(ex, ex.plan_of(check), inputs)
    except Exception:  # noqa: BLE001 - what cannot run stays as it was
        return False
    if outcome.error or any(o not in outcome.results for o in (check.path[0], *check.needs)):
        return False
    got, problem = _lookup(outcome.results, check.path)
    if problem or not _identical(got, v.got):
        return False
    return compare(_label(check.path), got, _within(v.expected, got), check.tolerance or ex.tolerance) == v.message


def _within(expected, got):
    """`expected` with only the entries of its dicts that `got` has."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return {k: _within(expected[k], got[k]) for k in got if k in expected}
    return expected


def _identical(a, b) -> bool:
    """`a` (on the input with entries left out) is `b` (on the whole input), but for entries of a dict `a` lacks:
    a returned dict of parameters has the keys of the parameters given, and those not given are not checked."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() <= b.keys() and \
            all(_identical(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True) and np.shape(a) == np.shape(b)
        except TypeError:
            return False
    try:
        return bool(a == b) or (a != a and b != b)  # NaN as NaN
    except Exception:  # noqa: BLE001
        return False


def _short_inputs(read: dict, left_out: list[str]) -> str:
    """The input as the short text shows it: compact, and a dict that lost entries says so where it ends (else
    where it starts) if the line has room."""
    lines = format_inputs(read, compact=True).splitlines()
    note = "  # other entries: no part in it"
    for name in dict.fromkeys(e.split("[", 1)[0] for e in left_out):
        where = [i for i, line in enumerate(lines) if line.startswith(f"{name} = {{") or f"; {name} = {{" in line]
        if not where:
            continue
        depth, end = 0, where[0]
        for end in range(where[0], len(lines)):  # the line where its braces close
            text = lines[end].split("  #", 1)[0]
            text = text[text.find(f"{name} = {{"):] if end == where[0] else text
            depth += text.count("{") - text.count("}")
            if depth <= 0:
                break
        for i in (end, where[0]):
            if "#" not in lines[i] and len(lines[i] + note) <= 76:
                lines[i] += note
                break
    return "\n".join(lines)


def _record(ex: Exercise, session: TopicSession, v: Verdict) -> Feedback:
    """A verdict's message as a record: its first line the headline, the rest (a traceback, shapes) the detail; all
    a failure the input has no part in (missing, the stub, a forbidden import) says."""
    message = (v.message or "").replace(str(session.source.path), session.source.filename)  # the grader's folder is
    first, _, rest = message.partition("\n")  # its own business: the student knows the file by its name
    return Feedback(v.kind, first, exercise=ex.id, detail=rest, printed=v.printed, call=v.call,
                    source=session.source.filename, location=_location(rest or first, session))


def _location(text: str, session: TopicSession) -> str:
    """The last place in the student's file a traceback names (`mlp.py, line 12`), else ""."""
    name = re.escape(session.source.filename)
    found = re.findall(r'File "[^"]*' + name + r'", line (\d+)', text)
    return f"{session.source.filename}, line {found[-1]}" if found else ""


def _as_diagnosis(kind: str, line: str, evidence: str) -> Diagnosis:
    """A diagnosis from a line of `_patterns`/`_factor_source` ("Pattern: ...")."""
    return Diagnosis(kind, line.split(": ", 1)[1] if line.startswith("Pattern: ") else line, evidence=evidence)


def _call_text(ex: Exercise, check: Check) -> str:
    """How the check calls the student's functions, one line per call: `out = affine_forward(x, w, b)`."""
    lines = []
    for i in ex.plan_of(check):
        c = ex.calls[i]
        lines.append(f"{', '.join(c.outputs)} = {c.function}({', '.join(c.args)})")
    return "\n".join(lines)


SMALL_VALUES = 24  # a wrong array with at most this many entries is shown whole
PRECISION = 1e-5  # wrong, but within this relative error of the expected value everywhere: a precision problem


def _numeric_pair(got, expected):
    try:
        g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if g.shape != e.shape or g.size == 0 or not (np.isfinite(g).all() and np.isfinite(e).all()):
        return None
    return g, e


def _values(got, expected) -> Values | None:
    """Expected and got as text: a small array whole, else the row around the worst entry; a scalar as itself."""
    pair = _numeric_pair(got, expected)
    if pair is None:
        return None
    g, e = pair
    if g.ndim == 0 or g.size == 1:
        return None  # the headline already gives both numbers
    if e.size <= (SMALL_VALUES if e.ndim <= 2 else 8):
        return Values(fmt_array(expected), fmt_array(got))
    worst = np.unravel_index(int(np.argmax(np.abs(g - e))), e.shape)
    row = worst[:-1] + (slice(max(0, worst[-1] - 3), worst[-1] + 4),)
    return Values(fmt_array(np.asarray(expected)[row]), fmt_array(np.asarray(got)[row]), tuple(int(i) for i in worst))


def _precision(got, expected) -> list[Diagnosis]:
    """A wrong value that agrees with the expected one to about 1e-6 relative: float32 somewhere, or a cancellation.
    Both numbers of the worst entry in one notation, with the digits that differ."""
    pair = _numeric_pair(got, expected)
    if pair is None:
        return []
    g, e = pair
    scale = max(float(np.max(np.abs(e))), 1e-300)
    error = np.abs(g - e)
    if not 0 < float(error.max()) <= PRECISION * scale:
        return []
    i = np.unravel_index(int(np.argmax(error)), e.shape)
    at = f" at index {list(int(k) for k in i)}" if e.ndim else ""
    return [Diagnosis("precision", f"a precision problem (float32 somewhere, or a cancellation): expected{at} "
                      f"{float(e[i]):.12e}, got {float(g[i]):.12e}, a relative error of {float(error.max()) / scale:.1e}.",
                      evidence="the largest error relative to the largest expected magnitude")]


# -- an exercise's grading: the shared pass, then each check that failed there -----------------------------------


class ExerciseGrading:
    """All checks of one exercise.

    First one pass over the exercise's inputs evaluates every check that shares them (most submissions
    pass most checks, and drawing inputs is the costly part), remembering which inputs each check passed
    and failed (the patterns of the feedback); then each check that failed gets its own search, which finds
    a small failing input and explains it. A student function that failed (raised, hung, is missing) is
    reported once, under the first check that needs it; the other checks it prevented are "not checked".
    """

    def __init__(self, ex: Exercise, session: TopicSession, seed: int | None = None):
        self.ex, self.session, self.seed = ex, session, seed
        self.shared = _shared(ex)
        self.shared_seconds = 0.0  # the shared pass's time, for the report's per-check times
        self.start_pass()

    def start_pass(self) -> None:
        self.failed: dict[str, Verdict] = {}
        self.history: dict[str, list[tuple[dict, bool]]] = {c.name: [] for c in self.shared}
        self.seen: dict[str, tuple[dict, Verdict]] = {}  # the first input of each check, for an exercise's picture

    def test_one(self, inputs: dict) -> None:
        """The shared pass on one input: every shared check's verdict, remembered."""
        for check in self.shared:
            v = _verdict(self.ex, check, self.session, inputs)
            self.history[check.name].append((inputs, v.failed))
            self.seen.setdefault(check.name, (inputs, v))
            if v.failed:
                self.failed.setdefault(check.name, v)
        if len(self.failed) == len(self.shared) and all(f for h in self.history.values() for _, f in h):
            costly = any(v.kind in COSTLY for v in self.failed.values())  # a timeout costs seconds
            if costly or len(self.history[self.shared[0].name]) >= EVERY_INPUT_FAILED:
                raise _Stop("every check failed on every input: nothing more to learn")

    def shared_pass(self) -> None:
        """`test_one` on the exercise's inputs: replayed from the cache, or drawn by Hypothesis (the same inputs)."""
        if not self.shared:
            return
        found = draws(self.ex, SHARED, self.seed)
        try:
            if found is not None:
                try:
                    replay = list(_replayed(self.session, self.ex, found))
                    # each part sent to the worker at once; the pass stops after the first part at the earliest
                    for part in (replay[:EVERY_INPUT_FAILED], replay[EVERY_INPUT_FAILED:]):
                        self.session.prefetch(self.ex, [(self.ex.plan_of(c), inputs) for inputs in part
                                                        for c in self.shared], COSTLY)
                        for inputs in part:
                            self.test_one(inputs)
                    return
                except Exception:  # noqa: BLE001 - the grader's own failure: Hypothesis reports it, as without the cache
                    self.start_pass()
            search(self.ex.inputs, self.ex.examples, self.ex.max_examples, self.test_one, self.seed)
        except _Stop:
            pass

    def run(self) -> ExerciseResult:
        with hypothesis_for_grading():
            start = time.perf_counter()
            self.shared_pass()
            self.shared_seconds = time.perf_counter() - start
            return self.results()

    def results(self) -> ExerciseResult:
        ex = self.ex
        known_failures: list[dict] = []
        shown_under: dict = {}  # inputs shown once, referred to by the checks that fail on them too
        causes: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, function) -> (check that reports it, summary)
        results = []
        share = self.shared_seconds / max(len(self.shared), 1)  # the shared pass, split evenly
        for check in ex.checks:
            start = time.perf_counter()
            self.check_results(check, results, known_failures, shown_under, causes)
            results[-1].seconds = (share if check in self.shared else 0.0) + time.perf_counter() - start
        return ExerciseResult(ex.id, ex.title, results)

    def check_results(self, check: Check, results: list, known_failures: list, shown_under: dict,
                      causes: dict) -> None:
        """Append `check`'s result to `results`: passed, not checked, or failed and explained."""
        ex, history = self.ex, self.history
        if check in self.shared and check.name not in self.failed:
            inputs, v = self.seen.get(check.name, (None, Verdict(None)))
            kept = ex.picture is not None  # the picture may draw what the student returned
            results.append(CheckResult(check.name, check.points, check.points, inputs=inputs if kept else None,
                                       got=v.got if kept else None))
            return
        first = self.failed.get(check.name)
        blocked = _blocked(check, first, causes)
        if blocked:
            results.append(blocked)
            return
        passed_some = any(not f for _, f in history.get(check.name, []))
        if first is not None and first.kind in NO_INPUT and not (first.kind == Kind.NOT_IMPLEMENTED and passed_some):
            result = CheckResult.failed(check.name, check.points, _record(ex, self.session, first))
        else:
            generic = next((i for i, f in history.get(check.name, []) if f), None)  # its first failing input
            result = CheckSearch(ex, check, self.session, known_failures, self.seed, history.get(check.name),
                                 passed_some, generic, shown_under).run()
            blocked = _blocked(check, _as_verdict(result), causes)
            if blocked:
                result = blocked
        if not result.passed and result.kind not in (Kind.VALUE, Kind.NOT_CHECKED) and result.call:
            causes.setdefault((result.kind, result.call), (check.name, _short(result.feedback.headline)))
        results.append(result)


def grade_exercise(ex: Exercise, session: TopicSession, seed: int | None = None) -> ExerciseResult:
    """All checks of one exercise (see ExerciseGrading)."""
    return ExerciseGrading(ex, session, seed).run()


def _short(message: str) -> str:
    """The gist of a failure's first line: "affine_backward raised ValueError", "tanh did not finish ..."."""
    first = message.splitlines()[0]
    raised = re.match(r"^(.*? raised \w+)", first)
    return raised.group(1) if raised else first.split(";")[0].rstrip(".")


def _as_verdict(result: CheckResult) -> Verdict | None:
    if result.passed:
        return None
    return Verdict(result.feedback.headline if result.feedback else result.message, result.kind, result.call)


def _blocked(check: Check, v: Verdict | None, causes: dict) -> CheckResult | None:
    """"Not checked" when the call this check needs already failed, alike, under an earlier check."""
    if v is None or v.kind == Kind.VALUE or not v.call or (v.kind, v.call) not in causes:
        return None
    where, summary = causes[(v.kind, v.call)]
    return CheckResult.failed(check.name, check.points, Feedback(Kind.NOT_CHECKED, f"Not checked: {summary} (see {where}).",
                                                                 call=v.call))  # the class page counts them as one cause


def _first_failure(exc: BaseException):
    if isinstance(exc, (_Failed, _Stop)):
        return exc
    for inner in getattr(exc, "exceptions", ()) or ():
        found = _first_failure(inner)
        if found:
            return found
    return None
