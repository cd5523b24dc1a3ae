"""Benchmark: the board pack (PDF and PowerPoint) for October 2020 on the demonstration store.

    .venv/bin/python -m bench.bench_pack [--runs 3] [--month 2020-10]

Builds the demonstration store in a temporary file, then times `metrics.pack.build_pack` end to end
for each format `--runs` times: reading the figures and SPC, building the print charts, and laying out
the pages (charts drawn as vector lines and text in the PDF, native charts in PowerPoint; no browser).
The progress callback marks the phases. Writes bench/results/pack.md and prints it.

Goal (issue 10): median under 10 seconds on this machine (issue 6's was 30 s with Chromium-drawn charts).
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
GOAL_S = 10.0


def build_once(store: Store, cfg, month: dt.date, fmt: str) -> dict:
    """One timed build: total seconds, seconds per phase, pages and size."""
    marks: list[tuple[float, str]] = []
    started = time.perf_counter()
    data = build_pack(store, cfg, month, fmt, progress=lambda f, text: marks.append((time.perf_counter(), text)))
    finished = time.perf_counter()
    at = {text: moment for moment, text in marks}
    chart_marks = [moment for moment, text in marks if text.startswith("Chart ")]
    pages = (
        len(PdfReader(io.BytesIO(data)).pages) if fmt == "pdf" else len(Presentation(io.BytesIO(data)).slides)
    )
    return {
        "total": finished - started,
        "read": chart_marks[0] - started,
        "charts": at["Laying out the pages"] - chart_marks[0],
        "layout": finished - at["Laying out the pages"],
        "chart_count": len(chart_marks),
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
        load_before = os.getloadavg()[0]
        results = {fmt: [build_once(store, cfg, month, fmt) for _ in range(args.runs)] for fmt in ("pdf", "pptx")}

    def med(fmt: str, key: str) -> float:
        return statistics.median(r[key] for r in results[fmt])

    lines = [
        f"Board pack for {format_month_long(month)} on the demonstration store "
        f"(`metrics.pack.build_pack`, {len(cfg.headline_metrics)} headline metrics).",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, fpdf2 {version('fpdf2')}, "
        f"python-pptx {version('python-pptx')}; load average {load_before:.1f} when the runs began (a shared machine). "
        f"{args.runs} builds per format; charts drawn as PDF vectors and text or native PowerPoint charts, no browser.",
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
            f"{'yes' if statistics.median(totals) < GOAL_S else 'NO'} |"
        )
    lines += [
        "",
        "Median time per phase (s):",
        "",
        "| format | read figures, SPC and chart data | page layout and drawing |",
        "|---|---:|---:|",
    ]
    for fmt in ("pdf", "pptx"):
        lines.append(
            f"| {fmt.upper()} | {med(fmt, 'read') + med(fmt, 'charts'):.2f} | {med(fmt, 'layout'):.2f} |"
        )
    lines += ["", f"Run on {dt.date.today():%-d %b %Y}."]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pack.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
