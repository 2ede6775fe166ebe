"""Shared helper for bench scripts: each script owns one section of bench/RESULTS.md."""

from __future__ import annotations

import platform
import re
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# Benchmark results\n\nWritten by the scripts in `bench/`; each section by one script, from one run.\n"


def machine() -> str:
    import os

    return f"{platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}"


def write_section(name: str, markdown: str) -> None:
    """Replace (or append) the section ``name`` of bench/RESULTS.md with ``markdown``."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    stamp = time.strftime("%Y-%m-%d %H:%M")
    block = (
        f"<!-- BEGIN {name} -->\n{markdown.rstrip()}\n\n_Run {stamp} on {machine()}._\n"
        f"<!-- END {name} -->"
    )
    pattern = re.compile(
        rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S
    )
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)
