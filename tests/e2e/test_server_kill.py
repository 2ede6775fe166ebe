"""The server killed with SIGKILL mid-training, then started again on the same cache.

Nothing of the killed process may linger: the new server answers, a fresh session trains to
the end with no error on the page, and the cache holds no half-written file. (The download
killed mid-transfer is tests/test_faults.py.)
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from browser_support import BROWSER_ARGS, CHROMIUM, free_port, need_browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))
from load_scenario import (  # noqa: E402
    DONE_TEXT,
    TRAIN_BUTTON,
    app_server,
    errors,
    open_session,
    press,
    set_epochs,
    wait_text,
)

pytestmark = pytest.mark.e2e


def test_sigkill_mid_training_then_restart_comes_back_clean(tmp_path):
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            with app_server(tmp_path, free_port()) as (url, proc, _log):
                session = open_session(browser, url, 0)
                set_epochs(session.page, 200)
                press(session, TRAIN_BUTTON)
                wait_text(session.page, r"Training · epoch \d+/200", timeout_s=180)
                proc.send_signal(signal.SIGKILL)  # no shutdown code of any kind runs
                proc.wait(30)
                assert proc.returncode == -signal.SIGKILL
                session.context.close()
            with app_server(tmp_path, free_port()) as (url, _proc, _log):
                session = open_session(browser, url, 1)
                press(session, TRAIN_BUTTON)
                done = wait_text(session.page, DONE_TEXT, timeout_s=240)
                assert done.startswith("Training done in")
                assert errors(session.page) == []
        finally:
            browser.close()
    cache = tmp_path / "cache"
    leftovers = sorted(p.name for p in cache.rglob("*.tmp")) if cache.exists() else []
    assert leftovers == []
