"""The Accordo page's service and rendering without a server: two annotators and a curator on a tiny NER task,
the agreement (with a stored run beside them), the pending documents, versions side by side, take and merge."""

from __future__ import annotations

import pytest

from medui.backend import service
from medui.backend.data.inputs import InputError
from medui.backend.evaluation.info import RunInfo
from medui.backend.service import auth
from medui.backend.store import repo
from medui.backend.store.corrections import add_correction
from medui.backend.store.db import dispose_engines, session_scope
from medui.backend.store.in_force import record_in_force
from medui.backend.store.tables import User
from medui.pages import accordo
from medui.tasks.registry import get_spec
from tests.backend.store.records import NER_TASK, make_prediction, ner_record

FEBBRE, TOSSE, SECCA = (13, 24), (27, 38), (33, 38)
QA_TASK = "medmcqa_it"


@pytest.fixture
def team(medui_home) -> dict:
    """anna and bruno (annotators), cura (curator): on a and b they found febbre alta, anna also tosse secca in
    a; on c anna marked tosse secca, bruno febbre alta and secca. A run found febbre alta in a, b, c."""
    with session_scope() as session:
        for name, role in (("anna", "annotator"), ("bruno", "annotator"), ("cura", "curator")):
            hashed = auth.hash_password("password-x", iterations=1000)  # cheap: the roles are what counts
            session.add(User(name=name, role=role, password_hash=hashed))
        docs = repo.ensure_documents(
            NER_TASK, "test", [ner_record(i, spans=()) for i in "abc"], session=session
        )
        versions = {
            "anna": ((FEBBRE, TOSSE), (FEBBRE,), (TOSSE,)),
            "bruno": ((FEBBRE,), (FEBBRE,), (FEBBRE, SECCA)),
        }
        for name, spans in versions.items():
            for doc, these in zip(docs, spans, strict=True):
                add_correction(
                    ner_record(doc.record_id, spans=these), name, document_id=doc.id, session=session
                )
        run = repo.save_run(RunInfo(get_spec(NER_TASK), "m", "cd", split="test"), session=session)
        predictions = [make_prediction(ner_record(i, spans=(FEBBRE,))) for i in "abc"]
        repo.save_predictions(run, predictions, [None] * 3, session=session)
        ids = {"run": run.id, **{d.record_id: d.id for d in docs}}
    yield ids
    dispose_engines()


def _pair(report: dict, a: str, b: str) -> dict:
    return next(p for p in report["pairs"] if (p["a"], p["b"]) == (a, b))


def test_the_agreement_of_two_annotators_with_the_run_beside_them(team):
    filters = service.team_filters(NER_TASK, "anna")
    assert (filters["annotators"], filters["splits"]) == (["anna", "bruno"], ["test"])
    assert [run_id for _, run_id in filters["runs"]] == [team["run"]]
    report = service.agreement_report(NER_TASK, "", None, team["run"], "cura")  # a curator: every version
    human = _pair(report, "anna", "bruno")
    # a: 2 and 1 spans, 1 shared; b: 1 and 1, shared; c: 1 and 2, none -> 2*2/(4+4); "secca" inside "tosse secca"
    assert (human["documents"], human["strict_f1"], human["lenient_f1"]) == (3, 0.5, 0.75)
    model = f"run:{team['run']}"
    assert _pair(report, model, "anna")["strict_f1"] == pytest.approx(2 * 2 / (3 + 4))
    assert _pair(report, model, "bruno")["strict_f1"] == pytest.approx(2 * 3 / (3 + 4))
    headers, rows = accordo.agreement_table(report)
    assert headers == ["coppia", "etichetta", "documenti", "F1 stretta", "F1 lasca", "alfa u di Krippendorff"]
    # unitizing alpha over the 3 * 39 characters: a: anna's "tosse secca" in bruno's gap (11^2), c: "tosse secca"
    # ~ "secca" (6^2) and bruno's "febbre alta" in anna's gap (11^2), each both ways: Do = 556 / (2 * 117^2);
    # De = 2/117 * 80609 / (234 * 233 - 790) from the units (seven of 11, one of 5) and the gaps
    alpha = round(1 - (556 / (2 * 117**2)) / (2 / 117 * 80609 / (234 * 233 - 790)), 3)
    assert alpha == 0.208 and human["unitizing_alpha"] == pytest.approx(alpha, abs=5e-4)
    assert rows[0] == ["anna ~ bruno", "tutte", 3, 0.5, 0.75, alpha]
    assert rows[1] == ["anna ~ bruno", "CLINENTITY", 3, 0.5, 0.75, alpha]
    assert ["media tra annotatori (1 coppia)", "tutte", 3, 0.5, 0.75, alpha] in rows
    by_model = _pair(report, model, "bruno")["unitizing_alpha"]
    assert [f"modello #{team['run']} ~ bruno", "tutte", 3, 0.857, 0.857, round(by_model, 3)] in rows
    only = service.agreement_report(NER_TASK, "test", ["anna"], team["run"], "anna")
    assert [(p["a"], p["b"]) for p in only["pairs"]] == [(model, "anna")]
    assert accordo.agreement_summary(report) == "3 documenti con almeno due versioni di annotatori."


def test_bad_filters_get_one_clear_message(team):
    with pytest.raises(
        InputError, match="annotatore sconosciuto per e3c_clinical_entities: carla .*anna, bruno"
    ):
        service.agreement_report(NER_TASK, "", ["anna", "carla"], None, "anna")
    with pytest.raises(InputError, match="nello split train: anna"):
        service.agreement_report(NER_TASK, "train", ["anna"], None, "anna")
    with pytest.raises(InputError, match=f"la valutazione {team['run']} è di {NER_TASK}, non di e3c_events"):
        service.agreement_report("e3c_events", "", None, team["run"], "anna")
    with pytest.raises(InputError, match="la valutazione 999 non esiste"):
        service.agreement_report(NER_TASK, "", None, 999, "anna")


def test_the_curator_sees_the_pending_document_side_by_side(team):
    rows = service.pending_documents(NER_TASK, "", "cura")  # b: they agree
    assert [(r["document_id"], r["annotators"], r["adjudicated"]) for r in rows] == [
        (team["a"], ["anna", "bruno"], None), (team["c"], ["anna", "bruno"], None)]  # fmt: skip
    assert rows[1]["preview"] == "Paziente con febbre alta e tosse secca."
    shown = service.document_versions(team["c"], "cura")
    assert [(p["shown"], p["by"], p["agreed"]) for p in shown["pieces"]] == [
        ("febbre alta", ["bruno"], False), ("tosse secca", ["anna"], False), ("secca", ["bruno"], False),
    ]  # fmt: skip
    html = accordo.versions_html(shown)
    assert html.count('class="medui-diff"') == 3 and "medui-agree" not in html  # every span in dispute
    state, about, _, how, keep, note, _ = accordo.document_view(shown)
    assert "in disaccordo" in about and how["value"] == accordo.MERGE and keep["value"] == [] and note == ""
    assert [c[1] for c in how["choices"]] == ["take:anna", "take:bruno", accordo.MERGE]
    agreed = accordo.document_view(service.document_versions(team["b"], "cura"))
    assert agreed[4]["value"] == ["13:24:CLINENTITY"] and "concordano" in agreed[1]


def test_versions_and_adjudication_are_for_curators_only(team):
    for call, args in ((service.pending_documents, (NER_TASK, "")), (service.document_versions, (team["c"],)),
                       (service.save_adjudication, (team["c"], "anna", None))):  # fmt: skip
        with pytest.raises(
            auth.AuthError, match="permesso negato: anna è annotatore; serve il ruolo curatore"
        ):
            call(*args, "anna")
    assert record_in_force_of(team["c"]) is None


def record_in_force_of(doc_id: int) -> dict | None:
    with session_scope() as session:
        return record_in_force(doc_id, session=session).record


def test_taking_a_version_makes_it_the_record_in_force(team):
    made = service.save_adjudication(team["c"], "bruno", None, "cura", "febbre, non tosse")
    assert (made["curator"], made["taken_from"], made["note"]) == ("cura", "bruno", "febbre, non tosse")
    spans = [(e["start"], e["end"]) for e in record_in_force_of(team["c"])["entities"]]
    assert spans == [FEBBRE, SECCA]
    assert [r["document_id"] for r in service.pending_documents(NER_TASK, "", "cura")] == [team["a"]]
    assert service.document_versions(team["c"], "cura")["adjudication"]["id"] == made["id"]


def test_a_merge_keeps_the_pieces_chosen(team):
    shown = service.document_versions(team["c"], "cura")
    seen = {name: v["id"] for name, v in shown["versions"].items()}
    keys = ["13:24:CLINENTITY", "27:38:CLINENTITY"]  # bruno's febbre alta, anna's tosse secca
    made = service.save_adjudication(team["c"], None, keys, "cura", None, seen)
    assert made["taken_from"] is None and made["sources"] == seen
    in_force = record_in_force_of(team["c"])
    assert [e["text"] for e in in_force["entities"]] == ["febbre alta", "tosse secca"]
    with session_scope() as session:  # anna saves again: what the curator saw is no longer there
        add_correction(ner_record("c", spans=(SECCA,)), "anna", document_id=team["c"], session=session)
    with pytest.raises(InputError, match="sono cambiate da quando l'hai aperto"):
        service.save_adjudication(team["c"], None, keys, "cura", None, seen)
    assert record_in_force_of(team["c"]) == in_force


def test_bad_adjudications_are_refused_with_a_clear_message(team):
    cases = [
        ((team["c"], "carla", None), "carla non ha una versione del documento .* anna o bruno"),
        ((team["c"], None, ["1:2:CLINENTITY"]), "pezzo sconosciuto"),
        ((team["c"], "anna", ["13:24:CLINENTITY"]), "oppure unendo"),
        ((team["c"], None, None), "oppure unendo"),
        ((team["c"], None, "13:24:CLINENTITY"), "una lista di chiavi"),
        ((999, "anna", None), "il documento 999 non esiste"),
    ]
    for args, message in cases:
        with pytest.raises(InputError, match=message):
            service.save_adjudication(*args, "cura")
    with session_scope() as session:
        (only,) = repo.ensure_documents(NER_TASK, "test", [ner_record("d", spans=())], session=session)
        add_correction(ner_record("d", spans=(FEBBRE,)), "anna", document_id=only.id, session=session)
    with pytest.raises(InputError, match=f"il documento {only.id} ha solo la versione di anna: servono due"):
        service.document_versions(only.id, "cura")
    assert record_in_force_of(team["c"]) is None


def test_a_merged_answer_must_be_one(team):
    from medui.backend.data import gold

    spec = get_spec(QA_TASK)
    record = gold.load_split(spec, "test")[0]
    other = next(letter for letter in spec.options if letter != record["answer"])
    with session_scope() as session:
        (doc,) = repo.ensure_documents(QA_TASK, "test", [record], session=session)
        for name, answer in (("anna", record["answer"]), ("bruno", other)):
            add_correction({**record, "answer": answer}, name, document_id=doc.id, session=session)
    pieces = service.document_versions(doc.id, "cura")["pieces"]
    with pytest.raises(InputError, match="risposta: serve un solo valore"):
        service.save_adjudication(doc.id, None, [p["key"] for p in pieces], "cura")
    bruno = next(p["key"] for p in pieces if p["by"] == ["bruno"])
    service.save_adjudication(doc.id, None, [bruno], "cura")
    assert record_in_force_of(doc.id)["answer"] == other


def test_a_form_task_shows_kappa_per_item_and_its_versions_item_by_item():
    from medui.backend.data import gold
    from medui.backend.evaluation.agreement import mean_pairwise
    from medui.tasks.versions import measure, piece_table

    spec = get_spec("ed_dyspnea_crf")
    records = gold.load_split(spec, "test")[:2]
    anna = {r["id"]: r for r in records}
    bruno = {r["id"]: {**r, "fields": {**r["fields"], "eta": 1}} for r in records}  # every age differs
    report = measure(spec, {"anna": anna, "bruno": bruno})
    report |= {"mean_pairwise": mean_pairwise(report["pairs"]), "vs_model": []}
    headers, rows = accordo.agreement_table(report)
    assert headers == ["coppia", "etichetta", "documenti", "kappa", "accordo osservato"]
    by_item = {row[1]: row for row in rows if row[0] == "anna ~ bruno"}
    assert set(by_item) == {"tutte", *(item.name for item in spec.fields)}
    assert by_item["eta"][2:] == [2, 0.0, 0.0] and by_item["tutte"][2] == 2
    assert f"Kappa di Cohen su anna, bruno: **{report['kappa']['value']:.3f}** (2 documenti)" in (
        accordo.agreement_summary(report)
    )
    first = records[0]
    versions = {"anna": first, "bruno": bruno[first["id"]]}
    shown = {"task": spec.id, "text": first["text"], "pieces": piece_table(spec, versions),
             "versions": {n: {"id": i, "created_at": "oggi"} for i, n in enumerate(versions, start=1)}}  # fmt: skip
    html = accordo.versions_html(shown)
    assert html.count('class="medui-diff"') == 2 and html.count('class="medui-agree"') == 2 * (
        len(spec.fields) - 1
    )
    assert f"<b>eta</b>: {first['fields']['eta']}</li>" in html and "<b>eta</b>: 1</li>" in html


def test_alpha_without_any_span_reads_n_d_in_the_table_and_on_the_command_line():
    from medui.backend.evaluation.agreement import mean_pairwise
    from medui.cli.team import agreement_text
    from medui.tasks.versions import measure

    spec = get_spec(NER_TASK)
    empty = {"a": ner_record("a", spans=())}
    report = measure(spec, {"anna": empty, "bruno": empty})
    report |= {"mean_pairwise": mean_pairwise(report["pairs"]), "vs_model": []}
    (pair,) = report["pairs"]
    assert pair["unitizing_alpha"] is None and "unitizing_alpha" not in report["mean_pairwise"]
    headers, rows = accordo.agreement_table(report)
    assert headers[-1] == "alfa u di Krippendorff"
    assert rows[0][-1] == "n/d" and rows[-1][-1] is None  # the mean has no alpha to average
    assert "anna ~ bruno: 1 documents  strict_f1 0.000  lenient_f1 0.000  unitizing_alpha n/d" in (
        agreement_text(report)
    )
