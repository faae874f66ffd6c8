"""Task metrics in two stages: per-record counts, then their aggregation over records.

A counts function scores one record and returns a small JSON-serialisable dict, stored with the prediction, so
that a corrected record can be rescored without new inference; an aggregate function turns a list of such dicts
into the task's scores. Every score is a float in [0, 1]; a division by zero gives 0.0, except that a record
with neither gold nor predicted items scores 1.0 in `record_score`. Pure Python: no torch, gradio or database.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

Counts = dict[str, Any]

PRF_KEYS = ("tp", "fp", "fn")
EMPTY_FORM_VALUES = frozenset({"non_menzionato", "non menzionato"})
ITALIAN_ARTICLES = frozenset({"il", "lo", "la", "i", "gli", "le", "l", "un", "uno", "una"})
APOSTROPHES = frozenset("'’‘`´")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")


# shared ---------------------------------------------------------------------------------------------------
def safe_div(num: float, den: float) -> float:
    """num / den, or 0.0 when den is 0."""
    return num / den if den else 0.0


def f1_score(tp: int, fp: int, fn: int) -> float:
    """F1 from counts: 2tp / (2tp + fp + fn)."""
    return safe_div(2 * tp, 2 * tp + fp + fn)


def harmonic(p: float, r: float) -> float:
    """Harmonic mean of a precision and a recall."""
    return safe_div(2 * p * r, p + r)


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts."""
    return {"precision": safe_div(tp, tp + fp), "recall": safe_div(tp, tp + fn), "f1": f1_score(tp, fp, fn)}


def _strict(gold: set, pred: set) -> dict[str, int]:
    """Exact-match counts of two sets of items."""
    return {"tp": len(gold & pred), "fp": len(pred - gold), "fn": len(gold - pred)}


def _per_label(gold: set, pred: set) -> dict[str, dict[str, int]]:
    """Exact-match counts by label; the label is the last element of every item."""
    labels = sorted({item[-1] for item in gold | pred})
    return {
        label: _strict({g for g in gold if g[-1] == label}, {p for p in pred if p[-1] == label})
        for label in labels
    }


def _sum(counts: Iterable[Counts], keys: Iterable[str]) -> dict[str, int]:
    """Totals of some keys over records."""
    counts = list(counts)
    return {key: sum(c.get(key, 0) for c in counts) for key in keys}


def _merge(groups: Iterable[dict[str, Counts]], keys: Iterable[str]) -> dict[str, dict[str, int]]:
    """Totals of nested counts ({name: {key: n}}) over records; "n" is how many records had the name."""
    keys = tuple(keys)
    totals: dict[str, dict[str, int]] = {}
    for group in groups:
        for name, sub in group.items():
            total = totals.setdefault(name, dict.fromkeys((*keys, "n"), 0))
            for key in keys:
                total[key] += sub.get(key, 0)
            total["n"] += 1
    return totals


def _label_scores(totals: dict[str, dict[str, int]]) -> dict[str, dict[str, float | int]]:
    """Per-label precision, recall, F1 and support (gold count), labels sorted."""
    return {
        label: {**prf(t["tp"], t["fp"], t["fn"]), "support": t["tp"] + t["fn"]}
        for label, t in sorted(totals.items())
    }


# ner / am: spans ------------------------------------------------------------------------------------------
def _spans(entities: Any) -> set[tuple[int, int, str]]:
    """The distinct (start, end, label) spans of a list of entities; malformed ones are skipped."""
    out: set[tuple[int, int, str]] = set()
    for ent in entities or ():
        try:
            out.add((int(ent["start"]), int(ent["end"]), str(ent["label"])))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def _overlap_matches(spans: set, others: set) -> int:
    """How many spans overlap at least one of the others with the same label."""
    return sum(any(s[2] == o[2] and s[0] < o[1] and o[0] < s[1] for o in others) for s in spans)


def span_counts(gold: dict, pred: dict) -> Counts:
    """Per-record strict, lenient and per-label counts of a ner/am record ({"entities": [...]})."""
    g, p = _spans((gold or {}).get("entities")), _spans((pred or {}).get("entities"))
    return {
        **_strict(g, p),
        "n_gold": len(g),
        "n_pred": len(p),
        "lenient_gold": _overlap_matches(g, p),
        "lenient_pred": _overlap_matches(p, g),
        "per_label": _per_label(g, p),
    }


def span_aggregate(counts: list[Counts]) -> dict:
    """Strict micro P/R/F1, lenient P/R/F1 and per-label scores over records."""
    t = _sum(counts, (*PRF_KEYS, "n_gold", "n_pred", "lenient_gold", "lenient_pred"))
    lenient_p = safe_div(t["lenient_pred"], t["n_pred"])
    lenient_r = safe_div(t["lenient_gold"], t["n_gold"])
    return {
        **prf(t["tp"], t["fp"], t["fn"]),
        "lenient_precision": lenient_p,
        "lenient_recall": lenient_r,
        "lenient_f1": harmonic(lenient_p, lenient_r),
        "per_label": _label_scores(_merge((c.get("per_label", {}) for c in counts), PRF_KEYS)),
        **{key: t[key] for key in PRF_KEYS},
    }


# re: relations --------------------------------------------------------------------------------------------
def _entity_index(entities: Any) -> dict[str, tuple[int, int]]:
    """Entity id -> (start, end); malformed entities are skipped."""
    index: dict[str, tuple[int, int]] = {}
    for ent in entities or ():
        try:
            index[str(ent["id"])] = (int(ent["start"]), int(ent["end"]))
        except (KeyError, TypeError, ValueError):
            continue
    return index


def _triples(record: dict) -> tuple[set[tuple], int]:
    """The distinct (head span, tail span, label) triples of a record and how many relations dangle."""
    index = _entity_index(record.get("entities"))
    triples: set[tuple] = set()
    dangling = 0
    for rel in record.get("relations") or ():
        head = index.get(str(rel.get("head"))) if isinstance(rel, dict) else None
        tail = index.get(str(rel.get("tail"))) if isinstance(rel, dict) else None
        if head is None or tail is None:
            dangling += 1
            continue
        triples.add((head, tail, str(rel.get("label"))))
    return triples, dangling


def relation_counts(gold: dict, pred: dict) -> Counts:
    """Per-record triple counts of an re record, with dangling predicted relations and entity counts."""
    gold, pred = gold or {}, pred or {}
    g, _ = _triples(gold)  # a gold relation to a missing entity cannot be matched: it is ignored
    p, dangling = _triples(pred)
    entity = _strict(_spans(gold.get("entities")), _spans(pred.get("entities")))
    return {**_strict(g, p), "dangling": dangling, "per_label": _per_label(g, p), "entity": entity}


def relation_aggregate(counts: list[Counts]) -> dict:
    """Micro P/R/F1 over relation triples, per relation label, and strict entity scores."""
    t = _sum(counts, (*PRF_KEYS, "dangling"))
    e = _sum((c.get("entity", {}) for c in counts), PRF_KEYS)
    entity = prf(e["tp"], e["fp"], e["fn"])
    return {
        **prf(t["tp"], t["fp"], t["fn"]),
        "per_label": _label_scores(_merge((c.get("per_label", {}) for c in counts), PRF_KEYS)),
        "entity_precision": entity["precision"],
        "entity_recall": entity["recall"],
        "entity_f1": entity["f1"],
        **t,
    }


# crf: forms -----------------------------------------------------------------------------------------------
def _form_scalar(value: Any) -> str | float | None:
    """A scalar form value in comparable form: text normalised, numbers as floats, None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).casefold()
    if isinstance(value, int | float):
        return float(value)
    text = " ".join(str(value).casefold().split())
    if not text or text in EMPTY_FORM_VALUES:
        return None
    if _NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    return text


def form_value(value: Any) -> str | float | frozenset | None:
    """A form value in comparable form (lists become sets); None when empty."""
    if isinstance(value, list | tuple | set | frozenset):
        items = frozenset(v for v in map(_form_scalar, value) if v is not None)
        return items or None
    return _form_scalar(value)


def _item_counts(gold: Any, pred: Any) -> dict[str, int]:
    """Counts of one form item: an empty prediction is right only when the gold is empty too."""
    g, p = form_value(gold), form_value(pred)
    equal = g == p
    return {
        "tp": int(g is not None and equal),
        "fp": int(p is not None and not equal),
        "fn": int(g is not None and not equal),
        "correct": int(equal),
    }


def form_counts(gold_fields: dict, pred_fields: dict, items: list[str]) -> Counts:
    """Per-item counts of a crf record; a missing item is empty."""
    gold_fields, pred_fields = gold_fields or {}, pred_fields or {}
    return {"items": {item: _item_counts(gold_fields.get(item), pred_fields.get(item)) for item in items}}


def form_aggregate(counts: list[Counts]) -> dict:
    """Macro F1 over items with gold support or predictions, micro F1, accuracy and per-item scores."""
    totals = _merge((c.get("items", {}) for c in counts), (*PRF_KEYS, "correct"))
    per_item = {
        item: {
            "f1": f1_score(t["tp"], t["fp"], t["fn"]),
            "accuracy": safe_div(t["correct"], t["n"]),
            "support": t["tp"] + t["fn"],
        }
        for item, t in totals.items()
    }
    active = [item for item, t in totals.items() if t["tp"] + t["fp"] + t["fn"]]
    s = _sum(totals.values(), (*PRF_KEYS, "correct", "n"))
    return {
        "macro_f1": safe_div(sum(per_item[item]["f1"] for item in active), len(active)),
        "micro_f1": f1_score(s["tp"], s["fp"], s["fn"]),
        "accuracy": safe_div(s["correct"], s["n"]),
        "per_item": per_item,
    }


# qa -------------------------------------------------------------------------------------------------------
def _choice(answer: str | None) -> str | None:
    """A multiple-choice answer stripped and casefolded; None when empty."""
    text = str(answer).strip().casefold() if answer is not None else ""
    return text or None


def choice_counts(gold_answer: str | None, pred_answer: str | None) -> Counts:
    """Whether a multiple-choice prediction is right (an empty one never is)."""
    pred = _choice(pred_answer)
    return {"correct": int(pred is not None and pred == _choice(gold_answer))}


def choice_aggregate(counts: list[Counts]) -> dict:
    """Accuracy over records."""
    correct = sum(c.get("correct", 0) for c in counts)
    return {"accuracy": safe_div(correct, len(counts)), "correct": correct, "n": len(counts)}


def normalise_answer(text: str | None) -> str:
    """SQuAD-style normalisation for Italian: lowercase, no punctuation or articles, accents kept."""
    chars = []
    for ch in (text or "").lower():
        if ch in APOSTROPHES:
            chars.append(" ")  # l'esame -> l esame: the elided article becomes a token and goes
        elif ch not in string.punctuation and not unicodedata.category(ch).startswith("P"):
            chars.append(ch)
    return " ".join(tok for tok in "".join(chars).split() if tok not in ITALIAN_ARTICLES)


def _token_f1(gold: list[str], pred: list[str]) -> float:
    """Bag-of-tokens F1; 1.0 when both are empty, 0.0 when only one is."""
    if not gold or not pred:
        return float(gold == pred)
    same = sum((Counter(gold) & Counter(pred)).values())
    return harmonic(same / len(pred), same / len(gold))


def extractive_counts(gold_answer: str | None, pred_answer: str | None) -> Counts:
    """Token F1 and exact match of an extractive answer after normalisation."""
    gold, pred = normalise_answer(gold_answer), normalise_answer(pred_answer)
    return {"f1": _token_f1(gold.split(), pred.split()), "exact": int(gold == pred)}


def extractive_aggregate(counts: list[Counts]) -> dict:
    """Mean token F1 and exact match over records."""
    n = len(counts)
    return {
        "token_f1": safe_div(sum(c.get("f1", 0.0) for c in counts), n),
        "exact_match": safe_div(sum(c.get("exact", 0) for c in counts), n),
    }


# registry -------------------------------------------------------------------------------------------------
METRICS: dict[str, tuple[Callable[..., Counts], Callable[[list[Counts]], dict]]] = {
    "span": (span_counts, span_aggregate),
    "relation": (relation_counts, relation_aggregate),
    "form": (form_counts, form_aggregate),
    "choice": (choice_counts, choice_aggregate),
    "extractive": (extractive_counts, extractive_aggregate),
}

PRIMARY = {"span": "f1", "relation": "f1", "form": "macro_f1", "choice": "accuracy", "extractive": "token_f1"}


def _record_f1(counts: Counts) -> float:
    """F1 of one record's tp/fp/fn; 1.0 when it has neither gold nor predicted items."""
    tp, fp, fn = (counts.get(key, 0) for key in PRF_KEYS)
    return f1_score(tp, fp, fn) if tp + fp + fn else 1.0


def _record_form(counts: Counts) -> float:
    """Macro F1 of one crf record: share of active items it got right; 1.0 when no item is active."""
    active = [c for c in counts.get("items", {}).values() if c["tp"] + c["fp"] + c["fn"]]
    return sum(c["tp"] for c in active) / len(active) if active else 1.0


_RECORD_SCORE: dict[str, Callable[[Counts], float]] = {
    "span": _record_f1,
    "relation": _record_f1,
    "form": _record_form,
    "choice": lambda c: float(c.get("correct", 0)),
    "extractive": lambda c: float(c.get("f1", 0.0)),
}


def record_score(kind: str, counts: Counts | None) -> float | None:
    """The primary metric of one record (to sort and colour records); None when it has no counts."""
    if kind not in _RECORD_SCORE:
        raise KeyError(f"unknown metric kind {kind!r}; known: {', '.join(METRICS)}")
    return _RECORD_SCORE[kind](counts) if counts else None


def aggregate(kind: str, counts_list: Iterable[Counts | None]) -> dict:
    """A metric's scores over records (records without counts are skipped), with "primary" and "n"."""
    if kind not in METRICS:
        raise KeyError(f"unknown metric kind {kind!r}; known: {', '.join(METRICS)}")
    counts = [c for c in counts_list if c]
    return {**METRICS[kind][1](counts), "primary": PRIMARY[kind], "n": len(counts)}
