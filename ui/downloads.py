"""GloVe download in a background thread, so the Data page keeps working while it runs.

``GloveDownload`` runs ``pe_core.vectors.download_glove`` then ``load_vectors`` in a daemon
thread and reports a progress dict the page polls; ``stop()`` ends the transfer after the
current chunk (the bytes stay on disk and the next download resumes from them).
"""

from __future__ import annotations

from ui.runs import ThreadJob


class GloveDownload(ThreadJob):
    """Download GloVe ``name`` / ``dim`` and read it (``max_words``), in the background."""

    def __init__(self, name: str, dim: int, max_words: int | None) -> None:
        progress = {"phase": "starting", "done": 0, "total": None, "fraction": 0.0, "error": None}
        super().__init__("pe-lab-download", progress)
        self.name, self.dim, self.max_words = name, int(dim), max_words
        self.vectors = None

    @property
    def label(self) -> str:
        return f"GloVe {self.name} {self.dim}d"

    @property
    def done(self) -> bool:
        return self.progress()["phase"] in ("done", "stopped", "failed")

    def text(self) -> str:
        """One line for the progress bar."""
        p = self.progress()
        if p["phase"] == "downloading":
            mb = f"{p['done'] / 1e6:,.0f} MB" + (
                f" of {p['total'] / 1e6:,.0f} MB" if p["total"] else ""
            )
            return f"Downloading {self.label}… {mb}"
        if p["phase"] == "reading":
            return f"Extracting and reading {self.label}…"
        return f"{self.label}: {p['phase']}"

    def _downloaded(self, done: int, total: int | None) -> None:
        fraction = min(done / total, 1.0) * 0.9 if total else 0.0  # the last 10 %: reading
        self._set(phase="downloading", done=done, total=total, fraction=fraction)

    def _main(self) -> None:
        from pe_core.vectors import DownloadStopped, download_glove, load_vectors

        try:
            self._set(phase="downloading")
            path = download_glove(
                name=self.name,
                dim=self.dim,
                progress=self._downloaded,
                stop_event=self._stop,
            )
            self._set(phase="reading", fraction=0.9)
            vectors = load_vectors(
                path,
                max_words=self.max_words,
                progress=lambda f: self._set(fraction=0.9 + 0.1 * min(max(float(f), 0.0), 1.0)),
            )
            self.vectors = vectors
            self._set(phase="done", fraction=1.0)
        except DownloadStopped as err:
            self._set(phase="stopped", error=str(err))
        except ValueError as err:  # DownloadError and loader errors say what to do
            self._set(phase="failed", error=str(err))
        except Exception as err:  # noqa: BLE001 - shown on the page, the app stays usable
            self._set(phase="failed", error=f"{type(err).__name__}: {err}")


# -- the session's download (Streamlit side) ---------------------------------------------------


def start(name: str, dim: int, max_words: int | None) -> GloveDownload:
    """Start a download for this session (stopping its earlier one) and register it, so the
    watchdog stops it if the browser tab goes away."""
    import streamlit as st

    from ui import jobs

    jobs.stop_running("download_job")
    job = GloveDownload(name, dim, max_words)
    st.session_state.download_job = job
    jobs.register(job, "download", release=job.stop)
    return job.start()


def collect() -> bool:
    """Make a finished download's vectors the session's current vectors (once); True if so."""
    import streamlit as st

    from ui import state

    job = st.session_state.get("download_job")
    if job is None or not job.done or job.vectors is None:
        return False
    state.set_vectors(job.vectors, job.label)
    job.vectors = None  # applied; the job stays to show its outcome
    return True


def status_text() -> str:
    """One line for the sidebar while a download runs, else ""."""
    import streamlit as st

    job = st.session_state.get("download_job")
    if job is None or job.done:
        return ""
    return f"{job.label} {job.progress()['fraction']:.0%}"
