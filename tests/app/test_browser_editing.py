"""Browser end to end for the integrity of a correction (issue 24): a relation prediction opened in Correggi
keeps its relations on screen and in the saved correction; links are added by the text of their mentions and
removed by a click."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator

from tests.app.browsing import edit_cell, logged_in, playwright_or_skip
from tests.app.conftest import AppServer

RE_TASK = "e3c_measurement_links"
RE_TEXT = "Temperatura 38,5 °C, emoglobina 12 g/dl, pressione 120/80."
RE_SPANS = [(0, 11, "EVENT"), (12, 19, "RML"), (21, 31, "EVENT"), (32, 39, "RML"), (41, 50, "EVENT"), (51, 57, "RML")]  # fmt: skip
RE_LINKS = [("T2", "T1"), ("T4", "T3"), ("T6", "T5")]  # each result to its exam
RE_NAMES = {
    f"T{i}": f'"{RE_TEXT[s:e]}" ({label}, car. {s})' for i, (s, e, label) in enumerate(RE_SPANS, start=1)
}

sync_api = playwright_or_skip()


def stored_relation_prediction(server: AppServer, record_id: str, links=RE_LINKS) -> int:
    """A prediction of the measurement-link task with 6 mentions and its relations (RE_LINKS: 3), stored in the
    app's database as a run would store it: its id."""
    from sqlmodel import Session

    from medui.backend.evaluation.info import RunInfo
    from medui.backend.store import repo
    from medui.backend.store.db import make_engine
    from medui.tasks.registry import get_spec
    from tests.backend.store.records import make_prediction

    entities = [
        {"id": f"T{i}", "start": s, "end": e, "label": label, "text": RE_TEXT[s:e]}
        for i, (s, e, label) in enumerate(RE_SPANS, start=1)
    ]
    relations = [{"head": h, "label": "PERTAINS", "tail": t} for h, t in links]
    record = {"id": record_id, "text": RE_TEXT, "entities": entities, "relations": relations}
    engine = make_engine(f"sqlite:///{server.database}")
    with Session(engine) as session:
        run = repo.save_run(RunInfo(get_spec(RE_TASK), "m", "cd", split="predict"), session=session)
        (prediction,) = repo.save_predictions(run, [make_prediction(record, 0.3)], [None], session=session)
        prediction_id = prediction.id
        session.commit()
    engine.dispose()
    return prediction_id


@contextlib.contextmanager
def opened_in_correggi(browser, app_server: AppServer, record_id: str, links=RE_LINKS) -> Iterator:
    """A stored relation prediction (stored_relation_prediction) opened in Correggi by anna, in a new browser
    context closed after: (its prediction id, the page)."""
    prediction_id = stored_relation_prediction(app_server, record_id, links)
    with logged_in(browser, app_server.url, *app_server.auth("anna")) as page:
        page.goto(f"{app_server.url}/correggi?predizione={prediction_id}")
        # the first page of a test may take long to build on a loaded machine
        sync_api.expect(page.locator("#correggi-entita")).to_contain_text("Temperatura", timeout=60_000)
        yield prediction_id, page


def saved_relations(server: AppServer, prediction_id: int) -> list[list]:
    with sqlite3.connect(server.database) as conn:
        ((record,),) = conn.execute(
            "select record from corrections where prediction_id = ?", (prediction_id,)
        ).fetchall()
    return [[r["head"], r["label"], r["tail"]] for r in json.loads(record)["relations"]]


def shown_links(table) -> list[list[str]]:
    """The relation table's links as it shows them: head, label, tail (by their mentions' text)."""
    return [row[-4:-1] for row in table_rows(table)]


def named(links) -> list[list[str]]:
    """Links (head id, tail id) as the relation table names them."""
    return [[RE_NAMES[h], "PERTAINS", RE_NAMES[t]] for h, t in links]


def pick(page, elem_id: str, option: str) -> None:
    """Choose the option of the gr.Dropdown with this elem_id that shows this text."""
    page.locator(f"#{elem_id} input").first.click()
    page.get_by_role("option").filter(has_text=option).first.click()


def table_rows(table) -> list[list[str]]:
    """The non-empty rows of a gr.Dataframe as the page shows them (its grid rows, without the header), in the
    order of their index (a grid updated in place may hold its rows in another order in the document)."""
    rows = table.locator("[role=row][data-index]")
    out = []
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("[role=gridcell]").all_inner_texts()]
        if any(cells):
            out.append((int(rows.nth(i).get_attribute("data-index")), cells))
    return [cells for _, cells in sorted(out)]


def test_a_relation_prediction_keeps_its_relations_when_opened_and_saved(browser, app_server):
    with opened_in_correggi(browser, app_server, "rel-1") as (prediction_id, page):
        sync_api.expect(page.locator("#correggi-entita")).to_contain_text("38,5 °C")  # opened
        # the events that follow the opening (the span editor's change) have answered
        page.wait_for_timeout(3000)
        relations = page.locator("#correggi-relazioni")
        assert shown_links(relations) == named(RE_LINKS)
        expected = [[h, "PERTAINS", t] for h, t in RE_LINKS]

        page.click("#correggi-salva")
        # the history lists the task's corrections of every test on this app: wait for this record's own row
        sync_api.expect(page.locator("#correggi-storico")).to_contain_text("rel-1", timeout=30_000)
    assert saved_relations(app_server, prediction_id) == expected


def correction_count(server: AppServer, prediction_id: int) -> int:
    with sqlite3.connect(server.database) as conn:
        return conn.execute(
            "select count(*) from corrections where prediction_id = ?", (prediction_id,)
        ).fetchone()[0]


def test_a_save_that_drops_a_relation_says_so_and_stores_only_when_saved_again(browser, app_server):
    with opened_in_correggi(browser, app_server, "rel-2") as (prediction_id, page):
        spans = page.locator("#correggi-menzioni")
        sync_api.expect(page.locator("#correggi-entita")).to_contain_text("120/80")
        mention = spans.locator(".token-container", has_text="120/80")
        mention.hover()
        mention.locator("button.remove-btn").click(force=True)  # the result of the last link goes
        sync_api.expect(page.locator("#correggi-entita")).not_to_contain_text("120/80")
        relations = page.locator("#correggi-relazioni")
        sync_api.expect(relations).not_to_contain_text("120/80")
        note = "1 relazione tolta con la menzione rimossa: «120/80» → «pressione» (PERTAINS)"
        sync_api.expect(page.locator("#correggi-relazioni-nota")).to_contain_text(note)

        page.click("#correggi-salva")
        warning = page.get_by_text(
            re.compile("toglie 1 relazioni della versione aperta: «120/80 → pressione»")
        )
        sync_api.expect(warning.first).to_be_visible(timeout=30_000)
        assert correction_count(app_server, prediction_id) == 0  # nothing stored on the first click
        assert shown_links(relations) == named(RE_LINKS[:2])

        page.click("#correggi-salva")  # saved again: the user wants it so
        sync_api.expect(page.locator("#correggi-storico")).to_contain_text("rel-2", timeout=30_000)
    assert saved_relations(app_server, prediction_id) == [["T2", "PERTAINS", "T1"], ["T4", "PERTAINS", "T3"]]


def test_a_refused_save_says_what_is_wrong_once_in_italian_and_keeps_the_edits(browser, app_server):
    with opened_in_correggi(browser, app_server, "rel-3") as (prediction_id, page):
        sync_api.expect(page.locator("#correggi-entita")).to_contain_text("120/80")
        relations, spans = page.locator("#correggi-relazioni"), page.locator("#correggi-menzioni")
        page.wait_for_timeout(3000)  # the events that follow the opening have answered
        spans.locator(".highlighted", has_text="38,5 °C").click()
        spans.locator("input.label-input").first.fill("EVENT")  # the head of link 1 is no result now
        spans.locator("input.label-input").first.press("Enter")
        sync_api.expect(relations).to_contain_text('"38,5 °C" (EVENT, car. 12)')

        page.click("#correggi-salva")
        toasts = page.locator("[data-testid=toast-body]")
        sync_api.expect(toasts.first).to_contain_text("Correzione non salvata", timeout=30_000)
        page.wait_for_timeout(2000)  # every answer of the event has reached the page
        assert toasts.count() == 1
        said = toasts.first.inner_text()
        assert (
            "relazione n. 1 («38,5 °C» → «Temperatura»): PERTAINS va da RML a EVENT, non da EVENT a EVENT"
            in said
        )
        assert "relations[" not in said and "goes from" not in said
        assert page.get_by_text("Errore", exact=True).count() == 0  # no error badge over the editors
        assert shown_links(relations)[0] == [
            '"38,5 °C" (EVENT, car. 12)',
            "PERTAINS",
            RE_NAMES["T1"],
        ]  # still there
    assert correction_count(app_server, prediction_id) == 0


def test_the_palette_keys_pick_a_label_and_no_label_outside_the_task_is_kept(browser, app_server):
    with opened_in_correggi(browser, app_server, "rel-4") as (prediction_id, page):
        spans, entities = page.locator("#correggi-menzioni"), page.locator("#correggi-entita")
        sync_api.expect(entities).to_contain_text("pressione")
        palette = page.locator("#correggi-etichetta")
        sync_api.expect(palette).to_contain_text("RML")
        page.evaluate(
            "document.activeElement && document.activeElement.blur()"
        )  # no text field has the focus
        page.keyboard.press("2")  # the palette's second label: EVENT
        sync_api.expect(palette.locator("input[type=radio]").nth(1)).to_be_checked()
        # (a new selection taking the palette's label is tested in tests/app/test_palette.py: a mouse selection in
        # the span editor is missed now and then when the whole suite loads the machine)

        spans.locator(".highlighted", has_text="120/80").click()
        spans.locator("input.label-input").first.fill("rml")  # a case slip: the task's RML
        spans.locator("input.label-input").first.press("Enter")
        sync_api.expect(entities.locator("[role=row]", has_text="120/80")).to_contain_text("RML")
        spans.locator(".highlighted", has_text="120/80").click()
        spans.locator("input.label-input").first.fill("PRESSIONE")  # not a label of the task
        spans.locator("input.label-input").first.press("Enter")
        warning = page.get_by_text(re.compile("«PRESSIONE» non è un'etichetta del compito, ora EVENT"))
        sync_api.expect(warning.first).to_be_visible(timeout=30_000)
        sync_api.expect(entities.locator("[role=row]", has_text="120/80")).to_contain_text("EVENT")
        assert entities.get_by_text("PRESSIONE", exact=True).count() == 0


def test_a_link_is_added_by_the_text_of_its_mentions_and_a_wrong_one_removed_by_a_click(browser, app_server):
    wrong = [("T2", "T1"), ("T4", "T3"), ("T4", "T5")]  # "12 g/dl" linked to "pressione", "120/80" to nothing
    with opened_in_correggi(browser, app_server, "rel-5", wrong) as (prediction_id, page):
        relations, note = page.locator("#correggi-relazioni"), page.locator("#correggi-relazioni-nota")
        sync_api.expect(relations).to_contain_text("pressione")
        page.wait_for_timeout(3000)  # the events that follow the opening have answered
        assert shown_links(relations) == named(wrong)
        on_text = page.locator("#correggi-collegamenti")
        sync_api.expect(on_text.locator("mark", has_text="pressione")).to_contain_text(
            "→3"
        )  # the tail of link 3

        relations.locator("[role=row][data-index='2'] [role=gridcell]").last.click()  # its ✕
        sync_api.expect(note).to_contain_text("Tolta la relazione «12 g/dl» → «pressione» (PERTAINS)")
        assert shown_links(relations) == named(wrong[:2])

        pick(page, "correggi-relazione-testa", '"120/80"')  # by its text, as the dropdown names it
        pick(page, "correggi-relazione-coda", '"pressione"')
        page.click("#correggi-aggiungi-relazione")  # PERTAINS, the task's only relation, is chosen already
        sync_api.expect(note).to_contain_text("Aggiunta la relazione n. 3: «120/80» → «pressione» (PERTAINS)")
        assert shown_links(relations) == named(RE_LINKS)
        sync_api.expect(on_text.locator("mark", has_text="120/80")).to_contain_text("3→")

        page.click("#correggi-salva")  # the removed link is named once more: saved on the second click
        sync_api.expect(page.get_by_text(re.compile("toglie 1 relazioni")).first).to_be_visible(
            timeout=30_000
        )
        page.click("#correggi-salva")
        sync_api.expect(page.locator("#correggi-storico")).to_contain_text("rel-5", timeout=30_000)
    assert saved_relations(app_server, prediction_id) == [[h, "PERTAINS", t] for h, t in RE_LINKS]


FORM_TASK = "ed_dyspnea_crf"
FORM_TEXT = "Uomo di 76 anni con dispnea da tre giorni. PA 180/95, FC 110 bpm, SpO2 85% in aria ambiente."


def stored_form_prediction(server: AppServer, record_id: str) -> tuple[int, dict]:
    """A dyspnoea form prediction (age and blood pressure filled, onset acute), stored in the app's database as
    a run would store it: its id and its fields."""
    from sqlmodel import Session

    from medui.backend.evaluation.info import RunInfo
    from medui.backend.store import repo
    from medui.backend.store.db import make_engine
    from medui.tasks.kinds.crf import empty_value
    from medui.tasks.registry import get_spec
    from tests.backend.store.records import make_prediction

    spec = get_spec(FORM_TASK)
    fields = {item.name: empty_value(item) for item in spec.fields}
    fields.update(eta=76, insorgenza="acuta", pressione_sistolica=180, storia_bpco="assente")
    record = {"id": record_id, "text": FORM_TEXT, "fields": fields}
    engine = make_engine(f"sqlite:///{server.database}")
    with Session(engine) as session:
        run = repo.save_run(RunInfo(spec, "m", "cd", split="predict"), session=session)
        (prediction,) = repo.save_predictions(run, [make_prediction(record, 0.3)], [None], session=session)
        prediction_id = prediction.id
        session.commit()
    engine.dispose()
    return prediction_id, fields


def saved_record(server: AppServer, prediction_id: int) -> dict:
    with sqlite3.connect(server.database) as conn:
        ((record,),) = conn.execute(
            "select record from corrections where prediction_id = ?", (prediction_id,)
        ).fetchall()
    return json.loads(record)


def test_a_form_opens_beside_its_note_with_the_evidence_marked_and_an_allowed_value_is_picked(
    browser, app_server
):
    from tests.app.browsing import choose

    prediction_id, fields = stored_form_prediction(app_server, "form-1")
    with logged_in(browser, app_server.url, *app_server.auth("anna")) as page:
        page.goto(f"{app_server.url}/correggi?predizione={prediction_id}")
        note = page.locator("#correggi-nota")
        sync_api.expect(note).to_contain_text("SpO2 85%")  # the source note, beside the form
        # the age's evidence: "76" highlighted in the note, labelled with the item's Italian name
        for value, name in (("76", "età"), ("180", "pressione sistolica")):
            evidence = note.locator(".token-container", has_text=value)
            sync_api.expect(evidence.locator(".highlighted")).to_have_count(1)
            sync_api.expect(evidence).to_contain_text(name)
        sync_api.expect(page.get_by_label("pressione sistolica (mmHg)")).to_have_value(
            "180"
        )  # typed, with its unit

        onset = page.get_by_label("insorgenza della dispnea")
        sync_api.expect(onset).to_have_value("acuta")
        choose(page, "insorgenza della dispnea", "subacuta")  # from the item's list of allowed values
        sync_api.expect(onset).to_have_value("subacuta")
        page.click("#correggi-salva")
        sync_api.expect(page.locator("#correggi-storico")).to_contain_text("form-1", timeout=30_000)
    assert saved_record(app_server, prediction_id)["fields"] == {**fields, "insorgenza": "subacuta"}


def test_a_boundary_fixed_in_the_table_of_mentions_keeps_its_link_through_the_save(browser, app_server):
    with opened_in_correggi(browser, app_server, "rel-6") as (prediction_id, page):
        entities, relations = page.locator("#correggi-entita"), page.locator("#correggi-relazioni")
        sync_api.expect(relations).to_contain_text("38,5 °C")
        page.wait_for_timeout(3000)  # the events that follow the opening have answered
        end = entities.locator("[role=row]", has_text="38,5 °C").locator("[role=gridcell]").nth(2)
        # "38,5 °C" (12-19) becomes "38,5" (12-16): its end typed over
        edit_cell(end, "16", lambda: sync_api.expect(relations).to_contain_text('"38,5" (RML, car. 12)'))
        assert shown_links(relations) == [
            ['"38,5" (RML, car. 12)', "PERTAINS", RE_NAMES["T1"]],
            *named(RE_LINKS[1:]),
        ]
        sync_api.expect(page.locator("#correggi-collegamenti mark", has_text="38,5")).to_contain_text("1→")

        page.click("#correggi-salva")  # one click: no link is lost, nothing to confirm
        sync_api.expect(page.locator("#correggi-storico")).to_contain_text("rel-6", timeout=30_000)
    assert saved_relations(app_server, prediction_id) == [[h, "PERTAINS", t] for h, t in RE_LINKS]
    (t2,) = [e for e in saved_record(app_server, prediction_id)["entities"] if e["id"] == "T2"]
    assert (t2["start"], t2["end"], t2["text"]) == (12, 16, "38,5")
