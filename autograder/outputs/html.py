"""A `Report` as one self-contained HTML page: every exercise with its checks and feedback, and pictures.

For a wrong array the page shows heatmaps of the expected values, the student's and their difference, on the
failing input; an exercise may declare its own picture (`Exercise.picture`: the spirals the trained network
classifies, a learning-rate schedule against the expected one), and a training exercise shows its learning
curve (`ExerciseResult.curve`: the student's training against the correct one, epoch by epoch). Pictures are
matplotlib PNGs embedded as data URIs, the styles are inline: the file needs nothing else, opens offline, and
can be mailed or uploaded as is.
The layout is one column that narrows to a phone's width; feedback text wraps there, code scrolls sideways.
"""
from __future__ import annotations

import base64
import html
import io

import numpy as np

from autograder.grading.results import (CheckResult, ExerciseResult, Kind, LearningCurve, Reader, Report,
                                        feedback_lines, roots_first)
from autograder.outputs.text import exercise_text, summary

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0} h2{font-size:1.15rem;margin:0;flex:1}
.score{font-size:1.1rem;color:#444}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.95rem}
td,th{padding:6px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
a{color:#1f5fbf;text-decoration:none}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin:16px 0;padding:12px 14px}
.head{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;color:#fff}
.pass{background:#2e7d32}.fail{background:#c62828}.skip{background:#9e7c0c}
.check{margin:10px 0 0 0}
.check summary{cursor:pointer}
pre{background:#f3f4f6;padding:10px;border-radius:6px;overflow-x:auto;font-size:.85rem;line-height:1.35;margin:6px 0}
pre.prose{white-space:pre-wrap;overflow-wrap:anywhere}
.mistake{background:#fff4d6;border-left:4px solid #e0a800;padding:6px 10px;margin:6px 0;border-radius:4px}
.pattern{background:#e6f3ff;border-left:4px solid #1f77b4;padding:6px 10px;margin:6px 0;border-radius:4px}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.meta{color:#666;font-size:.85rem}
.label{font-size:.85rem;color:#444;margin:8px 0 0 0}
.wrap{overflow-x:auto}
@media (max-width:640px){.what{display:none} main{padding:8px} section{padding:10px 8px}}
"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _as_matrix(a: np.ndarray) -> tuple[np.ndarray, str]:
    if a.ndim == 0:
        return a.reshape(1, 1), ""
    if a.ndim == 1:
        return a.reshape(1, -1), ""
    if a.ndim == 2:
        return a, ""
    return a.reshape(-1, a.shape[-1]), f"rows: the first {a.ndim - 1} axes of shape {a.shape} flattened"


class Undrawable(ValueError):
    """A picture that cannot be drawn; its message is the sentence the page shows instead."""


MAX_PICTURED = 4096  # values in one heatmap: more is not a picture a student can read
MAX_PLOTTED = 1e300  # beyond this, a colour scale's span overflows a float


def heatmaps(expected: np.ndarray, got: np.ndarray, name: str) -> str | None:
    """Expected, got and got - expected side by side (one colour scale for the first two), as a data URI; None
    when there is nothing to picture (not two arrays of one shape); `Undrawable` when the values cannot be drawn
    (too many, or too large for a colour scale)."""
    from matplotlib.figure import Figure

    if not (isinstance(expected, np.ndarray) and isinstance(got, np.ndarray)) or expected.shape != got.shape \
            or expected.size == 0 or got.dtype.kind not in "iuf" or expected.dtype.kind not in "iufb":
        return None
    if expected.size > MAX_PICTURED:
        raise Undrawable(f"No picture of {name}: its {expected.size} values are too many to draw.")
    with np.errstate(all="ignore"):
        e, note = _as_matrix(expected.astype(np.float64))
        g, _ = _as_matrix(got.astype(np.float64))
        diff = g - e
    finite = np.isfinite(g)
    shown = [x for x in (e[np.isfinite(e)], g[finite]) if x.size]
    biggest = max((float(np.abs(x).max()) for x in shown), default=0.0)
    if biggest > MAX_PLOTTED:
        raise Undrawable(f"No picture of {name}: its values reach {biggest:.3g}, too large for a colour scale.")
    g_shown = np.where(finite, g, np.nan)
    low = float(min(np.nanmin(x) for x in shown)) if shown else 0.0
    high = float(max(np.nanmax(x) for x in shown)) if shown else 1.0
    diff = np.where(np.isfinite(diff), diff, np.nan)
    reach = float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 1.0
    rows, cols = e.shape
    fig = Figure(figsize=(min(12, 3 * 3.2), max(1.6, min(4.0, 0.35 * rows + 1.2))))
    for k, (title, data, kwargs) in enumerate([
            ("expected", e, {"vmin": low, "vmax": high, "cmap": "viridis"}),
            ("yours", g_shown, {"vmin": low, "vmax": high, "cmap": "viridis"}),
            ("yours - expected", diff, {"vmin": -reach or -1, "vmax": reach or 1, "cmap": "RdBu_r"})]):
        ax = fig.add_subplot(1, 3, k + 1)
        image = ax.imshow(data, aspect="auto", interpolation="nearest", **kwargs)
        ax.set_title(f"{name}: {title}", fontsize=9)
        ax.set_xticks(range(cols) if cols <= 12 else [])
        ax.set_yticks(range(rows) if rows <= 12 else [])
        ax.tick_params(labelsize=7)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=7)
    if note:
        fig.suptitle(note, fontsize=8, y=0.02)
    return _png(fig)


def _drawn(draw, alt: str, what: str) -> str:
    """`draw()`'s picture as an <img> (`draw` returns a data URI, a Figure or None), or the sentence saying why it
    could not be drawn: a picture is a bonus, it never costs the page or the grade."""
    try:
        picture = draw()
        if picture is not None and not isinstance(picture, str):
            picture = _png(picture)
    except Undrawable as e:
        return f'<p class="meta">{html.escape(str(e))}</p>'
    except Exception as e:  # noqa: BLE001 - matplotlib's own failures on odd values, among others
        why = f"No picture of {what}: it could not be drawn ({type(e).__name__})."
        return f'<p class="meta">{html.escape(why)}</p>'
    return f'<img alt="{html.escape(alt)}" src="{picture}">' if picture else ""


def learning_curves(curve: LearningCurve) -> list:
    """One plot per metric against the number of epochs: the student's training, the correct one from the same
    start, and the graded threshold. A value far beyond the correct curve (a diverged run) is drawn at the top edge
    as a triangle. One matplotlib Figure per metric (side by side on a wide page, stacked on a phone's), each
    line's label in the first figure that draws it; [] when there is nothing to draw."""
    from matplotlib.figure import Figure

    def series(values):
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    figures, labelled = [], set()
    for metric in curve.got:
        got, expected = series(curve.got[metric]), series(curve.expected.get(metric, []))
        if np.isnan(got).all() and not np.isfinite(expected).any():
            continue
        anchor = np.append(expected[np.isfinite(expected)], list(filter(None, [curve.targets.get(metric)])))
        if anchor.size:  # the chart spans the correct curve, and a student's curve up to 100 times above it
            cap = anchor.max() * 100 if anchor.min() > 0 else anchor.max() + 10 * (np.ptp(anchor) or 1.0)
        else:
            finite = got[np.isfinite(got)]
            cap = finite.max() if finite.size else 1.0
        over = got > cap  # inf included; NaN (no result) is not
        got = np.where(over, cap, got)
        fig = Figure(figsize=(3.6, 2.7))
        ax = fig.add_subplot()
        if expected.size:
            ax.plot(curve.at, expected, color="#1f77b4", lw=2, label="correct training")
        ax.plot(curve.at, got, color="#ff7f0e", lw=1.5, ls="--", marker="o", ms=3, label="your training")
        if over.any():
            ax.plot(np.array(curve.at)[over], got[over], ls="none", marker="^", ms=7, color="#c62828",
                    label="yours: off the chart (or not finite)")
        if metric in curve.targets:
            ax.axhline(curve.targets[metric], color="#c62828", lw=1, ls=":", label="graded threshold")
        shown = np.concatenate([got, expected])
        shown = shown[np.isfinite(shown)]
        if shown.size and shown.min() > 0 and shown.max() > 20 * shown.min():
            ax.set_yscale("log")  # a loss falling over decades
        ax.set_title(metric, fontsize=9)
        ax.set_xlabel(curve.vary, fontsize=8)
        ax.tick_params(which="both", labelsize=7)
        ax.grid(alpha=0.3)
        new = [(h, label) for h, label in zip(*ax.get_legend_handles_labels()) if label not in labelled]
        if new:
            ax.legend(*zip(*new), fontsize=7)
            labelled |= {label for _, label in new}
        fig.tight_layout()
        figures.append(fig)
    return figures


def curve_html(curve: LearningCurve | None) -> str:
    """The learning curves as an HTML fragment with inline styles (the report's, and a notebook's output)."""
    figures = learning_curves(curve) if curve is not None else []
    if not figures:
        return ""
    words = [curve.note, f"Your curve stops early: {curve.stopped}." if curve.stopped else "",
             f"{curve.failed}." if curve.failed else "",
             "A gap is a run whose result could not be measured." if any(
                 v is None for vs in curve.got.values() for v in vs) and not (curve.stopped or curve.failed) else ""]
    caption = " ".join(w for w in words if w)
    images = "".join(f'<img alt="learning curve: {html.escape(fig.axes[0].get_title())}" src="{_png(fig)}" '
                     'style="flex:1 1 300px;min-width:0;max-width:420px;height:auto;margin:4px 0">'
                     for fig in figures)
    return (f'<div style="font-size:.85rem;color:#444;margin:8px 0 0 0">Learning curve: your training, run again '
            f'for each number of {html.escape(curve.vary)} and scored after each run</div>'
            f'<div style="display:flex;flex-wrap:wrap;gap:8px">{images}</div>'
            + (f'<p style="color:#666;font-size:.85rem">{html.escape(caption)}</p>' if caption else ""))


def _feedback_html(check: CheckResult, reader: Reader | None) -> str:
    """The feedback, field by field: diagnoses as callouts, prose wrapped, code (inputs, arrays) verbatim."""
    lines = feedback_lines(check.feedback, reader) if check.feedback else [("prose", check.message or "")]
    parts, run, run_role = [], [], None

    def flush():
        if run:
            css = ' class="prose"' if run_role == "prose" else ""
            parts.append(f"<pre{css}>{html.escape(chr(10).join(run))}</pre>")
            run.clear()

    for role, text in lines:
        if role in ("prose", "code"):
            if role != run_role:
                flush()
            run_role = role
            run.append(text)
            continue
        flush()
        run_role = None
        if role == "label":
            parts.append(f'<div class="label">{html.escape(text)}</div>')
        else:
            css = "mistake" if role in ("mistake", "root_cause") else "pattern"
            parts.append(f'<div class="{css}">{html.escape(text)}</div>')
    flush()
    return "\n".join(parts)


def _check_html(check: CheckResult, pictured: bool = False, reader: Reader | None = None) -> str:
    """One check; `pictured`: the exercise draws its own picture, which already shows a 1-D series better."""
    badge = ("pass", "ok") if check.passed else (("skip", "not checked") if check.kind == Kind.NOT_CHECKED
                                                 else ("fail", "FAIL"))
    head = (f'<span class="badge {badge[0]}">{badge[1]}</span> <b>{html.escape(check.name)}</b> '
            f"({check.score:g}/{check.points:g})")
    if check.passed:
        return f'<div class="check">{head}</div>'
    body = _feedback_html(check, reader)
    series = pictured and isinstance(check.expected, np.ndarray) and check.expected.ndim == 1
    if check.kind == Kind.VALUE and not series:
        body += _drawn(lambda: heatmaps(check.expected, check.got, check.name),
                       f"heatmaps of the expected and returned {check.name}", check.name)
    return f'<details class="check" open><summary>{head}</summary>{body}</details>'


def _exercise_html(result: ExerciseResult, pictures: dict, reader: Reader | None = None) -> str:
    ok = result.score == result.points
    badge = '<span class="badge pass">PASS</span>' if ok else '<span class="badge fail">FAIL</span>'
    picture = pictures.get(result.id)
    checks = "\n".join(_check_html(c, picture is not None, reader) for c in result.checks)
    extra = _drawn(lambda: picture(result), f"picture of {result.id}", result.id) if picture is not None else ""
    try:
        extra += curve_html(result.curve)
    except Exception as e:  # noqa: BLE001 - as for a picture
        extra += f'<p class="meta">No learning curve: it could not be drawn ({html.escape(type(e).__name__)}).</p>'
    return (f'<section id="{html.escape(result.id)}"><div class="head">{badge}<h2>{html.escape(result.id)} - '
            f'{html.escape(result.title)}</h2><span class="score">{result.score:g}/{result.points:g}</span></div>'
            f"{checks}{extra}</section>")


def _pictures() -> dict:
    """exercise id -> its declared picture, for the exercises that declare one."""
    try:
        from autograder.model import catalog
    except Exception:  # noqa: BLE001
        return {}
    from autograder.outputs.pictures import picture

    return {ex.id: picture(ex.picture) for ex in catalog() if getattr(ex, "picture", None)}


def _section(result: ExerciseResult, pictures: dict, reader: Reader | None = None) -> str:
    """The exercise's section; if even that fails (the text is always shown), its feedback as plain text."""
    try:
        return _exercise_html(result, pictures, reader)
    except Exception:  # noqa: BLE001 - the page is always written
        return (f'<section id="{html.escape(result.id)}"><pre class="prose">{html.escape(exercise_text(result, verbose=True, reader=reader))}'
                "</pre></section>")


def as_html(report: Report, reader: Reader | None = None) -> str:
    """The whole page; always a page, whatever the report holds (a picture that cannot be drawn is a sentence)."""
    rows = "\n".join(
        f'<tr><td><a href="#{html.escape(e.id)}">{html.escape(e.id)}</a></td><td class="what">{html.escape(e.title)}</td>'
        f'<td>{e.score:g}/{e.points:g}</td><td>{"PASS" if e.score == e.points else "FAIL"}</td></tr>'
        for e in report.exercises)
    pictures = _pictures()
    sections = "\n".join(_section(e, pictures, reader) for e in roots_first(report.exercises))
    seed = "the public inputs" if report.seed is None else f"grading seed {report.seed}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feedback: {html.escape(report.submission)} ({report.score:g}/{report.points:g})</title>
<style>{STYLE}</style></head>
<body><main>
<h1>Feedback for {html.escape(report.submission)}</h1>
<p class="score"><b>{report.score:g}/{report.points:g}</b> points,
{sum(e.score == e.points for e in report.exercises)} of {len(report.exercises)} exercises complete.</p>
<pre class="prose">{html.escape(summary(report))}</pre>
<div class="wrap"><table><thead><tr><th>exercise</th><th class="what">what</th><th>points</th><th></th></tr></thead>
<tbody>
{rows}
</tbody></table></div>
{sections}
<p class="meta">Graded on {seed}; grader {html.escape(report.grader_version)};
{html.escape(", ".join(f"{k} {v}" for k, v in report.versions.items()))}.</p>
</main></body></html>
"""
