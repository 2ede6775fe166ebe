"""Writers for every download: projector bundle, GloVe text, CSV, ``.keras`` model, HTML map.

Every writer is a pure function of its inputs that returns ``bytes`` or ``str``, so the app can
hand the result straight to a download button and a notebook can write it to a file.
The training result is used through its documented attributes only (``tokens``,
``token_kinds``, ``trajectory``, ``steps``, ``epochs``, ``model``).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

import numpy as np
import pandas as pd

PROJECTOR_CONFIG = """embeddings {
  tensor_name: "PE Lab: reference words and trainable tokens at every snapshot"
  tensor_path: "vectors.tsv"
  metadata_path: "metadata.tsv"
}
"""

_FLOAT_FORMAT = "%.6g"


def _snapshot_index(result, snapshot: int) -> int:
    n = len(result.trajectory)
    if n == 0:
        raise ValueError("the training result has no snapshots yet: train first, then export")
    if not -n <= snapshot < n:
        raise ValueError(f"snapshot must be in [-{n}, {n - 1}], got {snapshot}")
    return snapshot % n


def _tsv_field(text: str) -> str:
    # Tabs and newlines inside a word would break the TSV row structure.
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _matrix_lines(matrix: np.ndarray) -> list[str]:
    buffer = io.StringIO()
    np.savetxt(buffer, np.asarray(matrix, dtype=np.float32), fmt=_FLOAT_FORMAT, delimiter="\t")
    return buffer.getvalue().splitlines()


def projector_bundle(result, vectors, reference_idx=None) -> bytes:
    """A zip for the TensorBoard Embedding Projector (projector.tensorflow.org: "Load").

    Holds ``vectors.tsv`` (one row per point, tab-separated), ``metadata.tsv`` (header
    ``word  kind  token  snapshot  step``) and ``projector_config.pbtxt``. The points are the
    reference words (``reference_idx`` rows of ``vectors``; all rows when None) and every
    trainable token at every snapshot, labelled ``token@snapshot``.
    """
    idx = np.arange(len(vectors)) if reference_idx is None else np.asarray(reference_idx)
    traj = np.asarray(result.trajectory, dtype=np.float32)
    if traj.ndim != 3 or traj.shape[2] != vectors.dim:
        raise ValueError(
            f"trajectory must have shape (snapshots, k, {vectors.dim}), got {traj.shape}"
        )
    meta = ["word\tkind\ttoken\tsnapshot\tstep"]
    meta += [f"{_tsv_field(vectors.words[i])}\treference\t\t\t" for i in idx]
    for s in range(traj.shape[0]):
        for token, kind in zip(result.tokens, result.token_kinds, strict=True):
            name = _tsv_field(token)
            meta.append(f"{name}@{s}\t{kind}\t{name}\t{s}\t{int(result.steps[s])}")
    points = np.concatenate([vectors.matrix[idx], traj.reshape(-1, traj.shape[2])])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("vectors.tsv", "\n".join(_matrix_lines(points)) + "\n")
        zf.writestr("metadata.tsv", "\n".join(meta) + "\n")
        zf.writestr("projector_config.pbtxt", PROJECTOR_CONFIG)
    return out.getvalue()


def _glove_lines(words, matrix) -> list[str]:
    rows = _matrix_lines(matrix)
    return [
        f"{w.replace(' ', '_')} {row.replace(chr(9), ' ')}"
        for w, row in zip(words, rows, strict=True)
    ]


def trained_rows_glove(result, snapshot: int = -1) -> str:
    """The k trainable rows at ``snapshot`` (default: the last) as GloVe text lines."""
    s = _snapshot_index(result, snapshot)
    return "\n".join(_glove_lines(result.tokens, result.trajectory[s])) + "\n"


def glove_with_trained(vectors, result, snapshot: int = -1) -> bytes:
    """The pretrained vectors in GloVe text format with the trained rows added.

    Tokens that are new (``<unk>``, specials, OOV words) are appended after the pretrained rows;
    promoted words, which already have a pretrained row, get that row replaced in place so the
    file keeps one row per word.
    """
    s = _snapshot_index(result, snapshot)
    trained = np.asarray(result.trajectory[s], dtype=np.float32)
    matrix = vectors.matrix.copy()
    new_words, new_rows = [], []
    for token, row in zip(result.tokens, trained, strict=True):
        if token in vectors:
            matrix[vectors.index(token)] = row
        else:
            new_words.append(token)
            new_rows.append(row)
    lines = _glove_lines(vectors.words, matrix)
    if new_rows:
        lines += _glove_lines(new_words, np.stack(new_rows))
    return ("\n".join(lines) + "\n").encode("utf-8")


def trajectory_frame(result) -> pd.DataFrame:
    """One row per (snapshot, token): token, kind, snapshot, step, epoch, d0 .. d{dim-1}."""
    traj = np.asarray(result.trajectory, dtype=np.float32)
    n_snap, k, dim = traj.shape
    frame = pd.DataFrame(
        {
            "token": np.tile(np.asarray(result.tokens, dtype=object), n_snap),
            "kind": np.tile(np.asarray(result.token_kinds, dtype=object), n_snap),
            "snapshot": np.repeat(np.arange(n_snap), k),
            "step": np.repeat(np.asarray(result.steps), k),
            "epoch": np.repeat(np.asarray(result.epochs, dtype=float), k),
        }
    )
    values = pd.DataFrame(traj.reshape(-1, dim), columns=[f"d{i}" for i in range(dim)])
    return pd.concat([frame, values], axis=1)


def trajectory_csv(result) -> str:
    """The whole trajectory as CSV (see ``trajectory_frame``)."""
    return trajectory_frame(result).to_csv(index=False)


def coordinates_csv(coordinates: pd.DataFrame) -> str:
    """Projected coordinates (the DataFrame of ``projection.project_trajectory``) as CSV."""
    missing = {"token", "snapshot", "x", "y"} - set(coordinates.columns)
    if missing:
        raise ValueError(
            f"coordinates lack the columns {sorted(missing)}: project the trajectory first"
        )
    return coordinates.to_csv(index=False)


def model_keras_bytes(result) -> bytes:
    """The trained Keras model as the bytes of a ``.keras`` file (load with safe mode on)."""
    if getattr(result, "model", None) is None:
        raise ValueError("this result holds no model (it was released): train again to export it")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pe_lab_model.keras")
        result.model.save(path)
        with open(path, "rb") as f:
            return f.read()


def map_html(figure) -> str:
    """A plotly figure as a standalone HTML page that works offline (plotly.js embedded)."""
    return figure.to_html(include_plotlyjs=True, full_html=True, auto_play=False)
