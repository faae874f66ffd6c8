"""The third review's smaller findings (issue 22, finding 9): a model path probe for every role, saves of
documents assigned to others, and bidi overrides and C1 controls in notes. Each test fails on the code before
the fix."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from medui.backend import auth, service
from medui.backend.inputs import InputError, strip_note_controls
from medui.backend.store import repo
from medui.backend.store.assignment import AssignmentError, assign_documents
from medui.backend.store.db import session_scope
from medui.backend.store.tables import Adjudication, Correction
from medui.cli import main
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

HOSTILE_NOTE = "visto\u202edi contrario\u202c, \x85ok\x9b \u2066isolato\u2069 \u202a\u202b\u202d fine"
CLEAN_NOTE = "vistodi contrario, ok isolato  fine"


# model paths -----------------------------------------------------------------------------------------------
def test_who_may_not_load_folders_gets_one_answer_for_any_server_path(tiny_model_dir, medui_home):
    import shutil

    from medui.backend.service.core import checked_model, default_model

    inside = shutil.copytree(tiny_model_dir, medui_home / "modello-nuovo")  # a folder the app could load
    for name, role in (("clara", "clinician"), ("anna", "annotator"), ("carla", "curator")):
        service.add_user(name, role, f"password-{name}")
    names = [
        "/etc", "/etc/passwd", "/etc/nessun-file", "../../../../../../etc/passwd", "../../../../nessuna/cartella",
        str(inside), str(medui_home / "non-esiste"), "~/", "README.md", "medui/pages", "nessuna/cartella",
        "a/b/c",
    ]  # fmt: skip
    for user in ("clara", "anna", "carla"):
        answers = set()
        for name in names:
            with pytest.raises(auth.AuthError) as refused:
                service.run_task(NER_TASK, name, "cd", "Febbre alta.", user)
            answers.add(refused.value.italian.replace(repr(name), "NOME"))
        assert len(answers) == 1, answers
        assert "richiede il ruolo ricercatore" in answers.pop()
        who = auth.Identity(user, "clinician")
        assert checked_model(default_model(), who) == default_model()  # the models offered stay open
    ricerca = auth.Identity("ricerca", "researcher")
    assert checked_model(str(inside), ricerca) == str(inside)  # researchers load folders as before
    with pytest.raises(InputError, match="cartella del modello non consentita"):
        checked_model("/etc", ricerca)


# documents assigned to others ------------------------------------------------------------------------------
def _assigned_prediction(to: str) -> int:
    """A stored prediction whose document a curator (carla) assigned to `to`."""
    with session_scope() as s:
        run = repo.save_run(get_spec(NER_TASK), session=s, model="m", strategy="cd", split="test")
        (row,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=s)
        assign_documents(NER_TASK, [to], 1, session=s, curator="carla")
        return row.id


def _corrections() -> list[tuple[str, int]]:
    with session_scope() as s:
        return [(c.annotator, c.document_id) for c in s.exec(select(Correction).order_by(Correction.id))]


def test_a_document_assigned_to_others_is_saved_only_by_them_or_a_curator(medui_home, capsys, tmp_path):
    for name, role in (("anna", "annotator"), ("bruno", "annotator"), ("carla", "curator")):
        service.add_user(name, role, f"password-{name}")
    prediction = _assigned_prediction("anna")
    for accept in (False, True):
        with pytest.raises(AssignmentError) as refused:
            service.save_correction(prediction, None if accept else ner_record("a"), "bruno", accept=accept)
        assert refused.value.italian.startswith("Salvataggio rifiutato: il documento")
        assert "assegnato a anna, non a bruno" in refused.value.italian
    record = tmp_path / "record.json"
    record.write_text(json.dumps(ner_record("a")))
    argv = ["corrections", "add", "--task", NER_TASK, "--prediction", str(prediction), "--file", str(record)]
    assert main([*argv, "--annotator", "bruno"]) == 2
    err = capsys.readouterr().err
    assert "is assigned to anna, not to bruno" in err and err.count("\n") == 1, err
    assert _corrections() == []
    mine = service.save_correction(prediction, ner_record("a"), "anna")
    curator = service.save_correction(prediction, ner_record("a"), "carla")
    assert main([*argv, "--annotator", "carla", "--json"]) == 0
    document = mine["document_id"]
    assert curator["document_id"] == document
    assert _corrections() == [("anna", document), ("carla", document), ("carla", document)]


# notes -----------------------------------------------------------------------------------------------------
def test_notes_lose_bidi_overrides_and_c1_controls(medui_home, capsys, tmp_path):
    assert strip_note_controls(HOSTILE_NOTE) == CLEAN_NOTE
    ordinary = "Febbre già alta\n\tcittà: ok → שלום مرحبا \u200f (segni di direzione semplici restano)"
    assert strip_note_controls(ordinary) == ordinary
    for name, role in (("anna", "annotator"), ("bruno", "annotator"), ("carla", "curator")):
        service.add_user(name, role, f"password-{name}")
    with session_scope() as s:
        run = repo.save_run(get_spec(NER_TASK), session=s, model="m", strategy="cd", split="test")
        (row,) = repo.save_predictions(run, [make_prediction(ner_record("a"))], [None], session=s)
        prediction = row.id
    saved = service.save_correction(prediction, ner_record("a"), "anna", note=HOSTILE_NOTE)
    assert saved["note"] == CLEAN_NOTE
    record = tmp_path / "record.json"
    record.write_text(json.dumps(ner_record("a", spans=((27, 38),))))
    code = main(["corrections", "add", "--task", NER_TASK, "--prediction", str(prediction), "--file", str(record),
                 "--annotator", "bruno", "--note", HOSTILE_NOTE, "--json"])  # fmt: skip
    assert code == 0 and json.loads(capsys.readouterr().out)["note"] == CLEAN_NOTE
    document = saved["document_id"]
    code = main(["adjudicate", NER_TASK, "--document", str(document), "--take", "anna", "--curator", "carla",
                 "--note", HOSTILE_NOTE])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    service.save_adjudication(document, take="bruno", username="carla", note=HOSTILE_NOTE)
    with session_scope() as s:
        notes = [a.note for a in s.exec(select(Adjudication).order_by(Adjudication.id))]
        stored = [c.note for c in s.exec(select(Correction).order_by(Correction.id))]
    assert notes == [CLEAN_NOTE, CLEAN_NOTE] and stored == [CLEAN_NOTE, CLEAN_NOTE]
