"""The 8-session scenario shared by tests/load/test_load.py (functional checks) and
bench/bench_load.py (latency, render time and memory while it runs).

One Debian Chromium, 8 browser contexts = 8 Streamlit sessions of one ``streamlit run app.py``
on 127.0.0.1. Session i types i + 1 literal special tokens (``s<i>x<j>``), so its k and its
tokens are its own. Every step waits for a state the page shows, never for a fixed time:

1. session 0 (the *blocker*) starts a run of 200 epochs at batch size 8 (60,000 batches on the
   demo's 2,400 training texts: 3.7 min for the bare training loop on an idle 2-core box, about
   13 min inside the scenario's server, against the ~11 s the queue takes to form there) and
   is seen training with that many steps: it holds the one slot. Its length
   is read back from the page (the settings took effect) and its step when it is stopped is
   kept, so the margin is a figure, not a hope; if it was not training any more when steps 2-3
   were done, the scenario says so instead of failing somewhere downstream;
2. sessions 1, 2, 3, 4 press Start in turn, each seen at its queue position (1, 2, 3, 4) before
   the next presses: FIFO order by construction, not by timing;
3. session 3 stops while queued (seen "Stopped"), session 4 is then seen at position 3;
4. the blocker is stopped (seen "Stopped"), and sessions 1, 2, 4 train in turn to "done";
   each done line says when its run got the slot and how long it trained: FIFO and one at a
   time are checked on those numbers, whatever the test's own timing;
5. each session that trained is waited on until its map holds its own tokens, and every
   sidebar until it shows the final run state.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

try:  # pytest puts tests/ on sys.path; the bench puts the repository root there
    from browser_support import BROWSER_ARGS, CHROMIUM, stop_server
except ImportError:  # pragma: no cover - bench/bench_load.py
    from tests.browser_support import BROWSER_ARGS, CHROMIUM, stop_server

ROOT = Path(__file__).resolve().parents[2]

N_SESSIONS = 8
BLOCKER = 0  # trains 200 epochs at batch 8, holds the slot while the queue forms, is stopped
QUEUED = (1, 2, 3, 4)  # press Start in this order while the blocker trains
STOP_QUEUED = 3  # stops while queued
DONE = (1, 2, 4)  # train to the end, in this order
EPOCHS = 2  # per run on the embedded demo (the server default; the blocker sets 200)
BLOCKER_EPOCHS = 200  # the Epochs field's maximum
BLOCKER_BATCH = 8  # the Batch size slider's first option: 4x the batches of the default 32
# The demo's 3,000 texts less the 20 % validation split; the blocker's total steps on the page.
BLOCKER_STEPS = BLOCKER_EPOCHS * 2400 // BLOCKER_BATCH
TRAIN_BUTTON = "Train on the demo"
SLACK = 2.0  # seconds: start times and durations are shown in whole seconds


def specials(i: int) -> list[str]:
    return [f"s{i}x{j}" for j in range(i + 1)]


# ------------------------------------------------------------------ the server


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


@contextmanager
def app_server(tmp: Path, port: int, timeout: float = 90.0):
    """``streamlit run app.py`` on 127.0.0.1:``port``; yields (url, process, log path)."""
    env = dict(
        os.environ,
        PE_LAB_CACHE=str(tmp / "cache"),
        PE_LAB_DATA_DIR=str(tmp / "data"),
        PE_LAB_DEFAULT_EPOCHS=str(EPOCHS),
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.pop("PE_LAB_MAX_RUNS", None)  # the default: one run trains at a time
    log_path = tmp / "streamlit.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):  # polls the server's own readiness signal
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({proc.returncode}): {log_path.read_text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer within {timeout} s")
            try:  # between two health checks, wait on the process (returns if it exits)
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
        yield url, proc, log_path
    finally:
        stop_server(proc, timeout=20)
        log.close()


# ------------------------------------------------------------------ reading a page


# The main area's text without the elements Streamlit keeps on screen, faded, from the
# previous run while a rerun draws (they would show "Queued" and "Training" at once).
_FRESH = """(root) => {
  const main = document.querySelector(root);
  if (!main) return '';
  const copy = main.cloneNode(true);
  copy.querySelectorAll('[data-stale="true"]').forEach(e => e.remove());
  return copy.textContent;
}"""
_WAIT_TEXT = (
    "([root, src]) => { const m = (" + _FRESH + ")(root).match(new RegExp(src));"
    " return m ? m[0] : false; }"
)
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'

QUEUED_AT = r"Queued: position {n}\b"
RUNNING = r"Training · epoch \d+/\d+"
RUNNING_STEPS = r"Training · epoch \d+/(\d+) · step (\d+)/(\d+)"
DONE_TEXT = r"Training done in (\d+) s \(started (\d\d:\d\d:\d\d)\)"
STOPPED = r"Stopped ·|Training stopped"
ANY_RUN_STATE = r"Queued: position \d+|Starting|Training · epoch|Training done in \d+ s"


def fresh_text(page, root: str = MAIN) -> str:
    return page.evaluate(_FRESH, root)


def wait_text(page, pattern: str, timeout_s: float = 120.0, root: str = MAIN) -> str:
    """Wait until the fresh text of ``root`` matches ``pattern`` (a JS regex); the match.

    On a timeout, the error says what was awaited and what the page showed instead.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(
            _WAIT_TEXT, arg=[root, pattern], polling=200, timeout=timeout_s * 1000
        )
    except PlaywrightTimeout:
        shown = " ".join(fresh_text(page, root).split())[:600]
        raise AssertionError(
            f"waited {timeout_s} s for /{pattern}/; the page shows: {shown}"
        ) from None
    return handle.json_value()


def figure_strings(page) -> str:
    """Every trace name / text / hover text / customdata of the plotly figures on the page."""
    return page.evaluate(
        """() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))
              .map(g => [(g.data || []).map(t => [t.name, t.text, t.hovertext, t.customdata,
                                                  t.ids, t.legendgroup]), (g.layout || {}).meta]))"""
    )


def wait_map_with(page, tokens: list[str], timeout_s: float = 60.0) -> None:
    """Wait until the page's plotly figures mention every one of ``tokens``: in a trace, or in
    the map's ``layout.meta`` token list (a literal special that never occurs in the texts
    stays at zero and is listed there as "not trained yet", not drawn)."""
    page.wait_for_function(
        """(tokens) => { const s = JSON.stringify(Array.from(
             document.querySelectorAll('.js-plotly-plot')).map(g => [(g.data || []).map(
             t => [t.name, t.text, t.hovertext, t.customdata]), (g.layout || {}).meta]));
           return tokens.every(t => s.includes(t)); }""",
        arg=tokens,
        polling=250,
        timeout=timeout_s * 1000,
    )


def errors(page) -> list[str]:
    loc = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return loc.all_inner_texts()


def sidebar_k(page) -> int:
    metric = page.get_by_test_id("stSidebar").get_by_test_id("stMetric").first
    return int(metric.get_by_test_id("stMetricValue").inner_text().replace(",", ""))


# ------------------------------------------------------------------ one session


@dataclass
class Session:
    index: int
    context: object
    page: object
    render_seconds: float
    k: int | None = None
    queue_positions: list[int] = field(default_factory=list)
    states: list[str] = field(default_factory=list)  # in the order they were waited for
    trained_seconds: float | None = None  # "Training done in N s"
    started: str | None = None  # "(started HH:MM:SS)": when the run got the slot
    done_at: float | None = None


def open_session(browser, url: str, index: int, timeout_s: float = 60.0) -> Session:
    """A fresh browser context (= a fresh Streamlit session); timed until the button shows."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    t0 = time.perf_counter()
    page.goto(url, timeout=timeout_s * 1000)
    expect(page.get_by_role("button", name=TRAIN_BUTTON)).to_be_enabled(timeout=timeout_s * 1000)
    return Session(index, context, page, time.perf_counter() - t0)


def _nav(page, title: str) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=30_000)


def type_specials(session: Session) -> None:
    """Data page -> Special tokens -> type this session's literal specials -> back to Train."""
    from playwright.sync_api import expect

    page = session.page
    before = sidebar_k(page)
    _nav(page, "Data")
    page.get_by_role("tab", name="Special tokens").click()
    box = page.get_by_role("textbox", name="Literal special tokens")
    box.fill(" ".join(specials(session.index)))
    box.press("Enter")
    expected = before + len(specials(session.index))
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stMetricValue").first).to_have_text(
        str(expected), timeout=30_000
    )
    _nav(page, "Train")
    expect(page.get_by_role("button", name=TRAIN_BUTTON)).to_be_enabled(timeout=30_000)
    session.k = expected


def set_epochs(page, epochs: int) -> None:
    """Open the settings expander and type the number of epochs (committed with Enter)."""
    from playwright.sync_api import expect

    page.get_by_text("Model and training settings").click()
    box = page.get_by_label("Epochs")
    box.fill(str(epochs))
    box.press("Enter")
    expect(box).to_have_value(str(epochs))


def set_batch_size_smallest(page) -> int:
    """Move the Batch size select-slider to its first option (Home key); the value shown."""
    from playwright.sync_api import expect

    slider = page.get_by_test_id("stSlider").filter(has_text="Batch size").get_by_role("slider")
    slider.focus()
    slider.press("Home")
    expect(slider).to_have_attribute("aria-valuetext", str(BLOCKER_BATCH))
    return BLOCKER_BATCH


def press(session: Session, name: str) -> None:
    from playwright.sync_api import expect

    # Scoped to the page body: Streamlit's header has a "Stop" button of its own while a
    # script runs.
    button = session.page.get_by_test_id("stMain").get_by_role("button", name=name, exact=True)
    expect(button).to_be_enabled(timeout=60_000)
    # The page's state is waited for next; a rerun's URL update is no navigation to wait on.
    button.click(no_wait_after=True)


# ------------------------------------------------------------------ the scenario


@dataclass
class Outcome:
    sessions: list[Session]
    k_base: int
    shown_k: dict[int, int]
    figures: dict[int, str]
    errors: dict[int, list[str]]
    sidebar: dict[int, str]
    phases: dict[str, float]  # name -> seconds since the scenario began
    blocker_steps: tuple[int, int]  # (step when it was stopped, total steps of its run)


@contextmanager
def chromium():
    """Headless Debian Chromium with the flags of ``browser_support``, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def run_scenario(browser, url: str, phase=None) -> Outcome:
    """Run the scenario of the module docstring; ``phase(name)`` is called as each step begins."""
    t_start = time.monotonic()
    phases: dict[str, float] = {}

    def mark(name: str) -> None:
        phases[name] = round(time.monotonic() - t_start, 2)
        if phase is not None:
            phase(name)

    mark("open")
    sessions = [open_session(browser, url, i) for i in range(N_SESSIONS)]
    k_base = sidebar_k(sessions[0].page)
    for s in sessions:
        type_specials(s)

    mark("blocker")
    blocker = sessions[BLOCKER]
    set_epochs(blocker.page, BLOCKER_EPOCHS)
    set_batch_size_smallest(blocker.page)
    press(blocker, TRAIN_BUTTON)
    line = wait_text(blocker.page, RUNNING_STEPS, timeout_s=180)
    epochs, _step, total = (int(x) for x in re.search(RUNNING_STEPS, line).groups())
    if (epochs, total) != (BLOCKER_EPOCHS, BLOCKER_STEPS):  # the settings did not take effect
        raise AssertionError(
            f"the blocker trains {epochs} epochs / {total} steps, not "
            f"{BLOCKER_EPOCHS} / {BLOCKER_STEPS}: {line}"
        )
    blocker.states.append("running")

    mark("queue")
    for position, i in enumerate(QUEUED, start=1):
        press(sessions[i], TRAIN_BUTTON)
        wait_text(sessions[i].page, QUEUED_AT.format(n=position))
        sessions[i].queue_positions.append(position)
        sessions[i].states.append("queued")

    mark("stop_queued")
    press(sessions[STOP_QUEUED], "Stop")
    wait_text(sessions[STOP_QUEUED].page, STOPPED)
    sessions[STOP_QUEUED].states.append("stopped")
    later = QUEUED[-1]
    wait_text(sessions[later].page, QUEUED_AT.format(n=len(QUEUED) - 1))
    sessions[later].queue_positions.append(len(QUEUED) - 1)

    mark("train")
    # The queue was seen formed while the blocker held the slot; it must still be training
    # (a run that ended on its own would have let session 1 in before the checks above).
    line = wait_text(blocker.page, rf"{RUNNING_STEPS}|Training done in", timeout_s=30)
    if not re.match(RUNNING_STEPS, line):
        raise AssertionError(f"the blocker was no longer training when stopped: {line}")
    press(blocker, "Stop")
    stopped = wait_text(blocker.page, r"Stopped · epoch \d+/\d+ · step \d+/\d+")
    blocker_steps = tuple(int(x) for x in re.search(r"step (\d+)/(\d+)", stopped).groups())
    blocker.states.append("stopped")
    for i in DONE:
        s = sessions[i]
        done = wait_text(s.page, DONE_TEXT, timeout_s=240)
        s.done_at = time.monotonic()
        trained, started = re.search(DONE_TEXT, done).groups()
        s.trained_seconds, s.started = float(trained), started
        s.states.append("done")

    mark("final")
    for i in (BLOCKER, *DONE):
        wait_map_with(sessions[i].page, specials(i))
    final_run_state = {i: "stopped" for i in (BLOCKER, STOP_QUEUED)}
    final_run_state.update({i: "done" for i in DONE})
    sidebar = {}
    for s in sessions:
        expected = final_run_state.get(s.index, "not started")
        sidebar[s.index] = wait_text(s.page, rf"Run · {expected}", timeout_s=30, root=SIDEBAR)
    outcome = Outcome(
        sessions=sessions,
        k_base=k_base,
        shown_k={s.index: sidebar_k(s.page) for s in sessions},
        figures={s.index: figure_strings(s.page) for s in sessions},
        errors={s.index: errors(s.page) for s in sessions},
        sidebar=sidebar,
        phases=phases,
        blocker_steps=blocker_steps,
    )
    mark("end")
    return outcome


def _seconds(clock: str) -> float:
    h, m, sec = (int(x) for x in clock.split(":"))
    return h * 3600 + m * 60 + sec


def functional_problems(out: Outcome) -> list[str]:
    """Every functional check on an outcome; the list of what failed (empty = all good)."""
    problems: list[str] = []

    def check(ok, message) -> None:
        if not ok:
            problems.append(str(message))

    step, total = out.blocker_steps
    check(step < total, f"the blocker ran all its {total} steps: it was never stopped")
    for s in out.sessions:
        want = out.k_base + len(specials(s.index))
        check(out.shown_k[s.index] == want, f"session {s.index} shows k={out.shown_k[s.index]}")
    # FIFO and one at a time, from what each run reports itself (when it got the slot, how
    # long it trained), so how late the test saw a page does not matter: each run starts
    # after the one before it has started and trained (times are whole seconds: 2 s slack).
    runs = [out.sessions[i] for i in DONE]
    for before, after in zip(runs, runs[1:], strict=False):
        gap = _seconds(after.started) - _seconds(before.started)
        check(
            gap >= before.trained_seconds - SLACK,
            f"session {after.index}'s run started {gap:.0f} s after session {before.index}'s, "
            f"which trained {before.trained_seconds:.0f} s: not FIFO or not one at a time",
        )
    # Each map holds the session's own tokens and no other session's; untrained sessions and
    # the run stopped while queued draw no map at all.
    for s in out.sessions:
        own = out.figures[s.index]
        others = [t for j in range(N_SESSIONS) if j != s.index for t in specials(j)]
        leaked = [t for t in others if re.search(rf"\b{t}\b", own)]
        check(not leaked, f"session {s.index} shows tokens of other sessions: {leaked}")
        if s.index in (BLOCKER, *DONE):
            missing = [t for t in specials(s.index) if t not in own]
            check(not missing, f"session {s.index} map lacks its own tokens {missing}")
        else:
            check(not re.search(r"\bs\dx\d\b", own), f"session {s.index} shows a map: {own[:200]}")
    check(not any(out.errors.values()), f"error elements: {out.errors}")
    return problems
