"""The class page (OUT/class.html): what an instructor reads in a minute after `grade-all` to know what to reteach.

    the score distribution           a histogram (matplotlib, inline SVG) and every student's score, lowest first
    misconceptions                   each declared `Mistake` the class's wrong values equal, counted across students
                                     and ordered by the points it cost ("... is the 1/m missing?: 3 students")
    failures, once per root cause    a function missing or not implemented (or one that raises, hangs) is one line,
                                     however many checks of however many exercises it failed; a wrong value, one
                                     line per check
    per exercise                     how many students have it full, partial, not started (or not gradable)
    students                         each student's score, linked to their feedback page where grade-all wrote one

Everything is read from the per-student results files (`grade --format json` plus who), one function per fact
(`student_of`, `exercise_state`, `mistakes_of`, `root_causes_of`), so a richer record in the results (diagnoses)
changes one function. `class_data` is the page's data (summary.json's "class"); `class_page` renders it. Names,
ids and messages come from students: every one is escaped (`html.escape` of `safe.printable`).
"""
from __future__ import annotations

import html
import io
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from autograder.grading.grade import GRADER_FAILURE
from autograder.model import Exercise
from autograder.outputs.safe import printable

UNWRITTEN = {"missing", "not_implemented"}  # the function is not there yet: the student has not started it
CALL_FAILURES = {"missing": "is missing", "not_implemented": "is not implemented yet", "forbidden": "uses what graded "
                 "code may not", "exception": "raises", "timeout": "does not finish in time", "crash": "crashes"}
TOP = 15  # lines per list on the page (summary.json holds every one)


def _checks(exercise: dict) -> list[dict]:
    return [c for c in exercise.get("checks") or [] if isinstance(c, dict)]


def _failed_by_student(check: dict) -> bool:
    """A failed check the student's work caused (a failure of the grader is not theirs)."""
    return not check.get("passed") and not str(check.get("kind") or "").startswith(GRADER_FAILURE)


def _lost(check: dict) -> float:
    return float(check.get("max_score") or 0) - float(check.get("score") or 0)


def student_of(result: dict, fallback: str = "") -> tuple[str, str]:
    """(id, display name) of a results file's student; the name as the LMS gave it, else the id."""
    who = result.get("student") if isinstance(result.get("student"), dict) else {}
    sid = str(who.get("id") or fallback)
    return sid, str(who.get("name") or sid)


def exercise_state(exercise: dict, not_gradable: dict) -> str:
    """full, partial (some work: a score below full, even zero), not_started (no check passed and every failure
    says the function is missing or not implemented, or only follows from that), or not_gradable (the topic)."""
    if exercise.get("topic") in not_gradable:
        return "not_gradable"
    checks = _checks(exercise)
    if checks and all(c.get("passed") for c in checks):
        return "full"
    failures = [c for c in checks if not c.get("passed")]
    unwritten = [c for c in failures if c.get("kind") in UNWRITTEN]
    if unwritten and not any(c.get("passed") for c in checks) and \
            all(c.get("kind") in UNWRITTEN or c.get("kind") == "not_checked" for c in failures):
        return "not_started"
    return "partial"


def mistakes_of(result: dict) -> dict[tuple[str, str], float]:
    """(exercise id, mistake name) -> the points the student lost on checks whose wrong value equals that declared
    mistake (a check naming two mistakes counts for both)."""
    found: dict[tuple[str, str], float] = defaultdict(float)
    for e in result.get("exercises") or []:
        for c in _checks(e):
            if _failed_by_student(c):
                for name in c.get("mistakes") or []:
                    found[(str(e.get("id")), str(name))] += _lost(c)
    return dict(found)


def root_causes_of(result: dict, functions: dict[str, tuple[str, ...]]) -> dict[tuple, tuple[str, float, str]]:
    """The student's failed checks, one entry per root cause: key -> (label, points lost, usual first line).

    A check failing because a call failed (missing, not implemented, raised, hung; or "not checked" after such a
    failure) is keyed by the function (`call`; without it, the exercise's functions from `functions`), so one
    unimplemented function is one cause however many checks it failed. A wrong value is keyed by its check."""
    causes: dict[tuple, list] = {}
    for e in result.get("exercises") or []:
        if e.get("topic") in (result.get("not_gradable") or {}):
            continue  # counted once, as a topic not gradable
        ex_id = str(e.get("id"))
        for c in _checks(e):
            if not _failed_by_student(c):
                continue
            kind = str(c.get("kind") or "value")
            first = (c.get("message") or "").strip().split("\n")[0][:160]
            if kind == "value":
                key, label = ("check", ex_id, str(c.get("name"))), f"{ex_id} {c.get('name')}: wrong value"
            else:
                function = str(c.get("call") or "/".join(functions.get(ex_id, ())) or ex_id)
                key, label = ("function", function), f"{function} {CALL_FAILURES.get(kind, 'fails')}"
            entry = causes.setdefault(key, [label, 0.0, first, kind])
            entry[1] += _lost(c)
            if entry[3] == "not_checked" and kind != "not_checked":  # name the failure itself, not what it blocked
                entry[0], entry[2], entry[3] = label, first, kind
    return {key: (label, lost, first) for key, (label, lost, first, _) in causes.items()}


def class_data(results: list[dict], exercises: list[Exercise], pages: set[str] = frozenset()) -> dict:
    """The class page's data (summary.json's "class"): `results` the students' results files, `pages` the ids
    with a feedback page. A misconception or a cause lists its students by name (`students`) and id (`ids`)."""
    hints = {(ex.id, m.name): m.hint for ex in exercises for m in ex.mistakes}
    functions = {ex.id: ex.functions for ex in exercises}
    titles = {ex.id: ex.title for ex in exercises}
    students, states = [], defaultdict(lambda: defaultdict(int))
    mistakes: dict[tuple, dict] = {}
    causes: dict[tuple, dict] = {}
    for i, result in enumerate(results):
        sid, name = student_of(result, f"student-{i + 1}")
        students.append({"id": sid, "name": name, "score": float(result.get("score") or 0),
                         "max_score": float(result.get("max_score") or 0), "page": sid in pages,
                         "error": bool(result.get("error"))})
        if result.get("error"):
            continue  # not graded: the grader failed; nothing it says is the student's
        for e in result.get("exercises") or []:
            states[str(e.get("id"))][exercise_state(e, result.get("not_gradable") or {})] += 1
        for key, lost in mistakes_of(result).items():
            entry = mistakes.setdefault(key, {"exercise": key[0], "mistake": key[1],
                                              "hint": hints.get(key, key[1]), "points": 0.0, "students": [],
                                              "ids": []})
            entry["points"] += lost
            entry["students"].append(name)
            entry["ids"].append(sid)
        for key, (label, lost, first) in root_causes_of(result, functions).items():
            entry = causes.setdefault(key, {"cause": label, "points": 0.0, "students": [], "ids": [], "feedback": {}})
            entry["points"] += lost
            entry["students"].append(name)
            entry["ids"].append(sid)
            entry["feedback"][first] = entry["feedback"].get(first, 0) + 1
    for entry in causes.values():
        entry["usual_feedback"] = max(entry.pop("feedback").items(), key=lambda kv: kv[1])[0]
    order = [ex.id for ex in exercises] + sorted(set(states) - {ex.id for ex in exercises})
    return {
        "students": sorted(students, key=lambda s: (s["score"], s["name"])),
        "exercises": [{"id": i, "title": titles.get(i, i), **{k: states[i].get(k, 0) for k in
                       ("full", "partial", "not_started", "not_gradable")}} for i in order if i in states],
        "misconceptions": sorted(mistakes.values(), key=lambda m: (-m["points"], -len(m["students"]), m["hint"])),
        "root_causes": sorted(causes.values(), key=lambda c: (-len(c["students"]), -c["points"], c["cause"])),
    }


def _e(text) -> str:
    """Student text as HTML text: control characters written as escapes, markup characters as entities."""
    return html.escape(printable(str(text), keep=""), quote=True)


def histogram_svg(students: list[dict]) -> str:
    """The scores as a percentage of full marks, in tenths (full marks its own bar), as an inline SVG."""
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    shares = [100 * s["score"] / s["max_score"] if s["max_score"] else 0.0 for s in students if not s["error"]]
    counts = [0] * 11
    for share in shares:
        counts[10 if share >= 100 else min(int(share // 10), 9)] += 1
    fig = Figure(figsize=(7.2, 2.6))
    ax = fig.add_subplot()
    labels = [f"{10 * i}–" for i in range(10)] + ["100"]
    ax.bar(range(11), counts, color=["#c62828" if i < 5 else "#1f77b4" for i in range(10)] + ["#2e7d32"])
    ax.set_xticks(range(11), labels, fontsize=9)
    ax.set_xlabel("score, % of full marks")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):].replace("<svg ", '<svg role="img" aria-label="score distribution" ', 1)


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0} h2{font-size:1.15rem;margin:0 0 8px 0}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin:16px 0;padding:12px 14px}
table{border-collapse:collapse;width:100%;font-size:.95rem}
td,th{padding:5px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
a{color:#1f5fbf;text-decoration:none}
svg{width:100%;max-width:760px;height:auto;display:block}
.meta{color:#666;font-size:.85rem}
.who{color:#444;font-size:.9rem;overflow-wrap:anywhere}
.bar{display:flex;height:10px;min-width:80px;border-radius:3px;overflow:hidden;background:#eee}
.full{background:#2e7d32}.partial{background:#e0a800}.not_started{background:#c62828}.not_gradable{background:#888}
.wrap{overflow-x:auto}
li{margin:6px 0;overflow-wrap:anywhere} ol{padding-left:1.6em}
.key span{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
@media (max-width:640px){main{padding:8px} section{padding:10px 8px} .wide{display:none} td,th{padding:4px}
 table{font-size:.85rem} th.n{white-space:normal} td{overflow-wrap:anywhere}}
"""


def _names(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(_e(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _points(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _student_link(s: dict) -> str:
    name = _e(s["name"]) + (f' <span class="meta">({_e(s["id"])})</span>' if s["name"] != s["id"] else "")
    return f'<a href="feedback/{_e(quote(s["id"], safe=""))}.html">{name}</a>' if s["page"] else name


def class_page(data: dict, title: str = "") -> str:
    """The page of `class_data` (plus summary.json's headline figures, when `data` has them)."""
    students = [s for s in data["students"] if not s["error"]]
    top = max((s["max_score"] for s in students), default=0)
    scores = sorted(s["score"] for s in students)
    head = f"{_plural(len(data['students']), 'student')}"
    if scores:
        median = scores[len(scores) // 2] if len(scores) % 2 else (scores[len(scores) // 2 - 1] + scores[len(scores) // 2]) / 2
        head += (f"; out of {top:g}: mean {sum(scores) / len(scores):.1f}, median {median:g}, "
                 f"full marks {sum(s['score'] >= s['max_score'] > 0 for s in students)}")
    not_graded = [s for s in data["students"] if s["error"]]
    if not_graded:
        head += f"; not graded (the grader failed, run again): {_names([s['name'] for s in not_graded])}"
    parts = [f"<h1>Class report{(': ' + _e(title)) if title else ''}</h1>", f'<p class="meta">{head}</p>',
             f"<section><h2>Score distribution</h2>{histogram_svg(data['students']) if students else '<p>No scores.</p>'}</section>"]
    mis = data["misconceptions"][:TOP]
    items = "".join(f"<li><b>{_e(m['hint'])}</b> <span class=\"meta\">({_e(m['exercise'])})</span>: "
                    f"{_plural(len(m['students']), 'student')}, {_points(m['points'])} lost — "
                    f"<span class=\"who\">{_names(m['students'])}</span></li>" for m in mis)
    parts.append("<section><h2>Misconceptions, by the points they cost</h2>"
                 + (f"<ol>{items}</ol>" if items else "<p>No declared mistake matched anyone's wrong values.</p>")
                 + "</section>")
    rows = "".join(f"<tr><td>{_e(c['cause'])}<div class=\"meta\">{_e(c['usual_feedback'])}</div>"
                   f"<div class=\"who\">{_names(c['students'], 8)}</div></td>"
                   f"<td class=\"n\">{len(c['students'])}</td><td class=\"n\">{c['points']:g}</td></tr>"
                   for c in data["root_causes"][:TOP])
    parts.append("<section><h2>Most common failures, once per root cause</h2>"
                 + (f'<div class="wrap"><table><tr><th>cause</th><th class="n">students</th>'
                    f'<th class="n">points lost</th></tr>{rows}</table></div>' if rows else "<p>None.</p>") + "</section>")
    rows = []
    for e in data["exercises"]:
        n = sum(e[k] for k in ("full", "partial", "not_started", "not_gradable")) or 1
        bar = "".join(f'<span class="{k}" style="width:{100 * e[k] / n:.1f}%"></span>'
                      for k in ("full", "partial", "not_started", "not_gradable") if e[k])
        rows.append(f"<tr><td>{_e(e['id'])}<div class=\"meta wide\">{_e(e['title'])}</div></td>"
                    f"<td class=\"n\">{e['full']}</td><td class=\"n\">{e['partial']}</td>"
                    f"<td class=\"n\">{e['not_started']}</td><td class=\"n wide\">{e['not_gradable']}</td>"
                    f'<td class="wide"><div class="bar">{bar}</div></td></tr>')
    key = "".join(f'<span class="{k}"></span>{k.replace("_", " ")}'
                  for k in ("full", "partial", "not_started", "not_gradable"))
    parts.append(f'<section><h2>Per exercise</h2><p class="meta key wide">students:{key}</p><div class="wrap">'
                 '<table><tr><th>exercise</th><th class="n">full</th><th class="n">partial</th><th class="n">not started</th><th class="n wide">not gradable</th>'
                 f'<th class="wide"></th></tr>{"".join(rows)}</table></div></section>')
    rows = "".join(f"<tr><td>{_student_link(s)}</td><td class=\"n\">"
                   f"{'not graded' if s['error'] else format(s['score'], 'g') + ' / ' + format(s['max_score'], 'g')}"
                   f"</td></tr>" for s in data["students"])
    parts.append("<section><h2>Students, lowest score first</h2><div class=\"wrap\"><table><tr><th>student</th>"
                 f'<th class="n">score</th></tr>{rows}</table></div></section>')
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Class report{(': ' + _e(title)) if title else ''}</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>\n")


def feedback_pages(out: Path) -> set[str]:
    """The ids with a feedback page in OUT/feedback."""
    return {p.stem for p in (out / "feedback").glob("*.html")} if (out / "feedback").is_dir() else set()
