"""The trained rows as a small adapter: only the k rows training changed, not the V frozen ones.

In the sense of PEFT's *trainable tokens*: the pretrained table stays where it is (a GloVe file
anyone can download), and the adapter holds just the k trainable rows, their token names and
kinds, and the rows they started from. Its size is O(k * d), whatever the vocabulary size:
6 kB for the demo run (k = 30, d = 50), 137 kB for the real tweets (k = 735), next to about
200 MB for a 400,000-word GloVe 50d file with the rows written in.

File format (one zip, no pickle anywhere):

- ``adapter.json``: format name and version, tokens, kinds, dimension, snapshot, step, epoch,
  the PE Lab version and the run's variant;
- ``trained_rows.npy``: float32 (k, d), the rows at the snapshot;
- ``initial_rows.npy``: float32 (k, d), the rows before training.

``apply_adapter(vectors, adapter)`` puts the rows into any ``Vectors``: a token that already
has a row there (a promoted word) gets that row replaced in place, every other token is
appended. ``pe_core.export.glove_with_trained`` is exactly this, written as GloVe text.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from pe_core.vectors import Vectors

FORMAT = "pe-lab-adapter"
FORMAT_VERSION = 1
MEMBERS = ("adapter.json", "trained_rows.npy", "initial_rows.npy")
KINDS = ("unk", "special", "oov", "promoted")


@dataclass
class Adapter:
    """The k trained rows of a run and what they are.

    Attributes:
        tokens: the k token names (``tokens[0]`` is ``"<unk>"`` for a PE Lab run).
        kinds: ``"unk" | "special" | "oov" | "promoted"`` per token.
        rows: float32 (k, d), the trained rows.
        initial_rows: float32 (k, d), the rows before training.
        info: snapshot, step, epoch, variant, PE Lab version (plain JSON values).
    """

    tokens: list[str]
    kinds: list[str]
    rows: np.ndarray
    initial_rows: np.ndarray
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tokens, self.kinds = list(self.tokens), list(self.kinds)
        self.rows = np.asarray(self.rows, dtype=np.float32)
        self.initial_rows = np.asarray(self.initial_rows, dtype=np.float32)
        _check(self, "the adapter")

    @property
    def dim(self) -> int:
        """d, the vector dimension."""
        return int(self.rows.shape[1])

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"Adapter(k={len(self)}, d={self.dim}, step={self.info.get('step')})"


def _check(adapter: Adapter, where: str) -> None:
    k = len(adapter.tokens)
    if k == 0:
        raise ValueError(f"{where} holds no tokens; an adapter needs at least one row")
    if len(adapter.kinds) != k:
        raise ValueError(f"{where} has {k} tokens but {len(adapter.kinds)} kinds")
    bad = [kind for kind in adapter.kinds if kind not in KINDS]
    if bad:
        raise ValueError(f"{where}: token kinds must be in {KINDS}, got {bad[0]!r}")
    if len(set(adapter.tokens)) != k:
        raise ValueError(f"{where} lists a token twice; every token has one row")
    for name in ("rows", "initial_rows"):
        array = getattr(adapter, name)
        if array.ndim != 2 or array.shape[0] != k:
            raise ValueError(f"{where}: {name} must have shape ({k}, d), got {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{where}: {name} holds a value that is not a finite number")
    if adapter.rows.shape != adapter.initial_rows.shape:
        raise ValueError(
            f"{where}: rows {adapter.rows.shape} and initial_rows "
            f"{adapter.initial_rows.shape} must have the same shape"
        )


def snapshot_index(result, snapshot: int) -> int:
    """``snapshot`` (negative counts from the end) as an index into ``result.trajectory``."""
    n = len(result.trajectory)
    if n == 0:
        raise ValueError("the training result has no snapshots yet: train first, then export")
    if not -n <= snapshot < n:
        raise ValueError(f"snapshot must be in [-{n}, {n - 1}], got {snapshot}")
    return snapshot % n


def adapter_from_result(result, snapshot: int = -1) -> Adapter:
    """The adapter of a training result at ``snapshot`` (default: the last)."""
    from pe_core import __version__

    s = snapshot_index(result, snapshot)
    return Adapter(
        result.tokens,
        result.token_kinds,
        result.trajectory[s],
        result.trajectory[0],
        {
            "snapshot": int(s),
            "step": int(result.steps[s]),
            "epoch": float(result.epochs[s]),
            "variant": getattr(result, "variant", None),
            "pe_lab_version": __version__,
        },
    )


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return out.getvalue()


def adapter_bytes(adapter: Adapter) -> bytes:
    """The adapter as the bytes of its zip file (see the module docstring)."""
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tokens": adapter.tokens,
        "kinds": adapter.kinds,
        "k": len(adapter),
        "dim": adapter.dim,
        **adapter.info,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("adapter.json", json.dumps(meta, ensure_ascii=False, indent=1))
        zf.writestr("trained_rows.npy", _npy(adapter.rows))
        zf.writestr("initial_rows.npy", _npy(adapter.initial_rows))
    return out.getvalue()


def save_adapter(adapter: Adapter, path) -> str:
    """Write the adapter zip to ``path``; returns the path."""
    path = os.fspath(path)
    with open(path, "wb") as f:
        f.write(adapter_bytes(adapter))
    return path


def _read_member(zf: zipfile.ZipFile, name: str, where: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        raise ValueError(
            f"{where} has no {name}; a PE Lab adapter holds {', '.join(MEMBERS)}"
        ) from None


def _read_rows(data: bytes, name: str, where: str) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as err:
        raise ValueError(f"{where}: {name} is not a plain NumPy array ({err})") from None
    if array.dtype.kind != "f":
        raise ValueError(f"{where}: {name} must hold floats, got dtype {array.dtype}")
    return array.astype(np.float32, copy=False)


def load_adapter(path_or_bytes) -> Adapter:
    """Read an adapter zip (a path or its bytes), checking that its pieces agree."""
    where = "the adapter" if isinstance(path_or_bytes, bytes) else repr(os.fspath(path_or_bytes))
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise ValueError(f"{where} is not a zip file; download the adapter again") from None
    with zf:
        try:
            meta = json.loads(_read_member(zf, "adapter.json", where))
        except json.JSONDecodeError as err:
            raise ValueError(f"{where}: adapter.json is not valid JSON ({err})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{where}: adapter.json does not describe a {FORMAT!r} file")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{where} is format version {meta.get('format_version')!r}; this PE Lab reads "
                f"version {FORMAT_VERSION}"
            )
        rows = _read_rows(_read_member(zf, "trained_rows.npy", where), "trained_rows.npy", where)
        initial = _read_rows(_read_member(zf, "initial_rows.npy", where), "initial_rows.npy", where)
    if rows.ndim != 2 or rows.shape[1] != meta.get("dim"):
        raise ValueError(
            f"{where}: trained_rows.npy has shape {rows.shape} but adapter.json says "
            f"d={meta.get('dim')}"
        )
    skip = {"format", "format_version", "tokens", "kinds", "k", "dim"}
    info = {key: value for key, value in meta.items() if key not in skip}
    try:
        return Adapter(meta.get("tokens", []), meta.get("kinds", []), rows, initial, info)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def apply_adapter(vectors: Vectors, adapter: Adapter) -> Vectors:
    """``vectors`` with the adapter's rows in: replaced where the token has a row, else appended.

    The input is not changed. This copies the matrix, O(V * d): call it when the result is
    wanted (to write a file or to look words up), not on every page rerun.
    """
    if vectors.dim != adapter.dim:
        raise ValueError(
            f"the adapter has d={adapter.dim} but the vectors have d={vectors.dim}; "
            "apply it to the vectors the run was trained on (same dimension)"
        )
    matrix = vectors.matrix.copy()
    new_words, new_rows = [], []
    for token, row in zip(adapter.tokens, adapter.rows, strict=True):
        if token in vectors:
            matrix[vectors.index(token)] = row
        else:
            new_words.append(token)
            new_rows.append(row)
    if new_rows:
        matrix = np.concatenate([matrix, np.stack(new_rows)])
    return Vectors([*vectors.words, *new_words], matrix, source=vectors.source, fmt="memory")
