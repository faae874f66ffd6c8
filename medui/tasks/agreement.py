"""Inter-annotator agreement figures, the functions the kinds use: kappa, pairwise span and relation F1, form
items and answers in comparable form.

A pair of annotators' figures is the family's (its kind's `agreement_pair`: span families strict and lenient F1,
i.e. positive specific agreement, and Krippendorff's unitizing alpha (medui/tasks/unitizing.py), overall and per
label; re: relation F1 too; crf: Cohen's kappa per form item;
qa: Cohen's kappa on answers), and `agreement_group` gives the kappa over all annotators (Cohen for two, Fleiss
for three or more) or None. The report over every annotator's versions (`measure`) dispatches over the kinds:
medui/tasks/versions.py. Pure Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

from medui.tasks.metrics import (
    f1_score,
    form_value,
    normalise_answer,
    relation_aggregate,
    relation_counts,
    span_aggregate,
    span_counts,
)
from medui.tasks.unitizing import Span, unitizing_alpha


# chance-corrected agreement -------------------------------------------------------------------------------
def cohen_kappa(x: Sequence[Hashable], y: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters' categories on the same items; None when chance agreement is total."""
    if len(x) != len(y) or not x:
        raise ValueError("two equally long, non-empty rating lists are needed")
    n = len(x)
    observed = sum(a == b for a, b in zip(x, y, strict=True)) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[c] * cy[c] for c in cx) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa of a subjects x categories table of rater counts (the same number of raters a subject)."""
    raters = {sum(row) for row in table}
    if len(raters) != 1 or min(raters) < 2:
        raise ValueError("every subject needs the same number of raters, at least 2")
    m, n = next(iter(raters)), len(table)
    p_bar = sum((sum(c * c for c in row) - m) / (m * (m - 1)) for row in table) / n
    shares = [sum(row[j] for row in table) / (n * m) for j in range(len(table[0]))]
    p_e = sum(p * p for p in shares)
    return None if p_e == 1 else (p_bar - p_e) / (1 - p_e)


def rating_table(ratings: Sequence[Sequence[Hashable]]) -> list[list[int]]:
    """Per subject, the raters' categories -> the subjects x categories count table."""
    categories = sorted({c for row in ratings for c in row}, key=repr)
    return [[Counter(row)[c] for c in categories] for row in ratings]


def group_kappa(ratings: Sequence[Sequence[Hashable]]) -> dict:
    """Kappa over all raters of each subject: Cohen's for two raters, Fleiss' for three or more."""
    raters = len(ratings[0]) if ratings else 0
    if raters == 2:
        value = cohen_kappa([r[0] for r in ratings], [r[1] for r in ratings])
        return {"method": "cohen", "value": value}
    return {"method": "fleiss", "value": fleiss_kappa(rating_table(ratings))}


def observed_agreement(x: Sequence[Hashable], y: Sequence[Hashable]) -> float:
    return sum(a == b for a, b in zip(x, y, strict=True)) / len(x)


# span and relation families -------------------------------------------------------------------------------
def _with_label(record: dict, label: str) -> dict:
    return {"entities": [e for e in record.get("entities") or () if e.get("label") == label]}


def _labels(records: Sequence[dict], key: str = "entities") -> list[str]:
    return sorted({str(x.get("label")) for r in records for x in r.get(key) or () if isinstance(x, dict)})


def record_spans(record: dict) -> list[Span]:
    """A span record's entities as (start, end, label), those without integer offsets left out."""
    out = []
    for ent in record.get("entities") or ():
        if isinstance(ent, dict) and all(type(ent.get(k)) is int for k in ("start", "end")):
            out.append((ent["start"], ent["end"], str(ent.get("label"))))
    return out


def text_length(records: Sequence[dict]) -> int:
    """The length of the text the versions of one document mark: its text's (a version without one, e.g. a
    model's answer, is measured by the others), and never short of a span's end."""
    lengths = [len(r["text"]) for r in records if isinstance(r.get("text"), str)]
    ends = [end for r in records for _, end, _ in record_spans(r)]
    return max([*lengths, *ends, 0])


def unitizing_pair(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """Krippendorff's unitizing alpha of two annotators' spans over the documents (in the same order), overall
    and per label (medui/tasks/unitizing.py)."""
    documents = [(text_length((x, y)), [record_spans(x), record_spans(y)]) for x, y in zip(a, b, strict=True)]
    return unitizing_alpha(documents)


def span_pair(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """Strict and lenient F1 between two annotators (symmetric: positive specific agreement) and Krippendorff's
    unitizing alpha, overall and per label."""
    total = span_aggregate([span_counts(x, y) for x, y in zip(a, b, strict=True)])
    unitizing = unitizing_pair(a, b)
    per_label = {}
    for label in _labels([*a, *b]):
        only = [(_with_label(x, label), _with_label(y, label)) for x, y in zip(a, b, strict=True)]
        agg = span_aggregate([span_counts(x, y) for x, y in only])
        per_label[label] = {
            "strict_f1": agg["f1"],
            "lenient_f1": agg["lenient_f1"],
            "unitizing_alpha": unitizing["per_label"].get(label, {}).get("value"),
            "spans_a": agg["tp"] + agg["fn"],
            "spans_b": agg["tp"] + agg["fp"],
            "documents": sum(bool(x["entities"] or y["entities"]) for x, y in only),
        }
    return {
        "strict_f1": total["f1"],
        "lenient_f1": total["lenient_f1"],
        "unitizing_alpha": unitizing["value"],
        "spans_a": total["tp"] + total["fn"],
        "spans_b": total["tp"] + total["fp"],
        "per_label": per_label,
    }


def relation_pair(a: Sequence[dict], b: Sequence[dict]) -> dict:
    """Relation F1 (head span, tail span, label) between two annotators, per relation label, with the
    entities' strict and lenient F1."""
    counts = [relation_counts(x, y) for x, y in zip(a, b, strict=True)]
    rel = relation_aggregate(counts)
    by_label: dict[str, Counter] = {}
    for c in counts:
        for label, sub in c["per_label"].items():
            by_label.setdefault(label, Counter()).update(sub)
    spans = span_pair(a, b)
    return {
        "relation_f1": rel["f1"],
        "strict_f1": spans["strict_f1"],
        "lenient_f1": spans["lenient_f1"],
        "unitizing_alpha": spans["unitizing_alpha"],
        "relations_a": rel["tp"] + rel["fn"],
        "relations_b": rel["tp"] + rel["fp"],
        "per_label": {
            label: {
                "f1": f1_score(t["tp"], t["fp"], t["fn"]),
                "relations_a": t["tp"] + t["fn"],
                "relations_b": t["tp"] + t["fp"],
            }
            for label, t in sorted(by_label.items())
        },
        "entity_per_label": spans["per_label"],
    }


# categorical families (crf items, qa answers) ---------------------------------------------------------------
def categorical_pair(x: Sequence[Hashable], y: Sequence[Hashable]) -> dict:
    """Cohen's kappa and observed agreement of two annotators' categories."""
    return {"kappa": cohen_kappa(x, y), "agreement": observed_agreement(x, y)}


def form_values(record: dict, items: Sequence[str]) -> dict[str, Any]:
    """A crf record's items in comparable form (empty and non_menzionato alike are None)."""
    fields = record.get("fields") or {}
    return {item: form_value(fields.get(item)) for item in items}


def form_pair(a: Sequence[dict], b: Sequence[dict], items: Sequence[str]) -> dict:
    """Cohen's kappa per form item, and their mean over items where it is defined."""
    va, vb = [form_values(r, items) for r in a], [form_values(r, items) for r in b]
    per_item = {
        item: {**categorical_pair([v[item] for v in va], [v[item] for v in vb]), "documents": len(a)}
        for item in items
    }
    kappas = [s["kappa"] for s in per_item.values() if s["kappa"] is not None]
    return {
        "kappa": sum(kappas) / len(kappas) if kappas else None,
        "agreement": sum(s["agreement"] for s in per_item.values()) / len(items) if items else 0.0,
        "per_item": per_item,
    }


def form_group(documents: Sequence[Sequence[dict]], items: Sequence[str]) -> dict:
    """Kappa over all annotators, per form item and its mean."""
    per_item = {
        item: group_kappa([[form_values(r, [item])[item] for r in versions] for versions in documents])
        for item in items
    }
    values = [k["value"] for k in per_item.values() if k["value"] is not None]
    method = next(iter(per_item.values()))["method"] if per_item else "fleiss"
    return {"method": method, "value": sum(values) / len(values) if values else None, "per_item": per_item}


def answer_value(record: dict, extractive: bool) -> str | None:
    """A qa answer in comparable form: a letter casefolded, or an extractive answer normalised."""
    answer = record.get("answer")
    if answer is None:
        return None
    text = normalise_answer(str(answer)) if extractive else str(answer).strip().casefold()
    return text or None


# one document: do two versions say the same? ---------------------------------------------------------------
def span_key(record: dict) -> frozenset:
    """A span record's annotation as a set of (start, end, label), whatever the order or the mention texts."""
    out = set()
    for ent in record.get("entities") or ():
        if isinstance(ent, dict):
            out.add((ent.get("start"), ent.get("end"), str(ent.get("label"))))
    return frozenset(out)


def relation_key(record: dict) -> tuple[frozenset, frozenset]:
    """An re record's entities (spans) and relations as (head span, tail span, label), whatever the entity ids."""
    spans = {
        str(e.get("id")): (e.get("start"), e.get("end"), str(e.get("label")))
        for e in record.get("entities") or ()
        if isinstance(e, dict)
    }
    relations = frozenset(
        (spans.get(str(r.get("head"))), spans.get(str(r.get("tail"))), str(r.get("label")))
        for r in record.get("relations") or ()
        if isinstance(r, dict)
    )
    return span_key(record), relations


def form_key(record: dict, items: Sequence[str]) -> tuple:
    """A crf record's items in comparable form, in the spec's order."""
    values = form_values(record, items)
    return tuple(values[item] for item in items)
