"""Pure record helpers: the document hash, merging window predictions, numbering entities, cell values. No torch,
no database.

The engine, the store and the fine-tuning data all use these, so that none of them needs another's imports.
"""

from __future__ import annotations

import hashlib

# what a prediction record adds to the gold format: whether the output could be read (and why not), the mentions
# left out while aligning, and whether a limit may have cut the answer (`truncated`) with the limits reached
# (`limits`: {"limit", "bound", "part"}, and "window", "windows" when the text was read in windows; "reread": N on
# the limit a whole note's answer reached when the note was then read again in N windows, the answer kept being
# theirs, `truncated` only if a limit still cut one), and where the copy constraint read a form's copied values
# (`evidence`: [{"item", "start", "end"}], CrfKind.copy_offsets); never part of a correction or gold
PREDICTION_KEYS = ("valid", "error", "dropped", "truncated", "limits", "evidence")


def doc_hash(record: dict) -> str:
    """A short hash of what the model reads of a record (its text, or a QA record's context and question)."""
    key = record.get("text") or f"{record.get('context', '')}\n{record.get('question', '')}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def merge_windows(record: dict, parts: list[dict], preds: list[dict]) -> dict:
    """Window predictions back into one record: offsets shifted, entity ids renumbered, errors, limits and the
    mentions left out joined. A mention found by two windows (same offsets and label, where windows meet) is
    kept once, and the relations pointing at either copy point at the one kept."""
    entities: dict[tuple, dict] = {}
    same: dict[str, tuple] = {}  # a window's entity id (window-prefixed) -> its mention's key
    relations, dropped, errors, limits = [], [], [], []
    for part, pred in zip(parts, preds, strict=True):
        shift, prefix = part["_offset"], f"W{part['_offset']}:"
        for ent in pred.get("entities", []):
            moved = {**ent, "start": ent["start"] + shift, "end": ent["end"] + shift}
            entities.setdefault(_span_key(moved), moved)
            if "id" in ent:
                same[prefix + ent["id"]] = _span_key(moved)
        relations += [
            {**r, "head": prefix + r["head"], "tail": prefix + r["tail"]} for r in pred.get("relations", [])
        ]
        dropped += pred.get("dropped", [])
        limits += pred.get("limits", [])
        if pred.get("error"):
            errors.append(pred["error"])
    ordered = sorted(entities.values(), key=_span_key)
    out = {"id": record.get("id"), "text": record["text"], "entities": ordered}
    if "relations" in preds[0]:
        renamed = {key: f"T{i}" for i, key in enumerate(sorted(entities), start=1)}
        out["entities"] = [{**e, "id": renamed[_span_key(e)]} for e in ordered]
        links = [{**r, "head": renamed[same[r["head"]]], "tail": renamed[same[r["tail"]]]} for r in relations]
        out["relations"] = list({(r["head"], r["tail"], r["label"]): r for r in links}.values())
    if dropped:
        out["dropped"] = dropped
    out["valid"] = not errors
    if errors:
        out["error"] = "; ".join(errors)
    if limits or any(p.get("truncated") for p in preds):
        out["truncated"] = True
    if limits:
        out["limits"] = limits
    return out


def gold_part(record: dict) -> dict:
    """A record without the prediction-only keys (PREDICTION_KEYS): what a correction of it stores."""
    return {k: v for k, v in record.items() if k not in PREDICTION_KEYS}


def _span_key(ent: dict) -> tuple:
    return ent["start"], ent["end"], ent["label"]


def numbered(entities: list[dict]) -> list[dict]:
    """Entities in text order with ids T1, T2, ... (the ids relations point at)."""
    ordered = sorted(entities, key=lambda e: (e["start"], e["end"], e["label"]))
    return [{**e, "id": f"T{i}"} for i, e in enumerate(ordered, start=1)]


def format_value(value) -> str:
    """A value as a table cell shows it: lists joined by ' | ', nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return str(value)
