"""How strongly the worker is isolated on this machine, and the command that starts it.

    bwrap     Linux with bubblewrap (https://github.com/containers/bubblewrap): the worker runs in its own
              mount, PID, network, IPC and UTS namespaces, with a fresh /proc, a private size-capped /tmp and
              a read-only view of the system libraries, the Python standard library, NumPy and the worker's
              two files; nothing else (no project, no virtualenv, no torch). As root, it runs as `nobody` with no
              capabilities and no_new_privs (setpriv, util-linux), and a cgroup caps memory and the number of
              processes across the whole submission. Without root, bubblewrap needs unprivileged user
              namespaces, and there are no cgroup limits.
    posix     Linux or macOS without bubblewrap: a worker process with per-process limits (rlimits), its own
              process group; no namespaces, so it can read what its user can read. As root on Linux (a
              container, Gradescope), each sandbox runs as a uid of its own from a pool (`UidSlot`), with no
              capabilities (setpriv), wherever those uids can run this Python and NumPy: submissions graded side
              by side cannot signal, trace or read each other, and read only what every user may read. Otherwise
              the worker runs as the grader's user, and can read and write what the grader can.
    portable  anywhere (Windows): one worker process per exercise with a wall-clock deadline.

`AUTOGRADER_ISOLATION` (bwrap, posix, portable) asks for a level; by default the strongest that works here.
Whenever the level is weaker than the best this platform can offer, the grader says so once, on stderr;
`class_isolation` says whether a class may be graded at this level, and how many at once.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from autograder.project import ROOT

try:
    import fcntl
except ImportError:  # Windows: no uid pool there
    fcntl = None

MEMORY_BYTES = 2 * 2**30  # per process (RLIMIT_AS), and across the submission's processes (cgroup)
MAX_PROCESSES = 64  # threads included, across the submission (cgroup)
SCRATCH_BYTES = 64 * 2**20  # the private /tmp, the only place a worker can write to
NOBODY = 65534
UID_POOL = range(59000, 59064)  # posix as root: a uid per sandbox (those with an account or group are skipped)
VIEW = "/sandbox"  # in the sandbox: VIEW/worker holds worker.py and wire.py, VIEW/site holds NumPy
HERE = Path(__file__).resolve().parent
PROJECT = ROOT  # the grader's own tree (solutions/ too, in the instructor's repository): hidden from the worker
BOOT = "import sys; sys.path[:0] = [{worker!r}, {site!r}]; import worker; worker.main()"


@dataclass(frozen=True)
class Isolation:
    level: str  # bwrap, posix or portable
    root: bool  # the grader runs as root: the worker drops to nobody, cgroups apply
    note: str | None  # one line for the user when this is weaker than the best available here
    uids: bool = False  # posix as root: each sandbox runs as a uid of its own from UID_POOL
    why_shared: str = ""  # posix without uids of their own: why (for the messages of `class_isolation`)

    @property
    def shared(self) -> bool:
        """Workers run as the grader's own user, with nothing else between them and its files and processes."""
        return self.level == "portable" or self.level == "posix" and not self.uids


def setpriv(uid: int) -> tuple[str, ...]:
    """util-linux's setpriv: run as `uid` (and its gid), no groups, no capabilities, no_new_privs; needs root."""
    return ("setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--")


SETPRIV = setpriv(NOBODY)


@lru_cache(maxsize=1)
def free_uids() -> tuple[int, ...]:
    """The uids of UID_POOL that no account or group uses (a uid of its own must own nothing else)."""
    import grp
    import pwd

    def unused(n: int) -> bool:
        try:
            pwd.getpwuid(n)
            return False
        except KeyError:
            pass
        try:
            grp.getgrgid(n)
            return False
        except KeyError:
            return True

    return tuple(n for n in UID_POOL if unused(n))


def _pool_runs_python() -> str:
    """As root without bubblewrap: "" if a uid of the pool (via setpriv) can start this Python and import NumPy
    from its folder, else why not (not when they live under a home folder only root may enter: a pyenv in /root)."""
    if not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    if not free_uids():
        return f"every uid from {UID_POOL.start} to {UID_POOL.stop - 1} has an account"
    numpy_parent = str(numpy_dirs()[0].parent)
    # The version too: a Python whose own library folder it cannot enter may start with the system's libpython
    probe = f"import sys; sys.path[:0] = [{numpy_parent!r}]; import numpy; print(sys.version)"
    python = os.path.realpath(sys.executable)
    try:
        done = subprocess.run([*setpriv(free_uids()[0]), python, "-I", "-S", "-c", probe],
                              capture_output=True, text=True, timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"starting Python as uid {free_uids()[0]} failed ({e})"
    if done.returncode != 0 or done.stdout.strip() != sys.version:
        return (f"uid {free_uids()[0]} cannot run {python} with NumPy from {numpy_parent}: a folder on the way is "
                "root's alone")
    return ""


def _bwrap_works(root: bool) -> bool:
    if not shutil.which("bwrap") or not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run([*bwrap_command(root), "/bin/true"],
                               capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@lru_cache(maxsize=1)
def isolation() -> Isolation:
    """The level used for every worker of this process, decided once."""
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    wanted = os.environ.get("AUTOGRADER_ISOLATION", "auto")
    fork = hasattr(os, "fork") and hasattr(os, "killpg")
    if wanted not in ("auto", "bwrap", "posix", "portable"):
        raise SystemExit(f"error: AUTOGRADER_ISOLATION={wanted!r}: use bwrap, posix or portable")
    bwrap = wanted in ("auto", "bwrap") and _bwrap_works(root)
    if wanted == "bwrap" and not bwrap:
        raise SystemExit("error: AUTOGRADER_ISOLATION=bwrap, but bubblewrap does not work here "
                         "(install it: apt-get install bubblewrap)")
    if bwrap:
        level = "bwrap"
    elif fork and wanted != "portable":
        level = "posix"
    else:
        level = "portable"
    linux = sys.platform.startswith("linux")
    why = ""
    if level == "posix" and not (root and linux):
        why = "student code runs as your user" if linux or not root else "no uids of their own on this platform"
    elif level == "posix":
        why = _pool_runs_python()
    uids = level == "posix" and not why
    if level == "bwrap" and (root and Cgroups.available() or not root):
        note = None if root else ("isolation: bubblewrap without root: the worker runs as your user, with "
                                  "per-process limits only (no cgroups)")
    elif level == "bwrap":
        note = "isolation: bubblewrap as root, but no cgroups: memory and process limits are per process"
    elif uids:
        note = (f"isolation: {level} as root (a worker process with limits, as a uid of its own: without bubblewrap, "
                "student code can read what every user can read and use the network) - install bubblewrap")
    elif linux:
        note = (f"isolation: {level} (a worker process with limits; without bubblewrap, student code runs as this "
                "user and can read and write what it can) - fine for checking your own work, not for grading others'")
    else:
        note = (f"isolation: {level} (a worker process with a time limit; this platform has no namespaces) - "
                "fine for checking your own work, not for grading others'")
    if level == "portable":
        why = "student code runs as your user"
    return Isolation(level, root, note, uids, why)


def class_isolation(jobs: int | None) -> str | None:
    """Whether a class may be graded here with `jobs` grading processes (None: one per core): raises SystemExit
    with the reason when students would reach each other's work; a warning to print when the instructor asked
    for a level where student code runs as the grader's user, one student at a time; None when students are
    isolated from each other."""
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    iso = isolation()
    if not iso.shared:
        return None
    install = ("install bubblewrap (apt-get install bubblewrap)" if sys.platform.startswith("linux") else
               "grade on Linux with bubblewrap (a container or a virtual machine)")
    if jobs > 1:
        raise SystemExit(
            f"error: grade-all --jobs {jobs} at isolation {iso.level} ({iso.why_shared}): students graded side by "
            f"side would run as one user, and one student's code could kill another's worker and read their "
            f"submission, results and memory. To grade a class, {install}"
            + (", or run as root with a Python every user may run" if iso.level == "posix" and
               sys.platform.startswith("linux") else "") + ".")
    shared = (f"grading a class at isolation {iso.level} ({iso.why_shared}): each student's code runs as you, one "
              "student at a time, and can read and change whatever you can: the class folder, --out (other "
              "students' results), the seed file; a process it leaves behind can outlive its grading.")
    if os.environ.get("AUTOGRADER_ISOLATION") != iso.level:
        raise SystemExit(f"error: {shared} To grade a class, {install}. To grade anyway, one student at a time, "
                         f"ask for it: AUTOGRADER_ISOLATION={iso.level} ... grade-all --jobs 1.")
    return f"warning: {shared} Only for a class you trust."


_noted = False


def note_once() -> None:
    """Print the isolation note, if any, once per process (stderr: never part of a result)."""
    global _noted
    note = isolation().note
    if note and not _noted:
        _noted = True
        print(f"warning: {note}", file=sys.stderr, flush=True)


# -- the worker's view of the file system ------------------------------------------------------------------


def numpy_dirs() -> list[Path]:
    """NumPy's package folder and, in wheels, the folder of its bundled libraries."""
    import numpy

    package = Path(numpy.__file__).resolve().parent
    return [d for d in (package, package.parent / "numpy.libs") if d.is_dir()]


def worker_files() -> list[Path]:
    return [HERE / "worker.py", HERE / "wire.py"]


def _stdlib() -> list[str]:
    paths = sysconfig.get_paths()
    found = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib") if k in paths}
    return sorted(found | {os.path.join(p, "lib-dynload") for p in found})


def _hidden(bound: list[str]) -> list[str]:
    """Folders inside the bound system paths that hold Python packages other than the standard library (site-
    and dist-packages, the grader's own sys.path): each gets an empty tmpfs over it."""
    keep = set(_stdlib())
    candidates = set(sys.path) | set(site.getsitepackages()) | {site.getusersitepackages(), str(PROJECT)}
    for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages", "/usr/lib/python3/*"):
        candidates |= set(glob.glob(pattern))
    hidden = set()
    for path in candidates:
        real = os.path.realpath(path) if path else ""
        if not real or not os.path.isdir(real) or real in keep:
            continue
        if any(k.startswith(real + os.sep) for k in keep) or os.path.realpath(sys.executable).startswith(real + os.sep):
            continue  # an ancestor of what the worker needs
        if any(real == b or real.startswith(b + os.sep) for b in bound):
            hidden.add(real)
    return sorted(hidden)


def _dirs(path: str, made: set[str]) -> list[str]:
    """bwrap arguments creating each missing ancestor of `path` as a world-readable folder."""
    args = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        ancestor = str(Path(*parts[:i]))
        if ancestor not in made:
            made.add(ancestor)
            args += ["--perms", "0755", "--dir", ancestor]
    return args


@lru_cache(maxsize=4)
def bwrap_command(root: bool, memory: int = MEMORY_BYTES) -> tuple[str, ...]:
    """The bubblewrap command line, up to the program to run in the sandbox (appended by the caller)."""
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv"]
    bound, made = [], set()
    for system in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(system):
            args += ["--symlink", os.readlink(system), system]
        elif os.path.isdir(system):
            args += ["--ro-bind", system, system]
            bound.append(system)
    for config in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d"):
        if os.path.exists(config):
            args += ["--ro-bind", config, config]
    prefix = os.path.realpath(sys.base_prefix)
    if not any(prefix == b or prefix.startswith(b + os.sep) for b in bound):
        args += _dirs(prefix, made) + ["--ro-bind", prefix, prefix]
        bound.append(prefix)
    for hidden in _hidden(bound):
        args += ["--tmpfs", hidden]
    args += ["--perms", "0755", "--dir", VIEW, "--perms", "0755", "--dir", f"{VIEW}/worker",
             "--perms", "0755", "--dir", f"{VIEW}/site"]
    for file in worker_files():
        args += ["--ro-bind", str(file), f"{VIEW}/worker/{file.name}"]
    for folder_ in numpy_dirs():
        args += ["--ro-bind", str(folder_), f"{VIEW}/site/{folder_.name}"]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp",
             "--chdir", "/tmp"]
    for key, value in worker_env("/tmp", memory).items():
        args += ["--setenv", key, value]
    if root:  # drop to nobody inside, with setpriv; bwrap keeps only what setpriv needs to do that
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP", "--", *SETPRIV]
    else:
        args += ["--unshare-user", "--disable-userns", "--"]
    return tuple(args)


def worker_env(home: str, memory: int) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "AUTOGRADER_WORKER_MEMORY": str(memory)}


def local_view(folder: Path) -> tuple[str, str]:
    """Without bubblewrap: the worker's two files copied into `folder`/worker, and `folder`/site holding links to
    NumPy alone (or, where links cannot be made, NumPy's own site folder)."""
    worker, site_dir = folder / "worker", folder / "site"
    worker.mkdir(parents=True, exist_ok=True)
    site_dir.mkdir(exist_ok=True)
    for file in worker_files():
        shutil.copyfile(file, worker / file.name)
    for numpy_dir in numpy_dirs():
        try:
            (site_dir / numpy_dir.name).symlink_to(numpy_dir, target_is_directory=True)
        except OSError:
            return str(worker), str(numpy_dir.parent if numpy_dir.name == "numpy" else numpy_dir)
    return str(worker), str(site_dir)


def launch(folder: Path, mode: list[str], cgroups: "Cgroups | None", memory: int = MEMORY_BYTES,
           uid: int | None = None) -> tuple[list[str], dict]:
    """(argv, env) that start a worker in `mode` (["--serve", fd] or ["--single"]) at this machine's level; at
    posix as root, as `uid` (the sandbox's `UidSlot`)."""
    iso = isolation()
    if iso.level == "bwrap":
        boot = BOOT.format(worker=f"{VIEW}/worker", site=f"{VIEW}/site")
        argv = [*bwrap_command(iso.root, memory), os.path.realpath(sys.executable), "-I", "-S", "-c", boot, *mode]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if cgroups is not None:  # join the cgroups first, so that every process of the sandbox is in them
            argv = ["/bin/sh", "-c", 'for f in $AUTOGRADER_CGROUPS; do echo $$ > "$f" || exit 111; done; exec "$@"',
                    "sh", *argv]
            env["AUTOGRADER_CGROUPS"] = " ".join(cgroups.procs)
        return argv, env
    worker, site_dir = local_view(folder)
    home = folder
    if uid is not None:  # the worker reads its files (the folder is the uid's group's alone) and writes its scratch
        home = folder / "scratch"
        home.mkdir(mode=0o700, exist_ok=True)
        os.chown(home, uid, uid)
        os.chown(folder, 0, uid)
        folder.chmod(0o750)
    env = dict(worker_env(str(home), memory), PATH=os.environ.get("PATH", ""))
    if uid is not None:  # the uid is the sandbox's alone: a per-user process cap is a cap on the submission
        env["AUTOGRADER_WORKER_PROCESSES"] = str(MAX_PROCESSES)
    if sys.platform == "win32":
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    argv = [sys.executable, "-I", "-S", "-c", BOOT.format(worker=worker, site=site_dir), *mode]
    return ([*setpriv(uid), *argv] if uid is not None else argv), env


class UidSlot:
    """A uid of UID_POOL held by one sandbox (an exclusive flock on a root-only lock file), from its start to its
    end: no other sandbox, of this grader or another one on this machine, runs as it meanwhile. Taking it and
    giving it back both end every process still running as it (a daemon a submission left behind); giving it
    back also removes what it left in the shared temporary folders."""

    LOCKS = Path("/run/autograder-uids")
    SHARED = ("/tmp", "/var/tmp", "/dev/shm")  # where any user may create files
    WAIT_SECONDS = 120.0

    def __init__(self):
        folder = self._folder()
        deadline = time.monotonic() + self.WAIT_SECONDS
        while True:
            for uid in free_uids():
                fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                self.uid, self.fd = uid, fd
                if os.pread(fd, 5, 0) != b"clean":  # an earlier grader was killed before it could clean up
                    end_processes(uid)
                os.ftruncate(fd, 0)
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"every uid of the sandboxes' pool ({len(free_uids())}) stayed in use for "
                                   f"{self.WAIT_SECONDS:g} s")
            time.sleep(0.1)

    @classmethod
    def _folder(cls) -> Path:
        """The lock files' folder: root's alone, or the pool is not used (a user could hold or fake a lock)."""
        folder = cls.LOCKS if cls.LOCKS.parent.is_dir() else Path("/var/lock/autograder-uids")
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
        if not os.path.isdir(folder) or os.path.islink(folder) or st.st_uid != 0 or st.st_mode & 0o077:
            raise RuntimeError(f"{folder} should be a folder of root's alone (mode 700): remove it")
        return folder

    def release(self) -> None:
        if self.fd is None:
            return
        end_processes(self.uid)
        for shared in self.SHARED:
            try:
                entries = list(os.scandir(shared))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.stat(follow_symlinks=False).st_uid != self.uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)
                except OSError:
                    pass
        os.pwrite(self.fd, b"clean", 0)
        os.close(self.fd)  # the lock goes with it
        self.fd = None


def end_processes(uid: int) -> None:
    """Kill every process running as `uid`: stop them all first (a stopped process cannot fork), then kill."""
    found = _processes_of(uid)
    if not found:  # as a rule: the sandbox's process group is killed before
        return
    stopped: set[int] = set()
    while True:  # ends: a stopped process forks no more, and each is sent SIGSTOP once
        running = [pid for pid, state in found if state != "T" and pid not in stopped]
        if not running:
            break
        for pid in running:
            _signal(pid, signal.SIGSTOP)
            stopped.add(pid)
        found = _processes_of(uid)
    for _ in range(100):
        left = [pid for pid, _ in _processes_of(uid)]
        if not left:
            return
        for pid in left:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.01)


def _processes_of(uid: int) -> list[tuple[int, str]]:
    """(pid, state) of every live process whose real, effective or saved uid is `uid` (zombies aside)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        state = fields.get("State", "").split()[:1]
        if state and state[0] != "Z" and str(uid) in fields.get("Uid", "").split()[:3]:
            found.append((int(name), state[0]))
    return found


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


# -- limits across the whole submission ------------------------------------------------------------------


class Cgroups:
    """One cgroup per sandbox capping memory (swap included) and the number of processes and threads of all
    its processes together; cgroup v2 where it is mounted with those controllers, else v1. Root only."""

    V1 = Path("/sys/fs/cgroup")
    V2 = Path("/sys/fs/cgroup")

    def __init__(self, memory: int = MEMORY_BYTES, processes: int = MAX_PROCESSES):
        name = f"autograder/{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.dirs: list[Path] = []
        self.procs: list[str] = []
        if (self.V2 / "cgroup.controllers").exists():
            self.version = 2
            parent = self.V2 / "autograder"
            parent.mkdir(exist_ok=True)
            (self.V2 / "cgroup.subtree_control").write_text("+memory +pids")
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
            _sweep(parent)
            group = self.V2 / name
            group.mkdir()
            self.dirs = [group]
            (group / "memory.max").write_text(str(memory))
            if (group / "memory.swap.max").exists():
                (group / "memory.swap.max").write_text("0")
            (group / "pids.max").write_text(str(processes))
        else:
            self.version = 1
            for controller in ("memory", "pids"):
                group = self.V1 / controller / name
                group.mkdir(parents=True)
                _sweep(group.parent)
                self.dirs.append(group)
            memory_dir, pids_dir = self.dirs
            (memory_dir / "memory.limit_in_bytes").write_text(str(memory))
            if (memory_dir / "memory.memsw.limit_in_bytes").exists():
                (memory_dir / "memory.memsw.limit_in_bytes").write_text(str(memory))
            (pids_dir / "pids.max").write_text(str(processes))
        self.procs = [str(d / "cgroup.procs") for d in self.dirs]

    @staticmethod
    @lru_cache(maxsize=1)
    def available() -> bool:
        try:
            Cgroups().close()
            return True
        except OSError:
            return False

    def oom_kills(self) -> int:
        """How many processes the kernel killed for lack of memory in this cgroup so far."""
        events = self.dirs[0] / ("memory.events" if self.version == 2 else "memory.oom_control")
        try:
            for line in events.read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def kill_all(self) -> None:
        import signal

        for procs in self.procs:
            try:
                pids = Path(procs).read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass

    def close(self) -> None:
        """Kill what is left and remove the cgroup, in the background if its processes take time to die."""
        if not self._remove():
            import threading

            threading.Thread(target=self._remove, args=(100,), daemon=True).start()

    def _remove(self, tries: int = 1) -> bool:
        import time

        for attempt in range(tries):
            self.kill_all()
            try:
                for d in self.dirs:
                    if d.exists():
                        d.rmdir()
                return True
            except OSError:
                time.sleep(0.02)
        return False


def _sweep(parent: Path) -> None:
    """Remove the empty cgroups of graders that are gone (killed before they could clean up)."""
    for group in parent.glob("*-*"):
        owner = group.name.split("-", 1)[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            try:
                group.rmdir()
            except OSError:
                pass
