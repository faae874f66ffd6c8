"""Accordo's import of other tools' annotations, without a server: curators only, the uploaded files of a BRAT
folder put together, all stored or none, the refusal in Italian with one line a bad record."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest
from gradio.helpers import special_args
from sqlmodel import select

from medui.backend.service import auth
from medui.backend.service.corrections import import_annotators, import_uploaded
from medui.backend.store import repo
from medui.backend.store.corrections import CorrectionError, latest_corrections
from medui.backend.store.corrections_import import CorrectionImportError
from medui.backend.store.db import dispose_engines, session_scope
from medui.backend.store.tables import Correction, User
from medui.pages import common, importing
from tests.backend.store.annotation_writers import write_brat, write_labelstudio
from tests.backend.store.records import NER_TASK, TEXT, ner_record

OTHER = "Riferisce cefalea da tre giorni."


@pytest.fixture
def team(medui_home):
    """anna (annotator), clara (clinician), cura (curator); documents a and b of the NER task."""
    with session_scope() as session:
        for name, role in (("anna", "annotator"), ("clara", "clinician"), ("cura", "curator")):
            hashed = auth.hash_password("password-x", iterations=1000)
            session.add(User(name=name, role=role, password_hash=hashed))
        records = [ner_record("a", spans=()), ner_record("b", spans=(), text=OTHER)]
        repo.ensure_documents(NER_TASK, "test", records, session=session)
    yield
    dispose_engines()


def _stored() -> dict:
    with session_scope() as session:
        return {
            c.record["id"]: (c.annotator, c.record["entities"])
            for c in latest_corrections(NER_TASK, session=session)
        }


def test_a_curator_imports_a_brat_folder_uploaded_as_its_files(team, tmp_path):
    folder = write_brat(
        tmp_path, [("a", TEXT, [(13, 24, "CLINENTITY")], []), (None, OTHER, [(10, 17, "CLINENTITY")], [])]
    )
    files = sorted(str(p) for p in folder.iterdir())  # a.txt, a.ann, nota_1.txt, nota_1.ann
    summary = import_uploaded(files, "brat", NER_TASK, "anna", "cura")
    assert summary["stored"] == 2
    stored = _stored()
    assert stored["a"] == ("anna", [{"start": 13, "end": 24, "label": "CLINENTITY", "text": "febbre alta"}])
    assert stored["b"] == ("anna", [{"start": 10, "end": 17, "label": "CLINENTITY", "text": "cefalea"}])
    assert import_annotators("cura") == ["anna", "cura"]  # who may correct; not clara


def test_only_curators_import_and_a_refusal_is_italian_with_a_line_a_record(team, tmp_path):
    path = write_labelstudio(
        tmp_path, [("a", TEXT, [(13, 24, "MALATTIA")], []), ("zz", "Altro testo.", [], [])]
    )
    with pytest.raises(auth.AuthError):
        import_uploaded([str(path)], "labelstudio", NER_TASK, "anna", "anna")
    with pytest.raises(CorrectionImportError) as refused:
        import_uploaded([str(path)], "labelstudio", NER_TASK, "anna", "cura")
    shown = importing.refusal_markdown(refused.value)
    assert shown.startswith("**Importazione rifiutata, nulla salvato** (2 record su 2 rifiutati")
    lines = shown.split("\n\n", 1)[1].splitlines()
    assert (
        len(lines) == 2
        and "documento 'a'" in lines[0]
        and "l'etichetta 'MALATTIA' su 'febbre alta'" in lines[0]
    )
    assert "id 'zz' sconosciuto" in lines[1] and "task 2 di Label Studio" in lines[1]
    with pytest.raises(CorrectionError, match="clara is a clinician and cannot correct"):
        import_uploaded([str(path)], "labelstudio", NER_TASK, "clara", "cura")
    with session_scope() as session:
        assert session.exec(select(Correction)).all() == []


def test_a_role_loader_answers_only_the_roles_that_may_and_gradio_still_passes_the_request(team):
    @common.for_role("adjudicate", lambda: "vuoto")
    def load(task_id: str, request: gr.Request) -> str:
        return f"{task_id} per {common.user_of(request)}"

    assert load("t", SimpleNamespace(username="cura")) == "t per cura"
    assert load("t", request=SimpleNamespace(username="anna")) == "vuoto"  # an annotator: the empty panel
    with pytest.raises(gr.Error, match="non esiste più"):  # a removed account: one clear message
        load("t", SimpleNamespace(username="nessuno"))
    assert special_args(load, ["t"], request="R")[0] == ["t", "R"]
