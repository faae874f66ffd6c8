"""Model selection on dev: the primary metric of adapters on the dev records of the 12 real-data tasks.

Dev records are those training holds out (medui/backend/finetune/dataset.py): AbstRCT and CasiMedicos dev
splits, 10% of the E3C train documents. AbstRCT glaucoma and mixed have no dev of their own (they read
neoplasm's), so neoplasm's dev stands for the three. Usage:
    python bench/dev_select.py --models gemma-3-270m-ft,gemma-3-270m-ft-s2 --limit 10 --out FILE.json
    python bench/dev_select.py --models gemma-3-270m-ft-all2 --strategy pairs \
        --tasks e3c_measurement_links,e3c_temporal_links --limit 50 --out FILE.json
    python bench/dev_select.py --models gemma-3-270m --strategy few-shot+cd --guidelines --out FILE.json
`--guidelines`: prompts with the tasks' label guidelines; its results are keyed `MODEL|STRATEGY+guidelines|TASK`,
so one FILE holds the runs with and without them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from medui.backend.evaluation.runner import build_engine, evaluate
from medui.backend.finetune.dataset import gold_records
from medui.backend.inference import models
from medui.tasks.registry import all_specs, get_spec

REAL = [t for t in sorted(all_specs()) if t.startswith(("e3c_", "casimedicos_", "abstrct_neoplasm"))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--strategy", default="cd")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--dev-fraction", type=float, default=0.1)
    ap.add_argument("--tasks", help="comma-separated subset of the real-data tasks (default: all 10 rows)")
    ap.add_argument("--guidelines", action="store_true", help="prompts with the tasks' label guidelines")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    tasks = args.tasks.split(",") if args.tasks else REAL
    row = args.strategy + ("+guidelines" if args.guidelines else "")
    for name in args.models.split(","):
        lm = models.load(name, None, "bfloat16")
        for task in tasks:
            key = f"{name}|{row}|{task}"
            if key in results:
                continue
            records = gold_records(get_spec(task), "dev", args.dev_fraction)[: args.limit]
            began = time.perf_counter()
            engine = build_engine(lm, task, args.strategy, batch_size=10, guidelines=args.guidelines)
            metrics = evaluate(engine, records).metrics
            results[key] = {"primary": metrics[metrics["primary"]], "n": metrics["n"],
                            "valid_rate": metrics["valid_rate"], "seconds": round(time.perf_counter() - began, 1)}  # fmt: skip
            out.write_text(json.dumps(results, indent=1))
            print(key, results[key], flush=True)
        scores = [results[f"{name}|{row}|{t}"]["primary"] for t in tasks]
        print(f"{name} {row}: dev average x100 = {100 * sum(scores) / len(scores):.1f}", flush=True)
        models.unload()


if __name__ == "__main__":
    main()
