"""Neighbour drift charts: one token's neighbours over training (heatmap) and the cosine of
tokens to chosen words over the steps (lines). Both read a ``neighbour_drift`` result."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pe_core.plots.style import KIND_COLORS


def drift_heatmap(drift, token: str, *, max_words: int = 30) -> go.Figure:
    """Cosine similarity of one token to the words ever in its top-k, per snapshot.

    Rows: words ordered by their rank at the last snapshot, then by how early they were
    neighbours; chosen words are included and marked with ★. Cell text: rank in the top-k.
    """
    sim = drift.similarity[drift.similarity["token"] == token]
    if sim.empty:
        known = sorted(set(drift.similarity["token"]))
        raise ValueError(f"token {token!r} is not in the drift table; tokens: {known}")
    snaps = sorted(sim["snapshot"].unique())
    z = sim.pivot(index="word", columns="snapshot", values="similarity")
    rank = sim.pivot(index="word", columns="snapshot", values="rank")
    final = rank[snaps[-1]].fillna(np.inf)
    first_seen = rank.notna().to_numpy().argmax(axis=1) + np.where(rank.notna().any(axis=1), 0, 1e6)
    order = pd.DataFrame({"final": final, "first": first_seen}, index=rank.index)
    words = order.sort_values(["final", "first"], kind="stable").index[:max_words].tolist()
    chosen = set(sim.loc[sim["chosen"], "word"])
    steps = sim.drop_duplicates("snapshot").set_index("snapshot")["step"]
    fig = go.Figure(
        go.Heatmap(
            z=np.round(z.loc[words, snaps].to_numpy(dtype=float), 3),
            x=[str(int(steps[s])) for s in snaps],
            y=[f"★ {w}" if w in chosen else w for w in words],
            text=[
                ["" if np.isnan(r) else str(int(r)) for r in row]
                for row in rank.loc[words, snaps].to_numpy()
            ],
            texttemplate="%{text}",
            colorscale="RdBu",
            reversescale=True,
            zmid=0,
            zmin=-1,
            zmax=1,
            colorbar={"title": {"text": "cosine"}},
            hovertemplate="%{y} at step %{x}: cosine %{z}<extra></extra>",
        )
    )
    kind = sim.merge(drift.summary[["token", "kind"]], on="token")["kind"].iloc[0]
    fig.update_layout(
        title={
            "text": f"Neighbours of {token} over training",
            "font": {"color": KIND_COLORS.get(kind)},
        },
        xaxis={"title": {"text": "step"}, "type": "category"},
        yaxis={"autorange": "reversed"},
        height=max(300, 22 * len(words) + 120),
    )
    return fig


def similarity_figure(drift, words: Sequence[str] | None = None) -> go.Figure:
    """Cosine similarity over training steps of every token to the chosen words.

    One line per (token, word); the colour is the token's kind, the dash pattern the word.
    """
    sim = drift.similarity
    wanted = sim[sim["chosen"]] if words is None else sim[sim["word"].isin(list(words))]
    kinds = dict(zip(drift.summary["token"], drift.summary["kind"], strict=True))
    dashes = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
    word_list = list(dict.fromkeys(wanted["word"]))
    fig = go.Figure()
    for (token, word), rows in wanted.groupby(["token", "word"], sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["step"].tolist(),
                y=np.round(rows["similarity"].to_numpy(dtype=float), 4).tolist(),
                mode="lines",
                name=f"{token} · {word}",
                line={
                    "color": KIND_COLORS[kinds[token]],
                    "dash": dashes[word_list.index(word) % 6],
                },
            )
        )
    fig.update_layout(
        xaxis={"title": {"text": "step"}},
        yaxis={"title": {"text": "cosine similarity"}, "range": [-1, 1]},
        height=380,
    )
    return fig
