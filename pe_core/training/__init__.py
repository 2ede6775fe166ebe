"""Training engine: train the classifier and record where the trainable rows go.

``train(...)`` runs synchronously and returns a :class:`TrainingResult` whose ``trajectory``
holds snapshots of the k trainable rows (``[0]`` = the initial rows). ``TrainingRun`` runs the
same thing in a background thread for the app: ``start()``, ``stop()``, ``progress()``,
``snapshots()``, ``result``; a process-wide scheduler limits how many runs train at once
(default 1, env ``PE_LAB_MAX_RUNS`` or :func:`set_max_concurrent_runs`) and queues the rest.

Determinism: the split, the initial rows, every initializer, dropout and the batch order are
seeded from ``seed`` explicitly (no global random state is read or written), and TensorFlow
op determinism is enabled process-wide, so the same seed gives the same trajectory bit for
bit on CPU -- alone or next to another run in a parallel thread. Not covered: a different
machine, TensorFlow version or thread count may change the last bits of the floats.

Importing this package does not import TensorFlow (several seconds on a small machine): a
``TrainingRun`` imports it in its own thread, so an app's page stays responsive meanwhile.

The package: ``config`` (``TrainConfig``, checked once), ``data`` (labels, vocabulary, split,
ids), ``engine`` (the loop and ``train``), ``result`` (``TrainingResult``), ``backend``
(TensorFlow set-up), ``scheduler`` (the process-wide line of runs) and ``runs``
(``TrainingRun``, the thread wrapper).
"""

from pe_core.training.backend import configure_tensorflow
from pe_core.training.config import AUTO_SNAPSHOTS, MAX_AUTO_LEN, TrainConfig, thin_indices
from pe_core.training.data import auto_max_len
from pe_core.training.engine import train
from pe_core.training.result import TrainingResult
from pe_core.training.runs import TrainingRun
from pe_core.training.scheduler import (
    max_concurrent_runs,
    run_slot,
    scheduler_status,
    set_max_concurrent_runs,
)

__all__ = [
    "AUTO_SNAPSHOTS",
    "MAX_AUTO_LEN",
    "TrainConfig",
    "TrainingResult",
    "TrainingRun",
    "auto_max_len",
    "configure_tensorflow",
    "max_concurrent_runs",
    "run_slot",
    "scheduler_status",
    "set_max_concurrent_runs",
    "thin_indices",
    "train",
]
