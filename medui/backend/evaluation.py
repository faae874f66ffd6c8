"""Scoring predictions against gold (per record, then aggregated) and evaluating a model on a split."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from medui.backend import gold as gold_data
from medui.backend.engine import Engine, Prediction
from medui.tasks import metrics
from medui.tasks.kinds import kind_for
from medui.tasks.spec import TaskSpec


def record_counts(spec: TaskSpec, gold: dict, pred: dict) -> dict:
    """Per-record metric counts (stored with a prediction, so a correction rescoring needs no inference)."""
    kind = kind_for(spec)
    counts_fn, _ = metrics.METRICS[kind.metric_name(spec)]
    return counts_fn(*kind.metric_inputs(spec, gold, pred))


def score(spec: TaskSpec, golds: list[dict], preds: list[dict]) -> dict:
    """Metrics of predictions paired with gold by id; a gold record without prediction counts as empty."""
    kind = kind_for(spec)
    by_id = {str(p.get("id")): p for p in preds}
    counts, valid = [], 0
    for g in golds:
        pred = by_id.get(str(g.get("id")))
        if pred is None:
            pred = {**kind.empty_record(spec, g), "valid": False, "error": "no prediction"}
        valid += bool(pred.get("valid", True))
        counts.append(record_counts(spec, g, pred))
    result = metrics.aggregate(kind.metric_name(spec), counts)
    gold_ids = {str(g.get("id")) for g in golds}
    result["valid_rate"] = valid / len(golds) if golds else 0.0
    result["unmatched_predictions"] = sum(1 for pid in by_id if pid not in gold_ids)
    return result


@dataclass
class EvalResult:
    metrics: dict
    predictions: list[Prediction]


def evaluate(
    engine: Engine, records: list[dict], progress: Callable[[int, int], None] | None = None
) -> EvalResult:
    """Predict every record, then score: the task's metrics plus n, valid_rate, seconds and speed."""
    start = time.perf_counter()
    predictions = engine.predict(records, progress)
    seconds = time.perf_counter() - start
    result = score(engine.spec, records, [p.record for p in predictions])
    out_tokens = sum(p.output_tokens for p in predictions)
    result.update(
        task=engine.spec.id,
        model=engine.lm.name,
        strategy=engine.strategy.name,
        shots=engine.strategy.shots,
        seed=engine.seed,
        seconds=round(seconds, 3),
        output_tokens=out_tokens,
        output_tokens_per_s=round(out_tokens / seconds, 2) if seconds else 0.0,
        records_per_min=round(len(records) * 60 / seconds, 2) if seconds else 0.0,
    )
    return EvalResult(result, predictions)


def load_eval_records(spec: TaskSpec, split: str, limit: int | None) -> list[dict]:
    records = gold_data.load_split(spec, split)
    return records[:limit] if limit else records
