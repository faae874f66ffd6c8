"""CPT chunks (medui/backend/finetune/cpt.py): labels on every token, and no text overlapping a held-out record."""

from __future__ import annotations

import json

import pytest

from medui.backend.data import gold
from medui.backend.data.common import DataError
from medui.backend.finetune import cpt
from medui.tasks.registry import get_spec


@pytest.fixture(scope="module")
def tokenizer(tiny_llama):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llama)


def test_cpt_chunks_carry_labels_on_every_token(tokenizer, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    texts = ["Il paziente presenta febbre e tosse da tre giorni. " * 8, "Esame obiettivo nella norma. " * 5]
    corpus.write_text("\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8")
    data = cpt.cpt_dataset(corpus, tokenizer, max_length=64)
    assert data.rows and all(len(r.input_ids) <= 64 and r.labels == r.input_ids for r in data.rows)
    assert data.stats["documents"] == 2
    corpus.write_text('{"text": ""}\n', encoding="utf-8")
    with pytest.raises(DataError, match="record 1"):
        cpt.cpt_dataset(corpus, tokenizer)


def test_shipped_corpus_has_text_and_licence():
    from medui.config import REPO_ROOT

    path = REPO_ROOT / "assets/corpora/e3c_layer3_sample.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1200 and all(r["text"].strip() and r["licence"] for r in rows)


def test_cpt_drops_texts_that_overlap_held_out_records(tokenizer, tmp_path):
    held = (
        "La paziente di 54 anni giunge in pronto soccorso per dolore toracico irradiato al braccio sinistro."
    )
    corpus = tmp_path / "corpus.jsonl"
    texts = [
        "Anamnesi remota. " + held.upper().replace(" ", "  "),  # same 8 words, other case and spacing
        "La paziente di 54 anni giunge in ambulatorio per controllo.",  # 6 words shared: kept
        "Esame obiettivo nella norma, nessun segno di scompenso cardiaco in atto.",
    ]
    corpus.write_text("\n".join(json.dumps({"text": t}) for t in texts) + "\n", encoding="utf-8")
    data = cpt.cpt_dataset(corpus, tokenizer, max_length=64, held_out=[held])
    assert data.stats["documents"] == 2 and data.stats["dropped_overlap"] == 1
    with pytest.raises(DataError, match="every text"):
        cpt.cpt_dataset(corpus, tokenizer, held_out=texts)


def test_shipped_corpus_loses_the_test_document_it_copies():
    """The E3C layer-3 sample holds a near copy of layer-1 test document IT101038 (in IT102992)."""
    from medui.config import REPO_ROOT

    texts = cpt.corpus_texts(REPO_ROOT / "assets/corpora/e3c_layer3_sample.jsonl")
    test_text = " ".join(r["text"] for r in gold.load_split(get_spec("e3c_actors"), "test")
                         if r["id"].startswith("IT101038"))  # fmt: skip
    assert test_text and any(not cpt.shingles(test_text).isdisjoint(cpt.shingles(t)) for t in texts)
    kept, dropped = cpt.drop_overlapping(texts, cpt.held_out_texts(0.1))
    assert dropped >= 1 and all(cpt.shingles(test_text).isdisjoint(cpt.shingles(t)) for t in kept)
