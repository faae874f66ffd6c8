"""Runs a task over many records: prompts, batched (constrained) generation, prediction records.

The fast path of the product. An Engine is built for (loaded model, task, strategy, seed): its demonstrations
(demos.py: drawn once at random, or the most similar to each record) and compiled constraint are fixed once, then
`predict` batches records through the decoder. A text of mentions longer than the task's trained length (the
longest train text, reading.py) is read in sentence windows of the length its training texts usually have, one
longer than the input budget in windows within it; their predictions are merged with offsets remapped. A form
longer than the input budget is read from its first window. Each window's answer says which limits may have cut
it (the record's `limits`, with the window). A text of mentions read whole whose answer reached the items or the
token limit is read a second time, in smaller sentence windows (predict), so that a limit per answer does not hide
the end of a dense note.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from medui.backend.data import gold
from medui.backend.inference import decoding, reading
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
        demos: Demonstrations | str | None = None,
        guidelines: bool = False,
    ):
        """demos: where examples come from and how they are chosen: a Demonstrations, or a mode (demos.DEMOS)
        over the task's few-shot split, matched on the input as the prompt shows it (default: `random`);
        guidelines: whether prompts carry the task's label guidelines (never the default prompt's)."""
        self.lm, self.spec, self.strategy, self.seed = lm, spec, strategy, seed
        self.guidelines = guidelines
        self.kind = kind_for(spec)
        self.batch_size = batch_size or self.default_batch_size()
        self.max_input_tokens = max_input_tokens
        self.trained = reading.trained_length(spec) if self.kind.reads_text else None
        if not isinstance(demos, Demonstrations):
            pool = gold.fewshot_pool(spec) if strategy.shots else []
            demos = Demonstrations(pool, demos or "random", self.input_text)
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
        Then a second pass (issue 24): a text of mentions read whole whose answer reached the items limit or the
        token limit, so that the end of the note may never have been written, is read again in sentence windows
        of at most reading.reread_size characters (the task's median train length, whose gold answers fit the
        list, and at most half the text), all such records' windows batched together; its prediction is then the
        windows' answers merged (offsets remapped, a mention found twice kept once), its `limits` first saying
        that it was re-read and why, and the time and tokens of both passes. A text of one sentence is not
        re-read; every other prediction is the first pass's, unchanged.
        """
        units = [(i, part) for i, rec in enumerate(records) for part in self._windows(rec)]
        tell = None
        if progress:
            tell = lambda done: progress(len({units[u][0] for u in done}), len(records))  # noqa: E731
        outputs = self._read([part for _, part in units], on_text, tell)
        by_record: dict[int, list] = {}
        for u, (i, _part) in enumerate(units):
            by_record.setdefault(i, []).append(outputs[u])
        found = [self._merge(records[i], by_record[i]) for i in range(len(records))]
        return self._reread(records, found, on_text)

    def _read(
        self,
        parts: list[dict],
        on_text: Callable[[int, str], None] | None,
        on_batch: Callable[[set[int]], None] | None = None,
    ) -> list[tuple[str, dict, Generation, float, list[str]]]:
        """(prompt, part, generation, share of its batch's time, demonstration ids) of every part, in order; the
        parts are batched by length, and on_batch(positions done) is called after each batch."""
        order = sorted(range(len(parts)), key=lambda u: len(self.kind.render_input(self.spec, parts[u])))
        outputs: dict[int, tuple[str, dict, Generation, float, list[str]]] = {}
        for b in range(0, len(order), self.batch_size):
            batch = order[b : b + self.batch_size]
            prompts, demo_ids = zip(*(self.prompt_and_demos(parts[u]) for u in batch), strict=True)
            sources = [self.copy_source(parts[u]) for u in batch]
            gens = self.generate(list(prompts), sources, on_text)
            for u, prompt, gen, ids in zip(batch, prompts, gens, demo_ids, strict=True):
                outputs[u] = (prompt, parts[u], gen, gen.seconds / len(batch), ids)
            if on_batch:
                on_batch(set(outputs))
        return [outputs[u] for u in range(len(parts))]

    def _reread(
        self, records: list[dict], found: list[Prediction], on_text: Callable[[int, str], None] | None
    ) -> list[Prediction]:
        """The second pass of predict: the records read whole whose answer reached a limit, read again in windows."""
        # record -> (the limit its whole answer reached, its windows)
        again: dict[int, tuple[dict, list[dict]]] = {}
        for i, (record, prediction) in enumerate(zip(records, found, strict=True)):
            reached = self._whole_answer_cut(record, prediction)
            if reached is not None:
                text = record["text"]
                bounds = sentence_windows(text, reading.reread_size(self.trained, len(text)))
                if len(bounds) > 1:  # a text of one sentence has nowhere to be cut
                    again[i] = (reached, _window_parts(record, bounds))
        if not again:
            return found
        parts = [(i, window) for i, (_, windows) in again.items() for window in windows]
        outputs = self._read([window for _, window in parts], on_text)
        by_record: dict[int, list] = {}
        for (i, _), output in zip(parts, outputs, strict=True):
            by_record.setdefault(i, []).append(output)
        out = list(found)
        for i, (reached, windows) in again.items():
            merged = self._merge(records[i], by_record[i])
            out[i] = self._reread_prediction(found[i], merged, reached, len(windows))
        return out

    def _whole_answer_cut(self, record: dict, prediction: Prediction) -> dict | None:
        """The items or token limit a text of mentions' answer reached when the text was read whole (None: read
        in windows, whose limits name their window; not cut by those limits; not a text of mentions)."""
        if not (self.kind.spans and self.kind.reads_text and isinstance(record.get("text"), str)):
            return None
        limits = prediction.record.get("limits") or []
        cut = [x for x in limits if x.get("limit") in ("items", "tokens") and "window" not in x]
        return cut[0] if cut else None

    @staticmethod
    def _reread_prediction(first: Prediction, windows: Prediction, reached: dict, n: int) -> Prediction:
        """The windows' merged answer of a re-read note: its limits start with the one the whole answer reached
        (with `reread`: the windows), `truncated` only when a limit still cut a window; time, tokens, raw
        outputs and prompts of both passes; the confidence of the answer kept."""
        record = dict(windows.record)
        record["limits"] = [{**reached, "reread": n}, *(record.get("limits") or [])]
        return Prediction(
            record=record,
            raw=first.raw + "\n" + windows.raw,
            prompt_hash=prompt_hash(first.prompt_hash + "\n" + windows.prompt_hash),
            doc_hash=first.doc_hash,
            latency=first.latency + windows.latency,
            prompt_tokens=first.prompt_tokens + windows.prompt_tokens,
            output_tokens=first.output_tokens + windows.output_tokens,
            confidence=windows.confidence,
            demonstrations=list(dict.fromkeys(first.demonstrations + windows.demonstrations)),
        )

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
        """How many sentence windows the record is read in (1 when it is read whole)."""
        return len(self._windows(record))

    def reading_of(self, record: dict) -> reading.Reading | None:
        """How the record's text is read (reading.py: whole, in windows, a form's first window); None for a
        record the model does not read as a text (qa)."""
        text = record.get("text") if self.kind.reads_text else None
        if not isinstance(text, str):
            return None
        parts = [p["text"] for p in self._windows(record)]
        over = self.input_tokens(text) > self.max_input_tokens
        return reading.Reading(
            len(text), len(parts), max(map(len, parts)), sum(map(len, parts)), over, self.trained
        )  # fmt: skip

    def _windows(self, record: dict) -> list[dict]:
        """The record itself, or sentence windows of its text (with their offset) when it is too long: longer
        than the task's trained length (a text of mentions: windows of its reading size, reading.py) or than the
        input budget (windows within it; a form keeps its first window only)."""
        text = record.get("text") if self.kind.reads_text else None
        if not isinstance(text, str) or not text:
            return [record]
        n_tokens = self.input_tokens(text)
        over_budget = n_tokens > self.max_input_tokens
        longer = self.kind.spans and self.trained is not None and len(text) > self.trained.longest
        if not (over_budget or longer):
            return [record]
        size = max(200, int(len(text) * self.max_input_tokens / n_tokens * 0.9)) if over_budget else len(text)
        if longer:
            size = min(size, self.trained.typical)
        bounds = sentence_windows(text, size)
        if len(bounds) <= 1:  # no sentence end to cut at: read whole
            return [record]
        if not self.kind.spans:  # a form is filled once for the whole note: from its first window
            return [{**record, "text": text[: bounds[0][1]], "_offset": 0}]
        return _window_parts(record, bounds)

    def _merge(self, record: dict, parts: list[tuple[str, dict, Generation, float, list[str]]]) -> Prediction:
        preds = [
            self._part_prediction(k, len(parts), part, gen) for k, (_, part, gen, _, _) in enumerate(parts)
        ]
        if len(parts) > 1:
            merged = merge_windows(record, [p[1] for p in parts], preds)
        else:  # a form read from its first window still holds the whole text
            merged = {**preds[0], "text": record["text"]} if "_offset" in parts[0][1] else preds[0]
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

    def _part_prediction(self, k: int, n: int, part: dict, gen: Generation) -> dict:
        """The prediction of one window (k of n, from 0), its limits named with the window when there are
        several; an output cut at the token limit before any complete item is marked cut too."""
        pred = self.kind.prediction(self.spec, part, gen.text, copied=self.constraint is not None)
        if gen.copies:  # where the copy constraint read the copied values (a form keeps them as evidence)
            pred = {**pred, **self.kind.copy_offsets(self.spec, pred, gen.copies)}
        limits = list(pred.get("limits", []))
        closed = (
            gen.stopped == "closed"
        )  # closed by the reserve of decoding.CLOSING_RESERVE: its end may be missing
        if (closed or (pred.get("valid") is False and gen.stopped == "length")) and not any(
            x.get("limit") == "tokens" for x in limits
        ):
            limits.append({"limit": "tokens", "bound": self.spec.max_new_tokens, "part": "output"})
        if n > 1:
            limits = [{**x, "window": k + 1, "windows": n} for x in limits]
        return {**pred, "truncated": True, "limits": limits} if limits else pred


def _window_parts(record: dict, bounds: list[tuple[int, int]]) -> list[dict]:
    """The records of a text's windows, (start, end) each, with their offset in the text."""
    text = record["text"]
    return [{"id": f"{record.get('id')}@{s}", "text": text[s:e], "_offset": s} for s, e in bounds]


def _placeholder(spec: TaskSpec, filler: str) -> dict:
    """A record whose input is only `filler`, to find where the record-specific part of a prompt starts."""
    return {
        "id": f"__{filler}__",
        "text": filler,
        "question": filler,
        "context": filler if spec.answer_format == "extractive" else None,
        "options": {o: filler for o in spec.options},
    }
