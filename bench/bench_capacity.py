"""Benchmark: the Demand & capacity simulation and page data.

    .venv/bin/python -m bench.bench_capacity [--repeat 7]

Times `metrics.waiting_list.simulate_waiting_list` (Poisson referrals and removals, 1,000 runs, median and
80% band per list and for the total) for 12 services × 24 months, and for a national-scale set of lists —
every configured specialty at 200 sites (2,400 lists) × 24 months; then the page's data calls on the
demonstration store (`load_capacity_options`, and `load_capacity`: projection, comparison and backtest,
each with 1,000 runs). Writes bench/results/capacity.md and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

import numpy as np

from bench.timing import time_call, traced_peak_mb
from data.demo import build_demo_store
from data.store import Store, temporary_store_path
from metrics import waiting_list as wl
from metrics.config import load_config
from metrics.views import load_capacity, load_capacity_options

RESULTS = Path(__file__).resolve().parent / "results"
MONTHS = 24
RUNS = 1000


def lists(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n lists of realistic size: 300–1,500 referrals a month, removals 90–105% of them, 3–5 months waiting."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(300, 1500, size=n)
    capacity = demand * rng.uniform(0.9, 1.05, size=n)
    start = demand * rng.uniform(3, 5, size=n)
    return start, np.repeat(demand[:, None], MONTHS, axis=1), np.repeat(capacity[:, None], MONTHS, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cfg = load_config()
    specialties = [s for s in cfg.services if s.kind == "specialty"]
    rows = []
    for label, n in ((f"{len(specialties)} services × {MONTHS} months × {RUNS:,} runs", len(specialties)),
                     (f"{len(specialties)} services × 200 sites ({len(specialties) * 200:,} lists) × {MONTHS} months "
                      f"× {RUNS:,} runs", len(specialties) * 200)):
        start, demand, capacity = lists(n)
        median, worst = time_call(lambda s=start, d=demand, c=capacity: wl.simulate_waiting_list(s, d, c, runs=RUNS),
                                  args.repeat)
        memory = traced_peak_mb(lambda s=start, d=demand, c=capacity: wl.simulate_waiting_list(s, d, c, runs=RUNS))
        rows.append((label, median, worst, f"{memory:,.1f} MB"))

    path = temporary_store_path()
    with Store(path) as store:
        build_demo_store(store, cfg)
        options = load_capacity_options(store, cfg)
        target = dt.date(2022, 3, 1)
        page_cases = [
            ("load_capacity_options: queue by service, completeness, scenarios", lambda: load_capacity_options(store,
                                                                                                               cfg)),
            ("load_capacity: projection + comparison + backtest (3 × 1,000 runs), all services",
             lambda: load_capacity(store, cfg, options, services=None, version_id=2, horizon=12, target=target,
                                   compare_id=3, backtest_start=dt.date(2020, 6, 1))),
            ("load_capacity: one service", lambda: load_capacity(store, cfg, options, services=["cardiology"],
                                                                 version_id=2, horizon=12, target=target,
                                                                 compare_id=3, backtest_start=dt.date(2020, 6, 1))),
        ]
        for label, fn in page_cases:
            median, worst = time_call(fn, args.repeat)
            rows.append((label, median, worst, ""))
    lines = [
        "Demand & capacity: the simulation (`metrics.waiting_list.simulate_waiting_list`) and the page's data calls.",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}. Median and "
        f"worst of {args.repeat} runs after one warm-up; peak memory of one simulation by tracemalloc.",
        "",
        "| what | median (ms) | worst (ms) | peak memory |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {median:,.1f} | {worst:,.1f} | {memory} |" for label, median, worst, memory in rows],
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "capacity.md").write_text(text)
    print(text)
    Path(path).unlink(missing_ok=True)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
