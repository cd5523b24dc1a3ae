"""Benchmark: the Overview's queries on a national-scale synthetic store (≥ 10 million facts).

    .venv/bin/python -m bench.bench_overview [--rows-target 10000000] [--repeat 15] [--keep PATH]

Builds a store with the project's schema (through `data.store.Store`, so migrations run as in
production), fills it with synthetic facts for every configured measure across many sites ×
services × 60 months (the measures config.yaml declares cells for hold exactly those cells, as in a real
store; `--invented-cells` gives them the grid's cells instead, the slow path), then times each query
`metrics.views.load_overview` makes and the whole call.
Writes a Markdown table to bench/results/overview.md and prints it.

The fill is done with one INSERT … SELECT inside DuckDB: generating 10 million rows through pandas
would measure the benchmark's own set-up, not the dashboard.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import tempfile
import time
from pathlib import Path

from bench.timing import peak_rss_mb, time_call
from data.store import Store, utc_now
from metrics import views
from metrics.config import load_config

RESULTS = Path(__file__).resolve().parent / "results"
MONTHS = 60  # April 2017 to March 2022: five financial years around the baseline year
FIRST_MONTH = dt.date(2017, 4, 1)


def declared_rows(cfg, valid_from: dt.datetime) -> list[tuple]:
    """Facts for each measure config.yaml declares cells for (`expected`): exactly those cells, in every benchmark
    month from the measure's `available_from`, as a real store's declared measures hold them."""
    from metrics.completeness import declared_cells
    from metrics.months import month_range

    last = dt.date(FIRST_MONTH.year + (FIRST_MONTH.month - 1 + MONTHS - 1) // 12,
                   (FIRST_MONTH.month - 1 + MONTHS - 1) % 12 + 1, 1)
    rows = []
    for measure, cells in declared_cells(cfg, [m.id for m in cfg.measures]).items():
        start = max(cfg.available_from(measure) or FIRST_MONTH, FIRST_MONTH)
        for i, month in enumerate(month_range(start, last)):
            for j, (service, site) in enumerate(cells):
                rows.append((month, measure, service, site, "All", float(40 + (i * 7 + j * 3) % 20), 1, valid_from))
    return rows


def replace_declared(cur, cfg, valid_from: dt.datetime, placeholder: str = "?") -> int:
    """Replace the declared measures' invented cells (every site × service of the synthetic grid) by their
    declared cells (`declared_rows`); the number of facts written."""
    rows = declared_rows(cfg, valid_from)
    measures = sorted({r[1] for r in rows})
    if not measures:
        return 0
    cur.execute(f"DELETE FROM facts WHERE measure IN ({', '.join([placeholder] * len(measures))})", measures)
    cur.executemany(f"INSERT INTO facts (month, measure, service, site, segment, value, upload_id, valid_from) "
                    f"VALUES ({', '.join([placeholder] * 8)})", rows)
    return len(rows)


def build_national_store(
    path: str | Path, rows_target: int = 10_000_000, sites: int | None = None, declared: bool = True
) -> dict:
    """Create a store at `path` with about `rows_target` facts; return its shape and build time.

    With `declared` (the default), the measures config.yaml declares cells for hold exactly those cells from
    their `available_from` (what a real store holds: `replace_declared`); without, they hold the synthetic grid's
    invented cells like every other measure, so every month of them is judged cell by cell (the slow path)."""
    cfg = load_config()
    measures = [m.id for m in cfg.measures]
    cells = max(1, rows_target // (MONTHS * len(measures)))
    sites = sites or max(1, int(cells**0.5 * 2))
    services = max(1, -(-cells // sites))
    started = time.perf_counter()
    with Store(path) as store:
        cur = store.cursor()
        now = utc_now()
        cur.execute(
            """INSERT INTO uploads (upload_id, kind, file_name, sha256, uploaded_by, uploaded_at, note, rows_added,
                                   rows_changed, rows_unchanged, status, undone_at, undone_by)
               VALUES (1, 'upload', 'national-benchmark (generated)', 'bench', 'benchmark',
                                           ?, 'synthetic benchmark data', ?, 0, 0, 'committed', NULL, NULL)""",
            [now, sites * services * MONTHS * len(measures)],
        )
        cur.execute(
            """
            INSERT INTO facts
            SELECT (DATE '2017-04-01' + to_months(m.i))::DATE AS month,
                   ms.measure,
                   'service_' || lpad(sv.i::VARCHAR, 3, '0') AS service,
                   'site_' || lpad(st.i::VARCHAR, 4, '0') AS site,
                   'All' AS segment,
                   round(50 + 40 * sin(m.i / 3.0 + sv.i) + (hash(m.i, sv.i, st.i, ms.measure) % 20))::DOUBLE AS value,
                   1 AS upload_id,
                   ? AS valid_from
            FROM range(?) m(i), range(?) sv(i), range(?) st(i), (SELECT unnest(?) AS measure) ms
            """,
            [now, MONTHS, services, sites, measures],
        )
        if declared:
            replace_declared(cur, cfg, now)
        rows = cur.execute("SELECT count(*) FROM facts").fetchone()[0]
        cur.close()
        rolled = time.perf_counter()
        store.rebuild_rollup()  # the facts went in around the commit path, which keeps the rollup itself
        rollup_s = time.perf_counter() - rolled
    return {
        "rows": rows,
        "sites": sites,
        "services": services,
        "measures": len(measures),
        "months": MONTHS,
        "build_s": time.perf_counter() - started,
        "rollup_s": rollup_s,
        "declared": declared,
    }


def time_overview_queries(path: str | Path, repeat: int = 15) -> list[tuple[str, float, float]]:
    """(query, median ms, max ms) for each query the Overview makes, and for the whole page load."""
    cfg = load_config()
    measures = views.all_measures(cfg.headline_metrics)
    month = dt.date(2021, 3, 1)
    with Store(path, read_only=True) as store:
        cases = [
            ("months with data (month selector)", lambda: store.months_with_data(measures)),
            (
                "measure totals, all headline metrics (tiles + charts)",
                lambda: store.measure_totals(measures, start=cfg.first_month, end=month),
            ),
            ("latest upload (figures as at)", store.latest_upload),
            ("is demo (banner)", store.is_demo),
            ("load_overview: the whole page's data", lambda: views.load_overview(store, cfg, month)),
        ]
        return [(name, *time_call(fn, repeat)) for name, fn in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-target", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", help="build the store here and keep it (default: a temporary file)")
    parser.add_argument("--invented-cells", action="store_true",
                        help="the measures config.yaml declares cells for hold the synthetic grid's invented cells, "
                             "not their declared ones (every month of them judged cell by cell: the slow path)")
    args = parser.parse_args()
    path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-")) / "national.duckdb"
    if path.exists():
        with Store(path, read_only=True) as store:
            shape = {"rows": store.fact_count()}
    else:
        # Build in a child process so the query phase's peak memory is measured on its own.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            shape = pool.apply(build_national_store, (path, args.rows_target, None, not args.invented_cells))
    build_peak_mb = peak_rss_mb(children=True)
    results = time_overview_queries(path, args.repeat)
    peak_mb = peak_rss_mb()
    lines = [
        f"Store: {shape['rows']:,} facts"
        + (f" ({shape['sites']} sites × {shape['services']} services × {shape['measures']} measures × "
           f"{shape['months']} months), built in {shape['build_s']:.1f} s" if "sites" in shape else ""),
        f"Machine: 2 cores, 24 GiB. Median and worst of {args.repeat} runs after one warm-up. "
        f"Peak memory while querying: {peak_mb:,.0f} MB"
        + (f"; while building the store (one-off): {build_peak_mb:,.0f} MB." if build_peak_mb else "."),
        "",
        "| Overview query | median (ms) | worst (ms) | target |",
        "|---|---:|---:|---|",
        *[f"| {name} | {median:.1f} | {worst:.1f} | < 200 ms |" for name, median, worst in results],
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overview.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
