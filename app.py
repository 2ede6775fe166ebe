"""PE Lab: entry point. Page config, session defaults, sidebar, navigation; nothing else."""

import streamlit as st

from ui import runtime, sidebar, state, urlstate, warmup

st.set_page_config(page_title="PE Lab", page_icon="🧭", layout="wide")
runtime.keep_keras_state()
# Navigation first: it replaces the automatic pages/ listing for every session at once.
page = st.navigation(
    [
        st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:", default=True),
        st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),
        st.Page("pages/neighbours.py", title="Neighbours", icon=":material/hub:"),
        st.Page("pages/influence.py", title="Influence", icon=":material/bar_chart:"),
        st.Page("pages/axis.py", title="Semantic axis", icon=":material/linear_scale:"),
        st.Page("pages/summary.py", title="Summary", icon=":material/summarize:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/sweep.py", title="Sweep", icon=":material/stacked_line_chart:"),
        st.Page("pages/export.py", title="Export", icon=":material/download:"),
    ]
)
urlstate.restore()  # a link or a reload: the view from the URL, the run from the store
state.init_session()
state.collect_run()  # a run that ended meanwhile is the result, on any page
urlstate.publish()
sidebar.render()
page.run()
warmup.start_after_first_page()  # TensorFlow and numba load in the background from now on
