"""Training engine: train the classifier and record where the trainable rows go.

``train(...)`` runs synchronously and returns a :class:`TrainingResult` whose ``trajectory``
holds snapshots of the k trainable rows (``[0]`` = the initial rows). ``TrainingRun`` runs the
same thing in a background thread for the app: ``start()``, ``stop()``, ``progress()``,
``snapshots()``, ``result``; a process-wide scheduler limits how many runs train at once
(default 1, env ``PE_LAB_MAX_RUNS`` or :func:`set_max_concurrent_runs`) and queues the rest.

Determinism: the split, the initial rows, every initializer, dropout and the batch order are
seeded from ``seed`` explicitly (no global random state is read or written), and TensorFlow
op determinism is enabled process-wide, so the same seed gives the same trajectory bit for
bit on CPU -- alone or next to another run in a parallel thread. Not covered: a different
machine, TensorFlow version or thread count may change the last bits of the floats.

Importing this module does not import TensorFlow (several seconds on a small machine): a
``TrainingRun`` imports it in its own thread, so an app's page stays responsive meanwhile.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from pe_core.checks import check_model_args, int_at_least, one_of
from pe_core.choices import OPTIMIZERS
from pe_core.stored_neighbours import STORED_K, NeighbourRecorder, max_snapshots_for

MAX_AUTO_LEN = 100
# With snapshot_every=None a run takes about this many snapshots (plus one per epoch end).
AUTO_SNAPSHOTS = 75

_TF_LOCK = threading.Lock()
_TF_READY = False


def _model_module():
    """``pe_core.model`` (Keras, TensorFlow), imported at first use."""
    from pe_core import model

    return model


def configure_tensorflow(threads: int | None = None) -> None:
    """Once per process: op determinism, thread pools sized for the machine, quiet logs.

    Thread pools can only be sized before TensorFlow's runtime starts; if something else
    started it first, the sizes TensorFlow chose stay (nothing else changes). A fixed global
    TF seed is set only so that unseeded TF random ops elsewhere in the process keep working
    under op determinism (which refuses unseeded random ops); our own code never uses it.
    """
    global _TF_READY
    with _TF_LOCK:
        if _TF_READY:
            return
        import tensorflow as tf

        n = int(threads or os.environ.get("PE_LAB_TF_THREADS") or os.cpu_count() or 1)
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(n)
        except RuntimeError:
            pass  # the runtime is already initialised; keep its pools
        tf.random.set_seed(0)
        tf.config.experimental.enable_op_determinism()
        # Every run builds its own model, so tf.function "retracing" warnings are expected.
        tf.get_logger().setLevel("ERROR")
        _TF_READY = True


@dataclass
class TrainingResult:
    """What a training run produced.

    Attributes:
        tokens: names of the k trainable rows (``[0]`` is ``"<unk>"``).
        token_kinds: ``"unk" | "special" | "oov" | "promoted"`` per row.
        trajectory: float32 (S, k, d) snapshots of the trainable rows; ``[0]`` = initial rows.
        steps: int (S,) global batch step of each snapshot (0 for the initial rows).
        epochs: float (S,) fractional epoch of each snapshot (``steps / batches_per_epoch``).
        history: per completed epoch: loss, accuracy (running means over the epoch's batches,
            with dropout on, as Keras reports them), train_accuracy (on the training rows in
            inference mode at the epoch's end), val_loss, val_accuracy, val_macro_f1.
        model: the trained ``keras.Model``.
        vocabulary: the ``Vocabulary`` (id layout) the model reads.
        params: whole-model counts ``{"trainable": .., "frozen": ..}``.
        embedding_params: the embedding layer's share ``{"trainable": .., "frozen": ..}``.
        label_names: class names in output order.
        state: ``"done"`` or ``"stopped"`` (stopped early by ``stop_event``).
        seconds: wall time of the whole call; ``epoch_seconds``: time of each epoch.
        notices: things the run changed or noticed (e.g. batch size clamped), for the user.
        settings: the run's settings as plain values (for exports and reports).
        neighbours: :class:`~pe_core.stored_neighbours.SnapshotNeighbours`, the top-K cosine
            neighbours over the whole vocabulary of every token at every snapshot, computed
            while training (None with ``neighbours_k=None``).
        val_predicted: how many validation texts the model assigned to each class (in
            ``label_names`` order) at the last epoch's end; empty before the first epoch
            ends. A model that answers one class for every text shows it here.
    """

    tokens: list[str]
    token_kinds: list[str]
    trajectory: np.ndarray
    steps: np.ndarray
    epochs: np.ndarray
    history: dict[str, list[float]]
    model: Any
    vocabulary: Any
    params: dict[str, int]
    embedding_params: dict[str, int]
    label_names: list[str]
    state: str
    seconds: float
    seed: int
    variant: str
    encoder: str
    max_len: int
    batch_size: int
    batches_per_epoch: int
    train_indices: np.ndarray
    val_indices: np.ndarray
    epoch_seconds: list[float] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    neighbours: Any = None
    val_predicted: list[int] = field(default_factory=list)

    @property
    def initial_rows(self) -> np.ndarray:
        return self.trajectory[0]

    @property
    def final_rows(self) -> np.ndarray:
        return self.trajectory[-1]


@dataclass
class TrainConfig:
    """Every setting of a run, with defaults (see :func:`train` for their meaning)."""

    tokenizer: Any = None
    specials: tuple = ()
    vocabulary: Any = None
    min_oov_count: int = 2
    promote: tuple = ()
    max_frozen: int | None = None
    max_oov_rows: Any = "auto"
    pretrained_specials: str = "promote"
    init: str = "zeros"
    label_names: list[str] | None = None
    max_len: int | None = None
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 5e-3
    optimizer: str = "adam"
    encoder: str = "bag"
    variant: str = "dual"
    hidden: int = 64
    dropout: float = 0.2
    val_fraction: float = 0.2
    seed: int = 0
    class_weights: Any = False
    snapshot_every: int | None = None
    max_snapshots: int = 500
    lora_rank: int = 4
    split: Any = None
    neighbours_k: int | None = STORED_K

    def settings(self) -> dict[str, Any]:
        """The settings as plain values (tokenizer and vocabulary left out)."""
        skip = ("tokenizer", "vocabulary", "split")
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}

    def check(self) -> None:
        """Raise ``ValueError`` for any setting out of range (data-independent checks)."""
        int_at_least("epochs", self.epochs, 1)
        int_at_least("batch_size", self.batch_size, 1)
        int_at_least("max_snapshots", self.max_snapshots, 2)
        if self.max_len is not None:
            int_at_least("max_len", self.max_len, 1, "or None to choose it from the data")
        if self.snapshot_every is not None:
            int_at_least("snapshot_every", self.snapshot_every, 1, "(batches), or None")
        if self.neighbours_k is not None:
            int_at_least("neighbours_k", self.neighbours_k, 1, "or None for no stored neighbours")
        if not 0.0 < float(self.val_fraction) <= 0.5:
            raise ValueError(f"val_fraction must be in (0, 0.5], got {self.val_fraction}")
        if not (math.isfinite(float(self.learning_rate)) and float(self.learning_rate) > 0):
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate}")
        one_of("optimizer", self.optimizer, OPTIMIZERS)
        check_model_args(self.encoder, self.variant, self.hidden, self.dropout, self.lora_rank)
        if self.class_weights not in (False, None, "balanced"):
            raise ValueError(
                f"class_weights must be False or 'balanced', got {self.class_weights!r}"
            )


def thin_indices(steps, keep: int) -> np.ndarray:
    """Indices of at most ``keep`` snapshots, evenly spaced in *steps*, first and last kept.

    ``steps`` is increasing. For each of ``keep`` evenly spaced target steps the nearest
    snapshot is chosen (duplicates collapse, so fewer than ``keep`` may come back).
    """
    steps = np.asarray(steps, dtype=np.float64)
    n = len(steps)
    if keep < 2:
        raise ValueError(f"keep must be >= 2 (first and last), got {keep}")
    if n <= keep:
        return np.arange(n)
    targets = np.linspace(steps[0], steps[-1], keep)
    after = np.clip(np.searchsorted(steps, targets), 0, n - 1)
    before = np.clip(after - 1, 0, n - 1)
    nearer_before = np.abs(steps[before] - targets) <= np.abs(steps[after] - targets)
    chosen = np.where(nearer_before, before, after)
    chosen[0], chosen[-1] = 0, n - 1
    return np.unique(chosen)


# -- data ------------------------------------------------------------------------------------


@dataclass
class _Data:
    vocabulary: Any
    x: np.ndarray  # int32 (n, max_len)
    y: np.ndarray  # int64 (n,) in 0..C-1
    label_names: list[str]
    train_idx: np.ndarray
    val_idx: np.ndarray
    max_len: int
    batch_size: int
    sample_weight: np.ndarray | None  # per row, only with class_weights="balanced"


def _encode_labels(labels, label_names) -> tuple[np.ndarray, list[str]]:
    """Labels (ints or strings) -> (ids 0..C-1 over the classes present, their names)."""
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"labels must be one label per text (1-D), got shape {array.shape}")
    classes, y = np.unique(array, return_inverse=True)
    if label_names is not None and np.issubdtype(array.dtype, np.integer):
        bad = [int(c) for c in classes if not 0 <= c < len(label_names)]
        if bad:
            raise ValueError(
                f"label {bad[0]} has no name: label_names has {len(label_names)} entries "
                f"(labels must be 0..{len(label_names) - 1})"
            )
        names = [str(label_names[int(c)]) for c in classes]
    else:
        names = [str(c) for c in classes]
    return y.astype(np.int64), names


def _check_classes(y: np.ndarray, names: list[str], val_fraction: float) -> None:
    """Data checks for a stratified split, each with a message saying what to change."""
    if len(names) < 2:
        found = ", ".join(repr(n) for n in names)
        raise ValueError(f"training needs at least 2 classes, found {len(names)}: {found}")
    counts = np.bincount(y, minlength=len(names))
    for name, count in zip(names, counts, strict=True):
        if count < 2:
            raise ValueError(
                f"class {name!r} has only {count} row; the stratified validation split needs "
                "at least 2 rows per class (one to train on, one to validate): add rows of "
                "that class or remove it"
            )
    n = len(y)
    n_val = math.ceil(val_fraction * n)
    if n_val < len(names) or n - n_val < len(names):
        raise ValueError(
            f"{n} rows with val_fraction={val_fraction} give {n_val} validation and "
            f"{n - n_val} training rows, but a stratified split needs at least one row of each "
            f"of the {len(names)} classes on both sides: use more rows or another val_fraction"
        )


def auto_max_len(tokenizer, texts) -> int:
    """95th percentile of the token counts, capped at 100 (and at least 1)."""
    lengths = [len(tokenizer.tokenize(t)) for t in texts]
    return int(min(MAX_AUTO_LEN, max(1, math.ceil(np.percentile(lengths, 95)))))


def _build_vocabulary(vectors, texts, cfg: TrainConfig, notices: list[str]):
    from pe_core.vocab import Vocabulary

    if cfg.vocabulary is not None:
        if cfg.tokenizer is not None or tuple(cfg.specials) or tuple(cfg.promote):
            notices.append(
                "a prebuilt vocabulary was given, so tokenizer, specials and promote were "
                "ignored (the vocabulary's own are used)"
            )
        vocab = cfg.vocabulary
    else:
        vocab = Vocabulary.build(
            vectors,
            texts,
            cfg.tokenizer,
            specials=tuple(cfg.specials),
            min_oov_count=cfg.min_oov_count,
            promote=tuple(cfg.promote),
            max_frozen=cfg.max_frozen,
            init=cfg.init,
            seed=cfg.seed,
            max_oov_rows=cfg.max_oov_rows,
            pretrained_specials=cfg.pretrained_specials,
        )
    notices.extend(getattr(vocab, "warnings", []))
    notices.extend(getattr(vocab, "notices", []))
    return vocab


def _given_split(split, n: int) -> tuple[np.ndarray, np.ndarray]:
    """An explicit (train indices, validation indices) pair, checked (for sweeps)."""
    train_idx, val_idx = (np.asarray(part, dtype=np.int64) for part in split)
    for name, part in (("train", train_idx), ("validation", val_idx)):
        if part.ndim != 1 or not len(part):
            raise ValueError(f"split: the {name} indices must be a non-empty 1-D list")
        if part.min() < 0 or part.max() >= n:
            raise ValueError(f"split: {name} indices must lie in 0..{n - 1} (one per text)")
    if np.intersect1d(train_idx, val_idx).size:
        raise ValueError("split: a text is both in the training and the validation indices")
    return train_idx, val_idx


def _prepare(vectors, texts, labels, cfg: TrainConfig, notices: list[str]) -> _Data:
    """Validate the data, build the vocabulary, encode, split (stratified) and weight."""
    from sklearn.model_selection import train_test_split
    from sklearn.utils.class_weight import compute_class_weight

    texts = list(texts)
    if len(texts) != len(labels):
        raise ValueError(
            f"texts and labels must have the same length, got {len(texts)} texts "
            f"and {len(labels)} labels"
        )
    if not texts:
        raise ValueError("texts is empty: training needs labelled texts")
    y, names = _encode_labels(labels, cfg.label_names)
    _check_classes(y, names, float(cfg.val_fraction))
    vocab = _build_vocabulary(vectors, texts, cfg, notices)
    max_len = cfg.max_len or auto_max_len(vocab.tokenizer, texts)
    x = np.asarray(vocab.encode(texts, max_len), dtype=np.int32)
    if cfg.split is not None:
        train_idx, val_idx = _given_split(cfg.split, len(texts))
    else:
        train_idx, val_idx = train_test_split(
            np.arange(len(texts)),
            test_size=float(cfg.val_fraction),
            stratify=y,
            random_state=int(cfg.seed),
            shuffle=True,
        )
    batch_size = int(cfg.batch_size)
    if batch_size > len(train_idx):
        notices.append(
            f"batch_size={batch_size} is larger than the {len(train_idx)} training rows; "
            f"used {len(train_idx)} (one batch per epoch)"
        )
        batch_size = len(train_idx)
    weights = None
    if cfg.class_weights == "balanced":
        present = np.unique(y[train_idx])
        per_class = compute_class_weight("balanced", classes=present, y=y[train_idx])
        table = np.ones(len(names))
        table[present] = per_class
        weights = table[y].astype(np.float32)
    return _Data(
        vocab, x, y, names, np.sort(train_idx), np.sort(val_idx), max_len, batch_size, weights
    )


# -- the loop --------------------------------------------------------------------------------


def _optimizer(name: str, learning_rate: float):
    import keras

    lr = float(learning_rate)
    if name == "adam":
        return keras.optimizers.Adam(lr)
    if name == "adamw":
        return keras.optimizers.AdamW(lr)
    if name == "sgd":
        return keras.optimizers.SGD(lr, momentum=0.9)
    return keras.optimizers.RMSprop(lr)


def _predict(model, x) -> np.ndarray:
    """Class probabilities in inference mode (no dropout), in chunks of 1024 rows."""
    return np.concatenate(
        [model.predict_on_batch(x[i : i + 1024]) for i in range(0, len(x), 1024)]
    ).astype(np.float64)


def _val_metrics(model, x, y, num_classes: int, weights=None) -> dict[str, Any]:
    """Validation loss, accuracy and macro-F1 in inference mode (no dropout), and how many
    texts were predicted as each class (``val_predicted``).

    With class weights on, ``weights`` (one per row) weigh the loss as Keras weighs the
    training loss (mean of weight x loss), so the two losses stay comparable.
    """
    from sklearn.metrics import f1_score

    probs = _predict(model, x)
    pred = probs.argmax(axis=1)
    nll = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0))
    if weights is not None:
        nll = nll * np.asarray(weights, dtype=np.float64)
    return {
        "val_loss": float(nll.mean()),
        "val_accuracy": float((pred == y).mean()),
        "val_macro_f1": float(
            f1_score(y, pred, average="macro", labels=np.arange(num_classes), zero_division=0)
        ),
        "val_predicted": np.bincount(pred, minlength=num_classes).tolist(),
    }


def _train_accuracy(model, x, y) -> float:
    """Accuracy on the training rows in inference mode at the end of an epoch.

    The running accuracy Keras reports is averaged over the epoch with dropout on, so it
    lags and understates what the model fits; a train-val gap needs this one.
    """
    return float((_predict(model, x).argmax(axis=1) == y).mean())


class _Trainer:
    """One run: owns its model, snapshots and progress; shared with a TrainingRun via a lock."""

    def __init__(self, vectors, texts, labels, cfg: TrainConfig, callback=None, stop_event=None):
        self.vectors, self.texts, self.labels = vectors, texts, labels
        self.cfg = cfg
        self.callback = callback
        self.stop_event = stop_event
        self.lock = threading.Lock()
        self.notices: list[str] = []
        self.tokens: list[str] = []
        self.token_kinds: list[str] = []
        self.snap_rows: list[np.ndarray] = []
        self.snap_steps: list[int] = []
        self.snap_epochs: list[float] = []
        self.snap_seqs: list[int] = []  # each kept snapshot's number, for its neighbours
        self._next_seq = 0
        self.recorder = None
        self.max_snapshots = int(cfg.max_snapshots)
        self.history: dict[str, list[float]] = {
            k: []
            for k in (
                "loss",
                "accuracy",
                "train_accuracy",
                "val_loss",
                "val_accuracy",
                "val_macro_f1",
            )
        }
        self.epoch_seconds: list[float] = []
        self.val_predicted: list[int] = []
        self.latest: dict[str, float] = {}
        self.t0 = time.perf_counter()
        self.t_loop: float | None = None
        self.epoch = self.batch = self.step = self.total_steps = self.batches_per_epoch = 0

    # -- snapshots -------------------------------------------------------------------------

    def _snapshot(self, model) -> None:
        if self.snap_steps and self.snap_steps[-1] == self.step:
            return
        rows = _model_module().trainable_rows(model)
        dropped = []
        with self.lock:
            seq = self._next_seq
            self._next_seq += 1
            self.snap_rows.append(rows)
            self.snap_steps.append(self.step)
            self.snap_epochs.append(self.step / self.batches_per_epoch)
            self.snap_seqs.append(seq)
            if len(self.snap_rows) > self.max_snapshots:
                # Halve evenly (by step) and take new ones half as often, so old and new stay
                # equally dense and memory stays bounded by max_snapshots.
                keep = thin_indices(self.snap_steps, self.max_snapshots // 2 + 1)
                dropped = sorted(set(self.snap_seqs) - {self.snap_seqs[i] for i in keep})
                self.snap_rows = [self.snap_rows[i] for i in keep]
                self.snap_steps = [self.snap_steps[i] for i in keep]
                self.snap_epochs = [self.snap_epochs[i] for i in keep]
                self.snap_seqs = [self.snap_seqs[i] for i in keep]
                self.snapshot_every *= 2
        if self.recorder is not None:
            # Searched by the recorder's worker while training goes on: pages only read it.
            self.recorder.discard(dropped)
            self.recorder.submit(seq, rows)

    def snapshots(self, after_step: int | None = None) -> dict[str, Any]:
        """A copy of the trajectory so far: trajectory (S,k,d), steps, epochs, tokens, kinds,
        neighbours (or None), all_steps. With ``after_step`` only the snapshots taken after
        that step are copied (a live view's poll); ``all_steps`` always lists every one kept.
        With stored neighbours, only the snapshots whose neighbours are known yet are listed
        (the search runs a few snapshots behind training)."""
        with self.lock:
            shown = range(len(self.snap_steps))
            if self.recorder is not None:
                ready = self.recorder.ready(self.snap_seqs)
                shown = [i for i in shown if ready[i]]
            all_steps = [self.snap_steps[i] for i in shown]
            new = [i for i in shown if after_step is None or self.snap_steps[i] > after_step]
            rows = [self.snap_rows[i] for i in new]
            epochs = [self.snap_epochs[i] for i in new]
            steps = [self.snap_steps[i] for i in new]
            found = self.recorder.results([self.snap_seqs[i] for i in new]) if self.recorder else []
        dim = self.vectors.dim if hasattr(self.vectors, "dim") else 0
        shape = (0, len(self.tokens), dim)
        neighbours = None
        if self.recorder is not None:
            neighbours = self.recorder.stack(
                found, len(self.tokens), self.recorder.k, self.recorder.seconds
            )
        return {
            "trajectory": np.stack(rows) if rows else np.zeros(shape, np.float32),
            "steps": np.asarray(steps, dtype=np.int64),
            "epochs": np.asarray(epochs, dtype=np.float64),
            "tokens": list(self.tokens),
            "token_kinds": list(self.token_kinds),
            "neighbours": neighbours,
            "all_steps": np.asarray(all_steps, dtype=np.int64),
        }

    # -- progress --------------------------------------------------------------------------

    def progress(self, event: str = "batch", state: str = "running") -> dict[str, Any]:
        now = time.perf_counter()
        eta = None
        if self.t_loop is not None and self.step > 0:
            rate = (now - self.t_loop) / self.step
            eta = rate * (self.total_steps - self.step)
        with self.lock:
            n_snapshots = len(self.snap_steps)
            history = {k: list(v) for k, v in self.history.items()}
        return {
            "event": event,
            "state": state,
            "queue_position": None,
            "epoch": self.epoch,
            "epochs": int(self.cfg.epochs),
            "batch": self.batch,
            "batches_per_epoch": self.batches_per_epoch,
            "step": self.step,
            "total_steps": self.total_steps,
            "fraction": self.step / self.total_steps if self.total_steps else 0.0,
            "eta_seconds": eta,
            "elapsed": now - self.t0,
            "metrics": dict(self.latest),
            "history": history,
            "n_snapshots": n_snapshots,
            "notices": list(self.notices),
            "error": None,
        }

    def _report(self, event: str) -> None:
        if self.callback is not None:
            self.callback(self.progress(event))

    def _stopping(self) -> bool:
        return self.stop_event is not None and self.stop_event.is_set()

    # -- run -------------------------------------------------------------------------------

    def run(self) -> TrainingResult:
        cfg = self.cfg
        cfg.check()
        configure_tensorflow()
        pe_model = _model_module()
        data = _prepare(self.vectors, self.texts, self.labels, cfg, self.notices)
        vocab = data.vocabulary
        self.tokens, self.token_kinds = list(vocab.trainable_tokens), list(vocab.token_kinds)
        self.max_snapshots = max_snapshots_for(len(self.tokens), cfg.max_snapshots)
        if self.max_snapshots < cfg.max_snapshots:
            self.notices.append(
                f"with k={len(self.tokens):,} trainable rows at most {self.max_snapshots} "
                f"snapshots are kept (max_snapshots={cfg.max_snapshots}), so memory stays bounded"
            )
        if cfg.neighbours_k is not None:
            self.recorder = NeighbourRecorder(self.vectors, cfg.neighbours_k)
        model = pe_model.build_classifier(
            vocab,
            len(data.label_names),
            encoder=cfg.encoder,
            hidden=int(cfg.hidden),
            dropout=float(cfg.dropout),
            variant=cfg.variant,
            seed=int(cfg.seed),
            max_len=data.max_len,
            lora_rank=int(cfg.lora_rank),
        )
        model.compile(
            optimizer=_optimizer(cfg.optimizer, cfg.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=False,
        )
        n_train = len(data.train_idx)
        self.batches_per_epoch = math.ceil(n_train / data.batch_size)
        self.total_steps = int(cfg.epochs) * self.batches_per_epoch
        self.snapshot_every = cfg.snapshot_every or max(1, self.total_steps // AUTO_SNAPSHOTS)
        try:
            self._snapshot(model)
            self._report("start")
            state = self._loop(model, data)
            self._snapshot(model)  # the final rows, also after a stop mid-epoch
        finally:
            if self.recorder is not None:
                self.recorder.finish()  # the last snapshots' neighbours (the worker ends)
        self._report("end")
        snaps = self.snapshots()
        return TrainingResult(
            tokens=self.tokens,
            token_kinds=self.token_kinds,
            trajectory=snaps["trajectory"],
            steps=snaps["steps"],
            epochs=snaps["epochs"],
            history={k: list(v) for k, v in self.history.items()},
            model=model,
            vocabulary=vocab,
            params={
                k: v
                for k, v in pe_model.model_params(model).items()
                if k in ("trainable", "frozen")
            },
            embedding_params=pe_model.embedding_params(model),
            label_names=data.label_names,
            state=state,
            seconds=time.perf_counter() - self.t0,
            seed=int(cfg.seed),
            variant=cfg.variant,
            encoder=cfg.encoder,
            max_len=data.max_len,
            batch_size=data.batch_size,
            batches_per_epoch=self.batches_per_epoch,
            train_indices=data.train_idx,
            val_indices=data.val_idx,
            epoch_seconds=list(self.epoch_seconds),
            notices=list(self.notices),
            settings=self.cfg.settings(),
            neighbours=snaps["neighbours"],
            val_predicted=list(self.val_predicted),
        )

    def _loop(self, model, data: _Data) -> str:
        """Epochs of seeded shuffled batches; returns "done" or "stopped"."""
        rng = np.random.default_rng([int(self.cfg.seed), 1])  # its own stream: batch order
        bs = data.batch_size
        x_val, y_val = data.x[data.val_idx], data.y[data.val_idx]
        w_val = None if data.sample_weight is None else data.sample_weight[data.val_idx]
        self.t_loop = time.perf_counter()
        for epoch in range(int(self.cfg.epochs)):
            self.epoch, self.batch = epoch + 1, 0
            t_epoch = time.perf_counter()
            order = rng.permutation(data.train_idx)
            loss_sum = correct = seen = 0.0
            for b in range(self.batches_per_epoch):
                if self._stopping():
                    return "stopped"
                idx = order[b * bs : (b + 1) * bs]
                weights = None if data.sample_weight is None else data.sample_weight[idx]
                logs = model.train_on_batch(
                    data.x[idx], data.y[idx], sample_weight=weights, return_dict=True
                )
                loss_sum += float(logs["loss"]) * len(idx)
                correct += float(logs["accuracy"]) * len(idx)
                seen += len(idx)
                self.batch, self.step = b + 1, self.step + 1
                self.latest.update(loss=loss_sum / seen, accuracy=correct / seen)
                event = "batch"
                if self.step % self.snapshot_every == 0:
                    self._snapshot(model)
                    event = "snapshot"
                self._report(event)
            self._snapshot(model)
            val = _val_metrics(model, x_val, y_val, len(data.label_names), w_val)
            self.val_predicted = val.pop("val_predicted")
            train_acc = _train_accuracy(model, data.x[data.train_idx], data.y[data.train_idx])
            self.latest.update(val)
            with self.lock:
                self.history["loss"].append(loss_sum / seen)
                self.history["accuracy"].append(correct / seen)
                self.history["train_accuracy"].append(train_acc)
                for key, value in val.items():
                    self.history[key].append(value)
            self.epoch_seconds.append(time.perf_counter() - t_epoch)
            self._report("epoch")
        return "done"


def train(
    vectors,
    texts,
    labels,
    *,
    tokenizer=None,
    specials=(),
    vocabulary=None,
    min_oov_count: int = 2,
    promote=(),
    max_frozen: int | None = None,
    init: str = "zeros",
    max_oov_rows="auto",
    pretrained_specials: str = "promote",
    label_names=None,
    max_len: int | None = None,
    epochs: int = 5,
    batch_size: int = 32,
    learning_rate: float = 5e-3,
    optimizer: str = "adam",
    encoder: str = "bag",
    variant: str = "dual",
    hidden: int = 64,
    dropout: float = 0.2,
    val_fraction: float = 0.2,
    seed: int = 0,
    class_weights=False,
    snapshot_every: int | None = None,
    max_snapshots: int = 500,
    lora_rank: int = 4,
    split=None,
    neighbours_k: int | None = STORED_K,
    callback=None,
    stop_event=None,
) -> TrainingResult:
    """Train a classifier on ``texts``/``labels`` and record the trainable rows' trajectory.

    Args:
        vectors: pretrained ``Vectors`` (their rows become the frozen table).
        texts, labels: the data; labels are ints (with ``label_names``) or strings.
        tokenizer, specials, min_oov_count, promote, max_frozen, init, max_oov_rows,
            pretrained_specials: passed to ``Vocabulary.build`` (which rows are trainable and
            how they start); its notices and warnings go to ``result.notices``.
        vocabulary: a prebuilt ``Vocabulary``; when given it wins over the eight above (a
            notice says so) and its own ``init`` gives the initial rows.
        label_names: names of integer labels (e.g. ``Dataset.label_names``).
        max_len: tokens per text (longer ones truncated); None: the 95th percentile of the
            token counts, capped at 100.
        epochs, batch_size, learning_rate: the usual. A batch_size larger than the training
            set is clamped to it, with a notice in ``result.notices``.
        optimizer: "adam" (default), "adamw", "sgd" (momentum 0.9) or "rmsprop".
        encoder, variant, hidden, dropout: see ``pe_core.model.build_classifier``.
        val_fraction: share of rows held out for validation, stratified by label, in (0, 0.5].
        seed: controls the split, the initial rows, the model's initializers and dropout, and
            the batch order. Same seed, same data, same settings -> identical trajectory on CPU.
        class_weights: False, or "balanced" to weight each training row by
            n / (classes * rows of its class) (sklearn's "balanced").
        snapshot_every: take a snapshot every this many batches (plus at every epoch end);
            None: about 75 per run. Over ``max_snapshots`` the trajectory is halved evenly
            (first and last kept) and the interval doubled. With many trainable rows fewer are
            kept (snapshots x rows <= 200,000; a notice says so), so memory stays bounded.
        neighbours_k: the top-K cosine neighbours over the whole vocabulary of every token are
            searched once per snapshot, in the run's thread, and kept in ``result.neighbours``
            (None: not searched; pages then search on demand).
        lora_rank: r of the "lora" variant (see ``pe_core.model``).
        split: an explicit ``(train_indices, val_indices)`` pair into ``texts`` instead of
            the seeded stratified split (``val_fraction`` is then unused); for sweeps that
            keep one validation set while the training set grows.
        callback: called with a progress dict (see ``TrainingRun.progress``) after every batch,
            at each epoch end and at the start and end; its ``event`` key says which.
        stop_event: a ``threading.Event``; when set, training stops before the next batch and
            the result has state "stopped" and the trajectory up to that point.

    Raises:
        ValueError: bad settings (named, with the bad value) or data that cannot be trained
            on (length mismatch, fewer than 2 classes, a class too small to split).
    """
    cfg = TrainConfig(
        tokenizer=tokenizer,
        specials=tuple(specials),
        vocabulary=vocabulary,
        min_oov_count=min_oov_count,
        promote=tuple(promote),
        max_frozen=max_frozen,
        init=init,
        max_oov_rows=max_oov_rows,
        pretrained_specials=pretrained_specials,
        label_names=label_names,
        max_len=max_len,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        optimizer=optimizer,
        encoder=encoder,
        variant=variant,
        hidden=hidden,
        dropout=dropout,
        val_fraction=val_fraction,
        seed=seed,
        class_weights=class_weights,
        snapshot_every=snapshot_every,
        max_snapshots=max_snapshots,
        lora_rank=lora_rank,
        split=split,
        neighbours_k=neighbours_k,
    )
    return _Trainer(vectors, texts, labels, cfg, callback, stop_event).run()


# -- background runs -------------------------------------------------------------------------


class _Scheduler:
    """Process-wide FIFO gate: at most ``limit`` runs train at once, the rest wait in line."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._limit: int | None = None
        self._running: set[int] = set()
        self._queue: list[int] = []

    def limit(self) -> int:
        with self._cond:
            if self._limit is None:
                raw = os.environ.get("PE_LAB_MAX_RUNS", "1")
                try:
                    value = int(raw)
                except ValueError:
                    value = 0
                if value < 1:
                    raise ValueError(
                        f"environment variable PE_LAB_MAX_RUNS must be a positive integer, "
                        f"got {raw!r}"
                    )
                self._limit = value
            return self._limit

    def set_limit(self, n: int) -> None:
        int_at_least("max concurrent runs", n, 1)
        with self._cond:
            self._limit = int(n)
            self._cond.notify_all()

    def acquire(self, ticket: int, stop_event: threading.Event) -> bool:
        """Wait for a slot; False if ``stop_event`` was set while waiting (then not queued)."""
        limit = self.limit()
        with self._cond:
            self._queue.append(ticket)
            try:
                while True:
                    if stop_event.is_set():
                        return False
                    limit = self._limit or limit
                    if self._queue[0] == ticket and len(self._running) < limit:
                        self._running.add(ticket)
                        return True
                    self._cond.wait(timeout=0.25)
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()

    def release(self, ticket: int) -> None:
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def position(self, ticket: int) -> int | None:
        with self._cond:
            return self._queue.index(ticket) + 1 if ticket in self._queue else None

    def status(self) -> dict[str, int]:
        with self._cond:
            return {
                "limit": self._limit or 0,
                "running": len(self._running),
                "queued": len(self._queue),
            }


_SCHEDULER = _Scheduler()
_TICKETS = iter(range(1, 1 << 62))
_TICKET_LOCK = threading.Lock()


def set_max_concurrent_runs(n: int) -> None:
    """Let at most ``n`` runs train at once in this process (queued runs start as slots free)."""
    _SCHEDULER.set_limit(n)


def max_concurrent_runs() -> int:
    """The current limit (env ``PE_LAB_MAX_RUNS``, default 1, or the last set value)."""
    return _SCHEDULER.limit()


def scheduler_status() -> dict[str, int]:
    """``{"limit", "running", "queued"}`` right now, for monitoring."""
    _SCHEDULER.limit()
    return _SCHEDULER.status()


@contextlib.contextmanager
def run_slot(stop_event: threading.Event | None = None):
    """Hold one of the process-wide training slots for a job that is not a ``TrainingRun``.

    Waits in the same FIFO line as the runs (e.g. around ``compare_variants`` in a background
    thread) and yields True once the slot is held, or False if ``stop_event`` was set while
    waiting (then nothing should be trained). The slot is released on exit.

        >>> with run_slot(stop) as ok:  # doctest: +SKIP
        ...     if ok:
        ...         compare_variants(..., stop_event=stop)
    """
    stop_event = stop_event or threading.Event()
    with _TICKET_LOCK:
        ticket = next(_TICKETS)
    acquired = _SCHEDULER.acquire(ticket, stop_event)
    try:
        yield acquired
    finally:
        if acquired:
            _SCHEDULER.release(ticket)


def _error_message(err: BaseException) -> str:
    if isinstance(err, ValueError):
        return str(err)
    return f"{type(err).__name__}: {err}"


class TrainingRun:
    """:func:`train` in a background (daemon) thread, for an app: start, watch, stop.

    Construct with the same arguments as :func:`train` (an unknown keyword raises
    ``TypeError`` at once; every other problem, bad values included, ends the run as
    ``"failed"`` with the message in ``progress()["error"]``, so an app has one path to show).

    Runs in one process never share a model or state; at most ``max_concurrent_runs()`` train
    at once, the others wait in a FIFO queue and report their position.

    Example:
        >>> run = TrainingRun(vectors, texts, labels, epochs=3).start()  # doctest: +SKIP
        >>> run.progress()["state"], run.progress()["fraction"]  # doctest: +SKIP
        >>> run.join(); run.result.trajectory.shape  # doctest: +SKIP
    """

    def __init__(self, vectors, texts, labels, *, callback=None, **kwargs) -> None:
        kwargs.pop("stop_event", None)  # a run has its own; use stop()
        self._config = TrainConfig(**kwargs)
        self._args = (vectors, texts, labels)
        self._callback = callback
        self._stop = threading.Event()
        self._lock = threading.Lock()
        with _TICKET_LOCK:
            self._ticket = next(_TICKETS)
        self._thread: threading.Thread | None = None
        self._trainer: _Trainer | None = None
        self._release_when_done = False
        self.result: TrainingResult | None = None
        self._progress: dict[str, Any] = {
            "state": "created",
            "queue_position": None,
            "epoch": 0,
            "epochs": self._config.epochs,
            "batch": 0,
            "batches_per_epoch": 0,
            "step": 0,
            "total_steps": 0,
            "fraction": 0.0,
            "eta_seconds": None,
            "elapsed": 0.0,
            "metrics": {},
            "history": {},
            "n_snapshots": 0,
            "notices": [],
            "error": None,
            "phase": "",
            "started_at": None,
        }

    # -- control -------------------------------------------------------------------------------

    def start(self) -> TrainingRun:
        """Start (or queue) the run; returns self. Starting twice is a no-op."""
        with self._lock:
            if self._thread is not None:
                return self
            self._progress["state"] = "queued"
            self._thread = threading.Thread(
                target=self._main, name=f"pe-lab-run-{self._ticket}", daemon=True
            )
        self._thread.start()
        return self

    def stop(self, release: bool = False) -> None:
        """Stop before the next batch (a queued run leaves the queue and ends "stopped").

        With ``release=True`` the model and trajectory are also dropped once the thread ends
        (use it when the session that owns the run goes away).
        """
        self._stop.set()
        _SCHEDULER.wake()
        if release:
            self.release()

    def release(self) -> None:
        """Drop the model, result and trajectory to free memory (stops the run if active)."""
        with self._lock:
            self._release_when_done = True
            active = self._thread is not None and self._thread.is_alive()
        if active:
            self._stop.set()
            _SCHEDULER.wake()
        else:
            self._drop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has finished (or was never started)."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def done(self) -> bool:
        """True once the run has ended (done, stopped or failed)."""
        return self.progress()["state"] in ("done", "stopped", "failed")

    # -- watching ------------------------------------------------------------------------------

    def progress(self) -> dict[str, Any]:
        """A thread-safe copy of the run's state.

        Keys: state ("created" | "queued" | "running" | "stopped" | "done" | "failed"),
        queue_position (1-based while queued, else None), epoch (1-based, current), epochs,
        batch (done in this epoch), batches_per_epoch, step, total_steps, fraction (0..1),
        eta_seconds (None until the first batch), elapsed (seconds since the run started
        training or preparing), metrics (latest loss/accuracy and last epoch's val metrics),
        history (per completed epoch), n_snapshots, notices, error (message or None), phase
        (what a running run is doing before its first batch: "loading TensorFlow", then
        "preparing the data and the model", then "training"), started_at (``time.time()``
        when the run got its slot, None before).
        """
        with self._lock:
            p = dict(self._progress)
            p["metrics"] = dict(p["metrics"])
            p["history"] = {k: list(v) for k, v in p["history"].items()}
            p["notices"] = list(p["notices"])
        if p["state"] == "queued":
            p["queue_position"] = _SCHEDULER.position(self._ticket)
        return p

    def snapshots(self, after_step: int | None = None) -> dict[str, Any]:
        """A copy of the trajectory so far (also while running): keys trajectory (S,k,d),
        steps (S,), epochs (S,), tokens (k), token_kinds (k), neighbours (the stored
        neighbours of those snapshots, or None), all_steps (every snapshot kept so far).
        With ``after_step`` only the snapshots after that step are copied, so a live view
        that polls copies each snapshot once. Empty before the first one."""
        with self._lock:
            trainer, result = self._trainer, self.result
        if result is not None:
            new = np.ones(len(result.steps), bool)
            if after_step is not None:
                new = result.steps > after_step
            nb = result.neighbours
            return {
                "trajectory": result.trajectory[new].copy(),
                "steps": result.steps[new].copy(),
                "epochs": result.epochs[new].copy(),
                "tokens": list(result.tokens),
                "token_kinds": list(result.token_kinds),
                "neighbours": None if nb is None else nb.select(new),
                "all_steps": result.steps.copy(),
            }
        if trainer is not None:
            return trainer.snapshots(after_step)
        return {
            "trajectory": np.zeros((0, 0, 0), np.float32),
            "steps": np.zeros(0, np.int64),
            "epochs": np.zeros(0),
            "tokens": [],
            "token_kinds": [],
            "neighbours": None,
            "all_steps": np.zeros(0, np.int64),
        }

    @property
    def trajectory(self) -> np.ndarray:
        """The (S, k, d) trajectory so far (a copy)."""
        return self.snapshots()["trajectory"]

    # -- the thread ----------------------------------------------------------------------------

    def _set(self, **values) -> None:
        with self._lock:
            self._progress.update(values)

    def _on_progress(self, progress: dict[str, Any]) -> None:
        with self._lock:
            progress.pop("event", None)
            progress["state"] = "running"
            progress["phase"] = "training"
            self._progress.update(progress)
        if self._callback is not None:
            self._callback(self.progress())

    def _main(self) -> None:
        started = False
        try:
            if not _SCHEDULER.acquire(self._ticket, self._stop):
                self._set(state="stopped", queue_position=None)
                return
            started = True
            self._set(
                state="running",
                queue_position=None,
                phase="loading TensorFlow",
                started_at=time.time(),
            )
            configure_tensorflow()  # the first run of a process imports TensorFlow here
            self._set(phase="preparing the data and the model")
            vectors, texts, labels = self._args
            trainer = _Trainer(vectors, texts, labels, self._config, self._on_progress, self._stop)
            with self._lock:
                self._trainer = trainer
            result = trainer.run()
            with self._lock:
                self.result = result
                self._trainer = None
                self._progress["state"] = result.state
                self._progress["eta_seconds"] = 0.0 if result.state == "done" else None
        except Exception as err:  # noqa: BLE001 - every failure is reported, none kills the app
            with self._lock:
                self._trainer = None
                self._progress.update(state="failed", error=_error_message(err))
        finally:
            if started:
                _SCHEDULER.release(self._ticket)
            self._args = None  # the run no longer needs the data
            with self._lock:
                drop = self._release_when_done
            if drop:
                self._drop()

    def _drop(self) -> None:
        with self._lock:
            self.result = None
            self._trainer = None
            self._args = None
        import gc

        gc.collect()
