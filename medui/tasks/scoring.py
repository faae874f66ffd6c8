"""Scoring predictions against gold through the task's kind: per-record counts and score, the metrics of a set of
records, and two systems compared on the same records.

Per-record counts are stage one of medui.tasks.metrics (stored with a prediction, so that a correction rescoring
needs no inference); `score` aggregates them (stage two) with the valid rate, and for span tasks the predicted
spans that cut a word; `compare_runs` pairs two systems' counts for medui/tasks/compare.py's statistics. The store,
the runner, the study, the fine-tuning jobs and `medui score` all score here. Pure Python.
"""

from __future__ import annotations

from medui.tasks import metrics
from medui.tasks.compare import compare
from medui.tasks.kinds import kind_for
from medui.tasks.spec import TaskSpec
from medui.tasks.words import boundaries


def record_counts(spec: TaskSpec, gold: dict, pred: dict) -> dict:
    """Per-record metric counts (stored with a prediction, so a correction rescoring needs no inference)."""
    kind = kind_for(spec)
    counts_fn, _ = metrics.METRICS[kind.metric_name(spec)]
    return counts_fn(*kind.metric_inputs(spec, gold, pred))


def score_record(spec: TaskSpec, gold: dict | None, pred: dict) -> tuple[dict | None, float | None]:
    """Per-record counts and primary score of a prediction against a gold (or corrected) record."""
    if gold is None:
        return None, None
    counts = record_counts(spec, gold, pred)
    return counts, metrics.record_score(kind_for(spec).metric_name(spec), counts)


def paired_counts(spec: TaskSpec, golds: list[dict], preds: list[dict]) -> tuple[list[dict], int]:
    """Per-record counts in the order of the gold records (a missing prediction counts as empty), and how
    many predictions were valid."""
    kind = kind_for(spec)
    by_id = {str(p.get("id")): p for p in preds}
    counts, valid = [], 0
    for g in golds:
        pred = by_id.get(str(g.get("id")))
        if pred is None:
            pred = {**kind.empty_record(spec, g), "valid": False, "error": "no prediction"}
        valid += bool(pred.get("valid", True))
        counts.append(record_counts(spec, g, pred))
    return counts, valid


def score(spec: TaskSpec, golds: list[dict], preds: list[dict]) -> dict:
    """Metrics of predictions paired with gold by id; a gold record without prediction counts as empty."""
    kind = kind_for(spec)
    by_id = {str(p.get("id")): p for p in preds}
    counts, valid = paired_counts(spec, golds, preds)
    result = metrics.aggregate(kind.metric_name(spec), counts)
    gold_ids = {str(g.get("id")) for g in golds}
    result["valid_rate"] = valid / len(golds) if golds else 0.0
    result["unmatched_predictions"] = sum(1 for pid in by_id if pid not in gold_ids)
    if kind.spans:
        result["predicted_spans"], result["cut_spans"] = cut_spans(preds)
    return result


def cut_spans(preds: list[dict]) -> tuple[int, int]:
    """How many predicted spans there are, and how many of them start or end inside a word of their text."""
    total = cut = 0
    for pred in preds:
        text, entities = pred.get("text"), pred.get("entities") or []
        if not isinstance(text, str) or not entities:
            continue
        bounds = boundaries(text)
        for ent in entities:
            start, end = ent.get("start"), ent.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                total += 1
                cut += bounds.cuts(start, end)
    return total, cut


def compare_runs(spec: TaskSpec, golds: list[dict], preds_a: list[dict], preds_b: list[dict]) -> dict:
    """System A against B on the same gold records: the primary metric's difference (A - B) with a 95% paired
    bootstrap interval, wins and losses per record, and McNemar's test for right-or-wrong metrics."""
    counts_a, _ = paired_counts(spec, golds, preds_a)
    counts_b, _ = paired_counts(spec, golds, preds_b)
    ids = [str(g.get("id")) for g in golds]
    return compare(kind_for(spec).metric_name(spec), counts_a, counts_b, ids=ids)
