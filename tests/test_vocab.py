import json
import warnings

import numpy as np
import pytest

from pe_core.notices import Wording
from pe_core.tokens import Tokenizer
from pe_core.vectors import Vectors
from pe_core.vocab import TrainableShareWarning, Vocabulary

WORDS = ["the", "good", "bad", "movie", "is", "happy", "sad", "plot", "boring", "wow"]
TEXTS = [
    "The movie is good :)",
    "The plot is boring :( @bob",
    "wow WOW zork zork blorp :)",
]


@pytest.fixture
def vectors():
    # row i = (i, 1): distinct, easy means and norms
    matrix = np.stack([np.arange(len(WORDS)), np.ones(len(WORDS))], axis=1)
    return Vectors(list(WORDS), matrix)


@pytest.fixture
def vocab(vectors):
    return Vocabulary.build(
        vectors,
        TEXTS,
        Tokenizer(),
        specials=["[X]"],
        min_oov_count=2,
        promote=["happy"],
        max_oov_rows=None,
    )


def test_id_layout(vocab, vectors):
    assert vocab.frozen_words == ["the", "good", "movie", "is", "plot", "boring", "wow"]
    np.testing.assert_array_equal(vocab.frozen_matrix, vectors.matrix[[0, 1, 3, 4, 7, 8, 9]])
    assert vocab.frozen_matrix.dtype == np.float32
    assert vocab.trainable_tokens == [
        "<unk>",
        "<user>",
        "<smile>",
        "<sadface>",
        "[X]",
        "zork",
        "happy",
    ]
    assert vocab.token_kinds == [
        "unk",
        "special",
        "special",
        "special",
        "special",
        "oov",
        "promoted",
    ]
    assert (vocab.num_frozen, vocab.num_trainable, vocab.dim, vocab.size) == (7, 7, 2, 15)
    assert [vocab.id_of(t) for t in ["the", "wow", "<unk>", "<user>", "[X]", "zork", "happy"]] == [
        1,
        7,
        8,
        9,
        12,
        13,
        14,
    ]
    assert vocab.token_of(1) == "the" and vocab.token_of(14) == "happy"


def test_stats(vocab):
    assert vocab.stats == {
        "texts": 3,
        "tokens": 17,
        "special_tokens": 4,
        "oov_tokens": 3,
        "oov_rate": 3 / 17,
        "unk_tokens": 1,
        "unk_rate": 1 / 17,
        "word_types": 9,
        "oov_types": 2,
        "oov_left_types": 1,
        "oov_left_tokens": 1,
        "coverage": 7 / 9,
        "V": 7,
        "k": 7,
        "d": 2,
        "trainable_params": 14,
        "frozen_params": 14,
        "trainable_share": 1.0,
        "min_oov_count": 2,
        "max_oov_rows": None,
        "oov_over_cap": 0,
        "promoted_specials": [],
        "trainable_counts": [1, 1, 2, 1, 0, 2, 0],  # <unk> stands for blorp; [X], happy unseen
    }


def test_encode_exact_and_decode(vocab):
    ids = vocab.encode(["The movie is happy [X] blorp :)", "zork"], max_len=9)
    assert ids.dtype == np.int32 and ids.shape == (2, 9)
    np.testing.assert_array_equal(
        ids, [[1, 3, 4, 14, 12, 8, 10, 0, 0], [13, 0, 0, 0, 0, 0, 0, 0, 0]]
    )
    assert vocab.decode(ids[0]) == ["the", "movie", "is", "happy", "[X]", "<unk>", "<smile>"]
    assert vocab.decode([]) == []


def test_round_trip_on_build_texts(vocab):
    ids = vocab.encode(TEXTS, max_len=10)
    for text, row in zip(TEXTS, ids, strict=True):
        expected = [t if t in vocab else "<unk>" for t in vocab.tokenizer.tokenize(text)]
        assert vocab.decode(row) == expected


def test_truncate_pre_and_post(vocab):
    text = ["the movie is good :)"]
    np.testing.assert_array_equal(vocab.encode(text, max_len=2), [[1, 3]])
    np.testing.assert_array_equal(vocab.encode(text, max_len=2, truncate="pre"), [[2, 10]])
    np.testing.assert_array_equal(vocab.encode_tokens([["good", "nope"]], 3), [[2, 8, 0]])


def test_promoted_words_are_not_frozen(vectors):
    vocab = Vocabulary.build(vectors, ["good movie", "good"], promote=["good"])
    assert vocab.frozen_words == ["movie"]
    assert vocab.trainable_tokens == ["<unk>", "good"]
    np.testing.assert_array_equal(vocab.encode(["good movie"], 2), [[3, 1]])


def test_max_frozen_adds_the_most_frequent_words_and_never_drops(vectors):
    vocab = Vocabulary.build(vectors, TEXTS, promote=["happy"], max_frozen=9)
    assert vocab.frozen_words == ["the", "good", "bad", "movie", "is", "sad", "plot", "boring"] + [
        "wow"
    ]
    small = Vocabulary.build(vectors, TEXTS, max_frozen=3)
    assert small.num_frozen == 7
    assert Vocabulary.build(vectors, TEXTS, max_frozen=100).frozen_words == WORDS


def test_no_oov_rows_without_min_oov_count(vectors):
    vocab = Vocabulary.build(vectors, TEXTS)
    assert vocab.trainable_tokens == ["<unk>", "<user>", "<smile>", "<sadface>"]
    assert vocab.stats["unk_tokens"] == 3


def test_oov_rows_ordered_by_count_then_word(vectors):
    texts = ["bb aa aa cc cc dd dd dd"]
    vocab = Vocabulary.build(vectors, texts, min_oov_count=1, max_oov_rows=None)
    assert vocab.trainable_tokens == ["<unk>", "dd", "aa", "cc", "bb"]
    assert vocab.token_kinds == ["unk", "oov", "oov", "oov", "oov"]


def test_default_tokenizer_learns_explicit_specials(vectors):
    vocab = Vocabulary.build(vectors, ["[PRODUCT] is good"], specials=["[PRODUCT]", "<url>"])
    assert vocab.trainable_tokens == ["<unk>", "<url>", "[PRODUCT]"]
    assert vocab.tokenizer.special_tokens[-1] == "[PRODUCT]"
    assert vocab.frozen_words == ["good", "is"]
    np.testing.assert_array_equal(vocab.encode(["[PRODUCT] http://x.co"], 2), [[5, 4]])


def test_literal_special_of_the_tokenizer_only_when_it_occurs(vectors):
    tok = Tokenizer(specials=["[A]", "[B]"])
    vocab = Vocabulary.build(vectors, ["[B] good"], tok)
    assert vocab.trainable_tokens == ["<unk>", "[B]"]


def test_emoji_tokens(vectors):
    laugh, fire = "\U0001f602", "\U0001f525"
    texts = [f"good {fire} {laugh}{laugh}", "sad :("]
    vocab = Vocabulary.build(vectors, texts)
    assert vocab.trainable_tokens == ["<unk>", "<sadface>", laugh, fire]
    assert vocab.token_kinds == ["unk", "special", "special", "special"]
    assert vocab.stats["special_tokens"] == 4
    with_fire = Vectors([*WORDS, fire], np.ones((len(WORDS) + 1, 2)))
    vocab = Vocabulary.build(with_fire, texts)
    assert fire in vocab.frozen_words
    assert vocab.trainable_tokens == ["<unk>", "<sadface>", laugh]


def test_unk_in_vectors_is_not_frozen():
    vectors = Vectors(["<unk>", "a"], np.ones((2, 2)))
    vocab = Vocabulary.build(vectors, ["a"], max_frozen=10)
    assert vocab.frozen_words == ["a"]
    assert vocab.id_of("<unk>") == 2


# -- initial rows -------------------------------------------------------------------------------


def test_init_zeros_mean_word(vocab, vectors):
    happy = vectors.vector("happy")
    zeros = vocab.initial_trainable()
    assert zeros.dtype == np.float32 and zeros.shape == (7, 2)
    np.testing.assert_array_equal(zeros[:6], 0)
    np.testing.assert_array_equal(zeros[6], happy)  # promoted rows start at their vector
    mean = vocab.initial_trainable("mean")
    np.testing.assert_allclose(mean[:6], np.tile([(0 + 1 + 3 + 4 + 7 + 8 + 9) / 7, 1], (6, 1)))
    np.testing.assert_array_equal(mean[6], happy)
    word = vocab.initial_trainable("word:sad")
    np.testing.assert_array_equal(word[:6], np.tile(vectors.vector("sad"), (6, 1)))
    np.testing.assert_array_equal(word[6], happy)


def test_init_random_is_scaled_and_seeded(vectors):
    build = dict(vectors=vectors, texts=TEXTS, min_oov_count=1, init="random", max_oov_rows=None)
    vocab = Vocabulary.build(**build, seed=3)
    rows = vocab.initial_trainable()
    mean_norm = np.linalg.norm(vocab.frozen_matrix, axis=1).mean()
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), mean_norm, rtol=1e-6)
    np.testing.assert_array_equal(rows, Vocabulary.build(**build, seed=3).initial_trainable())
    assert not np.allclose(rows, Vocabulary.build(**build, seed=4).initial_trainable())
    assert len({tuple(r) for r in rows}) == len(rows)


def test_init_without_frozen_rows_uses_all_vectors(vectors):
    vocab = Vocabulary.build(vectors, ["zork"], init="mean")
    assert vocab.num_frozen == 0
    np.testing.assert_allclose(vocab.initial_trainable()[0], vectors.matrix.mean(axis=0))


# -- serialisation ------------------------------------------------------------------------------


def test_dict_round_trip(vocab, vectors):
    data = json.loads(json.dumps(vocab.to_dict()))
    again = Vocabulary.from_dict(data, vectors)
    assert again.frozen_words == vocab.frozen_words
    assert again.trainable_tokens == vocab.trainable_tokens
    assert again.token_kinds == vocab.token_kinds
    np.testing.assert_array_equal(again.frozen_matrix, vocab.frozen_matrix)
    np.testing.assert_array_equal(again.encode(TEXTS, 8), vocab.encode(TEXTS, 8))
    np.testing.assert_array_equal(again.initial_trainable(), vocab.initial_trainable())
    with pytest.raises(ValueError, match="frozen words are not in the vectors"):
        Vocabulary.from_dict(data, Vectors(["x"], np.ones((1, 2))))


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(max_oov_rows=-1), "max_oov_rows must be None or an integer >= 0, got -1"),
        (dict(pretrained_specials="keep"), "pretrained_specials must be 'promote' or 'freeze'"),
        (dict(specials=["[X]", "[X]"]), r"special token '\[X\]' is listed twice"),
        (dict(specials=["<unk>"]), "'<unk>' is reserved"),
        (dict(texts=[]), "texts is empty"),
        (dict(texts=["", "   "]), "the 2 texts contain no tokens"),
        (dict(texts="the movie"), "texts must be a list of strings, got one string"),
        (dict(texts=["ok", None]), r"texts\[1\] must be a str, got NoneType"),
        (dict(promote=["zork"]), "cannot promote 'zork': it is not in the vectors"),
        (dict(promote=["good", "good"]), "promote lists 'good' twice"),
        (dict(min_oov_count=0), "min_oov_count must be None or an integer >= 1, got 0"),
        (dict(max_frozen=-1), "max_frozen must be None or an integer >= 0, got -1"),
        (dict(init="ones"), "init must be one of zeros, mean, random, word:<word>; got 'ones'"),
        (dict(init="word:zork"), "init 'word:zork': the word 'zork' is not in the vectors"),
    ],
)
def test_build_errors(vectors, kwargs, message):
    kwargs = {"texts": TEXTS, **kwargs}
    with pytest.raises(ValueError, match=message):
        Vocabulary.build(vectors, **kwargs)


def test_special_colliding_with_a_word_can_be_promoted(vectors):
    vocab = Vocabulary.build(vectors, ["good movie"], specials=["good"], promote=["good"])
    assert vocab.trainable_tokens == ["<unk>", "good"]
    assert vocab.token_kinds == ["unk", "promoted"]


def test_rule_token_that_is_a_pretrained_word(vectors):
    twitter = Vectors([*WORDS, "<smile>"], np.ones((len(WORDS) + 1, 2)))
    vocab = Vocabulary.build(twitter, ["good :)"], promote=["<smile>"])
    assert vocab.token_kinds == ["unk", "promoted"]
    assert Vocabulary.build(twitter, ["good"]).trainable_tokens == ["<unk>"]  # does not occur


def test_tokenizer_special_unk_is_reserved(vectors):
    with pytest.raises(ValueError, match="'<unk>' is reserved"):
        Vocabulary.build(vectors, ["a"], Tokenizer(specials=["<unk>"]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda v: v.encode(["a"], 0), "max_len must be an integer >= 1, got 0"),
        (lambda v: v.encode(["a"], 2.5), "max_len must be an integer >= 1, got 2.5"),
        (lambda v: v.encode(["a"], 3, truncate="end"), "truncate must be 'post' or 'pre', got 'en"),
        (lambda v: v.encode("a b", 3), "texts must be a list of strings, got one string"),
        (lambda v: v.encode_tokens(["ab"], 3), r"token_lists\[0\] is a string"),
        (lambda v: v.decode([1, 99]), "id 99 is out of range 0..14"),
        (lambda v: v.decode([[1, 2]]), r"decode takes one sequence of ids \(1-D\)"),
        (lambda v: v.token_of(0), "id 0 is out of range 1..14"),
        (lambda v: v.initial_trainable("word:"), "init must be one of"),
    ],
)
def test_use_errors(vocab, call, message):
    with pytest.raises(ValueError, match=message):
        call(vocab)


def test_id_of_unknown_token(vocab):
    with pytest.raises(KeyError, match="token 'blorp' is not in the vocabulary"):
        vocab.id_of("blorp")


def test_real_glove(shared_glove):
    words, rows = [], []
    with open(shared_glove, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(" ")
            words.append(parts[0])
            rows.append([float(x) for x in parts[1:]])
    vectors = Vectors(words, np.array(rows))
    texts = [
        "@united I can't believe my flight was cancelled again :( #fail",
        "Loving the new update, it's sooooo good :) https://t.co/abc",
        "Government officials said 1,000 people were there.",
    ]
    vocab = Vocabulary.build(vectors, texts, init="random")
    rows_of = [vectors.index(w) for w in vocab.frozen_words]
    assert rows_of == sorted(rows_of)
    for word in ["ca", "n't", "'s", "so", "good", "government", "officials", "believe"]:
        assert word in vocab.frozen_words
    assert vocab.trainable_tokens[:4] == ["<unk>", "<url>", "<user>", "<hashtag>"]
    assert vocab.dim == 50
    assert 0.5 < vocab.stats["coverage"] <= 1.0
    norms = np.linalg.norm(vocab.initial_trainable(), axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(vocab.frozen_matrix, axis=1).mean(), rtol=1e-5)


# -- trainable-set defaults (issue 12) ----------------------------------------------------------


def _many_words(n: int) -> Vectors:
    words = [f"w{i}" for i in range(n)]
    return Vectors(words, np.eye(n, 4, dtype=np.float32) + 1.0)


def test_oov_rows_capped_at_ten_percent_of_frozen_most_frequent_first():
    vectors = _many_words(40)
    # 40 frozen words; OOV words x0..x9 occurring 10..1 times (x0 most frequent).
    text = " ".join(vectors.words) + " " + " ".join(f"x{i} " * (10 - i) for i in range(10))
    vocab = Vocabulary.build(vectors, [text], min_oov_count=2)
    assert vocab.num_frozen == 40
    assert vocab.trainable_tokens == ["<unk>", "x0", "x1", "x2", "x3"]  # cap = 10 % of 40
    assert vocab.stats["max_oov_rows"] == 4
    assert vocab.stats["trainable_counts"] == [21, 10, 9, 8, 7]  # <unk>: all it stands for
    assert vocab.stats["oov_over_cap"] == 5  # x4..x8 occur >= 2 times but are over the cap
    assert (vocab.stats["oov_left_types"], vocab.stats["oov_left_tokens"]) == (
        6,
        6 + 5 + 4 + 3 + 2 + 1,
    )
    assert vocab.notices == [
        "6 OOV words (21 occurrences) share <unk>: a row needs at least 2 occurrences "
        "(min_oov_count), and 5 that occur often enough did not fit under the cap of 4 rows "
        "(max_oov_rows; default: 10 % of the frozen rows). To give them rows, lower "
        "min_oov_count or raise max_oov_rows (or choose max_oov_rows=None)"
    ]
    app = Wording({"min_oov_count": "Min", "max_oov_rows": "Cap"}, {"max_oov_rows": {None: "off"}})
    assert vocab.notices[0].worded(app) == (
        "6 OOV words (21 occurrences) share <unk>: a row needs at least 2 occurrences (“Min”), "
        "and 5 that occur often enough did not fit under the cap of 4 rows (“Cap”; default: "
        "10 % of the frozen rows). To give them rows, lower “Min” or raise “Cap” (or choose off)"
    )
    assert vocab.warnings == []
    uncapped = Vocabulary.build(vectors, [text], min_oov_count=2, max_oov_rows=None)
    assert uncapped.trainable_tokens == ["<unk>", *[f"x{i}" for i in range(9)]]
    assert Vocabulary.build(vectors, [text], min_oov_count=2, max_oov_rows=1).num_trainable == 2


def test_warning_when_trainable_rows_reach_a_quarter_of_the_frozen():
    vectors = _many_words(8)
    text = " ".join(vectors.words) + " a a b b"
    with pytest.warns(
        TrainableShareWarning, match="trainable embedding rows are 38% of the frozen"
    ):
        vocab = Vocabulary.build(vectors, [text], min_oov_count=2, max_oov_rows=None)
    assert vocab.num_trainable == 3 and len(vocab.warnings) == 1
    assert "k=3 x d=4 = 12 trainable vs 32 frozen parameters" in vocab.warnings[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = _many_words(40)
        text = " ".join(big.words) + " a a b b"
        assert Vocabulary.build(big, [text], min_oov_count=2, max_oov_rows=None).warnings == []


def test_specials_that_are_pretrained_words_are_promoted_from_their_vectors():
    words = ["<user>", "<url>", "good", "day", "<smile>"]
    matrix = np.arange(10, dtype=np.float32).reshape(5, 2) + 1
    twitter = Vectors(words, matrix)
    texts = ["@anna good day :) http://x.co", "good :( day"]
    vocab = Vocabulary.build(twitter, texts)
    assert vocab.trainable_tokens == ["<unk>", "<url>", "<user>", "<smile>", "<sadface>"]
    assert vocab.token_kinds == ["unk", "special", "special", "special", "special"]
    assert vocab.frozen_words == ["good", "day"]  # the promoted specials have no frozen row
    assert vocab.pretrained_start == ["<url>", "<user>", "<smile>"]
    rows = vocab.initial_trainable()
    np.testing.assert_array_equal(rows[1:4], matrix[[1, 0, 4]])
    np.testing.assert_array_equal(rows[[0, 4]], 0.0)
    assert vocab.notices[0].startswith(
        "3 special token(s) are also pretrained words (<url>, <user>, <smile>): they were "
        "promoted to trainable rows that start from their pretrained vectors"
    )
    again = Vocabulary.from_dict(json.loads(json.dumps(vocab.to_dict())), twitter)
    np.testing.assert_array_equal(again.initial_trainable(), rows)

    frozen = Vocabulary.build(twitter, texts, pretrained_specials="freeze")
    assert frozen.trainable_tokens == ["<unk>", "<sadface>"]
    assert frozen.frozen_words == ["<user>", "<url>", "good", "day", "<smile>"]
    np.testing.assert_array_equal(frozen.encode(["@bob :)"], 2), [[1, 5]])


def test_oov_notice_names_only_the_settings_that_would_give_rows():
    vectors = _many_words(40)
    text = " ".join(vectors.words) + " zork zork"
    none = Vocabulary.build(vectors, [text])  # min_oov_count=None: no OOV rows at all
    assert none.notices == [
        "1 OOV words (2 occurrences) share <unk>: OOV words get no rows (min_oov_count=None). "
        "To give them rows, set min_oov_count to 1"
    ]
    once = Vocabulary.build(vectors, [text + " blarg"], min_oov_count=1, max_oov_rows=1)
    assert once.trainable_tokens == ["<unk>", "zork"]
    assert once.notices == [  # min_oov_count=1 cannot be lowered: only the cap is named
        "1 OOV words (1 occurrences) share <unk>: a row needs at least 1 occurrences "
        "(min_oov_count), and 1 that occur often enough did not fit under the cap of 1 rows "
        "(max_oov_rows; default: 10 % of the frozen rows). To give them rows, raise "
        "max_oov_rows (or choose max_oov_rows=None)"
    ]
