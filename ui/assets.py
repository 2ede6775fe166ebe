"""Read-only assets shared by every session (st.cache_resource).

Only things no session mutates live here: the embedded demo and vector files read from disk.
Every argument that changes the loaded result (path, modification time, size, max_words) is
part of the cache key. Per-user state lives in ``st.session_state`` (see ``ui.state``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st


@st.cache_resource(show_spinner="Loading the demo vectors…")
def demo_vectors():
    """The embedded demo vectors (pe_core.demo), built once per process."""
    from pe_core.demo import demo_vectors as build

    return build()


@st.cache_resource(show_spinner="Loading the demo dataset…")
def demo_dataset():
    """The embedded labelled demo dataset, built once per process."""
    from pe_core.demo import demo_dataset as build

    return build()


@st.cache_resource(max_entries=2, show_spinner=False)
def _vectors_file(
    path: str, mtime_ns: int, size: int, max_words: int | None, fix_mojibake: bool = False
):
    # At most two files stay loaded: a 400k x 300 GloVe table is ~0.5 GB.
    from pe_core.vectors import load_vectors

    # mtime_ns and size are only part of the key: a file replaced on disk is read again.
    del mtime_ns, size
    return load_vectors(path, max_words=max_words, fix_mojibake=fix_mojibake)


def vectors_file(path: Path, max_words: int | None, fix_mojibake: bool = False):
    """Vectors read from a file in the data directory, shared between sessions that read it."""
    stat = path.stat()
    return _vectors_file(str(path), stat.st_mtime_ns, stat.st_size, max_words, fix_mojibake)
