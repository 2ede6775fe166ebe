"""Background jobs (training runs, comparisons, downloads), keyed by the session that owns them.

Non-UI: no streamlit import at module level. A watchdog thread stops the jobs of sessions that
have gone away (tab closed, network lost for longer than a grace period) and releases what they
hold, so a room of stakeholders closing tabs does not leave models training on 2 cores.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

LOG = logging.getLogger("pe_lab.runs")
#: Seconds a session may stay disconnected before its jobs are stopped (env override for tests).
GRACE_ENV = "PE_LAB_DISCONNECT_GRACE"


class ThreadJob:
    """A job done by one daemon thread running ``_main``: ``start()``, ``stop()`` (sets the
    event ``_stop`` that the work checks), ``join()`` and a thread-safe ``progress()`` copy."""

    def __init__(self, name: str, progress: dict[str, Any]) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._progress: dict[str, Any] = dict(progress)
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    def _main(self) -> None:
        raise NotImplementedError

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def progress(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._progress)

    def _set(self, **values) -> None:
        with self._lock:
            self._progress.update(values)


def error_text(err: BaseException) -> str:
    """A job's failure as the page shows it: a ``ValueError``'s own precise message (pe_core's
    user errors), otherwise the exception's type and message."""
    return str(err) if isinstance(err, ValueError) else f"{type(err).__name__}: {err}"


class Job(Protocol):
    """Anything with ``stop()``; ``is_finished(job)`` works out whether it has ended."""

    def stop(self) -> None: ...


@dataclass
class _Entry:
    job: Any
    release: Callable[[], None] | None = None
    label: str = ""


@dataclass
class RunRegistry:
    """Jobs per owner (a Streamlit session id), with stop + release when the owner is gone.

    Args:
        grace_seconds: how long an owner may be away (a reconnecting browser) before its jobs
            are stopped.
    """

    grace_seconds: float = 30.0
    _jobs: dict[str, list[_Entry]] = field(default_factory=dict)
    _missing_since: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watchdog: threading.Thread | None = None

    def register(
        self, owner: str, job: Any, release: Callable[[], None] | None = None, label: str = ""
    ) -> None:
        """Record ``job`` as owned by ``owner``; ``release`` drops the owner's references to it."""
        with self._lock:
            self._jobs.setdefault(owner, []).append(_Entry(job, release, label))

    def jobs_of(self, owner: str) -> list[Any]:
        with self._lock:
            return [e.job for e in self._jobs.get(owner, [])]

    def owners(self) -> list[str]:
        with self._lock:
            return list(self._jobs)

    def active_count(self) -> int:
        """Jobs that have not finished yet, across all owners."""
        with self._lock:
            entries = [e for es in self._jobs.values() for e in es]
        return sum(not is_finished(e.job) for e in entries)

    def stop_owner(self, owner: str, join_timeout: float = 10.0) -> int:
        """Stop every job of ``owner``, wait for them, release them; returns how many were stopped."""
        with self._lock:
            entries = self._jobs.pop(owner, [])
            self._missing_since.pop(owner, None)
        for entry in entries:
            _safe(entry.job.stop)
        deadline = time.monotonic() + join_timeout
        for entry in entries:
            while not is_finished(entry.job) and time.monotonic() < deadline:
                time.sleep(0.05)
            if entry.release is not None:
                _safe(entry.release)
        return len(entries)

    def reap(self, is_alive: Callable[[str], bool], now: float | None = None) -> list[str]:
        """Stop the jobs of owners that have been gone longer than the grace period.

        Also forgets finished jobs of live owners (the session still holds its result). Returns
        the owners whose jobs were stopped.
        """
        now = time.monotonic() if now is None else now
        gone: list[str] = []
        with self._lock:
            for owner in list(self._jobs):
                if is_alive(owner):
                    self._missing_since.pop(owner, None)
                    self._jobs[owner] = [e for e in self._jobs[owner] if not is_finished(e.job)]
                    if not self._jobs[owner]:
                        del self._jobs[owner]
                    continue
                since = self._missing_since.setdefault(owner, now)
                if now - since >= self.grace_seconds:
                    gone.append(owner)
        for owner in gone:
            n = self.stop_owner(owner)
            LOG.warning("stopped and released %d job(s) of vanished session %s", n, owner)
        return gone

    def start_watchdog(
        self, is_alive: Callable[[str], bool], interval: float | None = None
    ) -> None:
        """Start (once per process) a daemon thread calling ``reap(is_alive)`` every ``interval`` s."""
        with self._lock:
            if self._watchdog is not None and self._watchdog.is_alive():
                return

            period = interval or max(0.5, min(5.0, self.grace_seconds / 2))

            def loop() -> None:
                while True:
                    time.sleep(period)
                    _safe(lambda: self.reap(is_alive))

            self._watchdog = threading.Thread(target=loop, name="pe-lab-run-watchdog", daemon=True)
            self._watchdog.start()


def is_finished(job: Any) -> bool:
    """True once a job has ended (done, stopped or failed); works for TrainingRun and threads."""
    for name in ("finished", "done"):
        value = getattr(job, name, None)
        if isinstance(value, bool):
            return value
        if callable(value):
            return bool(value())
    is_alive = getattr(job, "is_alive", None)
    if callable(is_alive):
        return not is_alive()
    return False


def _safe(fn: Callable[[], Any]) -> None:
    # The watchdog must survive one misbehaving job; the job's own state records its failure.
    try:
        fn()
    except Exception:  # noqa: BLE001
        pass


def session_alive(session_id: str) -> bool:
    """Whether a Streamlit session is connected; True when there is no server runtime (tests)."""
    from streamlit import runtime

    if not runtime.exists():
        return True
    return runtime.get_instance().is_active_session(session_id)


REGISTRY = RunRegistry(grace_seconds=float(os.environ.get(GRACE_ENV) or 30.0))
