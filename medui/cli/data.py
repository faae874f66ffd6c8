"""`medui data stats|import|build`: the gold data of the tasks."""

from __future__ import annotations

import argparse
from pathlib import Path

from medui.backend.data import gold
from medui.backend.data.imports import IMPORT_FORMATS, import_file
from medui.backend.data.inputs import InputError
from medui.cli.output import emit
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec


def register(sub: argparse._SubParsersAction) -> None:
    """Add `data` and its subcommands."""
    data = sub.add_parser("data", help="gold data: statistics, import, rebuild").add_subparsers(
        dest="data_command", required=True
    )
    p = data.add_parser("stats", help="records and mentions per split")
    p.add_argument("task")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_data_stats)
    p = data.add_parser("import", help="add a file in a known format to a task's data")
    p.add_argument("format", help="one of: " + ", ".join(IMPORT_FORMATS))
    p.add_argument("path")
    p.add_argument("--task", required=True)
    p.add_argument("--split", default="user")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_data_import)
    p = data.add_parser("build", help="rebuild the shipped gold data from the original corpora")
    p.add_argument("source", nargs="?", default=None)
    p.set_defaults(func=cmd_data_build)


def cmd_data_stats(args: argparse.Namespace) -> int:
    spec = get_spec(args.task)
    kind = kind_for(spec)
    splits = {name: kind.split_stats(spec, gold.load_split(spec, name)) for name in gold.split_counts(spec)}
    result = {"task": spec.id, "splits": splits}
    human = "\n".join(
        f"{name}: {s['records']} records, labels {s['labels']}"
        + (f", relations {s['relations']}" if "relations" in s else "")
        for name, s in splits.items()
    )
    return emit(args, result, f"{spec.id}\n{human}")


def cmd_data_import(args: argparse.Namespace) -> int:
    result = import_file(args.format, args.path, args.task, args.split)
    human = f"imported {result['splits']} into {args.task}; skipped {result['skipped'] or 'nothing'}"
    return emit(args, result, human)


def cmd_data_build(args: argparse.Namespace) -> int:
    from medui.backend.data.build import build_real_assets
    from medui.config import ASSETS_DATA_DIR, get_settings

    source = Path(args.source) if args.source else get_settings().shared_data_dir
    if not source.is_dir():
        raise InputError(f"{source}: no such folder (the original corpora, laid out as shared/data)")
    return emit(args, build_real_assets(source, ASSETS_DATA_DIR))
