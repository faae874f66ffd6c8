"""Tests of medui.tasks.agreement: kappa against textbook tables and sklearn, span and relation agreement by
hand (the report of every family through its kind: test_versions.py)."""

from __future__ import annotations

import random

import pytest

from medui.tasks.agreement import (
    cohen_kappa,
    fleiss_kappa,
    group_kappa,
    rating_table,
    relation_pair,
    span_pair,
)

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
    # unitizing alpha of X over the 35 characters the spans reach: only 10-15 ~ 11-15 differs, 1^2 each way, so
    # Do = 2 / (2 * 35^2); De from units 5, 5, 5, 4 and gaps 5, 20, 6, 20: 2/35 * 3873 / (70 * 69 - 72)
    alpha_x = 1 - (2 / (2 * 35**2)) / (2 / 35 * 3873 / (70 * 69 - 72))
    assert pair["per_label"]["X"] == {
        "strict_f1": approx(0.5), "lenient_f1": approx(1.0), "unitizing_alpha": approx(alpha_x),
        "spans_a": 2, "spans_b": 2, "documents": 1,
    }  # fmt: skip
    assert pair["per_label"]["Y"]["strict_f1"] == 0 and pair["per_label"]["Y"]["lenient_f1"] == 0
    swapped = span_pair([B_SPANS], [A_SPANS])
    assert swapped["strict_f1"] == pair["strict_f1"] and swapped["lenient_f1"] == pair["lenient_f1"]
    assert swapped["unitizing_alpha"] == approx(pair["unitizing_alpha"])


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
