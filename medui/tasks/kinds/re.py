"""Relation extraction: the model lists entities (id, text, label) and relations between their ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field, create_model

from medui.errors import InputError
from medui.tasks import agreement, merging
from medui.tasks.align import Aligner
from medui.tasks.kinds.base import (
    CopyKeys,
    EditorValues,
    Kind,
    Part,
    Strict,
    key_problems,
    per_spec,
    record_id,
)
from medui.tasks.kinds.ner import MENTION_KEYS, entity_labels, span_lines, span_problems
from medui.tasks.records import numbered
from medui.tasks.spec import TaskSpec

ENTITY_ID = r"^T[1-9][0-9]{0,2}$"
ENTITY_KEYS = ("id", *MENTION_KEYS)
RELATION_KEYS = ("head", "tail", "label")


@per_spec
def relation_output_model(spec: TaskSpec) -> type[BaseModel]:
    entity = create_model(
        "Entity",
        __base__=Strict,
        id=(str, Field(pattern=ENTITY_ID)),
        text=(str, Field(min_length=1)),
        label=(Literal[tuple(spec.labels)], ...),  # type: ignore[valid-type]
    )
    relation = create_model(
        "Relation",
        __base__=Strict,
        head=(str, Field(pattern=ENTITY_ID)),
        tail=(str, Field(pattern=ENTITY_ID)),
        label=(Literal[tuple(spec.relation_labels)], ...),  # type: ignore[valid-type]
    )
    return create_model(
        "RelationOutput",
        __base__=Strict,
        entities=(list[entity], ...),  # type: ignore[valid-type]
        relations=(list[relation], ...),  # type: ignore[valid-type]
    )


def _numbered(entities: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """Entities in text order with ids T1..; and the map from every id they had (several may merge)."""
    ordered = sorted(entities, key=lambda e: (e["start"], e["end"], e["label"]))
    renamed: dict[str, str] = {}
    out = []
    for i, ent in enumerate(ordered, start=1):
        new_id = f"T{i}"
        for old in ent.get("ids", [ent.get("id")]):
            if old is not None:
                renamed[old] = new_id
        out.append({k: ent[k] for k in ("start", "end", "label", "text")} | {"id": new_id})
    return out, renamed


def _align_entities(text: str, entities: list[dict]) -> tuple[dict[tuple, dict], list[dict]]:
    """Model entities to spans keyed by (start, end, label); ids naming the same span are merged."""
    aligner = Aligner(text)
    spans: dict[tuple, dict] = {}
    dropped: list[dict] = []
    for ent in entities:
        span = aligner.align(ent["text"], ent["label"])
        if span is None:
            dropped.append({**ent, "reason": "not found in the text"})
            continue
        key = (span.start, span.end, ent["label"])
        found = spans.setdefault(
            key,
            {
                "start": span.start,
                "end": span.end,
                "label": ent["label"],
                "text": text[span.start : span.end],
                "ids": [],
            },
        )
        found["ids"].append(ent["id"])
    return spans, dropped


def direction_problem(spec: TaskSpec, label: str, head: object, tail: object) -> str | None:
    """Why a relation from an entity labelled `head` to one labelled `tail` goes the wrong way for the task
    (its relation_heads and relation_tails), or None."""
    heads, tails = spec.relation_heads, spec.relation_tails
    if (not heads or head in heads) and (not tails or tail in tails):
        return None
    allowed = f"from {'/'.join(heads) or 'any entity'} to {'/'.join(tails) or 'any entity'}"
    reversed_ = (not heads or tail in heads) and (not tails or head in tails)
    hint = ": head and tail reversed" if reversed_ else ""
    return f"{label} goes {allowed}, not from {head} to {tail}{hint}"


def relations_from_rows(rows: list[list]) -> list[dict]:
    """Relations (head, label, tail ids) from the relation table (a cell may read 'T1: text'); empty rows skipped."""
    out = []
    for row in rows or []:
        cells = [("" if c is None else str(c).strip()) for c in (list(row) + ["", "", ""])[:3]]
        if any(cells):
            out.append(
                {
                    "head": cells[0].split(":")[0].strip(),
                    "label": cells[1],
                    "tail": cells[2].split(":")[0].strip(),
                }
            )
    return out


class ReKind(Kind):
    family = "re"
    metric = "relation"
    spans = True
    relations = True

    def output_model(self, spec: TaskSpec) -> type[BaseModel]:
        return relation_output_model(spec)

    def render_input(self, spec: TaskSpec, record: dict) -> str:
        return record["text"]

    def copy_keys(self, spec: TaskSpec) -> CopyKeys:
        return CopyKeys(strings=('"text":"',), max_chars=spec.max_mention_chars, max_items=spec.max_items)

    def target(self, spec: TaskSpec, record: dict) -> dict:
        entities, renamed = _numbered(record.get("entities", []))
        entities = entities[: spec.max_items]
        kept = {e["id"] for e in entities}
        relations = [
            {"head": renamed[r["head"]], "tail": renamed[r["tail"]], "label": r["label"]}
            for r in record.get("relations", [])
            if renamed.get(r["head"]) in kept and renamed.get(r["tail"]) in kept
        ]
        return {
            "entities": [{"id": e["id"], "text": e["text"], "label": e["label"]} for e in entities],
            "relations": relations[: spec.max_items],
        }

    def to_record(self, spec: TaskSpec, record: dict, output: dict) -> dict:
        text = record["text"]
        spans, dropped = _align_entities(text, output["entities"])
        entities, renamed = _numbered(list(spans.values()))
        labels = {e["id"]: e["label"] for e in entities}
        relations, seen = [], set()
        for rel in output["relations"]:
            head, tail = renamed.get(rel["head"]), renamed.get(rel["tail"])
            if head is None or tail is None:
                dropped.append({**rel, "reason": "points at an entity that is not in the text"})
            elif head == tail:
                dropped.append({**rel, "reason": "links a mention to itself"})
            elif (wrong := direction_problem(spec, rel["label"], labels[head], labels[tail])) is not None:
                dropped.append({**rel, "reason": wrong})
            elif (head, tail, rel["label"]) not in seen:
                seen.add((head, tail, rel["label"]))
                relations.append({"head": head, "tail": tail, "label": rel["label"]})
        out = {"id": record_id(record), "text": text, "entities": entities, "relations": relations}
        if dropped:
            out["dropped"] = dropped
        return out

    def empty_record(self, spec: TaskSpec, record: dict) -> dict:
        return {"id": record_id(record), "text": record["text"], "entities": [], "relations": []}

    def record_keys(self, spec: TaskSpec) -> tuple[str, ...]:
        return ("id", "text", "entities", "relations")

    def record_problems(self, spec: TaskSpec, record: dict) -> list[str]:
        text, entities, relations = record.get("text"), record.get("entities"), record.get("relations")
        if not isinstance(text, str):
            return ["the record has no text"]
        if not isinstance(entities, list) or not isinstance(relations, list):
            return ["entities and relations must be lists"]
        problems = span_problems(spec, text, entities, ENTITY_KEYS)
        ids = [e.get("id") for e in entities if isinstance(e, dict)]
        if not all(isinstance(i, str) for i in ids) or len(ids) != len(set(ids)):
            problems.append("every entity needs its own id (a text, as T1)")
            return problems
        labels = {e["id"]: e.get("label") for e in entities if isinstance(e, dict)}
        seen: dict[tuple, int] = {}
        for i, rel in enumerate(relations):
            if not isinstance(rel, dict):
                problems.append(f"relations[{i}] is not an object")
                continue
            problems += key_problems(rel, RELATION_KEYS, "a relation", f"relations[{i}]")
            head, tail, label = rel.get("head"), rel.get("tail"), rel.get("label")
            if label not in spec.relation_labels:
                problems.append(
                    f"relations[{i}]: label {label!r} is not one of {', '.join(spec.relation_labels)}"
                )
            if not (isinstance(head, str) and isinstance(tail, str) and head in labels and tail in labels):
                problems.append(f"relations[{i}]: head and tail must be ids of entities of the record")
                continue
            if head == tail:
                problems.append(f"relations[{i}]: head and tail are the same entity ({head})")
            wrong = direction_problem(spec, str(label), labels[head], labels[tail])
            if wrong is not None:
                problems.append(f"relations[{i}] ({head} -> {tail}): {wrong}")
            first = seen.setdefault((head, tail, str(label)), i)
            if first != i:
                problems.append(f"relations[{i}]: the same relation as relations[{first}]")
        return problems

    def agreement_pair(self, spec: TaskSpec, a: list[dict], b: list[dict]) -> dict:
        return agreement.relation_pair(a, b)

    def label_names(self, spec: TaskSpec) -> list[str]:
        return list(spec.labels)

    def views(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("spans", "relations")

    def editors(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("spans", "entities", "relations")

    def editor_entities(self, spec: TaskSpec, record: dict) -> list[dict]:
        """In text order with their own ids when each has one of its own (the ids its relations point at, kept
        while editing), else numbered T1.. (a record whose ids are missing or repeated has no valid relation)."""
        entities = record.get("entities", [])
        ids = [e.get("id") for e in entities]
        if all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids):
            return sorted(entities, key=lambda e: (e["start"], e["end"], e["label"]))
        return numbered(entities)

    def record_from_editors(self, spec: TaskSpec, record_id: str, values: EditorValues) -> dict:
        return {
            "id": record_id,
            "entities": [{k: e[k] for k in ("id", *MENTION_KEYS)} for e in values.entities],
            "relations": relations_from_rows(values.relation_rows),
        }

    def human_text(self, spec: TaskSpec, record: dict) -> str:
        return span_lines(record)

    def counted_labels(self, spec: TaskSpec, record: dict) -> Iterable[str]:
        return entity_labels(record)

    def split_stats(self, spec: TaskSpec, records: list[dict]) -> dict:
        """The span statistics, and the relation links by label."""
        relations = Counter(r["label"] for record in records for r in record.get("relations", []))
        return {**super().split_stats(spec, records), "relations": dict(sorted(relations.items()))}

    def annotation_key(self, spec: TaskSpec, record: dict) -> tuple:
        return agreement.relation_key(record)

    def pieces(self, spec: TaskSpec, record: dict) -> list[merging.Piece]:
        """Its mentions, then its relations (keyed by their head and tail spans, not the entity ids)."""
        entities = record.get("entities", [])
        by_id = {e.get("id"): e for e in entities}
        out = [merging.span_piece(e) for e in entities]
        for rel in record.get("relations", []):
            head, tail = by_id.get(rel["head"]), by_id.get(rel["tail"])
            if head is None or tail is None:
                continue
            ends = {"head": merging.span_key(head), "label": rel["label"], "tail": merging.span_key(tail)}
            shown = f"{head.get('text', '')} → {tail.get('text', '')}"
            order = (1, head["start"], head["end"], tail["start"], tail["end"], rel["label"])
            key = f"{ends['head']}>{rel['label']}>{ends['tail']}"
            out.append(merging.Piece(key, "relazione", rel["label"], shown, ends, order))
        return out

    def record_from_pieces(self, spec: TaskSpec, record_id: str, pieces: list[merging.Piece]) -> dict:
        entities = numbered([dict(p.value) for p in pieces if p.part == "menzione"])
        ids = {merging.span_key(e): e["id"] for e in entities}
        relations = []
        for p in (p for p in pieces if p.part == "relazione"):
            if p.value["head"] not in ids or p.value["tail"] not in ids:
                raise InputError(
                    f"la relazione {p.what} «{p.shown}» lega una menzione che non hai tenuto: tieni anche quella"
                )
            relations.append({"head": ids[p.value["head"]], "label": p.what, "tail": ids[p.value["tail"]]})
        return {"id": record_id, "entities": entities, "relations": relations}
