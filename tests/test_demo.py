import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pe_core.demo import (
    DEMO_BRANDS,
    DEMO_EMOTICONS,
    DEMO_LABELS,
    NEGATIVE,
    POSITIVE,
    demo_dataset,
    demo_vectors,
    demo_word_groups,
)
from pe_core.demo import fit as demo_fit
from pe_core.tokens import Tokenizer

EMOTICON_RULES = {"smile", "sad", "heart", "lolface", "neutralface", "emoji"}


@pytest.fixture(scope="module")
def fitted():
    """A fit from scratch (words, matrix): what the shipped file must hold."""
    return demo_fit._build_demo_vectors()


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    # Module fixtures run before conftest's per-test PE_LAB_CACHE: isolate this one explicitly,
    # and read afresh rather than reuse vectors an earlier test cached in memory.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PE_LAB_CACHE", str(tmp_path_factory.mktemp("demo_cache")))
        demo_fit._demo_vectors_cached.cache_clear()
        yield demo_vectors()
    demo_fit._demo_vectors_cached.cache_clear()


@pytest.fixture(scope="module")
def dataset():
    return demo_dataset()


@pytest.fixture(scope="module")
def tokenized(dataset):
    tokenizer = Tokenizer()
    return [tokenizer.tokenize_with_rules(t) for t in dataset.texts]


# ------------------------------------------------------------------------------------ vectors


def test_word_groups_are_disjoint_and_cover_exactly_the_vectors(vectors):
    groups = demo_word_groups()
    words = [w for ws in groups.values() for w in ws]
    assert [w for w, c in Counter(words).items() if c > 1] == []
    assert min(len(ws) for ws in groups.values()) >= 6  # top-5 neighbours can all be in-group
    assert {"positive", "negative", "food", "weather", "sports", "tech", "music"} <= set(groups)
    assert sorted(words) == sorted(vectors.words)
    assert all(w == w.lower() and " " not in w for w in words)


def test_demo_vectors_look_like_glove_50d(vectors):
    assert 2000 <= len(vectors) <= 5000
    assert vectors.dim == 50
    assert vectors.matrix.dtype == np.float32
    assert (vectors.fmt, vectors.source, vectors.skipped) == ("demo", "demo", {})
    assert np.isfinite(vectors.matrix).all()
    norms = np.linalg.norm(vectors.matrix, axis=1)
    assert 4.0 <= norms.mean() <= 6.0
    assert len(set(vectors.words)) == len(vectors)
    # Frequency order, like a GloVe file: function words and punctuation come first.
    assert {"the", ".", ","} <= set(vectors.words[:20])


def test_each_words_top5_cosine_neighbours_are_mostly_its_own_group(vectors):
    group_of = {w: g for g, ws in demo_word_groups().items() for w in ws}
    labels = np.array([group_of[w] for w in vectors.words])
    unit = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)  # exclude the word itself
    top5 = np.argsort(-sims, axis=1)[:, :5]
    share = (labels[top5] == labels[:, None]).mean(axis=1)
    failing = {vectors.words[i]: share[i] for i in np.flatnonzero(share < 0.8)}
    assert failing == {}, f"words with < 80% of top-5 neighbours in their group: {failing}"


def test_sentiment_words_sit_with_their_own_polarity(vectors):
    def cos(a, b):
        va, vb = vectors.vector(a), vectors.vector(b)
        return float(va @ vb / np.linalg.norm(va) / np.linalg.norm(vb))

    assert cos("good", "great") > cos("good", "bad") + 0.3
    assert cos("bad", "terrible") > cos("bad", "great") + 0.3
    assert cos("pizza", "burger") > cos("pizza", "rain") + 0.3


def test_specials_brands_and_emoji_are_out_of_vocabulary(vectors):
    for token in [*Tokenizer().special_tokens, *DEMO_BRANDS]:
        assert token not in vectors
    for table in DEMO_EMOTICONS.values():
        for emoticon in table:
            assert emoticon not in vectors


def test_fit_is_deterministic(fitted):
    words, matrix = demo_fit._build_demo_vectors()  # a second, independent fit
    assert words == fitted[0]
    assert matrix.tobytes() == fitted[1].tobytes()


def test_shipped_file_was_fitted_from_the_current_recipe():
    with np.load(demo_fit.SHIPPED_VECTORS, allow_pickle=False) as z:
        key = str(z["key"])
    assert key == demo_fit._cache_key(), (
        "the word groups, grammar or fit settings changed since pe_core/demo/demo_vectors.npz "
        "was written: run `python -m pe_core.demo` and commit the file"
    )


def test_shipped_vectors_equal_a_fresh_fit(vectors, fitted):
    words, matrix = fitted
    assert vectors.words == words
    # Bit-equal on the machine that wrote the file; another CPU's BLAS may round differently.
    np.testing.assert_allclose(vectors.matrix, matrix, rtol=0, atol=1e-4)


def test_demo_vectors_read_the_shipped_file_without_fitting(tmp_path, monkeypatch, vectors):
    def no_fit():
        raise AssertionError("the shipped file should have been used")

    monkeypatch.setattr(demo_fit, "_build_demo_vectors", no_fit)
    monkeypatch.setenv("PE_LAB_CACHE", str(tmp_path))
    demo_fit._demo_vectors_cached.cache_clear()
    try:
        loaded = demo_vectors()
    finally:
        demo_fit._demo_vectors_cached.cache_clear()
    assert loaded.matrix.tobytes() == vectors.matrix.tobytes()
    assert list(tmp_path.iterdir()) == []  # nothing written to the user cache


@pytest.mark.parametrize("problem", ["missing", "damaged", "other recipe"])
def test_an_unusable_shipped_file_falls_back_to_a_fit(tmp_path, monkeypatch, fitted, problem):
    shipped = tmp_path / "demo_vectors.npz"
    if problem == "damaged":
        shipped.write_bytes(b"PK\x03\x04 not really a zip")
    elif problem == "other recipe":
        demo_fit.write_shipped_vectors(shipped)
        monkeypatch.setattr(demo_fit, "_cache_key", lambda: "0123456789abcdef")
    monkeypatch.setattr(demo_fit, "SHIPPED_VECTORS", shipped)
    monkeypatch.setattr(
        demo_fit, "_build_demo_vectors", lambda: (list(fitted[0]), fitted[1].copy())
    )
    monkeypatch.setenv("PE_LAB_CACHE", str(tmp_path / "cache"))
    demo_fit._demo_vectors_cached.cache_clear()
    try:
        assert demo_vectors().words == fitted[0]
    finally:
        demo_fit._demo_vectors_cached.cache_clear()
    assert (tmp_path / "cache" / "demo").is_dir()  # the fit went to the user cache


def test_each_call_returns_its_own_copy(vectors):
    first = demo_vectors()
    first.matrix[:] = 0.0
    assert np.array_equal(demo_vectors().matrix, vectors.matrix)


@pytest.fixture
def quick_fit(monkeypatch, vectors):
    """Stands in for the fit (tested above) so the cache tests stay fast; counts the calls."""
    calls = []

    def fit():
        calls.append(1)
        return list(vectors.words), vectors.matrix.copy()

    monkeypatch.setattr(demo_fit, "_build_demo_vectors", fit)
    monkeypatch.setattr(demo_fit, "SHIPPED_VECTORS", Path("/nonexistent/demo_vectors.npz"))
    return calls


def test_disk_cache_is_written_under_pe_lab_cache_and_read_back(tmp_path, monkeypatch, quick_fit):
    monkeypatch.setenv("PE_LAB_CACHE", str(tmp_path))
    demo_fit._demo_vectors_cached.cache_clear()
    try:
        built = demo_vectors()
        files = sorted(p.suffix for p in (tmp_path / "demo").iterdir())
        assert files == [".json", ".npy", ".words"]  # the manifest holds their checksums
        demo_fit._demo_vectors_cached.cache_clear()
        loaded = demo_vectors()
        assert len(quick_fit) == 1  # the second call read the disk cache
        assert loaded.words == built.words
        assert loaded.matrix.tobytes() == built.matrix.tobytes()
    finally:
        demo_fit._demo_vectors_cached.cache_clear()


def test_damaged_disk_cache_is_rebuilt(tmp_path, monkeypatch, vectors, quick_fit):
    monkeypatch.setenv("PE_LAB_CACHE", str(tmp_path))
    entry = demo_fit._cache_entry()
    demo_fit._write_cache(list(vectors.words), vectors.matrix)
    npy = entry.path(".npy")
    npy.write_bytes(npy.read_bytes()[:-8])  # truncated: no longer its checksum
    demo_fit._demo_vectors_cached.cache_clear()
    try:
        rebuilt = demo_vectors()
        assert len(quick_fit) == 1
        assert rebuilt.matrix.tobytes() == vectors.matrix.tobytes()
        assert np.load(npy).shape == vectors.matrix.shape  # the damaged file was replaced
        assert entry.read() == {"key": demo_fit._cache_key()}
    finally:
        demo_fit._demo_vectors_cached.cache_clear()


# ------------------------------------------------------------------------------------ dataset


def test_dataset_size_labels_and_balance(dataset):
    assert len(dataset) == 3000
    assert dataset.label_names == list(DEMO_LABELS) == ["negative", "neutral", "positive"]
    assert dataset.source == "demo"
    assert dataset.labels.dtype == np.int64
    counts = dataset.label_counts()
    assert all(900 <= c <= 1100 for c in counts.values()), counts
    assert len(demo_dataset(n=150, seed=3)) == 150


def test_dataset_is_deterministic_per_seed(dataset):
    again = demo_dataset()
    assert again.texts == dataset.texts
    assert np.array_equal(again.labels, dataset.labels)
    other = demo_dataset(seed=1)
    assert other.texts != dataset.texts


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 10}, r"n must be an integer >= 30.*got 10"),
        ({"n": "3000"}, r"n must be an integer >= 30.*got '3000'"),
        ({"n": 300.0}, r"n must be an integer >= 30.*got 300.0"),
        ({"seed": "zero"}, r"seed must be an integer, got 'zero'"),
    ],
)
def test_dataset_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        demo_dataset(**kwargs)


def test_dataset_texts_carry_the_special_phenomena(dataset):
    texts = dataset.texts

    def share(pattern):
        return np.mean([re.search(pattern, t) is not None for t in texts])

    assert share(r"(?:^|\s)@\w+") >= 0.2
    assert share(r"https?://\S+") >= 0.1
    assert share(r"(?:^|\s)#\w+") >= 0.2
    assert share(r"(?<![\w#@/])\d+(?![\w/])") >= 0.1
    assert share(r"(?:^|\s)(?::-?\)|:D|:-?\(|:'\(|<3)") >= 0.2
    assert share("[\U0001f300-\U0001faff]") >= 0.1
    assert share(r"\b(?:" + "|".join(DEMO_BRANDS) + r")\b") >= 0.1


def test_every_ordinary_word_is_in_the_demo_vectors(tokenized, vectors):
    missing = Counter(
        token
        for tokens in tokenized
        for token, rule in tokens
        if rule is None and token not in vectors
    )
    assert set(missing) == set(DEMO_BRANDS), missing


def test_emoticons_carry_the_sentiment(dataset, tokenized):
    groups = demo_word_groups()
    sentiment_words = set(groups["positive"]) | set(groups["negative"])
    labels = dataset.labels
    smile = np.array([any(rule == "smile" for _, rule in t) for t in tokenized])
    sad = np.array([any(rule == "sad" for _, rule in t) for t in tokenized])
    assert (labels[smile] == POSITIVE).mean() >= 0.8
    assert (labels[sad] == NEGATIVE).mean() >= 0.8
    # A sizable share of polar texts say it by emoticon/emoji only, with no sentiment word.
    emoticon_only = np.array(
        [
            any(rule in EMOTICON_RULES for _, rule in t)
            and not any(token in sentiment_words for token, _ in t)
            for t in tokenized
        ]
    )
    polar = labels != 1
    assert emoticon_only[polar].mean() >= 0.25


def test_bag_of_words_needs_the_emoticons_to_do_well(dataset, tokenized):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    def accuracy(docs):
        train, test = slice(0, 2250), slice(2250, None)
        vectorizer = CountVectorizer(analyzer=lambda tokens: tokens)
        model = LogisticRegression(max_iter=2000)
        model.fit(vectorizer.fit_transform(docs[train]), dataset.labels[train])
        predicted = model.predict(vectorizer.transform(docs[test]))
        return float((predicted == dataset.labels[test]).mean())

    with_all = accuracy([[tok for tok, _ in t] for t in tokenized])
    without = accuracy([[tok for tok, rule in t if rule not in EMOTICON_RULES] for t in tokenized])
    assert 0.8 <= with_all < 0.97  # label noise keeps it off 100 %
    assert with_all >= without + 0.15
    assert without > 0.45  # the wording alone is still well above the 33 % baseline


def test_demo_vectors_are_scaled_like_the_real_glove_sample(shared_glove, vectors):
    rows = [line.rstrip("\n").split(" ")[1:] for line in shared_glove.open(encoding="utf-8")]
    real = np.array(rows, dtype=np.float32)
    assert real.shape[1] == vectors.dim
    real_norm = np.linalg.norm(real, axis=1).mean()
    demo_norm = np.linalg.norm(vectors.matrix, axis=1).mean()
    assert abs(demo_norm - real_norm) / real_norm < 0.05
