"""pe_core.cache: one cache folder (with ~ expanded), one atomic write, checked disk entries and
a bounded memory LRU for every cache."""

import ast
import errno
from pathlib import Path

import numpy as np
import pytest

from pe_core import cache, projection, vectors
from pe_core.cache import CacheFullError, DiskEntry, MemoryLRU, atomic_write, cache_dir

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
    layouts = projection.LayoutCache()
    fast = {"n_iter": 20, "early_exaggeration_iter": 10, "perplexity": 5}
    projection.Projector("tsne", cache=layouts, **fast).fit(ref)
    assert len(list((tmp_path / "pe_cache" / "layouts").glob("tsne-*.npz"))) == 1
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
    for path in sorted([*ROOT.glob("pe_core/**/*.py"), *ROOT.glob("ui/*.py")]):
        if path.relative_to(ROOT).as_posix() == "pe_core/cache.py":
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


def test_no_other_module_keeps_its_own_lru_or_checksums():
    """The memory LRU and the checksummed entries live in pe_core/cache.py only."""
    offenders = []
    for path in sorted([*ROOT.glob("pe_core/**/*.py"), *ROOT.glob("ui/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "pe_core/cache.py":
            continue
        text = path.read_text()
        for needle in ("OrderedDict", "zlib.crc32", "move_to_end"):
            if needle in text:
                offenders.append(f"{rel}: {needle}")
    assert offenders == []


# ------------------------------------------------------------------ memory LRU
def test_memory_lru_keeps_at_most_maxsize_and_drops_the_least_recently_used():
    lru = MemoryLRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recently used
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c"), len(lru)) == (1, None, 3, 2)
    lru.clear()
    assert len(lru) == 0 and lru.get("a", "gone") == "gone"


def test_memory_lru_forgets_entries_older_than_max_age():
    lru = MemoryLRU(5, max_age=10)
    lru.put("a", 1, now=0)
    lru.put("b", 2, now=5)
    assert lru.get("a", now=9) == 1  # read: its age restarts at 9
    assert lru.get("b", now=16) is None  # 11 s unused
    assert lru.get("a", now=19) == 1
    assert len(lru) == 1


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_memory_lru_needs_a_bound(size):
    with pytest.raises(ValueError, match=r"^maxsize must be an integer >= 1, got "):
        MemoryLRU(size)


# ------------------------------------------------------------------ disk entries
def _entry(tmp_path):
    return DiskEntry(tmp_path / "e", "thing-1", (".bin", ".txt"))


def test_disk_entry_round_trip_with_a_manifest_of_checksums(tmp_path):
    entry = _entry(tmp_path)
    assert entry.read() is None and entry.damaged is None  # absent: a plain miss
    entry.write({".bin": lambda f: f.write(b"\x00\x01" * 1000), ".txt": b"words"}, {"n": 3})
    assert entry.read() == {"n": 3} and entry.damaged is None
    assert entry.path(".txt").read_bytes() == b"words"
    names = sorted(p.name for p in (tmp_path / "e").iterdir())
    assert names == ["thing-1.bin", "thing-1.json", "thing-1.txt"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete", "manifest"])
def test_a_damaged_entry_is_a_miss_is_removed_and_is_rewritten(tmp_path, damage):
    entry = _entry(tmp_path)
    entry.write({".bin": b"0123456789", ".txt": b"words"}, {"n": 3})
    target = entry.manifest if damage == "manifest" else entry.path(".bin")
    if damage == "flip":
        target.write_bytes(b"0123456780")  # same size, other content
    elif damage == "truncate":
        target.write_bytes(b"01234")
    elif damage == "delete":
        target.unlink()
    else:
        target.write_bytes(b'{"format": 1, "parts": ')  # half a manifest
    assert entry.read() is None
    assert entry.damaged  # says why, for a notice
    assert not (tmp_path / "e").exists() or list((tmp_path / "e").iterdir()) == []
    entry.write({".bin": b"0123456789", ".txt": b"words"}, {"n": 3})
    assert entry.read() == {"n": 3}


def test_an_entry_of_another_layout_is_a_miss(tmp_path):
    entry = _entry(tmp_path)
    entry.write({".bin": b"x", ".txt": b"y"}, {})
    assert DiskEntry(tmp_path / "e", "thing-1", (".bin",)).read() is None  # other parts


def test_a_failed_entry_write_keeps_the_old_entry(tmp_path):
    entry = DiskEntry(tmp_path, "one", (".bin",))
    entry.write({".bin": b"old"}, {"v": 1})

    def broken(f):
        f.write(b"half")
        raise OSError(errno.EIO, "I/O error")

    with pytest.raises(OSError, match="I/O error"):
        entry.write({".bin": broken}, {"v": 2})
    assert entry.read() == {"v": 1} and entry.path(".bin").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.bin", "one.json"]
