"""Benchmark: a full-size national RTT full CSV extract (about 192,000 rows in the published 69-column
layout) validated and loaded for one provider through the CLI, against DuckDB's bare `read_csv`.

    .venv/bin/python bench/bench_national.py [--runs 3] [--out bench/results/national.md]

The file is generated (no real figures): 480 providers, each with 2–6 commissioners, the five RTT parts
and the 20 treatment function codes of the 2020/21 extract (C_999 included), one month (RTT-December-2020).
The partnership's provider RJZ has 6 commissioners (600 rows). Each run is a child process (interpreter
start-up included) on a fresh store: `python -m data load FILE --yes`; peak memory is the child's maximum
resident set size (wait4). The file is over the default 50 MB upload limit, so the runs use a copy of
config.yaml with upload.max_file_mb raised (as bench_ingest.py does).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench.bench_ingest import bare_read, bench_config, fresh_store, load_command, run_child  # noqa: E402

SEED = 20201231
PROVIDERS = 480
PARTS = {
    "Part_1A": "Completed Pathways For Admitted Patients",
    "Part_1B": "Completed Pathways For Non-Admitted Patients",
    "Part_2": "Incomplete Pathways",
    "Part_2A": "Incomplete Pathways with DTA",
    "Part_3": "New RTT Periods - All Patients",
}
TFCS = ["C_100", "C_101", "C_110", "C_120", "C_130", "C_140", "C_150", "C_160", "C_170", "C_300", "C_301", "C_320",
        "C_330", "C_340", "C_400", "C_410", "C_430", "C_502", "X01", "C_999"]


def header() -> list[str]:
    return [
        "Period", "Provider Parent Org Code", "Provider Parent Name", "Provider Org Code", "Provider Org Name",
        "Commissioner Parent Org Code", "Commissioner Parent Name", "Commissioner Org Code", "Commissioner Org Name",
        "RTT Part Type", "RTT Part Description", "Treatment Function Code", "Treatment Function Name",
        *(f"Gt {i:02d} To {i + 1:02d} Weeks SUM 1" for i in range(52)), "Gt 52 Weeks SUM 1", "Total",
        "Patients with unknown clock start date", "Total All",
    ]


def build_file(path: Path) -> int:
    """Write the extract; return its number of data rows."""
    rng = np.random.default_rng(SEED)
    others = (f"R{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}" for i in range(PROVIDERS + 1))
    providers = ["RJZ", *[code for code in others if code != "RJZ"][: PROVIDERS - 1]]
    commissioners = [f"{i:02d}{chr(65 + i % 26)}" for i in range(10, 99)]
    keys = []
    for provider in providers:
        count = 6 if provider == "RJZ" else int(rng.integers(2, 7))
        chosen = ["72Q", *rng.choice(commissioners, count - 1, replace=False)] if provider == "RJZ" else \
            rng.choice(commissioners, count, replace=False)
        keys += [(provider, commissioner) for commissioner in chosen]
    rows = len(keys) * len(PARTS) * len(TFCS)
    provider = np.repeat([k[0] for k in keys], len(PARTS) * len(TFCS))
    commissioner = np.repeat([k[1] for k in keys], len(PARTS) * len(TFCS))
    part = np.tile(np.repeat(list(PARTS), len(TFCS)), len(keys))
    tfc = np.tile(TFCS, len(keys) * len(PARTS))
    bands = rng.poisson(rng.uniform(0.2, 8, rows)[:, None] * np.linspace(1, 0.05, 53)[None, :]).astype(np.int64)
    bands[tfc == "C_999"] = 0  # the totals are worked out below: the sum of the provider-commissioner-part rows
    frame = pd.DataFrame(bands, columns=header()[13:66])
    group = pd.Series(np.arange(rows) // len(TFCS))
    sums = frame.groupby(group).transform("sum")
    is_total = tfc == "C_999"
    frame.loc[is_total] = sums.loc[is_total].to_numpy()
    unknown = np.where(part == "Part_2", rng.poisson(0.3, rows), 0)
    unknown[is_total] = pd.Series(unknown).groupby(group).transform("sum").to_numpy()[is_total]
    total = frame.sum(axis=1).to_numpy()
    out = pd.DataFrame({
        "Period": "RTT-December-2020", "Provider Parent Org Code": "QKK", "Provider Parent Name": "AN STP",
        "Provider Org Code": provider, "Provider Org Name": pd.Series(provider).radd("PROVIDER ").to_numpy(),
        "Commissioner Parent Org Code": "QKK", "Commissioner Parent Name": "AN STP",
        "Commissioner Org Code": commissioner,
        "Commissioner Org Name": pd.Series(commissioner).radd("NHS CCG ").to_numpy(),
        "RTT Part Type": part, "RTT Part Description": pd.Series(part).map(PARTS).to_numpy(),
        "Treatment Function Code": tfc, "Treatment Function Name": pd.Series(tfc).radd("Service ").to_numpy(),
    })
    out = pd.concat([out, frame], axis=1)
    out["Total"] = total
    out["Patients with unknown clock start date"] = unknown
    out["Total All"] = total + unknown
    out.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "bench" / "results" / "national.md"))
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-national-"))
    csv_file = work / "rtt_full_extract_2020_12.csv"
    rows = build_file(csv_file)
    size_mb = csv_file.stat().st_size / 1_000_000
    print(f"Built {rows:,} rows ({size_mb:.1f} MB) in {work}", flush=True)
    config = bench_config(work)
    load_before = os.getloadavg()[0]
    bare, loads, validates = [], [], []
    for run in range(args.runs):
        bare.append(run_child(bare_read(csv_file, fresh_store(work / "bare.duckdb"))))
        validates.append(run_child([sys.executable, "-m", "data", "--config", str(config), "validate", str(csv_file),
                                    "--db", str(fresh_store(work / "validate.duckdb"))]))
        loads.append(run_child(load_command(config, csv_file, fresh_store(work / "store.duckdb"))))
        print(f"run {run + 1}: bare {bare[-1][0]:.2f} s {bare[-1][1]:,.0f} MB; validate {validates[-1][0]:.2f} s "
              f"{validates[-1][1]:,.0f} MB; load {loads[-1][0]:.2f} s {loads[-1][1]:,.0f} MB", flush=True)
    report = loads[-1][2]
    assert f"kept 600 of {rows:,} rows: provider RJZ" in report, report[-1500:]
    median = {name: statistics.median(r[0] for r in runs) for name, runs in
              (("bare", bare), ("validate", validates), ("load", loads))}
    peak = {name: max(r[1] for r in runs) for name, runs in (("bare", bare), ("validate", validates), ("load", loads))}
    lines = [
        "# National RTT extract benchmark: a full-size file validated and loaded for one provider",
        "",
        f"Generated by `bench/bench_national.py` on {dt.date.today():%-d %b %Y}: {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pd.__version__}. "
        f"File: {rows:,} rows in the published 69-column layout, {size_mb:.1f} MB; provider RJZ's 600 rows kept. "
        f"Median of {args.runs} runs; each a child process on a fresh store (interpreter start-up included); peak "
        f"memory is the child's maximum resident set size. Load average when the runs started: {load_before:.1f}.",
        "",
        "| what | median time | peak memory |",
        "|---|---|---|",
        f"| DuckDB bare `read_csv` into a table (the yardstick) | {median['bare']:.2f} s | {peak['bare']:,.0f} MB |",
        f"| `python -m data validate`: recognise, filter to RJZ, sum, validate | {median['validate']:.2f} s "
        f"| {peak['validate']:,.0f} MB |",
        f"| `python -m data load --yes`: the same, diff and commit | {median['load']:.2f} s | {peak['load']:,.0f} MB |",
        "",
        f"Load / bare read: {median['load'] / median['bare']:.1f}×.",
        "",
        "The load's report:",
        "",
        "```",
        report.strip()[:1500],
        "```",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
