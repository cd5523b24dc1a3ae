"""Benchmark: Making Data Count SPC for every metric × service × site series in the demonstration store.

    .venv/bin/python -m bench.bench_spc [--repeat 7]

Builds the demonstration store in a temporary file (`data.demo.build_demo_store`), reads every series
that holds data (each metric for the system total, each service and each site the demo has for the
metric's measures, and each service × site pair) with `metrics.views.metric_series`, then times
`metrics.spc.spc_for_series` on them: limits, the four rules, both icons. Reading the store is not
timed (the Overview benchmark covers it). Writes bench/results/spc.md and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from pathlib import Path

import pandas as pd

from data.demo import build_demo_store
from data.store import ALL, Store, temporary_store_path
from metrics.config import Config, Metric, load_config
from metrics.spc import spc_for_series
from metrics.views import metric_series

RESULTS = Path(__file__).resolve().parent / "results"
END = dt.date(2021, 3, 1)  # the demonstration data's last month


def collect_series(store: Store, cfg: Config) -> list[tuple[Metric, str, str, pd.DataFrame]]:
    """(metric, service, site, series) for every combination holding at least one value."""
    found = []
    for metric in cfg.metrics:
        services = [ALL, *store.dimension_values("service", metric.input_measures)]
        sites = [ALL, *store.dimension_values("site", metric.input_measures)]
        for service in services:
            for site in sites:
                series = metric_series(store, cfg, metric, END, service=service, site=site)
                if series["value"].notna().any():
                    found.append((metric, service, site, series))
    return found


def time_spc(cfg: Config, found: list, repeat: int) -> tuple[list[float], list[float]]:
    """Per-series median times (ms) and the total time of each full pass over every series (ms)."""
    for metric, _, _, series in found:  # warm-up: imports and first-call costs
        spc_for_series(series, cfg, metric)
    per_series: list[list[float]] = [[] for _ in found]
    passes = []
    for _ in range(repeat):
        pass_started = time.perf_counter()
        for i, (metric, _, _, series) in enumerate(found):
            started = time.perf_counter()
            spc_for_series(series, cfg, metric)
            per_series[i].append((time.perf_counter() - started) * 1000)
        passes.append((time.perf_counter() - pass_started) * 1000)
    return [statistics.median(samples) for samples in per_series], passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cfg = load_config()
    path = temporary_store_path()
    with Store(path) as store:
        build_demo_store(store, cfg)
        found = collect_series(store, cfg)
    medians, passes = time_spc(cfg, found, args.repeat)
    points = sum(len(series) for *_, series in found)
    metrics_covered = len({metric.id for metric, *_ in found})
    by_metric = pd.DataFrame({"metric": [m.id for m, *_ in found], "ms": medians}).groupby("metric")["ms"]
    slowest = max(medians)
    lines = [
        "Making Data Count SPC (`metrics.spc.spc_for_series`: limits, four rules, both icons) on the "
        "demonstration store.",
        f"Series: {len(found)} ({metrics_covered} metrics × the system total, every service and site the demo "
        f"has for each metric's measures, and each service × site pair), {points:,} points in all.",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, pandas {pd.__version__}. "
        f"{args.repeat} timed passes after one warm-up pass; store reads not timed.",
        "",
        "| measure | time |",
        "|---|---:|",
        f"| median per series | {statistics.median(medians):.2f} ms |",
        f"| slowest series (median of its runs) | {slowest:.2f} ms |",
        f"| total, every series once (median pass) | {statistics.median(passes):.0f} ms |",
        f"| total, every series once (worst pass) | {max(passes):.0f} ms |",
        "",
        "| metric | series | median per series (ms) |",
        "|---|---:|---:|",
        *[
            f"| {metric} | {by_metric.count()[metric]} | {by_metric.median()[metric]:.2f} |"
            for metric in by_metric.groups
        ],
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "spc.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
