"""Benchmark: the board pack (PDF and PowerPoint) for October 2020 on the demonstration store.

    .venv/bin/python -m bench.bench_pack [--runs 3] [--month 2020-10]

Builds the demonstration store in a temporary file, then times `metrics.pack.build_pack` end to end
for each format `--runs` times: reading the figures, SPC, building the Plotly figures, starting
Chromium once and drawing every chart with kaleido, and laying out the pages. The progress callback
marks the phases. Writes bench/results/pack.md and prints it.

Goal (issue 6): the whole pack in under 30 seconds on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import time
from importlib.metadata import version
from pathlib import Path

from pptx import Presentation
from pypdf import PdfReader

from data.demo import build_demo_store
from data.store import Store, temporary_store_path
from metrics.config import load_config
from metrics.months import format_month_long, parse_month
from metrics.pack import build_pack

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_S = 30.0


def build_once(store: Store, cfg, month: dt.date, fmt: str) -> dict:
    """One timed build: total seconds, seconds per phase, pages and size."""
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    data = build_pack(store, cfg, month, fmt, progress=lambda f, text: marks.append((time.perf_counter(), text)))
    finished = time.perf_counter()
    at = {text: moment for moment, text in marks}
    first_chart = next(moment for moment, text in marks if text.startswith("Drawing chart 1 of"))
    last_chart = next(moment for moment, text in reversed(marks) if text.startswith("Drawing chart"))
    charts = sum(text.startswith("Drawing chart") for _, text in marks)
    pages = (
        len(PdfReader(io.BytesIO(data)).pages) if fmt == "pdf" else len(Presentation(io.BytesIO(data)).slides)
    )
    return {
        "total": finished - started,
        "read": at["Starting the chart renderer (Chromium)"] - started,
        "first_chart": first_chart - at["Starting the chart renderer (Chromium)"],
        "charts": last_chart - first_chart,
        "layout": finished - last_chart,
        "chart_count": charts,
        "pages": pages,
        "bytes": len(data),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", default="2020-10")
    args = parser.parse_args(argv)
    cfg = load_config()
    month = parse_month(args.month)
    path = temporary_store_path()
    with Store(path) as store:
        build_demo_store(store, cfg)
        results = {fmt: [build_once(store, cfg, month, fmt) for _ in range(args.runs)] for fmt in ("pdf", "pptx")}

    def med(fmt: str, key: str) -> float:
        return statistics.median(r[key] for r in results[fmt])

    lines = [
        f"Board pack for {format_month_long(month)} on the demonstration store "
        f"(`metrics.pack.build_pack`, {len(cfg.headline_metrics)} headline metrics).",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, kaleido {version('kaleido')}, "
        "Debian Chromium. "
        f"{args.runs} builds per format; each build starts Chromium once and draws every chart in that one session.",
        "",
        f"Goal: the whole pack in under {GOAL_S:.0f} s.",
        "",
        "| format | median | fastest | slowest | pages | charts | size | under goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for fmt in ("pdf", "pptx"):
        runs = results[fmt]
        totals = [r["total"] for r in runs]
        lines.append(
            f"| {fmt.upper()} | {statistics.median(totals):.1f} s | {min(totals):.1f} s | {max(totals):.1f} s | "
            f"{runs[0]['pages']} | {runs[0]['chart_count']} | {runs[0]['bytes'] / 1e6:.1f} MB | "
            f"{'yes' if max(totals) < GOAL_S else 'NO'} |"
        )
    lines += [
        "",
        "Median time per phase (s):",
        "",
        "| format | read figures + SPC + figures | start Chromium + first chart | other charts | page layout |",
        "|---|---:|---:|---:|---:|",
    ]
    for fmt in ("pdf", "pptx"):
        lines.append(
            f"| {fmt.upper()} | {med(fmt, 'read'):.2f} | {med(fmt, 'first_chart'):.2f} | {med(fmt, 'charts'):.2f} | "
            f"{med(fmt, 'layout'):.2f} |"
        )
    lines += ["", f"Run on {dt.date.today():%-d %b %Y}."]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pack.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
