"""Benchmark: the reference LoRA loop against the fast default, side by side on the same rows, on this machine.

The rows: 8 training rows of each of 8 tasks that cover the five families (NER, relations, forms, questions,
argument mining), drawn with a seed from the train rows of the shipped recipe (train splits, E3C dev documents
held out, at most 1,024 tokens): 64 rows. Each loop trains one epoch over them with the shipped recipe's batch
(4 rows x 2 accumulated = 8 steps), from the same base weights and seed, in a child process of its own (so its
peak RSS is its own):

- reference: the loop as it was (full softmax in checkpointed chunks, rows of any task padded together,
  bf16 autocast where the CPU flag lists AVX512-BF16/AMX, LoRA dropout 0.05);
- fast: the new default (loss over the run's own tokens + 1,024 sampled negatives, batches of one task with
  their shared instruction run once, bf16 only where a timed matmul says it pays, LoRA dropout 0).

Per loop: seconds per step, tokens/s (row tokens, shared prefix counted in every row, as the reference counts
them), peak RSS, the loss of each step, the full-softmax loss of 40 dev rows after the epoch, the projected
epoch over all rows of the all-rows recipe (its tokens / tokens per second), and a profile of 3 micro-batches
(data, body forward, output layer + loss forward and backward, body backward, optimizer step). The fast loop
also reports the base model's probability mass outside the run's vocabulary subset on its rows.

    .venv/bin/python bench/train_speed.py                    # both loops, about 15 minutes on 2 cores
    .venv/bin/python bench/train_speed.py --model smollm2-135m-instruct --out bench/results/train_speed_smollm2

Writes OUT/results.json (keys `reference` and `fast`, each with `tokens_per_s`, `peak_rss_mb`,
`seconds_per_step`; `epoch_minutes_all_rows` for both) and OUT/results.md, with `uptime` beside each loop.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
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

from bench.machine import cpu_name  # noqa: E402

TASKS = [
    "e3c_clinical_entities",
    "e3c_events",
    "e3c_measurement_links",
    "e3c_temporal_links",
    "ed_dyspnea_crf",
    "medqa_it",
    "abstrct_neoplasm_components",
    "casimedicos_arg_components",
]
PER_TASK = 8
DEV_ROWS = 40
REFERENCE = {"loss_vocab": "full", "share_prefix": False, "bf16": "flag", "lora_dropout": 0.05}
FAST = {"loss_vocab": "subset", "share_prefix": True, "bf16": "auto", "lora_dropout": 0.0}
RECIPE = "gemma-3-270m-ft"  # batch 4 x 2, max length 1,024: the shipped recipe


def uptime() -> str:
    """The 1, 5 and 15-minute load averages, as `uptime` shows them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def build_rows(model: str, seed: int, per_task: int = PER_TASK, dev_count: int = DEV_ROWS):
    """The 64 benchmark rows, 40 dev rows, and the token count of all rows of the all-rows recipe."""
    from medui.backend.finetune import dataset, train
    from medui.backend.store.db import session_scope
    from medui.tasks.registry import all_specs

    os.environ["MEDUI_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    tokenizer = train.load_tokenizer(model)
    with session_scope() as session:
        everything = dataset.sft_dataset(
            sorted(all_specs()), "gold", tokenizer, 1024, session, dev_fraction=0.1
        )
        dev = dataset.sft_dataset(
            sorted(all_specs()), "gold", tokenizer, 1024, session, part="dev", dev_fraction=0.1
        )
    rng = random.Random(seed)
    rows = []
    for task in TASKS:
        pool = [r for r in everything.rows if r.source == task]  # SmolLM2 fits no form note in 1,024 tokens
        rows += rng.sample(pool, min(per_task, len(pool)))
    dev_rows = rng.sample(dev.rows, dev_count)
    data = dataset.TrainData(rows, dataset.snapshot_hash([r.input_ids for r in rows]), {"rows": len(rows)})
    return data, dev_rows, everything.stats["tokens"], tokenizer


def child(args: argparse.Namespace) -> None:
    """One loop (args.loop) over the benchmark rows; its measurements as JSON on args.child_out."""
    import torch

    from medui.backend.finetune import loop as loops
    from medui.backend.finetune import prefix, train
    from medui.backend.finetune.losses import outside_mass
    from medui.backend.finetune.objective import use_bf16
    from medui.backend.finetune.recipe import load_recipe

    data, dev_rows, all_tokens, tokenizer = build_rows(args.model, args.seed, args.per_task, args.dev_rows)
    overrides = REFERENCE if args.loop == "reference" else FAST
    config = replace(load_recipe(RECIPE), epochs=1, rows_per_task=None, dev_rows_per_task=None, **overrides)
    torch.manual_seed(config.seed)
    model, _ = train.load_trainable(args.model, config, "cpu")
    autocast = use_bf16(config, "cpu")
    marks: list[float] = []
    losses: list[float] = []

    def on_step(step, total, loss, lr):
        marks.append(time.perf_counter())
        losses.append(round(loss, 5))
        print(f"{args.loop} step {step}/{total} loss {loss:.4f}", flush=True)

    run = loops.Loop(
        model,
        data,
        config,
        tokenizer.pad_token_id,
        "cpu",
        loops.Callbacks(on_step=on_step),
        None,
        None,
        tokenizer.all_special_ids,
    )
    extra = {}
    if run.objective.subset is not None:
        batch = loops.collate(data.rows[:8], tokenizer.pad_token_id, "cpu")
        extra = {
            "vocabulary_subset": run.objective.subset.size,
            "outside_mass_base": round(outside_mass(model, batch, run.objective.subset.subset), 5),
        }
    began = time.perf_counter()
    state = run.loop()
    seconds = time.perf_counter() - began
    steps = [b - a for a, b in zip([began, *marks], marks, strict=False)]
    dev_loss = loops.mean_loss(model, dev_rows, config, tokenizer.pad_token_id, "cpu")
    profile = profile_steps(run, data, config, autocast, prefix)  # after the dev loss: it takes 3 more steps
    tokens_per_s = run.tokens_seen / seconds
    result = {
        "config": {k: getattr(config, k) for k in [*REFERENCE, "batch_size", "grad_accum", "max_length"]},
        "bf16_autocast": autocast,
        "steps": state.step,
        "tokens": run.tokens_seen,
        "seconds": round(seconds, 1),
        "seconds_per_step": round(statistics.mean(steps), 2),
        "tokens_per_s": round(tokens_per_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "loss_curve": losses,
        "dev_loss_full_softmax": round(dev_loss, 5),
        "epoch_minutes_all_rows": round(all_tokens / tokens_per_s / 60, 1),
        "all_rows_tokens": all_tokens,
        "profile": profile,
        **extra,
    }
    Path(args.child_out).write_text(json.dumps(result, indent=1))


def profile_steps(run, data, config, autocast: bool, prefix) -> dict:
    """Seconds of the parts of 3 micro-batches (the plan's first), split by detaching the body's output."""
    import torch

    from medui.backend.finetune.losses import full_loss_sum

    objective = run.objective
    plan = run_plan(data, config)
    parts = {"data": 0.0, "body_forward": 0.0, "head_loss_forward_backward": 0.0, "body_backward": 0.0}
    parts["optimizer_step"] = 0.0
    for k, batch in enumerate(plan[:3]):
        rows = [data.rows[i] for i in batch]
        t0 = time.perf_counter()
        args = (objective.decoder, rows, run.pad_id, "cpu")
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            split = prefix.states_and_targets if config.share_prefix else prefix.plain_states_and_targets
            t1 = time.perf_counter()
            states, targets = split(*args)
            t2 = time.perf_counter()
            detached = states.detach().requires_grad_()
            if objective.subset is not None:
                loss = objective.subset(detached, targets, objective.softcap, k)
            else:
                head = objective.causal_lm.get_output_embeddings()
                loss = full_loss_sum(head, objective.softcap, detached, targets)
        loss.backward()
        t3 = time.perf_counter()
        states.backward(detached.grad)
        t4 = time.perf_counter()
        run.optimizer.step()
        run.optimizer.zero_grad(set_to_none=True)
        t5 = time.perf_counter()
        for name, seconds in zip(parts, [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4], strict=True):
            parts[name] += seconds
    total = sum(parts.values())
    return {
        "micro_batches": 3,
        "seconds": {k: round(v, 2) for k, v in parts.items()},
        "share": {k: round(v / total, 3) for k, v in parts.items()},
    }


def run_plan(data, config):
    from medui.backend.finetune.loop import batch_plan

    return batch_plan(data.rows, config)


def parent(args: argparse.Namespace) -> None:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version()},
        "model": args.model,
        "recipe": RECIPE,
        "rows": f"{args.per_task} train rows of each of {', '.join(TASKS)} (seed {args.seed})",
        "command": " ".join(["python", *sys.argv]),
    }
    for name in args.loops.split(","):
        load = uptime()
        child_out = Path(tempfile.mkdtemp()) / f"{name}.json"
        command = [sys.executable, __file__, "--child", "--loop", name, "--model", args.model]
        command += ["--seed", str(args.seed), "--child-out", str(child_out)]
        command += ["--per-task", str(args.per_task), "--dev-rows", str(args.dev_rows)]
        subprocess.run(command, check=True)
        results[name] = json.loads(child_out.read_text()) | {"uptime_before": load, "uptime_after": uptime()}
    if "reference" in results and "fast" in results:
        ref, fast = results["reference"], results["fast"]
        results["speedup_tokens_per_s"] = round(fast["tokens_per_s"] / ref["tokens_per_s"], 2)
        results["memory_ratio"] = round(fast["peak_rss_mb"] / ref["peak_rss_mb"], 3)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    (out / "results.md").write_text(markdown(results))
    print((out / "results.md").read_text())


def markdown(r: dict) -> str:
    loops = [k for k in ("reference", "fast") if k in r]
    lines = [
        f"# LoRA training speed: {r['model']}, recipe {r['recipe']}",
        "",
        f"Machine: {r['machine']['cpu']}, {r['machine']['cores']} cores. Rows: {r['rows']}. "
        f"Command: `{r['command']}`.",
        "",
        "| | " + " | ".join(loops) + " |",
        "|---|" + "---|" * len(loops),
    ]
    rows = [
        ("tokens/s", "tokens_per_s"),
        ("seconds a step (8 rows)", "seconds_per_step"),
        ("peak RSS (MB)", "peak_rss_mb"),
        ("bf16 autocast", "bf16_autocast"),
        ("dev loss after the epoch (40 rows, full softmax)", "dev_loss_full_softmax"),
        ("projected epoch over all rows (min)", "epoch_minutes_all_rows"),
        ("uptime before / after", None),
    ]
    for label, key in rows:
        if key is None:
            cells = [f"{r[k]['uptime_before']} / {r[k]['uptime_after']}" for k in loops]
        else:
            cells = [str(r[k][key]) for k in loops]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "speedup_tokens_per_s" in r:
        lines += [
            "",
            f"Fast / reference: {r['speedup_tokens_per_s']}x tokens/s, {r['memory_ratio']}x peak RSS.",
        ]
    lines += [
        "",
        "## Loss of each step",
        "",
        "| step | " + " | ".join(loops) + " |",
        "|---|" + "---|" * len(loops),
    ]
    for i in range(max(len(r[k]["loss_curve"]) for k in loops)):
        cells = [str(r[k]["loss_curve"][i]) if i < len(r[k]["loss_curve"]) else "" for k in loops]
        lines.append(f"| {i + 1} | " + " | ".join(cells) + " |")
    lines += ["", "## Where the seconds of 3 micro-batches go", "", "| part | " + " | ".join(loops) + " |"]
    lines.append("|---|" + "---|" * len(loops))
    for part in r[loops[0]]["profile"]["seconds"]:
        cells = [
            f"{r[k]['profile']['seconds'][part]} s ({100 * r[k]['profile']['share'][part]:.0f}%)"
            for k in loops
        ]
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    if "fast" in r and "vocabulary_subset" in r["fast"]:
        f = r["fast"]
        lines += [
            "",
            f"Fast loss: {f['vocabulary_subset']} tokens in the run's subset (+1,024 negatives a micro-batch); "
            f"the base model puts {100 * f['outside_mass_base']:.2f}% of its probability outside the subset "
            "at the labelled positions of 8 of the rows.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--loops", default="reference,fast")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "train_speed"))
    parser.add_argument(
        "--per-task", type=int, default=PER_TASK, help="rows of each task (smoke runs: fewer)"
    )
    parser.add_argument("--dev-rows", type=int, default=DEV_ROWS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--loop", default="fast", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
