"""t-SNE and UMAP maps fitted in the background: one job per method and session.

Fitting a t-SNE or UMAP layout of a few thousand words and placing every snapshot on it
takes from seconds to minutes (UMAP's first fit in a server also compiles numba code). Run in
the page script, it froze the page; here it runs in a thread (``MapJob``), watched like a
training run (``ui.runs.REGISTRY``), and the pages poll it with ``st.fragment(run_every=...)``
while the user keeps using them: other maps already computed stay one click away.

The fitted reference layouts are shared by every session through one ``LayoutCache``
(:func:`layouts`: memory and disk, keyed by the data); the job and the finished map belong to
the session.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import streamlit as st

from ui import explore, jobs
from ui.errors import shown_errors
from ui.runs import ThreadJob, error_text
from ui.status import eta_text

#: Share of the progress bar for the reference layout; the rest is placing the snapshots.
FIT_SHARE = 0.9
#: Seconds between two polls of a running fit.
POLL_SECONDS = 1.0
_layouts: Any = None


def layouts():
    """The app's ``LayoutCache``, shared by every session: a map another session (or an earlier
    server) fitted is reused, from memory or from ``PE_LAB_CACHE``/layouts. Made on first use:
    importing ``pe_core.projection`` loads pandas, which the first page must not wait for."""
    global _layouts
    if _layouts is None:
        from pe_core.projection import LayoutCache

        _layouts = LayoutCache()
    return _layouts


class FitStopped(Exception):
    """Raised from the progress callback to end a fit the user (or the watchdog) stopped."""


class MapJob(ThreadJob):
    """``explore.build_projection`` of one map in a daemon thread, with progress and an ETA.

    ``key`` is the map's key in ``st.session_state.projections``. The result (a
    ``explore.Projection``) or the error text is kept for the page to collect.
    """

    def __init__(self, key: tuple, method: str, params: dict, n_ref: int, idx, result, vectors):
        super().__init__(f"pe-lab-map-{method}", {"fraction": 0.0, "message": "Starting…"})
        self.key, self.method, self.params, self.n_ref = key, method, dict(params), int(n_ref)
        self._args = (np.asarray(idx), result, vectors)
        self.result = None
        self.error: str | None = None
        self._started = time.monotonic()
        self._phase = "fit"

    @property
    def done(self) -> bool:
        return not self._thread.is_alive() and (
            self.result is not None or self.error is not None or self._stop.is_set()
        )

    @property
    def stopped(self) -> bool:
        return self._stop.is_set() and self.result is None

    def _on_progress(self, fraction: float, message: str) -> None:
        if self._stop.is_set():
            raise FitStopped
        if message.endswith("reference layout ready"):
            self._phase = "place"
            message = "placing every snapshot's tokens on the map"
        message = message.replace("tsne: ", "t-SNE: ").replace("umap: ", "UMAP: ")
        share = (0.0, FIT_SHARE) if self._phase == "fit" else (FIT_SHARE, 1.0 - FIT_SHARE)
        self._set(fraction=share[0] + share[1] * float(fraction), message=message)

    def _main(self) -> None:
        idx, result, vectors = self._args
        try:
            proj = explore.build_projection(
                self.method, self.params, idx, result, vectors, self._on_progress, cache=layouts()
            )
            self._phase = "regions"
            self._set(fraction=0.99, message="naming the regions")
            explore.regions_of(proj)  # clustered here, not on the page's first draw
            self.result = proj
        except FitStopped:
            pass
        except Exception as err:  # noqa: BLE001 - shown on the page, the app stays usable
            self.error = error_text(err)
        finally:
            self._args = None

    def progress(self) -> dict[str, Any]:
        """fraction, message, elapsed seconds and eta_seconds (None while unknown)."""
        p = super().progress()
        elapsed = time.monotonic() - self._started
        fraction = float(p["fraction"])
        # A rate measured over the first 3 % or the first second is mostly set-up time.
        known = fraction >= 0.03 and elapsed >= 1.0
        p["elapsed"] = elapsed
        p["eta_seconds"] = elapsed * (1.0 - fraction) / fraction if known else None
        return p


def _jobs() -> dict[str, MapJob]:
    return st.session_state.setdefault("map_jobs", {})


def job_for(key: tuple) -> MapJob | None:
    """The session's job for the map ``key``, running or ended, if any."""
    job = _jobs().get(key[1])
    return job if job is not None and job.key == key else None


def start(method: str, params: dict, n_ref: int) -> MapJob:
    """Start fitting the session's ``method`` map; a fit of the same method with other
    parameters is stopped first (one map per method is kept, see ``explore.store``)."""
    s = st.session_state
    key = explore.projection_key(method, params, n_ref)
    old = _jobs().get(method)
    if old is not None:
        old.stop()
    idx = explore.reference_indices(s.result, s.run_vectors, n_ref)
    job = MapJob(key, method, params, n_ref, idx, s.result, s.run_vectors)
    _jobs()[method] = job
    session_state = jobs.raw_state()

    def release() -> None:  # the session is gone: drop its map job
        if session_state is not None:
            try:
                session_state["map_jobs"].pop(method, None)
            except KeyError:
                pass

    jobs.register(job, f"{method} map", release=release)
    return job.start()


def collect() -> None:
    """Store every map whose fit has finished; drop jobs of an earlier run or stopped ones.

    A failed job stays, so the page can show its error until the user tries again.
    """
    s = st.session_state
    current = id(s.get("result"))
    for method, job in list(_jobs().items()):
        if job.key[0] != current:
            job.stop()  # a new run started: this map is of the old one
            del _jobs()[method]
        elif job.done and job.result is not None:
            explore.store(job.result, job.params, job.n_ref, s.result)
            del _jobs()[method]
        elif job.done and job.stopped:
            del _jobs()[method]


def progress_text(job: MapJob) -> str:
    """ "Computing the t-SNE map · t-SNE: 300/750 iterations · about 12 s left"."""
    p = job.progress()
    left = p["eta_seconds"]
    if left is None:
        eta = "estimating the time left…"
    else:
        eta = "about a second left" if left < 1.5 else f"about {eta_text(left)} left"
    return f"Computing the {job.method} map · {p['message']} · {eta}"


def sidebar_text() -> str:
    """ "t-SNE 40 %" per running map fit, for the sidebar ("" when none runs)."""
    running = [j for j in _jobs().values() if not j.done]
    return " · ".join(f"{j.method} {100 * j.progress()['fraction']:.0f} %" for j in running)


def show(key: tuple, method: str, params: dict, n_ref: int, offer: str = "") -> None:
    """The map ``key`` is not ready: its progress (polled), its error, or the button that
    starts it, with ``offer`` (a sentence) above the button."""
    job = job_for(key)
    if job is None or job.stopped:
        if offer:
            st.info(offer, icon=":material/info:")
        if st.button(f"Compute the {method} map", type="primary", key=f"map_start_{method}"):
            start(method, params, n_ref)
            st.rerun()
        return
    if job.error:
        st.error(
            f"Computing the {method} map failed: {job.error}\n\nTry other parameters, fewer "
            "reference words, or PCA.",
            icon=":material/warning:",
        )
        if st.button(f"Try the {method} map again", key=f"map_retry_{method}"):
            start(method, params, n_ref)
            st.rerun()
        return
    _progress(job)


def _progress(job: MapJob) -> None:
    """The running fit's bar, redrawn every second; the page reruns once it has ended."""

    @st.fragment(run_every=POLL_SECONDS)
    def bar() -> None:
        if job.done:
            st.rerun(scope="app")  # draw the map (or the error) with the whole page
        st.progress(min(job.progress()["fraction"], 1.0), text=progress_text(job))
        st.caption(
            "The map is computed in the background: switch to another map or page meanwhile, "
            "and come back."
        )
        if st.button("Stop", icon=":material/stop:", key=f"map_stop_{job.method}"):
            job.stop()
            st.rerun(scope="app")

    bar()


def ensure(method: str, params: dict, n_ref: int):
    """The run's map for these settings, or None while it is not ready: PCA is computed here
    (exact and quick), t-SNE / UMAP show their job (button, progress or error) instead."""
    key = explore.projection_key(method, params, n_ref)
    collect()  # a t-SNE / UMAP map that finished in the background meanwhile
    if key not in st.session_state.projections:
        if method == "PCA":
            with shown_errors("Computing the PCA map", "Try fewer reference words."):
                explore.compute(method, params, n_ref, None)
        else:
            show(key, method, params, n_ref)
    return st.session_state.projections.get(key)  # (store() replaced the dict)
