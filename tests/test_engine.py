"""Unit tests of the engine's parts: wire format, comparison messages, stub generation, catalog."""
import numpy as np
import pytest

from autograder.sandbox import wire
from autograder.course.stubs import stub
from autograder.compare import Tolerance, compare
from autograder.model import catalog, select

TOL = Tolerance()


def test_wire_round_trip_keeps_values_and_types():
    value = {"a": np.arange(6.0).reshape(2, 3), "b": (1, 2.5, None, "s"), "c": [np.float64(3.0), np.int64(4)],
             "d": float("nan"), "e": np.array(7, dtype=np.int32)}
    back = wire.decode(wire.encode(value))
    assert np.array_equal(back["a"], value["a"]) and back["a"].dtype == np.float64
    assert back["b"] == (1, 2.5, None, "s") and back["c"] == [3.0, 4] and np.isnan(back["d"])
    assert back["e"] == 7


def test_wire_never_carries_objects():
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    back = wire.decode(wire.encode({"x": Evil(), "y": np.array([Evil()], dtype=object), 1: 2}))
    assert back == wire.Unsupported("dict with non-string keys")
    back = wire.decode(wire.encode({"x": Evil(), "y": np.array([Evil()], dtype=object)}))
    assert back["x"] == wire.Unsupported("Evil") and "object" in back["y"].type_name


@pytest.mark.parametrize("blob", [b"", b"\x00" * 3, b"\xff" * 16, wire.encode([1])[:-1] + b"{"])
def test_wire_rejects_garbage(blob):
    with pytest.raises(ValueError):
        wire.decode(blob)


@pytest.mark.parametrize("got, phrase", [
    (None, "it is None"),
    ([[1.0, 2.0]], "Python list"),
    (np.zeros((2, 1)), "has shape (2, 1), expected (1, 2)"),
    (np.zeros((1, 2), dtype=np.float32), "dtype float32"),
    (np.zeros((1, 2), dtype=np.int64), "dtype int64"),
    (np.array([[np.nan, 2.0]]), "not finite"),
    (np.array([[-1.0, -2.0]]), "opposite sign"),
    (np.array([[4.0, 8.0]]), "4 times the expected"),
    (np.array([[1.0, 2.5]]), "Largest error at index (0, 1): expected 2, got 2.5"),
])
def test_compare_names_the_mistake(got, phrase):
    message = compare("out", got, np.array([[1.0, 2.0]]), TOL)
    assert message and phrase in message, message


def test_compare_tolerance_is_relative_and_absolute():
    expected = np.array([1e6, 1.0, 0.0])
    assert compare("x", expected * (1 + 1e-8), expected, TOL) is None
    assert compare("x", expected + np.array([0, 0, 1e-5]), expected, TOL) is None  # atol scales with 1e6
    assert compare("x", expected * (1 + 1e-4), expected, TOL) is not None
    assert compare("loss", np.float64(2.0), 2.0, TOL) is None
    assert "single number" in compare("loss", np.array([2.0]), 2.0, TOL)


def test_compare_sequences_of_integers_and_shapes():
    assert compare("shapes", [(16, 32, 32), (16, 16, 16)], [(16, 32, 32), (16, 16, 16)], TOL) is None
    assert compare("shapes", ((16, 32, 32),), [(16, 32, 32)], TOL) is None  # tuple or list alike
    assert "shapes[1][2] should be 8, but it is 9" in compare("shapes", [(1,), (4, 8, 9)], [(1,), (4, 8, 8)], TOL)
    assert "length 2" in compare("shapes", [(1,)], [(1,), (2,)], TOL)
    assert "should be the integer 448" in compare("params", "448", 448, TOL)


def test_compare_transposed_square_and_dicts():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert "transpose" in compare("W", expected.T, expected, TOL)
    assert "no entry 'b'" in compare("p", {"a": expected}, {"a": expected, "b": expected}, TOL)
    assert "p['a']" in compare("p", {"a": expected + 1, "b": expected}, {"a": expected, "b": expected}, TOL)


def test_stub_replaces_solution_regions_and_keeps_the_rest():
    source = ('"""Doc."""\nimport numpy as np\n\n\ndef affine_forward(x, W, b):\n    """Shapes."""\n'
              "    ### BEGIN SOLUTION\n    return x @ W + b, (x, W)\n    ### END SOLUTION\n")
    text = stub(source, "mlp", "mlp.py")
    assert '"""Shapes."""' in text and "return x @ W" not in text
    assert 'raise NotImplementedError("affine_forward: not implemented yet (exercise mlp.affine)")' in text
    compile(text, "stub", "exec")
    with pytest.raises(ValueError):
        stub(source.replace("    ### END SOLUTION\n", ""), "mlp", "mlp.py")


def test_catalog_ids_are_unique_and_every_check_has_a_producer():
    exercises = catalog()
    assert len({e.id for e in exercises}) == len(exercises)
    for e in exercises:
        assert e.points > 0 and e.id.startswith(e.topic + ".")
        for c in e.checks:
            assert e.plan_for(c.path[0])


def test_plans_run_only_what_a_check_needs():
    affine = select(catalog(), ["mlp.affine"])[0]
    assert affine.plan_for("out") == (0,) and affine.plan_for("dW") == (0, 2)
    dW = next(c for c in affine.checks if c.name == "dW")  # a second forward pass runs before the backward
    assert affine.plan_of(dW) == (0, 1, 2)
    tanh = select(catalog(), ["mlp.tanh"])[0]
    assert tanh.plan_for("da_dz") == (1,)


def test_select_rejects_unknown_names():
    with pytest.raises(ValueError):
        select(catalog(), ["nope"])
    assert {e.topic for e in select(catalog(), ["mlp"])} == {"mlp"}


def test_another_threads_use_of_random_draws_no_warning():
    """A grading process's other threads (Dask's) may use the global `random` while inputs are drawn: Hypothesis
    would warn that a strategy uses it; the grader's strategies do not, so the warning is not printed."""
    import subprocess
    import sys

    program = ("import random, threading, time\n"
               "import autograder.grading.search as search\n"
               "from hypothesis import strategies as st\n"
               "done = False\n"
               "def jitter():\n"
               "    while not done:\n"
               "        random.random()\n"
               "        time.sleep(0)\n"
               "threading.Thread(target=jitter, daemon=True).start()\n"
               "slow = st.integers().map(lambda x: [time.sleep(0.002), x][1])\n"
               "search.search(st.fixed_dictionaries({'a': slow}), (), 20, lambda inputs: None)\n"
               "done = True\n"
               "print('graded')\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "graded", done.stderr
    assert "random" not in done.stderr, done.stderr


def test_vector_jacobian_is_autograds_grad_outputs_exactly():
    """The oracles' vector-Jacobian products (a scalar's gradient) are bit for bit torch's grad_outputs products."""
    import torch

    from autograder.oracle import vector_jacobian

    rng = np.random.default_rng(0)
    x, w = (torch.tensor(rng.normal(size=s), requires_grad=True) for s in ((4, 3), (3, 5)))
    u1, u2 = torch.tensor(rng.normal(size=(4, 5))), torch.tensor(rng.normal(size=(4, 3)))
    def outputs():
        return [torch.tanh(x @ w), torch.exp(x) * 1e3]

    expected = torch.autograd.grad(outputs(), [x, w], grad_outputs=[u1, u2])
    got = vector_jacobian(outputs(), [x, w], [u1, u2])
    assert all(torch.equal(a, b) for a, b in zip(got, expected))
    (one,) = vector_jacobian(outputs()[0] * 3, [w], u1)
    assert torch.equal(one, torch.autograd.grad(outputs()[0] * 3, [w], grad_outputs=u1)[0])
    assert not torch.equal(one, expected[1])
