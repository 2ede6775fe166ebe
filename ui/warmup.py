"""Import TensorFlow in the background once the first page has been sent; warm numba later.

The first click on *Train* used to wait for ``import tensorflow`` (3.6 s of a 7-8 s wait on the
demo machine). The first page must stay light (<= 3 s), so nothing heavy is imported while it
is built: a daemon timer starts the imports a few seconds later, once per server process. The
import holds the interpreter lock in long stretches, so it must not run while the first page is
still being sent. ``PE_LAB_WARMUP=0`` switches it off (tests that pin what the first page loads).

Compiling UMAP's numba functions holds the interpreter lock for 10-20 s. Run right after the
imports, it overlapped the first click on *Train* (10 s after the server started, the run
took 3.0 s instead of 1.7 s to start, measured); and no UMAP map exists before a run does. So
it starts when the first run has finished (:func:`warm_numba_soon`, called by the Train page),
while the user reads the result; ``PE_LAB_WARMUP_NUMBA=now`` compiles right after the imports.
"""

from __future__ import annotations

import logging
import os
import threading

LOG = logging.getLogger("pe_lab.warmup")
#: Seconds after the first page's script run before the background imports start.
DELAY = float(os.environ.get("PE_LAB_WARMUP_DELAY", "3.0"))

_lock = threading.Lock()
#: Set when TensorFlow, Keras and the map code are imported (or the warm-up failed).
imports_done = threading.Event()
#: Set when numba is compiled too (or that failed).
numba_done = threading.Event()
_scheduled: set[str] = set()


def _schedule_once(name: str, delay: float, target) -> bool:
    """Run ``target`` in a daemon timer thread ``delay`` s from now, once per process per name."""
    if os.environ.get("PE_LAB_WARMUP", "1") == "0":
        return False
    with _lock:
        if name in _scheduled:
            return False
        _scheduled.add(name)
    timer = threading.Timer(delay, target)
    timer.daemon = True
    timer.name = f"pe-lab-{name}"
    timer.start()
    return True


def scheduled(name: str) -> bool:
    """Whether the "warmup" (imports) or "numba" step was scheduled in this process."""
    return name in _scheduled


def start_after_first_page() -> bool:
    """Schedule the warm-up (once per process); True if this call scheduled it."""
    return _schedule_once("warmup", DELAY, _warm)


def _warm() -> None:
    try:
        from pe_core.training import configure_tensorflow

        configure_tensorflow()  # imports TensorFlow, sets determinism and thread pools once
        import keras  # noqa: F401  (its first import is a second or so of its own)

        # The first live map needs pandas, plotly and the map code: about 2 s of imports on
        # the first click otherwise.
        import pe_core.plots  # noqa: F401
        import pe_core.projection  # noqa: F401

        _import_run_modules()
        imports_done.set()
        if os.environ.get("PE_LAB_WARMUP_NUMBA") == "now":
            warm_numba_soon()
    except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first click
        LOG.warning("background warm-up failed", exc_info=True)
    finally:
        imports_done.set()


def _import_run_modules() -> None:
    """What a run imports before its first snapshot: the model code, scikit-learn's split and
    metrics, the neighbour search. Each import in the run's thread came on top of the first
    click (about 0.1-0.2 s of the run's start, measured in the server)."""
    import sklearn.metrics  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import sklearn.utils.class_weight  # noqa: F401
    import threadpoolctl  # noqa: F401

    import pe_core.model  # noqa: F401
    import pe_core.moving_knn  # noqa: F401
    import pe_core.stored_neighbours  # noqa: F401


#: Seconds between the first finished run and the numba compilation: the page that saw the
#: run finish is drawing its final map meanwhile (compiling at once delayed it by 1.5 s).
NUMBA_DELAY = float(os.environ.get("PE_LAB_WARMUP_NUMBA_DELAY", "5.0"))


def warm_numba_soon() -> bool:
    """Compile UMAP's numba functions in a daemon thread, :data:`NUMBA_DELAY` seconds from now
    (once per process); True if this call scheduled it."""
    return _schedule_once("numba", NUMBA_DELAY, _warm_numba)


def _warm_numba() -> None:
    """Compile UMAP's numba functions on a tiny layout, so a first UMAP map does not."""
    import numpy as np

    try:
        import umap

        x = np.random.default_rng(0).normal(size=(60, 5)).astype(np.float32)
        umap.UMAP(n_neighbors=5, n_epochs=10, random_state=0, n_jobs=1).fit(x)
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - a failed warm-up only means a slower first UMAP map
        LOG.warning("numba warm-up failed", exc_info=True)
    finally:
        numba_done.set()
