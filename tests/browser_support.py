"""Shared by the browser tests (tests/e2e, tests/load) and bench/bench_app.py: Debian's
Chromium, its flags for this sandbox, the skip-or-fail rule, a free loopback port and stopping
the app server."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def need_browser() -> None:
    """Skip (with the reason) without Chromium or Playwright; fail when PE_LAB_REQUIRE_BROWSER=1."""
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as err:
            reason = f"playwright is not installed ({err})"
    if reason is None:
        return
    if os.environ.get("PE_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PE_LAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_server(proc: subprocess.Popen, timeout: float) -> None:
    """Terminate a ``streamlit run`` process; kill it if it has not exited within ``timeout``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
