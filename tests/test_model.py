"""Tests for pe_core.model: the three variants on the same ids, encoders, parameter counts."""

from types import SimpleNamespace

import keras
import numpy as np
import pytest

from pe_core import model as M
from pe_core.choices import ENCODERS, VARIANTS

V, K, D = 6, 2, 4
RNG = np.random.default_rng(0)
FROZEN = RNG.normal(size=(V, D)).astype("float32")
ROWS = RNG.normal(size=(K, D)).astype("float32")
# A stand-in with the two Vocabulary attributes build_classifier reads.
VOCAB = SimpleNamespace(frozen_matrix=FROZEN, initial_trainable=lambda: ROWS)
IDS = np.array([[1, 7, 8, 0, 0], [0, 0, 0, 0, 0], [6, 6, 2, 3, 8]], dtype="int32")


@pytest.mark.parametrize("encoder", list(ENCODERS))
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_and_encoder_builds_and_reads_back_its_rows(encoder, variant):
    model = M.build_classifier(VOCAB, 3, encoder=encoder, variant=variant, hidden=4, max_len=5)
    out = model.predict_on_batch(IDS)
    assert out.shape == (3, 3)
    # The all-padding row must give a finite output (a masked mean of nothing is 0/0).
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(M.trainable_rows(model), ROWS)
    assert np.array_equal(M.frozen_rows(model), FROZEN)
    assert M.variant_of(model) == variant


def test_embedding_parameter_counts_are_exact_per_variant():
    dense = (D * 4 + 4) + (4 * 3 + 3)  # hidden Dense on the d-dim mean, then the output layer
    counts = {
        v: M.model_params(M.build_classifier(VOCAB, 3, hidden=4, variant=v)) for v in VARIANTS
    }
    assert counts["dual"] == {
        "trainable": K * D + dense,
        "frozen": V * D,
        "embedding_trainable": K * D,
        "embedding_frozen": V * D,
        "encoder": dense,
    }
    assert counts["frozen"]["trainable"] == dense
    assert counts["frozen"]["embedding_frozen"] == (1 + V + K) * D
    assert counts["full"]["embedding_trainable"] == (1 + V + K) * D
    assert counts["full"]["frozen"] == 0
    assert {c["encoder"] for c in counts.values()} == {dense}


def test_same_seed_builds_the_same_weights_and_another_seed_does_not():
    def weights(seed):
        return M.build_classifier(VOCAB, 3, encoder="bilstm", hidden=4, seed=seed).get_weights()

    a, b, c = weights(1), weights(1), weights(2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_initial_trainable_overrides_the_vocabulary_rows():
    rows = np.full((K, D), 0.5, dtype="float32")
    for variant in VARIANTS:
        model = M.build_classifier(VOCAB, 2, variant=variant, initial_trainable=rows)
        assert np.array_equal(M.trainable_rows(model), rows)


def test_padding_gets_no_gradient_in_the_full_cnn_variant():
    model = M.build_classifier(VOCAB, 2, encoder="cnn", variant="full", hidden=4, max_len=5)
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="sparse_categorical_crossentropy")
    model.train_on_batch(IDS, np.array([0, 1, 1]))
    table = keras.ops.convert_to_numpy(M.embedding_layer(model).embeddings)
    assert np.array_equal(table[0], np.zeros(D, dtype="float32"))


def test_saved_model_round_trips_with_safe_mode(tmp_path):
    for variant in VARIANTS:
        model = M.build_classifier(VOCAB, 3, encoder="cnn", variant=variant, hidden=4)
        path = tmp_path / f"{variant}.keras"
        model.save(path)
        loaded = keras.models.load_model(path, safe_mode=True)
        np.testing.assert_allclose(loaded.predict_on_batch(IDS), model.predict_on_batch(IDS))
        assert np.array_equal(M.trainable_rows(loaded), ROWS)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_classes": 1}, "num_classes must be >= 2, got 1"),
        ({"encoder": "gru"}, "encoder must be one of .* got 'gru'"),
        ({"variant": "half"}, "variant must be one of .* got 'half'"),
        ({"hidden": 0}, "hidden must be an integer >= 1, got 0"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1.0"),
        ({"initial_trainable": np.zeros((2, 3))}, r"initial_trainable must have shape \(k, 4\)"),
    ],
)
def test_bad_arguments_raise_clear_errors(kwargs, message):
    args = {"num_classes": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        M.build_classifier(VOCAB, **args)


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="must be a pe_core.vocab.Vocabulary"):
        M.build_classifier(np.zeros((3, 3)), 2)


def test_lora_trains_exactly_r_times_rows_plus_d_and_leaves_the_table_unchanged():
    r = 3
    model = M.build_classifier(VOCAB, 2, hidden=4, variant="lora", lora_rank=r, max_len=5)
    emb = M.embedding_params(model)
    assert emb == {"trainable": r * ((1 + V + K) + D), "frozen": (1 + V + K) * D}
    table = M.base_table(model)
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="sparse_categorical_crossentropy")
    for _ in range(3):
        model.train_on_batch(IDS, np.array([0, 1, 1]))
    assert np.array_equal(M.base_table(model), table)  # the stored table never changes
    assert not np.allclose(M.trainable_rows(model), ROWS)  # but the rows read through A @ B do
    # Adam keeps two numbers per trainable parameter.
    assert M.optimizer_state_size(model) == 2 * M.model_params(model)["trainable"]
    with pytest.raises(ValueError, match="rows of a 'lora' model cannot be set"):
        M.set_trainable_rows(model, ROWS)
    with pytest.raises(ValueError, match="lora_rank must be an integer >= 1, got 0"):
        M.build_classifier(VOCAB, 2, variant="lora", lora_rank=0)


@pytest.mark.parametrize("variant", ["dual", "full"])
def test_set_trainable_rows_writes_only_the_k_rows(variant):
    model = M.build_classifier(VOCAB, 2, hidden=4, variant=variant)
    new = np.full((K, D), 0.25, dtype="float32")
    M.set_trainable_rows(model, new)
    assert np.array_equal(M.trainable_rows(model), new)
    assert np.array_equal(M.frozen_rows(model), FROZEN)
