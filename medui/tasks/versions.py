"""Several versions of one document, compared or merged through the task's kind: agreement and merging.

`measure(spec, versions)` takes each annotator's version of each document ({annotator: {document id: record}},
records in the gold format; the model can be one more annotator) and returns
`{"task", "annotators", "documents", "pairs": [{"a", "b", "documents", ...}], "kappa": ...}`: what a pair holds is
its kind's `agreement_pair`, "kappa" its kind's `agreement_group` (the figures: medui/tasks/agreement.py).
`piece_table(spec, versions)` lists every distinct piece of one document's versions ({annotator: record}) with
who has it; `merged_record` builds a record from the pieces a curator keeps (the pieces: medui/tasks/merging.py).
These dispatch over the kinds; the kinds import only the figures and the pieces, never this module. Pure Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import combinations

from medui.errors import InputError
from medui.tasks.kinds import kind_for
from medui.tasks.merging import Piece
from medui.tasks.spec import TaskSpec

Versions = dict[str, dict[str, dict]]  # annotator -> document id -> record


# agreement ----------------------------------------------------------------------------------------------
def annotated_documents(versions: Versions, annotators: Sequence[str]) -> list[str]:
    """Documents with versions from at least two of the annotators, sorted."""
    counts = Counter(doc for name in annotators for doc in versions.get(name, {}))
    return sorted(doc for doc, n in counts.items() if n >= 2)


def measure(spec: TaskSpec, versions: Versions, annotators: Sequence[str] | None = None) -> dict:
    """Pairwise agreement of every two annotators on their shared documents, and kappa over all of them on
    the documents every one of them annotated (with the family's figures; see the module docstring)."""
    kind = kind_for(spec)
    names = list(annotators) if annotators is not None else sorted(versions)
    pairs = []
    for a, b in combinations(names, 2):
        shared = sorted(set(versions.get(a, {})) & set(versions.get(b, {})))
        if shared:
            figures = kind.agreement_pair(
                spec, [versions[a][d] for d in shared], [versions[b][d] for d in shared]
            )
            pairs.append({"a": a, "b": b, "documents": len(shared), **figures})
    common = sorted(set.intersection(*(set(versions.get(n, {})) for n in names))) if len(names) >= 2 else []
    group = kind.agreement_group(spec, [[versions[n][d] for n in names] for d in common]) if common else None
    kappa = {**group, "annotators": names, "documents": len(common)} if group else None
    return {
        "task": spec.id,
        "family": spec.family,
        "annotators": names,
        "documents": len(annotated_documents(versions, names)),
        "pairs": pairs,
        "kappa": kappa,
    }


# merging ------------------------------------------------------------------------------------------------
def _pieces_by_key(spec: TaskSpec, versions: dict[str, dict]) -> dict[str, tuple[Piece, list[str]]]:
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
