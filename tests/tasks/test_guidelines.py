"""Label guidelines in the specs: every label of every task has one, each names a real label and its source, and
the prompt carries them only when asked (the default prompt: tests/tasks/test_default_prompts.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from medui.tasks.pairs import pair_prompt
from medui.tasks.prompts import GUIDELINES_HEADING, render_prompt
from medui.tasks.registry import all_specs, get_spec
from medui.tasks.spec import TaskSpec

SPECS = all_specs()


@pytest.mark.parametrize("task", sorted(SPECS))
def test_every_label_and_relation_has_a_guideline_with_one_example_and_a_source(task):
    spec = SPECS[task]
    if spec.family == "qa":  # no labels to define
        assert not spec.guidelines and spec.guidelines_source is None
        return
    assert set(spec.labels) | set(spec.relation_labels) <= set(spec.guidelines)
    if spec.family == "crf":
        assert spec.guidelines, "a form gives guidelines to the items where one helps"
    for name, text in spec.guidelines.items():
        assert text.count("Es.:") == 1, (name, text)
        assert len(text) <= 400, (name, len(text))  # short: one definition, one example
    assert spec.guidelines_source and len(spec.guidelines_source) > 20


def _spec(**update) -> dict:
    raw = get_spec("e3c_measurement_links").model_dump(by_alias=True)
    return {**raw, **update}


@pytest.mark.parametrize(
    ("update", "why"),
    [
        ({"guidelines": {"RML": "x. Es.: y", "EVENT": "x. Es.: y", "PERTAINS": "x", "TEST": "x"}}, "TEST"),
        ({"guidelines": {"RML": "x. Es.: y", "EVENT": "x. Es.: y"}}, "miss the labels PERTAINS"),
        ({"guidelines": {"RML": "x", "EVENT": "x", "PERTAINS": " "}}, "empty guidelines for PERTAINS"),
        ({"guidelines_source": None}, "need their guidelines_source"),
        ({"guidelines": {}, "guidelines_source": "E3C"}, "guidelines_source without guidelines"),
    ],
)
def test_the_spec_refuses_guidelines_of_unknown_or_missing_labels_and_without_a_source(update, why):
    with pytest.raises(ValidationError, match=why):
        TaskSpec.model_validate(_spec(**update))


def test_a_form_needs_guidelines_only_for_the_items_that_have_them():
    raw = get_spec("ed_dyspnea_crf").model_dump(by_alias=True)
    spec = TaskSpec.model_validate({**raw, "guidelines": {"febbre": "x. Es.: y"}})
    assert spec.guideline_items() == [("febbre", "x. Es.: y")]
    with pytest.raises(ValidationError, match="nausea"):
        TaskSpec.model_validate({**raw, "guidelines": {"nausea": "x. Es.: y"}})


@pytest.mark.parametrize("task", sorted(SPECS))
def test_the_prompt_carries_the_guidelines_only_when_asked(task):
    spec = SPECS[task]
    plain = render_prompt(spec, "Testo di prova.", [])
    guided = render_prompt(spec, "Testo di prova.", [], guidelines=True)
    assert GUIDELINES_HEADING not in plain
    if not spec.guidelines:
        assert guided == plain
        return
    block = guided.index(GUIDELINES_HEADING)
    assert block < guided.index("Rispondi con") < guided.index("Testo di prova.")
    for name, text in spec.guideline_items():
        assert f"- {name}: {text}\n" in guided
    assert guided.replace(guided[block : guided.index("Rispondi con")], "") == plain


def test_the_pair_question_carries_the_relation_guidelines_when_asked():
    spec = get_spec("e3c_temporal_links")
    shown = "Dopo il [A]ricovero[/A] è stata [B]dimessa[/B]."
    assert GUIDELINES_HEADING not in pair_prompt(spec, shown, [])
    guided = pair_prompt(spec, shown, [], guidelines=True)
    assert f"- CONTAINS: {spec.guidelines['CONTAINS']}\n" in guided
    assert guided.index("- NESSUNA:") < guided.index(GUIDELINES_HEADING) < guided.index("Rispondi con")
