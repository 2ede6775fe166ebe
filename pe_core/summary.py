"""A summary to present: what happened to the featured tokens, in plain sentences.

For each featured token (the special tokens, ``<smile>`` and emoji alike, that travelled
furthest, plus any the user picks; :func:`featured_scope` says so, and names a token of another
kind that travelled further):
where it started and ended (its true nearest words with cosines, or "no close word yet"), how
far it moved on the semantic axis against the words' spread, how much its neighbourhood
changed, and, when a comparison ran, what the dual model gained over the frozen one. Every
number comes from the same functions the pages use, so the summary never says more than the
charts show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pe_core.closeness import WEAK_COSINE, describe_nearest, is_weak, weak_heading
from pe_core.neighbourhood import Endpoints, distances, first_directions, token_path
from pe_core.neighbours import NeighbourIndex


@dataclass
class TokenStory:
    """The sentences about one token, and the numbers behind them."""

    token: str
    kind: str
    sentences: list[str]
    axis_change: float = float("nan")
    kept: float = float("nan")
    travelled: float = float("nan")


@dataclass
class Summary:
    """The whole summary: a headline, one story per featured token, the comparison line."""

    headline: str
    stories: list[TokenStory] = field(default_factory=list)
    comparison: str = ""
    scope: str = ""

    def paragraphs(self) -> list[str]:
        """Plain text, one paragraph per story (for the report and for tests)."""
        out = [self.headline] + ([self.scope] if self.scope else [])
        out += [f"{s.token}: " + " ".join(s.sentences) for s in self.stories]
        if self.comparison:
            out.append(self.comparison)
        return out


#: What the Summary features by default: the special tokens, both the rule tokens
#: (``<smile>``, ``<url>``) and the tokens of rules that emit the matched text (emoji).
FEATURED_KINDS = ("special",)
_KIND_NAMES = {"oov": "OOV word", "promoted": "promoted word", "unk": "<unk>"}


def _travel(result) -> np.ndarray:
    """Each token's L2 distance from its initial row at the last snapshot."""
    l2, _ = distances(result.trajectory)
    return l2[-1]


def featured_tokens(result, picks: Sequence[str] = (), n: int = 3) -> list[str]:
    """The special tokens (``<smile>`` and emoji alike) that travelled furthest, then the
    user's picks; any token that moved when no special did."""
    travel = _travel(result)
    moved = [t for t in range(len(result.tokens)) if travel[t] > 0]
    chosen = [t for t in moved if result.token_kinds[t] in FEATURED_KINDS] or moved
    chosen.sort(key=lambda t: -travel[t])
    names = [result.tokens[t] for t in chosen[:n]]
    return list(dict.fromkeys([*names, *[p for p in picks if p in set(result.tokens)]]))


def featured_scope(result, tokens: Sequence[str]) -> str:
    """Which tokens the summary features, and the furthest traveller it leaves out, if that one
    travelled further than a featured token (an OOV word often does)."""
    travel, kinds = _travel(result), result.token_kinds
    specials = sum(kind in FEATURED_KINDS for kind in kinds)
    shown = [t for t, tok in enumerate(result.tokens) if tok in set(tokens)]
    if not shown:
        return ""
    if any(travel[t] > 0 and kinds[t] in FEATURED_KINDS for t in range(len(kinds))):
        text = (
            f"Featured: the special tokens that travelled furthest (rule tokens such as <smile> "
            f"and emoji; {specials:,} of the {len(kinds):,} trainable rows), and any you add."
        )
    else:
        text = "Featured: the tokens that travelled furthest (no special token moved)."
    rest = [t for t in range(len(kinds)) if t not in shown]
    if not rest:
        return text
    far = max(rest, key=lambda t: travel[t])
    least = min(shown, key=lambda t: travel[t])
    if travel[far] <= travel[least]:
        return text
    kind = _KIND_NAMES.get(kinds[far], "special token")
    return text + (
        f" The {kind} {result.tokens[far]} travelled further ({travel[far]:.2f} L2, against "
        f"{travel[least]:.2f} for {result.tokens[least]}); add it under Also feature to see it."
    )


def _index(vectors) -> NeighbourIndex:
    """The vectors' shared search index (built once per vectors, not once per summary)."""
    from pe_core.stored_neighbours import shared_index

    return shared_index(vectors)


def _nearest_line(index, names, row, k: int, threshold: float) -> str:
    """ "was nearest to good 0.71, great 0.66" or "had no close word yet (best cosine 0.12)"."""
    idx, cos = index.query(row[None], k=k)
    words, cosines = [names[i] for i in idx[0]], cos[0].tolist()
    if is_weak(cosines[0], threshold):
        return weak_heading(cosines[0])
    return describe_nearest(words, cosines, k, threshold)


def _seen_sentence(result, t: int) -> str:
    """ "Seen 5 times in the 2,000 texts." (a row learned from 5 occurrences tells little), or ""
    when the run's vocabulary did not count its tokens."""
    stats = getattr(getattr(result, "vocabulary", None), "stats", None) or {}
    counts = stats.get("trainable_counts")
    if not counts or len(counts) != len(result.tokens):
        return ""
    n = counts[t]
    return f"Seen {n:,} time{'s' if n != 1 else ''} in the {stats['texts']:,} texts."


def _start_sentence(token, path, steps, index, names, threshold) -> str:
    start = int(first_directions(path[:, None])[0])
    if start < 0:
        return f"{token} never got a direction: it is still the zero vector."
    first = _nearest_line(index, names, path[start], 3, threshold)
    if start == 0:
        return f"Start: {first}."
    return (
        f"Start: no direction (a zero vector); after its first updates (step "
        f"{int(steps[start])}): {first}."
    )


def _axis_sentence(axis, scores, word_scores) -> tuple[str, float]:
    valid = scores[np.isfinite(scores)]
    if not len(valid) or axis is None:
        return "", float("nan")
    start, end = float(valid[0]), float(valid[-1])
    change = end - start
    towards = " ".join(axis.positive if change > 0 else axis.negative)
    share = float(np.mean(word_scores < end)) if len(word_scores) else 0.5
    pole = axis.positive if share >= 0.5 else axis.negative
    beaten = min(share if share >= 0.5 else 1 - share, 0.99)
    size = "barely" if abs(change) < 0.05 else "clearly" if abs(change) >= 0.15 else "somewhat"
    return (
        f"Axis {axis.name}: moved {change:+.2f} towards {towards} ({size}; {start:.2f} → "
        f"{end:.2f}); now nearer {' '.join(pole)} than {beaten:.0%} of the words.",
        change,
    )


def _change_word(same: int, k: int) -> str:
    """How much a top-k changed, from how many of its first k words remain."""
    if same == 0:
        return "changed completely"
    if same == k:
        return "did not change"
    share = same / k
    return (
        "changed almost completely"
        if share < 0.35
        else "changed by about half"
        if share < 0.65
        else "changed a little"
    )


def _change_sentence(kept: float, k: int, travelled: float) -> str:
    if not np.isfinite(kept):
        return ""
    same = int(round(kept * 2 * k / (1 + kept)))  # Jaccard -> shared words of two k-lists
    return (
        f"Neighbourhood {_change_word(same, k)}: {same} of its first {k} nearest words remain "
        f"(Jaccard {kept:.2f}); the vector travelled {travelled:.2f} (L2) from its initial row."
    )


def token_story(
    result,
    vectors,
    token: str,
    *,
    axis=None,
    word_scores=None,
    ends: Endpoints | None = None,
    k: int = 10,
    threshold: float = WEAK_COSINE,
    index: NeighbourIndex | None = None,
) -> TokenStory:
    """The sentences about one token (start, end, axis, neighbourhood change)."""
    t, traj, path = token_path(result, token)
    index = index or _index(vectors)
    names = vectors.words
    story = TokenStory(token, result.token_kinds[t], [])
    seen = _seen_sentence(result, t)
    if seen:
        story.sentences.append(seen)
    story.sentences.append(_start_sentence(token, path, result.steps, index, names, threshold))
    if not np.any(path[-1]):
        return story
    end = _nearest_line(index, names, path[-1], 3, threshold)
    story.sentences.append(f"End: {end}.")
    if axis is not None:
        ws = np.asarray(word_scores if word_scores is not None else [], dtype=float)
        text, story.axis_change = _axis_sentence(axis, axis.score(path), ws[np.isfinite(ws)])
        if text:
            story.sentences.append(text)
    l2, _ = distances(traj[:, [t]])
    story.travelled = float(l2[-1, 0])
    if ends is not None and ends.first[t, 0] >= 0:
        k = min(k, ends.k)
        a, b = set(ends.first[t, :k].tolist()), set(ends.final[t, :k].tolist())
        story.kept = len(a & b) / len(a | b)
        story.sentences.append(_change_sentence(story.kept, k, story.travelled))
    return story


def comparison_sentence(comparison) -> str:
    """What the dual model gained over the frozen one, from a ``compare_variants`` result."""
    if comparison is None:
        return "Run Compare to see what training the special rows gains over a frozen table."
    rows = {r["variant"]: r for r in comparison.table.to_dict("records")}
    if "dual" not in rows or "frozen" not in rows:
        return ""
    dual, frozen = rows["dual"]["best_val_accuracy"], rows["frozen"]["best_val_accuracy"]
    gain = dual - frozen
    verdict = "a real gain" if gain >= 0.01 else "no real gain" if gain > -0.01 else "a loss"
    return (
        f"Training only the special rows (dual) reached {dual:.1%} best validation accuracy vs "
        f"{frozen:.1%} with every row frozen: {gain:+.1%}, {verdict}."
    )


def _headline(result, baseline) -> str:
    """What was trained and how well: against the baseline, and flagged when the model
    answers one class for every text or was stopped before any epoch ended."""
    from pe_core.context import one_class_note

    epochs = len(result.history.get("val_accuracy") or [])
    trained = (
        f"A {result.encoder} classifier trained {len(result.tokens)} token rows "
        f"({result.state}, {epochs} epochs)"
    )
    if not epochs:
        return trained + ", stopped before its first epoch ended: no validation accuracy yet"
    headline = f"{trained} and reached {result.history['val_accuracy'][-1]:.1%} validation accuracy"
    if baseline is not None:
        headline += f", against {baseline.accuracy:.1%} for always answering '{baseline.label}'"
    predicted = getattr(result, "val_predicted", ())
    note = one_class_note(predicted, result.label_names) if predicted else ""
    return headline + (f". {note.rstrip('.')}" if note else "")


def summarize_run(
    result,
    vectors,
    tokens: Sequence[str],
    *,
    axis=None,
    word_scores=None,
    ends: Endpoints | None = None,
    k: int = 10,
    threshold: float = WEAK_COSINE,
    comparison=None,
    baseline=None,
) -> Summary:
    """The summary of a run for ``tokens`` (e.g. :func:`featured_tokens`)."""
    headline = _headline(result, baseline)
    index = _index(vectors)
    stories = [
        token_story(
            result, vectors, t, axis=axis, word_scores=word_scores, ends=ends, k=k,
            threshold=threshold, index=index,
        )
        for t in tokens
    ]  # fmt: skip
    scope = featured_scope(result, tokens)
    return Summary(headline + ".", stories, comparison_sentence(comparison), scope)
