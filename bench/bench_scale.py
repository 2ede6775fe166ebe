"""Scale benchmark: full-GloVe-sized vectors (400,000 x 100) with 3,000 and 45,000 texts.

Vectors: /tmp/pe_bench_glove_400k_100d.txt, real GloVe rows tiled with renamed words as in
``bench_loader.py`` (words suffixed _1, _2, ...); the only real sample is 50-d, so each row is
its 50 values followed by the same values reversed (GloVe's number format, 100 fields).
Texts: the 2,000 real tweets of ../shared/data tiled to 3,000 and 45,000 rows.
k = 30 and k = 300 trainable rows (9 specials + <unk> + the most frequent OOV words).

Measured, per case: load (no cache) and first load from the cache; vocabulary build; seconds
per epoch for bag, cnn and bilstm; the neighbour search done during training (seconds per
snapshot and share of the run); after training, the script time of each page's rerun through
AppTest (first run, which computes, and the rerun after it); peak RSS. Side by side, the
anchor: what a rerun cost before neighbours were stored (a whole-vocabulary search on every
call, index rebuilt each time) against reading the stored neighbours.

Kept sane for a shared 2-core box: one epoch per encoder; at 45,000 texts cnn and bilstm are
timed over their first 150 batches and scaled to an epoch (said in the table).
Run from the repository root: ``python bench/bench_scale.py`` (about 15 minutes).
"""

from __future__ import annotations

import itertools
import os
import resource
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _results import write_section  # noqa: E402

ROWS, DIM = 400_000, 100
DATA = Path(tempfile.gettempdir()) / "pe_bench_glove_400k_100d.txt"
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = SHARED / "glove.6B.50d.sample8k.txt"
TWEETS = SHARED / "tweeteval_sentiment_val.tsv"
PARTIAL_BATCHES = 150
APP_EPOCHS = 8  # the app's default (ui/state.py, PE_LAB_DEFAULT_EPOCHS)
PAGES = ["data", "train", "explore", "neighbours", "summary", "export"]
# At k = 300 every snapshot searches 300 rows over 400,000 words (~3 s each on the busy
# benchmark box): cnn and bilstm would measure the same search again, so only bag is run there,
# and the 45,000-text case is run at k = 30 only.
ENCODERS = {30: ("bag", "cnn", "bilstm"), 300: ("bag",)}
SKIPPED = (
    "Not run, to keep the benchmark within its time on a shared 2-core box: cnn and bilstm at "
    "k = 300 (the per-snapshot search, the same as for bag, dominates), 45,000 texts at k = 300, "
    "and the anchor at k = 300."
)


def build_file() -> Path:
    """The 400,000 x 100 file (reused when present)."""
    if DATA.exists() and DATA.stat().st_size > 200_000_000:
        return DATA
    lines = [ln for ln in SAMPLE.read_bytes().split(b"\n") if ln]
    tmp = DATA.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        for n, (rep, line) in enumerate((r, ln) for r in itertools.count() for ln in lines):
            if n == ROWS:
                break
            word, rest = line.split(b" ", 1)
            values = rest.split()
            row = b" ".join(values + values[::-1])
            out.write((word + b"_%d" % rep if rep else word) + b" " + row + b"\n")
    tmp.replace(DATA)
    return DATA


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def datasets():
    from pe_core.datasets import Dataset, load_dataset

    base = load_dataset(TWEETS)
    out = {}
    for n in (3_000, 45_000):
        idx = np.arange(n) % len(base.texts)
        texts = [base.texts[i] for i in idx]
        out[n] = Dataset(texts, base.labels[idx], base.label_names, source=f"tweets x{n}")
    return out


def oov_cap_for(vectors, texts, k: int) -> int:
    """max_oov_rows that gives exactly k trainable rows (k = 1 + specials + OOV rows)."""
    from pe_core.vocab import Vocabulary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = Vocabulary.build(vectors, texts, min_oov_count=2, max_oov_rows=0)
    return k - probe.num_trainable


def train_case(
    vectors, ds, encoder: str, cap: int, partial: bool, neighbours: bool = True, epochs: int = 1
):
    """One epoch (or ``epochs``); with ``partial`` only PARTIAL_BATCHES batches, scaled to an
    epoch. ``neighbours=False``: the same run without the stored neighbours (the wall-time
    baseline)."""
    from pe_core.training import train

    stop = threading.Event()
    clock = {}

    def callback(p):
        if p["event"] in ("batch", "snapshot"):
            clock.setdefault("first", (p["step"], time.perf_counter()))
            clock["last"] = (p["step"], time.perf_counter())
            if partial and p["step"] >= PARTIAL_BATCHES:
                stop.set()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train(
            vectors,
            ds.texts,
            [ds.label_names[i] for i in ds.labels],
            epochs=epochs,
            encoder=encoder,
            min_oov_count=2,
            max_oov_rows=cap,
            seed=0,
            callback=callback,
            stop_event=stop,
            **({} if neighbours else {"neighbours_k": None}),
        )
    if result.epoch_seconds:
        return result, result.epoch_seconds[0]
    (s0, t0), (s1, t1) = clock["first"], clock["last"]
    return result, (t1 - t0) / max(1, s1 - s0) * result.batches_per_epoch


def neighbour_cost(result, plain) -> tuple[float, float]:
    """The worker's search seconds per snapshot, and what the neighbours added to the run's
    wall time: the same run (seed, data, k) with and without them. The search overlaps
    training in its worker thread, so its seconds are not simply added."""
    nb = result.neighbours
    return nb.seconds / max(1, len(nb.indices)), result.seconds / plain.seconds - 1


def product_seconds_per_row(vectors, k: int) -> float:
    """Seconds of the whole-vocabulary product of one token row, as the worker does it (one
    BLAS thread, k rows at once): the arithmetic any exact search over all words pays."""
    from threadpoolctl import threadpool_limits

    from pe_core.stored_neighbours import shared_index

    prepared = shared_index(vectors)._prepared
    rows = np.random.default_rng(0).standard_normal((k, prepared.shape[1])).astype(np.float32)
    with threadpool_limits(1, user_api="blas"):
        best = min(timed(lambda: prepared @ rows.T)[0] for _ in range(3))
    return best / k


def floor_row(label, result, plain, per_row) -> tuple:
    """One row of the floor table: what the exact search needed, and its arithmetic alone."""
    nb = result.neighbours
    directed = int((~nb.zero).sum())
    floor = nb.full_searches * per_row
    return (label, plain.seconds, result.seconds, directed, nb.full_searches, per_row, floor)


def anchor_vs_ours(result, vectors) -> dict[str, tuple[float, float]]:
    """neighbour_drift and the map's nearest words: search per call (anchor) vs stored."""
    from pe_core.neighbours import neighbour_drift
    from pe_core.projection import Projector, choose_reference, project_trajectory
    from pe_core.vectors import Vectors

    projector = Projector("pca").fit_vectors(
        vectors, choose_reference(vectors, dataset_words=result.vocabulary.frozen_words)
    )
    plain = SimpleNamespace(**{**vars(result), "neighbours": None})
    fresh = Vectors(vectors.words, vectors.matrix)  # no shared index: rebuilt as before
    out = {}
    out["neighbour_drift (k=10)"] = (
        timed(lambda: neighbour_drift(plain, fresh, k=10))[0],
        timed(lambda: neighbour_drift(result, vectors, k=10))[0],
    )
    fresh = Vectors(vectors.words, vectors.matrix)
    out["project_trajectory, whole-vocabulary nearest"] = (
        timed(lambda: project_trajectory(plain, projector, fresh))[0],
        timed(lambda: project_trajectory(result, projector, vectors))[0],
    )
    return out


def page_times(vectors, ds, result) -> dict[str, tuple[float, float]]:
    """Script time of each page: first run after training, then a rerun (AppTest)."""
    from streamlit.testing.v1 import AppTest

    from ui import warmup
    from ui.training import live_projector

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    # The app's background warm-up (TensorFlow, numba) starts after the first page; on a real
    # server it is long done when a run has finished training, so it must not share the
    # pages' timings here.
    if warmup.scheduled("warmup"):
        warmup.imports_done.wait(300)
        if warmup.warm_numba_soon():  # the Train page starts it once the run has finished
            warmup.numba_done.wait(300)
    s = at.session_state
    s["vectors"], s["vectors_desc"], s["data_version"] = vectors, "bench 400k x 100", 1
    s["dataset"], s["dataset_desc"] = ds, ds.source
    s["opt_min_oov_count"], s["opt_oov_cap"] = 2, "At most N rows"
    s["opt_max_oov_rows"] = result.settings["max_oov_rows"]
    run = SimpleNamespace(
        done=True,
        result=result,
        progress=lambda: {
            "state": "done",
            "fraction": 1.0,
            "notices": [],
            "history": result.history,
            "total_steps": 1,
            "epoch": 1,
            "epochs": 1,
            "step": 1,
            "elapsed": result.seconds,
            "error": None,
        },
        snapshots=lambda after_step=None: _snapshots(result, after_step),
        stop=lambda: None,
    )
    s["run"], s["result"], s["run_vectors"] = run, result, vectors
    s["live_projector"] = live_projector(vectors, result.vocabulary)
    out = {}
    for page in PAGES:
        path = ROOT / "pages" / f"{page}.py"
        if not path.exists():
            out[page] = None
            continue
        at.switch_page(f"pages/{page}.py")
        first, _ = timed(at.run)
        again, _ = timed(at.run)
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        out[page] = (first, again)
    return out


def _snapshots(result, after_step):
    new = np.ones(len(result.steps), bool) if after_step is None else result.steps > after_step
    return {
        "trajectory": result.trajectory[new],
        "steps": result.steps[new],
        "epochs": result.epochs[new],
        "tokens": result.tokens,
        "token_kinds": result.token_kinds,
        "neighbours": result.neighbours.select(new),
        "all_steps": result.steps,
    }


def main() -> None:
    from pe_core.vectors import load_vectors
    from pe_core.vocab import Vocabulary

    path = build_file()
    cache = tempfile.mkdtemp(prefix="pe_bench_scale_cache_")
    t_load, _ = timed(lambda: load_vectors(path, cache=False))
    timed(lambda: load_vectors(path, cache_dir=cache))  # writes the cache
    t_cache, vectors = timed(lambda: load_vectors(path, cache_dir=cache))
    assert vectors.from_cache and vectors.matrix.shape == (ROWS, DIM)
    sets = datasets()
    load_start = os.getloadavg()[0]
    # TensorFlow's first run in a process pays its start-up (tracing); not any case's cost.
    train_case(
        vectors, sets[3_000], "bag", oov_cap_for(vectors, sets[3_000].texts, 30), False, False
    )
    rows, pages, anchors, floors = [], {}, {}, []
    for n, ds in sets.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_vocab, _ = timed(lambda ds=ds: Vocabulary.build(vectors, ds.texts, min_oov_count=2))
        for k in (30, 300):
            if n > 3_000 and k == 300:
                continue  # see SKIPPED: the search alone would take most of the budget
            cap = oov_cap_for(vectors, ds.texts, k)
            epochs = {}
            for encoder in ENCODERS[k]:
                partial = n > 3_000 and encoder != "bag"
                result, per_epoch = train_case(vectors, ds, encoder, cap, partial)
                epochs[encoder] = (per_epoch, partial)
                if encoder == "bag":
                    bag = result
                    plain, _ = train_case(vectors, ds, encoder, cap, partial, neighbours=False)
                print(n, k, encoder, f"{per_epoch:.1f} s/epoch", flush=True)
            assert len(bag.tokens) == k, (len(bag.tokens), k)
            per_snap, share = neighbour_cost(bag, plain)
            rows.append((n, k, t_vocab, epochs, per_snap, share, len(bag.trajectory)))
            per_row = product_seconds_per_row(vectors, k)
            floors.append(floor_row(f"{n:,} texts, k = {k}, 1 epoch", bag, plain, per_row))
            if n == 3_000 and k == 30:  # the app's default run: 8 epochs
                runs = [
                    train_case(vectors, ds, "bag", cap, False, nb, APP_EPOCHS)[0]
                    for nb in (False, True)
                ]
                label = f"{n:,} texts, k = {k}, {APP_EPOCHS} epochs (the app's default)"
                floors.append(floor_row(label, runs[1], runs[0], per_row))
            if n == 3_000:
                if k == 30:
                    anchors[k] = anchor_vs_ours(bag, vectors)
                pages[k] = page_times(vectors, ds, bag)
            print(rows[-1], anchors.get(k), pages.get(k), flush=True)
    write(t_load, t_cache, rows, floors, anchors, pages, load_start)


def _epoch_cell(value) -> str:
    if value is None:
        return "not run"
    seconds, partial = value
    return f"{seconds:.1f} s" + (f" (first {PARTIAL_BATCHES} batches, scaled)" if partial else "")


def floor_table(floors) -> list[str]:
    """Why the 25 % target is missed for short runs: the exact search's arithmetic alone."""
    md = [
        "",
        "The exact search's floor (bag runs). Each token-snapshot with a direction needs its "
        "top-30 over all 400,000 words; the worker answers it from the token's candidates when "
        "it moved less than they allow (exact, `moving_knn`), else it computes the token's "
        "product with all 400,000 x 100 unit rows. *Floor* = those whole-vocabulary searches x "
        "the product's time per row on this box (one BLAS thread, measured here): the "
        "arithmetic alone of the products this exact search needs, before any ranking. Where "
        "the floor alone exceeds 25 % of the run without neighbours, no implementation of this "
        "search meets the target on this box.",
        "",
        "| run | without neighbours | with | added | token-snapshots | searched whole | "
        "product per row | floor | floor / run without |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, plain, full, directed, searched, per_row, floor in floors:
        md.append(
            f"| {label} | {plain:.1f} s | {full:.1f} s | {full / plain - 1:.0%} | {directed:,} | "
            f"{searched:,} | {per_row * 1000:.1f} ms | {floor:.1f} s | {floor / plain:.0%} |"
        )
    return md


def write(t_load, t_cache, rows, floors, anchors, pages, load_start) -> None:
    md = [
        "## scale: 400,000 x 100 vectors, 3,000 / 45,000 texts, k = 30 / 300 "
        "(`bench/bench_scale.py`)",
        "",
        f"Vectors: 400,000 x 100 GloVe-format text (real GloVe rows tiled with renamed words). "
        f"Load without cache **{t_load:.1f} s**; first load from the cache **{t_cache:.2f} s**.",
        "One epoch per encoder (batch 32, defaults otherwise); snapshots: about 75 per run. "
        "*Neighbours*: the top-30 cosine search over all 400,000 words of every snapshot, done by "
        "the run's worker thread overlapped with training (seconds of that thread per "
        "snapshot), and what it added to the bag run's wall time against the same run without "
        "stored neighbours (target at k = 30: <= 25 %).",
        "",
        "| texts | k | vocabulary build | bag s/epoch | cnn s/epoch | bilstm s/epoch | "
        "search per snapshot (worker) | added to the bag run's wall time | snapshots |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, k, t_vocab, epochs, per_snap, share, snaps in rows:
        md.append(
            f"| {n:,} | {k} | {t_vocab:.1f} s | {_epoch_cell(epochs['bag'])} | "
            f"{_epoch_cell(epochs.get('cnn'))} | {_epoch_cell(epochs.get('bilstm'))} | "
            f"{per_snap * 1000:.0f} ms | {share:.0%} | {snaps} |"
        )
    md += floor_table(floors)
    md += [
        "",
        "After training (3,000 texts, bag): anchor = a whole-vocabulary search on every call with "
        "the index rebuilt (the code before stored neighbours); ours = reading the run's stored "
        "neighbours.",
        "",
        "| k | function | anchor | ours |",
        "| ---: | --- | ---: | ---: |",
    ]
    for k, items in anchors.items():
        for name, (a, b) in items.items():
            md.append(f"| {k} | {name} | {a:.2f} s | {b:.2f} s |")
    md += [
        "",
        "Page script time through AppTest (3,000 texts, bag run, V = 400,000): the first run of "
        "the page after training (computes what it caches) and a rerun. Target: rerun <= 1 s.",
        "",
        "| k | " + " | ".join(PAGES) + " |",
        "| ---: |" + " ---: |" * len(PAGES),
    ]
    for k, times in pages.items():
        cells = [
            "no such page on this branch" if t is None else f"{t[0]:.2f} s / {t[1]:.2f} s"
            for t in times.values()
        ]
        md.append(f"| {k} | " + " | ".join(cells) + " |")
    md += [
        "",
        SKIPPED,
        "",
        f"Peak RSS of the whole benchmark process: **{rss_mb():,.0f} MB**. Load average (1 min) "
        f"at the start {load_start:.1f}, at the end {os.getloadavg()[0]:.1f}, on "
        f"{os.cpu_count()} cores (other jobs shared the box: every figure is inflated by it).",
    ]
    markdown = "\n".join(md)
    print(markdown)
    write_section("scale", markdown)


if __name__ == "__main__":
    main()
