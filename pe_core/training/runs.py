"""``TrainingRun``: :func:`train` in a background thread for an app: start, watch, stop."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from pe_core.training.backend import configure_tensorflow
from pe_core.training.config import TrainConfig
from pe_core.training.engine import Trainer
from pe_core.training.result import TrainingResult
from pe_core.training.scheduler import SCHEDULER, next_ticket


def _error_message(err: BaseException) -> str:
    if isinstance(err, ValueError):
        return str(err)
    return f"{type(err).__name__}: {err}"


class TrainingRun:
    """:func:`train` in a background (daemon) thread, for an app: start, watch, stop.

    Construct with the same arguments as :func:`train` (an unknown keyword raises
    ``TypeError`` at once; every other problem, bad values included, ends the run as
    ``"failed"`` with the message in ``progress()["error"]``, so an app has one path to show).

    Runs in one process never share a model or state; at most ``max_concurrent_runs()`` train
    at once, the others wait in a FIFO queue and report their position.

    ``eager_first_snapshot=True`` runs the batches before the first snapshot eagerly, so a live
    view gets its first moved rows before the train step is traced (see ``Trainer``).

    Example:
        >>> run = TrainingRun(vectors, texts, labels, epochs=3).start()  # doctest: +SKIP
        >>> run.progress()["state"], run.progress()["fraction"]  # doctest: +SKIP
        >>> run.join(); run.result.trajectory.shape  # doctest: +SKIP
    """

    def __init__(
        self, vectors, texts, labels, *, callback=None, eager_first_snapshot=False, **kwargs
    ) -> None:
        kwargs.pop("stop_event", None)  # a run has its own; use stop()
        self._config = TrainConfig(**kwargs)
        self._args = (vectors, texts, labels)
        self._callback = callback
        self._eager_first_snapshot = bool(eager_first_snapshot)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ticket = next_ticket()
        self._thread: threading.Thread | None = None
        self._trainer: Trainer | None = None
        self._release_when_done = False
        self.result: TrainingResult | None = None
        self._progress: dict[str, Any] = {
            "state": "created",
            "queue_position": None,
            "epoch": 0,
            "epochs": self._config.epochs,
            "batch": 0,
            "batches_per_epoch": 0,
            "step": 0,
            "total_steps": 0,
            "fraction": 0.0,
            "eta_seconds": None,
            "elapsed": 0.0,
            "metrics": {},
            "history": {},
            "n_snapshots": 0,
            "notices": [],
            "error": None,
            "phase": "",
            "started_at": None,
        }

    # -- control -------------------------------------------------------------------------------

    def start(self) -> TrainingRun:
        """Start (or queue) the run; returns self. Starting twice is a no-op."""
        with self._lock:
            if self._thread is not None:
                return self
            self._progress["state"] = "queued"
            self._thread = threading.Thread(
                target=self._main, name=f"pe-lab-run-{self._ticket}", daemon=True
            )
        self._thread.start()
        return self

    def stop(self, release: bool = False) -> None:
        """Stop before the next batch (a queued run leaves the queue and ends "stopped").

        With ``release=True`` the model and trajectory are also dropped once the thread ends
        (use it when the session that owns the run goes away).
        """
        self._stop.set()
        SCHEDULER.wake()
        if release:
            self.release()

    def release(self) -> None:
        """Drop the model, result and trajectory to free memory (stops the run if active)."""
        with self._lock:
            self._release_when_done = True
            active = self._thread is not None and self._thread.is_alive()
        if active:
            self._stop.set()
            SCHEDULER.wake()
        else:
            self._drop()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has finished (or was never started)."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def done(self) -> bool:
        """True once the run has ended (done, stopped or failed)."""
        return self.progress()["state"] in ("done", "stopped", "failed")

    # -- watching ------------------------------------------------------------------------------

    def progress(self) -> dict[str, Any]:
        """A thread-safe copy of the run's state.

        Keys: state ("created" | "queued" | "running" | "stopped" | "done" | "failed"),
        queue_position (1-based while queued, else None), epoch (1-based, current), epochs,
        batch (done in this epoch), batches_per_epoch, step, total_steps, fraction (0..1),
        eta_seconds (None until the first batch), elapsed (seconds since the run started
        training or preparing), metrics (latest loss/accuracy and last epoch's val metrics),
        history (per completed epoch), n_snapshots, notices, error (message or None), phase
        (what a running run is doing before its first batch: "loading TensorFlow", then
        "preparing the data and the model", then "training"), started_at (``time.time()``
        when the run got its slot, None before).
        """
        with self._lock:
            p = dict(self._progress)
            p["metrics"] = dict(p["metrics"])
            p["history"] = {k: list(v) for k, v in p["history"].items()}
            p["notices"] = list(p["notices"])
        if p["state"] == "queued":
            p["queue_position"] = SCHEDULER.position(self._ticket)
        return p

    def snapshots(self, after_step: int | None = None) -> dict[str, Any]:
        """A copy of the trajectory so far (also while running): keys trajectory (S,k,d),
        steps (S,), epochs (S,), tokens (k), token_kinds (k), neighbours (the stored
        neighbours of those snapshots, or None), all_steps (every snapshot kept so far).
        With ``after_step`` only the snapshots after that step are copied, so a live view
        that polls copies each snapshot once. Empty before the first one."""
        with self._lock:
            trainer, result = self._trainer, self.result
        if result is not None:
            new = np.ones(len(result.steps), bool)
            if after_step is not None:
                new = result.steps > after_step
            nb = result.neighbours
            return {
                "trajectory": result.trajectory[new].copy(),
                "steps": result.steps[new].copy(),
                "epochs": result.epochs[new].copy(),
                "tokens": list(result.tokens),
                "token_kinds": list(result.token_kinds),
                "neighbours": None if nb is None else nb.select(new),
                "all_steps": result.steps.copy(),
            }
        if trainer is not None:
            return trainer.snapshots(after_step)
        return {
            "trajectory": np.zeros((0, 0, 0), np.float32),
            "steps": np.zeros(0, np.int64),
            "epochs": np.zeros(0),
            "tokens": [],
            "token_kinds": [],
            "neighbours": None,
            "all_steps": np.zeros(0, np.int64),
        }

    @property
    def trajectory(self) -> np.ndarray:
        """The (S, k, d) trajectory so far (a copy)."""
        return self.snapshots()["trajectory"]

    # -- the thread ----------------------------------------------------------------------------

    def _set(self, **values) -> None:
        with self._lock:
            self._progress.update(values)

    def _on_progress(self, progress: dict[str, Any]) -> None:
        with self._lock:
            progress.pop("event", None)
            progress["state"] = "running"
            progress["phase"] = "training"
            self._progress.update(progress)
        if self._callback is not None:
            self._callback(self.progress())

    def _main(self) -> None:
        started = False
        try:
            if not SCHEDULER.acquire(self._ticket, self._stop):
                self._set(state="stopped", queue_position=None)
                return
            started = True
            self._set(
                state="running",
                queue_position=None,
                phase="loading TensorFlow",
                started_at=time.time(),
            )
            configure_tensorflow()  # the first run of a process imports TensorFlow here
            self._set(phase="preparing the data and the model")
            vectors, texts, labels = self._args
            trainer = Trainer(
                vectors,
                texts,
                labels,
                self._config,
                self._on_progress,
                self._stop,
                eager_first_snapshot=self._eager_first_snapshot,
            )
            with self._lock:
                self._trainer = trainer
            result = trainer.run()
            with self._lock:
                self.result = result
                self._trainer = None
                self._progress["state"] = result.state
                self._progress["eta_seconds"] = 0.0 if result.state == "done" else None
        except Exception as err:  # noqa: BLE001 - every failure is reported, none kills the app
            with self._lock:
                self._trainer = None
                self._progress.update(state="failed", error=_error_message(err))
        finally:
            if started:
                SCHEDULER.release(self._ticket)
            self._args = None  # the run no longer needs the data
            with self._lock:
                drop = self._release_when_done
            if drop:
                self._drop()

    def _drop(self) -> None:
        with self._lock:
            self.result = None
            self._trainer = None
            self._args = None
        import gc

        gc.collect()
