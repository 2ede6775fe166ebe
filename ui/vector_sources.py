"""The Data page's word-vector sources: the demo, an upload, a file in the data directory, or a
GloVe download in the background; each loads into the session and redraws the app.

Also the hint that suggests the GloVe Twitter rules for vectors made with them.
"""

from __future__ import annotations

import streamlit as st

from ui import assets, downloads, loaders, paths, rules_editor, state
from ui.errors import shown_errors

SOURCES = ["Embedded demo", "Upload a file", "File in the data directory", "Download GloVe"]
RELEASE_LABELS = {
    "6B": "6B (Wikipedia + Gigaword, 400k words)",
    "twitter.27B": "Twitter 27B (2B tweets, 1.2M words)",
}


def _use_twitter_preset() -> None:
    st.session_state.opt_rules_preset = "GloVe Twitter"
    rules_editor.reset_rules()


def twitter_preset_hint(vectors=None, release: str | None = None) -> None:
    """Suggest the GloVe Twitter rules when these vectors were made with them (once chosen)."""
    from pe_core.presets import suggested_preset

    wanted = suggested_preset(vectors, release)
    if wanted != "GloVe Twitter" or st.session_state.get("opt_rules_preset") == wanted:
        return
    st.info(
        "GloVe Twitter vectors were trained on tweets rewritten by its preprocessing (`<user>`, "
        "`<url>`, `<hashtag>`, `<smile>`, `<repeat>`, `<allcaps>`, ...). The **GloVe Twitter** "
        "rules preset writes your texts the same way, so these tokens meet their own vectors.",
        icon=":material/lightbulb:",
    )
    st.button(
        "Use the GloVe Twitter rules preset",
        key=f"use_twitter_preset_{'release' if release else 'vectors'}",
        on_click=_use_twitter_preset,
    )


def current(vectors, desc: str) -> None:
    """What the session's vectors are, and what loading them skipped or noted."""
    from pe_core.data_report import skipped_lines
    from pe_core.vectors import REASONS

    st.markdown(f"**Current:** {desc} — {len(vectors):,} words × {vectors.dim} d")
    skipped = skipped_lines(vectors.skipped, REASONS)
    if skipped:
        st.caption(skipped)
    for note in vectors.notes:  # zip member read, header mismatch, cache not written, ...
        st.caption(note)


def demo() -> None:
    """The embedded demo vectors, on a click."""
    st.caption("A small built-in vocabulary with clear word groups; loads instantly.")
    if st.button("Use the demo vectors"):
        state.set_vectors(assets.demo_vectors(), "Embedded demo")
        st.rerun()


def upload(limit: int | None, fix: bool) -> None:
    """An uploaded vectors file, streamed to disk and read with a progress bar."""
    up = st.file_uploader(
        "GloVe / word2vec / fastText text file",
        type=["txt", "vec", "gz", "zip"],
        key="vectors_upload",
    )
    if up is None or not st.button("Load the uploaded vectors", type="primary"):
        return
    with shown_errors(
        "Loading the vectors",
        "Upload a text file with one word and its numbers per line (GloVe or word2vec format).",
    ):
        bar = st.progress(0.0, text=f"Reading {up.name}…")
        try:
            vectors = loaders.vectors_from_upload(
                up.name,
                up,  # streamed to disk in chunks: never a second copy in memory
                limit,
                progress=lambda f: bar.progress(min(max(float(f), 0.0), 1.0)),
                fix_mojibake=fix,
            )
        finally:
            bar.empty()  # a refused file leaves no half-filled "Reading…" bar
        state.set_vectors(vectors, f"Upload: {up.name}")
        st.rerun()


def data_directory(limit: int | None, fix: bool) -> None:
    """A vectors file in the data directory, named by its path there."""
    root = paths.data_dir()
    names = loaders.vector_files(paths.list_data_files(root))
    st.caption(
        f"Data directory: `{root}` (set with the PE_LAB_DATA_DIR variable). Vector files "
        f"there: {', '.join(f'`{n}`' for n in names[:8]) or 'none yet'}."
    )
    typed = st.text_input(
        "Path inside the data directory",
        value=names[0] if names else "",
        key="vectors_path",
        placeholder="glove.6B.50d.txt",
    )
    if st.button("Load from the data directory", type="primary"):
        with shown_errors("Loading the vectors"):
            path = paths.resolve_in_data_dir(typed, root)
            with st.spinner(f"Reading {path.name}…"):
                vectors = assets.vectors_file(path, limit, fix)
            state.set_vectors(vectors, f"File: {path.name}")
            st.rerun()


def download(limit: int | None) -> None:
    """A GloVe release downloaded in the background, its progress polled below the button."""
    from pe_core.vectors import GLOVE_RELEASES

    c1, c2 = st.columns(2)
    name = c1.selectbox(
        "Release",
        list(GLOVE_RELEASES),
        format_func=RELEASE_LABELS.get,
        persist_state="session",
        key="glove_name",
    )
    dim = c2.selectbox(  # one key per release: their dimensions differ
        "Dimensions", GLOVE_RELEASES[name], persist_state="session", key=f"glove_dim_{name}"
    )
    st.caption(
        "Downloads from the Stanford NLP site into the cache (PE_LAB_CACHE) once, in the "
        "background: the app stays usable meanwhile."
    )
    twitter_preset_hint(release=name)
    job = st.session_state.get("download_job")
    busy = job is not None and not job.done
    if st.button("Download and load", type="primary", disabled=busy):
        downloads.start(name, int(dim), limit)
        st.rerun()
    st.fragment(run_every=1.0 if busy else None)(_download_status)(busy)


def _download_status(busy: bool) -> None:
    job = st.session_state.get("download_job")
    if job is None:
        return
    p = job.progress()
    if not job.done:
        st.progress(p["fraction"], text=job.text())
        if st.button("Stop the download", icon=":material/stop:"):
            job.stop()
        return
    if busy:  # ended since the page was drawn: redraw it all (button, summary, sidebar)
        st.rerun(scope="app")
    if p["phase"] == "failed":
        st.error(
            f"Downloading GloVe failed: {p['error']}\n\nCheck the network, or place "
            "the file in the data directory and load it by path."
        )
    elif p["phase"] == "stopped":
        st.info(f"Download stopped: {p['error']}", icon=":material/pause:")
    else:
        st.success(f"Loaded {job.label}.", icon=":material/check_circle:")


#: Each source's panel: (limit, fix) -> draws it.
PANELS = {
    "Embedded demo": lambda limit, fix: demo(),
    "Upload a file": upload,
    "File in the data directory": data_directory,
    "Download GloVe": lambda limit, fix: download(limit),
}
