"""The CLI's commands as plain functions over parsed arguments; they call the backend and print."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
from collections import Counter
from pathlib import Path

from medui.backend import gold
from medui.backend.data.common import DataError, ImportReport, read_jsonl, write_jsonl
from medui.backend.inputs import InputError, read_text_file, record_from_input, validate_gold
from medui.tasks.kinds import kind_for
from medui.tasks.registry import all_specs, get_spec
from medui.tasks.spec import TaskSpec

IMPORT_FORMATS = {
    "jsonl": "medui.commands:import_gold_jsonl",
    "e3c-xmi": "medui.backend.data.e3c:import_e3c_xmi",
    "casimedicos-tsv": "medui.backend.data.casimedicos:import_casimedicos_tsv",
    "abstrct-tsv": "medui.backend.data.abstrct:import_abstrct_tsv",
    "pharmaer-bio": "medui.backend.data.pharmaer:import_pharmaer_bio",
    "medqa-parquet": "medui.backend.data.mcqa:import_medqa_parquet",
    "medmcqa-parquet": "medui.backend.data.mcqa:import_medmcqa_parquet",
    "imb-mcqa-json": "medui.backend.data.mcqa:import_imb_mcqa_json",
    "dimmi": "medui.backend.data.dimmi:import_dimmi",
    "conll": "medui.backend.store.export:import_conll",
    "brat": "medui.backend.store.export:import_brat",
    "hf": "medui.backend.store.export:import_hf",
}


def dispatch(args: argparse.Namespace) -> int:
    name = args.command if args.command != "data" else f"data_{args.data_command}"
    return COMMANDS[name](args)


def _print(args: argparse.Namespace, obj, human: str) -> int:
    print(json.dumps(obj, ensure_ascii=False, indent=2) if getattr(args, "json", False) else human)
    return 0


# tasks and data -----------------------------------------------------------------------------------------
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
    return _print(args, rows, "\n".join(lines))


def split_stats(spec: TaskSpec, records: list[dict]) -> dict:
    """Records, label mentions (values for forms, answers for QA) and relation links of one split."""
    labels: Counter = Counter()
    relations: Counter = Counter()
    for rec in records:
        if spec.family == "crf":
            labels.update(
                k for k, v in rec.get("fields", {}).items() if v not in (None, [], "non_menzionato")
            )
        elif spec.family == "qa":
            labels[str(rec.get("answer")) if spec.answer_format == "multiple_choice" else "answer"] += 1
        else:
            labels.update(e["label"] for e in rec.get("entities", []))
        relations.update(r["label"] for r in rec.get("relations", []))
    out = {"records": len(records), "labels": dict(sorted(labels.items()))}
    if spec.family == "re":
        out["relations"] = dict(sorted(relations.items()))
    return out


def cmd_data_stats(args: argparse.Namespace) -> int:
    spec = get_spec(args.task)
    splits = {name: split_stats(spec, gold.load_split(spec, name)) for name in gold.split_counts(spec)}
    result = {"task": spec.id, "splits": splits}
    human = "\n".join(
        f"{name}: {s['records']} records, labels {s['labels']}"
        + (f", relations {s['relations']}" if "relations" in s else "")
        for name, s in splits.items()
    )
    return _print(args, result, f"{spec.id}\n{human}")


def import_gold_jsonl(path: Path, task: str, split: str = "user") -> ImportReport:
    """A file already in the gold format; records that do not fit the task are skipped and counted."""
    spec, report = get_spec(task), ImportReport()
    kind = kind_for(spec)
    for record in read_jsonl(path):
        problems = kind.validate_record(spec, record)
        if problems:
            report.skip(f"does not fit the task: {problems[0].split(':')[0]}")
        else:
            report.add(split, record)
    return report


def _importer(fmt: str):
    if fmt not in IMPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(IMPORT_FORMATS)}")
    module, func = IMPORT_FORMATS[fmt].split(":")
    return getattr(importlib.import_module(module), func)


def import_file(fmt: str, path: str | Path, task: str, split: str = "user") -> dict:
    """Import a file into the user data of a task; records with an id already there replace it."""
    spec = get_spec(task)
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    try:
        report: ImportReport = _importer(fmt)(path, task=task, split=split)
    except UnicodeDecodeError as exc:  # an importer that reads text without checking its encoding
        raise InputError(f"{path}: not valid UTF-8 text (byte {exc.start})") from None
    except RecursionError:  # JSON nested deeper than the parser goes
        raise InputError(f"{path}: JSON nested too deeply") from None
    summary = report.summary()
    for name, records in report.records.items():
        validate_gold(spec, records, str(path))
        target = gold.user_split_path(spec, name)
        existing = read_jsonl(target) if target.exists() else []
        new_ids = {str(r.get("id")) for r in records}
        kept = [r for r in existing if str(r.get("id")) not in new_ids]
        write_jsonl(target, kept + records)
        summary.setdefault("written", {})[name] = str(target)
    return {"task": task, "format": fmt, "source": str(path), **summary}


def cmd_data_import(args: argparse.Namespace) -> int:
    result = import_file(args.format, args.path, args.task, args.split)
    human = f"imported {result['splits']} into {args.task}; skipped {result['skipped'] or 'nothing'}"
    return _print(args, result, human)


def cmd_data_build(args: argparse.Namespace) -> int:
    from medui.backend.data.build import build_real_assets
    from medui.config import ASSETS_DATA_DIR, get_settings

    source = Path(args.source) if args.source else get_settings().shared_data_dir
    if not source.is_dir():
        raise InputError(f"{source}: no such folder (the original corpora, laid out as shared/data)")
    print(json.dumps(build_real_assets(source, ASSETS_DATA_DIR), indent=2))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from medui.backend import models
    from medui.backend.finetune import jobs
    from medui.backend.store.db import StoreError

    with contextlib.suppress(StoreError):  # no database: the listing still works
        jobs.sweep()  # an adapter left by a job whose worker died is removed before it could be listed
    rows = models.list_variants()
    human = "\n".join(f"{r['name']:<28} {r['kind']:<8} {r.get('description', '')}" for r in rows)
    return _print(args, rows, human)


# running models ---------------------------------------------------------------------------------------
def _engine(args: argparse.Namespace, spec: TaskSpec):
    from medui.backend import runner

    return runner.build_engine(
        args.model, spec, args.strategy, shots=args.shots, seed=args.seed, batch_size=args.batch_size,
        device=args.device, dtype=args.dtype,
    )  # fmt: skip


def cmd_run(args: argparse.Namespace) -> int:
    spec = get_spec(args.task)
    text = read_text_file(args.file) if args.file else args.text
    record = record_from_input(spec, text)
    from medui.backend import runner

    engine = _engine(args, spec)
    prediction = runner.predict(engine, [record])[0]
    result = {
        **prediction.record,
        "model": engine.lm.name,
        "strategy": engine.strategy.name,
        "seconds": round(prediction.latency, 3),
        "output_tokens": prediction.output_tokens,
        "confidence": prediction.confidence,
    }
    return _print(args, result, render_human(spec, prediction.record))


def render_human(spec: TaskSpec, record: dict) -> str:
    if record.get("valid") is False:
        return f"invalid output: {record.get('error')}"
    if spec.family == "crf":
        return "\n".join(f"{k}: {v}" for k, v in record["fields"].items())
    if spec.family == "qa":
        return f"risposta: {record['answer']}"
    lines = [f"{e['start']:>5}-{e['end']:<5} {e['label']:<12} {e['text']}" for e in record["entities"]]
    lines += [f"{r['head']} -{r['label']}-> {r['tail']}" for r in record.get("relations", [])]
    return "\n".join(lines) or "(nessuna menzione)"


def cmd_eval(args: argparse.Namespace) -> int:
    from medui.backend import runner
    from medui.backend.evaluation import load_eval_records

    spec = get_spec(args.task)
    split = args.split or spec.eval_split
    records = load_eval_records(spec, split, args.limit)
    if not records:
        raise InputError(f"task {spec.id}: the split has no records")
    result = runner.evaluate(_engine(args, spec), records)
    if args.save:
        parameters = {
            "limit": args.limit,
            "batch_size": args.batch_size,
            "device": args.device,
            "dtype": args.dtype,
        }
        run = runner.save_eval(result, spec, split, records=records, parameters=parameters)
        result.metrics["run_id"] = run.id
    if args.out:
        write_jsonl(args.out, [p.record for p in result.predictions])
    m = result.metrics
    human = (
        f"{spec.id} {m['model']} {m['strategy']}: {m['primary']}={m[m['primary']]:.4f} n={m['n']} "
        f"valid_rate={m['valid_rate']:.2f} {m['seconds']}s {m['output_tokens_per_s']} tok/s"
    )
    return _print(args, m, human)


def cmd_score(args: argparse.Namespace) -> int:
    from medui.backend.evaluation import score

    spec = get_spec(args.task)
    golds, preds = read_jsonl(args.gold), read_jsonl(args.pred)
    validate_gold(spec, golds, args.gold)
    for number, pred in enumerate(preds, start=1):
        if "id" not in pred:
            raise DataError(f"{args.pred}: record {number} has no id")
    result = {"task": spec.id, **score(spec, golds, preds)}
    return _print(
        args, result, f"{spec.id}: {result['primary']}={result[result['primary']]:.4f} n={result['n']}"
    )


def cmd_study(args: argparse.Namespace) -> int:
    from medui.backend.study import expand_tasks, run_study

    table = run_study(
        expand_tasks(args.tasks), _names(args.models), _names(args.strategies), args.out, limit=args.limit,
        shots=args.shots, seed=args.seed, batch_size=args.batch_size, device=args.device, dtype=args.dtype,
    )  # fmt: skip
    print(table.to_markdown())
    return 0


def _names(csv: str) -> list[str]:
    return [name.strip() for name in csv.split(",") if name.strip()]


COMMANDS = {
    "tasks": cmd_tasks,
    "models": cmd_models,
    "data_stats": cmd_data_stats,
    "data_import": cmd_data_import,
    "data_build": cmd_data_build,
    "run": cmd_run,
    "eval": cmd_eval,
    "score": cmd_score,
    "study": cmd_study,
}
