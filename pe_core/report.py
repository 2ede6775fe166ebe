"""The "Export as report" file: one standalone HTML page with the summary, map and curves.

plotly.js is embedded once, inline, so the file opens offline, by double-click, anywhere; the
animated map keeps its slider and play button. Text is escaped (token names such as
``<smile>`` are text, not tags).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#1f2430;line-height:1.5}
h1{font-size:1.8em;margin-bottom:.2em} h2{font-size:1.25em;margin-top:1.6em}
.headline{font-size:1.1em} .token{margin:.6em 0} .token b{font-family:ui-monospace,monospace}
.note{color:#5f6670;font-size:.9em}
"""


def report_html(
    title: str,
    headline: str,
    stories: Sequence[tuple[str, Sequence[str]]],
    figures: Sequence[tuple[str, object]],
    *,
    notes: Sequence[str] = (),
) -> str:
    """The report as one HTML string.

    Args:
        title: the page title.
        headline: the first sentence (what was trained, how well).
        stories: (token, sentences) per featured token.
        figures: (heading, plotly figure) in order; the first carries plotly.js.
        notes: extra lines at the end (e.g. the comparison, the settings).
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="headline">{html.escape(headline)}</p>',
    ]
    for token, sentences in stories:
        text = html.escape(" ".join(sentences))
        parts.append(f'<p class="token"><b>{html.escape(token)}</b> · {text}</p>')
    for note in notes:
        parts.append(f"<p>{html.escape(note)}</p>")
    for i, (heading, fig) in enumerate(figures):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(
            fig.to_html(full_html=False, include_plotlyjs=i == 0, auto_play=False)  # type: ignore[attr-defined]
        )
    parts.append('<p class="note">Made with PE Lab. Opens offline: everything is in this file.</p>')
    parts.append("</body></html>")
    return "\n".join(parts)
