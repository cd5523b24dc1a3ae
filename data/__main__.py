"""`python -m data …`: the store's command line (DESIGN §6).

Every command takes `--db PATH` (default: RECOVERY_DB, then config.yaml): a DuckDB file, or a
`postgresql://` URL for a store on a PostgreSQL server. Problems are printed as
sentences on stderr with a non-zero exit code, never as stack traces. A missing store is an error for
every command but `demo` (and `load --create`), so a mistyped path never creates an empty store. All
output goes through `say` / `complain`, which show control characters (ANSI escapes in a file's names,
say) as visible text instead of letting them act on the terminal.
Writes and exports are recorded in the store's audit log as the operating-system user running the
command (with every role: whoever can run it holds the store file anyway).
"""

from __future__ import annotations

# isort: off
import data.short_command  # noqa: F401  (first: its memory settings are read when numpy and pyarrow load)

# isort: on
import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from data import ingest
from data.demo import build_demo_store
from data.store import (
    Store,
    StoreError,
    StoreLockedError,
    database_errors,
    disk_full_message,
    is_disk_full,
    is_postgres_url,
)
from metrics.access import AccessDenied, Actor
from metrics.config import Config, ConfigError, load_config, resolve_db_path
from metrics.months import format_uk_time
from metrics.safe_text import terminal_safe

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def say(text: object = "", *, flush: bool = False) -> None:
    """Print to stdout with control characters made visible."""
    print(terminal_safe(text), flush=flush)


def complain(text: object) -> None:
    """Print a problem to stderr with control characters made visible."""
    print(terminal_safe(text), file=sys.stderr)


def cmd_demo(args: argparse.Namespace, cfg: Config) -> int:
    """(Re)build the demonstration store."""
    path = resolve_db_path(cfg, args.db)
    if is_postgres_url(str(path)):
        with Store(path) as store:
            if not store.uploads().empty:
                complain(
                    f"The store {store.path} already holds uploads; nothing was changed. The demonstration store goes "
                    "into an empty database (drop and create it again to replace a store on PostgreSQL)."
                )
                return EXIT_ERROR
            result = build_demo_store(store, cfg)
            say(f"Built the demonstration store at {store.path}: {result.rows_added:,} values "
                f"(upload {result.upload_id}).")
        return EXIT_OK
    if path.exists():
        if not args.force:
            complain(
                f"The store {path} already exists; nothing was changed. "
                "Use --force to delete it and build the demonstration store in its place."
            )
            return EXIT_ERROR
        # Opening first proves no other process holds the file before we delete it.
        Store(path).close()
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    with Store(path) as store:
        result = build_demo_store(store, cfg)
    say(f"Built the demonstration store at {path}: {result.rows_added:,} values (upload {result.upload_id}).")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, cfg: Config) -> int:
    """Write every table of the store as CSV into a directory (refusing a non-empty one without --force;
    recorded in the audit log)."""
    with Store.open_existing(resolve_db_path(cfg, args.db)) as store:
        written = store.export_csv(args.directory, force=args.force)
        store.record_event(command_line_actor(), "export", f"{len(written)} table(s) as CSV to {args.directory}")
    for path in written:
        say(path)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, cfg: Config) -> int:
    """Check a file against the store and print the row-level report; exit 0 only when `load` would
    accept it, 1 when it has problems, 2 when the store cannot be read (missing, or in use)."""
    path = resolve_db_path(cfg, args.db)
    try:
        store = Store.open_existing(path, read_only=True)
    except StoreError as exc:
        # Checked on its own, the file might look fine and still be refused by `load` (the grain rule
        # needs the stored figures), so this is never reported as valid.
        check = ingest.check_file(args.file, cfg, None)
        say(ingest.format_report(check))
        reason = "is in use by another program" if isinstance(exc, StoreLockedError) else "could not be read"
        complain(
            f"\nThe store {reason}, so the file was checked on its own, not against the stored figures; it is not "
            f"known whether `load` would accept it. {exc}"
        )
        return EXIT_INVALID if not check.ok else EXIT_ERROR
    with store:
        check = ingest.check_file(args.file, cfg, store)
    say(ingest.format_report(check))
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
    path = resolve_db_path(cfg, args.db)
    if not Path(args.file).is_file():
        raise FileNotFoundError(f"There is no file {args.file}; check the name and folder. Nothing was changed.")
    opened = Store(path) if args.create else Store.open_existing(path)
    with opened as store:
        check = ingest.check_file(args.file, cfg, store)
        say(ingest.format_report(check))
        if not check.ok:
            say("\nNothing was loaded.")
            return EXIT_INVALID
        if not check.changes_anything:
            say("Nothing was loaded: the store already holds exactly these figures.")
            return EXIT_OK
        if not args.yes and not _confirmed(check):
            say("Nothing was loaded.")
            return EXIT_INVALID
        # Printed (and flushed) just before the write: a reader of the output knows the commit has begun.
        say(f"Writing {len(check.rows):,} values in one transaction…", flush=True)
        result = ingest.commit_upload(store, check, actor=command_line_actor(), note=args.note or "",
                                      load_anyway=True)
    say(ingest.describe_commit(result, check))
    if result.upload_id is not None:
        say(f"`python -m data undo {result.upload_id}` takes it back.")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, cfg: Config) -> int:
    """Print every upload, newest first."""
    with Store.open_existing(resolve_db_path(cfg, args.db), read_only=True) as store:
        table = ingest.history_table(store)
    if table.empty:
        say("No uploads yet.")
    else:
        # Each cell on one line with its control characters visible, before pandas lays out the columns.
        say(table.map(lambda v: terminal_safe(v, keep_lines=False) if isinstance(v, str) else v).to_string(index=False))
    return EXIT_OK


def cmd_undo(args: argparse.Namespace, cfg: Config) -> int:
    """Take an upload back, restoring the values it replaced."""
    with Store.open_existing(resolve_db_path(cfg, args.db)) as store:
        result = store.undo_upload(args.upload_id, actor=command_line_actor())
    say(ingest.describe_undo(result))
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, cfg: Config) -> int:
    """Print the audit log, newest first (optionally only one person's events or one action's)."""
    with Store.open_existing(resolve_db_path(cfg, args.db), read_only=True) as store:
        log = store.audit_log(who=args.who or "", actions=[args.action] if args.action else None)
    if log.empty:
        say("The audit log has no events" + (" matching that." if args.who or args.action else " yet."))
        return EXIT_OK
    table = log.assign(occurred_at=[format_uk_time(t) for t in log["occurred_at"]]).rename(
        columns={"occurred_at": "when (UK time)"}
    )
    say(table.head(args.limit).to_string(index=False) if args.limit else table.to_string(index=False))
    return EXIT_OK


def command_line_actor() -> Actor:
    """Who runs the command: the operating-system user."""
    return Actor.command_line(getpass.getuser())


def cmd_templates(args: argparse.Namespace, cfg: Config) -> int:
    """Write the upload templates (long, wide) and the list of accepted names from config.yaml."""
    for path in ingest.write_templates(cfg, args.directory or ingest.TEMPLATE_DIR):
        say(path)
    return EXIT_OK


def cmd_migrate_store(args: argparse.Namespace, cfg: Config) -> int:
    """Copy a store into an empty PostgreSQL database and verify the copy by comparing exports."""
    from data.migrate_store import migrate_store

    result = migrate_store(args.source, args.target, actor=command_line_actor())
    say(f"Copied {sum(result.tables.values()):,} rows in {len(result.tables)} tables; the {result.compared} exported "
        "tables of the two stores are identical.")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data", description="The One Bromley recovery store.")
    parser.add_argument("--config", help="config.yaml to use (default: the project's own)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--db", help="store file or postgresql:// URL (default: RECOVERY_DB, then config.yaml)")
        p.set_defaults(handler=handler)
        return p

    add("demo", cmd_demo, "build the demonstration store").add_argument(
        "--force", action="store_true", help="replace an existing store"
    )
    export = add("export", cmd_export, "write every table as CSV into DIR (a new or empty folder)")
    export.add_argument("directory", metavar="DIR")
    export.add_argument("--force", action="store_true", help="write into a folder that already holds files")
    add("validate", cmd_validate, "check an upload file; exit 0 if it could be loaded, 1 if not").add_argument(
        "file", metavar="FILE"
    )
    load = add("load", cmd_load, "check, preview and load an upload file in one transaction")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--note", metavar="TEXT", help="why (kept with the upload)")
    load.add_argument("--yes", action="store_true", help="load without asking, even with warnings")
    load.add_argument("--create", action="store_true", help="start a new, empty store if there is none at --db")
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
    migrate = sub.add_parser(
        "migrate-store", help="copy a store (a DuckDB file) into an empty PostgreSQL database, verified by exports"
    )
    migrate.add_argument("--from", dest="source", metavar="PATH", required=True, help="the store to copy (unchanged)")
    migrate.add_argument("--to", dest="target", metavar="URL", required=True,
                         help="postgresql://user@host/database: an empty database")
    migrate.set_defaults(handler=cmd_migrate_store)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = None
    try:
        cfg = load_config(args.config)
        return args.handler(args, cfg)
    except ConfigError as exc:
        complain(exc)
        return EXIT_ERROR
    except (StoreError, ValueError, OSError, AccessDenied, *database_errors()) as exc:
        full = is_disk_full(exc) and cfg is not None
        complain(disk_full_message(resolve_db_path(cfg, args.db)) if full else str(exc))
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
