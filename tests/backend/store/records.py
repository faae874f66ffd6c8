"""Tiny records and hand-built engine predictions for the store tests (no model)."""

from __future__ import annotations

from medui.backend.inference.engine import Prediction as EnginePrediction
from medui.backend.inference.engine import doc_hash


def make_prediction(record: dict, confidence: float | None = 0.5, raw: str = "{}") -> EnginePrediction:
    """An engine prediction built by hand (no model)."""
    return EnginePrediction(
        record=record,
        raw=raw,
        prompt_hash="p" * 16,
        doc_hash=doc_hash(record),
        latency=0.1,
        prompt_tokens=10,
        output_tokens=5,
        confidence=confidence,
    )


NER_TASK = "e3c_clinical_entities"
TEXT = "Paziente con febbre alta e tosse secca."


def ner_record(rid: str = "r1", spans: tuple[tuple[int, int], ...] = ((13, 24),), text: str = TEXT) -> dict:
    """A tiny e3c_clinical_entities record with CLINENTITY spans."""
    entities = [{"start": s, "end": e, "label": "CLINENTITY", "text": text[s:e]} for s, e in spans]
    return {"id": rid, "text": text, "entities": entities}
