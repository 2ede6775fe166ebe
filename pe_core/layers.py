"""The DualEmbedding layer: frozen pretrained rows and a few trainable rows, selected per id.

Id layout (the contract with ``pe_core.vocab``)::

    0            padding: zero vector, masked
    1 .. V       frozen_vectors[id - 1]       (non-trainable weight, V x d)
    V+1 .. V+k   trainable rows [id - V - 1]  (trainable weight, k x d)

The widely copied answer to "train only some embeddings" adds two Embedding layers and feeds
the second one ``relu(ids - valid_words)``: every ordinary word then reads row 0 of the trainable
table, so that row is trained and silently added to every "frozen" vector. This layer *selects*
instead of adding, so a frozen id's output is its pretrained row bit for bit, whatever the
optimizer does.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from pe_core.checks import is_int

__all__ = ["DualEmbedding"]


def _positive_int(value, name: str, hint: str) -> int:
    if not is_int(value) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r} "
            f"(of type {type(value).__name__}). {hint}"
        )
    return int(value)


def _check_matrix(value, name: str, shape_hint: str) -> np.ndarray:
    """Return ``value`` as a finite 2-D float32 array, or raise a ValueError naming ``name``."""
    try:
        array = np.asarray(value, dtype="float32")
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"`{name}` must be a 2-D array of numbers {shape_hint}. "
            f"Received: {name} of type {type(value).__name__} ({err})."
        ) from err
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"`{name}` must be a non-empty 2-D array {shape_hint}. "
            f"Received: {name} with shape {array.shape}."
        )
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"`{name}` must contain only finite numbers. Received: {name}[{bad[0]}, {bad[1]}]="
            f"{array[bad[0], bad[1]].item()!r}. Remove or repair that row before building the layer."
        )
    return array


def _frozen_shape(frozen_vectors, frozen_shape):
    """Validate the frozen table (or its shape alone, when restored from a config)."""
    if frozen_vectors is None:
        if frozen_shape is None:
            raise ValueError(
                "`frozen_vectors` is required: pass the (V, d) pretrained matrix. "
                "Received: frozen_vectors=None and no frozen_shape."
            )
        ok = isinstance(frozen_shape, list | tuple) and len(frozen_shape) == 2
        if not ok:
            raise ValueError(
                f"`frozen_shape` must be a pair (V, d). Received: frozen_shape={frozen_shape!r}."
            )
        hint = "frozen_shape is (V, d)."
        return None, tuple(_positive_int(n, "frozen_shape", hint) for n in frozen_shape)
    array = _check_matrix(frozen_vectors, "frozen_vectors", "of shape (V, d)")
    if frozen_shape is not None and tuple(frozen_shape) != array.shape:
        raise ValueError(
            f"`frozen_shape` must match frozen_vectors.shape. Received: "
            f"frozen_shape={tuple(frozen_shape)!r}, frozen_vectors.shape={array.shape}."
        )
    return array, array.shape


def _trainable_init(value, shape):
    """Return (initializer, array or None) for ``trainable_initializer``."""
    if isinstance(value, np.ndarray | list | tuple) or ops.is_tensor(value):
        array = _check_matrix(value, "trainable_initializer", f"of shape {shape}")
        if array.shape != shape:
            raise ValueError(
                "`trainable_initializer` given as an array must have shape "
                f"(num_trainable, d)={shape}. Received: trainable_initializer with shape "
                f"{array.shape}."
            )
        return None, array
    try:
        return keras.initializers.get(value), None
    except (ValueError, TypeError) as err:
        raise ValueError(
            "`trainable_initializer` must be 'zeros', a Keras initializer (name, object or "
            f"config) or a (num_trainable, d) array. Received: trainable_initializer={value!r}."
        ) from err


#: Up to this many trainable rows, they are looked up by a one-hot matmul (dense, cheap
#: gradient); above it, by a gather whose one-hot would cost O(batch * length * k * d).
#: Timed equal near k = 100 (V=50,000, d=100, batch 64 x 50); bench/bench_layers.py times
#: both lookups at k = 20. A layer argument (and in its config), this is only the default.
ONE_HOT_MAX_ROWS = 64


def _as_ids(inputs):
    """Ids as int32/int64, as ``keras.layers.Embedding`` casts them: unsigned (uint8, uint16)
    and float ids would otherwise reach TensorFlow's gather, which refuses them."""
    dtype = keras.backend.standardize_dtype(inputs.dtype)
    return inputs if dtype in ("int32", "int64") else ops.cast(inputs, "int32")


def _constant(array: np.ndarray):
    """An initializer returning ``array``; used so the big table is never copied into a config."""

    def initializer(shape, dtype=None):
        return ops.convert_to_tensor(array, dtype=dtype)

    return initializer


@keras.saving.register_keras_serializable(package="pe_lab")
class DualEmbedding(keras.layers.Layer):
    """Embedding with frozen pretrained rows and ``num_trainable`` trainable rows.

    Maps integer ids to vectors following the id layout of ``pe_core.vocab``: ``0`` is padding
    (zero vector, masked), ``1..V`` read ``frozen_vectors[id - 1]`` from a non-trainable weight,
    and ``V+1..V+k`` read row ``id - V - 1`` of a trainable ``(k, d)`` weight. Each position is
    *selected* from one table (``ops.where``), never a sum of both, so a frozen id's output is
    its pretrained row bit for bit before and after training with any optimizer (weight decay
    included), and gradients reach only the trainable rows that occur in the batch. The
    optimizer sees exactly ``k * d`` parameters, and a step costs two small row gathers, like a
    plain ``keras.layers.Embedding`` lookup (for ``k <= one_hot_max_rows`` the trainable rows
    are picked by a one-hot matmul instead, which is cheaper there): the full table is never
    copied or concatenated.

    Ids outside ``[0, V + k]`` are not errors inside a compiled model (a graph built from
    ``keras.ops`` cannot raise): they give a zero vector, are masked like padding and get no
    gradient. This is the safe choice, since it never reads out of bounds (TensorFlow's own
    gather raises on CPU but returns zeros on GPU) and never aliases an unrelated row as
    clipping would. Such ids are a bug in the encoding, so they are reported where they can
    be: calling the layer on a NumPy array, and ``check_ids(ids)``, raise a ``ValueError``
    naming the first bad id. ``Vocabulary.encode`` never produces them.

    Only shapes go into ``get_config()`` (``frozen_shape=(V, d)``); the tables travel in the
    weights file, so ``model.save("m.keras")`` stays small and ``keras.models.load_model``
    works in safe mode. A layer made from a config alone holds a zero placeholder table until
    its weights are loaded.

    Args:
        frozen_vectors: ``(V, d)`` array of pretrained vectors (e.g. GloVe rows), copied into a
            non-trainable float32 weight. ``None`` only together with ``frozen_shape``.
        num_trainable: Positive integer ``k``, the number of trainable rows (``<unk>``,
            special tokens, OOV words, promoted words).
        trainable_initializer: ``"zeros"`` (default), any Keras initializer (name, object or
            config dict), or a ``(k, d)`` array of starting rows (written into the config as
            lists, so ``from_config(get_config())`` starts from the same rows; the trained rows
            come from the weights file).
        mask_zero: Whether to emit a mask (``ids != 0`` for every valid id) so that RNNs and
            pooling downstream ignore padding.
        frozen_shape: ``(V, d)``; set by ``get_config`` so a saved model can be rebuilt
            without the table. Rarely passed by hand.
        one_hot_max_rows: up to this many trainable rows (None: ``ONE_HOT_MAX_ROWS``, 64) they
            are picked by a
            one-hot matmul, above it by a gather; 0 always gathers. Same outputs either way.
        **kwargs: Base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        Integer tensor of any shape, typically ``(batch, length)``.

    Output shape:
        ``(*input_shape, d)``.

    Example:

    >>> import numpy as np
    >>> glove = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32")  # V=2, d=2
    >>> layer = DualEmbedding(glove, num_trainable=1, trainable_initializer=[[9.0, 9.0]])
    >>> ids = np.array([[1, 2, 3, 0]])
    >>> layer(ids).numpy().tolist()
    [[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0], [0.0, 0.0]]]
    >>> layer.compute_mask(ids).numpy().tolist()
    [[True, True, True, False]]
    >>> layer.trainable_vectors().shape, layer.frozen_vectors().shape
    ((1, 2), (2, 2))
    """

    def __init__(
        self,
        frozen_vectors,
        num_trainable,
        trainable_initializer="zeros",
        mask_zero=True,
        *,
        frozen_shape=None,
        one_hot_max_rows=None,
        **kwargs,
    ):
        k = _positive_int(
            num_trainable,
            "num_trainable",
            "Every vocabulary has at least <unk>; for no trainable rows use "
            "keras.layers.Embedding(trainable=False).",
        )
        if not isinstance(mask_zero, bool):
            raise ValueError(
                f"`mask_zero` must be True or False. Received: mask_zero={mask_zero!r}."
            )
        if one_hot_max_rows is None:  # read now, so the module default can be changed
            one_hot_max_rows = ONE_HOT_MAX_ROWS
        if not is_int(one_hot_max_rows):
            raise ValueError(
                "`one_hot_max_rows` must be an integer >= 0 (0 = always gather). Received: "
                f"one_hot_max_rows={one_hot_max_rows!r}."
            )
        if one_hot_max_rows < 0:
            raise ValueError(
                "`one_hot_max_rows` must be an integer >= 0 (0 = always gather). Received: "
                f"one_hot_max_rows={one_hot_max_rows!r}."
            )
        array, (num_frozen, dim) = _frozen_shape(frozen_vectors, frozen_shape)
        initializer, initial_rows = _trainable_init(trainable_initializer, (k, dim))
        super().__init__(**kwargs)
        self.num_frozen = num_frozen
        self.num_trainable = k
        self.output_dim = dim
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.one_hot_max_rows = int(one_hot_max_rows)
        self.trainable_initializer = initializer
        # The starting rows given as an array: small (k x d), kept for get_config().
        self._initial_rows = initial_rows
        # Held only until build(); after that the variables own the values.
        self._frozen_init = array
        self._trainable_init = initial_rows
        self.autocast = False

    def build(self, input_shape=None):
        if self.built:
            return
        frozen = self._frozen_init
        self.frozen_embeddings = self.add_weight(
            shape=(self.num_frozen, self.output_dim),
            initializer="zeros" if frozen is None else _constant(frozen),
            name="frozen_embeddings",
            trainable=False,
        )
        rows = self._trainable_init
        self.trainable_embeddings = self.add_weight(
            shape=(self.num_trainable, self.output_dim),
            initializer=self.trainable_initializer if rows is None else _constant(rows),
            name="trainable_embeddings",
            trainable=True,
        )
        self._frozen_init = self._trainable_init = None
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        # Keras turns NumPy input into tensors before call(); check concrete ids here, where
        # an out-of-range id can still be reported instead of becoming a zero vector.
        if isinstance(inputs, np.ndarray | list):
            self.check_ids(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        ids = _as_ids(inputs)
        # The clipped index keeps the gather in bounds, and it equals the unclipped one exactly
        # at frozen ids; ops.where keeps the gathered row only there, so a frozen id's output
        # is its stored row bit for bit.
        row = ids - 1
        clipped = ops.clip(row, 0, self.num_frozen - 1)
        is_frozen = ops.equal(clipped, row)
        frozen = ops.take(self.frozen_embeddings, clipped, axis=0)
        outputs = ops.where(ops.expand_dims(is_frozen, -1), frozen, self._trainable_rows(ids))
        return ops.cast(outputs, self.compute_dtype)

    def _trainable_rows(self, ids):
        """Trainable row per position; exactly zero wherever the id is not a trainable id."""
        first, k = self.num_frozen + 1, self.num_trainable
        if k <= self.one_hot_max_rows:
            # one_hot gives an all-zero row for any index outside [0, k), and its matmul has a
            # dense (k, d) gradient: for small k this is cheaper than a gather, whose sparse
            # gradient costs a conversion step before the optimizer can use it.
            flat = ops.one_hot(ops.reshape(ids, (-1,)) - first, k, dtype=self.variable_dtype)
            rows = ops.matmul(flat, self.trainable_embeddings)
            return ops.reshape(rows, (*ops.shape(ids), self.output_dim))
        is_trainable = ops.logical_and(ids >= first, ids < first + k)
        rows = ops.take(self.trainable_embeddings, ops.clip(ids - first, 0, k - 1), axis=0)
        return ops.where(ops.expand_dims(is_trainable, -1), rows, 0.0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        # No convert_to_tensor: while a functional model is built, inputs is a KerasTensor.
        ids = _as_ids(inputs)
        top = self.num_frozen + self.num_trainable
        return ops.logical_and(ops.greater(ids, 0), ops.less_equal(ids, top))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        config = super().get_config()
        # Starting rows given as an array are written out as nested lists (k x d is small), so
        # from_config(get_config()) starts from the same rows; the big frozen table travels in
        # the weights file only.
        if self._initial_rows is not None:
            initializer = self._initial_rows.tolist()
        else:
            initializer = keras.initializers.serialize(self.trainable_initializer)
        config.update(
            {
                "frozen_vectors": None,
                "frozen_shape": [self.num_frozen, self.output_dim],
                "num_trainable": self.num_trainable,
                "trainable_initializer": initializer,
                "mask_zero": self.mask_zero,
                "one_hot_max_rows": self.one_hot_max_rows,
            }
        )
        return config

    def check_ids(self, ids) -> None:
        """Raise ``ValueError`` if any id lies outside ``[0, V + k]``; ``ids`` is array-like."""
        array = np.asarray(ids)
        if array.size and not np.issubdtype(array.dtype, np.integer):
            if not np.array_equal(array, np.round(array)):
                raise ValueError(f"ids must be integers. Received dtype {array.dtype}.")
        top = self.num_frozen + self.num_trainable
        bad = np.argwhere((array < 0) | (array > top))
        if bad.size:
            where = tuple(int(i) for i in bad[0])
            raise ValueError(
                f"ids must lie in [0, {top}] (0 padding, 1..{self.num_frozen} frozen, "
                f"{self.num_frozen + 1}..{top} trainable). Received: ids{list(where)}="
                f"{array[where].item()!r} ({len(bad)} ids out of range). Encode texts with the same "
                "Vocabulary that built this layer."
            )

    def trainable_vectors(self) -> np.ndarray:
        """The current trainable rows as a float32 NumPy array of shape ``(k, d)``."""
        self.build()
        return ops.convert_to_numpy(self.trainable_embeddings.value)

    def frozen_vectors(self) -> np.ndarray:
        """The frozen pretrained rows as a float32 NumPy array of shape ``(V, d)``."""
        self.build()
        return ops.convert_to_numpy(self.frozen_embeddings.value)
