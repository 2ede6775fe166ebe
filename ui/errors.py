"""One way to show errors: user mistakes as a message, everything else with details folded away."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st


class Guard:
    """What ``shown_errors`` yields: ``.failed`` tells the page whether the block raised."""

    def __init__(self) -> None:
        self.failed = False


@contextmanager
def shown_errors(action: str, hint: str = "") -> Iterator[Guard]:
    """Run a block; turn exceptions into ``st.error`` instead of a traceback on the page.

    ``ValueError`` (and ``KeyError``) are user errors raised by pe_core with a precise message,
    shown as is plus ``hint`` (what to do). Anything else is unexpected: a short message naming
    ``action``, the traceback tucked into a "Details" expander.
    """
    guard = Guard()
    try:
        yield guard
    except (ValueError, KeyError) as err:
        guard.failed = True
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        st.error(
            f"{action} failed: {message}" + (f"\n\n{hint}" if hint else ""),
            icon=":material/warning:",
        )
    except Exception as err:  # noqa: BLE001 - the page must never show a raw traceback
        guard.failed = True
        show_unexpected(action, err)


def show_unexpected(action: str, err: BaseException) -> None:
    """A short error line and the traceback in a collapsed expander."""
    st.error(f"{action} failed unexpectedly: {type(err).__name__}: {err}", icon=":material/error:")
    with st.expander("Details"):
        st.code("".join(traceback.format_exception(err)), language="text")
