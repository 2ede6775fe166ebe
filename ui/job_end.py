"""The end of a background job polled by a page's fragment (Compare, Sweep): its error shown,
or its result kept in the session, then the whole app redrawn once if the page was polling."""

from __future__ import annotations

import streamlit as st


def collect(job, failed: str, result_key: str, polling_key: str) -> None:
    """Show ``failed: <error>`` or store ``job.result`` at ``result_key``; if the page was
    polling (``polling_key`` set), clear it and rerun the app so everything shows the result."""
    s = st.session_state
    if job.error:
        st.error(f"{failed}: {job.error}\n\nChange the settings and run it again.")
    elif job.result is not None:
        s[result_key] = job.result
    if s.get(polling_key):
        s[polling_key] = False
        st.rerun(scope="app")
