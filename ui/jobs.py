"""A session's background jobs: who owns them, what they release, when they start.

Every job a page starts (a training run, a comparison, a sweep, a map fit, a download) is
registered under the session that started it (``ui.runs.REGISTRY``), so the watchdog stops it
and drops the session's references when the browser tab goes away. ``QueuedTrainingJob`` is
the job Compare and Sweep share: trainings that wait in the same line as the runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ui.runs import REGISTRY, ThreadJob, error_text, session_alive


def session_id() -> str:
    """The current Streamlit session id ("local" outside a server, e.g. in bare scripts)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


def raw_state():
    """The session's thread-safe state object, usable from the watchdog thread after the
    session's script has ended (``st.session_state`` only works inside a script run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_state if ctx is not None else None


def register(job, label: str, release: Callable[[], None] | None = None) -> None:
    """Record ``job`` as this session's; ``release`` runs once the session has gone."""
    REGISTRY.register(session_id(), job, release=release, label=label)
    REGISTRY.start_watchdog(session_alive)


def forgetting(keys: Iterable[str]) -> Callable[[], None]:
    """A release that drops ``keys`` from this session's state (those present)."""
    session_state, keys = raw_state(), tuple(keys)

    def release() -> None:
        if session_state is None:
            return
        for key in keys:
            try:
                del session_state[key]
            except KeyError:
                pass

    return release


def stop_running(key: str) -> None:
    """Stop the session's job under ``key`` if it has not ended (a new one replaces it)."""
    import streamlit as st

    old = st.session_state.get(key)
    if old is not None and not old.done:
        old.stop()


def launch(job, label: str, keys: Iterable[str]) -> None:
    """Register ``job`` (its session's ``keys`` dropped when the session goes) and start it
    once the page has redrawn."""
    register(job, label, release=forgetting(keys))
    start_after_redraw(job)


#: Seconds a job waits before its thread imports TensorFlow for the first time in the server.
REDRAW_DELAY = 0.7


def start_after_redraw(job) -> None:
    """``job.start()``, a moment later if TensorFlow still has to be imported.

    Importing TensorFlow holds the interpreter lock for seconds at a time; started at once, it
    would keep the server from sending the page its "Starting…" state (measured in Chromium:
    3.9 s after the click without this delay, 0.4-0.9 s with it). Stopping meanwhile still
    works: a stopped job that starts ends at once.
    """
    import sys
    import threading

    if "tensorflow" in sys.modules:
        job.start()
    else:
        threading.Timer(REDRAW_DELAY, job.start).start()


class QueuedTrainingJob(ThreadJob):
    """Trainings in a background thread that wait in the same process-wide line as the
    training runs (``run_slot``), watched like a run. A subclass names its work (``_work``),
    the progress shown while queued and the "preparing" phase."""

    _queued: dict[str, Any] = {}  # progress while waiting for the slot
    _phase_extra: dict[str, Any] = {}  # kept in the phase lines' progress
    _preparing = "preparing the data"

    def __init__(self, name: str, progress: dict[str, Any], vectors, texts, labels, kwargs):
        super().__init__(name, progress)
        self._args = (vectors, texts, labels)
        self._kwargs = kwargs
        self.result = None
        self.error: str | None = None

    @property
    def done(self) -> bool:
        return not self._thread.is_alive() and (self.result is not None or self.error is not None)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _on_progress(self, progress: dict[str, Any]) -> None:
        with self._lock:
            self._progress = dict(progress)

    def _work(self):
        raise NotImplementedError

    def _main(self) -> None:
        from pe_core.training import configure_tensorflow, run_slot

        try:
            self._on_progress({**self._queued, "queued": True})
            with run_slot(self._stop) as ok:
                if not ok:
                    self.error = "Stopped before it started."
                    return
                self._on_progress({**self._phase_extra, "phase": "loading TensorFlow"})
                configure_tensorflow()  # imports it, the first time in this server
                self._on_progress({**self._phase_extra, "phase": self._preparing})
                self.result = self._work()
        except Exception as err:  # noqa: BLE001 - shown on the page, the app stays usable
            self.error = error_text(err)
        finally:
            self._args = None
