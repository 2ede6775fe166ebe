"""Train page: settings, start / stop, live progress, curves and the live map."""

import streamlit as st

from pe_core.choices import ENCODERS, OPTIMIZERS
from ui import preview, state, training, verdict, wording
from ui.errors import shown_errors
from ui.live import live_view, poll_seconds, polling_too_fast

state.require_app(__file__)
s = st.session_state
st.title("Train")
st.caption(
    "A small classifier learns the labels of the texts. Only the special-token rows of the "
    "embedding train; every GloVe row stays frozen. Watch the tokens move through the fixed map."
)

run = s.run
running = training.is_running(run)
is_demo = s.vectors_desc == "Embedded demo" and s.dataset_desc == "Embedded demo"

with st.expander("Model and training settings", expanded=False):
    c = st.columns(4)
    c[0].selectbox(
        "Encoder",
        list(ENCODERS),
        persist_state="session",
        key="opt_encoder",
        format_func=ENCODERS.get,
    )
    c[1].number_input(
        "Epochs", min_value=1, max_value=200, step=1, persist_state="session", key="opt_epochs"
    )
    c[2].select_slider(
        wording.BATCH_SIZE,
        options=[8, 16, 32, 64, 128, 256],
        persist_state="session",
        key="opt_batch_size",
    )
    c[3].number_input(
        "Learning rate",
        min_value=1e-5,
        max_value=1.0,
        step=1e-3,
        format="%.4f",
        persist_state="session",
        key="opt_learning_rate",
    )
    c = st.columns(4)
    c[0].selectbox("Optimizer", list(OPTIMIZERS), persist_state="session", key="opt_optimizer")
    c[1].number_input(
        "Snapshot every N batches (0 = auto)",
        min_value=0,
        step=1,
        persist_state="session",
        key="opt_snapshot_every",
        help="How often the trainable rows are recorded for the map.",
    )
    c[2].number_input(
        "Seed",
        min_value=0,
        step=1,
        persist_state="session",
        key="opt_seed",
        help="One seed controls the split, the initial rows and the batch order.",
    )

left, right, _ = st.columns([2, 1, 3])
label = "Train on the demo" if is_demo else "Start training"
start = left.button(
    label, type="primary", disabled=running, width="stretch", icon=":material/play_arrow:"
)
stop = right.button("Stop", disabled=not running, width="stretch", icon=":material/stop:")

if start:
    with shown_errors("Starting the run", "Check the settings above and the Data page."):
        with st.spinner("Starting the run…"):
            training.start_training()
        st.rerun()
if stop and run is not None:
    run.stop()

run = s.run
running = training.is_running(run)


# Before any run, the fragment polls once more after the first page to draw the map preview
# (ui/preview.py): the first page's script stays light, and the chart code is loaded before
# the click instead of after it.
preview_pending = s.get("run") is None and not s.get("_preview_shown")
interval = poll_seconds(running, preview_pending)


@st.fragment(run_every=interval)
def live() -> None:
    """Polls the run: progress bar, curves, the map at the latest snapshot."""
    if polling_too_fast(interval):
        st.rerun(scope="app")  # the first token map is drawn: poll at the normal rate
    with shown_errors("Drawing the run"):
        view = live_view()
        if view is None:
            preview.intro(label)
            return
        st.progress(view.fraction, text=view.text)
        if view.failed:
            st.error(f"The run failed: {view.message}\n\nChange the settings and start again.")
        elif view.finished:
            st.success(view.text_done, icon=":material/check_circle:")
            if s.get("result") is not None:
                verdict.previous_setup_note("result")
                verdict.train_context(s.result)
        for notice in view.notices:
            st.caption(notice)
        col_map, col_curves = st.columns([3, 2])
        if view.map_figure is not None:
            col_map.plotly_chart(view.map_figure, width="stretch", key="live_map")
            col_map.caption(
                "The run's map: the same words and axes as Explore's PCA map. Tokens still at "
                "zero (no direction yet) are not drawn until training moves them."
            )
        elif s.get("_preview_shown") and (figure := preview.reference_figure()) is not None:
            col_map.plotly_chart(figure, width="stretch", key="live_map")  # until a snapshot
        if view.curves_figure is not None:
            col_curves.plotly_chart(view.curves_figure, width="stretch", key="live_curves")
        elif not view.finished:
            col_curves.caption("Loss and accuracy curves appear when the first epoch ends.")
        if view.finished and state.collect_run():
            # Once per run, however fast it ended: the app's rerun stops the polling and the
            # sidebar shows the final state.
            st.rerun(scope="app")


live()
