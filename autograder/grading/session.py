"""One submission module loaded in one sandboxed worker: its outcomes and the oracle's values, memoised.

The session turns a plan of student calls into a request to the worker, and the worker's reply (or its
crash, timeout, protocol error) into an `Outcome` the checks can judge. Nothing the worker says is trusted.
"""
from __future__ import annotations

import hashlib
import pickle
import time
import zlib
from dataclasses import dataclass

from autograder.grading.results import Timing
from autograder.model import Exercise
from autograder.sandbox.host import Crash, Sandbox
from autograder.submissions import TopicSource

LOAD_SECONDS = 20.0


@dataclass
class Outcome:
    results: dict
    error: dict | None
    stdout: str = ""


def _digest(inputs: dict) -> bytes:
    return hashlib.sha1(pickle.dumps(inputs, protocol=4)).digest()


class TopicSession:
    """One submission module loaded in one sandboxed worker, with memoised outcomes and oracle values."""

    def __init__(self, source: TopicSource, sandbox: Sandbox, timing: Timing):
        self.source, self.sandbox, self.timing = source, sandbox, timing
        self.outcomes: dict[tuple, Outcome] = {}
        self.expected: dict[tuple, dict] = {}

    def load(self) -> str | None:
        """Import the module in a fresh worker; an error message if it cannot be imported."""
        name = self.source.filename
        reply = self.sandbox.request({"op": "load", "name": self.source.topic, "path": str(self.source.path),
                                      "source": self.source.text, "seed": 0}, LOAD_SECONDS)
        if isinstance(reply, Crash):
            if reply.kind == "timeout":
                return f"importing {name} did not finish within {LOAD_SECONDS:g} s."
            return f"importing {name} failed: {reply.message}"
        if reply.get("error"):
            err = reply["error"]
            detail = f"\n{err['detail']}" if err.get("detail") else ""
            return f"{err['message']}{detail}"
        return None

    def outcome(self, ex: Exercise, plan: tuple[int, ...], inputs: dict) -> Outcome:
        key = (ex.id, plan, _digest(inputs))
        if key not in self.outcomes:
            self.outcomes[key] = self._run(ex, plan, inputs)
        return self.outcomes[key]

    def oracle(self, ex: Exercise, inputs: dict) -> dict:
        key = (ex.id, _digest(inputs))
        if key not in self.expected:
            start = time.perf_counter()
            self.expected[key] = ex.oracle(**inputs)
            self.timing.oracle += time.perf_counter() - start
        return self.expected[key]

    def _run(self, ex: Exercise, plan: tuple[int, ...], inputs: dict) -> Outcome:
        calls = [ex.calls[i] for i in plan]
        request = {"op": "run", "calls": [(c.function, c.args, c.returns) for c in calls], "inputs": inputs,
                   "send_back": sorted({o for c in ex.checks for o in (c.path[0], *c.needs)}), "mutable": ex.mutable,
                   "seed": zlib.crc32(ex.id.encode())}
        for attempt in range(2):
            if self.sandbox.proc is None:
                problem = self.load()
                if problem:
                    return Outcome({}, {"kind": "crash", "call": calls[0].function, "index": 0,
                                        "message": f"the module could not be re-imported: {problem}"})
            reply = self.sandbox.request(request, ex.seconds)
            # A worker that died before starting this request was finished off by an earlier one
            # (e.g. it killed its own process group): that is not this check's fault, so retry once.
            if not (isinstance(reply, Crash) and reply.kind == "crash" and reply.index is None):
                break
        if isinstance(reply, Crash):
            index = reply.index or 0
            fn = calls[index].function
            message = (f"{fn} did not finish within {ex.seconds:g} s (an infinite loop, or far too slow); "
                       "the grader stopped it." if reply.kind == "timeout" else f"while running {fn}, {reply.message}")
            return Outcome({}, {"kind": reply.kind, "call": fn, "index": index, "message": message})
        if reply.get("restart"):
            self.sandbox.kill()  # a fresh worker (re-importing the module) for whatever comes next
        self.timing.student += float(reply.get("elapsed") or 0.0)
        results = reply.get("results")
        return Outcome(results if isinstance(results, dict) else {}, reply.get("error"), str(reply.get("stdout", "")))
