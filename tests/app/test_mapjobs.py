"""t-SNE and UMAP maps fit in the background (issue 13, item 9): progress, a usable page
meanwhile, the finished map, errors and stop.

The fit is held at a known point by a gate (a ``threading.Event``) around the real
``ui.explore.build_projection``, so "in progress" is a state the test waits on, not a race.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import explore, mapjobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run():
    from pe_core.demo import demo_dataset, demo_vectors
    from pe_core.training import train

    vectors, data = demo_vectors(), demo_dataset()
    result = train(
        vectors,
        data.texts[:600],
        data.labels[:600],
        label_names=data.label_names,
        epochs=2,
        batch_size=32,
        snapshot_every=20,
        min_oov_count=3,
        seed=0,
    )
    return vectors, result


@pytest.fixture
def gate(monkeypatch):
    """Holds every t-SNE / UMAP fit after its first progress report until ``gate.open.set()``."""
    real = explore.build_projection
    gate = type("Gate", (), {})()
    gate.open, gate.reached, gate.fail = threading.Event(), threading.Event(), None

    def held(method, params, idx, result, vectors, progress=None, **kwargs):
        if method == "PCA":  # computed in the page, never held
            return real(method, params, idx, result, vectors, progress, **kwargs)
        progress(0.5, "t-SNE: 375/750 iterations")
        gate.reached.set()
        assert gate.open.wait(120), "the test never opened the gate"
        if gate.fail is not None:
            raise gate.fail
        return real(method, params, idx, result, vectors, progress, **kwargs)

    monkeypatch.setattr(explore, "build_projection", held)
    yield gate
    gate.open.set()  # never leave a thread waiting


def _explore(demo_run) -> AppTest:
    vectors, result = demo_run
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["result"], at.session_state["run_vectors"] = result, vectors
    at.switch_page("pages/explore.py").run()
    at.slider(key="explore_n_ref").set_value(300).run()
    assert not at.exception, at.exception
    return at


def _start_tsne(at: AppTest, gate) -> mapjobs.MapJob:
    at.radio(key="opt_method").set_value("t-SNE").run()
    assert not at.get("plotly_chart")  # no map before it is asked for
    next(b for b in at.button if b.label == "Compute the t-SNE map").click().run()
    assert gate.reached.wait(60)
    return at.session_state["map_jobs"]["t-SNE"]


def _progress_texts(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def test_a_fit_in_progress_shows_progress_and_leaves_the_page_usable(demo_run, gate):
    at = _explore(demo_run)
    job = _start_tsne(at, gate)
    at.run()
    assert not at.exception and not at.error
    (text,) = _progress_texts(at)
    assert text.startswith("Computing the t-SNE map · t-SNE: 375/750 iterations · ")
    assert [b.label for b in at.button if b.label == "Stop"] == ["Stop"]
    assert job.progress()["fraction"] == pytest.approx(0.45)  # 0.5 of the fit's 90 %

    at.radio(key="opt_method").set_value("PCA").run()  # another map, while t-SNE fits
    assert not at.exception and not at.error and not _progress_texts(at)
    assert at.get("plotly_chart") and not job.done
    at.radio(key="opt_method").set_value("t-SNE").run()  # back: still computing
    assert len(_progress_texts(at)) == 1 and not at.get("plotly_chart")

    gate.open.set()
    assert job.join(120)
    at.run()
    assert not at.exception and not at.error and not _progress_texts(at)
    assert at.get("plotly_chart")  # the finished map
    assert at.session_state["map_jobs"] == {}
    methods = sorted(k[1] for k in at.session_state["projections"])
    assert methods == ["PCA", "t-SNE"]
    (proj,) = [p for k, p in at.session_state["projections"].items() if k[1] == "t-SNE"]
    assert proj.regions is not None  # named in the job, not on the page
    assert proj.projector.progress is None  # the shared layout keeps no job callback


def test_a_failed_fit_ends_as_an_error_and_can_be_retried(demo_run, gate):
    at = _explore(demo_run)
    gate.fail = ValueError("perplexity must be less than the number of reference words")
    job = _start_tsne(at, gate)
    gate.open.set()
    assert job.join(60)
    at.run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith(
        "Computing the t-SNE map failed: perplexity must be less than the number of reference"
    )
    assert "Try other parameters, fewer reference words, or PCA." in error
    gate.fail = None
    next(b for b in at.button if b.label == "Try the t-SNE map again").click().run()
    job = at.session_state["map_jobs"]["t-SNE"]
    assert job.join(120) and job.result is not None
    at.run()
    assert not at.error and at.get("plotly_chart")


def test_stop_ends_the_fit_and_offers_it_again(demo_run, gate):
    at = _explore(demo_run)
    job = _start_tsne(at, gate)
    at.run()
    next(b for b in at.button if b.label == "Stop").click().run()
    gate.open.set()
    assert job.join(120) and job.stopped and job.result is None
    at.run()
    assert not at.exception and not at.error and not _progress_texts(at)
    assert [b.label for b in at.button if b.label.startswith("Compute")] == [
        "Compute the t-SNE map"
    ]
    assert "t-SNE" not in at.session_state["map_jobs"]


def test_export_shows_the_fit_in_progress_then_offers_the_map(demo_run, gate):
    at = _explore(demo_run)
    job = _start_tsne(at, gate)
    at.switch_page("pages/export.py").run()
    assert not at.exception and not at.error
    (text,) = _progress_texts(at)
    assert text.startswith("Computing the t-SNE map · ")
    assert not [b for b in at.get("download_button") if "coordinates" in b.proto.label.lower()]
    gate.open.set()
    assert job.join(120)
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download") for label in labels)
    assert not _progress_texts(at)
    assert any(k[1] == "t-SNE" for k in at.session_state["projections"])


def test_a_real_tsne_fit_stops_inside_opentsne(demo_run):
    """The stop reaches openTSNE's optimiser through the progress callback."""
    vectors, result = demo_run
    idx = explore.run_reference(vectors, result.vocabulary, 300)
    key = explore.key_of(result, "t-SNE", {"perplexity": 30, "n_iter": 1500}, 300)
    job = mapjobs.MapJob(
        key, "t-SNE", {"perplexity": 30, "n_iter": 1500}, 300, idx, result, vectors
    )
    job._set = _stop_at_first_iteration(job, job._set)
    job.start()
    assert job.join(120)
    assert job.stopped and job.result is None and job.error is None and job.done
    assert "iterations" in job.progress()["message"]


def _stop_at_first_iteration(job, set_progress):
    def wrapped(**values):
        set_progress(**values)
        if "iterations" in values.get("message", ""):
            job.stop()  # the next callback raises FitStopped inside openTSNE

    return wrapped


def test_the_second_fit_of_the_same_map_reuses_the_shared_layout(demo_run, monkeypatch):
    """Two sessions (two jobs) opening the same t-SNE map: the second reads the app's
    ``LayoutCache`` instead of fitting, and the layout is on disk for the next server."""
    from pe_core.projection import LayoutCache, default_cache_dir

    monkeypatch.setattr(mapjobs, "_layouts", LayoutCache())
    vectors, result = demo_run
    params = {"perplexity": 10, "n_iter": 50, "early_exaggeration_iter": 25}
    idx = explore.run_reference(vectors, result.vocabulary, 300)
    key = explore.key_of(result, "t-SNE", params, 300)
    projections = []
    for _ in range(2):
        job = mapjobs.MapJob(key, "t-SNE", params, 300, idx, result, vectors).start()
        assert job.join(120) and job.error is None
        projections.append(job.result)
    first, second = projections
    assert not first.projector.from_cache_ and second.projector.from_cache_
    assert "reference layout reused from memory" in second.notices
    assert (second.projector.embedding_ == first.projector.embedding_).all()
    (entry,) = (default_cache_dir() / "layouts").glob("tsne-*.npz")
    assert entry.name == f"tsne-{first.projector.cache_key_}.npz"
