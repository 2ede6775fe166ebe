"""What a result is to be judged against, on the pages: baseline, overfitting, stale setup."""

from __future__ import annotations

import streamlit as st

#: Settings (widget keys) that change what a training run produces.
RUN_SETTINGS = (
    "opt_encoder",
    "opt_epochs",
    "opt_batch_size",
    "opt_learning_rate",
    "opt_optimizer",
    "opt_snapshot_every",
    "opt_seed",
)


def setup_key() -> tuple:
    """The current data and settings: a run started now would be keyed by this."""
    from ui import state

    s = st.session_state
    state.current_tokenizer()  # memoises the rules' key
    return (
        s.get("data_version", 0),
        s._tokenizer_cache[0],
        repr(state.vocab_options()),
        tuple(repr(s.get(k)) for k in RUN_SETTINGS),
    )


def remember_setup(what: str) -> None:
    """Record the setup a run (``what`` = "result" or "comparison") is being started with."""
    s = st.session_state
    s[f"_setup_of_{what}"] = setup_key()
    if what == "result":
        s._run_labels = s.dataset.labels  # the validation rows' labels, for the baseline


def is_previous_setup(what: str) -> bool:
    """True when the session's ``what`` came from other data or settings than the current."""
    recorded = st.session_state.get(f"_setup_of_{what}")
    return recorded is not None and recorded != setup_key()


def previous_setup_note(what: str = "result") -> None:
    """Say so above a result that is from the previous setup (other data or settings)."""
    if is_previous_setup(what):
        noun = "This result" if what == "result" else "This comparison"
        st.warning(
            f"**From the previous setup** · {noun} was made with other data or settings than "
            "the current ones. Train again to see the current setup.",
            icon=":material/history:",
        )


def train_context(result) -> None:
    """Validation accuracy and macro-F1 beside the majority baseline; overfitting and a
    model that answers one class for every text flagged."""
    from pe_core.context import majority_baseline, one_class_note, overfitting_note

    history = result.history
    if not history.get("val_accuracy"):  # stopped before its first epoch ended
        st.info(
            "Stopped before the first epoch ended: no validation accuracy yet.",
            icon=":material/info:",
        )
        return
    acc = (history.get("val_accuracy") or [float("nan")])[-1]
    f1 = (history.get("val_macro_f1") or [float("nan")])[-1]
    labels = st.session_state.get("_run_labels")
    c = st.columns(3)
    if labels is not None and len(result.val_indices):
        base = majority_baseline(labels, result.val_indices, result.label_names)
        points, gain_f1 = (acc - base.accuracy) * 100, f1 - base.macro_f1
        # No gain is no good news: a "+0.0" would otherwise get Streamlit's green up arrow.
        c[0].metric(
            "Validation accuracy",
            f"{acc:.1%}",
            f"{points:+.1f} points vs baseline",
            delta_color="normal" if round(points, 1) else "off",
        )
        c[1].metric(
            "Validation macro-F1",
            f"{f1:.2f}",
            f"{gain_f1:+.2f} vs baseline",
            delta_color="normal" if round(gain_f1, 2) else "off",
        )
        c[2].metric(
            f"Majority baseline (always '{base.label}')",
            f"{base.accuracy:.1%}",
            help=f"Always answering '{base.label}' gets this accuracy on the validation texts "
            f"(macro-F1 {base.macro_f1:.2f}). A model is only as good as its gain over it.",
        )
    else:
        c[0].metric("Validation accuracy", f"{acc:.1%}")
        c[1].metric("Validation macro-F1", f"{f1:.2f}")
    note = overfitting_note(history.get("val_loss") or [])
    if note:
        st.warning(note, icon=":material/trending_up:")
    note = one_class_note(getattr(result, "val_predicted", ()), result.label_names)
    if note:
        st.warning(note, icon=":material/warning:")
