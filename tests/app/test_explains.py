"""AppTest of the controls that make the map explain itself (issue 13), on one tiny demo run.

The run is trained once per module in-process and handed to each fresh AppTest session, so
every control is tested on a real result without a training run per test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pe_core.closeness import WEAK_COSINE

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def demo_run():
    from pe_core.demo import demo_dataset, demo_vectors
    from pe_core.training import train

    vectors, data = demo_vectors(), demo_dataset()
    result = train(
        vectors,
        data.texts,
        data.labels,
        label_names=data.label_names,
        epochs=3,
        batch_size=32,
        learning_rate=0.01,
        snapshot_every=10,
        min_oov_count=3,
        seed=0,
    )
    return vectors, result


def _session(demo_run, page: str) -> AppTest:
    vectors, result = demo_run
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["result"] = result
    at.session_state["run_vectors"] = vectors
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
    return at


def _frame_with(at: AppTest, column: str):
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_neighbour_list_threshold_greys_a_weak_list(demo_run):
    at = _session(demo_run, "pages/neighbours.py")
    assert at.slider(key="nb_weak").value == WEAK_COSINE
    # Raise the threshold above every cosine: the token's list is headed "no close word yet".
    at.selectbox(key="nb_token").set_value("<smile>").run()
    at.slider(key="nb_weak").set_value(0.9).run()
    assert not at.exception, at.exception
    assert "no close word yet (best cosine" in _markdown(at)
    summary = _frame_with(at, "Nearest at the end")
    # Readable headers on the page (the CSV exports keep token, first_top, ...).
    assert {"Token", "Kind", "First top words", "Overlap (kept)"} <= set(summary.columns)
    assert not [c for c in summary.columns if "_" in c]
    ends = summary.set_index("Token")["Nearest at the end"]
    assert ends["<unk>"] == "zero vector: no direction yet"  # <unk> never occurs in the demo
    assert ends.drop("<unk>").str.startswith("no close word yet (best cosine").all()
    at.slider(key="nb_weak").set_value(0.0).run()
    assert "no close word yet" not in _markdown(at)
    assert len(at.dataframe[0].value["word"]) == at.slider(key="opt_nb_k").value


def _map(at: AppTest):
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_explore_region_labels_focus_token_and_colour_bar(demo_run):
    at = _session(demo_run, "pages/explore.py")
    layout = _map(at)["layout"]
    regions = at.session_state["projections"]
    names = set(next(iter(regions.values())).regions.names)
    labels = [a["text"] for a in layout["annotations"]]
    assert labels and set(labels) <= names  # only region labels, at least one placed
    at.toggle(key="explore_regions").set_value(False).run()
    assert "annotations" not in _map(at)["layout"] or not _map(at)["layout"]["annotations"]

    at.selectbox(key="explore_focus").set_value("<smile>").run()
    assert not at.exception, at.exception
    fig = _map(at)
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["<b><smile></b>"]
    assert "nearest words of <smile>" in [t.get("name") for t in fig["data"]]
    assert any("**<smile>** at the end · true nearest words:" in m.value for m in at.markdown)

    # A searched token is the focus too; a searched word gets a callout.
    at.selectbox(key="explore_focus").set_value("(none)")
    at.text_input(key="explore_search").set_value("<sadface>").run()
    assert "<b><sadface></b>" in [a["text"] for a in _map(at)["layout"]["annotations"]]
    at.text_input(key="explore_search").set_value("happy").run()
    assert "<b>happy</b>" in [a["text"] for a in _map(at)["layout"]["annotations"]]

    at.selectbox(key="explore_colour_by").set_value("<smile>").run()
    marker = _map(at)["data"][0]["marker"]
    assert marker["colorbar"]["title"]["text"] == "cosine to <smile>"


def test_semantic_axis_defaults_and_typed_words(demo_run):
    at = _session(demo_run, "pages/axis.py")
    # The demo's label names are not words in its vectors: the built-in sentiment pair.
    assert at.text_input(key="axis_pos").value == "good great love happy"
    assert at.text_input(key="axis_neg").value == "bad awful hate sad"
    chart = _map(at)
    names = [t["name"] for t in chart["data"]]
    assert "<smile>" in names and "<sadface>" in names
    moves = at.dataframe[0].value.set_index("token")
    assert moves.loc["<smile>", "change"] > 0.05 > -0.05 > moves.loc["<sadface>", "change"]
    at.text_input(key="axis_pos").set_value("good nosuchword").run()
    assert any("nosuchword" in e.value for e in at.error)
    at.text_input(key="axis_pos").set_value("food").run()
    assert [e.value for e in at.error] == []
    assert _map(at)["layout"]["title"]["text"] == "On the axis bad awful hate sad ↔ food"


def test_axis_words_follow_a_new_run_unless_typed(demo_run):
    # A run on other vectors (here: an earlier run whose defaults were other words) must not
    # keep that run's default words, which may not exist in the new vectors; typed words stay.
    at = _session(demo_run, "pages/axis.py")
    at.session_state["_axis_defaults"] = ("positive", "negative")
    at.session_state["axis_pos"] = "positive"
    at.session_state["axis_neg"] = "my own words"
    at.run()
    assert at.text_input(key="axis_pos").value == "good great love happy"
    assert at.text_input(key="axis_neg").value == "my own words"


def test_semantic_plane_draws_every_chosen_token_on_two_axes(demo_run):
    at = _session(demo_run, "pages/axis.py")
    # The default second axis: the arousal words the demo vectors hold.
    assert at.text_input(key="plane_pos").value == "excited angry furious"
    assert at.text_input(key="plane_neg").value == "relaxed quiet peaceful"
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # the axis chart, then the plane
    spec = json.loads(charts[1].proto.spec)
    lines = [t["name"] for t in spec["data"] if t.get("mode") == "lines"]
    assert lines == at.multiselect(key="axis_tokens").value
    assert spec["layout"]["yaxis"]["title"]["text"] == (
        "← relaxed quiet peaceful   ·   excited angry furious →"
    )
    at.text_input(key="plane_pos").set_value("nosuchword").run()
    (error,) = [e.value for e in at.error]
    assert "Building the semantic plane failed" in error and "nosuchword" in error
    assert len(at.get("plotly_chart")) == 1  # the first axis' chart stays


def test_neighbourhood_change_curves_follow_k_and_rank_every_token(demo_run):
    at = _session(demo_run, "pages/neighbours.py")
    at.selectbox(key="nb_token").set_value("<smile>").run()
    at.slider(key="opt_nb_k").set_value(5).run()
    assert not at.exception, at.exception
    curves = at.session_state["_token_change_cache"]
    assert curves[0][1:] == ("<smile>", 5)
    assert curves[1].jaccard_final.iloc[-1] == 1.0  # the final list overlaps itself fully
    ranking = _frame_with(at, "Changed")
    assert {"Token", "Changed", "L2 distance from start"} <= set(ranking.columns)
    assert not [c for c in ranking.columns if "_" in c]  # readable headers
    assert set(ranking.Token) == set(demo_run[1].tokens)
    assert ranking.Token.iloc[-1] == "<unk>"  # never given a direction: ranked last
    import json

    titles = [
        json.loads(c.proto.spec)["layout"].get("title", {}).get("text")
        for c in at.get("plotly_chart")
    ]
    assert "How much the neighbourhood of <smile> changed" in titles


def test_summary_page_says_what_smile_and_sad_did_and_exports_a_report(demo_run):
    from pe_core.summary import _travel, featured_tokens

    at = _session(demo_run, "pages/summary.py")
    result = demo_run[1]
    featured = featured_tokens(result)  # the specials, emoji included, that moved furthest
    assert [m.value.split("`")[1] for m in at.markdown if m.value.startswith("**`")] == featured
    travel = dict(zip(result.tokens, _travel(result), strict=True))
    specials = [t for t, k in zip(result.tokens, result.token_kinds, strict=True) if k == "special"]
    assert min(travel[t] for t in featured) >= max(travel[t] for t in set(specials) - set(featured))
    assert [c.value for c in at.caption if c.value.startswith("Featured: ")] == [
        "Featured: the special tokens that travelled furthest (rule tokens such as &lt;smile&gt; "
        f"and emoji; {len(specials)} of the {len(result.tokens)} trainable rows), and any you add."
    ]
    at.multiselect(key="summary_picks").set_value(["<smile>", "<sadface>"]).run()
    smile = next(m.value for m in at.markdown if m.value.startswith("**`<smile>`**"))
    assert "towards good great love happy" in smile and "End: " in smile
    sad = next(m.value for m in at.markdown if m.value.startswith("**`<sadface>`**"))
    assert "towards bad awful hate sad" in sad
    labels = [a["text"] for a in _map(at)["layout"]["annotations"]]
    proj = next(iter(at.session_state["projections"].values()))
    assert labels and set(labels) <= set(proj.regions.names)
    assert [b.proto.label for b in at.get("download_button")] == ["Export as report"]
    at.multiselect(key="summary_picks").set_value(["😊"]).run()
    assert "**`😊`**" in _markdown(at)


def test_neighbours_show_on_the_map_opens_explore_with_the_focus_token(demo_run):
    at = _session(demo_run, "pages/neighbours.py")
    at.selectbox(key="nb_token").set_value("<sadface>").run()
    at.button(key="nb_show_on_map").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="explore_focus").value == "<sadface>"
    assert "<b><sadface></b>" in [a["text"] for a in _map(at)["layout"]["annotations"]]


def _url_harness():
    # What app.py does around the page: restore at a session's start, publish on every run.
    import streamlit as st

    from ui import urlstate

    urlstate.restore()
    st.session_state.setdefault("result", None)
    urlstate.publish()
    st.caption(urlstate.notice() or "-")


def test_the_view_is_in_the_url_and_a_reload_gets_the_run_back(demo_run):
    # AppTest reruns a multipage app's page alone (not app.py), so the URL glue is driven by
    # a harness doing what app.py does; the browser test reloads the real app.
    vectors, result = demo_run
    at = AppTest.from_function(_url_harness)
    at.session_state["result"], at.session_state["run_vectors"] = result, vectors
    at.session_state["run_texts"] = texts = ["a text", "another"]  # Influence needs them
    at.session_state["explore_focus"], at.session_state["opt_trails"] = "<smile>", False
    at.session_state["axis_pos"] = "good great"
    at.run()
    assert not at.exception, at.exception
    params = dict(at.query_params)
    assert params["focus"] == "<smile>" and params["trails"] == "0", params
    assert params["axis_pos"] == "good great"
    assert "Kept for a reload" in at.caption[0].value

    # A reload is a new session with the same URL: same view settings, same run.
    again = AppTest.from_function(_url_harness)
    for name, value in params.items():
        again.query_params[name] = value
    again.run()
    assert again.session_state["result"] is result
    assert again.session_state["run_vectors"] is vectors
    assert again.session_state["run_texts"] is texts
    assert again.session_state["explore_focus"] == "<smile>"
    assert again.session_state["opt_trails"] is False
    assert dict(again.query_params)["run"] == params["run"]

    # A link to a run the server no longer has says so.
    lost = AppTest.from_function(_url_harness)
    lost.query_params["run"] = "gone"
    lost.run()
    assert "no longer on the server" in lost.caption[0].value
    assert lost.session_state["result"] is None


def test_a_bad_focus_from_a_link_falls_back_to_none(demo_run):
    vectors, result = demo_run
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state["result"], at.session_state["run_vectors"] = result, vectors
    at.session_state["explore_focus"] = "<nope>"  # e.g. a link made for another run
    at.session_state["opt_method"] = "Isomap"
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="explore_focus").value == "(none)"
    assert at.radio(key="opt_method").value == "PCA"


def test_run_store_is_bounded_and_expires():
    from ui.urlstate import RunStore

    store = RunStore(size=2, seconds=10)
    store.put("a", {"x": 1}, now=0)
    store.put("b", {"x": 2}, now=1)
    assert store.get("a", now=2) == {"x": 1}  # opening a run keeps it alive
    store.put("c", {"x": 3}, now=3)  # over the size: the least recently used ("b") goes
    assert store.get("b", now=3) is None and len(store) == 2
    assert store.get("a", now=11) == {"x": 1}
    assert store.get("c", now=14) is None  # not opened for more than 10 s
