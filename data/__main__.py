"""`python -m data …`: the store's command line (DESIGN §6).

Every command takes `--db PATH` (default: RECOVERY_DB, then config.yaml). Problems are printed as
sentences on stderr with a non-zero exit code, never as stack traces. Writes and exports are recorded
in the store's audit log as the operating-system user running the command (with every role: whoever
can run it holds the store file anyway).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from data import ingest
from data.demo import build_demo_store
from data.store import Store, StoreError, StoreLockedError
from metrics.access import AccessDenied, Actor
from metrics.config import Config, ConfigError, load_config, resolve_db_path
from metrics.months import format_uk_time

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
    """Write every table of the store as CSV into a directory (recorded in the audit log)."""
    with Store(resolve_db_path(cfg, args.db)) as store:
        written = store.export_csv(args.directory)
        store.record_event(command_line_actor(), "export", f"{len(written)} table(s) as CSV to {args.directory}")
    for path in written:
        print(path)
    return EXIT_OK


def _open_for_checking(cfg: Config, db: str | None) -> Store | None:
    """The store, read-only, to check a file against; None (with a note) when it is missing or in use."""
    path = resolve_db_path(cfg, db)
    if not path.exists():
        print(f"There is no store at {path}, so the file was checked on its own.", file=sys.stderr)
        return None
    try:
        return Store(path, read_only=True)
    except StoreLockedError:
        print(
            f"The store {path} is in use by the running dashboard, so the file was checked on its own, not "
            "against the stored figures (the grain rule and the preview need the store).",
            file=sys.stderr,
        )
        return None


def cmd_validate(args: argparse.Namespace, cfg: Config) -> int:
    """Check a file and print the row-level report; exit 0 when it could be loaded, 1 when not."""
    store = _open_for_checking(cfg, args.db)
    try:
        check = ingest.check_file(args.file, cfg, store)
    finally:
        if store is not None:
            store.close()
    print(ingest.format_report(check))
    return EXIT_OK if check.ok else EXIT_INVALID


def _confirmed(check: ingest.UploadCheck) -> bool:
    if check.needs_confirmation:
        prompt = (
            "\nThere are warnings above. Type 'load anyway' to load the file despite them, or press Enter to stop: "
        )
        accepted = ("load anyway",)
    else:
        prompt = "\nLoad these figures? Type 'yes' to load, or press Enter to stop: "
        accepted = ("yes", "y")
    try:
        answer = input(prompt)
    except EOFError:
        answer = ""
    return answer.strip().lower() in accepted


def cmd_load(args: argparse.Namespace, cfg: Config) -> int:
    """Check a file, show what would change, and commit it in one transaction once confirmed."""
    with Store(resolve_db_path(cfg, args.db)) as store:
        check = ingest.check_file(args.file, cfg, store)
        print(ingest.format_report(check))
        if not check.ok:
            print("\nNothing was loaded.")
            return EXIT_INVALID
        if not check.changes_anything:
            print("Nothing was loaded: the store already holds exactly these figures.")
            return EXIT_OK
        if not args.yes and not _confirmed(check):
            print("Nothing was loaded.")
            return EXIT_INVALID
        # Printed (and flushed) just before the write: a reader of the output knows the commit has begun.
        print(f"Writing {len(check.rows):,} values in one transaction…", flush=True)
        result = ingest.commit_upload(store, check, actor=command_line_actor(), note=args.note or "",
                                      load_anyway=True)
    print(ingest.describe_commit(result, check))
    if result.upload_id is not None:
        print(f"`python -m data undo {result.upload_id}` takes it back.")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, cfg: Config) -> int:
    """Print every upload, newest first."""
    with Store(resolve_db_path(cfg, args.db), read_only=True) as store:
        table = ingest.history_table(store)
    if table.empty:
        print("No uploads yet.")
    else:
        print(table.to_string(index=False))
    return EXIT_OK


def cmd_undo(args: argparse.Namespace, cfg: Config) -> int:
    """Take an upload back, restoring the values it replaced."""
    with Store(resolve_db_path(cfg, args.db)) as store:
        result = store.undo_upload(args.upload_id, actor=command_line_actor())
    print(ingest.describe_undo(result))
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, cfg: Config) -> int:
    """Print the audit log, newest first (optionally only one person's events or one action's)."""
    with Store(resolve_db_path(cfg, args.db), read_only=True) as store:
        log = store.audit_log(who=args.who or "", actions=[args.action] if args.action else None)
    if log.empty:
        print("The audit log has no events" + (" matching that." if args.who or args.action else " yet."))
        return EXIT_OK
    table = log.assign(occurred_at=[format_uk_time(t) for t in log["occurred_at"]]).rename(
        columns={"occurred_at": "when (UK time)"}
    )
    print(table.head(args.limit).to_string(index=False) if args.limit else table.to_string(index=False))
    return EXIT_OK


def command_line_actor() -> Actor:
    """Who runs the command: the operating-system user."""
    return Actor.command_line(getpass.getuser())


def cmd_templates(args: argparse.Namespace, cfg: Config) -> int:
    """Write the upload templates (long, wide) and the list of accepted names from config.yaml."""
    for path in ingest.write_templates(cfg, args.directory or ingest.TEMPLATE_DIR):
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
    add("validate", cmd_validate, "check an upload file; exit 0 if it could be loaded, 1 if not").add_argument(
        "file", metavar="FILE"
    )
    load = add("load", cmd_load, "check, preview and load an upload file in one transaction")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--note", metavar="TEXT", help="why (kept with the upload)")
    load.add_argument("--yes", action="store_true", help="load without asking, even with warnings")
    add("history", cmd_history, "list every upload, newest first")
    undo = add("undo", cmd_undo, "take an upload back, restoring the values it replaced")
    undo.add_argument("upload_id", metavar="UPLOAD_ID", type=int)
    audit = add("audit", cmd_audit, "print the audit log, newest first")
    audit.add_argument("--who", metavar="TEXT", help="only events whose name or email contains TEXT")
    audit.add_argument("--action", metavar="ACTION", help="only one action (upload, undo, sign-in, download…)")
    audit.add_argument("--limit", type=int, metavar="N", help="only the newest N events")
    add("templates", cmd_templates, "write the upload templates into DIR (default data/templates)").add_argument(
        "directory", metavar="DIR", nargs="?"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = load_config(args.config)
        return args.handler(args, cfg)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR
    except (StoreError, ValueError, OSError, AccessDenied) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
