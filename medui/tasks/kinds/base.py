"""The contract every task kind (family) module fulfils.

A kind turns a TaskSpec into: the pydantic output model the model must write (it drives constrained decoding
and validates stored predictions and corrections), the prompt input of a record, the target of a gold record
(few-shot examples and fine-tuning answers), the prediction record built from a model output, and the metric
used to score it.

It also says what its records hold, so that pages, commands and the backend ask the kind instead of testing the
family: the parts a prediction is shown and corrected with (`views`, `editors`: names the pages map to their
widgets), the record built back from the editors, the text the CLI prints, a split's statistics and the hint of
the input box. Everything stays plain data; the pages turn it into widgets.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from medui.tasks.merging import Piece
from medui.tasks.spec import TaskSpec

T = TypeVar("T")

# the parts of a record a page shows (`Kind.views`) or edits (`Kind.editors`), each with its own widget:
# spans (mentions highlighted in the text), entities (their table, with ids), relations, form, choice (a letter
# among the options), answer (a free answer)
Part = Literal["spans", "entities", "relations", "form", "choice", "answer"]
TEXT_PLACEHOLDER = "Incolla qui il testo (niente dati identificativi)."


@dataclass(frozen=True)
class CopyKeys:
    """The JSON text that opens a copied string value (`"text":"`) or a list of copied strings (`"x":[`)."""

    strings: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    max_chars: int = 0  # a copied value ends at the first word boundary past this many characters (0: none)
    max_items: int = 0  # a list ends after this many copied values (0: no bound but the source's repeats)

    def __bool__(self) -> bool:
        return bool(self.strings or self.lists)


@dataclass(frozen=True)
class EditorValues:
    """What the correction editors hold, as their widgets give it: the entities being edited (with ids T1..),
    the form table's rows (item, type, allowed values, value), the chosen letter, the typed answer, and the
    relation table's rows (head, label, tail)."""

    entities: list[dict]
    form_rows: list[list]
    choice: str | None
    answer: str
    relation_rows: list[list]


# a record as compact JSON in UTF-8, at most: room for the longest text the app takes (2 MB, inputs.MAX_TEXT_BYTES,
# with JSON's escapes) and its annotations; 500 times the longest gold record (e3c_temporal_links, 9,877 bytes)
MAX_RECORD_BYTES = 5_000_000
# what a record may hold beside its family's keys: the source document a gold record was cut from (E3C and
# CasiMedicos records: doc_id; PharmaER.IT's importer: document_id), and where in it, with their types
SOURCE_KEYS = {"doc_id": str, "document_id": str, "offset": int}
SHOWN_KEY_CHARS = 40  # an unknown key in a message, at most (a key may be megabytes of anything)


def json_problem(record: dict, max_bytes: int | None = MAX_RECORD_BYTES) -> str | None:
    """Why a record cannot be stored as JSON in UTF-8 (within `max_bytes`), or None: a lone surrogate (a JSON
    escape like \\ud800 reads as one, and no UTF-8 file can hold it), NaN or Infinity, nesting too deep, size."""
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return "the record holds NaN or Infinity, which JSON does not allow"
    except RecursionError:
        return "the record is nested too deep"
    except TypeError as exc:
        return f"the record holds a value JSON cannot write ({exc})"
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return f"the record holds a lone surrogate (U+{code:04X}), a character UTF-8 cannot store"
    if max_bytes is not None and size > max_bytes:
        return f"the record is {size:,} bytes as JSON, more than the limit of {max_bytes:,}"
    return None


def shown_key(key: object) -> str:
    """A key as a message shows it: repr, cut at SHOWN_KEY_CHARS."""
    text = repr(key)
    return text if len(text) <= SHOWN_KEY_CHARS else text[: SHOWN_KEY_CHARS - 1] + "…"


def key_problems(obj: dict, allowed: Iterable[str], what: str, where: str = "") -> list[str]:
    """The problem of an object holding keys beyond `allowed` (named in the message), or none."""
    allowed = tuple(allowed)
    unknown = [k for k in obj if k not in allowed]
    if not unknown:
        return []
    shown = ", ".join(shown_key(k) for k in unknown[:3]) + (
        f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
    )
    prefix = f"{where}: " if where else ""
    keys = "key" if len(unknown) == 1 else "keys"
    return [f"{prefix}unknown {keys} {shown}: {what} holds only {', '.join(allowed)}"]


def source_problems(record: dict) -> list[str]:
    """Wrong types of the record's id and of its SOURCE_KEYS."""
    problems = []
    rid = record.get("id")
    if rid is not None and (isinstance(rid, bool) or not isinstance(rid, str | int)):
        problems.append("the record id must be a text")
    for key, kind in SOURCE_KEYS.items():
        value = record.get(key)
        if value is None:
            continue
        if kind is int and (type(value) is not int or value < 0):
            problems.append(f"{key} must be a whole number from 0 up")
        elif kind is str and not isinstance(value, str):
            problems.append(f"{key} must be a text")
    return problems


class Strict(BaseModel):
    """Base of every output model: no extra keys (llguidance/xgrammar would accept them otherwise)."""

    model_config = ConfigDict(extra="forbid")


class Kind:
    """A task family; subclasses fill in the family-specific parts."""

    family: ClassVar[str]
    metric: ClassVar[str] = ""  # key of medui.tasks.metrics.METRICS
    # the model reads a record's `text`, which a user gives as plain text; False (qa): it reads a question (with
    # options or a context), which a user gives as a JSON object and a correction never changes
    reads_text: ClassVar[bool] = True
    spans: ClassVar[bool] = False  # records hold mentions with offsets in the text (a long one is windowed)
    relations: ClassVar[bool] = False  # and relations between those mentions, by entity id
    input_placeholder: ClassVar[str] = TEXT_PLACEHOLDER  # the hint of the app's input box

    def metric_name(self, spec: TaskSpec) -> str:
        return self.metric

    def output_model(self, spec: TaskSpec) -> type[BaseModel]:
        raise NotImplementedError

    def render_input(self, spec: TaskSpec, record: dict) -> str:
        """The record's input as the prompt shows it."""
        raise NotImplementedError

    def target(self, spec: TaskSpec, record: dict) -> dict:
        """The answer the model should write for a gold record."""
        raise NotImplementedError

    def to_record(self, spec: TaskSpec, record: dict, output: dict) -> dict:
        """A prediction record in the gold format from a validated model output."""
        raise NotImplementedError

    def empty_record(self, spec: TaskSpec, record: dict) -> dict:
        """The prediction record of an output that could not be read."""
        raise NotImplementedError

    def record_keys(self, spec: TaskSpec) -> tuple[str, ...]:
        """The keys a record of the family holds (gold format); a record holds no others but SOURCE_KEYS."""
        raise NotImplementedError

    def record_problems(self, spec: TaskSpec, record: dict) -> list[str]:
        """What the family finds wrong with a record (its inputs, mentions, relations, form or answer)."""
        raise NotImplementedError

    def validate_record(self, spec: TaskSpec, record: dict) -> list[str]:
        """Problems with a gold or corrected record (a prediction's once records.gold_part took its own keys
        off); empty when it fits the task: at most MAX_RECORD_BYTES as JSON, text UTF-8 can store, the family's
        checks, and exactly the family's keys (a source's doc_id and offset aside), nothing else."""
        if not isinstance(record, dict):
            return ["the record is not a JSON object"]
        unstorable = json_problem(record)
        if unstorable:
            return [unstorable]
        problems = self.record_problems(spec, record)
        problems += key_problems(record, (*self.record_keys(spec), *SOURCE_KEYS), f"a {spec.family} record")
        problems += source_problems(record)
        return problems

    def metric_inputs(self, spec: TaskSpec, gold: dict, pred: dict) -> tuple[Any, ...]:
        """Arguments of the metric's per-record counts function."""
        return gold, pred

    def agreement_pair(self, spec: TaskSpec, a: list[dict], b: list[dict]) -> dict:
        """Agreement figures of two annotators' versions of the same documents (in the same order)."""
        raise NotImplementedError

    def annotation_key(self, spec: TaskSpec, record: dict) -> Hashable:
        """What a record annotates, comparable across annotators: equal keys are the same annotation (order,
        mention texts and entity ids aside); adjudication lists the documents whose versions' keys differ."""
        raise NotImplementedError

    def agreement_group(self, spec: TaskSpec, documents: list[list[dict]]) -> dict | None:
        """Kappa over all annotators at once (one version each a document); None when the family has none."""
        return None

    def pieces(self, spec: TaskSpec, record: dict) -> list[Piece]:
        """A record cut into the pieces a curator merges versions from (medui/tasks/merging.py)."""
        raise NotImplementedError

    def record_from_pieces(self, spec: TaskSpec, record_id: str, pieces: list[Piece]) -> dict:
        """The record (without its inputs) made of the pieces kept, in record order."""
        raise NotImplementedError

    def copy_keys(self, spec: TaskSpec) -> CopyKeys:
        """The string values of the output that are copied from the input under constrained decoding."""
        return CopyKeys()

    def copy_source(self, spec: TaskSpec, record: dict) -> str | None:
        """The text those values are copied from."""
        return record.get("text") if self.copy_keys(spec) else None

    def label_names(self, spec: TaskSpec) -> list[str]:
        """The names a task's records are counted by: labels, form items or option letters."""
        raise NotImplementedError

    # showing and correcting ---------------------------------------------------------------------------------
    def views(self, spec: TaskSpec) -> tuple[Part, ...]:
        """The parts a prediction is shown with (Prova, Confronta)."""
        raise NotImplementedError

    def editors(self, spec: TaskSpec) -> tuple[Part, ...]:
        """The editors a prediction is corrected with (Correggi)."""
        raise NotImplementedError

    def editor_entities(self, spec: TaskSpec, record: dict) -> list[dict]:
        """The entities of a record as the editors start from them."""
        return record.get("entities", [])

    def record_from_editors(self, spec: TaskSpec, record_id: str, values: EditorValues) -> dict:
        """The corrected record in the gold format (without its inputs) from the editors' values."""
        raise NotImplementedError

    def human_text(self, spec: TaskSpec, record: dict) -> str:
        """A valid prediction record as lines of text."""
        raise NotImplementedError

    def counted_labels(self, spec: TaskSpec, record: dict) -> Iterable[str]:
        """What a record counts for in a split's statistics: its mentions' labels, filled items or answer."""
        raise NotImplementedError

    # shared -----------------------------------------------------------------------------------------------
    def render_human(self, spec: TaskSpec, record: dict) -> str:
        """A prediction record as the CLI prints it."""
        if record.get("valid") is False:
            return f"invalid output: {record.get('error')}"
        return self.human_text(spec, record)

    def split_stats(self, spec: TaskSpec, records: list[dict]) -> dict:
        """Records and label mentions (values for forms, answers for QA) of one split."""
        labels: Counter = Counter()
        for record in records:
            labels.update(self.counted_labels(spec, record))
        return {"records": len(records), "labels": dict(sorted(labels.items()))}

    def render_target(self, spec: TaskSpec, record: dict) -> str:
        return json.dumps(self.target(spec, record), ensure_ascii=False, separators=(",", ":"))

    def parse_output(self, spec: TaskSpec, raw: str) -> tuple[dict | None, str | None]:
        """Read a model output leniently: the first JSON object in it, validated; (output, error).

        An object cut short by the token limit is closed after its last complete list item.
        """
        closed = close_truncated(raw)
        obj, error = first_json_object(raw if closed is None else closed)
        if obj is None:
            return None, error
        try:
            return self.output_model(spec).model_validate(obj).model_dump(), None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return None, f"output does not fit the schema: {where}: {first['msg']}"

    def prediction(self, spec: TaskSpec, record: dict, raw: str, copied: bool = False) -> dict:
        """Raw model text to a prediction record; never raises on bad output. An answer a limit may have cut is
        marked `truncated`, with the `limits` reached (limits_reached; `copied`: decoded under the copy
        constraint, which bounds copied values)."""
        output, error = self.parse_output(spec, raw)
        if output is None:
            return {**self.empty_record(spec, record), "valid": False, "error": error}
        reached = self.limits_reached(spec, raw, output, copied)
        cut = {"truncated": True, "limits": reached} if reached else {}
        return {**self.to_record(spec, record, output), "valid": True, **cut}

    def copy_offsets(self, spec: TaskSpec, prediction: dict, copies: list[tuple[int, int]]) -> dict:
        """Prediction-only keys that keep where in the text the copy constraint read each copied value (`copies`,
        in the order written: Generation.copies); none here (a text of mentions aligns its mentions itself)."""
        return {}

    def limits_reached(self, spec: TaskSpec, raw: str, output: dict, copied: bool = False) -> list[dict]:
        """The limits that may have cut an answer, each {"limit", "bound", "part"}: `tokens` (the output was cut
        at max_new_tokens and closed after its last complete item), `items` (a list holds the most items its
        answer may: under cd it ends there, so what the text holds after it is never written), `chars` (under
        the copy constraint a copied value this long ends at its next word boundary)."""
        found = []
        if close_truncated(raw) is not None:
            found.append({"limit": "tokens", "bound": spec.max_new_tokens, "part": "output"})
        found += [
            {"limit": "items", "bound": bound, "part": part}
            for part, items, bound in self.bounded_lists(spec, output)
            if len(items) >= bound
        ]
        most = self.copy_keys(spec).max_chars
        long = {
            part for part, value in self.copied_texts(spec, output) if copied and most and len(value) >= most
        }
        return found + [{"limit": "chars", "bound": most, "part": part} for part in sorted(long)]

    def bounded_lists(self, spec: TaskSpec, output: dict) -> list[tuple[str, list, int]]:
        """(part, items, most items) of every list of an output with a bound: a text of mentions' lists."""
        return [(k, v, spec.max_items) for k, v in output.items() if self.spans and isinstance(v, list)]

    def copied_texts(self, spec: TaskSpec, output: dict) -> list[tuple[str, str]]:
        """(part, value) of every value of an output copied from the input: a text of mentions' mentions."""
        return [("entities", e["text"]) for e in output.get("entities") or [] if self.spans]


def first_json_object(raw: str) -> tuple[dict | None, str | None]:
    """The first complete JSON object in a text, or why there is none."""
    start = raw.find("{")
    if start < 0:
        return None, "no JSON object in the output"
    decoder = json.JSONDecoder()
    while start >= 0:
        try:
            obj, _ = decoder.raw_decode(raw, start)
        except json.JSONDecodeError:
            start = raw.find("{", start + 1)
            continue
        if isinstance(obj, dict):
            return obj, None
        start = raw.find("{", start + 1)
    return None, "the JSON object in the output is incomplete or malformed"


def close_truncated(raw: str) -> str | None:
    """A JSON object cut short, closed after its last complete list item (or its last opened list), or None
    when it holds no complete item (an output cut before it said anything stays unreadable).

    `{"entities":[{"text":"a","label":"X"},{"text":"b` -> `{"entities":[{"text":"a","label":"X"}]}`.
    """
    start = raw.find("{")
    if start < 0:
        return None
    stack: list[str] = []
    safe: tuple[int, str] | None = None  # (cut position, closers) at the last point where the JSON can end
    items = 0
    in_string = escaped = False
    for i in range(start, len(raw)):
        ch = raw[i]
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return None
            if not stack:
                return None  # complete: nothing to close
        if stack and stack[-1] == "]" and ch in "[}":
            items += ch == "}"
            safe = (i + 1, "".join(reversed(stack)))
    if safe is None or not items:
        return None
    return raw[: safe[0]] + safe[1]


def per_spec(fn: Callable[[TaskSpec], T]) -> Callable[[TaskSpec], T]:
    """Cache a function of a spec by the spec's content (specs hold dicts, so they are not hashable)."""
    cache: dict[str, T] = {}

    @functools.wraps(fn)
    def wrapper(spec: TaskSpec) -> T:
        key = spec.model_dump_json()
        if key not in cache:
            cache[key] = fn(spec)
        return cache[key]

    return wrapper


def record_id(record: dict) -> str:
    return str(record.get("id", ""))
