"""SFT rows use the inference prompt and the constrained answer, with loss on the answer only."""

from __future__ import annotations

import json

import pytest

from medui.backend.data import gold
from medui.backend.data.common import DataError
from medui.backend.finetune import dataset
from medui.backend.finetune.dataset import IGNORE
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec

TASK = "drug_leaflet_entities"


@pytest.fixture(scope="module")
def tokenizer(tiny_llama):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_llama)


def test_prompt_is_the_inference_prompt_of_cd_and_zero_shot(tiny_llama, home):
    from medui.backend.inference import models
    from medui.backend.inference.engine import Engine, parse_strategy

    spec = get_spec(TASK)
    record = gold.load_split(spec, "train")[0]
    lm = models.load(str(tiny_llama), "cpu", "float32")
    for strategy in ("cd", "zero-shot"):
        engine = Engine(lm, spec, parse_strategy(strategy, spec))
        assert dataset.inference_prompt(spec, record) == engine.prompt_for(record)


def test_labels_mask_the_prompt_and_keep_the_answer(tokenizer):
    spec = get_spec(TASK)
    record = gold.load_split(spec, "train")[0]
    prompt, answer = dataset.inference_prompt(spec, record), dataset.answer_text(spec, record)
    row = dataset.encode_pair(tokenizer, prompt, answer)
    n_prompt = len(tokenizer(prompt)["input_ids"])
    assert row.labels[:n_prompt] == [IGNORE] * n_prompt
    assert row.labels[n_prompt:] == row.input_ids[n_prompt:]
    assert tokenizer.decode(row.labels[n_prompt:]) == answer
    assert answer == " " + kind_for(spec).render_target(spec, record) + "\n"
    assert json.loads(answer) == kind_for(spec).target(spec, record)


def test_long_records_are_split_into_windows_with_their_entities(tokenizer):
    spec = get_spec(TASK)
    record = max(gold.load_split(spec, "train"), key=lambda r: len(r["text"]))
    rows = dataset.sft_rows(spec, record, tokenizer, max_length=450)
    assert len(rows) > 1 and all(len(r.input_ids) <= 450 for r in rows)
    window = dataset.window_record(spec, record, 100, len(record["text"]))
    for ent in window["entities"]:
        assert window["text"][ent["start"] : ent["end"]] == ent["text"]
    inside = [e for e in record["entities"] if e["start"] >= 100]
    assert len(window["entities"]) == len(inside)


def test_sft_dataset_counts_and_snapshot(tokenizer, home):
    data = dataset.sft_dataset([TASK], "gold", tokenizer, max_length=512)
    stats = data.stats["tasks"][TASK]
    assert stats["gold"] == 21 and stats["excluded_eval_overlap"] == 0
    assert data.stats["rows"] == len(data.rows) >= 21
    again = dataset.sft_dataset([TASK], "gold", tokenizer, max_length=512)
    assert again.snapshot == data.snapshot
    assert dataset.sft_dataset(["medqa_it"], "gold", tokenizer).snapshot != data.snapshot


def test_corrections_replace_gold_and_test_documents_are_held_out(tokenizer, session):
    from medui.backend.store.corrections import add_correction
    from medui.backend.store.repo import ensure_documents

    spec = get_spec(TASK)
    train, test = gold.load_split(spec, "train"), gold.load_split(spec, "test")
    doc_train, doc_test = ensure_documents(TASK, "train", train[:1], session=session) + ensure_documents(
        TASK, "test", test[:1], session=session
    )
    fixed = {**train[0], "entities": train[0]["entities"][:1]}
    add_correction(fixed, "anna", session=session, document_id=doc_train.id)
    add_correction(test[0], "anna", session=session, document_id=doc_test.id)
    session.commit()

    records, counts = dataset.task_records(spec, "corrections", session)
    assert [r["id"] for r in records] == [train[0]["id"]] and counts["excluded_eval_overlap"] == 1
    records, counts = dataset.task_records(spec, "both", session)
    assert len(records) == 21 and counts["gold"] == 21 and counts["corrections"] == 2
    assert next(r for r in records if r["id"] == train[0]["id"])["entities"] == fixed["entities"]


def test_training_waits_for_the_adjudication_of_a_disagreement_then_takes_it(session):
    from medui.backend.store.adjudication import adjudicate
    from medui.backend.store.corrections import add_correction
    from medui.backend.store.repo import ensure_documents

    spec = get_spec(TASK)
    train = gold.load_split(spec, "train")
    first, second = ensure_documents(TASK, "train", train[:2], session=session)
    one, two = ({**train[0], "entities": train[0]["entities"][:n]} for n in (1, 2))
    add_correction(one, "anna", session=session, document_id=first.id)
    add_correction(two, "bruno", session=session, document_id=first.id)  # they disagree on the first
    add_correction(train[1], "anna", session=session, document_id=second.id)
    records, counts = dataset.task_records(spec, "corrections", session)
    assert [r["id"] for r in records] == [train[1]["id"]] and counts["corrections"] == 1
    adjudicate(first.id, "carla", take="bruno", session=session)
    records, counts = dataset.task_records(spec, "corrections", session)
    assert [r["id"] for r in records] == [train[0]["id"], train[1]["id"]]
    assert records[0]["entities"] == two["entities"]


def test_no_corrections_is_a_clear_error(tokenizer, session):
    with pytest.raises(DataError, match="no training data"):
        dataset.sft_dataset([TASK], "corrections", tokenizer, session=session)
    with pytest.raises(DataError, match="unknown data source"):
        dataset.sft_dataset([TASK], "silver", tokenizer, session=session)
