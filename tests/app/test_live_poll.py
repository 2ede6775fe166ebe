"""The Train page's polling: fast until the run's first token map is drawn, then every second;
no token map is drawn (and the fast polling goes on) while every token is still at zero."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

# A run that has taken snapshot 0 (every row zero: nothing to draw) and, once ``moved`` is set,
# a snapshot whose rows have a direction; progress as TrainingRun.progress() gives it.
_SCRIPT = """
import numpy as np
import streamlit as st

from pe_core.demo import demo_vectors
from pe_core.projection import Projector
from ui import live

s = st.session_state


class Run:
    done = False

    def progress(self):
        return {"state": "running", "fraction": 0.1, "total_steps": 10, "step": 1, "epoch": 1,
                "epochs": 1, "eta_seconds": 5, "notices": [], "history": {}}

    def snapshots(self, after_step=None):
        rows = [np.zeros((2, 50), np.float32)]
        if s.moved:
            rows.append(np.stack([s.vectors.matrix[0], np.zeros(50, np.float32)]))
        steps = np.arange(len(rows), dtype=np.int64)
        new = steps > (-1 if after_step is None else after_step)
        return {"trajectory": np.stack(rows)[new], "steps": steps[new],
                "epochs": steps[new] / 10.0, "tokens": ["<smile>", "<url>"],
                "token_kinds": ["special", "special"], "neighbours": None, "all_steps": steps}


if "run" not in s:
    s.vectors = s.run_vectors = demo_vectors()
    s.live_projector = Projector("pca").fit_vectors(s.vectors, np.arange(300))
    s.run, s.moved, s._token_map_shown = Run(), False, False
before = live.poll_seconds(True, False)
view = live.live_view()
s.out = {
    "before": before,
    "too_fast": live.polling_too_fast(live.FIRST_MAP_POLL_SECONDS),
    "drawn": view.map_figure is not None,
    "after": live.poll_seconds(True, False),
    "idle": live.poll_seconds(False, False),
    "preview": live.poll_seconds(False, True),
}
"""


def test_the_page_polls_fast_until_the_first_token_is_on_the_map():
    at = AppTest.from_string(_SCRIPT, default_timeout=60).run()
    assert not at.exception, at.exception
    fast, slow = 0.25, 1.0
    # Snapshot 0 only: every token at zero, no token map; keep polling fast.
    assert at.session_state["out"] == {
        "before": fast,
        "too_fast": False,
        "drawn": False,
        "after": fast,
        "idle": None,
        "preview": slow,
    }
    at.session_state["moved"] = True
    at.run()  # a token has a direction: the map is drawn, and from now on the page polls slowly
    out = at.session_state["out"]
    assert (out["before"], out["drawn"], out["after"]) == (fast, True, slow)
    # A fragment still defined with the fast interval asks for one full rerun to slow down.
    assert out["too_fast"] is True
