"""The identifier gate on the written forms a review found missed (grouped codes, IBAN, partita IVA, "[at]"
e-mails, dates in words, record numbers, lower-case addresses, names without a title), and on clinical text
that must stay unflagged; the synthetic cases of bench/phi_bench.py (tests/fixtures/phi_cases.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medui.tasks.phi import find_identifiers, mask

CASES_FILE = Path(__file__).parents[1] / "fixtures" / "phi_cases.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines()]
# Strict bars on the synthetic cases (same kind, same characters). Groups "forma", "misto" and "negativo" were
# written with the detectors (first run: P 1.000, R 1.000; the version before: P 0.833, R 0.127); group "cieco"
# (28 cases) was written after them and run once before any change: P 1.000, R 0.952, its one miss a case with
# a wrong check letter (the gate was right), since corrected. A development set all the same: unseen text will
# score lower. bench/phi_bench.py writes the figures (bench/results/phi/).
PRECISION_BAR, RECALL_BAR = 0.95, 0.9


def _found(text: str) -> list[tuple[str, str]]:
    return [(f["kind"], f["text"]) for f in find_identifiers(text)]


def _spans(case: dict) -> set[tuple[str, int, int]]:
    out = set()
    for e in case["expected"]:
        start = case["text"].index(e["text"])
        out.add((e["kind"], start, start + len(e["text"])))
    return out


def test_cases_size_and_shape():
    negatives = [c for c in CASES if not c["expected"]]
    assert len(CASES) >= 80 and len(negatives) >= 30
    for case in CASES:
        for e in case["expected"]:
            assert case["text"].count(e["text"]) == 1, e


def test_cases_precision_and_recall():
    tp = fp = fn = 0
    for case in CASES:
        expected = _spans(case)
        found = {(f["kind"], f["start"], f["end"]) for f in find_identifiers(case["text"])}
        tp, fp, fn = tp + len(expected & found), fp + len(found - expected), fn + len(expected - found)
    assert tp / (tp + fp) >= PRECISION_BAR and tp / (tp + fn) >= RECALL_BAR, (tp, fp, fn)


@pytest.mark.parametrize("case", [c for c in CASES if not c["expected"]], ids=lambda c: c["text"][:40])
def test_clinical_negatives_stay_unflagged(case):
    assert find_identifiers(case["text"]) == []


def test_masked_cases_pass_the_gate():
    for case in CASES:
        assert find_identifiers(mask(case["text"], find_identifiers(case["text"]))) == [], case["text"]


# each newly caught form ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("CF RSS MRA 80A01 H501U.", ("codice_fiscale", "RSS MRA 80A01 H501U")),
        ("cf rss-mra-80a01-h501u", ("codice_fiscale", "rss-mra-80a01-h501u")),
        ("TS 8038 0001 5001 2345 6789 valida", ("tessera_sanitaria", "8038 0001 5001 2345 6789")),
        ("IBAN IT60 X054 2811 1010 0000 0123 456 presso", ("iban", "IT60 X054 2811 1010 0000 0123 456")),
        ("conto IT60X0542811101000000123456.", ("iban", "IT60X0542811101000000123456")),
        ("P.IVA 12345670124", ("partita_iva", "12345670124")),
        ("partita IVA IT 12345670124", ("partita_iva", "IT 12345670124")),
        ("cell. 339/1234567", ("telefono", "339/1234567")),
        ("tel. +39 (06) 12345678", ("telefono", "+39 (06) 12345678")),
        ("scrivere a mario.rossi[at]gmail.com", ("email", "mario.rossi[at]gmail.com")),
        ("nato il 1937-11-05", ("data_nascita", "1937-11-05")),
        ("nata il cinque novembre 1937", ("data_nascita", "cinque novembre 1937")),
        ("nato il ventuno marzo 1950", ("data_nascita", "ventuno marzo 1950")),
        ("D.d.N. 05.11.1937", ("data_nascita", "05.11.1937")),
        ("residente in via roma 12", ("indirizzo", "via roma 12")),
        ("cartella clinica n. 12345", ("cartella", "12345")),
        ("nosologico 2023/000123", ("cartella", "2023/000123")),
        ("SDO n. 2022-045678", ("cartella", "2022-045678")),
        ("ROSSI MARIO, anni 80", ("nome", "ROSSI MARIO")),
        ("Rossi Mario, anni 80", ("nome", "Rossi Mario")),
        ("Cognome e nome: Zanetti Ilario", ("nome", "Zanetti Ilario")),
        ("il sig. rossi lamenta dolore", ("nome", "rossi")),
        ("Dott. BIANCHI", ("nome", "BIANCHI")),
    ],
)
def test_new_forms_are_caught(text, expected):
    assert _found(text) == [expected]


def test_check_characters_still_decide():
    assert find_identifiers("CF RSS MRA 80A01 H501A") == []  # wrong check letter, grouped
    wrong_iban = find_identifiers("IBAN IT60 X054 2811 1010 0000 0123 457")
    assert all(f["kind"] != "iban" for f in wrong_iban)  # wrong check digits: never an IBAN
    assert find_identifiers("P.IVA 12345670125") == []  # wrong check digit
    assert find_identifiers("TS 8038 0001 5001 2345 6780") == []  # Luhn fails


@pytest.mark.parametrize(
    "text",
    [
        "Via di somministrazione: orale.",
        "Via di somministrazione orale, 2 compresse al giorno.",
        "per via endovenosa 2 g ogni 8 ore",
        "per via femorale 6 F",
        "in via precauzionale 10 giorni",
        "Nel corso di 3 cicli di chemioterapia",
        "Eseguita TC il 2023-11-05.",
        "Controllo il cinque novembre 2024.",
        "Consultata la cartella clinica: 3 ricoveri precedenti.",
        "Inviata SDO alla regione il 12/04/2024.",
        "Il dott. di turno; il sig. riferisce dolore; il Dott. curante.",
        "DIAGNOSI DI DIMISSIONE: SCOMPENSO CARDIACO",
        "Trasferito all'Ospedale Sandro Pertini; Ospedale Maria Vittoria.",
        "Paziente: MASCHIO DI 70 ANNI",
        "Lotto 339123, dose cumulativa 3391234 UI.",
    ],
)
def test_clinical_text_is_not_flagged(text):
    assert find_identifiers(text) == []
