"""`medui tasks`, `medui models` (what can be run) and `medui export-adapter` (an adapter for a server)."""

from __future__ import annotations

import argparse
import contextlib
import json

from medui.backend.data import gold
from medui.cli.output import emit
from medui.config import get_settings
from medui.tasks.kinds import kind_for
from medui.tasks.registry import all_specs
from medui.tasks.spec import TaskSpec


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `tasks` and `models` subcommands."""
    p = sub.add_parser("tasks", help="list the tasks")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tasks)
    p = sub.add_parser("models", help="list the model variants")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)
    p = sub.add_parser(
        "export-adapter", help="write an adapter as a PEFT folder that vLLM loads (--lora-modules)"
    )
    p.add_argument("name", help="adapter name (medui models) or adapter folder")
    p.add_argument("--out", required=True, help="the folder to write (new or empty)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export_adapter)


def task_summary(spec: TaskSpec) -> dict:
    card = gold.card(spec)
    return {
        "id": spec.id,
        "family": spec.family,
        "name": spec.name,
        "version": spec.version,
        "labels": kind_for(spec).label_names(spec),
        "relations": list(spec.relation_labels),
        "splits": gold.split_counts(spec),
        "origin": card.get("origin"),
        "licence": card.get("licence"),
    }


def cmd_tasks(args: argparse.Namespace) -> int:
    rows = [task_summary(spec) for spec in all_specs().values()]
    lines = [
        f"{r['id']:<32} {r['family']:<4} {' '.join(f'{k}={v}' for k, v in r['splits'].items())}" for r in rows
    ]
    return emit(args, rows, "\n".join(lines))


def cmd_models(args: argparse.Namespace) -> int:
    from medui.backend.finetune import jobs
    from medui.backend.inference import models
    from medui.backend.store.db import StoreError

    with contextlib.suppress(StoreError):  # no database: the listing still works
        jobs.sweep()  # an adapter left by a job whose worker died is removed before it could be listed
    rows = models.list_variants()
    if get_settings().openai_base_url:  # and the models of the configured server
        rows += _served_rows()
    human = "\n".join(f"{r['name']:<28} {r['kind']:<8} {r.get('description', '')}" for r in rows)
    return emit(args, rows, human)


def _served_rows() -> list[dict]:
    from medui.backend.inference.openai_client import listed_models

    served, error = listed_models()
    rows = [
        {"name": n, "kind": "server", "description": "", "converted": True, "default": False} for n in served
    ]
    if error:
        rows.append(
            {"name": "openai:?", "kind": "server", "description": error, "converted": False, "default": False}
        )
    return rows


def cmd_export_adapter(args: argparse.Namespace) -> int:
    from medui.backend.finetune.export import export_adapter

    out = export_adapter(args.name, args.out)
    config = json.loads((out / "adapter_config.json").read_text(encoding="utf-8"))
    base = config["base_model_name_or_path"]
    result = {"adapter": args.name, "out": str(out), "base_model_name_or_path": base}
    human = (
        f"{out}: PEFT adapter of {base}\n"
        f"serve it: vllm serve {base} --enable-lora --lora-modules {out.name}={out}\n"
        f"run it:   medui run --model openai:{out.name} --base-url http://HOST:8000/v1 ..."
    )
    return emit(args, result, human)
