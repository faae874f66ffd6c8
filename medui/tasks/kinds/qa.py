"""Question answering: multiple choice (a letter) or extractive (a short answer copied from the context)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from medui.tasks import agreement, merging
from medui.tasks.kinds.base import CopyKeys, EditorValues, Kind, Part, Strict, per_spec, record_id
from medui.tasks.metrics import extractive_counts
from medui.tasks.spec import TaskSpec


@per_spec
def answer_model(spec: TaskSpec) -> type[BaseModel]:
    if spec.answer_format == "multiple_choice":
        return create_model("Choice", __base__=Strict, answer=(Literal[spec.options], ...))  # type: ignore[valid-type]
    return create_model("Answer", __base__=Strict, answer=(str, Field(min_length=1)))


def _base(record: dict) -> dict:
    out = {"id": record_id(record), "question": record.get("question", "")}
    for key in ("options", "context"):
        if key in record:
            out[key] = record[key]
    return out


QA_PLACEHOLDER = (
    '{"question": "...", "options": {"A": "...", "B": "..."}}  oppure  {"context": "...", "question": "..."}'
)


class QaKind(Kind):
    family = "qa"
    reads_text = False
    input_placeholder = QA_PLACEHOLDER

    def metric_name(self, spec: TaskSpec) -> str:
        return "choice" if spec.answer_format == "multiple_choice" else "extractive"

    def output_model(self, spec: TaskSpec) -> type[BaseModel]:
        return answer_model(spec)

    def render_input(self, spec: TaskSpec, record: dict) -> str:
        parts = []
        if record.get("context"):
            parts.append(f"Contesto: {record['context']}")
        parts.append(f"Domanda: {record['question']}")
        for letter, option in (record.get("options") or {}).items():
            parts.append(f"{letter}) {option}")
        return "\n".join(parts)

    def copy_keys(self, spec: TaskSpec) -> CopyKeys:
        """An extractive answer is copied from the context; a letter is not."""
        if spec.answer_format != "extractive":
            return CopyKeys()
        return CopyKeys(strings=('"answer":"',), max_chars=spec.max_mention_chars)

    def copied_texts(self, spec: TaskSpec, output: dict) -> list[tuple[str, str]]:
        """An extractive answer, copied from the context."""
        answer = output.get("answer")
        return [("answer", answer)] if self.copy_keys(spec) and isinstance(answer, str) else []

    def copy_source(self, spec: TaskSpec, record: dict) -> str | None:
        return record.get("context") if self.copy_keys(spec) else None

    def target(self, spec: TaskSpec, record: dict) -> dict:
        return {"answer": record["answer"]}

    def to_record(self, spec: TaskSpec, record: dict, output: dict) -> dict:
        return {**_base(record), "answer": output["answer"]}

    def empty_record(self, spec: TaskSpec, record: dict) -> dict:
        return {**_base(record), "answer": None}

    def record_keys(self, spec: TaskSpec) -> tuple[str, ...]:
        if spec.answer_format == "multiple_choice":
            return ("id", "question", "options", "context", "answer")  # a context is optional
        return (
            "id",
            "context",
            "question",
            "answer",
            "answers",
            "category",
        )  # as DIMMI's importer writes them

    def record_problems(self, spec: TaskSpec, record: dict) -> list[str]:
        if not isinstance(record.get("question"), str) or not record["question"].strip():
            return ["the record has no question"]
        if "context" in record and not isinstance(record["context"], str):
            return ["the context must be a text"]
        answer = record.get("answer")
        if spec.answer_format == "multiple_choice":
            options = record.get("options")
            if not isinstance(options, dict) or set(options) != set(spec.options):
                return [f"options must be the letters {', '.join(spec.options)}"]
            if not all(isinstance(option, str) for option in options.values()):
                return ["every option must be a text"]
            if answer not in spec.options:
                return [f"answer {answer!r} is not one of {', '.join(spec.options)}"]
            return []
        if not isinstance(record.get("context"), str):
            return ["an extractive question needs a context"]
        if not isinstance(answer, str) or not answer.strip():
            return ["the answer must be a non-empty text"]
        answers = record.get("answers", [])  # the source's other accepted answers
        if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
            return ["answers must be a list of non-empty texts"]
        if not isinstance(record.get("category", ""), str):
            return ["the category must be a text"]
        return []

    def metric_inputs(self, spec: TaskSpec, gold: dict, pred: dict) -> tuple[Any, ...]:
        return gold.get("answer"), pred.get("answer")

    def agreement_pair(self, spec: TaskSpec, a: list[dict], b: list[dict]) -> dict:
        """Cohen's kappa on the answers (letters, or extractive answers normalised); extractive adds token F1."""
        extractive = spec.answer_format == "extractive"
        va = [agreement.answer_value(r, extractive) for r in a]
        vb = [agreement.answer_value(r, extractive) for r in b]
        out = agreement.categorical_pair(va, vb)
        if extractive:
            scores = [
                extractive_counts(x.get("answer"), y.get("answer"))["f1"] for x, y in zip(a, b, strict=True)
            ]
            out["token_f1"] = sum(scores) / len(scores)
        return out

    def annotation_key(self, spec: TaskSpec, record: dict) -> str | None:
        return agreement.answer_value(record, spec.answer_format == "extractive")

    def pieces(self, spec: TaskSpec, record: dict) -> list[merging.Piece]:
        """The answer, one piece in the slot "risposta"."""
        answer = record.get("answer")
        option = (record.get("options") or {}).get(answer)
        shown = f"{answer}) {option}" if option else ("(nessuna risposta)" if answer is None else str(answer))
        key = f"risposta={self.annotation_key(spec, record)}"
        return [merging.Piece(key, "risposta", "risposta", shown, answer, (0,), slot="risposta")]

    def record_from_pieces(self, spec: TaskSpec, record_id: str, pieces: list[merging.Piece]) -> dict:
        return {"id": record_id, "answer": pieces[0].value if pieces else None}

    def agreement_group(self, spec: TaskSpec, documents: list[list[dict]]) -> dict | None:
        extractive = spec.answer_format == "extractive"
        return agreement.group_kappa(
            [[agreement.answer_value(r, extractive) for r in doc] for doc in documents]
        )

    def label_names(self, spec: TaskSpec) -> list[str]:
        return list(spec.options)

    def views(self, spec: TaskSpec) -> tuple[Part, ...]:
        return ("answer",)

    def editors(self, spec: TaskSpec) -> tuple[Part, ...]:
        """A letter among the options, or a free answer."""
        return ("choice",) if spec.options else ("answer",)

    def record_from_editors(self, spec: TaskSpec, record_id: str, values: EditorValues) -> dict:
        answer = values.choice if spec.options else (values.answer or "").strip()
        return {"id": record_id, "answer": answer or None}

    def human_text(self, spec: TaskSpec, record: dict) -> str:
        return f"risposta: {record['answer']}"

    def counted_labels(self, spec: TaskSpec, record: dict) -> Iterable[str]:
        """The answer letter; an extractive answer counts as `answer`."""
        return [str(record.get("answer")) if spec.answer_format == "multiple_choice" else "answer"]
