"""DIMMI importer: leaflet rows with category lists, or question rows -> drug_leaflet_qa records."""

from __future__ import annotations

from pathlib import Path

import pytest

from medui.backend.data.common import DataError
from medui.backend.data.dimmi import answer_items, import_dimmi, locate_answer

FIXTURES = Path(__file__).parents[2] / "fixtures" / "dimmi"
LEAFLET_101 = (
    "Febrinol 500 mg compresse. Principio attivo: Paracetamolo. A cosa serve: trattamento della febbre e del mal "
    "di testa. Posologia: adulti, 1 compressa ogni 6 ore, senza superare 6 compresse al giorno. Avvertenze: chi "
    "assume anticoagulanti orali deve consultare il medico."
)
LEAFLET_102 = (
    "Principio attivo: ibuprofene. Si usa per i dolori mestruali. Non prenda più di 3 compresse al giorno. "
    "Effetti indesiderati: nausea, bruciore di stomaco."
)


def qa(record_id: str, context: str, question: str, answer: str, **extra) -> dict:
    return {"id": record_id, "context": context, "question": question, "answer": answer, **extra}


def test_dimmi_600_tsv_one_question_per_category() -> None:
    report = import_dimmi(FIXTURES / "dimmi_600.tsv", split="test")
    drug, unnamed = "Febrinol 500 mg compresse", "questo medicinale"
    assert report.records["test"] == [
        qa(
            "101-molecule",
            LEAFLET_101,
            f"Qual è il principio attivo di {drug}?",
            "Paracetamolo",
            category="molecule",
        ),
        qa(
            "101-usage",
            LEAFLET_101,
            f"A che cosa serve {drug}?",
            "febbre",
            answers=["febbre", "mal di testa"],
            category="usage",
        ),
        qa(
            "101-posology",
            LEAFLET_101,
            f"Qual è la posologia raccomandata di {drug}?",
            "1 compressa ogni 6 ore",
            category="posology",
        ),
        qa(
            "101-drug_interaction",
            LEAFLET_101,
            f"Con quali altri medicinali può interagire {drug}?",
            "anticoagulanti orali",
            answers=["warfarin", "anticoagulanti orali"],
            category="drug_interaction",
        ),
        qa(
            "102-molecule",
            LEAFLET_102,
            f"Qual è il principio attivo di {unnamed}?",
            "ibuprofene",
            category="molecule",
        ),
        qa("102-usage", LEAFLET_102, f"A che cosa serve {unnamed}?", "dolori mestruali", category="usage"),
        qa(
            "102-posology",
            LEAFLET_102,
            f"Qual è la posologia raccomandata di {unnamed}?",
            "massimo 3 compresse al giorno",
            category="posology",
        ),
        qa(
            "102-side_effect",
            LEAFLET_102,
            f"Quali sono i possibili effetti indesiderati di {unnamed}?",
            "nausea",
            answers=["nausea", "bruciore di stomaco"],
            category="side_effect",
        ),
    ]
    assert report.skipped == {
        "answer_realigned_to_context": 1,
        "answer_not_in_context_kept": 1,
        "no_gold_answer:side_effect": 1,
        "no_gold_answer:drug_interaction": 1,
    }


def test_answers_not_in_context_can_be_dropped_and_categories_chosen() -> None:
    report = import_dimmi(FIXTURES / "dimmi_600.tsv", categories=["posology"], keep_not_in_context=False)
    assert [r["id"] for r in report.records["user"]] == ["101-posology"]
    assert report.skipped == {"answer_not_in_context": 1}


def test_parquet_with_list_columns_and_custom_questions(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "id": [7],
            "drug_name": ["Gastrex"],
            "text": ["Gastrex contiene omeprazolo."],
            "molecule": [["omeprazolo"]],
            "usage": [[]],
        }
    )
    frame.to_parquet(tmp_path / "dimmi_600.parquet")
    report = import_dimmi(tmp_path / "dimmi_600.parquet", questions={"molecule": "Che cosa contiene {drug}?"})
    assert report.records["user"] == [
        qa(
            "7-molecule",
            "Gastrex contiene omeprazolo.",
            "Che cosa contiene Gastrex?",
            "omeprazolo",
            category="molecule",
        )
    ]
    assert report.skipped == {"no_gold_answer:usage": 1}


def test_json_object_keyed_by_leaflet_id() -> None:
    report = import_dimmi(FIXTURES / "gs.json")
    context = "Gastrex contiene omeprazolo e si usa per il reflusso gastroesofageo."
    assert report.records["user"] == [
        qa(
            "201-molecule",
            context,
            "Qual è il principio attivo di Gastrex?",
            "omeprazolo",
            category="molecule",
        ),
        qa("201-usage", context, "A che cosa serve Gastrex?", "reflusso gastroesofageo", category="usage"),
    ]


def test_question_rows_in_jsonl_realign_the_answer_case() -> None:
    report = import_dimmi(FIXTURES / "questions.jsonl")
    assert report.records["user"] == [
        qa(
            "q1",
            "Prenda una compressa al giorno, preferibilmente la sera, sempre alla stessa ora.",
            "Quando va presa la compressa?",
            "preferibilmente la sera",
        ),
        qa(
            "q2",
            "Conservare il flacone in frigorifero (2-8 °C) dopo la prima apertura.",
            "Dove va conservato il flacone dopo l'apertura?",
            "in frigorifero",
        ),
    ]
    assert report.skipped == {"answer_realigned_to_context": 1}


def test_squad_style_answers_and_duplicate_ids() -> None:
    report = import_dimmi(FIXTURES / "squad.json")
    assert report.records["user"] == [
        qa(
            "s1",
            "Applicare la crema due volte al giorno sulla zona interessata.",
            "Quante volte al giorno si applica la crema?",
            "due volte al giorno",
        ),
        qa(
            "s1-2",
            "Non usare per più di 7 giorni senza consultare il medico.",
            "Per quanto tempo al massimo?",
            "7 giorni",
            answers=["10 giorni", "7 giorni"],
        ),
    ]
    assert report.skipped == {"duplicate_id_renamed": 1}


def test_italian_column_names_in_csv_are_detected() -> None:
    report = import_dimmi(FIXTURES / "domande.csv")
    assert report.records["user"] == [
        qa(
            "it1",
            "Il medicinale va conservato a temperatura inferiore a 25 °C.",
            "A quale temperatura va conservato?",
            "inferiore a 25 °C",
        )
    ]


def test_columns_can_be_given(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        '{"q": "Quanto?", "brano": "Due gocce al giorno.", "gold": "Due gocce"}\n', encoding="utf-8"
    )
    report = import_dimmi(path, columns={"question": "q", "context": "brano", "answer": "gold"})
    assert report.records["user"] == [qa("rows-1", "Due gocce al giorno.", "Quanto?", "Due gocce")]
    with pytest.raises(DataError, match="column 'domanda' given for 'question' is not in the file"):
        import_dimmi(path, columns={"question": "domanda"})


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("malformed.jsonl", {}, r"malformed\.jsonl: line 2 is not valid JSON"),
        ("no_context.jsonl", {}, r"no_context\.jsonl: line 2: no context"),
        ("dimmi_600.tsv", {"categories": ["dosage_form"]}, "categories dosage_form have no column"),
    ],
)
def test_malformed_input_names_the_line(name: str, kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        import_dimmi(FIXTURES / name, **kwargs)


def test_unknown_shape_and_wrong_task(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="no context or leaflet text column among a, b"):
        import_dimmi(path)
    path.write_text("text,b\nUna compressa.,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="neither a question column nor DIMMI category columns among text, b"):
        import_dimmi(path)
    with pytest.raises(DataError, match="not an extractive question answering task"):
        import_dimmi(FIXTURES / "questions.jsonl", task="drug_leaflet_entities")


def test_answer_items_and_locate_answer() -> None:
    assert answer_items("['a', \"b c\"]", "x", "f") == ["a", "b c"]
    assert answer_items('["a"]', "x", "f") == ["a"]
    assert answer_items("[nota] testo", "x", "f") == ["[nota] testo"]
    assert answer_items({"text": ["a", " "]}, "x", "f") == ["a"]
    assert answer_items(None, "x", "f") == [] and answer_items("", "x", "f") == []
    assert locate_answer("Due  volte al giorno", ["due volte"]) == ("Due  volte", "realigned")
    assert locate_answer("nulla", ["altro", "nulla"]) == ("nulla", "exact")
    assert locate_answer("nulla", ["altro"]) == ("altro", "missing")
