"""Tests of medui.tasks.metrics: hand-computed cases, and strict span F1 checked against seqeval."""

from __future__ import annotations

import json
import random

import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

from medui.tasks import metrics as m
from medui.tasks.metrics import (
    METRICS,
    PRIMARY,
    aggregate,
    choice_aggregate,
    choice_counts,
    extractive_aggregate,
    extractive_counts,
    form_aggregate,
    form_counts,
    normalise_answer,
    record_score,
    relation_aggregate,
    relation_counts,
    span_aggregate,
    span_counts,
)

approx = pytest.approx


def ent(start: int, end: int, label: str, eid: str | None = None) -> dict:
    out = {"start": start, "end": end, "label": label, "text": "x" * (end - start)}
    return {"id": eid, **out} if eid else out


def rel(head: str, tail: str, label: str) -> dict:
    return {"head": head, "tail": tail, "label": label}


# spans ------------------------------------------------------------------------------------------------------
SPAN_GOLD = {"entities": [ent(0, 5, "A"), ent(10, 15, "A"), ent(20, 25, "B"), ent(0, 5, "A")]}
SPAN_PRED = {
    "entities": [ent(0, 5, "A"), ent(0, 5, "A"), ent(11, 15, "A"), ent(20, 25, "A"), ent(30, 35, "B")]
}


def test_span_counts_duplicates_overlaps_labels():
    assert span_counts(SPAN_GOLD, SPAN_PRED) == {
        "tp": 1, "fp": 3, "fn": 2, "n_gold": 3, "n_pred": 4,
        "lenient_gold": 2,  # (0,5,A) and (10,15,A) are overlapped by an A prediction; (20,25,B) is not
        "lenient_pred": 2,  # (0,5,A) and (11,15,A); (20,25,A) overlaps a B gold only, (30,35,B) nothing
        "per_label": {"A": {"tp": 1, "fp": 2, "fn": 1}, "B": {"tp": 0, "fp": 1, "fn": 1}},
    }  # fmt: skip


def test_span_aggregate_one_record():
    agg = span_aggregate([span_counts(SPAN_GOLD, SPAN_PRED)])
    assert agg["precision"] == approx(1 / 4)
    assert agg["recall"] == approx(1 / 3)
    assert agg["f1"] == approx(2 / 7)
    assert agg["lenient_precision"] == approx(2 / 4)
    assert agg["lenient_recall"] == approx(2 / 3)
    assert agg["lenient_f1"] == approx(4 / 7)
    assert (agg["tp"], agg["fp"], agg["fn"]) == (1, 3, 2)
    assert agg["per_label"]["A"] == approx({"precision": 1 / 3, "recall": 1 / 2, "f1": 0.4, "support": 2})
    assert agg["per_label"]["B"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert list(agg["per_label"]) == ["A", "B"]


def test_span_lenient_one_pred_covering_two_golds():
    counts = span_counts({"entities": [ent(0, 5, "A"), ent(10, 15, "A")]}, {"entities": [ent(0, 20, "A")]})
    assert (counts["lenient_pred"], counts["lenient_gold"]) == (1, 2)
    agg = span_aggregate([counts])
    assert agg["f1"] == 0.0
    assert (agg["lenient_precision"], agg["lenient_recall"], agg["lenient_f1"]) == (1.0, 1.0, 1.0)


def test_span_empty_gold_and_pred_and_invalid_prediction():
    empty = {"entities": []}
    both_empty = span_counts(empty, empty)
    gold_only = span_counts({"entities": [ent(3, 7, "A")]}, empty)  # an invalid output is stored empty
    pred_only = span_counts(empty, {"entities": [ent(3, 7, "A")]})
    assert both_empty == {"tp": 0, "fp": 0, "fn": 0, "n_gold": 0, "n_pred": 0,
                          "lenient_gold": 0, "lenient_pred": 0, "per_label": {}}  # fmt: skip
    assert (gold_only["fn"], pred_only["fp"]) == (1, 1)
    assert record_score("span", both_empty) == 1.0
    assert record_score("span", gold_only) == 0.0
    assert record_score("span", pred_only) == 0.0
    assert record_score("span", span_counts(SPAN_GOLD, SPAN_PRED)) == approx(2 / 7)
    agg = span_aggregate([span_counts(SPAN_GOLD, SPAN_PRED), both_empty, gold_only])
    assert (agg["tp"], agg["fp"], agg["fn"]) == (1, 3, 3)
    assert (agg["precision"], agg["recall"], agg["f1"]) == approx((0.25, 0.25, 0.25))
    assert (agg["lenient_precision"], agg["lenient_recall"], agg["lenient_f1"]) == approx((0.5, 0.5, 0.5))
    assert agg["per_label"]["A"]["support"] == 3
    assert span_aggregate([]) == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "lenient_precision": 0.0, "lenient_recall": 0.0,
        "lenient_f1": 0.0, "per_label": {}, "tp": 0, "fp": 0, "fn": 0,
    }  # fmt: skip


def test_span_skips_malformed_entities():
    counts = span_counts({"entities": [ent(0, 5, "A")]}, {"entities": [ent(0, 5, "A"), {"start": 1}, "junk"]})
    assert (counts["tp"], counts["fp"], counts["fn"]) == (1, 0, 0)
    assert span_counts({}, None)["n_gold"] == 0


# seqeval cross-check -------------------------------------------------------------------------------------
WORDS = ["paziente", "febbre", "dolore", "toracico", "da", "3", "giorni", "con", "PA", "120/80", "mmHg", "e"]
LABELS = ["CLINENTITY", "EVENT", "TIMEX3"]


def _token_spans(rng: random.Random, n: int) -> list[tuple[int, int, str]]:
    """Random non-overlapping token spans (start, end exclusive, label)."""
    spans, i = [], 0
    while i < n:
        if rng.random() < 0.3:
            end = min(n, i + rng.randint(1, 3))
            spans.append((i, end, rng.choice(LABELS)))
            i = end
        else:
            i += 1
    return spans


def _perturb(rng: random.Random, gold: list[tuple[int, int, str]], n: int) -> list[tuple[int, int, str]]:
    """A prediction near the gold: kept, relabelled, shrunk or dropped spans, plus spurious ones."""
    pred = []
    for start, end, label in gold:
        r = rng.random()
        if r < 0.5:
            pred.append((start, end, label))
        elif r < 0.65:
            pred.append((start, end, rng.choice([lab for lab in LABELS if lab != label])))
        elif r < 0.8 and end - start > 1:
            pred.append((start, end - 1, label) if rng.random() < 0.5 else (start + 1, end, label))
    taken = {i for s, e, _ in pred for i in range(s, e)}
    for start, end, label in _token_spans(rng, n):
        if rng.random() < 0.3 and not taken & set(range(start, end)):
            pred.append((start, end, label))
            taken |= set(range(start, end))
    return pred


def _to_chars(tokens: list[str], spans: list[tuple[int, int, str]]) -> list[dict]:
    """Token spans to character-offset entities of " ".join(tokens)."""
    offsets, pos = [], 0
    for tok in tokens:
        offsets.append(pos)
        pos += len(tok) + 1
    return [ent(offsets[s], offsets[e - 1] + len(tokens[e - 1]), label) for s, e, label in spans]


def _to_bio(n: int, spans: list[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * n
    for start, end, label in spans:
        tags[start] = f"B-{label}"
        tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
    return tags


def test_strict_span_scores_match_seqeval():
    rng = random.Random(0)
    for _ in range(50):
        y_true, y_pred, counts = [], [], []
        for _ in range(rng.randint(1, 5)):
            tokens = [rng.choice(WORDS) for _ in range(rng.randint(1, 20))]
            gold = _token_spans(rng, len(tokens))
            pred = _perturb(rng, gold, len(tokens))
            y_true.append(_to_bio(len(tokens), gold))
            y_pred.append(_to_bio(len(tokens), pred))
            counts.append(
                span_counts({"entities": _to_chars(tokens, gold)}, {"entities": _to_chars(tokens, pred)})
            )
        agg = span_aggregate(counts)
        assert agg["precision"] == approx(precision_score(y_true, y_pred, zero_division=0))
        assert agg["recall"] == approx(recall_score(y_true, y_pred, zero_division=0))
        assert agg["f1"] == approx(f1_score(y_true, y_pred, zero_division=0))
        report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
        assert set(agg["per_label"]) == set(report) - {"micro avg", "macro avg", "weighted avg"}
        for label, scores in agg["per_label"].items():
            expected = report[label]
            assert scores["support"] == expected["support"]
            assert (scores["precision"], scores["recall"], scores["f1"]) == approx(
                (expected["precision"], expected["recall"], expected["f1-score"])
            )


# relations --------------------------------------------------------------------------------------------------
RE_GOLD = {
    "entities": [ent(0, 5, "RML", "T1"), ent(10, 15, "EVENT", "T2"), ent(20, 25, "EVENT", "T3")],
    "relations": [rel("T1", "T2", "PERTAINS"), rel("T1", "T3", "PERTAINS"), rel("T1", "T2", "PERTAINS")],
}
RE_PRED = {
    "entities": [ent(0, 5, "RML", "E1"), ent(10, 15, "EVENT", "E2"), ent(20, 26, "EVENT", "E3")],
    "relations": [
        rel("E1", "E2", "PERTAINS"),  # right, through other ids
        rel("E1", "E3", "PERTAINS"),  # tail span off by one
        rel("E1", "E9", "PERTAINS"),  # dangling
        rel("E2", "E1", "PERTAINS"),  # reversed
    ],
}
RE_GOLD_2 = {
    "entities": [ent(0, 3, "EVENT", "T1"), ent(5, 8, "TIMEX3", "T2")],
    "relations": [rel("T1", "T2", "CONTAINS")],
}
RE_PRED_2 = {
    "entities": [ent(0, 3, "EVENT", "T1"), ent(5, 8, "TIMEX3", "T2")],
    "relations": [rel("T1", "T2", "OVERLAP"), rel("T1", "T2", "CONTAINS")],
}


def test_relation_counts():
    assert relation_counts(RE_GOLD, RE_PRED) == {
        "tp": 1, "fp": 2, "fn": 1, "dangling": 1,
        "per_label": {"PERTAINS": {"tp": 1, "fp": 2, "fn": 1}},
        "entity": {"tp": 2, "fp": 1, "fn": 1},
    }  # fmt: skip
    assert record_score("relation", relation_counts(RE_GOLD, RE_PRED)) == approx(0.4)


def test_relation_aggregate():
    agg = relation_aggregate([relation_counts(RE_GOLD, RE_PRED), relation_counts(RE_GOLD_2, RE_PRED_2)])
    assert (agg["tp"], agg["fp"], agg["fn"], agg["dangling"]) == (2, 3, 1, 1)
    assert (agg["precision"], agg["recall"], agg["f1"]) == approx((0.4, 2 / 3, 0.5))
    assert (agg["entity_precision"], agg["entity_recall"], agg["entity_f1"]) == approx((0.8, 0.8, 0.8))
    assert list(agg["per_label"]) == ["CONTAINS", "OVERLAP", "PERTAINS"]
    assert agg["per_label"]["CONTAINS"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert agg["per_label"]["OVERLAP"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert agg["per_label"]["PERTAINS"] == approx(
        {"precision": 1 / 3, "recall": 0.5, "f1": 0.4, "support": 2}
    )


def test_relation_empty_and_invalid_prediction():
    empty = {"entities": [], "relations": []}
    gold_vs_empty = relation_counts(RE_GOLD, empty)
    assert gold_vs_empty == {"tp": 0, "fp": 0, "fn": 2, "dangling": 0, "per_label": {"PERTAINS": {"tp": 0, "fp": 0, "fn": 2}},
                             "entity": {"tp": 0, "fp": 0, "fn": 3}}  # fmt: skip
    assert record_score("relation", gold_vs_empty) == 0.0
    assert record_score("relation", relation_counts(empty, empty)) == 1.0
    agg = relation_aggregate([gold_vs_empty])
    assert (agg["f1"], agg["entity_f1"]) == (0.0, 0.0)
    assert relation_aggregate([])["f1"] == 0.0


# forms ------------------------------------------------------------------------------------------------------
ITEMS = ["eta", "sesso", "diagnosi", "farmaci", "dispnea", "febbre", "esito", "comorbidita"]
FORM_GOLD = {
    "eta": 42, "sesso": "F", "diagnosi": "Polmonite  acquisita", "farmaci": ["amoxicillina", "Paracetamolo"],
    "dispnea": "presente", "febbre": "non_menzionato", "esito": None, "comorbidita": ["diabete"],
}  # fmt: skip
FORM_PRED = {
    "eta": "42", "sesso": " f ", "diagnosi": "polmonite acquisita",
    "farmaci": ["paracetamolo", "amoxicillina", "amoxicillina"],
    "dispnea": "assente", "febbre": "presente", "esito": None, "comorbidita": [],
}  # fmt: skip


def test_form_counts():
    counts = form_counts(FORM_GOLD, FORM_PRED, ITEMS)["items"]
    right = {"tp": 1, "fp": 0, "fn": 0, "correct": 1}
    assert counts == {
        "eta": right, "sesso": right, "diagnosi": right, "farmaci": right,
        "dispnea": {"tp": 0, "fp": 1, "fn": 1, "correct": 0},
        "febbre": {"tp": 0, "fp": 1, "fn": 0, "correct": 0},
        "esito": {"tp": 0, "fp": 0, "fn": 0, "correct": 1},
        "comorbidita": {"tp": 0, "fp": 0, "fn": 1, "correct": 0},
    }  # fmt: skip
    assert record_score("form", {"items": counts}) == approx(4 / 7)


@pytest.mark.parametrize(
    ("gold", "pred", "correct"),
    [
        ("37,5", 37.5, 1),
        (1, "1.0", 1),
        (42, "42 anni", 0),
        (None, " Non_Menzionato ", 1),
        ([], None, 1),
        (["", None], "non_menzionato", 1),
        (["A", 3], ["3", "a"], 1),
        (["a"], "a", 0),
        ("", None, 1),
    ],
)
def test_form_value_normalisation(gold, pred, correct):
    assert form_counts({"x": gold}, {"x": pred}, ["x"])["items"]["x"]["correct"] == correct


def test_form_aggregate_with_invalid_prediction():
    first = form_counts(FORM_GOLD, FORM_PRED, ITEMS)
    invalid = form_counts(
        {"eta": 30, "sesso": "M"}, {"dispnea": "non_menzionato", "febbre": "non_menzionato"}, ITEMS
    )
    assert record_score("form", invalid) == 0.0
    agg = form_aggregate([first, invalid])
    assert agg["macro_f1"] == approx(10 / 21)  # (2/3 + 2/3 + 1 + 1 + 0 + 0 + 0) / 7; esito has no support
    assert agg["micro_f1"] == approx(4 / 7)  # tp 4, fp 2, fn 4
    assert agg["accuracy"] == approx(11 / 16)
    assert agg["per_item"]["eta"] == approx({"f1": 2 / 3, "accuracy": 0.5, "support": 2})
    assert agg["per_item"]["diagnosi"] == {"f1": 1.0, "accuracy": 1.0, "support": 1}
    assert agg["per_item"]["febbre"] == {"f1": 0.0, "accuracy": 0.5, "support": 0}
    assert agg["per_item"]["esito"] == {"f1": 0.0, "accuracy": 1.0, "support": 0}
    assert list(agg["per_item"]) == ITEMS


def test_form_all_empty():
    counts = form_counts({}, {"a": None}, ["a", "b"])
    assert record_score("form", counts) == 1.0
    assert form_aggregate([counts]) == {
        "macro_f1": 0.0, "micro_f1": 0.0, "accuracy": 1.0,
        "per_item": {"a": {"f1": 0.0, "accuracy": 1.0, "support": 0}, "b": {"f1": 0.0, "accuracy": 1.0, "support": 0}},
    }  # fmt: skip
    assert form_aggregate([]) == {"macro_f1": 0.0, "micro_f1": 0.0, "accuracy": 0.0, "per_item": {}}


# qa ---------------------------------------------------------------------------------------------------------
def test_choice():
    assert choice_counts("B", "B") == {"correct": 1}
    assert choice_counts("B", " b ") == {"correct": 1}
    assert choice_counts("B", "C") == {"correct": 0}
    assert choice_counts("B", None) == {"correct": 0}  # invalid output
    assert choice_counts(None, None) == {"correct": 0}
    counts = [
        choice_counts("A", "A"),
        choice_counts("C", "C"),
        choice_counts("D", "A"),
        choice_counts("E", None),
    ]
    assert choice_aggregate(counts) == {"accuracy": 0.5, "correct": 2, "n": 4}
    assert [record_score("choice", c) for c in counts] == [1.0, 1.0, 0.0, 0.0]
    assert choice_aggregate([]) == {"accuracy": 0.0, "correct": 0, "n": 0}


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("L'ospedale di Milano.", "ospedale di milano"),
        ("Gli effetti  indesiderati, più comuni!", "effetti indesiderati più comuni"),
        ("un'altra dose", "altra dose"),
        ("dell'ospedale", "dell ospedale"),
        ("«Due compresse» al giorno", "due compresse al giorno"),
        ("il lo la i gli le uno una un", ""),
        ("Perché l’età conta", "perché età conta"),
        (None, ""),
    ],
)
def test_normalise_answer(text, normal):
    assert normalise_answer(text) == normal


def test_extractive():
    partial = extractive_counts("due compresse al giorno", "una compressa al giorno")
    assert partial == {"f1": approx(4 / 7), "exact": 0}  # 2 common tokens: P 2/3, R 2/4
    same = extractive_counts("Il paracetamolo", "paracetamolo.")
    assert same == {"f1": 1.0, "exact": 1}
    invalid = extractive_counts("paracetamolo", None)
    assert invalid == {"f1": 0.0, "exact": 0}
    assert extractive_counts("la", "") == {"f1": 1.0, "exact": 1}
    assert extractive_counts("dose", "") == {"f1": 0.0, "exact": 0}
    assert extractive_counts("dose dose", "dose") == {"f1": approx(2 / 3), "exact": 0}
    agg = extractive_aggregate([partial, same, invalid])
    assert agg == approx({"token_f1": 11 / 21, "exact_match": 1 / 3})
    assert record_score("extractive", partial) == approx(4 / 7)
    assert extractive_aggregate([]) == {"token_f1": 0.0, "exact_match": 0.0}


# registry ---------------------------------------------------------------------------------------------------
def test_registry_and_aggregate():
    assert set(METRICS) == set(PRIMARY) == {"span", "relation", "form", "choice", "extractive"}
    agg = aggregate("choice", [choice_counts("A", "A"), None, choice_counts("A", "B")])
    assert agg == {"accuracy": 0.5, "correct": 1, "n": 2, "primary": "accuracy"}
    span = aggregate("span", [span_counts(SPAN_GOLD, SPAN_PRED)])
    assert (span["primary"], span["n"], span[span["primary"]]) == ("f1", 1, approx(2 / 7))
    assert record_score("span", None) is None
    with pytest.raises(KeyError):
        aggregate("bleu", [])
    with pytest.raises(KeyError):
        record_score("bleu", {"tp": 1})


def _floats(obj: object) -> list[float]:
    if isinstance(obj, dict):
        return [f for v in obj.values() for f in _floats(v)]
    return [obj] if isinstance(obj, float) else []


def test_outputs_are_json_and_in_range():
    cases = {
        "span": [(SPAN_GOLD, SPAN_PRED), ({"entities": []}, {"entities": []})],
        "relation": [(RE_GOLD, RE_PRED), (RE_GOLD_2, RE_PRED_2)],
        "form": [(FORM_GOLD, FORM_PRED, ITEMS), ({}, {}, ITEMS)],
        "choice": [("A", "A"), ("A", None)],
        "extractive": [("la dose", "dose"), ("x", None)],
    }
    for kind, args in cases.items():
        counts_fn, _ = METRICS[kind]
        counts = [counts_fn(*a) for a in args]
        result = aggregate(kind, counts)
        assert json.loads(json.dumps(counts)) == counts
        assert json.loads(json.dumps(result)) == result
        assert all(0.0 <= f <= 1.0 for f in _floats(result))
        assert all(0.0 <= record_score(kind, c) <= 1.0 for c in counts)
        assert isinstance(result[PRIMARY[kind]], float)
    assert m.safe_div(1, 0) == 0.0
