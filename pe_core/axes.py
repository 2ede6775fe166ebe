"""Semantic axes: read a token's movement as meaning, on an axis defined by two sets of words.

An axis runs from a negative pole (e.g. ``bad awful hate sad``) to a positive one (``good great
love happy``). A pole is the mean of its words' unit vectors; a point's score is its cosine to
the positive pole minus its cosine to the negative pole, so it lies in [-2, 2], is 0 for a
point equally close to both, and is undefined (NaN) for the zero vector. The reference words'
scores give the scale: a token at the 95th percentile of the words is as "positive" as the most
positive twentieth of the vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pe_core.neighbours import normalise_rows

#: The fallback axis when the label names are not words: a small sentiment pair.
BUILTIN_POSITIVE = ("good", "great", "love", "happy")
BUILTIN_NEGATIVE = ("bad", "awful", "hate", "sad")


def parse_words(text: str) -> list[str]:
    """Words typed by a user: separated by spaces or commas, duplicates dropped, order kept."""
    return list(dict.fromkeys(w for w in str(text).replace(",", " ").split() if w))


@dataclass
class SemanticAxis:
    """An axis from ``negative`` to ``positive`` words, with poles computed from ``vectors``.

    Args:
        positive, negative: the words of each pole (at least one each, all in the vectors,
            no word in both).
        vectors: the pretrained ``Vectors``.

    Example:
        >>> from pe_core.vectors import Vectors
        >>> v = Vectors(["good", "bad"], np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
        >>> SemanticAxis(["good"], ["bad"], v).score(np.array([[2.0, 0.0]])).tolist()
        [1.0]
    """

    positive: list[str]
    negative: list[str]
    positive_pole: np.ndarray
    negative_pole: np.ndarray

    def __init__(self, positive: Sequence[str], negative: Sequence[str], vectors) -> None:
        self.positive, self.negative = list(positive), list(negative)
        for name, words in (("positive", self.positive), ("negative", self.negative)):
            if not words:
                raise ValueError(f"the {name} end of the axis needs at least one word")
            missing = [w for w in words if w not in vectors]
            if missing:
                raise ValueError(
                    f"{name} axis words not in the vectors: {missing}; pick words that have "
                    "vectors (check the spelling; GloVe words are lower case)"
                )
        both = sorted(set(self.positive) & set(self.negative))
        if both:
            raise ValueError(f"words on both ends of the axis: {both}; each end needs its own")
        self.positive_pole = _pole(vectors, self.positive)
        self.negative_pole = _pole(vectors, self.negative)

    @property
    def name(self) -> str:
        """ "bad awful ↔ good great" (negative end first, as on the chart)."""
        return f"{' '.join(self.negative)} ↔ {' '.join(self.positive)}"

    def score(self, points) -> np.ndarray:
        """cos(point, positive pole) - cos(point, negative pole) per row; NaN for zero rows."""
        p = np.asarray(points, dtype=np.float32)
        flat = p.reshape(-1, p.shape[-1])
        unit = normalise_rows(flat).astype(np.float64)
        out = unit @ self.positive_pole - unit @ self.negative_pole
        out[np.linalg.norm(flat, axis=1) == 0] = np.nan
        return out.reshape(p.shape[:-1])


def _pole(vectors, words: Sequence[str]) -> np.ndarray:
    rows = normalise_rows(np.stack([vectors.vector(w) for w in words]))
    mean = rows.mean(axis=0).astype(np.float64)
    norm = np.linalg.norm(mean)
    if norm == 0:
        raise ValueError(f"the words {list(words)} cancel out (their mean vector is zero)")
    return mean / norm


def default_axis_words(label_names: Sequence[str], vectors) -> tuple[list[str], list[str]]:
    """(positive, negative) words: the last and first label names when both are words in the
    vectors (e.g. ``positive`` / ``negative``), else the built-in sentiment pair."""
    names = [str(n).strip().lower() for n in label_names]
    if (
        len(names) >= 2
        and names[0] != names[-1]
        and all(n in vectors for n in (names[0], names[-1]))
    ):
        return [names[-1]], [names[0]]
    usable = (
        [w for w in BUILTIN_POSITIVE if w in vectors],
        [w for w in BUILTIN_NEGATIVE if w in vectors],
    )
    if not usable[0] or not usable[1]:
        raise ValueError(
            "no default axis: the label names are not words in the vectors and neither are "
            f"the built-in pair {BUILTIN_POSITIVE} / {BUILTIN_NEGATIVE}; type the axis words"
        )
    return list(usable[0]), list(usable[1])


def trajectory_scores(result, axis: SemanticAxis) -> pd.DataFrame:
    """Every token's score at every snapshot: token, kind, snapshot, step, epoch, score."""
    traj = np.asarray(result.trajectory, dtype=np.float32)
    s_count, k_count, _ = traj.shape
    return pd.DataFrame(
        {
            "token": np.tile(list(result.tokens), s_count),
            "kind": np.tile(list(result.token_kinds), s_count),
            "snapshot": np.repeat(np.arange(s_count), k_count),
            "step": np.repeat(np.asarray(result.steps).astype(int), k_count),
            "epoch": np.repeat(np.asarray(result.epochs, dtype=float), k_count),
            "score": axis.score(traj).ravel(),
        }
    )


def reference_spread(axis: SemanticAxis, matrix) -> dict[str, float]:
    """Percentiles (p5, p25, p50, p75, p95) of the words' scores: the axis's scale."""
    scores = axis.score(matrix)
    scores = scores[np.isfinite(scores)]
    if not len(scores):
        raise ValueError("no word with a direction to give the axis a scale")
    q = np.percentile(scores, [5, 25, 50, 75, 95])
    return dict(zip(("p5", "p25", "p50", "p75", "p95"), (float(v) for v in q), strict=True))


def movement(scores: pd.DataFrame) -> pd.DataFrame:
    """Per token: its score at the first snapshot with a direction, at the end, and the change.

    Sorted by the size of the change, largest first (tokens never given a direction last).
    """
    valid = scores.dropna(subset=["score"]).sort_values("snapshot", kind="stable")
    ends = valid.groupby("token", sort=False).agg(
        kind=("kind", "first"), start=("score", "first"), end=("score", "last")
    )
    ends["change"] = ends["end"] - ends["start"]
    ends = ends.reindex(list(dict.fromkeys(scores["token"])))
    order = ends["change"].abs().sort_values(ascending=False, na_position="last", kind="stable")
    return ends.loc[order.index].reset_index(names="token")


def default_tokens(moves: pd.DataFrame, n: int = 6) -> list[str]:
    """The tokens to chart first: the named special tokens (``<smile>``, ``<url>``, ...) that
    moved most on the axis, then the other specials (emoji, ...), then any token."""
    moved = moves.dropna(subset=["change"])
    special = moved[moved["kind"] == "special"]
    named = special["token"].str.match(r"^<.+>$")
    order = [*special[named].token, *special[~named].token, *moved.token]
    return list(dict.fromkeys(order))[:n]


def axis_figure(
    scores: pd.DataFrame,
    axis: SemanticAxis,
    spread: dict[str, float] | None,
    tokens: Sequence[str],
    *,
    height: int = 460,
):
    """Each chosen token's score over training steps, the words' spread shaded for scale.

    The band is the middle 90 % of the reference words (darker: the middle 50 %); every line
    is named at its end, so the chart reads without the legend.
    """
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    fig = go.Figure()
    steps = scores["step"]
    x0, x1 = (float(steps.min()), float(steps.max())) if len(steps) else (0.0, 1.0)
    if spread:
        for lo, hi, alpha, text, where in (
            ("p5", "p95", 0.10, "middle 90 % of the words", "top left"),
            ("p25", "p75", 0.18, "middle 50 %", "bottom left"),
        ):
            fig.add_hrect(
                y0=spread[lo],
                y1=spread[hi],
                fillcolor=f"rgba(95,102,112,{alpha})",
                line_width=0,
                annotation_text=text,
                annotation_position=where,
                annotation_font={"size": 10, "color": "#5f6670"},
            )
    palette = qualitative.D3
    notes = []
    for i, token in enumerate(tokens):
        rows = scores[scores["token"] == token].dropna(subset=["score"])
        if rows.empty:
            continue
        color = palette[i % len(palette)]
        fig.add_trace(
            go.Scatter(
                x=rows["step"].tolist(),
                y=np.round(rows["score"].to_numpy(dtype=float), 4).tolist(),
                mode="lines",
                name=token,
                line={"color": color, "width": 2.5},
                hovertemplate=f"{token}<br>step %{{x}}: %{{y:.3f}}<extra></extra>",
            )
        )
        end = rows.iloc[-1]
        notes.append(
            {
                "x": float(end["step"]),
                "y": float(end["score"]),
                "text": f"<b>{token}</b>",
                "showarrow": False,
                "xanchor": "left",
                "xshift": 6,
                "font": {"color": color, "size": 13},
                "name": "line end",
            }
        )
    fig.update_layout(
        title=f"On the axis {axis.name}",
        height=height,
        annotations=[*fig.layout.annotations, *notes],
        xaxis={"title": {"text": "training step"}, "range": [x0, x1 + 0.12 * (x1 - x0 or 1)]},
        yaxis={
            "title": {"text": f"← {' '.join(axis.negative)}   ·   {' '.join(axis.positive)} →"},
            "zeroline": True,
            "zerolinecolor": "#aaaaaa",
        },
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig
