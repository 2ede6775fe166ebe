"""Token influence charts: the ranked effect of removing each trainable token, and how that
effect grew over the snapshots (``pe_core.influence``'s tables)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pe_core.plots.style import KIND_COLORS, ZERO_LINE


def influence_figure(ranked: pd.DataFrame, *, top: int = 20) -> go.Figure:
    """Ranked horizontal bars: each token's mean effect on its strongest class, ± 95 % CI.

    ``ranked`` is ``Influence.ranked()`` (strongest first); the strongest bar is drawn on top.
    Bars are coloured by the token's kind; hover gives the class, n texts and the CI.
    """
    rows = ranked.head(top).iloc[::-1]
    labels = [f"{t}  →  P({c})" for t, c in zip(rows["token"], rows["class"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=rows["mean_effect"],
            y=labels,
            orientation="h",
            marker_color=[KIND_COLORS.get(k, "#888888") for k in rows["kind"]],
            error_x={"type": "data", "array": rows["ci95"].fillna(0.0), "color": "#444"},
            customdata=np.column_stack([rows["n_texts"], rows["ci95"].fillna(np.nan)]),
            hovertemplate="%{y}<br>mean change %{x:+.3f}<br>%{customdata[0]} texts, "
            "95 % CI ±%{customdata[1]:.3f}<extra></extra>",
        )
    )
    fig.add_vline(x=0, **ZERO_LINE)
    fig.update_layout(
        height=max(260, 28 * len(rows) + 110),
        margin={"l": 10, "r": 20, "t": 40, "b": 40},
        xaxis_title="mean change of the probability when the token is removed "
        "(+ = the token raises it)",
        title="Influence of the trainable tokens (strongest class each)",
    )
    return fig


def influence_growth_figure(frame: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> go.Figure:
    """Mean effect of each (token, class) in ``pairs`` per snapshot epoch, with 95 % CI bands."""
    fig = go.Figure()
    for token, cls in pairs:
        rows = frame[(frame["token"] == token) & (frame["class"] == cls)].sort_values("epoch")
        fig.add_trace(
            go.Scatter(
                x=rows["epoch"],
                y=rows["mean_effect"],
                error_y={"type": "data", "array": rows["ci95"].fillna(0.0)},
                mode="lines+markers",
                name=f"{token} → P({cls})",
            )
        )
    fig.add_hline(y=0, **ZERO_LINE)
    fig.update_layout(
        height=360,
        margin={"l": 40, "r": 20, "t": 40, "b": 40},
        xaxis_title="epoch of the snapshot (rows from the snapshot, rest of the model final)",
        yaxis_title="mean change when removed",
        title="Influence over training",
    )
    return fig
