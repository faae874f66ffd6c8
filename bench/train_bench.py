"""Benchmark: one epoch of LoRA SFT on 200 records of an NER task with the bundled Gemma-3-270M, on this machine.

Measures data preparation, model load, time per step, the whole epoch, peak memory, the loss of a probe batch
before and after, then scores the base (few-shot+cd and cd) and the adapter (cd) on the task's test split.
Runs in a temporary medui home (the converted models folder is linked in, nothing is written to db/).

The records are E3C clinical entities read from ../shared/data/e3c with the project's importer: the 143
layer-1 training windows, then layer-2 (silver) windows up to --records. The test split is layer 1's test windows.

    .venv/bin/python bench/train_bench.py                      # full epoch (about 10 minutes on 2 cores)
    .venv/bin/python bench/train_bench.py --max-steps 10       # shorter: the epoch time is then extrapolated
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from medui.config import get_settings  # noqa: E402

TASK = "e3c_clinical_entities"


def prepare_home(records: int) -> tuple[Path, dict]:
    """A temporary medui home: the real converted models linked in, the E3C records as the task's user data."""
    from medui.backend.data.common import write_jsonl
    from medui.backend.data.e3c import build_e3c
    from medui.backend.inference import models

    models.convert_bundled("gemma-3-270m")
    real_models = get_settings().models_dir
    report = build_e3c(get_settings().shared_data_dir / "e3c")[TASK].records
    home = Path(tempfile.mkdtemp(prefix="medui-bench-"))
    (home / "models").symlink_to(real_models)
    train = (report["train"] + report["silver"])[:records]
    write_jsonl(home / "data" / TASK / "train.jsonl", train)
    write_jsonl(home / "data" / TASK / "test.jsonl", report["test"])
    os.environ["MEDUI_HOME"] = str(home)
    get_settings.cache_clear()
    sources = {
        "layer1_train": min(records, len(report["train"])),
        "layer2_silver": max(0, records - len(report["train"])),
    }
    return home, {"records": len(train), "sources": sources, "test_records": len(report["test"])}


def run_training(args: argparse.Namespace) -> dict:
    """One epoch (or --max-steps) of the CPU recipe; times each step."""
    from medui.backend.finetune import dataset, loop, train
    from medui.backend.finetune.recipe import load_recipe

    start = time.perf_counter()
    tokenizer = train.load_tokenizer(args.model)
    data = dataset.sft_dataset([TASK], "gold", tokenizer, max_length=args.max_length)
    prep_s = time.perf_counter() - start
    config = load_recipe("sft_lora_cpu").with_overrides(max_steps=args.max_steps, max_length=args.max_length)
    epoch_steps = loop.total_steps(data.rows, replace(config, max_steps=None))
    marks: list[float] = []
    loop_start: list[float] = []
    cpu_marks: list[float] = []

    def log(line: str) -> None:
        if " steps; probe loss before" in line:
            loop_start.append(time.perf_counter())
            cpu_marks.append(time.process_time())
        print(line, flush=True)

    def on_step(step: int, total: int, loss: float, lr: float) -> None:
        marks.append(time.perf_counter())
        cpu_marks.append(time.process_time())
        previous = marks[-2] if len(marks) > 1 else loop_start[0]
        print(f"step {step}/{total} loss {loss:.4f} ({marks[-1] - previous:.1f}s)", flush=True)

    callbacks = train.Callbacks(on_step=on_step, log=log)
    t0 = time.perf_counter()
    result = train.train(args.model, data, config, name=args.name, callbacks=callbacks, device="cpu")
    total_s = time.perf_counter() - t0
    step_s = [b - a for a, b in zip(loop_start[:1] + marks, marks, strict=False)]
    cpu_step_s = [b - a for a, b in zip(cpu_marks, cpu_marks[1:], strict=False)]
    lengths = sorted(len(r.input_ids) for r in data.rows)
    return {
        "rows": len(data.rows),
        "data_stats": data.stats["tasks"][TASK],
        "row_tokens": {"mean": round(statistics.mean(lengths), 1), "max": lengths[-1], "total": sum(lengths)},
        "data_prep_s": round(prep_s, 1),
        "steps_run": result.steps,
        "steps_per_epoch": epoch_steps,
        "batch_size": config.batch_size,
        "max_length": config.max_length,
        "setup_s": round(loop_start[0] - t0, 1),
        "after_loop_s": round(t0 + total_s - marks[-1], 1),
        "step_s_mean": round(statistics.mean(step_s), 2) if step_s else None,
        "step_s_median": round(statistics.median(step_s), 2) if step_s else None,
        "cpu_s_per_step_mean": round(statistics.mean(cpu_step_s), 2) if cpu_step_s else None,
        "train_call_s": round(total_s, 1),
        "peak_rss_mb_after_training": result.peak_rss_mb,
        "loss_curve": result.loss_curve,
        "probe_loss_before": round(result.loss_before, 4),
        "probe_loss_after": round(result.loss_after, 4),
        "config": config.to_dict(),
    }


def extrapolate(t: dict) -> dict:
    """Epoch time: measured when the whole epoch ran, else fixed costs + steps x the mean step (labelled).

    Also an estimate for an idle machine from the CPU time of a step spread over the two cores (the loop only;
    OMP_WAIT_POLICY=PASSIVE keeps waiting threads from counting as work).
    """
    quiet = (
        round(t["cpu_s_per_step_mean"] / 2 * t["steps_per_epoch"], 1) if t["cpu_s_per_step_mean"] else None
    )
    if t["steps_run"] >= t["steps_per_epoch"]:
        return {"epoch_s": t["train_call_s"], "measured": True, "idle_loop_estimate_s": quiet}
    fixed = t["train_call_s"] - t["step_s_mean"] * t["steps_run"]
    epoch = round(fixed + t["step_s_mean"] * t["steps_per_epoch"], 1)
    return {"epoch_s": epoch, "measured": False, "idle_loop_estimate_s": quiet}


def run_evaluation(args: argparse.Namespace) -> list[dict]:
    """Base few-shot+cd and cd, adapter cd, on the first --eval-limit test records."""
    from medui.backend.finetune.worker import evaluate_one
    from medui.backend.inference import models

    rows = []
    for model_name, strategy in ((args.model, "few-shot+cd"), (args.model, "cd"), (args.name, "cd")):
        m = evaluate_one(TASK, model_name, strategy, args.eval_limit)
        keep = (
            "model",
            "strategy",
            "n",
            "f1",
            "precision",
            "recall",
            "valid_rate",
            "seconds",
            "records_per_min",
        )
        rows.append({k: m.get(k) for k in keep})
        print(json.dumps(rows[-1]), flush=True)
        if model_name == args.name:
            models.unload(model_name)
    return rows


def markdown(result: dict) -> str:
    t, e = result["training"], result["epoch"]
    label = (
        "measured" if e["measured"] else f"EXTRAPOLATED from {t['steps_run']} of {t['steps_per_epoch']} steps"
    )
    lines = [
        f"# LoRA SFT benchmark: {result['model']} on {result['records']} records of {TASK} ({result['machine']})",
        "",
        f"- one epoch: **{e['epoch_s'] / 60:.1f} min** ({label}, wall clock on this machine as loaded); "
        "target under 15 min",
        f"- CPU time a step {t['cpu_s_per_step_mean']} s: on an idle 2-core machine the {t['steps_per_epoch']} "
        f"steps would take about {(e['idle_loop_estimate_s'] or 0) / 60:.1f} min (ESTIMATE: CPU time / 2 cores)",
        f"- {t['rows']} training rows (mean {t['row_tokens']['mean']} tokens, max {t['row_tokens']['max']}), "
        f"batch {t['batch_size']}, {t['steps_per_epoch']} steps an epoch",
        f"- time a step: mean {t['step_s_mean']} s, median {t['step_s_median']} s; before the first step "
        f"{t['setup_s']} s (model load, probe loss), after the last {t['after_loop_s']} s (probe loss, save)",
        f"- data preparation {t['data_prep_s']} s; peak memory (RSS) {t['peak_rss_mb_after_training']:.0f} MB",
        f"- machine load average (1 min) before/after training: {t['load_average_before_after']} "
        "(other work on the 2 cores slows every step)",
        f"- probe loss (8 training rows, answer tokens) {t['probe_loss_before']} -> {t['probe_loss_after']}",
        f"- loss curve: first {t['loss_curve'][0][1]}, last {t['loss_curve'][-1][1]}",
        "",
        f"## Test split, first {result['eval_limit']} records",
        "",
        "| model | strategy | n | F1 | P | R | valid | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["evaluation"]:
        nums = [r.get(k) for k in ("f1", "precision", "recall", "valid_rate")]
        cells = " | ".join("-" if v is None else f"{v:.3f}" for v in nums)
        lines.append(f"| {r['model']} | {r['strategy']} | {r['n']} | {cells} | {r['seconds']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument(
        "--max-steps", type=int, default=None, help="stop early; the epoch is then extrapolated"
    )
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument(
        "--eval-limit", type=int, default=20, help="test records scored; 0 skips the evaluation"
    )
    parser.add_argument("--name", default="bench-e3c-lora")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "train_cpu"))
    args = parser.parse_args()
    import torch

    home, data_info = prepare_home(args.records)
    load_before = os.getloadavg()
    training = run_training(args)
    training["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    result = {
        "model": args.model,
        "task": TASK,
        **data_info,
        "machine": f"{os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads",
        "run_env": {"nice": os.nice(0), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")},
        "training": training,
        "epoch": extrapolate(training),
        "eval_limit": args.eval_limit,
        "evaluation": run_evaluation(args) if args.eval_limit else [],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
