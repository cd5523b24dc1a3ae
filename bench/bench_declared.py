"""Benchmark: the data calls of every page declared in config.yaml (issue 14) on the national-scale
synthetic store that bench/bench_overview.py builds (≥ 10 million facts).

    .venv/bin/python -m bench.bench_declared [--rows-target 10000000] [--repeat 7] [--db PATH]

For each declared page: its filters' options (`views.load_page_options`) and its figures for the latest
twelve months at all sites and at one site (`views.load_declared_page`: series, tiles, SPC, service
heatmap and ranking, breakdowns). Writes a Markdown table to bench/results/declared_pages.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.bench_overview import build_national_store, time_call
from bench.bench_pages import END, START, TARGET
from data.store import Store, is_postgres_url
from metrics import views
from metrics.config import load_config

RESULTS = Path(__file__).resolve().parent / "results"


def time_declared_pages(path: str | Path, repeat: int = 7) -> list[tuple[str, float, float]]:
    """(call, median ms, worst ms) for each declared page's options and figures."""
    cfg = load_config()
    cases: list[tuple[str, Callable[[], object]]] = []
    with Store(path, read_only=True) as store:
        site = store.dimension_values("site")[0]
        for spec in cfg.pages:
            options = views.load_page_options(store, cfg, spec.metric_ids, spec.by_service_ids)
            by_service = next((m for m in spec.by_service_ids if m in options.heatmap_metrics), None)

            def figures(spec=spec, by_service=by_service, site="All"):
                return views.load_declared_page(store, cfg, spec.url, site=site, start=START, end=END,
                                                by_service=by_service)

            cases += [
                (f"{spec.title}: load_page_options", lambda spec=spec: views.load_page_options(
                    store, cfg, spec.metric_ids, spec.by_service_ids)),
                (f"{spec.title}: load_declared_page, all sites", figures),
                (f"{spec.title}: load_declared_page, one site", lambda figures=figures: figures(site=site)),
            ]
        return [(name, *time_call(fn, repeat)) for name, fn in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-target", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", help="time this existing store (a DuckDB path or a PostgreSQL URL) instead of "
                        "building one")
    args = parser.parse_args()
    if args.db:
        path = args.db if is_postgres_url(args.db) else Path(args.db)
        with Store(path, read_only=True) as store:
            shape = {"rows": store.fact_count()}
    else:
        path = Path(tempfile.mkdtemp(prefix="bench-")) / "national.duckdb"
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            shape = pool.apply(build_national_store, (path, args.rows_target))
    results = time_declared_pages(path, args.repeat)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Store: {shape['rows']:,} facts"
        + (f" ({shape['sites']} sites × {shape['services']} services × {shape['measures']} measures × "
           f"{shape['months']} months)" if "sites" in shape else ""),
        f"Median and worst of {args.repeat} runs after one warm-up; months {START:%b %Y} to {END:%b %Y}. "
        f"Peak memory while querying: {peak_mb:,.0f} MB.",
        "",
        "| Declared page data call | median (ms) | worst (ms) | target |",
        "|---|---:|---:|---|",
        *[f"| {name} | {median:.1f} | {worst:.1f} | {TARGET} |" for name, median, worst in results],
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "declared_pages.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
