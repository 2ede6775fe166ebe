"""Token tables and a reference for the tests of ``pe_core.plots``' maps."""

import numpy as np
import pandas as pd

REF_XY = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]])
REF_WORDS = ["the", "cat", "dog"]


def token_table(snapshots=4, tokens=(("<url>", "special"), ("<unk>", "unk"), ("lol", "oov"))):
    """``snapshots`` frames of ``tokens``: token i at (i + s, -i - 2 s) in snapshot s, step
    10 s; snapshot 0 is "not trained yet" (no nearest word)."""
    rows = []
    for s in range(snapshots):
        for i, (token, kind) in enumerate(tokens):
            rows.append(
                {
                    "token": token,
                    "kind": kind,
                    "snapshot": s,
                    "step": 10 * s,
                    "epoch": s / 2,
                    "x": float(i + s),
                    "y": float(-i - 2 * s),
                    "nearest": "" if s == 0 else "word",
                    "similarity": np.nan if s == 0 else 0.5,
                }
            )
    return pd.DataFrame(rows)


def map_trace_names(kinds=("unk", "special", "oov"), trails=True, labels=True) -> list[str]:
    """The moving traces of an animated map, in order: per kind its trail (``trails``) and its
    tokens, then (``labels``) the leader lines and the names moved off their dots."""
    names = [n for k in kinds for n in ([f"{k} trail", k] if trails else [k])]
    return names + (["leader lines", "moved names"] if labels else [])
