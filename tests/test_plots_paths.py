"""The static start-to-end map: paths, open start markers, arrows to the end."""

from plot_tables import REF_WORDS, REF_XY, token_table

from pe_core.plots.paths import paths_figure
from pe_core.plots.style import KIND_COLORS


def test_paths_figure_arrows_from_start_to_end():
    df = token_table(snapshots=3)
    fig = paths_figure(df, REF_XY, REF_WORDS)
    assert len(fig.layout.annotations) == 3
    url = [a for a in fig.layout.annotations if a.arrowcolor == KIND_COLORS["special"]][0]
    assert (url.ax, url.ay, url.x, url.y) == (0.0, 0.0, 2.0, -4.0)
    assert not fig.frames


def test_paths_figure_marks_each_start_open_in_its_kinds_colour():
    fig = paths_figure(token_table(snapshots=3), REF_XY, REF_WORDS, title="run")
    traces = {t.name: t for t in fig.data}
    start = traces["special start"]
    assert start.marker.color == "white" and start.marker.line.color == KIND_COLORS["special"]
    assert start.showlegend is False and list(start.x) == [0.0]
    assert list(traces["special"].x) == [2.0]  # the end, drawn like a token on the map
    assert list(start.customdata[0])[:3] == ["<url>", "special", 0]
    assert fig.layout.legend.y == 1.0 and fig.layout.legend.yanchor == "bottom"
