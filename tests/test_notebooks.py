"""The nbgrader course: generating the notebooks (autograder/course/notebooks.py, `build`), and the glue that grades
a notebook's functions (`grade_in_notebook`): same checks and feedback as the CLI, nothing on stderr, a
hang costs only its exercise. The whole nbgrader flow is in test_nbgrader_flow.py."""
import ast
import json
import shutil
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from hypothesis import strategies as st

from autograder.integrations import notebook_cell
from autograder.course import notebooks
from autograder.course.build import build
from autograder.model import call, catalog, exercise
from autograder.grading.session import LOAD_SECONDS
from autograder.grading.results import NOTEBOOK
from autograder.outputs.text import exercise_text

from conftest import ROOT, grade_source, mutate

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
TOPICS = sorted(p.stem for p in (ROOT / "solutions").glob("*.py") if not p.name.startswith("_"))


def topic_exercises(topic):
    return [ex for ex in catalog() if ex.topic == topic]


def cells_of(topic):
    return notebooks.notebook_cells((ROOT / "solutions" / f"{topic}.py").read_text(), topic, topic_exercises(topic))


def nbg(meta):
    return meta["nbgrader"]


# -- generation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", TOPICS)
def test_one_test_cell_per_exercise_with_its_points(topic):
    cells = cells_of(topic)
    tests = [(text, nbg(meta)) for kind, text, meta in cells if nbg(meta)["grade"]]
    exercises = topic_exercises(topic)
    assert len(tests) == len(exercises)
    for ex in exercises:
        [(text, meta)] = [(t, m) for t, m in tests if f'grade_in_notebook("{ex.id}")' in t]
        assert meta["points"] == ex.points and meta["locked"] and not meta["solution"]
        assert text.splitlines()[-1] == f'grade_in_notebook("{ex.id}")'  # the value nbgrader scores
        # no hidden part (nbgrader would warn "checksum has changed" at every autograde); the grading code is
        # reloaded from its file in view instead
        assert "HIDDEN TESTS" not in text and "_importlib.reload(_grading).grade_in_notebook" in text
    ids = [nbg(meta)["grade_id"] for _, _, meta in cells]
    assert len(ids) == len(set(ids))


def _one_line_docstrings(module: ast.Module, names: set[str]) -> str:
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name in names and ast.get_docstring(node):
            node.body[0].value.value = ast.get_docstring(node).splitlines()[0].strip()
    return ast.dump(module)


@pytest.mark.parametrize("topic", TOPICS)
def test_the_code_cells_are_the_solution_module(topic):
    """Setup, solution and given cells together are exactly solutions/<topic>.py, markers included, except
    that a function whose docstring is in the markdown keeps its first line only."""
    source = (ROOT / "solutions" / f"{topic}.py").read_text()
    cells = cells_of(topic)
    code = "\n\n\n".join(text for kind, text, meta in cells if kind == "code" and not nbg(meta)["grade"])
    described = {f for ex in topic_exercises(topic) for f in ex.functions}
    expected = _one_line_docstrings(ast.Module(body=ast.parse(source).body[1:], type_ignores=[]), described)
    assert ast.dump(ast.parse(code)) == expected
    for node in ast.parse(code).body:
        if isinstance(node, ast.FunctionDef) and node.name in described:
            assert "\n" not in ast.get_docstring(node), node.name
    assert code.count(BEGIN) == code.count(END) == source.count(BEGIN)
    for kind, text, meta in cells:
        if kind == "code" and not nbg(meta)["grade"]:
            assert (BEGIN in text) == nbg(meta)["solution"] and nbg(meta)["locked"] != nbg(meta)["solution"]
    # every test cell comes after the cells defining what its exercise calls
    position = {}
    for i, (kind, text, meta) in enumerate(cells):
        if kind == "code" and not nbg(meta)["grade"]:
            for node in ast.parse(text).body:
                if isinstance(node, ast.FunctionDef):
                    position[node.name] = i
    for i, (kind, text, meta) in enumerate(cells):
        if nbg(meta)["grade"]:
            ex = next(e for e in topic_exercises(topic) if f'"{e.id}"' in text)
            assert all(position[f] < i for f in ex.functions)


def test_markdown_gives_the_formula_the_shapes_and_the_points():
    cells = cells_of("mlp")
    [text] = [t for kind, t, meta in cells if nbg(meta)["grade_id"] == "text_affine"]
    assert "Exercise `mlp.affine`, 4 points" in text and "`dW` (1)" in text
    assert "$$\ndx = d\\mathrm{out}\\, W^\\top, \\qquad dW = x^\\top d\\mathrm{out}," in text
    assert "- `W`: (n_in, n_out) weights." in text and "**Returns:**" in text
    assert cells[0][1].startswith("# ") and nbg(cells[0][2])["locked"]


def test_docstring_markdown():
    doc = r"""Summary with a*b, *new* and `x_*`; $e^{2z}$, $a_i * b_i$ and _private.

    $$ y = \frac{x}{2} $$

    $$
    \begin{aligned}
    a &= b \\
    c &= d
    \end{aligned}
    $$

        y = x * 2   (a plain-style formula)

Args:
    x: (m, n) input $x \in \mathbb{R}^{m \times n}$,
        continued.
Returns:
    y, the same shape.
"""
    text = notebooks.docstring_markdown(doc)
    assert text.startswith(r"Summary with a\*b, *new* and `x_*`; $e^{2z}$, $a_i * b_i$ and \_private.")
    assert "$$\ny = \\frac{x}{2}\n$$" in text
    assert "$$\n\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}\n$$" in text
    assert "```text\ny = x * 2   (a plain-style formula)\n```" in text
    assert "- `x`: (m, n) input $x \\in \\mathbb{R}^{m \\times n}$, continued." in text
    assert "**Returns:**\n\n- y, the same shape." in text
    with pytest.raises(ValueError, match="unmatched"):
        notebooks.docstring_markdown("A $x\n  + y$ split across lines.")


def test_markdown_escapes_what_would_be_markup_and_nothing_else():
    assert notebooks.docstring_markdown("# not a heading, 1. not a list, a <b> tag, [z > 0], n_in, x_ y\n") == (
        "\\# not a heading, 1. not a list, a \\<b> tag, \\[z > 0], n_in, x\\_ y\n")
    assert notebooks.docstring_markdown("12. x\n") == "12\\. x\n"


def _markdown_cells(topic):
    return [text for kind, text, meta in cells_of(topic) if kind == "markdown"]


@pytest.mark.parametrize("topic", TOPICS)
def test_every_formula_reaches_mathjax_intact(topic):
    """Rendered as nbconvert renders a notebook's markdown, each $...$ and $$...$$ comes out as written (no
    emphasis or escapes inside), for MathJax to typeset; and no dollar is left unmatched."""
    import html
    import re

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    for text in _markdown_cells(topic):
        rendered = html.unescape(markdown2html_mistune(text))
        display = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, flags=re.S | re.M)
        inline = re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", re.sub(r"^\$\$\n.*?\n\$\$$", "", text, flags=re.S | re.M))
        for formula in display:
            assert formula in rendered, formula
        for formula in inline:
            assert f"${formula}$" in rendered, formula


@pytest.mark.parametrize("topic", TOPICS)
def test_the_docstrings_typeset_their_formulas(topic):
    """Every topic follows the math convention (notebooks.py): no formula is left as a plain-text code block,
    each function's text appears once, and the course notes are never called "the seed"."""
    cells = _markdown_cells(topic)
    text = "\n".join(cells)
    assert "```text" not in text and "$$" in text
    for ex in topic_exercises(topic):
        for name in ex.functions:
            assert text.count(f"### `{name}(") <= 1, name
    assert "seed's" not in (ROOT / "solutions" / f"{topic}.py").read_text()


def test_train_mlp_states_what_the_grader_uses():
    """The docstring gives the data, the settings, the time limit and the accuracy the declaration uses."""
    from autograder.exercises import mlp as declared

    doc = ast.get_docstring(next(n for n in ast.parse((ROOT / "solutions" / "mlp.py").read_text()).body
                                 if isinstance(n, ast.FunctionDef) and n.name == "train_mlp"))
    ex = declared.train_mlp
    given = ex.inputs.value  # st.just: the one input it is graded on
    flat = " ".join(doc.split())
    assert f"X is {given['X'].shape}" in flat
    assert f"layer_sizes={given['layer_sizes']}" in flat and f"lr={given['lr']}" in flat
    assert f"epochs={given['epochs']}" in flat and f"seed={given['seed']}" in flat
    assert f"{declared.TARGET_ACCURACY:.0%} of {len(declared.TEST_Y)} held-out points" in flat
    assert f"time limit of {ex.seconds:g} s" in flat


TOY = '''"""Toy topic.

Conventions:
- a list item
      with a formula
"""
import numpy as np

### BEGIN SOLUTION


def _helper(x):
    return x + 1


### END SOLUTION


def f(x):
    """F of x (exercise toy.f)."""
    ### BEGIN SOLUTION
    return later(_helper(x))
    ### END SOLUTION


def g(x):
    """G (exercise toy.g), given."""
    return 2 * x


def later(x):
    """Defined after f, which calls it."""
    ### BEGIN SOLUTION
    return x
    ### END SOLUTION
'''


def toy_exercises():
    return [exercise("toy.f", "f", calls=[call("f", "x", returns="y")], inputs=st.just({"x": 1}), checks={"y": 1}),
            exercise("toy.g", "g", calls=[call("g", "x", returns="y")], inputs=st.just({"x": 1}), checks={"y": 2})]


def test_module_level_regions_dependencies_and_given_code():
    cells = notebooks.notebook_cells(TOY, "toy", toy_exercises())
    order = [nbg(meta)["grade_id"] for _, _, meta in cells]
    assert order == ["intro", "howto", "setup", "helper__helper", "text_f", "code_f", "given_g", "text_g",
                     "test_g", "helper_later", "test_f"]  # test_f waits for `later`, which f calls
    helper = cells[3][1]
    assert helper.startswith(notebooks.HELPERS) and BEGIN in helper and END in helper
    assert nbg(cells[3][2])["solution"] and nbg(cells[6][2])["locked"]
    assert "```text\n  with a formula\n```" not in cells[0][1] and "  ```text\n  with a formula\n  ```" in cells[0][1]


def test_nbgrader_clears_the_solutions_and_the_released_notebook_runs():
    """What students get from `nbgrader generate_assignment` (the preprocessors course/nbgrader_config.py sets):
    stubs that raise inside functions, and at the top level of the helper cell a comment only, so that
    "Restart & Run All" runs through. nbgrader's own ClearSolutions leaves a raise there."""
    from nbgrader.preprocessors import ClearSolutions

    from autograder.integrations.nbgrader import ClearSolutionsRunnable, generate_assignment_preprocessors

    assert ClearSolutionsRunnable in generate_assignment_preprocessors()
    assert ClearSolutions not in generate_assignment_preprocessors()
    source = nbformat.reads(notebooks.notebook_json(TOY, "toy", toy_exercises()), as_version=4)
    for clear, helper_raises in ((ClearSolutions, True), (ClearSolutionsRunnable, False)):
        nb, _ = clear().preprocess(nbformat.from_dict(source), {})
        code = {nbg(c.metadata)["grade_id"]: c.source for c in nb.cells}
        assert "raise NotImplementedError()" in code["code_f"] and "_helper(x)" not in code["code_f"]
        assert code["helper__helper"].startswith(notebooks.HELPERS + "\n# YOUR CODE HERE")
        assert ("raise NotImplementedError()" in code["helper__helper"]) == helper_raises
        assert "return 2 * x" in code["given_g"] and "return x" not in code["helper_later"]
        assert code["test_f"].splitlines()[-1] == 'grade_in_notebook("toy.f")'
    runnable = {nbg(c.metadata)["grade_id"]: c.source for c in nb.cells}
    namespace = {}
    exec(runnable["setup"] + "\n" + runnable["helper__helper"] + "\n" + runnable["code_f"], namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"](1)


def test_notebook_json_is_deterministic_and_valid():
    source = (ROOT / "solutions" / "mlp.py").read_text()
    text = notebooks.notebook_json(source, "mlp", topic_exercises("mlp"))
    assert text == notebooks.notebook_json(source, "mlp", topic_exercises("mlp"))
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert [c.id for c in nb.cells] == [nbg(c.metadata)["grade_id"].replace("_", "-") for c in nb.cells]
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in nb.cells)
    assert nb.metadata.kernelspec.name == "python3"
    assert "timestamp" not in text and "checksum" not in text and "HIDDEN" not in text


def test_cell_timeout_leaves_the_engine_to_stop_a_hang():
    exercises = catalog()
    timeout = notebooks.cell_timeout(exercises)
    for ex in exercises:
        plans = {ex.plan_for(c.path[0]) for c in ex.checks}
        assert timeout >= LOAD_SECONDS + len(plans) * ex.seconds + 10, ex.id
    assert f"c.Execute.timeout = {timeout}\n" in notebooks.config_text(exercises)


def test_build_writes_the_course_and_check_catches_drift(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    written = build(tmp_path)
    assert "course/nbgrader_config.py" in written and "course/source/mlp/mlp.ipynb" in written
    assert build(tmp_path, check=True) == []
    notebook = tmp_path / "course" / "source" / "mlp" / "mlp.ipynb"
    nb = json.loads(notebook.read_text())
    nb["cells"][-1]["metadata"]["nbgrader"]["points"] = 99  # a hand edit
    notebook.write_text(json.dumps(nb, indent=1))
    drift = build(tmp_path, check=True)
    assert len(drift) == 1 and drift[0].startswith("course/source/mlp/mlp.ipynb") and '"points": 99' in drift[0]
    assert build(tmp_path) == ["course/source/mlp/mlp.ipynb"] and build(tmp_path, check=True) == []


def test_the_committed_course_is_what_build_makes():
    for path, text in notebooks.course_files(ROOT).items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} drifted: run python -m autograder build"


# -- grading in a notebook --------------------------------------------------------------------------


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    main = sys.modules["__main__"]  # IPython puts a module of its own there; Dask's processes spawn from the real one
    shell = InteractiveShell.instance()
    shell.reset(new_session=True)
    yield shell
    shell.reset(new_session=True)
    InteractiveShell.clear_instance()
    sys.modules["__main__"] = main


def run(shell, source):
    result = shell.run_cell(source, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec


def solution_code(topic, edits=()):
    """The notebook's setup and solution cells as a student would have run them."""
    cells = [text for kind, text, meta in cells_of(topic) if kind == "code" and not nbg(meta)["grade"]]
    out = []
    pending = list(edits)
    for text in cells:
        for old, new in list(pending):
            if old in text:
                text = mutate(text, [(old, new)])
                pending.remove((old, new))
        out.append(text)
    assert not pending
    return out


def test_module_source_takes_what_the_kernel_defines_now(shell):
    run(shell, "import numpy as np\nfrom numpy import exp as e_x\nSCALE = 2.0")
    run(shell, "def f(x):\n    return broken(x)")
    run(shell, "def f(x):  # redefined: this one counts\n    return helper(x) * SCALE + e_x(0)")
    run(shell, "def helper(x):\n    return np.tanh(x)\n\nresult = f(3.0)  # scratch work: not re-run")
    run(shell, "SCALE = 3.0")
    module = notebook_cell.module_source(["f", "not_defined"], shell.user_ns)
    assert "import numpy as np" in module.source and "from numpy import exp as e_x" in module.source
    assert "SCALE = 3.0" in module.source and "SCALE = 2.0" not in module.source
    assert "broken" not in module.source and "result = f" not in module.source
    namespace = {}
    exec(compile(module.source, "m.py", "exec"), namespace)
    assert namespace["f"](0.5) == pytest.approx(3 * __import__("numpy").tanh(0.5) + 1)
    assert [label for _, _, label, _ in module.cells] == ["In[3]", "In[4]", "In[5]"]


def test_grade_in_notebook_gives_the_clis_points_and_feedback(shell, capsys, tmp_path):
    edits = [("x.T @ dout, dout.sum(axis=0)", "x.T @ dout, dout.sum(axis=0) * 2")]
    for code in solution_code("mlp", edits):
        run(shell, code)
    capsys.readouterr()
    shown = notebook_cell.grade_in_notebook("mlp.affine", shell.user_ns)
    printed = capsys.readouterr()
    module = mutate((ROOT / "solutions" / "mlp.py").read_text(), edits)
    [cli] = grade_source(tmp_path / "cli", "mlp", module, only=["mlp.affine"]).exercises
    assert shown is None and cli.score == 3.0  # None: no stray value under the test cell
    assert printed.out == exercise_text(cli, reader=NOTEBOOK) + "\n" and printed.err == ""
    assert "[3/4]" in printed.out.splitlines()[0]
    assert "FAIL db (0/1)" in printed.out


def test_tracebacks_point_at_the_notebook_cell(shell, capsys):
    run(shell, "import numpy as np")
    run(shell, "def sigmoid(z):\n    x = 1\n    return z.nope()")
    assert notebook_cell.grade_in_notebook("mlp.sigmoid", shell.user_ns) is None
    out = capsys.readouterr().out
    assert "Cell In[2], line 3, in sigmoid" in out and "autograder-notebook-" not in out


def test_a_missing_function_is_named_as_missing_from_the_notebook(shell, capsys):
    run(shell, "import numpy as np\ndef tanh(z):\n    return np.tanh(z)")
    assert notebook_cell.grade_in_notebook("mlp.tanh", shell.user_ns) is None
    out = capsys.readouterr().out
    assert "this notebook defines no function tanh_derivative" in out and "[1/2]" in out.splitlines()[0]


def test_quiet_lets_nothing_through(capfd):
    import os
    import sys

    with notebook_cell._quiet():
        print("python stdout")
        print("python stderr", file=sys.stderr)
        os.write(1, b"fd 1\n")
        os.write(2, b"fd 2\n")
        warnings.warn("a warning")
    print("after")
    out, err = capfd.readouterr()
    assert out == "after\n" and err == ""


def test_in_a_real_kernel_nothing_reaches_stderr_and_a_hang_costs_only_its_exercise(tmp_path, monkeypatch):
    """In ipykernel (which forwards fd 2 to the cell), with noise injected into the grading: the test cells
    have no stderr and no error; the hanging sigmoid costs mlp.sigmoid alone, within its time limit."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    for name in ("CONFIG", "DATA", "RUNTIME"):
        monkeypatch.setenv(f"JUPYTER_{name}_DIR", str(tmp_path / name.lower()))
    exercises = {ex.id: ex for ex in catalog()}
    noise = ("import os, sys, warnings, autograder.outputs.text as _report\n"
             "warnings.simplefilter('always')\n_text = _report.exercise_text\n"
             "def _noisy(*args, **kwargs):\n    warnings.warn('noise')\n    print('noise', file=sys.stderr)\n"
             "    os.write(2, b'fd 2 noise\\n')\n    return _text(*args, **kwargs)\n"
             "_report.exercise_text = _noisy")
    hang = ("def sigmoid(z):\n    while True:\n        pass")
    tanh = next(t for t in solution_code("mlp") if "def tanh(" in t)
    cells = [new_code_cell("import numpy as np"), new_code_cell(noise), new_code_cell(tanh),
             new_code_cell(notebooks.grade_cell_source(exercises["mlp.tanh"])), new_code_cell(hang),
             new_code_cell(notebooks.grade_cell_source(exercises["mlp.sigmoid"]))]
    nb = new_notebook(cells=cells, metadata={"kernelspec": notebooks.KERNELSPEC})
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in (nb.cells[3], nb.cells[5]):
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], cell.outputs
    assert not [o for i in (3, 5) for o in nb.cells[i].outputs if o.output_type == "execute_result"]  # no stray value
    header = {i: "".join(o.text for o in nb.cells[i].outputs if o.output_type == "stream").splitlines()[0]
              for i in (3, 5)}
    assert header[3].endswith("[2/2]") and header[5].endswith("[0/1]"), header
    printed = "".join(o.text for o in nb.cells[5].outputs if o.output_type == "stream")
    assert f"sigmoid did not finish within {exercises['mlp.sigmoid'].seconds:g} s" in printed
    assert not list(tmp_path.glob(".hypothesis")) and not list(tmp_path.glob("autograder-notebook-*"))


def test_in_jupyter_a_training_exercise_shows_its_learning_curves(tmp_path, monkeypatch):
    """The test cell of a training exercise shows the curves of `check --html` under its feedback, and still
    writes nothing to stderr; a terminal IPython (the `shell` fixture) gets the text alone."""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    for name in ("CONFIG", "DATA", "RUNTIME"):
        monkeypatch.setenv(f"JUPYTER_{name}_DIR", str(tmp_path / name.lower()))
    train = next(ex for ex in catalog() if ex.id == "mlp.train_mlp")
    cells = [new_code_cell(code) for code in solution_code("mlp")] + [new_code_cell(notebooks.grade_cell_source(train))]
    nb = new_notebook(cells=cells, metadata={"kernelspec": notebooks.KERNELSPEC})
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[-1].outputs
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"], outputs
    assert not [o for o in outputs if o.output_type == "execute_result"]  # no stray value under the feedback
    assert "[4/4]" in "".join(o.text for o in outputs if o.output_type == "stream")
    shown = [o.data["text/html"] for o in outputs if o.output_type == "display_data" and "text/html" in o.data]
    assert len(shown) == 1 and "Learning curve" in shown[0] and shown[0].count("data:image/png;base64,") == 3


def test_outside_jupyter_no_curve_is_replayed(shell, capsys):
    for code in solution_code("mlp"):
        run(shell, code)
    capsys.readouterr()
    assert notebook_cell.grade_in_notebook("mlp.train_mlp", shell.user_ns) is None
    printed = capsys.readouterr()
    assert "PASS mlp.train_mlp" in printed.out and "IPython.core.display" not in printed.out and printed.err == ""
