"""TaskSpec: the schema of a task file (medui/tasks/specs/<id>.yaml).

A task instance is data: its id, family, Italian instruction, labels (or form fields, or answer format), the
prompt template it renders with and the gold data it reads. The family's kind module (medui/tasks/kinds/) turns a
spec into an output schema, targets, records and metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Family = Literal["ner", "re", "crf", "qa", "am"]
FieldType = Literal["presence", "enum", "integer", "number", "string", "list"]

PRESENCE_VALUES = ("presente", "assente", "non_menzionato")


class FormField(BaseModel):
    """One item of a case report form (crf family)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    description: str
    values: tuple[str, ...] = ()  # allowed values for `enum`
    # `integer`, `number`: the smallest and largest value the item can hold (whole numbers; both required), in the
    # schema as minimum and maximum, so that validation and constrained decoding refuse an age of -5 or 1e30
    minimum: int | None = None
    maximum: int | None = None
    max_items: int = 8  # for `list`: the schema's maxItems
    # a copied value's length under cd (the copy constraint ends it at the next word boundary); NOT in the
    # schema: maxLength makes outlines_core's index on Gemma's vocabulary compile in minutes (clinical_case_crf:
    # over 200 s, against 14 s without it)
    max_length: int = 80
    # `copy: true` (string, list): under cd the value, or every item of the list, is copied from the note
    copied: bool = Field(default=False, alias="copy")
    # how the pages name the item (short Italian: "età", "pressione sistolica"; empty: its name, spaced) and the
    # unit of a number ("mmHg"); neither is in the prompt nor in the schema, so the model reads the same prompt
    title: str = ""
    unit: str = ""

    @model_validator(mode="after")
    def _enum_has_values(self) -> FormField:
        if self.type == "enum" and not self.values:
            raise ValueError(f"enum field {self.name!r} needs values")
        if self.copied and self.type not in ("string", "list"):
            raise ValueError(f"only string and list fields can be copied, not {self.name!r}")
        bounds = (self.minimum, self.maximum)
        if self.type in ("integer", "number"):
            if None in bounds:
                raise ValueError(f"{self.type} field {self.name!r} needs its minimum and maximum")
            if self.minimum > self.maximum:  # type: ignore[operator]
                raise ValueError(
                    f"field {self.name!r}: minimum {self.minimum} is over maximum {self.maximum}"
                )
        elif bounds != (None, None):
            raise ValueError(f"only integer and number fields have a minimum and maximum, not {self.name!r}")
        if self.unit and self.type not in ("integer", "number"):
            raise ValueError(f"only integer and number fields have a unit, not {self.name!r}")
        return self


class TaskSpec(BaseModel):
    """A task: everything about it that is not code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    family: Family
    name: str
    description: str
    instruction: str  # Italian instruction shown to the model
    prompt: str = Field(pattern=r"^[a-z_]+\.v\d+$")  # template in medui/tasks/prompts/<prompt>.jinja
    labels: dict[str, str] = {}  # entity label -> Italian definition (ner, am, re)
    relation_labels: dict[str, str] = {}  # relation label -> Italian definition (re)
    # a relation's direction (re): the entity labels allowed as its head and as its tail (empty: any); a relation
    # with a head or tail of another label is refused (as a reversed PERTAINS, from EVENT to RML)
    relation_heads: tuple[str, ...] = ()
    relation_tails: tuple[str, ...] = ()
    # re, `pairs` strategies: entity label -> the ner task whose own pass finds that label's mentions (the E3C link
    # tasks' entities are exactly those of e3c_measurements, e3c_events and e3c_time_expressions on the same
    # documents); empty: the entity step is the task's own answer with its relation list held empty
    entity_tasks: dict[str, str] = {}
    fields: tuple[FormField, ...] = ()  # crf
    answer_format: Literal["multiple_choice", "extractive"] | None = None  # qa
    options: tuple[str, ...] = ()  # qa multiple choice letters
    data: str | None = None  # folder under assets/data; default: the task id
    fewshot_split: str = "train"
    fewshot_task: str | None = None  # draw examples (and training data) from another task's data
    eval_split: str = "test"
    default_shots: int = Field(default=3, ge=0, le=16)
    # mentions a list holds: trims few-shot and fine-tuning targets, and under cd the copy constraint ends the list
    # after that many; not a schema bound (maxItems 30 makes the NER index compile in 21 s on Gemma, not 1.5 s)
    max_items: int = Field(default=40, ge=1)
    # a copied mention or answer under cd ends at the first word boundary past this (not in the schema either)
    max_mention_chars: int = Field(default=200, ge=1)
    max_new_tokens: int = Field(default=384, ge=8)
    # label guidelines: label, relation label or form item -> a short Italian definition with one example ("Es.:"),
    # from the corpus's annotation guidelines where public (`guidelines_source` names them). Shown beside the
    # editor in Correggi; in the prompt only when a run asks (--guidelines), so the default prompt never changes.
    # Every label and relation label has one when any has; a form gives them to the items where one helps.
    guidelines: dict[str, str] = {}
    guidelines_source: str | None = None

    @field_validator("fields")
    @classmethod
    def _unique_fields(cls, fields: tuple[FormField, ...]) -> tuple[FormField, ...]:
        names = [f.name for f in fields]
        if len(names) != len(set(names)):
            raise ValueError("duplicate form field names")
        return fields

    @model_validator(mode="after")
    def _relation_ends_are_labels(self) -> TaskSpec:
        unknown = [
            label for label in (*self.relation_heads, *self.relation_tails) if label not in self.labels
        ]
        if unknown:
            raise ValueError(f"relation heads and tails must be labels of the task, not {', '.join(unknown)}")
        if self.entity_tasks and set(self.entity_tasks) != set(self.labels):
            raise ValueError("entity_tasks must name a task for every label of the task, and only those")
        return self

    @model_validator(mode="after")
    def _guidelines_name_the_task(self) -> TaskSpec:
        names = [*self.labels, *self.relation_labels, *(f.name for f in self.fields)]
        unknown = [name for name in self.guidelines if name not in names]
        if unknown:
            raise ValueError(
                f"guidelines name {', '.join(unknown)}: not a label, relation label or form item of the task"
            )
        if not self.guidelines:
            if self.guidelines_source:
                raise ValueError("guidelines_source without guidelines")
            return self
        missing = [name for name in (*self.labels, *self.relation_labels) if name not in self.guidelines]
        if missing:
            raise ValueError(f"guidelines miss the labels {', '.join(missing)}")
        empty = [name for name, text in self.guidelines.items() if not text.strip()]
        if empty:
            raise ValueError(f"empty guidelines for {', '.join(empty)}")
        if not (self.guidelines_source or "").strip():
            raise ValueError("guidelines need their guidelines_source")
        return self

    def guideline_items(self) -> list[tuple[str, str]]:
        """The guidelines in the task's order: labels, relation labels, then form items."""
        names = [*self.labels, *self.relation_labels, *(f.name for f in self.fields)]
        return [(name, self.guidelines[name]) for name in names if name in self.guidelines]

    @model_validator(mode="after")
    def _family_needs(self) -> TaskSpec:
        needs = {
            "ner": bool(self.labels),
            "am": bool(self.labels),
            "re": bool(self.labels) and bool(self.relation_labels),
            "crf": bool(self.fields),
            "qa": self.answer_format is not None,
        }
        if not needs[self.family]:
            raise ValueError(f"a {self.family} task misses its labels, relations, fields or answer_format")
        if self.answer_format == "multiple_choice" and not self.options:
            raise ValueError("a multiple-choice task needs options")
        return self

    @property
    def data_dir(self) -> str:
        return self.data or self.id


def load_spec(path: Path) -> TaskSpec:
    """Read and validate one YAML task file."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a task file must be a YAML mapping")
    return TaskSpec.model_validate(raw)
