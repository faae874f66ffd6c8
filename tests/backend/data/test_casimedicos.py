"""CasiMedicos-Arg importer: a tiny TSV with exact output, and the real files checked against direct counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from medui.backend.data.casimedicos import MAX_DOC_CHARS, import_casimedicos_tsv
from medui.backend.data.common import DataError
from medui.config import get_settings

FIXTURE = Path(__file__).parents[2] / "fixtures" / "real" / "casimedicos_tiny.tsv"
CASIMEDICOS_DIR = get_settings().shared_data_dir / "casimedicos-arg"
needs_corpus = pytest.mark.skipif(
    not (CASIMEDICOS_DIR / "train.tsv").is_file(),
    reason=f"CasiMedicos-Arg not found at {CASIMEDICOS_DIR} (shared data folder absent)",
)

DOC_1 = "QUESTION TYPE: CARDIOLOGIA\nUomo di 70 anni.\nLa risposta è la 3.\nQuesta frase finisce qui."
DOC_2 = (
    "QUESTION TYPE: NEUROLOGIA\nCefalea improvvisa.\nSi tratta di emorragia subaracnoidea.\n"
    "Eseguire subito una TC encefalo senza mezzo di contrasto."
)
FIXTURE_SKIPS = {
    "line_space_separated": 2,  # "Questa O " and "qui."
    "line_without_tag": 1,  # "qui."
    "bio_repaired_i_without_b": 1,  # "è I-Claim" after O
    "label_outside_task:Major": 1,
    "tag_not_bio:X-Claim": 1,
}


def ent(start: int, end: int, label: str, text: str) -> dict:
    return {"start": start, "end": end, "label": label, "text": text}


def test_fixture_whole_documents() -> None:
    report = import_casimedicos_tsv(FIXTURE, split="train")
    assert report.records["train"] == [
        {
            "id": "casimedicos_tiny-001",
            "text": DOC_1,
            "entities": [ent(27, 43, "Premise", "Uomo di 70 anni."), ent(56, 63, "Claim", "è la 3.")],
            "doc_id": "casimedicos_tiny-001",
            "offset": 0,
        },
        {
            "id": "casimedicos_tiny-002",
            "text": DOC_2,
            "entities": [
                ent(26, 45, "Premise", "Cefalea improvvisa."),
                ent(46, 83, "Claim", "Si tratta di emorragia subaracnoidea."),
                ent(84, 106, "Claim", "Eseguire subito una TC"),  # B-Premise right after I-Claim
                ent(107, 141, "Premise", "encefalo senza mezzo di contrasto."),
            ],
            "doc_id": "casimedicos_tiny-002",
            "offset": 0,
        },
    ]
    assert report.skipped == FIXTURE_SKIPS


def test_fixture_long_document_cut_into_sentence_windows() -> None:
    records = import_casimedicos_tsv(FIXTURE, max_chars=100).records["user"]
    assert [r["id"] for r in records] == [
        "casimedicos_tiny-001",
        "casimedicos_tiny-002#1",
        "casimedicos_tiny-002#2",
    ]
    assert records[1]["text"] == DOC_2[:83] and records[1]["offset"] == 0
    assert records[2] == {
        "id": "casimedicos_tiny-002#2",
        "text": "Eseguire subito una TC encefalo senza mezzo di contrasto.",
        "entities": [ent(0, 22, "Claim", "Eseguire subito una TC"), ent(23, 57, "Premise", DOC_2[107:])],
        "doc_id": "casimedicos_tiny-002",
        "offset": 84,
    }


def test_empty_or_missing_file_raises(tmp_path: Path) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match="no tokens"):
        import_casimedicos_tsv(empty)
    with pytest.raises(DataError, match="cannot read"):
        import_casimedicos_tsv(tmp_path / "missing.tsv")


# -- the real files, counted directly -------------------------------------------------------------------------
def read_documents(path: Path) -> tuple[list[list[list[tuple[str, str]]]], int]:
    """Documents as sentences of (token, tag), and how many lines were not tab-separated."""
    documents, sentence, spaced = [], [], 0
    for line in [*path.read_text(encoding="utf-8").split("\n"), ""]:
        if not line.strip():
            if sentence:
                if sentence[0][0] == "QUESTION":
                    documents.append([])
                documents[-1].append(sentence)
            sentence = []
            continue
        spaced += "\t" not in line
        fields = line.split("\t") if "\t" in line else line.split()
        sentence.append((fields[0], fields[1]))
    return documents, spaced


def component_counts(documents: list) -> tuple[Counter, int]:
    """Components per label (B- tags, plus I- tags that continue nothing) and the I- repairs among them."""
    counts, repairs = Counter(), 0
    for sentence in (s for doc in documents for s in doc):
        previous = "O"
        for _, tag in sentence:
            if tag.startswith("B-"):
                counts[tag[2:]] += 1
            elif tag.startswith("I-") and previous[2:] != tag[2:]:
                counts[tag[2:]] += 1
                repairs += 1
            previous = tag
    return counts, repairs


@needs_corpus
@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_real_split_matches_direct_counts(split: str) -> None:
    path = CASIMEDICOS_DIR / f"{split}.tsv"
    documents, spaced = read_documents(path)
    report = import_casimedicos_tsv(path, split=split)
    records = report.records[split]
    counts, repairs = component_counts(documents)
    assert Counter(e["label"] for r in records for e in r["entities"]) == counts
    assert report.skipped == {"line_space_separated": spaced} | (
        {"bio_repaired_i_without_b": repairs} if repairs else {}
    )
    by_doc: dict[str, list[dict]] = {}
    for record in records:
        by_doc.setdefault(record["doc_id"], []).append(record)
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]
    assert len(by_doc) == len(documents)
    for doc, parts in zip(documents, by_doc.values(), strict=True):
        text = "\n".join(" ".join(token for token, _ in sentence) for sentence in doc)
        assert "\n".join(part["text"] for part in parts) == text
        assert all(text[p["offset"] : p["offset"] + len(p["text"])] == p["text"] for p in parts)
        assert (len(parts) == 1) == (len(text) <= MAX_DOC_CHARS)
        assert all(len(p["text"]) <= MAX_DOC_CHARS for p in parts)
