"""Import an annotator's corrections from a JSONL file in the export format (gold-format records, one a line).

Each record is matched to a document of the task by its `id`: a stored document first, else a record of the
task's data on disk (the shipped splits and the user's imports), stored as a document with its gold. Every line
is checked before anything is written: one that is not JSON, has no or an unknown id, names an id twice or an id
found in several splits (`split` chooses), or does not fit the task's schema or its document's text refuses the
whole file, with every bad line's number, and nothing is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from medui.backend.data import gold
from medui.backend.data.common import DataError, read_text_lines
from medui.backend.store.corrections import CorrectionError, add_correction, checked_record
from medui.backend.store.repo import clean_record, ensure_documents, get_or_create_user, new_document, rows_in
from medui.backend.store.tables import Document
from medui.tasks import registry
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

SHOWN_PROBLEMS = 10


class CorrectionImportError(CorrectionError):
    """A corrections file refused as a whole; `problems` holds (line number, what is wrong) for every bad line."""

    def __init__(self, path: str, problems: list[tuple[int, str]], lines: int):
        shown = "; ".join(f"line {n}: {why}" for n, why in problems[:SHOWN_PROBLEMS])
        more = f"; and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__(
            f"{path}: {len(problems)} of {lines} lines refused, nothing stored: {shown}{more}",
            italian=f"{path}: {len(problems)} righe su {lines} rifiutate, nulla salvato: {shown}{more}",
        )
        self.problems = problems


@dataclass
class _Match:
    line: int
    record: dict
    document: Document | None = None  # a stored document
    split: str | None = None  # else the split on disk its gold record comes from
    gold: dict | None = None


def read_lines(path: str | Path) -> tuple[list[tuple[int, object]], list[tuple[int, str]]]:
    """(line number, parsed value) of every non-blank line, and the lines that are not JSON."""
    values, problems = [], []
    for number, line in enumerate(read_text_lines(path), start=1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except (json.JSONDecodeError, RecursionError) as exc:
            problems.append((number, f"not valid JSON ({getattr(exc, 'msg', 'nested too deep')})"))
    return values, problems


def _gold_on_disk(spec: TaskSpec, split: str | None) -> dict[str, list[tuple[str, dict]]]:
    """Record id -> [(split, gold record)] of the task's data on disk (one split when given)."""
    out: dict[str, list[tuple[str, dict]]] = {}
    for name, path in registry.split_files(spec, gold.data_roots()).items():
        if split is None or name == split:
            for record in registry.read_split(path):
                out.setdefault(str(record.get("id")), []).append((name, record))
    return out


def _match(spec: TaskSpec, values, split: str | None, *, session: Session) -> tuple[list[_Match], list]:
    """Each record's document (stored, or its gold on disk), and the lines that name none or several."""
    records = [(n, v) for n, v in values if isinstance(v, dict)]
    problems = [(n, "not a JSON object") for n, v in values if not isinstance(v, dict)]
    ids = {str(v["id"]) for _, v in records if v.get("id") not in (None, "")}
    query = select(Document).where(Document.task == spec.id)
    if split is not None:
        query = query.where(Document.split == split)
    stored: dict[str, list[Document]] = {}
    for doc in rows_in(query, Document.record_id, ids, session=session):
        stored.setdefault(doc.record_id, []).append(doc)
    on_disk = _gold_on_disk(spec, split) if ids - set(stored) else {}
    matches, first_line = [], {}
    for number, record in records:
        rid = record.get("id")
        if rid in (None, ""):
            problems.append((number, "the record has no id"))
            continue
        rid = str(rid)
        if rid in first_line:
            problems.append((number, f"id {rid!r} already on line {first_line[rid]}"))
            continue
        first_line[rid] = number
        docs, golds = stored.get(rid, []), on_disk.get(rid, [])
        where = docs or golds
        if not where:
            problems.append((number, f"unknown id {rid!r}: no document or gold record of {spec.id} has it"))
        elif len(where) > 1:
            splits = sorted(d.split for d in docs) if docs else sorted(s for s, _ in golds)
            problems.append(
                (number, f"id {rid!r} is in several splits ({', '.join(splits)}): choose with --split")
            )
        elif docs:
            matches.append(_Match(number, record, document=docs[0]))
        else:
            matches.append(_Match(number, record, split=golds[0][0], gold=golds[0][1]))
    return matches, problems


def _check(spec: TaskSpec, match: _Match) -> str | None:
    """What is wrong with a matched record (schema, text, id), or None."""
    doc = match.document or new_document(
        spec, match.split or "", match.gold or {}, source="gold", gold=clean_record(match.gold or {})
    )
    try:
        checked_record(spec, doc, match.record)
    except CorrectionError as exc:
        return str(exc)
    return None


def import_corrections(
    path: str | Path, task: str, annotator: str, *, session: Session, split: str | None = None
) -> dict:
    """Store every record of a file as a correction by `annotator` (see the module docstring); a summary.
    Whether the annotator may correct is checked above the store (service.corrections.import_corrections)."""
    spec = get_spec(task)
    user = get_or_create_user(annotator, "annotator", session=session)
    values, problems = read_lines(path)
    lines = len(values) + len(problems)
    if not lines:
        raise DataError(f"{path}: no records")
    matches, unmatched = _match(spec, values, split, session=session)
    problems += unmatched
    problems += [(m.line, why) for m in matches if (why := _check(spec, m)) is not None]
    if problems:
        raise CorrectionImportError(str(path), sorted(problems), lines)
    created = 0
    for m in matches:
        if m.document is None:
            (m.document,) = ensure_documents(spec.id, m.split, [m.gold], session=session, source="gold")  # type: ignore[arg-type,list-item]
            created += 1
    ids = [
        add_correction(m.record, user.name, document_id=m.document.id, session=session).id  # type: ignore[union-attr]
        for m in matches
    ]
    return {"task": spec.id, "annotator": user.name, "file": str(path), "stored": len(ids),
            "documents_created": created, "corrections": ids}  # fmt: skip
