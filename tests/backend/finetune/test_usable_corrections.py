"""Before a launch on corrections, Addestra shows per task what a job would train on and what it leaves out."""

from __future__ import annotations

from medui.backend.data import gold
from medui.backend.store.corrections import add_correction
from medui.backend.store.db import session_scope
from medui.backend.store.repo import ensure_documents
from medui.tasks.registry import get_spec

TASK = "e3c_clinical_entities"


def _corrected(split: str, records: list[dict], annotators=("anna",)) -> None:
    with session_scope() as session:
        for doc in ensure_documents(TASK, split, records, session=session, gold=False):
            for who in annotators:
                entities = [] if who == "anna" else [{"start": 0, "end": 4, "label": "CLINENTITY"}]
                add_correction({"entities": entities}, who, document_id=doc.id, session=session)


def test_the_summary_counts_usable_test_split_too_long_and_pending_corrections(
    tiny_model_dir, medui_home, monkeypatch
):
    from medui.backend import service
    from medui.config import get_settings
    from medui.pages.addestra import usable_rows

    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", str(tiny_model_dir))
    get_settings.cache_clear()
    test_record = gold.load_split(get_spec(TASK), "test")[0]
    _corrected("test", [{"id": test_record["id"], "text": test_record["text"]}])  # a text of the test split
    _corrected("team", [{"id": "a", "text": "Febbre alta da tre giorni."}])  # usable
    _corrected("team", [{"id": "b", "text": "tosse secca e febbre " * 300}])  # no sentence to cut it at
    _corrected("team", [{"id": "c", "text": "Dolore toracico."}], ("anna", "bruno"))  # they disagree
    (found,) = service.corrections_for_training([TASK], str(tiny_model_dir), 512)
    assert found == {"task": TASK, "corrected": 4, "pending": 1, "test": 1, "too_long": 1, "usable": 1}
    assert usable_rows([found]) == [[TASK, 1, 1, 1, 1]]
