"""The process-wide FIFO gate: at most N runs train at once (``PE_LAB_MAX_RUNS``), the rest
wait in line; ``run_slot`` lets other jobs (Compare, Sweep) wait in the same line."""

from __future__ import annotations

import contextlib
import os
import threading

from pe_core.checks import int_at_least

# -- background runs -------------------------------------------------------------------------


class _Scheduler:
    """Process-wide FIFO gate: at most ``limit`` runs train at once, the rest wait in line."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._limit: int | None = None
        self._running: set[int] = set()
        self._queue: list[int] = []

    def limit(self) -> int:
        with self._cond:
            if self._limit is None:
                raw = os.environ.get("PE_LAB_MAX_RUNS", "1")
                try:
                    value = int(raw)
                except ValueError:
                    value = 0
                if value < 1:
                    raise ValueError(
                        f"environment variable PE_LAB_MAX_RUNS must be a positive integer, "
                        f"got {raw!r}"
                    )
                self._limit = value
            return self._limit

    def set_limit(self, n: int) -> None:
        int_at_least("max concurrent runs", n, 1)
        with self._cond:
            self._limit = int(n)
            self._cond.notify_all()

    def acquire(self, ticket: int, stop_event: threading.Event) -> bool:
        """Wait for a slot; False if ``stop_event`` was set while waiting (then not queued)."""
        limit = self.limit()
        with self._cond:
            self._queue.append(ticket)
            try:
                while True:
                    if stop_event.is_set():
                        return False
                    limit = self._limit or limit
                    if self._queue[0] == ticket and len(self._running) < limit:
                        self._running.add(ticket)
                        return True
                    self._cond.wait(timeout=0.25)
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()

    def release(self, ticket: int) -> None:
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def position(self, ticket: int) -> int | None:
        with self._cond:
            return self._queue.index(ticket) + 1 if ticket in self._queue else None

    def status(self) -> dict[str, int]:
        with self._cond:
            return {
                "limit": self._limit or 0,
                "running": len(self._running),
                "queued": len(self._queue),
            }


SCHEDULER = _Scheduler()
_TICKETS = iter(range(1, 1 << 62))
_TICKET_LOCK = threading.Lock()


def next_ticket() -> int:
    """A place in the line: tickets are served in increasing order."""
    with _TICKET_LOCK:
        return next(_TICKETS)


def set_max_concurrent_runs(n: int) -> None:
    """Let at most ``n`` runs train at once in this process (queued runs start as slots free)."""
    SCHEDULER.set_limit(n)


def max_concurrent_runs() -> int:
    """The current limit (env ``PE_LAB_MAX_RUNS``, default 1, or the last set value)."""
    return SCHEDULER.limit()


def scheduler_status() -> dict[str, int]:
    """``{"limit", "running", "queued"}`` right now, for monitoring."""
    SCHEDULER.limit()
    return SCHEDULER.status()


@contextlib.contextmanager
def run_slot(stop_event: threading.Event | None = None):
    """Hold one of the process-wide training slots for a job that is not a ``TrainingRun``.

    Waits in the same FIFO line as the runs (e.g. around ``compare_variants`` in a background
    thread) and yields True once the slot is held, or False if ``stop_event`` was set while
    waiting (then nothing should be trained). The slot is released on exit.

        >>> with run_slot(stop) as ok:  # doctest: +SKIP
        ...     if ok:
        ...         compare_variants(..., stop_event=stop)
    """
    stop_event = stop_event or threading.Event()
    ticket = next_ticket()
    acquired = SCHEDULER.acquire(ticket, stop_event)
    try:
        yield acquired
    finally:
        if acquired:
            SCHEDULER.release(ticket)
