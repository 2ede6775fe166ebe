"""Plotly figures for PE Lab: pure functions of data, no state, no UI.

The package: ``style`` (token-kind and arm colours, which kinds a map shows, legends),
``traces`` (the checked token table, fixed ranges, the reference / token / trail traces),
``labels`` (token names placed without overlaps), ``animation`` (the animated map and
``show_frame``), ``paths`` (the static start-to-end map), ``curves`` (per-epoch and sweep
curves), ``drift`` (neighbour drift charts) and ``influence`` (token influence charts).
Every public figure is importable from ``pe_core.plots`` itself.
"""

from pe_core.plots.animation import animated_map, show_frame
from pe_core.plots.curves import curves_figure, sweep_figure
from pe_core.plots.drift import drift_heatmap, similarity_figure
from pe_core.plots.influence import influence_figure, influence_growth_figure
from pe_core.plots.labels import place_labels, text_label_boxes
from pe_core.plots.paths import paths_figure
from pe_core.plots.style import ARM_COLORS, KIND_COLORS, MANY_TOKENS, TOKEN_KINDS, default_kinds
from pe_core.plots.traces import MAP_COLUMNS, WEBGL_THRESHOLD, fixed_ranges

__all__ = [
    "ARM_COLORS",
    "KIND_COLORS",
    "MANY_TOKENS",
    "MAP_COLUMNS",
    "TOKEN_KINDS",
    "WEBGL_THRESHOLD",
    "animated_map",
    "curves_figure",
    "default_kinds",
    "drift_heatmap",
    "fixed_ranges",
    "influence_figure",
    "influence_growth_figure",
    "paths_figure",
    "place_labels",
    "show_frame",
    "similarity_figure",
    "sweep_figure",
    "text_label_boxes",
]
