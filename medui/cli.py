"""The `medui` command: tasks, data, models, run, eval, score, study (and the app and training commands).

Every bad input ends with exit code 2 and one line on stderr saying what is wrong.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")  # outlines_core's torch kernels would compile for seconds
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub at run time
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from medui import cli_app, cli_backup, cli_store, cli_train, commands  # noqa: E402
from medui.backend.data.common import DataError  # noqa: E402
from medui.backend.engine import STRATEGIES, StrategyError  # noqa: E402
from medui.backend.gold import UnknownSplit  # noqa: E402
from medui.backend.inputs import InputError  # noqa: E402
from medui.backend.models import ModelError  # noqa: E402
from medui.backend.store.db import StoreError  # noqa: E402
from medui.tasks.registry import UnknownTask  # noqa: E402

USER_ERRORS = (UnknownTask, UnknownSplit, ModelError, StrategyError, InputError, DataError, StoreError)


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="bundled name, model folder, cached hub id or adapter name")
    p.add_argument("--device", default=None, help="auto (default), cpu or cuda")
    p.add_argument("--dtype", default=None, help="auto (default), float32, bfloat16 or float16")


def _strategy_args(p: argparse.ArgumentParser, default: str = "few-shot+cd") -> None:
    p.add_argument("--strategy", default=default, help=" | ".join(STRATEGIES))
    p.add_argument("--shots", type=int, default=None, help="few-shot examples (default: the task's)")
    p.add_argument("--seed", type=int, default=0, help="seed choosing the few-shot examples")
    p.add_argument("--batch-size", type=int, default=None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medui", description="Italian clinical NLP on small language models"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tasks", help="list the tasks")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("models", help="list the model variants")
    p.add_argument("--json", action="store_true")

    data = sub.add_parser("data", help="gold data: statistics, import, rebuild").add_subparsers(
        dest="data_command", required=True
    )
    p = data.add_parser("stats", help="records and mentions per split")
    p.add_argument("task")
    p.add_argument("--json", action="store_true")
    p = data.add_parser("import", help="add a file in a known format to a task's data")
    p.add_argument("format", help="one of: " + ", ".join(commands.IMPORT_FORMATS))
    p.add_argument("path")
    p.add_argument("--task", required=True)
    p.add_argument("--split", default="user")
    p.add_argument("--json", action="store_true")
    p = data.add_parser("build", help="rebuild the shipped gold data from the original corpora")
    p.add_argument("source", nargs="?", default=None)

    p = sub.add_parser("run", help="run a task on one text")
    p.add_argument("--task", required=True)
    _model_args(p)
    _strategy_args(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text")
    src.add_argument("--file")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="evaluate a model on a task split")
    p.add_argument("--task", required=True)
    _model_args(p)
    _strategy_args(p)
    p.add_argument("--split", default=None, help="default: the task's evaluation split (test)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--out", default=None, help="write the predictions as JSONL")
    p.add_argument("--save", action="store_true", help="store the run and its predictions in the database")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("score", help="score a prediction file against gold")
    p.add_argument("--task", required=True)
    p.add_argument("--gold", required=True)
    p.add_argument("--pred", required=True)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("study", help="model x strategy x task table, as in the paper")
    p.add_argument("--tasks", required=True, help="comma-separated task ids, or 'all' or 'real'")
    p.add_argument("--models", default="gemma-3-270m")
    p.add_argument("--strategies", default="zero-shot,few-shot,cd,few-shot+cd")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--shots", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--device", default=None)
    p.add_argument("--dtype", default=None)
    p.add_argument("--out", required=True)
    cli_store.register(sub)
    cli_train.register(sub)
    cli_app.register(sub)
    cli_backup.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in cli_app.COMMANDS:
            return cli_app.dispatch(args)
        if args.command in cli_store.COMMANDS:
            return cli_store.dispatch(args)
        if args.command in cli_train.COMMANDS:
            return cli_train.dispatch(args)
        if args.command in cli_backup.COMMANDS:
            return cli_backup.dispatch(args)
        return commands.dispatch(args)
    except USER_ERRORS as exc:
        print(f"medui: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"medui: error: {exc.filename}: no such file", file=sys.stderr)
        return 2
    except (PermissionError, IsADirectoryError, NotADirectoryError) as exc:  # a path the user gave
        print(f"medui: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        print("medui: error: a file or model name is too long", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("medui: interrupted", file=sys.stderr)
        return 130


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def out_dir(path: str) -> Path:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


if __name__ == "__main__":
    sys.exit(main())
