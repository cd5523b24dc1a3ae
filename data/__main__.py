"""`python -m data …`: the store's command line (DESIGN §6).

Every command takes `--db PATH` (default: RECOVERY_DB, then config.yaml). Problems are printed as
sentences on stderr with a non-zero exit code, never as stack traces.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from data.demo import build_demo_store
from data.store import Store, StoreError
from metrics.config import Config, ConfigError, load_config, resolve_db_path

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def cmd_demo(args: argparse.Namespace, cfg: Config) -> int:
    """(Re)build the demonstration store."""
    path = resolve_db_path(cfg, args.db)
    if path.exists():
        if not args.force:
            print(
                f"The store {path} already exists; nothing was changed. "
                "Use --force to delete it and build the demonstration store in its place.",
                file=sys.stderr,
            )
            return EXIT_ERROR
        # Opening first proves no other process holds the file before we delete it.
        Store(path).close()
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    with Store(path) as store:
        result = build_demo_store(store, cfg)
    print(f"Built the demonstration store at {path}: {result.rows_added:,} values (upload {result.upload_id}).")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    """Write every table of the store as CSV into a directory."""
    with Store(resolve_db_path(cfg, args.db), read_only=True) as store:
        written = store.export_csv(args.directory)
    for path in written:
        print(path)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data", description="The One Bromley recovery store.")
    parser.add_argument("--config", help="config.yaml to use (default: the project's own)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", help="store file (default: RECOVERY_DB, then config.yaml)")
        p.set_defaults(handler=handler)
        return p

    add("demo", cmd_demo, "build the demonstration store").add_argument(
        "--force", action="store_true", help="replace an existing store"
    )
    add("export", cmd_export, "write every table as CSV into DIR").add_argument("directory", metavar="DIR")
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
