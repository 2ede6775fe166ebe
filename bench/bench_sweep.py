"""Benchmark: the data-size sweep, every arm in Compare, and the most influential tokens.

Measures, in one run on this machine, on the demo and on the real tweets with the real GloVe
sample (``../shared/data``; skipped with a note when absent):
- ``run_sweep``: frozen / dual / full / lora / dual+promoted on nested stratified training
  subsets (100, 300, 1,000 and all the pool), one validation set, 3 seeds, a budget of 300
  optimizer steps per run; tables of mean ± std and the sentence on where dual wins;
- ``compare_variants`` with every arm (the initialisations included) on the whole data:
  trainable parameters, optimizer state, seconds per epoch;
- ``token_influence`` of the dual model: the five most influential tokens.

Writes its section of bench/RESULTS.md and the charts docs/sweep_demo.png and
docs/sweep_tweets.png (drawn by Plotly in Chromium). Run from the repo root:
``python bench/bench_sweep.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

import numpy as np  # noqa: E402
from _results import write_section  # noqa: E402

from pe_core import plots  # noqa: E402
from pe_core.demo import demo_dataset, demo_vectors  # noqa: E402
from pe_core.experiments import compare_variants  # noqa: E402
from pe_core.influence import token_influence  # noqa: E402
from pe_core.sweep import run_sweep  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SWEEP_ARMS = ("frozen", "dual", "full", "lora", "dual+promoted")
COMPARE_ARMS = (*SWEEP_ARMS, "dual@mean", "dual@random", "dual@word:good")
SIZES = (100, 300, 1000, 3000)
SEEDS = (0, 1, 2)
STEPS = 300
SETTINGS = {"encoder": "bag", "batch_size": 32, "learning_rate": 5e-3, "hidden": 64}


def datasets():
    vectors, data = demo_vectors(), demo_dataset()
    yield "demo", "demo_vectors() + demo_dataset()", vectors, data
    glove, tsv = DATA / "glove.6B.50d.sample8k.txt", DATA / "tweeteval_sentiment_val.tsv"
    if glove.exists() and tsv.exists():
        from pe_core.datasets import load_dataset
        from pe_core.vectors import load_vectors

        desc = "real tweets (tweeteval_sentiment_val.tsv) + GloVe 6B 50d sample (8,453 words)"
        yield "tweets", desc, load_vectors(glove), load_dataset(tsv)


def fmt(mean: float, std: float) -> str:
    return f"{mean:.3f} ± {std:.3f}"


def sweep_table(summary) -> str:
    sizes = sorted(summary["size"].unique())
    lines = [
        "| arm | trainable params | " + " | ".join(f"{s:,} texts" for s in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
    ]
    for arm, rows in summary.groupby("arm", sort=False):
        rows = rows.set_index("size")
        params = int(rows["trainable_params_mean"].iloc[-1])
        for metric, name in (("best_val_macro_f1", "macro-F1"), ("train_minus_val_gap", "gap")):
            cells = [
                fmt(rows.loc[s, f"{metric}_mean"], rows.loc[s, f"{metric}_std"]) for s in sizes
            ]
            lines.append(f"| {arm} · {name} | {params:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compare_table(table) -> str:
    cols = ["variant", "trainable_params", "embedding_trainable_params", "optimizer_state_params",
            "best_val_accuracy", "best_val_macro_f1", "seconds_per_epoch"]  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table[cols].itertuples(index=False):
        cells = [f"{v:,}" if isinstance(v, int | np.integer) else
                 f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def screenshot(fig, path: Path) -> bool:
    """Render a Plotly figure to PNG in Chromium (plotly.js inlined: no network)."""
    try:
        from browser_support import BROWSER_ARGS, CHROMIUM
        from playwright.sync_api import sync_playwright
    except ImportError:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "fig.html"
        fig.update_layout(width=1100, height=460, template="plotly_white")
        fig.write_html(html, include_plotlyjs=True, full_html=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1120, "height": 480})
            page.goto(html.as_uri())
            page.wait_for_selector(".main-svg")
            page.screenshot(path=str(path), full_page=True)
            browser.close()
    return True


def influence_lines(comparison, data) -> str:
    dual = comparison.results["dual"]
    texts = [data.texts[i] for i in dual.val_indices]
    ids = dual.vocabulary.encode(texts, dual.max_len)
    inf = token_influence(dual.model, dual.vocabulary, ids, label_names=dual.label_names)
    top = inf.ranked().head(5)
    rows = [f"{i}. {inf.sentence(t)}" for i, t in enumerate(top["token"], start=1)]
    return "\n".join(rows) + f"\n\nCost: {inf.cost_text()}."


def section(key: str, desc: str, vectors, data) -> str:
    labels = np.asarray(data.labels)
    start = time.perf_counter()

    def log(p):
        if p["run_progress"].get("event") == "end":
            print(f"{key}: run {p['run']}/{p['runs']} {p['arm']} {p['size']} seed {p['seed']} "
                  f"{time.perf_counter() - start:.0f} s", flush=True)  # fmt: skip

    result = run_sweep(vectors, data.texts, labels, arms=SWEEP_ARMS, sizes=SIZES, seeds=SEEDS,
                       steps=STEPS, label_names=data.label_names, callback=log,
                       **SETTINGS)  # fmt: skip
    sweep_seconds = time.perf_counter() - start
    fig = plots.sweep_figure(result.summary, title=f"Data-size sweep · {key} (3 seeds, ± std)")
    image = ROOT / "docs" / f"sweep_{key}.png"
    drawn = screenshot(fig, image)
    comparison = compare_variants(vectors, data.texts, labels, variants=COMPARE_ARMS,
                                  label_names=data.label_names, **SETTINGS)  # fmt: skip
    plan = result.plan
    return f"""### {key}: {desc}

{len(data.texts):,} texts; one validation set of {len(plan.val_indices):,} texts for every run;
training pool {len(plan.pool):,}; sizes {", ".join(f"{s:,}" for s in plan.sizes)}
(requested {", ".join(f"{s:,}" for s in SIZES)}). {plan.describe()}; took {sweep_seconds:.0f} s.

Best-epoch validation macro-F1 and the final train − val accuracy gap (both in inference
mode), mean ± std over seeds {", ".join(map(str, SEEDS))}:

{sweep_table(result.summary)}

**{result.sentence()}.**

{"![sweep chart](../docs/" + image.name + ")" if drawn else "(chart not drawn: no Chromium/Playwright)"}

Every arm on all {len(data.texts):,} texts (`compare_variants`, 5 epochs, seed 0, same split):

{compare_table(comparison.table)}

Five most influential tokens of the dual model (occlusion by padding, validation texts):

{influence_lines(comparison, data)}
"""


def main() -> None:
    parts = []
    for key, desc, vectors, data in datasets():
        parts.append(section(key, desc, vectors, data))
        print(parts[-1], flush=True)
    if len(parts) == 1:
        parts.append("(real tweets skipped: ../shared/data not found)")
    settings = ", ".join(f"{k}={v}" for k, v in SETTINGS.items())
    text = f"""## Data-size sweep, arms and influence (`bench/bench_sweep.py`)

Budget: {STEPS} optimizer steps per run for every arm and size ({settings}; a small subset
gets more epochs, so it can overfit), arms {", ".join(SWEEP_ARMS)}; lora is rank 4;
dual+promoted fine-tunes the 20 most frequent dataset words from their GloVe rows. The
vocabulary is built once from all texts; the validation set is fixed by seed 0.

""" + "\n".join(parts)
    write_section("sweep", text)


if __name__ == "__main__":
    main()
