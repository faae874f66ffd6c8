"""Merging annotators' versions of one document, piece by piece: what a curator adjudicates from.

A record is cut into pieces by its kind (`Kind.pieces`): a mention, a relation, a form item's value, an answer.
The same annotation in two versions is the same piece (its `key`: offsets and label, never the entity ids or the
order). `piece_table` lists every distinct piece of the versions with who has it; `merged_record` builds a record
from the pieces a curator keeps (`Kind.record_from_pieces`). Pieces sharing a `slot` (one form item, the answer)
are alternatives: a merged record keeps exactly one of them. Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from medui.errors import InputError
from medui.tasks.spec import TaskSpec


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


def _pieces_by_key(spec: TaskSpec, versions: dict[str, dict]) -> dict[str, tuple[Piece, list[str]]]:
    from medui.tasks.kinds import kind_for

    kind, out = kind_for(spec), {}
    for name, record in versions.items():
        for piece in kind.pieces(spec, record):
            out.setdefault(piece.key, (piece, []))[1].append(name)
    return out


def piece_table(spec: TaskSpec, versions: dict[str, dict]) -> list[dict]:
    """Every distinct piece of the versions (annotator -> record), in record order, with the annotators who
    have it (`by`) and whether all of them do (`agreed`)."""
    rows = sorted(_pieces_by_key(spec, versions).values(), key=lambda row: (row[0].order, row[0].key))
    return [
        {"key": p.key, "part": p.part, "what": p.what, "shown": p.shown, "value": p.value, "slot": p.slot,
         "by": by, "agreed": len(by) == len(versions)}
        for p, by in rows
    ]  # fmt: skip


def merged_record(spec: TaskSpec, record_id: str, versions: dict[str, dict], keys: Sequence[str]) -> dict:
    """The record made of the pieces kept (their keys, from `piece_table`); InputError when a key is unknown or
    a slot does not have exactly one piece kept."""
    from medui.tasks.kinds import kind_for

    pieces = {key: piece for key, (piece, _) in _pieces_by_key(spec, versions).items()}
    unknown = [k for k in keys if k not in pieces]
    if unknown:
        raise InputError(f"pezzo sconosciuto {unknown[0]!r}: non è in nessuna delle versioni")
    kept = sorted((pieces[k] for k in dict.fromkeys(keys)), key=lambda p: (p.order, p.key))
    for slot in dict.fromkeys(p.slot for p in pieces.values() if p.slot):
        chosen = [p for p in kept if p.slot == slot]
        if len(chosen) != 1:
            how = "scegline uno" if not chosen else f"ne hai scelti {len(chosen)}, tienine uno"
            raise InputError(f"{slot}: serve un solo valore nella versione unita ({how})")
    return kind_for(spec).record_from_pieces(spec, record_id, kept)
