"""Tests of medui.tasks.agreement: kappa against textbook tables and sklearn, span and relation agreement by
hand, and the report of every family through its kind."""

from __future__ import annotations

import random

import pytest

from medui.tasks.agreement import (
    annotated_documents,
    cohen_kappa,
    fleiss_kappa,
    group_kappa,
    measure,
    rating_table,
    relation_pair,
    span_pair,
)
from medui.tasks.registry import get_spec

approx = pytest.approx

# Fleiss' kappa worked example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters, 5 categories; kappa 0.210
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def ent(start: int, end: int, label: str, eid: str | None = None) -> dict:
    out = {"start": start, "end": end, "label": label, "text": "x" * (end - start)}
    return {"id": eid, **out} if eid else out


# kappa ------------------------------------------------------------------------------------------------------
def test_cohen_kappa_textbook_table():
    # 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> po 0.7, pe 0.5, kappa 0.4
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == approx(0.4)
    assert cohen_kappa(a, a) == approx(1.0)
    assert cohen_kappa(["y", "y"], ["y", "y"]) is None  # chance agreement is total: undefined


def test_cohen_kappa_against_sklearn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(0)
    for trial in range(20):
        cats = ["presente", "assente", None, 42.0][: 2 + trial % 3]
        x = [rng.choice(cats) for _ in range(30)]
        y = [v if rng.random() < 0.6 else rng.choice(cats) for v in x]
        enc = {c: i for i, c in enumerate(cats)}
        expected = sklearn_metrics.cohen_kappa_score([enc[v] for v in x], [enc[v] for v in y])
        assert cohen_kappa(x, y) == approx(expected)


def test_fleiss_kappa_worked_example():
    assert fleiss_kappa(FLEISS_TABLE) == approx(0.210, abs=5e-4)
    ratings = [[j for j, n in enumerate(row) for _ in range(n)] for row in FLEISS_TABLE]
    assert rating_table(ratings) == FLEISS_TABLE
    assert group_kappa(ratings) == {"method": "fleiss", "value": approx(0.2099, abs=1e-4)}
    with pytest.raises(ValueError):
        fleiss_kappa([[1, 1], [2, 1]])


def test_fleiss_against_an_independent_computation():
    rng = random.Random(3)
    ratings = [[rng.choice("ABC") for _ in range(4)] for _ in range(25)]
    n, m = len(ratings), 4
    agree = [sum(r.count(c) * (r.count(c) - 1) for c in "ABC") / (m * (m - 1)) for r in ratings]
    shares = [sum(r.count(c) for r in ratings) / (n * m) for c in "ABC"]
    p_e = sum(s * s for s in shares)
    expected = (sum(agree) / n - p_e) / (1 - p_e)
    assert group_kappa(ratings)["value"] == approx(expected)


def test_group_kappa_of_two_raters_is_cohen():
    ratings = [["y", "y"]] * 20 + [["y", "n"]] * 5 + [["n", "y"]] * 10 + [["n", "n"]] * 15
    assert group_kappa(ratings) == {"method": "cohen", "value": approx(0.4)}


# spans and relations --------------------------------------------------------------------------------------
A_SPANS = {"entities": [ent(0, 5, "X"), ent(10, 15, "X"), ent(20, 25, "Y")]}
B_SPANS = {"entities": [ent(0, 5, "X"), ent(11, 15, "X"), ent(30, 35, "Y")]}


def test_span_pair_by_hand_and_symmetric():
    pair = span_pair([A_SPANS], [B_SPANS])
    assert pair["strict_f1"] == approx(2 * 1 / (3 + 3))  # one exact match among 3 + 3 spans
    assert pair["lenient_f1"] == approx(2 / 3)  # two spans overlap on each side
    assert pair["per_label"]["X"] == {
        "strict_f1": approx(0.5), "lenient_f1": approx(1.0), "spans_a": 2, "spans_b": 2, "documents": 1,
    }  # fmt: skip
    assert pair["per_label"]["Y"]["strict_f1"] == 0 and pair["per_label"]["Y"]["lenient_f1"] == 0
    swapped = span_pair([B_SPANS], [A_SPANS])
    assert swapped["strict_f1"] == pair["strict_f1"] and swapped["lenient_f1"] == pair["lenient_f1"]


def test_span_pair_pools_documents():
    empty = {"entities": []}
    pair = span_pair([A_SPANS, A_SPANS, empty], [A_SPANS, B_SPANS, empty])
    assert pair["strict_f1"] == approx(2 * 4 / (6 + 6))
    assert pair["per_label"]["Y"]["documents"] == 2


def test_relation_pair_by_hand():
    a = {
        "entities": [ent(0, 3, "RML", "T1"), ent(5, 9, "EVENT", "T2"), ent(12, 15, "RML", "T3")],
        "relations": [
            {"head": "T1", "tail": "T2", "label": "PERTAINS"},
            {"head": "T3", "tail": "T2", "label": "PERTAINS"},
        ],
    }
    b = {  # same spans, other ids; one relation in common
        "entities": [ent(5, 9, "EVENT", "T1"), ent(0, 3, "RML", "T2"), ent(12, 16, "RML", "T3")],
        "relations": [
            {"head": "T2", "tail": "T1", "label": "PERTAINS"},
            {"head": "T3", "tail": "T1", "label": "PERTAINS"},
        ],
    }
    pair = relation_pair([a], [b])
    assert pair["relation_f1"] == approx(0.5)
    assert pair["strict_f1"] == approx(2 / 3) and pair["lenient_f1"] == approx(1.0)
    assert pair["per_label"] == {"PERTAINS": {"f1": approx(0.5), "relations_a": 2, "relations_b": 2}}


# reports through the kinds ------------------------------------------------------------------------------
def test_measure_ner_report_shape():
    spec = get_spec("e3c_clinical_entities")
    a = {"d1": {"entities": [ent(0, 5, "CLINENTITY")]}, "d2": {"entities": []}, "d3": {"entities": []}}
    b = {"d1": {"entities": [ent(0, 5, "CLINENTITY")]}, "d2": {"entities": [ent(1, 4, "CLINENTITY")]}}
    model = {"d1": {"entities": [ent(0, 4, "CLINENTITY")]}}
    report = measure(spec, {"ann1": a, "ann2": b, "model": model})
    assert report["task"] == "e3c_clinical_entities" and report["kappa"] is None
    assert report["documents"] == 2  # d3 has one version only
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    assert pairs[("ann1", "ann2")]["documents"] == 2
    assert pairs[("ann1", "ann2")]["strict_f1"] == approx(2 / 3)
    assert pairs[("ann1", "model")]["documents"] == 1
    assert pairs[("ann1", "model")]["strict_f1"] == 0 and pairs[("ann1", "model")]["lenient_f1"] == 1
    assert set(pairs[("ann1", "ann2")]) >= {"a", "b", "documents", "strict_f1", "lenient_f1", "per_label"}


def test_measure_crf_kappa_per_item():
    spec = get_spec("ed_syncope_crf")
    item = "prodromi"
    rows_a = ["presente"] * 25 + ["assente"] * 25
    rows_b = ["presente"] * 20 + ["assente"] * 5 + ["presente"] * 10 + ["assente"] * 15
    rows_c = ["presente"] * 30 + ["non_menzionato"] * 20
    versions = {
        name: {f"d{i}": {"fields": {item: v}} for i, v in enumerate(rows)}
        for name, rows in (("a", rows_a), ("b", rows_b), ("c", rows_c))
    }
    two = measure(spec, versions, annotators=["a", "b"])
    pair = two["pairs"][0]
    assert pair["documents"] == 50
    assert pair["per_item"][item]["kappa"] == approx(0.4)  # the textbook table
    assert pair["per_item"][item]["agreement"] == approx(0.7)
    assert pair["per_item"]["palpitazioni"]["kappa"] is None  # nobody filled it: undefined
    assert two["kappa"]["method"] == "cohen" and two["kappa"]["per_item"][item]["value"] == approx(0.4)
    three = measure(spec, versions)
    assert three["kappa"]["method"] == "fleiss" and three["kappa"]["documents"] == 50
    table = [
        [r.count(v) for v in ("presente", "assente", "non_menzionato")]
        for r in zip(rows_a, rows_b, rows_c, strict=True)
    ]
    expected = fleiss_kappa(table)
    assert three["kappa"]["per_item"][item]["value"] == approx(expected)


def test_measure_qa_multiple_choice_and_extractive():
    mc = get_spec("medqa_it")
    a = {f"q{i}": {"answer": x} for i, x in enumerate("AABBC")}
    b = {f"q{i}": {"answer": x} for i, x in enumerate("AABCC")}
    report = measure(mc, {"a": a, "b": b})
    expected = cohen_kappa(list("AABBC"), list("AABCC"))
    assert report["pairs"][0]["kappa"] == approx(expected) and report["pairs"][0]["agreement"] == approx(0.8)
    assert report["kappa"] == {
        "method": "cohen",
        "value": approx(expected),
        "annotators": ["a", "b"],
        "documents": 5,
    }
    ex = get_spec("drug_leaflet_qa")
    a = {"q1": {"answer": "due volte al giorno"}, "q2": {"answer": "Il paracetamolo"}}
    b = {"q1": {"answer": "due volte"}, "q2": {"answer": "paracetamolo."}}
    pair = measure(ex, {"a": a, "b": b})["pairs"][0]
    assert pair["agreement"] == approx(0.5)  # q2 agrees after normalisation
    assert pair["token_f1"] == approx((2 * 2 / 6 + 1.0) / 2)


def test_annotated_documents():
    versions = {"a": {"d1": {}, "d2": {}}, "b": {"d2": {}, "d3": {}}, "c": {"d3": {}}}
    assert annotated_documents(versions, ["a", "b", "c"]) == ["d2", "d3"]
    assert annotated_documents(versions, ["a", "c"]) == []
