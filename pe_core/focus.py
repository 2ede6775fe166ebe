"""A focus token on the map: called out, its path emphasised, its true nearest words marked.

These functions decorate a figure of ``pe_core.plots`` (animated or static) in place, so the
map itself is drawn one way only. The focus token's callout is an annotation (never dropped,
unlike the greedy token labels); the other tokens are dimmed; its true top-k nearest words at
each snapshot (searched over the whole vocabulary) are ringed and named where they are on the
map. A searched reference word gets the same callout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pe_core.neighbours import NeighbourIndex

DIM = 0.2  # opacity of the tokens that are not in focus
_FOCUS_COLOR = "#111111"
_AROUND = ("top right", "bottom left", "top left", "bottom right", "middle right", "middle left")


def focus_neighbours(trajectory, matrix, token_row: int, k: int = 5, stored=None):
    """The true top-k words of one token at every snapshot: ``(indices (S, k), cosines (S, k))``.

    Read from ``stored`` (the run's ``SnapshotNeighbours``) when it covers every snapshot with
    at least k neighbours; else one matrix product over the vocabulary per snapshot of one
    token (computed once per token and run by the caller). Rows where the token is the zero
    vector have cosines NaN.
    """
    path = np.asarray(trajectory, dtype=np.float32)[:, token_row]
    if stored is not None and stored.k >= k and len(stored.indices) == len(path):
        idx, cos = stored.indices[:, token_row, :k], stored.similarities[:, token_row, :k]
    else:
        idx, cos = NeighbourIndex(matrix).query(path, k=min(k, len(matrix)))
    cos = cos.astype(np.float64)
    cos[np.linalg.norm(path, axis=1) == 0] = np.nan
    return idx, cos


def callout(text: str, x: float, y: float, color: str, *, big: bool = True) -> dict:
    """An annotation with an arrow pointing at (x, y): the label that is never dropped."""
    return {
        "x": round(float(x), 4),
        "y": round(float(y), 4),
        "xref": "x",
        "yref": "y",
        "text": f"<b>{text}</b>",
        "showarrow": True,
        "arrowhead": 2,
        "arrowwidth": 1.5,
        "arrowcolor": color,
        "ax": 40,
        "ay": -40,
        "font": {"size": 15 if big else 12, "color": color},
        "bgcolor": "rgba(255,255,255,0.92)",
        "bordercolor": color,
        "borderwidth": 1.5,
        "borderpad": 3,
        "name": "callout",
    }


def _is_token_trace(trace) -> bool:
    name = str(trace.name or "")
    ours = name.startswith("focus") or name.startswith("nearest words of")
    return name not in ("reference words", "highlighted words") and not ours


def _dim(traces) -> None:
    for trace in traces:
        if _is_token_trace(trace):
            trace.opacity = DIM


def _focus_traces(rows: pd.DataFrame, upto: int, color: str, near, token: str) -> list:
    """The focus token's path up to snapshot ``upto``, its marker, and its ringed neighbours."""
    path = rows[rows["snapshot"] <= upto]
    now = rows[rows["snapshot"] == upto]
    words, wx, wy = near
    return [
        go.Scatter(
            x=path["x"].to_numpy(np.float32),
            y=path["y"].to_numpy(np.float32),
            mode="lines",
            line={"color": color, "width": 4},
            name="focus path",
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=wx,
            y=wy,
            mode="markers+text",
            text=words,
            # Neighbours sit close together: spread their names around the rings.
            textposition=[_AROUND[i % len(_AROUND)] for i in range(len(words))],
            textfont={"size": 11, "color": _FOCUS_COLOR},
            marker={"size": 13, "color": "rgba(0,0,0,0)", "line": {"color": color, "width": 2}},
            name=f"nearest words of {token}",
            hovertemplate="%{text}<extra>a true nearest word</extra>",
        ),
        go.Scatter(
            x=now["x"].to_numpy(np.float32),
            y=now["y"].to_numpy(np.float32),
            mode="markers",
            marker={"size": 24, "color": color, "line": {"color": _FOCUS_COLOR, "width": 3}},
            name="focus token",
            showlegend=False,
            hoverinfo="skip",  # the token's own (dimmed) marker below keeps its hover
        ),
    ]


def _near_on_map(neighbours, snapshot: int, ref_words, ref_xy):
    """(words with cosines, x, y) of the focus token's top-k words that are on the map."""
    if neighbours is None:
        return [], [], []
    words, cosines = neighbours.get(snapshot, ([], []))
    where = {w: i for i, w in enumerate(ref_words or [])}
    shown = [(w, c) for w, c in zip(words, cosines, strict=True) if w in where]
    rows = [where[w] for w, _ in shown]
    # The nearest words sit close together: name the first three, ring all of them.
    text = [f"{w} {c:.2f}" if i < 3 else "" for i, (w, c) in enumerate(shown)]
    return text, ref_xy[rows, 0].astype(np.float32), ref_xy[rows, 1].astype(np.float32)


def add_focus(
    fig,
    df_tokens: pd.DataFrame,
    token: str,
    color: str,
    *,
    ref_xy=None,
    ref_words: Sequence[str] | None = None,
    neighbours: dict | None = None,
) -> None:
    """Make ``token`` stand out on a map of ``pe_core.plots``, in place.

    ``neighbours``: snapshot -> (words, cosines), its true nearest words (the ones on the map
    are ringed and named). A zero vector (no direction yet) is called out as such.
    """
    rows = df_tokens[df_tokens["token"] == token].sort_values("snapshot")
    if rows.empty:
        raise ValueError(f"{token!r} is not a token on this map")
    ref_xy = np.zeros((0, 2)) if ref_xy is None else np.asarray(ref_xy, dtype=float)
    snapshots = rows["snapshot"].tolist()

    def overlay(snapshot: int):
        near = _near_on_map(neighbours, snapshot, ref_words, ref_xy)
        here = rows[rows["snapshot"] == snapshot].iloc[0]
        no_direction = here["nearest"] == ""
        text = f"{token} (no direction yet)" if no_direction else token
        return _focus_traces(rows, snapshot, color, near, token), callout(
            text, here.x, here.y, color
        )

    _dim(fig.data)
    if not fig.frames:
        traces, note = overlay(snapshots[-1])
        fig.add_traces(traces)
        fig.layout.annotations = [*fig.layout.annotations, note]
        return
    active = fig.layout.sliders[0].active if fig.layout.sliders else len(fig.frames) - 1
    first = len(fig.data)
    frames = list(fig.frames)
    for frame in frames:
        _dim(frame.data)
        traces, note = overlay(int(frame.name))
        frame.data = [*frame.data, *traces]
        frame.traces = [*frame.traces, *range(first, first + len(traces))]
        frame.layout.annotations = [*(frame.layout.annotations or ()), note]
    traces, note = overlay(int(frames[active or 0].name))
    fig.add_traces(traces)
    fig.layout.annotations = [*fig.layout.annotations, note]
    fig.frames = frames


def add_word_callout(fig, word: str, ref_xy, ref_words: Sequence[str], color="#333333") -> bool:
    """Call out a searched reference word (static, on every frame); False when not on the map."""
    words = list(ref_words or [])
    if word not in words:
        return False
    x, y = np.asarray(ref_xy, dtype=float)[words.index(word)]
    note = callout(word, x, y, color, big=False)
    fig.layout.annotations = [*fig.layout.annotations, note]
    for frame in fig.frames or ():
        if frame.layout.annotations is not None:
            frame.layout.annotations = [*frame.layout.annotations, note]
    return True


def colour_by_cosine(fig, cosines, token: str) -> None:
    """Colour the reference words by their cosine to ``token``, with a colour bar (in place)."""
    values = np.round(np.asarray(cosines, dtype=float), 3)
    ref = fig.data[0]
    ref.marker.color = values
    ref.marker.colorscale = "Viridis"
    ref.marker.cmin = float(max(-1.0, np.nanmin(values))) if len(values) else -1.0
    ref.marker.cmax = float(min(1.0, np.nanmax(values))) if len(values) else 1.0
    ref.marker.opacity = 0.8
    ref.marker.colorbar = {"title": {"text": f"cosine to {token}"}, "thickness": 14, "len": 0.6}
