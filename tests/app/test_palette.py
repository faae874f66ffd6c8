"""Correggi's label palette: every mention keeps a label of the task (pages/editing.py)."""

from __future__ import annotations

from medui.pages.editing import fit_labels, palette_choices
from medui.tasks.registry import get_spec

LABELS = {"RML": "risultato", "EVENT": "esame"}


def mention(label: str, text: str = "120/80") -> dict:
    return {"start": 0, "end": len(text), "label": label, "text": text}


def test_a_new_selection_takes_the_active_label_quietly():
    fitted, notes = fit_labels([mention("label")], LABELS, "EVENT")
    assert [e["label"] for e in fitted] == ["EVENT"] and notes == []


def test_a_case_slip_becomes_the_task_label_and_an_unknown_label_the_active_one_with_a_note():
    fitted, notes = fit_labels(
        [mention("rml"), mention("Pressione", "pressione"), mention("RML")], LABELS, "EVENT"
    )
    assert [e["label"] for e in fitted] == ["RML", "EVENT", "RML"]
    assert notes == ["«pressione»: «Pressione» non è un'etichetta del compito, ora EVENT"]


def test_without_an_active_label_the_first_of_the_task_is_used():
    fitted, _ = fit_labels([mention("label")], LABELS, None)
    assert fitted[0]["label"] == "RML"


def test_the_palette_lists_the_task_labels_with_their_keys_and_meanings():
    spec = get_spec("e3c_measurement_links")
    choices = palette_choices(spec)
    assert [value for _, value in choices] == list(spec.labels)
    assert choices[0][0].startswith("1 · RML: ") and len(choices[0][0]) < 80
