from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from pe_core.projection import (
    DEFAULT_PARAMS,
    LayoutCache,
    Projector,
    choose_reference,
    default_cache_dir,
    project_trajectory,
    validate_params,
)
from pe_core.vectors import Vectors

# Small t-SNE settings: the tests check properties, not the prettiest layout (2-core CI).
FAST_TSNE = {"n_iter": 200, "early_exaggeration_iter": 100, "transform_n_iter": 150}


def clustered(n=400, dim=20, centres=8, seed=0):
    """n points in ``centres`` well separated Gaussian clusters."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=4.0, size=(centres, dim))
    labels = rng.integers(0, centres, size=n)
    return (means[labels] + rng.normal(size=(n, dim))).astype(np.float32)


def read_glove(path, n):
    words, rows = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(" ")
            words.append(parts[0])
            rows.append(np.array(parts[1:], dtype=np.float32))
            if len(words) == n:
                break
    return Vectors(words, np.stack(rows))


def fake_result(trajectory, kinds=None):
    s, k, _ = trajectory.shape
    return SimpleNamespace(
        tokens=[f"<t{i}>" for i in range(k)],
        token_kinds=kinds or ["special"] * k,
        trajectory=np.asarray(trajectory, dtype=np.float32),
        steps=np.arange(s) * 10,
        epochs=np.arange(s) / 2,
        vocabulary=None,
    )


def rank_of_self(embedding, placed, rows):
    """Rank of the original reference point among the placed point's nearest reference points."""
    dist = np.linalg.norm(embedding[None] - placed[:, None], axis=2)
    order = np.argsort(dist, axis=1)
    return [int(np.flatnonzero(order[i] == r)[0]) for i, r in enumerate(rows)]


# The layouts below are module-scoped (fitted once); with no cache given a fit writes nothing.
@pytest.fixture(scope="module")
def tsne_fit():
    ref = clustered()
    return ref, Projector("tsne", **FAST_TSNE).fit(ref)


@pytest.fixture(scope="module")
def opentsne_fit(tsne_fit):
    """The same layout with openTSNE's own placement (fitted from the same seed and data)."""
    ref, _ = tsne_fit
    return ref, Projector("tsne", placement="opentsne", **FAST_TSNE).fit(ref)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("mds",), {}, r"method must be one of \('pca', 'tsne', 'umap'\), got 'mds'"),
        (
            ("tsne",),
            {"perplexty": 5},
            r"unknown parameter\(s\) \['perplexty'\] .*allowed: .*perplexity",
        ),
        (("pca",), {"perplexity": 5}, r"unknown parameter\(s\) \['perplexity'\] for method 'pca'"),
        (("tsne",), {"metric": "manhattan"}, r"metric must be one of \('cosine', 'euclidean'\)"),
        (("tsne",), {"perplexity": 0}, "perplexity must be a number >= 1, got 0"),
        (("tsne",), {"n_iter": 2.5}, "n_iter must be an integer >= 0, got 2.5"),
        (("umap",), {"n_neighbors": 1}, "n_neighbors must be an integer >= 2, got 1"),
        (("pca",), {"sphereize": "yes"}, "sphereize must be True or False, got 'yes'"),
        (("pca", -1), {}, "random_state must be an integer >= 0, got -1"),
        (
            ("tsne",),
            {"negative_gradient_method": "exact"},
            r"must be one of \('auto', 'fft', 'bh'\)",
        ),
        (("tsne",), {"cache": True}, "cache must be a LayoutCache or None, got True"),
    ],
)
def test_parameter_errors_are_raised_by_fit(args, kwargs, message):
    projector = Projector(*args, **kwargs)  # stores its arguments, as scikit-learn's do
    with pytest.raises(ValueError, match=message):
        projector.fit(clustered(n=40, dim=4))


def test_parameters_are_checked_once_in_fit(monkeypatch):
    import pe_core.projection.projector as projector_module

    calls = []
    real = projector_module.validate_params
    monkeypatch.setattr(projector_module, "validate_params", lambda *a: calls.append(a) or real(*a))
    p = Projector("pca", sphereize=True)
    assert calls == []
    assert np.array_equal(p.fit_transform(np.eye(4)), p.embedding_)
    assert calls == [("pca", {"sphereize": True})]


def test_defaults_are_the_allowed_parameters():
    assert validate_params("tsne", {}) == DEFAULT_PARAMS["tsne"]
    assert Projector("pca", sphereize=True).fit(np.eye(3)).effective_params_ == {"sphereize": True}


def test_perplexity_too_large_error_names_the_largest_allowed_value():
    ref = clustered(n=31)
    with pytest.raises(ValueError, match=r"perplexity=30 is too large .*largest allowed: 10\b"):
        Projector("tsne", perplexity=30, clamp=False).fit(ref)


def test_perplexity_too_large_is_clamped_with_a_notice():
    ref = clustered(n=31)
    p = Projector("tsne", perplexity=30, n_iter=50, early_exaggeration_iter=25).fit(ref)
    assert p.notices[0] == (
        "perplexity=30 is too large for a reference of this size; largest allowed: 10; using 10"
    )
    assert p.embedding_.shape == (31, 2)


def test_data_errors():
    with pytest.raises(
        ValueError, match=r"reference must be 2-D \(words x dim\); got shape \(5,\)"
    ):
        Projector("pca").fit(np.ones(5))
    with pytest.raises(ValueError, match="reference must have between 3 and 20000 rows; got 2"):
        Projector("pca").fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="reference has 1 row"):
        Projector("pca").fit(np.array([[1.0, 2], [np.nan, 1], [0, 1]]))
    with pytest.raises(ValueError, match="words has 2 entries but reference has 3 rows"):
        Projector("pca").fit(np.eye(3), words=["a", "b"])
    with pytest.raises(ValueError, match="not fitted yet; call fit"):
        Projector("pca").transform(np.eye(3))
    p = Projector("pca").fit(np.eye(3))
    with pytest.raises(
        ValueError, match=r"points must be \(m, 3\) like the reference; got \(1, 2\)"
    ):
        p.transform(np.ones((1, 2)))
    with pytest.raises(
        ValueError, match="init is only used by method='tsne' with placement='opentsne'"
    ):
        p.transform(np.eye(3), init=np.zeros((3, 2)))


# ---------------------------------------------------------------- PCA
@pytest.mark.parametrize("sphereize", [False, True])
def test_pca_copy_of_a_reference_word_lands_exactly_on_it(sphereize):
    ref = clustered(n=500, dim=30)
    p = Projector("pca", sphereize=sphereize).fit(ref)
    rows = [0, 17, 499, 250]
    np.testing.assert_array_equal(p.transform(ref[rows]), p.embedding_[rows])
    np.testing.assert_array_equal(p.transform(ref[7]), p.embedding_[[7]])


def test_pca_matches_hand_computed_map():
    # Points on the line y = 2x in 3-D plus one off-line point: the first axis is the line.
    ref = np.array([[0, 0, 0], [1, 2, 0], [2, 4, 0], [3, 6, 0], [1.5, 3, 1]], dtype=np.float32)
    p = Projector("pca").fit(ref)
    axis = np.array([1, 2, 0]) / np.sqrt(5)
    np.testing.assert_allclose(np.abs(p.components_[0]), axis, atol=1e-6)
    centred = ref - ref.mean(axis=0)
    np.testing.assert_allclose(p.embedding_, centred @ p.components_.T, atol=1e-6)
    np.testing.assert_allclose(p.explained_variance_ratio_.sum(), 1.0)


def test_pca_sphereize_ignores_scale_along_rays_from_the_centre():
    ref = clustered(n=100, dim=5)
    p = Projector("pca", sphereize=True).fit(ref)
    centre = ref.mean(axis=0)
    stretched = centre + 3.0 * (ref[:4] - centre)
    np.testing.assert_allclose(p.transform(stretched), p.embedding_[:4], atol=1e-6)


def test_reference_is_identical_across_frames_pca():
    ref = clustered(n=200, dim=10)
    p = Projector("pca").fit(ref)
    # The state transform() reads: the axes and the centre.
    axes, centre = p.components_.copy(), p._pca.mean_.copy()
    frames = [np.random.default_rng(i).normal(size=(5, 10)) for i in range(4)]
    placed = p.transform_sequence(frames)
    assert [f.shape for f in placed] == [(5, 2)] * 4
    np.testing.assert_array_equal(placed[2], p.transform(frames[2]))
    np.testing.assert_array_equal(p.components_, axes)
    np.testing.assert_array_equal(p._pca.mean_, centre)
    # After all the frames, the reference is still drawn exactly where it was laid out.
    np.testing.assert_array_equal(p.transform(ref), p.embedding_)


# ---------------------------------------------------------------- t-SNE
def _placement_state(p):
    """What our placement reads: its reference rows and its (fixed) map coordinates."""
    return p._placer.reference.copy(), p._placer.ref_xy.copy()


@pytest.mark.parametrize("fit", ["tsne_fit", "opentsne_fit"])
def test_tsne_reference_is_identical_across_frames(fit, request):
    ref, p = request.getfixturevalue(fit)
    # openTSNE's embedding object (what its transform optimises against) and our placer's.
    internal = np.asarray(p.layout_).copy()
    affinities = p.layout_.affinities.P.toarray().copy()
    placement = p.effective_params_["placement"]
    ours = _placement_state(p) if placement == "affinity" else None
    rng = np.random.default_rng(3)
    frames = [ref[:6] + rng.normal(scale=0.2, size=(6, ref.shape[1])) for _ in range(3)]
    placed = p.transform_sequence(frames)
    assert [f.shape for f in placed] == [(6, 2)] * 3
    np.testing.assert_array_equal(np.asarray(p.layout_), internal)
    np.testing.assert_array_equal(p.layout_.affinities.P.toarray(), affinities)
    np.testing.assert_array_equal(np.asarray(p.layout_), p.embedding_)
    if placement == "affinity":
        for now, then in zip(_placement_state(p), ours, strict=True):
            np.testing.assert_array_equal(now, then)
        assert not p._placer.ref_xy.flags.writeable and not p.reference_.flags.writeable


def test_tsne_copy_of_a_word_lands_exactly_on_that_word(tsne_fit):
    ref, p = tsne_fit
    rows = list(range(0, 400, 20))
    np.testing.assert_array_equal(p.transform(ref[rows]), p.embedding_[rows])
    # Scaled copies too: the map is cosine, so the length does not matter.
    np.testing.assert_array_equal(p.transform(3.0 * ref[rows]), p.embedding_[rows])


def test_tsne_opentsne_placement_puts_a_copy_among_its_30_nearest_points(opentsne_fit):
    ref, p = opentsne_fit
    rows = list(range(0, 400, 20))
    ranks = rank_of_self(p.embedding_, p.transform(ref[rows]), rows)
    assert max(ranks) < 30, ranks


def test_tsne_transform_is_continuous_and_sequences_are_causal(tsne_fit):
    ref, p = tsne_fit
    rng = np.random.default_rng(4)
    point = ref[:8] + rng.normal(scale=0.5, size=(8, ref.shape[1]))
    nudged = point + 1e-4 * rng.normal(size=point.shape)
    span = np.ptp(p.embedding_, axis=0).max()
    assert np.abs(p.transform(nudged) - p.transform(point)).max() < 1e-3 * span
    # A sequence's first frame is placed on its own; a frame depends only on the frames
    # before it (placing more snapshots later never moves the earlier ones).
    frames = [ref[:8], point, nudged, ref[8:16]]
    whole = p.transform_sequence(frames)
    np.testing.assert_array_equal(whole[0], p.transform(ref[:8]))
    for k in (1, 2, 3):
        head = p.transform_sequence(frames[:k])
        np.testing.assert_array_equal(np.stack(head), np.stack(whole[:k]))
    # A copy of a word lands on it in a sequence too, whatever came before.
    np.testing.assert_array_equal(whole[3], p.embedding_[8:16])
    # Alone or in a batch: the same place up to float rounding (BLAS sums in batch order).
    alone = p.transform(point[3:4])[0]
    np.testing.assert_allclose(alone, p.transform(point)[3], rtol=0, atol=1e-6 * span)


def test_tsne_placement_is_deterministic_for_a_seed():
    ref = clustered(n=150, dim=8)
    kwargs = {"n_iter": 60, "early_exaggeration_iter": 30, "random_state": 7}
    a, b = Projector("tsne", **kwargs).fit(ref), Projector("tsne", **kwargs).fit(ref)
    pts = ref[:5] + 0.3
    np.testing.assert_array_equal(a.embedding_, b.embedding_)
    np.testing.assert_array_equal(a.transform(pts), b.transform(pts))


def test_zero_and_near_zero_rows_are_nowhere_on_tsne_and_umap_maps(tsne_fit):
    ref, p = tsne_fit
    rows = np.stack([np.zeros(ref.shape[1]), 1e-9 * ref[0], ref[0]])
    xy = p.transform(rows)
    assert np.isnan(xy[:2]).all() and np.isfinite(xy[2]).all()


def test_tsne_warm_start_keeps_paths_smooth(opentsne_fit):
    ref, p = opentsne_fit
    rows = [1, 2, 3, 4]
    frames = [ref[rows]] * 4  # nothing moves, so the placed points should barely move
    placed = p.transform_sequence(frames)
    span = np.ptp(p.embedding_, axis=0).max()
    steps = [np.linalg.norm(b - a, axis=1).max() for a, b in zip(placed, placed[1:], strict=False)]
    assert max(steps) < 0.05 * span, (steps, span)
    with pytest.raises(ValueError, match=r"init must have shape \(4, 2\); got \(3, 2\)"):
        p.transform(ref[rows], init=np.zeros((3, 2)))


def test_tsne_fft_gradients_keep_the_reference_fixed():
    ref = clustered(n=150, dim=8)
    p = Projector(
        "tsne",
        negative_gradient_method="fft",
        n_iter=60,
        early_exaggeration_iter=30,
        placement="opentsne",
    )
    p.fit(ref)
    internal = np.asarray(p.layout_).copy()
    placed = p.transform_sequence([ref[:3], ref[:3]])
    np.testing.assert_array_equal(np.asarray(p.layout_), internal)
    assert max(rank_of_self(p.embedding_, placed[1], range(3))) < 30


def test_tsne_progress_is_reported_and_reaches_one():
    seen = []
    ref = clustered(n=80, dim=6)
    Projector(
        "tsne",
        perplexity=10,
        n_iter=60,
        early_exaggeration_iter=40,
        progress=lambda f, m: seen.append((f, m)),
    ).fit(ref)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[0][1] == "t-SNE: nearest neighbours of the reference"
    assert any(m == "t-SNE: 100/100 iterations" for _, m in seen)


def test_tsne_layout_cache_on_disk_and_in_memory():
    ref = clustered(n=60, dim=6)
    kwargs = {"perplexity": 10, "n_iter": 50, "early_exaggeration_iter": 25}
    cache = LayoutCache()
    first = Projector("tsne", cache=cache, **kwargs).fit(ref)
    assert not first.from_cache_
    folder = default_cache_dir() / "layouts"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"tsne-{first.cache_key_}.json",  # the manifest: the layout's size and checksum
        f"tsne-{first.cache_key_}.npz",
    ]
    again = Projector("tsne", cache=cache, **kwargs).fit(ref)
    assert again.from_cache_ and again.notices == ["reference layout reused from memory"]
    cache.clear_memory()
    disk = Projector("tsne", cache=cache, **kwargs).fit(ref)
    assert disk.from_cache_ and disk.notices[0].startswith("reference layout reused from the cache")
    assert str(default_cache_dir()) not in disk.notices[0]  # no internal path reaches the page
    np.testing.assert_array_equal(disk.embedding_, first.embedding_)
    assert disk.transform(ref[:2]).shape == (2, 2)
    # Another process (a new cache object) finds it on disk.
    assert Projector("tsne", cache=LayoutCache(), **kwargs).fit(ref).from_cache_
    # The seed and the layout parameters are part of the key; placement settings are not.
    other_seed = Projector("tsne", random_state=1, cache=cache, **kwargs).fit(ref)
    assert other_seed.cache_key_ != first.cache_key_ and not other_seed.from_cache_
    placement = Projector("tsne", warm_n_iter=5, cache=cache, **kwargs).fit(ref)
    assert placement.cache_key_ == first.cache_key_ and placement.from_cache_


def test_without_a_cache_a_fit_writes_nothing_and_keeps_nothing():
    ref = clustered(n=60, dim=6)
    kwargs = {"perplexity": 10, "n_iter": 50, "early_exaggeration_iter": 25}
    first = Projector("tsne", **kwargs).fit(ref)
    again = Projector("tsne", **kwargs).fit(ref)
    assert not first.from_cache_ and not again.from_cache_ and again.notices == []
    assert not (default_cache_dir() / "layouts").exists()
    memory_only = LayoutCache(disk=False)
    Projector("tsne", cache=memory_only, **kwargs).fit(ref)
    assert Projector("tsne", cache=memory_only, **kwargs).fit(ref).from_cache_
    assert not (default_cache_dir() / "layouts").exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong reference"])
def test_damaged_cache_entry_is_recomputed_with_a_notice(damage, tmp_path):
    ref = clustered(n=60, dim=6)
    kwargs = {"perplexity": 10, "n_iter": 50, "early_exaggeration_iter": 25}
    cache = LayoutCache(tmp_path / "layouts", memory_size=1)
    first = Projector("tsne", cache=cache, **kwargs).fit(ref)
    cache.clear_memory()
    path = tmp_path / "layouts" / f"tsne-{first.cache_key_}.npz"
    if damage == "garbage":
        path.write_bytes(b"not a numpy file")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-10])
    else:  # a whole entry, checksum and all, of another reference under this key
        from pe_core.projection import tsne

        entry = cache._entry(f"tsne-{first.cache_key_}", ".npz")
        entry.write({".npz": tsne.dumps(np.zeros((5, 2)))}, {})
    again = Projector("tsne", cache=cache, **kwargs).fit(ref)
    assert not again.from_cache_
    assert again.notices[0].startswith("ignored a damaged cached layout (")
    assert str(tmp_path) not in again.notices[0]
    np.testing.assert_array_equal(again.embedding_, first.embedding_)  # same seed, same layout
    cache.clear_memory()
    assert Projector("tsne", cache=cache, **kwargs).fit(ref).from_cache_  # rewritten whole


def test_tsne_trustworthiness_of_a_2000_point_synthetic_reference():
    ref = clustered(n=2000, dim=50, centres=20, seed=5)
    p = Projector("tsne", n_iter=250, early_exaggeration_iter=125).fit(ref)
    assert trustworthiness(ref, p.embedding_, n_neighbors=10) >= 0.9


def test_tsne_trustworthiness_of_2000_real_glove_words(shared_glove):
    vectors = read_glove(shared_glove, 2000)
    p = Projector("tsne", n_iter=250, early_exaggeration_iter=125)
    p.fit_vectors(vectors, np.arange(2000))
    assert p.words_[:3] == vectors.words[:3]
    assert trustworthiness(vectors.matrix, p.embedding_, n_neighbors=10, metric="cosine") >= 0.9


# ---------------------------------------------------------------- UMAP
@pytest.mark.parametrize("placement", ["affinity", "umap"])
def test_umap_reference_is_identical_across_frames(placement):
    pytest.importorskip("umap")
    ref = clustered(n=300, dim=10)
    p = Projector("umap", n_neighbors=10, n_epochs=100, placement=placement).fit(ref)
    # UMAP's model is what its transform reads: its layout and its fuzzy graph.
    layout, graph = p.layout_.embedding_.copy(), p.layout_.graph_.toarray().copy()
    placed = p.transform_sequence([ref[:5], ref[:5] + 0.1])
    assert [f.shape for f in placed] == [(5, 2)] * 2
    np.testing.assert_array_equal(p.layout_.embedding_, layout)
    np.testing.assert_array_equal(p.layout_.graph_.toarray(), graph)
    np.testing.assert_array_equal(p.layout_.embedding_, p.embedding_)
    assert max(rank_of_self(p.embedding_, placed[0], range(5))) < 30
    if placement == "affinity":
        np.testing.assert_array_equal(placed[0], p.embedding_[:5])  # copies land on words
        np.testing.assert_array_equal(p._placer.ref_xy, p.embedding_)


def test_umap_progress_reports_epochs_and_the_cached_model_forgets_the_callback():
    pytest.importorskip("umap")
    import pickle
    import threading

    seen, lock = [], threading.Lock()  # a lock: the callback must not end up in the pickle

    def progress(fraction, message):
        with lock:
            seen.append((fraction, message))

    ref = clustered(n=200, dim=8)
    p = Projector("umap", n_neighbors=10, n_epochs=60, progress=progress).fit(ref)
    fractions = [f for f, _ in seen]
    assert seen[0] == (0.0, "UMAP: nearest neighbours of the reference")
    assert ("UMAP: 60/60 epochs" in [m for _, m in seen]) and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert p.layout_.tqdm_kwds == {"disable": True}
    assert pickle.loads(pickle.dumps(p.layout_)).embedding_.shape == (200, 2)


def test_umap_missing_package_message(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_umap(name, *args, **kwargs):
        if name == "umap":
            raise ImportError("No module named 'umap'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_umap)
    with pytest.raises(ImportError, match="pip install umap-learn"):
        Projector("umap").fit(clustered(n=20, dim=4))


# ---------------------------------------------------------------- trajectories
def test_project_trajectory_pca_columns_and_nearest_words():
    words = ["east", "north", "west", "south"]
    ref = np.array([[1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0]], dtype=np.float32)
    p = Projector("pca").fit(ref, words=words)
    traj = np.array([[[0, 0, 0], [0, 2, 0]], [[1, 0, 0], [0, 2, 1]]], dtype=np.float32)
    df = project_trajectory(fake_result(traj, kinds=["unk", "oov"]), p)
    assert list(df.columns) == [
        "token",
        "kind",
        "snapshot",
        "step",
        "epoch",
        "x",
        "y",
        "nearest",
        "similarity",
        "placed",
        "top3",
        "map_agree",
    ]
    assert df.token.tolist() == ["<t0>", "<t1>", "<t0>", "<t1>"]
    assert df.kind.tolist() == ["unk", "oov", "unk", "oov"]
    assert df.step.tolist() == [0, 0, 10, 10] and df.epoch.tolist() == [0.0, 0.0, 0.5, 0.5]
    assert df.nearest.tolist() == ["", "north", "east", "north"]
    np.testing.assert_allclose(df.similarity, [np.nan, 1.0, 1.0, 2 / np.sqrt(5)], atol=1e-6)
    # The zero row has no direction: not trained yet, drawn nowhere.
    assert df.placed.tolist() == [False, True, True, True]
    assert np.isnan(df.x[0]) and np.isnan(df.y[0]) and df.map_agree[0] == -1
    assert df.top3.tolist() == [
        "not trained yet",
        "north 1.00, east 0.00, west 0.00",
        "east 1.00, north 0.00, south 0.00",
        "north 0.89, east 0.00, west 0.00",
    ]
    assert df.map_agree.tolist()[1:] == [4, 4, 4]  # only 4 words: all 4 agree
    # The token at exactly "east" sits exactly on east's reference point.
    np.testing.assert_array_equal(df[["x", "y"]].to_numpy()[2], p.embedding_[0])


def test_project_trajectory_nearest_over_all_vectors():
    vectors = Vectors(["a", "b", "c"], np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32))
    p = Projector("pca").fit(vectors.matrix[:2].tolist() + [[-1, -1]], words=["a", "b", "z"])
    df = project_trajectory(fake_result(np.array([[[2, 2.1]]])), p, vectors=vectors)
    assert df.nearest.tolist() == ["c"]
    df = project_trajectory(fake_result(np.array([[[2, 2.1]]])), p)
    assert df.nearest.tolist() == ["b"]


def test_project_trajectory_tsne_keeps_reference(tsne_fit):
    ref, p = tsne_fit
    before = p.embedding_.copy()
    traj = np.stack([ref[:3] + 0.05 * i for i in range(3)])
    df = project_trajectory(fake_result(traj), p)
    assert len(df) == 9 and df[["x", "y"]].notna().all().all()
    np.testing.assert_array_equal(p.embedding_, before)


def test_project_trajectory_shape_errors():
    p = Projector("pca").fit(np.eye(4))
    bad = fake_result(np.zeros((2, 3, 4)))
    bad.token_kinds = ["unk"]
    with pytest.raises(ValueError, match=r"one kind per token; got shape \(2, 3, 4\) and 1 kinds"):
        project_trajectory(bad, p)
    bad = fake_result(np.zeros((2, 3, 4)))
    bad.steps = [0]
    with pytest.raises(ValueError, match="need 2 entries"):
        project_trajectory(bad, p)


# ---------------------------------------------------------------- reference chooser
def test_choose_reference_priorities():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(100)]
    vectors = Vectors(words, rng.normal(size=(100, 8)))
    token = vectors.matrix[[90]] * 2.0  # its nearest word is w90
    ids = choose_reference(
        vectors, dataset_words=["w50", "nope", "w51"], trainable_matrix=token, n=6, neighbours_k=2
    )
    assert len(ids) == 6 and list(ids) == sorted(ids)
    assert {90, 50, 51} <= set(ids.tolist())
    assert {0, 1} <= set(ids.tolist())  # the rest: most frequent words first
    assert choose_reference(vectors, n=3).tolist() == [0, 1, 2]
    assert len(choose_reference(vectors, n=500)) == 100  # only 100 words exist
    zero = choose_reference(vectors, trainable_matrix=np.zeros((2, 8)), n=2)
    assert zero.tolist() == [0, 1]


@pytest.mark.parametrize("n", [0, 20001, 2.5])
def test_choose_reference_size_errors(n):
    vectors = Vectors(["a", "b"], np.eye(2))
    with pytest.raises(ValueError, match=f"must be an integer from 1 to 20000; got {n}"):
        choose_reference(vectors, n=n)
