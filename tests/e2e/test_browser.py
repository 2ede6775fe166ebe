"""A real browser: start the app, train on the demo, see the map, no error on the page.

Skips (with the reason) when Debian's Chromium or Playwright is missing, unless
PE_LAB_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
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


# State of the animated map in a page: slider position, frames, finite trail points, drawn
# tokens (a token still at zero has NaN coordinates: "not trained yet", not drawn).
_MAP_STATE = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const finite = t => Array.from(t.x || []).filter(v => v !== null && !Number.isNaN(v)).length;
  const trails = gd._fullData.filter(t => t.name.endsWith(' trail'));
  const tokens = gd._fullData.filter(t => ['unk', 'special', 'oov', 'promoted'].includes(t.name));
  return {active: gd.layout.sliders[0].active, frames: gd._transitionData._frames.length,
          trails: trails.length, trail_points: trails.reduce((n, t) => n + finite(t), 0),
          trail_segments: trails.some(t => { const x = Array.from(t.x || []);
            return x.some((v, i) => i > 0 && v !== null && !Number.isNaN(v)
                                    && x[i - 1] !== null && !Number.isNaN(x[i - 1])); }),
          tokens: tokens.reduce((n, t) => n + finite(t), 0)};
}"""


def _check_standalone_map(browser, html_path: Path) -> None:
    """Offline (every request but file:// refused): first frame no trail, last frame whole."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    refused = []

    def offline(route):
        if route.request.url.startswith("file:"):
            return route.continue_()
        refused.append(route.request.url)
        return route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.goto(html_path.as_uri())
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')?._fullData")
    first = page.evaluate(_MAP_STATE)
    assert first["active"] == 0 and first["trails"] > 0, first
    assert not first["trail_segments"] and first["trail_points"] == first["tokens"], first
    page.screenshot(path=str(ARTIFACTS / "e2e_html_first_frame.png"))
    page.get_by_text("▶ Play").click()
    last = first["frames"] - 1
    page.wait_for_function(
        f"() => document.querySelector('.js-plotly-plot').layout.sliders[0].active === {last}",
        timeout=60_000,
    )
    page.wait_for_timeout(500)  # the last frame's traces are drawn after the slider moves
    end = page.evaluate(_MAP_STATE)
    # Zero-initialised tokens have no direction at snapshot 0: their trails start at 1.
    whole = end["tokens"] * (end["frames"] - 1) <= end["trail_points"]
    assert end["trail_segments"] and whole and end["trail_points"] <= end["tokens"] * end["frames"]
    page.screenshot(path=str(ARTIFACTS / "e2e_html_last_frame.png"))
    assert refused == [], refused  # plotly.js is embedded: nothing was fetched
    context.close()


def test_train_on_the_demo_shows_the_map_and_exports_it(app_url, tmp_path):
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
            # The last frame of the map drawn: no element of an earlier rerun left on screen
            # and the final success line shown (waited for, not slept for).
            page.wait_for_function(
                """() => document.querySelectorAll('[data-stale="true"]').length === 0
                         && document.querySelectorAll('.js-plotly-plot').length >= 1""",
                timeout=30_000,
            )
            errors = page.locator(
                '[data-testid="stException"], [data-testid="stAlertContentError"]'
            )
            assert errors.count() == 0, errors.all_inner_texts()
            page.screenshot(path=str(ARTIFACTS / "e2e_map.png"), full_page=True)

            page.get_by_role("link", name="Explore").click()
            # The Explore page's own controls, drawn once its map is stored in the session (the
            # Train page's chart can still be on screen, stale, right after the click).
            expect(page.get_by_text("Focus token").first).to_be_visible(timeout=60_000)
            page.wait_for_function(
                """() => document.querySelectorAll('[data-stale="true"]').length === 0
                         && document.querySelectorAll('.js-plotly-plot').length >= 1""",
                timeout=60_000,
            )
            page.get_by_role("link", name="Export").click()
            # Streamlit gives a keyed widget's container the class st-key-<key>.
            button = page.locator('[class*="st-key-dl_pe_lab_map_"]').get_by_role("button")
            expect(button).to_be_visible(timeout=30_000)
            button.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "e2e_export.png"))
            assert errors.count() == 0, errors.all_inner_texts()
            with page.expect_download(timeout=60_000) as download:
                button.click()
            assert download.value.suggested_filename == "pe_lab_map_pca_ref2000.html"
            html_path = tmp_path / download.value.suggested_filename
            download.value.save_as(html_path)
            _check_standalone_map(browser, html_path)
            _explains_itself(page, expect)
            for method in ("t-SNE", "UMAP"):
                _explore_map(page, method)
        finally:
            browser.close()
    assert (ARTIFACTS / "e2e_map.png").stat().st_size > 10_000
    for name in (
        "explore_regions_focus.png",
        "semantic_axis.png",
        "semantic_plane.png",
        "summary.png",
    ):
        assert (ARTIFACTS / name).stat().st_size > 10_000, name

    for name in ("e2e_map_progress.png", "e2e_tsne_trails.png", "e2e_umap_trails.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000


def _explore_map(page, method: str) -> None:
    """Open Explore, compute the ``method`` map in the background, look at PCA meanwhile,
    come back to the finished map, check its faithfulness line, screenshot it."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Explore").click()
    radio = page.get_by_role("radio", name=method)
    expect(radio).to_be_visible(timeout=60_000)
    # The navigation's own run must end first: a method picked while it is still running was
    # put back to the URL's method by it (seen once under load: UMAP clicked, t-SNE shown).
    _settle(page, expect)
    page.get_by_text(method, exact=True).first.click()
    expect(radio).to_be_checked(timeout=30_000)
    page.get_by_role("button", name=f"Compute the {method} map").click(timeout=30_000)
    progress = page.get_by_text(f"Computing the {method} map", exact=False).first
    expect(progress).to_be_visible(timeout=60_000)
    if method == "t-SNE":  # once the bar has moved: the optimiser's iterations and a time left
        expect(page.get_by_text(re.compile(r"iterations · about .+ left")).first).to_be_visible(
            timeout=60_000
        )
        page.screenshot(path=str(ARTIFACTS / "e2e_map_progress.png"))
    # The page stays usable while the map is computed: the PCA map is drawn meanwhile.
    page.get_by_text("PCA", exact=True).first.click()
    page.wait_for_function(_TITLED.replace("TITLE", "PCA map"), timeout=60_000)
    page.get_by_text(method, exact=True).first.click()
    # The fit (and, for UMAP, numba's first compilation) runs in the server: wait for its map.
    page.wait_for_function(_TITLED.replace("TITLE", f"{method} map"), timeout=240_000)
    expect(page.get_by_text("Faithfulness of this map", exact=False).first).to_be_visible(
        timeout=30_000
    )
    trails = page.get_by_role("switch", name="Trails")  # on by default
    assert trails.is_checked()
    page.wait_for_timeout(1500)  # let the map draw
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()
    name = "e2e_tsne_trails.png" if method == "t-SNE" else "e2e_umap_trails.png"
    page.get_by_test_id("stPlotlyChart").first.screenshot(path=str(ARTIFACTS / name))


#: True once the first map on the page, not stale, has TITLE in its title (drawn bold).
_TITLED = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    const t = gd && gd.layout && gd.layout.title;
    return document.querySelectorAll('[data-stale="true"]').length === 0
        && !!t && String(t.text || t).includes('TITLE');
}"""


def _settle(page, expect) -> None:
    """Wait until the app has finished its run (the running indicator is gone)."""
    page.wait_for_timeout(500)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=90_000)
    page.wait_for_timeout(1000)


_ANNOTATIONS = (
    "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
    ".map(gd => ((gd.layout || {}).annotations || []).map(a => a.text))"
)


def _annotations(page) -> list[list[str]]:
    """The annotation texts of every plotly figure on the page, once one is drawn."""
    page.wait_for_function(f"() => ({_ANNOTATIONS})().length > 0", timeout=60_000)
    return page.evaluate(_ANNOTATIONS)


def _explains_itself(page, expect) -> None:
    """Issue 13: region labels and a focus token on Explore, the axis chart, the Summary."""
    page.get_by_role("link", name="Explore").click()
    expect(page.get_by_text("Focus token").first).to_be_visible(timeout=60_000)
    _settle(page, expect)
    labels = _annotations(page)[0]
    assert len(labels) >= 3 and all(" · " in t for t in labels), labels  # region labels
    page.get_by_test_id("stSelectbox").filter(has_text="Focus token").click()
    page.keyboard.type("<smile>")
    page.keyboard.press("Enter")
    _settle(page, expect)
    # The focus token's callout joins the region labels once the new figure is drawn.
    page.wait_for_function(
        f"() => ({_ANNOTATIONS})().some(texts => texts.includes('<b><smile></b>'))",
        timeout=60_000,
    )
    assert "focus=%3Csmile%3E" in page.url or "focus=<smile>" in page.url, page.url
    page.get_by_test_id("stPlotlyChart").first.screenshot(
        path=str(ARTIFACTS / "explore_regions_focus.png")
    )
    # A reload keeps the view (URL) and the run (server store).
    page.reload()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=60_000)
    _settle(page, expect)
    assert page.get_by_text("Nothing to explore yet").count() == 0
    expect(page.get_by_text("true nearest words", exact=False).first).to_be_visible()

    page.get_by_role("link", name="Semantic axis").click()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=60_000)
    _settle(page, expect)
    page.get_by_test_id("stPlotlyChart").first.screenshot(path=str(ARTIFACTS / "semantic_axis.png"))
    plane = page.get_by_test_id("stPlotlyChart").nth(1)  # the semantic plane, below
    plane.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # let it draw
    plane.screenshot(path=str(ARTIFACTS / "semantic_plane.png"))

    page.get_by_role("link", name="Summary").click()
    expect(page.get_by_text("Export as report").first).to_be_visible(timeout=60_000)
    _settle(page, expect)
    assert _annotations(page)[0], "the summary map names its regions"
    page.screenshot(path=str(ARTIFACTS / "summary.png"))
    errors = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()


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
