"""The course's assignments: which exercises each one holds, their points, their order and due date.

The instructor declares them once, in `course/assignments.toml`; `release`, `grade`, `grade-all`,
`gradescope-bundle`, the gradebook and the nbgrader course all read that one definition (`--assignment NAME`),
so a total is out of what was assigned. Without the file, each topic is an assignment of its own, named after
it, in course order.

    [[assignment]]
    name = "hw1"                            # the gradebook's and the LMS's column; an nbgrader assignment
    topics = ["mlp"]                        # whole topics, and/or
    exercises = ["cnn.conv2d_forward"]      # single exercises (ids, as `python -m autograder list` shows them)
    points = { "mlp.train_mlp" = 20 }       # optional: an exercise's points (its checks scaled to the total)
    due = 2027-02-14                        # optional: a TOML date, shown in the kit's README
    order = 1                               # optional: the order assignments are listed in (default: the file's)

An assignment's exercises are kept in course order whatever order the file names them in.
"""
from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.project import COURSE, ROOT

DEFINITION = COURSE / "assignments.toml"
EXERCISES = Path(__file__).resolve().parent / "exercises"
KEYS = ("name", "topics", "exercises", "points", "due", "order")


class AssignmentError(ValueError):
    """The definition cannot be used: the message names the file, the assignment's line and the key."""


@dataclass(frozen=True)
class Assignment:
    name: str
    exercises: tuple[str, ...]  # exercise ids, in course order
    points: dict[str, float] = field(default_factory=dict)  # exercise id -> its points, where overridden
    due: datetime.date | datetime.datetime | None = None
    order: int = 0

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(i.split(".", 1)[0] for i in self.exercises))


def declared_ids() -> dict[str, list[str]]:
    """topic -> exercise ids, read from the declarations' text in course order (no imports: instant)."""
    from autograder.model import course_order

    found: dict[str, list[str]] = {}
    for path in sorted(EXERCISES.glob("*.py"), key=lambda p: course_order(p.stem)):
        # Every declaration reads `name = <declaring call>(\n    "<topic>.<name>", ...`.
        ids = re.findall(rf'^\w+ = \w+\(\s*"({path.stem}\.[a-z0-9_]+)"', path.read_text(), re.MULTILINE)
        if ids:
            found[path.stem] = ids
    return found


def unknown_selectors(selectors: list[str], known: dict[str, list[str]]) -> list[str]:
    """A message per selector that names neither a topic nor an exercise, with a "did you mean"."""
    names = list(known) + [i for ids in known.values() for i in ids]
    problems = []
    for s in selectors:
        if s in names:
            continue
        close = difflib.get_close_matches(s, names, n=2, cutoff=0.8)
        if not close and "." not in s:
            close = [i for i in names if i.endswith("." + s)]
        hint = f" Did you mean {' or '.join(close)}?" if close else f" Topics: {', '.join(known)}."
        problems.append(f"unknown topic or exercise {s!r}.{hint}")
    return problems


def plural(n: float, word: str) -> str:
    """A count in words: "1 student", "2 students", "1.5 points"."""
    return f"{n:g} {word}{'' if n == 1 else 's'}"


def default(known: dict[str, list[str]] | None = None) -> list[Assignment]:
    """One assignment per topic, named after it, in course order."""
    known = declared_ids() if known is None else known
    return [Assignment(topic, tuple(ids), order=n) for n, (topic, ids) in enumerate(known.items())]


def load(path: Path | None = None, known: dict[str, list[str]] | None = None) -> list[Assignment]:
    """The assignments declared in `path` (default `course/assignments.toml`), in their order; the default (one per
    topic) when the file does not exist. Raises `AssignmentError` naming the line and key of what is wrong."""
    import tomllib

    path = DEFINITION if path is None else Path(path)
    known = declared_ids() if known is None else known
    if not path.is_file():
        return default(known)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise AssignmentError(f"{path}: not valid TOML: {e}") from None
    extra = sorted(set(data) - {"assignment"})
    if extra:
        raise AssignmentError(f"{path}: unknown table or key {extra[0]!r}: each assignment is an [[assignment]] table")
    tables = data.get("assignment")
    if not isinstance(tables, list) or not tables:
        raise AssignmentError(f"{path}: no [[assignment]] table: declare at least one (or delete the file: one "
                              "assignment per topic)")
    rows = text.splitlines()
    lines = [n for n, line in enumerate(rows, start=1) if re.match(r"\s*\[\[\s*assignment\s*\]\]", line)]
    found = []
    for i, table in enumerate(tables):
        start, end = (lines[i], (lines + [len(rows) + 1])[i + 1]) if i < len(lines) else (0, 0)

        def line_of(key: str, start=start, end=end) -> int:  # the key's own line in its table, else the table's
            return next((n for n in range(start + 1, end) if re.match(rf"\s*{re.escape(key)}\s*=", rows[n - 1])),
                        start)

        where = lambda key: f"{path}:{line_of(key) or '?'}: [[assignment]] #{i + 1}"  # noqa: E731, B023 (used now)
        found.append(_assignment(table, where, known, i))
    seen: dict[str, int] = {}
    for i, a in enumerate(found):
        if a.name in seen:
            raise AssignmentError(f"{path}:{lines[i] if i < len(lines) else '?'}: the name {a.name!r} is already "
                                  f"assignment #{seen[a.name] + 1}'s: names must differ")
        seen[a.name] = i
    return sorted(found, key=lambda a: a.order)


def _assignment(table: dict, where, known: dict[str, list[str]], index: int) -> Assignment:
    """One [[assignment]] table, checked; `where(key)` says where that key is ("file:line: [[assignment]] #n")."""
    name = table.get("name")

    def fail(key: str, why: str):
        named = f" ({name})" if isinstance(name, str) else ""
        raise AssignmentError(f"{where(key)}{named}, key {key!r}: {why}")

    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            fail(key, "unknown key" + (f"; did you mean {close[0]!r}?" if close else f"; the keys: {', '.join(KEYS)}"))
    if not isinstance(name, str) or not name.strip():
        fail("name", "every assignment needs a name (a non-empty string)")
    wanted: list[str] = []
    for key in ("topics", "exercises"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(key, "a list of strings, e.g. [\"mlp\"]")
        for selector in value:
            kind_ok = selector in known if key == "topics" else any(selector in ids for ids in known.values())
            if not kind_ok:
                problem = unknown_selectors([selector], known)
                fail(key, problem[0] if problem else f"{selector!r} is not a {key[:-1]} (use the other key)")
        wanted += value
    if not wanted:
        fail("topics", "an assignment needs topics or exercises")
    ids = tuple(i for ids in known.values() for i in ids if i in wanted or i.split(".", 1)[0] in wanted)
    points = table.get("points", {})
    if not isinstance(points, dict):
        fail("points", 'a table of exercise id = points, e.g. { "mlp.affine" = 10 }')
    for exercise, value in points.items():
        if exercise not in ids:
            fail("points", f"{exercise!r} is not one of this assignment's exercises")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            fail("points", f"{exercise!r}: points must be a positive number, not {value!r}")
    due = table.get("due")
    if due is not None and not isinstance(due, (datetime.date, datetime.datetime)):
        fail("due", "a TOML date or date-time without quotes, e.g. due = 2027-02-14")
    order = table.get("order", index)
    if isinstance(order, bool) or not isinstance(order, int):
        fail("order", "an integer")
    return Assignment(name.strip(), ids, {k: float(v) for k, v in points.items()}, due, order)


def named(names: list[str], assignments: list[Assignment] | None = None) -> list[Assignment]:
    """The assignments called `names` (in the definition's order); an `AssignmentError` for a name not defined."""
    assignments = load() if assignments is None else assignments
    by_name = {a.name: a for a in assignments}
    for n in names:
        if n not in by_name:
            close = difflib.get_close_matches(n, list(by_name), n=1)
            raise AssignmentError(f"no assignment {n!r} in {_source()}" + (f"; did you mean {close[0]!r}?" if close
                                  else f"; the assignments: {', '.join(by_name)}"))
    return [a for a in assignments if a.name in names]


def _source() -> str:
    if not DEFINITION.is_file():
        return "the default (one assignment per topic; declare yours in course/assignments.toml)"
    return str(DEFINITION.relative_to(ROOT)) if DEFINITION.is_relative_to(ROOT) else str(DEFINITION)


def chosen_ids(assignments: list[Assignment]) -> list[str]:
    """The exercise ids of `assignments` together, in course order."""
    wanted = {i for a in assignments for i in a.exercises}
    return [i for ids in declared_ids().values() for i in ids if i in wanted]


def chosen_points(assignments: list[Assignment]) -> dict[str, float]:
    """The points overridden by `assignments` (exercise id -> points)."""
    return {i: p for a in assignments for i, p in a.points.items()}


def assigned_points(name: str | None) -> dict[str, float]:
    """The points overridden by the assignment called `name` (an nbgrader assignment's), if one is so called."""
    return next((a.points for a in load() if a.name == name), {})


def with_points(exercises: list, points: dict[str, float] | None) -> list:
    """`exercises` with the points of `points` (id -> total): each overridden exercise's checks scaled so that
    they sum to it, keeping their proportions; the others as they are."""
    if not points:
        return list(exercises)
    scaled = []
    for ex in exercises:
        if ex.id not in points or points[ex.id] == ex.points:
            scaled.append(ex)
            continue
        factor = points[ex.id] / ex.points
        checks = [dataclasses.replace(c, points=round(c.points * factor, 6)) for c in ex.checks]
        rest = round(points[ex.id] - sum(c.points for c in checks[:-1]), 6)  # the total exact, whatever the rounding
        checks[-1] = dataclasses.replace(checks[-1], points=rest)
        scaled.append(dataclasses.replace(ex, checks=tuple(checks)))
    return scaled


def exercises_of(assignments: list[Assignment]) -> list:
    """The catalog's exercises of `assignments`, with their points (imports the catalog)."""
    from autograder.model import catalog

    ids = set(chosen_ids(assignments))
    exercises = [ex for ex in catalog({i.split(".", 1)[0] for i in ids}) if ex.id in ids]
    return with_points(exercises, chosen_points(assignments))


def title(assignments: list[Assignment]) -> str:
    """The gradebook column of `assignments`: the assignment's name (several: joined by "+")."""
    return "+".join(a.name for a in assignments)


def covering(topics: list[str], assignments: list[Assignment] | None = None) -> list[Assignment] | None:
    """The assignment whose topics are exactly `topics` (the class handed in those), if one is; else None."""
    assignments = load() if assignments is None else assignments
    exact = [a for a in assignments if sorted(a.topics) == sorted(topics)]
    return exact[:1] or None
