"""The Train page's first map: the reference words alone, drawn after the first page (not in
it), then the run's live map on the very same words and axes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import preview

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


@pytest.mark.slow
def test_the_preview_comes_after_the_first_page_and_the_live_map_keeps_its_words(monkeypatch):
    monkeypatch.setenv("PE_LAB_WARMUP", "0")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # the first page (Train): light, no chart
    assert not at.exception and _charts(at) == []
    at.run()  # the fragment's next poll: the reference words alone; then polling stops
    [shown] = _charts(at)
    assert shown["layout"]["title"]["text"] == preview.TITLE
    assert [t.get("name") for t in shown["data"]] == ["reference words"]  # no token
    at.run()
    assert _charts(at) == [shown]  # drawn again from the memo, unchanged
    at.number_input(key="opt_epochs").set_value(1)
    at.select_slider(key="opt_batch_size").set_value(64)
    at.run()
    fitted = at.session_state["_projector_memo"][1]  # the preview's map
    [start] = [b for b in at.button if b.label == "Train on the demo"]
    start.click().run()
    assert not at.exception, at.exception
    assert at.session_state["live_projector"] is fitted  # the click does not fit it again
    run, deadline = at.session_state["run"], time.monotonic() + 240
    while not run.done:  # the run starts a moment after the click (ui.jobs.start_after_redraw)
        assert time.monotonic() < deadline, run.progress()
        time.sleep(0.5)
    at.run()
    live = _charts(at)[0]
    assert live["layout"]["title"]["text"].startswith("PCA map · snapshot ")
    assert live["data"][0]["name"] == "reference words"
    for axis in ("x", "y"):  # the same words, where the preview had them
        assert live["data"][0][axis] == shown["data"][0][axis]
    assert len(live["data"]) > 1  # and the tokens
