"""Views that survive a reload: view settings in the URL, the run's result in a server store.

The page is the URL's path (Streamlit's navigation); the view settings are query parameters
(``?method=t-SNE&focus=<smile>&axis_pos=good+great``), written on every run and read back when
a session starts, so a link opens the same view. A browser reload starts a new session, which
would lose the trained result: the result is kept in a small server-side store keyed by a
random id in the URL (``run=...``), bounded in size and expiring, and taken back on reload.
"""

from __future__ import annotations

import secrets
from typing import Any

import streamlit as st

from pe_core.cache import MemoryLRU

#: Query parameter -> (session key, parser). Values that fail to parse are ignored.
VIEW_PARAMS: dict[str, tuple[str, Any]] = {
    "method": ("opt_method", str),
    "focus": ("explore_focus", str),
    "search": ("explore_search", str),
    "trails": ("opt_trails", lambda v: v == "1"),
    "regions": ("explore_regions", lambda v: v == "1"),
    "axis_pos": ("axis_pos", str),
    "axis_neg": ("axis_neg", str),
}
#: What a stored run brings back: the result and what the pages need to show it.
STORED_KEYS = (
    "result",
    "run_vectors",
    "run_texts",  # Influence measures on the texts the run's validation indices point into
    "comparison",
    "_run_labels",
    "_setup_of_result",
    "_setup_of_comparison",
    "vectors",
    "vectors_desc",
    "dataset",
    "dataset_desc",
    "data_version",
)
STORE_SIZE = 8  # runs kept; the oldest goes first
STORE_SECONDS = 3600.0  # a run not opened for this long is forgotten


class RunStore(MemoryLRU):
    """A bounded, expiring, thread-safe map: run id -> the session values of that run.

    ``pe_core.cache.MemoryLRU``: at most ``size`` runs (the least recently opened goes first),
    each forgotten ``seconds`` after it was last opened.
    """

    def __init__(self, size: int = STORE_SIZE, seconds: float = STORE_SECONDS) -> None:
        super().__init__(size, max_age=seconds)


STORE = RunStore()


def restore() -> None:
    """At a session's first run: view settings from the URL, the run from the store."""
    s = st.session_state
    if s.get("_url_restored"):
        return
    s._url_restored = True
    params = st.query_params
    for name, (key, parse) in VIEW_PARAMS.items():
        if name in params:
            try:
                s[key] = parse(params[name])
            except (TypeError, ValueError):
                pass
    run_id = params.get("run")
    if run_id:
        values = STORE.get(run_id)
        if values is None:
            s._run_lost = True
        else:
            for key, value in values.items():
                s[key] = value
            s._run_id, s._run_for = run_id, values.get("result")


def publish() -> None:
    """Write the current view into the URL and keep the session's result in the store."""
    s = st.session_state
    wanted: dict[str, str] = {}
    for name, (key, _) in VIEW_PARAMS.items():
        value = s.get(key)
        if value is None or value == "" or value == "(none)":
            continue
        wanted[name] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    result = s.get("result")
    if result is not None:
        if s.get("_run_for") is not result:  # a new result: a new id
            s._run_id, s._run_for = secrets.token_urlsafe(9), result
        STORE.put(s._run_id, {k: s.get(k) for k in STORED_KEYS if k in s})
        wanted["run"] = s._run_id
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def notice() -> str:
    """A line for the sidebar: how long the run survives a reload, or that it was lost."""
    s = st.session_state
    if s.pop("_run_lost", False):
        return (
            "The run of this link is no longer on the server (it expired or the server "
            "restarted): train again."
        )
    if s.get("result") is not None:
        return (
            f"Kept for a reload or a shared link for {STORE_SECONDS / 60:.0f} min after its "
            f"last use, {STORE_SIZE} runs per server; a server restart loses it."
        )
    return ""


def keep_valid(key: str, options, default) -> None:
    """Reset a choice that came from a link (or an older run) and is not an option now."""
    s = st.session_state
    if key in s and s[key] not in list(options):
        s[key] = default
