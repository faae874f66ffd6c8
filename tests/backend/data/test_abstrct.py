"""AbstRCT importer: a tiny file with exact output, and the real files checked against direct counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from medui.backend.data.abstrct import MAX_WINDOW_CHARS, import_abstrct_tsv
from medui.backend.data.common import DataError
from medui.config import get_settings

FIXTURE = Path(__file__).parents[2] / "fixtures" / "real" / "abstrct_tiny.tsv"
ABSTRCT_DIR = get_settings().shared_data_dir / "abstrct-it"
REAL_FILES = sorted(ABSTRCT_DIR.glob("*.tsv")) if ABSTRCT_DIR.is_dir() else []
needs_corpus = pytest.mark.skipif(
    not REAL_FILES, reason=f"AbstRCT files not found at {ABSTRCT_DIR} (shared data folder absent)"
)


def ent(start: int, end: int, label: str, text: str) -> dict:
    return {"start": start, "end": end, "label": label, "text": text}


def test_fixture_windows_of_whole_sentences() -> None:
    report = import_abstrct_tsv(FIXTURE, "abstrct_mixed_components", "test", max_chars=60)
    assert report.records == {
        "test": [
            {
                "id": "abstrct_tiny#1",
                "text": "Lo studio è utile. Sono stati arruolati 100 pazienti.",
                "entities": [
                    ent(0, 18, "Claim", "Lo studio è utile."),
                    ent(30, 53, "Premise", "arruolati 100 pazienti."),
                ],
            },
            {
                "id": "abstrct_tiny#2",
                "text": "Il dolore è calato.",
                "entities": [ent(3, 19, "Premise", "dolore è calato.")],  # I- after O starts a span
            },
        ]
    }
    assert report.skipped == {
        "line_extra_fields": 1,
        "line_trailing_whitespace": 1,
        "bio_repaired_i_without_b": 1,
    }
    assert len(import_abstrct_tsv(FIXTURE, "abstrct_mixed_components").records["user"]) == 1


def test_wrong_task_raises() -> None:
    with pytest.raises(DataError, match="not an AbstRCT task"):
        import_abstrct_tsv(FIXTURE, "e3c_events")


def read_sentences(path: Path) -> list[list[tuple[str, str]]]:
    sentences, current = [], []
    for line in [*path.read_text(encoding="utf-8").split("\n"), ""]:
        if line.strip():
            token, tag = line.split()[:2]
            current.append((token, tag))
        elif current:
            sentences.append(current)
            current = []
    return sentences


@needs_corpus
@pytest.mark.parametrize("path", REAL_FILES, ids=[p.stem for p in REAL_FILES])
def test_real_file_matches_direct_counts(path: Path) -> None:
    sentences = read_sentences(path)
    report = import_abstrct_tsv(path, "abstrct_neoplasm_components", "x")
    records = report.records["x"]
    b_tags = Counter(tag[2:] for sentence in sentences for _, tag in sentence if tag.startswith("B-"))
    assert Counter(e["label"] for r in records for e in r["entities"]) == b_tags  # no I- without B- here
    odd = sum(line != line.rstrip() for line in path.read_text(encoding="utf-8").split("\n"))
    assert report.skipped == ({"line_trailing_whitespace": odd} if odd else {})
    text = " ".join(" ".join(token for token, _ in sentence) for sentence in sentences)
    assert " ".join(r["text"] for r in records) == text
    assert [r["id"] for r in records] == [f"{path.stem}#{n}" for n in range(1, len(records) + 1)]
    for record in records:
        assert len(record["text"]) <= MAX_WINDOW_CHARS
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]
