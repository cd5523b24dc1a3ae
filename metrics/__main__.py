"""`python -m metrics …`: figures from the store for other tools (DESIGN §6).

    python -m metrics report --month 2020-07 [--format csv|table] [--db PATH]
    python -m metrics spc --values 5,7,6,… [--improvement increase|decrease|neutral] [--target T]
        [--rebase-index i,…] [--no-screen] [--fix-after N] [--format csv|json]   (needs no store)
    python -m metrics pack --month 2020-10 --out FILE [--format pdf|pptx] [--db PATH]
    python -m metrics scenario [--scenario NAME|ID] [--version N] [--services a,b] [--horizon 12]
        [--target YYYY-MM] [--by-service] [--runs 1000] [--seed N] [--list] [--pdf FILE] [--db PATH]   (CSV out)

Ratios and shares are printed as fractions (0.854), not percents.
"""

from __future__ import annotations

import argparse
import getpass
import math
import sys
from collections.abc import Callable

from data.store import Store, StoreError, database_errors, disk_full_message, is_disk_full
from metrics.access import Actor
from metrics.config import Config, ConfigError, load_config, resolve_db_path
from metrics.months import parse_month
from metrics.safe_text import csv_text, terminal_safe

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def _format_number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"


def cmd_report(args: argparse.Namespace, cfg: Config) -> int:
    """One row per metric for the system total in a month."""
    from metrics.views import load_report

    month = parse_month(args.month)
    with Store.open_existing(resolve_db_path(cfg, args.db), read_only=True) as store:
        frame = load_report(store, cfg, month)
    for problem in frame.attrs.get("problems", []):
        print(terminal_safe(problem), file=sys.stderr)
    for column in ("value", "target", "gap"):
        frame[column] = [_format_number(v) for v in frame[column]]
    if args.format == "csv":
        sys.stdout.write(terminal_safe(csv_text(frame)))
    else:
        sys.stdout.write(terminal_safe(frame.to_string(index=False)) + "\n")
    return EXIT_OK


def _parse_spc_values(text: str) -> list[float]:
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise ValueError("--values needs at least one number, e.g. --values 5,7,6.")
    values = []
    for position, item in enumerate(items, start=1):
        try:
            value = float(item)
        except ValueError:
            raise ValueError(
                f"--values item {position} ('{item}') is not a number; give numbers separated by commas."
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"--values item {position} ('{item}') is not a finite number; give ordinary numbers.")
        values.append(value)
    return values


def _parse_spc_indices(text: str | None) -> list[int]:
    if not text:
        return []
    indices = []
    for item in (part.strip() for part in text.split(",")):
        try:
            indices.append(int(item))
        except ValueError:
            raise ValueError(
                f"--rebase-index '{item}' is not a whole number; give point positions counted from 0, e.g. 12,24."
            ) from None
    return indices


def _json_number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def cmd_spc(args: argparse.Namespace, cfg: Config) -> int:
    """Making Data Count SPC for a list of values (no store needed), for checking against other tools."""
    import json

    from metrics.spc import assurance_icon, compute_spc, variation_icon

    values = _parse_spc_values(args.values)
    indices = _parse_spc_indices(args.rebase_index)
    if args.fix_after is not None and args.fix_after < 12:
        raise ValueError(f"--fix-after must be at least 12 points (it was {args.fix_after}).")
    if args.target is not None and not math.isfinite(args.target):
        raise ValueError("--target must be an ordinary number.")
    frame = compute_spc(
        values,
        improvement=args.improvement,
        rebase_indices=indices,
        screen_outliers=not args.no_screen,
        fix_after_n_points=args.fix_after,
    )
    columns = ["index", "value", "mean", "lpl", "upl", "point_type"]
    if args.format == "csv":
        sys.stdout.write(",".join(columns) + "\n")
        for row in frame[columns].itertuples(index=False):
            numbers = [_format_spc_number(v) for v in (row.value, row.mean, row.lpl, row.upl)]
            sys.stdout.write(",".join([str(row.index), *numbers, _point_type(row.point_type)]) + "\n")
        return EXIT_OK
    variation = variation_icon(frame, args.improvement)
    assurance = assurance_icon(frame, args.target, args.improvement)
    points = [
        {
            "index": int(row.index),
            "value": _json_number(row.value),
            "mean": _json_number(row.mean),
            "lpl": _json_number(row.lpl),
            "upl": _json_number(row.upl),
            "point_type": _point_type(row.point_type) or None,
        }
        for row in frame[columns].itertuples(index=False)
    ]
    document = {
        "points": points,
        "variation": variation["name"] if variation else None,
        "assurance": assurance["name"] if assurance else None,
    }
    sys.stdout.write(json.dumps(document, allow_nan=False) + "\n")
    return EXIT_OK


def _point_type(value: object) -> str:
    # A missing value has no point type (pandas shows it as NaN).
    return value if isinstance(value, str) else ""


def _format_spc_number(value: float) -> str:
    # Twelve significant figures: enough to compare with other tools, without float noise.
    return "" if math.isnan(value) else f"{value:.12g}"


def cmd_pack(args: argparse.Namespace, cfg: Config) -> int:
    """The board pack for a month as a PDF (or PowerPoint with --format pptx)."""
    from pathlib import Path

    from metrics.pack import PackError, build_pack

    month = parse_month(args.month)
    out = Path(args.out)
    fmt = args.format or ("pptx" if out.suffix.lower() == ".pptx" else "pdf")
    if not out.parent.exists():
        raise ValueError(f"The folder {out.parent} does not exist; create it or choose another --out path.")

    def report(fraction: float, text: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{fraction:4.0%} {text:<60}")

    try:
        # Read-write only to append the download to the audit log.
        with Store.open_existing(resolve_db_path(cfg, args.db)) as store:
            data = build_pack(store, cfg, month, fmt, progress=report)
            out.write_bytes(data)
            store.record_event(Actor.command_line(getpass.getuser()), "download",
                               f"board pack {month:%b %Y} ({fmt}) to {out}")
    except PackError as exc:
        print(terminal_safe(exc), file=sys.stderr)
        return EXIT_ERROR
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    print(terminal_safe(f"Wrote the {fmt.upper()} board pack for {month:%B %Y} to {out} ({len(data) / 1e6:.1f} MB)."))
    return EXIT_OK


def cmd_scenario(args: argparse.Namespace, cfg: Config) -> int:
    """The Demand & capacity projection under a scenario, as CSV (the page's numbers)."""
    from metrics import capacity
    from metrics.months import add_months
    from metrics.views import find_scenario_version, load_capacity, load_capacity_options

    if args.horizon < 1 or args.horizon > 60:
        raise ValueError(f"--horizon must be between 1 and 60 months (it was {args.horizon}).")
    if args.runs < 1 or args.runs > 100_000:
        raise ValueError(f"--runs must be between 1 and 100,000 (it was {args.runs}).")
    with Store(resolve_db_path(cfg, args.db), read_only=True) as store:
        options = load_capacity_options(store, cfg)
        if args.list:
            columns = ["version_id", "scenario", "version", "example", "saved_by", "saved_at", "description"]
            sys.stdout.write(terminal_safe(csv_text(options.versions[columns])))
            return EXIT_OK
        if options.latest_complete is None:
            raise ValueError("The store has no complete month of waiting list figures to project from.")
        services = [s.strip() for s in args.services.split(",") if s.strip()] if args.services else []
        unknown = [s for s in services if s not in options.services]
        if unknown:
            raise ValueError(f"No waiting list figures for {', '.join(unknown)}; services with figures: "
                             f"{', '.join(options.services)}.")
        version_id = find_scenario_version(options, args.scenario, args.version)
        target = parse_month(args.target) if args.target else add_months(options.latest_complete, args.horizon)
        page = load_capacity(store, cfg, options, services=services, version_id=version_id, horizon=args.horizon,
                             target=target, runs=args.runs, seed=args.seed)
    if page.problem:
        raise ValueError(page.problem)
    if args.pdf:
        import datetime as dt
        from pathlib import Path

        from metrics.capacity_pack import build_capacity_pdf

        out = Path(args.pdf)
        if not out.parent.exists():
            raise ValueError(f"The folder {out.parent} does not exist; create it or choose another --pdf path.")
        from metrics.pack import PackError

        try:
            data = build_capacity_pdf(page, options, cfg.organisation, options.version_label(version_id),
                                      dt.date.today())
        except PackError as exc:
            raise ValueError(str(exc)) from None
        out.write_bytes(data)
        print(f"Wrote the board pack page for “{options.version_label(version_id)}” to {out}.", file=sys.stderr)
    frame = capacity.projection_csv_frame(page.projection, page.history, options.version_label(version_id),
                                          by_service=args.by_service)
    sys.stdout.write(terminal_safe(csv_text(frame)))
    total = page.total_row
    print(capacity.describe_total(total, page.target, options.version_label(version_id)), file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description="Recovery metrics from the store.")
    parser.add_argument("--config", help="config.yaml to use (default: the project's own)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", help="store file (default: RECOVERY_DB, then config.yaml)")
        p.set_defaults(handler=handler)
        return p

    report = add("report", cmd_report, "one row per metric for the system total in a month")
    report.add_argument("--month", required=True, help="YYYY-MM")
    report.add_argument("--format", choices=("csv", "table"), default="table")

    spc = add("spc", cmd_spc, "Making Data Count SPC for a list of values (needs no store)")
    spc.add_argument(
        "--values", required=True, help="numbers separated by commas (write --values=-1,2 when the first is negative)"
    )
    spc.add_argument("--improvement", choices=("increase", "decrease", "neutral"), default="increase")
    spc.add_argument("--target", type=float, help="target for the assurance icon")
    spc.add_argument("--rebase-index", help="positions (from 0) that start a new group, separated by commas")
    spc.add_argument("--no-screen", action="store_true", help="keep moving-range outliers (as the MDC Excel tool)")
    spc.add_argument("--fix-after", type=int, help="fix the limits after this many points (at least 12)")
    spc.add_argument("--format", choices=("csv", "json"), default="csv")

    pack = add("pack", cmd_pack, "the board pack for a month (PDF, or PowerPoint with --format pptx)")
    pack.add_argument("--month", required=True, help="YYYY-MM")
    pack.add_argument("--out", required=True, help="file to write, e.g. board-pack-2020-10.pdf")
    pack.add_argument("--format", choices=("pdf", "pptx"), help="default: from the --out file's suffix, else pdf")

    scenario = add("scenario", cmd_scenario, "the waiting list projected under a scenario (Demand & capacity), CSV")
    scenario.add_argument("--scenario", help="a scenario's name (its latest version) or version id; default: as now")
    scenario.add_argument("--version", type=int, help="a version number of the named scenario")
    scenario.add_argument("--services", help="service ids separated by commas (default: every service)")
    scenario.add_argument("--horizon", type=int, default=12, help="months to project (default 12)")
    scenario.add_argument("--target", help="YYYY-MM: reach the 18-week target by the end of it (default: horizon end)")
    scenario.add_argument("--by-service", action="store_true", help="each service's projected rows too")
    scenario.add_argument("--runs", type=int, default=1000, help="simulation runs (default 1000)")
    scenario.add_argument("--seed", type=int, default=20200731, help="simulation seed (default 20200731)")
    scenario.add_argument("--list", action="store_true", help="list the saved scenario versions instead")
    scenario.add_argument("--pdf", help="also write the board pack's page for the scenario to this PDF file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = None
    try:
        cfg = load_config(args.config)
        return args.handler(args, cfg)
    except ConfigError as exc:
        print(terminal_safe(exc), file=sys.stderr)
        return EXIT_ERROR
    except (StoreError, ValueError, OSError, *database_errors()) as exc:
        full = is_disk_full(exc) and cfg is not None
        message = disk_full_message(resolve_db_path(cfg, args.db)) if full else str(exc)
        print(terminal_safe(message), file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
