"""Compare page: frozen vs dual vs fully trainable embeddings on the same data and settings."""

import streamlit as st

from pe_core.arms import BASE_ARMS, EXTRA_ARMS
from ui import compare, job_end, state, status, verdict
from ui.errors import shown_errors

state.require_app(__file__)
s = st.session_state
st.title("Compare")
st.caption(
    "Models with the same data, split, seed and settings (from the Train page): **frozen** (no "
    "embedding row trains), **dual** (only the k special rows train), **full** (every row "
    "trains), and on request **lora** (a rank-4 update of the frozen table), **dual+promoted** "
    "(also the 20 most frequent dataset words) and other starts for the rows (dual@…)."
)

job = s.get("compare_job")
running = job is not None and not job.done
arms = st.multiselect(
    "Arms",
    [*BASE_ARMS, *EXTRA_ARMS, "dual@zeros"],
    default=list(BASE_ARMS),
    key="compare_arms",
    help="Each arm reports its trainable parameters, optimizer state and time per epoch.",
)
left, right, _ = st.columns([2, 1, 3])
start = left.button(
    "Run the comparison",
    type="primary",
    disabled=running or not arms,
    width="stretch",
    icon=":material/play_arrow:",
)
stop = right.button(
    "Stop",
    disabled=not running,
    width="stretch",
    icon=":material/stop:",
    key="compare_stop",
)
if start:
    with shown_errors("Starting the comparison", "Check the settings on the Train page."):
        with st.spinner("Starting the comparison…"):
            compare.start_comparison(arms)
        st.rerun()
if stop and job is not None:
    job.stop()


@st.fragment(run_every=1.0 if running else None)
def progress() -> None:
    job = s.get("compare_job")
    if job is None:
        st.info(
            f"Trains {len(arms)} models one after another: about {len(arms)} times a Train run. "
            "For growing training sets and several seeds, see the Sweep page.",
            icon=":material/info:",
        )
        return
    p = job.progress()
    if not job.done and p.get("queued"):
        st.progress(0.0, text=status.QUEUED_TEXT)
        return
    if not job.done and not p.get("variant"):  # before the first variant's first report
        st.progress(0.0, text=status.starting_text(p.get("phase", "")))
        return
    if not job.done:
        variant = p.get("variant") or "…"
        step = f"{p.get('variant_index', 0) + 1}/{len(p.get('variants') or [0, 0, 0])}"
        st.progress(
            min(float(p.get("overall_fraction") or 0.0), 1.0),
            text=f"Training **{variant}** ({step}) · epoch {max(p.get('epoch') or 1, 1)}"
            f"/{p.get('epochs', '?')}",
        )
        return
    job_end.collect(job, "The comparison failed", "comparison", "_compare_polling")


progress()
s._compare_polling = running

comparison = s.get("comparison")
if comparison is not None:
    from pe_core import plots

    with shown_errors("Showing the comparison"):
        verdict.previous_setup_note("comparison")
        st.success(comparison.summary() + ".", icon=":material/insights:")
        st.dataframe(compare.comparison_table(comparison), width="stretch", hide_index=True)
        st.caption("Per-epoch curves of each variant (same axes meaning in every tab).")
        variants = list(comparison.results)
        for tab, variant in zip(st.tabs(variants), variants, strict=True):
            tab.plotly_chart(
                plots.curves_figure(comparison.results[variant].history, title=variant),
                width="stretch",
                key=f"compare_curves_{variant}",
            )
