"""The form editor of Correggi and the form view of Confronta: the note beside the form, the evidence marked."""

from __future__ import annotations

import gradio as gr

from medui.pages import confronta, editing, form_editor
from medui.tasks.kinds.crf import parse_form
from medui.tasks.registry import get_spec

TEXT = "Uomo di 76 anni. PA 180/95, FC 110 bpm, SpO2 85%. Dispnea insorta da due ore."


def dyspnea_fields(**given) -> dict:
    spec = get_spec("ed_dyspnea_crf")
    return {
        item.name: given.get(item.name, "non_menzionato" if item.type == "presence" else None)
        for item in spec.fields
    }


def test_an_opened_form_fills_the_note_and_one_field_an_item_chosen_or_typed():
    spec = get_spec("ed_dyspnea_crf")
    with gr.Blocks():
        editor = form_editor.FormEditor()
    fields = dyspnea_fields(eta=76, insorgenza="acuta", febbre="assente", pressione_sistolica=180)
    values = form_editor.shown(spec, TEXT, fields)
    assert len(values) == len(editor.outputs())
    box, note, *slots = values
    assert box["visible"] is True
    assert note["text"] == TEXT
    assert {(e["entity"], TEXT[e["start"] : e["end"]]) for e in note["entities"]} == {
        ("età", "76"),
        ("pressione sistolica", "180"),
    }
    pairs = list(zip(slots[::2], slots[1::2], strict=True))
    by_label = {}
    for chosen, typed in pairs[: len(spec.fields)]:
        shown = chosen if chosen["visible"] else typed
        assert chosen["visible"] != typed["visible"]
        by_label[shown["label"]] = (shown is chosen, shown["value"], shown.get("choices"))
    assert by_label["insorgenza della dispnea"][:2] == (True, "acuta")
    assert by_label["febbre"] == (
        True,
        "assente",
        [("presente", "presente"), ("assente", "assente"), ("non menzionato", "non_menzionato")],
    )
    assert by_label["età (anni)"] == (False, "76", None)
    assert by_label["pressione sistolica (mmHg)"] == (False, "180", None)
    assert all(not c["visible"] and not t["visible"] for c, t in pairs[len(spec.fields) :])

    # what the page sends back when saving: each item's value from the field it is shown in
    sent = [s["value"] for s in slots]
    assert parse_form(spec, form_editor.form_rows(spec, sent)) == fields
    hidden = form_editor.hidden()
    assert len(hidden) == len(editor.outputs()) and hidden[0]["visible"] is False


def test_the_editors_outputs_and_their_values_stay_in_step_for_a_form_and_for_nothing_open():
    with gr.Blocks():
        editors = editing.Editors()
    item = {
        "task": "ed_dyspnea_crf",
        "prediction_id": 1,
        "record_id": "r",
        "confidence": 0.5,
        "history": [],
        "text": TEXT,
        "prediction": {"id": "r", "fields": dyspnea_fields(eta=76)},
    }
    outputs = editors.outputs()
    box, note = outputs.index(editors.form_editor.box), outputs.index(editors.form_editor.note)
    opened = editing.values_for(item)
    assert len(opened) == len(outputs) and len(editing.empty()) == len(outputs)
    assert opened[box]["visible"] is True and opened[note]["text"] == TEXT
    assert opened[outputs.index(editors.note)] == ""  # the correction's note, after the form's fields
    entities = {**item, "task": "e3c_clinical_entities", "prediction": {"id": "r", "entities": []}}
    assert editing.values_for(entities)[box]["visible"] is False


def test_confronta_shows_the_note_beside_each_version_with_its_items_evidence():
    gold = dyspnea_fields(eta=76, frequenza_cardiaca=110, pressione_sistolica=180)
    pred = dyspnea_fields(eta=76, frequenza_cardiaca=85, pressione_sistolica=180)
    record = {"text": TEXT, "gold": {"fields": gold}, "prediction": {"fields": pred}, "score": 0.9,
              "confidence": 0.8, "counts": {}}  # fmt: skip
    gold_html, pred_html, rows, _ = confronta.record_view("ed_dyspnea_crf", record)
    assert 'class="medui-tp"' in gold_html and "frequenza cardiaca" in gold_html
    assert 'title="disaccordo">110<span class="medui-tag">frequenza cardiaca</span>' in gold_html
    assert 'title="corretto">76<span class="medui-tag">età</span>' in pred_html
    # the predicted 85 is where the note has an 85 (the SpO2's): the reader sees what the model took
    assert 'title="disaccordo">85<span class="medui-tag">frequenza cardiaca</span>' in pred_html
    assert ["diverso", "frequenza cardiaca (bpm)", "110", "85"] in rows
    assert ["corretto", "età (anni)", "76", "76"] in rows


CASE = "Anamnesi di scompenso cardiaco. Giunge per dispnea: diagnosi di scompenso cardiaco acuto."
SECOND = CASE.rindex("scompenso cardiaco")


def case_fields(**given) -> dict:
    spec = get_spec("clinical_case_crf")
    return {item.name: given.get(item.name, "non_menzionato" if item.type == "presence" else None)
            for item in spec.fields}  # fmt: skip


def test_correggi_highlights_a_copied_value_where_the_model_read_it():
    """issue 24: the diagnosis the model copied after the dispnoea is the note's second "scompenso cardiaco";
    a search of the note would show the first, in the anamnesis."""
    spec = get_spec("clinical_case_crf")
    fields = case_fields(diagnosi_principale="scompenso cardiaco")
    evidence = [{"item": "diagnosi_principale", "start": SECOND, "end": SECOND + 18}]
    item = {"task": "clinical_case_crf", "prediction_id": 1, "record_id": "r", "confidence": 0.5,
            "history": [], "text": CASE,
            "prediction": {"id": "r", "text": CASE, "fields": fields, "evidence": evidence}}  # fmt: skip
    with gr.Blocks():
        editors = editing.Editors()
    outputs = editors.outputs()
    note = editing.values_for(item)[outputs.index(editors.form_editor.note)]
    assert [(e["entity"], e["start"]) for e in note["entities"]] == [("diagnosi principale", SECOND)]
    assert form_editor.recorded_evidence(item) == evidence
    searched = form_editor.note_value(spec, CASE, fields)
    assert [e["start"] for e in searched["entities"]] == [CASE.index("scompenso")], "without it: searched"
    # a correction in force keeps the offsets of the values it did not change
    in_force = {**item, "in_force": {"id": "r", "fields": fields}}
    assert editing.values_for(in_force)[outputs.index(editors.form_editor.note)] == note


def test_confronta_marks_a_copied_value_where_the_model_read_it():
    fields = case_fields(diagnosi_principale="scompenso cardiaco")
    evidence = [{"item": "diagnosi_principale", "start": SECOND, "end": SECOND + 18}]
    record = {"text": CASE, "gold": {"fields": fields},
              "prediction": {"fields": fields, "evidence": evidence}, "score": 1.0, "confidence": 0.8,
              "counts": {}}  # fmt: skip
    gold_html, pred_html, _, _ = confronta.record_view("clinical_case_crf", record)
    mark = '<mark class="medui-tp" title="corretto">scompenso cardiaco'
    before = "Anamnesi di scompenso cardiaco. Giunge per dispnea: diagnosi di "
    assert f"{before}{mark}" in pred_html, "the prediction's: where it was read"
    assert f"Anamnesi di {mark}" in gold_html, "the gold record has no offsets: searched"
