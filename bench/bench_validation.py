"""Benchmark: the worst files within the upload size limit, through `python -m data validate`.

    .venv/bin/python -m bench.bench_validation [--runs 3] [--out bench/results/validation.md]

Issue 17 (finding 5): a 0.8 MB file of 100,000 columns took 8 min 26 s and 1,000,000 distinct unknown
site names took 55 s. Goal: validation of any file within the limit (upload.max_file_mb, 50 MB) in
under 10 s. Each case runs `validate FILE --db STORE` in a child process against a fresh empty store
(interpreter start-up included); wall time and the child's peak memory (ru_maxrss from wait4) are
recorded, median of `--runs`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench.bench_ingest import build_file, fresh_store  # noqa: E402
from data.ingest import max_upload_bytes  # noqa: E402
from metrics.config import load_config  # noqa: E402

GOAL_S = 10.0


def wide_columns_file(path: Path, columns: int = 100_000) -> str:
    header = "period," + ",".join(f"c{i}" for i in range(columns))
    path.write_text(header + "\n2020-07," + ",".join("1" for _ in range(columns)) + "\n")
    return f"{columns:,} columns"


def distinct_unknown_sites_file(path: Path, rows: int = 1_000_000) -> str:
    with path.open("w") as out:
        out.write("period,measure,service,site,value\n")
        out.writelines(f"2020-07,ct_tests,,unknown-site-{i:07d},1\n" for i in range(rows))
    return f"{rows:,} distinct unknown site names"


def valid_file_at_the_limit(path: Path) -> str:
    limit = max_upload_bytes(load_config())
    rows = 1_000_000
    build_file(path, rows=rows)
    while path.stat().st_size > limit:  # trim to the largest file the limit allows
        rows = int(rows * limit / path.stat().st_size * 0.995)
        build_file(path, rows=rows)
    return f"a valid file of {rows:,} rows"


CASES = {
    "100,000 columns (refused at once)": wide_columns_file,
    "1,000,000 distinct unknown site names": distinct_unknown_sites_file,
    "valid file at the size limit": valid_file_at_the_limit,
}


def run_validate(csv_file: Path, db: Path) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit code, CPU seconds) of `python -m data validate` in a child
    process. CPU time (user + system) is shown too: on a shared machine the wall time includes waiting
    for a core."""
    argv = [sys.executable, "-m", "data", "validate", str(csv_file), "--db", str(db)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=PROJECT, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        err.seek(0)
        problems = err.read().decode()
    if "Traceback" in problems:
        raise RuntimeError(f"validate crashed instead of answering:\n{problems[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(PROJECT / "bench" / "results" / "validation.md"))
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = fresh_store(tmp / "empty.duckdb")
        for name, build in CASES.items():
            csv_file = tmp / "case.csv"
            what = build(csv_file)
            size_mb = csv_file.stat().st_size / 1e6
            results = [run_validate(csv_file, db) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            code = results[0][2]
            cpu = statistics.median(r[3] for r in results)
            rows.append((name, what, size_mb, seconds, max(r[0] for r in results), cpu, peak, code))
            print(f"{name}: {size_mb:.1f} MB, median {seconds:.2f} s (CPU {cpu:.2f} s), peak {peak:.0f} MB, "
                  f"exit {code}", flush=True)
    lines = [
        "# Worst-case validation (`python -m data validate`)",
        "",
        f"{dt.date.today():%-d %B %Y}; {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end; median of {args.runs} child processes (interpreter start-up "
        f"included); goal under {GOAL_S:.0f} s each.",
        "",
        "| file | size | median wall | worst wall | median CPU (user + system) | peak memory | exit code |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {name} ({what}) | {size:.1f} MB | {median:.2f} s | {worst:.2f} s | {cpu:.2f} s | {peak:.0f} MB | {code} |"
        for name, what, size, median, worst, cpu, peak, code in rows
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"Wrote {args.out}")
    return 0 if all(r[3] < GOAL_S for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
