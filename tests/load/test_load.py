"""Load test (issue 7, item 1): 8 browser sessions against one ``streamlit run app.py`` server.

One Debian Chromium, 8 browser contexts = 8 Streamlit sessions, all on 127.0.0.1. Each session
types its own literal special tokens on the Data page (session i gets i + 1 of them, named
``s<i>x<j>``), so its vocabulary size k and its tokens are its own. Three sessions train on the
demo, a fourth starts and stops. While the runs train (one slot: the others queue), one thread
times ``GET /`` and ``GET /_stcore/health``, one samples the RSS of the server's process tree,
and one (with its own Chromium) times the first render of fresh sessions.

Checks: every session shows its own k and only its own tokens; queued runs show their position,
then train one after another and end done (or stopped); no error element on any page;
``GET /`` and ``/_stcore/health`` answer within ``PE_LAB_LOAD_MAX_LATENCY`` s (2); a fresh
browser session renders within ``PE_LAB_LOAD_MAX_RENDER`` s (10) while training; peak RSS
stays under ``PE_LAB_LOAD_MAX_RSS_MB`` (4096). Figures go to ``artifacts/load_test.json``.

Skips when Chromium or Playwright is missing, unless PE_LAB_REQUIRE_BROWSER=1 (then it fails).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import BROWSER_ARGS, CHROMIUM, free_port, need_browser, stop_server

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"

N_SESSIONS = 8
TRAINING = (0, 1, 2)  # sessions that train to the end
STOPPING = 3  # a session that starts a run and stops it
EPOCHS = 2  # per run, on the embedded demo (about 3 s per epoch on 2 cores)
MAX_LATENCY = float(os.environ.get("PE_LAB_LOAD_MAX_LATENCY", "2.0"))
MAX_RENDER = float(os.environ.get("PE_LAB_LOAD_MAX_RENDER", "10.0"))
MAX_RSS_MB = float(os.environ.get("PE_LAB_LOAD_MAX_RSS_MB", "4096"))
DEADLINE = 200.0  # seconds for the whole scenario once the sessions are open
SERIAL_TOLERANCE = 3.0  # seconds: run times are shown rounded to whole seconds
FRESH_EVERY = 2.0  # seconds between fresh-session render timings while training


def _specials(i: int) -> list[str]:
    return [f"s{i}x{j}" for j in range(i + 1)]


# ------------------------------------------------------------------ environment


def _get(url: str, timeout: float = 10.0) -> float:
    """Seconds for one complete GET (body read)."""
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        r.read()
    return time.perf_counter() - t0


@pytest.fixture
def server(tmp_path):
    need_browser()
    port = free_port()
    env = dict(
        os.environ,
        PE_LAB_CACHE=str(tmp_path / "cache"),
        PE_LAB_DATA_DIR=str(tmp_path / "data"),
        PE_LAB_DEFAULT_EPOCHS=str(EPOCHS),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.pop("PE_LAB_MAX_RUNS", None)  # the default: one run trains at a time
    log_path = tmp_path / "streamlit.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({proc.returncode}): {log_path.read_text()}")
            try:
                _get(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield url, proc, log_path
    finally:
        stop_server(proc, timeout=20)
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(log_path, ARTIFACTS / "load_test_server.log")


# ------------------------------------------------------------------ background probes


class HttpProbe(threading.Thread):
    """GET / and /_stcore/health every ``interval`` s; keeps the slowest and any failures."""

    def __init__(self, url: str, interval: float = 0.5):
        super().__init__(daemon=True)
        self.url, self.interval = url, interval
        self.stop = threading.Event()
        self.max = {"/": 0.0, "/_stcore/health": 0.0}
        self.count = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.max:
                try:
                    self.max[path] = max(self.max[path], _get(self.url + path))
                    self.count += 1
                except OSError as err:
                    self.failures.append(f"{path}: {err}")
            self.stop.wait(self.interval)


class RssProbe(threading.Thread):
    """Peak resident memory of the server process and its children."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        import psutil

        self.proc, self.interval = psutil.Process(pid), interval
        self.stop = threading.Event()
        self.peak = 0
        self.samples: list[tuple[float, int]] = []

    def rss(self) -> int:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.stop.is_set():
            try:
                value = self.rss()
            except Exception:  # noqa: BLE001 - the server may be exiting
                break
            self.peak = max(self.peak, value)
            self.samples.append((round(time.monotonic() - t0, 2), value))
            self.stop.wait(self.interval)


class RenderProbe(threading.Thread):
    """Times the first render of a fresh session every ``interval`` s, in its own browser.

    Playwright's sync API belongs to the thread that started it, so this thread runs its own
    Chromium; the main thread keeps watching the 8 sessions meanwhile.
    """

    def __init__(self, url: str, interval: float = 3.0):
        super().__init__(daemon=True)
        self.url, self.interval = url, interval
        self.stop = threading.Event()
        self.seconds: list[float] = []
        self.error: str | None = None

    def run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
                try:
                    while not self.stop.wait(self.interval):
                        self.seconds.append(_time_fresh_render(browser, self.url))
                finally:
                    browser.close()
        except Exception as err:  # noqa: BLE001 - reported by the test
            self.error = repr(err)


# ------------------------------------------------------------------ one browser session


@dataclass
class Session:
    index: int
    context: object
    page: object
    render_seconds: float
    k: int | None = None
    seen: set[str] = field(
        default_factory=set
    )  # states seen: queued, running, done, stopped, failed
    queue_positions: list[int] = field(default_factory=list)
    first_running: float | None = None
    finished_at: float | None = None
    trained_seconds: float | None = None  # as the page reports it ("Training done in N s")


TRAIN_BUTTON = "Train on the demo"
ACTIVE = re.compile(r"Queued: position \d+|Training · epoch")


def _open(browser, url: str, index: int, timeout_ms: int = 60_000) -> Session:
    """A fresh browser context (= a fresh Streamlit session); timed until the button shows."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    t0 = time.perf_counter()
    page.goto(url, timeout=timeout_ms)
    expect(page.get_by_role("button", name=TRAIN_BUTTON)).to_be_visible(timeout=timeout_ms)
    return Session(index, context, page, time.perf_counter() - t0)


def _time_fresh_render(browser, url: str, timeout_s: float = 30.0) -> float:
    """Seconds until a new session shows the Train page; ``timeout_s`` when it never does."""
    from playwright.sync_api import Error

    try:
        fresh = _open(browser, url, -1, timeout_ms=int(timeout_s * 1000))
    except Error:
        return timeout_s
    fresh.context.close()
    return fresh.render_seconds


def _nav(page, title: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=30_000)


def _sidebar_k(page) -> int:
    metric = page.get_by_test_id("stSidebar").get_by_test_id("stMetric").first
    return int(metric.get_by_test_id("stMetricValue").inner_text().replace(",", ""))


def _type_specials(session: Session) -> None:
    """Data page -> Special tokens -> type this session's literal specials -> back to Train."""
    from playwright.sync_api import expect

    page = session.page
    before = _sidebar_k(page)
    _nav(page, "Data")
    page.get_by_role("tab", name="Special tokens").click()
    box = page.get_by_role("textbox", name="Literal special tokens")
    box.fill(" ".join(_specials(session.index)))
    box.press("Enter")
    expected = before + len(_specials(session.index))
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stMetricValue").first).to_have_text(
        str(expected), timeout=30_000
    )
    _nav(page, "Train")
    session.k = expected


STATUS = [
    ("queued", re.compile(r"Queued: position (\d+)")),
    ("running", re.compile(r"Training · epoch")),
    ("done", re.compile(r"Training done in (\d+) s")),
    ("stopped", re.compile(r"Stopped ·|Training stopped")),
    ("failed", re.compile(r"The run failed|failed unexpectedly")),
]


# The main area's text without the elements Streamlit keeps on screen, faded, from the
# previous run while a rerun draws (they would show "Queued" and "Training" at once).
FRESH_TEXT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return '';
  const copy = main.cloneNode(true);
  copy.querySelectorAll('[data-stale="true"]').forEach(e => e.remove());
  return copy.textContent;
}"""


def _observe(session: Session, now: float) -> None:
    text = session.page.evaluate(FRESH_TEXT_JS)
    for name, pattern in STATUS:
        match = pattern.search(text)
        if not match:
            continue
        session.seen.add(name)
        if name == "queued":
            session.queue_positions.append(int(match.group(1)))
        if name == "done":
            session.trained_seconds = float(match.group(1))
        if name == "running" and session.first_running is None:
            session.first_running = now
        if name in ("done", "stopped", "failed") and session.finished_at is None:
            session.finished_at = now


def _figure_strings(page) -> str:
    """Every trace name / text / hover text / customdata of the plotly figures on the page."""
    return page.evaluate(
        """() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))
              .map(g => (g.data || []).map(t => [t.name, t.text, t.hovertext, t.customdata,
                                                 t.ids, t.legendgroup])))"""
    )


def _errors(page) -> list[str]:
    loc = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return loc.all_inner_texts()


# ------------------------------------------------------------------ the scenario


# This test found that Streamlit's per-rerun keras.backend.clear_session() and full GC stalled
# training under 8 sessions; ui/runtime.keep_keras_state and [runner] postScriptGC=false fix it.
def test_eight_sessions_train_in_turn_and_stay_apart(server):
    from playwright.sync_api import expect, sync_playwright

    url, proc, log_path = server
    http = HttpProbe(url)
    rss = RssProbe(proc.pid)
    renders = RenderProbe(url, FRESH_EVERY)
    http.start()
    rss.start()
    baseline_rss = rss.rss()
    figures: dict[str, object] = {}
    started = time.monotonic()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
            try:
                sessions = [_open(browser, url, i) for i in range(N_SESSIONS)]
                k_base = _sidebar_k(sessions[0].page)
                for s in sessions:
                    _type_specials(s)

                # The first run takes the slot (and loads TensorFlow); the others then queue.
                first = sessions[TRAINING[0]].page
                t0 = time.monotonic()
                clicked_at = 0.0
                first.get_by_role("button", name=TRAIN_BUTTON).click()
                expect(first.get_by_text(ACTIVE)).to_be_visible(timeout=90_000)
                _observe(sessions[TRAINING[0]], time.monotonic() - t0)
                for i in (*TRAINING[1:], STOPPING):
                    sessions[i].page.get_by_role("button", name=TRAIN_BUTTON).click()
                stopper = sessions[STOPPING]
                expect(stopper.page.get_by_text(ACTIVE)).to_be_visible(timeout=60_000)
                _observe(stopper, time.monotonic() - t0)
                stopper.page.get_by_role("button", name="Stop").click()

                watched = [sessions[i] for i in (*TRAINING, STOPPING)]
                renders.start()
                while time.monotonic() - started < DEADLINE:
                    now = time.monotonic() - t0
                    for s in watched:
                        if s.finished_at is None:
                            _observe(s, now)
                    if all(s.finished_at is not None for s in watched):
                        break
                    time.sleep(0.3)
                # Let the fragments draw the final frame, then read what each session shows.
                time.sleep(2.0)
                for s in sessions:
                    _observe(s, time.monotonic() - t0)
                    figures[s.index] = _figure_strings(s.page)
                shown_k = {s.index: _sidebar_k(s.page) for s in sessions}
                errors = {s.index: _errors(s.page) for s in sessions}
                summary = {
                    s.index: {
                        "render_s": round(s.render_seconds, 3),
                        "k": s.k,
                        "seen": sorted(s.seen),
                        "queue_positions": sorted(set(s.queue_positions)),
                        "first_running_s": s.first_running,
                        "finished_s": s.finished_at,
                        "trained_s": s.trained_seconds,
                    }
                    for s in sessions
                }
                if os.environ.get("PE_LAB_LOAD_SCREENSHOT") == "1":
                    ARTIFACTS.mkdir(exist_ok=True)
                    sessions[TRAINING[-1]].page.screenshot(path=str(ARTIFACTS / "load_test.png"))
            finally:
                browser.close()
    finally:
        for probe in (http, rss, renders):
            probe.stop.set()
        http.join(15)
        rss.join(5)
        if renders.ident is not None:  # started
            renders.join(60)
    fresh_renders = renders.seconds
    elapsed = time.monotonic() - started

    figures_out = {
        "sessions": N_SESSIONS,
        "runs_started": len(TRAINING) + 1,
        "runs_done": sum("done" in summary[i]["seen"] for i in TRAINING),
        "runs_stopped": int("stopped" in summary[STOPPING]["seen"]),
        "run_limit": 1,  # PE_LAB_MAX_RUNS unset: the default
        "max_latency_get_root_s": round(http.max["/"], 3),
        "max_latency_health_s": round(http.max["/_stcore/health"], 3),
        "http_requests": http.count,
        "max_fresh_session_render_s": round(max(fresh_renders, default=0.0), 3),
        "fresh_session_renders": len(fresh_renders),
        "max_initial_session_render_s": round(max(s["render_s"] for s in summary.values()), 3),
        "median_idle_session_render_s": round(
            statistics.median(s["render_s"] for s in summary.values()), 3
        ),
        "baseline_rss_mb": round(baseline_rss / 2**20, 1),
        "peak_rss_mb": round(rss.peak / 2**20, 1),
        "scenario_seconds": round(elapsed, 1),
        "per_session": summary,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load_test.json").write_text(json.dumps(figures_out, indent=1))
    print(json.dumps({k: v for k, v in figures_out.items() if k != "per_session"}, indent=1))

    # Every check is evaluated and all violations are reported together.
    problems: list[str] = []

    def check(ok, message) -> None:
        if not ok:
            problems.append(str(message))

    # Each session shows its own vocabulary size.
    for i in range(N_SESSIONS):
        check(shown_k[i] == k_base + len(_specials(i)), f"session {i} shows k={shown_k[i]}")

    # Queued runs showed their position, then trained one after another, and all ended.
    for i in TRAINING:
        check("done" in summary[i]["seen"], f"run of session {i} did not finish: {summary[i]}")
        check("failed" not in summary[i]["seen"], f"run of session {i} failed")
    check("stopped" in summary[STOPPING]["seen"], f"stopped run: {summary[STOPPING]}")
    check(any(summary[i]["queue_positions"] for i in TRAINING), "no session was ever seen queued")
    # One slot: the runs' own training times (measured by each run from the moment it got the
    # slot) fit into the wall time from the first click to the last "done"; runs sharing the
    # CPU at once would add up to far more than that.
    if all(summary[i]["trained_s"] is not None for i in TRAINING):
        trained = sum(summary[i]["trained_s"] for i in TRAINING)
        span = max(summary[i]["finished_s"] for i in TRAINING) - clicked_at
        check(trained <= span + SERIAL_TOLERANCE, f"runs overlapped: {trained} s in {span} s")

    # Each map holds the session's own tokens and no other session's.
    for i in TRAINING:
        own = figures[i]
        missing = [t for t in _specials(i) if t not in own]
        check(not missing, f"session {i} map lacks its own tokens {missing}")
        others = [t for j in range(N_SESSIONS) if j != i for t in _specials(j)]
        leaked = [t for t in others if re.search(rf"\b{t}\b", own)]
        check(not leaked, f"session {i} shows tokens of other sessions: {leaked}")
    for i in range(N_SESSIONS):
        if i not in TRAINING:
            check(not re.search(r"\bs\dx\d\b", figures[i]), f"session {i} shows a foreign map")
    check(not any(errors.values()), f"error elements: {errors}")

    # The server stayed responsive and memory stayed bounded.
    check(not http.failures, f"failed requests: {http.failures[:5]}")
    check(http.max["/"] <= MAX_LATENCY, f"GET / took {http.max['/']:.2f} s")
    check(http.max["/_stcore/health"] <= MAX_LATENCY, f"health took {http.max}")
    check(renders.error is None, f"render probe: {renders.error}")
    check(fresh_renders, "no fresh session was timed while training")
    # The 2 s bound of the issue is on the server answering a page load (the two checks
    # above). A fresh browser session's first render also includes Chromium's own work (new
    # context, the JS bundle) on the same 2 cores the training saturates: measured 1.7-2 s idle
    # and 3-4.5 s while training, so it is recorded in the JSON and bounded more loosely.
    idle = statistics.median(s["render_s"] for s in summary.values())
    slowest = max(fresh_renders, default=0.0)
    check(
        slowest <= MAX_RENDER,
        f"fresh render {slowest:.2f} s (idle {idle:.2f} s) > {MAX_RENDER} s",
    )
    check(rss.peak / 2**20 <= MAX_RSS_MB, f"peak RSS {rss.peak / 2**20:.0f} MB")
    assert not problems, "\n".join(problems)
