"""The data-size sweep: when does training only some rows pay off?

Every arm (frozen, dual, full, lora, ...) is trained on growing, nested, stratified training
subsets (e.g. 100, 300, 1,000, 3,000 texts, up to what the data holds) and scored on one
validation set that is the same for every arm, size and seed. The budget is the same too: a
fixed number of optimizer steps per run (small subsets get more epochs, so they can overfit,
which is the effect the claim is about). Each cell is repeated over a few seeds; a seed
draws the subsets and initialises the model.

Example:
    >>> result = run_sweep(vectors, texts, labels, sizes=(100, 300), seeds=(0, 1, 2))  # doctest: +SKIP
    >>> result.summary  # mean and std per arm and size  # doctest: +SKIP
    >>> result.sentence()  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pe_core import arms as pe_arms
from pe_core import training
from pe_core.checks import int_at_least, is_int
from pe_core.training import data as _data

DEFAULT_SIZES = (100, 300, 1000, 3000)
DEFAULT_ARMS = ("frozen", "dual", "full")
DEFAULT_SEEDS = (0, 1, 2)
DEFAULT_STEPS = 300
METRICS = ("best_val_macro_f1", "best_val_accuracy", "train_minus_val_gap")
RUN_COLUMNS = [
    "arm",
    "size",
    "seed",
    "state",
    "epochs",
    "steps",
    "best_val_accuracy",
    "best_val_macro_f1",
    "final_train_accuracy",
    "final_val_accuracy",
    "train_minus_val_gap",
    "trainable_params",
    "optimizer_state_params",
    "seconds_per_epoch",
    "seconds",
]
#: Seconds per optimizer step assumed by the estimate when nothing was measured yet
#: (bag encoder, batch 32, this project's 2-core CI machine).
SECONDS_PER_STEP = 0.012
#: Seconds per run for building the model and the first (traced) steps.
SECONDS_PER_RUN = 1.5


def _check_ints(values, name: str, low: int) -> tuple[int, ...]:
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} is empty: give at least one")
    for v in values:
        if not is_int(v) or v < low:
            raise ValueError(f"{name} must be integers >= {low}, got {v!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat, got {values}")
    return tuple(int(v) for v in values)


def nested_subsets(y, pool, sizes, seed: int) -> dict[int, np.ndarray]:
    """Training subsets of ``pool`` (indices into ``y``), one per size, nested and stratified.

    One seeded order of the pool is drawn so that every prefix keeps the class proportions
    (each class's members are spread evenly along it); subset ``n`` is the first n of that
    order, so a smaller subset is always inside a larger one. Returned sorted.
    """
    y, pool = np.asarray(y), np.asarray(pool)
    rng = np.random.default_rng([int(seed), 2])
    keys = np.empty(len(pool))
    for c in np.unique(y[pool]):
        members = np.flatnonzero(y[pool] == c)
        rng.shuffle(members)
        # Position (i + u) / n_c in [0, 1): class c fills its share of every prefix.
        keys[members] = (np.arange(len(members)) + rng.random(len(members))) / len(members)
    order = pool[np.argsort(keys, kind="stable")]
    return {int(n): np.sort(order[: int(n)]) for n in sizes}


@dataclass
class SweepPlan:
    """What a sweep will train: every (seed, size, arm) with its epochs and steps.

    Attributes:
        sizes: training sizes used (requested ones above the pool dropped, the pool's size
            added as the largest when a requested size did not fit).
        dropped: requested sizes that were larger than the training pool.
        val_indices: the one validation set (indices into the texts).
        pool: the texts a training subset may come from (all the others).
        runs: one dict per run: seed, size, arm, epochs, steps.
    """

    arms: tuple[str, ...]
    seeds: tuple[int, ...]
    sizes: tuple[int, ...]
    dropped: tuple[int, ...]
    steps: int
    batch_size: int
    val_indices: np.ndarray
    pool: np.ndarray
    runs: list[dict] = field(default_factory=list)

    @property
    def total_steps(self) -> int:
        return int(sum(r["steps"] for r in self.runs))

    def estimate_seconds(self, seconds_per_step: float | None = None) -> float:
        """Rough wall time: steps x seconds per step, plus a fixed cost per run."""
        per_step = SECONDS_PER_STEP if seconds_per_step is None else float(seconds_per_step)
        return self.total_steps * per_step + len(self.runs) * SECONDS_PER_RUN

    def describe(self, seconds_per_step: float | None = None) -> str:
        """E.g. "36 runs (3 arms x 4 sizes x 3 seeds), 10,800 steps, about 3 min"."""
        secs = self.estimate_seconds(seconds_per_step)
        text = (
            f"{_count(len(self.runs), 'run')} ({_count(len(self.arms), 'arm')} × "
            f"{_count(len(self.sizes), 'size')} × {_count(len(self.seeds), 'seed')}), "
            f"{self.steps:,} steps each ({self.total_steps:,} in all), "
            f"validation on the same {len(self.val_indices):,} texts, about {_duration(secs)}"
        )
        if self.dropped:
            text += (
                f"; {', '.join(f'{d:,}' for d in self.dropped)} is more than the "
                f"{len(self.pool):,} training texts, so {self.sizes[-1]:,} is the largest size"
            )
        return text


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"


def plan_sweep(
    labels,
    *,
    arms=DEFAULT_ARMS,
    sizes=DEFAULT_SIZES,
    seeds=DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    batch_size: int = 32,
    val_fraction: float = 0.2,
    split_seed: int | None = None,
) -> SweepPlan:
    """Plan a sweep over ``labels`` (one per text): the validation set, sizes and runs.

    The validation set is a stratified ``val_fraction`` of the texts drawn with
    ``split_seed`` (default: the first seed) and shared by every run; the rest is the pool.
    Each run trains ``round(steps / batches per epoch)`` epochs (at least 1).
    """
    from sklearn.model_selection import train_test_split

    pe_arms.check_arms(arms)
    seeds = _check_ints(seeds, "seeds", 0)
    sizes = sorted(_check_ints(sizes, "sizes", 1))
    int_at_least("steps", steps, 1)
    int_at_least("batch_size", batch_size, 1)
    y, _ = _data.encode_labels(labels, None)
    names = [str(c) for c in np.unique(np.asarray(labels))]
    _data.check_classes(y, names, float(val_fraction))
    split_seed = seeds[0] if split_seed is None else int(split_seed)
    pool, val = train_test_split(
        np.arange(len(y)),
        test_size=float(val_fraction),
        stratify=y,
        random_state=split_seed,
        shuffle=True,
    )
    fit = [n for n in sizes if n <= len(pool)]
    dropped = tuple(n for n in sizes if n > len(pool))
    if dropped and len(pool) not in fit:
        fit.append(len(pool))
    plan = SweepPlan(
        tuple(arms), seeds, tuple(fit), dropped, int(steps), int(batch_size), np.sort(val),
        np.sort(pool),
    )  # fmt: skip
    for seed in seeds:
        for size in plan.sizes:
            batches = math.ceil(size / min(batch_size, size))
            epochs = max(1, round(steps / batches))
            for arm in arms:
                plan.runs.append(
                    {"seed": seed, "size": size, "arm": arm, "epochs": epochs,
                     "steps": epochs * batches}
                )  # fmt: skip
    return plan


@dataclass
class SweepResult:
    """What :func:`run_sweep` measured.

    Attributes:
        runs: one row per run (``RUN_COLUMNS``); ``train_minus_val_gap`` is the final model's
            accuracy on its training subset minus on the validation set, both in inference
            mode (no dropout).
        summary: mean, std and count over seeds per (arm, size) of every metric.
        plan: the :class:`SweepPlan` that was run.
        subsets: seed -> size -> training indices (for checks and exports).
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    plan: SweepPlan
    subsets: dict = field(default_factory=dict)

    def sentence(self, metric: str = "best_val_macro_f1", focus: str = "dual") -> str:
        """Where, if anywhere, ``focus`` beats every other arm on ``metric`` (mean over seeds)."""
        return where_it_wins(self.summary, metric, focus)

    def outcome(self, metric: str = "best_val_macro_f1") -> str:
        """The sentence and how many of the planned runs finished, e.g. "... · 4 of 6 runs
        (stopped early)."."""
        done = int((self.runs["state"] == "done").sum())
        planned = len(self.plan.runs)
        stopped = " (stopped early)" if done < planned else ""
        return self.sentence(metric) + f" · {done} of {planned} runs{stopped}."


def _count(n: int, noun: str) -> str:
    """ "1 seed", "3 seeds"."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def summarize_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean, std (ddof 1; 0 for one seed) and n over seeds per (arm, size)."""
    done = runs[runs["state"] == "done"]
    rows = []
    for (arm, size), group in done.groupby(["arm", "size"], sort=False):
        row = {"arm": arm, "size": int(size), "seeds": len(group)}
        for m in (*METRICS, "trainable_params", "optimizer_state_params", "seconds_per_epoch"):
            values = group[m].astype(float)
            row[f"{m}_mean"] = float(values.mean())
            row[f"{m}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


_NAMES = {
    "best_val_macro_f1": "val macro-F1 (best epoch)",
    "best_val_accuracy": "val accuracy (best epoch)",
}


def where_it_wins(summary: pd.DataFrame, metric: str = "best_val_macro_f1", focus="dual") -> str:
    """One sentence: at which sizes ``focus`` has the best mean ``metric``, and who wins elsewhere.

    ``focus`` is compared with the other embeddings (frozen, full, lora, ...), not with its
    own variants (``dual+promoted``, ``dual@mean``: they are dual too, and stay in the
    tables). A win smaller than the larger of the two arms' seed std is called "within the
    seed spread", so a noisy lead is never sold as a finding.
    """
    if summary.empty or focus not in set(summary["arm"]):
        return f"{focus} was not trained, so there is nothing to compare"
    own = summary["arm"].str.startswith((f"{focus}+", f"{focus}@"))
    summary = summary[~own]
    mean, std = f"{metric}_mean", f"{metric}_std"
    wins, losses = [], []
    for size, group in summary.groupby("size"):
        group = group.set_index("arm")
        others = group.drop(index=focus)
        if others.empty:
            return f"only {focus} was trained, so there is nothing to compare"
        best_other = others[mean].idxmax()
        margin = group.loc[focus, mean] - others.loc[best_other, mean]
        noise = max(group.loc[focus, std], others.loc[best_other, std])
        item = (int(size), best_other, float(margin), bool(abs(margin) <= noise))
        (wins if margin > 0 else losses).append(item)
    name = _NAMES.get(metric, metric)
    arms = sorted(set(summary["arm"]) - {focus})
    if not wins:
        text = f"{focus} beats {', '.join(arms)} on {name} at no training size"
    else:
        parts = [
            f"{size:,} texts ({margin:+.3f} over {other}{', within the seed spread' if noisy else ''})"
            for size, other, margin, noisy in wins
        ]
        text = f"{focus} leads on {name} at " + ", ".join(parts)
    if losses:
        parts = [
            f"{other} at {size:,} texts ({-margin:+.3f}{', within the seed spread' if noisy else ''})"
            for size, other, margin, noisy in losses
        ]
        text += "; the best is " + ", ".join(parts)
    return text


def _train_accuracy(result, texts, labels) -> float:
    """Accuracy of the final model on its own training subset, in inference mode."""
    idx = result.train_indices
    x = result.vocabulary.encode([texts[i] for i in idx], result.max_len)
    y, _ = _data.encode_labels(labels, None)
    probs = np.concatenate(
        [result.model.predict_on_batch(x[i : i + 1024]) for i in range(0, len(x), 1024)]
    )
    return float((probs.argmax(axis=1) == y[idx]).mean())


def _run_row(run: dict, result, texts, labels) -> dict:
    from pe_core import model as pe_model

    history = result.history
    done = result.state == "done" and bool(history["val_accuracy"])
    train_acc = _train_accuracy(result, texts, labels) if done else math.nan
    val_acc = history["val_accuracy"][-1] if done else math.nan
    epochs = len(result.epoch_seconds)
    return {
        "arm": run["arm"],
        "size": run["size"],
        "seed": run["seed"],
        "state": result.state,
        "epochs": run["epochs"],
        "steps": run["steps"],
        "best_val_accuracy": max(history["val_accuracy"]) if done else math.nan,
        "best_val_macro_f1": max(history["val_macro_f1"]) if done else math.nan,
        "final_train_accuracy": train_acc,
        "final_val_accuracy": val_acc,
        "train_minus_val_gap": train_acc - val_acc,
        "trainable_params": result.params["trainable"],
        "optimizer_state_params": pe_model.optimizer_state_size(result.model),
        "seconds_per_epoch": sum(result.epoch_seconds) / epochs if epochs else math.nan,
        "seconds": result.seconds,
    }


def run_sweep(
    vectors,
    texts,
    labels,
    *,
    arms=DEFAULT_ARMS,
    sizes=DEFAULT_SIZES,
    seeds=DEFAULT_SEEDS,
    steps: int = DEFAULT_STEPS,
    val_fraction: float = 0.2,
    callback=None,
    stop_event=None,
    **train_kwargs,
) -> SweepResult:
    """Train every arm on nested stratified subsets of growing size; one validation set.

    Args:
        vectors, texts, labels: as for :func:`pe_core.training.train`.
        arms: arm names (``pe_core.arms``), e.g. ("frozen", "dual", "full", "lora").
        sizes: training sizes; those above the pool are dropped and the pool size is used.
        seeds: repeats; each draws its own subsets and initialisation (same validation set).
        steps: optimizer steps per run (the shared budget); epochs follow from the size.
        callback: gets ``{"run", "runs", "arm", "size", "seed", "fraction", "run_progress"}``
            after every batch.
        stop_event: when set, the current run stops and the rest are skipped; finished runs
            are kept.
        **train_kwargs: other ``train`` settings (encoder, batch_size, learning_rate, hidden,
            tokenizer, specials, min_oov_count, vocabulary, label_names, ...).
    """
    texts = list(texts)
    for key in ("variant", "seed", "epochs", "split", "val_fraction"):
        if key in train_kwargs:
            raise ValueError(f"run_sweep sets {key} itself; do not pass {key}=")
    batch_size = int(train_kwargs.get("batch_size", 32))
    plan = plan_sweep(
        labels, arms=arms, sizes=sizes, seeds=seeds, steps=steps, batch_size=batch_size,
        val_fraction=val_fraction,
    )  # fmt: skip
    config = training.TrainConfig(**train_kwargs)
    config.check()
    vocabulary = _data.build_vocabulary(vectors, texts, config, [])
    vocab_keys = ("tokenizer", "specials", "promote", "min_oov_count", "max_frozen", "init")
    # Snapshots are the sweep's own choice (it keeps no trajectories).
    skip = (*vocab_keys, "vocabulary", "snapshot_every", "max_snapshots")
    shared = {k: v for k, v in train_kwargs.items() if k not in skip}
    lora_rank = shared.pop("lora_rank", None)
    y, _ = _data.encode_labels(labels, None)
    subsets = {s: nested_subsets(y, plan.pool, plan.sizes, s) for s in plan.seeds}
    arm_vocab = {
        a: pe_arms.arm_train_kwargs(pe_arms.parse_arm(a), vocabulary, texts, lora_rank)
        for a in plan.arms
    }
    rows, done_steps = [], 0
    for index, run in enumerate(plan.runs):
        if stop_event is not None and stop_event.is_set():
            break
        report = _reporter(callback, index, plan, run, done_steps)
        result = training.train(
            vectors, texts, labels, seed=run["seed"], epochs=run["epochs"],
            split=(subsets[run["seed"]][run["size"]], plan.val_indices),
            snapshot_every=10**9, max_snapshots=2, callback=report, stop_event=stop_event,
            **shared, **arm_vocab[run["arm"]],
        )  # fmt: skip
        rows.append(_run_row(run, result, texts, labels))
        done_steps += run["steps"]
    runs = pd.DataFrame(rows, columns=RUN_COLUMNS)
    return SweepResult(runs, summarize_runs(runs), plan, subsets)


def _reporter(callback, index: int, plan: SweepPlan, run: dict, done_steps: int):
    if callback is None:
        return None
    total = max(plan.total_steps, 1)

    def report(progress: dict) -> None:
        callback(
            {
                "run": index + 1,
                "runs": len(plan.runs),
                "arm": run["arm"],
                "size": run["size"],
                "seed": run["seed"],
                "fraction": min((done_steps + progress["step"]) / total, 1.0),
                "run_progress": progress,
            }
        )

    return report
