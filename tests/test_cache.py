"""Draw once, grade many: the cache of each search's inputs and oracle values (autograder/grading/cache.py).

What makes it right: a search that never fails draws the same inputs whatever its test function does, so a
replay gives every student what Hypothesis would have given them, and grades come out byte for byte the same.
What makes it safe: a cache of another grader or seed is never used, a file tampered with is ignored, a grading
seed's inputs never reach the disk, and student code can neither read nor write the cache.
"""
import json
import os
import random
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.grading import cache, grade
from autograder.grading.cache import DRAWS, Folder, Key, bound_paths, identical, user_folder, workers_can_reach
from autograder.grading.search import SHARED, drawn, hypothesis_for_grading, search, searches
from autograder.model import catalog, select
from autograder.outputs.structured import as_dict
from autograder.outputs.text import exercise_text
from autograder.sandbox.isolation import bwrap_command, isolation
from conftest import ROOT, mutate, solution_source

TOPICS = ["mlp", "cnn", "rnn", "transformer", "optim"]


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache (memory and disk) for the test, in tmp_path/cache; the process's own is restored after."""
    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path / "cache"))
    kept = dict(DRAWS.memory)
    DRAWS.memory.clear()
    yield tmp_path / "cache"
    DRAWS.memory.clear()
    DRAWS.memory.update(kept)


def draw_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.draws")) if folder.exists() else []


def solutions_grade(exercises, **options):
    report = grade(ROOT / "solutions", exercises, **options)
    return report.score, report.points


# -- a search that never fails draws the same whatever it computes ----------------------------------------------


def busy(ex):
    """A test function that does what grading does and more (the oracle, the global generators, time), never
    failing: if any of it changed Hypothesis's draws, a replay would not be what a student would be given."""
    def test_one(inputs):
        if ex.oracle is not None:
            try:
                ex.oracle(**cache.fresh(inputs))
            except Exception:  # noqa: BLE001 - some oracles refuse some inputs; the verdict does not matter
                pass
        random.random()
        np.random.default_rng().normal(size=3)
        time.sleep(0.0005 * random.random())
    return test_one


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
def test_a_search_that_never_fails_draws_the_same_whatever_its_test_does(topic):
    """For every search of every exercise (the shared pass, and each check with inputs of its own): the inputs
    given to a test that only records them are those given to a busy test; explicit examples come first, and
    the rest is what the search without them draws (a check that failed in the shared pass searches so)."""
    for ex in select(catalog(), [topic]):
        for name, (strategy, examples, n, _) in searches(ex).items():
            recorded = drawn(strategy, examples, n)
            seen = []
            test = busy(ex)
            search(strategy, examples, n, lambda inputs: (seen.append(inputs), test(inputs)))
            assert identical(recorded, seen), (ex.id, name)
            if name == SHARED:
                assert identical(recorded[:len(examples)], list(examples)), ex.id
                assert identical(recorded[len(examples):], drawn(strategy, (), n)), ex.id


# -- grades are the same with and without the cache --------------------------------------------------------------


def graded_both_ways(folder: Path, exercises) -> tuple[str, str]:
    """(without the cache, with it): every result as JSON and as the text a student reads."""
    def run():
        report = grade(folder, exercises)
        result = as_dict(report)
        result.pop("timing", None)
        return json.dumps(result, sort_keys=True, default=repr) + "".join(exercise_text(e) for e in report.exercises)

    with cache.disabled():
        without = run()
    return without, run()


def test_solutions_grade_the_same_with_and_without_the_cache(fresh_cache):
    exercises = select(catalog(), ["mlp", "optim.adam", "transformer.dropout"])  # own-input checks among them
    without, cold = graded_both_ways(ROOT / "solutions", exercises)
    assert cold == without
    assert DRAWS.memory and draw_files(fresh_cache)  # the second run replayed the draws the first one made
    DRAWS.memory.clear()
    assert graded_both_ways(ROOT / "solutions", exercises)[1] == without  # read back from disk


# -- a cache of another grader or seed, or tampered with, is never used ----------------------------------------------


def poison(path: Path, key: Key | None = None) -> None:
    """Double every oracle value in a draw file (a correct submission would then fail); with `key`, also make the
    file a valid one for that key (its digest recomputed), as an older grader or another seed would have written."""
    data = path.read_bytes()
    header, payload = data[len(cache.MAGIC):].split(b"\n", 1)
    entries = [(inputs, {k: v * 2 if isinstance(v, (np.ndarray, float)) else v for k, v in expected.items()}
                if isinstance(expected, dict) else expected) for inputs, expected in cache._unpack(payload)]
    payload = cache._pack(entries)
    stored = json.loads(header)
    if key is not None:
        stored["key"], stored["sha256"] = cache._key_dict(key), cache._digest(key, payload)
    path.write_bytes(cache.MAGIC + json.dumps(stored).encode() + b"\n" + payload)


def test_a_tampered_file_is_ignored_and_written_anew(fresh_cache):
    (affine,) = select(catalog(), ["mlp.affine"])
    assert solutions_grade([affine]) == (4, 4)
    (path,) = draw_files(fresh_cache)
    poison(path)
    DRAWS.memory.clear()
    assert solutions_grade([affine]) == (4, 4)  # the poisoned values were not used
    assert DRAWS.served["drawn"] and Folder(fresh_cache, None).read(Key("mlp.affine", SHARED, None)) is not None
    for broken in (b"", b"nonsense", path.read_bytes()[:-100], cache.MAGIC + b"{}\n"):
        path.write_bytes(broken)
        DRAWS.memory.clear()
        assert solutions_grade([affine]) == (4, 4)


def test_draws_of_another_grader_or_seed_are_never_used(fresh_cache, monkeypatch):
    (affine,) = select(catalog(), ["mlp.affine"])
    key = Key("mlp.affine", SHARED, None)
    assert solutions_grade([affine]) == (4, 4)
    (old,) = draw_files(fresh_cache)
    poison(old, key)  # a valid file of this grader, with wrong values: proves the next grader does not read it
    from autograder.batch import worker

    monkeypatch.setattr(worker, "grader_fingerprint", lambda: "another grader")
    cache.grader_key.cache_clear()
    try:
        new = Folder(fresh_cache, None).file(key)
        assert new != old
        new.parent.mkdir(mode=0o700)
        new.write_bytes(old.read_bytes())  # even where the new grader looks, the old grader's key is refused
        DRAWS.memory.clear()
        assert solutions_grade([affine]) == (4, 4)
        assert Folder(fresh_cache, None).read(key) is not None  # written anew for this grader
    finally:
        monkeypatch.undo()
        cache.grader_key.cache_clear()
    seeded = Folder(fresh_cache / "bundle", 7)  # a folder of one seed (a Gradescope image) refuses another's
    cache.make_private(seeded.path)
    assert seeded.write(Key("mlp.affine", SHARED, 7), [({"x": np.ones(2)}, None)])
    assert Folder(seeded.path, 8).read(Key("mlp.affine", SHARED, 8)) is None
    other = seeded.file(Key("mlp.affine", SHARED, 8))
    other.write_bytes(seeded.file(Key("mlp.affine", SHARED, 7)).read_bytes())
    assert Folder(seeded.path, 8).read(Key("mlp.affine", SHARED, 8)) is None


def test_a_grading_seeds_inputs_never_reach_the_disk(fresh_cache):
    (affine,) = select(catalog(), ["mlp.affine"])
    assert solutions_grade([affine], seed=31337) == (4, 4)
    assert draw_files(fresh_cache) == [] and any(k.seed == 31337 for k in DRAWS.memory)
    assert solutions_grade([affine]) == (4, 4)
    files = draw_files(fresh_cache)
    assert files and all(Folder(fresh_cache, None).read(Key("mlp.affine", SHARED, None)) for _ in files)
    assert fresh_cache.stat().st_mode & 0o077 == 0 and all(f.stat().st_mode & 0o077 == 0 for f in files)


def test_each_student_gets_copies_of_the_draws():
    draws = cache.Draws([({"x": np.zeros(3), "n": [1, 2]}, {"out": np.ones(3)})])
    (inputs, expected), = draws
    inputs["x"][0], expected["out"][0] = 5.0, 5.0
    inputs["n"].append(3)
    (again, expected_again), = draws
    assert again["x"][0] == 0.0 and expected_again["out"][0] == 1.0 and again["n"] == [1, 2]


# -- student code can neither read nor write it -----------------------------------------------------------------


def test_the_cache_folder_is_outside_what_a_bubblewrap_worker_sees():
    folder = user_folder()
    assert folder is not None
    for root in (True, False):
        assert not any(cache._within(folder, source) for source in bound_paths(bwrap_command(root)))
    if isolation().level == "bwrap" or isolation().nobody:
        assert not workers_can_reach(folder)


PROBE = '''
def tanh(z):
    import os
    touched = []
    for attempt in (lambda: os.listdir(FOLDER), lambda: [open(p, "rb").read() for p in FILES],
                    lambda: open(os.path.join(FOLDER, "planted.draws"), "wb").write(b"x")):
        try:
            attempt()
            touched.append(True)
        except OSError:
            pass
    return np.tanh(z) + (1.0 if touched else 0.0)
'''


@pytest.mark.slow
def test_student_code_can_neither_read_nor_write_the_cache(fresh_cache, tmp_path):
    (tanh,) = select(catalog(), ["mlp.tanh"])
    assert solutions_grade([tanh]) == (2, 2)  # the public draws are on disk now
    files = draw_files(fresh_cache)
    assert files
    if workers_can_reach(fresh_cache):
        pytest.skip("the worker runs as the grader's own user here (posix without root): the disk cache serves "
                    "only `check`, the user's own code")
    source = mutate(solution_source("mlp"), [("def tanh(z):", "def _tanh_unused(z):")])
    source += PROBE.replace("FOLDER", repr(str(fresh_cache))).replace("FILES", repr([str(f) for f in files]))
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "mlp.py").write_text(source)
    report = grade(tmp_path / "probe", [tanh])
    assert report.score == report.points, [c.message for e in report.exercises for c in e.checks]
    assert draw_files(fresh_cache) == files and not (fresh_cache / "planted.draws").exists()
