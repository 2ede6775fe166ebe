"""The session's training run: start it from the settings, watch it, hand over the result.

Glue between ``st.session_state`` and ``pe_core.training.TrainingRun``. TensorFlow is imported
by the run's own thread (``pe_core.training`` does not import it), never by a page's script: the
first page loads without it and the Train page keeps polling while it loads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import streamlit as st

from ui import state, verdict, warmup
from ui.runs import REGISTRY, ThreadJob, error_text, session_alive


def is_running(run) -> bool:
    """True while ``run`` is queued or training."""
    return run is not None and not run.done


def session_id() -> str:
    """The current Streamlit session id ("local" outside a server, e.g. in bare scripts)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


def train_kwargs() -> dict[str, Any]:
    """Keyword arguments of ``TrainingRun`` from the session's settings."""
    s = st.session_state
    every = int(s.opt_snapshot_every)
    return {
        "vocabulary": state.current_vocabulary(),
        "label_names": list(s.dataset.label_names),
        "encoder": s.opt_encoder,
        "epochs": int(s.opt_epochs),
        "batch_size": int(s.opt_batch_size),
        "learning_rate": float(s.opt_learning_rate),
        "optimizer": s.opt_optimizer,
        "snapshot_every": every if every > 0 else None,
        "seed": int(s.opt_seed),
    }


def live_projector(vectors, vocab):
    """The run's PCA map: the run's reference (``explore.run_reference``), fitted once.

    Explore's PCA map at the default size is this very object, so the two pages show one map.
    """
    from pe_core.projection import Projector
    from ui.explore import run_reference

    idx = run_reference(vectors, vocab)
    projector = Projector("pca").fit_vectors(vectors, idx)
    projector.reference_idx_ = idx
    return projector


#: One start at a time per process: a press from a second tab of the same session (whose
#: Start button was drawn before the first press) must find the first run, not race it.
_START_LOCK = threading.Lock()


def start_training() -> bool:
    """Create, register and start a ``TrainingRun`` for this session from its settings.

    Returns False (and starts nothing) while the session's run is queued or training: a
    second press, from another tab of the session or a stale page, never starts a second run
    nor stops the first.
    """
    from pe_core.training import TrainingRun

    s = st.session_state
    with _START_LOCK:
        if is_running(s.get("run")):
            return False
        kwargs = train_kwargs()
        projector = live_projector(s.vectors, kwargs["vocabulary"])
        run = TrainingRun(s.vectors, s.dataset.texts, s.dataset.labels, **kwargs)
        s.run, s.run_vectors, s.live_projector = run, s.vectors, projector
        s.run_texts = s.dataset.texts  # the texts the run's validation indices point into
        verdict.remember_setup("result")
    s.result, s.projections, s.drift = None, {}, {}
    s._live_frames, s._nb_memo = None, {}
    owner, session_state = session_id(), _raw_state()
    REGISTRY.register(owner, run, release=lambda: _release(run, session_state), label="training")
    REGISTRY.start_watchdog(session_alive)
    start_after_redraw(run)
    return True


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


def _raw_state():
    # The thread-safe session state object, usable from the watchdog thread after the
    # session's script has ended (st.session_state only works inside a script run).
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_state if ctx is not None else None


def _release(run, session_state) -> None:
    """Free a stopped run of a vanished session: model, trajectory and the session's refs."""
    run.release()
    if session_state is None:
        return
    for key in (
        "run",
        "result",
        "live_projector",
        "projections",
        "drift",
        "run_texts",
        "_live_frames",
        "_nb_memo",
    ):
        try:
            del session_state[key]
        except KeyError:
            pass


@dataclass
class LiveView:
    """What the Train page draws for the current run."""

    state: str
    fraction: float
    text: str
    finished: bool = False
    failed: bool = False
    message: str = ""
    text_done: str = ""
    notices: list[str] = field(default_factory=list)
    map_figure: Any = None
    curves_figure: Any = None


def eta_text(seconds) -> str:
    """ "1 min 05 s", "12 s", or "estimating…" while unknown (None)."""
    if seconds is None:
        return "estimating…"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def starting_text(phase: str) -> str:
    """The progress line of a job before its first batch: "Starting · <phase>…"."""
    if phase == "loading TensorFlow":
        phase += " (the first run of the server only)"
    return f"Starting · {phase}…" if phase else "Starting…"


def _status_text(p: dict) -> str:
    st_ = p["state"]
    if st_ == "queued":
        pos = p.get("queue_position")
        return f"Queued: position {pos} — other sessions are training" if pos else "Queued"
    if st_ in ("created",):
        return starting_text("")
    if st_ == "running" and not p["total_steps"]:
        return starting_text(p.get("phase") or "preparing the data and the model")
    epoch = f"epoch {max(p['epoch'], 1)}/{p['epochs']}"
    steps = f"step {p['step']}/{p['total_steps']}" if p["total_steps"] else "preparing the data"
    if st_ == "running":
        return f"Training · {epoch} · {steps} · ETA {eta_text(p['eta_seconds'])}"
    return f"{st_.capitalize()} · {epoch} · {steps} · {p['elapsed']:.0f} s"


def _started(p: dict) -> str:
    """ " (started 10:42:05)": when the run got its slot, in the server's local time."""
    import time

    started = p.get("started_at")
    return f" (started {time.strftime('%H:%M:%S', time.localtime(started))})" if started else ""


def live_view() -> LiveView | None:
    """Progress, map and curves of the session's run; None when nothing was started."""
    s = st.session_state
    run = s.get("run")
    if run is None:
        return None
    from pe_core import plots
    from pe_core.plots import default_kinds

    p = run.progress()
    view = LiveView(
        state=p["state"],
        fraction=float(min(max(p["fraction"], 0.0), 1.0)),
        text=_status_text(p),
        notices=p["notices"],
    )
    view.finished = p["state"] in ("done", "stopped", "failed")
    view.failed = p["state"] == "failed"
    view.message = p.get("error") or ""
    if view.finished:
        # No UMAP map exists before a run: compile numba now, while the user reads the result.
        warmup.warm_numba_soon()
    if view.finished and not view.failed and run.result is not None:
        s.result = run.result
        view.fraction = 1.0 if p["state"] == "done" else view.fraction
        val = run.result.history.get("val_accuracy") or [float("nan")]
        view.text_done = (
            f"Training {p['state']} in {run.result.seconds:.0f} s{_started(p)} · validation accuracy "
            f"{val[-1]:.1%} · explore the map on the Explore page."
        )
    frame, snaps = _live_frame(run)
    if frame is not None:
        shown = default_kinds(snaps["token_kinds"])
        hidden = frame.kind.nunique() - len(shown)
        frame = frame[frame.kind.isin(shown)]
        proj = s.live_projector
        view.map_figure = plots.paths_figure(
            frame,
            proj.embedding_,
            proj.words_,
            title=f"PCA map · snapshot {len(frame.snapshot.unique()) - 1}"
            + (" · OOV words not drawn (many tokens; switch them on in Explore)" if hidden else ""),
            height=560,
        )
    if p["history"]:
        view.curves_figure = plots.curves_figure(p["history"], title="Per epoch")
    return view


def _live_frame(run):
    """The live map's frame: only the snapshots taken since the last poll are copied and
    placed; earlier ones come from the session (dropped when the run thins its snapshots)."""
    import pandas as pd

    from pe_core.projection import project_trajectory

    s = st.session_state
    cache = s.get("_live_frames")
    if cache is None or cache["run"] != id(run):
        cache = {"run": id(run), "by_step": {}, "last": None}
    snaps = run.snapshots(after_step=cache["last"])
    if len(snaps["trajectory"]):
        stored = snaps.get("neighbours") is not None
        vectors = s.get("run_vectors") if stored else None  # nearest word: read, not searched
        new = project_trajectory(SimpleNamespace(**snaps), s.live_projector, vectors)
        cache["by_step"].update(dict(tuple(new.groupby("step", sort=False))))
        cache["last"] = int(snaps["steps"][-1])
    steps = [int(step) for step in snaps["all_steps"] if int(step) in cache["by_step"]]
    cache["by_step"] = {step: cache["by_step"][step] for step in steps}
    s._live_frames = cache
    if not steps:
        return None, snaps
    frame = pd.concat([cache["by_step"][step] for step in steps], ignore_index=True)
    frame["snapshot"] = frame["step"].map({step: i for i, step in enumerate(steps)})
    return frame, snaps


def run_status_text() -> str:
    """One line for the sidebar, from the same progress line the Train page shows.

    The sidebar used to keep its own wording ("training 0 %") and was drawn only on full
    reruns, so it lagged the page; now both read ``_status_text`` of one ``progress()`` and
    the sidebar line polls like the page does (``ui.sidebar``).
    """
    run = st.session_state.get("run")
    if run is None:  # a result without its run came back from the store after a reload
        return "done" if st.session_state.get("result") is not None else "not started"
    p = run.progress()
    if p["state"] in ("done", "stopped", "failed"):
        return p["state"]
    # "Training · epoch 3/8 · step … · ETA …" -> "Training · epoch 3/8"; queued and starting
    # lines are short already.
    return " · ".join(_status_text(p).split(" · ")[:2]).replace(
        " — other sessions are training", ""
    )


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


class CompareJob(QueuedTrainingJob):
    """``compare_variants`` (one training per arm) in a background thread."""

    _queued = {"overall_fraction": 0.0, "variant": None}
    _preparing = "preparing the data and the models"

    def __init__(self, vectors, texts, labels, **train_kwargs) -> None:
        super().__init__(
            "pe-lab-compare", {"overall_fraction": 0.0}, vectors, texts, labels, train_kwargs
        )

    def _work(self):
        from pe_core.experiments import compare_variants

        return compare_variants(
            *self._args, callback=self._on_progress, stop_event=self._stop, **self._kwargs
        )


def start_comparison(arms=("frozen", "dual", "full")) -> None:
    """Start ``compare_variants`` of ``arms`` for this session's data and settings."""
    s = st.session_state
    old = s.get("compare_job")
    if old is not None and not old.done:
        old.stop()
    kwargs = train_kwargs()
    kwargs["variants"] = tuple(arms)
    job = CompareJob(s.vectors, s.dataset.texts, s.dataset.labels, **kwargs)
    s.compare_job, s.comparison = job, None
    verdict.remember_setup("comparison")
    session_state = _raw_state()

    def release() -> None:
        if session_state is not None:
            for key in ("compare_job", "comparison"):
                try:
                    del session_state[key]
                except KeyError:
                    pass

    REGISTRY.register(session_id(), job, release=release, label="comparison")
    REGISTRY.start_watchdog(session_alive)
    start_after_redraw(job)


_TABLE_LABELS = {
    "variant": "Variant",
    "state": "State",
    "trainable_params": "Trainable params",
    "frozen_params": "Frozen params",
    "embedding_trainable_params": "…of which embedding",
    "optimizer_state_params": "Optimizer state",
    "best_val_accuracy": "Best val accuracy",
    "best_val_accuracy_epoch": "at epoch",
    "best_val_macro_f1": "Best val macro-F1",
    "final_train_minus_val_gap": "Train − val gap",
    "val_classes_predicted": "Classes predicted",
    "seconds_per_epoch": "s / epoch",
    "trainable_row_shift": "Trainable row shift",
    "frozen_row_shift": "Frozen row shift",
}


def comparison_table(comparison):
    """The comparison table with readable column names, in a useful order."""
    table = comparison.table
    columns = [c for c in _TABLE_LABELS if c in table.columns]
    return table[columns].rename(columns=_TABLE_LABELS).round(3)


def compare_status_text() -> str:
    """One line for the sidebar, or "" when no comparison was started."""
    job = st.session_state.get("compare_job")
    if job is None:
        return ""
    if not job.done:
        return f"running {float(job.progress().get('overall_fraction') or 0.0):.0%}"
    if job.error:
        return "failed"
    return "stopped" if job.stopped else "done"
