"""What the Data page reports about the loaded data, as figures and sentences.

The vocabulary's headline figures (frozen and trainable rows, parameters, OOV and ``<unk>``
rates, coverage), what loading the vectors or the dataset skipped, and the one line that
describes the trainable set. Pure functions of the loaded objects: no UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One headline figure: its label, its value as shown, and the optional delta and help."""

    label: str
    value: str
    help: str | None = None
    delta: str | None = None


def vocabulary_figures(vocab) -> list[Figure]:
    """The seven figures above the Data page's tabs, for ``vocab`` (a ``Vocabulary``)."""
    stats = vocab.stats
    return [
        Figure("V frozen words", f"{vocab.num_frozen:,}"),
        Figure("k trainable tokens", f"{vocab.num_trainable:,}"),
        Figure("d dimensions", str(vocab.dim)),
        Figure(
            "Trainable params",
            f"{vocab.num_trainable * vocab.dim:,}",
            help="Embedding parameters only: k × d trainable, V × d frozen.",
            delta=f"frozen: {vocab.num_frozen * vocab.dim:,}",
        ),
        Figure(
            "OOV rate",
            f"{stats.get('oov_rate', 0):.1%}",
            help="Share of all the dataset's tokens that are ordinary words missing from the "
            "vectors, whether they got their own trainable row or are read as <unk>.",
        ),
        Figure(
            "<unk> rate",
            f"{stats.get('unk_rate', 0):.1%}",
            help="Share of the dataset's tokens that have no row at all and are read as <unk>: "
            "not in the vectors and rarer than the OOV minimum count.",
        ),
        Figure(
            "Coverage",
            f"{stats.get('coverage', 0):.1%}",
            help="Share of the dataset's word types found in the vectors.",
        ),
    ]


def skipped_lines(skipped: Mapping[str, int], reasons: Mapping[str, str]) -> str | None:
    """ "While loading: 3 lines with ...; ..." for the vector lines loading skipped, or None."""
    if not skipped:
        return None
    return "While loading: " + "; ".join(f"{n:,} {reasons.get(r, r)}" for r, n in skipped.items())


def dropped_rows(dropped: Mapping[str, int]) -> str | None:
    """ "Dropped rows: reason: n, ..." for the dataset rows loading dropped, or None."""
    if not dropped:
        return None
    return "Dropped rows: " + ", ".join(f"{r}: {n:,}" for r, n in dropped.items())


def trainable_line(vocab) -> str:
    """How many rows train, their share of the frozen ones, and the OOV rows against their cap
    (Markdown)."""
    cap = vocab.stats.get("max_oov_rows")
    return (
        f"**{vocab.num_trainable:,} trainable rows** for {vocab.num_frozen:,} frozen words "
        f"({vocab.stats.get('trainable_share', 0):.1%}); OOV rows: "
        f"{vocab.token_kinds.count('oov'):,} of at most "
        f"{'no cap' if cap is None else f'{cap:,}'}."
    )
