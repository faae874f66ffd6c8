"""Rows for continual pre-training (CPT): packed text chunks of a JSONL corpus.

Texts of a corpus ({"text": ...}) are tokenised, each between BOS and EOS, concatenated and cut into chunks of
the maximum length; every token is a label. A corpus text that shares a run of `OVERLAP_WORDS` words with an
evaluation or dev record of any task is dropped first: the shipped E3C layer-3 sample holds a copy of a layer-1
test document (IT101038), which CPT would otherwise learn by heart.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from medui.backend.data.common import DataError, read_jsonl
from medui.backend.finetune.dataset import (
    TrainData,
    TrainRow,
    evaluation_records,
    gold_records,
    snapshot_hash,
)
from medui.tasks.registry import all_specs


def corpus_texts(path: str | Path) -> list[str]:
    """The texts of a JSONL corpus; a line without a non-empty "text" string is an error naming it."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such corpus file")
    texts = []
    for number, obj in enumerate(read_jsonl(path), start=1):
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DataError(f'{path}: record {number} has no non-empty "text" string')
        texts.append(text)
    if not texts:
        raise DataError(f"{path}: the corpus is empty")
    return texts


OVERLAP_WORDS = 8
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = OVERLAP_WORDS) -> set[int]:
    """Hashes of every run of n words of a text (lower-cased, punctuation ignored)."""
    words = _WORD.findall(text.lower())
    return {hash(" ".join(words[i : i + n])) for i in range(len(words) - n + 1)}


def held_out_texts(dev_fraction: float) -> list[str]:
    """The texts no training may see (every string field of a record: its text, question, ...): every task's
    evaluation split and its dev records."""
    records = list(evaluation_records())
    for spec in all_specs().values():
        with contextlib.suppress(DataError):
            records += gold_records(spec, "dev", dev_fraction)
    return sorted({" ".join(v for v in r.values() if isinstance(v, str)) for r in records})


def drop_overlapping(texts: list[str], held_out: list[str]) -> tuple[list[str], int]:
    """The texts that share no run of OVERLAP_WORDS words with a held-out text, and how many were dropped."""
    banned: set[int] = set()
    for text in held_out:
        banned |= shingles(text)
    kept = [t for t in texts if banned.isdisjoint(shingles(t))]
    return kept, len(texts) - len(kept)


def cpt_dataset(
    path: str | Path, tokenizer, max_length: int = 512, held_out: list[str] | None = None
) -> TrainData:
    """Packed chunks of max_length tokens from a corpus (less the texts overlapping `held_out`); the last
    partial chunk is kept if long enough."""
    texts, dropped = drop_overlapping(corpus_texts(path), held_out or [])
    if not texts:
        raise DataError(f"{path}: every text of the corpus overlaps an evaluation or dev record")
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    stream: list[int] = []
    for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        stream += bos + ids + eos
    name = Path(path).name
    chunks = [stream[i : i + max_length] for i in range(0, len(stream), max_length)]
    rows = [TrainRow(c, list(c), name) for c in chunks if len(c) >= min(32, max_length)]
    stats = {"corpus": str(path), "documents": len(texts), "dropped_overlap": dropped}
    stats |= {"tokens": len(stream), "rows": len(rows)}
    return TrainData(rows, snapshot_hash([name, texts]), stats)
