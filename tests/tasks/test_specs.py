"""Every task spec, in one parametrised test: it loads, its prompt renders, its schema compiles, its gold fits."""

from __future__ import annotations

import json
from collections import Counter
from typing import get_args

import pytest
from outlines_core.json_schema import build_regex_from_schema

from medui.backend.data import gold
from medui.tasks.kinds import kind_for
from medui.tasks.prompts import render_prompt
from medui.tasks.registry import ONE_TASK_PER_FAMILY, SPECS_DIR, all_specs, get_spec, pick_examples
from medui.tasks.spec import Family, load_spec

# discovered, not listed: a new task file is tested without editing this one
SPEC_FILES = sorted(SPECS_DIR.glob("*.yaml"))
# the catalogue's floor: tasks may be added without editing this file, but none may go missing unnoticed
AT_LEAST = {"ner": 7, "re": 2, "crf": 3, "qa": 4, "am": 4}


def test_the_catalogue_holds_every_spec_file_and_at_least_the_twenty_tasks():
    specs = all_specs()
    assert list(specs) == [path.stem for path in SPEC_FILES]
    assert len(specs) >= 20
    families = Counter(spec.family for spec in specs.values())
    assert all(families[family] >= n for family, n in AT_LEAST.items()), families
    assert set(families) == set(get_args(Family)) == {get_spec(t).family for t in ONE_TASK_PER_FAMILY}


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda path: path.stem)
def test_spec(path):
    spec = load_spec(path)
    assert spec.id == path.stem and all_specs()[spec.id] == spec
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


def test_a_numeric_form_item_states_its_bounds_and_relations_their_direction():
    """issue 22, finding 7: bounds and directions belong in the spec (and so in the schema and under cd)."""
    from pydantic import ValidationError

    from medui.tasks.spec import FormField, TaskSpec

    for bad, why in (
        ({"type": "integer"}, "needs its minimum and maximum"),
        ({"type": "number", "minimum": 0}, "needs its minimum and maximum"),
        ({"type": "integer", "minimum": 10, "maximum": 5}, "minimum 10 is over maximum 5"),
        ({"type": "string", "minimum": 0, "maximum": 5}, "only integer and number fields"),
        ({"type": "number", "minimum": 35.5, "maximum": 42}, "valid integer"),
    ):
        with pytest.raises(ValidationError, match=why):
            FormField(name="x", description="x", **bad)
    assert FormField(name="x", type="integer", description="x", minimum=-5, maximum=5).maximum == 5
    spec = get_spec("e3c_measurement_links").model_dump()
    with pytest.raises(ValidationError, match="must be labels of the task, not RESULT"):
        TaskSpec.model_validate({**spec, "relation_heads": ["RESULT"]})
    assert spec["relation_heads"] == ("RML",) and spec["relation_tails"] == ("EVENT",)
