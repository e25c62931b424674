"""Finding a class's submissions in every layout instructors receive (no grading here: fast)."""
import io
import os
import zipfile
from pathlib import Path

import pytest

from autograder.batch.discover import MAX_FILE_BYTES, discover, discover_one, parse_name
from autograder.model import catalog

from conftest import ROOT

MLP = (ROOT / "solutions" / "mlp.py").read_text()
CNN = (ROOT / "solutions" / "cnn.py").read_text()
NOTEBOOK = (ROOT / "course" / "source" / "mlp" / "mlp.ipynb").read_text()


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def found(root: Path) -> dict[str, dict[str, str]]:
    """student -> {canonical name: the path it came from}"""
    return {s.student: {name: e.path.as_posix() for name, e in s.files.items()} for s in discover(root, catalog())}


def test_folder_loose_files_and_zips_per_student(tmp_path):
    root = write(tmp_path / "class", {
        "alice/mlp.py": MLP, "alice/hw/cnn.ipynb": "{}",  # a folder; topic files at any depth
        "bob_mlp.py": MLP, "bob-cnn.ipynb": NOTEBOOK,  # loose files: the student from the name
        "carol.py": "import numpy as np\ndef conv_forward(x, w, b, stride, pad):\n    pass\ndef relu_forward(x):\n    pass\n",
        "dave.zip": zipped({"hw/mlp.py": MLP, "__MACOSX/hw/._mlp.py": "junk", "hw/.ipynb_checkpoints/cnn.py": "x"}),
        "notes.txt": "not a submission",
    })
    assert found(root) == {
        "alice": {"mlp.py": "mlp.py", "cnn.ipynb": "hw/cnn.ipynb"},
        "bob": {"mlp.py": "bob_mlp.py", "cnn.ipynb": "bob-cnn.ipynb"},
        "carol": {"cnn.py": "carol.py"},  # recognised by the functions it defines
        "dave": {"mlp.py": "hw/mlp.py"},  # junk and checkpoints left out
    }
    contents = {s.student: s.contents() for s in discover(root, catalog())}
    assert contents["dave"]["mlp.py"] == MLP.encode() and contents["bob"]["cnn.ipynb"] == NOTEBOOK.encode()


def test_one_submission_as_root_and_a_zip_of_the_class(tmp_path):
    single = write(tmp_path / "alice", {"mlp.py": MLP, "cnn.py": CNN})
    assert found(single) == {"alice": {"mlp.py": "mlp.py", "cnn.py": "cnn.py"}}
    (tmp_path / "class.zip").write_bytes(zipped({"alice/mlp.py": MLP, "bob/mlp.ipynb": NOTEBOOK}))
    assert found(tmp_path / "class.zip") == {"alice": {"mlp.py": "mlp.py"}, "bob": {"mlp.ipynb": "mlp.ipynb"}}


def test_which_file_is_graded_when_there_are_several(tmp_path):
    root = write(tmp_path / "class", {
        "alice/mlp.ipynb": NOTEBOOK, "alice/mlp.py": MLP,  # .py first, as `grade` does
        "bob/old/mlp.py": MLP, "bob/mlp.py": MLP,  # the shallower
        "carol/mlp-1.py": MLP, "carol/mlp-2.py": MLP, "carol/mlp.py": MLP,  # Canvas: the latest resubmission
        "dave/mlp_draft.py": MLP, "dave/scratch.py": MLP,  # the name beats the content
    })
    subs = {s.student: s for s in discover(root, catalog())}
    chosen = {k: {n: e.path.as_posix() for n, e in s.files.items()} for k, s in subs.items()}
    assert chosen == {"alice": {"mlp.py": "mlp.py"}, "bob": {"mlp.py": "mlp.py"}, "carol": {"mlp.py": "mlp-2.py"},
                      "dave": {"mlp.py": "mlp_draft.py"}}
    assert any("also found mlp.ipynb" in note for note in subs["alice"].notes)


def test_nbgrader_submitted_layout(tmp_path):
    root = write(tmp_path / "course", {
        "submitted/alice/mlp/mlp.ipynb": NOTEBOOK, "submitted/alice/mlp/timestamp.txt": "2024-03-01 10:00:00\n",
        "submitted/alice/cnn/cnn.ipynb": "{}", "submitted/alice/cnn/timestamp.txt": "2024-03-08 09:00:00",
        "submitted/bob/mlp/mlp.ipynb": NOTEBOOK,
        "autograded/alice/mlp/mlp.ipynb": "{}", "source/mlp/mlp.ipynb": NOTEBOOK,  # not submissions
    })
    subs = {s.student: s for s in discover(root, catalog())}
    assert {k: sorted(s.files) for k, s in subs.items()} == {"alice": ["cnn.ipynb", "mlp.ipynb"], "bob": ["mlp.ipynb"]}
    assert subs["alice"].timestamp == "2024-03-08 09:00:00"


def test_gradescope_export_with_metadata(tmp_path):
    metadata = """
submission_101:
  :submitters:
  - :name: Alice Liddell
    :sid: '2024001'
    :email: alice@example.org
  - :name: Bob Partner
    :sid: '2024002'
  :created_at: 2024-03-01 10:00:00.000000000 -08:00
  :results: !ruby/object:ActiveSupport::HashWithIndifferentAccess
    score: 1
submission_102:
  :submitters:
  - :name: Carol Reed
    :email: carol@example.org
"""
    root = write(tmp_path / "assignment_1_export", {
        "submission_metadata.yml": metadata, "submission_101/mlp.py": MLP, "submission_102/src/cnn.py": CNN,
        "submission_103/mlp.py": MLP})  # not in the metadata: named by its folder
    subs = {s.student: s for s in discover(root, catalog())}
    assert sorted(subs) == ["2024001", "carol@example.org", "submission_103"]
    alice = subs["2024001"]
    assert (alice.first_name, alice.last_name, alice.email, alice.partners) == ("Alice", "Liddell",
                                                                                "alice@example.org", ["2024002"])
    assert alice.timestamp.startswith("2024-03-01") and list(subs["carol@example.org"].files) == ["cnn.py"]


@pytest.mark.parametrize("name, student, rest", [
    ("liddellalice_123_456789_mlp-1.py", "liddellalice", "mlp-1.py"),  # Canvas
    ("liddellalice_LATE_123_456789_mlp.py", "liddellalice", "mlp.py"),
    ("Alice Liddell_1234_assignsubmission_file_mlp.py", "Alice Liddell", "mlp.py"),  # Moodle, flat
    ("Alice Liddell_1234_assignsubmission_file_", "Alice Liddell", ""),  # Moodle, a folder
    ("hw_1_aliddell_attempt_2024-03-01-10-00-00_mlp.py", "aliddell", "mlp.py"),  # Blackboard
    ("1234-5678 - Alice Liddell - Mar 1, 2024 1000 AM", "Alice Liddell", ""),  # Brightspace folder
])
def test_lms_names(name, student, rest):
    parsed = parse_name(name)
    assert (parsed.student, parsed.rest) == (student, rest)


def test_lms_bulk_download(tmp_path):
    root = write(tmp_path / "canvas", {
        "liddellalice_123_456_mlp.py": MLP, "liddellalice_123_789_mlp-1.py": MLP + "\n# resubmitted\n",
        "liddellalice_123_790_cnn.py": CNN, "reedcarol_LATE_124_457_submission.zip": "",
        "hw1_bsmith_attempt_2024-03-01-10-00-00_mlp.py": MLP, "hw1_bsmith_attempt_2024-03-01-10-00-00.txt": "",
        "Dan Moss_1234_assignsubmission_file_/mlp.ipynb": NOTEBOOK,
    })
    (root / "reedcarol_LATE_124_457_submission.zip").write_bytes(zipped({"mlp.py": MLP}))
    subs = {s.student: s for s in discover(root, catalog())}
    assert set(subs) == {"bsmith", "Dan_Moss", "liddellalice", "reedcarol"}
    assert subs["liddellalice"].contents()["mlp.py"].endswith(b"# resubmitted\n")
    assert sorted(subs["liddellalice"].files) == ["cnn.py", "mlp.py"]
    assert subs["bsmith"].timestamp == "2024-03-01-10-00-00" and subs["Dan_Moss"].first_name == "Dan"
    assert "marked late by the LMS" in subs["reedcarol"].notes


def test_hostile_layouts_reach_nothing_and_stop_nothing(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("def tanh(z): return z\n")
    root = write(tmp_path / "class", {
        "mallory.zip": zipped({"../../escape/mlp.py": MLP, "/abs/cnn.py": CNN}),  # member names are only labels
        "trudy.zip": b"PK\x03\x04 not really a zip",
        "big/mlp.py": b"#" * (MAX_FILE_BYTES + 10),
        "!!weird name & $(rm -rf)/mlp.py": MLP, "same/mlp.py": MLP, "SAME/cnn.py": CNN,
    })
    os.symlink(outside / "secret.py", root / "linked.py")  # a symlink is never followed
    os.symlink(outside, root / "linkdir")
    subs = {s.student: s for s in discover(root, catalog())}
    assert sorted(subs["mallory"].files) == ["cnn.py", "mlp.py"] and not (tmp_path / "escape").exists()
    assert subs["trudy"].files == {} and "trudy.zip could not be read as a zip file" in subs["trudy"].notes
    assert subs["big"].files == {} and any("larger than" in n for n in subs["big"].notes)
    assert "linked" not in subs and "linkdir" not in subs
    assert len({s.lower() for s in subs}) == len(subs)  # file-safe ids, unique even on a case-insensitive disk
    assert "weird_name_rm_-rf" in subs and {"SAME", "same-2"} <= set(subs)


def test_one_upload_wherever_the_files_are(tmp_path):
    upload = write(tmp_path / "submission", {"repo/assignments/mlp.py": MLP, "repo/notes/scratch.ipynb": NOTEBOOK,
                                             "repo/cnn/network.py": CNN, "repo/README.md": "hi"})
    chosen, notes = discover_one(upload, catalog())
    assert {n: e.path.as_posix() for n, e in chosen.items()} == {"mlp.py": "repo/assignments/mlp.py",
                                                                 "cnn.py": "repo/cnn/network.py"}
    assert notes == ["mlp: graded repo/assignments/mlp.py; also found repo/notes/scratch.ipynb"]
