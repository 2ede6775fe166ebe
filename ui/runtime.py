"""Process-wide Streamlit runtime settings that training in background threads needs."""

from __future__ import annotations


def keep_keras_state() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit does that (plus a full garbage collection) after each rerun of each session to
    reset Keras' global state. Here models live in background training threads that must not be
    disturbed, and the Train page polls once a second per session, so with a few sessions open
    those calls held the GIL often enough to stall a run at step 0 and push page loads past 10 s
    (measured by tests/load). PE Lab keeps no Keras global state between runs (every model is
    built with explicit seeds and names), so skipping the reset loses nothing. Streamlit's
    function is private; if it is gone in a future version there is nothing to switch off.
    """
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        return
    if hasattr(script_runner, "_clean_problem_modules"):
        script_runner._clean_problem_modules = lambda: None
