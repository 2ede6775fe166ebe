"""The session's training run: start it from the settings, hand its state back when it goes.

Glue between ``st.session_state`` and ``pe_core.training.TrainingRun``. TensorFlow is imported
by the run's own thread (``pe_core.training`` does not import it), never by a page's script: the
first page loads without it and the Train page keeps polling while it loads. What the Train
page draws of the run is ``ui.live``; its progress lines are ``ui.status``.
"""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

from ui import jobs, state, verdict


def is_running(run) -> bool:
    """True while ``run`` is queued or training."""
    return run is not None and not run.done


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
    For the session's current vectors and vocabulary it is memoised under the vocabulary's key
    (plain values: no old vectors kept alive), so the click on Train reuses the preview's fit.
    """
    from pe_core.projection import Projector
    from ui.explore import run_reference

    s = st.session_state
    vocab_memo, memo = s.get("_vocab_cache"), s.get("_projector_memo")
    current = vocab_memo is not None and vocab_memo[1] is vocab and vectors is s.get("vectors")
    key = vocab_memo[0] if current else None
    if key is not None and memo is not None and memo[0] == key:
        return memo[1]
    idx = run_reference(vectors, vocab)
    projector = Projector("pca").fit_vectors(vectors, idx)
    projector.reference_idx_ = idx
    if key is not None:
        s._projector_memo = (key, projector)
    return projector


#: One start at a time per process: a press from a second tab of the same session (whose
#: Start button was drawn before the first press) must find the first run, not race it.
_START_LOCK = threading.Lock()

#: What the session holds of its run, dropped with the run when the session goes.
_RUN_KEYS = (
    "run",
    "result",
    "live_projector",
    "projections",
    "drift",
    "run_texts",
    "_live_frames",
    "_nb_memo",
    "_curves_memo",
)


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
        # The batches before the first snapshot run eagerly: the first moving map comes
        # before the second or so that tracing the train step holds the interpreter lock.
        run = TrainingRun(
            s.vectors, s.dataset.texts, s.dataset.labels, eager_first_snapshot=True, **kwargs
        )
        s.run, s.run_vectors, s.live_projector = run, s.vectors, projector
        s.run_texts = s.dataset.texts  # the texts the run's validation indices point into
        verdict.remember_setup("result")
    s.result, s.projections, s.drift = None, {}, {}
    s._collected_run = None  # (an id: a new run may reuse the freed old one's)
    s._live_frames, s._nb_memo, s._curves_memo = None, {}, None
    s._token_map_shown = False  # the page polls fast until this run's first token map
    forget = jobs.forgetting(_RUN_KEYS)

    def release() -> None:  # a vanished session: free the model and trajectory, then its refs
        run.release()
        forget()

    jobs.register(run, "training", release=release)
    jobs.start_after_redraw(run)
    return True
