"""Preparing a run's data: labels, the vocabulary, the split, the encoded ids, the weights."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pe_core.notices import Notice
from pe_core.training.config import MAX_AUTO_LEN, TrainConfig

# -- data ------------------------------------------------------------------------------------


@dataclass
class PreparedData:
    vocabulary: Any
    x: np.ndarray  # int32 (n, max_len)
    y: np.ndarray  # int64 (n,) in 0..C-1
    label_names: list[str]
    train_idx: np.ndarray
    val_idx: np.ndarray
    max_len: int
    batch_size: int
    sample_weight: np.ndarray | None  # per row, only with class_weights="balanced"


def encode_labels(labels, label_names) -> tuple[np.ndarray, list[str]]:
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


def check_classes(y: np.ndarray, names: list[str], val_fraction: float) -> None:
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


def build_vocabulary(vectors, texts, cfg: TrainConfig, notices: list[str]):
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


def prepare(vectors, texts, labels, cfg: TrainConfig, notices: list[str]) -> PreparedData:
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
    y, names = encode_labels(labels, cfg.label_names)
    check_classes(y, names, float(cfg.val_fraction))
    vocab = build_vocabulary(vectors, texts, cfg, notices)
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
        notices.append(  # the app words the setting by its control's label
            Notice(
                f"{{@batch_size={batch_size}}} is larger than the {{rows}} training rows; "
                "used {rows} (one batch per epoch)",
                rows=len(train_idx),
            )
        )
        batch_size = len(train_idx)
    weights = None
    if cfg.class_weights == "balanced":
        present = np.unique(y[train_idx])
        per_class = compute_class_weight("balanced", classes=present, y=y[train_idx])
        table = np.ones(len(names))
        table[present] = per_class
        weights = table[y].astype(np.float32)
    return PreparedData(
        vocab, x, y, names, np.sort(train_idx), np.sort(val_idx), max_len, batch_size, weights
    )
