"""The `pairs` strategies of the relation tasks: entities first, then one constrained question per candidate pair.

1. The entity step: where the spec names `entity_tasks` (the E3C link tasks), each label's mentions come from the
   model's own pass of that ner task (e3c_measurements for RML, e3c_events for EVENT, e3c_time_expressions for
   TIMEX3: the link tasks' entities are exactly theirs on the same documents, and a fine-tuned model learned those
   tasks from every mention, where a link task's answer lists only a few), under cd, zero- or few-shot as the
   strategy says; otherwise it is the task's own answer under cd with its relation list held empty.
2. Every candidate pair of those entities (medui/tasks/pairs.py: the direction the relation allows, at most one
   sentence apart) becomes a short prompt, the two mentions marked in their sentences, answered with a
   constrained choice among the relation labels and NESSUNA. The pair prompts share their instruction and
   demonstrations (one gold pair per answer, drawn by the seed from the task's few-shot split), so that prefix is
   computed once; the pairs of all records are decoded in batches.
The record keeps its entities and the links answered in the gold format, so the metric is unchanged.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from medui.backend.data import gold
from medui.backend.inference import decoding
from medui.backend.inference.engine import Engine, Prediction
from medui.backend.inference.strategy import parse_strategy
from medui.backend.inference.types import Generation
from medui.tasks.pairs import (
    NONE,
    answer_schema,
    candidate_pairs,
    pair_examples,
    pair_input,
    pair_prompt,
    parse_answer,
    sentence_starts,
)
from medui.tasks.prompts import prompt_hash
from medui.tasks.records import numbered
from medui.tasks.registry import get_spec

PAIR_MAX_NEW_TOKENS = 16  # the longest answer ("SIMULTANEOUS" with its quotes) is a few tokens


def entity_only_schema(schema: dict) -> dict:
    """A relation task's answer schema with its relation list held empty."""
    relations = dict(schema["properties"]["relations"])
    relations["maxItems"] = 0
    return {**schema, "properties": {**schema["properties"], "relations": relations}}


class PairEngine(Engine):
    """A relation task's engine for the `pairs` strategies: the same interface as Engine."""

    def prepare_decoding(self) -> None:
        if not self.spec.entity_tasks:
            schema = entity_only_schema(self.kind.output_model(self.spec).model_json_schema())
            self.constraint = decoding.compile_constraint(self.lm, schema, self.kind.copy_keys(self.spec))
        self.pair_constraint = decoding.compile_constraint(self.lm, answer_schema(self.spec))

    @functools.cached_property
    def entity_engines(self) -> dict[str, Engine]:
        """The ner task's engine of each label the spec's entity_tasks names (one engine per task), under cd
        with the shots of this strategy; similar demonstrations come from that task's few-shot split, never a
        text this run excludes."""
        engines: dict[str, Engine] = {}
        for task in dict.fromkeys(self.spec.entity_tasks.values()):
            spec = get_spec(task)
            strategy = parse_strategy(
                "few-shot+cd" if self.strategy.shots else "cd", spec, self.strategy.shots
            )
            engines[task] = Engine(
                self.lm, spec, strategy, seed=self.seed, batch_size=self.batch_size, demos=self.demos.mode,
                guidelines=self.guidelines,
            )  # fmt: skip
            engines[task].demos.exclude_texts(self.demos.excluded_texts())
        return engines

    def find_entities(
        self, records: list[dict], on_text: Callable[[int, str], None] | None
    ) -> list[Prediction]:
        """The entity step: the task's own answer with no relations, or the union of its entity tasks' answers
        (mentions sorted by position, each kept once, numbered T1..)."""
        if not self.spec.entity_tasks:
            return super().predict(records, None, on_text)
        inputs = [{"id": r.get("id"), "text": r["text"]} for r in records]
        by_task = {
            task: engine.predict(inputs, None, on_text) for task, engine in self.entity_engines.items()
        }
        found = []
        for i, record in enumerate(records):
            parts = [by_task[task][i] for task in by_task]
            mentions = {}
            for label, task in self.spec.entity_tasks.items():
                for e in by_task[task][i].record.get("entities", []):
                    if e["label"] == label:
                        mentions.setdefault((e["start"], e["end"]), {**e, "label": label})
            entities = numbered([mentions[k] for k in sorted(mentions)])
            found.append(
                Prediction(
                    record={
                        "id": record.get("id"),
                        "text": record["text"],
                        "entities": entities,
                        "relations": [],
                    },
                    raw="\n".join(p.raw for p in parts),
                    prompt_hash=prompt_hash("\n".join(p.prompt_hash for p in parts)),
                    doc_hash=parts[0].doc_hash,
                    latency=sum(p.latency for p in parts),
                    prompt_tokens=sum(p.prompt_tokens for p in parts),
                    output_tokens=sum(p.output_tokens for p in parts),
                    confidence=min((p.confidence for p in parts if p.confidence is not None), default=None),
                    demonstrations=list(dict.fromkeys(d for p in parts for d in p.demonstrations)),
                )
            )
        return found

    @functools.cached_property
    def pair_examples(self) -> list[dict]:
        """One gold pair per answer, drawn by the seed from the few-shot split (tasks/pairs.pair_examples)."""
        return pair_examples(self.spec, gold.fewshot_pool(self.spec), self.seed)

    def pair_prompt(self, pair_text: str) -> str:
        return pair_prompt(self.spec, pair_text, self.pair_examples, guidelines=self.guidelines)

    @functools.cached_property
    def pair_prefix(self) -> tuple[int, ...]:
        ids = [self.lm.tokenizer(self.pair_prompt(ch))["input_ids"] for ch in "ab"]
        return decoding.common_prefix(ids)

    def predict(
        self,
        records: list[dict],
        progress: Callable[[int, int], None] | None = None,
        on_text: Callable[[int, str], None] | None = None,
    ) -> list[Prediction]:
        """Entities of every record, then the relation of every candidate pair (progress after each step)."""
        found = self.find_entities(records, on_text)
        pairs, prompts = [], []  # per record its candidate pairs; every pair's prompt, records in order
        for prediction in found:
            text = prediction.record["text"]
            starts = sentence_starts(text)
            entities = prediction.record.get("entities", [])
            if any("id" not in e for e in entities):  # windows merged: name them T1.. as a record does
                entities = prediction.record["entities"] = numbered(entities)
            pairs.append(candidate_pairs(self.spec, text, entities))
            prompts += [self.pair_prompt(pair_input(text, pair, starts)) for pair in pairs[-1]]
        answers = iter(self.answer_pairs(prompts))
        for i, prediction in enumerate(found):
            found[i] = self._with_relations(prediction, [(pair, next(answers)) for pair in pairs[i]])
        if progress:
            progress(len(records), len(records))
        return found

    def answer_pairs(self, prompts: list[str]) -> list[Generation]:
        """The constrained answer of every pair prompt, in order, in batches of the engine's size."""
        out: list[Generation] = []
        size = max(self.batch_size, 8)
        for b in range(0, len(prompts), size):
            gens = decoding.generate(
                self.lm, prompts[b : b + size], self.pair_constraint, PAIR_MAX_NEW_TOKENS,
                prefix=self.pair_prefix,
            )  # fmt: skip
            for gen in gens:  # each answer's share of its batch's time
                gen.seconds /= len(gens)
            out += gens
        return out

    def _with_relations(self, prediction: Prediction, answered: list) -> Prediction:
        relations, lines = [], []
        for pair, gen in answered:
            label = parse_answer(self.spec, gen.text)
            lines.append(f"{pair.head['id']} -> {pair.tail['id']}: {label or NONE}")
            if label is not None:
                relations.append({"head": pair.head["id"], "tail": pair.tail["id"], "label": label})
        record = {**prediction.record, "relations": relations}
        gens = [gen for _, gen in answered]
        return Prediction(
            record=record,
            raw=prediction.raw + ("\n" + json.dumps(lines, ensure_ascii=False) if lines else ""),
            prompt_hash=prediction.prompt_hash,
            doc_hash=prediction.doc_hash,
            latency=prediction.latency + sum(g.seconds for g in gens),
            prompt_tokens=prediction.prompt_tokens + sum(g.prompt_tokens for g in gens),
            output_tokens=prediction.output_tokens + sum(g.output_tokens for g in gens),
            confidence=prediction.confidence,
            demonstrations=prediction.demonstrations,
        )
