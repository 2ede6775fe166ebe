"""The static start-to-end map: each token's whole path, an open start marker and an arrow to
where training left it, on the same fixed reference as the animated map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pe_core.plots import traces
from pe_core.plots.labels import label_priority, place_labels, plot_px
from pe_core.plots.style import KIND_COLORS, TOP_LEGEND, f32, kinds_in

_DIGITS = 4  # arrow annotations are rounded in the figure JSON (keeps downloads small)


def paths_figure(
    df_tokens: pd.DataFrame,
    ref_xy=None,
    ref_words: Sequence[str] | None = None,
    *,
    title: str | None = None,
    highlight: Iterable[str] | None = None,
    margin: float = 0.05,
    height: int = 640,
) -> go.Figure:
    """Static summary of the run: each token's path, an open start marker, an arrow to the end."""
    df, ref_xy = traces.map_input(df_tokens, ref_xy, ref_words)
    highlight = set(highlight or ())
    last = df["snapshot"].max() if len(df) else 0
    fig = go.Figure()
    if len(ref_xy):
        fig.add_trace(
            traces.reference_trace(ref_xy, ref_words, None, len(ref_xy) > traces.WEBGL_THRESHOLD)
        )
    annotations = []
    note = traces.not_trained_note(df[df["snapshot"] == last]) if len(df) else ""
    if note:  # its own smaller line: appended, it pushed a long title past the map's width
        title = f"{title or ''}<br><sup>{note.removeprefix(' · ')}</sup>"
    xr, yr = traces.fixed_ranges(ref_xy, df, margin)
    where = place_labels(
        df[df["snapshot"] == last],
        xr,
        yr,
        label_priority(df, highlight),
        highlight=highlight,
        plot_px=plot_px(height),
    )
    for kind in kinds_in(df):
        mine = df[df["kind"] == kind]
        fig.add_trace(traces.trail_trace(*traces.trail_xy(mine, last, None), kind))
        # A path starts where the token first has a direction; never-trained tokens have none.
        mine = mine[np.isfinite(mine[["x", "y"]].to_numpy(dtype=float)).all(axis=1)]
        if mine.empty:
            continue
        starts = mine.groupby("token", sort=False).head(1)
        ends = mine.groupby("token", sort=False).tail(1)
        fig.add_trace(
            go.Scatter(
                x=f32(starts["x"]),
                y=f32(starts["y"]),
                mode="markers",
                marker={
                    "size": 9,
                    "color": "white",
                    "line": {"color": KIND_COLORS[kind], "width": 2},
                },
                legendgroup=kind,
                showlegend=False,
                name=f"{kind} start",
                customdata=traces.hover_data(starts),
                hovertemplate=traces.TOKEN_HOVER,
            )
        )
        fig.add_trace(traces.token_trace(ends, kind, highlight, where))
        for (_, a), (_, b) in zip(starts.iterrows(), ends.iterrows(), strict=True):
            annotations.append(_arrow(a, b, KIND_COLORS[kind]))
    if len(df):
        fig.add_traces(traces.moved_name_traces(df[df["snapshot"] == last], highlight, where))
    fig.update_layout(
        title=title,
        height=height,
        annotations=annotations,
        xaxis={"range": xr, "zeroline": False, "showgrid": False},
        yaxis={"range": yr, "zeroline": False, "showgrid": False},
        legend=TOP_LEGEND,
        plot_bgcolor="white",
        meta=traces.token_meta(df),
    )
    return fig


def _arrow(start: pd.Series, end: pd.Series, color: str) -> dict:
    return {
        "x": round(float(end["x"]), _DIGITS),
        "y": round(float(end["y"]), _DIGITS),
        "ax": round(float(start["x"]), _DIGITS),
        "ay": round(float(start["y"]), _DIGITS),
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 3,
        "arrowwidth": 1.5,
        "arrowcolor": color,
        "text": "",
    }
