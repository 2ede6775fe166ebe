"""Summary page: what happened to the featured tokens, in sentences, beside the map."""

import streamlit as st

from ui import neighbour_list, state
from ui import summary as summary_ui
from ui.errors import shown_errors
from ui.highlight import literal

state.require_app(__file__)
s = st.session_state
st.title("Summary")
st.caption(
    "What to say about this run: for the special tokens that travelled furthest (rule tokens "
    "such as <smile>, and emoji) and any you add, where each started and ended, how far it "
    "moved on the semantic axis, and how much its neighbourhood changed."
)
result = state.require_result("Nothing to summarise yet")
vectors = s.run_vectors

from pe_core.summary import featured_tokens  # noqa: E402  (after the no-result stop)

c = st.columns([3, 1])
picks = c[0].multiselect(
    "Also feature",
    list(result.tokens),
    persist_state="session",
    key="summary_picks",
    placeholder="add tokens, e.g. 😊",
)
threshold = neighbour_list.threshold_slider(c[1], "summary_weak")
tokens = featured_tokens(result, picks)

with shown_errors("Writing the summary"):
    summary = summary_ui.build(result, vectors, tokens, threshold)
    text, picture = st.columns([1, 1])
    with text:
        st.markdown(f"**{summary.headline}**")
        st.caption(literal(summary.scope))
        for story in summary.stories:
            st.markdown(f"**`{story.token}`**\n" + "".join(f"\n- {x}" for x in story.sentences))
        if summary.comparison:
            st.markdown(summary.comparison)
    map_fig = summary_ui.map_figure(tokens)
    with picture:
        st.plotly_chart(map_fig, width="stretch", key="summary_map")
    view = summary_ui.current_axis(result, vectors)
    st.download_button(
        "Export as report",
        # Built when clicked (plotly.js inline makes it a few MB), not on every rerun.
        lambda: summary_ui.report(summary, map_fig, view, tokens, result.history),
        on_click="ignore",
        file_name="pe_lab_report.html",
        mime="text/html",
        icon=":material/description:",
        help="One HTML file with this summary, the animated map and the curves; opens offline.",
    )
