"""The items of a form as its editor shows them: Italian names and units, allowed values, evidence in the note."""

from __future__ import annotations

import pytest
import yaml

from medui.errors import InputError
from medui.tasks.form_items import choice_of, form_evidence, item_choices, item_label, item_title
from medui.tasks.kinds.crf import form_editor_rows, parse_form
from medui.tasks.prompts import render_prompt
from medui.tasks.registry import SPECS_DIR, all_specs, get_spec
from medui.tasks.spec import FormField, TaskSpec

NOTE = (
    "Uomo di 76 anni, diabete e ipertensione arteriosa in terapia con metformina. Giunge per dispnea. "
    "PA 180/95, FC 76 bpm, SpO2 88% in aria ambiente, TC 37,5 °C. Avviata terapia con furosemide e metformina."
)


def fields_of(spec: TaskSpec, **given) -> dict:
    return {item.name: given.get(item.name) for item in spec.fields}


def test_every_form_item_of_the_catalogue_has_an_italian_name_of_its_own():
    for spec in all_specs().values():
        titles = [item_title(item) for item in spec.fields]
        assert len(set(titles)) == len(titles), spec.id
        assert all(item.title for item in spec.fields), spec.id
    dyspnea = {item.name: item for item in get_spec("ed_dyspnea_crf").fields}
    assert item_label(dyspnea["pressione_sistolica"]) == "pressione sistolica (mmHg)"
    assert item_label(dyspnea["eta"]) == "età (anni)"
    assert item_label(dyspnea["tosse"]) == "tosse"
    assert item_title(FormField(name="storia_bpco", type="presence", description="x")) == "storia bpco"


def test_a_unit_is_only_for_numbers():
    with pytest.raises(ValueError, match="unit"):
        FormField(name="sesso", type="enum", values=("maschio",), description="x", unit="kg")


def test_the_name_and_unit_leave_the_prompt_as_it_was():
    """The shipped adapters were trained on the prompt: title and unit never reach it."""
    spec = get_spec("ed_dyspnea_crf")
    raw = yaml.safe_load((SPECS_DIR / "ed_dyspnea_crf.yaml").read_text(encoding="utf-8"))
    for item in raw["fields"]:
        item.pop("title"), item.pop("unit", None)
    assert render_prompt(TaskSpec(**raw), NOTE, []) == render_prompt(spec, NOTE, [])


def test_items_with_allowed_values_are_chosen_from_them_the_others_typed():
    items = {item.name: item for item in get_spec("ed_dyspnea_crf").fields}
    assert item_choices(items["febbre"]) == [
        ("presente", "presente"),
        ("assente", "assente"),
        ("non menzionato", "non_menzionato"),
    ]
    assert item_choices(items["insorgenza"]) == [
        ("(non indicato)", ""),
        ("acuta", "acuta"),
        ("subacuta", "subacuta"),
        ("cronica", "cronica"),
    ]
    assert item_choices(items["eta"]) is None
    assert (
        choice_of(items["insorgenza"], None) == "" and choice_of(items["insorgenza"], "cronica") == "cronica"
    )
    assert choice_of(items["febbre"], None) == "non_menzionato"


def test_a_form_comes_back_from_its_editor_as_it_was():
    spec = get_spec("clinical_case_crf")
    fields = fields_of(spec, eta=76, sesso="maschio", febbre="assente", fumo="non_menzionato",
                       comorbidita=["diabete", "ipertensione arteriosa"])  # fmt: skip
    rows = dict(form_editor_rows(spec, fields))
    assert (
        rows["sesso"] == "maschio"
        and rows["esito"] == ""
        and rows["comorbidita"] == "diabete | ipertensione arteriosa"
    )
    back = parse_form(spec, form_editor_rows(spec, fields))
    assert back == {**fields, "intervento_chirurgico": "non_menzionato"}  # a presence item is never null


def test_a_value_of_the_wrong_type_is_refused_naming_the_item_in_italian():
    spec = get_spec("ed_dyspnea_crf")
    rows = [
        [name, "88 %" if name == "saturazione_o2" else value] for name, value in form_editor_rows(spec, {})
    ]
    with pytest.raises(InputError) as refused:
        parse_form(spec, rows)
    assert str(refused.value) == "voce «saturazione di ossigeno (SpO2)»: «88 %» non è un numero intero"
    with pytest.raises(InputError, match="senza voci"):  # no rows: never an empty form saved in its place
        parse_form(spec, [])


def test_the_evidence_of_each_filled_item_is_where_the_note_holds_its_value():
    spec = get_spec("ed_dyspnea_crf")
    fields = fields_of(spec, eta=76, frequenza_cardiaca=76, saturazione_o2=88, pressione_sistolica=180,
                       febbre="presente", insorgenza="acuta", frequenza_respiratoria=22)  # fmt: skip
    spans = form_evidence(spec, {"text": NOTE, "fields": fields})
    found = {e["item"]: (e["start"], e["text"], e["label"]) for e in spans}
    assert found["eta"] == (NOTE.index("76"), "76", "età")
    # the same number for two items: the second takes the next whole-word occurrence
    assert found["frequenza_cardiaca"] == (NOTE.index("FC 76") + 3, "76", "frequenza cardiaca")
    assert found["saturazione_o2"][:2] == (NOTE.index("88%"), "88")
    assert found["pressione_sistolica"][:2] == (NOTE.index("180"), "180")
    # a judgement (presence, enum) has no evidence, nor a value the note does not hold
    assert set(found) == {"eta", "frequenza_cardiaca", "saturazione_o2", "pressione_sistolica"}
    assert [e["start"] for e in spans] == sorted(e["start"] for e in spans)
    for e in spans:
        assert NOTE[e["start"] : e["end"]] == e["text"]


def test_a_number_inside_another_and_a_value_not_in_the_note_have_no_evidence():
    spec = get_spec("ed_syncope_crf")
    text = "Donna di 1880 grammi? No: SpO2 98%, PA 88/50, durata 2,5 minuti."
    fields = fields_of(spec, eta=18, pressione_sistolica=88, durata_minuti=2.5)
    found = {e["item"]: e["text"] for e in form_evidence(spec, {"text": text, "fields": fields})}
    assert found == {"pressione_sistolica": "88", "durata_minuti": "2,5"}  # no "18" inside 1880
    assert form_evidence(spec, {"text": "", "fields": fields}) == []


def test_a_copied_list_is_read_in_the_order_written_so_a_repeated_word_is_the_one_after_the_value_before():
    spec = get_spec("clinical_case_crf")
    fields = fields_of(spec, comorbidita=["diabete", "ipertensione arteriosa"], farmaci=["furosemide", "metformina"],
                       motivo_presentazione="Dispnea")  # fmt: skip
    spans = form_evidence(spec, {"text": NOTE, "fields": fields})
    by_item = {}
    for e in spans:
        by_item.setdefault(e["item"], []).append((e["start"], e["text"], e["label"]))
    assert [t for _, t, _ in by_item["comorbidita"]] == ["diabete", "ipertensione arteriosa"]
    assert by_item["farmaci"][0][:2] == (NOTE.index("furosemide"), "furosemide")
    assert by_item["farmaci"][1][:2] == (NOTE.rindex("metformina"), "metformina")  # not "in terapia con ..."
    assert by_item["motivo_presentazione"] == [(NOTE.index("dispnea"), "dispnea", "motivo di presentazione")]


def test_recorded_offsets_are_kept_while_the_note_holds_the_value_there():
    """issue 24: a crf prediction under cd keeps where each copied value was read (`evidence`)."""
    spec = get_spec("clinical_case_crf")
    note = "Diabete in terapia con metformina. Avviata terapia con furosemide, metformina sospesa."
    later = note.rindex("metformina")
    fields = fields_of(spec, farmaci=["metformina"], diagnosi_principale="Diabete")
    record = {"text": note, "fields": fields}
    recorded = [{"item": "farmaci", "start": later, "end": later + 10}]
    spans = {(e["item"], e["text"]): e["start"] for e in form_evidence(spec, record, recorded)}
    assert spans[("farmaci", "metformina")] == later
    assert spans[("diagnosi_principale", "Diabete")] == 0, "an item without a recorded offset is searched"
    searched = {(e["item"], e["text"]): e["start"] for e in form_evidence(spec, record)}
    assert searched[("farmaci", "metformina")] == note.index("metformina"), "the search finds the first"

    # a value corrected since is searched; offsets that are not a span of the note are left out
    edited = {"text": note, "fields": {**fields, "farmaci": ["terapia"]}}
    spans = {(e["item"], e["text"]): e["start"] for e in form_evidence(spec, edited, recorded)}
    assert spans[("farmaci", "terapia")] == note.index("terapia") and ("farmaci", "metformina") not in spans
    broken = [{"item": "farmaci", "start": True, "end": 11}, {"item": "farmaci", "start": 80, "end": 999},
              {"item": 3, "start": later, "end": later + 10}, "x", {"start": later}]  # fmt: skip
    assert form_evidence(spec, record, broken) == form_evidence(spec, record)
    assert form_evidence(spec, record, "not a list") == form_evidence(spec, record)


def test_a_recorded_offset_is_taken_before_another_item_is_searched():
    spec = get_spec("clinical_case_crf")
    note = "Febbre e tosse; poi tosse produttiva."
    fields = fields_of(spec, motivo_presentazione="tosse", comorbidita=["tosse"])
    recorded = [{"item": "comorbidita", "start": 9, "end": 14}]
    spans = {e["item"]: e["start"] for e in form_evidence(spec, {"text": note, "fields": fields}, recorded)}
    assert spans == {"comorbidita": 9, "motivo_presentazione": note.rindex("tosse")}
