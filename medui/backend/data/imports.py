"""Importing a file in a known format into a task's user data (`medui data import`, the app's uploads)."""

from __future__ import annotations

import importlib
from pathlib import Path

from medui.backend.data import gold
from medui.backend.data.common import ImportReport, read_jsonl, write_jsonl
from medui.backend.data.inputs import InputError, validate_gold
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec

IMPORT_FORMATS = {
    "jsonl": "medui.backend.data.imports:import_gold_jsonl",
    "e3c-xmi": "medui.backend.data.e3c:import_e3c_xmi",
    "casimedicos-tsv": "medui.backend.data.casimedicos:import_casimedicos_tsv",
    "abstrct-tsv": "medui.backend.data.abstrct:import_abstrct_tsv",
    "pharmaer-bio": "medui.backend.data.pharmaer:import_pharmaer_bio",
    "medqa-parquet": "medui.backend.data.mcqa:import_medqa_parquet",
    "medmcqa-parquet": "medui.backend.data.mcqa:import_medmcqa_parquet",
    "imb-mcqa-json": "medui.backend.data.mcqa:import_imb_mcqa_json",
    "dimmi": "medui.backend.data.dimmi:import_dimmi",
    "conll": "medui.backend.data.record_files:import_conll",
    "brat": "medui.backend.data.record_files:import_brat",
    "hf": "medui.backend.data.record_files:import_hf",
}


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
