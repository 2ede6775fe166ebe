"""Fault and abuse tests: a killed download, a full disk, two Start presses at once, quick
reruns while training, a very large upload. (A server killed mid-training: tests/e2e.)"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from glove_server import Server, make_zip
from streamlit.testing.v1 import AppTest

from pe_core.cache import CacheFullError
from pe_core.vectors import DownloadError, download_glove, load_vectors

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def _leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted atomic write would leave (none may stay)."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)  # poll interval while waiting on the state


# ------------------------------------------------------------------ killed mid-download


def test_a_download_killed_with_sigkill_resumes_and_leaves_nothing_half_written(tmp_path):
    import io
    import zipfile

    from pe_core.vectors.source import CHUNK as _CHUNK

    buf = io.BytesIO(make_zip())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_STORED) as zf:  # big enough for 2 chunks
        zf.writestr("glove.6B.300d.txt", os.urandom(4 * _CHUNK))
    payload = buf.getvalue()
    stall = 2 * _CHUNK + 1000  # the client has written 2 whole chunks when the server stalls
    part = tmp_path / "glove" / "glove.6B.zip.part"
    with Server(payload, stall_first_after=stall) as server:
        code = (
            "from pe_core.vectors import download_glove\n"
            f"download_glove(dim=50, cache_dir={str(tmp_path)!r}, base_url={server.url!r})\n"
        )
        child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        try:
            _wait_for(lambda: part.exists() and part.stat().st_size == 2 * _CHUNK, 60, "2 chunks")
            child.send_signal(signal.SIGKILL)  # no cleanup of any kind runs
            child.wait(30)
        finally:
            if child.poll() is None:
                child.kill()
        assert child.returncode == -signal.SIGKILL
        server.release.set()
        path = download_glove(dim=50, cache_dir=tmp_path, base_url=server.url, timeout=10)
    assert server.requests[1]["range"] == f"bytes={2 * _CHUNK}-"  # resumed, not restarted
    assert (tmp_path / "glove" / "glove.6B.zip").read_bytes() == payload
    assert not part.exists() and _leftovers(tmp_path) == []
    assert load_vectors(path, cache_dir=tmp_path).from_cache  # a complete cache entry


# ------------------------------------------------------------------ full disk


@contextlib.contextmanager
def _small_disk(folder: Path, size: str = "256k"):
    """A tiny tmpfs at ``folder`` (root only); skips where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mount.stderr.strip()}); see the simulated test")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _glove_file(path: Path, rows: int = 4000) -> Path:
    lines = (
        f"w{i} " + " ".join(f"{(i * j) % 97 / 97:.4f}" for j in range(20)) for i in range(rows)
    )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_full_cache_disk_loses_only_the_cache_and_leaves_nothing_corrupt(tmp_path):
    source = _glove_file(tmp_path / "g.txt")  # ~0.6 MB of text, 320 kB as a cache entry
    with _small_disk(tmp_path / "cache") as cache:
        with pytest.warns(UserWarning, match="is full"):
            vectors = load_vectors(source, cache_dir=cache)
        assert len(vectors) == 4000 and not vectors.from_cache
        assert any("is full; free some space there" in n for n in vectors.notes), vectors.notes
        assert _leftovers(cache) == []
        again = load_vectors(source, cache_dir=cache)  # never a half entry served as data
        np.testing.assert_array_equal(again.matrix, vectors.matrix)
        assert not again.from_cache


def test_a_download_into_a_full_disk_says_so_and_keeps_its_bytes(tmp_path):
    payload = make_zip() + b"\0" * 300_000  # bigger than the disk
    with _small_disk(tmp_path / "cache") as cache, Server(payload) as server:
        with pytest.raises(DownloadError, match=r"the disk holding the PE Lab cache .* is full"):
            download_glove(dim=50, cache_dir=cache, base_url=server.url, retries=3)
        assert len(server.requests) == 1  # not retried as if the network had failed
        assert _leftovers(cache) == []


def test_a_full_disk_simulated_by_a_failing_write(tmp_path, monkeypatch):
    """The same checks where no tmpfs can be mounted: every write fails with ENOSPC."""
    import pe_core.cache as cache_module

    source = _glove_file(tmp_path / "g.txt", rows=50)
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(cache_module.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    with pytest.warns(UserWarning, match="is full"):
        vectors = load_vectors(source, cache_dir=tmp_path / "cache")
    assert len(vectors) == 50
    assert list((tmp_path / "cache" / "vectors").iterdir()) == []
    with pytest.raises(CacheFullError):
        cache_module.atomic_write(tmp_path / "x.bin", b"abc")


# ------------------------------------------------------------------ the app


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


_TWO_PRESSES = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from ui import state, training
state.init_session()
st.session_state.opt_epochs = 200
if "presses" not in st.session_state:
    # Two presses of Start in one session (the second from another tab, whose button was
    # drawn before the first press): both reach start_training while the first run is active.
    st.session_state.presses = [training.start_training(), training.start_training()]
"""


def test_two_presses_of_start_in_one_session_start_exactly_one_run():
    from ui import training
    from ui.runs import REGISTRY

    before = sum(len(REGISTRY.jobs_of(o)) for o in REGISTRY.owners())
    at = AppTest.from_string(_TWO_PRESSES, default_timeout=120).run()
    assert not at.exception, at.exception
    run = at.session_state["run"]
    try:
        assert at.session_state["presses"] == [True, False]
        assert not run.done  # the second press neither replaced nor stopped the first run
        assert sum(len(REGISTRY.jobs_of(o)) for o in REGISTRY.owners()) - before == 1
    finally:
        run.stop()
    # (A run whose thread starts after the stop, see jobs.start_after_redraw, ends at once.)
    _wait_for(lambda: not training.is_running(run), 60, "the stopped run to end")


def _live_figures() -> int:
    """How many plotly figures are alive in this process, after a full garbage collection."""
    from plotly.basedatatypes import BaseFigure

    gc.collect()
    return sum(isinstance(o, BaseFigure) for o in gc.get_objects())


def test_twenty_quick_reruns_while_training_leave_the_run_alone_and_memory_flat():
    at = _app()
    at.number_input(key="opt_epochs").set_value(200).run()
    next(b for b in at.button if b.label == "Train on the demo").click().run()
    run = at.session_state["run"]
    try:
        _wait_for(lambda: run.progress()["step"] > 0, 120, "the first batch")
        sizes = [8, 16, 32, 64, 128]
        for i in range(5):  # warm-up reruns: caches and widgets settle
            at.select_slider(key="opt_batch_size").set_value(sizes[i % 5]).run()
        tracemalloc.start()
        # The run's own snapshots and Keras' state grow while it trains, and so does the live
        # map's cache of placed snapshots (ui/live.py, pandas), by how far the run got meanwhile
        # (a busy box: fewer); what the reruns themselves keep is the rest.
        mine = [
            tracemalloc.Filter(False, pattern)
            for pattern in (
                "*pe_core/training/*",
                "*pe_core/model.py",  # the run's row snapshots
                "*pe_core/moving_knn.py",  # and its stored neighbours
                "*keras*",
                "*tensorflow*",
                "*numpy*",
                "*pandas*",
                "*ui/live.py",
            )
        ]
        base = tracemalloc.take_snapshot().filter_traces(mine)
        figures_before = _live_figures()
        step_before = run.progress()["step"]
        for i in range(20):  # slider drags: each one a rerun of the Train page
            at.select_slider(key="opt_batch_size").set_value(sizes[i % 5]).run()
            assert not at.exception, at.exception
        after = tracemalloc.take_snapshot().filter_traces(mine)
        tracemalloc.stop()
        grown = sum(d.size_diff for d in after.compare_to(base, "filename"))
        # A figure kept per rerun is only ~150 KB this early in the run, below any safe memory
        # bound: count the live plotly figures instead (the page's map and curves, at most).
        assert _live_figures() - figures_before <= 2
        assert at.session_state["run"] is run and run.progress()["state"] == "running"
        assert run.progress()["step"] > step_before  # it kept training meanwhile
        assert run.progress()["batches_per_epoch"] == 75  # batch 32 of the start, unchanged
        # Measured 1.5-3 MB alone with the run's and live map's growth left out (4-10 MB with
        # it, by how far the run got).
        assert grown < 10 * 2**20, f"Python memory grew {grown / 2**20:.1f} MB over 20 reruns"
    finally:
        run.stop()
        run.join(60)


class _Upload:
    """A file-like upload that records how it is read and refuses to be read whole."""

    def __init__(self, data: bytes):
        import io

        self._buf, self.reads = io.BytesIO(data), []

    def seek(self, pos, whence=0):
        return self._buf.seek(pos, whence)

    def read(self, size=-1):
        assert size is not None and 0 < size <= 1 << 20, f"read({size}) of a whole upload"
        self.reads.append(size)
        return self._buf.read(size)

    def getvalue(self):
        raise AssertionError("getvalue() would copy the whole upload into memory")


def test_a_large_vectors_upload_is_streamed_to_disk_not_copied_in_memory(tmp_path):
    from ui import loaders

    rows = [f"w{i} " + " ".join(["0.25"] * 50) + "\n" for i in range(60_000)]
    data = "".join(rows).encode()  # 15 MB: stands for the 1 GB case, same code path
    upload = _Upload(data)
    vectors = loaders.vectors_from_upload("big.txt", upload, max_words=10)
    assert len(vectors) == 10 and vectors.source == "upload: big.txt"
    assert sum(upload.reads) >= len(data) and max(upload.reads) == 1 << 20
    with pytest.raises(ValueError, match="the uploaded file 'e.txt' is empty"):
        loaders.vectors_from_upload("e.txt", _Upload(b""))
