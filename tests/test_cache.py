"""pe_core.cache: one cache folder (with ~ expanded) and one atomic write for every cache."""

import ast
import errno
from pathlib import Path

import numpy as np
import pytest

from pe_core import cache, projection, vectors
from pe_core.cache import CacheFullError, atomic_write, cache_dir

ROOT = Path(__file__).resolve().parents[1]


def test_cache_dir_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PE_LAB_CACHE", "~/pe_cache")
    assert cache_dir() == tmp_path / "pe_cache"
    # Every cache uses it: projection used to keep "~/pe_cache" as a relative folder named ~.
    assert vectors.default_cache_dir() == projection.default_cache_dir() == tmp_path / "pe_cache"
    monkeypatch.delenv("PE_LAB_CACHE")
    assert cache_dir() == tmp_path / ".cache" / "pe_lab"


def test_layouts_are_written_under_the_expanded_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PE_LAB_CACHE", "~/pe_cache")
    monkeypatch.chdir(tmp_path)
    ref = np.random.default_rng(0).normal(size=(60, 5)).astype("float32")
    projection.Projector("tsne", n_iter=20, early_exaggeration_iter=10, perplexity=5).fit(ref)
    assert len(list((tmp_path / "pe_cache" / "layouts").glob("tsne-*"))) == 1
    assert not (tmp_path / "~").exists()


def test_atomic_write_bytes_and_a_writer(tmp_path):
    target = tmp_path / "sub" / "f.bin"
    atomic_write(target, b"abc")
    assert target.read_bytes() == b"abc"
    atomic_write(target, lambda f: f.write(b"xyz"))
    assert target.read_bytes() == b"xyz"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.bin"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")

    def broken(f):
        f.write(b"half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError, match="killed mid-write"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_a_full_disk_is_a_clear_cache_full_error(tmp_path):
    target = tmp_path / "f.bin"

    def full(f):
        f.write(b"x")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(CacheFullError) as info:
        atomic_write(target, full)
    assert info.value.errno == errno.ENOSPC
    assert str(info.value).endswith(
        f"the disk holding the PE Lab cache ({tmp_path}) is full; free some space there, or "
        "set PE_LAB_CACHE to a folder on a larger disk, then try again"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_cache_folder_and_atomic_writes_are_implemented_once():
    """No module but pe_core/cache.py makes temporary files to rename or reads PE_LAB_CACHE."""
    offenders = []
    for path in sorted([*ROOT.glob("pe_core/*.py"), *ROOT.glob("ui/*.py")]):
        if path.name == "cache.py":
            continue
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute) and node.attr == "mkstemp":
                # ui/loaders.py: an upload's private temporary copy, not a cache entry.
                if path.name != "loaders.py":
                    offenders.append(f"{path.name}: mkstemp")
        if '"PE_LAB_CACHE"' in text:
            offenders.append(f"{path.name}: reads PE_LAB_CACHE")
    assert offenders == []
    assert cache.ENV == "PE_LAB_CACHE"
