"""Similar against random demonstrations, side by side in one process: records/min and score on the same records.

One model is loaded once; for each task, the same records run with `--demos random` (one draw for the run, its
prompt prefix with the examples computed once) and with `--demos similar` (each record's own examples: only the
instruction is a shared prefix), in alternating order per task so that neither always runs warm. The speed cost
of similar demonstrations is what the prefix cache no longer saves. Results: bench/results/demos/results.{json,md}
with the load average beside every row.

    python bench/demos_bench.py [--model gemma-3-270m] [--strategy few-shot+cd] [--limit 10] [--tasks a,b]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "results" / "demos"
TASKS = ["e3c_clinical_entities", "e3c_measurements", "clinical_case_crf", "medqa_it"]


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--strategy", default="few-shot+cd")
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--tasks", default=",".join(TASKS))
    args = parser.parse_args()

    from medui.backend.evaluation import load_eval_records, runner
    from medui.backend.inference import models
    from medui.tasks.registry import get_spec

    lm = models.load(args.model)
    rows = []
    for i, task in enumerate(t.strip() for t in args.tasks.split(",") if t.strip()):
        spec = get_spec(task)
        records = load_eval_records(spec, spec.eval_split, args.limit)
        for demos in ("random", "similar") if i % 2 == 0 else ("similar", "random"):
            engine = runner.build_engine(lm, spec, args.strategy, demos=demos, split=spec.eval_split)
            before = load()
            m = runner.evaluate(engine, records).metrics
            rows.append(
                {
                    "task": task,
                    "demos": demos,
                    "n": m["n"],
                    "primary": m["primary"],
                    "score": round(m[m["primary"]], 4),
                    "valid_rate": m["valid_rate"],
                    "seconds": m["seconds"],
                    "records_per_min": m["records_per_min"],
                    "prefix_tokens": len(engine.prefix),
                    "load_before": before,
                    "load_after": load(),
                }  # fmt: skip
            )
            print(json.dumps(rows[-1]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "model": args.model,
        "strategy": args.strategy,
        "limit": args.limit,
        "machine": platform.processor(),
    }
    (OUT / "results.json").write_text(json.dumps({**meta, "rows": rows}, indent=2), encoding="utf-8")
    lines = [
        f"# Similar vs random demonstrations: {args.model}, {args.strategy}, {args.limit} test records a task",
        "",
        "| task | demos | score | valid_rate | records/min | shared prefix (tokens) | load before / after |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['task']} | {r['demos']} | {r['score']:.3f} ({r['primary']}) | {r['valid_rate']:.2f} | "
        f"{r['records_per_min']} | {r['prefix_tokens']} | {r['load_before']} / {r['load_after']} |"
        for r in rows
    ]
    (OUT / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
