"""Glue for the Compare page: the session's data and settings -> a background comparison,
and its table with readable column names."""

from __future__ import annotations

import streamlit as st

from ui import jobs, status, training, verdict


class CompareJob(jobs.QueuedTrainingJob):
    """``compare_variants`` (one training per arm) in a background thread."""

    _queued = {"overall_fraction": 0.0, "variant": None}
    _preparing = "preparing the data and the models"

    def __init__(self, vectors, texts, labels, **train_kwargs) -> None:
        super().__init__(
            "pe-lab-compare", {"overall_fraction": 0.0}, vectors, texts, labels, train_kwargs
        )

    def _work(self):
        from pe_core.experiments import compare_variants

        return compare_variants(
            *self._args, callback=self._on_progress, stop_event=self._stop, **self._kwargs
        )


def start_comparison(arms=("frozen", "dual", "full")) -> None:
    """Start ``compare_variants`` of ``arms`` for this session's data and settings."""
    s = st.session_state
    jobs.stop_running("compare_job")
    kwargs = training.train_kwargs()
    kwargs["variants"] = tuple(arms)
    job = CompareJob(s.vectors, s.dataset.texts, s.dataset.labels, **kwargs)
    s.compare_job, s.comparison = job, None
    verdict.remember_setup("comparison")
    jobs.launch(job, "comparison", keys=("compare_job", "comparison"))


TABLE_LABELS = {
    "variant": "Variant",
    "state": "State",
    "trainable_params": "Trainable params",
    "frozen_params": "Frozen params",
    "embedding_trainable_params": "…of which embedding",
    "optimizer_state_params": "Optimizer state",
    "best_val_accuracy": "Best val accuracy",
    "best_val_accuracy_epoch": "at epoch",
    "best_val_macro_f1": "Best val macro-F1",
    "final_train_minus_val_gap": "Train − val gap",
    "val_classes_predicted": "Classes predicted",
    "seconds_per_epoch": "s / epoch",
    "trainable_row_shift": "Trainable row shift",
    "frozen_row_shift": "Frozen row shift",
}


#: Counts shown with thousands separators (20,259 parameters, not 20259).
COUNT_COLUMNS = (
    "trainable_params",
    "frozen_params",
    "embedding_trainable_params",
    "optimizer_state_params",
)


def comparison_table(comparison):
    """The comparison table with readable column names, in a useful order, its parameter
    counts written with thousands separators (a Styler: the numbers stay numbers for sorting)."""
    table = comparison.table
    columns = [c for c in TABLE_LABELS if c in table.columns]
    shown = table[columns].rename(columns=TABLE_LABELS).round(3)
    counts = [TABLE_LABELS[c] for c in COUNT_COLUMNS if c in columns]
    # Every cell as st.dataframe would show it (3 decimals), the counts with separators.
    styled = shown.style.format(precision=3, na_rep="—", thousands=",")
    return styled.format("{:,.0f}", subset=counts, na_rep="—")


def status_text() -> str:
    """One line for the sidebar, or "" when no comparison was started."""
    return status.sidebar_line("compare_job", "overall_fraction")
