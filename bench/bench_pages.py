"""Benchmark: the service pages' queries (Elective & diagnostics, Outpatients & virtual care, My service)
on the national-scale synthetic store that bench/bench_overview.py builds (≥ 10 million facts).

    .venv/bin/python -m bench.bench_pages [--rows-target 10000000] [--repeat 15] [--db PATH]

With --db an existing store is timed as it is (build one once with
`python -m bench.bench_overview --keep PATH`); otherwise one is built in a temporary file. Times each
store query the pages make and each page's whole data call (`metrics.views.load_*`), and writes a
Markdown table to bench/results/pages.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.bench_overview import build_national_store
from bench.timing import peak_rss_mb, time_call
from data.store import ALL, Store
from metrics import views
from metrics.config import load_config

RESULTS = Path(__file__).resolve().parent / "results"
ELECTIVE = ["elective_activity", "mri_activity", "ct_activity", "endoscopy_activity", "rtt_52_week_waiters",
            "cancer_62_day_backlog"]
OUTPATIENTS = ["op_first_activity", "op_followup_activity", "virtual_share", "virtual_share_followup"]
# The pages open on the latest twelve months; the national store runs to March 2022.
START, END = dt.date(2021, 4, 1), dt.date(2022, 3, 1)
TARGET = "< 200 ms"


def time_page_queries(path: str | Path, repeat: int = 15) -> list[tuple[str, float, float]]:
    """(query, median ms, worst ms) for each query the service pages make, and each page's whole call."""
    cfg = load_config()
    with Store(path, read_only=True) as store:
        site = store.dimension_values("site")[0]
        service = store.dimension_values("service")[0]
        elective = views.all_measures([cfg.metric(m) for m in ELECTIVE])
        heatmap_measures = cfg.metric("elective_activity").input_measures
        cases: list[tuple[str, Callable[[], object]]] = [
            ("months with data (month range)", lambda: store.months_with_data(elective)),
            ("sites with data (site filter)", lambda: store.dimension_values("site", elective)),
            ("measure totals at one site, six metrics", lambda: store.measure_totals(
                elective, site=site, start=cfg.first_month, end=END)),
            ("totals by service, all sites (heatmap)", lambda: store.measure_totals_by(
                "service", heatmap_measures, start=cfg.first_month, end=END)),
            ("totals by service at one site (heatmap)", lambda: store.measure_totals_by(
                "service", heatmap_measures, site=site, start=cfg.first_month, end=END)),
            ("sites holding a service (My service)", lambda: store.dimension_values_within("site", service=service)),
            ("Elective: load_page_options", lambda: views.load_page_options(
                store, cfg, ELECTIVE, ["elective_activity"])),
            ("Elective: load_service_page, all sites", lambda: views.load_service_page(
                store, cfg, ELECTIVE, start=START, end=END, heatmap_metric="elective_activity")),
            ("Elective: load_service_page, one site", lambda: views.load_service_page(
                store, cfg, ELECTIVE, site=site, start=START, end=END, heatmap_metric="elective_activity")),
            ("Outpatients: load_page_options", lambda: views.load_page_options(store, cfg, OUTPATIENTS, OUTPATIENTS)),
            ("Outpatients: load_service_page, all sites", lambda: views.load_service_page(
                store, cfg, OUTPATIENTS, start=START, end=END, heatmap_metric="virtual_share")),
            ("My service: load_my_service, service at a site", lambda: views.load_my_service(
                store, cfg, service, site)),
            ("My service: load_my_service, service at all sites", lambda: views.load_my_service(
                store, cfg, service, ALL)),
        ]
        return [(name, *time_call(fn, repeat)) for name, fn in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-target", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", help="time this existing store instead of building one")
    args = parser.parse_args()
    if args.db:
        path = Path(args.db)
        with Store(path, read_only=True) as store:
            shape = {"rows": store.fact_count()}
    else:
        path = Path(tempfile.mkdtemp(prefix="bench-")) / "national.duckdb"
        # Built in a child process so the query phase's peak memory is measured on its own.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            shape = pool.apply(build_national_store, (path, args.rows_target))
    results = time_page_queries(path, args.repeat)
    peak_mb = peak_rss_mb()
    lines = [
        f"Store: {shape['rows']:,} facts"
        + (f" ({shape['sites']} sites × {shape['services']} services × {shape['measures']} measures × "
           f"{shape['months']} months)" if "sites" in shape else ""),
        f"Median and worst of {args.repeat} runs after one warm-up; months {START:%b %Y} to {END:%b %Y}. "
        f"Peak memory while querying: {peak_mb:,.0f} MB.",
        "",
        "| Service pages query | median (ms) | worst (ms) | target |",
        "|---|---:|---:|---|",
        *[f"| {name} | {median:.1f} | {worst:.1f} | {TARGET} |" for name, median, worst in results],
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
