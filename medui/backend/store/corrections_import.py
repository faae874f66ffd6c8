"""Import an annotator's corrections from a file: medui's JSONL (gold-format records, one a line) or another
tool's annotations (BRAT, CoNLL, doccano, Label Studio, INCEpTION XMI: data/annotation_files.py reads them).

Each record is matched to a document of the task: by its `id` (a document whose text is the record's, when the
record carries one), else by its exact text (trailing whitespace aside; CoNLL tokens without a text line: the
text without whitespace). A stored document comes first, else a record of the task's data on disk (the shipped
splits and the user's imports), stored as a document with its gold. Every record is checked before anything is
written: one that cannot be read, matches no document or several (`split` chooses), names a document matched
before, carries a label outside the task's, or does not fit the task's schema or its document's text refuses the
whole file, one line a bad record, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from medui.backend.data import gold
from medui.backend.data.annotation_files import read_annotations
from medui.backend.data.common import DataError
from medui.backend.data.incoming import Incoming
from medui.backend.store.corrections import CorrectionError, add_correction, checked_record
from medui.backend.store.repo import clean_record, ensure_documents, get_or_create_user, new_document, rows_in
from medui.backend.store.tables import Document
from medui.tasks import registry
from medui.tasks.records import doc_hash
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

SHOWN_PROBLEMS = 50


class CorrectionImportError(CorrectionError):
    """A corrections file refused as a whole: one line a bad record after the first. `problems` holds (line
    number or record's place, what is wrong) for every bad record; `where` names each for a person."""

    def __init__(self, path: str, problems: list[tuple[int, str, str]], total: int, unit: str = "lines"):
        shown = [f"{where}: {why}" for _, where, why in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(f"and {len(problems) - SHOWN_PROBLEMS} more")
        units_it = {"lines": "righe", "records": "record"}[unit]
        shown_it = [italian_problem(f"{where}: {why}") for _, where, why in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            shown_it.append(f"e altri {len(problems) - SHOWN_PROBLEMS}")
        super().__init__(
            "\n  ".join([f"{path}: {len(problems)} of {total} {unit} refused, nothing stored:", *shown]),
            italian="\n  ".join(
                [f"{path}: {len(problems)} {units_it} su {total} rifiutati, nulla salvato:", *shown_it]
            ),
        )
        self.problems = [(at, why) for at, _, why in problems]
        self.total, self.unit, self.italian_lines = total, unit, shown_it
        self.where = [(where, why) for _, where, why in problems]


ITALIAN = (  # what this module and the readers say, in Italian for the app (the schema's checks stay as they are)
    (r"^line (\d+)", r"riga \1"),
    (r"^block (\d+) \(line (\d+)\)", r"blocco \1 (riga \2)"),
    (r"^task (\d+)", r"task \1 di Label Studio"),
    (r"document ('[^']*'): ", r"documento \1: "),
    (r"relation label ('[^']*') is not one of ", r"l'etichetta di relazione \1 non è tra quelle del compito: "),
    (r"label ('[^']*') on ('[^']*') is not one of ", r"l'etichetta \1 su \2 non è tra quelle del compito: "),
    (r"label ('[^']*') is not one of ", r"l'etichetta \1 non è tra quelle del compito: "),
    (r"unknown id ('[^']*'): no document or gold record of (\S+) has it, nor its text",
     r"id \1 sconosciuto: nessun documento di \2 ha questo id né questo testo"),
    (r"unknown id ('[^']*'): no document or gold record of (\S+) has it", r"id \1 sconosciuto in \2"),
    (r"no document or gold record of (\S+) has this text", r"nessun documento di \1 ha questo testo"),
    (r"its text is that of several documents \((.*)\): give the record its id",
     r"lo stesso testo è di più documenti (\1): dai al record il suo id"),
    (r"id ('[^']*') is in several splits \((.*)\): choose with --split", r"l'id \1 è in più split (\2)"),
    (r"id ('[^']*') already on line (\d+)", r"l'id \1 è già alla riga \2"),
    (r"id ('[^']*') already on ", r"l'id \1 è già in "),
    (r"the text differs from the text of document ", "il testo differisce da quello del documento "),
    (r"the record has no id and no text", "il record non ha né id né testo"),
    (r"(\d+) annotations: export one annotator's, one a task", r"\1 annotazioni: esporta quelle di un solo annotatore"),
    (r"no data\.text", "manca data.text"),
    (r"not valid JSON", "JSON non valido"),
    (r"not a JSON object", "non è un oggetto JSON"),
)  # fmt: skip


def italian_problem(line: str) -> str:
    """One problem line in Italian where this module or the readers wrote it (the schema's own words stay)."""
    import re

    for pattern, replacement in ITALIAN:
        line = re.sub(pattern, replacement, line)
    return line


@dataclass
class _Target:
    """A document a record can be matched to: a stored one, or a gold record on disk (split, record)."""

    record_id: str
    text: str | None
    document: Document | None = None
    split: str | None = None
    gold: dict | None = None

    @property
    def key(self) -> tuple:
        return (self.document.split, self.record_id) if self.document else (self.split, self.record_id)


@dataclass
class _Match:
    item: Incoming
    record: dict
    target: _Target


def _same_text(a: str | None, b: str | None) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.rstrip() == b.rstrip()


def _squeezed(text: str) -> str:
    return "".join(text.split())


class _Documents:
    """The task's documents (one split when given) by record id and by text: the stored ones first, else the gold
    records on disk (read only when a record needs them)."""

    def __init__(self, spec: TaskSpec, items: list[Incoming], split: str | None, *, session: Session):
        self.spec, self.split = spec, split
        records = [i.record for i in items if i.record is not None]
        ids = {str(r["id"]) for r in records if r.get("id") not in (None, "")}
        texts = {t for r in records if isinstance(t := r.get("text"), str)}
        query = select(Document).where(Document.task == spec.id)
        if split is not None:
            query = query.where(Document.split == split)
        hashes = {doc_hash({"text": t}) for t in texts} | {doc_hash({"text": t.rstrip()}) for t in texts}
        stored = {d.id: d for d in rows_in(query, Document.record_id, ids, session=session)}
        stored |= {d.id: d for d in rows_in(query, Document.hash, hashes, session=session)}
        if any(i.tokens_only for i in items):
            stored |= {d.id: d for d in session.exec(query)}
        self.stored = _Index([_Target(d.record_id, d.text, document=d) for d in stored.values()])
        self._on_disk: _Index | None = None

    @property
    def on_disk(self) -> _Index:
        """Gold records on disk whose document is not stored (the stored one stands for it)."""
        if self._on_disk is None:
            keys = {t.key for t in self.stored.targets}
            targets = []
            for name, path in registry.split_files(self.spec, gold.data_roots()).items():
                if self.split is None or name == self.split:
                    for record in registry.read_split(path):
                        text = record.get("text") if isinstance(record.get("text"), str) else None
                        targets.append(_Target(str(record.get("id")), text, split=name, gold=record))
            self._on_disk = _Index([t for t in targets if t.key not in keys])
        return self._on_disk

    def by_id(self, rid: str) -> list[_Target]:
        return self.stored.ids.get(rid) or self.on_disk.ids.get(rid, [])

    def by_text(self, text: str, tokens_only: bool) -> list[_Target]:
        index, key = ("squeezed", _squeezed(text)) if tokens_only else ("texts", text.rstrip())
        return getattr(self.stored, index).get(key) or getattr(self.on_disk, index).get(key, [])


class _Index:
    """Targets by record id, by text (trailing whitespace aside) and by text without whitespace."""

    def __init__(self, targets: list[_Target]):
        self.targets = targets
        self.ids: dict[str, list[_Target]] = {}
        self.texts: dict[str, list[_Target]] = {}
        for t in targets:
            self.ids.setdefault(t.record_id, []).append(t)
            if t.text is not None:
                self.texts.setdefault(t.text.rstrip(), []).append(t)
        self._squeezed: dict[str, list[_Target]] | None = None

    @property
    def squeezed(self) -> dict[str, list[_Target]]:
        if self._squeezed is None:
            self._squeezed = {}
            for t in self.targets:
                if t.text is not None:
                    self._squeezed.setdefault(_squeezed(t.text), []).append(t)
        return self._squeezed


def _find(spec: TaskSpec, docs: _Documents, item: Incoming) -> _Target | str:
    """The one document a record is of (see the module docstring), or why there is none."""
    record = item.record or {}
    rid = None if record.get("id") in (None, "") else str(record["id"])
    text = record.get("text") if isinstance(record.get("text"), str) else None
    by_id = docs.by_id(rid) if rid is not None else []
    if by_id and (text is None or item.tokens_only):
        found = by_id
    else:
        found = [t for t in by_id if _same_text(t.text, text)] or (
            docs.by_text(text, item.tokens_only) if text is not None else []
        )
    if len(found) == 1:
        return found[0]
    if found:
        names = sorted({f"{t.key[1]!r} ({t.key[0]})" for t in found})
        if rid is not None and len({t.record_id for t in found}) == 1:
            return f"id {rid!r} is in several splits ({', '.join(sorted(t.key[0] for t in found))}): choose with --split"
        return f"its text is that of several documents ({', '.join(names)}): give the record its id"
    if by_id:
        return f"the text differs from the text of document {rid!r}"
    if rid is not None:
        also = ", nor its text" if text is not None else ""
        return f"unknown id {rid!r}: no document or gold record of {spec.id} has it{also}"
    if text is None:
        return "the record has no id and no text"
    return f"no document or gold record of {spec.id} has this text ({' '.join(text.split())[:60]!r})"


def _label_problems(spec: TaskSpec, target: _Target, record: dict) -> list[str]:
    """Labels outside the task's, each named with its mention."""
    problems = []
    for ent in record.get("entities") or []:
        if isinstance(ent, dict) and ent.get("label") not in spec.labels:
            mention = f" on {ent['text']!r}" if isinstance(ent.get("text"), str) else ""
            problems.append(f"label {ent.get('label')!r}{mention} is not one of {', '.join(spec.labels)}")
    if spec.relation_labels:
        for rel in record.get("relations") or []:
            if isinstance(rel, dict) and rel.get("label") not in spec.relation_labels:
                problems.append(
                    f"relation label {rel.get('label')!r} is not one of {', '.join(spec.relation_labels)}"
                )
    return [f"document {target.record_id!r}: {why}" for why in problems]


def _check(spec: TaskSpec, match: _Match) -> str | None:
    """What is wrong with a matched record (labels, schema, text, id), or None."""
    target = match.target
    labels = _label_problems(spec, target, match.record)
    if labels:
        return "; ".join(labels)
    doc = target.document or new_document(
        spec, target.split or "", target.gold or {}, source="gold", gold=clean_record(target.gold or {})
    )
    try:
        checked_record(spec, doc, match.record)
    except CorrectionError as exc:
        return str(exc)
    return None


def _matched(spec: TaskSpec, item: Incoming, target: _Target) -> dict | str:
    """The record as the document's: its id, its text (the document's), CoNLL tokens found again in it."""
    record = dict(item.record or {})
    if item.tokens_only and target.text is not None:
        try:
            record = item.rebuild(target.text, target.record_id)
        except DataError as exc:
            return str(exc).removeprefix(f"{item.where}: ")
    record["id"] = target.record_id
    if "text" in record and target.text is not None:
        record["text"] = target.text
    return record


def import_corrections(
    path: str | Path,
    task: str,
    annotator: str,
    *,
    session: Session,
    split: str | None = None,
    fmt: str = "jsonl",
) -> dict:
    """Store every record of a file in a format as a correction by `annotator` (see the module docstring); a
    summary. Whether the annotator may correct is checked above the store (service.corrections)."""
    spec = get_spec(task)
    user = get_or_create_user(annotator, "annotator", session=session)
    items = read_annotations(fmt, path, spec)
    if not items:
        raise DataError(f"{path}: no records")
    problems = [(i.at, i.where, i.problem) for i in items if i.problem is not None]
    readable = [i for i in items if i.problem is None]
    docs = _Documents(spec, readable, split, session=session)
    matches: list[_Match] = []
    first: dict[tuple, Incoming] = {}
    for item in readable:
        target = _find(spec, docs, item)
        record = target if isinstance(target, str) else _matched(spec, item, target)
        if isinstance(record, str):
            problems.append((item.at, item.where, record))
        elif target.key in first:  # type: ignore[union-attr]
            before = first[target.key].where  # type: ignore[union-attr]
            problems.append((item.at, item.where, f"id {target.record_id!r} already on {before}"))  # type: ignore[union-attr]
        else:
            first[target.key] = item  # type: ignore[union-attr]
            matches.append(_Match(item, record, target))  # type: ignore[arg-type]
    problems += [(m.item.at, m.item.where, why) for m in matches if (why := _check(spec, m)) is not None]
    if problems:
        unit = "lines" if fmt in ("jsonl", "doccano") else "records"
        raise CorrectionImportError(str(path), sorted(problems), len(items), unit)
    created, ids = 0, []
    for m in matches:
        doc = m.target.document
        if doc is None:
            (doc,) = ensure_documents(
                spec.id, m.target.split, [m.target.gold], session=session, source="gold"
            )  # type: ignore[arg-type,list-item]
            created += 1
        ids.append(add_correction(m.record, user.name, document_id=doc.id, session=session).id)
    return {"task": spec.id, "annotator": user.name, "file": str(path), "format": fmt, "stored": len(ids),
            "documents_created": created, "corrections": ids}  # fmt: skip
