"""Tests for pe_core.influence: occlusion effects on a hand-made model whose answer is exact."""

import keras
import numpy as np
import pytest

from pe_core import influence as I
from pe_core import model as M
from pe_core.layers import DualEmbedding
from pe_core.tokens import Tokenizer
from pe_core.vectors import Vectors
from pe_core.vocab import Vocabulary

WORDS = ["good", "movie", "day"]
VECTORS = Vectors(WORDS, np.zeros((3, 2), dtype="float32"))  # every word: the zero vector
TEXTS = ["good movie :)", "day :)", ":) good movie day", "good day", "zorg movie", "@bob day"]
SMILE, UNK = 3.0, 1.0  # x0 of the <smile> and <unk> rows


def _vocab():
    return Vocabulary.build(VECTORS, TEXTS, Tokenizer(), min_oov_count=None)


def _model(vocab):
    """mean of rows -> logits [0, x0] -> softmax: P(second class) = sigmoid(mean x0)."""
    rows = np.zeros((vocab.num_trainable, 2), dtype="float32")
    rows[vocab.id_of("<smile>") - vocab.num_frozen - 1, 0] = SMILE
    rows[0, 0] = UNK
    ids = keras.Input(shape=(6,), dtype="int32")
    x = DualEmbedding(vocab.frozen_matrix, vocab.num_trainable, trainable_initializer=rows)(ids)
    x = M.MaskedMean()([x, ids])
    out = keras.layers.Dense(2, activation="softmax", use_bias=False, name="out")(x)
    model = keras.Model(ids, out)
    model.get_layer("out").set_weights([np.array([[0.0, 1.0], [0.0, 0.0]], dtype="float32")])
    return model


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture(scope="module")
def setup():
    vocab = _vocab()
    return vocab, _model(vocab), vocab.encode(TEXTS, 6)


def test_occluding_by_padding_gives_the_exact_mean_change(setup):
    vocab, model, ids = setup
    inf = I.token_influence(model, vocab, ids, label_names=["neg", "pos"])
    rows = inf.table.set_index(["token", "class"])
    # Texts with <smile>: 3 tokens, 2 tokens, 4 tokens; other tokens are zero rows, so
    # removing <smile> leaves mean x0 = 0 and P(pos) = 0.5.
    expected = np.array([_sigmoid(SMILE / 3), _sigmoid(SMILE / 2), _sigmoid(SMILE / 4)]) - 0.5
    assert rows.loc[("<smile>", "pos"), "n_texts"] == 3
    assert rows.loc[("<smile>", "pos"), "mean_effect"] == pytest.approx(expected.mean(), abs=1e-6)
    assert rows.loc[("<smile>", "neg"), "mean_effect"] == pytest.approx(-expected.mean(), abs=1e-6)
    from scipy import stats

    ci = stats.t.ppf(0.975, 2) * expected.std(ddof=1) / np.sqrt(3)
    assert rows.loc[("<smile>", "pos"), "ci95"] == pytest.approx(ci, abs=1e-6)
    assert rows.loc[("<smile>", "pos"), "occluded_by"] == "padding"
    assert inf.ranked().iloc[0]["token"] == "<smile>"
    assert inf.sentence() == (
        f"`<smile>` raises P(pos) by +{expected.mean():.2f} on average (3 texts, 95 % CI ±{ci:.2f})"
    )


def test_occluding_by_unk_puts_the_unk_row_there(setup):
    vocab, model, ids = setup
    inf = I.token_influence(model, vocab, ids, label_names=["neg", "pos"], occlude="unk")
    effect = inf.table.set_index(["token", "class"]).loc[("<smile>", "pos")]
    expected = np.array(
        [_sigmoid(SMILE / 3) - _sigmoid(UNK / 3), _sigmoid(SMILE / 2) - _sigmoid(UNK / 2),
         _sigmoid(SMILE / 4) - _sigmoid(UNK / 4)]
    )  # fmt: skip
    assert effect["mean_effect"] == pytest.approx(expected.mean(), abs=1e-6)
    assert effect["occluded_by"] == "<unk>"
    # <unk> cannot be replaced by itself: it is occluded by padding instead ("zorg movie").
    unk = inf.table.set_index(["token", "class"]).loc[("<unk>", "pos")]
    assert unk["occluded_by"] == "padding" and unk["n_texts"] == 1
    assert unk["mean_effect"] == pytest.approx(_sigmoid(UNK / 2) - 0.5, abs=1e-6)


def test_a_token_in_no_text_has_no_effect_and_removal_without_it_changes_nothing(setup):
    vocab, model, ids = setup
    absent = vocab.encode(["good day", "movie"], 6)
    assert np.array_equal(I.occlude_ids(absent, vocab.id_of("<smile>"), 0), absent)
    inf = I.token_influence(model, vocab, absent, label_names=["neg", "pos"], tokens=["<smile>"])
    row = inf.table.iloc[0]
    assert row["n_texts"] == 0 and np.isnan(row["mean_effect"])
    assert inf.forward_passes == 1  # the unoccluded pass only
    assert inf.unmeasured_text() == "Not in any validation text, so not measured: <smile>"
    assert inf.unmeasured_text(shown=0) == (
        "Not in any validation text, so not measured:  … and 1 more"
    )
    assert inf.sentence("<smile>") == (
        "`<smile>` is in no validation text, so its influence cannot be measured"
    )
    # One text with <smile> and one without: only the first is used.
    mixed = vocab.encode(["day :)", "good day"], 6)
    one = I.token_influence(model, vocab, mixed, label_names=["neg", "pos"], tokens=["<smile>"])
    first = one.table.set_index("class").loc["pos"]
    assert first["n_texts"] == 1 and np.isnan(first["ci95"])
    assert first["mean_effect"] == pytest.approx(_sigmoid(SMILE / 2) - 0.5, abs=1e-6)


def test_the_cap_limits_the_texts_and_is_reported(setup):
    vocab, model, _ = setup
    many = vocab.encode([":) day"] * 7 + [":) good movie day"] * 5, 6)
    inf = I.token_influence(
        model, vocab, many, label_names=["neg", "pos"], tokens=["<smile>"], max_texts=4, seed=3
    )
    row = inf.table.iloc[0]
    assert (row["n_texts"], row["n_containing"], row["capped"]) == (4, 12, True)
    assert inf.texts_scored == 4 and inf.forward_passes == 2
    assert "(1 tokens capped, a seeded sample)" in inf.cost_text()
    assert "at most 4 texts per token" in inf.cost_text()
    assert "(4 texts of 12," in inf.sentence()
    again = I.token_influence(
        model, vocab, many, label_names=["neg", "pos"], tokens=["<smile>"], max_texts=4, seed=3
    )
    assert again.table.equals(inf.table)
    with pytest.raises(ValueError, match="max_texts must be an integer >= 2, got 1"):
        I.token_influence(model, vocab, many, label_names=["neg", "pos"], max_texts=1)
    with pytest.raises(ValueError, match="occlude must be one of"):
        I.token_influence(model, vocab, many, label_names=["neg", "pos"], occlude="mask")


def test_text_effects_occludes_each_position_once(setup):
    vocab, model, _ = setup
    frame = I.text_effects(model, vocab, "good :) zorg", max_len=6, label_names=["neg", "pos"])
    assert frame["token"].tolist() == ["good", "<smile>", "zorg"]
    assert frame["kind"].tolist() == ["frozen", "special", "unk"]
    assert frame.attrs["predicted"] == "pos"
    base = _sigmoid((SMILE + UNK) / 3)
    assert frame["effect"].tolist() == pytest.approx(
        [base - _sigmoid((SMILE + UNK) / 2), base - _sigmoid(UNK / 2), base - _sigmoid(SMILE / 2)],
        abs=1e-6,
    )
    assert frame["P(neg)"].tolist() == pytest.approx((-frame["effect"]).tolist(), abs=1e-6)


def test_snapshots_put_the_stored_rows_in_and_the_final_rows_back(setup):
    vocab, model, ids = setup
    final = M.trainable_rows(model)
    trajectory = np.stack([np.zeros_like(final), final])
    table = I.influence_over_snapshots(
        model, vocab, ids, trajectory, [0, 1], label_names=["neg", "pos"], epochs=[0.0, 2.0]
    )
    smile = table[(table["token"] == "<smile>") & (table["class"] == "pos")]
    assert smile["snapshot"].tolist() == [0, 1]
    assert smile["epoch"].tolist() == [0.0, 2.0]
    assert smile["mean_effect"].iloc[0] == pytest.approx(0.0, abs=1e-7)  # all-zero rows
    assert smile["mean_effect"].iloc[1] > 0.1
    assert np.array_equal(M.trainable_rows(model), final)
    assert I.snapshot_choice(10, 5) == [0, 2, 4, 7, 9]
    assert I.snapshot_choice(2, 5) == [0, 1]


def test_ranking_puts_a_solid_effect_before_a_large_uncertain_one():
    import pandas as pd

    rows = [
        # token, class, mean, ci, n: "noisy" is larger but its CI reaches 0.05 only.
        ("noisy", "pos", 0.80, 0.75, 3),
        ("solid", "pos", 0.30, 0.03, 400),
        ("solid", "neg", -0.30, 0.03, 400),
        ("single", "pos", 0.90, float("nan"), 1),
        ("absent", "pos", float("nan"), float("nan"), 0),
    ]
    table = pd.DataFrame(
        [
            {"token": t, "kind": "special", "class": c, "mean_effect": m, "ci95": ci,
             "n_texts": n, "n_containing": n, "capped": False, "occluded_by": "padding"}
            for t, c, m, ci, n in rows
        ],
        columns=I.COLUMNS,
    )  # fmt: skip
    ranked = I.Influence(table, 500, 4, 804, 0.1).ranked()
    assert ranked["token"].tolist() == ["solid", "noisy", "single"]
    assert ranked.iloc[0]["class"] == "pos"  # ties keep the first class
    assert I.Influence(table, 500, 4, 804, 0.1).sentence("single") == (
        "`single` raises P(pos) by +0.90 on average (1 text, no CI)"
    )
