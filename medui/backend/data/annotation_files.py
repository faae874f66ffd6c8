"""Annotations from other tools, read as gold-format records to import as corrections (`medui corrections import
--format`): medui's JSONL, BRAT standoff, CoNLL/IOB, doccano JSONL, Label Studio JSON and UIMA CAS XMI (XMI in
annotation_xmi.py).

Each reader gives one `Incoming` a record of the file, in file order: the record (its `id` when the format keeps
one, else None, and its `text`), or the reason it cannot be read, with where it is in the file ("line 3",
"doc01.ann", "task 2"). The store matches each record to a document (by id, else by text) and checks it against
the task (store/corrections_import.py); nothing here knows the store. Span offsets are turned into the gold
format's (Python string indices, end exclusive); labels are kept as the file has them, for the check to name a
label outside the task's.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from medui.backend.data import formats
from medui.backend.data.annotation_xmi import read_xmi_records
from medui.backend.data.common import DataError, read_text_lines
from medui.backend.data.e3c_xmi import utf16_indexer
from medui.backend.data.incoming import Incoming, numbered
from medui.tasks.spec import TaskSpec

CORRECTION_FORMATS = ("jsonl", "brat", "conll", "doccano", "labelstudio", "xmi")
SPAN_FAMILIES = ("ner", "am", "re")
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # what a zip of annotations may hold once extracted


def check_format(fmt: str, spec: TaskSpec) -> None:
    """Refuse a format medui cannot read corrections from, or one that holds no records of the task's family."""
    if fmt not in CORRECTION_FORMATS:
        raise DataError(f"unknown format {fmt!r}: use one of {', '.join(CORRECTION_FORMATS)}")
    if fmt != "jsonl" and spec.family not in SPAN_FAMILIES:
        raise DataError(f"format {fmt} holds spans, but {spec.id} is a {spec.family} task: use jsonl")


def read_annotations(fmt: str, path: str | Path, spec: TaskSpec) -> list[Incoming]:
    """Every record of a file (or folder, or zip) in a format, as Incoming (see the module docstring)."""
    check_format(fmt, spec)
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    relations = tuple(spec.relation_labels)
    if fmt == "jsonl":
        return read_jsonl_records(path)
    if fmt == "brat":
        with folder_of(path) as folder:
            return read_brat_records(folder, bool(relations))
    if fmt == "conll":
        return read_conll_records(path)
    if fmt == "doccano":
        return [_doccano(item, relations) for item in read_jsonl_records(path)]
    if fmt == "labelstudio":
        return read_labelstudio(path, relations)
    with folder_of(path) as folder:
        return read_xmi_records(folder, spec)


# files, folders and zips --------------------------------------------------------------------------------------
@contextmanager
def folder_of(path: Path) -> Iterator[Path]:
    """A folder to read: the path itself, or a zip's files extracted in a temporary folder removed afterwards
    (members outside the zip's own folder, and zips that would grow past MAX_UNZIPPED_BYTES, are refused)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise DataError(f"{path}: neither a folder nor a zip")
    tmp = Path(tempfile.mkdtemp(prefix="medui-import-"))
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise DataError(f"{path}: over {MAX_UNZIPPED_BYTES // 2**20} MB once extracted")
            for member in members:
                target = (tmp / member.filename).resolve()
                if not target.is_relative_to(tmp.resolve()):
                    raise DataError(f"{path}: {member.filename!r} points outside the zip")
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        yield tmp
    except zipfile.BadZipFile as exc:
        raise DataError(f"{path}: not a readable zip ({exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_jsonl_records(path: Path) -> list[Incoming]:
    """A JSONL file's non-blank lines: each an object (its record), else a problem."""
    out = []
    for number, line in enumerate(read_text_lines(path, text_only=True), start=1):
        if not line.strip():
            continue
        item = Incoming(number, f"line {number}")
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            item.problem = f"not valid JSON ({getattr(exc, 'msg', 'nested too deep')})"
        else:
            item.record, item.problem = (
                (value, None) if isinstance(value, dict) else (None, "not a JSON object")
            )
        out.append(item)
    return out


# BRAT and CoNLL: the export's own readers, a record at a time --------------------------------------------------
def read_brat_records(folder: Path, relations: bool) -> list[Incoming]:
    """A record per DOC.ann beside its DOC.txt (a medui export's manifest.json gives the ids; else the file
    names, which match a document by id or, when none has it, by text)."""
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        anns = sorted(folder.rglob("*.ann"))
        manifest = {str(p.relative_to(folder).with_suffix("")): p.stem for p in anns}
    if not manifest:
        raise DataError(f"{folder}: no .ann files")
    out = []
    for number, (stem, rid) in enumerate(manifest.items(), start=1):
        item = Incoming(number, f"{stem}.ann")
        try:
            item.record = formats.brat_record(folder, stem, str(rid), with_relations=relations)
        except (DataError, UnicodeDecodeError) as exc:
            item.problem = str(exc) if isinstance(exc, DataError) else f"not valid UTF-8 (byte {exc.start})"
        out.append(item)
    return out


def read_conll_records(path: Path) -> list[Incoming]:
    """A record per CoNLL block (a DOCSTART line, or lines between blank ones): with a `# text = ` line its text
    and DOCSTART id, else its tokens (`tokens_only`), matched on the text without whitespace."""
    if path.is_dir():
        raise DataError(f"{path}: a CoNLL file is one file, not a folder")
    try:
        blocks = formats.conll_blocks(path)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    if not blocks:
        raise DataError(f"{path}: no records")
    out = []
    for number, block in enumerate(blocks, start=1):
        first = block["rows"][0][0] if block["rows"] else None
        item = Incoming(number, f"block {number}" + (f" (line {first})" if first else ""), rows=block["rows"])
        item.tokens_only = "text" not in block
        try:
            record = formats.conll_record(block, path)
        except DataError as exc:
            item.problem = str(exc).removeprefix(f"{path}: ")
        else:
            item.record = {**record, "id": block["id"] if block.get("named") else None}
        out.append(item)
    return out


# doccano and Label Studio -------------------------------------------------------------------------------------
def _offsets(start, end, text: str, mention, js: bool) -> tuple[int, int] | str:
    """Python offsets of a span, or what is wrong; `js`: offsets may count UTF-16 units (a browser's), used when
    the mention the file gives fits them and not the plain ones."""
    if not (type(start) is int and type(end) is int and 0 <= start < end):
        return f"offsets {start!r}..{end!r} are not a span"
    if js and isinstance(mention, str) and text[start:end] != mention:
        to_index = utf16_indexer(text)
        s, e = to_index(start), to_index(end)
        if s is not None and e is not None and text[s:e] == mention:
            return s, e
    if end > len(text):
        return f"offsets {start}..{end} outside the text (length {len(text)})"
    if isinstance(mention, str) and text[start:end] != mention:
        return f"text {mention!r} differs from the text at {start}..{end} ({text[start:end]!r})"
    return start, end


def _doccano(item: Incoming, relations: tuple[str, ...]) -> Incoming:
    """A doccano export line: `label` [[start, end, LABEL]] (sequence labelling), or `entities` with
    start_offset/end_offset and `relations` with from_id/to_id/type (relation extraction)."""
    raw = item.record
    if raw is None:
        return item
    text = raw.get("text")
    if not isinstance(text, str):
        return Incoming(item.at, item.where, problem="no text")
    spans, links, problems = [], [], []
    if isinstance(raw.get("entities"), list):
        for n, ent in enumerate(raw["entities"]):
            ent = ent if isinstance(ent, dict) else {}
            where = _offsets(ent.get("start_offset"), ent.get("end_offset"), text, None, js=False)
            if isinstance(where, str):
                problems.append(f"entities[{n}]: {where}")
            else:
                spans.append((ent.get("id", n), *where, ent.get("label")))
        for rel in raw.get("relations") or []:
            rel = rel if isinstance(rel, dict) else {}
            links.append((rel.get("from_id"), rel.get("to_id"), rel.get("type")))
    else:
        labels = raw.get("label", raw.get("labels", []))
        for n, triple in enumerate(labels if isinstance(labels, list) else [None]):
            if not (isinstance(triple, list) and len(triple) == 3):
                problems.append(f"label[{n}] is not [start, end, LABEL]")
                continue
            where = _offsets(triple[0], triple[1], text, None, js=False)
            if isinstance(where, str):
                problems.append(f"label[{n}]: {where}")
            else:
                spans.append((n, *where, triple[2]))
    if problems:
        return Incoming(item.at, item.where, problem="; ".join(problems))
    record = {"id": raw.get("id"), **numbered(text, spans, links, relations)}
    return Incoming(item.at, item.where, record=record)


def read_labelstudio(path: Path, relations: tuple[str, ...]) -> list[Incoming]:
    """A Label Studio JSON export: a list of tasks, each `data.text` (and `data.id`, a record id, when the
    tasks were imported with one), and one annotation whose `labels` results are spans (value.start/end/labels)
    and `relation` results links (from_id, to_id, direction, labels). Tasks nobody annotated are left out."""
    try:
        tasks = json.loads("\n".join(read_text_lines(path, text_only=True)))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise DataError(f"{path}: not valid JSON ({getattr(exc, 'msg', 'nested too deep')})") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list) or not tasks:
        raise DataError(f"{path}: not a Label Studio export (a JSON list of tasks)")
    out = []
    for number, task in enumerate(tasks, start=1):
        task = task if isinstance(task, dict) else {}
        where = f"task {number}" + (f" (id {task['id']})" if "id" in task else "")
        annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
        annotations = [a for a in annotations if not a.get("was_cancelled")]
        if not annotations:
            continue  # not annotated: nothing to import
        item = Incoming(number, where)
        data = task.get("data") if isinstance(task.get("data"), dict) else {}
        if not isinstance(data.get("text"), str):
            item.problem = "no data.text"
        elif len(annotations) > 1:
            item.problem = f"{len(annotations)} annotations: export one annotator's, one a task"
        else:
            record = _labelstudio_record(data["text"], annotations[0].get("result") or [], relations)
            item.record, item.problem = (
                (None, record) if isinstance(record, str) else ({"id": data.get("id"), **record}, None)
            )
        out.append(item)
    return out


def _labelstudio_record(text: str, results: list, relations: tuple[str, ...]) -> dict | str:
    """A record from one annotation's results, or what is wrong with them."""
    spans, links, problems = [], [], []
    for n, result in enumerate(results):
        result = result if isinstance(result, dict) else {}
        value = result.get("value") if isinstance(result.get("value"), dict) else {}
        if result.get("type") == "labels":
            where = _offsets(value.get("start"), value.get("end"), text, value.get("text"), js=True)
            labels = value.get("labels") if isinstance(value.get("labels"), list) else []
            if isinstance(where, str) or not labels:
                problems.append(
                    f"result[{n}]: {where if isinstance(where, str) else 'a span without a label'}"
                )
                continue
            spans += [(result.get("id"), *where, label) for label in labels]
        elif result.get("type") == "relation":
            head, tail = result.get("from_id"), result.get("to_id")
            if result.get("direction") == "left":
                head, tail = tail, head
            for label in result.get("labels") or [None]:
                links.append((head, tail, label))
    if problems:
        return "; ".join(problems)
    return numbered(text, spans, links, relations)
