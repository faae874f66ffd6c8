"""The long run: LoRA SFT of Gemma-3-270M on every train row of all 20 tasks (recipe gemma-3-270m-ft-all), resumable
across sessions and machines.

The run's state (LoRA weights, optimizer, step, loss curves, best dev weights) is written every 5 minutes, and when
the run stops at `--until`, to `--checkpoint` (committed: bench/results/train_all/checkpoint/state.pt), so the next
session, on this machine or another, continues where this one stopped: the data is rebuilt the same way (gold train
splits, an empty corrections store), its snapshot hash and the recipe must match the checkpoint's or the run refuses
to resume. Progress lines, each with the load average, go to OUT/progress.log; the finished adapter is installed as
`--name` in the adapters folder and its medui.json copied to OUT/.

    nohup .venv/bin/python bench/train_all.py --until 00:45 >> bench/results/train_all/run.log 2>&1 &

Exit 0: trained and installed; 3: stopped at --until (run it again to go on); 2: bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "results" / "train_all"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def use_out(folder: Path) -> Path:
    """Where progress.log and medui.json go (made if missing)."""
    global OUT
    OUT = folder
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


def log(line: str) -> None:
    stamped = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} load {load()}: {line}"
    print(stamped, flush=True)
    with open(OUT / "progress.log", "a", encoding="utf-8") as out:
        out.write(stamped + "\n")


def deadline(until: str | None) -> datetime | None:
    """Today's (or tomorrow's) UTC time HH:MM, or None."""
    if not until:
        return None
    now = datetime.now(UTC)
    hour, minute = (int(x) for x in until.split(":"))
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipe", default="gemma-3-270m-ft-all")
    parser.add_argument("--name", default="gemma-3-270m-ft-all")
    parser.add_argument(
        "--out", default=str(OUT), help="progress, medui.json (and by default the checkpoint)"
    )
    parser.add_argument("--checkpoint", default=None, help="default: OUT/checkpoint")
    parser.add_argument("--until", default=None, help="UTC HH:MM: save the state and stop there (exit 3)")
    args = parser.parse_args()
    out = use_out(Path(args.out))
    args.checkpoint = args.checkpoint or str(out / "checkpoint")
    os.environ["MEDUI_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/empty.db"  # no corrections: same data

    from medui.backend.finetune import dataset, train
    from medui.backend.finetune.recipe import load_recipe
    from medui.backend.store.db import session_scope

    config = load_recipe(args.recipe)
    tasks = config.task_ids()
    tokenizer = train.load_tokenizer(config.model)
    with session_scope() as session:
        data = dataset.sft_dataset(
            tasks, config.data, tokenizer, config.max_length, session, dev_fraction=0.1,
            pairs=config.pair_rows, pair_none_ratio=config.pair_none_ratio,
        )  # fmt: skip
    dev = dataset.sft_dataset(
        tasks, "gold", tokenizer, config.max_length, part="dev", dev_fraction=config.dev_fraction,
        pairs=config.pair_rows, pair_none_ratio=config.pair_none_ratio,
    )  # fmt: skip
    dev = dataset.cap_rows(dev, config.dev_rows_per_task, config.seed)
    log(
        f"data {data.snapshot}: {data.stats['rows']} rows, {data.stats['tokens']} tokens; dev {len(dev.rows)} rows"
    )
    stop_at = deadline(args.until)

    def on_step(step: int, total: int, loss: float, lr: float) -> None:
        if step == 1 or step % 10 == 0 or step == total:
            log(f"step {step}/{total} loss {loss:.4f} lr {lr:.2e}")

    callbacks = train.Callbacks(
        on_step=on_step,
        log=log,
        should_stop=lambda: stop_at is not None and datetime.now(UTC) >= stop_at,
    )
    meta = {"tasks": tasks, "data": {"source": config.data}, "description": f"recipe {args.recipe}"}
    try:
        result = train.train(
            config.model,
            data,
            config,
            name=args.name,
            meta=meta,
            callbacks=callbacks,
            dev=dev,
            checkpoint=Path(args.checkpoint),
        )
    except train.TrainingCancelled as stopped:
        log(f"{stopped}: state saved in {args.checkpoint}; run this again to go on")
        return 3
    assert result is not None
    shutil.copy(result.adapter_dir / "medui.json", OUT / "medui.json")
    summary = {k: result.meta["training"][k] for k in ("steps", "seconds", "tokens_per_s", "best_dev_loss")}
    log(f"done: adapter {result.adapter_dir}; {json.dumps(summary)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
