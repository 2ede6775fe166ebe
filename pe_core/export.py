"""Writers for every download: projector bundle, GloVe text, CSV, ``.keras`` model, HTML map.

Every writer is a pure function of its inputs that returns ``bytes`` or ``str``, so the app can
hand the result straight to a download button and a notebook can write it to a file.
The training result is used through its documented attributes only (``tokens``,
``token_kinds``, ``trajectory``, ``steps``, ``epochs``, ``model``).

The two exports that are tools rather than files live in modules of their own and are
re-exported here: the classifier bundle that reads raw text (``pe_core.bundle``:
``save_classifier``, ``load_classifier``, ``classifier_bundle_bytes``) and the trained rows as
a small adapter (``pe_core.adapter``: ``adapter_from_result``, ``adapter_bytes``,
``load_adapter``, ``apply_adapter``).
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd

from pe_core.adapter import (  # noqa: F401  (re-exported: the exports in one place)
    Adapter,
    adapter_bytes,
    adapter_from_result,
    apply_adapter,
    load_adapter,
    save_adapter,
    snapshot_index,
)
from pe_core.bundle import (  # noqa: F401
    classifier_bundle_bytes,
    load_classifier,
    model_keras_bytes,
    save_classifier,
    usage_snippet,
)

PROJECTOR_TENSOR_NAME = "PE Lab: reference words and trainable tokens at every snapshot"


def projector_config(rows: int, dim: int) -> str:
    """``projector_config.pbtxt`` (TensorBoard's ``ProjectorConfig`` in protobuf text format)."""
    return (
        "embeddings {\n"
        f'  tensor_name: "{PROJECTOR_TENSOR_NAME}"\n'
        f"  tensor_shape: {int(rows)}\n"
        f"  tensor_shape: {int(dim)}\n"
        '  tensor_path: "vectors.tsv"\n'
        '  metadata_path: "metadata.tsv"\n'
        "}\n"
    )


_FLOAT_FORMAT = "%.6g"


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
        zf.writestr("projector_config.pbtxt", projector_config(*points.shape))
    return out.getvalue()


def _glove_lines(words, matrix) -> list[str]:
    rows = _matrix_lines(matrix)
    return [
        f"{w.replace(' ', '_')} {row.replace(chr(9), ' ')}"
        for w, row in zip(words, rows, strict=True)
    ]


def trained_rows_glove(result, snapshot: int = -1) -> str:
    """The k trainable rows at ``snapshot`` (default: the last) as GloVe text lines."""
    s = snapshot_index(result, snapshot)
    return "\n".join(_glove_lines(result.tokens, result.trajectory[s])) + "\n"


def glove_with_trained(vectors, result, snapshot: int = -1) -> bytes:
    """The pretrained vectors in GloVe text format with the trained rows added.

    Tokens that are new (``<unk>``, specials, OOV words) are appended after the pretrained rows;
    promoted words, which already have a pretrained row, get that row replaced in place so the
    file keeps one row per word. It is ``apply_adapter(vectors, adapter_from_result(result))``
    written out: the adapter download is the same rows without the V pretrained ones.
    """
    full = apply_adapter(vectors, adapter_from_result(result, snapshot))
    return ("\n".join(_glove_lines(full.words, full.matrix)) + "\n").encode("utf-8")


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


def map_html(figure, frame: int | None = 0) -> str:
    """An animated map as a standalone HTML page that works offline (plotly.js embedded).

    The page opens on snapshot ``frame`` (default the first: tokens at their initial rows, no
    trails yet), so ▶ Play grows the trails as training went; None keeps the figure's own.
    """
    import plotly.io as pio

    from pe_core.plots.animation import show_frame

    spec = figure.to_dict() if hasattr(figure, "to_dict") else figure
    if frame is not None:
        spec = show_frame(spec, frame)
    # validate=False: the spec comes from a validated figure; re-validating every frame of a
    # 150-token map costs seconds.
    return pio.to_html(spec, include_plotlyjs=True, full_html=True, auto_play=False, validate=False)
