"""Ship a trained adapter with medui (assets/models/NAME): bf16 weights, lineage and model card.

Usage: python scripts/ship_adapter.py gemma-3-270m-ft --study bench/results/study/study.csv \
           --regenerate "medui train --recipe gemma-3-270m-ft --name gemma-3-270m-ft --eval-limit 0"
The adapter is read from MEDUI_HOME's adapters folder, where `medui train` installs it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from medui.backend.finetune.ship import ship


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--study", type=Path, default=None, help="study.csv whose rows go in the model card")
    parser.add_argument("--regenerate", default="", help="the command that trains the adapter again")
    parser.add_argument("--out", type=Path, default=None, help="default: assets/models")
    parser.add_argument("--notes", default="", help="a paragraph for the card (how the stage was chosen)")
    parser.add_argument("--as", dest="shipped_as", default=None, help="the shipped name (default: NAME)")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
