"""The training loop: the model, the optimizer, snapshots of the k rows, epoch-end metrics;
``train`` runs it synchronously."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np

from pe_core.stored_neighbours import STORED_K, NeighbourRecorder, max_snapshots_for
from pe_core.training.backend import configure_tensorflow, model_module
from pe_core.training.config import AUTO_SNAPSHOTS, TrainConfig, thin_indices
from pe_core.training.data import PreparedData, prepare
from pe_core.training.result import TrainingResult

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


#: At most this many batches run eagerly before the first snapshot (``eager_first_snapshot``).
MAX_EAGER_STEPS = 10


class Trainer:
    """One run: owns its model, snapshots and progress; shared with a TrainingRun via a lock.

    With ``eager_first_snapshot`` the batches up to the first snapshot after step 0 (at most
    :data:`MAX_EAGER_STEPS`) run eagerly, op by op, and the train step is traced after it:
    tracing holds the interpreter lock for about a second, and a live view should get its
    first moved rows before that, not after. The rows are the same bit for bit (tested).
    """

    def __init__(
        self,
        vectors,
        texts,
        labels,
        cfg: TrainConfig,
        callback=None,
        stop_event=None,
        eager_first_snapshot: bool = False,
    ):
        self.vectors, self.texts, self.labels = vectors, texts, labels
        self.cfg = cfg
        self.callback = callback
        self.stop_event = stop_event
        self.eager_first_snapshot = eager_first_snapshot
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
        rows = model_module().trainable_rows(model)
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
            rec = self.recorder
            neighbours = rec.stack(found, len(self.tokens), rec.k, rec.seconds, rec.full_searches)
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
        pe_model = model_module()
        data = prepare(self.vectors, self.texts, self.labels, cfg, self.notices)
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
        n_train = len(data.train_idx)
        self.batches_per_epoch = math.ceil(n_train / data.batch_size)
        self.total_steps = int(cfg.epochs) * self.batches_per_epoch
        self.snapshot_every = cfg.snapshot_every or max(1, self.total_steps // AUTO_SNAPSHOTS)
        self.eager_steps = 0
        if self.eager_first_snapshot and self.snapshot_every <= MAX_EAGER_STEPS:
            self.eager_steps = self.snapshot_every
        model.compile(
            optimizer=_optimizer(cfg.optimizer, cfg.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=False,
            run_eagerly=self.eager_steps > 0,
        )
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

    def _loop(self, model, data: PreparedData) -> str:
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
                if self.step == self.eager_steps and model.run_eagerly:
                    # The first snapshot is taken: trace the train step from now on.
                    model.run_eagerly, model.train_function = False, None
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
    return Trainer(vectors, texts, labels, cfg, callback, stop_event).run()
