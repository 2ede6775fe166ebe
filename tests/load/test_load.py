"""Load test: 8 browser sessions against one ``streamlit run app.py`` server (functional only).

The scenario (tests/load/load_scenario.py) waits for states the pages show, never for a fixed
time, so a busy machine makes it slower, not wrong. Checked: every session shows its own k and
only its own tokens; the queue forms in the order Start was pressed (positions 1, 2, 3, 4) and
moves up when a queued run stops; runs train one at a time, in that order, and end done or
stopped; the sidebar shows the same final state as the page; no error element on any page.

Wall-clock bounds (page load, fresh render, memory) are measured by bench/bench_load.py on the
same scenario and written to bench/RESULTS.md; they are not asserted here.

Skips when Chromium or Playwright is missing, unless PE_LAB_REQUIRE_BROWSER=1 (then it fails).
"""

from __future__ import annotations

import json
import shutil

import pytest
from browser_support import free_port, need_browser
from load_scenario import ROOT, app_server, chromium, functional_problems, run_scenario

pytestmark = pytest.mark.load

ARTIFACTS = ROOT / "artifacts"


# This test found that Streamlit's per-rerun keras.backend.clear_session() and full GC stalled
# training under 8 sessions; ui/runtime.keep_keras_state and [runner] postScriptGC=false fix it.
def test_eight_sessions_queue_in_order_train_in_turn_and_stay_apart(tmp_path):
    need_browser()

    with app_server(tmp_path, free_port()) as (url, _proc, log_path):
        try:
            with chromium() as browser:
                out = run_scenario(browser, url)
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(log_path, ARTIFACTS / "load_test_server.log")
    summary = {
        s.index: {
            "k": s.k,
            "states": s.states,
            "queue_positions": s.queue_positions,
            "trained_s": s.trained_seconds,
            "started": s.started,
        }
        for s in out.sessions
    }
    (ARTIFACTS / "load_test.json").write_text(
        json.dumps(
            {
                "phases_s": out.phases,
                "blocker_stopped_at_step": list(out.blocker_steps),
                "sidebar": out.sidebar,
                "per_session": summary,
            },
            indent=1,
        )
    )
    problems = functional_problems(out)
    assert not problems, "\n".join(problems)
    # The states each session was seen in, in order (exact: the scenario waited for each).
    assert [summary[i]["states"] for i in range(5)] == [
        ["running", "stopped"],
        ["queued", "done"],
        ["queued", "done"],
        ["queued", "stopped"],
        ["queued", "done"],
    ]
    assert [summary[i]["queue_positions"] for i in range(1, 5)] == [[1], [2], [3], [4, 3]]
