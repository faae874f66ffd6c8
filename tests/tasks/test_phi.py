"""Tests of medui.tasks.phi: the identifier corpus (precision and recall), each detector, masking."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from medui.tasks.phi import DETECTORS, KIND_NAMES, find_identifiers, mask, placeholder, summary

CORPUS = [
    json.loads(line)
    for line in (Path(__file__).parent / "phi_corpus.jsonl").read_text(encoding="utf-8").splitlines()
]
CASES_FILE = Path(__file__).parents[1] / "fixtures" / "phi_cases.jsonl"
CASES = [
    json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines()
]  # the synthetic cases of bench/phi_bench.py (test_phi_forms.py)
# The bar: strict precision and recall (same kind, same characters) both at least 0.95 on this corpus (109 texts,
# 61 identifiers). Set "first" was written before the detectors (their first run: P 0.956, R 1.000); "second"
# after them, then run once before any change (P 0.944, R 1.000); "third" from a run over the shipped gold data
# (one false positive, EudraCT 2008-004531-38 read as a phone number). The detectors were then fixed, so the
# corpus is a development set: today's 1.000 / 1.000 overstates what unseen text will give. The names without a
# title (a known first name beside a surname) first read "Reggio Emilia" as a person: Emilia left the list.
PRECISION_BAR = RECALL_BAR = 0.95


def _expected(case: dict) -> set[tuple[str, int, int]]:
    out = set()
    for e in case["expected"]:
        start = case["text"].index(e["text"])
        out.add((e["kind"], start, start + len(e["text"])))
    return out


def _found(text: str) -> set[tuple[str, int, int]]:
    return {(f["kind"], f["start"], f["end"]) for f in find_identifiers(text)}


def corpus_counts(cases: list[dict]) -> Counter:
    counts: Counter = Counter()
    for case in cases:
        expected, found = _expected(case), _found(case["text"])
        counts["tp"] += len(expected & found)
        counts["fp"] += len(found - expected)
        counts["fn"] += len(expected - found)
    return counts


def test_corpus_size_and_balance():
    positives = [c for c in CORPUS if c["expected"]]
    negatives = [c for c in CORPUS if not c["expected"]]
    assert len(CORPUS) >= 40 and len(positives) >= 20 and len(negatives) >= 20
    kinds = {e["kind"] for c in CORPUS + CASES for e in c["expected"]}  # the newer kinds: in CASES only
    assert kinds == set(KIND_NAMES) == set(DETECTORS)
    for case in CORPUS:
        for e in case["expected"]:
            assert case["text"].count(e["text"]) == 1, e  # the expected text locates its span


def test_corpus_precision_and_recall():
    counts = corpus_counts(CORPUS)
    precision = counts["tp"] / (counts["tp"] + counts["fp"])
    recall = counts["tp"] / (counts["tp"] + counts["fn"])
    print(
        f"identifier corpus: tp={counts['tp']} fp={counts['fp']} fn={counts['fn']} P={precision:.3f} R={recall:.3f}"
    )
    assert precision >= PRECISION_BAR and recall >= RECALL_BAR, counts


@pytest.mark.parametrize("kind", sorted(KIND_NAMES))
def test_every_kind_is_recalled(kind):
    cases = [c for c in CORPUS + CASES if any(e["kind"] == kind for e in c["expected"])]
    assert len(cases) >= 3
    missed = [
        (c["text"], k, s, e) for c in cases for (k, s, e) in _expected(c) - _found(c["text"]) if k == kind
    ]
    assert not missed


def test_clinical_negatives_find_nothing():
    for case in CORPUS:
        if not case["expected"]:
            assert find_identifiers(case["text"]) == [], case["text"]


# detectors --------------------------------------------------------------------------------------------------
def test_codice_fiscale_check_letter_and_omocodia():
    assert [f["kind"] for f in find_identifiers("CF RSSMRA80A01H501U")] == ["codice_fiscale"]
    assert find_identifiers("CF RSSMRA80A01H501A") == []  # wrong check letter
    assert [f["text"] for f in find_identifiers("CF RSSMRA80A41H501Y")] == [
        "RSSMRA80A41H501Y"
    ]  # a woman (day + 40)
    assert [f["text"] for f in find_identifiers("cf RSSMRA80A01H50MM.")] == ["RSSMRA80A01H50MM"]  # omocodia
    assert find_identifiers("codice XRSSMRA80A01H501U") == []  # part of a longer token


def test_tessera_sanitaria_needs_prefix_and_luhn():
    assert find_identifiers("TS 80380001500123456789")[0]["kind"] == "tessera_sanitaria"
    assert find_identifiers("TS 80380001500123456780") == []  # Luhn fails
    assert find_identifiers("TS 12345001500123456789") == []  # not an Italian health card


def test_phone_numbers_and_lookalikes():
    assert [f["text"] for f in find_identifiers("tel. 0583/955111")] == ["0583/955111"]
    assert [f["text"] for f in find_identifiers("tel. 0583955111")] == ["0583955111"]  # bare, after a cue
    assert find_identifiers("lotto 0583955111 scaduto") == []  # bare landline without a cue
    assert find_identifiers("controllo il 12.03.2021") == []
    assert find_identifiers("PA 130/80, FC 72") == []


def test_birth_date_needs_birth_context():
    text = "Ricoverato il 03/04/2021; nato il 12/03/1948."
    assert [f["text"] for f in find_identifiers(text)] == ["12/03/1948"]
    assert find_identifiers("nato nel 1948") == []  # a year alone is not reported
    assert find_identifiers("nato a termine; il 12/03/2021 ricovero") == []  # the sentence ended


def test_names_keep_the_title_out():
    text = "Visto dal Dott. Paolo Neri e dalla dott.ssa M. Gallo."
    assert [(f["text"], f["kind"]) for f in find_identifiers(text)] == [
        ("Paolo Neri", "nome"),
        ("M. Gallo", "nome"),
    ]
    assert find_identifiers("Il Dott. Medico di guardia") == []


def test_findings_sorted_disjoint_and_true_to_the_text():
    text = " ".join(c["text"] for c in CORPUS)  # also: the masked corpus passes the gate
    findings = find_identifiers(text)
    assert len(findings) == sum(len(c["expected"]) for c in CORPUS)
    for f, g in zip(findings, findings[1:], strict=False):
        assert f["end"] <= g["start"]
    assert all(text[f["start"] : f["end"]] == f["text"] for f in findings)
    assert find_identifiers(mask(text, findings)) == []


def test_kinds_filter():
    text = "Sig. Mario Rossi, tel. 333 1234567"
    assert [f["kind"] for f in find_identifiers(text, kinds=["telefono"])] == ["telefono"]
    assert [f["kind"] for f in find_identifiers(text)] == ["nome", "telefono"]


# masking ----------------------------------------------------------------------------------------------------
def test_mask_keeps_length_and_offsets():
    text = "Sig.ra Anna Colombo, nata il 12/04/1966, tel. 340 5566778, PCR 12 mg/l."
    findings = find_identifiers(text)
    masked = mask(text, findings)
    assert len(masked) == len(text)
    assert masked == "Sig.ra XXXX XXXXXXX, nata il XX/XX/XXXX, tel. XXX XXXXXXX, PCR 12 mg/l."
    assert find_identifiers(masked) == []  # masked text passes the gate
    outside = [i for i in range(len(text)) if not any(f["start"] <= i < f["end"] for f in findings)]
    assert all(masked[i] == text[i] for i in outside)


def test_mask_with_a_fill_character():
    text = "mail a.b@example.it ok"
    assert mask(text, find_identifiers(text), fill="*") == "mail ************** ok"
    assert placeholder("Anna Maria", "#") == "#### #####"
    with pytest.raises(ValueError):
        mask(text, [{"start": 3, "end": 99}])
    with pytest.raises(ValueError):
        mask(text, [], fill="**")


def test_summary_line():
    assert summary([]) == ""
    found = find_identifiers("Sig. Mario Rossi, tel. 333 1234567, cell. 347 7654321")
    assert summary(found) == "3 possibili identificativi: nome di persona (1), numero di telefono (2)"
