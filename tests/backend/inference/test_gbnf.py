"""The GBNF writer: for every task, the grammar of its JSON schema accepts the gold answers of its records and
refuses what the schema refuses (read with an independent recogniser, tests/backend/inference/gbnf_match.py)."""

from __future__ import annotations

import json

import pytest

from medui.backend.data import gold
from medui.backend.inference import gbnf
from medui.tasks.kinds import kind_for
from medui.tasks.registry import all_specs, get_spec
from tests.backend.inference.gbnf_match import accepts


def grammar_of(task: str) -> str:
    spec = get_spec(task)
    return gbnf.from_json_schema(kind_for(spec).output_model(spec).model_json_schema())


@pytest.mark.parametrize("task", sorted(all_specs()))
def test_the_grammar_of_each_task_accepts_its_gold_answers(task):
    spec = get_spec(task)
    grammar = grammar_of(task)
    records = gold.load_split(spec, spec.eval_split)[:3]
    assert records
    for record in records:
        answer = kind_for(spec).render_target(spec, record)
        assert accepts(grammar, answer), answer[:200]
        spaced = json.dumps(json.loads(answer), ensure_ascii=False, separators=(", ", ": "))
        assert accepts(grammar, spaced)


def test_the_span_grammar_refuses_what_the_schema_refuses():
    grammar = grammar_of("e3c_clinical_entities")
    assert accepts(grammar, '{"entities":[]}')
    assert accepts(grammar, '{"entities":[{"text":"febbre","label":"CLINENTITY"}]}')
    assert accepts(grammar, '{"entities": [{"text": "all\'ECG \\"x\\"", "label": "CLINENTITY"}]}')
    for bad in (
        '{"entities":[{"text":"","label":"CLINENTITY"}]}',  # minLength 1
        '{"entities":[{"text":"febbre","label":"DRUG"}]}',  # const label
        '{"entities":[{"label":"CLINENTITY","text":"febbre"}]}',  # order of the schema
        '{"entities":[]} dopo',
        '{"entities":[],"altro":1}',
        '{"entities":[{"text":"a\nb","label":"CLINENTITY"}]}',  # raw control character
        '{"entities":[]',
        '{\n\n"entities":[]}',  # at most one space
    ):
        assert not accepts(grammar, bad), bad


def test_relation_ids_follow_their_pattern_and_forms_their_bounds():
    grammar = grammar_of("e3c_temporal_links")
    good = '{"entities":[{"id":"T1","text":"ieri","label":"TIMEX3"}],"relations":[{"head":"T1","tail":"T12","label":"BEFORE"}]}'
    assert accepts(grammar, good)
    for bad_id in ("T0", "T1234", "t1", "T", "X1"):
        assert not accepts(grammar, good.replace('"T12"', f'"{bad_id}"')), bad_id
    crf = get_spec("clinical_case_crf")
    schema = kind_for(crf).output_model(crf).model_json_schema()
    grammar = gbnf.from_json_schema(schema)
    record = kind_for(crf).render_target(crf, gold.load_split(crf, crf.eval_split)[0])
    answer = json.loads(record)
    listed = next(
        k for k, v in schema["properties"].items() if "anyOf" in v and v["anyOf"][0].get("maxItems")
    )
    bound = schema["properties"][listed]["anyOf"][0]["maxItems"]
    answer[listed] = ["x"] * bound
    assert accepts(grammar, json.dumps(answer, ensure_ascii=False))
    answer[listed] = ["x"] * (bound + 1)
    assert not accepts(grammar, json.dumps(answer, ensure_ascii=False))
    answer[listed] = None
    assert accepts(grammar, json.dumps(answer, ensure_ascii=False))


def test_integers_numbers_and_choices():
    schema = {
        "type": "object", "additionalProperties": False, "required": ["n", "x", "c", "b"],
        "properties": {"n": {"type": "integer"}, "x": {"type": "number"}, "c": {"enum": ["A", "B"]},
                       "b": {"anyOf": [{"type": "boolean"}, {"type": "null"}]}},
    }  # fmt: skip
    grammar = gbnf.from_json_schema(schema)
    assert accepts(grammar, '{"n":-12,"x":3.25,"c":"B","b":null}')
    assert accepts(grammar, '{"n":0,"x":7,"c":"A","b":true}')
    for bad in ('{"n":012,"x":1,"c":"A","b":true}', '{"n":1.5,"x":1,"c":"A","b":true}',
                '{"n":1,"x":1.,"c":"A","b":true}', '{"n":1,"x":1,"c":"C","b":true}',
                '{"n":' + "1" * 17 + ',"x":1,"c":"A","b":true}'):  # fmt: skip
        assert not accepts(grammar, bad), bad


def test_form_items_keep_within_their_bounds_as_the_regex_does():
    """issue 22, finding 7: the grammar (a server's cd) allows exactly the numbers the regex (in-process cd) does."""
    import re

    from medui.backend.inference.constraint import schema_regex

    spec = get_spec("ed_syncope_crf")
    schema = kind_for(spec).output_model(spec).model_json_schema()
    grammar, regex = gbnf.from_json_schema(schema), re.compile(schema_regex(schema))
    answer = json.loads(kind_for(spec).render_target(spec, gold.load_split(spec, "train")[0]))
    for item, values in {
        "eta": ("0", "9", "10", "54", "99", "100", "130", "131", "-5", "1e30", "1000", "05", "54.0", "null"),
        "durata_minuti": ("0", "0.5", "1439.99", "1440", "1440.0", "1440.5", "1441", "-1", "1e3", "01"),
    }.items():
        for value in values:
            text = json.dumps({**answer, item: "@"}, separators=(",", ":")).replace('"@"', value)
            within = value == "null" or (
                value.lstrip("-").replace(".", "", 1).isdigit() and not re.match(r"-?0\d", value)
                and (item != "eta" or "." not in value)
                and 0 <= float(value) <= (130 if item == "eta" else 1440)
            )  # fmt: skip
            assert accepts(grammar, text) == within == (regex.fullmatch(" " + text) is not None), (
                item,
                value,
            )


def test_bounds_a_grammar_cannot_spell_are_refused():
    with pytest.raises(gbnf.SchemaError, match="whole numbers"):
        gbnf.from_json_schema({"type": "number", "minimum": 35.5, "maximum": 42})


@pytest.mark.parametrize(
    "schema, why",
    [
        (
            {"type": "object", "additionalProperties": False, "properties": {"a": {}}, "required": []},
            "required",
        ),
        ({"type": "object", "properties": {}, "required": []}, "closed"),
        ({"type": "string", "format": "date"}, "keywords"),
        ({"type": "string", "pattern": "a|b"}, "anchored"),
        ({"$ref": "https://example.org/s.json"}, "\\$defs"),
        ({"type": "tuple"}, "type"),
    ],
)
def test_what_the_writer_cannot_express_is_refused(schema, why):
    with pytest.raises(gbnf.SchemaError, match=why):
        gbnf.from_json_schema(schema)
