"""Which linked mentions the entity step of the `pairs` strategy finds, read whole or in sentence windows.

A gold link of a relation task can only be found when both its mentions are (pairs_errors.py counts the links
lost there). This bench asks why they are lost: for each entity task the link task names (`entity_tasks`:
e3c_measurements for RML, e3c_events for EVENT, ...), it runs that task's engine under cd on the link task's
records, once on each whole text and once on sentence windows of at most --window characters (offsets shifted
back), and counts per label: gold mentions, predicted, exact (start, end) matches, and how many of the mentions
that some gold link uses are found.
    python bench/entity_step_recall.py --model gemma-3-270m-ft --task e3c_measurement_links --split dev \
        --limit 10 --window 200 --out bench/results/pairs/entity_step_recall.json
Results accumulate in --out under "model|task|split|limit|entity task|whole or windows N".
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
from medui.tasks.align import sentence_windows
from medui.tasks.registry import get_spec


def windowed(engine, records: list[dict], window: int) -> list[list[dict]]:
    """Each record's mentions, its text read in sentence windows (offsets back in the whole text)."""
    parts = [
        (i, start, {"id": f"{r['id']}@{start}", "text": r["text"][start:end]})
        for i, r in enumerate(records)
        for start, end in sentence_windows(r["text"], window)
    ]
    found: list[list[dict]] = [[] for _ in records]
    for (i, start, _), p in zip(parts, engine.predict([p for _, _, p in parts]), strict=True):
        found[i] += [
            {**e, "start": e["start"] + start, "end": e["end"] + start} for e in p.record["entities"]
        ]
    return found


def counts(records: list[dict], found: list[list[dict]], label: str) -> dict:
    gold_spans, linked = set(), set()
    for i, r in enumerate(records):
        by_id = {e["id"]: e for e in r["entities"]}
        gold_spans |= {(i, e["start"], e["end"]) for e in r["entities"] if e["label"] == label}
        for rel in r["relations"]:
            for end in (by_id[rel["head"]], by_id[rel["tail"]]):
                if end["label"] == label:
                    linked.add((i, end["start"], end["end"]))
    spans = {(i, e["start"], e["end"]) for i, f in enumerate(found) for e in f if e["label"] == label}
    hits = len(spans & gold_spans)
    return {
        "gold": len(gold_spans),
        "predicted": len(spans),
        "exact": hits,
        "precision": round(hits / len(spans), 3) if spans else 0.0,
        "recall": round(hits / len(gold_spans), 3) if gold_spans else 0.0,
        "linked": len(linked),
        "linked_found": len(linked & spans),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--task", default="e3c_measurement_links")
    ap.add_argument("--split", default="dev", help="dev (held out of training) or a gold split such as test")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--window", type=int, default=200, help="the windows' characters at most")
    ap.add_argument("--entity-tasks", help="comma-separated subset of the task's entity tasks")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    spec = get_spec(args.task)
    if not spec.entity_tasks:
        raise SystemExit(f"{args.task} names no entity tasks")
    records = gold_records(spec, "dev", 0.1) if args.split == "dev" else gold.load_split(spec, args.split)
    records = records[: args.limit]
    wanted = args.entity_tasks.split(",") if args.entity_tasks else list(spec.entity_tasks.values())
    lm = models.load(args.model, None, "bfloat16")
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    inputs = [{"id": r["id"], "text": r["text"]} for r in records]
    for label, task in spec.entity_tasks.items():
        if task not in wanted:
            continue
        engine = build_engine(lm, task, "cd", batch_size=10)
        for mode in ("whole", f"windows {args.window}"):
            began = time.time()
            if mode == "whole":
                found = [p.record["entities"] for p in engine.predict(inputs)]
            else:
                found = windowed(engine, records, args.window)
            key = f"{args.model}|{args.task}|{args.split}|{len(records)}|{task}|{mode}"
            results[key] = {
                "label": label,
                **counts(records, found, label),
                "seconds": round(time.time() - began, 1),
                "uptime": os.popen("uptime").read().strip(),
            }
            print(key, json.dumps(results[key]), flush=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
