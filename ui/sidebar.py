"""The sidebar shown on every page: current vectors, dataset, trainable set and run state."""

from __future__ import annotations

import streamlit as st

from ui import compare as compare_ui
from ui import downloads, mapjobs, state, status, training, urlstate
from ui import sweep as sweep_ui
from ui.errors import shown_errors


def _run_line(active: bool) -> None:
    """The run state, redrawn every second while a run is queued or training (a fragment), so
    it never lags the Train page, which polls the same run at the same rate."""

    @st.fragment(run_every=1.0 if active else None)
    def line() -> None:
        st.markdown(f"**Run** · {status.run_status_text()}")

    line()


def _map_line() -> None:
    """t-SNE / UMAP maps fitting in the background, polled while one runs."""
    running = bool(mapjobs.sidebar_text())

    @st.fragment(run_every=mapjobs.POLL_SECONDS if running else None)
    def line() -> None:
        text = mapjobs.sidebar_text()
        if text:
            st.markdown(f"**Map** · computing {text}")

    line()


def render() -> None:
    """Draw the current setup; never raises (a broken setup shows as an error line)."""
    s = st.session_state
    downloads.collect()  # a GloVe download that finished meanwhile becomes the current vectors
    with st.sidebar:
        st.markdown("### Current setup")
        vectors, dataset = s.vectors, s.dataset
        st.markdown(f"**Vectors** · {s.vectors_desc}  \n{len(vectors):,} words × {vectors.dim} d")
        st.markdown(
            f"**Dataset** · {s.dataset_desc}  \n{len(dataset):,} texts · "
            f"{len(dataset.label_names)} classes"
        )
        with shown_errors("Building the vocabulary"):
            vocab = state.current_vocabulary()
            c1, c2 = st.columns(2)
            c1.metric("k trainable", vocab.num_trainable)
            c2.metric("d", vocab.dim)
        _run_line(training.is_running(s.get("run")))
        kept = urlstate.notice()
        if kept:
            st.caption(kept)
        _map_line()
        compare = compare_ui.status_text()
        if compare:
            st.markdown(f"**Comparison** · {compare}")
        sweep = sweep_ui.sidebar_status()
        if sweep:
            st.markdown(f"**Sweep** · {sweep}")
        download = downloads.status_text()
        if download:
            st.markdown(f"**Download** · {download}")
