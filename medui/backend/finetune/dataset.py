"""Training rows: SFT pairs in the inference template (and the train/dev/evaluation rules CPT shares).

Train and dev. Records whose document is in the evaluation split of ANY task are never trained on (the same
text can carry another task's annotation). A task with a dev split is selected on it; a task without one (E3C)
holds out `dev_fraction` of its train documents as dev, chosen by a hash of the document id (the part before
"#"), so the same documents are held out for every task of a corpus. Tasks that borrow another task's gold data
(AbstRCT glaucoma and mixed read neoplasm's train split) add no gold rows of their own when that task is trained
too. Every record used is listed ({"task", "split", "id"}) for the adapter's lineage.

SFT. The prompt is exactly what inference sends for a zero-shot strategy ("zero-shot" and "cd" render the same
prompt: no examples), so an adapter is meant to be used with `--strategy cd` (or zero-shot), not few-shot. The
answer is the task's constrained JSON target with the leading space the decoder writes after "Risposta:", then a
newline. Prompt and answer are tokenised apart (the prompt as inference tokenises it, special tokens included;
the answer without), and the prompt's labels are -100, so the loss falls on the answer tokens only. Span records
too long for the maximum length are split into sentence windows (entities and relations inside each window);
what still does not fit is dropped and counted. Records whose document is in the task's evaluation split are
never trained on (they would inflate the evaluation that follows training).

Pair rows (`pairs=True`, relation tasks): the pair question of the `pairs` strategies (medui/tasks/pairs.py),
every linked candidate pair of a record and `pair_none_ratio` unlinked ones per linked one (seeded), with the
demonstrations inference shows; their source is "<task>:pairs", so they are batched apart from the task's own
rows and share the pair instruction's prefix.

CPT rows (packed chunks of a corpus) are built by medui/backend/finetune/cpt.py.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from medui.backend.data import gold
from medui.backend.data.common import DataError
from medui.tasks import registry
from medui.tasks.align import sentence_windows
from medui.tasks.kinds import kind_for
from medui.tasks.pairs import (
    NONE,
    gold_pairs,
    pair_examples,
    pair_input,
    pair_prompt,
    render_answer,
    sentence_starts,
)
from medui.tasks.prompts import render_prompt
from medui.tasks.records import doc_hash
from medui.tasks.registry import all_specs, get_spec
from medui.tasks.spec import TaskSpec

DATA_SOURCES = ("corrections", "gold", "both")
IGNORE = -100


@dataclass
class TrainRow:
    """One training sequence: token ids and labels (IGNORE where no loss is taken)."""

    input_ids: list[int]
    labels: list[int]
    source: str  # task id (SFT) or corpus file name (CPT)
    empty: bool = False  # an SFT answer whose lists are all empty (nothing found in the text)


@dataclass
class TrainData:
    """Rows plus what lineage needs: a hash of the data, counts, and the records used ({"task","split","id"})."""

    rows: list[TrainRow]
    snapshot: str
    stats: dict[str, Any] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)


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
    labels = [IGNORE] * len(prompt_ids) + answer_ids
    return TrainRow(prompt_ids + answer_ids, labels, source, empty_answer(answer))


def empty_answer(answer: str) -> bool:
    """Whether a JSON answer lists nothing: it has lists and every one is empty (a text without mentions)."""
    try:
        value = json.loads(answer)
    except json.JSONDecodeError:
        return False
    lists = [v for v in value.values() if isinstance(v, list)] if isinstance(value, dict) else []
    return bool(lists) and not any(lists)


def snapshot_hash(items: list) -> str:
    """A short hash of the exact training data (order included)."""
    blob = json.dumps(items, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


# where records come from --------------------------------------------------------------------------------
def gold_source(spec: TaskSpec) -> str:
    """The task whose gold data this task trains on (itself, or the task it borrows examples from)."""
    return spec.fewshot_task or spec.id


def gold_records(spec: TaskSpec, part: str = "train", dev_fraction: float = 0.0) -> list[dict]:
    """The task's gold records of one part: "train" (its few-shot split less the held-out dev documents) or
    "dev" (its own dev split if it has one, else the held-out share of its train split)."""
    pool = gold.fewshot_pool(spec)
    has_dev = "dev" in registry.split_files(get_spec(gold_source(spec)), gold.data_roots())
    if part == "train":
        return pool if has_dev else [r for r in pool if not held_out(r, dev_fraction)]
    if part != "dev":
        raise DataError(f"unknown part {part!r}: train or dev")
    if has_dev:
        return gold.load_split(get_spec(gold_source(spec)), "dev")
    return [r for r in pool if held_out(r, dev_fraction)]


def held_out(record: dict, fraction: float) -> bool:
    """Whether a record's document falls in the held-out dev share (by a hash of its document id)."""
    if fraction <= 0:
        return False
    document = str(record.get("id", "")).split("#", 1)[0] or doc_hash(record)
    bucket = int(hashlib.sha256(document.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < fraction


def correction_records(spec: TaskSpec, session) -> list[dict]:
    """The latest correction of every corrected record of the task (from the store)."""
    from medui.backend.finetune.store_access import corrected_records

    return corrected_records(spec.id, session=session)


def task_records(
    spec: TaskSpec, data: str, session=None, dev_fraction: float = 0.0
) -> tuple[list[dict], Counter]:
    """Training records of one task and source; a correction replaces the gold record of its document.
    Each record is marked with where it comes from (`_split`: the gold split, or "corrections")."""
    if data not in DATA_SOURCES:
        raise DataError(f"unknown data source {data!r}: use one of {', '.join(DATA_SOURCES)}")
    counts: Counter = Counter()
    merged: dict[str, dict] = {}
    if data in ("gold", "both"):
        for rec in gold_records(spec, "train", dev_fraction):
            merged[doc_hash(rec)] = {**rec, "_split": spec.fewshot_split}
            counts["gold"] += 1
    if data in ("corrections", "both"):
        for rec in correction_records(spec, session):
            merged[doc_hash(rec)] = {**rec, "_split": "corrections"}
            counts["corrections"] += 1
    held = evaluation_hashes()
    kept = [rec for key, rec in merged.items() if key not in held]
    counts["excluded_eval_overlap"] = len(merged) - len(kept)
    return kept, counts


def corrections_summary(spec: TaskSpec, tokenizer, max_length: int, session) -> dict:
    """What training on a task's corrections would use, before it starts: documents with a record in force,
    those left out because their text is in an evaluation split (of any task), those too long for max_length
    even cut into sentence windows, those pending adjudication (annotators disagree), and the usable rest."""
    from medui.backend.store.in_force import records_in_force

    resolved = records_in_force(spec.id, session=session)
    held = evaluation_hashes()
    reasons = Counter(
        left_out(spec, r.record, tokenizer, max_length, held) for r in resolved if r.record is not None
    )
    return {
        "task": spec.id,
        "corrected": len(resolved),
        "pending": sum(r.source == "pending" for r in resolved),
        "test": reasons["test"],
        "too_long": reasons["too_long"],
        "usable": reasons[None],
    }


def left_out(
    spec: TaskSpec, record: dict, tokenizer, max_length: int, held: frozenset[str] | None = None
) -> str | None:
    """Why a record in force would not be trained on ("test": its text is in an evaluation split of any task;
    "too_long": no row of it fits max_length, even cut into sentence windows), or None: it would be. `held`:
    evaluation_hashes(), when the caller has it. The rule of corrections_summary and of the correction queue."""
    if doc_hash(record) in (evaluation_hashes() if held is None else held):
        return "test"
    return None if sft_rows(spec, record, tokenizer, max_length) else "too_long"


def evaluation_records() -> Iterator[dict]:
    """Every task's evaluation-split records (a task without one gives none)."""
    for spec in all_specs().values():
        with contextlib.suppress(gold.UnknownSplit):
            yield from gold.load_split(spec, spec.eval_split)


@functools.lru_cache(maxsize=1)
def _evaluation_hashes(roots: tuple[str, ...]) -> frozenset[str]:
    return frozenset(doc_hash(r) for r in evaluation_records())


def evaluation_hashes() -> frozenset[str]:
    """Document hashes of every task's evaluation split (no task trains on another task's test text)."""
    return _evaluation_hashes(tuple(str(p) for p in gold.data_roots()))


# SFT ------------------------------------------------------------------------------------------------------
def window_record(spec: TaskSpec, record: dict, start: int, end: int) -> dict:
    """The part of a span record between two offsets: entities inside it (shifted), relations between them."""
    entities = [
        {**e, "start": e["start"] - start, "end": e["end"] - start}
        for e in record.get("entities", [])
        if e["start"] >= start and e["end"] <= end
    ]
    out = {"id": f"{record.get('id')}@{start}", "text": record["text"][start:end], "entities": entities}
    if kind_for(spec).relations:
        ids = {e.get("id") for e in entities}
        out["relations"] = [r for r in record.get("relations", []) if r["head"] in ids and r["tail"] in ids]
    return out


def sft_rows(spec: TaskSpec, record: dict, tokenizer, max_length: int) -> list[TrainRow]:
    """Training rows of one record: itself, or its sentence windows when it is too long."""
    row = encode_pair(tokenizer, inference_prompt(spec, record), answer_text(spec, record), spec.id)
    if len(row.input_ids) <= max_length:
        return [row]
    if not kind_for(spec).spans:  # only a text of mentions can be cut into windows
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


def pair_rows(
    spec: TaskSpec, records: list[dict], tokenizer, max_length: int, none_ratio: float, seed: int = 0
) -> list[TrainRow]:
    """Rows of the pair question from a relation task's records: every linked candidate pair, and `none_ratio`
    unlinked ones per linked one (a seeded sample), each prompt with the demonstrations inference shows."""
    examples = pair_examples(spec, gold.fewshot_pool(spec))
    linked, unlinked = [], []
    for record in records:
        starts = sentence_starts(record["text"])
        for pair, answer in gold_pairs(spec, record):
            (unlinked if answer == NONE else linked).append((record["text"], pair, answer, starts))
    rng = random.Random(seed)
    chosen = linked + rng.sample(unlinked, min(len(unlinked), round(none_ratio * len(linked))))
    rows = []
    for text, pair, answer, starts in chosen:
        prompt = pair_prompt(spec, pair_input(text, pair, starts), examples)
        row = encode_pair(tokenizer, prompt, " " + render_answer(answer) + "\n", f"{spec.id}:pairs")
        if len(row.input_ids) <= max_length:
            rows.append(row)
    return rows


def shared_gold(task_ids: list[str]) -> dict[str, str]:
    """Tasks whose gold data is another listed task's: task -> that task (their gold rows would repeat it)."""
    listed = set(task_ids)
    return {t: source for t in task_ids if (source := gold_source(get_spec(t))) != t and source in listed}


def sft_dataset(
    task_ids: list[str],
    data: str,
    tokenizer,
    max_length: int = 512,
    session=None,
    *,
    part: str = "train",
    dev_fraction: float = 0.0,
    pairs: bool = False,
    pair_none_ratio: float = 2.0,
) -> TrainData:
    """SFT rows of several tasks from corrections, gold or both (part "train"), or of their gold dev records
    (part "dev"), with a snapshot hash, counts and the list of records used; with `pairs`, the relation tasks'
    pair rows too."""
    rows: list[TrainRow] = []
    used: list = []
    listed: list[dict] = []
    stats: dict[str, Any] = {"data": data if part == "train" else "gold dev", "tasks": {}}
    shared = shared_gold(task_ids) if data != "corrections" else {}
    for task_id in task_ids:
        spec = get_spec(task_id)
        if part == "dev":
            pool = [] if task_id in shared else gold_records(spec, "dev", dev_fraction)
            records = [{**r, "_split": "dev"} for r in pool]
            records = [r for r in records if doc_hash(r) not in evaluation_hashes()]
            counts: Counter = Counter(dev=len(records))
        else:
            records, counts = task_records(
                spec, "corrections" if task_id in shared else data, session, dev_fraction
            )
        if task_id in shared:
            counts["gold_shared_with"] = shared[task_id]  # type: ignore[assignment]
        task_rows = []
        for rec in records:
            got = sft_rows(spec, rec, tokenizer, max_length)
            counts["windowed" if len(got) > 1 else "dropped_too_long" if not got else "whole"] += 1
            task_rows += got
        used += [[spec.id, spec.version, {k: v for k, v in rec.items() if k != "_split"}] for rec in records]
        listed += [{"task": spec.id, "split": rec["_split"], "id": rec.get("id")} for rec in records]
        if pairs and kind_for(spec).relations:
            extra = pair_rows(spec, records, tokenizer, max_length, pair_none_ratio)
            counts["pair_rows"] = len(extra)
            used.append(["pairs", spec.id, pair_none_ratio])
            task_rows += extra
        counts["rows"] = len(task_rows)
        counts["answer_tokens"] = sum(sum(1 for y in r.labels if y != IGNORE) for r in task_rows)
        stats["tasks"][spec.id] = dict(counts)
        rows += task_rows
    if not rows:
        raise DataError(f"no training data: {data} gives no usable record for {', '.join(task_ids)}")
    stats["rows"] = len(rows)
    stats["tokens"] = sum(len(r.input_ids) for r in rows)
    return TrainData(rows, snapshot_hash(used), stats, listed)


def cap_rows(data: TrainData, per_task: int | None, seed: int = 0) -> TrainData:
    """At most `per_task` rows of each task (a seeded sample, order kept), e.g. to bound a dev evaluation."""
    if not per_task:
        return data
    rng = random.Random(seed)
    by_task: dict[str, list[int]] = {}
    for i, row in enumerate(data.rows):
        by_task.setdefault(row.source, []).append(i)
    keep: list[int] = []
    for task in sorted(by_task):
        ids = by_task[task]
        keep += ids if len(ids) <= per_task else rng.sample(ids, per_task)
    rows = [data.rows[i] for i in sorted(keep)]
    stats = {**data.stats, "rows": len(rows), "rows_per_task": per_task}
    return TrainData(rows, data.snapshot, stats, data.records)
