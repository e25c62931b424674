"""Finding a class's submissions: who handed in what, in the layouts instructors receive them in.

    ROOT/alice/mlp.py, ROOT/alice/hw/cnn.ipynb        a folder per student (topic files at any depth in it)
    ROOT/alice_mlp.py, ROOT/bob-cnn.ipynb, ROOT/carol.py   loose files: the student from the file name, the topic
                                                      from the name or else from the functions the file defines
    ROOT/alice.zip                                    a zip per student
    ROOT/submitted/alice/mlp/mlp.ipynb                nbgrader's collected submissions (timestamp.txt read)
    ROOT/submission_metadata.yml, ROOT/submission_1/  a Gradescope export (names, emails, ids from the metadata)
    LMS bulk downloads: Canvas (`login_LATE_123_456_mlp-1.py`), Moodle (`Alice Liddell_123_assignsubmission_file_/`),
    Blackboard (`hw_login_attempt_2024-01-31-23-59-00_mlp.py`), Brightspace (`123-456 - Alice Liddell - date/`).

ROOT may itself be a zip of any of these. Nothing is extracted to disk and nothing is run: files are read (at
most `MAX_FILE_BYTES` each), and the grader later writes each chosen file under its canonical name `<topic>.py`
or `<topic>.ipynb`, so a member named `../../x` or a symlink reaches nothing.
"""
from __future__ import annotations

import ast
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

import yaml

from autograder.model import Exercise
from autograder.submissions import notebook_code

MAX_FILE_BYTES = 20 * 2**20  # a notebook with plots is a few MiB; more is not a submission
MAX_ZIP_MEMBERS = 10_000
SOURCE_SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Entry:
    """One file of the class: its path under ROOT (a zip's members sit under the zip's path) and its bytes."""

    path: PurePosixPath
    size: int
    read: Callable[[], bytes]


@dataclass
class Submission:
    """One student's work: the file chosen for each topic, and who they are as far as the layout says."""

    student: str  # unique in the class; names the results file
    origin: str  # where the work was found, relative to ROOT
    files: dict[str, Entry] = field(default_factory=dict)  # canonical name (mlp.py, cnn.ipynb) -> the file
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    timestamp: str = ""
    partners: list[str] = field(default_factory=list)  # the other members of a group submission
    notes: list[str] = field(default_factory=list)  # what the instructor should know (a late flag, a file skipped)

    def contents(self) -> dict[str, bytes]:
        return {name: entry.read() for name, entry in self.files.items()}


# -- the class as a flat list of files ------------------------------------------------------------------------

def _junk(path: PurePosixPath) -> bool:
    return any(part.startswith(".") or part in ("__MACOSX", "__pycache__") for part in path.parts)


def _zip_entries(data: bytes | Path, prefix: PurePosixPath, depth: int) -> list[Entry]:
    try:
        archive = zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()][:MAX_ZIP_MEMBERS]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []

    def reader(info: zipfile.ZipInfo) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                with archive.open(info) as member:
                    return member.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
                return b""  # encrypted, corrupt or a lying header: an unreadable file, like a missing one
        return read

    entries = []
    for info in infos:
        parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", "..")]
        path = prefix.joinpath(*parts)
        entries += _expand(Entry(path, info.file_size, reader(info)), depth)
    return entries


MAX_ZIP_BYTES = 5 * MAX_FILE_BYTES


def _expand(entry: Entry, depth: int, read_zip: Callable[[], bytes] | None = None) -> list[Entry]:
    """A zip inside the class (a student's, or a zip of zips) becomes its members, two levels deep at most."""
    if entry.path.suffix.lower() == ".zip" and depth < 2 and entry.size <= MAX_ZIP_BYTES:
        return _zip_entries((read_zip or entry.read)(), entry.path, depth + 1) or [entry]  # unreadable: a file
    return [entry]


def _reader(path: Path, limit: int) -> Callable[[], bytes]:
    def read() -> bytes:
        with open(path, "rb") as f:
            return f.read(limit + 1)  # never more: a 5 GB "notebook" costs nothing
    return read


def tree(root: Path) -> list[Entry]:
    """Every file of the class under `root` (a folder or a zip), sorted, symlinks and hidden files left out."""
    root = Path(root)
    if root.is_file():
        entries = _zip_entries(root, PurePosixPath(), 1)
    else:
        entries = []
        for folder, dirs, files in os.walk(root, followlinks=False):
            for name in files:
                path = Path(folder) / name
                if path.is_symlink() or not path.is_file():
                    continue
                entry = Entry(PurePosixPath(path.relative_to(root).as_posix()), path.stat().st_size,
                              _reader(path, MAX_FILE_BYTES))
                entries += _expand(entry, 0, _reader(path, MAX_ZIP_BYTES))
    return sorted((e for e in entries if not _junk(e.path)), key=lambda e: e.path.as_posix())


# -- who: student names as layouts and LMS downloads write them ----------------------------------------------

@dataclass(frozen=True)
class Name:
    student: str
    rest: str = ""  # for a loose file: the file name the student gave it
    full_name: str = ""
    timestamp: str = ""
    note: str = ""


_CANVAS = re.compile(r"^(?P<login>[^_]+?)(?P<late>_(?i:late))?_(?P<uid>\d+)_(?P<sub>\d+)_(?P<rest>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_[a-z]+_?(?P<rest>.*)$")
_BLACKBOARD = re.compile(r"^.+?_(?P<user>[^_]+)_attempt_(?P<when>\d{4}(?:-\d\d){5})_?(?P<rest>.*)$")
_BRIGHTSPACE = re.compile(r"^\d+-\d+ - (?P<name>.+?) - (?P<when>.+)$")


def parse_name(name: str) -> Name:
    """The student an LMS-decorated file or folder name belongs to, and the name the student gave the file."""
    if m := _MOODLE.match(name):
        return Name(m["name"], m["rest"], full_name=m["name"])
    if m := _BLACKBOARD.match(name):
        return Name(m["user"], m["rest"], timestamp=m["when"])
    if m := _BRIGHTSPACE.match(name):
        return Name(m["name"], full_name=m["name"], timestamp=m["when"])
    if m := _CANVAS.match(name):
        return Name(m["login"], m["rest"], note="marked late by the LMS" if m["late"] else "")
    return Name(name)


def _split_name(full: str) -> tuple[str, str]:
    first, _, last = full.strip().rpartition(" ")
    return (first, last) if first else (last, "")


# -- what: which file is which topic -------------------------------------------------------------------------

_RESUBMISSION = re.compile(r"(?:-(\d+)|\s*\((\d+)\)|[ _-]copy)$")


def _stem_and_version(filename: str) -> tuple[str, int]:
    """`mlp-2.py` -> (mlp, 2): Canvas numbers resubmissions, browsers number repeated downloads."""
    stem = PurePosixPath(filename).stem.lower()
    version = 0
    while m := _RESUBMISSION.search(stem):
        version = max(version, int(m[1] or m[2] or 0))
        stem = stem[: m.start()]
    return stem, version


def topic_by_name(filename: str, topics: list[str]) -> str | None:
    """The topic a file name claims: `mlp.py`, `hw1_mlp.ipynb`, `alice-cnn-2.py`."""
    stem, _ = _stem_and_version(filename)
    tokens = set(re.split(r"[^a-z0-9]+", stem))
    claimed = [t for t in topics if stem == t or t in tokens]
    return claimed[0] if len(claimed) == 1 else None


def defined_functions(entry: Entry) -> set[str]:
    """Names of the top-level functions a .py file or a notebook defines (read, never run)."""
    raw = entry.read()
    if len(raw) > MAX_FILE_BYTES:
        return set()
    text = raw.decode("utf-8", errors="replace")
    try:
        if entry.path.suffix.lower() == ".ipynb":
            text = notebook_code(text)
        module = ast.parse(text)
    except (ValueError, SyntaxError):
        return set()
    return {node.name for node in module.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def topic_by_content(entry: Entry, functions: dict[str, set[str]]) -> str | None:
    """The topic whose graded functions the file defines most of (a share of them, so big topics do not win)."""
    defined = defined_functions(entry)
    shares = {t: len(defined & names) / len(names) for t, names in functions.items() if names}
    best = max(shares.values(), default=0)
    winners = [t for t, share in shares.items() if share == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def choose_files(entries: list[Entry], functions: dict[str, set[str]]) -> tuple[dict[str, Entry], list[str]]:
    """Per topic, the file to grade among a student's files, and notes on the candidates left out.

    A file named after a topic beats one recognised by its functions; then `.py` beats `.ipynb` (as for a
    single submission), a shallower file beats a deeper one, and a later resubmission (`mlp-2.py`) an earlier.
    """
    topics = list(functions)
    candidates: dict[str, list[tuple[tuple, Entry]]] = {}
    for entry in entries:
        suffix = entry.path.suffix.lower()
        if suffix not in SOURCE_SUFFIXES:
            continue
        topic, by = topic_by_name(entry.path.name, topics), 0
        if topic is None:
            topic, by = topic_by_content(entry, functions), 1
        if topic is None:
            continue
        _, version = _stem_and_version(entry.path.name)
        rank = (by, SOURCE_SUFFIXES.index(suffix), len(entry.path.parts), -version, entry.path.as_posix())
        candidates.setdefault(topic, []).append((rank, entry))
    chosen, notes = {}, []
    for topic in topics:
        if topic not in candidates:
            continue
        ranked = [entry for _, entry in sorted(candidates[topic], key=lambda c: c[0])]
        best = ranked[0]
        chosen[f"{topic}{best.path.suffix.lower()}"] = best
        if len(ranked) > 1:
            notes.append(f"{topic}: graded {best.path.as_posix()}; also found "
                         + ", ".join(e.path.as_posix() for e in ranked[1:]))
        if best.size > MAX_FILE_BYTES:
            del chosen[f"{topic}{best.path.suffix.lower()}"]
            notes.append(f"{topic}: {best.path.as_posix()} is larger than {MAX_FILE_BYTES >> 20} MiB; not graded")
    return chosen, notes


def topic_functions(exercises: list[Exercise]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ex in exercises:
        found.setdefault(ex.topic, set()).update(ex.functions)
    return found


# -- the layouts ---------------------------------------------------------------------------------------------

@dataclass
class Group:
    """A student's files before a topic is chosen for each, and what the layout says about the student."""

    name: Name
    files: list[Entry] = field(default_factory=list)
    origins: set[str] = field(default_factory=set)
    email: str = ""
    partners: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _strip(entry: Entry, n: int) -> Entry:
    return Entry(PurePosixPath(*entry.path.parts[n:]), entry.size, entry.read)


def _nbgrader(entries: list[Entry]) -> dict[str, Group] | None:
    """`.../submitted/<student>/<assignment>/<files>`, with `timestamp.txt` per assignment."""
    bases = sorted({e.path.parts[: e.path.parts.index("submitted") + 1] for e in entries
                    if "submitted" in e.path.parts[:-3]}, key=len)
    if not bases:
        return None
    n = len(bases[0])
    groups: dict[str, Group] = {}
    for entry in entries:
        if entry.path.parts[:n] != bases[0] or len(entry.path.parts) < n + 2:
            continue
        student = entry.path.parts[n]
        group = groups.setdefault(student, Group(Name(student)))
        group.origins.add("/".join(entry.path.parts[: n + 1]))
        if entry.path.name == "timestamp.txt":
            stamp = entry.read().decode("utf-8", errors="replace").strip()[:64]
            group.name = Name(student, timestamp=max(group.name.timestamp, stamp))
        group.files.append(_strip(entry, n + 1))
    return groups


class _LenientLoader(yaml.SafeLoader):
    """Reads Gradescope's metadata, whose values may carry Ruby tags (`!ruby/object:...`), as plain data."""


_LenientLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _gradescope(entries: list[Entry]) -> dict[str, Group] | None:
    """A Gradescope export: `submission_metadata.yml` maps each `submission_<id>/` folder to its submitters."""
    meta = [e for e in entries if e.path.name == "submission_metadata.yml"]
    if not meta:
        return None
    base = meta[0].path.parent.parts
    try:
        metadata = yaml.load(meta[0].read(), Loader=_LenientLoader) or {}
    except yaml.YAMLError:
        metadata = {}

    def plain(value) -> dict:  # Gradescope writes Ruby symbols: `:name:`
        return {str(k).lstrip(":"): v for k, v in value.items()} if isinstance(value, dict) else {}

    def person(p: dict) -> str:
        return str(p.get("sid") or p.get("email") or p.get("name") or "")

    groups: dict[str, Group] = {}
    for entry in entries:
        n = len(base)
        if entry.path.parts[:n] != base or len(entry.path.parts) < n + 2:
            continue
        folder = entry.path.parts[n]
        if folder not in groups:
            info = plain(metadata.get(folder) if isinstance(metadata, dict) else None)
            submitters = [plain(s) for s in info.get("submitters") or []]
            first = submitters[0] if submitters else {}
            groups[folder] = Group(Name(person(first) or folder, full_name=str(first.get("name") or ""),
                                        timestamp=str(info.get("created_at") or "")),
                                   email=str(first.get("email") or ""), partners=[person(s) for s in submitters[1:]])
        groups[folder].origins.add("/".join(entry.path.parts[: n + 1]))
        groups[folder].files.append(_strip(entry, n + 1))
    return groups


def _generic(entries: list[Entry], root_name: str, topics: list[str]) -> dict[str, Group]:
    """A folder or zip per student, or loose files whose names say whose they are."""
    groups: dict[str, Group] = {}
    loose = re.compile(rf"^(?P<student>.+?)[ _.-]+(?:{'|'.join(map(re.escape, topics))})(?:[ _-].*)?$", re.IGNORECASE)

    def add(name: Name, entry: Entry, origin: str):
        group = groups.setdefault(name.student, Group(name))
        group.files.append(entry)
        group.origins.add(origin)

    for entry in entries:
        top = entry.path.parts[0]
        if len(entry.path.parts) > 1:  # inside a student's folder or zip
            add(parse_name(top[:-4] if top.lower().endswith(".zip") else top), _strip(entry, 1), top)
        elif entry.path.suffix.lower() == ".zip":  # one that could not be opened
            group = groups.setdefault(parse_name(entry.path.stem).student, Group(parse_name(entry.path.stem)))
            group.origins.add(top)
            group.notes.append(f"{top} could not be read as a zip file")
        elif entry.path.suffix.lower() not in SOURCE_SUFFIXES:
            continue
        elif entry.path.stem.lower() in topics:  # ROOT itself is one student's submission
            add(Name(root_name), entry, ".")
        else:
            name = parse_name(entry.path.name)
            if not name.rest:  # alice_mlp.py, bob-cnn.ipynb, carol.py
                m = loose.match(entry.path.stem)
                name = Name(m["student"] if m else entry.path.stem, entry.path.name)
            add(name, Entry(PurePosixPath(name.rest), entry.size, entry.read), top)
    return groups


_UNSAFE = re.compile(r"[^A-Za-z0-9@+.,=-]+")


def _file_safe(student: str, taken: set[str]) -> str:
    """The student's id as a file name, unique in the class (case-insensitively, for case-insensitive disks)."""
    base = _UNSAFE.sub("_", student).strip("._") or "student"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name.lower())
    return name


def discover(root: Path, exercises: list[Exercise]) -> list[Submission]:
    """Every student's submission under `root`, sorted by student; `exercises` says which topics exist."""
    root = Path(root)
    functions = topic_functions(exercises)
    entries = tree(root)
    groups = _nbgrader(entries)
    if groups is None:
        groups = _gradescope(entries)
    if groups is None:
        groups = _generic(entries, root.stem if root.is_file() else root.name, list(functions))

    submissions, taken = [], set()
    for key in sorted(groups, key=lambda k: (groups[k].name.student.lower(), k)):
        group = groups[key]
        chosen, notes = choose_files(group.files, functions)
        first, last = _split_name(group.name.full_name)
        sub = Submission(_file_safe(group.name.student, taken), ", ".join(sorted(group.origins)), chosen,
                         first_name=first, last_name=last, email=group.email, timestamp=group.name.timestamp,
                         partners=group.partners,
                         notes=([group.name.note] if group.name.note else []) + group.notes + notes)
        if not chosen:
            sub.notes.append(f"no file for any topic ({', '.join(functions)}) was found")
        submissions.append(sub)
    return submissions


def discover_one(folder: Path, exercises: list[Exercise]) -> tuple[dict[str, Entry], list[str]]:
    """The files to grade in one student's folder (a Gradescope upload, say), wherever in it they are."""
    return choose_files(tree(folder), topic_functions(exercises))
