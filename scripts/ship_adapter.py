"""Ship a trained adapter with medui (assets/models/NAME): bf16 weights, lineage and model card.

Usage: python scripts/ship_adapter.py gemma-3-270m-ft --study bench/results/study/study.csv \
           --regenerate "medui train --recipe gemma-3-270m-ft --name gemma-3-270m-ft --eval-limit 0"
The adapter is read from MEDUI_HOME's adapters folder, where `medui train` installs it.
With --refresh, only the evaluation section of the card of the shipped NAME is rewritten (from --study and the
dev scores of --dev-key in --dev, bench/dev_select.py's output), e.g. after a larger study:
    python scripts/ship_adapter.py gemma-3-270m-ft --refresh --study bench/results/study/study.csv \
           --dev bench/results/train_ft/dev_select.json --dev-key gemma-3-270m-ft-s3 --conditions "..."
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from medui.backend.finetune.ship import refresh_evaluation, ship
from medui.config import SHIPPED_MODELS_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--study", type=Path, default=None, help="study.csv whose rows go in the model card")
    parser.add_argument("--regenerate", default="", help="the command that trains the adapter again")
    parser.add_argument("--out", type=Path, default=None, help="default: assets/models")
    parser.add_argument("--notes", default="", help="a paragraph for the card (how the stage was chosen)")
    parser.add_argument("--as", dest="shipped_as", default=None, help="the shipped name (default: NAME)")
    parser.add_argument("--refresh", action="store_true", help="rewrite only the shipped card's evaluation")
    parser.add_argument("--dev", type=Path, default=None, help="bench/dev_select.py's JSON (with --refresh)")
    parser.add_argument("--dev-key", default="", help="the adapter's name in --dev (with --refresh)")
    parser.add_argument("--conditions", default="", help="how many test records, where (with --refresh)")
    args = parser.parse_args()
    if args.refresh:
        dev = dev_scores(args.dev, args.dev_key) if args.dev else None
        folder = (args.out or SHIPPED_MODELS_DIR) / args.name
        print(refresh_evaluation(folder, study_csv=args.study, dev=dev, conditions=args.conditions))
        return
    print(
        ship(
            args.name,
            study_csv=args.study,
            out_dir=args.out,
            regenerate=args.regenerate,
            shipped_as=args.shipped_as,
            notes=args.notes,
        )
    )


def dev_scores(path: Path, key: str) -> dict[str, dict]:
    """Task -> {"primary", "n"} of the adapter `key` in a bench/dev_select.py file ("KEY|strategy|task")."""
    found = {}
    for name, score in json.loads(path.read_text(encoding="utf-8")).items():
        model, _strategy, task = name.split("|")
        if model == key:
            found[task] = {"primary": score["primary"], "n": score["n"]}
    if not found:
        raise SystemExit(f"no dev scores of {key!r} in {path}")
    return found


if __name__ == "__main__":
    main()
