"""Tokenized text as coloured HTML spans (special tokens in their kind's colour)."""

from __future__ import annotations

import html

# Characters Streamlit's markdown acts on even inside an HTML span (a backslash escaped the
# closing tag of a chip on real tweets, so every later chip fell into one box; `$` starts
# math, `*` `_` `~` emphasis): drawn as entities, so a token shows as exactly its text.
_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\*_`~$[]"})


def literal(token: str) -> str:
    """A token (or any text) as literal HTML text, for st.markdown as for st.html."""
    return html.escape(token).translate(_MARKDOWN)


def token_spans(pairs, vectors, colors: dict[str, str]) -> str:
    """HTML for ``Tokenizer.tokenize_with_rules`` output.

    Tokens made by a rule are drawn in the "special" colour with the rule name as tooltip;
    ordinary words in the vectors are plain, words missing from the vectors in the "oov" colour.
    """
    parts = []
    for token, rule in pairs:
        text = literal(token)
        if rule is not None:
            color, title = colors["special"], f"special token (rule: {rule})"
        elif token in vectors:
            parts.append(f'<span class="pe-tok" title="in the vectors (frozen)">{text}</span>')
            continue
        else:
            color, title = colors["oov"], "not in the vectors"
        parts.append(
            f'<span class="pe-tok" style="background:{color}22;border:1px solid {color};'
            f'color:{color};font-weight:600" title="{html.escape(title)}">{text}</span>'
        )
    return " ".join(parts)


TOKEN_CSS = """<style>
.pe-tok{display:inline-block;padding:0 .35em;margin:.1em 0;border-radius:.35em;
border:1px solid #d0d4dc;font-family:ui-monospace,monospace;font-size:.9em}
</style>"""


def token_chips(tokens, kinds, colors: dict[str, str], limit: int = 300) -> str:
    """HTML chips for the trainable tokens, each in its kind's colour (escaped)."""
    chips = []
    for token, kind in list(zip(tokens, kinds, strict=True))[:limit]:
        color = colors.get(kind, "#888888")
        chips.append(
            f'<span class="pe-tok" style="border-color:{color};color:{color}" '
            f'title="{html.escape(kind)}">{literal(token)}</span>'
        )
    more = f" … and {len(tokens) - limit:,} more" if len(tokens) > limit else ""
    return " ".join(chips) + more


def effect_spans(frame, scale: float | None = None) -> str:
    """HTML for ``pe_core.influence.text_effects`` output: each token shaded by its effect.

    Green: the token raises the predicted class's probability, red: it lowers it; the shade
    is proportional to |effect| / ``scale`` (default: the largest |effect|). Trainable tokens
    (specials, OOV, ``<unk>``) get a thick outline and their kind in the tooltip.
    """
    effects = [float(e) for e in frame["effect"]]
    scale = scale or max((abs(e) for e in effects), default=0.0) or 1.0
    parts = []
    for token, kind, effect in zip(frame["token"], frame["kind"], effects, strict=True):
        alpha = min(abs(effect) / scale, 1.0)
        rgb = "84,162,75" if effect >= 0 else "228,87,86"
        border = "2px solid #333" if kind != "frozen" else "1px solid #d0d4dc"
        title = f"{kind} · removing it changes P by {-effect:+.3f}"
        parts.append(
            f'<span class="pe-tok" style="background:rgba({rgb},{alpha:.2f});border:{border};'
            f'font-weight:{600 if kind != "frozen" else 400}" title="{html.escape(title)}">'
            f"{literal(token)}</span>"
        )
    return " ".join(parts)
