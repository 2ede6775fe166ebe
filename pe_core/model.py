"""Text classifiers over the PE Lab id layout, in three embedding variants.

Every variant reads the same int32 ids (0 padding, 1..V frozen GloVe rows, V+1..V+k trainable
rows; see ``pe_core.vocab``), so the same encoded data trains all three:

- ``"dual"``: a ``DualEmbedding`` -- GloVe rows frozen, the k rows trainable (ours).
- ``"frozen"``: one non-trainable table ``[0; GloVe; initial rows]`` -- nothing in the
  embedding learns; OOV words and specials stay at their initial vectors.
- ``"full"``: one ordinary trainable table ``[0; GloVe; initial rows]`` -- every row learns.
- ``"lora"``: the frozen table ``[0; GloVe; initial rows]`` plus a trainable low-rank update
  ``A @ B`` (Keras 3's ``Embedding.enable_lora``): r * (1 + V + k + d) trainable parameters,
  every row moves a little, the stored table itself never changes.

The frozen and full tables are a ``TableEmbedding`` (a ``keras.layers.Embedding`` that also
records V and k), so :func:`trainable_rows` can find the k rows in any saved model.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from pe_core.checks import check_model_args

DEFAULT_LORA_RANK = 4


@keras.saving.register_keras_serializable(package="pe_lab")
class TableEmbedding(keras.layers.Embedding):
    """An ``Embedding`` over the whole id layout ``[padding; V frozen; k trainable]``.

    Used by the ``"frozen"`` (``trainable=False``) and ``"full"`` variants. It behaves exactly
    like ``keras.layers.Embedding(1 + V + k, d)``; it only remembers V and k so the trainable
    rows can be read back (:func:`trainable_rows`).

    Args:
        num_frozen: V, the number of pretrained rows (ids 1..V).
        num_trainable: k, the number of extra rows (ids V+1..V+k).
        output_dim: d.
        **kwargs: passed to ``keras.layers.Embedding`` (``mask_zero``, ``trainable``, ...).
    """

    def __init__(self, num_frozen: int, num_trainable: int, output_dim: int, **kwargs):
        kwargs.pop("input_dim", None)
        super().__init__(
            input_dim=1 + int(num_frozen) + int(num_trainable), output_dim=output_dim, **kwargs
        )
        self.num_frozen = int(num_frozen)
        self.num_trainable = int(num_trainable)

    def get_config(self):
        config = super().get_config()
        config.update(num_frozen=self.num_frozen, num_trainable=self.num_trainable)
        return config


@keras.saving.register_keras_serializable(package="pe_lab")
class PaddingToZero(keras.layers.Layer):
    """``[x, ids] -> x`` with every padding position (id 0) set to zero; drops the mask.

    Conv1D cannot use a mask, so the CNN encoder zeroes padding explicitly instead: before the
    convolution (so a trainable padding row in the ``"full"`` variant gets no gradient) and after
    it (so max pooling over ReLU outputs only sees real tokens).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        x, ids = inputs
        keep = ops.cast(ops.not_equal(ids, 0), x.dtype)
        return x * ops.expand_dims(keep, -1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="pe_lab")
class MaskedMean(keras.layers.Layer):
    """``[x, ids] -> mean of x over the non-padding positions`` (zeros for an all-padding row).

    Keras' masked ``GlobalAveragePooling1D`` divides by the number of real tokens, which is
    0/0 = NaN for an empty text; one NaN would poison every weight in the next update.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        x, ids = inputs
        keep = ops.expand_dims(ops.cast(ops.not_equal(ids, 0), x.dtype), -1)
        total = ops.sum(x * keep, axis=1)
        return total / ops.maximum(ops.sum(keep, axis=1), 1.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        shape = input_shape[0]
        return (shape[0], shape[2])


def _embedding_source(vocab_or_embedding, initial_trainable):
    """(frozen matrix (V,d), initial trainable rows (k,d), a ready DualEmbedding or None)."""
    obj = vocab_or_embedding
    if hasattr(obj, "frozen_matrix") and hasattr(obj, "initial_trainable"):
        frozen = np.asarray(obj.frozen_matrix, dtype=np.float32)
        rows = obj.initial_trainable() if initial_trainable is None else initial_trainable
        return frozen, np.asarray(rows, dtype=np.float32), None
    if hasattr(obj, "frozen_vectors") and hasattr(obj, "trainable_vectors"):
        frozen = np.asarray(obj.frozen_vectors(), dtype=np.float32)
        rows = obj.trainable_vectors() if initial_trainable is None else initial_trainable
        return frozen, np.asarray(rows, dtype=np.float32), obj
    raise ValueError(
        "vocab_or_embedding must be a pe_core.vocab.Vocabulary or a pe_core.layers.DualEmbedding, "
        f"got {type(obj).__name__}"
    )


def _check_args(num_classes, encoder, variant, hidden, dropout, frozen, rows, lora_rank):
    check_model_args(encoder, variant, hidden, dropout, lora_rank)
    if int(num_classes) < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    if rows.ndim != 2 or rows.shape[1] != frozen.shape[1]:
        raise ValueError(
            f"initial_trainable must have shape (k, {frozen.shape[1]}), got {rows.shape}"
        )
    if rows.shape[0] < 1:
        raise ValueError("there must be at least 1 trainable row (k >= 1; '<unk>' is always one)")


def _embedding_layer(variant, frozen, rows, ready_dual, lora_rank=DEFAULT_LORA_RANK, seed=0):
    """The embedding layer of ``variant``, built and holding its initial values."""
    num_frozen, dim = frozen.shape
    k = rows.shape[0]
    if variant == "dual":
        if ready_dual is None:
            from pe_core.layers import DualEmbedding

            return DualEmbedding(
                frozen, k, trainable_initializer=rows, mask_zero=True, name="dual_embedding"
            )
        ready_dual.build()
        ready_dual.trainable_weights[0].assign(rows)
        return ready_dual
    layer = TableEmbedding(
        num_frozen,
        k,
        dim,
        mask_zero=True,
        embeddings_initializer="zeros",
        trainable=(variant in ("full", "lora")),
        name=f"{variant}_embedding",
    )
    layer.build((None, None))
    table = np.concatenate([np.zeros((1, dim), np.float32), frozen, rows], axis=0)
    layer.embeddings.assign(table)
    if variant == "lora":
        # A seeded A (B starts at zero, so the first forward pass equals the frozen table);
        # enable_lora marks the table itself non-trainable.
        a_init = keras.initializers.HeUniform(seed=int(seed) + 5)
        layer.enable_lora(int(lora_rank), a_initializer=a_init)
    return layer


def _encoder_output(x, ids, encoder, hidden, dropout, seed):
    """The encoder (bag, cnn or bilstm) applied to the embedded sequence ``x``: (batch, features)."""
    glorot = keras.initializers.GlorotUniform
    if encoder == "bag":
        return MaskedMean(name="mean_pool")([x, ids])
    if encoder == "cnn":
        x = PaddingToZero(name="zero_padding_in")([x, ids])
        x = keras.layers.Conv1D(
            hidden,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=glorot(seed=seed + 11),
            name="conv",
        )(x)
        x = PaddingToZero(name="zero_padding_out")([x, ids])
        return keras.layers.GlobalMaxPooling1D(name="max_pool")(x)

    def lstm(offset, backwards):
        return keras.layers.LSTM(
            hidden,
            go_backwards=backwards,
            kernel_initializer=glorot(seed=seed + offset),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed + offset + 1),
            seed=seed + offset + 2,
        )

    return keras.layers.Bidirectional(
        lstm(21, False), backward_layer=lstm(31, True), name="bilstm"
    )(x)


def build_classifier(
    vocab_or_embedding,
    num_classes: int,
    encoder: str = "bag",
    hidden: int = 64,
    dropout: float = 0.2,
    variant: str = "dual",
    seed: int = 0,
    max_len: int | None = None,
    initial_trainable: np.ndarray | None = None,
    lora_rank: int = DEFAULT_LORA_RANK,
) -> keras.Model:
    """A functional Keras classifier: int32 ids -> embedding (variant) -> encoder -> softmax.

    Args:
        vocab_or_embedding: a ``Vocabulary`` (its frozen matrix and ``initial_trainable()``) or a
            ``DualEmbedding`` (used as is for ``"dual"``; its tables copied for the others).
        num_classes: number of output classes (>= 2).
        encoder: ``"bag"`` (mean over real tokens -> Dense -> Dropout), ``"cnn"`` (Conv1D width 3 + max
            pooling -> Dense -> Dropout) or ``"bilstm"`` (Bidirectional LSTM -> Dense -> Dropout).
        hidden: width of the Dense layer, the Conv1D filters and each LSTM direction.
        dropout: dropout rate before the output layer.
        variant: ``"dual"``, ``"frozen"`` or ``"full"`` (see the module docstring).
        seed: seeds every initializer and the dropout, so the same seed builds the same model
            without touching Keras' global random state.
        max_len: fixed sequence length of the input, or None for variable length.
        initial_trainable: (k, d) starting values of the trainable rows; default: the
            vocabulary's ``initial_trainable()`` (or the layer's current rows).
        lora_rank: r of the ``"lora"`` variant (ignored by the others).

    Example:
        >>> model = build_classifier(vocab, 3, encoder="bag", variant="dual")  # doctest: +SKIP
        >>> model.predict(vocab.encode(["a good day"], max_len=10))  # doctest: +SKIP
    """
    frozen, rows, ready_dual = _embedding_source(vocab_or_embedding, initial_trainable)
    _check_args(num_classes, encoder, variant, hidden, dropout, frozen, rows, lora_rank)
    seed = int(seed)
    ids = keras.Input(shape=(max_len,), dtype="int32", name="token_ids")
    x = _embedding_layer(variant, frozen, rows, ready_dual, lora_rank, seed)(ids)
    x = _encoder_output(x, ids, encoder, int(hidden), float(dropout), seed)
    x = keras.layers.Dense(
        hidden,
        activation="relu",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1),
        name="hidden",
    )(x)
    x = keras.layers.Dropout(float(dropout), seed=seed + 2, name="dropout")(x)
    out = keras.layers.Dense(
        int(num_classes),
        activation="softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 3),
        name="classes",
    )(x)
    return keras.Model(ids, out, name=f"pe_lab_{variant}_{encoder}")


def _find_embedding(model: keras.Model):
    for layer in model.layers:
        if isinstance(layer, TableEmbedding) or hasattr(layer, "trainable_vectors"):
            return layer
    raise ValueError(
        f"model {model.name!r} has no DualEmbedding or TableEmbedding layer; "
        "build it with pe_core.model.build_classifier"
    )


def embedding_layer(model: keras.Model):
    """The model's embedding layer (a ``DualEmbedding`` or a ``TableEmbedding``)."""
    return _find_embedding(model)


def variant_of(model: keras.Model) -> str:
    """``"dual"``, ``"frozen"``, ``"full"`` or ``"lora"``, read from the model's embedding layer."""
    layer = _find_embedding(model)
    if isinstance(layer, TableEmbedding):
        if getattr(layer, "lora_enabled", False):
            return "lora"
        return "full" if layer.trainable else "frozen"
    return "dual"


def trainable_rows(model: keras.Model) -> np.ndarray:
    """The k rows for ids V+1..V+k as a float32 (k, d) array, whatever the variant.

    For ``"frozen"`` they are the (never changing) initial rows; for ``"full"`` the last k rows
    of the one big table.
    """
    layer = _find_embedding(model)
    if isinstance(layer, TableEmbedding):
        table = ops.convert_to_numpy(layer.embeddings)
        return np.array(table[1 + layer.num_frozen :], dtype=np.float32)
    return np.array(layer.trainable_vectors(), dtype=np.float32)


def frozen_rows(model: keras.Model) -> np.ndarray:
    """The V rows for ids 1..V as a float32 (V, d) array (they change only in ``"full"``)."""
    layer = _find_embedding(model)
    if isinstance(layer, TableEmbedding):
        table = ops.convert_to_numpy(layer.embeddings)
        return np.array(table[1 : 1 + layer.num_frozen], dtype=np.float32)
    return np.array(layer.frozen_vectors(), dtype=np.float32)


def set_trainable_rows(model: keras.Model, rows: np.ndarray) -> None:
    """Write ``rows`` (k, d) into the k trainable rows (ids V+1..V+k) of ``model``.

    Used to look at the final model with the rows of an earlier snapshot. Not for ``"lora"``,
    whose rows are the stored table plus a low-rank update and cannot be set one by one.
    """
    layer = _find_embedding(model)
    rows = np.asarray(rows, dtype=np.float32)
    if isinstance(layer, TableEmbedding):
        if getattr(layer, "lora_enabled", False):
            raise ValueError("the rows of a 'lora' model cannot be set: they are table + A @ B")
        if rows.shape != (layer.num_trainable, layer.output_dim):
            raise ValueError(
                f"rows must have shape ({layer.num_trainable}, {layer.output_dim}), "
                f"got {rows.shape}"
            )
        table = ops.convert_to_numpy(layer.embeddings).copy()
        table[1 + layer.num_frozen :] = rows
        layer.embeddings.assign(table)
        return
    layer.trainable_embeddings.assign(rows)


def base_table(model: keras.Model) -> np.ndarray:
    """The stored embedding table without any LoRA update (for "lora": the frozen table)."""
    layer = _find_embedding(model)
    if isinstance(layer, TableEmbedding):
        return np.array(ops.convert_to_numpy(layer._embeddings), dtype=np.float32)
    return np.concatenate(
        [
            np.zeros((1, layer.output_dim), np.float32),
            layer.frozen_vectors(),
            layer.trainable_vectors(),
        ]
    )


def optimizer_state_size(model: keras.Model) -> int:
    """Numbers the optimizer keeps for the model (Adam: 2 per trainable parameter), scalars
    such as the step counter left out; 0 before the first training step builds the slots."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return 0
    return int(sum(int(np.prod(v.shape)) for v in optimizer.variables if len(v.shape) > 0))


def _count(weights) -> int:
    return int(sum(int(np.prod(w.shape)) for w in weights))


def embedding_params(model: keras.Model) -> dict[str, int]:
    """Parameter counts of the embedding layer only: ``{"trainable": .., "frozen": ..}``.

    dual: trainable = k*d, frozen = the frozen table; frozen: trainable = 0, frozen =
    (1+V+k)*d; full: trainable = (1+V+k)*d (the padding row is a variable too), frozen = 0;
    lora: trainable = r*(1+V+k) + r*d (A and B), frozen = (1+V+k)*d.
    """
    layer = _find_embedding(model)
    return {
        "trainable": _count(layer.trainable_weights),
        "frozen": _count(layer.non_trainable_weights),
    }


def model_params(model: keras.Model) -> dict[str, int]:
    """Counts for the whole model: ``{"trainable", "frozen"}``, the embedding's share
    (``"embedding_trainable"``, ``"embedding_frozen"``) and the rest (``"encoder"``: every
    trainable weight after the embedding -- encoder, hidden and output layers)."""
    emb = embedding_params(model)
    trainable = _count(model.trainable_weights)
    return {
        "trainable": trainable,
        "frozen": _count(model.non_trainable_weights),
        "embedding_trainable": emb["trainable"],
        "embedding_frozen": emb["frozen"],
        "encoder": trainable - emb["trainable"],
    }
