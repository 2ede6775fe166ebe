"""The demo's data files, read once at import: word groups, background grammar, text templates.

Words and templates are data, not code: edit ``word_groups.txt``, ``grammar.json`` or
``texts.json`` and the demo follows (the vectors refit, see ``pe_core.demo.fit``).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def _read_word_groups(path: Path) -> dict[str, list[str]]:
    """Parse ``[group]`` headings followed by whitespace-separated words; ``#`` starts a comment."""
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], [])
        elif current is None:
            raise ValueError(f"{path.name} line {number}: words before the first [group] heading")
        else:
            current.extend(line.split())
    return groups


#: Group name -> words the background grammar treats as interchangeable (each word in one group).
WORD_GROUPS: dict[str, list[str]] = _read_word_groups(HERE / "word_groups.txt")
#: Topics, sentence frames (one letter per slot) and the slot letter -> group table.
GRAMMAR: dict = json.loads((HERE / "grammar.json").read_text(encoding="utf-8"))
#: Labels, brands, emoticons, slot fillers, templates per topic and label, hashtags, handles.
TEXTS: dict = json.loads((HERE / "texts.json").read_text(encoding="utf-8"))


def demo_word_groups() -> dict[str, list[str]]:
    """The generator's word groups: group name -> words (each word in exactly one group).

    Every word of every group is a row of ``demo_vectors()``; the groups are the ground truth of
    the neighbour test and can colour the reference words in plots.
    """
    return {name: list(words) for name, words in WORD_GROUPS.items()}
