"""Write the sample gold data of drug_leaflet_entities and drug_leaflet_qa (train.jsonl, test.jsonl) and check it.

Run from the repository root:  python scripts/sample_data/drug_leaflets.py
Offsets come from the inline marks of drug_leaflets_data.py, never counted by hand; every record is checked
(offsets, labels, no overlaps, lengths, answers in the context) before anything is written.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from drug_leaflets_data import NER_PASSAGES, NER_TRAIN_DRUGS, QA_PASSAGES, QA_TRAIN_DRUGS  # noqa: E402

from medui.backend.data.common import span_record, write_jsonl  # noqa: E402

LABELS = {"F": "FARMACO", "M": "MALATTIA", "S": "SINTOMO", "A": "PARTE_ANATOMICA"}
MARK = re.compile(r"\{([^{}|]+)\|([FMSA])\}")
NER_DIR = ROOT / "assets" / "data" / "drug_leaflet_entities"
QA_DIR = ROOT / "assets" / "data" / "drug_leaflet_qa"


def unmark(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Plain text and (start, end, label) spans from a text with {mention|L} marks."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = length = 0
    for match in MARK.finditer(marked):
        parts.append(marked[pos : match.start()])
        length += match.start() - pos
        mention = match.group(1)
        spans.append((length, length + len(mention), LABELS[match.group(2)]))
        parts.append(mention)
        length += len(mention)
        pos = match.end()
    parts.append(marked[pos:])
    text = "".join(parts)
    if "{" in text or "}" in text or "|" in text:
        raise ValueError(f"unbalanced mark in: {marked[:60]}...")
    return text, spans


def check_ner(record: dict) -> None:
    """Raise if a record breaks the gold format or the sample rules (length, entity count, overlaps)."""
    text, ents = record["text"], record["entities"]
    assert 200 <= len(text) <= 600, (record["id"], len(text))
    assert 3 <= len(ents) <= 12, (record["id"], len(ents))
    for ent in ents:
        assert text[ent["start"] : ent["end"]] == ent["text"], (record["id"], ent)
        assert ent["label"] in LABELS.values() and ent["text"].strip() == ent["text"], (record["id"], ent)
    for left, right in zip(ents, ents[1:], strict=False):
        assert left["end"] <= right["start"], (record["id"], left, right)


def check_qa(record: dict) -> None:
    """Raise if a QA record's context is out of range or its answer is not verbatim in the context."""
    assert 300 <= len(record["context"]) <= 900, (record["id"], len(record["context"]))
    assert record["answer"] and record["answer"] in record["context"], (record["id"], record["answer"])
    assert record["question"].endswith("?"), record["id"]


def ner_records() -> dict[str, list[dict]]:
    """The NER sample, split by drug (a drug's passages all land in one split)."""
    splits: dict[str, list[dict]] = {"train": [], "test": []}
    for number, (drug, _section, marked) in enumerate(NER_PASSAGES, start=1):
        text, spans = unmark(marked)
        record = span_record(f"dl_ner_{number:03d}", text, spans)
        check_ner(record)
        splits["train" if drug in NER_TRAIN_DRUGS else "test"].append(record)
    return splits


def qa_records() -> dict[str, list[dict]]:
    """The QA sample, split by drug (both questions on a passage land in the same split)."""
    splits: dict[str, list[dict]] = {"train": [], "test": []}
    number = 0
    for drug, context, questions in QA_PASSAGES:
        for question, answer in questions:
            number += 1
            record = {"id": f"dl_qa_{number:03d}", "context": context, "question": question, "answer": answer}
            check_qa(record)
            splits["train" if drug in QA_TRAIN_DRUGS else "test"].append(record)
    return splits


def main() -> None:
    ner, qa = ner_records(), qa_records()
    for folder, splits in ((NER_DIR, ner), (QA_DIR, qa)):
        for split, records in splits.items():
            write_jsonl(folder / f"{split}.jsonl", records)
        print(folder.name, {split: len(records) for split, records in splits.items()})
    for split, records in ner.items():
        print(split, dict(Counter(e["label"] for r in records for e in r["entities"])))


if __name__ == "__main__":
    main()
