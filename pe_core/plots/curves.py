"""Two-panel metric charts: a run's per-epoch curves and the data-size sweep's curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from pe_core.plots.style import ARM_COLORS, SWEEP_PALETTE, ZERO_LINE, legend_below

# Each curve is named for what it measures: the training loss is the running mean over the
# epoch with dropout on (as Keras reports it); the train accuracy is measured like the
# validation side, in inference mode at the epoch's end, so the two can be compared. Histories
# without ``train_accuracy`` (older runs) fall back to the running accuracy, named as such.
_CURVES = {
    "loss": ("Loss", "train (running, dropout on)", "solid"),
    "val_loss": ("Loss", "validation", "dash"),
    "train_accuracy": ("Accuracy / F1", "train accuracy (epoch end, no dropout)", "solid"),
    "val_accuracy": ("Accuracy / F1", "validation accuracy", "dash"),
    "val_macro_f1": ("Accuracy / F1", "validation macro-F1", "dot"),
}
_RUNNING_ACCURACY = ("Accuracy / F1", "train accuracy (running, dropout on)", "solid")


def _curve_specs(history: Mapping[str, Sequence[float]]):
    """(key, (panel, name, dash)) of the curves to draw for ``history``."""
    for key, spec in _CURVES.items():
        if key == "train_accuracy" and not history.get(key):
            yield "accuracy", _RUNNING_ACCURACY
        else:
            yield key, spec


def curves_figure(history: Mapping[str, Sequence[float]], *, title: str | None = None) -> go.Figure:
    """Loss (left) and accuracy / macro-F1 (right) per epoch, train solid, validation dashed.

    The train accuracy drawn is ``train_accuracy`` (inference mode, epoch end) when the
    history has it, else the running ``accuracy``; each legend entry says which. Keys absent
    from ``history`` or with no values yet are simply not drawn.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy / F1"))
    palette = {"solid": "#4c78a8", "dash": "#f58518", "dot": "#54a24b"}
    for key, (panel, name, dash) in _curve_specs(history):
        values = list(history.get(key) or [])
        if not values:
            continue
        col = 1 if panel == "Loss" else 2
        fig.add_trace(
            go.Scatter(
                x=list(range(1, len(values) + 1)),
                y=[float(v) for v in values],
                mode="lines+markers",
                name=name,
                line={"dash": dash, "color": palette[dash]},
            ),
            row=1,
            col=col,
        )
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_yaxes(range=[0, 1], row=1, col=2)
    return _panels_layout(fig, title, 380, (40, 20, 60, 40), legend_y=-0.22)


def sweep_figure(
    summary: pd.DataFrame, metric: str = "best_val_macro_f1", *, title: str | None = None
) -> go.Figure:
    """Two panels against training size (log x): ``metric`` and the train−val gap.

    ``summary`` is ``SweepResult.summary`` (``<m>_mean`` / ``<m>_std`` per arm and size); one
    line per arm, error bars = std over seeds (none where a point has a single seed: its
    spread is undefined).
    """
    label = {"best_val_macro_f1": "val macro-F1 (best epoch)",
             "best_val_accuracy": "val accuracy (best epoch)"}.get(metric, metric)  # fmt: skip
    fig = make_subplots(rows=1, cols=2, subplot_titles=(label, "train − val accuracy gap (end)"))
    extra = iter(SWEEP_PALETTE * 4)
    for arm, rows in summary.groupby("arm", sort=False):
        rows = rows.sort_values("size")
        color = ARM_COLORS.get(arm) or next(extra)
        for col, m in ((1, metric), (2, "train_minus_val_gap")):
            fig.add_trace(
                go.Scatter(
                    x=rows["size"],
                    y=rows[f"{m}_mean"],
                    error_y=_error_bars(rows, m),
                    mode="lines+markers",
                    name=arm,
                    legendgroup=arm,
                    showlegend=col == 1,
                    line={"color": color, "width": 3 if arm == "dual" else 2},
                ),
                row=1,
                col=col,
            )
    sizes = sorted(int(n) for n in summary["size"].unique()) if len(summary) else []
    fig.update_xaxes(
        type="log",
        title_text="training texts (log scale)",
        tickvals=sizes,
        ticktext=[f"{n:,}" for n in sizes],
    )
    fig.add_hline(y=0, **ZERO_LINE, row=1, col=2)
    return _panels_layout(fig, title, 420, (50, 20, 70, 50), legend_y=-0.2)


def _panels_layout(fig: go.Figure, title, height: int, margin: tuple, legend_y: float):
    """The layout both charts share: title, height, (l, r, t, b) margins, legend below."""
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(zip("lrtb", margin, strict=True)),
        legend=legend_below(legend_y),
    )
    return fig


def _error_bars(rows, m: str) -> dict:
    """Std over seeds as error bars, hidden at points of one seed (``seeds`` column)."""
    std = rows[f"{m}_std"].to_numpy(dtype=float)
    if "seeds" in rows:
        std = np.where(rows["seeds"].to_numpy() >= 2, std, np.nan)
    return {"type": "data", "array": std, "thickness": 1, "visible": bool(np.isfinite(std).any())}
