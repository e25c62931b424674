"""Grades an LMS imports: each export written, then read back as its LMS's importer reads it (the columns it
requires, the ids it matches on), from results files built here (no grading: fast). The rosters are samples of each
LMS's own export, written from its documentation (tests/data/lms/)."""
import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from autograder import cli
from autograder.batch.discover import Submission
from autograder.batch.report import write_class_export
from autograder.batch.run import ClassRun
from autograder.outputs.csv import gradebook
from autograder.outputs.lms import LMS_EXPORTS, Roster, RosterError, export, read_roster

DATA = Path(__file__).parent / "data" / "lms"
EVIL = '=HYPERLINK("http://evil.example","Click")'


def result(student: str, name: str, ids: dict, score: float | None, *, late=False, email="", first="", last="",
           partners=(), max_score=88.0) -> dict:
    """A results file as grade-all writes it, as far as an export reads it; score None: the grader failed."""
    return {"student": {"id": student, "name": name, "first_name": first, "last_name": last, "email": email,
                        "ids": ids, "late": late, "partners": list(partners), "layout": "",
                        "notes": ["marked late by the LMS"] if late else []},
            "score": score or 0.0, "max_score": max_score, "exercises": [], "not_gradable": {},
            **({"error": "the grader failed (ProcessExpired)"} if score is None else {})}


# -- each LMS's importer, as its documentation and code describe it -------------------------------------------

def canvas_import(data: bytes) -> dict:
    """Canvas's gradebook_importer: the header (Student, ID, [SIS User ID, SIS Login ID], Section), the Points
    Possible and Manual Posting rows skipped, each student row matched on ID. Ruby's CSV keeps a byte-order mark
    in the first cell, which Canvas only tests with `include?("Student")`."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header
    n = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        n += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        n += 2
    assert "Section" in header[n - 1], header
    columns = {i: h for i, h in enumerate(header) if i >= n and not re.search("Current|Final|Override", h)}
    found = {"columns": list(columns.values()), "students": {}, "points": {}}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            found["points"] = {h: row[i] for i, h in columns.items()}
        elif not all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.IGNORECASE) for c in row):
            assert re.fullmatch(r"[0-9]+", row[1]), row  # matched on the Canvas user id
            assert row[1] not in found["students"], row
            found["students"][row[1]] = {"name": row[0], **{h: row[i] for i, h in columns.items()}}
    return found


def moodle_import(data: bytes) -> dict:
    """Moodle's offline worksheet importer: csv_import_reader strips the byte-order mark; Identifier, Grade and
    Last modified (grade) are required; "Participant N" is participant N; Feedback comments is imported."""
    text = data.decode("utf-8")
    text = text[1:] if text.startswith("\ufeff") else text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    assert {"Identifier", "Grade", "Last modified (grade)"} <= set(header), header
    at = {h: header.index(h) for h in header}
    found = {}
    for row in rows[1:]:
        participant = row[at["Identifier"]][len("Participant "):]
        assert row[at["Identifier"]].startswith("Participant ") and participant.isdigit(), row
        found[participant] = {"grade": row[at["Grade"]], "name": row[at.get("Full name", 0)],
                              "comments": row[at["Feedback comments"]] if "Feedback comments" in at else ""}
    return found


def blackboard_import(data: bytes) -> dict:
    """Blackboard's Grade Center upload: UTF-16 or UTF-8, comma or tab; in a comma file every value is quoted;
    Username required and matched on; a grade column is the one whose id follows `|`, else a new column."""
    text = data.decode("utf-16") if data.startswith(b"\xff\xfe") else data.decode("utf-8-sig")
    delimiter = "\t" if text.split("\n")[0].count("\t") else ","
    if delimiter == ",":
        for line in text.splitlines():
            assert re.fullmatch(r'"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*', line), line
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = rows[0]
    assert "Username" in header
    user = ("Last Name", "First Name", "Username", "Student ID", "Last Access", "Availability")
    columns = {i: (m[1] if (m := re.search(r"\|([0-9]+)$", h)) else f"new: {h}") for i, h in enumerate(header)
               if h not in user}
    found = {}
    for row in rows[1:]:
        username = row[header.index("Username")]
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+-]*", username) and username not in found, row
        found[username] = {"first": row[header.index("First Name")], "last": row[header.index("Last Name")],
                           **{column: row[i] for i, column in columns.items()}}
    return found


def gradescope_import(data: bytes) -> dict:
    """Gradescope's score upload: students matched on Email, else SID; the score in Total Score."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    assert {"Email", "SID", "Total Score"} <= set(reader.fieldnames), reader.fieldnames
    rows = list(reader)
    found = {}
    for row in rows:
        key = row["Email"].lower() or row["SID"]
        assert key and key not in found, row
        found[key] = row
    return found


# -- a class of each LMS -----------------------------------------------------------------------------------------

NAMES = {"alice": "Alice Liddell", "jose": "José María Núñez", "zoe1": "Zoë Li", "zoe2": "Zoé Li", "mallory": EVIL}


def test_canvas_round_trip_without_a_roster():
    results = [result("liddellalice", "liddellalice", {"user_id": "101"}, 80.5),
               result("jose-1a2b3c4d", NAMES["jose"], {"user_id": "102"}, 70, late=True),
               result("Zoe_Li-599fe072", NAMES["zoe1"], {"user_id": "103"}, 88),
               result("Zoe_Li-8866fe31", NAMES["zoe2"], {"user_id": "104"}, 0),
               result("mallory", EVIL, {"user_id": "130"}, 12.25)]
    made = export(results, "canvas", "Neural networks: MLP")
    assert made.data.startswith("\ufeff".encode())  # a spreadsheet shows the names as written; Canvas reads it
    back = canvas_import(made.data)
    assert back["columns"] == ["Neural networks: MLP"] and back["points"] == {"Neural networks: MLP": "88"}
    students = back["students"]
    assert {uid: s["Neural networks: MLP"] for uid, s in students.items()} == {
        "101": "80.5", "102": "70", "103": "88", "104": "0", "130": "12.25"}
    assert [students[u]["name"] for u in ("102", "103", "104")] == [NAMES["jose"], NAMES["zoe1"], NAMES["zoe2"]]
    assert students["130"]["name"] == "'" + EVIL  # text in a spreadsheet; Canvas matched the row on its ID anyway
    assert made.late == ["jose-1a2b3c4d"] and not made.problems and len(made.written) == 5
    assert any("SIS User ID" in m for m in made.missing)  # what a Canvas download cannot say


def canvas_roster_rows() -> list[list[str]]:
    return read_roster(DATA / "canvas_gradebook.csv").rows


def test_canvas_roster_filled_in_keeping_every_other_cell():
    results = [result("liddellalice", "liddellalice", {"user_id": "101"}, 80),
               result("nunezjose", "nunezjose", {"user_id": "102"}, 66.5),
               result("lizoe", "lizoe", {"user_id": "103"}, 88),
               result("lizoe-2", "lizoe", {"user_id": "104"}, 12),
               result("newstudent", "newstudent", {"user_id": "105"}, 50)]  # not in Canvas's gradebook
    made = export(results, "canvas", "Neural networks: MLP", read_roster(DATA / "canvas_gradebook.csv"))
    assert made.data.startswith("\ufeff".encode())  # as the roster was written
    back = canvas_import(made.data)
    column = "Neural networks: MLP (4417)"
    assert {u: s[column] for u, s in back["students"].items()} == {
        "101": "80", "102": "66.5", "103": "88", "104": "12", "999": ""}
    assert back["students"]["102"]["name"] == "Núñez, José María"
    before, after = canvas_roster_rows(), read_roster_bytes(made.data)
    score = before[0].index(column)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert [c for i, c in enumerate(old) if i != score] == [c for i, c in enumerate(new) if i != score]
    assert before[1][score] == after[1][score] == "88.00" and after[2][score] == "Manual Posting"
    assert sorted(made.written) == ["liddellalice", "lizoe", "lizoe-2", "nunezjose"]
    problems = "\n".join(made.problems)
    assert "newstudent (Canvas user ID 105) is not in the roster" in problems
    assert "Student, Test" in problems and "no result" in problems  # a roster student with no result, listed


def read_roster_bytes(data: bytes) -> list[list[str]]:
    text = data.decode("utf-16") if data.startswith(b"\xff\xfe") else data.decode("utf-8-sig")
    return read_roster_text(text)


def read_roster_text(text: str) -> list[list[str]]:
    delimiter = "\t" if text.split("\n")[0].count("\t") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_canvas_roster_needs_the_assignment_column():
    roster = read_roster(DATA / "canvas_gradebook.csv")
    with pytest.raises(RosterError, match=r"Neural networks: MLP \(4417\).*Quiz 1 \(4402\)"):  # the candidates
        export([], "canvas", "HW 9", roster)
    for title in ("Quiz 1", "Quiz 1 (4402)"):  # by title or with Canvas's assignment id
        assert export([result("a", "a", {"user_id": "101"}, 9)], "canvas", title, roster).written == ["a"]
    with pytest.raises(RosterError, match="does not look like a Canvas export .*Moodle"):
        export([], "canvas", "Grade", read_roster(DATA / "moodle_worksheet.csv"))


def test_moodle_round_trip_with_and_without_the_worksheet():
    results = [result("Alice_Liddell-1", NAMES["alice"], {"participant_id": "5501"}, 80, email="alice@example.edu"),
               result("Jose-2", NAMES["jose"], {"participant_id": "5502"}, 44.5, late=True),
               result("Zoe-3", NAMES["zoe1"], {"participant_id": "5503"}, 88),
               result("Zoe-4", NAMES["zoe2"], {"participant_id": "5504"}, 1),
               result("mallory", EVIL, {"participant_id": "5599"}, 3)]
    results[-1]["student"]["notes"] = ["mlp: graded mlp.py; also found <img src=x onerror=alert(1)>.py"]
    made = export(results, "moodle", "HW1")
    back = moodle_import(made.data)
    assert {p: r["grade"] for p, r in back.items()} == {"5501": "80", "5502": "44.5", "5503": "88", "5504": "1",
                                                        "5599": "3"}
    assert [back[p]["name"] for p in ("5501", "5502", "5503", "5504", "5599")] == [
        NAMES["alice"], NAMES["jose"], NAMES["zoe1"], NAMES["zoe2"], "'" + EVIL]
    assert back["5502"]["comments"] == "marked late by the LMS" and made.late == []  # the late flag travels here
    assert back["5599"]["comments"].endswith("also found &lt;img src=x onerror=alert(1)&gt;.py")  # Moodle: HTML
    assert made.data.startswith("\ufeff".encode())

    filled = export(results, "moodle", "HW1", read_roster(DATA / "moodle_worksheet.csv"))
    back = moodle_import(filled.data)
    assert {p: r["grade"] for p, r in back.items()} == {"5501": "80", "5502": "44.5", "5503": "88", "5504": "1",
                                                        "5505": ""}
    assert back["5502"]["comments"] == "Well done on the extension work."  # the worksheet's own, kept
    assert back["5502"]["name"] == NAMES["jose"] and filled.late == ["Jose-2"]
    problems = "\n".join(filled.problems)
    assert "Carol Reed" in problems and "mallory (Moodle participant ID 5599) is not in the roster" in problems


def test_blackboard_round_trip_comma_and_utf16_tab(tmp_path):
    results = [result("aliddell", "aliddell", {"user": "aliddell"}, 80),
               result("jnunez", "jnunez", {"user": "jnunez"}, 44.5, first="José María", last="Núñez"),
               result("zli1", "zli1", {"user": "zli1"}, 88, first=EVIL),
               result("zli2", "zli2", {"user": "zli2"}, 7)]
    made = export(results, "blackboard", "Neural networks: MLP")
    back = blackboard_import(made.data)
    assert {u: r["new: Neural networks: MLP"] for u, r in back.items()} == {
        "aliddell": "80", "jnunez": "44.5", "zli1": "88", "zli2": "7"}
    assert (back["jnunez"]["first"], back["jnunez"]["last"]) == ("José María", "Núñez")
    assert back["zli1"]["first"] == "'" + EVIL
    assert any("new text column" in m for m in made.missing)

    sample = (DATA / "blackboard_gradecenter.csv").read_text(encoding="utf-8")
    for text, encoding, name in [(sample, "utf-8", "gc.csv"), (as_tabs(sample), "utf-16", "gc.xls")]:
        (tmp_path / name).write_bytes(text.encode(encoding))  # the comma download, and the tab-delimited .xls one
        filled = export(results, "blackboard", "Neural networks: MLP", read_roster(tmp_path / name))
        assert filled.suffix == name[-4:]
        assert filled.data.startswith(b"\xff\xfe") == (encoding == "utf-16")  # answered in the roster's encoding
        back = blackboard_import(filled.data)
        assert {u: r["3003"] for u, r in back.items()} == {
            "aliddell": "80", "jnunez": "44.5", "zli1": "88", "zli2": "7", "creed": ""}
        assert back["jnunez"]["first"] == "José María" and back["zli1"]["3004"] == "9.00"
        assert "creed" in "\n".join(filled.problems)


def as_tabs(text: str) -> str:
    return "\r\n".join("\t".join(row) for row in csv.reader(io.StringIO(text))) + "\r\n"


def test_gradescope_round_trip_with_group_members():
    results = [result("alice", NAMES["alice"], {"submission": "submission_1", "sid": "1001",
                                                "email": "Alice@Example.edu"}, 80, partners=["zoe.li1@example.edu"]),
               result("jose", NAMES["jose"], {"submission": "submission_2", "sid": "1002"}, 44.5),
               result("mallory", EVIL, {"submission": "submission_3", "email": "mallory@example.edu"}, 3)]
    made = export(results, "gradescope", "HW1")
    assert not made.data.startswith("\ufeff".encode())
    back = gradescope_import(made.data)
    assert {k: r["Total Score"] for k, r in back.items()} == {
        "alice@example.edu": "80", "zoe.li1@example.edu": "80", "1002": "44.5", "mallory@example.edu": "3"}
    assert back["1002"]["Name"] == NAMES["jose"] and back["mallory@example.edu"]["Name"] == "'" + EVIL

    filled = export(results, "gradescope", "HW1", read_roster(DATA / "gradescope_scores.csv"))
    back = gradescope_import(filled.data)
    assert {k: r["Total Score"] for k, r in back.items()} == {
        "alice@example.edu": "80", "jose@example.edu": "44.5", "zoe.li1@example.edu": "80",
        "zoe.li2@example.edu": "", "carol@example.edu": ""}  # José by his SID; Zoë as Alice's group member
    assert back["jose@example.edu"]["First Name"] == "José María"
    assert "mallory" in "\n".join(filled.problems)


ID_FIELD = {"canvas": "user_id", "moodle": "participant_id", "blackboard": "user", "gradescope": "email"}
SAME_ID = {"canvas": "101", "moodle": "5501", "blackboard": "aliddell", "gradescope": "alice@example.edu"}
ROSTER = {"canvas": "canvas_gradebook.csv", "moodle": "moodle_worksheet.csv",
          "blackboard": "blackboard_gradecenter.csv", "gradescope": "gradescope_scores.csv"}
COLUMN = {"canvas": "Neural networks: MLP", "moodle": "Grade", "blackboard": "Neural networks: MLP",
          "gradescope": "Total Score"}


def scores(lms: str, data: bytes) -> dict[str, str]:
    """id -> the grade the LMS would import for it, in the MLP column."""
    if lms == "canvas":
        return {u: next(v for k, v in s.items() if k.startswith("Neural networks: MLP"))
                for u, s in canvas_import(data)["students"].items()}
    if lms == "moodle":
        return {p: r["grade"] for p, r in moodle_import(data).items()}
    if lms == "blackboard":
        return {u: r.get("3003", r.get("new: Neural networks: MLP")) for u, r in blackboard_import(data).items()}
    return {k: r["Total Score"] for k, r in gradescope_import(data).items()}


@pytest.mark.parametrize("lms", LMS_EXPORTS)
def test_ambiguities_are_listed_never_merged_or_guessed(lms, tmp_path):
    field = ID_FIELD[lms]
    results = [result("alice", "Alice", {field: SAME_ID[lms]}, 80),
               result("alice-2", "Alice L.", {field: SAME_ID[lms]}, 10),  # two results claim one id
               result("bob", "Bob", {}, 50),  # no id at all
               result("eve", "Eve", {field: "=1+1"}, 50),  # an id that is not plain
               result("erin", "Erin", {field: "12345" if lms != "gradescope" else "erin@example.edu"}, None)]
    fresh = export(results, lms, "Neural networks: MLP")
    filled = export(results, lms, "Neural networks: MLP", read_roster(DATA / ROSTER[lms]))
    assert "its id is claimed by several results; left as it was" in "\n".join(filled.problems)  # alice's row
    for made in (fresh, filled):
        problems = "\n".join(made.problems)
        assert "claimed by 2 results (alice, alice-2): none of them is written" in problems
        assert "bob: the download gave no" in problems and "eve: its" in problems and "not a plain id" in problems
        assert "erin: not graded" in problems or "erin (" in problems  # the grader failed: never a zero
        assert made.written == []
        written = scores(lms, made.data)
        assert written.get(SAME_ID[lms], "") == "" and not any("=1+1" in key for key in written)
        assert "50" not in written.values() and "10" not in written.values()

    rows = (DATA / ROSTER[lms]).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    twice = tmp_path / f"twice{Path(ROSTER[lms]).suffix}"
    twice.write_text("".join(rows + [rows[3 if lms == "canvas" else 1]]), encoding="utf-8")  # alice's row again
    made = export([result("alice", "Alice", {field: SAME_ID[lms]}, 80)], lms, "Neural networks: MLP",
                  read_roster(twice))
    assert made.written == [] and "alice matches roster rows" in "\n".join(made.problems)


def test_export_command_rebuilds_from_results_alone(tmp_path, capsys):
    out = tmp_path / "graded"
    (out / "results").mkdir(parents=True)
    results = {"alice": result("alice", NAMES["alice"], {"user_id": "101"}, 80),
               "jose": result("jose", NAMES["jose"], {"user_id": "102"}, 40),
               "stale": result("stale", "Gone", {"user_id": "103"}, 1)}  # no longer in the class
    for student, data in results.items():
        (out / "results" / f"{student}.json").write_text(json.dumps(data))
    (out / "summary.json").write_text(json.dumps({"ids": ["alice", "jose"], "layout": "canvas",
                                                  "assignment": "Neural networks: MLP"}))
    assert cli.main(["export", str(out), "--to", "canvas"]) == 0
    printed = capsys.readouterr().out
    assert "Canvas import" in printed and "2 grades" in printed
    back = canvas_import((out / "exports" / "canvas.csv").read_bytes())
    assert back["columns"] == ["Neural networks: MLP"]  # grade-all's --assignment, kept in summary.json
    assert {u: s["Neural networks: MLP"] for u, s in back["students"].items()} == {"101": "80", "102": "40"}
    assert (out / "exports" / "canvas-report.txt").read_text().startswith("Canvas import")

    roster = tmp_path / "canvas.csv"
    shutil.copy(DATA / "canvas_gradebook.csv", roster)
    assert cli.main(["export", str(out), "--to", "canvas", "--roster", str(roster), "--assignment", "Quiz 1",
                     "--out", str(tmp_path / "up.csv")]) == 1  # written, with roster rows to check by hand
    assert {u: s["Quiz 1 (4402)"] for u, s in canvas_import((tmp_path / "up.csv").read_bytes())["students"].items()
            } == {"101": "80", "102": "40", "103": "9.00", "104": "10.00", "999": ""}
    with pytest.raises(SystemExit, match="no Canvas grade columns titled 'HW 9'"):
        cli.main(["export", str(out), "--to", "canvas", "--roster", str(roster), "--assignment", "HW 9"])


def test_grade_all_writes_the_export_of_the_class_lms(tmp_path):
    subs = [Submission("liddellalice", "x", layout="canvas"), Submission("reedcarol", "y", layout="canvas")]
    run = ClassRun(subs, layout="canvas", results={
        "liddellalice": result("liddellalice", "liddellalice", {"user_id": "123"}, 80),
        "reedcarol": result("reedcarol", "reedcarol", {"user_id": "124"}, 40, late=True)})
    line = write_class_export(run, tmp_path, "HW1")
    assert "Canvas import" in line and "2 grades" in line and "to check" not in line
    back = canvas_import((tmp_path / "exports" / "canvas.csv").read_bytes())
    assert {u: s["HW1"] for u, s in back["students"].items()} == {"123": "80", "124": "40"}
    assert "reedcarol" in (tmp_path / "exports" / "canvas-report.txt").read_text()  # late, listed
    assert write_class_export(ClassRun(subs, layout="folders", results=run.results), tmp_path / "f", "HW1") == ""


def test_the_gradebook_gains_the_display_name_exactly():
    rows = list(csv.DictReader(io.StringIO(gradebook(
        [result("jose-1", NAMES["jose"], {}, 3), result("mallory", EVIL, {}, 1)], [], "hw1"))))
    assert [r["name"] for r in rows] == [NAMES["jose"], "'" + EVIL]
    assert list(rows[0])[:12] == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                                  "email", "raw_score", "late_submission_penalty", "score", "max_score", "name"]


def test_a_file_of_no_lms_is_refused_as_a_roster():
    with pytest.raises(RosterError, match="does not look like a Gradescope export"):
        export([], "gradescope", "x", Roster([["Student name", "Grade"]]))
