"""The animated map: fixed reference words, trainable tokens moving over the snapshots, with
play / pause buttons and a slider; ``show_frame`` opens it on any frame."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pe_core.plots.labels import label_priority, place_labels, plot_px
from pe_core.plots.style import TOP_LEGEND, kinds_in
from pe_core.plots.traces import (
    WEBGL_THRESHOLD,
    fixed_ranges,
    highlight_trace,
    map_input,
    moved_name_traces,
    not_trained_note,
    reference_trace,
    token_meta,
    token_trace,
    trail_trace,
    trail_xy,
)


def _frame_traces(df, snapshot, kinds, highlight, labels, trails, trail_length):
    """The moving traces of one frame; ``labels`` is None or (xr, yr, label priority,
    plot size in px)."""
    now = df[df["snapshot"] == snapshot]
    where = None
    if labels:
        xr, yr, priority, px = labels
        where = place_labels(now, xr, yr, priority, highlight=highlight, plot_px=px)
    traces = []
    for kind in kinds:
        mine = df[df["kind"] == kind]
        if trails:
            traces.append(trail_trace(*trail_xy(mine, snapshot, trail_length), kind))
        traces.append(token_trace(now[now["kind"] == kind], kind, highlight, where))
    if labels:
        traces.extend(moved_name_traces(now, highlight, where))
    return traces


def animated_map(
    df_tokens: pd.DataFrame,
    ref_xy,
    ref_words: Sequence[str] | None = None,
    *,
    title: str | None = None,
    trails: bool = True,
    trail_length: int | None = None,
    highlight: Iterable[str] | None = None,
    ref_colors: Sequence[str] | None = None,
    labels: bool = True,
    frame_duration: int = 300,
    margin: float = 0.05,
    height: int = 640,
    start: str = "last",
    max_frames: int | None = 60,
) -> go.Figure:
    """The animated map: fixed reference words, trainable tokens moving over the snapshots.

    Args:
        df_tokens: the table of ``project_trajectory`` (token, kind, snapshot, step, epoch,
            x, y, nearest, similarity).
        ref_xy: (n, 2) reference coordinates (``Projector.embedding_``); drawn once, never
            part of a frame, so they cannot move.
        ref_words: the n reference words (hover text).
        trails: draw each token's path up to the current frame (the last ``trail_length``
            steps when given); one line trace per kind, tokens separated by gaps.
        highlight: words or tokens to emphasise (reference words get labels, tokens a bigger
            outlined marker and the first claim on a label).
        labels: name the tokens on the map (``place_labels``): every ``<unk>``, special and
            promoted token, next to its dot or moved with a leader line, never over another
            name; other kinds where there is room next to the dot (hover names every point).
            Highlighted tokens first, then those that travelled furthest.
        ref_colors: optional colour per reference point (e.g. word groups).
        start: the snapshot shown before anything is played, "last" (where training took the
            tokens; zero-initialised tokens all sit on one point at the first snapshot) or
            "first". "Replay" always plays from the first snapshot.
        max_frames: a run with more snapshots is animated at this many evenly spaced ones
            (the first and the last always among them), trails included. Each frame repeats
            every trail up to it, so the figure grows with tokens x frames squared: 150 tokens
            x 120 frames is about 16 MB, x 60 frames about 4 MB. None keeps every snapshot.

    The figure has one frame per snapshot, a slider and play / pause buttons, and axis
    ranges fixed over all frames.
    """
    df, ref_xy = map_input(df_tokens, ref_xy, ref_words)
    snapshots = sorted(df["snapshot"].unique().tolist())
    if max_frames is not None and len(snapshots) > max_frames:
        if max_frames < 2:
            raise ValueError(f"max_frames must be at least 2 (first and last), got {max_frames}")
        keep = np.unique(np.linspace(0, len(snapshots) - 1, max_frames).round().astype(int))
        snapshots = [snapshots[i] for i in keep]
        df = df[df["snapshot"].isin(snapshots)]
    highlight = set(highlight or ())
    kinds = kinds_in(df)
    webgl = len(ref_xy) > WEBGL_THRESHOLD
    static = [reference_trace(ref_xy, ref_words, ref_colors, webgl)]
    if highlight & set(ref_words or ()):
        static.append(highlight_trace(ref_xy, ref_words, highlight))
    if start not in ("first", "last"):
        raise ValueError(f'start must be "first" or "last", got {start!r}')
    shown = 0 if start == "first" or not snapshots else len(snapshots) - 1
    xr, yr = fixed_ranges(ref_xy, df, margin)
    placing = (xr, yr, label_priority(df, highlight), plot_px(height)) if labels else None
    args = (kinds, highlight, placing, trails, trail_length)
    fig = go.Figure(data=static + _frame_traces(df, snapshots[shown] if snapshots else 0, *args))
    moving = list(range(len(static), len(fig.data)))
    meta = df.drop_duplicates("snapshot").set_index("snapshot")
    frames = []
    for s in snapshots:
        label = f"step {int(meta.loc[s, 'step'])} · epoch {float(meta.loc[s, 'epoch']):.2f}"
        label += not_trained_note(df[df["snapshot"] == s])
        traces = _frame_traces(df, s, *args)
        frames.append(go.Frame(data=traces, traces=moving, name=str(s), layout={"title": label}))
    fig.frames = frames
    fig.update_layout(
        title=title,
        height=height,
        xaxis={"range": xr, "autorange": False, "zeroline": False, "showgrid": False},
        yaxis={"range": yr, "autorange": False, "zeroline": False, "showgrid": False},
        legend=TOP_LEGEND,
        plot_bgcolor="white",
        updatemenus=[_play_pause(frame_duration)],
        sliders=[_slider(snapshots, meta, frame_duration, active=shown)],
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
        meta=token_meta(df),
    )
    return fig


def _play_pause(duration: int) -> dict:
    # redraw=True: WebGL reference traces are only repainted on full redraws.
    play = {"frame": {"duration": duration, "redraw": True}, "fromcurrent": True}
    play["transition"] = {"duration": 0}
    replay = {**play, "fromcurrent": False}
    pause = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    pause["transition"] = {"duration": 0}
    return {
        "type": "buttons",
        "direction": "left",
        "x": 0.0,
        "y": -0.07,
        "xanchor": "left",
        "yanchor": "top",
        "showactive": False,
        "buttons": [
            {"label": "⟲ Replay", "method": "animate", "args": [None, replay]},
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "⏸ Pause", "method": "animate", "args": [[None], pause]},
        ],
    }


def _slider(snapshots, meta: pd.DataFrame, duration: int, active: int = 0) -> dict:
    go_to = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate"}
    go_to["transition"] = {"duration": 0}
    return {
        "active": active,
        "x": 0.22,
        "len": 0.78,
        "y": -0.07,
        "yanchor": "top",
        # Named at the right end: on a narrow map the play buttons cover the left end.
        "currentvalue": {"prefix": "step ", "xanchor": "right"},
        "steps": [
            {"label": str(int(meta.loc[s, "step"])), "method": "animate", "args": [[str(s)], go_to]}
            for s in snapshots
        ],
    }


def show_frame(figure, index: int = 0) -> dict:
    """The plain-dict spec of an animated map as it looks at frame ``index``.

    The moving traces (tokens, trails) are those of that frame, the slider points at it and
    the title is the frame's: a standalone page opened on the first frame shows no trails yet,
    and ▶ Play grows them from there. Everything else (reference words, region labels,
    highlights, every frame) is kept as it is, so the page tells the story the app tells.
    Accepts a ``go.Figure`` or its ``to_dict()``; a figure without frames comes back unchanged.
    """
    spec = figure.to_dict() if hasattr(figure, "to_dict") else dict(figure)
    frames = spec.get("frames") or []
    if not frames:
        return spec
    if not -len(frames) <= index < len(frames):
        raise ValueError(f"index must be in [-{len(frames)}, {len(frames) - 1}], got {index}")
    index %= len(frames)
    frame = frames[index]
    data = list(spec["data"])
    for trace, i in zip(frame["data"], frame.get("traces", range(len(data))), strict=True):
        data[i] = trace
    layout = dict(spec.get("layout", {}))
    if frame.get("layout", {}).get("title") is not None:
        layout["title"] = frame["layout"]["title"]
    if layout.get("sliders"):
        layout["sliders"] = [{**layout["sliders"][0], "active": index}, *layout["sliders"][1:]]
    return {**spec, "data": data, "layout": layout}
