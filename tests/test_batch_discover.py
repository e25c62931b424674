"""Finding a class's submissions in every layout instructors receive (no grading here: fast)."""
import io
import re
import os
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from autograder.batch.discover import (LMS, MAX_FILE_BYTES, SCAN_BYTES, Entry, LayoutError, defined_functions, discover,
                                       discover_one, parse_name, survey)
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


@pytest.mark.parametrize("lms, name, folder, login, rest", [
    ("canvas", "liddellalice_123_456789_mlp-1.py", False, "liddellalice", "mlp-1.py"),
    ("canvas", "liddellalice_LATE_123_456789_mlp.py", False, "liddellalice", "mlp.py"),
    ("moodle", "Alice Liddell_1234_assignsubmission_file_mlp.py", False, "Alice Liddell", "mlp.py"),  # flat
    ("moodle", "Alice Liddell_1234_assignsubmission_file_", True, "Alice Liddell", ""),  # a folder
    ("blackboard", "hw_1_aliddell_attempt_2024-03-01-10-00-00_mlp.py", False, "hw_1_aliddell", "mlp.py"),
    ("brightspace", "1234-5678 - Alice Liddell - Mar 1, 2024 1000 AM", True, "Alice Liddell", ""),
    ("brightspace", "1234-5678 - Alice - Liddell - Mar 1, 2024 1000 AM - x - Mar 2, 2024 1000 AM - mlp.py", False,
     "Alice - Liddell", "x - Mar 2, 2024 1000 AM - mlp.py"),  # a file: the name ends at the first date
])
def test_lms_names(lms, name, folder, login, rest):
    parsed = parse_name(name, lms, folder)
    assert (parsed.login, parsed.rest) == (login, rest)
    assert all(parse_name(name, other, folder) is None for other in LMS if other != lms)


def test_canvas_download(tmp_path):
    root = write(tmp_path / "canvas", {
        "liddellalice_123_456_mlp.py": MLP, "liddellalice_123_789_mlp-1.py": MLP + "\n# resubmitted\n",
        "liddellalice_123_790_cnn.py": CNN, "reedcarol_LATE_124_457_submission.zip": "",
        "readme.txt": "the instructor's notes",
    })
    (root / "reedcarol_LATE_124_457_submission.zip").write_bytes(zipped({"mlp.py": MLP}))
    found_ = survey(root, catalog())
    subs = {s.student: s for s in found_.submissions}
    assert found_.layout == "canvas" and set(subs) == {"liddellalice", "reedcarol"}
    assert subs["liddellalice"].contents()["mlp.py"].endswith(b"# resubmitted\n")
    assert sorted(subs["liddellalice"].files) == ["cnn.py", "mlp.py"]
    assert subs["reedcarol"].late and "marked late by the LMS" in subs["reedcarol"].notes
    assert subs["reedcarol"].ids == {"user_id": "124"} and subs["liddellalice"].ids == {"user_id": "123"}
    assert [u.split(":")[0] for u in found_.unmapped] == ["readme.txt"]  # listed, never dropped


def test_moodle_blackboard_and_brightspace_downloads(tmp_path):
    moodle = write(tmp_path / "moodle", {"Dan Moss_1234_assignsubmission_file_/mlp.ipynb": NOTEBOOK,
                                         "José María Núñez_1235_assignsubmission_file_mlp.py": MLP})
    subs = {s.name: s for s in discover(moodle, catalog())}
    assert set(subs) == {"Dan Moss", "José María Núñez"}  # the display name exactly as the LMS wrote it
    assert subs["Dan Moss"].first_name == "Dan" and subs["Dan Moss"].ids == {"participant_id": "1234"}
    jose = subs["José María Núñez"]
    assert jose.student.startswith("Jose_Maria_Nunez-") and list(jose.files) == ["mlp.py"]

    blackboard = write(tmp_path / "blackboard", {
        "hw 1_bsmith_attempt_2024-03-01-10-00-00_mlp.py": MLP, "hw 1_bsmith_attempt_2024-03-01-10-00-00.txt": "",
        "hw 1_john_doe_attempt_2024-03-02-10-00-00_mlp.py": MLP, "hw 1_jane_doe_attempt_2024-03-02-11-00-00_cnn.py": CNN})
    subs = {s.student: s for s in discover(blackboard, catalog())}
    assert set(subs) == {"bsmith", "john_doe", "jane_doe"}  # user names with "_" are not cut: two Does
    assert subs["bsmith"].timestamp == "2024-03-01-10-00-00" and subs["bsmith"].ids == {"user": "bsmith"}

    brightspace = write(tmp_path / "brightspace", {
        "1234-5678 - Alice Liddell - Mar 1, 2024 1000 AM/mlp.py": MLP,
        "1240-5679 - Alice Liddell - Mar 2, 2024 1000 AM/mlp.py": MLP, "index.html": "<html>"})
    found_ = survey(brightspace, catalog())
    assert found_.layout == "brightspace" and len(found_.submissions) == 2  # namesakes stay two people
    assert {s.ids["user_id"] for s in found_.submissions} == {"5678", "5679"}
    assert len({s.student for s in found_.submissions}) == 2


def test_a_class_of_several_layouts_is_an_error_that_says_what_to_pass(tmp_path):
    mixed = write(tmp_path / "mixed", {"liddellalice_123_456_mlp.py": MLP, "bob/mlp.py": MLP})
    with pytest.raises(LayoutError, match="--layout canvas .*--layout folders"):
        discover(mixed, catalog())
    subs = survey(mixed, catalog(), layout="folders")  # as the instructor says
    assert [s.student for s in subs.submissions] == ["bob"] and subs.unmapped
    canvas = survey(mixed, catalog(), layout="canvas")
    assert [s.student for s in canvas.submissions] == ["liddellalice"] and canvas.unmapped == ["bob: not a canvas name"]
    both = write(tmp_path / "both", {"submission_metadata.yml": "{}", "submitted/alice/mlp/mlp.py": MLP})
    with pytest.raises(LayoutError, match="--layout gradescope or --layout nbgrader"):
        discover(both, catalog())


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
    ids = {s.name: s.student for s in discover(root, catalog())}
    assert ids["!!weird name & $(rm -rf)"].startswith("weird_name_rm_-rf-")
    assert ids["SAME"].startswith("SAME-") and ids["same"].startswith("same-") and ids["big"] == "big"


def test_one_upload_wherever_the_files_are(tmp_path):
    upload = write(tmp_path / "submission", {"repo/assignments/mlp.py": MLP, "repo/notes/scratch.ipynb": NOTEBOOK,
                                             "repo/cnn/network.py": CNN, "repo/README.md": "hi"})
    chosen, notes = discover_one(upload, catalog())
    assert {n: e.path.as_posix() for n, e in chosen.items()} == {"mlp.py": "repo/assignments/mlp.py",
                                                                 "cnn.py": "repo/cnn/network.py"}
    assert notes == ["mlp: graded repo/assignments/mlp.py; also found repo/notes/scratch.ipynb"]


# -- one student cannot steer discovery (issue 17) -----------------------------------------------------------

STUB = "def tanh(z):\n    return z\n"


def test_files_planted_in_a_students_folder_decide_nothing(tmp_path):
    """nbgrader's layout or a Gradescope export inside one student's upload: only her files, graded as hers."""
    root = write(tmp_path / "class", {
        "alice/mlp.py": MLP, "alice/hw/submitted/bob/mlp/mlp.py": STUB,
        "alice/submission_metadata.yml": "alice:\n  :submitters:\n  - :name: Bob\n    :sid: bob\n",
        "bob/mlp.py": MLP, "carol.zip": zipped({"mlp.py": MLP, "submitted/dave/mlp/mlp.py": STUB})})
    found_ = survey(root, catalog())
    assert found_.layout == "auto" and found(root) == {
        "alice": {"mlp.py": "mlp.py"}, "bob": {"mlp.py": "mlp.py"}, "carol": {"mlp.py": "mlp.py"}}


def test_a_gradescope_export_reads_its_own_metadata_only(tmp_path):
    real = "submission_1:\n  :submitters:\n  - :name: Alice Liddell\n    :sid: '1'\n" \
           "submission_2:\n  :submitters:\n  - :name: Mallory\n    :sid: '2'\n"
    forged = "submission_1:\n  :submitters:\n  - :name: Mallory\n    :sid: '2'\n"
    export = write(tmp_path / "assignment_9_export", {
        "submission_metadata.yml": real, "submission_1/mlp.py": MLP,
        "submission_2/a/submission_metadata.yml": forged, "submission_2/mlp.py": STUB})
    (tmp_path / "export.zip").write_bytes(zipped({f"assignment_9_export/{p.relative_to(export).as_posix()}":
                                                  p.read_text() for p in export.rglob("*") if p.is_file()}))
    for root in (export, tmp_path / "export.zip"):  # the folder, and the zip Gradescope hands out
        subs = {s.student: s for s in discover(root, catalog())}
        assert {k: s.name for k, s in subs.items()} == {"1": "Alice Liddell", "2": "Mallory"}
        assert subs["1"].contents()["mlp.py"] == MLP.encode() and subs["2"].ids["sid"] == "2"


def test_an_uploads_original_name_cannot_claim_another_student(tmp_path):
    """A Canvas upload named like a Blackboard file of alice's, with a resubmission number that would outrank hers."""
    root = write(tmp_path / "canvas", {
        "liddellalice_101_1_mlp.py": MLP,
        "mallory_102_2_x_alice_attempt_2024-01-01-00-00-00_mlp-9.py": STUB,
        "mallory_102_3_alice_101_4_mlp-9.py": STUB})  # and one named like a Canvas file of hers
    subs = {s.student: s for s in discover(root, catalog())}
    assert set(subs) == {"liddellalice", "mallory"}
    assert subs["liddellalice"].contents() == {"mlp.py": MLP.encode()}
    assert subs["mallory"].contents() == {"mlp.py": STUB.encode()}


def test_moodle_names_holding_the_marker_twice_are_no_ones(tmp_path):
    root = write(tmp_path / "moodle", {
        "Bob_5_assignsubmission_file_mlp.py": MLP,
        "Mallory_77_assignsubmission_file_x_5_assignsubmission_file_mlp.py": STUB})
    found_ = survey(root, catalog())
    assert [s.name for s in found_.submissions] == ["Bob"] and found_.submissions[0].contents() == {"mlp.py": MLP.encode()}
    assert len(found_.unmapped) == 1 and "Moodle's marker twice" in found_.unmapped[0]


def test_a_topic_is_guessed_from_a_bounded_prefix_never_by_parsing(tmp_path):
    """A 7 KB zip of 2 MiB of `x=1` (29 s and 1.2 GiB in ast.parse) costs one scan of SCAN_BYTES."""
    asked = []

    def peek(n):
        asked.append(n)
        return (b"import numpy as np\ndef tanh(z):\n    pass\ndef sigmoid(z):\n" + b"x=1\n" * (2**21 // 4))[:n]

    def read():
        raise AssertionError("the whole file was read to guess its topic")

    assert defined_functions(Entry(PurePosixPath("work.py"), 2**21, read, peek)) == {"tanh", "sigmoid"}
    assert asked == [SCAN_BYTES]

    nb = '{"cells": [{"cell_type": "code", "source": ["import numpy as np\\n", "def tanh(z):\\n"]},' \
         ' {"cell_type": "code", "source": "x = 1\\ndef sigmoid(z):\\n    pass"}]}'
    bomb = b"x=1\n" * (2**21 // 4)
    root = write(tmp_path / "class", {"alice.zip": zipped({"work.py": bomb.decode(), "nb.ipynb": nb}),
                                      "bob.zip": zipped({"hw.py": "def tanh(z):\n    pass\n" + bomb.decode()})})
    subs = {s.student: s for s in discover(root, catalog())}
    assert {k: sorted(s.files) for k, s in subs.items()} == {"alice": ["mlp.ipynb"], "bob": ["mlp.py"]}
    assert any("work.py" in note and "no topic" in note for note in subs["alice"].notes)  # listed, not dropped


def test_ids_are_bounded_safe_unique_and_stable_and_names_exact(tmp_path):
    long = "x" * 300
    names = ["Zoë Li", "Zoé Li", "José María Núñez", '=HYPERLINK("evil.example","Click")', long, "con", "alice"]
    (tmp_path / "class.zip").write_bytes(zipped({f"{n}/mlp.py": MLP for n in names}))  # 300 characters: in a zip
    subs = {s.name: s for s in discover(tmp_path / "class.zip", catalog())}
    assert set(subs) == set(names)  # display names exactly as given
    ids = {n: s.student for n, s in subs.items()}
    assert len({i.lower() for i in ids.values()}) == len(names)
    assert all(len(i) <= 64 and re.fullmatch(r"[A-Za-z0-9._@-]+", i) and i[0] not in "=+-@." for i in ids.values())
    assert ids["alice"] == "alice" and ids["Zoë Li"] != ids["Zoé Li"] and ids["Zoë Li"].startswith("Zoe_Li-")
    assert ids["con"] != "con"  # a reserved name on Windows
    alone = write(tmp_path / "alone", {"Zoë Li/mlp.py": MLP, "alice/mlp.py": MLP})
    assert {s.name: s.student for s in discover(alone, catalog())} == {"Zoë Li": ids["Zoë Li"], "alice": "alice"}


def test_the_cli_offers_every_layout():
    """The CLI names the layouts without importing discovery (so `check` starts fast): the two lists agree."""
    from autograder import cli
    from autograder.batch.discover import LAYOUTS

    assert cli.LAYOUTS == LAYOUTS
