"""The app through streamlit.testing.v1.AppTest: pages, bad uploads, a tiny run, its outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = [
    "pages/data.py",
    "pages/train.py",
    "pages/explore.py",
    "pages/neighbours.py",
    "pages/influence.py",
    "pages/axis.py",
    "pages/summary.py",
    "pages/compare.py",
    "pages/sweep.py",
    "pages/export.py",
]


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert "Current setup" in at.sidebar.markdown[0].value
    return at


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return matches[0]


def _script_report(code: str, env: dict | None, timeout: float) -> dict:
    """Run ``code`` in a fresh Python process (at the repo root) and parse its last line, JSON."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_first_page_loads_without_tensorflow():
    # A fresh interpreter: other tests in this process may have imported TensorFlow already.
    code = (
        "import sys, json\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120).run()\n"
        "print(json.dumps({'exception': [e.value for e in at.exception],\n"
        "  'tf': 'tensorflow' in sys.modules, 'keras': 'keras' in sys.modules,\n"
        "  'pandas': 'pandas' in sys.modules,\n"
        "  'buttons': [b.label for b in at.button]}))\n"
    )
    report = _script_report(code, None, timeout=300)
    assert report["exception"] == []
    assert report["tf"] is False and report["keras"] is False
    assert report["pandas"] is False  # 0.25 s of import: the map code loads it after the page
    assert "Train on the demo" in report["buttons"]


def test_tensorflow_is_imported_in_the_background_after_the_first_page():
    code = (
        "import sys, json\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120).run()\n"
        "before = 'tensorflow' in sys.modules\n"
        "from ui import warmup\n"
        "finished = warmup.imports_done.wait(240) and warmup.numba_done.wait(240)\n"
        "print(json.dumps({'before': before, 'finished': finished,\n"
        "  'tf': 'tensorflow' in sys.modules, 'umap': 'umap' in sys.modules,\n"
        "  'plotly': 'plotly.graph_objects' in sys.modules,\n"
        "  'run': [m for m in ('pe_core.model', 'sklearn.model_selection', 'sklearn.metrics',\n"
        "    'pe_core.stored_neighbours') if m not in sys.modules]}))\n"
    )
    env = dict(os.environ, PE_LAB_WARMUP="1", PE_LAB_WARMUP_DELAY="1", PE_LAB_WARMUP_NUMBA="now")
    env["PE_LAB_WARMUP_NUMBA_DELAY"] = "0"
    report = _script_report(code, env, timeout=300)
    # What a run imports before its first snapshot is imported too ("run": none missing).
    assert report == {
        "before": False,
        "finished": True,
        "tf": True,
        "umap": True,
        "plotly": True,
        "run": [],
    }


@pytest.mark.slow
def test_numba_is_compiled_only_once_the_first_run_has_finished():
    # Compiling numba holds the interpreter lock for 10-20 s: right after the imports it
    # overlapped the first click on Train. No UMAP map exists before a run, so it waits for one.
    code = (
        "import sys, json, time\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120).run()\n"
        "from ui import warmup\n"
        "imported = warmup.imports_done.wait(240)\n"
        "time.sleep(0.5)\n"  # a numba thread started with the imports would be running by now
        "early = warmup.scheduled('numba') or 'umap' in sys.modules\n"
        "at.switch_page('pages/train.py').run()\n"
        "at.number_input(key='opt_epochs').set_value(1).run()\n"
        "[b for b in at.button if b.label == 'Train on the demo'][0].click().run()\n"
        "run = at.session_state['run']\n"
        "deadline = time.time() + 240\n"
        "while not run.done and time.time() < deadline: time.sleep(0.1)\n"
        "at.run()\n"  # the Train page sees the run finished
        "compiled = warmup.numba_done.wait(240)\n"
        "print(json.dumps({'imported': imported, 'early': early, 'compiled': compiled,\n"
        "  'umap': 'umap' in sys.modules}))\n"
    )
    env = dict(os.environ, PE_LAB_WARMUP="1", PE_LAB_WARMUP_DELAY="0.5")
    env.pop("PE_LAB_WARMUP_NUMBA", None)
    report = _script_report(code, env, timeout=600)
    assert report == {"imported": True, "early": False, "compiled": True, "umap": True}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_defaults(page):
    at = _app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert _errors(at) == []
    assert at.title[0].value  # every page has a title


def test_broken_vectors_upload_shows_an_error():
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_vectors_source").set_value("Upload a file").run()
    at.file_uploader(key="vectors_upload").set_value(
        ("broken.txt", b"the 0.1 0.2 0.3\ncat 0.1 oops\n", "text/plain")
    ).run()
    _button(at, "Load the uploaded vectors").click().run()
    assert not at.exception, at.exception
    assert any("Loading the vectors failed" in e for e in _errors(at)), _errors(at)
    assert at.session_state["vectors_desc"] == "Embedded demo"  # the old vectors stay


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20


def test_a_png_renamed_txt_is_named_as_such_with_no_temp_path_and_no_bar_left():
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_vectors_source").set_value("Upload a file").run()
    at.file_uploader(key="vectors_upload").set_value(("photo.txt", PNG, "text/plain")).run()
    _button(at, "Load the uploaded vectors").click().run()
    assert not at.exception, at.exception
    (error,) = [e for e in _errors(at) if e.startswith("Loading the vectors failed")]
    assert error.startswith(
        "Loading the vectors failed: 'photo.txt' is a PNG image, not word vectors: expected "
        "text lines 'word v1 ... vD'"
    )
    assert "pe_lab_upload" not in error and "/tmp" not in error and "word2vec .bin" not in error
    assert not [p for p in at.get("progress") if "Reading" in p.proto.text]  # no bar left


def test_a_one_column_csv_is_told_what_it_lacks_not_to_add_a_header():
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_dataset_source").set_value("Upload CSV / TSV").run()
    at.file_uploader(key="dataset_upload").set_value(
        ("one.csv", b"text\nhello\nworld\n", "text/csv")
    ).run()
    assert not at.exception, at.exception
    assert _errors(at) == [
        "Reading the columns failed: 'one.csv' has a header row with only one column "
        "('text'); it needs a text column and a label column, separated by commas, tabs, "
        "semicolons or |"
    ]


def test_a_headerless_upload_offers_the_columns_loading_will_use_and_loads_them():
    at = _app().switch_page("pages/data.py").run()
    rows = [f"{'pos' if i % 2 else 'neg'}\tmessage number {i}, with a comma" for i in range(40)]
    at.radio(key="opt_dataset_source").set_value("Upload CSV / TSV").run()
    at.file_uploader(key="dataset_upload").set_value(
        ("sms.tsv", "\n".join(rows).encode(), "text/tab-separated-values")
    ).run()
    text, label = at.selectbox(key="dataset_text_col"), at.selectbox(key="dataset_label_col")
    assert text.options == label.options == ["column 0", "column 1"]
    assert (text.value, label.value) == (1, 0)  # what load_dataset guesses: text = longer values
    _button(at, "Use this dataset").click().run()
    assert not at.exception and _errors(at) == [], _errors(at)
    dataset = at.session_state["dataset"]
    assert dataset.columns == ("column 1", "column 0") and len(dataset.texts) == 40
    assert dataset.texts[0] == "message number 0, with a comma" and dataset.label_names == [
        "neg",
        "pos",
    ]


def test_bad_csv_upload_shows_an_error():
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_dataset_source").set_value("Upload CSV / TSV").run()
    at.file_uploader(key="dataset_upload").set_value(
        ("bad.csv", b"text,label\nonly one row,pos\n", "text/csv")
    ).run()
    _button(at, "Use this dataset").click().run()
    assert not at.exception, at.exception
    assert any("Loading the dataset failed" in e for e in _errors(at)), _errors(at)
    assert at.session_state["dataset_desc"] == "Embedded demo"


def test_path_outside_the_data_directory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("PE_LAB_DATA_DIR", str(tmp_path))
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_vectors_source").set_value("File in the data directory").run()
    at.text_input(key="vectors_path").set_value("../../etc/passwd").run()
    _button(at, "Load from the data directory").click().run()
    assert not at.exception
    assert any("contains '..'" in e for e in _errors(at)), _errors(at)


def test_custom_rule_and_literal_special_reach_the_vocabulary():
    at = _app().switch_page("pages/data.py").run()
    at.text_input(key="opt_literal_specials").set_value("<brand>").run()
    assert not at.exception and _errors(at) == []
    vocab = at.session_state["_vocab_cache"][1]
    assert "<brand>" in vocab.trainable_tokens


def _wait_until(at: AppTest, done, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "the run did not finish in time"
        time.sleep(1.0)
        at.run()
        assert not at.exception, at.exception
    at.run()  # one more run draws the final state (the job may end between two checks)
    assert not at.exception, at.exception


def _train_tiny(at: AppTest) -> AppTest:
    at.number_input(key="opt_epochs").set_value(1)
    at.select_slider(key="opt_batch_size").set_value(64)
    at.run()
    _button(at, "Train on the demo").click().run()
    assert not at.exception, at.exception
    _wait_until(at, lambda a: a.session_state["run"].done)
    return at


@pytest.mark.slow
def test_tiny_training_run_then_explore_neighbours_export():
    at = _train_tiny(_app())
    assert _errors(at) == []
    assert any("Training done" in s.value for s in at.success), [s.value for s in at.success]
    result = at.session_state["result"]
    assert result.state == "done" and len(result.trajectory) >= 2
    assert at.get("plotly_chart"), "the live map and curves are drawn"
    metrics = {m.label: m.value for m in at.metric}
    # The demo's 600 validation rows: 200 / 204 / 196 (stratified), so "always neutral".
    assert metrics["Majority baseline (always 'neutral')"] == "34.0%", metrics
    assert "Validation accuracy" in metrics and "Validation macro-F1" in metrics
    assert not [w.value for w in at.warning if "previous setup" in w.value]
    at.number_input(key="opt_seed").set_value(1).run()  # the settings now differ from the run's
    assert any("From the previous setup" in w.value for w in at.warning)
    at.number_input(key="opt_seed").set_value(0).run()
    assert not [w.value for w in at.warning if "previous setup" in w.value]

    at.switch_page("pages/explore.py").run()
    assert not at.exception and _errors(at) == []
    assert at.get("plotly_chart")
    assert len(at.dataframe) >= 1  # the per-token path table

    at.slider(key="explore_n_ref").set_value(200)
    at.radio(key="opt_method").set_value("t-SNE").run()
    _button(at, "Compute the t-SNE map").click().run()
    assert at.session_state["map_jobs"]["t-SNE"].join(300)  # fitted in the background
    at.run()
    assert not at.exception and _errors(at) == []
    assert len(at.session_state["projections"]) == 2  # PCA and t-SNE, both kept

    at.switch_page("pages/neighbours.py").run()
    assert not at.exception and _errors(at) == []
    assert len(at.dataframe) >= 2 and at.get("plotly_chart")

    at.switch_page("pages/influence.py").run()
    assert not at.exception and _errors(at) == []
    sentence = at.success[0].value
    assert " on average (" in sentence and "95 % CI" in sentence, sentence
    assert any("at most 500 texts per token" in c.value for c in at.caption)
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download the influence table (CSV)"
    ]
    _button(at, "Measure at these snapshots").click().run()
    assert not at.exception and _errors(at) == []
    assert len(at.get("plotly_chart")) == 2  # the ranked bars and the growth over training

    at.switch_page("pages/export.py").run()
    assert not at.exception and _errors(at) == []
    labels = [b.proto.label for b in at.get("download_button")]
    assert len(labels) == 9, labels  # 7 of the run, + coordinates and map of the t-SNE view


@pytest.mark.slow
def test_a_failing_run_shows_failed_and_the_app_stays_usable():
    at = _app().switch_page("pages/data.py").run()
    rows = [f"text number {i} is fine,{'pos' if i % 2 else 'neg'}" for i in range(40)]
    csv = "text,label\n" + "\n".join(rows) + "\nthe lonely one,rare\n"
    at.radio(key="opt_dataset_source").set_value("Upload CSV / TSV").run()
    at.file_uploader(key="dataset_upload").set_value(("one.csv", csv.encode(), "text/csv")).run()
    _button(at, "Use this dataset").click().run()
    assert _errors(at) == [], _errors(at)
    at.switch_page("pages/train.py").run()
    at.number_input(key="opt_epochs").set_value(1).run()
    _button(at, "Start training").click().run()
    _wait_until(at, lambda a: a.session_state["run"].done, timeout=120)
    assert at.session_state["run"].progress()["state"] == "failed"
    assert any("The run failed" in e and "rare" in e for e in _errors(at)), _errors(at)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)


@pytest.mark.slow
def test_comparison_runs_three_variants_and_states_the_result():
    at = _app()
    at.number_input(key="opt_epochs").set_value(1).run()
    at.switch_page("pages/compare.py").run()
    assert at.multiselect(key="compare_arms").value == ["frozen", "dual", "full"]
    at.multiselect(key="compare_arms").set_value(["frozen", "dual", "full", "lora"]).run()
    _button(at, "Run the comparison").click().run()
    assert not at.exception, at.exception
    _wait_until(at, lambda a: a.session_state["compare_job"].done, timeout=300)
    at.run()
    assert _errors(at) == [], _errors(at)
    comparison = at.session_state["comparison"]
    assert list(comparison.table.variant) == ["frozen", "dual", "full", "lora"]
    assert any("dual trained" in s.value for s in at.success)
    verdict = [s.value for s in at.success if "dual trained" in s.value][0]
    assert "beyond a 0.05 train-val gap" in verdict or "beyond the 0.05 taken as noise" in verdict
    assert len(at.get("plotly_chart")) == 4
    shown = at.dataframe[0].value
    assert "Optimizer state" in shown.columns and "s / epoch" in shown.columns


@pytest.mark.slow
def test_sweep_shows_its_budget_runs_in_the_background_and_states_where_dual_wins():
    at = _app().switch_page("pages/sweep.py").run()
    assert not at.exception, at.exception
    budget = at.info[0].value
    assert budget.startswith("Budget: 36 runs (3 arms × 4 sizes × 3 seeds), 300 steps each"), budget
    at.multiselect(key="sweep_arms").set_value(["frozen", "dual"])
    at.text_input(key="sweep_sizes").set_value("30, 60")
    at.number_input(key="sweep_seeds").set_value(1)
    at.number_input(key="sweep_steps").set_value(20).run()
    assert at.info[0].value.startswith("Budget: 4 runs (2 arms × 2 sizes × 1 seed), 20 steps")
    _button(at, "Run the sweep").click().run()
    assert not at.exception, at.exception
    _wait_until(at, lambda a: a.session_state["sweep_job"].done, timeout=300)
    assert _errors(at) == [], _errors(at)
    result = at.session_state["sweep"]
    assert result.runs["arm"].tolist() == ["frozen", "dual", "frozen", "dual"]
    assert any(s.value.startswith("dual ") and "of 4 runs" in s.value for s in at.success)
    assert len(at.get("plotly_chart")) == 1
    at.text_input(key="sweep_sizes").set_value("30, lots").run()
    assert any("training sizes must be positive whole numbers" in e for e in _errors(at))


def test_uploaded_vectors_become_the_current_vectors():
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_vectors_source").set_value("Upload a file").run()
    rows = [
        f"word{i} " + " ".join(f"{(i * 7 + j) % 11 / 10:.1f}" for j in range(4)) for i in range(30)
    ]
    at.file_uploader(key="vectors_upload").set_value(
        ("small.txt", ("\n".join(rows) + "\n").encode(), "text/plain")
    ).run()
    _button(at, "Load the uploaded vectors").click().run()
    assert not at.exception and _errors(at) == [], _errors(at)
    assert at.session_state["vectors_desc"] == "Upload: small.txt"
    assert len(at.session_state["vectors"]) == 30 and at.session_state["vectors"].dim == 4


@pytest.mark.slow
def test_second_session_queues_behind_the_first_and_stop_frees_the_slot():
    from pe_core.training import max_concurrent_runs, set_max_concurrent_runs

    before = max_concurrent_runs()
    set_max_concurrent_runs(1)
    try:
        first, second = _app(), _app()
        first.number_input(key="opt_epochs").set_value(200).run()
        _button(first, "Train on the demo").click().run()
        _wait_until(first, lambda a: a.session_state["run"].progress()["state"] == "running")
        second.number_input(key="opt_epochs").set_value(1).run()
        _button(second, "Train on the demo").click().run()
        assert second.session_state["run"].progress()["state"] == "queued"
        assert any("Queued: position 1" in p.proto.text for p in second.get("progress"))
        # The second user leaves Train while queued: Explore says a run is coming, not
        # "train a model first", and draws the map once it ends, without a visit to Train.
        second.switch_page("pages/explore.py").run()
        assert [i.value for i in second.info][0].startswith("A run is training")
        assert not second.get("plotly_chart")
        _button(first, "Stop").click().run()
        _wait_until(first, lambda a: a.session_state["run"].done, timeout=60)
        _wait_until(second, lambda a: a.session_state["run"].done)
        assert first.session_state["run"].progress()["state"] == "stopped"
        assert second.session_state["result"].state == "done"
        assert second.get("plotly_chart") and _errors(second) == []
        assert second.session_state["result"] is not first.session_state["run"].result
    finally:
        set_max_concurrent_runs(before)


def _wait_for_download(at: AppTest, timeout: float = 60.0) -> AppTest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = at.session_state["download_job"]
        if job.done:
            return at.run()
        time.sleep(0.1)
    raise AssertionError(f"download still running after {timeout} s: {job.progress()}")


def test_glove_download_runs_in_the_background_and_becomes_the_vectors(monkeypatch):
    from glove_server import Server, make_zip

    with Server(make_zip()) as server:
        monkeypatch.setenv("PE_LAB_GLOVE_URL", server.url)
        at = _app().switch_page("pages/data.py").run()
        at.radio(key="opt_vectors_source").set_value("Download GloVe").run()
        _button(at, "Download and load").click().run()
        assert not at.exception and _errors(at) == [], _errors(at)
        at = _wait_for_download(at)
    assert not at.exception and _errors(at) == [], _errors(at)
    assert at.session_state["vectors_desc"] == "GloVe 6B 50d"
    assert len(at.session_state["vectors"]) == 40 and at.session_state["vectors"].dim == 50
    assert any("**Current:** GloVe 6B 50d — 40 words × 50 d" in m.value for m in at.markdown)
    assert [s.value for s in at.success] == ["Loaded GloVe 6B 50d."]


def test_glove_twitter_download_offers_its_dimensions_and_suggests_its_preset(monkeypatch):
    from glove_server import TWITTER_WORDS, Server, make_zip

    with Server(make_zip("twitter.27B"), name="twitter.27B") as server:
        monkeypatch.setenv("PE_LAB_GLOVE_URL", server.url)
        at = _app().switch_page("pages/data.py").run()
        at.radio(key="opt_vectors_source").set_value("Download GloVe").run()
        assert at.selectbox(key="glove_name").options == [
            "6B (Wikipedia + Gigaword, 400k words)",
            "Twitter 27B (2B tweets, 1.2M words)",
        ]
        at.selectbox(key="glove_name").set_value("twitter.27B").run()
        assert at.selectbox(key="glove_dim_twitter.27B").options == ["25", "50", "100", "200"]
        at.selectbox(key="glove_dim_twitter.27B").set_value(25).run()
        assert any("GloVe Twitter** rules preset" in i.value for i in at.info)
        _button(at, "Download and load").click().run()
        at = _wait_for_download(at)
        assert server.requests[0]["path"] == "/glove.twitter.27B.zip"
    assert not at.exception and _errors(at) == [], _errors(at)
    assert at.session_state["vectors_desc"] == "GloVe twitter.27B 25d"
    assert at.session_state["vectors"].words == TWITTER_WORDS
    assert at.session_state["vectors"].dim == 25
    _button(at, "Use the GloVe Twitter rules preset").click().run()
    assert not at.exception
    assert at.session_state["opt_rules_preset"] == "GloVe Twitter"
    assert at.selectbox(key="opt_rules_preset").value == "GloVe Twitter"
    assert not any("rules preset" in i.value for i in at.info)  # chosen: no more suggestion


def test_failed_glove_download_shows_an_error_and_keeps_the_vectors(monkeypatch):
    from glove_server import Server, make_zip

    with Server(make_zip(), status=404) as server:
        monkeypatch.setenv("PE_LAB_GLOVE_URL", server.url)
        at = _app().switch_page("pages/data.py").run()
        at.radio(key="opt_vectors_source").set_value("Download GloVe").run()
        _button(at, "Download and load").click().run()
        at = _wait_for_download(at)
    assert not at.exception
    assert any("Downloading GloVe failed" in e and "HTTP 404" in e for e in _errors(at))
    assert at.session_state["vectors_desc"] == "Embedded demo"
    assert not _button(at, "Download and load").disabled


def test_real_data_shows_the_oov_cap_notice_and_the_twitter_preset(shared_glove):
    from pe_core.datasets import load_dataset
    from pe_core.vectors import load_vectors

    at = _app().switch_page("pages/data.py")
    at.session_state["vectors"] = load_vectors(shared_glove)
    at.session_state["dataset"] = load_dataset(shared_glove.parent / "tweeteval_sentiment_val.tsv")
    at.session_state["data_version"] = 99
    at.run()
    assert not at.exception and _errors(at) == []
    vocab = at.session_state["_vocab_cache"][1]
    assert (vocab.num_frozen, vocab.num_trainable) == (2430, 253)  # 9 specials + 243 OOV rows
    assert [i.value for i in at.info if "share <unk>" in i.value] == [
        "4,101 OOV words (6,091 occurrences) share <unk>: a row needs at least 3 occurrences "
        "(“OOV words: minimum count”), and 470 that occur often enough did not fit under the cap "
        "of 243 rows (“OOV words: cap on their rows”; default: 10 % of the frozen rows). To give "
        "them rows, lower “OOV words: minimum count” or raise “OOV words: cap on their rows” (or "
        "choose “No cap”)."
    ]  # in the labels of the controls below, not min_oov_count=3 / max_oov_rows=243
    assert at.number_input(key="opt_min_oov_count").label.startswith("OOV words: minimum count")
    assert at.selectbox(key="opt_oov_cap").label == "OOV words: cap on their rows"
    assert any("OOV rows: 243 of at most 243" in m.value for m in at.markdown)
    assert not at.warning  # 10.4 % trainable: no warning
    (chips,) = [m.value for m in at.markdown if 'title="oov">lol</span>' in m.value]
    assert chips.count("<span") == 253  # the trainable set, without escape or quote artefacts
    assert not any(t in chips for t in ("u2019", "u002c", "&#92;", "&quot;"))

    at.selectbox(key="opt_oov_cap").set_value("No cap").run()
    (warning,) = [w.value for w in at.warning if "Too many trainable rows" in w.value]
    assert warning.endswith(
        "raise “OOV words: minimum count” or lower “OOV words: cap on their rows”."
    )
    assert "min_oov_count" not in warning and "max_oov_rows" not in warning

    at.selectbox(key="opt_rules_preset").set_value("GloVe Twitter").run()
    assert not at.exception and _errors(at) == []
    tokens = at.session_state["_vocab_cache"][1].tokenizer.special_tokens
    assert tokens[-3:] == ["<repeat>", "<elong>", "<allcaps>"]


def test_data_page_shows_the_oov_and_the_unk_rate_each_named_for_what_it_counts():
    at = _app().switch_page("pages/data.py").run()
    stats = at.session_state["_vocab_cache"][1].stats
    metrics = {m.label: m for m in at.metric if m.label in ("OOV rate", "<unk> rate")}
    assert metrics["OOV rate"].value == f"{stats['oov_rate']:.1%}"
    assert metrics["<unk> rate"].value == f"{stats['unk_rate']:.1%}"
    assert "missing from the vectors" in metrics["OOV rate"].help
    assert "read as <unk>" in metrics["<unk> rate"].help
    assert "no row at all" in metrics["<unk> rate"].help


def test_an_upload_with_escapes_and_second_quotes_is_repaired_unless_unticked():
    rows = ["text\tlabel"] + [
        f'"""Don\\u2019t stop\\u002c number {i}"""\t{"pos" if i % 2 else "neg"}' for i in range(30)
    ]
    data = "\n".join(rows).encode()
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_dataset_source").set_value("Upload CSV / TSV").run()
    at.file_uploader(key="dataset_upload").set_value(("t.tsv", data, "text/tsv")).run()
    _button(at, "Use this dataset").click().run()
    assert not at.exception and _errors(at) == [], _errors(at)
    assert at.session_state["dataset"].texts[0] == "Don’t stop, number 0"
    notes = [c.value for c in at.caption if " texts " in c.value]
    assert notes == [
        "30 texts were a quoted CSV field themselves (quoted twice on export) and were unquoted: "
        "e.g. “&quot;Don&#92;u2019t stop&#92;u002c number 0&quot;” → “Don&#92;u2019t "
        "stop&#92;u002c number 0”; unticking “Unquote texts that are a quoted CSV field "
        "themselves” keeps them as written",
        "30 texts held escapes written out as text (&#92;u2019, &#92;&quot;), decoded: e.g. "
        "“Don&#92;u2019t” → “Don’t”; unticking “Decode escapes written "
        "out as text (&#92;u2019 → ’)” keeps them raw",
    ]  # in the checkboxes' labels; the backslashes drawn as entities show as written
    at.checkbox(key="opt_decode_escapes").uncheck().run()
    at.checkbox(key="opt_unquote_texts").uncheck().run()
    _button(at, "Use this dataset").click().run()
    assert at.session_state["dataset"].texts[0] == '"Don\\u2019t stop\\u002c number 0"'
    assert not [c.value for c in at.caption if " texts " in c.value]
