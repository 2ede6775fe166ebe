"""Undo what an export wrote into the texts: escapes spelled out, and a second layer of quotes.

Real tweet dumps carry the marks of the tools that wrote them. TweetEval's TSV holds
``Don\\u2019t`` (six characters for the apostrophe: the text was JSON-escaped, its ``\\"``
too) and texts that are CSV fields themselves (``"He said ""no"" twice"``, quoted a second time on
the way). Tokenized as they are, they become words (``u2019t``, ``\\``, ``"``) that get
trainable rows. Both are undone when a dataset is loaded, counted, and reported with an
example.

Escapes are decoded by :func:`json.loads` (the JSON string grammar: ``\\uXXXX``, surrogate
pairs for characters beyond the BMP, ``\\"``), one run of escapes at a time, so the rest of a
text (a ``\\(^-^)/`` emoticon, a Windows path) is never read as an escape. A malformed escape
(``\\u12``, a lone surrogate) is left as written and counted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_HEX = "[0-9a-fA-F]"
_ESCAPE = re.compile(
    rf"(?P<pair>\\u[dD][89abAB]{_HEX}{{2}}\\u[dD][c-fC-F]{_HEX}{{2}})"
    rf"|(?P<bad>\\u[dD][89a-fA-F]{_HEX}{{2}}|\\u(?!{_HEX}{{4}}))"  # lone surrogate, short \u
    rf"|(?P<char>\\u{_HEX}{{4}}|\\\")"
)
# A CSV field written into the text: an opening quote, every inner quote doubled, and the
# closing quote. An export that cut a long text short lost the closing quote: then a doubled
# inner quote must show it was a field (a text may well open with a quote it never closes).
_QUOTED = re.compile(r'"((?:[^"]|"")*)(")?', re.DOTALL)
_EXAMPLE_CHARS = 40


@dataclass
class Repairs:
    """What :func:`repair_texts` changed.

    Attributes:
        texts: the repaired texts (the given list when nothing changed).
        escaped: texts in which escapes were decoded; ``malformed``: escapes left as written.
        unquoted: texts that were a quoted CSV field and were unquoted.
        escape_example / quote_example: (before, after) of one repaired text, shortened.
    """

    texts: list[str]
    escaped: int = 0
    malformed: int = 0
    unquoted: int = 0
    escape_example: tuple[str, str] | None = None
    quote_example: tuple[str, str] | None = None


def decode_escapes(text: str) -> tuple[str, int, int]:
    """``text`` with its ``\\uXXXX`` / ``\\"`` escapes decoded; (text, decoded, malformed)."""
    if "\\" not in text:
        return text, 0, 0
    counts = [0, 0]

    def one(match: re.Match) -> str:
        if match.lastgroup == "bad":
            counts[1] += 1
            return match.group()
        counts[0] += 1
        return json.loads(f'"{match.group()}"')

    return _ESCAPE.sub(one, text), counts[0], counts[1]


def unquote(text: str) -> str | None:
    """The content of ``text`` when the whole text is a quoted CSV field, else None."""
    if not text.startswith('"'):
        return None
    match = _QUOTED.fullmatch(text)
    if match is None or (match.group(2) is None and '""' not in match.group(1)):
        return None
    return match.group(1).replace('""', '"')


def _example(text: str) -> tuple[str, str] | None:
    """(before, after) of the words around the first decodable escape of ``text``."""
    match = next((m for m in _ESCAPE.finditer(text) if m.lastgroup != "bad"), None)
    if match is None:
        return None
    # From the word before the escape's word ("Rui En\u2019s", not "En\u2019s") to its end.
    begin = text.rfind(" ", 0, max(text.rfind(" ", 0, match.start()), 0)) + 1
    end = text.find(" ", match.end())
    begin = begin if match.start() - begin <= _EXAMPLE_CHARS else match.start()
    words = text[begin : len(text) if end < 0 else end][: _EXAMPLE_CHARS + 12]
    return words, decode_escapes(words)[0]


def _shortened(before: str, after: str) -> tuple[str, str]:
    """The first :data:`_EXAMPLE_CHARS` characters of a text before and after its repair."""
    cut = _EXAMPLE_CHARS
    return tuple(t if len(t) <= cut else t[:cut].rsplit(" ", 1)[0] + "…" for t in (before, after))


def repair_texts(texts: list[str], *, escapes: bool = True, quotes: bool = True) -> Repairs:
    """Unquote texts that are quoted CSV fields (``quotes``), then decode escapes (``escapes``)."""
    out = Repairs(list(texts))
    for i, text in enumerate(out.texts):
        inner = unquote(text) if quotes else None
        if inner is not None:
            out.unquoted += 1
            out.quote_example = out.quote_example or _shortened(text, inner)
            text = inner
        if escapes:
            decoded, n, bad = decode_escapes(text)
            out.malformed += bad
            if n:
                out.escaped += 1
                out.escape_example = out.escape_example or _example(text)
                text = decoded
        out.texts[i] = text
    if not (out.unquoted or out.escaped):
        out.texts = list(texts)
    return out
