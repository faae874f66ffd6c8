"""Export the corrected data of a task (jsonl, conll, brat, hf): the store's records written as files.

Exported records are each document's record in force (in_force.py: the adjudicated one, else the annotators'
version when there is one or they agree); documents whose annotators disagree are left out, and counted, until a
curator adjudicates them. With `with_gold`, documents nobody corrected add their gold record. Records keep the
gold format, so export then import gives the same records. Writing and reading the formats (and their
importers for `medui data import`) is data/record_files.py.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from medui.backend.data.record_files import ExportError, check_format, write_records
from medui.backend.store.in_force import records_in_force
from medui.backend.store.repo import rows_in
from medui.backend.store.tables import Document
from medui.tasks.kinds.base import json_problem
from medui.tasks.registry import get_spec


def export_records(
    task: str, *, session: Session, with_gold: bool = False, split: str | None = None
) -> tuple[list[dict], int, int]:
    """Records to export in document order, how many of them are corrected (or adjudicated), and how many
    corrected documents were left out because their annotators disagree (pending adjudication)."""
    resolved = records_in_force(task, session=session, split=split)
    in_force = {r.document_id: r.record for r in resolved if r.record is not None}
    pending = {r.document_id for r in resolved if r.record is None}
    query = select(Document).where(Document.task == task)
    if split is not None:
        query = query.where(Document.split == split)
    if with_gold:
        docs = list(session.exec(query.order_by(Document.id)))
    else:
        docs = sorted(rows_in(query, Document.id, in_force, session=session), key=lambda d: d.id)
    records = []
    for doc in docs:
        source = in_force.get(doc.id, None if doc.id in pending else doc.gold)
        if source is not None:
            records.append({**source, "id": doc.record_id})
    return records, len(in_force), len(pending)


def export(
    task: str,
    fmt: str,
    out: str | Path,
    *,
    session: Session,
    with_gold: bool = False,
    split: str | None = None,
    force: bool = False,
) -> dict:
    """Write a task's corrected records (and gold, with `with_gold`) in a format; a summary of what was written.

    An hf folder that exists already is replaced only with `force` (never another folder or a stray OUT.tmp).
    """
    spec = get_spec(task)
    check_format(fmt, spec)
    records, corrected, pending = export_records(task, session=session, with_gold=with_gold, split=split)
    if not records:
        hint = "" if with_gold else " (--with-gold adds the gold records)"
        waiting = f"; {pending} documents await adjudication (medui adjudicate --list)" if pending else ""
        raise ExportError(f"nothing to export for {task}: no corrected records{hint}{waiting}")
    for record in records:  # stored before records were checked as they are now (a lone surrogate)
        unwritable = json_problem(record, max_bytes=None)
        if unwritable:
            raise ExportError(
                f"nothing exported: record {record['id']!r} of {task} cannot be written, {unwritable}; "
                "correct it first"
            )
    out = Path(out)
    if fmt == "hf" and out.exists() and not force:
        raise ExportError(f"{out}: exists already; add --force to replace this earlier export")
    new_folders = [folder for folder in out.parents if not folder.exists()]  # the deepest first
    try:
        dropped = write_records(spec, fmt, records, out)
    except (OSError, UnicodeError) as exc:  # the disk, or a character no file can hold: nothing left behind
        for folder in new_folders:
            if any(folder.iterdir()):
                break
            folder.rmdir()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ExportError(f"{out}: nothing exported, the export could not be written ({why})") from None
    summary = {"task": task, "format": fmt, "out": str(out), "records": len(records)}
    summary |= {"corrected": corrected, "gold": len(records) - corrected, "pending_adjudication": pending}
    if dropped:
        summary["overlapping_entities_left_out"] = dropped
    return summary
