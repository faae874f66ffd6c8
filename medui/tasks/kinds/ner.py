"""Named entity recognition: the model lists mentions (text, label); they are aligned to offsets in the text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field, create_model

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
from medui.tasks.spec import TaskSpec


@per_spec
def mention_model(spec: TaskSpec) -> type[BaseModel]:
    label = Literal[tuple(spec.labels)]  # type: ignore[valid-type]
    return create_model(
        "Mention",
        __base__=Strict,
        text=(str, Field(min_length=1)),
        label=(label, ...),
    )


@per_spec
def span_output_model(spec: TaskSpec) -> type[BaseModel]:
    mention = mention_model(spec)
    return create_model(
        "SpanOutput",
        __base__=Strict,
        entities=(list[mention], ...),  # type: ignore[valid-type]
    )


MENTION_KEYS = ("start", "end", "label", "text")


def align_mentions(text: str, mentions: list[dict]) -> tuple[list[dict], list[dict]]:
    """Mentions to entities with offsets; those not found in the text are returned apart, with the reason."""
    aligner = Aligner(text)
    entities: list[dict] = []
    dropped: list[dict] = []
    seen: set[tuple[int, int, str]] = set()
    for mention in mentions:
        span = aligner.align(mention["text"], mention["label"])
        if span is None:
            dropped.append({**mention, "reason": "not found in the text"})
            continue
        key = (span.start, span.end, mention["label"])
        if key in seen:
            dropped.append({**mention, "reason": "repeated mention"})
            continue
        seen.add(key)
        entities.append(
            {
                "start": span.start,
                "end": span.end,
                "label": mention["label"],
                "text": text[span.start : span.end],
            }
        )
    entities.sort(key=lambda e: (e["start"], e["end"], e["label"]))
    return entities, dropped


def span_problems(
    spec: TaskSpec, text: str, entities: list, keys: tuple[str, ...] = MENTION_KEYS, where: str = "entities"
) -> list[str]:
    """What is wrong with a record's mentions: offsets outside the text, a label of another task, a text that
    differs from the text at the offsets, keys beyond `keys`, the same mention (offsets and label) twice."""
    problems = []
    seen: dict[tuple, int] = {}
    for i, ent in enumerate(entities):
        if not isinstance(ent, dict):
            problems.append(f"{where}[{i}] is not an object")
            continue
        problems += key_problems(ent, keys, "a mention", f"{where}[{i}]")
        start, end, label = ent.get("start"), ent.get("end"), ent.get("label")
        if not (type(start) is int and type(end) is int and 0 <= start < end <= len(text)):  # bools are ints
            problems.append(f"{where}[{i}]: offsets {start}..{end} outside the text (length {len(text)})")
            continue
        if label not in spec.labels:
            problems.append(f"{where}[{i}]: label {label!r} is not one of {', '.join(spec.labels)}")
        if "text" in ent and ent["text"] != text[start:end]:
            problems.append(f"{where}[{i}]: text {ent['text']!r} differs from the text at {start}..{end}")
        first = seen.setdefault((start, end, str(label)), i)
        if first != i:
            problems.append(f"{where}[{i}]: the same mention as {where}[{first}] ({start}..{end} {label})")
    return problems


def span_lines(record: dict) -> str:
    """Mentions one a line (offsets, label, text), then relations; or that there is none."""
    lines = [f"{e['start']:>5}-{e['end']:<5} {e['label']:<12} {e['text']}" for e in record["entities"]]
    lines += [f"{r['head']} -{r['label']}-> {r['tail']}" for r in record.get("relations", [])]
    return "\n".join(lines) or "(nessuna menzione)"


def entity_labels(record: dict) -> Iterable[str]:
    return (e["label"] for e in record.get("entities", []))


class NerKind(Kind):
    family = "ner"
    metric = "span"
    spans = True

    def output_model(self, spec: TaskSpec) -> type[BaseModel]:
        return span_output_model(spec)

    def render_input(self, spec: TaskSpec, record: dict) -> str:
        return record["text"]

    def copy_keys(self, spec: TaskSpec) -> CopyKeys:
        return CopyKeys(strings=('"text":"',), max_chars=spec.max_mention_chars, max_items=spec.max_items)

    def target(self, spec: TaskSpec, record: dict) -> dict:
        ents = sorted(record.get("entities", []), key=lambda e: (e["start"], e["end"]))
        return {"entities": [{"text": e["text"], "label": e["label"]} for e in ents][: spec.max_items]}

    def to_record(self, spec: TaskSpec, record: dict, output: dict) -> dict:
        entities, dropped = align_mentions(record["text"], output["entities"])
        out = {"id": record_id(record), "text": record["text"], "entities": entities}
        if dropped:
            out["dropped"] = dropped
        return out

    def empty_record(self, spec: TaskSpec, record: dict) -> dict:
        return {"id": record_id(record), "text": record["text"], "entities": []}

    def record_keys(self, spec: TaskSpec) -> tuple[str, ...]:
        return ("id", "text", "entities")

    def record_problems(self, spec: TaskSpec, record: dict) -> list[str]:
        text = record.get("text")
        if not isinstance(text, str):
            return ["the record has no text"]
        entities = record.get("entities")
        if not isinstance(entities, list):
            return ["entities must be a list"]
        return span_problems(spec, text, entities)

    def agreement_pair(self, spec: TaskSpec, a: list[dict], b: list[dict]) -> dict:
        return agreement.span_pair(a, b)

    def label_names(self, spec: TaskSpec) -> list[str]:
        return list(spec.labels)

    def views(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("spans",)

    def editors(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("spans", "entities")

    def record_from_editors(self, spec: TaskSpec, record_id: str, values: EditorValues) -> dict:
        return {"id": record_id, "entities": [{k: e[k] for k in MENTION_KEYS} for e in values.entities]}

    def human_text(self, spec: TaskSpec, record: dict) -> str:
        return span_lines(record)

    def counted_labels(self, spec: TaskSpec, record: dict) -> Iterable[str]:
        return entity_labels(record)

    def annotation_key(self, spec: TaskSpec, record: dict) -> frozenset:
        return agreement.span_key(record)

    def pieces(self, spec: TaskSpec, record: dict) -> list[merging.Piece]:
        return [merging.span_piece(e) for e in record.get("entities", [])]

    def record_from_pieces(self, spec: TaskSpec, record_id: str, pieces: list[merging.Piece]) -> dict:
        return {"id": record_id, "entities": [dict(p.value) for p in pieces]}


class AmKind(NerKind):
    """Argument mining: argument components (Claim, Premise) are spans, scored like entities."""

    family = "am"
