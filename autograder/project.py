"""The project's own paths and constants, and the one way it replaces a file: `write_atomic`.

    ROOT             the folder holding autograder/ (the instructor's repository, or where the grader is installed)
    TORCH_CPU_INDEX  where PyTorch's CPU-only wheels are (PyPI's Linux torch is the multi-GB CUDA build)
    GRADER_FILES     what ships as the grader (the kit's grader/, the Gradescope bundle's): never solutions/
    torch_requirement()  torch's bounds, as pyproject.toml declares them

Imported by the command line before anything heavy, and by code in a student's kernel: the standard library only.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
SOLUTIONS = ROOT / "solutions"

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
GRADER_FILES = ("pyproject.toml", "autograder/**/*.py", "reference/**/*.py")  # `pip install` makes the grader


def grader_files(root: Path = ROOT) -> list[Path]:
    """The files of `root` that ship as the grader, in GRADER_FILES's order."""
    return [path for pattern in GRADER_FILES for path in sorted(root.glob(pattern)) if "__pycache__" not in path.parts]


def torch_requirement(root: Path = ROOT) -> str:
    """torch's requirement in `root`'s pyproject.toml (bounded: an unbounded torch is the CUDA build), e.g.
    "torch>=2.3,<2.14"."""
    import re
    import tomllib

    dependencies = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(d for d in dependencies if re.match(r"[\w.-]+", d).group().lower() == "torch")


def write_atomic(path: Path, data: str | bytes, mode: int = 0o644, durable: bool = True) -> None:
    """Replace `path` with `data` (text as UTF-8) all at once: a reader, or a rerun after a kill, sees the old file
    or the whole new one. The new file is made with O_EXCL (never through a link) in the same folder, gets
    permissions `mode`, and is renamed over `path`, so a link or FIFO planted there is replaced, never followed or
    opened. `durable`: on disk before the rename (fsync); a cache that checks what it reads can do without."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # O_EXCL, mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
