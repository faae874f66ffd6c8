"""`medui tasks` and `medui models`: what can be run."""

from __future__ import annotations

import argparse
import contextlib

from medui.backend import gold
from medui.cli.output import emit
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


def task_summary(spec: TaskSpec) -> dict:
    card = gold.card(spec)
    return {
        "id": spec.id,
        "family": spec.family,
        "name": spec.name,
        "version": spec.version,
        "labels": spec.label_names,
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
    from medui.backend import models
    from medui.backend.finetune import jobs
    from medui.backend.store.db import StoreError

    with contextlib.suppress(StoreError):  # no database: the listing still works
        jobs.sweep()  # an adapter left by a job whose worker died is removed before it could be listed
    rows = models.list_variants()
    from medui.backend.serving import listed_models

    served, error = listed_models()  # the models of MEDUI_OPENAI_BASE_URL, when one is configured
    rows += [
        {"name": n, "kind": "server", "description": "", "converted": True, "default": False} for n in served
    ]
    if error:
        rows.append(
            {"name": "openai:?", "kind": "server", "description": error, "converted": False, "default": False}
        )
    human = "\n".join(f"{r['name']:<28} {r['kind']:<8} {r.get('description', '')}" for r in rows)
    return emit(args, rows, human)
