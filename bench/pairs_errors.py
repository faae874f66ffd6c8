"""Where the links of a relation task are lost: at the entity step or at the pair step.

For each gold link of the records run, the entity step lost it when its head or its tail is not among the
predicted entities (same start, end and label); otherwise the pair step had its chance and either answered the
right label (found) or not (missed by the pair step). Predicted links between predicted entities that match no
gold link are the pair step's false ones. The primary metric is the task's own (scoring.score), unchanged.
Usage (dev records are those training holds out; test only for a shipped model's final figures):
    python bench/pairs_errors.py --model gemma-3-270m-ft-all2 --strategy pairs --task e3c_measurement_links \
        --split dev --limit 10 --out bench/results/pairs/errors_dev.json
Results accumulate in --out under "model|strategy|task|split|limit".
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from medui.backend.data import gold
from medui.backend.evaluation.runner import build_engine
from medui.backend.finetune.dataset import gold_records
from medui.backend.inference import models
from medui.tasks.registry import get_spec
from medui.tasks.scoring import score


def link_errors(gold_record: dict, predicted: dict) -> dict:
    """Counts of one record: gold links, lost at the entity step, found and missed by the pair step, false."""
    span = {e["id"]: (e["start"], e["end"], e["label"]) for e in gold_record.get("entities", [])}
    found_spans = {(e["start"], e["end"], e["label"]) for e in predicted.get("entities", [])}
    by_id = {e["id"]: (e["start"], e["end"], e["label"]) for e in predicted.get("entities", [])}
    gold_links = {(span[r["head"]], span[r["tail"]], r["label"]) for r in gold_record.get("relations", [])}
    predicted_links = {
        (by_id[r["head"]], by_id[r["tail"]], r["label"])
        for r in predicted.get("relations", [])
        if r["head"] in by_id and r["tail"] in by_id
    }
    reachable = {g for g in gold_links if g[0] in found_spans and g[1] in found_spans}
    return {
        "gold_links": len(gold_links),
        "lost_at_entity_step": len(gold_links) - len(reachable),
        "found": len(reachable & predicted_links),
        "missed_at_pair_step": len(reachable - predicted_links),
        "false_links": len(predicted_links - gold_links),
        "gold_entities": len(span),
        "predicted_entities": len(found_spans),
        "entities_found": len(set(span.values()) & found_spans),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--strategy", default="pairs")
    ap.add_argument("--task", default="e3c_measurement_links")
    ap.add_argument("--split", default="dev", help="dev (held out of training) or a gold split such as test")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    spec = get_spec(args.task)
    records = gold_records(spec, "dev", 0.1) if args.split == "dev" else gold.load_split(spec, args.split)
    records = records[: args.limit]
    lm = models.load(args.model, None, "bfloat16")
    engine = build_engine(lm, spec.id, args.strategy, batch_size=args.batch_size)
    start = time.time()
    predictions = [p.record for p in engine.predict(records)]
    seconds = time.time() - start
    totals: dict[str, int] = {}
    for g, p in zip(records, predictions, strict=True):
        for k, v in link_errors(g, p).items():
            totals[k] = totals.get(k, 0) + v
    metrics = score(spec, records, predictions)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    key = f"{args.model}|{args.strategy}|{args.task}|{args.split}|{len(records)}"
    results[key] = {
        **totals,
        "f1": metrics.get("f1"),
        "entity_f1": metrics.get("entity_f1"),
        "records": len(records),
        "seconds": round(seconds, 1),
        "uptime": os.popen("uptime").read().strip(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(key, json.dumps(results[key], ensure_ascii=False))


if __name__ == "__main__":
    main()
