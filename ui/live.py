"""What the Train page draws of the session's run while it trains: progress, live map, curves.

The live map places only the snapshots taken since the last poll; earlier ones are kept in the
session, so a poll costs the new snapshots, not the whole run. Until the run's first map with a
token is drawn the page polls every :data:`FIRST_MAP_POLL_SECONDS` (the first moving map shows
within a quarter of a second of its snapshot), then every :data:`POLL_SECONDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import streamlit as st

from ui import status, warmup
from ui.wording import say

#: Seconds between the Train page's polls of a running run once its first token is on the map.
POLL_SECONDS = 1.0
#: Seconds between polls until then: each costs little (no token placed yet, the map is the
#: memoised preview), and the first moving map is what a user waits for after the click.
FIRST_MAP_POLL_SECONDS = 0.25


@dataclass
class LiveView:
    """What the Train page draws for the current run."""

    state: str
    fraction: float
    text: str
    finished: bool = False
    failed: bool = False
    message: str = ""
    text_done: str = ""
    notices: list[str] = field(default_factory=list)
    map_figure: Any = None
    curves_figure: Any = None


def poll_seconds(running: bool, preview_pending: bool) -> float | None:
    """The Train page's fragment interval: fast until the run's first token map is drawn,
    then :data:`POLL_SECONDS`; None (no polling) when nothing runs and no preview is due."""
    if running and not st.session_state.get("_token_map_shown"):
        return FIRST_MAP_POLL_SECONDS
    return POLL_SECONDS if running or preview_pending else None


def polling_too_fast(interval: float | None) -> bool:
    """True when the page polls at the first-map rate although that map has been drawn: one
    full rerun then sets the slower interval (a fragment cannot change its own)."""
    return interval == FIRST_MAP_POLL_SECONDS and bool(st.session_state.get("_token_map_shown"))


def live_view() -> LiveView | None:
    """Progress, map and curves of the session's run; None when nothing was started."""
    s = st.session_state
    run = s.get("run")
    if run is None:
        return None
    from pe_core import plots
    from pe_core.plots import default_kinds

    p = run.progress()
    view = LiveView(
        state=p["state"],
        fraction=float(min(max(p["fraction"], 0.0), 1.0)),
        text=status.run_progress_text(p),
        notices=[say(n) for n in p["notices"]],  # in the labels of the Data page
    )
    view.finished = p["state"] in ("done", "stopped", "failed")
    view.failed = p["state"] == "failed"
    view.message = p.get("error") or ""
    if view.finished:
        # No UMAP map exists before a run: compile numba now, while the user reads the result.
        warmup.warm_numba_soon()
    if view.finished and not view.failed and run.result is not None:
        s.result = run.result
        view.fraction = 1.0 if p["state"] == "done" else view.fraction
        val = run.result.history.get("val_accuracy") or [float("nan")]
        view.text_done = (
            f"Training {p['state']} in {run.result.seconds:.0f} s{status.started_text(p)} · "
            f"validation accuracy {val[-1]:.1%} · explore the map on the Explore page."
        )
    frame, snaps = _live_frame(run)
    if frame is not None:
        shown = default_kinds(snaps["token_kinds"])
        hidden = frame.kind.nunique() - len(shown)
        frame = frame[frame.kind.isin(shown)]
    # No token has a direction yet (zero-initialised rows before the first steps): there is
    # no token to draw, so the page shows the fixed map alone (the memoised preview).
    if frame is not None and frame.placed.any():
        s._token_map_shown = True
        proj = s.live_projector
        view.map_figure = plots.paths_figure(
            frame,
            proj.embedding_,
            proj.words_,
            title=f"PCA map · snapshot {len(frame.snapshot.unique()) - 1}"
            + (" · OOV words hidden (switch them on in Explore)" if hidden else ""),
            height=560,
        )
    if any(p["history"].values()):
        view.curves_figure = _curves_figure(p["history"])
    return view


def _curves_figure(history: dict):
    """The per-epoch curves, built once per finished epoch: the page polls several times a
    second at first, and rebuilding these subplots on every poll cost more than the map."""
    from pe_core import plots

    s = st.session_state
    epochs = len(history.get("loss") or ())
    memo = s.get("_curves_memo")
    if memo is None or memo[0] != epochs:
        memo = (epochs, plots.curves_figure(history, title="Per epoch"))
        s._curves_memo = memo
    return memo[1]


def _live_frame(run):
    """The live map's frame: only the snapshots taken since the last poll are copied and
    placed; earlier ones come from the session (dropped when the run thins its snapshots)."""
    import pandas as pd

    from pe_core.projection import project_trajectory

    s = st.session_state
    cache = s.get("_live_frames")
    if cache is None or cache["run"] != id(run):
        cache = {"run": id(run), "by_step": {}, "last": None}
    snaps = run.snapshots(after_step=cache["last"])
    if len(snaps["trajectory"]):
        stored = snaps.get("neighbours") is not None
        vectors = s.get("run_vectors") if stored else None  # nearest word: read, not searched
        new = project_trajectory(SimpleNamespace(**snaps), s.live_projector, vectors)
        cache["by_step"].update(dict(tuple(new.groupby("step", sort=False))))
        cache["last"] = int(snaps["steps"][-1])
    steps = [int(step) for step in snaps["all_steps"] if int(step) in cache["by_step"]]
    cache["by_step"] = {step: cache["by_step"][step] for step in steps}
    s._live_frames = cache
    if not steps:
        return None, snaps
    frame = pd.concat([cache["by_step"][step] for step in steps], ignore_index=True)
    frame["snapshot"] = frame["step"].map({step: i for i, step in enumerate(steps)})
    return frame, snaps
