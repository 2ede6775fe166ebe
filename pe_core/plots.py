"""Plotly figures for PE Lab: pure functions of data, no state, no UI.

Token-kind colours are defined once here (``KIND_COLORS``) and used by every figure, so a
special token is the same colour on the map, in the paths and in the drift charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

KIND_COLORS: dict[str, str] = {
    "reference": "#c3c7ce",
    "unk": "#e45756",
    "special": "#4c78a8",
    "oov": "#f58518",
    "promoted": "#54a24b",
}
TOKEN_KINDS = ("unk", "special", "oov", "promoted")
MAP_COLUMNS = ("token", "kind", "snapshot", "step", "epoch", "x", "y", "nearest", "similarity")
#: With more trainable tokens than this, maps draw only the special kinds by default (a cloud of
#: hundreds of OOV words hides what the specials do); the other kinds can be switched on.
MANY_TOKENS = 40
# Above this many reference points the reference is drawn with WebGL (scattergl).
WEBGL_THRESHOLD = 1000
_DIGITS = 4  # arrow annotations are rounded in the figure JSON (keeps downloads small)


def default_kinds(token_kinds: Sequence[str], many: int = MANY_TOKENS) -> list[str]:
    """The token kinds a map draws by default: all of them, or with more than ``many`` tokens
    only ``<unk>``, the specials and promoted words (the OOV words are left to switch on)."""
    present = [k for k in TOKEN_KINDS if k in set(token_kinds)]
    if len(token_kinds) <= many:
        return present
    return [k for k in present if k != "oov"] or present


def _check_map_frame(df: pd.DataFrame) -> None:
    missing = [c for c in MAP_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"token table lacks column(s) {missing}; expected {list(MAP_COLUMNS)}")
    unknown = sorted(set(df["kind"]) - set(TOKEN_KINDS))
    if unknown:
        raise ValueError(f"unknown token kind(s) {unknown}; allowed: {', '.join(TOKEN_KINDS)}")


def _check_reference(ref_xy, ref_words) -> np.ndarray:
    xy = np.zeros((0, 2)) if ref_xy is None else np.asarray(ref_xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"ref_xy must be (n, 2); got shape {xy.shape}")
    if ref_words is not None and len(ref_words) != len(xy):
        raise ValueError(f"ref_words has {len(ref_words)} entries but ref_xy has {len(xy)} rows")
    return xy


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


def _r(values) -> np.ndarray:
    # float32 numpy arrays: plotly validates them without a Python loop and sends them to the
    # browser as base64 typed arrays (4 bytes a number instead of ~10 characters of JSON).
    return np.asarray(values, dtype=np.float32)


def _reference_trace(ref_xy, ref_words, ref_colors, webgl: bool):
    scatter = go.Scattergl if webgl else go.Scatter
    color = KIND_COLORS["reference"] if ref_colors is None else list(ref_colors)
    if ref_colors is not None and len(color) != len(ref_xy):
        raise ValueError(f"ref_colors has {len(color)} entries but ref_xy has {len(ref_xy)} rows")
    return scatter(
        x=_r(ref_xy[:, 0]),
        y=_r(ref_xy[:, 1]),
        mode="markers",
        name="reference words",
        marker={"size": 4, "color": color, "opacity": 0.55},
        text=list(ref_words) if ref_words is not None else None,
        hovertemplate="%{text}<extra>reference</extra>" if ref_words is not None else None,
        hoverinfo=None if ref_words is not None else "skip",
        legendgroup="reference",
    )


def _highlight_trace(ref_xy, ref_words, highlight: set[str]):
    rows = [i for i, w in enumerate(ref_words or []) if w in highlight]
    return go.Scatter(
        x=_r(ref_xy[rows, 0]),
        y=_r(ref_xy[rows, 1]),
        mode="markers+text",
        name="highlighted words",
        text=[ref_words[i] for i in rows],
        textposition="top center",
        marker={"size": 9, "color": "#333333", "symbol": "diamond"},
        hovertemplate="%{text}<extra>reference</extra>",
    )


def _hover_data(rows: pd.DataFrame) -> list[list]:
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


_TOKEN_HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>step %{customdata[2]}, "
    "epoch %{customdata[3]:.2f}<br>true nearest words: %{customdata[4]}"
    "<br>true top-10 words drawn around it: %{customdata[5]}<extra></extra>"
)


def _not_trained(rows: pd.DataFrame) -> list[str]:
    """Tokens of ``rows`` (one frame) with no direction yet: drawn nowhere on the map."""
    gone = ~np.isfinite(rows[["x", "y"]].to_numpy(dtype=float)).all(axis=1)
    return sorted(set(rows.loc[gone, "token"]))


def _token_meta(df: pd.DataFrame) -> dict:
    """``layout.meta`` of a map: every token it shows, drawn or "not trained yet" (the title
    names only a few of the latter), for scripts and tests reading the rendered figure."""
    return {"tokens": sorted(set(df["token"])) if len(df) else []}


def _not_trained_note(rows: pd.DataFrame) -> str:
    names = _not_trained(rows)
    if not names:
        return ""
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return f" · not trained yet (not drawn): {shown}"


# Label and marker sizes as fractions of the plot area, for a map about 700 x 560 px with 12 px
# text and 12 px markers.
_CHAR_W, _LABEL_H = 0.011, 0.025
_MARKER_W, _MARKER_H = 0.018, 0.022


def _label_width(text: str) -> float:
    # Characters outside the BMP (emoji) draw about twice as wide as a letter.
    return _CHAR_W * sum(2 if ord(c) > 0xFFFF else 1 for c in text) + 0.01


def _label_boxes(x: float, y: float, w: float):
    """Candidate (textposition, box) pairs for a label of width ``w`` at point (x, y)."""
    gap_x, gap_y = _MARKER_W / 2 + 0.004, _MARKER_H / 2 + 0.002
    if x < w / 2:
        horizontal, x0 = "right", x - _MARKER_W / 2
    elif x > 1 - w / 2:
        horizontal, x0 = "left", x + _MARKER_W / 2 - w
    else:
        horizontal, x0 = "center", x - w / 2
    above = (f"top {horizontal}", (x0, y + gap_y, x0 + w, y + gap_y + _LABEL_H))
    below = (f"bottom {horizontal}", (x0, y - gap_y - _LABEL_H, x0 + w, y - gap_y))
    mid = (y - _LABEL_H / 2, y + _LABEL_H / 2)
    right = ("middle right", (x + gap_x, mid[0], x + gap_x + w, mid[1]))
    left = ("middle left", (x - gap_x - w, mid[0], x - gap_x, mid[1]))
    order = [below, above] if y + gap_y + _LABEL_H > 1 else [above, below]
    order += [left, right] if x + gap_x + w > 1 else [right, left]
    return order


def _overlaps(box, others) -> bool:
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in others)


_NOBODY = object()  # the owner of no box: every stored box counts


class _BoxGrid:
    """Boxes bucketed by grid cell, so an overlap test looks only at the boxes nearby.

    Coincident markers (all tokens at the origin before training) share one entry with their
    count, so a test costs O(cells covered) and placing k labels O(k) on average.
    """

    def __init__(self, cell_w: float, cell_h: float) -> None:
        self.cw, self.ch = cell_w, cell_h
        self.cells: dict[tuple[int, int], dict] = {}

    def _span(self, box):
        i0, i1 = int(np.floor(box[0] / self.cw)), int(np.floor(box[2] / self.cw))
        j0, j1 = int(np.floor(box[1] / self.ch)), int(np.floor(box[3] / self.ch))
        return ((i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1))

    def add(self, box, owner=None) -> None:
        for cell in self._span(box):
            entry = self.cells.setdefault(cell, {}).setdefault(box, set())
            entry.add(owner)

    def hits(self, box, owner: object = _NOBODY) -> bool:
        """True if ``box`` overlaps a stored box not owned only by ``owner``."""
        for cell in self._span(box):
            for other, owners in self.cells.get(cell, {}).items():
                if owners != {owner} and _overlaps(box, (other,)):
                    return True
        return False


def place_labels(rows: pd.DataFrame, xr, yr, priority: Sequence[str]) -> dict[str, str | None]:
    """Where to put each token's text label on one frame, or None where there is no room.

    Greedy, in ``priority`` order (tokens not in it last): a label goes above its point, else
    below, right or left (turned inwards at the plot's edges), at the first place where it
    covers neither a label already placed nor another token's marker. ``xr`` / ``yr`` are the
    fixed axis ranges; boxes are compared in fractions of them, through a grid of cells, so a
    frame of k tokens costs O(k) on average (not O(k^2)).
    """
    xs = (rows["x"].to_numpy(dtype=float) - xr[0]) / (xr[1] - xr[0])
    ys = (rows["y"].to_numpy(dtype=float) - yr[0]) / (yr[1] - yr[0])
    at = {t: (x, y) for t, x, y in zip(rows["token"], xs, ys, strict=True)}
    at = {t: p for t, p in at.items() if np.isfinite(p).all()}
    markers = _BoxGrid(_MARKER_W, _MARKER_H)
    for t, (x, y) in at.items():
        box = (x - _MARKER_W / 2, y - _MARKER_H / 2, x + _MARKER_W / 2, y + _MARKER_H / 2)
        markers.add((round(box[0], 9), round(box[1], 9), round(box[2], 9), round(box[3], 9)), t)
    labels = _BoxGrid(4 * _MARKER_W, _LABEL_H)
    out: dict[str, str | None] = dict.fromkeys(rows["token"])
    known = set(priority)
    for token in [t for t in priority if t in at] + [t for t in at if t not in known]:
        for position, box in _label_boxes(*at[token], _label_width(token)):
            if not labels.hits(box) and not markers.hits(box, token):
                labels.add(box)
                out[token] = position
                break
    return out


def text_label_boxes(traces, xr, yr) -> list[tuple[float, float, float, float]]:
    """The boxes (plot fractions) of the token names that ``traces`` draw as text.

    The inverse of :func:`place_labels` for drawn traces: each label's box from its point and
    its ``textposition``, so labels added later (region names) can keep clear of them.
    """
    boxes = []
    for trace in traces:
        if "text" not in (getattr(trace, "mode", None) or "") or trace.text is None:
            continue
        pos = trace.textposition
        positions = [pos] * len(trace.text) if isinstance(pos, str) or pos is None else pos
        for x, y, text, where in zip(trace.x, trace.y, trace.text, positions, strict=False):
            if not text or x is None or y is None:
                continue
            plain = text.replace("<b>", "").replace("</b>", "")
            fx, fy = (x - xr[0]) / (xr[1] - xr[0]), (y - yr[0]) / (yr[1] - yr[0])
            for position, box in _label_boxes(fx, fy, _label_width(plain)):
                if position == where:
                    pad = 0.1 * (box[2] - box[0]) if plain != text else 0.0  # bold is wider
                    boxes.append((box[0] - pad, box[1], box[2] + pad, box[3]))
                    break
    return boxes


def _token_trace(
    rows: pd.DataFrame, kind: str, highlight: set[str], where: dict[str, str | None] | None
):
    """One kind's tokens on one frame; ``where`` gives each label's position (None: no label)."""
    big = [t in highlight for t in rows["token"]]
    where = where or {}
    shown = [where.get(t) is not None for t in rows["token"]]
    return go.Scatter(
        x=_r(rows["x"]),
        y=_r(rows["y"]),
        mode="markers+text" if any(shown) else "markers",
        name=kind,
        legendgroup=kind,
        text=[
            (f"<b>{t}</b>" if b else t) if s else ""
            for t, b, s in zip(rows["token"], big, shown, strict=True)
        ],
        textposition=[where.get(t) or "top center" for t in rows["token"]],
        textfont={"color": KIND_COLORS[kind]},
        marker={
            "size": [18 if b else 12 for b in big],
            "color": KIND_COLORS[kind],
            "line": {"width": [2.5 if b else 1 for b in big], "color": "#222222"},
        },
        customdata=_hover_data(rows),
        hovertemplate=_TOKEN_HOVER,
    )


def _trail_xy(paths: pd.DataFrame, upto: int, trail_length: int | None):
    """All tokens' paths up to snapshot ``upto`` as one polyline, a NaN gap after each token."""
    path = paths[paths["snapshot"] <= upto].sort_values(["token", "snapshot"], kind="stable")
    if trail_length is not None:
        path = path.groupby("token", sort=False).tail(trail_length + 1)
    tokens = path["token"].to_numpy()
    ends = np.flatnonzero(tokens[1:] != tokens[:-1]) + 1
    xy = np.insert(_r(path[["x", "y"]]), np.r_[ends, len(tokens)], np.nan, axis=0)
    return xy[:, 0], xy[:, 1]


def _trail_trace(xs, ys, kind: str):
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


# A horizontal legend above the plot, right-aligned: the map keeps the full width.
_TOP_LEGEND = {
    "orientation": "h",
    "x": 1.0,
    "xanchor": "right",
    "y": 1.0,
    "yanchor": "bottom",
    "itemsizing": "constant",
}


def _kinds_in(df: pd.DataFrame) -> list[str]:
    present = set(df["kind"])
    return [k for k in TOKEN_KINDS if k in present]


def _label_priority(df: pd.DataFrame, highlight: set[str]) -> list[str]:
    """Highlighted tokens first, then the tokens that travelled furthest over the run."""
    ends = df.groupby("token", sort=True)[["x", "y"]].agg(["first", "last"])
    travel = np.hypot(
        ends["x"]["last"] - ends["x"]["first"], ends["y"]["last"] - ends["y"]["first"]
    )
    order = travel.fillna(0).sort_values(ascending=False, kind="stable").index.tolist()
    return [t for t in order if t in highlight] + [t for t in order if t not in highlight]


def _frame_traces(df, snapshot, kinds, highlight, labels, trails, trail_length):
    """The moving traces of one frame; ``labels`` is None or (xr, yr, label priority)."""
    now = df[df["snapshot"] == snapshot]
    where = place_labels(now, *labels) if labels else None
    traces = []
    for kind in kinds:
        mine = df[df["kind"] == kind]
        if trails:
            traces.append(_trail_trace(*_trail_xy(mine, snapshot, trail_length), kind))
        traces.append(_token_trace(now[now["kind"] == kind], kind, highlight, where))
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
        labels: name the tokens on the map. A label that would overlap one already placed is
            left out (``place_labels``; hover still names every point): highlighted tokens
            first, then those that travelled furthest.
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
    _check_map_frame(df_tokens)
    ref_xy = _check_reference(ref_xy, ref_words)
    df = df_tokens.sort_values(["snapshot", "token"], kind="stable")
    snapshots = sorted(df["snapshot"].unique().tolist())
    if max_frames is not None and len(snapshots) > max_frames:
        if max_frames < 2:
            raise ValueError(f"max_frames must be at least 2 (first and last), got {max_frames}")
        keep = np.unique(np.linspace(0, len(snapshots) - 1, max_frames).round().astype(int))
        snapshots = [snapshots[i] for i in keep]
        df = df[df["snapshot"].isin(snapshots)]
    highlight = set(highlight or ())
    kinds = _kinds_in(df)
    webgl = len(ref_xy) > WEBGL_THRESHOLD
    static = [_reference_trace(ref_xy, ref_words, ref_colors, webgl)]
    if highlight & set(ref_words or ()):
        static.append(_highlight_trace(ref_xy, ref_words, highlight))
    if start not in ("first", "last"):
        raise ValueError(f'start must be "first" or "last", got {start!r}')
    shown = 0 if start == "first" or not snapshots else len(snapshots) - 1
    xr, yr = fixed_ranges(ref_xy, df, margin)
    placing = (xr, yr, _label_priority(df, highlight)) if labels else None
    args = (kinds, highlight, placing, trails, trail_length)
    fig = go.Figure(data=static + _frame_traces(df, snapshots[shown] if snapshots else 0, *args))
    moving = list(range(len(static), len(fig.data)))
    meta = df.drop_duplicates("snapshot").set_index("snapshot")
    frames = []
    for s in snapshots:
        label = f"step {int(meta.loc[s, 'step'])} · epoch {float(meta.loc[s, 'epoch']):.2f}"
        label += _not_trained_note(df[df["snapshot"] == s])
        traces = _frame_traces(df, s, *args)
        frames.append(go.Frame(data=traces, traces=moving, name=str(s), layout={"title": label}))
    fig.frames = frames
    fig.update_layout(
        title=title,
        height=height,
        xaxis={"range": xr, "autorange": False, "zeroline": False, "showgrid": False},
        yaxis={"range": yr, "autorange": False, "zeroline": False, "showgrid": False},
        legend=_TOP_LEGEND,
        plot_bgcolor="white",
        updatemenus=[_play_pause(frame_duration)],
        sliders=[_slider(snapshots, meta, frame_duration, active=shown)],
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
        meta=_token_meta(df),
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
    _check_map_frame(df_tokens)
    ref_xy = _check_reference(ref_xy, ref_words)
    df = df_tokens.sort_values(["snapshot", "token"], kind="stable")
    highlight = set(highlight or ())
    last = df["snapshot"].max() if len(df) else 0
    fig = go.Figure()
    if len(ref_xy):
        fig.add_trace(_reference_trace(ref_xy, ref_words, None, len(ref_xy) > WEBGL_THRESHOLD))
    annotations = []
    note = _not_trained_note(df[df["snapshot"] == last]) if len(df) else ""
    title = f"{title or ''}{note}" if note else title
    xr, yr = fixed_ranges(ref_xy, df, margin)
    where = place_labels(df[df["snapshot"] == last], xr, yr, _label_priority(df, highlight))
    for kind in _kinds_in(df):
        mine = df[df["kind"] == kind]
        fig.add_trace(_trail_trace(*_trail_xy(mine, last, None), kind))
        # A path starts where the token first has a direction; never-trained tokens have none.
        mine = mine[np.isfinite(mine[["x", "y"]].to_numpy(dtype=float)).all(axis=1)]
        if mine.empty:
            continue
        starts = mine.groupby("token", sort=False).head(1)
        ends = mine.groupby("token", sort=False).tail(1)
        fig.add_trace(
            go.Scatter(
                x=_r(starts["x"]),
                y=_r(starts["y"]),
                mode="markers",
                marker={
                    "size": 9,
                    "color": "white",
                    "line": {"color": KIND_COLORS[kind], "width": 2},
                },
                legendgroup=kind,
                showlegend=False,
                name=f"{kind} start",
                customdata=_hover_data(starts),
                hovertemplate=_TOKEN_HOVER,
            )
        )
        fig.add_trace(_token_trace(ends, kind, highlight, where))
        for (_, a), (_, b) in zip(starts.iterrows(), ends.iterrows(), strict=True):
            annotations.append(_arrow(a, b, KIND_COLORS[kind]))
    fig.update_layout(
        title=title,
        height=height,
        annotations=annotations,
        xaxis={"range": xr, "zeroline": False, "showgrid": False},
        yaxis={"range": yr, "zeroline": False, "showgrid": False},
        legend=_TOP_LEGEND,
        plot_bgcolor="white",
        meta=_token_meta(df),
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
    fig.update_layout(
        title=title,
        height=380,
        margin={"l": 40, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "x": 0.0, "y": -0.22, "yanchor": "top"},
    )
    return fig


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
    fig.add_vline(x=0, line_color="#888", line_width=1)
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
    fig.add_hline(y=0, line_color="#888", line_width=1)
    fig.update_layout(
        height=360,
        margin={"l": 40, "r": 20, "t": 40, "b": 40},
        xaxis_title="epoch of the snapshot (rows from the snapshot, rest of the model final)",
        yaxis_title="mean change when removed",
        title="Influence over training",
    )
    return fig


ARM_COLORS = {
    "frozen": "#9d9da1",
    "dual": "#4c78a8",
    "full": "#e45756",
    "lora": "#b279a2",
    "dual+promoted": "#54a24b",
}
_SWEEP_PALETTE = ("#f58518", "#72b7b2", "#eeca3b", "#ff9da6", "#9d755d")


def sweep_figure(
    summary: pd.DataFrame, metric: str = "best_val_macro_f1", *, title: str | None = None
) -> go.Figure:
    """Two panels against training size (log x): ``metric`` and the train−val gap.

    ``summary`` is ``SweepResult.summary`` (``<m>_mean`` / ``<m>_std`` per arm and size); one
    line per arm, error bars = std over seeds.
    """
    label = {"best_val_macro_f1": "val macro-F1 (best epoch)",
             "best_val_accuracy": "val accuracy (best epoch)"}.get(metric, metric)  # fmt: skip
    fig = make_subplots(rows=1, cols=2, subplot_titles=(label, "train − val accuracy gap (end)"))
    extra = iter(_SWEEP_PALETTE * 4)
    for arm, rows in summary.groupby("arm", sort=False):
        rows = rows.sort_values("size")
        color = ARM_COLORS.get(arm) or next(extra)
        for col, m in ((1, metric), (2, "train_minus_val_gap")):
            fig.add_trace(
                go.Scatter(
                    x=rows["size"],
                    y=rows[f"{m}_mean"],
                    error_y={"type": "data", "array": rows[f"{m}_std"], "thickness": 1},
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
    fig.add_hline(y=0, line_color="#888", line_width=1, row=1, col=2)
    fig.update_layout(
        title=title,
        height=420,
        margin={"l": 50, "r": 20, "t": 70, "b": 50},
        legend={"orientation": "h", "x": 0.0, "y": -0.2, "yanchor": "top"},
    )
    return fig
