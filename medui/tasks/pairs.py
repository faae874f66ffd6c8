"""Relations through their entities (pure): the candidate pairs of a record's mentions and how one pair is asked.

The `pairs` strategy of the relation tasks runs in two steps (medui/backend/inference/pairs.py): first the entities, then
one short question per candidate pair, answered with a constrained choice among the task's relation labels and
NONE. A model never has to write every entity and every link of a long document in one JSON answer.

Candidate pairs: a head and a tail whose labels the relation allows (the spec's relation_heads and relation_tails),
in the same sentence or in adjacent ones (PAIR_SENTENCES). On the train splits that window holds every gold
PERTAINS link of e3c_measurement_links (178 of 189 in the same sentence, the other 11 in the next one; 1,749
candidates, 11% of them linked) and 90% of the TLINKs of e3c_temporal_links (346 of 385; two sentences apart
would add 6% for 35% more questions; counted with candidate_pairs and gold_pairs below). Where a task's links are
lost, at the entity step or at the pair step: `bench/pairs_errors.py`, results in `bench/results/pairs/`.

The question shows the sentences that hold both mentions, the head marked [A]...[/A] and the tail [B]...[/B]
(typed markers as in PURE, arXiv 2010.12812), then names them with their labels; the answer is one JSON string.
"""

from __future__ import annotations

import bisect
import json
import random
from dataclasses import dataclass

from medui.tasks.align import sentence_windows
from medui.tasks.prompts import render_prompt
from medui.tasks.spec import TaskSpec

NONE = "NESSUNA"  # the answer of a pair that no relation links
PAIR_PROMPT = "pair.v1"  # the template of a pair question (medui/tasks/prompts/pair.v1.jinja)
PAIR_SENTENCES = 1  # a candidate pair's mentions are at most this many sentences apart
MAX_CONTEXT_CHARS = 600  # a pair's context is cut around the two mentions beyond this
SHORT_EXAMPLES = 10  # a pair demonstration is drawn among this many shortest of its answer


@dataclass(frozen=True)
class Pair:
    """A candidate (head, tail) of a record's entities (the entity dicts themselves, with start/end/label/text)."""

    head: dict
    tail: dict


def choices(spec: TaskSpec) -> list[str]:
    """What a pair can be answered with: the task's relation labels, then NONE."""
    return [*spec.relation_labels, NONE]


def answer_schema(spec: TaskSpec) -> dict:
    """The JSON schema of a pair's answer: one of `choices`."""
    return {"type": "string", "enum": choices(spec)}


def render_answer(label: str) -> str:
    return json.dumps(label, ensure_ascii=False)


def parse_answer(spec: TaskSpec, text: str) -> str | None:
    """The relation label an answer names, or None for NONE or an answer that names no choice."""
    try:
        value = json.loads(text.strip())
    except ValueError:
        return None
    return value if isinstance(value, str) and value in spec.relation_labels else None


def _sentence_of(starts: list[int], position: int) -> int:
    return bisect.bisect_right(starts, position) - 1


def sentence_starts(text: str) -> list[int]:
    return [start for start, _ in sentence_windows(text, 1)] or [0]


def candidate_pairs(spec: TaskSpec, text: str, entities: list[dict]) -> list[Pair]:
    """Every (head, tail) the relation's direction allows, at most PAIR_SENTENCES sentences apart, in text
    order of the head then the tail."""
    starts = sentence_starts(text)
    ordered = sorted(entities, key=lambda e: (e["start"], e["end"], e["label"]))
    sentence = {id(e): _sentence_of(starts, e["start"]) for e in ordered}
    heads, tails = spec.relation_heads, spec.relation_tails
    out = []
    for head in ordered:
        if heads and head["label"] not in heads:
            continue
        for tail in ordered:
            if tail is head or (tails and tail["label"] not in tails):
                continue
            if (head["start"], head["end"]) == (tail["start"], tail["end"]):
                continue
            if abs(sentence[id(head)] - sentence[id(tail)]) <= PAIR_SENTENCES:
                out.append(Pair(head, tail))
    return out


def pair_input(text: str, pair: Pair, starts: list[int] | None = None) -> str:
    """The question's input: the sentences that hold both mentions, head and tail marked, then both named."""
    starts = starts if starts is not None else sentence_starts(text)
    head, tail = pair.head, pair.tail
    first = min(_sentence_of(starts, head["start"]), _sentence_of(starts, tail["start"]))
    last = max(_sentence_of(starts, head["start"]), _sentence_of(starts, tail["start"]))
    begin = starts[first]
    end = starts[last + 1] if last + 1 < len(starts) else len(text)
    low, high = min(head["start"], tail["start"]), max(head["end"], tail["end"])
    begin = max(begin, low - MAX_CONTEXT_CHARS // 2)
    end = min(end, max(high, begin) + MAX_CONTEXT_CHARS // 2)
    marks = sorted(
        [(head["start"], "[A]"), (head["end"], "[/A]"), (tail["start"], "[B]"), (tail["end"], "[/B]")],
        key=lambda m: (m[0], m[1].startswith("[/") is False),
    )
    pieces, at = [], begin
    for position, mark in marks:
        pieces += [text[at:position], mark]
        at = position
    pieces.append(text[at:end])
    context = " ".join("".join(pieces).split())
    return (
        f"{context}\nA: «{text[head['start'] : head['end']]}» ({head['label']})\n"
        f"B: «{text[tail['start'] : tail['end']]}» ({tail['label']})"
    )


def gold_pairs(spec: TaskSpec, record: dict) -> list[tuple[Pair, str]]:
    """A gold record's candidate pairs with their answers (a relation label, or NONE): demonstrations and
    training rows of the pair question."""
    entities = record.get("entities", [])
    by_id = {e.get("id"): e for e in entities}
    linked = {}
    for rel in record.get("relations", []):
        head, tail = by_id.get(rel["head"]), by_id.get(rel["tail"])
        if head is not None and tail is not None:
            linked[(id(head), id(tail))] = rel["label"]
    return [
        (pair, linked.get((id(pair.head), id(pair.tail)), NONE))
        for pair in candidate_pairs(spec, record["text"], entities)
    ]


def pair_examples(spec: TaskSpec, pool: list[dict], seed: int = 0) -> list[dict]:
    """The pair question's demonstrations: one gold pair per answer (relation labels, then NONE), drawn by the
    seed among the SHORT_EXAMPLES shortest of the pool's records (seven long ones made e3c_temporal_links' prefix
    951 tokens); the same for every question, so their prompt prefix is computed once."""
    by_answer: dict[str, list[dict]] = {}
    for record in pool:
        starts = sentence_starts(record["text"])
        for pair, answer in gold_pairs(spec, record):
            shown = {"input": pair_input(record["text"], pair, starts), "answer": render_answer(answer)}
            by_answer.setdefault(answer, []).append(shown)
    rng = random.Random(seed)
    return [
        rng.choice(sorted(by_answer[a], key=lambda e: len(e["input"]))[:SHORT_EXAMPLES])
        for a in choices(spec)
        if by_answer.get(a)
    ]


def pair_prompt(spec: TaskSpec, shown_pair: str, examples: list[dict], *, guidelines: bool = False) -> str:
    """The whole prompt of one pair question (pair_input's text), ending at 'Risposta:'; `guidelines`: with the
    task's label guidelines."""
    pair_spec = spec.model_copy(update={"prompt": PAIR_PROMPT})
    return render_prompt(pair_spec, shown_pair, examples, guidelines=guidelines)
