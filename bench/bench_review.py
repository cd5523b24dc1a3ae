"""Benchmark: "What changed since the last review" on a national-scale store whose facts all arrived recently.

    .venv/bin/python -m bench.bench_review [--rows-target 10000000] [--repeat 3] [--db PATH]

Builds the synthetic national store of bench/bench_overview.py (every fact written now, so a review
between a fortnight ago and today compares all of them), then times, in a child process each so peak
memory is the call's own: the store's aggregated change summary (`Store.change_summary_between`, one
row per month × measure × segment × change × upload, computed in SQL) and the Overview's whole review
comparison (`metrics.views.load_review`: the series as known at both dates, the summary, the uploads).
Goal (issue 16): under 1 s and 500 MB. Writes bench/results/review.md and prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_overview import build_national_store
from data.store import Store
from metrics import review, views
from metrics.config import load_config

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_SECONDS, GOAL_MB = 1.0, 500


def _time_in_child(path: str, what: str, repeat: int, queue) -> None:
    cfg = load_config()
    store = Store.open_existing(path, read_only=True)
    today = dt.date.today() + dt.timedelta(days=1)
    previous, current = today - dt.timedelta(days=14), today
    earlier, later = review.end_of_day(previous), review.end_of_day(current)
    measures = views.all_measures(cfg.headline_metrics)
    calls = {
        "summary": lambda: store.change_summary_between(earlier, later, measures),
        "load_review": lambda: views.load_review(store, cfg, previous, current),
    }
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings, cpu = [], []
    for _ in range(repeat):
        start, used = time.perf_counter(), _cpu_seconds()
        result = calls[what]()
        timings.append(time.perf_counter() - start)
        cpu.append(_cpu_seconds() - used)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = len(result) if what == "summary" else len(result.summary)
    queue.put((statistics.median(timings), max(timings), statistics.median(cpu), peak / 1024,
               (peak - before) / 1024, rows))


def _cpu_seconds() -> float:
    """CPU seconds this process has used, on every thread (DuckDB's workers too): what a call costs
    however busy the shared machine is, which its wall time is not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_call(path: str, what: str, repeat: int) -> tuple[float, float, float, float, float, int]:
    queue = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_time_in_child, args=(path, what, repeat, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-target", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="time this existing store instead of building one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        path = args.db
        shape = ""
        if path is None:
            path = str(Path(work) / "national.duckdb")
            built = build_national_store(path, args.rows_target)
            shape = f"{built['rows']:,} facts, all written now"
        lines = [
            f"Review comparison over the last fortnight on {shape or path}; median and worst of {args.repeat}, "
            f"each call in a fresh child process. Goal: under {GOAL_SECONDS:.0f} s and {GOAL_MB} MB.",
            "",
            "| call | median (s) | worst (s) | CPU, median (s) | peak RSS (MB) | of which the call (MB) | rows |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for what in ("summary", "load_review"):
            median, worst, cpu, peak, grown, rows = time_call(path, what, args.repeat)
            lines.append(f"| {what} | {median:.2f} | {worst:.2f} | {cpu:.2f} | {peak:.0f} | {grown:.0f} | {rows:,} |")
            print(lines[-1], flush=True)
        load = os.getloadavg()
        lines += ["", f"Load average when it finished: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
                      f"(1 / 5 / 15 min) on {os.cpu_count()} cores."]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "review.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
