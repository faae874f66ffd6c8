"""PharmaER.IT importer: BIO rows in JSONL, JSON, CSV and parquet -> drug_leaflet_entities records."""

from __future__ import annotations

from pathlib import Path

import pytest

from medui.backend.data.common import DataError
from medui.backend.data.pharmaer import align_tokens, bio_spans, import_pharmaer_bio, passage_bounds

FIXTURES = Path(__file__).parents[2] / "fixtures" / "pharmaer"
TAG_NAMES = ["O", "B-DRUG", "I-DRUG", "B-DISEASE", "I-DISEASE", "B-SYMPTOM", "I-SYMPTOM", "B-ANATOMICAL_PART"]
TAG_NAMES += ["I-ANATOMICAL_PART"]


def ent(start: int, end: int, label: str, text: str) -> dict:
    return {"start": start, "end": end, "label": label, "text": text}


LEAFLET_1 = "Il paracetamolo può causare danni al fegato e reazioni allergiche. Dose: 500 mg."
LEAFLET_2 = "Effetti indesiderati: «mal di testa», nausea.\nRaramente ittero."


def test_v03_jsonl_string_tags_english_labels() -> None:
    report = import_pharmaer_bio(FIXTURES / "pharmaer_v03.jsonl", split="train")
    assert report.records["train"] == [
        {
            "id": "leaflet-1",
            "text": LEAFLET_1,
            "entities": [
                ent(3, 15, "FARMACO", "paracetamolo"),
                ent(37, 43, "PARTE_ANATOMICA", "fegato"),  # I- without B-: starts a span
                ent(46, 65, "MALATTIA", "reazioni allergiche"),
            ],
            "document_id": "leaflet-1",
        },
        {
            "id": "leaflet-2",
            "text": LEAFLET_2,
            "entities": [ent(23, 35, "SINTOMO", "mal di testa"), ent(38, 44, "SINTOMO", "nausea")],
            "document_id": "leaflet-2",
        },
    ]
    assert report.skipped == {
        "bio_repaired_i_without_b": 1,
        "label_outside_task:DOSAGE": 1,
        "token_not_aligned": 3,  # two '"' for « », and "itterizia" for "ittero"
        "span_lost_unaligned_token": 1,
    }


def test_long_leaflets_are_cut_into_passages_between_spans() -> None:
    report = import_pharmaer_bio(FIXTURES / "pharmaer_v03.jsonl", max_chars=50)
    records = report.records["user"]
    assert [r["id"] for r in records] == ["leaflet-1-001", "leaflet-1-002", "leaflet-2-001", "leaflet-2-002"]
    assert [r["text"] for r in records] == [
        "Il paracetamolo può causare danni al fegato e reazioni allergiche.",
        "Dose: 500 mg.",
        "Effetti indesiderati: «mal di testa», nausea.",
        "Raramente ittero.",
    ]
    assert records[0]["entities"][2] == ent(46, 65, "MALATTIA", "reazioni allergiche")
    assert records[2]["entities"] == [
        ent(23, 35, "SINTOMO", "mal di testa"),
        ent(38, 44, "SINTOMO", "nausea"),
    ]
    assert {r["document_id"] for r in records} == {"leaflet-1", "leaflet-2"}
    for record in records:
        for e in record["entities"]:
            assert record["text"][e["start"] : e["end"]] == e["text"]


def test_v02_json_list_with_italian_labels_field() -> None:
    report = import_pharmaer_bio(FIXTURES / "pharmaer_v02.json")
    text = "Assumere ibuprofene a stomaco pieno in caso di mal di stomaco."
    assert report.records["user"] == [
        {
            "id": "v02-1",
            "text": text,
            "entities": [
                ent(9, 19, "FARMACO", "ibuprofene"),
                ent(22, 29, "PARTE_ANATOMICA", "stomaco"),
                ent(47, 61, "SINTOMO", "mal di stomaco"),
            ],
            "document_id": "v02-1",
        }
    ]
    assert report.skipped == {}


def test_csv_with_integer_tags_and_a_missing_text() -> None:
    report = import_pharmaer_bio(FIXTURES / "pharmaer_ints.csv", tag_names=TAG_NAMES)
    assert report.records["user"] == [
        {
            "id": "c1",
            "text": "Non usare in caso di insufficienza renale grave.",
            "entities": [ent(21, 41, "MALATTIA", "insufficienza renale")],
            "document_id": "c1",
        },
        {
            "id": "c2",
            "text": "Evitare alcol con metformina .",
            "entities": [ent(18, 28, "FARMACO", "metformina")],
            "document_id": "c2",
        },
    ]
    assert report.skipped == {"text_rebuilt_from_tokens": 1}


def test_parquet_from_datasets_reads_classlabel_names(tmp_path: Path) -> None:
    from datasets import ClassLabel, Dataset, Features, List, Value

    features = Features(
        {
            "document_id": Value("string"),
            "text": Value("string"),
            "tokens": List(Value("string")),
            "ner_tags": List(ClassLabel(names=TAG_NAMES)),
        }
    )
    rows = {
        "document_id": ["p1"],
        "text": ["Il salbutamolo dilata i bronchi."],
        "tokens": [["Il", "salbutamolo", "dilata", "i", "bronchi", "."]],
        "ner_tags": [[0, 1, 0, 0, 7, 0]],
    }
    path = tmp_path / "test-00000-of-00001.parquet"
    Dataset.from_dict(rows, features=features).to_parquet(str(path))
    report = import_pharmaer_bio(path, split="test")
    assert report.records["test"] == [
        {
            "id": "p1",
            "text": "Il salbutamolo dilata i bronchi.",
            "entities": [ent(3, 14, "FARMACO", "salbutamolo"), ent(24, 31, "PARTE_ANATOMICA", "bronchi")],
            "document_id": "p1",
        }
    ]


def test_parquet_with_string_tags_made_by_pandas(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "document_id": ["p2"],
            "text": ["Evitare FANS in caso di asma."],
            "tokens": [["Evitare", "FANS", "in", "caso", "di", "asma", "."]],
            "ner_tags": [["O", "B-DRUG", "O", "O", "O", "B-DISEASE", "O"]],
        }
    )
    frame.to_parquet(tmp_path / "rows.parquet")
    report = import_pharmaer_bio(tmp_path / "rows.parquet")
    assert report.records["user"][0]["entities"] == [
        ent(8, 12, "FARMACO", "FANS"),
        ent(24, 28, "MALATTIA", "asma"),
    ]


def test_integer_tags_without_names_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"pharmaer_ints\.csv: row 1: tags are integers; pass tag_names"):
        import_pharmaer_bio(FIXTURES / "pharmaer_ints.csv")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.jsonl", r"malformed\.jsonl: line 2 is not valid JSON"),
        ("mismatch.jsonl", r"mismatch\.jsonl: line 1: 3 tokens but 2 tags"),
        ("bad_tag.jsonl", r"bad_tag\.jsonl: line 1: tag 'X-DRUG' at token 1 is not BIO"),
    ],
)
def test_malformed_input_names_the_line(name: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        import_pharmaer_bio(FIXTURES / name)


def test_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "rows.xml").write_text("<rows/>", encoding="utf-8")
    with pytest.raises(DataError, match="unsupported file type '.xml'"):
        import_pharmaer_bio(tmp_path / "rows.xml")
    (tmp_path / "rows.json").write_text('"text"', encoding="utf-8")
    with pytest.raises(DataError, match="expected a JSON list of objects"):
        import_pharmaer_bio(tmp_path / "rows.json")
    (tmp_path / "no_tokens.jsonl").write_text('{"document_id": "x", "text": "a"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 1: no 'tokens' field"):
        import_pharmaer_bio(tmp_path / "no_tokens.jsonl")
    with pytest.raises(DataError, match="no such file"):
        import_pharmaer_bio(tmp_path / "missing.jsonl")


def test_bio_spans_repairs_and_closes() -> None:
    tags = [
        ("I", "SINTOMO"),
        ("I", "SINTOMO"),
        ("B", "FARMACO"),
        ("I", "MALATTIA"),
        ("O", ""),
        ("B", "SINTOMO"),
    ]
    assert bio_spans(tags) == (
        [(0, 1, "SINTOMO"), (2, 2, "FARMACO"), (3, 3, "MALATTIA"), (5, 5, "SINTOMO")],
        2,
    )


def test_align_tokens_skips_what_is_not_there() -> None:
    assert align_tokens("a  b-c d", ["a", "b", "x", "-", "c", "", "d"]) == [
        (0, 1),
        (3, 4),
        None,
        (4, 5),
        (5, 6),
        None,
        (7, 8),
    ]


def test_passage_bounds_never_cut_inside_a_span() -> None:
    text = "Prima frase. Seconda frase lunga. Terza."
    assert passage_bounds(text, [], 15) == [(0, 12), (12, 33), (33, 40)]
    assert passage_bounds(text, [(10, 16, "SINTOMO")], 15) == [(0, 33), (33, 40)]
