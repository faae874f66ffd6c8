"""One kind module per task family; `kind_for(spec)` picks it."""

from __future__ import annotations

from medui.tasks.kinds.base import EditorValues, Kind, Part
from medui.tasks.kinds.crf import CrfKind
from medui.tasks.kinds.ner import AmKind, NerKind
from medui.tasks.kinds.qa import QaKind
from medui.tasks.kinds.re import ReKind
from medui.tasks.spec import TaskSpec

KINDS: dict[str, Kind] = {k.family: k for k in (NerKind(), AmKind(), ReKind(), CrfKind(), QaKind())}


def kind_for(spec: TaskSpec) -> Kind:
    return KINDS[spec.family]


__all__ = ["KINDS", "EditorValues", "Kind", "Part", "kind_for"]
