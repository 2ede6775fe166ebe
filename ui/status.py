"""The progress lines of background jobs, as the pages and the sidebar show them.

The Train page and the sidebar read one ``run_progress_text`` of one ``progress()``, so the
two never disagree; Compare and Sweep share ``starting_text``, ``QUEUED_TEXT`` and
``sidebar_line``.
"""

from __future__ import annotations

import streamlit as st

#: A Compare or Sweep job waiting for the training slot.
QUEUED_TEXT = "Queued: waiting for the training slot (another run is training)."


def eta_text(seconds) -> str:
    """ "1 min 05 s", "12 s", or "estimating…" while unknown (None)."""
    if seconds is None:
        return "estimating…"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def starting_text(phase: str) -> str:
    """The progress line of a job before its first batch: "Starting · <phase>…"."""
    if phase == "loading TensorFlow":
        phase += " (the first run of the server only)"
    return f"Starting · {phase}…" if phase else "Starting…"


def run_progress_text(p: dict) -> str:
    """The Train page's line for a run's ``progress()``: queued, starting, training or ended."""
    st_ = p["state"]
    if st_ == "queued":
        pos = p.get("queue_position")
        return f"Queued: position {pos} — other sessions are training" if pos else "Queued"
    if st_ in ("created",):
        return starting_text("")
    if st_ == "running" and not p["total_steps"]:
        return starting_text(p.get("phase") or "preparing the data and the model")
    epoch = f"epoch {max(p['epoch'], 1)}/{p['epochs']}"
    steps = f"step {p['step']}/{p['total_steps']}" if p["total_steps"] else "preparing the data"
    if st_ == "running":
        return f"Training · {epoch} · {steps} · ETA {eta_text(p['eta_seconds'])}"
    return f"{st_.capitalize()} · {epoch} · {steps} · {p['elapsed']:.0f} s"


def started_text(p: dict) -> str:
    """ " (started 10:42:05)": when the run got its slot, in the server's local time."""
    import time

    started = p.get("started_at")
    return f" (started {time.strftime('%H:%M:%S', time.localtime(started))})" if started else ""


def run_status_text() -> str:
    """One line for the sidebar: the run's state from the same ``progress()`` the Train page
    shows ("Training", "Queued: position 2 …", "done").

    Without the epoch: the sidebar's fragment polls on its own beat, up to a second apart from
    the page's, and a demo run trains several epochs a second, so the sidebar said "epoch 1/8"
    beside the page's "epoch 3/8". The page carries the details.
    """
    run = st.session_state.get("run")
    if run is None:  # a result without its run came back from the store after a reload
        return "done" if st.session_state.get("result") is not None else "not started"
    p = run.progress()
    if p["state"] in ("done", "stopped", "failed"):
        return p["state"]
    return run_progress_text(p).split(" · ")[0].replace(" — other sessions are training", "")


def sidebar_line(key: str, fraction: str) -> str:
    """The sidebar's line for the session's job under ``key`` ("running 40%", "done",
    "stopped", "failed"), its share done read from progress field ``fraction``; "" when no
    such job was started."""
    job = st.session_state.get(key)
    if job is None:
        return ""
    if not job.done:
        return f"running {float(job.progress().get(fraction) or 0.0):.0%}"
    if job.error:
        return "failed"
    return "stopped" if job.stopped else "done"
