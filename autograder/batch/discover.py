"""Finding a class's submissions: who handed in what, in the layouts instructors receive them in.

    ROOT/alice/mlp.py, ROOT/alice/hw/cnn.ipynb        folders: a folder (or a zip) per student, files at any depth
    ROOT/alice_mlp.py, ROOT/bob-cnn.ipynb, ROOT/carol.py   files: the student from the file name, the topic from
                                                      the name or else from the functions the file defines
    ROOT/submitted/alice/mlp/mlp.ipynb                nbgrader: the course's collected submissions (timestamp.txt)
    ROOT/submission_metadata.yml, ROOT/submission_1/  gradescope: an export (names, emails, ids from the metadata)
    LMS bulk downloads: canvas (`login_LATE_123_456_mlp-1.py`), moodle (`Alice Liddell_123_assignsubmission_file_/`),
    blackboard (`hw_login_attempt_2024-01-31-23-59-00_mlp.py`), brightspace (`123-456 - Alice Liddell - date/`).

Who decides what. The layout is decided once for the whole class from ROOT's own top level: `submitted/` there is
nbgrader's, `submission_metadata.yml` there is Gradescope's, and an LMS is the one whose name pattern fits every
top-level name (folders, zips and source files); never from anything inside a student's folder or zip. Each
student's files are then looked for only inside what is theirs (their folder, zip or named files), so nothing one
student uploads can name, add or claim another student. A class that fits no layout clearly (two LMS patterns,
or some names of an LMS and some not) is a `LayoutError` that says which `--layout` to pass.

Who is who. A student is a `Submission`: `name` is exactly what the layout gives (Unicode as is), `student` the id
their files are stored under (`student_id`: at most 64 characters, safe in any file system, unique in the class
even ignoring case, the same on every run), and `ids` the identity fields the download carries (LMS user ids, the
late flag, Gradescope's sid and email), for exports. Top-level names that are no one's are listed
(`Survey.unmapped`), never silently dropped, and so are a student's files no topic could be found for.

Nothing is extracted to disk and nothing is run or parsed: files are read (at most `MAX_FILE_BYTES` each), a topic
is guessed from a file's name, else from the `def name(` lines of its first `SCAN_BYTES` (one linear regex), and
the grader later writes each chosen file under its canonical name `<topic>.py` or `<topic>.ipynb` (the student's
own modules beside them under their paths from there, names Python can import), so a member named `../../x` or a
symlink reaches nothing.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

import yaml

from autograder.model import Exercise
from autograder.submissions import MAX_FILES, MAX_MODULE_BYTES

MAX_FILE_BYTES = 20 * 2**20  # a notebook with plots is a few MiB; more is not a submission
MAX_ZIP_BYTES = 5 * MAX_FILE_BYTES
MAX_ZIP_MEMBERS = 10_000
SCAN_BYTES = 2**20  # how much of a file whose name names no topic is read for its `def name(` lines
SOURCE_SUFFIXES = (".py", ".ipynb")
LMS = ("canvas", "moodle", "blackboard", "brightspace")
LAYOUTS = ("auto", "folders", "files", "nbgrader", "gradescope", *LMS)
ID_CHARS = 48  # of the name kept in an id; with "-" and a hash of 8, at most 57 characters


class LayoutError(ValueError):
    """The class's layout is not clear from ROOT's top level: the message says which `--layout` to pass."""


@dataclass(frozen=True)
class Entry:
    """One file of the class: its path under ROOT (a zip's members sit under the zip's path) and its bytes."""

    path: PurePosixPath
    size: int
    read: Callable[[], bytes]  # at most MAX_FILE_BYTES + 1
    peek: Callable[[int], bytes] | None = None  # the first n bytes, without reading the rest

    def head(self, n: int) -> bytes:
        return self.peek(n) if self.peek else self.read()[:n]


@dataclass
class Submission:
    """One student: the file chosen for each topic, and who they are as far as the layout says."""

    student: str  # the id: names the results file and the staged folder (see `student_id`)
    origin: str  # where the work was found, relative to ROOT
    files: dict[str, Entry] = field(default_factory=dict)  # canonical name (mlp.py, cnn.ipynb) -> the file
    modules: dict[str, Entry] = field(default_factory=dict)  # the student's own modules beside them (`own_modules`)
    name: str = ""  # who they are, exactly as the layout writes it ("José María Núñez", a login, a sid)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    timestamp: str = ""
    partners: list[str] = field(default_factory=list)  # the other members of a group submission
    notes: list[str] = field(default_factory=list)  # what the instructor should know (a late flag, a file skipped)
    layout: str = ""  # the class's layout (LAYOUTS)
    ids: dict[str, str] = field(default_factory=dict)  # identity fields of the download (canvas user_id, ...)
    late: bool = False  # the LMS marked the submission late

    def contents(self) -> dict[str, bytes]:
        return {name: entry.read() for name, entry in {**self.modules, **self.files}.items()}


@dataclass
class Survey:
    """The class as discovered: its layout, every student, and the top-level names that are no one's."""

    layout: str
    submissions: list[Submission]
    unmapped: list[str] = field(default_factory=list)  # "name: why", for the summary


# -- the class as a flat list of files ------------------------------------------------------------------------

def _junk(path: PurePosixPath) -> bool:
    return any(part.startswith(".") or part in ("__MACOSX", "__pycache__") for part in path.parts)


def _zip_entries(data: bytes | Path, prefix: PurePosixPath, depth: int) -> list[Entry]:
    try:
        archive = zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()][:MAX_ZIP_MEMBERS]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []

    def reader(info: zipfile.ZipInfo, limit: int = MAX_FILE_BYTES + 1) -> Callable[[], bytes]:
        def read(n: int = limit) -> bytes:
            try:
                with archive.open(info) as member:
                    return member.read(n)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
                return b""  # encrypted, corrupt or a lying header: an unreadable file, like a missing one
        return read

    entries = []
    for info in infos:
        parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", "..")]
        if not parts:
            continue
        read = reader(info)
        entry = Entry(prefix.joinpath(*parts), info.file_size, read, read)
        entries += _expand(entry, depth, reader(info, MAX_ZIP_BYTES + 1))
    return entries


def _expand(entry: Entry, depth: int, read_zip: Callable[[], bytes] | Path) -> list[Entry]:
    """A zip inside the class (a student's, or a zip of zips) becomes its members, two levels deep at most."""
    if entry.path.suffix.lower() == ".zip" and depth < 2 and entry.size <= MAX_ZIP_BYTES:
        data = read_zip if isinstance(read_zip, Path) else read_zip()
        return _zip_entries(data, entry.path, depth + 1) or [entry]  # unreadable: a file
    return [entry]


def _reader(path: Path) -> Callable[..., bytes]:
    def read(n: int = MAX_FILE_BYTES + 1) -> bytes:
        with open(path, "rb") as f:
            return f.read(n)  # never more: a 5 GB "notebook" costs nothing
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
                read = _reader(path)
                entry = Entry(PurePosixPath(path.relative_to(root).as_posix()), path.stat().st_size, read, read)
                entries += _expand(entry, 0, path)
    return sorted((e for e in entries if not _junk(e.path)), key=lambda e: e.path.as_posix())


@dataclass
class Top:
    """One name at ROOT's top level: a file, or a folder or readable zip with the files inside it."""

    name: str
    file: Entry | None = None
    inside: list[Entry] = field(default_factory=list)  # paths relative to the folder or zip

    @property
    def is_folder(self) -> bool:
        return bool(self.inside)


def _strip(entry: Entry, n: int) -> Entry:
    return Entry(PurePosixPath(*entry.path.parts[n:]), entry.size, entry.read, entry.peek)


def top_level(entries: list[Entry]) -> dict[str, Top]:
    tops: dict[str, Top] = {}
    for entry in entries:
        top = tops.setdefault(entry.path.parts[0], Top(entry.path.parts[0]))
        if len(entry.path.parts) == 1:
            top.file = entry
        else:
            top.inside.append(_strip(entry, 1))
    return tops


def _unwrapped(tops: dict[str, Top]) -> dict[str, Top]:
    """An export zipped inside one folder (Gradescope's `assignment_123_export/`): the folder's top level, when its
    own top holds the export's marker; any other single folder is one student's."""
    if len(tops) == 1:
        (only,) = tops.values()
        inner = top_level(only.inside) if only.is_folder and not only.name.lower().endswith(".zip") else {}
        if "submission_metadata.yml" in inner or inner.get("submitted", Top("")).is_folder:
            return inner
    return tops


# -- who: names as layouts and LMS downloads write them ------------------------------------------------------

@dataclass(frozen=True)
class Name:
    """Who a top-level name belongs to in a layout: files with the same `key` are one student's."""

    key: str
    login: str  # what the id on disk is made from
    display: str = ""  # the name as the layout writes it (the login when it gives no other)
    rest: str = ""  # for a loose file: the file name the student gave it
    full_name: str = ""
    timestamp: str = ""
    ids: tuple[tuple[str, str], ...] = ()
    late: bool = False
    problem: str = ""  # why this name cannot be mapped to one student


_CANVAS = re.compile(r"^(?P<login>[^_]+)(?P<late>_late)?_(?P<uid>\d+)_(?P<file>\d+)_(?P<rest>.+)$", re.IGNORECASE)
_MOODLE_MARK = re.compile(r"_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)(?:_|$)")
_BLACKBOARD = re.compile(r"^(?P<head>.+?)_attempt_(?P<when>\d{4}(?:-\d\d){5})(?:_(?P<rest>.*)|(?P<ext>\.\w+))?$")
_BRIGHTSPACE_FOLDER = re.compile(r"^(?P<a>\d+)-(?P<b>\d+) - (?P<name>.+) - (?P<when>[^-]+)$")
_BRIGHTSPACE_FILE = re.compile(r"^(?P<a>\d+)-(?P<b>\d+) - (?P<name>.+?) - "
                               r"(?P<when>[A-Z][a-z]+ \d{1,2}, \d{4} \d{3,4} [AP]M) - (?P<rest>.+)$")


def parse_name(name: str, lms: str, folder: bool = False) -> Name | None:
    """The student an LMS-decorated top-level name belongs to in a download of `lms`, and the name the student gave
    the file; None if the name is not of that LMS. Each pattern is anchored where the LMS writes its part (the
    start), so the part a student chose (the upload's original name) can never decide whose the file is."""
    if lms == "canvas" and (m := _CANVAS.match(name)):
        return Name(f"canvas\0{m['login']}\0{m['uid']}", m["login"], m["login"], m["rest"],
                    ids=(("user_id", m["uid"]),), late=bool(m["late"]))
    if lms == "moodle" and (m := _MOODLE_MARK.search(name)):
        person, rest = name[: m.start()], name[m.end():]
        if not person:
            return None
        problem = ("the name holds Moodle's marker twice, so whose it is cannot be told"
                   if _MOODLE_MARK.search(name, m.end() - 1) else "")
        return Name(f"moodle\0{person}\0{m['pid']}", person, person, rest, full_name=person,
                    ids=(("participant_id", m["pid"]),), problem=problem)
    if lms == "blackboard" and (m := _BLACKBOARD.match(name)):
        rest = m["rest"] or ""
        return Name(f"blackboard\0{m['head']}", m["head"], m["head"], rest, timestamp=m["when"])
    if lms == "brightspace":
        m = _BRIGHTSPACE_FOLDER.match(name) if folder else _BRIGHTSPACE_FILE.match(name)
        if m:
            return Name(f"brightspace\0{m['name']}\0{m['b']}", m["name"], m["name"], "" if folder else m["rest"],
                        full_name=m["name"], timestamp=m["when"].strip(),
                        ids=(("submission_id", m["a"]), ("user_id", m["b"])))
    return None


def _blackboard_users(names: dict[str, Name]) -> dict[str, Name]:
    """Blackboard writes `<assignment>_<user>`: the user is what follows the part every name of the class shares."""
    heads = sorted({n.login for n in names.values()})
    common = os.path.commonprefix(heads) if len(heads) > 1 else ""
    common = common[: common.rfind("_") + 1]
    out = {}
    for top, n in names.items():
        user = n.login[len(common):] if common else n.login.rsplit("_", 1)[-1]
        out[top] = Name(n.key, user or n.login, user or n.login, n.rest, timestamp=n.timestamp,
                        ids=(("user", user or n.login),))
    return out


def _split_name(full: str) -> tuple[str, str]:
    first, _, last = full.strip().rpartition(" ")
    return (first, last) if first else (last, "")


# -- what: which file is which topic -------------------------------------------------------------------------

_RESUBMISSION = re.compile(r"(?:-(\d{1,6})|\s*\((\d{1,6})\)|[ _-]copy)$")
_DEF = re.compile(rb'(?:^|"|\\n)(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w{0,99})[ \t]*\(', re.MULTILINE)


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
    """Names of the functions a .py file or a notebook defines at the start of a line, in its first `SCAN_BYTES`:
    a guess from one linear scan (a notebook's lines are JSON strings, so `"def` and `\\ndef` count too), never a
    parse, so a file of any size and shape costs at most that scan."""
    return {m.decode("ascii", "replace") for m in _DEF.findall(entry.head(SCAN_BYTES))}


def topic_by_content(entry: Entry, functions: dict[str, set[str]]) -> str | None:
    """The topic whose graded functions the file defines most of (a share of them, so big topics do not win)."""
    defined = defined_functions(entry)
    shares = {t: len(defined & names) / len(names) for t, names in functions.items() if names}
    best = max(shares.values(), default=0)
    winners = [t for t, share in shares.items() if share == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _shown(path: PurePosixPath, limit: int = 120) -> str:
    text = path.as_posix()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def choose_files(entries: list[Entry], functions: dict[str, set[str]]) -> tuple[dict[str, Entry], list[str]]:
    """Per topic, the file to grade among a student's files, and notes on the candidates left out.

    A file named after a topic beats one recognised by its functions; then `.py` beats `.ipynb` (as for a
    single submission), a shallower file beats a deeper one, and a later resubmission (`mlp-2.py`) an earlier.
    """
    topics = list(functions)
    candidates: dict[str, list[tuple[tuple, Entry]]] = {}
    no_topic = []
    for entry in entries:
        suffix = entry.path.suffix.lower()
        if suffix not in SOURCE_SUFFIXES:
            continue
        topic, by = topic_by_name(entry.path.name, topics), 0
        if topic is None:
            topic, by = topic_by_content(entry, functions), 1
        if topic is None:
            no_topic.append(entry)
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
            notes.append(f"{topic}: graded {_shown(best.path)}; also found " + _listed(e.path for e in ranked[1:]))
        if best.size > MAX_FILE_BYTES:
            del chosen[f"{topic}{best.path.suffix.lower()}"]
            notes.append(f"{topic}: {_shown(best.path)} is larger than {MAX_FILE_BYTES >> 20} MiB; not graded")
    if no_topic:
        notes.append("not graded, no topic in the name or the functions defined: " + _listed(e.path for e in no_topic))
    return chosen, notes


def own_modules(chosen: dict[str, Entry], entries: list[Entry]) -> dict[str, Entry]:
    """The student's own modules, which the topic files may import: every other .py file in the folder of the
    shallowest chosen file or below it, under its path from there (`helpers.py`, `nn_scratch/layers.py`): names
    that Python can import only, within the bounds of what a submission sends to its sandbox."""
    if not chosen:
        return {}
    home = min((e.path.parent for e in chosen.values()), key=lambda p: len(p.parts))
    found, size = {}, 0
    for entry in sorted(entries, key=lambda e: (len(e.path.parts), e.path.as_posix())):
        if entry.path.suffix != ".py" or entry in chosen.values() or not entry.path.is_relative_to(home):
            continue
        name = entry.path.relative_to(home)
        if not all(part.isidentifier() for part in (*name.parts[:-1], name.stem)) or name.as_posix() in chosen:
            continue
        if len(found) >= MAX_FILES or size + entry.size > MAX_MODULE_BYTES:
            break
        found[name.as_posix()] = entry
        size += entry.size
    return found


def _listed(paths, most: int = 5) -> str:
    paths = list(paths)
    shown = ", ".join(_shown(p) for p in paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


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
    timestamp: str = ""
    late: bool = False


class _Class:
    """Groups by key, and the top-level names that are no one's."""

    def __init__(self):
        self.groups: dict[str, Group] = {}
        self.unmapped: list[str] = []

    def add(self, name: Name, origin: str, files: list[Entry] = (), note: str = "") -> Group:
        group = self.groups.setdefault(name.key, Group(name))
        group.files += files
        group.origins.add(origin)
        group.timestamp = max(group.timestamp, name.timestamp)
        group.late |= name.late
        if note:
            group.notes.append(note)
        return group

    def no_one(self, top: str, why: str) -> None:
        self.unmapped.append(f"{_shown(PurePosixPath(top))}: {why}")


def _person(name: str) -> Name:
    key = unicodedata.normalize("NFC", name)
    return Name(f"name\0{key}", name, name)


def _folders_and_files(tops: dict[str, Top], root_name: str, topics: list[str], layout: str) -> _Class:
    """folders: a folder or zip per student; files: loose files whose names say whose they are; auto: both."""
    found = _Class()
    loose = re.compile(rf"^(?P<student>.+?)[ _.-]+(?:{'|'.join(map(re.escape, topics))})(?:[ _-].*)?$", re.IGNORECASE)
    for top in tops.values():
        is_zip = top.name.lower().endswith(".zip")
        if top.is_folder and (layout != "files" or is_zip):
            found.add(_person(top.name[:-4] if is_zip else top.name), top.name, top.inside)
        elif top.is_folder:
            found.no_one(top.name, "a folder, and --layout files takes loose files and zips")
        if top.file is None:
            continue
        path = top.file.path
        if is_zip:  # one that could not be opened
            found.add(_person(path.stem), top.name, note=f"{_shown(path)} could not be read as a zip file")
        elif path.suffix.lower() not in SOURCE_SUFFIXES:
            found.no_one(top.name, "not a folder, a zip or a source file")
        elif path.stem.lower() in topics:  # ROOT itself is one student's submission
            found.add(_person(root_name), ".", [top.file])
        elif layout == "folders":
            found.no_one(top.name, "a loose file, and --layout folders takes folders and zips")
        else:  # alice_mlp.py, bob-cnn.ipynb, carol.py
            m = loose.match(path.stem)
            found.add(_person(m["student"] if m else path.stem), top.name,
                      [Entry(PurePosixPath(path.name), top.file.size, top.file.read, top.file.peek)])
    return found


def _lms(tops: dict[str, Top], lms: str) -> _Class:
    """An LMS download: every top-level name parsed by that LMS's pattern alone."""
    found = _Class()
    names = {t.name: parse_name(t.name, lms, folder=t.is_folder) for t in tops.values()}
    if lms == "blackboard":
        names.update(_blackboard_users({k: n for k, n in names.items() if n is not None}))
    for top in tops.values():
        name = names[top.name]
        if name is None:
            found.no_one(top.name, f"not a {lms} name")
        elif name.problem:
            found.no_one(top.name, name.problem)
        elif top.is_folder:
            found.add(name, top.name, top.inside)
        elif top.file is not None:
            rest = PurePosixPath(name.rest).name if name.rest else ""
            files = [Entry(PurePosixPath(rest), top.file.size, top.file.read, top.file.peek)] if rest else []
            note = (f"{_shown(PurePosixPath(top.name))} could not be read as a zip file"
                    if top.name.lower().endswith(".zip") else "")
            found.add(name, top.name, files, note)
    return found


def _nbgrader(tops: dict[str, Top]) -> _Class:
    """`ROOT/submitted/<student>/<assignment>/<files>`, with `timestamp.txt` per assignment."""
    found = _Class()
    for entry in tops["submitted"].inside:
        if len(entry.path.parts) < 2:
            found.no_one(f"submitted/{entry.path}", "a file in submitted/, outside any student's folder")
            continue
        student = entry.path.parts[0]
        stamp = ""
        if len(entry.path.parts) == 3 and entry.path.name == "timestamp.txt":
            stamp = entry.head(64).decode("utf-8", errors="replace").strip()
        group = found.add(_person(student), f"submitted/{student}", [_strip(entry, 1)])
        group.timestamp = max(group.timestamp, stamp)
    return found


class _LenientLoader(yaml.SafeLoader):
    """Reads Gradescope's metadata, whose values may carry Ruby tags (`!ruby/object:...`), as plain data."""


_LenientLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _gradescope(tops: dict[str, Top]) -> _Class:
    """A Gradescope export: ROOT's `submission_metadata.yml` maps each `submission_<id>/` folder to its submitters."""
    found = _Class()
    try:
        metadata = yaml.load(tops["submission_metadata.yml"].file.read(), Loader=_LenientLoader) or {}
    except (yaml.YAMLError, AttributeError, ValueError):
        metadata = {}
    metadata = metadata if isinstance(metadata, dict) else {}

    def plain(value) -> dict:  # Gradescope writes Ruby symbols: `:name:`
        return {str(k).lstrip(":"): v for k, v in value.items()} if isinstance(value, dict) else {}

    def text(value) -> str:
        return "" if value is None or isinstance(value, (dict, list)) else str(value)

    def person(p: dict) -> str:
        return text(p.get("sid")) or text(p.get("email")) or text(p.get("name"))

    for top in tops.values():
        if top.name == "submission_metadata.yml":
            continue
        if not top.is_folder:
            found.no_one(top.name, "a file beside the export's submission folders")
            continue
        info = plain(metadata.get(top.name))
        submitters = [plain(s) for s in info.get("submitters") or [] if isinstance(s, dict)]
        first = submitters[0] if submitters else {}
        login = person(first) or top.name
        ids = tuple((k, text(first.get(k))) for k in ("sid", "email") if text(first.get(k)))
        name = Name(f"gradescope\0{top.name}", login, text(first.get("name")) or login,
                    full_name=text(first.get("name")), timestamp=text(info.get("created_at")),
                    ids=(("submission", top.name), *ids))
        group = found.add(name, top.name, top.inside)
        group.email, group.partners = text(first.get("email")), [person(s) for s in submitters[1:] if person(s)]
    return found


def decide_layout(tops: dict[str, Top]) -> str:
    """The class's layout from ROOT's top-level names alone; a `LayoutError` when they do not say it clearly."""
    markers = [layout for layout, present in [
        ("gradescope", tops.get("submission_metadata.yml", Top("")).file is not None),
        ("nbgrader", tops.get("submitted", Top("")).is_folder)] if present]
    if len(markers) > 1:
        raise LayoutError("ROOT holds both submission_metadata.yml (a Gradescope export) and submitted/ (an "
                          "nbgrader course): pass --layout gradescope or --layout nbgrader")
    if markers:
        return markers[0]
    names = [t for t in tops.values() if t.is_folder or t.name.lower().endswith((".zip", *SOURCE_SUFFIXES))]
    fits = {lms: [t.name for t in names if parse_name(t.name, lms, folder=t.is_folder)] for lms in LMS}
    whole = [lms for lms in LMS if names and len(fits[lms]) == len(names)]
    if len(whole) == 1:
        return whole[0]
    if len(whole) > 1:
        raise LayoutError(f"every name at ROOT's top level fits both {' and '.join(whole)} downloads: pass "
                          + " or ".join(f"--layout {lms}" for lms in whole))
    some = {lms: found for lms, found in fits.items() if found}
    if some:
        lms, found = max(some.items(), key=lambda kv: len(kv[1]))
        other = next(t.name for t in names if t.name not in found)
        raise LayoutError(f"{len(found)} of the {len(names)} names at ROOT's top level look like a {lms} download "
                          f"(e.g. {_shown(PurePosixPath(found[0]), 60)!r}) and the others do not (e.g. "
                          f"{_shown(PurePosixPath(other), 60)!r}): pass --layout {lms} (the others are then listed as "
                          "no one's) or --layout folders / --layout files (every name taken as it is)")
    return "auto"


# -- ids -----------------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(10))}  # Windows


def _folded(name: str) -> str:
    """`name` in the characters of an id: accents dropped, anything else one `_`, no leading `.`, `-` or `@`."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("_", ascii_).lstrip("._-@")[:ID_CHARS].rstrip("._")


def student_ids(keys: dict[str, str]) -> dict[str, str]:
    """{group key: the login its id is made from} -> {group key: id}, each id at most 57 characters of
    [A-Za-z0-9._@-], unique even ignoring case. A login that is already such a name is its own id; any other (a
    Unicode or too long name, one that differs only in case from another) gets `-` and a hash of the exact key, so
    "Zoë Li" and "Zoé Li" are two people whose ids say which, and an id does not change when classmates come or go."""
    folded = {key: _folded(login) or "student" for key, login in keys.items()}
    counts: dict[str, int] = {}
    for key, base in folded.items():
        counts[base.lower()] = counts.get(base.lower(), 0) + 1
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(keys):
        base = folded[key]
        exact = base == keys[key] and counts[base.lower()] == 1 and base.split(".")[0].upper() not in _RESERVED
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        candidate, n = base if exact else f"{base}-{digest[:8]}", 8
        while candidate.lower() in taken:  # a hash prefix shared (or a login equal to another's hashed id)
            n += 4
            candidate = f"{base}-{digest[:n]}"
        taken.add(candidate.lower())
        ids[key] = candidate
    return ids


# -- the class -----------------------------------------------------------------------------------------------

def survey(root: Path, exercises: list[Exercise], layout: str = "auto") -> Survey:
    """Every student's submission under `root` (sorted by id), the layout, and the names that are no one's;
    `exercises` says which topics exist; `layout` one of LAYOUTS (auto: decided from ROOT's top level)."""
    if layout not in LAYOUTS:
        raise LayoutError(f"unknown layout {layout!r}; one of {', '.join(LAYOUTS)}")
    root = Path(root)
    functions = topic_functions(exercises)
    tops = _unwrapped(top_level(tree(root)))
    if layout == "auto":
        layout = decide_layout(tops)
    if layout == "nbgrader" and not tops.get("submitted", Top("")).is_folder:
        raise LayoutError("--layout nbgrader: ROOT has no submitted/ folder (pass the nbgrader course folder)")
    if layout == "gradescope" and tops.get("submission_metadata.yml", Top("")).file is None:
        raise LayoutError("--layout gradescope: ROOT has no submission_metadata.yml (pass the export's folder)")
    if layout == "nbgrader":
        found = _nbgrader(tops)
    elif layout == "gradescope":
        found = _gradescope(tops)
    elif layout in LMS:
        found = _lms(tops, layout)
    else:
        found = _folders_and_files(tops, root.stem if root.is_file() else root.name, list(functions), layout)

    ids = student_ids({key: group.name.login for key, group in found.groups.items()})
    submissions = []
    for key in sorted(found.groups, key=lambda k: ids[k].lower()):
        group = found.groups[key]
        chosen, notes = choose_files(group.files, functions)
        first, last = _split_name(group.name.full_name)
        sub = Submission(ids[key], ", ".join(sorted(_shown(PurePosixPath(o)) for o in group.origins)), chosen,
                         name=group.name.display or group.name.login, first_name=first, last_name=last,
                         email=group.email, timestamp=group.timestamp, partners=group.partners,
                         notes=(["marked late by the LMS"] if group.late else []) + group.notes + notes,
                         layout=layout, ids=dict(group.name.ids), late=group.late,
                         modules=own_modules(chosen, group.files))
        if not chosen:
            sub.notes.append(f"no file for any topic ({', '.join(functions)}) was found")
        submissions.append(sub)
    return Survey(layout, submissions, found.unmapped)


def discover(root: Path, exercises: list[Exercise], layout: str = "auto") -> list[Submission]:
    """Every student's submission under `root`, sorted by id (see `survey`)."""
    return survey(root, exercises, layout).submissions


def discover_one(folder: Path, exercises: list[Exercise]) -> tuple[dict[str, Entry], list[str]]:
    """The files to grade in one student's folder (a Gradescope upload, say), wherever in it they are."""
    return choose_files(tree(folder), topic_functions(exercises))
