"""Import TensorFlow and warm numba in the background once the first page has been sent.

The first click on *Train* used to wait for ``import tensorflow`` (3.6 s of a 7-8 s wait on the
demo machine). The first page must stay light (<= 3 s), so nothing heavy is imported while it
is built: a daemon timer starts the imports a few seconds later, once per server process. The
import holds the interpreter lock in long stretches, so it must not run while the first page is
still being sent. ``PE_LAB_WARMUP=0`` switches it off (tests that pin what the first page loads).
"""

from __future__ import annotations

import logging
import os
import threading

LOG = logging.getLogger("pe_lab.warmup")
#: Seconds after the first page's script run before the background imports start.
DELAY = float(os.environ.get("PE_LAB_WARMUP_DELAY", "3.0"))

_started = False
_lock = threading.Lock()
done = threading.Event()


def start_after_first_page() -> bool:
    """Schedule the warm-up (once per process); True if this call scheduled it."""
    global _started
    if os.environ.get("PE_LAB_WARMUP", "1") == "0":
        return False
    with _lock:
        if _started:
            return False
        _started = True
    timer = threading.Timer(DELAY, _warm)
    timer.daemon = True
    timer.name = "pe-lab-warmup"
    timer.start()
    return True


def _warm() -> None:
    try:
        from pe_core.training import configure_tensorflow

        configure_tensorflow()  # imports TensorFlow, sets determinism and thread pools once
        import keras  # noqa: F401  (its first import is a second or so of its own)

        # The first live map needs pandas, plotly and the map code: about 2 s of imports on
        # the first click otherwise.
        import pe_core.plots  # noqa: F401
        import pe_core.projection  # noqa: F401

        _warm_numba()
    except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first click
        LOG.warning("background warm-up failed", exc_info=True)
    finally:
        done.set()


def _warm_numba() -> None:
    """Compile UMAP's numba functions on a tiny layout, so a first UMAP map does not."""
    import numpy as np

    try:
        import umap
    except ImportError:
        return
    x = np.random.default_rng(0).normal(size=(60, 5)).astype(np.float32)
    umap.UMAP(n_neighbors=5, n_epochs=10, random_state=0, n_jobs=1).fit(x)
