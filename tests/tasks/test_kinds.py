"""Kinds: lenient parsing, alignment to offsets, dropped mentions, relation ids, forms, answers, windows."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from medui.backend.data import gold
from medui.tasks.align import Aligner, sentence_windows
from medui.tasks.kinds import EditorValues, Part, kind_for
from medui.tasks.kinds.base import close_truncated
from medui.tasks.kinds.crf import form_editor_rows
from medui.tasks.records import gold_part, merge_windows
from medui.tasks.registry import all_specs, get_spec

TEXT = "Febbre alta e tosse. Poi febbre di nuovo, senza dispnea."


def test_ner_output_is_aligned_and_repeats_take_the_next_occurrence():
    spec = get_spec("e3c_clinical_entities")
    raw = (
        ' {"entities": [{"text": "febbre", "label": "CLINENTITY"}, {"text": "febbre", "label": "CLINENTITY"},'
        ' {"text": "tosse", "label": "CLINENTITY"}, {"text": "nausea", "label": "CLINENTITY"}]}'
    )
    pred = kind_for(spec).prediction(spec, {"id": "r1", "text": TEXT}, raw)
    assert pred["valid"] is True
    spans = [(e["start"], e["end"], e["text"]) for e in pred["entities"]]
    assert spans == [(0, 6, "Febbre"), (14, 19, "tosse"), (25, 31, "febbre")]
    assert pred["dropped"] == [{"text": "nausea", "label": "CLINENTITY", "reason": "not found in the text"}]
    for ent in pred["entities"]:
        assert TEXT[ent["start"] : ent["end"]] == ent["text"]


def test_unreadable_output_is_an_invalid_record_not_a_crash():
    spec = get_spec("e3c_clinical_entities")
    kind = kind_for(spec)
    for raw, fragment in [
        ("nessuna entità", "no JSON object"),
        ('{"entities": [{"text": ', "incomplete"),
        ('{"entities": [{"text": "tosse", "label": "XYZ"}]}', "schema"),
    ]:
        pred = kind.prediction(spec, {"id": "r", "text": TEXT}, raw)
        assert pred["valid"] is False and fragment in pred["error"]
        assert pred["entities"] == []


def test_lenient_parse_reads_json_inside_chatter():
    spec = get_spec("e3c_clinical_entities")
    raw = 'Ecco: {"entities": [{"text": "tosse", "label": "CLINENTITY"}]} fine'
    pred = kind_for(spec).prediction(spec, {"id": "r", "text": TEXT}, raw)
    assert pred["valid"] and pred["entities"][0]["start"] == 14


def test_alignment_ignores_case_and_whitespace_runs_when_exact_fails():
    aligner = Aligner("Dolore  toracico\nIrradiato")
    span = aligner.align("dolore toracico irradiato", "X")
    assert (span.start, span.end) == (0, 26)


def test_a_mention_written_twice_gets_its_word_again_never_letters_inside_another_word():
    text = "Ricovero per EPA. PA 150/90; la paziente, poi della paziente; febbre e febbre."
    aligner = Aligner(text)
    spans = [aligner.align(m, "X") for m in ("PA", "PA", "la paziente", "la paziente", "febbre", "febbre")]
    found = [(text[s.start : s.end], s.start) for s in spans]
    assert found == [("PA", 18), ("PA", 18), ("la paziente", 29), ("la paziente", 29),
                     ("febbre", 62), ("febbre", 71)]  # fmt: skip
    assert Aligner("iperteso").align("es", "X") is not None  # no whole word: the cut occurrence, still found


def test_relation_output_maps_model_ids_to_aligned_entities():
    spec = get_spec("e3c_measurement_links")
    text = "La temperatura era 38 gradi; emocromo normale."
    raw = (
        '{"entities": [{"id": "T1", "text": "38 gradi", "label": "RML"}, {"id": "T2", "text": "temperatura",'
        ' "label": "EVENT"}, {"id": "T3", "text": "glicemia", "label": "EVENT"}], "relations": [{"head": "T1",'
        ' "tail": "T2", "label": "PERTAINS"}, {"head": "T1", "tail": "T3", "label": "PERTAINS"}]}'
    )
    pred = kind_for(spec).prediction(spec, {"id": "r", "text": text}, raw)
    assert [(e["id"], e["text"]) for e in pred["entities"]] == [("T1", "temperatura"), ("T2", "38 gradi")]
    assert pred["relations"] == [{"head": "T2", "tail": "T1", "label": "PERTAINS"}]
    reasons = sorted(d["reason"] for d in pred["dropped"])
    assert reasons == ["not found in the text", "points at an entity that is not in the text"]
    assert kind_for(spec).validate_record(spec, gold_part(pred)) == []  # a prediction, its own keys aside


def test_relation_target_renumbers_gold_ids_in_text_order():
    spec = get_spec("e3c_measurement_links")
    gold = {
        "id": "g",
        "text": "febbre 39",
        "entities": [
            {"id": "T7", "start": 7, "end": 9, "label": "RML", "text": "39"},
            {"id": "T3", "start": 0, "end": 6, "label": "EVENT", "text": "febbre"},
        ],
        "relations": [{"head": "T7", "tail": "T3", "label": "PERTAINS"}],
    }
    target = kind_for(spec).target(spec, gold)
    assert target["entities"][0] == {"id": "T1", "text": "febbre", "label": "EVENT"}
    assert target["relations"] == [{"head": "T2", "tail": "T1", "label": "PERTAINS"}]


def test_form_validation_names_bad_values():
    spec = get_spec("ed_dyspnea_crf")
    kind = kind_for(spec)
    record = kind.empty_record(spec, {"id": "x", "text": "nota"})
    assert kind.validate_record(spec, record) == []
    record["fields"]["febbre"] = "forse"
    record["fields"]["colore"] = "blu"
    problems = kind.validate_record(spec, record)
    assert problems[0] == "unknown form item 'colore'" and any("febbre" in p for p in problems)


def test_a_form_list_holds_each_value_once():
    spec = get_spec("clinical_case_crf")
    kind = kind_for(spec)
    fields = {
        **kind.empty_record(spec, {"id": "x", "text": "nota"})["fields"],
        "esami_strumentali": ["EGA", "ECG", "EGA"],
    }
    predicted = kind.prediction(spec, {"id": "x", "text": "EGA, ECG"}, json.dumps(fields))
    assert predicted["valid"] and predicted["fields"]["esami_strumentali"] == ["EGA", "ECG"]


def test_choice_answers_are_limited_to_the_options():
    spec = get_spec("medmcqa_it")
    kind = kind_for(spec)
    rec = {"id": "q", "question": "?", "options": {"A": "a", "B": "b", "C": "c", "D": "d"}}
    assert kind.prediction(spec, rec, ' {"answer": "C"}')["answer"] == "C"
    assert kind.prediction(spec, rec, ' {"answer": "E"}')["valid"] is False


def test_sentence_windows_cover_the_text_and_respect_the_budget():
    text = " ".join(f"Frase numero {i} del testo clinico." for i in range(40))
    windows = sentence_windows(text, 200)
    assert windows[0][0] == 0 and windows[-1][1] == len(text)
    assert all(b[0] == a[1] for a, b in zip(windows, windows[1:], strict=False))
    assert all(e - s <= 200 for s, e in windows)


def test_window_predictions_merge_with_offsets_shifted():
    text = "Febbre alta. Tosse secca."
    parts = [{"id": "r@0", "text": text[:13], "_offset": 0}, {"id": "r@13", "text": text[13:], "_offset": 13}]
    preds = [
        {"entities": [{"start": 0, "end": 6, "label": "CLINENTITY", "text": "Febbre"}], "valid": True},
        {"entities": [{"start": 0, "end": 5, "label": "CLINENTITY", "text": "Tosse"}], "valid": True},
    ]
    merged = merge_windows({"id": "r", "text": text}, parts, preds)
    assert [(e["start"], e["end"]) for e in merged["entities"]] == [(0, 6), (13, 18)]
    assert merged["valid"] is True


@pytest.mark.parametrize(
    ("raw", "closed"),
    [
        (' {"entities":[{"text":"a","label":"X"},{"text":"b', ' {"entities":[{"text":"a","label":"X"}]}'),
        (' {"entities":[{"text":"pa', None),  # nothing complete: stays unreadable
        ('{"entities":[{"text":"a\\"}[","label":"X"},{"te', '{"entities":[{"text":"a\\"}[","label":"X"}]}'),
        (
            '{"entities":[{"id":"T1"}],"relations":[{"head":"T1","ta',
            '{"entities":[{"id":"T1"}],"relations":[]}',
        ),
        ('{"entities":[]}', None),  # complete: nothing to close
        ('{"answer":"cut', None),  # no list: nothing complete to keep
        ("no json", None),
    ],
)
def test_close_truncated_keeps_the_complete_items(raw, closed):
    assert close_truncated(raw) == closed


def test_a_truncated_output_is_a_valid_prediction_marked_truncated():
    spec = get_spec("e3c_clinical_entities")
    kind = kind_for(spec)
    record = {"id": "r1", "text": "febbre e tosse", "entities": []}
    pred = kind.prediction(spec, record, ' {"entities":[{"text":"febbre","label":"CLINENTITY"},{"text":"tos')
    assert pred["valid"] is True and pred["truncated"] is True
    assert [e["text"] for e in pred["entities"]] == ["febbre"]
    complete = kind.prediction(spec, record, ' {"entities":[{"text":"febbre","label":"CLINENTITY"}]}')
    assert "truncated" not in complete


def test_a_mention_list_that_reaches_max_items_is_marked_truncated():
    """Under cd the list ends at max_items: mentions later in the text were never written (the page says so)."""
    spec = get_spec("e3c_clinical_entities")
    kind = kind_for(spec)
    text = " ".join(f"sintomo{i}" for i in range(spec.max_items + 5))
    full = [{"text": f"sintomo{i}", "label": "CLINENTITY"} for i in range(spec.max_items)]
    raw = json.dumps({"entities": full})
    assert kind.prediction(spec, {"id": "r", "text": text}, raw)["truncated"] is True
    fewer = json.dumps({"entities": full[:-1]})
    assert "truncated" not in kind.prediction(spec, {"id": "r", "text": text}, fewer)


@pytest.mark.parametrize("task_id", sorted(all_specs()))
def test_a_gold_record_put_in_its_editors_comes_back_the_same(task_id):
    """What Correggi does with a record: the kind's editors filled from it, the record rebuilt from them."""
    spec = get_spec(task_id)
    kind = kind_for(spec)
    assert set(kind.views(spec)) | set(kind.editors(spec)) <= set(get_args(Part))
    for record in gold.load_split(spec, spec.eval_split)[:10]:
        shown = kind.editors(spec)
        values = EditorValues(
            entities=kind.editor_entities(spec, record),
            form_rows=form_editor_rows(spec, record.get("fields", {})) if "form" in shown else [],
            choice=record.get("answer") if "choice" in shown else None,
            answer=(record.get("answer") or "") if "answer" in shown else "",
            relation_rows=[[r["head"], r["label"], r["tail"]] for r in record.get("relations", [])],
        )
        rebuilt = kind.record_from_editors(spec, record["id"], values)
        expected = {k: record[k] for k in rebuilt}
        if "fields" in expected:  # an empty list is an empty cell, which reads back as not mentioned
            expected["fields"] = {k: None if v == [] else v for k, v in expected["fields"].items()}
        assert rebuilt == expected, record["id"]
        inputs = {k: v for k, v in record.items() if k not in rebuilt}
        assert kind.validate_record(spec, {**inputs, **rebuilt}) == []


def test_a_repeated_word_is_aligned_where_the_model_was_reading():
    """The clinician's note: "terapia" written after "metformina" is the one of "avviata terapia con furosemide"."""
    spec = get_spec("e3c_clinical_entities")
    text = "Paziente in terapia con metformina. Per la dispnea è stata avviata terapia con furosemide."
    raw = json.dumps(
        {"entities": [{"text": t, "label": "CLINENTITY"} for t in ("metformina", "dispnea", "terapia")]}
    )
    entities = kind_for(spec).prediction(spec, {"id": "r", "text": text}, raw)["entities"]
    terapia = next(e for e in entities if e["text"] == "terapia")
    assert terapia["start"] == text.index("terapia", text.index("avviata"))
    earlier = json.dumps(
        {"entities": [{"text": "terapia", "label": "CLINENTITY"}]}
    )  # read first: the first one
    assert kind_for(spec).prediction(spec, {"id": "r", "text": text}, earlier)["entities"][0]["start"] == 12


def test_the_limits_reached_name_what_cut_an_answer():
    """A mention at the copy limit (under cd only), a form's list at its maxItems, the token limit."""
    spec = get_spec("e3c_clinical_entities")
    kind = kind_for(spec)
    long = " ".join(["dolore"] * 60)  # a copied value is closed at its first word boundary past max_chars
    raw = json.dumps({"entities": [{"text": long, "label": "CLINENTITY"}]})
    chars = {"limit": "chars", "bound": spec.max_mention_chars, "part": "entities"}
    assert kind.prediction(spec, {"id": "r", "text": long}, raw, copied=True)["limits"] == [chars]
    assert "limits" not in kind.prediction(spec, {"id": "r", "text": long}, raw)  # no copy constraint, no cut
    cut = kind.prediction(
        spec,
        {"id": "r", "text": "febbre e tosse"},
        ' {"entities":[{"text":"febbre","label":"CLINENTITY"},{"te',
    )
    assert cut["limits"] == [{"limit": "tokens", "bound": spec.max_new_tokens, "part": "output"}]
    form = get_spec("clinical_case_crf")
    item = next(i for i in form.fields if i.type == "list")
    fields = kind_for(form).target(form, {"fields": {item.name: [f"v{i}" for i in range(item.max_items)]}})
    pred = kind_for(form).prediction(form, {"id": "f", "text": "x"}, json.dumps(fields))
    assert pred["truncated"] is True
    assert pred["limits"] == [{"limit": "items", "bound": item.max_items, "part": item.name}]


def test_windows_that_meet_on_a_mention_keep_it_once_and_their_relations_point_at_it():
    text = "Emoglobina 9 g/dl. Emoglobina stabile."
    ent = {"start": 11, "end": 17, "label": "RML", "text": "9 g/dl"}
    parts = [{"id": "r@0", "text": text[:19], "_offset": 0}, {"id": "r@0b", "text": text[:19], "_offset": 0}]
    preds = [
        {"entities": [{**ent, "id": "T1"}, {"id": "T2", "start": 0, "end": 10, "label": "EVENT",
                                             "text": "Emoglobina"}],
         "relations": [{"head": "T1", "tail": "T2", "label": "PERTAINS"}], "valid": True},
        {"entities": [{**ent, "id": "T1"}], "relations": [],
         "limits": [{"limit": "items", "bound": 30, "part": "entities", "window": 2, "windows": 2}],
         "truncated": True, "valid": True},
    ]  # fmt: skip
    merged = merge_windows({"id": "r", "text": text}, parts, preds)
    assert [(e["id"], e["start"]) for e in merged["entities"]] == [("T1", 0), ("T2", 11)]
    assert merged["relations"] == [{"head": "T2", "tail": "T1", "label": "PERTAINS"}]
    assert merged["truncated"] is True and merged["limits"][0]["window"] == 2
