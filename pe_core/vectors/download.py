"""``download_glove``: Stanford GloVe zips, resumable over HTTP Range, extracted atomically."""

from __future__ import annotations

import http.client
import os
import shutil
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from pe_core.cache import (
    CacheFullError,
    atomic_write,
    disk_full_message,
    is_disk_full,
)
from pe_core.vectors.container import default_cache_dir
from pe_core.vectors.load import load_vectors
from pe_core.vectors.source import CHUNK

DEFAULT_GLOVE_URL = "https://nlp.stanford.edu/data/"
#: GloVe releases ``download_glove`` offers in the app, with the dimensions of their members.
GLOVE_RELEASES: dict[str, tuple[int, ...]] = {
    "6B": (50, 100, 200, 300),
    "twitter.27B": (25, 50, 100, 200),
}


class DownloadError(ValueError):
    """A GloVe download failed (offline, HTTP error, damaged archive); the message says what to do."""


class DownloadStopped(DownloadError):
    """``download_glove`` was stopped through its ``stop_event``; the next call resumes."""


# One download per archive at a time in this process: two sessions asking for the same file
# would otherwise append to the same .part file. The second waits, then finds the file there.
_DOWNLOAD_LOCKS: dict[Path, threading.Lock] = {}
_DOWNLOAD_LOCKS_GUARD = threading.Lock()


def _download_lock(path: Path) -> threading.Lock:
    with _DOWNLOAD_LOCKS_GUARD:
        return _DOWNLOAD_LOCKS.setdefault(path.resolve(), threading.Lock())


def _glove_url(name: str, base_url: str | None) -> str:
    base = base_url or os.environ.get("PE_LAB_GLOVE_URL") or DEFAULT_GLOVE_URL
    return base.rstrip("/") + f"/glove.{name}.zip"


def _fetch(url: str, part: Path, timeout: float, progress, stop_event=None) -> None:
    """Append the rest of ``url`` to ``part`` (HTTP Range from its current size)."""
    done = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "pe-lab"})
    if done:
        request.add_header("Range", f"bytes={done}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and done:
            return  # nothing left to send: the part file is complete
        raise
    with response:
        if done and response.status != 206:
            done = 0  # the server ignored the Range header: start again
        length = response.headers.get("Content-Length")
        total = done + int(length) if length is not None else None
        with open(part, "ab" if done else "wb") as out:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
                if stop_event is not None and stop_event.is_set():
                    raise DownloadStopped(
                        f"download of {url} stopped after {done:,} bytes; they are kept in "
                        f"{part} and the next download resumes from there"
                    )
    if total is not None and done < total:
        raise ConnectionError(f"connection closed after {done:,} of {total:,} bytes")


def _download(url: str, target: Path, timeout: float, retries: int, progress, stop_event) -> None:
    """Download ``url`` to ``target`` through ``target.part``, resuming after interruptions."""
    part = target.with_name(target.name + ".part")
    for attempt in range(retries + 1):
        try:
            _fetch(url, part, timeout, progress, stop_event)
            break
        except urllib.error.HTTPError as exc:
            raise DownloadError(_offline_hint(url, f"HTTP {exc.code} {exc.reason}")) from None
        except (OSError, http.client.HTTPException) as exc:
            if is_disk_full(exc):  # not a network problem: a retry would fail the same way
                raise DownloadError(
                    f"{disk_full_message(part.parent)}. The {part.stat().st_size:,} bytes "
                    f"downloaded so far are kept in {part.name}; the next download resumes there."
                ) from None
            # URLError, timeouts and resets are OSErrors; a short body is IncompleteRead or
            # our ConnectionError. Retry: the next request resumes from the .part size.
            if attempt == retries:
                reason = getattr(exc, "reason", None) or repr(exc)
                raise DownloadError(_offline_hint(url, str(reason))) from None
    if not zipfile.is_zipfile(part):
        part.unlink(missing_ok=True)
        raise DownloadError(_offline_hint(url, "the downloaded file is not a zip archive"))
    os.replace(part, target)


def _offline_hint(url: str, reason: str) -> str:
    return (
        f"could not download {url}: {reason}. To work offline, get the GloVe zip or text file "
        "another way and load it with load_vectors('/path/to/glove.6B.50d.txt') (or the .zip "
        "with dim=50); set PE_LAB_GLOVE_URL or base_url= to use a mirror."
    )


def download_glove(
    name: str = "6B",
    dim: int = 50,
    cache_dir: str | os.PathLike | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    base_url: str | None = None,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    keep_zip: bool = True,
    stop_event: threading.Event | None = None,
) -> Path:
    """Download Stanford GloVe ``glove.<name>.zip``, extract ``glove.<name>.<dim>d.txt``, cache it.

    The zip is streamed to ``<cache>/glove/glove.<name>.zip.part`` and an interrupted transfer
    resumes with an HTTP Range request (also on the next call). Only the wanted member is
    extracted; its rows are then parsed into the vectors cache, so ``load_vectors(path)`` on the
    returned path is fast.

    Args:
        name: "6B", "42B", "840B", "twitter.27B", ...
        dim: the dimension whose member to extract (6B: 50, 100, 200, 300).
        cache_dir: default ``default_cache_dir()``.
        progress: called as ``progress(bytes_done, total_bytes_or_None)`` while downloading.
        base_url: default env ``PE_LAB_GLOVE_URL``, else ``https://nlp.stanford.edu/data/``.
        timeout: seconds to wait on the network before giving up on one request.
        retries: how many times an interrupted transfer is resumed within this call.
        keep_zip: keep the zip after extraction (other dimensions then need no download).
        stop_event: when set, the transfer stops after the current chunk and raises
            ``DownloadStopped``; the bytes so far are kept for the next call to resume.

    Returns:
        Path of the extracted text file.

    Raises:
        DownloadError (a ``ValueError``): offline, HTTP error or damaged zip; the message says
        how to use a local file instead. ``DownloadStopped`` (a ``DownloadError``) when stopped.

    Calls for the same archive in one process run one after the other (the second then finds
    the file), never into the same partial file at once.
    """
    root = (Path(cache_dir) if cache_dir else default_cache_dir()) / "glove"
    root.mkdir(parents=True, exist_ok=True)
    member = f"glove.{name}.{dim}d.txt"
    text = root / member
    archive = root / f"glove.{name}.zip"
    with _download_lock(archive):
        if not text.exists():
            if not archive.exists():
                url = _glove_url(name, base_url)
                _download(url, archive, timeout, retries, progress, stop_event)
            with zipfile.ZipFile(archive) as zf:
                if member not in zf.namelist():
                    raise DownloadError(
                        f"{archive} has no member {member}; members: {zf.namelist()}"
                    )
                with zf.open(member) as src:
                    try:
                        atomic_write(text, lambda f: shutil.copyfileobj(src, f, CHUNK))
                    except CacheFullError as exc:  # nothing half-written is left behind
                        raise DownloadError(f"extracting {member} failed: {exc.strerror}") from None
            if not keep_zip:
                archive.unlink(missing_ok=True)
    load_vectors(text, cache_dir=cache_dir)
    return text
