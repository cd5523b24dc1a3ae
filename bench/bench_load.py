"""Benchmark: many people opening the Overview at once, measured at the server.

    .venv/bin/python -m bench.bench_load [--db PATH] [--sessions 1,10,25,50] [--processes 1]
                                         [--cache on|off|both] [--port 8600]

Starts the real dashboard (`streamlit run app.py`, headless) on the given store, then for each N
opens N sessions at once, each a small websocket client speaking Streamlit's own protocol (the
`BackMsg`/`ForwardMsg` protobufs streamlit ships): connect to `/_stcore/stream`, ask for a script
run of the Overview, read every message until `script_finished`. No browser: what is measured is
the server. For each N it reports p50/p95 of the time from asking to a finished run, the server's
CPU time per view (user + system from /proc, all server processes) and its peak resident memory.

`--cache off` runs the server with RECOVERY_VIEW_CACHE=off (every view computed afresh: the
dashboard before issue 16); `both` runs the two one after the other. `--processes K` starts K app
processes, each on a read-only snapshot copy of the store (a published replica: DuckDB lets one
process write a file and nothing else open it, so each process gets its own copy), and spreads the
sessions over them round-robin, as a load balancer would.

Writes a Markdown table to bench/results/load.md and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
# Goal from issue 16: p95 under 1.5 s with 50 people opening the Overview at once.
GOAL_P95_SECONDS = 1.5
# A run that takes longer than this is reported as failed rather than waited for.
RUN_TIMEOUT_SECONDS = 600


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    db: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process and its children so far (from /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return sum(int(f) for f in fields[11:15]) / ticks

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def free_port(preferred: int) -> int:
    for port in range(preferred, preferred + 100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port")


def start_server(db: Path, port: int, cache: bool) -> Server:
    env = {**os.environ, "RECOVERY_DB": str(db), "RECOVERY_VIEW_CACHE": "on" if cache else "off"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return Server(process, port, db)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the dashboard did not start on port {port}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()


async def open_overview(port: int) -> tuple[float, int, str]:
    """One session: connect, ask for a run of the default page (the Overview), read to the end of
    the run. Returns (seconds from asking to finished, elements received, problem or "")."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None, open_timeout=120,
    ) as ws:
        request = BackMsg()
        request.rerun_script.query_string = ""
        request.rerun_script.page_script_hash = ""
        start = time.perf_counter()
        await ws.send(request.SerializeToString())
        elements, problem = 0, ""
        while True:
            raw = await asyncio.wait_for(ws.recv(), RUN_TIMEOUT_SECONDS)
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                elements += 1
                element = message.delta.new_element
                if element.WhichOneof("type") == "exception":
                    problem = element.exception.message
                elif element.WhichOneof("type") == "alert" and "went wrong" in element.alert.body:
                    problem = element.alert.body
            elif kind == "script_finished":
                status = message.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the page asked for a rerun (first run on a fresh server): keep reading
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    problem = problem or f"script finished with status {status}"
                return time.perf_counter() - start, elements, problem


async def open_many(ports: list[int], sessions: int) -> list[tuple[float, int, str]]:
    return await asyncio.gather(*(open_overview(ports[i % len(ports)]) for i in range(sessions)))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def run_scenario(db: Path, sessions: list[int], processes: int, cache: bool, port: int) -> list[dict]:
    """Start the servers, open one warm-up view (the first view of a fresh server: imports, store,
    cache filled), then each N in turn; return one row per N."""
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    servers: list[Server] = []
    try:
        for k in range(processes):
            copy = db
            if processes > 1:
                copy = work / f"replica-{k}.duckdb"
                shutil.copyfile(db, copy)
            servers.append(start_server(copy, free_port(port + 10 * k), cache))
        ports = [s.port for s in servers]
        cpu_before = sum(s.cpu_seconds() for s in servers)
        first = asyncio.run(open_many(ports, len(ports)))
        first_cpu = (sum(s.cpu_seconds() for s in servers) - cpu_before) / len(ports)
        rows = [{"sessions": "first view", "p50": first[0][0], "p95": max(t for t, _, _ in first),
                 "cpu": first_cpu, "rss": max(s.peak_rss_mb() for s in servers),
                 "problems": sum(1 for *_, p in first if p), "elements": first[0][1], "client": float("nan")}]
        for n in sessions:
            cpu_before, client_before = sum(s.cpu_seconds() for s in servers), time.process_time()
            results = asyncio.run(open_many(ports, n))
            cpu = sum(s.cpu_seconds() for s in servers) - cpu_before
            client = time.process_time() - client_before
            times = [t for t, _, _ in results]
            rows.append({"sessions": n, "p50": statistics.median(times), "p95": percentile(times, 0.95),
                         "cpu": cpu / n, "rss": max(s.peak_rss_mb() for s in servers),
                         "problems": sum(1 for *_, p in results if p), "client": client / n,
                         "elements": min(e for _, e, _ in results)})
        return rows
    finally:
        for server in servers:
            stop_server(server)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "recovery.duckdb"),
                        help="the store to serve (default: the demonstration store, built if missing)")
    parser.add_argument("--sessions", default="1,10,25,50", help="comma-separated numbers of sessions")
    parser.add_argument("--processes", type=int, default=1, help="app processes, each on a snapshot copy")
    parser.add_argument("--cache", choices=["on", "off", "both"], default="on")
    parser.add_argument("--port", type=int, default=8600)
    parser.add_argument("--label", default="", help="what the store is, for the table (default: its file name)")
    args = parser.parse_args()
    db = Path(args.db)
    if not db.exists():
        subprocess.run([sys.executable, "-m", "data", "demo"], cwd=ROOT, env={**os.environ, "RECOVERY_DB": str(db)},
                       check=True)
    sessions = [int(n) for n in args.sessions.split(",")]
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.cache]
    lines = [
        f"Load benchmark: N sessions opening the Overview at once over Streamlit's websocket protocol; store "
        f"{args.label or db.name}; {args.processes} app process(es); {os.cpu_count()} CPU(s). "
        f"Goal: p95 under {GOAL_P95_SECONDS} s at 50 sessions. \"first view\": one session per process on a "
        "fresh server (imports, store opened, cache filled). Peak RSS: the largest server process. The "
        "client (this benchmark, one process) shares the machine; its own CPU per view is in the last column.",
        "",
        "| view cache | sessions | p50 (s) | p95 (s) | server CPU per view (s) | peak RSS (MB) | failed runs | "
        "client CPU per view (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cache in modes:
        for row in run_scenario(db, sessions, args.processes, cache, args.port):
            lines.append(
                f"| {'on' if cache else 'off'} | {row['sessions']} | {row['p50']:.2f} | {row['p95']:.2f} | "
                f"{row['cpu']:.3f} | {row['rss']:.0f} | {row['problems']} | {row['client']:.3f} |"
            )
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    (RESULTS / f"load{suffix}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
