"""Runs a task over many records: prompts, batched (constrained) generation, prediction records.

The fast path of the product. An Engine is built for (loaded model, task, strategy, seed): its demonstrations
(demos.py: drawn once at random, or the most similar to each record) and compiled constraint are fixed once, then
`predict` batches records through the decoder. Texts longer than
the input budget are split into sentence windows and their predictions merged with offsets remapped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from medui.backend.data import gold
from medui.backend.inference import decoding
from medui.backend.inference.demos import Demonstrations
from medui.backend.inference.strategy import STRATEGIES, Strategy, StrategyError, parse_strategy
from medui.backend.inference.types import Generation, LoadedModel
from medui.tasks.align import sentence_windows
from medui.tasks.kinds import kind_for
from medui.tasks.prompts import prompt_hash, render_prompt
from medui.tasks.records import doc_hash, merge_windows
from medui.tasks.spec import TaskSpec

__all__ = ["STRATEGIES", "Engine", "Prediction", "Strategy", "StrategyError", "parse_strategy"]


@dataclass
class Prediction:
    """A prediction record with what audit and scoring need: raw output, hashes, timing, confidence."""

    record: dict
    raw: str
    prompt_hash: str
    doc_hash: str
    latency: float
    prompt_tokens: int
    output_tokens: int
    confidence: float | None
    demonstrations: list[str] = field(default_factory=list)  # ids of the examples in its prompt, best first


class Engine:
    """A model, a task and a strategy, ready to predict records in batches."""

    def __init__(
        self,
        lm: LoadedModel,
        spec: TaskSpec,
        strategy: Strategy,
        seed: int = 0,
        batch_size: int | None = None,
        max_input_tokens: int = 1024,
        demos: Demonstrations | None = None,
        guidelines: bool = False,
    ):
        """demos: where examples come from and how they are chosen (default: the few-shot split, at random);
        guidelines: whether prompts carry the task's label guidelines (never the default prompt's)."""
        self.lm, self.spec, self.strategy, self.seed = lm, spec, strategy, seed
        self.guidelines = guidelines
        self.kind = kind_for(spec)
        self.batch_size = batch_size or self.default_batch_size()
        self.max_input_tokens = max_input_tokens
        if demos is None:
            demos = Demonstrations(
                gold.fewshot_pool(spec) if strategy.shots else [], "random", self.input_text
            )
        self.demos = demos
        self.prepare_decoding()

    def default_batch_size(self) -> int:
        return 16 if self.lm.device == "cuda" else 4

    def prepare_decoding(self) -> None:
        """The constraint of a constrained strategy, compiled once for this model's tokenizer (or None)."""
        self.constraint = (
            decoding.compile_constraint(
                self.lm, self.kind.output_model(self.spec).model_json_schema(), self.kind.copy_keys(self.spec)
            )
            if self.strategy.constrained
            else None
        )

    @functools.cached_property
    def prefix(self) -> tuple[int, ...]:
        """Token ids every prompt of this engine starts with (instruction, labels, and the examples when they are
        the same for every record): cached KV."""
        if self.demos.mode == "random":
            prompts = [self.prompt_for(_placeholder(self.spec, ch)) for ch in "ab"]
        else:  # examples differ per record: the prefix ends where the first example starts
            prompts = [
                render_prompt(
                    self.spec,
                    ch,
                    [{"input": ch, "answer": ch}] if self.strategy.shots else [],
                    guidelines=self.guidelines,
                )  # fmt: skip
                for ch in "ab"
            ]
        ids = [self.lm.tokenizer(p)["input_ids"] for p in prompts]
        return decoding.common_prefix(ids)

    def input_text(self, record: dict) -> str:
        """A record's input as the prompt shows it (what similar demonstrations are matched on)."""
        return self.kind.render_input(self.spec, record)

    def copy_source(self, record: dict) -> str | None:
        """The text mentions (an extractive answer, copied form items) must be copied from, under cd."""
        return self.kind.copy_source(self.spec, record)

    def _examples(self, chosen: list[dict]) -> list[dict]:
        return [
            {"input": self.kind.render_input(self.spec, ex), "answer": self.kind.render_target(self.spec, ex)}
            for ex in chosen
        ]

    def prompt_for(self, record: dict) -> str:
        return self.prompt_and_demos(record)[0]

    def prompt_and_demos(self, record: dict) -> tuple[str, list[str]]:
        """A record's prompt and the ids of the demonstrations in it (best first)."""
        choice = self.demos.pick(record, self.strategy.shots, self.seed)
        prompt = render_prompt(
            self.spec, self.input_text(record), self._examples(choice.records), guidelines=self.guidelines
        )
        return prompt, choice.ids

    def predict(
        self,
        records: list[dict],
        progress: Callable[[int, int], None] | None = None,
        on_text: Callable[[int, str], None] | None = None,
    ) -> list[Prediction]:
        """Predictions for records, in their order; progress(done, total) after each batch.

        on_text(unit, text_so_far) streams the raw output while it is decoded (unit: position in the batch).
        """
        units = [(i, part) for i, rec in enumerate(records) for part in self._windows(rec)]
        order = sorted(range(len(units)), key=lambda u: len(self.kind.render_input(self.spec, units[u][1])))
        outputs: dict[int, tuple[str, dict, Generation, float, list[str]]] = {}
        for b in range(0, len(order), self.batch_size):
            batch = order[b : b + self.batch_size]
            prompts, demo_ids = zip(*(self.prompt_and_demos(units[u][1]) for u in batch), strict=True)
            sources = [self.copy_source(units[u][1]) for u in batch]
            gens = self.generate(list(prompts), sources, on_text)
            for u, prompt, gen, ids in zip(batch, prompts, gens, demo_ids, strict=True):
                outputs[u] = (prompt, units[u][1], gen, gen.seconds / len(batch), ids)
            if progress:
                progress(len({units[u][0] for u in outputs}), len(records))
        by_record: dict[int, list] = {}
        for u, (i, _part) in enumerate(units):
            by_record.setdefault(i, []).append(outputs[u])
        return [self._merge(records[i], by_record[i]) for i in range(len(records))]

    def generate(
        self, prompts: list[str], sources: list[str | None], on_text: Callable[[int, str], None] | None
    ) -> list[Generation]:
        """One batch of prompts through the decoder (another engine, e.g. a server's, overrides this)."""
        return decoding.generate(
            self.lm, prompts, self.constraint, self.spec.max_new_tokens, on_text, self.prefix, sources
        )

    def input_tokens(self, text: str) -> int:
        """How many tokens a record's text takes in the prompt (for the sentence windows of long texts)."""
        return len(self.lm.tokenizer(text, add_special_tokens=False)["input_ids"])

    def window_count(self, record: dict) -> int:
        """How many sentence windows the record is read in (1 when it fits the prompt whole)."""
        return len(self._windows(record))

    def _windows(self, record: dict) -> list[dict]:
        """The record itself, or sentence windows of its text (with their offset) when it is too long."""
        if not self.kind.spans:
            return [record]
        text = record["text"]
        n_tokens = self.input_tokens(text)
        if n_tokens <= self.max_input_tokens:
            return [record]
        max_chars = max(200, int(len(text) * self.max_input_tokens / n_tokens * 0.9))
        return [
            {"id": f"{record.get('id')}@{s}", "text": text[s:e], "_offset": s}
            for s, e in sentence_windows(text, max_chars)
        ]

    def _merge(self, record: dict, parts: list[tuple[str, dict, Generation, float, list[str]]]) -> Prediction:
        preds = [self.kind.prediction(self.spec, part, gen.text) for _, part, gen, _, _ in parts]
        merged = preds[0] if len(parts) == 1 else merge_windows(record, [p[1] for p in parts], preds)
        merged["id"] = record.get("id", merged.get("id"))
        gens = [p[2] for p in parts]
        logprobs = [lp for g in gens for lp in g.logprobs]
        confidence = Generation("", logprobs=logprobs).confidence
        return Prediction(
            record=merged,
            raw="\n".join(g.text for g in gens),
            prompt_hash=prompt_hash("\n".join(p[0] for p in parts)),
            doc_hash=doc_hash(record),
            latency=sum(p[3] for p in parts),
            prompt_tokens=sum(g.prompt_tokens for g in gens),
            output_tokens=sum(g.output_tokens for g in gens),
            confidence=confidence,
            demonstrations=list(dict.fromkeys(i for p in parts for i in p[4])),
        )


def _placeholder(spec: TaskSpec, filler: str) -> dict:
    """A record whose input is only `filler`, to find where the record-specific part of a prompt starts."""
    return {
        "id": f"__{filler}__",
        "text": filler,
        "question": filler,
        "context": filler if spec.answer_format == "extractive" else None,
        "options": {o: filler for o in spec.options},
    }
