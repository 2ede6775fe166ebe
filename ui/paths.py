"""Paths typed by a user: resolved inside the configured data directory, never outside it."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

DATA_DIR_ENV = "PE_LAB_DATA_DIR"


def data_dir() -> Path:
    """The directory users may read vector and dataset files from (env PE_LAB_DATA_DIR, else ./data)."""
    return Path(os.environ.get(DATA_DIR_ENV) or "data").resolve()


def resolve_in_data_dir(text: str, root: Path | None = None) -> Path:
    """Resolve ``text`` (a relative path typed by a user) to an existing file inside ``root``.

    Refuses, with a ``ValueError`` that says what to type instead: empty input, absolute paths,
    ``..`` components, and anything (for example a symlink) that resolves outside ``root``.
    """
    root = (root or data_dir()).resolve()
    text = text.strip()
    if not text:
        raise ValueError(f"type a file name relative to the data directory {root}")
    if "\x00" in text:
        raise ValueError("the path contains a NUL character; type a plain file name")
    if PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute() or text[0] == "~":
        raise ValueError(
            f"path {text!r} is absolute; type a path relative to the data directory {root}"
        )
    if ".." in PurePosixPath(text.replace("\\", "/")).parts:
        raise ValueError(f"path {text!r} contains '..'; files must stay inside {root}")
    path = (root / text).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"path {text!r} points outside the data directory {root}")
    if not path.is_file():
        raise ValueError(
            f"no file {text!r} in the data directory {root}; files there: "
            + (", ".join(list_data_files(root)[:10]) or "none")
        )
    return path


def list_data_files(root: Path | None = None, limit: int = 200) -> list[str]:
    """Relative names of the files under ``root`` (for a picker), at most ``limit``."""
    root = (root or data_dir()).resolve()
    if not root.is_dir():
        return []
    names: list[str] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.resolve().is_relative_to(root):
            names.append(path.relative_to(root).as_posix())
            if len(names) >= limit:
                break
    return names
