"""Tests for pe_core.training: trajectory, determinism, stop, queue, failures, bad input."""

import gc
import threading
import weakref
from pathlib import Path

import numpy as np
import pytest
from tiny_corpus import LABELS, TEXTS, TINY, VECTORS

from pe_core import model as pe_model
from pe_core import training as T
from pe_core.training import data as _data
from pe_core.training import scheduler as _scheduler


def tiny(**kwargs):
    return T.train(VECTORS, TEXTS, LABELS, **{**TINY, **kwargs})


@pytest.fixture(autouse=True)
def _one_run_at_a_time():
    T.set_max_concurrent_runs(1)
    yield
    T.set_max_concurrent_runs(1)


def test_tiny_run_records_a_trajectory_from_the_initial_rows():
    result = tiny()
    vocab = result.vocabulary
    k, d = vocab.num_trainable, VECTORS.dim
    assert result.state == "done"
    assert result.tokens == ["<unk>", "<hashtag>", "<smile>", "<sadface>", "blarg", "zorg"]
    assert result.token_kinds == ["unk", "special", "special", "special", "oov", "oov"]
    assert result.trajectory.dtype == np.float32
    assert result.trajectory.shape == (13, k, d)  # step 0 + one per batch (auto interval 1)
    assert result.steps.tolist() == list(range(13))
    np.testing.assert_allclose(result.epochs, np.arange(13) / 6)
    assert np.array_equal(result.trajectory[0], vocab.initial_trainable())
    assert np.array_equal(result.trajectory[-1], pe_model.trainable_rows(result.model))
    assert not np.array_equal(result.trajectory[0], result.trajectory[-1])
    assert {key: len(v) for key, v in result.history.items()} == {
        "loss": 2,
        "accuracy": 2,
        "train_accuracy": 2,
        "val_loss": 2,
        "val_accuracy": 2,
        "val_macro_f1": 2,
    }
    assert result.label_names == ["neg", "pos"]
    assert len(result.val_indices) == 12 and len(result.train_indices) == 48
    assert result.embedding_params == {"trainable": k * d, "frozen": vocab.num_frozen * d}
    dense = (d * 4 + 4) + (4 * 2 + 2)
    assert result.params == {"trainable": k * d + dense, "frozen": vocab.num_frozen * d}
    assert result.max_len == 3 and result.batches_per_epoch == 6
    assert result.settings["epochs"] == 2 and result.settings["variant"] == "dual"


def test_frozen_rows_still_equal_glove_exactly_after_training():
    for variant in ("dual", "frozen"):
        result = tiny(variant=variant, learning_rate=0.1)
        vocab = result.vocabulary
        glove = np.stack([VECTORS.vector(w) for w in vocab.frozen_words])
        assert np.array_equal(pe_model.frozen_rows(result.model), glove)
    frozen_run = tiny(variant="frozen")
    assert all(np.array_equal(s, frozen_run.trajectory[0]) for s in frozen_run.trajectory)
    full = tiny(variant="full", learning_rate=0.1)
    assert not np.array_equal(pe_model.frozen_rows(full.model), full.vocabulary.frozen_matrix)


def test_same_seed_gives_an_identical_trajectory_and_another_seed_does_not():
    a, b, c = tiny(seed=3), tiny(seed=3), tiny(seed=4)
    assert np.array_equal(a.trajectory, b.trajectory)
    assert a.history == b.history
    assert np.array_equal(a.val_indices, b.val_indices)
    assert not np.array_equal(a.trajectory, c.trajectory)


def test_stop_event_ends_the_run_within_one_batch_with_a_partial_trajectory():
    stop = threading.Event()

    def after_three_batches(progress):
        if progress["step"] == 3:
            stop.set()

    result = tiny(callback=after_three_batches, stop_event=stop)
    assert result.state == "stopped"
    assert result.steps.tolist() == [0, 1, 2, 3]
    assert result.trajectory.shape[0] == 4
    assert result.history["loss"] == []  # no epoch completed
    assert np.array_equal(result.trajectory[-1], pe_model.trainable_rows(result.model))


def test_snapshots_are_thinned_evenly_keeping_first_and_last():
    result = tiny(epochs=4, snapshot_every=1, max_snapshots=6)  # 25 snapshots without thinning
    assert 2 <= len(result.steps) <= 6
    assert result.steps[0] == 0 and result.steps[-1] == 24
    assert np.array_equal(result.trajectory[0], result.vocabulary.initial_trainable())
    assert np.all(np.diff(result.steps) > 0)


def test_thin_indices_spreads_by_step():
    assert T.thin_indices(range(10), 20).tolist() == list(range(10))
    assert T.thin_indices(range(11), 3).tolist() == [0, 5, 10]
    assert T.thin_indices([0, 1, 2, 3, 100], 3).tolist() == [0, 3, 4]
    kept = T.thin_indices(np.arange(1000), 500)
    assert len(kept) <= 500 and kept[0] == 0 and kept[-1] == 999
    with pytest.raises(ValueError, match="keep must be >= 2"):
        T.thin_indices(range(5), 1)


def test_auto_snapshot_interval_gives_about_75_snapshots():
    texts, labels = TEXTS * 10, LABELS * 10  # 480 training rows -> 60 batches per epoch
    result = T.train(VECTORS, texts, labels, epochs=5, batch_size=8, hidden=4)
    assert 60 <= len(result.steps) <= 90
    assert result.steps[-1] == 300


@pytest.mark.parametrize("encoder", ["cnn", "bilstm"])
def test_other_encoders_train(encoder):
    result = tiny(encoder=encoder, epochs=1)
    assert result.state == "done" and result.encoder == encoder
    assert np.isfinite(result.history["loss"]).all()


def test_integer_labels_with_names_and_balanced_class_weights():
    # 30 positive and 20 negative texts as integer labels 1 / 0 with names.
    texts, labels = TEXTS[:50], np.array([1] * 30 + [0] * 20)
    cfg = T.TrainConfig(label_names=["negative", "positive"], class_weights="balanced", **TINY)
    data = _data.prepare(VECTORS, texts, labels, cfg, [])
    assert data.label_names == ["negative", "positive"]
    # Stratified 80 / 20 split: 24 positive and 16 negative training rows, so "balanced"
    # weighs a row by 40 / (2 * count of its class): 40/48 and 40/32.
    train_y = data.y[data.train_idx]
    assert np.bincount(train_y).tolist() == [16, 24]
    weights = data.sample_weight[data.train_idx]
    np.testing.assert_allclose(weights[train_y == 1], 40 / 48, rtol=1e-6)
    np.testing.assert_allclose(weights[train_y == 0], 40 / 32, rtol=1e-6)
    assert _data.prepare(VECTORS, texts, labels, T.TrainConfig(**TINY), []).sample_weight is None
    # The weights reach the loss: the same seed trains differently with and without them.
    weighted = T.train(VECTORS, texts, labels, class_weights="balanced", optimizer="sgd", **TINY)
    plain = T.train(VECTORS, texts, labels, optimizer="sgd", **TINY)
    assert weighted.history["loss"][0] != plain.history["loss"][0]
    assert not np.array_equal(weighted.trajectory[-1], plain.trajectory[-1])
    assert weighted.label_names == ["0", "1"]  # integer labels without names keep their ids


def test_batch_larger_than_the_data_is_clamped_with_a_notice():
    result = tiny(batch_size=1000, epochs=1)
    assert result.batch_size == 48 and result.batches_per_epoch == 1
    assert result.notices[-1] == (
        "batch_size=1000 is larger than the 48 training rows; used 48 (one batch per epoch)"
    )
    from ui.wording import say  # the app's words: the control's label

    assert say(result.notices[-1]) == (
        "“Batch size” = 1000 is larger than the 48 training rows; used 48 (one batch per epoch)"
    )
    # The vocabulary's warning comes first: 6 trainable rows for 10 frozen words.
    assert result.notices[0].startswith("the trainable embedding rows are 60% of the frozen ones")


@pytest.mark.parametrize(
    ("texts", "labels", "kwargs", "message"),
    [
        (TEXTS, LABELS[:-1], {}, "got 60 texts and 59 labels"),
        (TEXTS[:5], ["pos"] * 5, {}, "training needs at least 2 classes, found 1: 'pos'"),
        (TEXTS[:6], ["pos"] * 5 + ["neg"], {}, "class 'neg' has only 1 row"),
        (TEXTS[:4], ["pos", "neg", "x", "x"], {}, "class 'neg' has only 1 row"),
        ([], [], {}, "texts is empty"),
        (TEXTS, LABELS, {"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
        (TEXTS, LABELS, {"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        (TEXTS, LABELS, {"max_len": 0}, "max_len must be an integer >= 1 .* got 0"),
        (TEXTS, LABELS, {"val_fraction": 0.6}, r"val_fraction must be in \(0, 0.5\], got 0.6"),
        (TEXTS, LABELS, {"val_fraction": 0}, r"val_fraction must be in \(0, 0.5\], got 0"),
        (TEXTS, LABELS, {"optimizer": "lion"}, "optimizer must be one of .* got 'lion'"),
        (TEXTS, LABELS, {"learning_rate": -1}, "learning_rate must be a positive number"),
        (TEXTS, LABELS, {"class_weights": "auto"}, "class_weights must be False or 'balanced'"),
        (TEXTS, LABELS, {"label_names": ["a"]}, None),  # string labels: names unused
    ],
)
def test_bad_input_raises_a_clear_value_error(texts, labels, kwargs, message):
    if message is None:
        assert T.train(VECTORS, texts, labels, **{**TINY, "epochs": 1, **kwargs}).state == "done"
        return
    with pytest.raises(ValueError, match=message):
        T.train(VECTORS, texts, labels, **{**TINY, **kwargs})


def test_small_split_that_cannot_hold_every_class_is_refused():
    texts = ["good", "bad", "good day", "bad day", "sad", "sad day"]
    with pytest.raises(ValueError, match="needs at least one row of each of the 3 classes"):
        T.train(VECTORS, texts, ["p", "n", "p", "n", "s", "s"], val_fraction=0.2)


# -- TrainingRun ---------------------------------------------------------------------------


def test_training_run_finishes_with_the_same_result_as_train():
    run = T.TrainingRun(VECTORS, TEXTS, LABELS, **TINY)
    assert run.progress()["state"] == "created"
    run.start()
    assert run.join(60)
    progress = run.progress()
    assert progress["state"] == "done" and progress["error"] is None
    assert progress["step"] == progress["total_steps"] == 12 and progress["fraction"] == 1.0
    assert progress["n_snapshots"] == 13 and len(progress["history"]["val_accuracy"]) == 2
    assert np.array_equal(run.result.trajectory, tiny().trajectory)
    snaps = run.snapshots()
    assert snaps["trajectory"].shape == run.result.trajectory.shape
    assert snaps["tokens"] == run.result.tokens


def test_eager_first_snapshot_runs_the_first_batches_eagerly_with_the_same_rows(monkeypatch):
    """A live view's run (``eager_first_snapshot``): the batches up to the first snapshot
    after step 0 run op by op, then the train step is traced; the rows are the same bit for
    bit, dropout included."""
    import keras

    eager, train_on_batch = [], keras.Model.train_on_batch

    def recording(model, *args, **kwargs):
        eager.append(model.run_eagerly)
        return train_on_batch(model, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "train_on_batch", recording)
    run = T.TrainingRun(
        VECTORS, TEXTS, LABELS, eager_first_snapshot=True, snapshot_every=3, **TINY
    ).start()
    assert run.join(120) and run.progress()["state"] == "done"
    assert eager == [True] * 3 + [False] * 9
    eager.clear()
    plain = tiny(snapshot_every=3)
    assert eager == [False] * 12
    assert run.result.steps.tolist() == plain.steps.tolist() == [0, 3, 6, 9, 12]
    assert np.array_equal(run.result.trajectory, plain.trajectory)
    assert run.result.history == plain.history


def test_a_run_publishes_its_initial_rows_before_its_first_step():
    """Snapshot 0 is the model's initial rows, readable while the first batch has not run: a
    live map can draw tokens with a direction (here init="random") before any step."""
    import time

    seen = []

    def at_first_report(progress):
        if seen:
            return
        deadline = time.monotonic() + 60  # its neighbours are searched by the worker first
        while not len(run.snapshots()["steps"]) and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append((progress["step"], run.snapshots()))

    run = T.TrainingRun(VECTORS, TEXTS, LABELS, init="random", callback=at_first_report, **TINY)
    assert run.start().join(120) and run.progress()["state"] == "done"
    step, first = seen[0]
    assert step == 0 and first["steps"].tolist() == [0]
    initial = run.result.vocabulary.initial_trainable()
    assert np.array_equal(first["trajectory"][0], initial)
    assert np.array_equal(run.result.trajectory[0], initial)
    assert (np.linalg.norm(initial, axis=1) > 0).all()  # every token has a place on the map


def test_stop_mid_run_gives_state_stopped_and_a_usable_partial_trajectory():
    seen = []
    holder = {}

    def stop_after_four(progress):
        seen.append(progress["state"])
        if progress["step"] == 4:
            holder["run"].stop()
            holder["partial"] = holder["run"].snapshots()

    run = T.TrainingRun(VECTORS, TEXTS, LABELS, callback=stop_after_four, **TINY)
    holder["run"] = run
    run.start().join(60)
    assert run.progress()["state"] == "stopped"
    assert set(seen) == {"running"}
    assert run.result.state == "stopped"
    assert run.result.steps.tolist() == [0, 1, 2, 3, 4]
    assert holder["partial"]["trajectory"].shape == (5, 6, 8)  # live copy while running
    assert np.array_equal(holder["partial"]["trajectory"], run.result.trajectory)


def test_two_parallel_runs_give_the_same_results_as_each_alone():
    alone = [tiny(seed=s, encoder="cnn") for s in (0, 1)]
    T.set_max_concurrent_runs(2)
    both_running = threading.Barrier(2, timeout=30)

    def meet(progress):
        if progress["step"] == 2:
            both_running.wait()  # proves the two really train at the same time

    runs = [
        T.TrainingRun(VECTORS, TEXTS, LABELS, seed=s, encoder="cnn", callback=meet, **TINY)
        for s in (0, 1)
    ]
    for run in runs:
        run.start()
    for run in runs:
        assert run.join(60)
    for run, ref in zip(runs, alone, strict=True):
        assert run.progress()["state"] == "done", run.progress()["error"]
        assert np.array_equal(run.result.trajectory, ref.trajectory)
        assert run.result.history == ref.history
        assert run.result.model is not ref.model


def test_a_failing_run_reports_failed_with_the_message_and_frees_its_slot():
    run = T.TrainingRun(VECTORS, TEXTS[:5], ["pos"] * 5, **TINY).start()
    run.join(60)
    progress = run.progress()
    assert progress["state"] == "failed"
    assert progress["error"] == "training needs at least 2 classes, found 1: 'pos'"
    assert run.result is None

    def boom(progress):
        raise RuntimeError("boom")

    run = T.TrainingRun(VECTORS, TEXTS, LABELS, callback=boom, **TINY).start()
    run.join(60)
    assert run.progress()["error"] == "RuntimeError: boom"
    assert run.progress()["state"] == "failed"
    # The slot was released: a next run still trains.
    assert T.TrainingRun(VECTORS, TEXTS, LABELS, **TINY).start().join(60)
    assert T.scheduler_status()["running"] == 0


def test_bad_settings_fail_the_run_and_unknown_names_raise_at_once():
    run = T.TrainingRun(VECTORS, TEXTS, LABELS, max_len=0).start()
    run.join(60)
    assert run.progress()["state"] == "failed"
    assert run.progress()["error"].startswith("max_len must be an integer >= 1")
    with pytest.raises(TypeError, match="epoch"):
        T.TrainingRun(VECTORS, TEXTS, LABELS, epoch=3)


def test_with_limit_one_a_second_run_waits_in_line_and_starts_when_the_first_ends():
    gate = threading.Event()
    first_state_when_second_started = []

    def hold(progress):
        gate.wait(30)

    first = T.TrainingRun(VECTORS, TEXTS, LABELS, callback=hold, **TINY).start()
    while first.progress()["state"] != "running":
        first.join(0.01)

    def record(progress):
        if not first_state_when_second_started:
            first_state_when_second_started.append(first.progress()["state"])

    second = T.TrainingRun(VECTORS, TEXTS, LABELS, callback=record, **TINY).start()
    third = T.TrainingRun(VECTORS, TEXTS, LABELS, **TINY).start()
    while third.progress()["queue_position"] != 2:
        third.join(0.01)
    assert second.progress()["state"] == "queued"
    assert second.progress()["queue_position"] == 1
    third.stop()  # a queued run leaves the line at once
    assert third.join(10)
    assert third.progress()["state"] == "stopped" and third.result is None
    assert second.progress()["queue_position"] == 1
    gate.set()
    assert first.join(60) and second.join(60)
    assert first_state_when_second_started == ["done"]
    assert second.progress()["state"] == "done"


def test_release_drops_the_model_so_memory_can_be_freed():
    run = T.TrainingRun(VECTORS, TEXTS, LABELS, **TINY).start()
    run.join(60)
    ref = weakref.ref(run.result.model)
    run.release()
    gc.collect()
    assert run.result is None and ref() is None
    assert run.progress()["state"] == "done"  # the figures stay, the heavy parts go

    holder = {}

    def stop_on_two(progress):
        if progress["step"] == 2:
            holder["run"].stop(release=True)

    run = T.TrainingRun(VECTORS, TEXTS, LABELS, callback=stop_on_two, **TINY)
    holder["run"] = run
    run.start().join(60)
    assert run.progress()["state"] == "stopped"
    assert run.result is None and run.snapshots()["trajectory"].shape[0] == 0


def test_bad_env_limit_is_reported(monkeypatch):
    scheduler = _scheduler._Scheduler()
    monkeypatch.setenv("PE_LAB_MAX_RUNS", "two")
    with pytest.raises(ValueError, match="PE_LAB_MAX_RUNS must be a positive integer, got 'two'"):
        scheduler.limit()
    monkeypatch.setenv("PE_LAB_MAX_RUNS", "3")
    assert _scheduler._Scheduler().limit() == 3
    with pytest.raises(ValueError, match="max concurrent runs must be an integer >= 1, got 0"):
        T.set_max_concurrent_runs(0)


def test_demo_subset_learns_the_specials_and_beats_the_majority_class():
    from pe_core.demo import demo_dataset, demo_vectors

    data = demo_dataset(n=600)
    result = T.train(
        demo_vectors(), data.texts, data.labels, label_names=data.label_names, epochs=3
    )
    labels = np.asarray(data.labels)
    majority = (labels[result.val_indices] == np.bincount(labels).argmax()).mean()
    assert result.history["val_accuracy"][-1] >= majority + 0.10
    moved = np.linalg.norm(result.trajectory[-1] - result.trajectory[0], axis=1)
    kinds = np.array(result.token_kinds)
    assert (moved[kinds == "special"] > 0).any()


def test_run_slot_shares_the_line_with_training_runs():
    stop = threading.Event()
    with T.run_slot() as ok:
        assert ok and T.scheduler_status()["running"] == 1
        run = T.TrainingRun(VECTORS, TEXTS, LABELS, **TINY).start()
        while run.progress()["queue_position"] != 1:
            run.join(0.01)
    assert run.join(60) and run.progress()["state"] == "done"
    stop.set()
    with T.run_slot(stop) as ok:
        assert not ok  # stopped while waiting: nothing held
    assert T.scheduler_status() == {"limit": 1, "running": 0, "queued": 0}


def test_importing_the_training_module_does_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, pe_core.training; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.split() == ["False", "False"]


def test_a_run_reports_loading_tensorflow_then_training(monkeypatch):
    loading, go_on = threading.Event(), threading.Event()
    real = T.configure_tensorflow

    def slow_configure(threads=None):
        loading.set()
        assert go_on.wait(30)
        real(threads)

    monkeypatch.setattr(T.runs, "configure_tensorflow", slow_configure)  # where runs call it
    run = T.TrainingRun(VECTORS, TEXTS, LABELS, **TINY).start()
    assert loading.wait(30)
    p = run.progress()
    assert (p["state"], p["phase"], p["total_steps"]) == ("running", "loading TensorFlow", 0)
    go_on.set()
    assert run.join(120)
    assert (run.progress()["state"], run.progress()["phase"]) == ("done", "training")


def _final_predictions(result, texts, labels):
    x = np.asarray(result.vocabulary.encode(texts, result.max_len))
    names = sorted(set(labels))
    y = np.array([names.index(label) for label in labels])
    probs = np.asarray(result.model.predict_on_batch(x), dtype=np.float64)
    return probs, y


def test_train_accuracy_is_measured_in_inference_mode_at_the_epoch_end():
    # High dropout makes the running (training-mode) accuracy differ from the model's own.
    result = tiny(dropout=0.5)
    probs, y = _final_predictions(result, TEXTS, LABELS)
    tr = result.train_indices
    expected = float((probs[tr].argmax(axis=1) == y[tr]).mean())
    assert result.history["train_accuracy"][-1] == pytest.approx(expected, abs=1e-12)


def test_val_predicted_counts_the_last_epochs_validation_predictions_per_class():
    result = tiny()
    probs, y = _final_predictions(result, TEXTS, LABELS)
    pred = probs[result.val_indices].argmax(axis=1)
    assert result.val_predicted == np.bincount(pred, minlength=2).tolist()
    assert sum(result.val_predicted) == len(result.val_indices) == 12
    stop = threading.Event()
    stop.set()
    assert T.train(VECTORS, TEXTS, LABELS, stop_event=stop, **TINY).val_predicted == []


def test_validation_loss_uses_the_class_weights_when_they_are_on():
    texts, labels = TEXTS[:50], LABELS[:50]  # 30 pos, 20 neg
    weighted = T.train(VECTORS, texts, labels, class_weights="balanced", **TINY)
    probs, y = _final_predictions(weighted, texts, labels)
    va, tr = weighted.val_indices, weighted.train_indices
    counts = np.bincount(y[tr])
    per_class = len(tr) / (2 * counts)  # sklearn's "balanced" on the training rows
    nll = -np.log(np.clip(probs[va, y[va]], 1e-7, 1.0))
    expected = float((per_class[y[va]] * nll).mean())
    assert weighted.history["val_loss"][-1] == pytest.approx(expected, rel=1e-6)
    assert expected != pytest.approx(float(nll.mean()), rel=1e-3)  # the weights matter here
