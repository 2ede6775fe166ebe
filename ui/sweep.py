"""Glue for the Sweep page: the session's data and settings -> a background ``run_sweep``."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import jobs, status, training

#: Settings of the Train page that the sweep sets itself (per run).
_SWEEP_OWNS = ("epochs", "seed", "snapshot_every")


def sweep_kwargs() -> dict[str, Any]:
    """The Train page's settings, minus those the sweep chooses per run."""
    return {k: v for k, v in training.train_kwargs().items() if k not in _SWEEP_OWNS}


def seconds_per_step() -> float | None:
    """Seconds per optimizer step measured by the session's last run (None if none yet)."""
    result = st.session_state.get("result")
    if result is None or not result.epoch_seconds or not result.batches_per_epoch:
        return None
    # The first epoch includes tracing; the others are the steady cost.
    steady = result.epoch_seconds[1:] or result.epoch_seconds
    return sum(steady) / len(steady) / result.batches_per_epoch


def plan(arms, sizes, seeds, steps):
    """The ``SweepPlan`` for the session's dataset and these choices (cheap: no training)."""
    from pe_core.sweep import plan_sweep

    s = st.session_state
    return plan_sweep(
        s.dataset.labels,
        arms=tuple(arms),
        sizes=tuple(sizes),
        seeds=tuple(seeds),
        steps=int(steps),
        batch_size=int(s.opt_batch_size),
    )


def parse_sizes(text: str) -> list[int]:
    """ "100, 300 1000" -> [100, 300, 1000]; a clear ValueError for anything else."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(
            f"training sizes must be positive whole numbers separated by commas, got {text!r}"
        )
    return sorted({int(p) for p in parts})


class SweepJob(jobs.QueuedTrainingJob):
    """``run_sweep`` in a background thread, in the same training line as the runs."""

    _queued = {"fraction": 0.0}
    _phase_extra = {"fraction": 0.0}

    def __init__(self, vectors, texts, labels, **kwargs) -> None:
        super().__init__("pe-lab-sweep", {"fraction": 0.0}, vectors, texts, labels, kwargs)

    def _work(self):
        from pe_core.sweep import run_sweep

        return run_sweep(
            *self._args, callback=self._on_progress, stop_event=self._stop, **self._kwargs
        )


def start_sweep(arms, sizes, seeds, steps) -> None:
    """Start the sweep for this session's data and Train settings in the background."""
    s = st.session_state
    jobs.stop_running("sweep_job")
    kwargs = sweep_kwargs()
    kwargs.update(arms=tuple(arms), sizes=tuple(sizes), seeds=tuple(seeds), steps=int(steps))
    job = SweepJob(s.vectors, s.dataset.texts, s.dataset.labels, **kwargs)
    s.sweep_job, s.sweep = job, None
    jobs.launch(job, "sweep", keys=("sweep_job", "sweep"))


def status_text(p: dict) -> str:
    """The progress line of a running sweep."""
    if p.get("queued"):
        return status.QUEUED_TEXT
    if not p.get("arm"):
        return status.starting_text(p.get("phase", ""))
    return f"Run {p['run']}/{p['runs']} · **{p['arm']}** on {p['size']:,} texts · seed {p['seed']}"


def _cell(row: dict, metric: str) -> str:
    mean = f"{row[f'{metric}_mean']:.3f}"
    if int(row.get("seeds", 0)) < 2:
        return f"{mean} (1 seed: no spread)"  # a std of one value is undefined, not 0
    return f"{mean} ± {row[f'{metric}_std']:.3f}"


def summary_table(result, metric: str):
    """Mean ± std per arm (rows) and size (columns) of ``metric``, as strings; a cell of one
    seed says it has no spread."""
    import pandas as pd

    summary = result.summary
    cells = {(row["arm"], row["size"]): _cell(row, metric) for row in summary.to_dict("records")}
    arms = list(dict.fromkeys(summary["arm"]))
    sizes = sorted(summary["size"].unique())
    return pd.DataFrame(
        [[arm, *[cells.get((arm, n), "") for n in sizes]] for arm in arms],
        columns=["arm", *[f"{n:,} texts" for n in sizes]],
    )


def spread_caption(result) -> str:
    """What the error bars are, or that there are none (one seed a cell)."""
    gap = (
        " The gap is the final model's accuracy on its own training texts minus on the "
        "validation texts (no dropout)."
    )
    seeds = result.summary["seeds"] if len(result.summary) else []
    if len(seeds) and int(min(seeds)) < 2:
        return (
            "One seed per cell: no error bars and no ± (the spread of a single run is "
            "undefined; run 2 or more seeds to see it)." + gap
        )
    return "Mean over seeds, error bars ± one std." + gap


def sidebar_status() -> str:
    """One line for the sidebar, or "" when no sweep was started."""
    return status.sidebar_line("sweep_job", "fraction")
