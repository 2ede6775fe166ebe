"""The bad-input matrix of issue 7 (item 3) and the library-level faults of item 2, in one place.

Every case goes through the public pe_core API (load_vectors, load_dataset, Vocabulary.build,
train / TrainingRun, Projector, DualEmbedding). A refused input must raise ``ValueError`` with a
message that names the problem; an accepted one is checked for what it produced. The module
owners' own tests cover the happy paths; here each row of the README's "Reliability" table is a
case.
"""

from __future__ import annotations

import gzip
import io
import multiprocessing
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

# ------------------------------------------------------------------ tiny shared data

WORDS = [
    "good", "great", "fine", "nice", "happy", "love", "bad", "awful", "sad", "hate",
    "poor", "worst", "the", "a", "movie", "food", "was", "is", "it", "very",
]  # fmt: skip


@pytest.fixture(scope="module")
def vectors():
    from pe_core.vectors import Vectors

    rng = np.random.default_rng(0)
    return Vectors(WORDS, rng.normal(size=(len(WORDS), 8)).astype(np.float32))


@pytest.fixture(scope="module")
def corpus():
    """40 short texts, two classes of 20, from the words above (plus an OOV word and a URL)."""
    pos = ["the movie was good", "great food", "it is very nice", "love it :)", "happy happy"]
    neg = ["the food was bad", "awful movie", "it is very sad", "hate it :(", "worst zorblax"]
    texts = (pos + neg) * 4
    labels = ["pos"] * 5 + ["neg"] * 5
    return texts, labels * 4


def _glove_text(words, dim=3, seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    rows = [" ".join([w, *(f"{x:.4f}" for x in rng.normal(size=dim))]) for w in words]
    return ("\n".join(rows) + "\n").encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


# ------------------------------------------------------------------ vectors files

VECTOR_REFUSED = [
    ("empty", "v.txt", b"", "is empty"),
    ("blank lines only", "v.txt", b"\n \n\n", "is empty"),
    ("header only", "v.vec", b"3 2\n", "only a header line 3 2 and no vector rows"),
    ("ragged", "v.txt", b"a 1 2\nb 1 2 3\nc 1 2\n", r"line 2: expected 3 fields .* found 4"),
    ("words without numbers", "v.txt", b"a\nb\n", "line 1: found only a word"),
    ("text instead of numbers", "v.txt", b"a x y\nb 1 2\n", "line 1: could not read 2 numbers"),
    ("NaN", "v.txt", b"a 1 2\nb nan 2\n", "line 2: NaN or infinite"),
    ("inf", "v.txt", b"a 1 2\nb 1 -inf\n", "line 2: NaN or infinite"),
    ("binary", "v.bin", bytes(range(256)) * 8, "v.bin is binary data, not word vectors"),
    ("binary word2vec", "v.bin", b"2 3\na " + bytes(range(12)) + b"\n", "binary word2vec data"),
    ("png named .txt", "v.txt", b"\x89PNG\r\n\x1a\n" + bytes(256), "v.txt is a PNG image, not"),
    ("gzip that is not gzip", "v.txt.gz", b"a 1 2\n", "named .gz but is not gzip"),
    ("truncated gzip", "v.txt.gz", gzip.compress(_glove_text(["a", "b"] * 50))[:40], "truncated"),
    ("zip that is not zip", "v.zip", b"a 1 2\n", "named .zip but is not a zip"),
    ("zip with no text member", "v.zip", _zip({"a.md": b"hi", "b.png": b"\x89PNG"}), "no text"),
    ("empty zip", "v.zip", _zip({}), "no text vectors file"),
    ("header disagrees", "v.vec", b"2 5\na 1 2\nb 3 4\n", "header says 5 dimensions"),
]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [c[1:] for c in VECTOR_REFUSED],
    ids=[c[0] for c in VECTOR_REFUSED],
)
def test_bad_vectors_file_is_refused_with_a_clear_message(tmp_path, name, data, message):
    from pe_core.vectors import load_vectors

    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        load_vectors(path)


def test_bad_lines_can_be_skipped_and_are_counted(tmp_path):
    from pe_core.vectors import load_vectors

    path = tmp_path / "v.txt"
    path.write_bytes(b"a 1 2\nb 1 2 3\nc nan 1\nd 3 4\n")
    v = load_vectors(path, on_bad_line="skip")
    assert v.words == ["a", "d"]
    assert v.skipped == {"bad_line": 1, "non_finite": 1}


def test_error_messages_show_words_as_text(tmp_path):
    from pe_core.vectors import load_vectors

    path = tmp_path / "v.txt"
    path.write_bytes(b"a 1 2\nbroken nan 2\n")
    with pytest.raises(ValueError) as err:
        load_vectors(path)
    assert "'broken'" in str(err.value) and "b'broken'" not in str(err.value)


VECTOR_ACCEPTED = [
    # (id, file name, bytes, expected words, expected skipped counts)
    ("one word", "v.txt", b"a 1 2 3\n", ["a"], {}),
    ("words with spaces", "v.txt", b"a 1 2\nnew york 3 4\nb 5 6\n", ["a", "new york", "b"],
     {"word_with_spaces": 1}),
    ("duplicate words keep the first", "v.txt", b"a 1 2\na 3 4\nb 5 6\n", ["a", "b"],
     {"duplicate_word": 1}),
    ("non-UTF-8 word", "v.txt", "caf\xe9 1 2\nb 3 4\n".encode("latin-1"), ["café", "b"],
     {"non_utf8_word": 1}),
    ("wrong extension: content decides", "v.csv", b"a 1 2\nb 3 4\n", ["a", "b"], {}),
    ("gzip named .txt", "v.txt", gzip.compress(b"a 1 2\nb 3 4\n"), ["a", "b"], {}),
    ("UTF-8 BOM and CRLF", "v.txt", b"\xef\xbb\xbfa 1 2\r\nb 3 4\r\n", ["a", "b"], {}),
    ("zip picks the text member", "v.zip", _zip({"x.md": b"hi", "g.txt": b"a 1 2\n"}), ["a"], {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "words", "skipped"),
    [c[1:] for c in VECTOR_ACCEPTED],
    ids=[c[0] for c in VECTOR_ACCEPTED],
)
def test_odd_but_usable_vectors_file_loads_and_counts_what_it_changed(
    tmp_path, name, data, words, skipped
):
    from pe_core.vectors import load_vectors

    path = tmp_path / name
    path.write_bytes(data)
    v = load_vectors(path)
    assert v.words == words
    assert v.skipped == skipped
    assert v.matrix.dtype == np.float32 and np.isfinite(v.matrix).all()


def test_wrong_extension_is_refused_at_upload(tmp_path):
    from ui import loaders

    with pytest.raises(ValueError, match="unsupported extension"):
        loaders.vectors_from_upload("vectors.csv", b"a 1 2\n")
    with pytest.raises(ValueError, match="unsupported extension"):
        loaders.dataset_from_upload("data.xlsx", b"text,label\n")


# ------------------------------------------------------------------ datasets


def _csv(tmp_path: Path, data: bytes | str, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


DATASET_REFUSED = [
    ("empty", b"", "is empty; expected CSV/TSV rows"),
    ("blank lines", b"\n\n  \n", "is empty"),
    ("header only", "text,label\n", r"has a header \['text', 'label'\] but no data rows"),
    ("one class", "text,label\nhi,a\nho,a\nhu,a\n", r"one class \('a'\).*at least 2 classes"),
    ("one row", "text,label\nhi,a\n", "one class"),
    ("too few rows", "text,label\nhi,a\nho,b\n", r"2 usable rows; at least 20 .*min_rows"),
    ("all texts empty", 'text,label\n"",a\n"  ",b\n,a\n', "no usable rows.*empty text: 3"),
    ("one column", "text\nhi\nho\n", r"single column \['text'\].*delimiter"),
    ("binary / spreadsheet", bytes(range(256)) * 4, "not a text file"),
]


@pytest.mark.parametrize(
    ("data", "message"), [c[1:] for c in DATASET_REFUSED], ids=[c[0] for c in DATASET_REFUSED]
)
def test_bad_dataset_is_refused_with_a_clear_message(tmp_path, data, message):
    from pe_core.datasets import load_dataset

    with pytest.raises(ValueError, match=message):
        load_dataset(_csv(tmp_path, data))


def test_missing_column_names_the_column_and_lists_the_others(tmp_path):
    from pe_core.datasets import load_dataset

    path = _csv(tmp_path, "tweet,sentiment\nhi,a\nho,b\n")
    found = r"columns found: \['tweet', 'sentiment'\]"
    with pytest.raises(ValueError, match=f"text_column 'nope' not found .*{found}"):
        load_dataset(path, text_column="nope", label_column="sentiment")
    with pytest.raises(ValueError, match=f"label_column 'stars' not found .*{found}"):
        load_dataset(path, text_column="tweet", label_column="stars")
    with pytest.raises(ValueError, match="text_column=5 is out of range"):
        load_dataset(path, text_column=5)


def test_non_utf8_dataset_is_decoded_and_says_how(tmp_path):
    from pe_core.datasets import load_dataset

    path = _csv(tmp_path, "text,label\ncaf\xe9 ok,a\nna\xefve,b\n".encode("latin-1"))
    ds = load_dataset(path, min_rows=1)
    assert ds.texts == ["caf\xe9 ok", "na\xefve"]
    assert any("not valid UTF-8" in n for n in ds.notes)


def test_one_megabyte_single_cell_loads_and_tokenizes(tmp_path, vectors):
    from pe_core.datasets import load_dataset
    from pe_core.vocab import Vocabulary

    big = " ".join(["good"] * 200_000)  # ~1 MB in one cell
    path = _csv(tmp_path, f'text,label\n"{big}",pos\nbad,neg\nsad,neg\nfine,pos\n')
    ds = load_dataset(path, min_rows=1)
    assert len(ds) == 4 and len(ds.texts[0]) == len(big)
    vocab = Vocabulary.build(vectors, ds.texts, None)
    assert vocab.encode(ds.texts, max_len=5)[0].tolist() == [vocab.id_of("good")] * 5


def test_labels_mixing_numbers_and_strings_become_string_classes(tmp_path):
    from pe_core.datasets import load_dataset

    ds = load_dataset(_csv(tmp_path, "text,label\na,1\nb,pos\nc,2\nd,pos\ne,1\n"), min_rows=1)
    assert sorted(ds.label_names) == ["1", "2", "pos"]
    assert [ds.label_names[i] for i in ds.labels] == ["1", "pos", "2", "pos", "1"]


def test_rows_with_missing_label_are_dropped_and_counted(tmp_path):
    from pe_core.datasets import load_dataset

    ds = load_dataset(_csv(tmp_path, "text,label\na,x\nb,\nc,y\nd,x\n"), min_rows=1)
    assert ds.texts == ["a", "c", "d"]
    assert ds.dropped == {"empty label": 1}


# ------------------------------------------------------------------ parameters


def test_perplexity_too_large_for_the_reference(vectors):
    from pe_core.projection import Projector

    ref = vectors.matrix  # 20 points: t-SNE allows perplexity <= (20 - 1) / 3
    fast = {"n_iter": 50, "early_exaggeration_iter": 25, "n_jobs": 1}
    with pytest.raises(ValueError, match=r"perplexity=30\.0 is too large .* largest allowed"):
        Projector("tsne", perplexity=30.0, clamp=False, **fast).fit(ref)
    clamped = Projector("tsne", perplexity=30.0, **fast).fit(ref)
    assert clamped.embedding_.shape == (20, 2) and np.isfinite(clamped.embedding_).all()
    assert any("perplexity" in n for n in clamped.notices)
    with pytest.raises(ValueError, match="n_neighbors"):
        Projector("umap", n_neighbors=50, clamp=False).fit(ref)


def test_projection_of_a_one_word_reference_is_refused():
    from pe_core.projection import Projector

    with pytest.raises(ValueError, match=r"^reference must have between 3 and \d+ rows; got 1$"):
        Projector("pca").fit(np.ones((1, 4), np.float32))


@pytest.mark.parametrize("k", [0, -1])
def test_zero_trainable_tokens_is_refused_by_the_layer(k):
    from pe_core.layers import DualEmbedding

    with pytest.raises(ValueError, match=f"num_trainable.*{k}"):
        DualEmbedding(np.zeros((3, 2), np.float32), num_trainable=k)


def test_max_len_zero_is_refused(vectors, corpus):
    from pe_core.training import train
    from pe_core.vocab import Vocabulary

    texts, labels = corpus
    vocab = Vocabulary.build(vectors, texts, None)
    with pytest.raises(ValueError, match="max_len must be an integer >= 1, got 0"):
        vocab.encode(texts, max_len=0)
    with pytest.raises(ValueError, match="max_len must be an integer >= 1"):
        train(vectors, texts, labels, max_len=0, epochs=1)


def test_batch_larger_than_the_data_trains_one_batch_per_epoch(vectors, corpus):
    from pe_core.training import train

    texts, labels = corpus
    result = train(vectors, texts, labels, epochs=1, batch_size=10_000, hidden=4)
    assert result.state == "done"
    assert result.steps[-1] == 1  # 32 training rows in one batch
    assert any("batch_size=10000" in n for n in result.notices)


def test_special_token_equal_to_a_pretrained_word(vectors, corpus):
    from pe_core.tokens import Tokenizer
    from pe_core.vocab import Vocabulary

    texts, _ = corpus
    # Promoted by default: a trainable row that starts from the pretrained one, with a notice.
    for vocab in (
        Vocabulary.build(vectors, texts, Tokenizer(specials=["good"])),
        Vocabulary.build(vectors, texts, None, specials=["good"]),
    ):
        assert vocab.token_kinds[vocab.trainable_tokens.index("good")] == "special"
        assert vocab.pretrained_start == ["good"] and "good" not in vocab.frozen_words
        assert "1 special token(s) are also pretrained words (good)" in vocab.notices[0]
        row = vocab.initial_trainable()[vocab.trainable_tokens.index("good")]
        np.testing.assert_array_equal(row, vectors.vector("good"))
    kept = Vocabulary.build(vectors, texts, None, specials=["good"], pretrained_specials="freeze")
    assert "good" in kept.frozen_words and "good" not in kept.trainable_tokens
    vocab = Vocabulary.build(vectors, texts, None, promote=["good"])
    assert vocab.token_kinds[vocab.trainable_tokens.index("good")] == "promoted"


def test_five_hundred_special_tokens_work(vectors, corpus):
    from pe_core.training import train

    texts, labels = corpus
    specials = [f"<sp{i}>" for i in range(500)]
    texts = [f"{t} <sp{i % 500}>" for i, t in enumerate(texts)] + ["<sp499> good"] * 2
    labels = [*labels, "pos", "pos"]
    result = train(vectors, texts, labels, specials=specials, epochs=1, hidden=4, seed=1)
    assert result.state == "done"
    for s in specials:
        assert result.token_kinds[result.tokens.index(s)] == "special"
    assert result.trajectory.shape[1:] == (len(result.tokens), vectors.dim)
    assert len(result.tokens) >= 501
    vocab = result.vocabulary
    assert vocab.encode(["<sp499> good"], max_len=2).tolist() == [
        [vocab.id_of("<sp499>"), vocab.id_of("good")]
    ]


# ------------------------------------------------------------------ faults (item 2, library)


def test_run_that_raises_ends_failed_with_its_message_and_the_next_run_works(vectors, corpus):
    from pe_core.training import TrainingRun

    texts, labels = corpus

    def boom(progress):
        if progress["step"] >= 1:  # fail mid-training, after the first batch
            raise RuntimeError("simulated fault in batch")

    failed = TrainingRun(vectors, texts, labels, callback=boom, epochs=1, hidden=4).start()
    assert failed.join(120)
    p = failed.progress()
    assert p["state"] == "failed"
    assert "simulated fault in batch" in p["error"]

    bad = TrainingRun(vectors, texts, ["pos"] * len(texts), epochs=1).start()
    assert bad.join(60)
    assert bad.progress()["state"] == "failed"
    assert "at least 2 classes" in bad.progress()["error"]

    ok = TrainingRun(vectors, texts, labels, epochs=1, hidden=4).start()
    assert ok.join(120)
    assert ok.progress()["state"] == "done", ok.progress()["error"]
    assert ok.result.trajectory.shape[0] >= 2


def _cache_files(cache_dir: Path) -> dict[str, Path]:
    files = [p for p in (cache_dir / "vectors").iterdir() if not p.name.startswith(".")]
    return {p.suffix: p for p in files}


def _damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damage_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) - 16  # inside the matrix / words, same size
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def _damage_garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage")


@pytest.mark.parametrize(
    ("suffix", "damage"),
    [
        (".npy", _damage_truncate),
        (".npy", _damage_flip),
        (".words", _damage_flip),
        (".words", _damage_truncate),
        (".json", _damage_garbage),
        (".npy", lambda p: p.unlink()),
    ],
    ids=[
        "npy truncated",
        "npy bytes flipped",
        "words flipped",
        "words truncated",
        "meta garbage",
        "npy missing",
    ],  # fmt: skip
)
def test_damaged_cache_entry_is_rebuilt_not_loaded(tmp_path, suffix, damage):
    from pe_core.vectors import load_vectors

    source = tmp_path / "glove.txt"
    source.write_bytes(_glove_text([f"w{i}" for i in range(300)], dim=8))
    cache_dir = tmp_path / "cache"
    fresh = load_vectors(source, cache_dir=cache_dir)
    assert load_vectors(source, cache_dir=cache_dir).from_cache

    damage(_cache_files(cache_dir)[suffix])
    again = load_vectors(source, cache_dir=cache_dir)
    assert not again.from_cache
    assert again.words == fresh.words
    np.testing.assert_array_equal(again.matrix, fresh.matrix)
    healed = load_vectors(source, cache_dir=cache_dir)
    assert healed.from_cache
    np.testing.assert_array_equal(healed.matrix, fresh.matrix)


def test_changed_source_file_is_reread_not_served_from_cache(tmp_path):
    from pe_core.vectors import load_vectors

    source = tmp_path / "glove.txt"
    source.write_bytes(b"a 1 2\nb 3 4\n")
    load_vectors(source, cache_dir=tmp_path / "c")
    source.write_bytes(b"a 1 2\nb 3 4\nc 5 6\n")
    assert load_vectors(source, cache_dir=tmp_path / "c").words == ["a", "b", "c"]


def _load_in_process(path, cache_dir, barrier, results):
    from pe_core.vectors import load_vectors

    barrier.wait(60)
    v = load_vectors(path, cache_dir=cache_dir)
    results.put((len(v), v.fingerprint()))


def test_two_processes_filling_the_same_cache_entry_both_succeed(tmp_path):
    from pe_core.vectors import load_vectors

    source = tmp_path / "glove.txt"
    source.write_bytes(_glove_text([f"w{i}" for i in range(20_000)], dim=20))
    cache_dir = tmp_path / "cache"
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_load_in_process, args=(source, cache_dir, barrier, results))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    expected = load_vectors(source)
    assert got == [(20_000, expected.fingerprint())] * 2
    cached = load_vectors(source, cache_dir=cache_dir)
    assert cached.from_cache and cached.fingerprint() == expected.fingerprint()
    leftovers = [p.name for p in (cache_dir / "vectors").iterdir() if p.name.endswith(".tmp")]
    assert not leftovers


def test_run_of_a_vanished_session_is_stopped_and_released(vectors, corpus):
    """ui.runs' watchdog logic with a real TrainingRun: owner gone -> stopped, result dropped."""
    from pe_core.training import TrainingRun
    from ui.runs import RunRegistry

    texts, labels = corpus
    registry = RunRegistry(grace_seconds=0.0)
    run = TrainingRun(vectors, texts, labels, epochs=500, hidden=4, snapshot_every=1).start()
    registry.register("gone", run, release=run.release, label="training")
    registry.register("here", TrainingRun(vectors, texts, labels, epochs=1), label="idle")
    deadline = time.monotonic() + 120
    while run.progress()["step"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.progress()["state"] == "running"

    assert registry.reap(lambda owner: owner == "here") == ["gone"]
    assert run.join(30)
    assert run.progress()["state"] == "stopped"
    assert run.result is None and run.snapshots()["tokens"] == []
    assert registry.owners() == ["here"]
