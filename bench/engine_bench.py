"""Engine benchmark: `medui eval` per family on the bundled model, zero-shot vs few-shot+cd.

Each configuration runs in its own process (so peak memory is its own) and reports records/min, output
tokens/s, peak RSS, the primary metric and valid_rate. Results go to bench/results/engine.json and .md.

    python bench/engine_bench.py [--limit 10] [--model gemma-3-270m] [--tasks a,b] [--strategies s1,s2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASKS = [
    "e3c_clinical_entities",
    "e3c_measurement_links",
    "ed_dyspnea_crf",
    "medmcqa_it",
    "casimedicos_arg_components",
]
STRATEGIES = ["zero-shot", "few-shot+cd"]


def one(task: str, strategy: str, model: str, limit: int) -> dict:
    """Runs in the child process: load, evaluate, report."""
    from medui.backend import models
    from medui.backend.engine import Engine, parse_strategy
    from medui.backend.evaluation import evaluate, load_eval_records
    from medui.tasks.registry import get_spec

    start = time.perf_counter()
    lm = models.load(model)
    load_s = time.perf_counter() - start
    spec = get_spec(task)
    engine = Engine(lm, spec, parse_strategy(strategy, spec))
    m = evaluate(engine, load_eval_records(spec, spec.eval_split, limit)).metrics
    return {
        "task": task,
        "family": spec.family,
        "strategy": strategy,
        "model": model,
        "dtype": lm.dtype,
        "n": m["n"],
        "primary": m["primary"],
        "score": round(m[m["primary"]], 4),
        "valid_rate": m["valid_rate"],
        "seconds": m["seconds"],
        "records_per_min": m["records_per_min"],
        "output_tokens": m["output_tokens"],
        "output_tokens_per_s": m["output_tokens_per_s"],
        "load_seconds": round(load_s, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def to_markdown(rows: list[dict], meta: dict) -> str:
    cols = [
        "task",
        "family",
        "strategy",
        "n",
        "records_per_min",
        "output_tokens_per_s",
        "peak_rss_mb",
        "primary",
        "score",
        "valid_rate",
    ]
    lines = [
        f"# Engine benchmark ({meta['model']}, {meta['dtype']}, {meta['cpu']}, {meta['cores']} cores)",
        "",
        f"Command: `{meta['command']}`; {meta['date']}.",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine"))
    parser.add_argument("--one", nargs=2, metavar=("TASK", "STRATEGY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], args.model, args.limit)))
        return 0
    env = {**os.environ, "TORCHDYNAMO_DISABLE": "1", "HF_HUB_OFFLINE": "1"}
    rows = []
    for task in args.tasks.split(","):
        for strategy in args.strategies.split(","):
            cmd = [
                sys.executable,
                __file__,
                "--one",
                task,
                strategy,
                "--model",
                args.model,
                "--limit",
                str(args.limit),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    meta = {
        "model": args.model,
        "dtype": rows[0]["dtype"],
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "command": "python bench/engine_bench.py " + " ".join(sys.argv[1:]),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8")
    out.with_suffix(".md").write_text(to_markdown(rows, meta), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
