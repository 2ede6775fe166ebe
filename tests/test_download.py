"""download_glove against a local HTTP server (127.0.0.1, started here): Range, resume, errors."""

from __future__ import annotations

import io
import threading
import zipfile

import numpy as np
import pytest
from glove_server import ROWS50, Server, make_zip

from pe_core.vectors import DownloadError, DownloadStopped, download_glove, load_vectors


def expected50():
    return np.array([[(i + j) / 100 for j in range(50)] for i in range(40)], dtype=np.float32)


def test_download_extracts_member_and_fills_cache(tmp_path):
    payload = make_zip()
    seen = []
    with Server(payload) as server:
        path = download_glove(
            "6B",
            50,
            cache_dir=tmp_path,
            base_url=server.url,
            progress=lambda d, t: seen.append((d, t)),
        )
    assert path == tmp_path / "glove" / "glove.6B.50d.txt"
    assert path.read_text() == ROWS50
    assert not (tmp_path / "glove" / "glove.6B.100d.txt").exists()  # only the wanted member
    assert seen[-1] == (len(payload), len(payload))
    assert server.requests == [{"path": "/glove.6B.zip", "range": None}]
    v = load_vectors(path, cache_dir=tmp_path)
    assert v.from_cache and len(v) == 40 and v.dim == 50
    np.testing.assert_allclose(v.matrix, expected50())


def test_second_call_needs_no_network_and_other_dim_reuses_zip(tmp_path):
    with Server(make_zip()) as server:
        download_glove(dim=50, cache_dir=tmp_path, base_url=server.url)
        download_glove(dim=50, cache_dir=tmp_path, base_url=server.url)
        path100 = download_glove(dim=100, cache_dir=tmp_path, base_url=server.url)
    assert len(server.requests) == 1
    assert load_vectors(path100, cache_dir=tmp_path).dim == 100


def test_interrupted_transfer_is_resumed_with_range(tmp_path):
    payload = make_zip()
    cut = len(payload) // 3
    with Server(payload, cut_first_after=cut) as server:
        path = download_glove(dim=50, cache_dir=tmp_path, base_url=server.url, timeout=10)
    assert [r["range"] for r in server.requests] == [None, f"bytes={cut}-"]
    assert (tmp_path / "glove" / "glove.6B.zip").read_bytes() == payload
    assert not (tmp_path / "glove" / "glove.6B.zip.part").exists()
    np.testing.assert_allclose(load_vectors(path, cache_dir=tmp_path).matrix, expected50())


def test_partial_file_from_an_earlier_run_is_resumed(tmp_path):
    payload = make_zip()
    (tmp_path / "glove").mkdir()
    (tmp_path / "glove" / "glove.6B.zip.part").write_bytes(payload[:1000])
    with Server(payload) as server:
        download_glove(dim=50, cache_dir=tmp_path, base_url=server.url)
    assert server.requests[0]["range"] == "bytes=1000-"
    assert (tmp_path / "glove" / "glove.6B.zip").read_bytes() == payload


def test_env_var_sets_the_base_url(tmp_path, monkeypatch):
    with Server(make_zip()) as server:
        monkeypatch.setenv("PE_LAB_GLOVE_URL", server.url)
        path = download_glove(dim=50, cache_dir=tmp_path)
    assert path.exists() and len(server.requests) == 1


def test_http_error_says_how_to_use_a_local_file(tmp_path):
    with Server(make_zip(), status=404) as server:
        with pytest.raises(DownloadError, match=r"HTTP 404.*load_vectors\('/path/to/glove"):
            download_glove(dim=50, cache_dir=tmp_path, base_url=server.url)


def test_offline_is_a_value_error_with_a_hint(tmp_path):
    # A port nobody listens on: connection refused, like being offline.
    with Server(b"") as server:
        url = server.url
    with pytest.raises(ValueError, match="could not download .*load_vectors"):
        download_glove(dim=50, cache_dir=tmp_path, base_url=url, retries=0, timeout=2)


def test_missing_member_and_not_a_zip(tmp_path):
    with Server(make_zip()) as server:
        with pytest.raises(DownloadError, match="no member glove.6B.300d.txt"):
            download_glove(dim=300, cache_dir=tmp_path, base_url=server.url)
    with Server(b"this is not a zip") as server:
        with pytest.raises(DownloadError, match="not a zip archive"):
            download_glove(dim=50, cache_dir=tmp_path / "other", base_url=server.url)
    assert not (tmp_path / "other" / "glove" / "glove.6B.zip.part").exists()


def test_a_stopped_download_keeps_its_bytes_and_the_next_call_resumes(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("glove.6B.50d.txt", ROWS50)
        zf.writestr("filler.bin", bytes(1_000_000))  # about four chunks
    payload = buf.getvalue()
    stop, seen = threading.Event(), []

    def progress(done, total):
        seen.append(done)
        stop.set()  # stop after the first chunk

    part = tmp_path / "glove" / "glove.6B.zip.part"
    with Server(payload) as server:
        with pytest.raises(DownloadStopped, match="next download resumes"):
            download_glove(
                dim=50, cache_dir=tmp_path, base_url=server.url, progress=progress, stop_event=stop
            )
        assert 0 < part.stat().st_size == seen[-1] < len(payload)
        path = download_glove(dim=50, cache_dir=tmp_path, base_url=server.url)
    assert server.requests[1]["range"] == f"bytes={seen[-1]}-"
    assert (tmp_path / "glove" / "glove.6B.zip").read_bytes() == payload
    np.testing.assert_allclose(load_vectors(path, cache_dir=tmp_path).matrix, expected50())


def test_two_threads_asking_for_the_same_file_download_it_once(tmp_path):
    payload = make_zip()
    paths, errors = [], []

    def fetch():
        try:
            paths.append(download_glove(dim=50, cache_dir=tmp_path, base_url=server.url))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    with Server(payload) as server:
        threads = [threading.Thread(target=fetch) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == [] and len(paths) == 2 and paths[0] == paths[1]
    assert len(server.requests) == 1
    assert (tmp_path / "glove" / "glove.6B.zip").read_bytes() == payload
