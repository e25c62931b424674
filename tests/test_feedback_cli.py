"""`check` for people: it speaks at once, in course order, suggests what was meant, ends with what is left, and
`check --watch` checks again on every save; `grade --format html` / `check --html` write one page that a real
browser renders at a laptop's and a phone's width."""
import os
import re
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder.cli import declared_ids, unknown_selectors
from autograder.model import COURSE_ORDER, catalog
from conftest import ROOT, mutate, solution_source

pytestmark = pytest.mark.slow


def run(*args, cwd=ROOT, timeout=300):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_ids_read_without_imports_match_the_catalog_in_course_order():
    known = declared_ids()
    assert [i for ids in known.values() for i in ids] == [e.id for e in catalog()]
    assert list(known) == sorted(known, key=lambda t: COURSE_ORDER.index(t) if t in COURSE_ORDER else 99)


def test_did_you_mean():
    known = declared_ids()
    assert unknown_selectors(["mlp.afine"], known) == ["unknown topic or exercise 'mlp.afine'. Did you mean mlp.affine?"]
    assert "Did you mean mlp.affine" in unknown_selectors(["affine"], known)[0]
    assert "Topics: mlp, cnn" in unknown_selectors(["zzz"], known)[0]
    done = run("check", "mlp.afine")
    assert done.returncode != 0 and "Did you mean mlp.affine?" in done.stderr


def test_check_says_what_it_grades_first_and_ends_with_what_is_left(tmp_path):
    (tmp_path / "mlp.py").write_text(mutate(solution_source("mlp"), [("dout.sum(axis=0)\n", "dout.mean(axis=0)\n")]))
    done = run("check", "mlp.affine", "mlp.tanh", "--submission", str(tmp_path))
    lines = done.stdout.splitlines()
    assert lines[0] == f"grading mlp: 2 exercises in {tmp_path}/ ..."
    assert [line.split()[1] for line in lines if line.startswith(("PASS", "FAIL"))] == ["mlp.tanh", "mlp.affine"]
    tail = done.stdout[done.stdout.index("Still to do:"):]
    assert "mlp.affine: db  3/4" in tail and "Score: 5/6 (1 of 2 exercises complete)" in tail
    assert all(len(line) <= 80 for line in lines[1:] if "np.array" not in line)  # the first names a long path
    assert done.returncode == 1


def test_first_line_comes_before_the_heavy_imports():
    """The first line is printed before torch is imported (so within a second on any machine)."""
    code = ("import sys, autograder.cli as c; c.cmd_check.__globals__['_check_once'] = "
            "lambda *a: sys.exit('torch' in sys.modules and 3 or 0); "
            "sys.exit(c.main(['check', 'mlp.tanh']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("grading mlp: 1 exercise in assignments/ ...")


def test_watch_checks_again_on_every_save(tmp_path):
    (tmp_path / "mlp.py").write_text(mutate(solution_source("mlp"), [("return np.tanh(z)\n", "return z\n")]))
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "check", "mlp.tanh", "--watch", "--submission",
                             str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "NO_COLOR": "1"})
    seen, lines = [], queue.Queue()
    # a thread reads the lines: select() on the pipe cannot see lines already in the reader's buffer
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(pattern, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no {pattern!r} in {''.join(seen)}")

    try:
        wait_for(r"^FAIL mlp\.tanh")
        wait_for(r"^watching ")
        (tmp_path / "mlp.py").write_text(solution_source("mlp"))
        wait_for(r"mlp changed: checking again")
        wait_for(r"^PASS mlp\.tanh")
        took = float(wait_for(r"^\(checked in [\d.]+ s; watching\)").split()[2])
        print(f"--watch re-check: {took:.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# -- the HTML report ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    (folder / "mlp.py").write_text(mutate(solution_source("mlp"), [("    return d / m\n", "    return d\n")]))
    out = folder / "report.html"
    done = run("grade", str(folder), "--only", "mlp.cross_entropy", "mlp.train_mlp", "mlp.affine", "--format", "html",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_html_report_is_self_contained_with_pictures(report_html):
    page = report_html.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'name="viewport"' in page
    assert not re.search(r'(src|href)="(https?:|//)', page)  # nothing fetched from elsewhere
    assert page.count("data:image/png;base64,") >= 3  # the heatmaps of dz, the trained network's classes, its curve
    assert "Learning curve: your training, run again for each number of epochs" in page
    assert "Likely mistake: the gradient equals P - Y, without the 1/m of the mean." in page
    assert 'id="mlp.cross_entropy"' in page and ">FAIL<" in page


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def browser(*args):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               "--allow-file-access-from-files", "--virtual-time-budget=10000",
                               f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)


FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="f" src="{src}" style="width:{width}px;height:2400px;border:0"></iframe>
<script>document.getElementById('f').onload = function () {{
  document.title = 'W' + this.contentDocument.documentElement.scrollWidth + ' I' + this.contentWindow.innerWidth; }};
</script></body></html>"""


@pytest.mark.skipif(not chromium(), reason="no chromium here (.ci/run installs it)")
@pytest.mark.parametrize("width", [1280, 390])
def test_html_report_renders_in_a_real_browser_at_laptop_and_phone_width(report_html, width):
    """The page in a frame `width` px wide (headless Chromium's window is at least 500 px, a frame can be a phone's
    390): a screenshot, and the page is no wider than the frame, so nothing but code blocks scrolls sideways.
    The screenshots stay beside the report (pytest's tmp folder) for a person to look at."""
    probe = report_html.parent / f"frame-{width}.html"
    probe.write_text(FRAME.format(src=report_html.name, width=width))
    shot = report_html.parent / f"report-{width}.png"
    done = browser(f"--screenshot={shot}", f"--window-size={max(width, 500)},2400", probe.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000, done.stderr[-2000:]
    dom = browser("--dump-dom", f"--window-size={max(width, 500)},2400", probe.as_uri()).stdout
    scroll_width, inner = map(int, re.search(r"<title>W(\d+) I(\d+)</title>", dom).groups())
    assert inner == width and scroll_width <= width, f"the page is {scroll_width} px wide in a {width} px frame"


def test_pictures_draw_what_the_student_returned():
    """Each exercise's picture draws the returned values (the expected ones beside them where they differ) and
    draws nothing from a return it cannot read."""
    import numpy as np

    from autograder.grading.results import CheckResult, ExerciseResult

    from autograder.outputs.pictures import picture

    pictures = {ex.id: picture(ex.picture) for ex in catalog() if ex.picture}
    assert {"mlp.train_mlp", "rnn.train_rnn", "optim.step_lr", "optim.cosine_lr", "optim.sgdr", "optim.plateau",
            "optim.train", "transformer.noam"} <= set(pictures)

    def lines(figure):
        return [len(ax.get_lines()) for ax in figure.axes]

    lrs = np.array([0.1, 0.1, 0.05, 0.05, 0.025])
    wrong = CheckResult("lrs", 1, 0, "wrong", kind="value", got=lrs * 0.5, expected=lrs)
    assert lines(pictures["optim.step_lr"](ExerciseResult("optim.step_lr", "", [wrong]))) == [2]
    right = CheckResult("lrs", 1, 1, got=lrs)
    assert lines(pictures["optim.step_lr"](ExerciseResult("optim.step_lr", "", [right]))) == [1]
    assert pictures["optim.step_lr"](ExerciseResult("optim.step_lr", "", [CheckResult("lrs", 1, 1, got="x")])) is None
    from autograder.grading.results import Report
    from autograder.outputs.html import as_html
    page = as_html(Report("s", [ExerciseResult("optim.step_lr", "StepLR", [wrong])]))
    assert page.count("data:image/png;base64,") == 1  # the schedule picture, no heatmap of the same series

    noam = {"steps": np.array([1, 2, 3]), "d_model": 16, "warmup": 2}
    off = CheckResult("lr", 2, 0, "wrong", kind="value", inputs=noam, got=np.array([0.18, 0.18, 0.14]))
    drawn = pictures["transformer.noam"](ExerciseResult("transformer.noam", "", [off])).axes[0].get_lines()
    assert [len(line.get_xdata()) for line in drawn][1:] == [2, 3]  # the warmup line, then the 3 returned lrs
    assert list(drawn[2].get_ydata()) == [0.18, 0.18, 0.14]
    assert pictures["transformer.noam"](ExerciseResult("transformer.noam", "", [
        CheckResult("lr", 2, 0, "wrong", kind="value", inputs=noam, got=np.array([0.1, 0.2]))])) is None

    from autograder.exercises import rnn
    untrained = CheckResult("held_out", 3, 0, "too large", kind="value", got=rnn.TASK["params"])
    assert lines(pictures["rnn.train_rnn"](ExerciseResult("rnn.train_rnn", "", [untrained]))) == [3, 3]
    assert pictures["rnn.train_rnn"](ExerciseResult("rnn.train_rnn", "", [CheckResult("held_out", 3, 0, "", got={})])) is None

    rng = np.random.default_rng(0)
    sizes = [2, 32, 32, 3]
    params = {f"{k}{l}": rng.normal(size=(a, b) if k == "W" else (b,)) for l, (a, b) in enumerate(zip(sizes, sizes[1:]), 1)
              for k in "Wb"}
    trained = CheckResult("held-out loss", 4, 0, "too large", kind="value", got=params)
    assert pictures["optim.train"](ExerciseResult("optim.train", "", [trained])).axes[0].collections
    params["W2"] = params["W2"][:3]
    assert pictures["optim.train"](ExerciseResult("optim.train", "", [trained])) is None
