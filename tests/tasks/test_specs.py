"""Every task spec, in one parametrised test: it loads, its prompt renders, its schema compiles, its gold fits."""

from __future__ import annotations

import json

import pytest
from outlines_core.json_schema import build_regex_from_schema

from medui.backend import gold
from medui.tasks.kinds import kind_for
from medui.tasks.prompts import render_prompt
from medui.tasks.registry import all_specs, pick_examples

TASK_IDS = [
    "e3c_clinical_entities",
    "e3c_events",
    "e3c_time_expressions",
    "e3c_body_parts",
    "e3c_actors",
    "e3c_measurements",
    "drug_leaflet_entities",
    "e3c_measurement_links",
    "e3c_temporal_links",
    "clinical_case_crf",
    "ed_dyspnea_crf",
    "ed_syncope_crf",
    "medqa_it",
    "medmcqa_it",
    "specialty_exam_mcqa",
    "drug_leaflet_qa",
    "casimedicos_arg_components",
    "abstrct_neoplasm_components",
    "abstrct_glaucoma_components",
    "abstrct_mixed_components",
]
FAMILIES = {"ner": 7, "re": 2, "crf": 3, "qa": 4, "am": 4}


def test_the_twenty_tasks_of_the_catalogue():
    specs = all_specs()
    assert sorted(specs) == sorted(TASK_IDS)
    families = {f: sum(1 for s in specs.values() if s.family == f) for f in FAMILIES}
    assert families == FAMILIES


@pytest.mark.parametrize("task_id", TASK_IDS)
def test_spec(task_id):
    spec = all_specs()[task_id]
    kind = kind_for(spec)
    schema = kind.output_model(spec).model_json_schema()
    assert build_regex_from_schema(json.dumps(schema), r"[ ]?")

    counts = gold.split_counts(spec)
    assert counts.get(spec.eval_split, 0) >= 25, counts
    pool = gold.fewshot_pool(spec)
    assert len(pool) >= 15

    examples = [
        {"input": kind.render_input(spec, r), "answer": kind.render_target(spec, r)}
        for r in pick_examples(pool, 2, seed=0)
    ]
    record = gold.load_split(spec, spec.eval_split)[0]
    prompt = render_prompt(spec, kind.render_input(spec, record), examples)
    assert prompt.endswith("Risposta:")
    assert spec.instruction.split()[0] in prompt
    for ex in examples:
        assert ex["answer"] in prompt

    model = kind.output_model(spec)
    for split in counts:
        for rec in gold.load_split(spec, split):
            assert kind.validate_record(spec, rec) == [], (split, rec.get("id"))
            model.model_validate(kind.target(spec, rec))


def test_card_of_every_task_says_origin_licence_and_sizes():
    for spec in all_specs().values():
        card = gold.card(spec)
        assert card.get("origin") in ("real", "sample"), spec.id
        assert card.get("licence"), spec.id
        assert card.get("splits") == gold.split_counts(spec), spec.id
