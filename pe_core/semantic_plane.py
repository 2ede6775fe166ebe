"""A semantic plane: two word-defined axes (``pe_core.axes``) and each token's path across it.

Where one axis reads one kind of meaning (bad ↔ good), a second one spreads the tokens out
(calm ↔ excited, by default: the valence-arousal plane of emotion research), so a stakeholder
sees where each token went in both at once. The pretrained words are drawn as grey dots on
the same plane, with their middle 90 % on each axis shaded, so a move is judged against how
far apart real words lie.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pe_core.axes import SemanticAxis, trajectory_scores

#: The default second axis, low end to high end: arousal (the words found in the vectors).
AROUSAL_LOW = ("calm", "relaxed", "quiet", "peaceful")
AROUSAL_HIGH = ("excited", "angry", "furious", "thrilled", "crazy")


def default_plane_words(vectors) -> tuple[list[str], list[str]]:
    """(high, low) words of the default second axis that the vectors hold."""
    high = [w for w in AROUSAL_HIGH if w in vectors]
    low = [w for w in AROUSAL_LOW if w in vectors]
    if not high or not low:
        raise ValueError(
            f"no default second axis: none of {list(AROUSAL_HIGH)} or none of "
            f"{list(AROUSAL_LOW)} is in the vectors; type the words of the second axis"
        )
    return high, low


def plane_paths(result, x_axis: SemanticAxis, y_axis: SemanticAxis) -> pd.DataFrame:
    """Every token at every snapshot on both axes: token, kind, snapshot, step, epoch, x, y.

    x and y are NaN while the token is the zero vector (it has no direction yet).
    """
    x = trajectory_scores(result, x_axis)
    x["y"] = trajectory_scores(result, y_axis)["score"].to_numpy()
    return x.rename(columns={"score": "x"})


def words_on_plane(matrix, x_axis: SemanticAxis, y_axis: SemanticAxis) -> np.ndarray:
    """(n, 2) scores of the words ``matrix`` on both axes (their spread, for scale)."""
    return np.column_stack([x_axis.score(matrix), y_axis.score(matrix)])


def plane_figure(
    paths: pd.DataFrame,
    x_axis: SemanticAxis,
    y_axis: SemanticAxis,
    words_xy: np.ndarray,
    words: Sequence[str],
    tokens: Sequence[str],
    *,
    height: int = 620,
):
    """The plane: grey words, their middle 90 % per axis shaded, each token's path with an
    open start marker and its name at the end."""
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    fig = go.Figure()
    finite = np.isfinite(words_xy).all(axis=1)
    wx, wy = words_xy[finite, 0], words_xy[finite, 1]
    shade = {"fillcolor": "rgba(95,102,112,0.08)", "line_width": 0, "layer": "below"}
    (x0, x1), (y0, y1) = np.percentile(wx, [5, 95]), np.percentile(wy, [5, 95])
    fig.add_vrect(x0=x0, x1=x1, **shade)
    fig.add_hrect(
        y0=y0,
        y1=y1,
        annotation_text="shaded: the middle 90 % of the words on each axis",
        annotation_position="top left",
        annotation_font={"size": 10, "color": "#5f6670"},
        **shade,
    )
    fig.add_trace(
        go.Scattergl(
            x=np.round(wx, 4),
            y=np.round(wy, 4),
            mode="markers",
            name="pretrained words",
            marker={"size": 4, "color": "#c9ccd1"},
            text=[w for w, ok in zip(words, finite, strict=True) if ok],
            hovertemplate="%{text}<br>%{x:.3f}, %{y:.3f}<extra></extra>",
        )
    )
    palette = qualitative.D3
    notes = []
    for i, token in enumerate(tokens):
        rows = paths[paths["token"] == token].dropna(subset=["x", "y"])
        if rows.empty:
            continue
        color = palette[i % len(palette)]
        xs, ys = np.round(rows["x"].to_numpy(float), 4), np.round(rows["y"].to_numpy(float), 4)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=token,
                line={"color": color, "width": 2.5},
                customdata=rows["step"].to_numpy(),
                hovertemplate=f"{token}<br>step %{{customdata}}: %{{x:.3f}}, %{{y:.3f}}"
                "<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[xs[0], xs[-1]],
                y=[ys[0], ys[-1]],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker={
                    "size": [9, 13],
                    "color": ["white", color],
                    "line": {"color": color, "width": 2},
                },
            )
        )
        notes.append(
            {
                "x": float(xs[-1]),
                "y": float(ys[-1]),
                "text": f"<b>{token}</b>",
                "showarrow": False,
                "yshift": 12,
                "font": {"color": color, "size": 13},
                "bgcolor": "rgba(255,255,255,0.8)",
                "name": "path end",
            }
        )
    fig.update_layout(
        title=f"Semantic plane · {x_axis.name} (across) × {y_axis.name} (up)",
        height=height,
        annotations=[*fig.layout.annotations, *notes],
        xaxis={"title": {"text": _end_text(x_axis)}, "zeroline": True, "zerolinecolor": "#aaa"},
        yaxis={"title": {"text": _end_text(y_axis)}, "zeroline": True, "zerolinecolor": "#aaa"},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def _end_text(axis: SemanticAxis) -> str:
    return f"← {' '.join(axis.negative)}   ·   {' '.join(axis.positive)} →"
