"""Tests for pe_core.arms and the extra arms in compare_variants (LoRA, promoted, inits)."""

import re

import numpy as np
import pytest
from tiny_corpus import LABELS, TEXTS, TINY, VECTORS

from pe_core import arms as A
from pe_core import experiments as E
from pe_core import model as M
from pe_core.vocab import Vocabulary


def test_arm_names_parse_to_variant_and_vocabulary_changes():
    assert A.parse_arm("dual") == A.Arm("dual", "dual")
    assert A.parse_arm("lora:3") == A.Arm("lora:3", "lora", lora_rank=3)
    assert A.parse_arm("dual+promoted") == A.Arm("dual+promoted", "dual", promote_top=20)
    assert A.parse_arm("dual+promoted:5").promote_top == 5
    assert A.parse_arm("dual@word:good") == A.Arm("dual@word:good", "dual", init="word:good")
    for bad in ("lora:0", "dual+promoted:x", "dual@ones", "half"):
        with pytest.raises(ValueError, match=re.escape(f"arm '{bad}'")):
            A.parse_arm(bad)


def test_promoted_words_are_the_most_frequent_pretrained_words_starting_at_their_rows():
    vocab = Vocabulary.build(VECTORS, TEXTS, min_oov_count=2)
    # day and movie occur 24 times each, awful and great 18 (ties: alphabetical).
    assert A.most_frequent_frozen(vocab, TEXTS, 3) == ["day", "movie", "awful"]
    promoted = A.arm_vocabulary(A.parse_arm("dual+promoted:3"), vocab, TEXTS)
    assert promoted.trainable_tokens == [*vocab.trainable_tokens, "day", "movie", "awful"]
    assert promoted.token_kinds[-3:] == ["promoted"] * 3
    assert "awful" not in promoted.frozen_words and promoted.num_frozen == vocab.num_frozen - 3
    rows = promoted.initial_trainable()
    assert np.array_equal(
        rows[-3:], VECTORS.matrix[[VECTORS.index(w) for w in ("day", "movie", "awful")]]
    )
    ids = promoted.encode(["awful day"], 3)[0]
    assert ids.tolist() == [promoted.id_of("awful"), promoted.id_of("day"), 0]
    assert ids[:2].min() > promoted.num_frozen  # both read trainable rows now


def test_init_arms_change_only_the_starting_rows():
    vocab = Vocabulary.build(VECTORS, TEXTS, min_oov_count=2)
    mean = A.arm_vocabulary(A.parse_arm("dual@mean"), vocab, TEXTS)
    assert vocab.init == "zeros" and mean.init == "mean"
    expected = vocab.frozen_matrix.mean(axis=0)
    np.testing.assert_allclose(
        mean.initial_trainable(), np.tile(expected, (vocab.num_trainable, 1)), rtol=1e-6
    )
    word = A.arm_vocabulary(A.parse_arm("dual@word:good"), vocab, TEXTS).initial_trainable()
    assert np.array_equal(word[0], VECTORS.vector("good"))
    with pytest.raises(ValueError, match="the word 'zzz' is not in the vectors"):
        A.arm_vocabulary(A.parse_arm("dual@word:zzz"), vocab, TEXTS)


@pytest.fixture(scope="module")
def extra():
    arms = ("dual", "lora:2", "dual+promoted:3", "dual@random")
    return E.compare_variants(VECTORS, TEXTS, LABELS, variants=arms, **TINY)


def test_lora_arm_trains_exactly_r_times_rows_plus_d_and_keeps_the_table(extra):
    rows = extra.table.set_index("variant")
    lora = extra.results["lora:2"]
    vocab = lora.vocabulary
    table_rows, d = 1 + vocab.num_frozen + vocab.num_trainable, vocab.dim
    assert rows.loc["lora:2", "embedding_trainable_params"] == 2 * (table_rows + d)
    dense = rows.loc["dual", "encoder_params"]
    assert rows.loc["lora:2", "trainable_params"] == 2 * (table_rows + d) + dense
    # Adam: two numbers per trainable parameter, for every arm.
    assert (rows["optimizer_state_params"] == 2 * rows["trainable_params"]).all()
    initial = np.concatenate([np.zeros((1, d)), vocab.frozen_matrix, vocab.initial_trainable()])
    assert np.array_equal(M.base_table(lora.model), initial.astype("float32"))
    assert rows.loc["lora:2", "frozen_row_shift"] > 0.0  # A @ B moves every row a little


def test_promoted_and_init_arms_train_their_own_rows(extra):
    rows = extra.table.set_index("variant")
    k = extra.results["dual"].vocabulary.num_trainable
    d = VECTORS.dim
    assert rows.loc["dual+promoted:3", "embedding_trainable_params"] == (k + 3) * d
    assert rows.loc["dual@random", "embedding_trainable_params"] == k * d
    start = extra.results["dual@random"].trajectory[0]
    norms = np.linalg.norm(start, axis=1)
    np.testing.assert_allclose(norms, norms[0], rtol=1e-5)  # scaled random: one common norm
    assert norms[0] > 0 and (rows["seconds_per_epoch"] > 0).all()


def test_the_default_lora_rank_is_the_models():
    assert A.DEFAULT_LORA_RANK == M.DEFAULT_LORA_RANK
