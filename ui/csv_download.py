"""A download button for a results table as CSV (Influence, Sweep)."""

from __future__ import annotations

import streamlit as st


def button(label: str, frame, file_name: str) -> None:
    """Offer ``frame`` (a DataFrame) as ``file_name``, comma separated, without its index."""
    st.download_button(
        label,
        frame.to_csv(index=False).encode(),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
    )
