"""Ship a trained adapter with medui: assets/models/NAME, its weights in bfloat16, its lineage and a model card.

`ship(name)` copies a registered adapter (adapters_dir/NAME, as `medui train` leaves it) to the shipped folder:
adapter_config.json, adapter_model.safetensors with floating tensors cast to bfloat16 (half the size; the
adapter is applied in the base model's dtype when loaded), medui.json (the whole lineage, the list of training
records included) and README.md, the model card written from that lineage and, when given, the study table's
rows of the adapter and its base. All or nothing: the folder is written beside the target, then renamed.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from medui.backend.data.inputs import InputError
from medui.config import SHIPPED_MODELS_DIR, get_settings

WEIGHTS = "adapter_model.safetensors"
MAX_SHIPPED_MB = 25


def ship(
    name: str,
    *,
    study_csv: Path | None = None,
    out_dir: Path | None = None,
    regenerate: str = "",
    shipped_as: str | None = None,
    notes: str = "",
) -> Path:
    """Copy adapter NAME into the shipped folder (out_dir/NAME, or out_dir/shipped_as: the name users pick,
    when the trained adapter is a stage of it) with bf16 weights and a model card."""
    source = get_settings().adapters_dir / name
    if not (source / "adapter_config.json").exists() or not (source / WEIGHTS).exists():
        raise InputError(f"no trained adapter {name!r} in {source.parent}")
    out_dir = out_dir or SHIPPED_MODELS_DIR
    trained_as, name = name, shipped_as or name
    target, staging = out_dir / name, out_dir / f".{name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        tensors = load_file(source / WEIGHTS)
        save_file({k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in tensors.items()},
                  staging / WEIGHTS, metadata={"format": "pt"})  # fmt: skip
        size_mb = (staging / WEIGHTS).stat().st_size / 2**20
        if size_mb > MAX_SHIPPED_MB:
            raise InputError(f"adapter {name!r} is {size_mb:.1f} MB in bfloat16: over {MAX_SHIPPED_MB} MB")
        shutil.copy2(source / "adapter_config.json", staging / "adapter_config.json")
        meta = json.loads((source / "medui.json").read_text(encoding="utf-8"))
        meta["weights_dtype"] = "bfloat16"
        meta["trained_as"] = trained_as
        (staging / "medui.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        rows = study_rows(study_csv, {name, meta.get("base", "")})
        card = model_card(name, meta, size_mb, rows, regenerate, notes)
        (staging / "README.md").write_text(card, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def study_rows(path: Path | None, models: set[str]) -> list[dict]:
    """The rows of a study table (study.csv) whose model is one of `models`; none without a table."""
    if path is None:
        return []
    with Path(path).open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row.get("model") in models]


def model_card(
    name: str, meta: dict, size_mb: float, rows: list[dict], regenerate: str, notes: str = ""
) -> str:
    """The model card: what the adapter is, what it was trained on (and never on), how well, how to use it.
    An adapter trained in stages (each on the one before) gives every stage's data and run."""
    hp = meta.get("hyperparameters", {})
    stages = lineage_stages(meta)
    unique = {
        json.dumps(r, sort_keys=True): r for s in stages for r in s.get("data", {}).get("records") or []
    }
    records = list(unique.values())
    splits = sorted({r.get("split") for r in records if r.get("split")})
    per_stage = [s.get("data", {}).get("tasks", {}) for s in stages]
    tasks = sorted({t for counts in per_stage for t in counts})
    several = len(stages) > 1
    what = (
        f"LoRA {meta.get('objective', 'sft')} in {len(stages)} stages"
        if several
        else "LoRA " + meta.get("objective", "sft")
    )
    lines = [
        f"# {name}",
        "",
        f"{what} on {', '.join(tasks)}. A LoRA adapter (r={hp.get('lora_r')}, alpha={hp.get('lora_alpha')}, "
        f"{', '.join(hp.get('target_modules') or [])}) on **{meta.get('base')}**, shipped with medui "
        f"({size_mb:.1f} MB, bfloat16). Use it by name: `medui run --model {name} --strategy cd ...`, or pick "
        "it in the app's model list.",
        "",
        "## Training data",
        f"- {len(records)} records of the splits {', '.join(splits) or '-'}"
        + (" (every stage together)" if several else "")
        + ". No test record of any task is trained on: a record whose text is in any task's evaluation split "
        "is left out (`excluded_eval_overlap` below).",
        "- Model selection on dev only: AbstRCT and CasiMedicos dev splits, 10% of the E3C train documents held "
        "out by document.",
        "",
        "| task | records | rows"
        + (" (stage " + " / ".join(str(i + 1) for i in range(len(stages))) + ")" if several else "")
        + " | answer tokens | left out (eval overlap) | too long |",
        "|---|---|---|---|---|---|",
    ]
    for task in tasks:
        c = next(counts[task] for counts in per_stage if task in counts)  # the first stage that had it
        used = c.get("gold", c.get("corrections", 0))
        shared = f" (gold counted under {c['gold_shared_with']})" if c.get("gold_shared_with") else ""
        stage_rows = " / ".join(str(counts.get(task, {}).get("rows", 0)) for counts in per_stage)
        lines.append(f"| {task}{shared} | {used} | {stage_rows} | {c.get('answer_tokens', 0)} | "
                     f"{c.get('excluded_eval_overlap', 0)} | {c.get('dropped_too_long', 0)} |")  # fmt: skip
    lines.append("")
    for number, stage in enumerate(stages, start=1):
        data = stage.get("data", {})
        label = f"Stage {number}: " if several else ""
        lines.append(f"- {label}{data.get('rows')} rows, {data.get('tokens')} tokens (data snapshot "
                     f"`{data.get('snapshot', '')[:16]}`).")  # fmt: skip
    if notes:
        lines += ["", notes]
    lines += ["", "## Training run"]
    for number, stage in enumerate(stages, start=1):
        if several:
            parent = stage.get("parent") or stage.get("base")
            lines += ["", f"Stage {number} of {len(stages)}, on {parent}:"]
        lines += run_lines(stage)
    trained = sorted({t for counts in per_stage for t, c in counts.items() if c.get("rows")})
    lines += ["", "## Licences", ""] + licence_lines(trained, meta.get("base", ""))
    lines += evaluation_lines(rows)
    lines += ["", REGENERATE, "", *(["```", regenerate, "```"] if regenerate else ["-"]), "",
              f"Created {meta.get('created_at')} (job {meta.get('job_id')}).", ""]  # fmt: skip
    return "\n".join(lines)


EVALUATION, REGENERATE = "## Evaluation", "## Regenerate"


def evaluation_lines(rows: list[dict], dev: dict[str, dict] | None = None, conditions: str = "") -> list[str]:
    """The card's evaluation: the dev scores the adapter was chosen on (task -> {"primary", "n"}) and the
    study table's rows of the adapter and its base (test records; `conditions` says how many, where)."""
    if not rows and not dev:
        return []
    lines = ["", f"{EVALUATION} (primary metric x100)"]
    if dev:
        lines += ["", "Dev (model selection, `bench/dev_select.py`):", "", "| task | dev | dev records |",
                  "|---|---|---|"]  # fmt: skip
        lines += [f"| {task} | {100 * s['primary']:.1f} | {s['n']} |" for task, s in sorted(dev.items())]
        mean = sum(s["primary"] for s in dev.values()) / len(dev)
        lines.append(f"| average | {100 * mean:.1f} | |")
    if rows:
        columns = [c for c in rows[0] if c not in ("model", "strategy")]
        lines += ["", "Test (the study table" + (f"; {conditions}" if conditions else "") + "):", "",
                  "| model | strategy | " + " | ".join(columns) + " |",
                  "|---|---|" + "---|" * len(columns)]  # fmt: skip
        lines += [
            f"| {r['model']} | {r['strategy']} | " + " | ".join(r[c] for c in columns) + " |" for r in rows
        ]
    return lines


def refresh_evaluation(
    folder: Path, *, study_csv: Path | None = None, dev: dict[str, dict] | None = None, conditions: str = ""
) -> Path:
    """Rewrite the evaluation section of a shipped adapter's card (README.md in `folder`) from a newer study
    or dev selection, keeping the rest of the card; the weights and the lineage are not touched."""
    folder = Path(folder)
    card_path = folder / "README.md"
    if not card_path.exists():
        raise InputError(f"no model card in {folder}")
    card = card_path.read_text(encoding="utf-8")
    meta = json.loads((folder / "medui.json").read_text(encoding="utf-8"))
    rows = study_rows(study_csv, {folder.name, meta.get("base", "")})
    head, sep, tail = card.partition("\n" + REGENERATE)
    if not sep:
        raise InputError(f"the card in {folder} has no {REGENERATE!r} section")
    head = head.split("\n" + EVALUATION)[0].rstrip("\n")
    text = "\n".join([head, *evaluation_lines(rows, dev, conditions), ""]) + sep + tail
    staging = card_path.with_suffix(".md.staging")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, card_path)
    return card_path


def lineage_stages(meta: dict) -> list[dict]:
    """The runs of an adapter trained on top of others, first run first (its own lineage is the last)."""
    stages = []
    while meta:
        stages.insert(0, meta)
        meta = meta.get("parent_lineage") or {}
    return stages


def run_lines(meta: dict) -> list[str]:
    """What one training run did: steps, schedule, time, speed, memory, losses, the weights kept."""
    hp, run = meta.get("hyperparameters", {}), meta.get("training", {})
    dev = run.get("dev_curve") or []
    return [
        f"- {run.get('steps')} optimizer steps of {hp.get('batch_size')} x {hp.get('grad_accum')} rows, "
        f"learning rate {hp.get('learning_rate')} ({hp.get('lr_schedule')}), {hp.get('epochs')} epochs of at "
        f"most {hp.get('rows_per_task')} rows a task"
        + (
            f" (of the rows with an empty answer, {hp['empty_share']:.0%})"
            if hp.get("empty_share", 1) < 1
            else ""
        )
        + f", max length {hp.get('max_length')}, seed {hp.get('seed')}.",
        f"- {run.get('seconds')} s of training on the CPU ({run.get('tokens_per_s')} tokens/s), peak memory "
        f"{run.get('peak_rss_mb')} MB; resumed at steps {run.get('resumed_at') or 'never'}.",
        f"- Loss on a fixed probe of training rows: {_num(run.get('loss_before'))} before, "
        f"{_num(run.get('loss_after'))} after.",
        f"- Dev loss (step: loss): {', '.join(f'{s}: {v}' for s, v in dev) or '-'}; installed weights of "
        f"step {run.get('best_step')}.",
    ]


def licence_lines(tasks: list[str], base: str) -> list[str]:
    """The licence of every dataset trained on (from its dataset card), and what a NonCommercial one means."""
    from medui.backend.data import gold
    from medui.tasks.registry import get_spec

    by_licence: dict[str, list[str]] = {}
    for task in tasks:
        licence = str(gold.card(get_spec(task)).get("licence") or "not stated")
        by_licence.setdefault(licence, []).append(task)
    lines = [f"- {licence}: {', '.join(names)}" for licence, names in sorted(by_licence.items())]
    if any("NC" in licence for licence in by_licence):
        lines += ["", "Part of the training data is CC BY-NC 4.0 (the E3C texts and annotations). The adapter's "
                  "weights are learnt from that material, so medui treats them as adapted material under the "
                  "same terms: use and share the adapter for non-commercial purposes only, crediting E3C "
                  "(Magnini et al., 2021); commercial use needs the rights holders' permission."]  # fmt: skip
    return lines + ["", f"The base model's own licence and terms of use ({base}) apply to the adapter too."]


def _num(value) -> str:
    return "-" if value is None else f"{value:.4f}"
