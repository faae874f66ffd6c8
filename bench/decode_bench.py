"""Benchmark: the two decoding speed-ups of issue 24 side by side, on the shipped fine-tuned model.

- `unmerged`: the adapter applied as peft LoRA layers (each projection three matmuls), token by token: how
  medui decoded before;
- `merged`: the adapter folded into the base weights (models.py, what a model loaded for inference now is);
- `merged+drafts`: merged, and the note's next tokens drafted while a mention is copied (decoding.py); a
  sliding-window model (Gemma-3) drafts only for a note decoded alone, so with `--batch 1` (Prova's case).

One process, one loaded model per configuration, the same engines (constraint, prompt, prefix cache) and the
same records; each round runs the configurations in turn (a warm-up round first, not counted), so the load of
the machine falls on all alike. Per task and configuration: records/min (the median round), output tokens,
forward passes, and on how many records the answer is identical to `unmerged`'s (it must be all).

    .venv/bin/python bench/decode_bench.py                  # about 8 minutes on 2 quiet cores
    .venv/bin/python bench/decode_bench.py --limit 2 --rounds 1 --out /tmp/decode_bench   # a try

Writes OUT/results.json and OUT/results.md (default bench/results/decode/), with `uptime` beside each figure.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench.machine import describe  # noqa: E402

TASKS = ("e3c_clinical_entities", "casimedicos_arg_components", "ed_dyspnea_crf")
CONFIGS = ("unmerged", "merged", "merged+drafts")


def uptime() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _unmerged(lm):
    """The same model with its adapter as peft LoRA layers (not folded), sharing the tokenizer and caches."""
    import dataclasses

    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from medui.backend.inference import models

    base = AutoModelForCausalLM.from_pretrained(
        models._model_folder(lm.variant.base), dtype=getattr(torch, lm.dtype)
    )
    model = PeftModel.from_pretrained(base, lm.variant.path).eval()
    return dataclasses.replace(lm, model=model)


def run(model: str, limit: int, rounds: int, tasks: tuple[str, ...], batch: int | None) -> dict:
    from medui.backend.data.gold import load_split
    from medui.backend.inference import decoding, kvbatch
    from medui.backend.service import running
    from medui.backend.service.core import model_strategy
    from medui.tasks.registry import get_spec

    passes = [0]
    extend_all = kvbatch.KVBatch.extend_all

    def counted(self, chunks):
        passes[0] += 1
        return extend_all(self, chunks)

    kvbatch.KVBatch.extend_all = counted
    strategy = model_strategy(model)
    engines = {t: running.engine_for(model, t, strategy, demos="random") for t in tasks}
    for engine in engines.values():
        engine.batch_size = batch or engine.batch_size
    merged = next(iter(engines.values())).lm
    lms = {"unmerged": _unmerged(merged), "merged": merged, "merged+drafts": merged}
    batch_size = next(iter(engines.values())).batch_size
    out: dict = {
        "model": model,
        "strategy": strategy,
        "limit": limit,
        "rounds": rounds,
        "batch": batch_size,
        "tasks": {},
    }
    for task in tasks:
        engine = engines[task]
        records = load_split(get_spec(task), "test")[:limit]
        timings: dict[str, list[float]] = {c: [] for c in CONFIGS}
        seen: dict[str, dict] = {}
        for r in range(rounds + 1):  # round 0 warms every configuration up
            for config in CONFIGS:
                engine.lm = lms[config]
                merged.caches.prefixes.clear()  # shared caches: each configuration computes its own prefix KV
                decoding.DRAFT_TOKENS = 4 if config.endswith("drafts") else 0
                passes[0] = 0
                began = time.perf_counter()
                predictions = engine.predict(records)
                seconds = time.perf_counter() - began
                if r:
                    timings[config].append(seconds)
                seen[config] = {
                    "raw": [p.raw for p in predictions],
                    "tokens": sum(p.output_tokens for p in predictions),
                    "passes": passes[0],
                }
        engine.lm = merged
        rows = {}
        for config in CONFIGS:
            seconds = statistics.median(timings[config])
            rows[config] = {
                "records_per_min": round(60 * len(records) / seconds, 2),
                "seconds": round(seconds, 2),
                "output_tokens": seen[config]["tokens"],
                "forward_passes": seen[config]["passes"],
                "identical_to_unmerged": sum(
                    a == b for a, b in zip(seen[config]["raw"], seen["unmerged"]["raw"], strict=True)
                ),
                "uptime": uptime(),
            }
        out["tasks"][task] = {"records": len(records), "configs": rows}
        print(task, json.dumps(rows), flush=True)
    decoding.DRAFT_TOKENS = 4
    return out


def markdown(result: dict) -> str:
    lines = [
        "# Decoding speed-ups side by side (issue 24)",
        "",
        f"{result['date']} · {result['machine']} · model `{result['model']}` ({result['strategy']}, bf16) · "
        f"{result['limit']} test records a task, batches of {result['batch']} · median of {result['rounds']} rounds · "
        f"`{result['command']}`",
        "",
        "| task | configuration | records/min | seconds | output tokens | forward passes | identical to unmerged "
        "| load |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for task, row in result["tasks"].items():
        for config, c in row["configs"].items():
            lines.append(
                f"| {task} | {config} | {c['records_per_min']} | {c['seconds']} | {c['output_tokens']} | "
                f"{c['forward_passes']} | {c['identical_to_unmerged']}/{row['records']} | {c['uptime']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="gemma-3-270m-ft")
    parser.add_argument("--limit", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument(
        "--batch", type=int, default=None, help="records a batch (default: the engine's, as medui eval)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/decode")
    args = parser.parse_args()
    result = run(args.model, args.limit, args.rounds, tuple(args.tasks.split(",")), args.batch)
    result.update(
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M"),
        machine=describe(),
        command="python bench/decode_bench.py " + " ".join(sys.argv[1:]),
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
