"""Correggi shows each label's guideline and its source beside the editor (pages/editing.py)."""

from __future__ import annotations

from medui.pages.editing import labels_hint
from medui.tasks.registry import get_spec


def test_the_labels_note_shows_every_guideline_and_the_source():
    spec = get_spec("e3c_temporal_links")
    note = labels_hint(spec)
    assert note.startswith("Etichette: **EVENT**, **TIMEX3** · relazioni: ")
    assert "**Linee guida**" in note and "Fonte: " in note and "e3c\\.fbk\\.eu/annotation" in note
    for name in (*spec.labels, *spec.relation_labels):
        assert f"- **{name.replace('-', chr(92) + '-')}**: " in note


def test_a_form_shows_the_guidelines_of_its_items_and_a_question_task_nothing():
    note = labels_hint(get_spec("ed_syncope_crf"))
    assert "Etichette" not in note and "**prodromi**: " in note and "Fonte: " in note
    assert labels_hint(get_spec("medqa_it")) == ""
