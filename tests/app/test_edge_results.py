"""Every page on the edge cases of a result: 1 snapshot, 1 token, 1 class of predictions.

A run stopped before its first batch has one snapshot (no drift, no epoch, no validation
accuracy); a run with no rules and no OOV rows has one token (``<unk>``); a run on a dataset
where one label dominates answers that label for every text. Each page must draw without an
exception or an error element, and say what the case means instead of showing a misleading
figure (nan %, a slider over one value, an accuracy that is only the majority's share).
"""

from __future__ import annotations

import functools
import io
import threading

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP, PAGES, _app, _button, _errors, _wait_until


@functools.cache
def _edge_results() -> dict:
    """A run stopped before its first batch (1 snapshot) and a run with one token (<unk>)."""
    from tiny_corpus import LABELS, TEXTS, TINY, VECTORS

    from pe_core.tokens import Tokenizer
    from pe_core.training import train

    stop = threading.Event()
    stop.set()
    one_snapshot = train(VECTORS, TEXTS, LABELS, stop_event=stop, **TINY)
    one_token = train(
        VECTORS, TEXTS, LABELS, tokenizer=Tokenizer(rules=[]), min_oov_count=None, **TINY
    )
    assert len(one_snapshot.trajectory) == 1 and one_snapshot.state == "stopped"
    assert one_snapshot.history["val_accuracy"] == [] and one_snapshot.val_predicted == []
    assert one_token.tokens == ["<unk>"] and len(one_token.trajectory) > 1
    return {"one snapshot": one_snapshot, "one token": one_token}


def _session_with(result) -> AppTest:
    """The app with ``result`` as the session's run result, as a finished run leaves it."""
    from tiny_corpus import LABELS, TEXTS, VECTORS

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["result"] = result
    at.session_state["run_vectors"] = VECTORS
    at.session_state["run_texts"] = TEXTS
    at.session_state["_run_labels"] = np.asarray(LABELS, dtype=object)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("case", ["one snapshot", "one token"])
def test_every_page_handles_a_result_with_one_snapshot_or_one_token(case):
    at = _session_with(_edge_results()[case])
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert _errors(at) == [], (page, _errors(at))
        shown = " ".join(e.value for e in [*at.markdown, *at.info, *at.success, *at.caption])
        assert "nan" not in shown.replace("nanoseconds", ""), (page, shown)
        if page == "pages/neighbours.py" and case == "one snapshot":
            infos = " ".join(i.value for i in at.info)
            assert "Drift needs at least two snapshots" in infos
            assert not [s for s in at.slider if s.key == "nb_snapshot"]
        if page == "pages/summary.py" and case == "one snapshot":
            headline = at.markdown[0].value
            assert headline == (
                "**A bag classifier trained 6 token rows (stopped, 0 epochs), stopped before "
                "its first epoch ended: no validation accuracy yet.**"
            ), headline


# ------------------------------------------------------------------ one class of predictions

#: Demo-vocabulary texts where 'positive' is 95 % of the labels: 2 epochs of the app's
#: defaults learn to answer 'positive' for every text (checked below, not assumed).
N_TEXTS, N_MINORITY = 200, 10


def _one_class_csv() -> bytes:
    import pandas as pd

    from pe_core.demo import demo_dataset

    texts = demo_dataset(N_TEXTS, seed=3).texts
    labels = [
        "negative" if i % (N_TEXTS // N_MINORITY) == 0 else "positive" for i in range(N_TEXTS)
    ]
    buf = io.StringIO()
    pd.DataFrame({"text": texts, "label": labels}).to_csv(buf, index=False)
    return buf.getvalue().encode()


@functools.cache
def _one_class_session_state() -> dict:
    """Upload the skewed dataset, train 2 epochs through the Train page; what it left."""
    at = _app().switch_page("pages/data.py").run()
    at.radio(key="opt_dataset_source").set_value("Upload CSV / TSV").run()
    at.file_uploader(key="dataset_upload").set_value(("skewed.csv", _one_class_csv(), "text/csv"))
    at.run()
    _button(at, "Use this dataset").click().run()
    assert _errors(at) == [], _errors(at)
    at.switch_page("pages/train.py").run()
    at.number_input(key="opt_epochs").set_value(2)
    at.select_slider(key="opt_batch_size").set_value(8).run()
    _button(at, "Start training").click().run()
    _wait_until(at, lambda a: a.session_state["run"].done, timeout=240)
    return at


@pytest.mark.slow
def test_every_page_handles_a_model_that_answers_one_class_for_every_text():
    at = _one_class_session_state()
    result = at.session_state["result"]
    assert result.state == "done" and result.label_names == ["negative", "positive"]
    n_val = len(result.val_indices)
    assert result.val_predicted == [0, n_val], "the model should answer 'positive' only"
    note = (
        f"The model answers 'positive' for all {n_val} validation texts: it has not learned "
        "to tell the 2 classes apart, so its accuracy is only the share of 'positive' there."
    )
    # Train: the accuracy equals the baseline's, and the page says why.
    metrics = {m.label: m for m in at.metric}
    accuracy = metrics["Validation accuracy"]
    assert accuracy.value == metrics["Majority baseline (always 'positive')"].value == "95.0%"
    # "+0.0 points" is drawn grey, not as good news in green.
    assert accuracy.delta == "+0.0 points vs baseline" and accuracy.proto.color == 2  # GRAY
    assert any(w.value.startswith(note) for w in at.warning), [w.value for w in at.warning]
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert _errors(at) == [], (page, _errors(at))
        if page == "pages/summary.py":
            headline = at.markdown[0].value
            assert f"95.0% for always answering 'positive'. {note} Balance" in headline, headline
        if page == "pages/influence.py":
            assert any("Predicted **positive**" in m.value for m in at.markdown)


@pytest.mark.slow
def test_compare_says_which_variant_answers_one_class_for_every_text():
    at = _one_class_session_state().switch_page("pages/train.py").run()
    at.number_input(key="opt_epochs").set_value(1).run()
    at.switch_page("pages/compare.py").run()
    _button(at, "Run the comparison").click().run()
    _wait_until(at, lambda a: a.session_state["compare_job"].done, timeout=300)
    assert _errors(at) == [], _errors(at)
    table = at.session_state["comparison"].table.set_index("variant")
    one = [v for v in table.index if table.loc[v, "val_classes_predicted"] == 1]
    assert one, table["val_classes_predicted"]  # 1 epoch on 95 % 'positive': at least one
    verdict = [s.value for s in at.success if "trained" in s.value][0]
    assert f"; {', '.join(one)} answered one class for every validation text" in verdict
    assert "Classes predicted" in at.dataframe[0].value.columns
