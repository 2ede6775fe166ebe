"""DualEmbedding: id layout, exact frozen rows under training, masking, saving, validation."""

import json
import zipfile

import keras
import numpy as np
import pytest
from keras import ops

from pe_core import layers as layers_module
from pe_core.layers import DualEmbedding

# V=3 frozen rows, d=2, k=2 trainable rows: ids 0 pad, 1..3 frozen, 4..5 trainable.
FROZEN = np.array([[1.0, 2.0], [3.0, 4.0], [-5.0, 0.5]], dtype="float32")
TRAINABLE = np.array([[10.0, 20.0], [-30.0, 40.0]], dtype="float32")


@pytest.fixture(params=["one_hot", "gather"])
def lookup(request, monkeypatch):
    """Run a test under both trainable-row lookups (one-hot matmul and gather)."""
    rows = 10**6 if request.param == "one_hot" else 0
    monkeypatch.setattr(layers_module, "ONE_HOT_MAX_ROWS", rows)
    return request.param


def glove_like(num_frozen=40, dim=6, seed=0):
    return np.random.default_rng(seed).normal(0, 0.5, (num_frozen, dim)).astype("float32")


def classifier(embedding, length=7, classes=2):
    """Tiny model: embedding -> masked average -> softmax."""
    inputs = keras.Input((length,), dtype="int32")
    pooled = keras.layers.GlobalAveragePooling1D()(embedding(inputs))
    return keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(pooled))


def batch(num_frozen, k, n=32, length=7, seed=1):
    """Ids using every frozen and trainable id, with padding; labels depend on trainable ids."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, num_frozen + k + 1, size=(n, length))
    ids[:, -2:] = 0
    labels = (ids > num_frozen).any(axis=1).astype("int64")
    return ids.astype("int32"), labels


# --- weights and hand-computed outputs -------------------------------------------------------


def test_weight_counts_and_shapes():
    layer = DualEmbedding(glove_like(40, 6), num_trainable=5)
    layer.build()
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(5, 6)]
    assert [tuple(w.shape) for w in layer.non_trainable_weights] == [(40, 6)]
    model = classifier(layer)
    embedding_params = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    assert embedding_params == 5 * 6
    assert layer.count_params() == 40 * 6 + 5 * 6
    assert model.count_params() == 40 * 6 + 5 * 6 + (6 * 2 + 2)


def test_hand_computed_output(lookup):
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=TRAINABLE)
    ids = np.array([[0, 1, 2, 3, 4, 5], [5, 4, 3, 0, 0, 0]])
    expected = np.array(
        [
            [[0, 0], [1, 2], [3, 4], [-5, 0.5], [10, 20], [-30, 40]],
            [[-30, 40], [10, 20], [-5, 0.5], [0, 0], [0, 0], [0, 0]],
        ],
        dtype="float32",
    )
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(ids)), expected)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.compute_mask(ids)), ids != 0)


def test_accessors_return_numpy_copies_of_the_tables():
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=TRAINABLE)
    assert isinstance(layer.frozen_vectors(), np.ndarray)
    np.testing.assert_array_equal(layer.frozen_vectors(), FROZEN)
    np.testing.assert_array_equal(layer.trainable_vectors(), TRAINABLE)


@pytest.mark.parametrize(
    ("initializer", "check"),
    [
        ("zeros", lambda rows: np.all(rows == 0)),
        ("ones", lambda rows: np.all(rows == 1)),
        (keras.initializers.Constant(0.25), lambda rows: np.all(rows == 0.25)),
        (keras.initializers.RandomNormal(seed=3), lambda rows: rows.std() > 0),
        ({"class_name": "Constant", "config": {"value": 2.0}}, lambda rows: np.all(rows == 2)),
    ],
)
def test_trainable_initializer_forms(initializer, check):
    layer = DualEmbedding(FROZEN, 3, trainable_initializer=initializer)
    assert layer.trainable_vectors().shape == (3, 2)
    assert check(layer.trainable_vectors())


def test_float_ids_are_cast_and_unknown_length_works():
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=TRAINABLE)
    inputs = keras.Input((None,))  # float32 ids of any length
    model = keras.Model(inputs, layer(inputs))
    out = model.predict(np.array([[4.0, 1.0, 0.0]]), verbose=0)
    np.testing.assert_array_equal(out[0], [[10, 20], [1, 2], [0, 0]])


def test_out_of_range_ids_raise_on_numpy_and_give_zero_masked_rows_in_a_graph(lookup):
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=TRAINABLE)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\].*ids\[0, 1\]=6"):
        layer(np.array([[1, 6, 2]]))
    with pytest.raises(ValueError, match=r"ids\[0, 0\]=-1"):
        layer.check_ids([[-1, 2]])
    ids = ops.convert_to_tensor(np.array([[1, 6, -1, 4]], dtype="int32"))
    out = ops.convert_to_numpy(layer(ids))
    np.testing.assert_array_equal(out[0], [[1, 2], [0, 0], [0, 0], [10, 20]])
    assert ops.convert_to_numpy(layer.compute_mask(ids)).tolist() == [[True, False, False, True]]


# --- training: frozen rows stay exact, only used trainable rows move --------------------------


@pytest.mark.parametrize(
    "optimizer",
    [
        lambda: keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.5),
        lambda: keras.optimizers.SGD(learning_rate=0.5, momentum=0.9),
    ],
    ids=["adamw_weight_decay", "sgd_momentum"],
)
def test_frozen_rows_bit_exact_after_fit(optimizer, lookup):
    keras.utils.set_random_seed(0)
    glove = glove_like(40, 6)
    layer = DualEmbedding(glove, 4, trainable_initializer=keras.initializers.RandomNormal(seed=1))
    model = classifier(layer)
    model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy")
    ids, labels = batch(40, 4)
    before = layer.trainable_vectors()
    model.fit(ids, labels, epochs=2, batch_size=8, verbose=0)

    np.testing.assert_array_equal(layer.frozen_vectors(), glove)
    frozen_ids = np.arange(1, 41)[None, :]
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(frozen_ids))[0], glove)
    assert not np.allclose(layer.trainable_vectors(), before)


def test_gradient_reaches_only_the_trainable_rows_used(lookup):
    keras.utils.set_random_seed(0)
    layer = DualEmbedding(glove_like(40, 6), 4, trainable_initializer="ones")
    model = classifier(layer)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    ids, labels = batch(40, 4)
    ids[ids > 42] = 41  # only trainable ids 41 and 42 (rows 0 and 1) occur
    model.fit(ids, labels, epochs=1, batch_size=8, verbose=0)
    rows = layer.trainable_vectors()
    assert not np.allclose(rows[:2], 1.0)
    np.testing.assert_array_equal(rows[2:], 1.0)


def test_optimizer_keeps_state_for_k_by_d_only():
    layer = DualEmbedding(glove_like(40, 6), 4)
    model = classifier(layer)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ids, labels = batch(40, 4)
    model.fit(ids, labels, epochs=1, batch_size=16, verbose=0)
    shapes = [tuple(v.shape) for v in model.optimizer.variables if len(v.shape)]
    assert (40, 6) not in shapes
    # Adam: momentum and velocity for the (k, d) rows, the (d, 2) kernel and the (2,) bias.
    assert sorted(shapes) == sorted([(4, 6)] * 2 + [(6, 2)] * 2 + [(2,)] * 2)


def seed_answer_embedding(glove, k):
    """The flawed seed answer: two Embeddings ADDED, the second fed relu(ids - V).

    Every ordinary word reads row 0 of the trainable table, which is therefore trained and
    added to every "frozen" vector. Kept here (not in the library) as evidence.
    """
    num_frozen, dim = glove.shape
    full = np.concatenate([np.zeros((1, dim)), glove, np.zeros((k, dim))]).astype("float32")
    frozen = keras.layers.Embedding(num_frozen + k + 1, dim, weights=full, trainable=False)
    special = keras.layers.Embedding(k + 1, dim, embeddings_initializer="zeros")

    def embed(ids):
        return frozen(ids) + special(ops.relu(ids - num_frozen))

    return embed, special


def test_seed_answer_trains_row_zero_but_dual_embedding_keeps_frozen_rows():
    keras.utils.set_random_seed(0)
    glove = glove_like(40, 6)
    ids, labels = batch(40, 4)
    labels = (ids[:, 0] % 2).astype("int64")  # depends on ordinary words too
    embed, special = seed_answer_embedding(glove, 4)
    seed_model = classifier(embed)
    dual = DualEmbedding(glove, 4)
    dual_model = classifier(dual)
    for model in (seed_model, dual_model):
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
        model.fit(ids, labels, epochs=3, batch_size=8, verbose=0)
    row0 = ops.convert_to_numpy(special.embeddings)[0]
    assert np.linalg.norm(row0) > 0.01  # every "frozen" word is shifted by this row
    np.testing.assert_array_equal(dual.frozen_vectors(), glove)


# --- masking --------------------------------------------------------------------------------


def test_mask_makes_lstm_ignore_extra_padding():
    keras.utils.set_random_seed(0)
    layer = DualEmbedding(glove_like(40, 6), 4, trainable_initializer="glorot_uniform")
    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, keras.layers.LSTM(3)(layer(inputs)))
    ids = np.array([[5, 41, 12, 44, 0], [7, 3, 0, 0, 0]], dtype="int32")
    padded = np.concatenate([ids, np.zeros((2, 6), "int32")], axis=1)
    short = model.predict(ids, verbose=0)
    long = model.predict(padded, verbose=0)
    np.testing.assert_allclose(short, long, rtol=1e-6, atol=1e-7)


def test_mask_zero_false_gives_no_mask():
    layer = DualEmbedding(FROZEN, 2, mask_zero=False)
    assert layer.compute_mask(np.array([[0, 1]])) is None


# --- serialization ----------------------------------------------------------------------------


def test_keras_round_trip_in_safe_mode(tmp_path, lookup):
    keras.utils.set_random_seed(0)
    glove = glove_like(300, 8)
    rows = np.random.default_rng(2).normal(size=(3, 8)).astype("float32")
    model = classifier(DualEmbedding(glove, 3, trainable_initializer=rows, name="dual"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    ids, labels = batch(300, 3)
    model.fit(ids, labels, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)

    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0))
    layer = loaded.get_layer("dual")
    assert isinstance(layer, DualEmbedding)
    np.testing.assert_array_equal(layer.frozen_vectors(), glove)
    np.testing.assert_array_equal(
        layer.trainable_vectors(), model.get_layer("dual").trainable_vectors()
    )
    with zipfile.ZipFile(path) as archive:
        config_json = archive.read("config.json")
    assert len(config_json) < 20_000  # the 300 x 8 table alone would be ~50 kB of JSON


def test_config_carries_shapes_only():
    layer = DualEmbedding(glove_like(300, 8), 3, trainable_initializer=np.ones((3, 8)))
    config = layer.get_config()
    text = json.dumps(config)
    assert len(text) < 1_000
    assert config["frozen_vectors"] is None
    assert config["frozen_shape"] == [300, 8]
    assert config["num_trainable"] == 3
    # The small (k, d) starting rows are written out; the (V, d) table is not.
    assert config["trainable_initializer"] == np.ones((3, 8)).tolist()
    assert config["one_hot_max_rows"] == 64
    rebuilt = DualEmbedding.from_config(config)
    np.testing.assert_array_equal(rebuilt.frozen_vectors(), np.zeros((300, 8)))
    np.testing.assert_array_equal(rebuilt.trainable_vectors(), np.ones((3, 8)))
    assert keras.saving.get_registered_name(DualEmbedding) == "pe_lab>DualEmbedding"


def test_array_initializer_survives_from_config_exactly():
    rows = np.random.default_rng(1).normal(size=(2, 2)).astype("float32")
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=rows)
    rebuilt = DualEmbedding.from_config(json.loads(json.dumps(layer.get_config())))
    np.testing.assert_array_equal(rebuilt.trainable_vectors(), rows)  # bit for bit
    assert rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize("rows", [0, 1, 64, 10**6])
def test_one_hot_max_rows_is_an_argument_kept_in_the_config(rows):
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=TRAINABLE, one_hot_max_rows=rows)
    assert layer.one_hot_max_rows == rows
    rebuilt = DualEmbedding.from_config(layer.get_config())
    assert rebuilt.one_hot_max_rows == rows
    # Same output whichever lookup the value picks (the rebuilt layer's frozen table is a
    # zero placeholder until weights are loaded, so its frozen id reads zeros).
    ids = np.array([[4, 5, 1, 0]])
    np.testing.assert_array_equal(layer(ids), [[[10, 20], [-30, 40], [1, 2], [0, 0]]])
    np.testing.assert_array_equal(rebuilt(ids), [[[10, 20], [-30, 40], [0, 0], [0, 0]]])
    assert DualEmbedding(FROZEN, 2).one_hot_max_rows == layers_module.ONE_HOT_MAX_ROWS == 64
    assert not hasattr(DualEmbedding, "one_hot_max_rows")  # no class-wide switch any more


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32", "int16", "int64"])
def test_unsigned_and_narrow_integer_ids_are_cast_like_keras_embedding(dtype, lookup):
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=TRAINABLE)
    ids = np.array([[4, 1, 5, 0]], dtype=dtype)
    expected = [[[10, 20], [1, 2], [-30, 40], [0, 0]]]
    np.testing.assert_array_equal(layer(ids), expected)
    np.testing.assert_array_equal(layer(ops.convert_to_tensor(ids)), expected)
    assert ops.convert_to_numpy(layer.compute_mask(ids)).tolist() == [[True, True, True, False]]
    inputs = keras.Input((None,), dtype=dtype)
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model.predict(ids, verbose=0), expected)


def test_config_keeps_a_named_initializer():
    layer = DualEmbedding(FROZEN, 2, trainable_initializer=keras.initializers.Constant(0.5))
    rebuilt = DualEmbedding.from_config(layer.get_config())
    np.testing.assert_array_equal(rebuilt.trainable_vectors(), np.full((2, 2), 0.5))


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_trainable": 0}, r"`num_trainable` must be a positive integer.*num_trainable=0"),
        ({"num_trainable": 2.5}, r"num_trainable=2\.5 \(of type float\)"),
        ({"num_trainable": True}, r"num_trainable=True \(of type bool\)"),
        ({"mask_zero": "yes"}, r"`mask_zero` must be True or False.*mask_zero='yes'"),
        ({"trainable_initializer": "no_such_init"}, r"trainable_initializer='no_such_init'"),
        ({"frozen_vectors": np.ones(4)}, r"`frozen_vectors` must be a non-empty 2-D.*\(4,\)"),
        ({"frozen_vectors": np.ones((0, 3))}, r"non-empty 2-D.*shape \(0, 3\)"),
        ({"frozen_vectors": [["a", "b"]]}, r"`frozen_vectors` must be a 2-D array of numbers"),
        ({"frozen_vectors": [[1.0, np.nan]]}, r"finite.*frozen_vectors\[0, 1\]=nan"),
        ({"frozen_vectors": None}, r"`frozen_vectors` is required.*frozen_vectors=None"),
        ({"frozen_vectors": None, "frozen_shape": (3,)}, r"`frozen_shape` must be a pair.*\(3,\)"),
        ({"frozen_vectors": None, "frozen_shape": (3, 0)}, r"`frozen_shape` must be a positive"),
        ({"frozen_shape": (9, 2)}, r"`frozen_shape` must match.*\(9, 2\).*\(3, 2\)"),
        ({"one_hot_max_rows": -1}, r"`one_hot_max_rows` must be an integer >= 0.*=-1"),
        ({"one_hot_max_rows": 2.5}, r"`one_hot_max_rows` must be an integer >= 0.*=2\.5"),
    ],
)
def test_invalid_arguments(kwargs, match):
    args = {"frozen_vectors": FROZEN, "num_trainable": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        DualEmbedding(**args)


def test_array_initializer_shape_mismatch():
    with pytest.raises(
        ValueError,
        match=r"`trainable_initializer`.*shape \(num_trainable, d\)=\(2, 2\).*shape \(3, 2\)",
    ):
        DualEmbedding(FROZEN, 2, trainable_initializer=np.zeros((3, 2)))
