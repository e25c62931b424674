"""Grades an LMS imports: a class's results files as the file Canvas, Moodle, Blackboard or Gradescope uploads.

Each export is built from who the download said each student is (the results file's `student` block: `ids`,
`name`, `late`), in the format the LMS's own importer reads:

    canvas      The gradebook CSV of Grades > Import: `Student, ID, SIS User ID, SIS Login ID, Section`, then the
                assignment's column, and a `Points Possible` row under the header. Canvas matches a row on `ID`
                (its user id, the number a Canvas download writes in each file name), then the SIS ids, then the
                name, and a column on the assignment id in "Title (123)", else on the exact title, else it creates
                the assignment. Based on the Canvas Instructor Guide, "How do I import grades in the Gradebook?"
                (community.canvaslms.com, Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807), and
                Canvas's importer (canvas-lms, app/models/gradebook_importer.rb: the header test, the Points
                Possible and Manual Posting rows, the order in which a student is looked up).
    moodle      The assignment's offline grading worksheet (Grading action > Upload grading worksheet): Moodle
                finds the columns `Identifier`, `Grade` and `Last modified (grade)` by their (English) names, all
                three required, reads `Participant N` as participant N (the number a Moodle download writes
                after each name), and imports `Feedback comments` as HTML (so they are written escaped) when the
                comments plugin is on. Based on Moodle Docs, "Assignment settings: Offline grading worksheet"
                (docs.moodle.org/en/Assignment_settings), and mod/assign/feedback/offline/importgradeslib.php and
                locallib.php (a grade above the assignment's maximum, or older than the grade in Moodle, is
                skipped).
    blackboard  The Grade Center upload (Work Offline > Upload): `Last Name, First Name, Username, Student ID`,
                then a column per grade item; Blackboard matches a row on `Username` and a column on the id after
                `|` in its header ("HW1 [Total Pts: 88 Score] |1234"); a column without an id is added as a new
                text column with 0 points possible; every value of a comma-delimited file is quoted. Based on
                Blackboard Learn Help, "Upload or download Grade Center items for working offline"
                (library.blackboard.com, grade_center_upload_download.htm).
    gradescope  An assignment's score upload (an offline assignment's Upload Scores): `Name, SID, Email`, then
                `Total Score`; Gradescope matches a row on the student's email (else the SID). Based on the
                Gradescope Help Center's offline-assignment guide (guides.gradescope.com), and on the columns of
                Gradescope's own score downloads (First Name, Last Name, SID, Email, ..., Total Score, Max Points).

Without a roster, an export holds what the download's identities allow and says what is missing (a Canvas
download carries no SIS ids and no assignment id). With `roster`, the file the LMS itself exports (Canvas's
gradebook CSV, Moodle's worksheet, Blackboard's Grade Center download, a Gradescope score download), only the
score cells of matched rows change: every other cell is kept exactly (the LMS's own), in the roster's encoding
and delimiter. The files are UTF-8 (a Blackboard download in UTF-16 is answered in UTF-16), with a byte-order mark
for Canvas, Moodle and Blackboard, whose importers accept one (Canvas tests that the first header *contains*
"Student"; Moodle's csv reader strips it; Blackboard reads Excel's "CSV UTF-8"), so a spreadsheet shows
"José María Núñez" as written; Gradescope's without one, like its own downloads.

Who is who. A row is matched on the LMS's id alone, never on a name, and an id is used only if it is plain (digits
for Canvas and Moodle, a login or email of `A-Z a-z 0-9 . _ @ + -` starting with a letter or digit otherwise), so
it needs no neutralising; every text cell written from a result (names, emails, comments) goes through
`safe.cell`, whose leading `'` against spreadsheet formulas therefore never breaks a match. An ambiguity is
listed and nothing is written for it, never merged and never guessed: an id two results claim, a student without
a usable id, a roster row matching several results or a result matching several rows, a roster student with no
result, a result not in the roster. A late flag goes where the format has a place for it (Moodle's feedback
comments, with the other notes); Canvas, Blackboard and Gradescope create a grade item from any column they do not
know, so there it is listed in the export's report instead (the LMS already holds its own late status).
"""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.outputs.csv import notes
from autograder.outputs.safe import cell, printable

LMS_EXPORTS = ("canvas", "moodle", "blackboard", "gradescope")
TITLE = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard", "gradescope": "Gradescope"}
MAX_ROSTER_BYTES = 50 * 2**20

_DIGITS = re.compile(r"[0-9]{1,20}")
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")
_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,99}@[A-Za-z0-9][A-Za-z0-9.-]{0,199}")
# The id kinds each LMS matches on, in its order: (results' `ids` key, what the LMS calls it, its shape).
KINDS = {
    "canvas": [("user_id", "Canvas user ID", _DIGITS)],
    "moodle": [("participant_id", "Moodle participant ID", _DIGITS)],
    "blackboard": [("user", "Blackboard username", _LOGIN)],
    "gradescope": [("email", "Gradescope email", _EMAIL), ("sid", "Gradescope SID", _LOGIN)],
}
_CANVAS_COMPUTED = re.compile(r"(Unposted )?(Current|Final|Override) (Score|Points|Grade|Status)")
_CANVAS_NOT_A_STUDENT = re.compile(r"\s*(Muted|Manual Posting.*)?\s*", re.IGNORECASE)


class RosterError(ValueError):
    """The roster cannot be filled in: the message says what was looked for."""


@dataclass
class Person:
    """Someone an export can grade: a student of the class, or a member of their group submission."""

    who: str  # how the instructor finds them: the id on disk ("alice"), or "alice's group member bob@x.edu"
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    late: bool = False
    score: float | None = None  # None: not graded (the grader failed; grade-all grades them again)
    max_score: float = 0.0
    notes: list[str] = field(default_factory=list)


def people(results: list[dict]) -> list[Person]:
    """The people of results files, in order; a group member (Gradescope lists them by SID, else email) gets the
    group's score."""
    found = []
    for result in results:
        who = result.get("student") or {}
        common = {"late": bool(who.get("late")), "max_score": float(result.get("max_score") or 0),
                  "score": None if result.get("error") else float(result.get("score") or 0), "notes": notes(result)}
        me = str(who.get("id", ""))
        found.append(Person(me, str(who.get("name") or me), str(who.get("first_name") or ""),
                            str(who.get("last_name") or ""), str(who.get("email") or ""),
                            {str(k): str(v) for k, v in (who.get("ids") or {}).items()}, **common))
        for member in map(str, who.get("partners") or []):
            kind = "email" if _EMAIL.fullmatch(member) else "sid"
            found.append(Person(f"{me}'s group member {member}", "", email=member if kind == "email" else "",
                                ids={kind: member}, **common))
    return found


def keys(person: Person, lms: str) -> tuple[list[tuple[str, str]], str]:
    """The person's usable ids in `lms` ((kind, value), Gradescope's emails folded to lower case), or why none."""
    found, why = [], []
    for kind, title, shape in KINDS[lms]:
        value = person.ids.get(kind, "")
        if value and shape.fullmatch(value):
            found.append((kind, value.lower() if kind == "email" else value))
        elif value:
            why.append(f"its {title} {printable(value, keep='')!r} is not a plain id")
    if not found:
        why = why or [f"the download gave no {' or '.join(title for _, title, _ in KINDS[lms])}"]
    return found, "; ".join(why)


def _shown(key: tuple[str, str], lms: str) -> str:
    return f"{dict((k, t) for k, t, _ in KINDS[lms])[key[0]]} {key[1]}"


def _claims(persons: list[Person], lms: str) -> tuple[dict[tuple[str, str], Person], set, list[str]]:
    """Each id -> the one person claiming it; the ids claimed by several (so by no one); who is left out, and why."""
    by_key: dict[tuple[str, str], list[Person]] = {}
    problems = []
    for person in persons:
        found, why = keys(person, lms)
        if not found:
            problems.append(f"{person.who}: {why}; not written")
        for key in found:
            by_key.setdefault(key, []).append(person)
    shared = {id(p) for claimants in by_key.values() if len(claimants) > 1 for p in claimants}
    for key, claimants in by_key.items():
        if len(claimants) > 1:
            problems.append(f"{_shown(key, lms)} is claimed by {len(claimants)} results ("
                            + ", ".join(p.who for p in claimants) + "): none of them is written")
    claimed = {key: claimants[0] for key, claimants in by_key.items() if id(claimants[0]) not in shared}
    return claimed, {key for key, claimants in by_key.items() if len(claimants) > 1}, problems


# -- rosters: the file the LMS exports, to fill in --------------------------------------------------------------

@dataclass
class Roster:
    """An LMS's own export, as rows of cells, and how it was written (kept when it is written back)."""

    rows: list[list[str]]
    name: str = "the roster"
    encoding: str = "utf-8"  # or utf-16 (a Blackboard .xls download)
    bom: bool = False
    delimiter: str = ","
    newline: str = "\r\n"
    suffix: str = ".csv"


def read_roster(path: Path) -> Roster:
    """The roster at `path`: UTF-8 (with or without a byte-order mark) or UTF-16, comma- or tab-delimited."""
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        raise RosterError(f"{path.name} is larger than {MAX_ROSTER_BYTES >> 20} MiB: not an LMS roster")
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    bom = encoding == "utf-16" or data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-16" if encoding == "utf-16" else "utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{path.name} is neither UTF-8 nor UTF-16: save it as CSV UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise RosterError(f"{path.name} is empty")
    return Roster(rows, path.name, encoding, bom, delimiter, "\r\n" if "\r\n" in text else "\n",
                  path.suffix.lower() or ".csv")


def roster_lms(roster: Roster) -> str | None:
    """Which LMS exported this roster, from its header alone (None: none of the four)."""
    header = [h.strip() for h in roster.rows[0]]
    if len(header) > 3 and "Student" in header[0] and "ID" in header[1]:
        return "canvas"
    if {"Identifier", "Grade", "Last modified (grade)"} <= set(header):
        return "moodle"
    if "Username" in header:
        return "blackboard"
    if "Email" in header or "SID" in header:
        return "gradescope"
    return None


def _title(header: str, lms: str) -> str:
    """A grade column's title: Canvas's "HW1 (4417)" and Blackboard's "HW1 [Total Pts: 88 Score] |1234" are HW1."""
    if lms == "canvas":
        return re.sub(r" \([0-9]+\)$", "", header)
    return re.split(r" \[Total Pts:| \|", header, maxsplit=1)[0]


def _score_column(roster: Roster, lms: str, assignment: str) -> int | None:
    """The column the grades go in (None: Gradescope's `Total Score`, added at the end); a `RosterError` that lists
    the candidates when the assignment names none, or several."""
    header = roster.rows[0]
    if lms == "moodle":
        return header.index("Grade")
    if lms == "gradescope":
        return header.index("Total Score") if "Total Score" in header else None
    if lms == "canvas":
        start = next((i + 1 for i, h in enumerate(header) if "Section" in h), 5)
        columns = [i for i in range(start, len(header)) if not _CANVAS_COMPUTED.search(header[i])]
    else:
        columns = [i for i, h in enumerate(header) if "[Total Pts:" in h or " |" in h]
    matches = [i for i in columns if assignment in (header[i], _title(header[i], lms))]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(repr(header[i]) for i in columns) or "none"
    raise RosterError(f"{roster.name} has {'no' if not matches else 'several'} {TITLE[lms]} grade columns titled "
                      f"{assignment!r}; its grade columns: {listed}. Pass --assignment with the one to fill in")


def check_roster(roster: Roster, lms: str, assignment: str) -> None:
    """Raise a `RosterError` unless `roster` is an export of `lms` with a column for `assignment`."""
    found = roster_lms(roster)
    if found != lms:
        raise RosterError(f"{roster.name} does not look like a {TITLE[lms]} export"
                          + (f" (it looks like {TITLE[found]}'s)" if found else "")
                          + {"canvas": ": Canvas's gradebook CSV starts with the columns Student, ID",
                             "moodle": ": Moodle's grading worksheet has the columns Identifier, Grade and "
                                       "Last modified (grade)",
                             "blackboard": ": Blackboard's Grade Center download has a Username column",
                             "gradescope": ": a Gradescope score download has an Email or SID column"}[lms])
    _score_column(roster, lms, assignment)


def _roster_keys(lms: str, header: list[str], row: list[str]) -> list[tuple[str, str]]:
    """The ids a roster row holds, as its LMS matches them."""
    def at(name: str) -> str:
        return row[header.index(name)].strip() if name in header and header.index(name) < len(row) else ""

    if lms == "canvas":
        value = row[1].strip() if len(row) > 1 else ""
        return [("user_id", value)] if value else []
    if lms == "moodle":
        value = re.sub(r"^Participant\s*", "", at("Identifier"))
        return [("participant_id", value)] if value else []
    if lms == "blackboard":
        return [("user", at("Username"))] if at("Username") else []
    return [(kind, value.lower() if kind == "email" else value)
            for kind, value in (("email", at("Email")), ("sid", at("SID"))) if value]


def _a_student_row(lms: str, row: list[str]) -> bool:
    if not any(c.strip() for c in row):
        return False
    if lms == "canvas" and ("Points Possible" in row[0] or all(_CANVAS_NOT_A_STUDENT.fullmatch(c) for c in row)):
        return False
    return True


def _number(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _points_possible(roster: Roster, lms: str, column: int | None) -> str:
    """What the roster says the grade item is out of ("" if it does not say)."""
    header = roster.rows[0]
    if column is None:
        return ""
    if lms == "canvas":
        row = next((r for r in roster.rows[1:] if r and "Points Possible" in r[0]), [])
        return row[column].strip() if column < len(row) else ""
    if lms == "blackboard":
        m = re.search(r"\[Total Pts: (?:up to )?([0-9.]+)", header[column])
        return m[1] if m else ""
    name = {"moodle": "Maximum Grade", "gradescope": "Max Points"}[lms]
    rows = [r for r in roster.rows[1:] if name in header and header.index(name) < len(r)]
    return rows[0][header.index(name)].strip() if rows else ""


# -- the export -------------------------------------------------------------------------------------------------

@dataclass
class Export:
    """An LMS import file, and what the instructor should know about it."""

    lms: str
    data: bytes
    suffix: str  # of the file to write: .csv, or a roster's own (.xls for Blackboard's tab-delimited download)
    written: list[str] = field(default_factory=list)  # who has a score in the file
    problems: list[str] = field(default_factory=list)  # ambiguities; who is not in the file, and why
    missing: list[str] = field(default_factory=list)  # what the file lacks that the LMS could use
    late: list[str] = field(default_factory=list)  # marked late by the LMS, where the file has no place for it
    max_score: float = 0.0

    def report(self, path: Path, most: int | None = None) -> str:
        """The export's report, safe to print: what was written, what was not and why (the first `most` of them),
        what is missing."""
        lines = [f"{TITLE[self.lms]} import: {path} holds {len(self.written)} grade"
                 f"{'s' if len(self.written) != 1 else ''} (out of {_number(self.max_score)})."]
        if self.problems:
            lines.append(f"Not written, or left as they were ({len(self.problems)}): check these by hand")
            lines += [f"  {p}" for p in self.problems[:most]]
            if most is not None and len(self.problems) > most:
                lines.append(f"  ... and {len(self.problems) - most} more ({path.stem}-report.txt)")
        if self.missing:
            lines.append("What the file lacks:")
            lines += [f"  {m}" for m in self.missing]
        if self.late:
            lines.append(f"Marked late by the LMS (the file has no place for it; {TITLE[self.lms]} keeps its own "
                         "late status): " + ", ".join(self.late))
        return printable("\n".join(lines) + "\n")


def _encode(rows: list[list[str]], *, delimiter: str = ",", quote_all: bool = False, newline: str = "\r\n",
            encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline,
               quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(rows)
    if encoding == "utf-16":
        return buffer.getvalue().encode("utf-16")  # with its byte-order mark
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _fresh(lms: str, graded: list[tuple[tuple[str, str], Person]], assignment: str,
           max_score: float) -> tuple[list[list[str]], list[str]]:
    """The file when no roster is given: its rows, and what it lacks."""
    title = cell(assignment)
    if lms == "canvas":
        rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title],
                ["    Points Possible", "", "", "", "", _number(max_score)]]
        rows += [[cell(p.name), key[1], "", "", "", _number(p.score)] for key, p in graded]
        return rows, [
            "SIS User ID, SIS Login ID and Section are empty: a Canvas download names each student by Canvas user "
            "ID only, which is what Canvas matches rows on",
            f"the grade column is titled {assignment!r}: Canvas fills the assignment of exactly that title, or "
            "creates a new one. To fill an existing assignment by its Canvas id, pass --assignment with its title "
            "and --roster with the gradebook CSV of Canvas's Grades > Export"]
    if lms == "moodle":
        rows = [["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
                 "Last modified (submission)", "Last modified (grade)", "Feedback comments"]]
        rows += [[f"Participant {key[1]}", cell(p.name), cell(p.email), "", _number(p.score), _number(max_score),
                  "Yes", "", "", cell(html.escape("; ".join(p.notes), quote=False))] for key, p in graded]
        return rows, [
            "Email address, Status and the Last modified dates are empty: a Moodle download carries each "
            "participant's number and full name only, and Moodle matches rows on Identifier",
            "Moodle skips a grade already changed in Moodle unless 'Allow updating records that have been modified "
            "more recently in Moodle than in the spreadsheet' is ticked, and any grade above the assignment's "
            f"maximum grade (set it to {_number(max_score)}). With --roster (the assignment's 'Download grading "
            "worksheet') Moodle's own dates are kept"]
    if lms == "blackboard":
        rows = [["Last Name", "First Name", "Username", "Student ID", title]]
        rows += [[cell(p.last_name), cell(p.first_name), key[1], "", _number(p.score)] for key, p in graded]
        return rows, [
            "Last Name, First Name and Student ID are empty: a Blackboard download names each student by username "
            "only, which is what Blackboard matches rows on",
            f"the column {assignment!r} has no Grade Center column id: Blackboard adds it as a new text column with "
            "0 points possible. To fill an existing column, pass --assignment with its name and --roster with the "
            "Grade Center's Work Offline > Download"]
    rows = [["Name", "SID", "Email", "Total Score"]]
    for key, p in graded:
        sid = p.ids.get("sid", "")
        rows.append([cell(p.name), sid if _LOGIN.fullmatch(sid) else "",
                     p.ids.get("email", "") if key[0] == "email" else "", _number(p.score)])
    return rows, ["Gradescope matches rows on Email, else SID: a student the export's metadata gave neither is "
                  "listed above"] if any(not p.ids.get("email") for _, p in graded) else []


def _fill(lms: str, roster: Roster, claimed: dict[tuple[str, str], Person], disputed: set,
          column: int | None) -> tuple[list[list[str]], list[str], list[Person]]:
    """The roster with the grades of the rows it matches in `column` (None: a Total Score column added); the
    problems; who was written."""
    header = roster.rows[0]
    rows = [list(r) for r in roster.rows]
    if column is None:  # Gradescope's Total Score, added
        column = len(header)
        rows = [r + [""] * (column - len(r)) + (["Total Score"] if i == 0 else [""]) for i, r in enumerate(rows)]
    problems, matched = [], {}
    for line, row in enumerate(rows[1:], start=2):
        if not _a_student_row(lms, row):
            continue
        shown = printable(" / ".join(c for c in row[:4] if c.strip())[:80], keep="")
        found = _roster_keys(lms, header, row)
        claimants = {id(claimed[k]): claimed[k] for k in found if k in claimed}
        if not found:
            problems.append(f"roster row {line} ({shown}) has no id {TITLE[lms]} matches on: left as it was")
        elif not claimants and disputed & set(found):
            problems.append(f"roster row {line} ({shown}): its id is claimed by several results; left as it was")
        elif not claimants:
            problems.append(f"roster row {line} ({shown}): no result for it; left as it was")
        elif len(claimants) > 1:
            problems.append(f"roster row {line} ({shown}) matches several results ("
                            + ", ".join(p.who for p in claimants.values()) + "): left as it was")
        else:
            matched.setdefault(id(person := next(iter(claimants.values()))), (person, []))[1].append(line)
    written = []
    for person, lines in matched.values():
        if len(lines) > 1:
            problems.append(f"{person.who} matches roster rows {', '.join(map(str, lines))}: none of them filled")
        elif person.score is None:
            problems.append(f"{person.who}: not graded (the grader failed; run grade-all again): roster row "
                            f"{lines[0]} left as it was")
        else:
            row = rows[lines[0] - 1]
            row += [""] * (column + 1 - len(row))
            row[column] = _number(person.score)
            written.append(person)
    seen = {id(p) for p, _ in matched.values()}
    for person in {id(p): p for p in claimed.values()}.values():
        if id(person) not in seen:
            problems.append(f"{person.who} ({', '.join(_shown(k, lms) for k, p in claimed.items() if p is person)}) "
                            "is not in the roster: not written")
    return rows, problems, written


def export(results: list[dict], lms: str, assignment: str, roster: Roster | None = None) -> Export:
    """The import file of `lms` for these results files (`grade-all`'s), its grade column titled `assignment`;
    with `roster`, that file filled in (a `RosterError` if it cannot be)."""
    if lms not in LMS_EXPORTS:
        raise ValueError(f"unknown LMS {lms!r}; one of {', '.join(LMS_EXPORTS)}")
    persons = people(results)
    maxima = sorted({p.max_score for p in persons})
    max_score = max(maxima, key=lambda m: sum(p.max_score == m for p in persons)) if maxima else 0.0
    claimed, disputed, problems = _claims(persons, lms)
    problems += [f"{p.who}: graded out of {_number(p.max_score)}, the others out of {_number(max_score)} (results of "
                 "another grade-all?): written as is" for p in persons if p.max_score != max_score]
    result = Export(lms, b"", ".csv", max_score=max_score,
                    late=[p.who for p in persons if p.late and (lms != "moodle" or roster is not None)])
    if roster is None:
        graded = []
        for key, person in claimed.items():
            if person.score is None:
                problems.append(f"{person.who}: not graded (the grader failed; run grade-all again): not written")
            elif all(p is not person for _, p in graded):  # a person with two ids (email, SID) is one row
                graded.append((key, person))
        rows, result.missing = _fresh(lms, graded, assignment, max_score)
        result.data = _encode(rows, quote_all=lms == "blackboard", bom=lms != "gradescope")
        result.written = [p.who for _, p in graded]
    else:
        check_roster(roster, lms, assignment)
        column = _score_column(roster, lms, assignment)
        rows, more, written = _fill(lms, roster, claimed, disputed, column)
        problems += more
        theirs = _points_possible(roster, lms, column)
        try:
            if theirs and float(theirs) != max_score:
                problems.append(f"{TITLE[lms]} says the grade item is out of {theirs}; these grades are out of "
                                f"{_number(max_score)}: change one of them before importing")
        except ValueError:
            pass
        result.data = _encode(rows, delimiter=roster.delimiter, newline=roster.newline, encoding=roster.encoding,
                              bom=roster.bom, quote_all=lms == "blackboard" and roster.delimiter == ",")
        result.suffix, result.written = roster.suffix, [p.who for p in written]
    result.problems = problems
    return result
