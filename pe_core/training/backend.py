"""TensorFlow, imported at first use and configured once per process (determinism, threads)."""

from __future__ import annotations

import os
import threading

_TF_LOCK = threading.Lock()
_TF_READY = False


def model_module():
    """``pe_core.model`` (Keras, TensorFlow), imported at first use."""
    from pe_core import model

    return model


def configure_tensorflow(threads: int | None = None) -> None:
    """Once per process: op determinism, thread pools sized for the machine, quiet logs.

    Thread pools can only be sized before TensorFlow's runtime starts; if something else
    started it first, the sizes TensorFlow chose stay (nothing else changes). A fixed global
    TF seed is set only so that unseeded TF random ops elsewhere in the process keep working
    under op determinism (which refuses unseeded random ops); our own code never uses it.
    """
    global _TF_READY
    with _TF_LOCK:
        if _TF_READY:
            return
        import tensorflow as tf

        n = int(threads or os.environ.get("PE_LAB_TF_THREADS") or os.cpu_count() or 1)
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(n)
        except RuntimeError:
            pass  # the runtime is already initialised; keep its pools
        tf.random.set_seed(0)
        tf.config.experimental.enable_op_determinism()
        # Every run builds its own model, so tf.function "retracing" warnings are expected.
        tf.get_logger().setLevel("ERROR")
        _TF_READY = True
