"""The one output helper of the CLI: JSON with --json (or always, without a human form), else the human text."""

from __future__ import annotations

import argparse
import json


def emit(args: argparse.Namespace, obj, human: str | None = None) -> int:
    """Print `obj` as JSON when asked (--json) or when there is no human text, else `human`; exit code 0."""
    if human is None or getattr(args, "json", False):
        print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
    else:
        print(human)
    return 0
