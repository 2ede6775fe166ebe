"""load_vectors: formats, containers, bad input, cache."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
import zlib

import numpy as np
import pytest

from pe_core.vectors import Vectors, default_cache_dir, load_vectors

ROWS = [("the", [0.1, 0.2, 0.3]), (",", [-1.5, 2.0, 0.0]), ("café", [1e-3, -2e2, 3.25])]
EXPECTED = np.array([r[1] for r in ROWS], dtype=np.float32)


def glove_text(rows=ROWS, end="\n") -> str:
    return "".join(f"{w} {' '.join(str(x) for x in v)}{end}" for w, v in rows)


def write(path, text: str | bytes):
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def assert_rows(v: Vectors, rows=ROWS):
    assert v.words == [w for w, _ in rows]
    np.testing.assert_array_equal(v.matrix, np.array([r[1] for r in rows], dtype=np.float32))
    assert v.matrix.dtype == np.float32


# ----------------------------------------------------------------------------- formats


def test_glove_text(tmp_path):
    v = load_vectors(write(tmp_path / "g.txt", glove_text()), cache=False)
    assert_rows(v)
    assert (v.fmt, v.dim, len(v), v.skipped) == ("glove", 3, 3, {})
    assert v.index("café") == 2 and "the" in v and "nope" not in v
    assert v.source == str(tmp_path / "g.txt")


def test_word2vec_header_with_trailing_spaces(tmp_path):
    text = "3 3 \n" + glove_text(end=" \n")
    v = load_vectors(write(tmp_path / "w.txt", text), cache=False)
    assert_rows(v)
    assert v.fmt == "word2vec"


def test_fasttext_vec_crlf_and_no_final_newline(tmp_path):
    text = "3 3\r\n" + glove_text(end=" \r\n").rstrip("\r\n")
    v = load_vectors(write(tmp_path / "w.vec", text), fmt="fasttext", cache=False)
    assert_rows(v)


def test_header_count_mismatch_is_noted(tmp_path):
    v = load_vectors(write(tmp_path / "w.txt", "5 3\n" + glove_text()), cache=False)
    assert len(v) == 3
    assert any("announced 5" in n for n in v.notes)


def test_fmt_glove_never_reads_a_header(tmp_path):
    # "3 3" as a GloVe row would be the word "3" with a 1-d vector: wrong dim against the rest.
    path = write(tmp_path / "w.txt", "3 3\n" + glove_text())
    with pytest.raises(ValueError, match="line 1"):
        load_vectors(path, fmt="glove", cache=False)


def test_word2vec_without_header_refused(tmp_path):
    with pytest.raises(ValueError, match="expects a first line 'N D'"):
        load_vectors(write(tmp_path / "g.txt", glove_text()), fmt="word2vec", cache=False)


def test_gzip(tmp_path):
    path = tmp_path / "g.txt.gz"
    path.write_bytes(gzip.compress(glove_text().encode()))
    assert_rows(load_vectors(path, cache=False))


def test_zip_member_by_dim_and_name(tmp_path):
    path = tmp_path / "glove.6B.zip"
    rows5 = [(w, v + [1.0, 2.0]) for w, v in ROWS]
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("glove.6B.3d.txt", glove_text())
        zf.writestr("glove.6B.5d.txt", glove_text(rows5))
    assert_rows(load_vectors(path, dim=3, cache=False))
    v = load_vectors(path, member="glove.6B.5d.txt", cache=False)
    assert_rows(v, rows5)
    assert "read member glove.6B.5d.txt of the zip" in v.notes
    with pytest.raises(ValueError, match=r"several vectors files .*glove\.6B\.3d\.txt"):
        load_vectors(path, cache=False)
    with pytest.raises(ValueError, match="no member 'x.txt'"):
        load_vectors(path, member="x.txt", cache=False)
    with pytest.raises(ValueError, match="no member for dim=7"):
        load_vectors(path, dim=7, cache=False)


def test_zip_without_text_member(tmp_path):
    path = tmp_path / "v.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.md", "hello")
    with pytest.raises(ValueError, match=r"no text vectors file .*readme\.md"):
        load_vectors(path, cache=False)


def test_container_detected_by_content_not_extension(tmp_path):
    path = tmp_path / "vectors.dat"
    path.write_bytes(gzip.compress(glove_text().encode()))
    assert_rows(load_vectors(path, cache=False))


def test_max_words_keeps_first_rows(tmp_path):
    v = load_vectors(write(tmp_path / "g.txt", glove_text()), max_words=2, cache=False)
    assert_rows(v, ROWS[:2])
    assert any("first 2 rows" in n for n in v.notes)


def test_max_words_above_the_file_length_reads_all_and_says_nothing(tmp_path):
    # The app asks for 50,000 rows; an 8,453-row file was told it was "read the first 50,000
    # rows only", as if cut short.
    v = load_vectors(write(tmp_path / "g.txt", glove_text()), max_words=50, cache=False)
    assert_rows(v)
    assert not [n for n in v.notes if "max_words" in n]


def test_dim_mismatch(tmp_path):
    with pytest.raises(ValueError, match="3-dimensional vectors but dim=50"):
        load_vectors(write(tmp_path / "g.txt", glove_text()), dim=50, cache=False)


def test_one_word_file(tmp_path):
    v = load_vectors(write(tmp_path / "g.txt", "hello 1 2\n"), cache=False)
    assert v.words == ["hello"] and v.matrix.tolist() == [[1.0, 2.0]]


def test_words_that_look_like_nan_or_numbers_stay_words(tmp_path):
    text = "nan 1 2\nnull 3 4\n1.5 5 6\nNA 7 8\n"
    v = load_vectors(write(tmp_path / "g.txt", text), cache=False)
    assert v.words == ["nan", "null", "1.5", "NA"]
    assert v.matrix[:, 0].tolist() == [1, 3, 5, 7]


@pytest.mark.parametrize("kind", ["plain", "gzip", "fallback", "max_words"])
def test_progress_is_monotone_and_reaches_one(tmp_path, kind):
    rows = [(f"w{i}", [float(i), 1.0, 2.0]) for i in range(60_000)]  # ~1 MB: several chunks
    text = glove_text(rows) + ("bad 1\n" if kind == "fallback" else "")
    data = gzip.compress(text.encode()) if kind == "gzip" else text.encode()
    seen = []
    v = load_vectors(
        write(tmp_path / "g", data),
        cache=False,
        progress=seen.append,
        on_bad_line="skip",
        max_words=100 if kind == "max_words" else None,
    )
    assert len(v) == (100 if kind == "max_words" else 60_000)
    assert seen[-1] == 1.0 and seen == sorted(set(seen))
    assert len(seen) > (1 if kind in ("plain", "fallback") else 0)


def test_real_glove_sample(shared_glove):
    v = load_vectors(shared_glove)
    assert (len(v), v.dim, v.words[0], v.skipped) == (8453, 50, "the", {})
    assert v.matrix[0, 0] == np.float32(0.418)
    assert load_vectors(shared_glove).from_cache


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("\n\n  \n", "is empty"),
        ("400000 50\n", "only a header line 400000 50"),
        ("2 5\n" + glove_text(), "header says 5 dimensions but the rows have 3"),
        ("hello\nworld\n", "found only a word"),
    ],
)
def test_structural_errors(tmp_path, content, message):
    with pytest.raises(ValueError, match=message):
        load_vectors(write(tmp_path / "g.txt", content), cache=False)


def test_binary_word2vec_refused(tmp_path):
    vecs = np.arange(6, dtype=np.float32).reshape(2, 3)
    data = b"2 3\n" + b"".join(
        w + b" " + r.tobytes() for w, r in zip([b"a", b"b"], vecs, strict=True)
    )
    with pytest.raises(
        ValueError,
        match=r"v\.bin is binary word2vec data \(a \.bin file\), not word vectors.*"
        r"If it is a binary word2vec \.bin, convert it first, e\.g\. with gensim",
    ):
        load_vectors(write(tmp_path / "v.bin", data), cache=False)


def test_gz_that_is_not_gzip(tmp_path):
    with pytest.raises(ValueError, match="named .gz but is not gzip"):
        load_vectors(write(tmp_path / "g.txt.gz", glove_text()), cache=False)


def test_zip_that_is_not_zip(tmp_path):
    with pytest.raises(ValueError, match="named .zip but is not a zip"):
        load_vectors(write(tmp_path / "g.zip", glove_text()), cache=False)


def test_truncated_gzip(tmp_path):
    data = gzip.compress(glove_text(ROWS * 200).encode())
    with pytest.raises(ValueError, match="damaged or truncated gzip"):
        load_vectors(write(tmp_path / "g.gz", data[: len(data) // 2]), cache=False)


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_vectors(tmp_path / "nope.txt")
    path = write(tmp_path / "g.txt", glove_text())
    with pytest.raises(ValueError, match="fmt must be"):
        load_vectors(path, fmt="csv")
    with pytest.raises(ValueError, match="on_bad_line must be"):
        load_vectors(path, on_bad_line="ignore")
    with pytest.raises(ValueError, match="max_words must be"):
        load_vectors(path, max_words=0)


RAGGED = glove_text(ROWS[:2]) + "short 1 2\n" + glove_text(ROWS[2:]) + "long 1 2 3 4\n"


def test_ragged_line_names_line_number(tmp_path):
    with pytest.raises(
        ValueError, match=r"line 3: expected 4 fields .*found 3.*on_bad_line='skip'"
    ):
        load_vectors(write(tmp_path / "g.txt", RAGGED), cache=False)


def test_ragged_lines_skipped_and_counted(tmp_path):
    v = load_vectors(write(tmp_path / "g.txt", RAGGED), on_bad_line="skip", cache=False)
    assert_rows(v)
    assert v.skipped == {"bad_line": 2}
    assert "2 lines with the wrong number of fields" in v.report()


def test_too_many_numeric_fields_is_an_error(tmp_path):
    text = glove_text() + "long 1 2 3 4\n"
    with pytest.raises(ValueError, match="line 4: expected 4 fields .*found 5"):
        load_vectors(write(tmp_path / "g.txt", text), cache=False)


def test_unreadable_number(tmp_path):
    text = glove_text() + "bad 1 2 x\n"
    with pytest.raises(ValueError, match=r"line 4: could not read 3 numbers from '1 2 x'"):
        load_vectors(write(tmp_path / "g.txt", text), cache=False)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_non_finite_value_names_line(tmp_path, value):
    text = glove_text() + f"bad 1 {value} 2\n"
    with pytest.raises(ValueError, match="line 4: NaN or infinite value in the vector of 'bad'"):
        load_vectors(write(tmp_path / "g.txt", text), cache=False)
    v = load_vectors(tmp_path / "g.txt", on_bad_line="skip", cache=False)
    assert_rows(v)
    assert v.skipped == {"non_finite": 1}


def test_non_finite_line_number_counts_the_header(tmp_path):
    text = "2 3\n" + glove_text(ROWS[:1]) + "bad 1 nan 2\n"
    with pytest.raises(ValueError, match="line 3: NaN"):
        load_vectors(write(tmp_path / "g.txt", text), cache=False)


def test_cp1252_bytes_come_back_as_themselves(tmp_path):
    data = glove_text().encode() + b"\x93quoted\x94 1 2 3\nen\x96dash 4 5 6\n"
    v = load_vectors(write(tmp_path / "g.txt", data), cache=False)
    assert v.words[3:] == ["\u201cquoted\u201d", "en\u2013dash"]
    assert v.skipped == {"non_utf8_word": 2}
    assert v.words[2] == "café"


def test_distinct_non_utf8_words_stay_distinct_rows(tmp_path):
    # Four different byte strings that U+FFFD replacement made into one word (3 rows lost).
    # \x81 and \x8d have no cp1252 character: latin-1 keeps them as their own code points.
    odd = [b"\x96", b"\x92s", b"\x97", b"\x81x", b"x\x8d"]
    data = b"".join(w + b" %d 0 0\n" % i for i, w in enumerate(odd, start=1))
    v = load_vectors(write(tmp_path / "g.txt", glove_text().encode() + data), cache=False)
    assert v.words[3:] == ["\u2013", "\u2019s", "\u2014", "\x81x", "x\x8d"]
    assert v.matrix[3:, 0].tolist() == [1, 2, 3, 4, 5]
    assert v.skipped == {"non_utf8_word": 5}


def test_duplicate_made_by_decoding_is_counted_and_named(tmp_path):
    data = glove_text().encode() + "\u2013 1 1 1\n".encode() + b"\x96 2 2 2\nthe 3 3 3\n"
    v = load_vectors(write(tmp_path / "g.txt", data), cache=False)
    assert v.words == ["the", ",", "café", "\u2013"]
    assert v.matrix[3].tolist() == [1, 1, 1]
    assert v.skipped == {"non_utf8_word": 1, "duplicate_word": 1, "decoded_duplicate": 1}
    assert v.notes == [
        "1 words became equal to an earlier word once decoded and were dropped (the earlier row "
        "kept): '\u2013' (rows 4 and 5)"
    ]
    assert "named in the notes" in v.report()


def test_mojibake_is_repaired_on_request(tmp_path):
    data = glove_text(ROWS[:1]) + "\u00e2\u20ac\u201c 1 2 3\nit\u00e2\u20ac\u2122s 4 5 6\n"
    path = write(tmp_path / "g.txt", data)
    assert load_vectors(path, cache=False).words[1:] == [
        "\u00e2\u20ac\u201c",
        "it\u00e2\u20ac\u2122s",
    ]
    v = load_vectors(path, fix_mojibake=True, cache_dir=tmp_path / "c")
    assert v.words == ["the", "\u2013", "it\u2019s"]
    assert v.skipped == {"mojibake_fixed": 2}
    again = load_vectors(path, fix_mojibake=True, cache_dir=tmp_path / "c")
    assert again.from_cache and again.words == v.words
    assert not load_vectors(path, cache_dir=tmp_path / "c").from_cache  # its own cache entry


def test_duplicates_keep_first(tmp_path):
    rows = ROWS + [("the", [9.0, 9.0, 9.0]), (",", [8.0, 8.0, 8.0])]
    v = load_vectors(write(tmp_path / "g.txt", glove_text(rows)), cache=False)
    assert_rows(v)
    assert v.skipped == {"duplicate_word": 2}


def test_words_with_spaces_take_last_d_fields(tmp_path):
    text = glove_text(ROWS[:1]) + ". . . 1 2 3\n" + glove_text(ROWS[1:]) + "at name@x.com 4 5 6\n"
    v = load_vectors(write(tmp_path / "g.txt", text), cache=False)
    assert v.words == ["the", ". . .", ",", "café", "at name@x.com"]
    np.testing.assert_array_equal(v.matrix[1], [1, 2, 3])
    np.testing.assert_array_equal(v.matrix[4], [4, 5, 6])
    np.testing.assert_array_equal(v.matrix[[0, 2, 3]], EXPECTED)
    assert v.skipped == {"word_with_spaces": 2}


def test_blank_lines_counted(tmp_path):
    text = glove_text(ROWS[:1]) + "\n\n" + glove_text(ROWS[1:]) + "\n"
    v = load_vectors(write(tmp_path / "g.txt", text), cache=False)
    assert_rows(v)
    assert v.skipped == {"blank_line": 3}


def test_blank_lines_and_words_with_spaces_together(tmp_path):
    text = glove_text(ROWS[:1]) + "\n" + "a b 7 8 9\n" + glove_text(ROWS[1:])
    v = load_vectors(write(tmp_path / "g.txt", text), cache=False)
    assert v.words == ["the", "a b", ",", "café"]
    assert v.skipped == {"blank_line": 1, "word_with_spaces": 1}


def test_leading_space_line_is_a_bad_line(tmp_path):
    text = glove_text() + " 1 2 3\n"
    with pytest.raises(ValueError, match="line 4: expected 4 fields"):
        load_vectors(write(tmp_path / "g.txt", text), cache=False)


def test_bom_is_ignored(tmp_path):
    v = load_vectors(
        write(tmp_path / "g.txt", b"\xef\xbb\xbf" + glove_text().encode()), cache=False
    )
    assert_rows(v)


# ----------------------------------------------------------------------------- cache


def cache_files(root):
    return sorted(p.name.rsplit(".", 1)[-1] for p in (root / "vectors").iterdir())


def test_default_cache_dir_honours_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PE_LAB_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PE_LAB_CACHE")
    assert default_cache_dir() == default_cache_dir().home() / ".cache" / "pe_lab"


def test_cache_hit_and_where_it_lives(tmp_path):
    src = tmp_path / "data"
    src.mkdir()
    path = write(src / "g.txt", glove_text(ROWS + [("the", [1.0, 1.0, 1.0])]))
    first = load_vectors(path)
    assert not first.from_cache
    assert os.listdir(src) == ["g.txt"]  # nothing written next to the user's file
    root = default_cache_dir()
    assert cache_files(root) == ["json", "npy", "words"]
    second = load_vectors(path)
    assert second.from_cache
    assert (second.words, second.fmt, second.skipped) == (
        first.words,
        "glove",
        {"duplicate_word": 1},
    )
    np.testing.assert_array_equal(second.matrix, first.matrix)
    second.matrix[0, 0] = 5.0  # copy-on-write map: allowed, never reaches the cache file
    assert load_vectors(path).matrix[0, 0] == np.float32(0.1)
    assert "from cache" in second.report()


def test_cache_dir_argument_and_key_parts(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    load_vectors(path, cache_dir=tmp_path / "mycache")
    assert load_vectors(path, cache_dir=tmp_path / "mycache").from_cache
    assert not load_vectors(path, cache_dir=tmp_path / "mycache", max_words=2).from_cache
    assert len(load_vectors(path, cache_dir=tmp_path / "mycache", max_words=2)) == 2


def test_cache_invalidated_when_file_changes(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    load_vectors(path)
    write(path, glove_text(ROWS[:2]))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    v = load_vectors(path)
    assert not v.from_cache and len(v) == 2
    assert load_vectors(path).from_cache


def test_mtime_change_alone_invalidates(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    load_vectors(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert not load_vectors(path).from_cache


@pytest.mark.parametrize("part", ["npy", "words", "json"])
@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupted_cache_rebuilt(tmp_path, part, damage):
    path = write(tmp_path / "g.txt", glove_text())
    load_vectors(path)
    (target,) = (default_cache_dir() / "vectors").glob(f"*.{part}")
    data = bytearray(target.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[-2] ^= 0x55
    target.write_bytes(bytes(data))
    v = load_vectors(path)
    assert not v.from_cache
    assert_rows(v)
    assert load_vectors(path).from_cache  # rebuilt


def test_cache_meta_records_checksums(tmp_path):
    path = write(tmp_path / "g.txt", glove_text())
    load_vectors(path)
    (manifest,) = (default_cache_dir() / "vectors").glob("*.json")
    info = json.loads(manifest.read_text())
    meta = info["meta"]
    assert meta["shape"] == [3, 3] and meta["stamp"]["size"] == path.stat().st_size
    npy = manifest.with_suffix(".npy")
    assert info["parts"][".npy"] == [npy.stat().st_size, zlib.crc32(npy.read_bytes())]
    assert set(info["parts"]) == {".npy", ".words"}


def _load_in_child(path, out):
    v = load_vectors(path)
    out.put((len(v), float(v.matrix.sum())))


def test_two_processes_writing_the_same_entry(tmp_path):
    import multiprocessing as mp

    rows = [(f"w{i}", [float(i), 1.0, -1.0]) for i in range(3000)]
    path = write(tmp_path / "g.txt", glove_text(rows))
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_load_in_child, args=(path, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
    assert results == [(3000, float(sum(range(3000))))] * 2
    v = load_vectors(path)
    assert v.from_cache and len(v) == 3000
    assert not list((default_cache_dir() / "vectors").glob("*.tmp"))


@pytest.mark.parametrize("other", [b"", b"\x93q 7 8 9\n"])
def test_non_utf8_word_with_spaces(tmp_path, other):
    data = glove_text().encode() + other + b"caf\xe9 x 1 2 3\n"
    v = load_vectors(write(tmp_path / "g.txt", data), cache=False)
    assert v.words[3:] == (["\u201cq"] if other else []) + ["café x"]
    assert v.skipped == {"word_with_spaces": 1, "non_utf8_word": 1 + bool(other)}
    np.testing.assert_array_equal(v.matrix[-1], [1, 2, 3])


def test_fingerprint_is_hashed_once_per_vectors(monkeypatch):
    import hashlib

    import pe_core.vectors.container as vectors_module

    calls = []
    real = hashlib.sha1

    def counting(*args):
        calls.append(1)
        return real(*args)

    v = Vectors(["a", "b"], np.ones((2, 3), np.float32))
    monkeypatch.setattr(vectors_module.hashlib, "sha1", counting)
    first = v.fingerprint()
    assert v.fingerprint() == first and len(calls) == 1
    assert Vectors(["a", "b"], np.ones((2, 3), np.float32)).fingerprint() == first


def test_a_pca_map_does_not_hash_the_whole_table(monkeypatch):
    from pe_core.projection import Projector

    v = Vectors([f"w{i}" for i in range(20)], np.random.default_rng(0).normal(size=(20, 4)))
    monkeypatch.setattr(Vectors, "fingerprint", lambda self: pytest.fail("hashed V x d"))
    p = Projector("pca").fit_vectors(v, np.arange(10))
    assert p.embedding_.shape == (10, 2)
