"""Loader benchmark: 400,000 x 50 GloVe-format text, ours vs pandas / gensim / a Python loop.

Builds (or reuses) /tmp/pe_bench_glove_400k_50d.txt by tiling the real GloVe sample
(../shared/data/glove.6B.50d.sample8k.txt) with renamed words, or random values in GloVe's
number format when the sample is absent. Ours (no cache) and pandas run 3x interleaved (medians);
gensim and the plain loop once; then ours from the cache. Writes section "loader" of RESULTS.md.

Run from the repo root: ``python bench/bench_loader.py``.
"""

from __future__ import annotations

import csv
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _results import write_section  # noqa: E402

from pe_core.vectors import load_vectors  # noqa: E402

ROWS, DIM = 400_000, 50
DATA = Path(tempfile.gettempdir()) / "pe_bench_glove_400k_50d.txt"
SAMPLE = ROOT.parent / "shared" / "data" / "glove.6B.50d.sample8k.txt"


def build_file() -> Path:
    """The synthetic file; real GloVe rows (words suffixed _1, _2, ...) where available."""
    if DATA.exists() and DATA.stat().st_size > 100_000_000:
        return DATA
    tmp = DATA.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        if SAMPLE.exists():
            lines = [ln for ln in SAMPLE.read_bytes().split(b"\n") if ln]
        else:
            rng = np.random.default_rng(0)
            lines = [
                f"w{i} ".encode() + " ".join(f"{x:.6g}" for x in rng.normal(0, 0.4, DIM)).encode()
                for i in range(8000)
            ]
        for n, (rep, line) in enumerate(
            (r, ln) for r in itertools.count() for ln in lines
        ):  # fmt: skip
            if n == ROWS:
                break
            word, rest = line.split(b" ", 1)
            out.write((word + b"_%d" % rep if rep else word) + b" " + rest + b"\n")
    tmp.replace(DATA)
    return DATA


def fmt(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def ours(path, cache_dir):
    return load_vectors(path, cache=False, cache_dir=cache_dir)


def pandas_c(path):
    import pandas as pd

    frame = pd.read_csv(
        path, sep=" ", header=None, quoting=csv.QUOTE_NONE, index_col=0, engine="c",
        na_filter=False,
    )  # fmt: skip
    return list(frame.index), frame.to_numpy(np.float32)


def gensim_kv(path):
    from gensim.models import KeyedVectors

    return KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=True)


def python_loop(path):
    words, rows = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip().split(" ")
            words.append(parts[0])
            rows.append([float(x) for x in parts[1:]])
    return words, np.array(rows, dtype=np.float32)


def main() -> None:
    path = build_file()
    load = os.getloadavg()[0]
    cache_dir = Path(tempfile.mkdtemp(prefix="pe_bench_cache_"))
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
    times: dict[str, list[float]] = {"ours": [], "pandas": []}
    for _ in range(3):
        t, v = timed(lambda: ours(path, cache_dir))
        times["ours"].append(t)
        t, (words, matrix) = timed(lambda: pandas_c(path))
        times["pandas"].append(t)
        print({k: [round(x, 2) for x in xs] for k, xs in times.items()}, flush=True)
    assert v.words == [str(w) for w in words] and np.array_equal(v.matrix, matrix)
    t_loop, _ = timed(lambda: python_loop(path))
    print(f"python loop {t_loop:.2f}", flush=True)
    t_gensim, kv = timed(lambda: gensim_kv(path))
    print(f"gensim {t_gensim:.2f}", flush=True)
    assert kv.index_to_key[:3] == v.words[:3]
    load_vectors(path, cache_dir=cache_dir)  # fill the cache (a parse, not timed)
    cached = []
    for _ in range(3):
        t, hit = timed(lambda: load_vectors(path, cache_dir=cache_dir))
        assert hit.from_cache
        cached.append(t)
    print(f"cached {cached}", flush=True)

    med = {k: statistics.median(xs) for k, xs in times.items()}
    base = med["pandas"]
    rows = [
        ("ours, `load_vectors(cache=False)` (median of 3)", med["ours"]),
        ("pandas C parser `read_csv(sep=' ', header=None, quoting=NONE, index_col=0, na_filter=False)` + float32 (median of 3)", base),
        ("gensim `KeyedVectors.load_word2vec_format(no_header=True)` (once)", t_gensim),
        ("plain Python line loop + numpy (once)", t_loop),
        ("ours from the cache, second load (median of 3)", statistics.median(cached)),
    ]  # fmt: skip
    table = "\n".join(f"| {name} | {t:.2f} | {t / base:.2f} |" for name, t in rows)
    ratio, hit_t = med["ours"] / base, statistics.median(cached)
    md = (
        "## loader: 400,000 x 50 GloVe text file\n\n"
        f"`{path.name}` ({path.stat().st_size / 1e6:.0f} MB, real GloVe 6B 50d rows tiled with "
        "renamed words); ours and pandas interleaved 3x, gensim and the loop once, all in one "
        "run. Ours and pandas give identical words and float32 matrices (asserted). "
        "`na_filter=False` makes the pandas anchor faster and is needed anyway: otherwise the "
        f"words 'nan', 'null', 'NA' become NaN. 1-minute load average at start: {load:.1f} "
        "(the machine is shared).\n\n"
        "| loader | seconds | / pandas |\n| --- | ---: | ---: |\n"
        f"{table}\n\n"
        f"**ours / pandas = {ratio:.2f}** (target <= 1.5: {'met' if ratio <= 1.5 else 'MISSED'}); "
        f"**cached load = {hit_t:.3f} s** (target <= 0.3 s: "
        f"{'met' if hit_t <= 0.3 else 'MISSED'}). Runs (s): ours {fmt(times['ours'])}; "
        f"pandas {fmt(times['pandas'])}; cached {fmt(cached)}."
    )
    write_section("loader", md)
    print(md)


if __name__ == "__main__":
    main()
