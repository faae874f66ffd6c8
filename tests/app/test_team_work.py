"""The annotation team's work from the app, without a server: a curator assigns documents from Accordo, double
annotation stays blind (an annotator sees a colleague's version only once the document is adjudicated), and the
correction queue says which documents' corrections a training job would use."""

from __future__ import annotations

import pytest

from medui.backend import service
from medui.backend.data import gold
from medui.backend.evaluation.info import RunInfo
from medui.backend.service import auth
from medui.backend.store import repo
from medui.backend.store.corrections import add_correction
from medui.backend.store.db import dispose_engines, session_scope
from medui.backend.store.tables import Assignment, User
from medui.config import get_settings
from medui.errors import MeduiError
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

FEBBRE, TOSSE = (13, 24), (27, 38)


@pytest.fixture
def team(medui_home) -> dict:
    """anna and bruno (annotators), cura (curator), clara (clinician); documents a..e of split team with a
    prediction each (a least confident)."""
    with session_scope() as session:
        for name, role in (
            ("anna", "annotator"),
            ("bruno", "annotator"),
            ("cura", "curator"),
            ("clara", "clinician"),
        ):
            hashed = auth.hash_password("password-x", iterations=1000)
            session.add(User(name=name, role=role, password_hash=hashed))
        docs = repo.ensure_documents(
            NER_TASK, "team", [ner_record(i, spans=()) for i in "abcde"], session=session
        )
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="team"), session=session)
        predictions = [make_prediction(ner_record(i), confidence=0.1 * n) for n, i in enumerate("abcde", 1)]
        repo.save_predictions(run, predictions, [None] * 5, session=session)
        ids = {d.record_id: d.id for d in docs}
    yield ids
    dispose_engines()


def _assigned() -> dict[int, set[str]]:
    from sqlmodel import select

    with session_scope() as session:
        held: dict[int, set[str]] = {}
        for a in session.exec(select(Assignment)):
            held.setdefault(a.document_id, set()).add(a.annotator)
        return held


# assignment ------------------------------------------------------------------------------------------------
def test_a_curator_assigns_the_next_documents_and_documents_by_number(team):
    seen = service.assignment_overview(NER_TASK, "cura")
    assert (seen["annotators"], seen["splits"], seen["documents"]) == (["anna", "bruno"], ["team"], [])
    made = service.assign_to_annotators(NER_TASK, ["anna", "bruno"], 2, None, 2, "team", "cura")
    assert (made["documents"], made["assignments"], made["assigned_by"]) == (2, 4, "cura")
    assert _assigned() == {
        team["a"]: {"anna", "bruno"},
        team["b"]: {"anna", "bruno"},
    }  # least confident first
    typed = f"{team['d']}-{team['e']}, {team['a']}"  # a already has both: nothing new for it
    made = service.assign_to_annotators(NER_TASK, ["anna"], 1, typed, None, None, "cura")
    assert (made["documents"], made["new"]) == (2, {"anna": 2})
    seen = service.assignment_overview(NER_TASK, "cura")
    assert [(p["annotator"], p["assigned"]) for p in seen["progress"]] == [("anna", 4), ("bruno", 2)]
    rows = {d["document_id"]: d for d in seen["documents"]}
    assert set(rows) == {team["a"], team["b"], team["d"], team["e"]}
    assert rows[team["a"]]["annotators"] == ["anna", "bruno"] and rows[team["e"]]["annotators"] == ["anna"]
    queue = service.correction_queue(NER_TASK, 10, "bruno")  # bruno's own documents first
    assert [r["document_id"] for r in queue[:2]] == [team["a"], team["b"]]


def test_assignment_is_for_curators_and_bad_requests_get_one_italian_message(team):
    for user in ("anna", "clara"):
        with pytest.raises(auth.AuthError, match=f"permesso negato: {user}"):
            service.assign_to_annotators(NER_TASK, ["anna"], 1, None, 1, "", user)
        with pytest.raises(auth.AuthError, match="permesso negato"):
            service.assignment_overview(NER_TASK, user)
    bad = {
        "non è un utente": (["zeno"], 1, None, 1),
        "clinico e non può correggere": (["clara"], 1, None, 1),
        "oppure i prossimi N": (["anna"], 1, "3", 2),
        "non sono documenti di": (["anna"], 1, "999", None),
        "non è un numero di documento": (["anna"], 1, "tre", None),
        "indica da 1 a 1": (["anna"], 2, None, 1),
        "scegli gli annotatori": ([], 1, None, 1),
    }
    for message, (names, k, typed, count) in bad.items():
        with pytest.raises(MeduiError) as refused:
            service.assign_to_annotators(NER_TASK, names, k, typed, count, "", "cura")
        assert message in refused.value.italian  # what the page shows
    assert _assigned() == {}  # nothing stored by a refused request


# blind double annotation -------------------------------------------------------------------------------------
def _double(team) -> None:
    with session_scope() as session:
        for name, spans in (("anna", (FEBBRE,)), ("bruno", (FEBBRE, TOSSE))):
            for rid in "ab":
                add_correction(ner_record(rid, spans=spans), name, document_id=team[rid], session=session)


def test_an_annotator_sees_a_colleagues_version_only_once_the_document_is_adjudicated(team):
    _double(team)
    history = service.recent_corrections(NER_TASK, 50, "anna")
    assert {c["annotator"] for c in history} == {"anna"}
    assert {c["annotator"] for c in service.recent_corrections(NER_TASK, 50, "cura")} == {"anna", "bruno"}
    report = service.agreement_report(NER_TASK, "", None, None, "anna")
    assert report["blind"] and report["pairs"] == []  # no comparison with bruno before adjudication
    assert service.agreement_report(NER_TASK, "", None, None, "cura")["pairs"][0]["documents"] == 2
    service.save_adjudication(team["a"], "bruno", None, "cura")
    history = service.recent_corrections(NER_TASK, 50, "anna")
    assert sorted((c["annotator"], c["document_id"]) for c in history) == [
        ("anna", team["a"]), ("anna", team["b"]), ("bruno", team["a"])
    ]  # fmt: skip
    (pair,) = service.agreement_report(NER_TASK, "", None, None, "anna")["pairs"]
    assert pair["documents"] == 1  # document a only
    with session_scope() as session:  # bruno saves again after the adjudication: hidden until the next one
        add_correction(ner_record("a", spans=(TOSSE,)), "bruno", document_id=team["a"], session=session)
    history = service.recent_corrections(NER_TASK, 50, "anna")
    assert [c["annotator"] for c in history if c["annotator"] == "bruno"] == ["bruno"]  # the settled one only
    assert service.correction_item(_prediction(team["a"]), "anna")["history"][-1]["annotator"] == "anna"


def _prediction(document_id: int) -> int:
    from sqlmodel import select

    from medui.backend.store.tables import Prediction

    with session_scope() as session:
        return session.exec(select(Prediction.id).where(Prediction.document_id == document_id)).first()


# the queue says what training would use --------------------------------------------------------------------
def test_the_queue_marks_documents_training_would_use_and_says_why_not(team, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("MEDUI_ALLOWED_DIRS", str(tiny_model_dir))
    monkeypatch.setenv("MEDUI_MODEL", str(tiny_model_dir))
    get_settings.cache_clear()
    test_record = gold.load_split(get_spec(NER_TASK), "test")[0]
    long_text = "tosse secca e febbre " * 300  # no sentence to cut it at
    with session_scope() as session:
        records = [{"id": test_record["id"], "text": test_record["text"]}, {"id": "lungo", "text": long_text}]
        docs = repo.ensure_documents(NER_TASK, "altro", records, session=session, gold=False)
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="altro"), session=session)
        preds = [make_prediction({**r, "entities": []}, confidence=0.01) for r in records]
        repo.save_predictions(run, preds, [None] * 2, session=session)
        test_doc, long_doc = (d.id for d in docs)
    service.assign_to_annotators(NER_TASK, ["anna", "bruno"], 2, str(team["b"]), None, None, "cura")
    marks = {r["document_id"]: r["training"] for r in service.correction_queue(NER_TASK, 10, "anna")}
    assert (marks[test_doc]["usable"], marks[test_doc]["why"]) == (False, "test")
    assert marks[test_doc]["text"] == "no: il testo è di uno split di valutazione"
    assert (marks[long_doc]["why"], marks[long_doc]["usable"]) == ("too_long", False)
    assert "troppo lungo" in marks[long_doc]["text"]
    assert (marks[team["b"]]["why"], marks[team["b"]]["usable"]) == ("double", None)  # two annotators
    assert (marks[team["c"]]["why"], marks[team["c"]]["usable"], marks[team["c"]]["text"]) == (
        None,
        True,
        "sì",
    )
    with session_scope() as session:  # anna and bruno disagree on b: a curator sees it pending, anna does not
        for name, spans in (("anna", (FEBBRE,)), ("bruno", (TOSSE,))):
            add_correction(ner_record("b", spans=spans), name, document_id=team["b"], session=session)
    service.assign_to_annotators(NER_TASK, ["cura", "anna", "bruno"], 3, str(team["b"]), None, None, "cura")
    (mark,) = [
        r["training"] for r in service.correction_queue(NER_TASK, 10, "cura") if r["document_id"] == team["b"]
    ]
    assert mark["why"] == "pending" and "aggiudicato" in mark["text"]
