"""The Summary page's pieces: the sentences, the last-snapshot map with regions, the report."""

from __future__ import annotations

import streamlit as st

from ui import axis as axis_ui
from ui import change, explore, verdict

#: The summary map: the exact PCA view with the Explore page's defaults.
MAP_METHOD, MAP_PARAMS, MAP_REFERENCE = "PCA", {"sphereize": False}, 2000


def _baseline(result):
    from pe_core.context import majority_baseline

    labels = st.session_state.get("_run_labels")
    if labels is None or not len(result.val_indices):
        return None
    return majority_baseline(labels, result.val_indices, result.label_names)


def current_axis(result, vectors):
    """The session's semantic axis (the Semantic axis page's words), or None if they are bad."""
    s = st.session_state
    axis_ui.init_words(result, vectors)
    try:
        return axis_ui.view(result, vectors, s.axis_pos, s.axis_neg)
    except ValueError:
        return None


def build(result, vectors, tokens, threshold: float):
    """The summary of the session's run for ``tokens``."""
    from pe_core.axes import SemanticAxis  # noqa: F401  (keeps the import cost on this page)
    from pe_core.summary import summarize_run

    view = current_axis(result, vectors)
    s = st.session_state
    comparison = s.get("comparison")
    if comparison is not None and verdict.is_previous_setup("comparison"):
        comparison = None  # a comparison of other data says nothing about this run
    word_scores = None
    if view is not None:
        word_scores = view.axis.score(vectors.matrix[: axis_ui.SPREAD_WORDS])
    return summarize_run(
        result,
        vectors,
        tokens,
        axis=view.axis if view is not None else None,
        word_scores=word_scores,
        ends=change.endpoints(result, vectors),
        threshold=threshold,
        comparison=comparison,
        baseline=_baseline(result),
    )


def projection():
    """The run's PCA map (fitted here if Explore has not done it yet; PCA takes a moment)."""
    s = st.session_state
    key = explore.projection_key(MAP_METHOD, MAP_PARAMS, MAP_REFERENCE)
    if key not in s.projections:
        explore.compute(MAP_METHOD, MAP_PARAMS, MAP_REFERENCE, progress=None)
    return s.projections[key]


def map_figure(tokens):
    """The map at the last snapshot with the region labels, the featured tokens and paths;
    memoised per map and token list (building the animated figure costs about a second at
    76 snapshots, on every rerun otherwise)."""
    proj = projection()
    key = (id(proj), tuple(tokens))
    cached = st.session_state.get("_summary_map")
    if cached is None or cached[0] != key:
        cached = (key, _map_figure(proj, tokens))
        st.session_state._summary_map = cached  # one entry: new tokens or a new map replace it
    return cached[1]


def _map_figure(proj, tokens):
    from pe_core import plots
    from pe_core.regions import add_region_labels

    frame = proj.frame[proj.frame.token.isin(list(tokens))]
    xy, words = proj.projector.embedding_, proj.projector.words_
    fig = plots.animated_map(
        frame, xy, words, title="Where the featured tokens went (PCA, exact)", highlight=tokens
    )
    add_region_labels(fig, explore.regions_of(proj), xy, frame)
    return fig


def report(summary, map_fig, view, tokens, history) -> str:
    """The standalone HTML report: summary, animated map, axis and training curves.

    Uses no session state: the download button calls it later, when it is clicked.
    """
    from pe_core import plots
    from pe_core.axes import axis_figure
    from pe_core.report import report_html

    figures = [("The map", map_fig)]
    if view is not None:
        figures.append(
            ("On the semantic axis", axis_figure(view.scores, view.axis, view.spread, tokens))
        )
    figures.append(("Training curves", plots.curves_figure(history, title="Per epoch")))
    return report_html(
        "PE Lab · what the special tokens learned",
        summary.headline,
        [(s.token, s.sentences) for s in summary.stories],
        figures,
        notes=[note for note in (summary.scope, summary.comparison) if note],
    )
