"""The one home of PE Lab's on-disk cache: where it lives and how a file is written into it.

Every cache (parsed vectors, GloVe downloads, t-SNE / UMAP layouts, a refit of edited demo
vectors) sits under :func:`cache_dir` and is written with :func:`atomic_write`, so a reader (or
a server killed mid-write) never sees half a file: the bytes go to a temporary file in the same
folder, which is then renamed over the target in one step. No other imports: every module may
use this one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

ENV = "PE_LAB_CACHE"
TMP_SUFFIX = ".tmp"


def cache_dir() -> Path:
    """The cache folder: env ``PE_LAB_CACHE`` (``~`` expanded) if set, else ``~/.cache/pe_lab``.

    Always absolute-or-home-based: ``PE_LAB_CACHE=~/x`` is ``/home/you/x``, never a relative
    folder named ``~``.
    """
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pe_lab"


class CacheFullError(OSError):
    """Writing into the cache failed because its disk is full (or over quota)."""


def is_disk_full(err: BaseException) -> bool:
    """True for "no space left on device" and "disk quota exceeded"."""
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_message(folder: Path) -> str:
    """What to tell a user whose cache disk is full."""
    return (
        f"the disk holding the PE Lab cache ({folder}) is full; free some space there, or set "
        f"{ENV} to a folder on a larger disk, then try again"
    )


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    The parent folder is created. On any failure the temporary file is removed and the old
    ``path`` (if any) is left as it was; a full disk raises :class:`CacheFullError` with a
    message saying what to do.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the rename must not land before the bytes do
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_disk_full(err) or (isinstance(err, OSError) and _nearly_full(path.parent)):
            code = err.errno or errno.ENOSPC
            raise CacheFullError(code, disk_full_message(path.parent)) from err
        raise


def _nearly_full(folder: Path) -> bool:
    # NumPy reports a short write on a full disk as "N requested and M written", with no
    # errno: the free space then tells what happened.
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < 1 << 20
