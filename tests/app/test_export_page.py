"""The Export page through AppTest: lazy downloads, the classifier snippet, the Explore view."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from tiny_corpus import LABELS, TEXTS, TINY

from pe_core import bundle, export
from pe_core.demo import demo_vectors
from pe_core.training import train

ROOT = Path(__file__).resolve().parents[2]
ALWAYS = [
    "glove_with_trained.txt",
    "pe_lab_adapter.zip",
    "pe_lab_classifier.zip",
    "pe_lab_model.keras",
    "pe_lab_projector.zip",
    "pe_lab_trained_rows.txt",
    "pe_lab_trajectory.csv",
]


@pytest.fixture(scope="module")
def run():
    vectors = demo_vectors()
    return vectors, train(vectors, TEXTS, LABELS, **TINY)


@pytest.fixture
def downloads(monkeypatch):
    """file name -> the callable each download button would run when clicked (this run)."""
    seen: dict = {}
    real = MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data
        return real(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return seen


def _export_page(run) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["run_vectors"], at.session_state["result"] = run
    return at


def test_every_download_is_built_only_when_clicked(run, downloads, monkeypatch):
    built = []
    for name in ("glove_with_trained", "projector_bundle", "classifier_bundle_bytes"):
        real = getattr(export, name)
        monkeypatch.setattr(
            export, name, lambda *a, _n=name, _f=real, **k: built.append(_n) or _f(*a, **k)
        )
    at = _export_page(run).switch_page("pages/export.py").run()
    assert not at.exception and not at.error
    at.run()  # an unrelated rerun
    assert sorted(downloads) == ALWAYS and built == []
    assert len(at.get("download_button")) == len(ALWAYS)
    assert built == []
    glove = downloads["glove_with_trained.txt"]()
    assert built == ["glove_with_trained"]
    vectors, result = run
    assert glove.count(b"\n") == len(vectors) + sum(t not in vectors for t in result.tokens)


def test_the_page_shows_the_snippet_of_the_bundle_it_offers(run, downloads, tmp_path):
    at = _export_page(run).switch_page("pages/export.py").run()
    (code,) = at.code
    assert code.value.strip() == bundle.usage_snippet("pe_lab_classifier.zip").strip()
    path = tmp_path / "pe_lab_classifier.zip"
    path.write_bytes(downloads["pe_lab_classifier.zip"]())
    clf = bundle.load_classifier(path)
    _, result = run
    want = result.model.predict(result.vocabulary.encode(TEXTS[:4], result.max_len), verbose=0)
    np.testing.assert_allclose(clf.predict(TEXTS[:4]), want, atol=1e-6)


@pytest.mark.slow
def test_the_map_on_explore_is_the_one_exported(run, downloads):
    at = _export_page(run).switch_page("pages/explore.py").run()
    at.slider(key="explore_n_ref").set_value(300).run()
    at.toggle(key="opt_trails").set_value(False).run()
    at.radio(key="opt_method").set_value("t-SNE").run()  # chosen, not computed
    at.switch_page("pages/export.py").run()
    assert not at.exception and not at.error
    (info,) = [i.value for i in at.info if "Explore page is set to" in i.value]
    assert "t-SNE (perplexity 30, 500 iterations) of 300 reference words" in info
    assert "not been computed yet" in info
    assert sorted(downloads) == ALWAYS
    downloads.clear()
    next(b for b in at.button if b.label == "Compute the t-SNE map").click().run()
    assert at.session_state["map_jobs"]["t-SNE"].join(300)  # fitted in the background
    at.run()
    assert not at.exception and not at.error
    assert not [i for i in at.info if "Explore page is set to" in i.value]
    slug = "tsne_perp30_iter500_ref300"
    assert sorted(downloads) == sorted(
        [*ALWAYS, f"pe_lab_coordinates_{slug}.csv", f"pe_lab_map_{slug}.html"]
    )
    at.switch_page("pages/explore.py").run()
    (proj,) = [p for k, p in at.session_state["projections"].items() if k[1] == "t-SNE"]
    on_explore = proj.last_figure
    downloads.clear()
    at.switch_page("pages/export.py").run()
    assert proj.last_figure is on_explore  # reused, not evicted
    html = downloads[f"pe_lab_map_{slug}.html"]()
    assert not re.search(r'"name":"\w+ trail"', html)  # Trails off on Explore
    csv = downloads[f"pe_lab_coordinates_{slug}.csv"]()
    assert csv.splitlines()[0].startswith("token,kind,snapshot,step")


def test_the_pca_map_explore_computed_is_exported_without_an_offer(run, downloads):
    at = _export_page(run).switch_page("pages/explore.py").run()  # PCA is computed at once
    at.switch_page("pages/export.py").run()
    assert not at.exception and not at.error
    assert not [b for b in at.button if b.label.startswith("Compute")]
    assert {"pe_lab_coordinates_pca_ref2000.csv", "pe_lab_map_pca_ref2000.html"} <= set(downloads)


@pytest.mark.parametrize(
    ("view", "label", "slug"),
    [
        (("PCA", {"sphereize": False}, 2000), "PCA of 2,000 reference words", "pca_ref2000"),
        (("PCA", {"sphereize": True}, 300), "PCA (sphereized) of 300", "pca_sphereized_ref300"),
        (
            ("UMAP", {"n_neighbors": 15, "min_dist": 0.1}, 500),
            "UMAP (15 neighbours, min distance 0.1) of 500",
            "umap_nn15_md0.1_ref500",
        ),
    ],
)
def test_file_names_and_labels_say_which_map(view, label, slug):
    from ui import exports

    assert exports.view_label(*view).startswith(label)
    assert exports.view_slug(*view) == slug
