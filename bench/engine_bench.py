"""Engine benchmark: `medui eval` per family on the bundled model, zero-shot vs few-shot+cd, per dtype.

Each configuration runs in its own process (so peak memory is its own) and reports records/min, output
tokens/s, peak RSS, the primary metric and valid_rate. With several dtypes (`--dtypes bfloat16,float32`) each
row also says on how many records the raw output is identical to the first dtype's: the check behind picking
bf16 on CPUs with AVX512-BF16. Results go to bench/results/engine.json and .md.

    python bench/engine_bench.py [--limit 10] [--model gemma-3-270m] [--tasks a,b] [--strategies s1,s2]
                                 [--dtypes auto]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from medui.tasks.registry import ONE_TASK_PER_FAMILY

ROOT = Path(__file__).resolve().parent.parent
TASKS = list(ONE_TASK_PER_FAMILY)
STRATEGIES = ["zero-shot", "few-shot+cd"]


def one(task: str, strategy: str, model: str, limit: int, dtype: str) -> dict:
    """Runs in the child process: load, evaluate, report."""
    from medui.backend.evaluation import load_eval_records, runner
    from medui.backend.inference import models
    from medui.tasks.registry import get_spec

    start = time.perf_counter()
    lm = models.load(model, dtype=None if dtype == "auto" else dtype)
    load_s = time.perf_counter() - start
    spec = get_spec(task)
    engine = runner.build_engine(lm, spec, strategy)
    result = runner.evaluate(engine, load_eval_records(spec, spec.eval_split, limit))
    m = result.metrics
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
        "outputs": {str(p.record.get("id")): p.raw for p in result.predictions},
    }


def same_outputs(rows: list[dict]) -> None:
    """Per row, the share of records whose raw output equals the one of the first dtype run on that config."""
    first: dict[tuple, dict] = {}
    for r in rows:
        ref = first.setdefault((r["task"], r["strategy"]), r["outputs"])
        r["same_output_as_first_dtype"] = round(
            sum(ref.get(k) == v for k, v in r["outputs"].items()) / len(ref), 3
        )


def to_markdown(rows: list[dict], meta: dict) -> str:
    cols = [
        "task",
        "family",
        "strategy",
        "dtype",
        "n",
        "records_per_min",
        "output_tokens_per_s",
        "peak_rss_mb",
        "primary",
        "score",
        "valid_rate",
        "same_output_as_first_dtype",
    ]
    lines = [
        f"# Engine benchmark ({meta['model']}, {meta['cpu']}, {meta['cores']} cores)",
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
    parser.add_argument("--dtypes", default="auto", help="comma-separated: auto, bfloat16, float32, float16")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine"))
    parser.add_argument("--one", nargs=2, metavar=("TASK", "STRATEGY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], args.model, args.limit, args.dtypes)))
        return 0
    env = {**os.environ, "TORCHDYNAMO_DISABLE": "1", "HF_HUB_OFFLINE": "1"}
    rows = []
    for task in args.tasks.split(","):
        for strategy, dtype in itertools.product(args.strategies.split(","), args.dtypes.split(",")):
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
                "--dtypes",
                dtype,
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "outputs"}), flush=True)
    same_outputs(rows)
    meta = {
        "model": args.model,
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "loadavg_at_end": round(os.getloadavg()[0], 2),
        "command": "python bench/engine_bench.py " + " ".join(sys.argv[1:]),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8")
    out.with_suffix(".md").write_text(to_markdown(rows, meta), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
