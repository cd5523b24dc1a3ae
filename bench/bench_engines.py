"""Benchmark: the Overview's data at national scale on both store engines, side by side, in one run.

    .venv/bin/python -m bench.bench_engines [--rows-target 10000000] [--repeat 15] [--pg URL]

Builds the 10M-fact synthetic store of bench/bench_overview.py as a DuckDB file, and the same shape in
PostgreSQL (an empty database at --pg, or a throw-away cluster started with tests/pg.py: initdb +
pg_ctl, 1 GB shared buffers), then times each query `metrics.views.load_overview` makes on each.
The PostgreSQL plans of the two heaviest reads (EXPLAIN ANALYZE) are written beside the table, since
they are what the indexes in data/engine_postgres.py were chosen from. Writes bench/results/engines.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

import psycopg

from bench.bench_declared import time_declared_pages
from bench.bench_overview import MONTHS, build_national_store, replace_declared, time_overview_queries
from data import engine_postgres
from data.store import Store, utc_now
from metrics import views
from metrics.config import load_config

RESULTS = Path(__file__).resolve().parent / "results"


def fill_postgres(url: str, sites: int, services: int, declared: bool = True) -> dict:
    """The same shape as the DuckDB store (values differ: another hash), in one INSERT … SELECT; with `declared`,
    the declared measures hold their declared cells (`bench_overview.replace_declared`)."""
    cfg = load_config()
    measures = [m.id for m in cfg.measures]
    started = time.perf_counter()
    with Store(url) as store:  # migrations
        if store.fact_count():  # kept from an earlier run (--pg)
            return {"rows": store.fact_count(), "build_s": float("nan")}
    now = utc_now()
    with psycopg.connect(url, autocommit=True) as conn:
        # The unique key and the upload index are built once after the fill (one sorted build each) instead of
        # being kept row by row through 10 million random-order inserts (9 minutes that way on a loaded machine).
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("ALTER TABLE facts DROP CONSTRAINT facts_one_value_per_key")
        conn.execute("DROP INDEX facts_upload")
        conn.execute(
            """INSERT INTO uploads (upload_id, kind, file_name, sha256, uploaded_by, uploaded_at, note, rows_added,
                                   rows_changed, rows_unchanged, status, undone_at, undone_by)
               VALUES (1, 'upload', 'national-benchmark (generated)', 'bench', 'benchmark',
                                           %s, 'synthetic benchmark data', %s, 0, 0, 'committed', NULL, NULL)""",
            [now, sites * services * MONTHS * len(measures)],
        )
        conn.execute(
            """
            INSERT INTO facts
            SELECT (DATE '2017-04-01' + make_interval(months => m))::date, ms.measure,
                   'service_' || lpad(sv::text, 3, '0'), 'site_' || lpad(st::text, 4, '0'), 'All',
                   round((50 + 40 * sin(m / 3.0 + sv) + abs(hashtext(m || ',' || sv || ',' || st || ms.measure)) %% 20)
                         ::numeric)::double precision,
                   1, %s
            FROM generate_series(0, %s - 1) m, generate_series(0, %s - 1) sv, generate_series(0, %s - 1) st,
                 unnest(%s::text[]) AS ms(measure)
            """,
            [now, MONTHS, services, sites, measures],
        )
        if declared:
            with conn.cursor() as cur:
                replace_declared(cur, cfg, now, "%s")  # as build_national_store does for DuckDB
        conn.execute("ALTER TABLE facts ADD CONSTRAINT facts_one_value_per_key "
                     "UNIQUE (measure, segment, month, service, site)")
        conn.execute("CREATE INDEX facts_upload ON facts (upload_id)")
        for name, definition in engine_postgres.FACT_INDEXES.items():
            conn.execute(f"DROP INDEX IF EXISTS {name}")
            conn.execute(f"CREATE INDEX {name} ON facts {definition}")
    with Store(url) as store:
        store.rebuild_rollup()  # the facts went in around the commit path, which keeps the rollup itself
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # statistics and the visibility map (index-only scans)
        rows = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    return {"rows": rows, "build_s": time.perf_counter() - started}


def explain(url: str) -> str:
    """EXPLAIN ANALYZE of the Overview's two heaviest reads and a declared page's heaviest one-site read, as the
    Store runs them."""
    cfg = load_config()
    measures = views.all_measures(cfg.headline_metrics)
    marks = ", ".join(["%s"] * len(measures))
    statements = {
        "measure totals (All services, All sites), from the rollup": (
            f"""SELECT month, measure, sum(value) AS value, CAST(sum(cells) AS BIGINT) AS cells,
                       bit_xor(fingerprint) AS fingerprint
                FROM fact_totals WHERE measure IN ({marks}) AND segment = 'All'
                  AND grain = 'system' AND service = 'All' AND site = 'All' AND month BETWEEN %s AND %s
                GROUP BY month, measure ORDER BY month, measure""",
            [*measures, cfg.first_month, "2021-03-01"],
        ),
        "months with data, from the rollup": (
            f"""SELECT DISTINCT month FROM fact_totals WHERE grain = 'system' AND measure IN ({marks})
                ORDER BY month""",
            measures,
        ),
        "a declared page's service heatmap at one site, from the facts (index facts_site)": (
            f"""SELECT month, measure, service, sum(value) AS value, count(*) AS cells,
                       {engine_postgres.FINGERPRINT_SQL} AS fingerprint
                FROM facts WHERE measure IN ({marks}) AND segment = 'All' AND ('All' = 'All' OR service = 'All')
                  AND (%s = 'All' OR site = %s) AND month BETWEEN %s AND %s AND service <> 'All'
                GROUP BY month, measure, service ORDER BY month, measure, service""",
            [*measures, "site_0001", "site_0001", cfg.first_month, "2022-03-01"],
        ),
    }
    out = []
    with psycopg.connect(url) as conn:
        for name, (sql, params) in statements.items():
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall()
            out += [f"**{name}**", "", "```", *[r[0] for r in plan], "```", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-target", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--page-repeat", type=int, default=5, help="runs of each declared page's calls")
    parser.add_argument("--pg", help="a PostgreSQL database, empty or filled by an earlier run (default: a "
                        "throw-away cluster)")
    parser.add_argument("--duckdb", help="a DuckDB store built by an earlier run (default: build one)")
    args = parser.parse_args()
    if args.duckdb:
        duck = Path(args.duckdb)
        with Store(duck, read_only=True) as store, store.cursor() as cur:
            rows, sites, services, measures = cur.execute(
                "SELECT count(*), count(DISTINCT site), count(DISTINCT service), count(DISTINCT measure) FROM facts"
            ).fetchone()
        shape = {"rows": rows, "sites": sites, "services": services, "measures": measures, "months": MONTHS,
                 "build_s": float("nan")}
    else:
        duck = Path(tempfile.mkdtemp(prefix="bench-engines-")) / "national.duckdb"
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            shape = pool.apply(build_national_store, (duck, args.rows_target))
    cluster = None
    url = args.pg
    if url is None:
        from tests.pg import Cluster, find_bin_dir

        cluster = Cluster(find_bin_dir(), settings={"shared_buffers": "1GB", "work_mem": "64MB",
                                                    "max_parallel_workers_per_gather": "2"})
        url = cluster.new_database(name="national")
    try:
        pg_shape = fill_postgres(url, shape["sites"], shape["services"])
        duck_results = time_overview_queries(duck, args.repeat)
        pg_results = time_overview_queries(url, args.repeat)
        duck_pages = time_declared_pages(duck, args.page_repeat)
        pg_pages = time_declared_pages(url, args.page_repeat)
        plans = explain(url)
    finally:
        if cluster is not None:
            cluster.stop()
    lines = [
        f"Store: {shape['rows']:,} facts on each engine ({shape['sites']} sites × {shape['services']} services × "
        f"{shape['measures']} measures × {shape['months']} months); built in {shape['build_s']:.0f} s (DuckDB) and "
        f"{pg_shape['build_s']:.0f} s (PostgreSQL {pg_shape['rows']:,} facts, with its unique key and indexes).",
        f"Machine: 2 cores shared with other work, 24 GiB. Median and worst of {args.repeat} runs after one warm-up. "
        "PostgreSQL 15 on the same machine, over TCP on loopback.",
        "",
        "| Overview query | DuckDB median (ms) | DuckDB worst (ms) | PostgreSQL median (ms) | PostgreSQL worst (ms) |",
        "|---|---:|---:|---:|---:|",
        *[f"| {d[0]} | {d[1]:.1f} | {d[2]:.1f} | {p[1]:.1f} | {p[2]:.1f} |"
          for d, p in zip(duck_results, pg_results, strict=True)],
        "",
        f"Declared pages (bench/bench_declared.py's calls; median and worst of {args.page_repeat} runs after one "
        "warm-up):",
        "",
        "| Declared page data call | DuckDB median (ms) | DuckDB worst (ms) | PostgreSQL median (ms) | "
        "PostgreSQL worst (ms) |",
        "|---|---:|---:|---:|---:|",
        *[f"| {d[0]} | {d[1]:.1f} | {d[2]:.1f} | {p[1]:.1f} | {p[2]:.1f} |"
          for d, p in zip(duck_pages, pg_pages, strict=True)],
        "",
        plans,
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engines.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
