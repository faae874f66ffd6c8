"""Write the sample gold data of the three multiple-choice tasks (assets/data/<task>/{train,test}.jsonl).

Run from the repository root: python scripts/sample_data/mcqa_build.py
The questions live in mcqa_items_*.py as (question, correct answer, distractors). In each split every letter is
the answer equally often (the split sizes are multiples of the letter count), in a fixed shuffled order.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

import mcqa_items_medmcqa  # noqa: E402
import mcqa_items_medqa  # noqa: E402
import mcqa_items_specialty  # noqa: E402

from medui.backend.data.common import write_jsonl  # noqa: E402

TASKS = {
    # task: (id prefix, option letters, items, train size)
    "medqa_it": ("medqa", "ABCDE", mcqa_items_medqa.ITEMS, 20),
    "medmcqa_it": ("medmcqa", "ABCD", mcqa_items_medmcqa.ITEMS, 20),
    "specialty_exam_mcqa": ("ssm", "ABCDE", mcqa_items_specialty.ITEMS, 20),
}


def build_record(record_id: str, item: tuple, letters: str, position: int) -> dict:
    """One gold record with the correct answer at letters[position]."""
    question, correct, distractors = item
    if len(distractors) != len(letters) - 1:
        raise ValueError(f"{record_id}: {len(distractors)} distractors, expected {len(letters) - 1}")
    texts = list(distractors)
    texts.insert(position, correct)
    if len({t.casefold() for t in texts}) != len(texts):
        raise ValueError(f"{record_id}: repeated option text")
    options = dict(zip(letters, texts, strict=True))
    return {"id": record_id, "question": question, "options": options, "answer": letters[position]}


def build_split(prefix: str, split: str, letters: str, items: list) -> list[dict]:
    """Records of one split, each letter the answer equally often, in a seeded shuffled order."""
    if len(items) % len(letters):
        raise ValueError(f"{prefix} {split}: {len(items)} items do not balance over {len(letters)} letters")
    positions = [i % len(letters) for i in range(len(items))]
    random.Random(f"{prefix}-{split}").shuffle(positions)
    return [
        build_record(f"{prefix}-{split}-{i + 1:03d}", item, letters, position)
        for i, (item, position) in enumerate(zip(items, positions, strict=True))
    ]


def main() -> None:
    for task, (prefix, letters, items, n_train) in TASKS.items():
        folder = ROOT / "assets" / "data" / task
        splits = {"train": items[:n_train], "test": items[n_train:]}
        for split, split_items in splits.items():
            n = write_jsonl(folder / f"{split}.jsonl", build_split(prefix, split, letters, split_items))
            print(f"{task}/{split}.jsonl: {n} records")


if __name__ == "__main__":
    main()
