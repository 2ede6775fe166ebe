"""Tests for pe_core.presets: the GloVe Twitter rules, on a Twitter-style vectors file."""

import numpy as np
import pytest

from pe_core.presets import PRESETS, preset_tokenizer
from pe_core.tokens import Rule, Tokenizer
from pe_core.training import train
from pe_core.vectors import load_vectors
from pe_core.vocab import Vocabulary

TWITTER_SPECIALS = [
    "<user>",
    "<url>",
    "<hashtag>",
    "<number>",
    "<smile>",
    "<lolface>",
    "<sadface>",
    "<neutralface>",
    "<heart>",
    "<repeat>",
    "<elong>",
    "<allcaps>",
]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "SO happy!!! @anna #Win",
            ["so", "<allcaps>", "happy", "!", "<repeat>", "<user>"] + ["<hashtag>", "win"],
        ),
        ("sooooo good :( http://t.co/x", ["so", "<elong>", "good", "<sadface>", "<url>"]),
        (
            "at 12:30 <3 :P :/ ...",
            ["at", "<number>", "<heart>", "<lolface>", "<neutralface>"] + [".", "<repeat>"],
        ),
        ("I am fine :)", ["i", "am", "fine", "<smile>"]),
    ],
)
def test_glove_twitter_preset_mirrors_the_twitter_preprocessing(text, tokens):
    assert preset_tokenizer("GloVe Twitter").tokenize(text) == tokens


def test_presets_emit_the_twitter_specials():
    assert preset_tokenizer("GloVe Twitter").special_tokens == [
        "<url>",
        "<user>",
        "<hashtag>",
        "<number>",
        "<heart>",
        "<smile>",
        "<lolface>",
        "<sadface>",
        "<neutralface>",
        "<repeat>",
        "<elong>",
        "<allcaps>",
    ]
    assert preset_tokenizer("Default") == Tokenizer()
    assert set(PRESETS) == {"Default", "GloVe Twitter"}
    with pytest.raises(ValueError, match="unknown rules preset 'Twitter'; choose one of Default"):
        preset_tokenizer("Twitter")


def test_tag_rules_survive_the_table_round_trip_and_are_checked():
    tok = preset_tokenizer("GloVe Twitter")
    again = Tokenizer.from_dict(tok.to_dict())
    assert again == tok and again.tokenize("WOW!!") == tok.tokenize("WOW!!")
    with pytest.raises(ValueError, match="rule 'x': mode must be 'replace' or 'tag', got 'after'"):
        Rule("x", "a", "<a>", mode="after")


def _twitter_file(tmp_path):
    """A GloVe-Twitter-shaped text file: the 12 specials are words with vectors."""
    rng = np.random.default_rng(3)
    words = [*TWITTER_SPECIALS, "good", "bad", "day", "love", "hate", "so", "!", ".", "it"]
    matrix = rng.normal(size=(len(words), 6)).round(4)
    path = tmp_path / "glove.twitter.27B.6d.txt"
    path.write_text(
        "".join(
            w + " " + " ".join(f"{x:.4f}" for x in row) + "\n"
            for w, row in zip(words, matrix, strict=True)
        )
    )
    return path, dict(zip(words, matrix.astype(np.float32), strict=True))


def test_twitter_vectors_train_with_the_preset_and_promoted_specials(tmp_path):
    path, rows = _twitter_file(tmp_path)
    vectors = load_vectors(path, cache=False)
    pos = ["good day @anna :)", "LOVE it!!! http://x.co", "sooo good <3", "good good #win"]
    neg = ["bad day :(", "HATE it!!", "so bad", "bad bad 42"]
    texts, labels = pos * 5 + neg * 5, ["pos"] * 20 + ["neg"] * 20
    tokenizer = preset_tokenizer("GloVe Twitter")

    vocab = Vocabulary.build(vectors, texts, tokenizer)
    specials = [
        t for t, k in zip(vocab.trainable_tokens, vocab.token_kinds, strict=True) if k == "special"
    ]
    assert specials == [
        "<url>",
        "<user>",
        "<hashtag>",
        "<number>",
        "<heart>",
        "<smile>",
        "<sadface>",
        "<repeat>",
        "<elong>",
        "<allcaps>",
    ]
    assert vocab.pretrained_start == specials  # every one is a GloVe Twitter word
    assert not set(specials) & set(vocab.frozen_words)
    assert "promoted to trainable rows that start from their pretrained vectors" in vocab.notices[0]

    result = train(vectors, texts, labels, tokenizer=tokenizer, epochs=1, batch_size=8, hidden=4)
    assert result.state == "done"
    start = result.trajectory[0]
    for token in specials:
        np.testing.assert_array_equal(start[result.tokens.index(token)], rows[token])
    assert any(
        n.startswith("10 special token(s) are also pretrained words") for n in result.notices
    )

    frozen = Vocabulary.build(vectors, texts, tokenizer, pretrained_specials="freeze")
    assert frozen.trainable_tokens == ["<unk>"]
    assert frozen.encode(["@bob"], 1)[0, 0] == frozen.id_of("<user>") <= frozen.num_frozen


def test_the_twitter_preset_is_suggested_for_twitter_vectors_only():
    from pe_core.presets import suggested_preset
    from pe_core.vectors import Vectors

    twitter = Vectors(["<user>", "<url>", "<hashtag>", "the"], np.eye(4, dtype=np.float32))
    plain = Vectors(["<user>", "the", "a", "an"], np.eye(4, dtype=np.float32))
    assert suggested_preset(twitter) == "GloVe Twitter"
    assert suggested_preset(plain) == "Default"
    assert suggested_preset(release="twitter.27B") == "GloVe Twitter"
    assert suggested_preset(release="6B") == "Default"


def test_glove_twitter_keeps_straight_quotes_as_its_vectors_do():
    assert preset_tokenizer("GloVe Twitter").tokenize('say "hi"') == ["say", '"', "hi", '"']
    assert preset_tokenizer("Default").tokenize('say "hi"') == ["say", "``", "hi", "''"]
