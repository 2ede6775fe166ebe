"""Sweep page: frozen / dual / full (and more) on growing training sets, a few seeds."""

import streamlit as st

from pe_core.arms import BASE_ARMS, EXTRA_ARMS
from ui import csv_download, job_end, state
from ui import sweep as sweep_ui
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Sweep")
st.caption(
    "When does training only some rows pay off? Each arm trains on growing, nested training "
    "sets with the same validation texts, seeds and step budget; the curves show where dual "
    "beats freezing everything (frozen) or training everything (full)."
)

job = s.get("sweep_job")
running = job is not None and not job.done
c = st.columns([2.2, 1.4, 0.8, 1])
arms = c[0].multiselect(
    "Arms",
    [*BASE_ARMS, *EXTRA_ARMS],
    default=list(BASE_ARMS),
    key="sweep_arms",
    help="lora: rank-4 update of the frozen table; dual+promoted: the 20 most frequent dataset "
    "words also fine-tuned from their GloVe rows; dual@…: another start for the rows.",
)
sizes_text = c[1].text_input("Training sizes", "100, 300, 1000, 3000", key="sweep_sizes")
n_seeds = c[2].number_input("Seeds", 1, 5, 3, key="sweep_seeds")
steps = c[3].number_input(
    "Steps per run", 20, 5000, 300, step=50, key="sweep_steps", help="The shared budget."
)
metric = st.radio(
    "Metric",
    ["best_val_macro_f1", "best_val_accuracy"],
    format_func={"best_val_macro_f1": "macro-F1", "best_val_accuracy": "accuracy"}.get,
    horizontal=True,
    key="sweep_metric",
)

plan = None
with shown_errors("Planning the sweep", "Change the sizes, arms or dataset."):
    seeds = list(range(int(s.opt_seed), int(s.opt_seed) + int(n_seeds)))
    plan = sweep_ui.plan(arms, sweep_ui.parse_sizes(sizes_text), seeds, steps)
    measured = sweep_ui.seconds_per_step()
    basis = "your last Train run's speed" if measured else "a typical speed on 2 cores"
    st.info(f"Budget: {plan.describe(measured)} (from {basis}).", icon=":material/timer:")

left, right, _ = st.columns([2, 1, 3])
start = left.button(
    "Run the sweep",
    type="primary",
    disabled=running or plan is None,
    width="stretch",
    icon=":material/play_arrow:",
)
stop = right.button(
    "Stop", disabled=not running, width="stretch", icon=":material/stop:", key="sweep_stop"
)
if start and plan is not None:
    with shown_errors("Starting the sweep", "Check the settings on the Train page."):
        sweep_ui.start_sweep(arms, plan.sizes, seeds, steps)
        st.rerun()
if stop and job is not None:
    job.stop()


@st.fragment(run_every=1.0 if running else None)
def progress() -> None:
    job = s.get("sweep_job")
    if job is None:
        return
    p = job.progress()
    if not job.done:
        st.progress(min(float(p.get("fraction") or 0.0), 1.0), text=sweep_ui.status_text(p))
        return
    job_end.collect(job, "The sweep failed", "sweep", "_sweep_polling")


progress()
s._sweep_polling = running

result = s.get("sweep")
if result is not None:
    from pe_core import plots

    with shown_errors("Showing the sweep"):
        if result.runs.empty:
            st.warning("The sweep was stopped before its first run finished.")
        else:
            st.success(result.outcome(metric), icon=":material/insights:")
            st.plotly_chart(plots.sweep_figure(result.summary, metric), width="stretch")
            st.caption(sweep_ui.spread_caption(result))
            st.dataframe(sweep_ui.summary_table(result, metric), hide_index=True)
            with st.expander("Every run"):
                st.dataframe(result.runs.round(4), hide_index=True, width="stretch")
            csv_download.button("Download every run (CSV)", result.runs, "sweep_runs.csv")
