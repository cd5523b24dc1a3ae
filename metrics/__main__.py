"""`python -m metrics …`: figures from the store for other tools (DESIGN §6).

    python -m metrics report --month 2020-07 [--format csv|table] [--db PATH]

Ratios and shares are printed as fractions (0.854), not percents.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

from data.store import Store, StoreError
from metrics.config import Config, ConfigError, load_config, resolve_db_path
from metrics.months import parse_month

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def _format_number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"


def cmd_report(args: argparse.Namespace, cfg: Config) -> int:
    """One row per metric for the system total in a month."""
    from metrics.views import load_report

    month = parse_month(args.month)
    with Store(resolve_db_path(cfg, args.db), read_only=True) as store:
        frame = load_report(store, cfg, month)
    for column in ("value", "target", "gap"):
        frame[column] = [_format_number(v) for v in frame[column]]
    if args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    else:
        sys.stdout.write(frame.to_string(index=False) + "\n")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = load_config(args.config)
        return args.handler(args, cfg)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except (StoreError, ValueError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
