"""Benchmark: a fresh server's first fully rendered Overview, next to Streamlit's hello world.

    .venv/bin/python -m bench.bench_cold_start [--db PATH] [--repeat 5] [--port 8620]

Each repeat starts `streamlit run` (headless) and times from launching the process to the end of the
first script run a websocket client asked for as soon as the server answered its health check (the
same client as bench/bench_load.py: every element of the page sent, `script_finished` received).
The same is done for a one-line Streamlit app (`st.write("Hello, world")`) on the same run, so the
two medians can be compared on whatever load the machine has. The project's bytecode is written once
before the runs and the servers may read it (bench/timing.py `child_env`), as any dashboard started a
second time does, whatever PYTHONDONTWRITEBYTECODE says in the shell running the benchmark. Goal
(issue 16): under 3 s for the Overview on the demonstration store. Writes bench/results/cold_start.md and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.bench_load import ROOT, free_port, open_overview
from bench.timing import child_env, compile_project

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_SECONDS = 3.0
HELLO = 'import streamlit as st\n\nst.write("Hello, world")\n'


def time_first_page(script: Path, db: Path, port: int) -> tuple[float, int]:
    """Seconds from starting the server to the first finished run, and the elements it sent."""
    env = child_env(RECOVERY_DB=str(db))
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.perf_counter() - start > 120:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.05)
        _, elements, problem = asyncio.run(open_overview(port))
        if problem:
            raise RuntimeError(f"the first run failed: {problem}")
        return time.perf_counter() - start, elements
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "recovery.duckdb"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--port", type=int, default=8620)
    args = parser.parse_args()
    db = Path(args.db)
    if not db.exists():
        subprocess.run([sys.executable, "-m", "data", "demo"], cwd=ROOT, env={**os.environ, "RECOVERY_DB": str(db)},
                       check=True)
    compile_project()  # bytecode as an installed dashboard has it from its second start on
    with tempfile.TemporaryDirectory() as work:
        hello = Path(work) / "hello.py"
        hello.write_text(HELLO)
        timings: dict[str, list[float]] = {"Overview (app.py, demonstration store)": [], "Streamlit hello world": []}
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            port = free_port(args.port)
            timings["Overview (app.py, demonstration store)"].append(time_first_page(ROOT / "app.py", db, port)[0])
            timings["Streamlit hello world"].append(time_first_page(hello, db, free_port(args.port))[0])
    lines = [
        f"Cold start: `streamlit run` to the first finished script run, median of {args.repeat}; "
        f"{os.cpu_count()} CPU(s). Goal: Overview under {GOAL_SECONDS:.0f} s.",
        "",
        "| page | median (s) | best (s) | worst (s) |",
        "|---|---|---|---|",
        *[f"| {name} | {statistics.median(t):.2f} | {min(t):.2f} | {max(t):.2f} |" for name, t in timings.items()],
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cold_start.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
