"""Relations through their entities: candidate pairs, the pair question, and the `pairs` strategy on the tiny
model (entities under cd with no relation written, then a constrained answer per pair)."""

from __future__ import annotations

import json

import pytest

from medui.backend.evaluation import runner
from medui.backend.inference.engine import Engine, Prediction
from medui.backend.inference.pairs import PairEngine
from medui.backend.inference.strategy import StrategyError, parse_strategy
from medui.tasks.kinds import kind_for
from medui.tasks.pairs import NONE, candidate_pairs, choices, gold_pairs, pair_input, parse_answer
from medui.tasks.registry import get_spec

TASK = "e3c_measurement_links"
TEXT = "Temperatura 38,5 °C. Emocromo nella norma. Dopo tre giorni la PCR era negativa."


def _entity(text: str, mention: str, label: str, eid: str, after: int = 0) -> dict:
    start = text.index(mention, after)
    return {"id": eid, "start": start, "end": start + len(mention), "label": label, "text": mention}


ENTITIES = [
    _entity(TEXT, "Temperatura", "EVENT", "T1"),
    _entity(TEXT, "38,5 °C", "RML", "T2"),
    _entity(TEXT, "Emocromo", "EVENT", "T3"),
    _entity(TEXT, "nella norma", "RML", "T4"),
    _entity(TEXT, "PCR", "EVENT", "T5"),
    _entity(TEXT, "negativa", "RML", "T6"),
]


def test_candidates_go_the_relations_way_and_at_most_one_sentence_apart():
    spec = get_spec(TASK)
    pairs = [(p.head["id"], p.tail["id"]) for p in candidate_pairs(spec, TEXT, ENTITIES)]
    assert all(h in ("T2", "T4", "T6") and t in ("T1", "T3", "T5") for h, t in pairs)  # RML -> EVENT only
    assert ("T2", "T1") in pairs and ("T4", "T1") in pairs  # same and adjacent sentence
    assert ("T2", "T5") not in pairs  # two sentences apart


def test_the_pair_question_marks_head_and_tail_in_their_sentences():
    spec = get_spec(TASK)
    pair = next(
        p for p in candidate_pairs(spec, TEXT, ENTITIES) if p.head["id"] == "T2" and p.tail["id"] == "T1"
    )
    shown = pair_input(TEXT, pair)
    assert shown.startswith("[B]Temperatura[/B] [A]38,5 °C[/A].")
    assert "Dopo tre giorni" not in shown  # the pair's own sentence only
    assert shown.endswith("A: «38,5 °C» (RML)\nB: «Temperatura» (EVENT)")


def test_gold_pairs_answer_the_linked_ones_with_their_label_and_the_rest_none():
    spec = get_spec(TASK)
    record = {
        "text": TEXT,
        "entities": ENTITIES,
        "relations": [{"head": "T2", "tail": "T1", "label": "PERTAINS"}],
    }
    answers = {(p.head["id"], p.tail["id"]): a for p, a in gold_pairs(spec, record)}
    assert answers.pop(("T2", "T1")) == "PERTAINS"
    assert set(answers.values()) == {NONE}
    assert parse_answer(spec, '"PERTAINS"') == "PERTAINS"
    assert parse_answer(spec, f'"{NONE}"') is None and parse_answer(spec, "{") is None


def test_pairs_strategies_are_for_relation_tasks_only_and_for_local_models():
    assert parse_strategy("pairs", get_spec(TASK)).constrained
    assert parse_strategy("few-shot+pairs", get_spec(TASK)).shots == get_spec(TASK).default_shots
    with pytest.raises(StrategyError, match="relation tasks"):
        parse_strategy("pairs", get_spec("e3c_clinical_entities"))


def test_the_pairs_strategy_answers_every_candidate_with_a_choice_on_the_tiny_model(
    tiny_model_dir, monkeypatch
):
    engine = runner.build_engine(str(tiny_model_dir), TASK, "pairs")
    entities_only = engine.find_entities([{"id": "x", "text": TEXT}], None)[0]
    assert entities_only.record["relations"] == []  # the entity step writes no relation
    assert {e["label"] for e in entities_only.record["entities"]} <= {"RML", "EVENT"}

    def known_entities(self, records, on_text=None):
        return [Prediction({"id": r["id"], "text": r["text"], "entities": ENTITIES, "relations": []}, "{}", "h", "d",
                           0.0, 1, 1, None) for r in records]  # fmt: skip

    monkeypatch.setattr(PairEngine, "find_entities", known_entities)
    (prediction,) = engine.predict([{"id": "x", "text": TEXT}])
    spec = get_spec(TASK)
    asked = candidate_pairs(spec, TEXT, ENTITIES)
    answered = json.loads(prediction.raw.split("\n", 1)[1])
    assert len(answered) == len(asked)
    assert all(line.rsplit(": ", 1)[1] in choices(spec) for line in answered)
    linked = {(r["head"], r["tail"]) for r in prediction.record["relations"]}
    assert linked <= {(p.head["id"], p.tail["id"]) for p in asked}
    assert kind_for(spec).record_problems(spec, prediction.record) == []  # the gold format


def test_the_entity_step_is_the_union_of_the_entity_tasks_passes(tiny_model_dir, monkeypatch):
    """RML from e3c_measurements, EVENT from e3c_events: each mention once, in text order, numbered T1.."""
    engine = runner.build_engine(str(tiny_model_dir), TASK, "few-shot+pairs")
    assert set(engine.entity_engines) == {"e3c_measurements", "e3c_events"}
    assert all(e.strategy.constrained and e.strategy.shots for e in engine.entity_engines.values())
    answers = {
        "e3c_measurements": [ENTITIES[5], ENTITIES[1]],
        "e3c_events": [ENTITIES[0], ENTITIES[4], {**ENTITIES[1], "label": "EVENT"}],  # the same span twice
    }

    def sibling_answer(self, records, progress=None, on_text=None):
        return [Prediction({"id": r["id"], "text": r["text"], "entities": answers[self.spec.id]}, "{}", "h",
                           "d", 1.0, 2, 3, 0.5, ["demo"]) for r in records]  # fmt: skip

    monkeypatch.setattr(Engine, "predict", sibling_answer)
    (found,) = engine.find_entities([{"id": "x", "text": TEXT}], None)
    assert [(e["id"], e["text"], e["label"]) for e in found.record["entities"]] == [
        ("T1", "Temperatura", "EVENT"), ("T2", "38,5 °C", "RML"), ("T3", "PCR", "EVENT"), ("T4", "negativa", "RML"),
    ]  # fmt: skip
    assert found.latency == 2.0 and found.prompt_tokens == 4 and found.demonstrations == ["demo"]


def test_a_relation_task_without_entity_tasks_finds_entities_in_its_own_answer(tiny_model_dir):
    engine = runner.build_engine(str(tiny_model_dir), TASK, "pairs")
    engine.spec = engine.spec.model_copy(update={"entity_tasks": {}})
    engine.prepare_decoding()
    (own,) = engine.find_entities([{"id": "x", "text": TEXT}], None)
    assert own.record["relations"] == [] and json.loads(own.raw)["relations"] == []


def test_pair_rows_join_the_training_data_only_when_asked_with_the_inference_prompt(
    tiny_model_dir, medui_home
):
    from transformers import AutoTokenizer

    from medui.backend.data import gold
    from medui.backend.finetune.dataset import IGNORE, sft_dataset
    from medui.tasks.pairs import pair_examples, pair_prompt

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    plain = sft_dataset([TASK], "gold", tokenizer, 1024, dev_fraction=0.1)
    both = sft_dataset([TASK], "gold", tokenizer, 1024, dev_fraction=0.1, pairs=True)
    assert not any(r.source.endswith(":pairs") for r in plain.rows)
    pair_rows = [r for r in both.rows if r.source == f"{TASK}:pairs"]
    assert pair_rows and both.snapshot != plain.snapshot
    assert both.stats["tasks"][TASK]["pair_rows"] == len(pair_rows)
    spec = get_spec(TASK)
    prefix = pair_prompt(spec, "", pair_examples(spec, gold.fewshot_pool(spec)))[: -len("Risposta:")]
    answers = set()
    for row in pair_rows:
        answer = [t for t, y in zip(row.input_ids, row.labels, strict=True) if y != IGNORE]
        answers.add(tokenizer.decode(answer).strip())
        assert tokenizer.decode(row.input_ids[: len(row.input_ids) - len(answer)]).startswith(
            tokenizer.decode(tokenizer(prefix.rsplit("Testo:", 1)[0])["input_ids"])
        )  # the instruction and demonstrations inference shows
    assert answers == {'"PERTAINS"', '"NESSUNA"'}
