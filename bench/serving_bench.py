"""`medui eval` through an OpenAI-compatible server at several concurrencies, beside the local engine.

The same records, task and strategy go through the served model (`openai:NAME` on --url, e.g. the llama.cpp
server that scripts/ci/llama_server.sh starts on the bundled Gemma GGUF) with MEDUI_OPENAI_CONCURRENCY 1, 4
and 8, then through the local engine on the bundled model. Records/min, primary metric and valid_rate of each;
`uptime`'s load before and after each row. Writes OUT.json and OUT.md. Usage:
    eval "$(bash scripts/ci/llama_server.sh)"
    .venv/bin/python bench/serving_bench.py --url "$MEDUI_TEST_OPENAI_URL" --limit 10
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from medui.backend.evaluation import load_eval_records
from medui.backend.evaluation.runner import build_engine, evaluate
from medui.backend.inference import models, openai_client
from medui.config import get_settings
from medui.tasks.registry import get_spec


def load() -> float:
    return os.getloadavg()[0]


def one_row(system: str, model: str, task: str, strategy: str, limit: int, **engine_kw) -> dict:
    spec = get_spec(task)
    records = load_eval_records(spec, spec.eval_split, limit)
    before = load()
    began = time.perf_counter()
    metrics = evaluate(build_engine(model, spec, strategy, **engine_kw), records).metrics
    seconds = time.perf_counter() - began
    return {
        "system": system, "model": model, "task": task, "strategy": strategy, "n": metrics["n"],
        "seconds": round(seconds, 1), "records_per_min": round(60 * metrics["n"] / seconds, 2),
        "primary": round(100 * metrics[metrics["primary"]], 1), "valid_rate": metrics["valid_rate"],
        "output_tokens_per_s": metrics.get("output_tokens_per_s"), "load_before": round(before, 2),
        "load_after": round(load(), 2),
    }  # fmt: skip


def served(url: str, name: str, concurrency: int, **kw) -> dict:
    os.environ["MEDUI_OPENAI_BASE_URL"] = url
    os.environ["MEDUI_OPENAI_CONCURRENCY"] = str(concurrency)
    get_settings.cache_clear()
    openai_client._SERVERS.clear()
    row = one_row(f"server, concurrency {concurrency}", f"openai:{name}", **kw)
    row["concurrency"] = concurrency
    return row


def markdown(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"# Serving benchmark: {args.task}, {args.strategy}, first {args.limit} test records",
        "",
        f"Server: {args.url} (model {args.served}); local: {args.local} in this process (dtype {args.dtype}).",
        f"Machine: {os.cpu_count()} cores; load average (1 min) before and after each row.",
        "",
        "| system | records | seconds | records/min | output tokens/s | primary x100 | valid_rate | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        tps = "-" if r["output_tokens_per_s"] is None else f"{r['output_tokens_per_s']:.1f}"
        lines.append(
            f"| {r['system']} | {r['n']} | {r['seconds']} | {r['records_per_min']} | {tps} | {r['primary']} "
            f"| {r['valid_rate']:.2f} | {r['load_before']} -> {r['load_after']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("MEDUI_TEST_OPENAI_URL", "http://127.0.0.1:8765/v1"))
    ap.add_argument("--served", default="gemma-3-270m", help="the server's model name")
    ap.add_argument("--local", default="gemma-3-270m", help="the local model for the comparison row")
    ap.add_argument("--dtype", default=None, help="local engine dtype (default: medui's)")
    ap.add_argument("--task", default="e3c_clinical_entities")
    ap.add_argument("--strategy", default="few-shot+cd")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--concurrency", default="1,4,8")
    ap.add_argument("--out", default="bench/results/serving")
    args = ap.parse_args()
    common = {"task": args.task, "strategy": args.strategy, "limit": args.limit}
    rows = []
    for c in [int(x) for x in args.concurrency.split(",")]:
        rows.append(served(args.url, args.served, c, **common))
        print(rows[-1], flush=True)
    rows.append(one_row("local engine", args.local, **common, dtype=args.dtype))
    print(rows[-1], flush=True)
    models.unload()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(rows, args), encoding="utf-8")


if __name__ == "__main__":
    main()
