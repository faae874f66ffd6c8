"""Training rows: SFT pairs in the inference template, and packed text chunks for continual pre-training.

SFT. The prompt is exactly what inference sends for a zero-shot strategy ("zero-shot" and "cd" render the same
prompt: no examples), so an adapter is meant to be used with `--strategy cd` (or zero-shot), not few-shot. The
answer is the task's constrained JSON target with the leading space the decoder writes after "Risposta:", then a
newline. Prompt and answer are tokenised apart (the prompt as inference tokenises it, special tokens included;
the answer without), and the prompt's labels are -100, so the loss falls on the answer tokens only. Span records
too long for the maximum length are split into sentence windows (entities and relations inside each window);
what still does not fit is dropped and counted. Records whose document is in the task's evaluation split are
never trained on (they would inflate the evaluation that follows training).

CPT. Texts of a JSONL corpus ({"text": ...}) are tokenised, each between BOS and EOS, concatenated and cut into
chunks of the maximum length; every token is a label.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medui.backend import gold
from medui.backend.data.common import DataError, read_jsonl
from medui.tasks.align import sentence_windows
from medui.tasks.kinds import kind_for
from medui.tasks.prompts import render_prompt
from medui.tasks.records import SPAN_FAMILIES, doc_hash
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

DATA_SOURCES = ("corrections", "gold", "both")
IGNORE = -100


@dataclass
class TrainRow:
    """One training sequence: token ids and labels (IGNORE where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]
    source: str  # task id (SFT) or corpus file name (CPT)


@dataclass
class TrainData:
    """Rows plus what lineage needs: a hash of the data, and counts of what was used and dropped."""

    rows: list[TrainRow]
    snapshot: str
    stats: dict[str, Any] = field(default_factory=dict)


def inference_prompt(spec: TaskSpec, record: dict) -> str:
    """The prompt inference renders for a record with no few-shot examples (strategies zero-shot and cd)."""
    return render_prompt(spec, kind_for(spec).render_input(spec, record), [])


def answer_text(spec: TaskSpec, record: dict) -> str:
    """What the model must write after the prompt: a space, the constrained JSON answer, a newline."""
    return " " + kind_for(spec).render_target(spec, record) + "\n"


def encode_pair(tokenizer, prompt: str, answer: str, source: str = "") -> TrainRow:
    """Prompt ids (as inference encodes them) + answer ids; labels only on the answer."""
    prompt_ids = tokenizer(prompt)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    return TrainRow(prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids, source)


def snapshot_hash(items: list) -> str:
    """A short hash of the exact training data (order included)."""
    blob = json.dumps(items, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


# where records come from --------------------------------------------------------------------------------
def gold_records(spec: TaskSpec) -> list[dict]:
    """The task's training records: its few-shot split (train), of the task it borrows data from if it says so."""
    return gold.fewshot_pool(spec)


def correction_records(spec: TaskSpec, session) -> list[dict]:
    """The latest correction of every corrected record of the task (from the store)."""
    from medui.backend.finetune.store_access import corrected_records

    return corrected_records(spec.id, session=session)


def task_records(spec: TaskSpec, data: str, session=None) -> tuple[list[dict], Counter]:
    """Records to train on for one task and source; a correction replaces the gold record of its document."""
    if data not in DATA_SOURCES:
        raise DataError(f"unknown data source {data!r}: use one of {', '.join(DATA_SOURCES)}")
    counts: Counter = Counter()
    merged: dict[str, dict] = {}
    if data in ("gold", "both"):
        for rec in gold_records(spec):
            merged[doc_hash(rec)] = rec
            counts["gold"] += 1
    if data in ("corrections", "both"):
        for rec in correction_records(spec, session):
            merged[doc_hash(rec)] = rec
            counts["corrections"] += 1
    held_out = _eval_hashes(spec)
    kept = [rec for key, rec in merged.items() if key not in held_out]
    counts["excluded_eval_overlap"] = len(merged) - len(kept)
    return kept, counts


def _eval_hashes(spec: TaskSpec) -> set[str]:
    try:
        return {doc_hash(r) for r in gold.load_split(spec, spec.eval_split)}
    except gold.UnknownSplit:
        return set()


# SFT ------------------------------------------------------------------------------------------------------
def window_record(spec: TaskSpec, record: dict, start: int, end: int) -> dict:
    """The part of a span record between two offsets: entities inside it (shifted), relations between them."""
    entities = [
        {**e, "start": e["start"] - start, "end": e["end"] - start}
        for e in record.get("entities", [])
        if e["start"] >= start and e["end"] <= end
    ]
    out = {"id": f"{record.get('id')}@{start}", "text": record["text"][start:end], "entities": entities}
    if spec.family == "re":
        ids = {e.get("id") for e in entities}
        out["relations"] = [r for r in record.get("relations", []) if r["head"] in ids and r["tail"] in ids]
    return out


def sft_rows(spec: TaskSpec, record: dict, tokenizer, max_length: int) -> list[TrainRow]:
    """Training rows of one record: itself, or its sentence windows when it is too long."""
    row = encode_pair(tokenizer, inference_prompt(spec, record), answer_text(spec, record), spec.id)
    if len(row.input_ids) <= max_length:
        return [row]
    if spec.family not in SPAN_FAMILIES:
        return []
    empty = {**record, "text": "", "entities": [], "relations": []}
    overhead = len(encode_pair(tokenizer, inference_prompt(spec, empty), answer_text(spec, empty)).input_ids)
    text_share = (len(row.input_ids) - overhead) / max(1, len(record["text"]))
    max_chars = int((max_length - overhead) / max(text_share, 1e-6) * 0.9)
    if max_chars < 40:
        return []
    rows = []
    for s, e in sentence_windows(record["text"], max_chars):
        part = window_record(spec, record, s, e)
        part_row = encode_pair(tokenizer, inference_prompt(spec, part), answer_text(spec, part), spec.id)
        if len(part_row.input_ids) <= max_length:
            rows.append(part_row)
    return rows


def sft_dataset(task_ids: list[str], data: str, tokenizer, max_length: int = 512, session=None) -> TrainData:
    """SFT rows of several tasks from corrections, gold or both, with a snapshot hash and counts."""
    rows: list[TrainRow] = []
    used: list = []
    stats: dict[str, Any] = {"data": data, "tasks": {}}
    for task_id in task_ids:
        spec = get_spec(task_id)
        records, counts = task_records(spec, data, session)
        task_rows = []
        for rec in records:
            got = sft_rows(spec, rec, tokenizer, max_length)
            counts["windowed" if len(got) > 1 else "dropped_too_long" if not got else "whole"] += 1
            task_rows += got
        used += [[spec.id, spec.version, rec] for rec in records]
        counts["rows"] = len(task_rows)
        counts["answer_tokens"] = sum(sum(1 for y in r.labels if y != IGNORE) for r in task_rows)
        stats["tasks"][spec.id] = dict(counts)
        rows += task_rows
    if not rows:
        raise DataError(f"no training data: {data} gives no usable record for {', '.join(task_ids)}")
    stats["rows"] = len(rows)
    stats["tokens"] = sum(len(r.input_ids) for r in rows)
    return TrainData(rows, snapshot_hash(used), stats)


# CPT ------------------------------------------------------------------------------------------------------
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


def cpt_dataset(path: str | Path, tokenizer, max_length: int = 512) -> TrainData:
    """Packed chunks of max_length tokens from a corpus; the last partial chunk is kept if long enough."""
    texts = corpus_texts(path)
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    stream: list[int] = []
    for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        stream += bos + ids + eos
    name = Path(path).name
    chunks = [stream[i : i + max_length] for i in range(0, len(stream), max_length)]
    rows = [TrainRow(c, list(c), name) for c in chunks if len(c) >= min(32, max_length)]
    stats = {"corpus": str(path), "documents": len(texts), "tokens": len(stream), "rows": len(rows)}
    return TrainData(rows, snapshot_hash([name, texts]), stats)
