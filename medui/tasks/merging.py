"""The pieces annotators' versions of one document are merged from: what a curator adjudicates from.

A record is cut into pieces by its kind (`Kind.pieces`): a mention, a relation, a form item's value, an answer.
The same annotation in two versions is the same piece (its `key`: offsets and label, never the entity ids or the
order). `piece_table` lists every distinct piece of the versions with who has it; `merged_record` builds a record
from the pieces a curator keeps (`Kind.record_from_pieces`); both dispatch over the kinds, so they live in
medui/tasks/versions.py. Pieces sharing a `slot` (one form item, the answer) are alternatives: a merged record
keeps exactly one of them. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Piece:
    """One unit of a record: `part` what it is (menzione, relazione, voce, risposta), `what` its label or item,
    `shown` its text, `value` what the record is rebuilt from, `order` where it goes in the record."""

    key: str
    part: str
    what: str
    shown: str
    value: Any
    order: tuple = ()
    slot: str | None = None  # pieces of one slot are alternatives


def span_key(entity: dict) -> str:
    return f"{entity['start']}:{entity['end']}:{entity['label']}"


def span_piece(entity: dict) -> Piece:
    """A mention as a piece (its offsets, label and text)."""
    value = {k: entity[k] for k in ("start", "end", "label", "text") if k in entity}
    order = (0, entity["start"], entity["end"], str(entity["label"]))
    return Piece(
        span_key(entity), "menzione", str(entity["label"]), str(entity.get("text", "")), value, order
    )
