"""The decoding loop's parts on a tiny random model: jump-forward follows the tokenizer, the copy constraint
ends a list when a mention repeats, and a truncated constrained output still yields its complete items."""

from __future__ import annotations

import pytest

from medui.backend.data.gold import load_split
from medui.backend.inference import decoding, models
from medui.backend.inference.constraint import compile_constraint
from medui.backend.inference.copying import SourceCopy, copy_tables, list_continuers, track_copy
from medui.backend.inference.engine import Engine, parse_strategy
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.base import CopyKeys
from medui.tasks.registry import get_spec
from tests.backend.inference.jumpforward import forced_departures
from tests.backend.inference.listing import favour_lists
from tests.backend.inference.test_copying import copied_crf


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return models.load(str(tiny_model_dir), dtype="float32")


@pytest.mark.parametrize("task_id", ["e3c_clinical_entities", "e3c_measurement_links", "ed_dyspnea_crf"])
def test_jump_forward_writes_forced_text_as_the_tokenizer_does(tiny, task_id):
    spec = get_spec(task_id)
    kind = kind_for(spec)
    constraint = compile_constraint(tiny, kind.output_model(spec).model_json_schema())
    for record in load_split(spec, "train")[:5]:
        answer = " " + kind.render_target(spec, record)
        assert forced_departures(tiny, constraint, answer) == []


def test_jump_forward_still_skips_decoding_steps(tiny):
    spec = get_spec("e3c_clinical_entities")
    constraint = compile_constraint(tiny, kind_for(spec).output_model(spec).model_json_schema())
    record = next(r for r in load_split(spec, "train") if len(r["entities"]) >= 2)
    answer = " " + kind_for(spec).render_target(spec, record)
    n_tokens = len(tiny.tokenizer.encode(answer, add_special_tokens=False))
    engine = Engine(tiny, spec, parse_strategy("cd", spec))
    gen = decoding.generate(tiny, [engine.prompt_for(record)], constraint, 64)[0]
    assert gen.steps < len(gen.token_ids), "every token took a decoding step: nothing was forced"
    assert n_tokens > 0


def test_a_mention_repeated_beyond_its_occurrences_ends_the_list():
    copy = SourceCopy("febbre e tosse; febbre alta", {}, [])
    assert copy.close("febbre") is False
    assert copy.close("febbre") is False  # the text holds it twice
    assert copy.close("febbre") is True
    assert copy.close("tosse") is False


def test_list_continuers_are_the_tokens_that_open_another_item():
    tables = copy_tables({1: '"},{"', 2: '"}]}', 3: ",", 4: ",{", 5: "]}", 6: '"}'})
    assert list_continuers(tables, '{"entities":[{"text":"a","label":"X"') == {1}
    assert list_continuers(tables, '{"entities":[{"text":"a","label":"X"}') == {1, 3, 4}


def test_the_loop_closes_the_list_after_a_repeated_mention():
    keys = CopyKeys(strings=('"text":"',))
    row = decoding._Row(guide=None, copy=SourceCopy("febbre", {}, []), keys=keys)
    for piece in [' {"entities":[{"text":"', "feb", "bre", '","label":"X"},{"text":"', "febbre", '","']:
        track_copy(row, piece)
    assert row.ending, "the second 'febbre' is not in the text twice"
    track_copy(row, 'label":"X"}]')
    assert not row.ending, "the list is closed"


@pytest.mark.parametrize("task_id", ["e3c_clinical_entities", "clinical_case_crf"])
def test_under_cd_copied_values_are_whole_words_of_the_note(tiny, task_id):
    from medui.tasks.words import boundaries

    spec = get_spec(task_id) if task_id != "clinical_case_crf" else copied_crf()
    record = {"id": "nota", "text": "Paziente iperteso, all'ECG 2,3 ng/ml; dolore post-operatorio e dispnea."}
    bounds = boundaries(record["text"])
    engine = Engine(tiny, spec, parse_strategy("cd", spec))
    pred = engine.predict([record])[0].record
    assert pred["valid"], pred
    for ent in pred.get("entities", []):
        assert not bounds.cuts(ent["start"], ent["end"]), ent
    copied = [f.name for f in spec.fields if f.copied]
    for name in copied:
        value = pred["fields"][name]
        for item in value if isinstance(value, list) else [value] if value else []:
            starts = [s for s in range(len(record["text"])) if record["text"].startswith(item, s)]
            assert any(not bounds.cuts(s, s + len(item)) for s in starts), (name, item)


def test_integers_and_numbers_under_cd_have_a_bounded_number_of_digits():
    """An unbounded integer let Gemma write "eta":1000... until max_new_tokens (an invalid, cut answer)."""
    import json
    import re

    from medui.backend.inference.constraint import schema_regex
    from medui.backend.inference.gbnf import MAX_DIGITS
    from medui.tasks.registry import all_specs

    for task_id in all_specs():
        spec = get_spec(task_id)
        regex = schema_regex(kind_for(spec).output_model(spec).model_json_schema())
        assert "[0-9]*" not in regex and "[0-9]+" not in regex, task_id
    # an integer and a number without bounds (every form item has them: a schema of another origin)
    schema = {
        "type": "object", "additionalProperties": False, "required": ["n", "x"],
        "properties": {"n": {"anyOf": [{"type": "integer"}, {"type": "null"}]}, "x": {"type": "number"}},
    }  # fmt: skip
    pattern = re.compile(schema_regex(schema))

    def fits(item: str, written: str) -> bool:  # the answer with the item's value written as given
        text = json.dumps({"n": 1, "x": 1, item: "@"}, separators=(",", ":")).replace('"@"', written)
        return pattern.fullmatch(" " + text) is not None

    assert all(fits("n", v) for v in ("5", "0", "-12", "9" * MAX_DIGITS, "null"))
    assert all(fits("x", v) for v in ("5.2", "37.25", "-3", "0.5", "1" * MAX_DIGITS + "." + "1" * MAX_DIGITS))
    assert not fits("n", "1" + "0" * MAX_DIGITS) and not fits("x", "1" * (MAX_DIGITS + 1))
    assert not fits("x", "0." + "1" * (MAX_DIGITS + 1)) and not fits("n", "05")


def test_form_items_under_cd_stay_within_their_bounds():
    """issue 22, finding 7: an age of -5 or 1e30 fitted the schema, and so the constraint."""
    import json
    import re

    from medui.backend.inference.constraint import schema_regex

    spec = get_spec("ed_syncope_crf")  # integer items and a number item, each with its bounds in the spec
    kind = kind_for(spec)
    pattern = re.compile(schema_regex(kind.output_model(spec).model_json_schema()))
    answer = json.loads(kind.render_target(spec, load_split(spec, "train")[0]))

    def fits(item: str, written: str) -> bool:
        text = json.dumps({**answer, item: "@"}, separators=(",", ":")).replace('"@"', written)
        return pattern.fullmatch(" " + text) is not None

    assert all(fits("eta", v) for v in ("0", "7", "54", "99", "100", "129", "130", "null"))
    assert not any(fits("eta", v) for v in ("-5", "131", "200", "1000", "1e30", "05", "54.0"))
    assert all(
        fits("durata_minuti", v) for v in ("0", "0.5", "2", "2.25", "1439.99", "1440", "1440.0", "null")
    )
    assert not any(fits("durata_minuti", v) for v in ("-1", "1440.5", "1441", "1e3", "99999", "01"))
    assert fits("pressione_sistolica", "400") and not fits("pressione_sistolica", "401")


@pytest.mark.parametrize("task_id", ["e3c_clinical_entities", "e3c_measurement_links"])
@pytest.mark.parametrize("reserve", [0, decoding.CLOSING_RESERVE])
def test_a_model_that_never_stops_listing_still_closes_its_answer_in_the_token_budget(
    tiny, monkeypatch, task_id, reserve
):
    """A model that always prefers another list item (here: the tiny model with such tokens favoured and every
    list's closing disfavoured) writes until max_new_tokens: without the closing reserve its JSON is cut; with it
    the open mention ends at a word boundary, the lists close and the answer is valid, marked as reaching the
    token limit (so a note read whole is read again in windows)."""
    import json

    favour_lists(tiny, monkeypatch)
    monkeypatch.setattr(decoding, "CLOSING_RESERVE", reserve)
    spec = get_spec(task_id)
    engine = Engine(tiny, spec, parse_strategy("cd", spec))
    note = "Febbre e dispnea, poi tosse: PA 120/80, FC 90. " * 12  # enough mentions for any budget
    records = [{"id": "a", "text": note}, {"id": "b", "text": "Cefalea. " + note}]
    prompts = [engine.prompt_for(r) for r in records]
    gens = decoding.generate(tiny, prompts, engine.constraint, 80, sources=[r["text"] for r in records])
    if not reserve:
        assert all(g.stopped == "length" for g in gens), [g.text for g in gens]
        return
    for record, gen in zip(records, gens, strict=True):
        assert gen.stopped == "closed" and len(gen.token_ids) <= 80, gen
        answer = json.loads(gen.text)
        assert answer["entities"], "it wrote mentions until the reserve, then closed"
        limits = engine._part_prediction(0, 1, record, gen)["limits"]
        assert [x["limit"] for x in limits].count("tokens") == 1, (
            "its end may be missing: the note is re-read"
        )
