"""Draw once, grade many: the cache of each search's inputs and oracle values (autograder/grading/cache.py).

What makes it right: a search that never fails draws the same inputs whatever its test function does, so a
replay gives every student what Hypothesis would have given them, and grades come out byte for byte the same.
What makes it safe: a cache of another grader or seed is never used, a file tampered with is ignored, a grading
seed's inputs never reach the disk, and student code can neither read nor write the cache.
"""
import json
import os
import random
import shutil
import struct
import subprocess
import sys
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
from conftest import ROOT, affected_exercises, corpus, mutate, solution_source

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


def corpus_cases(every: int) -> list:
    """Every `every`-th bug and correct variant of each topic's corpus (tests/bugs_*.py, tests/variants_*.py)."""
    cases = []
    for topic, module in corpus("bugs").items():
        cases += [pytest.param(topic, bug.edits, id=f"bug-{topic}-{bug.id}") for bug in module.BUGS[::every]]
    for topic, module in corpus("variants").items():
        cases += [pytest.param(topic, edits, id=f"variant-{topic}-{name}")
                  for name, edits in list(module.VARIANTS.items())[::every]]
    return cases


# Both corpora graded twice cost as much as the corpus tests themselves: CI compares every EVERY-th case (each
# topic, each kind of failure); AUTOGRADER_EVERY=1 compares them all (the README gives the last full run).
EVERY = int(os.environ.get("AUTOGRADER_EVERY", "8"))


@pytest.mark.slow
@pytest.mark.parametrize("topic, edits", corpus_cases(EVERY))
def test_the_corpora_grade_byte_for_byte_the_same_with_and_without_the_cache(topic, edits, tmp_path):
    source = mutate(solution_source(topic), edits)
    (tmp_path / f"{topic}.py").write_text(source)
    exercises = select(catalog(), affected_exercises(topic, source) or [topic])
    without, cached = graded_both_ways(tmp_path, exercises)
    assert "the grader failed" not in without and "did not start" not in without  # a real grade, not a broken one
    assert cached == without


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


def test_a_class_draws_once_into_a_folder_its_grading_processes_share(monkeypatch):
    """grade-all's grading processes draw the class's inputs (a grading seed's too) into one folder, the grader's
    alone, each beginning at another place and reading what the others drew; a folder of another machine is not
    used, and where student code could reach it, none is made (each process then draws in memory)."""
    from autograder.batch.run import LocalPool, shared_draws_folder
    from autograder.batch.worker import machine_id

    ids = [ex.id for ex in select(catalog(), ["mlp.affine", "mlp.tanh", "mlp.softmax"])]
    folder, elsewhere = Path(shared_draws_folder()), Path(shared_draws_folder())
    assert folder.stat().st_mode & 0o077 == 0
    pool = LocalPool(2, 300)
    try:
        tasks = [{"student": s, "files": {"mlp.py": solution_source("mlp").encode()}, "only": ids, "points": {},
                  "seed": 31337, "display": s, "html": False, "draws": {"folder": str(where), "machine": machine,
                                                                         "start": start}}
                 for s, where, machine, start in [("ada", folder, machine_id(), 0.0), ("bob", folder, machine_id(), 0.5),
                                                  ("cy", elsewhere, "another machine", 0.0)]]
        results = [future.result() for future in [pool.submit(task) for task in tasks]]
        assert [r["score"] for r in results] == [r["max_score"] for r in results] and results[0]["max_score"] > 0
        assert all(Folder(folder, 31337).read(Key(i, SHARED, 31337)) is not None for i in ids)
        assert all(f.stat().st_mode & 0o077 == 0 for f in draw_files(folder)) and not draw_files(elsewhere)
    finally:
        pool.close()
        for made in (folder, elsewhere):
            shutil.rmtree(made)
    monkeypatch.setattr(cache, "workers_can_reach", lambda path: True)
    assert shared_draws_folder() is None


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
    if isolation().level == "bwrap" or not isolation().shared:
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


@pytest.mark.parametrize("level", ["posix", "portable"])
def test_each_isolation_level_grades_with_the_cache(level, tmp_path):
    """Whether the disk cache may be used depends on the level: every level must still grade."""
    env = {**os.environ, "AUTOGRADER_ISOLATION": level, "AUTOGRADER_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", "solutions", "--only", "mlp.tanh",
                          "--format", "json"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(run.stdout)
    assert (report["score"], report["max_score"]) == (2, 2), run.stdout[-2000:]


# -- the parts around it: Hypothesis's settings, torch's, warm sandboxes, the batch's order ----------------------


def test_the_grader_changes_hypothesis_only_while_it_searches(monkeypatch):
    """Local constants are switched off (and the `random` warning filtered) inside a search, restored after; a
    Hypothesis outside the range the inputs were drawn with is refused rather than silently drawing others."""
    import hypothesis
    from hypothesis import strategies as st
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    inside = []
    search(st.fixed_dictionaries({"a": st.integers()}), (), 3,
           lambda inputs: inside.append(providers._get_local_constants))
    assert inside and all(f is providers.Constants for f in inside)
    assert providers._get_local_constants is original
    with hypothesis_for_grading():
        with hypothesis_for_grading():
            assert providers._get_local_constants is providers.Constants
        assert providers._get_local_constants is providers.Constants  # nested: the outer one still holds
    assert providers._get_local_constants is original
    monkeypatch.setattr(hypothesis, "__version_info__", (7, 0, 0))
    with pytest.raises(RuntimeError, match="Hypothesis 6"):
        search(st.fixed_dictionaries({"a": st.integers()}), (), 3, lambda inputs: None)
    assert providers._get_local_constants is original


def test_the_oracle_computes_with_autograd_whatever_the_process_set():
    """torch's grad mode and default dtype are process-wide: a grading process whose other code turned autograd
    off (inference in a Dask worker, say) still gets the oracle's gradients."""
    import torch

    (affine,) = select(catalog(), ["mlp.affine"])
    torch.set_grad_enabled(False)
    try:
        with cache.disabled():
            assert solutions_grade([affine]) == (4, 4)
    finally:
        torch.set_grad_enabled(True)


def test_a_warm_sandbox_is_fresh_for_each_topic_and_lives_until_used():
    """With the pool warm, every topic of every submission gets a sandbox of its own, started ahead (by a thread
    that outlives it: a sandbox dies with the thread that started it), and grades as a sandbox started on the
    spot does."""
    from autograder.sandbox import pool

    (affine,) = select(catalog(), ["mlp.affine"])
    (relu,) = select(catalog(), ["cnn.relu"])
    started = []
    real = pool._prestart

    def recording():
        sandbox = real()
        started.append(sandbox.proc.pid if sandbox.proc is not None else None)
        return sandbox

    cold = grade(ROOT / "solutions", [affine, relu])
    original = pool._prestart
    pool._prestart = recording
    try:
        pool.POOL.keep_warm()
        time.sleep(1.0)  # the thread that started the first one has long been idle
        warm = [grade(ROOT / "solutions", [affine, relu]) for _ in range(2)]
    finally:
        pool._prestart = original
        pool.POOL.close()
    assert all(r.score == r.points == cold.points for r in warm)
    assert all(r.not_gradable == {} for r in warm)
    if isolation().level != "portable":
        assert len(started) >= 4 and len(set(started)) == len(started)  # four topics graded, each its own


def test_grade_starts_a_sandbox_per_core_ahead_and_no_more_than_its_topics_take(monkeypatch):
    """`grade` of five topics on two cores keeps two sandboxes ready from the start (both start while torch is
    imported), one more after each take while topics remain, and none that no topic will take."""
    from autograder.sandbox import pool

    started = []
    monkeypatch.setattr(pool, "_prestart", lambda: started.append(1) or object())
    monkeypatch.setattr(pool, "_usable", lambda future: future.result() if future is not None else None)
    warm = pool.SandboxPool()
    try:
        warm.keep_warm(5, depth=2)
        warm.starter.submit(lambda: None).result()  # the starts asked for so far are done
        assert len(started) == 2
        taken = [warm.sandbox(ahead=i < 4) for i in range(5)]
        warm.starter.submit(lambda: None).result()
        assert len(started) == 5 and all(t is not None for t in taken) and not warm.ready
    finally:
        warm.starter.shutdown()


def test_the_longest_submissions_start_first():
    from autograder.batch.run import Job, longest_first

    def job(name, seconds, size):
        return Job(None, {"student": name}, {}, seconds=seconds, size=size)

    jobs = [job("small", None, 1_000), job("slow", 30.0, 10_000), job("quick", 2.0, 10_000),
            job("big", None, 40_000), job("medium", 9.0, 3_000)]
    order = [j.task["student"] for j in longest_first(jobs)]
    # seconds per byte: the median of 3e-3, 2e-4 and 3e-3, so big ~ 120 s and small ~ 3 s
    assert order == ["big", "slow", "medium", "small", "quick"]
    assert [j.task["student"] for j in longest_first([job("a", None, 5), job("b", None, 50)])] == ["b", "a"]


@pytest.mark.slow
def test_a_gradescope_image_draws_its_seeds_inputs_once_for_root_alone(tmp_path):
    """setup.sh draws the bundle's inputs into draws/ beside config.json, readable by root alone; each
    run_autograder then grades from them (and from its own draws when they are tampered with)."""
    import subprocess
    import sys

    from test_gradescope_bundle import MLP, fake_autograder

    bundle, seed = tmp_path / "autograder.zip", tmp_path / "seed"
    seed.write_text("7")
    seed.chmod(0o600)
    made = subprocess.run([sys.executable, "-m", "autograder", "gradescope-bundle", str(bundle), "--only", "mlp.tanh",
                           "mlp.affine", "--seed-file", str(seed)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr
    root = fake_autograder(tmp_path, bundle, {"mlp.py": MLP})
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "PYTHONPATH": str(root / "source" / "grader"), "AUTOGRADER_CACHE": str(tmp_path / "user-cache")}
    draws = root / "source" / "draws"
    precompute = subprocess.run([sys.executable, "-m", "autograder.integrations.gradescope.bundle", "--precompute", str(draws),
                                 "--config", str(root / "source" / "config.json")], cwd="/", env=env,
                                capture_output=True, text=True, timeout=600)
    assert precompute.returncode == 0, precompute.stderr
    assert draw_files(draws) and draws.stat().st_mode & 0o077 == 0
    assert not draw_files(tmp_path / "user-cache")  # a grading seed's inputs: only in the image's private folder

    def run_autograder() -> tuple[dict, str]:
        run = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd="/", env=env,
                             capture_output=True, text=True, timeout=600)
        return json.loads((root / "results" / "results.json").read_text()), run.stdout

    results, output = run_autograder()
    assert results["score"] == 6 and results["extra_data"]["seed"] == 7
    assert "searches from disk" in output and "drawn" not in output, output
    for path in draw_files(draws):
        poison(path)
    results, output = run_autograder()
    assert results["score"] == 6 and "drawn" in output and "from disk" not in output, output
