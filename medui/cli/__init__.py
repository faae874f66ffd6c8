"""The `medui` command: tasks, data, models, run, eval, score, study, store, team, training, app and backup commands.

One module a command group (tasks, data, run, store, team, train, serve, backup); each registers its subparsers with
`set_defaults(func=...)`, and `main` calls that function. Heavy imports (torch, gradio) happen inside commands that
need them. Every user error (a MeduiError) ends with exit code 2 and one line on stderr saying what is wrong.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")  # outlines_core's torch kernels would compile for seconds
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a model hub at run time
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from medui.cli import backup, data, phi, run, serve, store, tasks, team, train  # noqa: E402
from medui.errors import MeduiError  # noqa: E402

GROUPS = (tasks, data, run, phi, store, team, train, serve, backup)  # the order of `medui --help`


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medui", description="Italian clinical NLP on small language models"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MeduiError as exc:
        print(f"medui: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"medui: error: {exc.filename}: no such file", file=sys.stderr)
        return 2
    except (PermissionError, IsADirectoryError, NotADirectoryError) as exc:  # a path the user gave
        print(f"medui: error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`medui jobs --json | head`): nothing more to tell it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush fails quietly
        return 141  # as a command stopped by SIGPIPE
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        print("medui: error: a file or model name is too long", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("medui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
