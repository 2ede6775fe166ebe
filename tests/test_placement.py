import numpy as np
import pytest

from pe_core.demo import demo_vectors
from pe_core.faithfulness import faithfulness
from pe_core.neighbours import normalise_rows
from pe_core.placement import AffinityPlacement
from pe_core.projection import LayoutCache, Projector

SQUARE = np.array([[0.0, 0], [1, 0], [0, 1], [1, 1]])


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="kernel must be one of tsne, umap; got 'pca'"):
        AffinityPlacement(np.eye(4), SQUARE, "pca")
    with pytest.raises(ValueError, match=r"ref_xy must be \(4, 2\) like the reference"):
        AffinityPlacement(np.eye(4), SQUARE[:3])
    with pytest.raises(ValueError, match=r"points must be \(m, 4\) like the reference"):
        AffinityPlacement(np.eye(4), SQUARE).place(np.ones((1, 3)))


@pytest.mark.parametrize("kernel", ["tsne", "umap"])
def test_copies_land_on_words_and_zero_rows_nowhere(kernel):
    ref = np.eye(4, dtype=np.float32) + 0.1
    placer = AffinityPlacement(ref, SQUARE, kernel, size=2)
    np.testing.assert_array_equal(placer.place(ref * 5), SQUARE)
    assert np.isnan(placer.place(np.zeros((2, 4)))).all()


def test_weights_sum_to_one_and_favour_the_nearest_word():
    ref = np.eye(4, dtype=np.float32)
    idx, w = AffinityPlacement(ref, SQUARE, "tsne", size=2, k=3).weights([[1.0, 0.5, 0.2, 0]])
    assert idx[0].tolist() == [0, 1, 2]
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert w[0, 0] > w[0, 1] > w[0, 2] > 0.0
    # The taper: a neighbour as far as the (k+1)-th has weight 0, so entering the k is smooth.
    _, w = AffinityPlacement(ref, SQUARE, "tsne", size=2, k=2).weights([[1.0, 0.2, 0.2, 0]])
    assert w[0, 1] == 0.0


def test_point_between_two_words_is_drawn_between_them():
    ref = np.eye(3, dtype=np.float32)
    xy = np.array([[0.0, 0], [10, 0], [0, 10]])
    placer = AffinityPlacement(ref, xy, "umap", size=2, k=2, shift_iter=0)
    np.testing.assert_allclose(placer.place([[1.0, 1.0, 0.0]]), [[5.0, 0.0]])


# ------------------------------------------------------------ faithfulness on a fixed-seed run
def drifting_tokens(ref, k=10, snapshots=25, seed=0):
    """k tokens walking from one word towards another with noise; zero at snapshot 0."""
    rng = np.random.default_rng(seed)
    a = ref[rng.choice(len(ref), k, replace=False)]
    b = ref[rng.choice(len(ref), k, replace=False)]
    t = np.linspace(0, 1, snapshots)[:, None, None]
    scale = np.linalg.norm(a, axis=1).mean() / np.sqrt(ref.shape[1])
    walk = np.cumsum(rng.normal(scale=0.05, size=(snapshots, k, ref.shape[1])), axis=0) * scale
    traj = ((1 - t) * a + t * b + walk).astype(np.float32)
    traj[0] = 0.0
    return traj


def measured(method, placement, **params):
    ref = demo_vectors().matrix[:600]
    traj = drifting_tokens(ref)
    # The second placement of a test reuses the first one's layout (same key).
    p = Projector(method, placement=placement, cache=LAYOUTS, **params).fit(ref)
    xy = np.stack(p.transform_sequence(list(traj[1:])))
    drawn = np.concatenate([np.full((1, traj.shape[1], 2), np.nan), xy])
    return faithfulness(ref, p.embedding_, traj, drawn)


#: Layouts shared by the tests of this module, in memory only (they write nothing to disk).
LAYOUTS = LayoutCache(disk=False)

FAST_TSNE = {"n_iter": 200, "early_exaggeration_iter": 100}
FAST_UMAP = {"n_neighbors": 15, "n_epochs": 100}


def test_tsne_tokens_are_drawn_near_their_words_on_smooth_paths():
    ours = measured("tsne", "affinity", **FAST_TSNE)
    assert ours.moving == 10
    assert ours.near >= 0.8, ours.as_dict()
    assert ours.tortuosity_median <= 1.2 and ours.tortuosity_p90 <= 1.4, ours.as_dict()
    # On this run openTSNE's own warm-started placement is also smooth (its failure is *near*
    # on real GloVe tokens, see bench/RESULTS.md), but it does not keep words' copies on them.
    ref = demo_vectors().matrix[:600]
    anchor = Projector("tsne", placement="opentsne", cache=LAYOUTS, **FAST_TSNE).fit(ref)
    assert not np.array_equal(anchor.transform(ref[:5]), anchor.embedding_[:5])


def test_umap_tokens_are_drawn_near_their_words_on_smooth_paths():
    pytest.importorskip("umap")
    ours = measured("umap", "affinity", **FAST_UMAP)
    assert ours.near >= 0.8, ours.as_dict()
    assert ours.tortuosity_median <= 1.3 and ours.tortuosity_p90 <= 2.0, ours.as_dict()
    anchor = measured("umap", "umap", **FAST_UMAP)
    assert anchor.tortuosity_median > 1.3 and anchor.tortuosity_p90 > 2.0, anchor.as_dict()


# ------------------------------------------------------------ coherence in time (issue 11)
#: Half-way, the tokens hesitate: their vectors go back and forth across the middle.
HESITATING = np.array([0, 0.1, 0.2, 0.3, 0.4, 0.47, 0.53, 0.47, 0.53, 0.47, 0.53, 0.47, 0.53])
HESITATING = np.concatenate([HESITATING, [0.6, 0.7, 0.8, 0.9, 1.0]])


def hesitating_tokens(ref, xy, k=10, seed=0):
    """k tokens walking from a word to a word drawn far from it, hesitating half-way."""
    from pe_core.faithfulness import map_diameter

    rng = np.random.default_rng(seed)
    a, b = (rng.choice(len(ref), 4 * k, replace=False) for _ in range(2))
    pairs = zip(a, b, strict=True)
    far = [(i, j) for i, j in pairs if np.linalg.norm(xy[i] - xy[j]) > map_diameter(xy) / 3]
    i, j = np.array(far[:k]).T
    s = HESITATING[:, None, None]
    return ((1 - s) * ref[i] + s * ref[j]).astype(np.float32)


@pytest.mark.parametrize(
    ("method", "params"), [("tsne", FAST_TSNE), ("umap", FAST_UMAP)], ids=["tsne", "umap"]
)
def test_a_hesitating_token_glides_instead_of_jumping_between_clusters(method, params):
    if method == "umap":
        pytest.importorskip("umap")
    ref = demo_vectors().matrix[:600]
    p = Projector(method, cache=LAYOUTS, **params).fit(ref)
    traj = hesitating_tokens(ref, p.embedding_)
    ours = faithfulness(ref, p.embedding_, traj, np.stack(p.transform_sequence(list(traj))))
    # Each frame on its own (the placement before issue 11): leaps across the map.
    alone = faithfulness(ref, p.embedding_, traj, np.stack([p.transform(f) for f in traj]))
    assert ours.moving == alone.moving == 10
    assert ours.near >= 1.0 and alone.near >= 1.0  # both end among the true words
    assert ours.largest_step_median <= 0.25 and ours.largest_step_max <= 0.4, ours.as_dict()
    assert alone.largest_step_median > 0.5 and alone.largest_step_max > 0.8, alone.as_dict()
    assert ours.tortuosity_p90 <= 0.8, ours.as_dict()
    if method == "tsne":  # on this map, frame by frame zig-zags between the clusters
        assert alone.tortuosity_p90 > 4.0, alone.as_dict()


def test_sequence_keeps_the_group_until_the_vector_leaves_it():
    # Two groups of words far apart on the map; a token half-way between them.
    ref = np.array([[1, 0.1, 0], [1, -0.1, 0], [0, 1, 0.1], [0, 1, -0.1]], dtype=np.float32)
    xy = np.array([[0.0, 0], [0, 1], [100, 0], [100, 1]])
    # A window of 2 map units: each group is one mode. No bound on the steps.
    placer = AffinityPlacement(ref, xy, "umap", size=3, k=3, bandwidth=0.02, step_floor=100.0)
    lean_a, lean_b = [1, 0.9, 0], [0.9, 1, 0]
    frames = np.array([[lean_a], [lean_b], [lean_a], [lean_b]], dtype=np.float32)
    alone = np.array([placer.place(f)[0] for f in frames])
    assert (alone[:, 0] < 50).tolist() == [True, False, True, False]  # flips every frame
    kept = placer.place_sequence(frames)[:, 0]
    assert (kept[:, 0] < 50).all()  # stays with the first group: both are still strong
    # The vector leaves: the token follows.
    gone = placer.place_sequence(np.array([[lean_a], [[0, 1, 0]]], dtype=np.float32))[:, 0]
    np.testing.assert_allclose(gone[1], [100.0, 0.5], atol=1e-6)


def test_sequence_steps_are_bounded_by_the_vector_steps():
    ref = np.array([[1, 0.1, 0], [1, -0.1, 0], [0, 1, 0.1], [0, 1, -0.1]], dtype=np.float32)
    xy = np.array([[0.0, 0], [0, 1], [100, 0], [100, 1]])
    placer = AffinityPlacement(ref, xy, "umap", size=3, k=3, step_scale=1.0, step_floor=0.0)
    path = np.array([[[1, 0, 0]], [[0.2, 1, 0]], [[0.1, 1, 0]], [[0, 1, 0]]], dtype=np.float32)
    drawn = placer.place_sequence(path)[:, 0]
    unit = normalise_rows(path[:, 0].astype(np.float64))
    limit = np.linalg.norm(np.diff(unit, axis=0), axis=1) * placer._half_diameter
    steps = np.linalg.norm(np.diff(drawn, axis=0), axis=1)
    assert (steps <= limit * (1 + 1e-6)).all() and steps[0] == pytest.approx(limit[0])
    # A copy of a word is drawn on it at once, whatever the bound.
    copy = placer.place_sequence(np.array([[[1, 0, 0]], [ref[2:3][0:1][0]]], dtype=np.float32))
    np.testing.assert_array_equal(copy[1], xy[2:3])
