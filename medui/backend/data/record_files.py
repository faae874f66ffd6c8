"""Records to and from files in the export formats: jsonl, conll, brat (span and relation families) and hf (a
`datasets` folder). `write_records` writes a task's records in a format, all or nothing; `import_export` reads
them back, and `import_report` gives the records that fit the task as `medui data import` wants them (its conll,
brat and hf formats). Records keep the gold format, so writing then reading gives the same records. The CoNLL
and brat codecs are formats.py; what the store exports (the records in force) is store/export.py.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from medui.backend.data import formats
from medui.backend.data.common import DataError, ImportReport, read_jsonl, replaced_whole, write_jsonl
from medui.backend.store.db import StoreError
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

EXPORT_FORMATS = ("jsonl", "conll", "brat", "hf")
FORMAT_FAMILIES = {"conll": ("ner", "am"), "brat": ("ner", "am", "re")}
HF_JSON_COLUMNS = {"crf": ("fields",)}  # values arrow cannot type across records: stored as JSON text
HF_OPTIONAL = ("context", "options")


class ExportError(StoreError):
    """An export or import that cannot be done as asked (format, task, nothing to export); a StoreError, as
    the store's export (store/export.py) raises it too."""


def check_format(fmt: str, spec: TaskSpec) -> None:
    """Refuse an unknown format, or one that cannot hold the task's records."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    families = FORMAT_FAMILIES.get(fmt)
    if families and spec.family not in families:
        raise ExportError(
            f"format {fmt} holds {'/'.join(families)} records, but {spec.id} is a {spec.family} task: "
            "use jsonl or hf"
        )


def write_records(spec: TaskSpec, fmt: str, records: list[dict], out: Path) -> int:
    """Write records in a format (a file for jsonl and conll, a folder otherwise); entities left out.

    All or nothing: everything is written beside `out` under a name of its own and moved into place at the end,
    so a failure leaves `out` as it was and no temporary file or folder."""
    check_format(fmt, spec)
    if fmt in ("jsonl", "conll"):
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "jsonl":
            write_jsonl(out, records)
            return 0
        with replaced_whole(out) as tmp:
            return formats.write_conll(records, tmp)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if fmt == "brat":
        _write_brat(spec, records, out)
    else:
        _write_hf(spec, records, out)
    return 0


def _write_brat(spec: TaskSpec, records: list[dict], out: Path) -> None:
    """A brat folder, written aside and then moved in (over the files of an earlier export of the same name)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".writing", dir=out.parent))  # ours alone
    try:
        formats.write_brat(records, tmp, brat_conf(spec))
        if out.exists():
            for path in tmp.iterdir():
                path.replace(out / path.name)
        else:
            tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def brat_conf(spec: TaskSpec) -> str:
    """brat's annotation.conf for a task."""
    heads = "|".join(spec.relation_heads) or "<ENTITY>"
    tails = "|".join(spec.relation_tails) or "<ENTITY>"
    return formats.annotation_conf(list(spec.labels), dict.fromkeys(spec.relation_labels, (heads, tails)))


def _write_hf(spec: TaskSpec, records: list[dict], out: Path) -> None:
    """A `datasets` folder (save_to_disk) of gold-format rows; see HF_JSON_COLUMNS."""
    import datasets

    encoded = HF_JSON_COLUMNS.get(spec.family, ())
    rows = [
        {k: json.dumps(v, ensure_ascii=False) if k in encoded else v for k, v in r.items()} for r in records
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".writing", dir=out.parent))  # ours alone
    try:
        datasets.Dataset.from_list(rows).save_to_disk(str(tmp))
        if (
            out.exists()
        ):  # an earlier export (export() asked for --force): moved aside until the new one is in
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            out.rename(old / out.name)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_hf(spec: TaskSpec, path: Path) -> list[dict]:
    """Gold-format records from a `datasets` folder written by export."""
    import datasets

    try:
        dataset = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise DataError(f"{path}: not a datasets folder ({exc})") from exc
    if isinstance(dataset, datasets.DatasetDict):
        dataset = datasets.concatenate_datasets(list(dataset.values()))
    encoded = HF_JSON_COLUMNS.get(spec.family, ())
    return [_hf_record(row, encoded) for row in dataset]


def _hf_record(row: dict, encoded: tuple[str, ...]) -> dict:
    """A row back to a record: JSON columns decoded, the nulls arrow added to rows and items dropped."""
    record = {}
    for key, value in row.items():
        if key in encoded and isinstance(value, str):
            value = json.loads(value)
        if value is None and key in HF_OPTIONAL:
            continue
        if key in ("entities", "relations") and isinstance(value, list):
            value = [{k: v for k, v in item.items() if v is not None} for item in value]
        record[key] = value
    return record


def import_export(fmt: str, path: str | Path, task: str) -> list[dict]:
    """Records read from a file or folder in one of the export formats (not yet validated)."""
    spec = get_spec(task)
    check_format(fmt, spec)
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if fmt == "jsonl":
        return read_jsonl(path)
    if fmt == "conll":
        return formats.read_conll(path)
    if fmt == "brat":
        return formats.read_brat(path, with_relations=kind_for(spec).relations)
    return _read_hf(spec, path)


def import_report(fmt: str, path: str | Path, task: str, split: str = "user") -> ImportReport:
    """An ImportReport (as `medui data import` wants) of the records that fit the task; the others skipped."""
    spec, report = get_spec(task), ImportReport()
    kind = kind_for(spec)
    for record in import_export(fmt, path, task):
        problems = kind.validate_record(spec, record)
        if problems:
            report.skip(f"does not fit the task: {problems[0]}")
        else:
            report.add(split, record)
    return report


def import_conll(path: Path, task: str, split: str = "user") -> ImportReport:
    return import_report("conll", path, task, split)


def import_brat(path: Path, task: str, split: str = "user") -> ImportReport:
    return import_report("brat", path, task, split)


def import_hf(path: Path, task: str, split: str = "user") -> ImportReport:
    return import_report("hf", path, task, split)
