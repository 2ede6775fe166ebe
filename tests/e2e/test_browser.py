"""A real browser: start the app, train on the demo, see the map, no error on the page.

Skips (with the reason) when Debian's Chromium or Playwright is missing, unless
PE_LAB_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import BROWSER_ARGS, CHROMIUM, free_port, need_browser, stop_server

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health within {timeout} s")


@contextlib.contextmanager
def _serve(tmp_path: Path, **env_overrides: str):
    """``streamlit run app.py`` on a free loopback port; yields (url, log path)."""
    need_browser()
    port = free_port()
    env = dict(os.environ, PE_LAB_CACHE=str(tmp_path / "cache"), **env_overrides)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    log_path = tmp_path / "streamlit.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield url, log_path
        finally:
            stop_server(proc, timeout=15)


@pytest.fixture
def app_url(tmp_path):
    with _serve(tmp_path, PE_LAB_DEFAULT_EPOCHS="3") as (url, _):
        yield url


def test_train_on_the_demo_shows_the_map(app_url):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(app_url)
            button = page.get_by_role("button", name="Train on the demo")
            expect(button).to_be_visible(timeout=30_000)
            button.click()
            expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Training done", exact=False).first).to_be_visible(
                timeout=90_000
            )
            page.wait_for_timeout(1500)  # let the last frame of the map draw
            errors = page.locator(
                '[data-testid="stException"], [data-testid="stAlertContentError"]'
            )
            assert errors.count() == 0, errors.all_inner_texts()
            page.screenshot(path=str(ARTIFACTS / "e2e_map.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "e2e_map.png").stat().st_size > 10_000


def test_closing_the_tab_stops_and_releases_the_run(tmp_path):
    """Issue 7: a run whose session disconnects is stopped and its memory released."""
    from playwright.sync_api import expect, sync_playwright

    env = {"PE_LAB_DEFAULT_EPOCHS": "200", "PE_LAB_DISCONNECT_GRACE": "2"}
    with _serve(tmp_path, **env) as (url, log_path), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.get_by_role("button", name="Train on the demo").click(timeout=30_000)
            expect(page.get_by_text("Training ·").first).to_be_visible(timeout=90_000)
        finally:
            browser.close()  # the session disappears while the run is training
        deadline = time.monotonic() + 60
        wanted = "stopped and released 1 job(s) of vanished session"
        while wanted not in log_path.read_text(errors="replace"):
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")[-2000:]
            time.sleep(0.5)
