"""The standalone report: one HTML file with the sentences, escaped, and every figure."""

import plotly.graph_objects as go

from pe_core.report import report_html


def test_the_report_holds_title_headline_stories_figures_and_notes_escaped():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    page = report_html(
        "PE Lab <run>",
        "A bag classifier reached 93% & more.",
        [("<smile>", ["End: hilarious 0.41."]), ("<sadface>", ["End: awful 0.41."])],
        [("Map", fig), ("Axis", fig)],
        notes=["seed 0"],
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>PE Lab &lt;run&gt;</title>" in page
    assert "93% &amp; more." in page
    assert page.count("&lt;smile&gt;") >= 1 and "&lt;sadface&gt;" in page
    assert "<smile>" not in page.split("<body>", 1)[1].split("<script")[0]  # escaped in text
    assert page.count('class="plotly-graph-div"') == 2
    assert "seed 0" in page
