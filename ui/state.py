"""Per-session state: defaults on first visit, and the objects derived from the settings.

Everything user-specific lives in ``st.session_state``. Settings widgets use keys starting with
``opt_`` and ``persist_state="session"``, so their values survive page switches and every page
can read them; ``init_session`` only fills in the defaults at the first visit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import streamlit as st

from ui import assets
from ui.wording import NO_CAP

if TYPE_CHECKING:  # pandas costs 0.25 s to import: the first page does without it
    import pandas as pd

#: Encoders of pe_core.model (named here so the page does not import keras to list them).

#: Settings (widget keys) and their defaults. PE_LAB_DEFAULT_EPOCHS lets the browser test and
#: slow machines start with a shorter demo run.
DEFAULTS: dict[str, Any] = {
    "opt_vectors_source": "Embedded demo",
    "opt_max_words": 50_000,
    "opt_fix_mojibake": False,
    "opt_dataset_source": "Embedded demo",
    "opt_decode_escapes": True,
    "opt_unquote_texts": True,
    "opt_literal_specials": "",
    "opt_rules_preset": "Default",
    "opt_min_oov_count": 3,
    "opt_oov_cap": "10 % of the frozen rows",
    "opt_max_oov_rows": 200,
    "opt_pretrained_specials": "promote",
    "opt_promote": "",
    "opt_init": "zeros",
    "opt_preview_text": "Loved it!!! 😀 see https://example.com @anna #great 10/10 sooo good :)",
    "opt_encoder": "bag",
    "opt_epochs": int(os.environ.get("PE_LAB_DEFAULT_EPOCHS", "8")),
    "opt_batch_size": 32,
    "opt_learning_rate": 0.01,
    "opt_optimizer": "adam",
    "opt_snapshot_every": 5,
    "opt_seed": 0,
    "opt_method": "PCA",
    "opt_trails": True,
    "opt_nb_k": 10,
    "opt_nb_metric": "cosine",
}


def require_app(page_file: str) -> None:
    """Send a page that was started without ``app.py`` through it.

    Until some session has run ``app.py`` (which calls ``st.navigation``), Streamlit serves the
    files of ``pages/`` directly, so a deep link opened first after a server start would run a
    page with no session defaults. Such a run is switched to ``app.py``, which sets the
    defaults and then opens the page that was asked for.
    """
    if not st.session_state.get("_app_ran"):
        st.session_state._wanted_page = f"pages/{os.path.basename(page_file)}"
        st.switch_page("app.py")


def collect_run() -> bool:
    """Make a run that ended its session's result, whichever page is open (the Train page is
    not the only one that polls it). True on the rerun that collected it."""
    s = st.session_state
    run = s.get("run")
    if run is None or s.get("_collected_run") == id(run) or not run.done:
        return False
    s._collected_run = id(run)
    if run.result is not None and run.progress()["state"] != "failed":
        s.result = run.result
    return True


def require_result(nothing_yet: str):
    """The session's last training result; without one, say so, link to Train and stop."""
    collect_run()  # (app.py does this too; AppTest reruns a page without app.py)
    result = st.session_state.get("result")
    run = st.session_state.get("run")
    if result is None and run is not None and not run.done:
        _wait_for(run)
    if result is None:
        st.info(f"{nothing_yet}: train a model first.", icon=":material/info:")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    from ui import verdict

    verdict.previous_setup_note("result")
    return result


def _wait_for(run) -> None:
    """A run started on Train is still going: say so, poll it, redraw the page when it ends."""
    from ui import status

    st.info(
        "A run is training: this page fills in as soon as it ends.", icon=":material/hourglass:"
    )

    @st.fragment(run_every=1.0)
    def poll() -> None:
        if run.done:
            st.rerun(scope="app")  # collect_run() makes the run the session's result
        st.caption(f"Run · {status.run_status_text()}")

    poll()
    st.page_link("pages/train.py", label="Watch it on Train", icon=":material/model_training:")
    st.stop()


def init_session() -> None:
    """Fill the defaults at the first visit (settings, demo vectors and dataset, rules)."""
    state = st.session_state
    first = not state.get("_app_ran")
    state._app_ran = True
    for key, value in DEFAULTS.items():
        state.setdefault(key, value)
    if "vectors" not in state:
        state.vectors = assets.demo_vectors()
        state.vectors_desc = "Embedded demo"
    if "dataset" not in state:
        state.dataset = assets.demo_dataset()
        state.dataset_desc = "Embedded demo"
    state.setdefault("rules_version", 0)  # the rules table itself is made by rules_frame()
    for key in ("run", "result", "comparison", "compare_job", "sweep", "sweep_job"):
        state.setdefault(key, None)
    state.setdefault("projections", {})
    wanted = state.pop("_wanted_page", None)
    if first and wanted:
        st.switch_page(wanted)  # the deep link that arrived before app.py had ever run


def preset_tokenizer():
    """The tokenizer of the session's rules preset ("Default", "GloVe Twitter")."""
    from pe_core.presets import preset_tokenizer as build

    return build(st.session_state.get("opt_rules_preset", "Default"))


def default_rules_frame() -> pd.DataFrame:
    """The rules of the session's preset as an editable table."""
    import pandas as pd

    return pd.DataFrame(preset_tokenizer().rules_table())


def rules_frame() -> pd.DataFrame:
    """The session's editable rules table, made from the defaults when first asked for."""
    state = st.session_state
    if "rules_df" not in state:
        state.rules_df = default_rules_frame()
    return state.rules_df


def literal_specials() -> list[str]:
    """The literal special tokens typed on the Data page (comma or space separated)."""
    text = st.session_state.get("opt_literal_specials", "")
    return [t for t in text.replace(",", " ").split() if t]


def promoted_words() -> list[str]:
    text = st.session_state.get("opt_promote", "")
    return [t for t in text.replace(",", " ").split() if t]


def current_tokenizer():
    """The tokenizer described by the rules table and literal specials (memoised per session)."""
    from pe_core.tokens import Tokenizer

    state = st.session_state
    preset = preset_tokenizer()
    # Until the Data page shows the table, the rules are the preset's (same rows, same key).
    rows = state.rules_df.to_dict("records") if "rules_df" in state else preset.rules_table()
    specials = tuple(literal_specials())
    key = (repr(rows), specials, repr(preset.options))
    cached = st.session_state.get("_tokenizer_cache")
    if cached is None or cached[0] != key:
        cached = (key, Tokenizer.from_table(rows, specials=specials, **preset.options))
        st.session_state._tokenizer_cache = cached
    return cached[1]


#: The Data page's choices for the OOV cap -> ``max_oov_rows`` ("custom": the number input).
OOV_CAPS = {"10 % of the frozen rows": "auto", "At most N rows": "custom", NO_CAP: None}


def vocab_options() -> dict[str, Any]:
    """Keyword arguments for Vocabulary.build / train that shape the trainable set."""
    state = st.session_state
    min_count = int(state.opt_min_oov_count)
    cap = OOV_CAPS.get(state.opt_oov_cap, "auto")
    return {
        "specials": tuple(literal_specials()),
        "min_oov_count": min_count if min_count > 0 else None,
        "promote": tuple(promoted_words()),
        "init": state.opt_init,
        "max_oov_rows": int(state.opt_max_oov_rows) if cap == "custom" else cap,
        "pretrained_specials": state.opt_pretrained_specials,
    }


def current_vocabulary():
    """The vocabulary for the current vectors, dataset and token settings (memoised)."""
    from pe_core.vocab import Vocabulary

    state = st.session_state
    tokenizer = current_tokenizer()
    options = vocab_options()
    key = (
        state.get("data_version", 0),
        state._tokenizer_cache[0],
        repr(options),
        int(state.opt_seed),
    )
    cached = state.get("_vocab_cache")
    if cached is None or cached[0] != key:
        import warnings

        with warnings.catch_warnings():
            # The Data page shows vocab.warnings itself; no log line per rerun.
            warnings.simplefilter("ignore")
            vocab = Vocabulary.build(
                state.vectors, state.dataset.texts, tokenizer, seed=int(state.opt_seed), **options
            )
        cached = (key, vocab)
        state._vocab_cache = cached
    return cached[1]


def set_vectors(vectors, desc: str) -> None:
    """Make ``vectors`` the session's current vectors (derived objects are rebuilt)."""
    st.session_state.vectors = vectors
    st.session_state.vectors_desc = desc
    st.session_state.data_version = st.session_state.get("data_version", 0) + 1


def set_dataset(dataset, desc: str) -> None:
    """Make ``dataset`` the session's current dataset (derived objects are rebuilt)."""
    st.session_state.dataset = dataset
    st.session_state.dataset_desc = desc
    st.session_state.data_version = st.session_state.get("data_version", 0) + 1


def apply_editor_delta(frame: pd.DataFrame, delta: dict[str, Any]) -> pd.DataFrame:
    """Apply a ``st.data_editor`` change set (edited / added / deleted rows) to ``frame``."""
    import pandas as pd

    out = frame.copy().reset_index(drop=True)
    for row, changes in (delta.get("edited_rows") or {}).items():
        for column, value in changes.items():
            out.at[int(row), column] = value
    deleted = sorted(int(i) for i in (delta.get("deleted_rows") or []))
    out = out.drop(index=deleted).reset_index(drop=True)
    added = [r for r in (delta.get("added_rows") or []) if r]
    if added:
        out = pd.concat([out, pd.DataFrame(added)], ignore_index=True)
    return out
