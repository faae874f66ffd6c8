"""`medui backup PATH` and `medui restore PATH`: the SQLite database copied out while the app runs, and back.

Registered by medui/cli/__init__.py.
The work is in medui/backend/store/backup.py; its BackupError (a StoreError) ends the command with exit 2.
"""

from __future__ import annotations

import argparse

from medui.cli.output import emit


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `backup` and `restore` subcommands."""
    p = sub.add_parser(
        "backup",
        help="copy the SQLite database to PATH while the app runs (online backup), then check the copy",
    )
    p.add_argument("path", help="the backup file to write")
    p.add_argument("--force", action="store_true", help="replace PATH if it exists")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup_or_restore)
    p = sub.add_parser(
        "restore", help="replace the database with a backup (the current one is kept as a timestamped .bak)"
    )
    p.add_argument("path", help="a file written by `medui backup`")
    p.add_argument("--force", action="store_true", help="replace an existing database (it is kept as .bak)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup_or_restore)


def cmd_backup_or_restore(args: argparse.Namespace) -> int:
    """`backup PATH` or `restore PATH`, then the copy's integrity check and row counts."""
    from medui.backend.store import backup
    from medui.config import get_settings

    url = get_settings().db_url
    if args.command == "backup":
        summary = backup.backup(url, args.path, force=args.force)
        human = f"{summary['database']} -> {summary['backup']}: {summary['bytes']:,} bytes in {summary['seconds']}s"
    else:
        summary = backup.restore(url, args.path, force=args.force)
        kept = f"; the replaced database is kept as {summary['kept']}" if summary["kept"] else ""
        human = f"{summary['backup']} -> {summary['database']}{kept}"
    counts = ", ".join(f"{table} {n}" for table, n in summary["counts"].items())
    human += f"\nintegrity_check ok, schema revision {summary['revision']}; rows: {counts}"
    return emit(args, summary, human)
