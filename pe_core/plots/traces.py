"""The pieces of a map: the checked token table, fixed axis ranges, and the traces of the
reference words, the tokens (with their hover) and their trails.

Shared by the animated map (``animation``) and the static start-to-end map (``paths``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pe_core.plots.style import KIND_COLORS, TOKEN_KINDS, f32

MAP_COLUMNS = ("token", "kind", "snapshot", "step", "epoch", "x", "y", "nearest", "similarity")
#: A white halo around token names, so a trail or arrow under a name does not cut it.
NAME_HALO = "0 0 2px white, 0 0 2px white, 0 0 1px white"
#: Colour of the lines joining a moved name to its dot.
LEADER_COLOR = "#6b7280"
# Above this many reference points the reference is drawn with WebGL (scattergl).
WEBGL_THRESHOLD = 1000


def map_input(df_tokens: pd.DataFrame, ref_xy, ref_words) -> tuple[pd.DataFrame, np.ndarray]:
    """The token table sorted by (snapshot, token) and the (n, 2) reference, both checked."""
    missing = [c for c in MAP_COLUMNS if c not in df_tokens.columns]
    if missing:
        raise ValueError(f"token table lacks column(s) {missing}; expected {list(MAP_COLUMNS)}")
    unknown = sorted(set(df_tokens["kind"]) - set(TOKEN_KINDS))
    if unknown:
        raise ValueError(f"unknown token kind(s) {unknown}; allowed: {', '.join(TOKEN_KINDS)}")
    xy = np.zeros((0, 2)) if ref_xy is None else np.asarray(ref_xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"ref_xy must be (n, 2); got shape {xy.shape}")
    if ref_words is not None and len(ref_words) != len(xy):
        raise ValueError(f"ref_words has {len(ref_words)} entries but ref_xy has {len(xy)} rows")
    return df_tokens.sort_values(["snapshot", "token"], kind="stable"), xy


def fixed_ranges(ref_xy, df: pd.DataFrame | None = None, margin: float = 0.05):
    """Axis ranges covering the reference and every token position of every frame."""
    parts = [np.asarray(ref_xy, dtype=float).reshape(-1, 2)]
    if df is not None and len(df):
        parts.append(df[["x", "y"]].to_numpy(dtype=float))
    pts = np.concatenate(parts)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if not len(pts):
        return [-1.0, 1.0], [-1.0, 1.0]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 1e-6)
    return [float(lo[0] - pad[0]), float(hi[0] + pad[0])], [
        float(lo[1] - pad[1]),
        float(hi[1] + pad[1]),
    ]


def reference_trace(ref_xy, ref_words, ref_colors, webgl: bool):
    """The fixed reference words, grey (or ``ref_colors``), named on hover."""
    scatter = go.Scattergl if webgl else go.Scatter
    color = KIND_COLORS["reference"] if ref_colors is None else list(ref_colors)
    if ref_colors is not None and len(color) != len(ref_xy):
        raise ValueError(f"ref_colors has {len(color)} entries but ref_xy has {len(ref_xy)} rows")
    return scatter(
        x=f32(ref_xy[:, 0]),
        y=f32(ref_xy[:, 1]),
        mode="markers",
        name="reference words",
        marker={"size": 4, "color": color, "opacity": 0.55},
        text=list(ref_words) if ref_words is not None else None,
        hovertemplate="%{text}<extra>reference</extra>" if ref_words is not None else None,
        hoverinfo=None if ref_words is not None else "skip",
        legendgroup="reference",
    )


def highlight_trace(ref_xy, ref_words, highlight: set[str]):
    """The highlighted reference words: dark diamonds with their names."""
    rows = [i for i, w in enumerate(ref_words or []) if w in highlight]
    return go.Scatter(
        x=f32(ref_xy[rows, 0]),
        y=f32(ref_xy[rows, 1]),
        mode="markers+text",
        name="highlighted words",
        text=[ref_words[i] for i in rows],
        textposition="top center",
        marker={"size": 9, "color": "#333333", "symbol": "diamond"},
        hovertemplate="%{text}<extra>reference</extra>",
    )


def hover_data(rows: pd.DataFrame) -> list[list]:
    """Per point: token, kind, step, epoch, its true nearest words, how far the map agrees."""
    if "top3" in rows:
        nearest = list(rows["top3"])
    else:  # a table without the honesty columns (older exports): the nearest word alone
        nearest = [
            f"{n} {s:.2f}" if n and np.isfinite(s) else "not trained yet"
            for n, s in zip(rows["nearest"], rows["similarity"], strict=True)
        ]
    agree = rows["map_agree"] if "map_agree" in rows else [-1] * len(rows)
    agree = [f"{int(a)} of its 10 map neighbours" if a >= 0 else "—" for a in agree]
    return [
        [t, k, int(st), float(ep), n, a]
        for t, k, st, ep, n, a in zip(
            rows["token"], rows["kind"], rows["step"], rows["epoch"], nearest, agree, strict=True
        )
    ]


TOKEN_HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>step %{customdata[2]}, "
    "epoch %{customdata[3]:.2f}<br>true nearest words: %{customdata[4]}"
    "<br>true top-10 words drawn around it: %{customdata[5]}<extra></extra>"
)


def token_meta(df: pd.DataFrame) -> dict:
    """``layout.meta`` of a map: every token it shows, drawn or "not trained yet" (the title
    names only a few of the latter), for scripts and tests reading the rendered figure."""
    return {"tokens": sorted(set(df["token"])) if len(df) else []}


def not_trained_note(rows: pd.DataFrame) -> str:
    """ " · not trained yet (not drawn): a, b" for the tokens of one frame with no direction
    yet (drawn nowhere on the map), or "" when every token is drawn."""
    gone = ~np.isfinite(rows[["x", "y"]].to_numpy(dtype=float)).all(axis=1)
    names = sorted(set(rows.loc[gone, "token"]))
    if not names:
        return ""
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return f" · not trained yet (not drawn): {shown}"


def token_trace(rows: pd.DataFrame, kind: str, highlight: set[str], where: dict | None):
    """One kind's tokens on one frame, named where ``where`` (``labels.place_labels``) puts a
    name next to its dot; a moved name is drawn by :func:`moved_name_traces`."""
    big = [t in highlight for t in rows["token"]]
    where = where or {}
    beside = [getattr(where.get(t), "position", None) for t in rows["token"]]
    return go.Scatter(
        x=f32(rows["x"]),
        y=f32(rows["y"]),
        mode="markers+text" if any(beside) else "markers",
        name=kind,
        legendgroup=kind,
        text=[
            (f"<b>{t}</b>" if b else t) if p else ""
            for t, b, p in zip(rows["token"], big, beside, strict=True)
        ],
        textposition=[p or "top center" for p in beside],
        textfont={"color": KIND_COLORS[kind], "shadow": NAME_HALO},
        marker={
            "size": [18 if b else 12 for b in big],
            "color": KIND_COLORS[kind],
            "line": {"width": [2.5 if b else 1 for b in big], "color": "#222222"},
        },
        customdata=hover_data(rows),
        hovertemplate=TOKEN_HOVER,
    )


def moved_name_traces(rows: pd.DataFrame, highlight: set[str], where: dict | None):
    """(leader lines, names) of the tokens whose names were moved off their dots.

    Always these two traces (empty when nothing moved), so every frame of a map has the same
    ones; each name in its kind's colour, the lines grey and thin.
    """
    where = where or {}
    moved = [(t, k, where.get(t)) for t, k in zip(rows["token"], rows["kind"], strict=True)]
    moved = [(t, k, lab) for t, k, lab in moved if lab is not None and lab.moved]
    xs, ys = [], []
    for _, _, lab in moved:
        (x0, y0), (x1, y1) = lab.line
        xs += [x0, x1, np.nan]
        ys += [y0, y1, np.nan]
    leaders = go.Scatter(
        x=f32(xs),
        y=f32(ys),
        mode="lines",
        line={"color": LEADER_COLOR, "width": 1},
        showlegend=False,
        hoverinfo="skip",
        name="leader lines",
    )
    names = go.Scatter(
        x=f32([lab.x for _, _, lab in moved]),
        y=f32([lab.y for _, _, lab in moved]),
        mode="text",
        text=[f"<b>{t}</b>" if t in highlight else t for t, _, _ in moved],
        textposition="middle center",
        textfont={"color": [KIND_COLORS[k] for _, k, _ in moved], "shadow": NAME_HALO},
        showlegend=False,
        hoverinfo="skip",
        name="moved names",
    )
    return leaders, names


def trail_xy(paths: pd.DataFrame, upto: int, trail_length: int | None):
    """All tokens' paths up to snapshot ``upto`` as one polyline, a NaN gap after each token."""
    path = paths[paths["snapshot"] <= upto].sort_values(["token", "snapshot"], kind="stable")
    if trail_length is not None:
        path = path.groupby("token", sort=False).tail(trail_length + 1)
    tokens = path["token"].to_numpy()
    ends = np.flatnonzero(tokens[1:] != tokens[:-1]) + 1
    xy = np.insert(f32(path[["x", "y"]]), np.r_[ends, len(tokens)], np.nan, axis=0)
    return xy[:, 0], xy[:, 1]


def trail_trace(xs, ys, kind: str):
    """One kind's trails as one line trace, in the kind's colour, without hover."""
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"color": KIND_COLORS[kind], "width": 1.5},
        opacity=0.6,
        legendgroup=kind,
        showlegend=False,
        hoverinfo="skip",
        name=f"{kind} trail",
    )
