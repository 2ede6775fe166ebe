"""ui.highlight: token chips and spans show each token as exactly its text."""

from __future__ import annotations

import html
import re

from ui.highlight import effect_spans, token_chips, token_spans

COLORS = {"special": "#1f77b4", "oov": "#ff7f0e", "unk": "#d62728"}
# What Streamlit's markdown would act on inside a span: a backslash escaped the closing tag of
# a chip on the real tweets (`\u2019` written out in the text), and every later chip fell into
# one box.
MARKDOWN = set("\\*_`~$[]")


def _texts(markup: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r">([^<]*)</span>", markup)]


def test_chips_keep_markdown_characters_as_text_and_close_every_span():
    tokens = ["\\", "<smile>", "*bold*", "$x$", "u2019s", "[a](b)", "_"]
    markup = token_chips(tokens, ["oov", "special", "oov", "oov", "oov", "oov", "unk"], COLORS)
    assert markup.count("<span") == markup.count("</span>") == len(tokens)
    assert _texts(markup) == tokens
    inner = "".join(re.findall(r">([^<]*)</span>", markup))
    assert not MARKDOWN & set(inner)


def test_spans_and_effects_escape_the_same_way():
    pairs = [("\\", None), ("<url>", "url"), ("good", None)]
    markup = token_spans(pairs, {"good"}, COLORS)
    assert _texts(markup) == ["\\", "<url>", "good"]
    assert "\\" not in markup


def test_effect_spans_keep_a_backslash_token_as_text():
    import pandas as pd

    frame = pd.DataFrame({"token": ["\\", "sad"], "kind": ["oov", "frozen"], "effect": [0.2, -0.1]})
    markup = effect_spans(frame)
    assert _texts(markup) == ["\\", "sad"]
    assert "\\" not in markup
