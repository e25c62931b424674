"""One submission module loaded in one sandbox: its outcomes and the oracle's values, memoised.

The session turns a plan of student calls into a request to the exercise's worker (a fresh one per exercise),
and the worker's reply (or its crash, timeout, protocol error) into an `Outcome` the checks can judge. Nothing
the worker says is trusted: every field of a reply is checked for its type and bounded before it is used.

Time is bounded per function, not per request: once a call of a function timed out, no other request that
calls it is sent in that exercise (the checks that need it get the same outcome, and are "not checked"; those
that do not are graded as usual), and all the exercise's requests together get at most EXERCISE_CALLS times one
call's budget. Whether a call changed its inputs in place is decided here, from the fingerprints of its inputs the
worker sends back after the plan (hashes of their bytes, read through NumPy functions taken before any submission
code ran), against the grader's own copy's: a submission that patches NumPy in its worker cannot hide it.
"""
from __future__ import annotations

import hashlib
import pickle
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from autograder.grading.results import Timing
from autograder.model import Exercise
from autograder.sandbox import wire
from autograder.sandbox.host import WALL_EXTRA, WALL_FACTOR, Crash, Sandbox, Worker
from autograder.submissions import TopicSource

LOAD_SECONDS = 20.0  # CPU seconds to import the module (a notebook: run its cells)
EXERCISE_CALLS = 10  # all the requests of an exercise together: this many times one call's seconds (CPU), and the
# backstop for that in wall-clock time. Honest code uses a few percent of it (rnn.train_rnn, the most: 1 s of 600).


@dataclass
class Outcome:
    results: dict
    error: dict | None
    stdout: str = ""


def _digest(inputs: dict) -> bytes:
    return hashlib.sha1(pickle.dumps(inputs, protocol=4)).digest()


@contextmanager
def torch_for_oracle() -> Iterator[None]:
    """torch as every oracle expects it, whatever else in this process changed its global settings: float64 by
    default, autograd on (both are process-wide in torch; autograder.oracle sets them once at import)."""
    import torch

    dtype = torch.get_default_dtype()
    if dtype is not torch.float64:
        torch.set_default_dtype(torch.float64)
    try:
        with torch.enable_grad():
            yield
    finally:
        if dtype is not torch.float64:
            torch.set_default_dtype(dtype)


class TopicSession:
    """One submission module in one sandbox: a fresh worker per exercise, memoised outcomes and oracle values."""

    def __init__(self, source: TopicSource, sandbox: Sandbox, timing: Timing):
        self.source, self.sandbox, self.timing = source, sandbox, timing
        self.outcomes: dict[tuple, Outcome] = {}
        self.expected: dict[tuple, dict] = {}
        self.digests: dict[int, tuple[dict, bytes]] = {}  # id(inputs) -> (inputs, its digest): once per object
        self.prints: dict[int, tuple[dict, dict]] = {}  # id(inputs) -> (inputs, its entries' fingerprints)
        self.worker: Worker | None = None
        self.worker_for: str | None = None  # the exercise the worker belongs to
        self.hung: dict[tuple[str, str], dict] = {}  # (exercise id, function) -> the error of its call that timed out
        self.left: dict[str, list[float]] = {}  # exercise id -> [CPU, wall-clock] seconds its requests may still use

    def load(self) -> str | None:
        """Import the module in the sandbox; an error message if it cannot be imported."""
        name = self.source.filename
        reply = self.sandbox.load({"name": self.source.topic, "path": str(self.source.path), "source": self.source.text,
                                   "cells": list(self.source.cells) or None, "seed": 0,
                                   "files": list(self.source.files)}, LOAD_SECONDS)
        if isinstance(reply, Crash):
            if reply.kind == "timeout":
                return f"importing {name} {reply.message}."
            return f"importing {name} failed: {reply.message}"
        err = reply.get("error")
        if err:
            err = _error(err, name)
            detail = f"\n{err['detail']}" if err["detail"] else ""
            return f"{err['message']}{detail}"
        return None

    def end_exercise(self) -> None:
        """The exercise is graded: its worker, and everything that worker started, ends here."""
        if self.worker is not None:
            self.worker.close()
        self.worker = self.worker_for = None

    def outcome(self, ex: Exercise, plan: tuple[int, ...], inputs: dict, seconds: float | None = None) -> Outcome:
        """The plan's calls on `inputs`, run once (memoised); `seconds` per call, the exercise's unless given."""
        key = (ex.id, plan, self.digest(inputs))
        if key not in self.outcomes:
            self.outcomes[key] = self._run(ex, plan, inputs, seconds or ex.seconds)
        return self.outcomes[key]

    def oracle(self, ex: Exercise, inputs: dict) -> dict:
        key = (ex.id, self.digest(inputs))
        if key not in self.expected:
            start = time.perf_counter()
            with torch_for_oracle():
                self.expected[key] = ex.oracle(**inputs)
            self.timing.oracle += time.perf_counter() - start
        return self.expected[key]

    def expect(self, ex: Exercise, inputs: dict, expected: dict | None) -> None:
        """The oracle's values on `inputs`, computed before (grading/cache.py): `oracle` returns them."""
        if expected is not None:
            self.expected.setdefault((ex.id, self.digest(inputs)), expected)

    def fingerprints(self, inputs: dict) -> dict[str, str]:
        """Each input's `wire.fingerprint`, computed once per inputs object (see `digest`)."""
        return _once_per_object(self.prints, inputs, lambda: {k: wire.fingerprint(v) for k, v in inputs.items()})

    def digest(self, inputs: dict) -> bytes:
        """What memoises a result of `inputs`: a digest of its values, computed once per inputs object (every check
        of an input asks for it; nothing in the grader changes an input once drawn)."""
        return _once_per_object(self.digests, inputs, lambda: _digest(inputs))

    def _worker(self, ex: Exercise) -> Worker | Crash:
        if self.worker is not None and (self.worker_for != ex.id or not self.worker.alive):
            self.end_exercise()
        if self.worker is None:
            worker = self.sandbox.worker()
            if isinstance(worker, Crash):
                return worker
            self.worker, self.worker_for = worker, ex.id
        return self.worker

    def prefetch(self, ex: Exercise, runs: list[tuple[tuple[int, ...], dict]], stop_on: frozenset[str]) -> None:
        """Run these plans now, in this order, in one message to the worker instead of a round trip each, and
        remember their outcomes: what `outcome` would give for each, one by one. The worker answers each run as a
        request of its own (its own budget, its own reply), and stops after a run whose error is of a kind in
        `stop_on` (where the caller may stop asking) or that needs a fresh worker; the runs it did not answer are
        run one by one when asked for, as without the batch. So the worker runs the same plans in the same order."""
        todo, keys = [], set()
        for plan, inputs in runs:
            key = (ex.id, plan, self.digest(inputs))
            if key not in self.outcomes and key not in keys:
                keys.add(key)
                todo.append((key, [ex.calls[i] for i in plan], inputs))
        if len(todo) < 2 or any(self._not_run(ex, calls) for _, calls, _ in todo):
            return  # nothing to gain, or an exercise whose time is spent: one by one
        worker = self._worker(ex)
        if isinstance(worker, Crash):
            return
        requests = [self._request(ex, calls, inputs) for _, calls, inputs in todo]
        for (key, calls, inputs), request, rid in zip(todo, requests, worker.batch(requests, stop_on)):
            if self._not_run(ex, calls):  # the exercise's time ran out: the worker must not go on
                self.end_exercise()
                return
            cpu, capped = self._budget(ex, calls, ex.seconds)
            reply = worker.answer(rid, cpu, len(calls), self.left[ex.id][1])
            self._charge(ex, worker)
            if isinstance(reply, Crash) and reply.kind == "crash" and reply.index is None:
                return  # it died before this run: asked for again, one by one (a fresh worker)
            outcome = self.outcomes[key] = self._outcome(ex, calls, request, inputs, reply, capped)
            if isinstance(reply, Crash) or reply.get("restart") is True or (outcome.error or {}).get("kind") in stop_on:
                return

    def _run(self, ex: Exercise, plan: tuple[int, ...], inputs: dict, seconds: float) -> Outcome:
        calls = [ex.calls[i] for i in plan]
        not_run = self._not_run(ex, calls)
        if not_run is not None:
            return not_run
        cpu, capped = self._budget(ex, calls, seconds)
        request = self._request(ex, calls, inputs)
        for attempt in range(2):
            worker = self._worker(ex)
            if isinstance(worker, Crash):
                return Outcome({}, {"kind": "crash", "call": calls[0].function, "index": 0, "detail": "",
                                    "message": worker.message})
            reply = worker.request(request, cpu, len(calls), self.left[ex.id][1])
            self._charge(ex, worker)
            # A worker that died before starting this request was finished off by an earlier one: that is not
            # this check's fault, so retry once.
            if not (isinstance(reply, Crash) and reply.kind == "crash" and reply.index is None):
                break
        return self._outcome(ex, calls, request, inputs, reply, capped)

    def _not_run(self, ex: Exercise, calls: list) -> Outcome | None:
        """The outcome of a plan that is not run: a function of it hung before, or the exercise's time is spent."""
        hung = next((self.hung[ex.id, c.function] for c in calls if (ex.id, c.function) in self.hung), None)
        if hung is not None:  # a function of this plan hung: asking again would cost the same time for nothing
            return Outcome({}, dict(hung))
        cap = ex.seconds * EXERCISE_CALLS
        left = self.left.setdefault(ex.id, [cap, cap * WALL_FACTOR + WALL_EXTRA])
        if min(left) <= 0:
            return Outcome({}, {"kind": "timeout", "call": calls[0].function, "index": 0, "detail": "",
                                "message": f"{calls[0].function} was not run: {ex.id}'s calls had used their "
                                f"{cap:g} s in all (far too slow)."})
        return None

    def _budget(self, ex: Exercise, calls: list, seconds: float) -> tuple[float, bool]:
        """(CPU seconds for the plan, whether what the exercise has left cut them)."""
        left = self.left[ex.id]
        cpu = min(seconds * len(calls), left[0])
        return cpu, cpu < seconds * len(calls) or left[1] < cpu * WALL_FACTOR + WALL_EXTRA

    def _charge(self, ex: Exercise, worker: Worker) -> None:
        left = self.left[ex.id]
        left[0] -= worker.used[0]
        left[1] -= worker.used[1]

    @staticmethod
    def _request(ex: Exercise, calls: list, inputs: dict) -> dict:
        return {"op": "run", "calls": [(c.function, c.args, c.returns) for c in calls], "inputs": inputs,
                "send_back": sorted({o for c in ex.checks for o in (c.path[0], *c.needs)}), "mutable": ex.mutable,
                "seed": zlib.crc32(ex.id.encode())}

    def _outcome(self, ex: Exercise, calls: list, request: dict, inputs: dict, reply: dict | Crash,
                 capped: bool) -> Outcome:
        """The worker's reply to a plan (or its crash, timeout) as an Outcome the checks can judge."""
        if isinstance(reply, Crash):
            index = reply.index or 0
            fn = calls[index].function
            if reply.kind == "timeout":
                cap = ex.seconds * EXERCISE_CALLS
                why = (f"{reply.message}, and {ex.id}'s calls had used their {cap:g} s in all" if capped else
                       reply.message)
                message = f"{fn} {why} (an infinite loop, or far too slow); the grader stopped it."
            else:
                message = f"while running {fn}, {reply.message}"
            error = {"kind": reply.kind, "call": fn, "index": index, "message": message, "detail": ""}
            if reply.kind == "timeout":
                self.hung[ex.id, fn] = error
            return Outcome({}, error)
        if reply.get("restart") is True:
            self.end_exercise()  # a fresh worker for whatever comes next
        elapsed = reply.get("elapsed")
        if type(elapsed) is float and 0 <= elapsed < 1e6:
            self.timing.student += elapsed
        results = reply.get("results")
        results = {k: v for k, v in results.items() if k in request["send_back"]} if isinstance(results, dict) else {}
        error = _error(reply["error"], calls[-1].function, len(calls)) if reply.get("error") else None
        if error is None:
            error = _changed(ex, calls, self.fingerprints(inputs), reply.get("inputs"))
            results = {} if error else results
        stdout = reply.get("stdout")
        return Outcome(results, error, stdout[:STDOUT_CHARS] if isinstance(stdout, str) else "")


def _once_per_object(memo: dict, inputs: dict, compute):
    """`compute()` for this inputs object, remembered in `memo` by its id; the object is kept with its value, so that
    its id cannot be another object's."""
    known = memo.get(id(inputs))
    if known is None or known[0] is not inputs:
        known = memo[id(inputs)] = (inputs, compute())
    return known[1]


def _changed(ex: Exercise, calls: list, sent: dict[str, str], back) -> dict | None:
    """The error for a plan that changed one of its inputs in place: the fingerprints the worker sent back after the
    plan (untrusted) against those of what the grader sent (its own objects, never out of its hands)."""
    if not isinstance(back, dict):
        back = {}
    names = ", ".join(dict.fromkeys(c.function for c in calls))
    for name, value in sent.items():
        if name in ex.mutable:
            continue
        if back.get(name) != value:
            return {"kind": "mutated", "call": calls[-1].function, "index": len(calls) - 1, "detail": "",
                    "message": f"the input `{name}` was modified in place while running {names}: work on a copy "
                    f"(e.g. {name} = {name}.copy()) so the caller's array is unchanged."}
    return None


STDOUT_CHARS = 5000
TEXT_CHARS = 5000


def _error(err, call: str, calls: int = 1) -> dict:
    """The worker's account of a failure, as checked data: every field present, of its type, bounded."""
    if not isinstance(err, dict):
        err = {}

    def text(key, default=""):
        value = err.get(key)
        return value[:TEXT_CHARS] if isinstance(value, str) else default

    index = err.get("index")
    return {"kind": text("kind", "exception"), "message": text("message", f"{call} failed."),
            "detail": text("detail"), "call": text("call", call),
            "index": index if type(index) is int and 0 <= index < calls else 0}
