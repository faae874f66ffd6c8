"""One record read from another tool's annotation file, before the store matches it to a document
(data/annotation_files.py reads the formats, store/corrections_import.py matches and checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from medui.backend.data import formats


@dataclass
class Incoming:
    """One record of an annotation file: `at` orders the problems (a line number, or the record's place),
    `where` names it for a person; `record` when it could be read, `problem` when not. `tokens_only`: the record's
    text is its tokens joined by spaces (CoNLL without a text line), so it is matched on its text without
    whitespace and `rebuild` gives the record on the document's text."""

    at: int
    where: str
    record: dict | None = None
    problem: str | None = None
    tokens_only: bool = False
    rows: list = field(default_factory=list)

    def rebuild(self, text: str, record_id: str) -> dict:
        """A CoNLL record without a text line again, its tokens found in the document's text (DataError)."""
        return formats.conll_record({"id": record_id, "text": text, "rows": self.rows}, Path(self.where))


def numbered(text: str, spans: list[tuple], links: list[tuple], relations: tuple[str, ...]) -> dict:
    """Entities (and relations) of a record from (source id, start, end, label) spans and (head source id, tail
    source id, label) links: entities in text order, numbered T1.. for a relation task (`relations`: the task's
    relation labels; a link without a label takes the task's one relation label when it has one)."""
    ordered = sorted(spans, key=lambda s: (s[1], s[2], s[3]))
    ids = {}
    entities = []
    for n, (source, start, end, label) in enumerate(ordered, start=1):
        ids.setdefault(source, f"T{n}")
        entity = {"start": start, "end": end, "label": label, "text": text[start:end]}
        entities.append({"id": f"T{n}", **entity} if relations else entity)
    if not relations:
        return {"text": text, "entities": entities}
    only = relations[0] if len(relations) == 1 else None
    rels = [
        {"head": ids.get(h, str(h)), "tail": ids.get(t, str(t)), "label": only if lab is None else lab}
        for h, t, lab in links
    ]
    return {"text": text, "entities": entities, "relations": rels}
