"""Browser end to end for Confronta's form view (issue 24): an evaluation of a form task opens with the note of
each version beside the form's detail, the evidence of each filled item highlighted in it (green where gold and
prediction agree, a red border where they differ)."""

from __future__ import annotations

from tests.app.browsing import choose, logged_in, playwright_or_skip
from tests.app.conftest import AppServer

FORM_TASK = "ed_dyspnea_crf"
NOTE = "Uomo di 76 anni con dispnea da tre giorni. PA 180/95, FC 110 bpm, SpO2 85% in aria ambiente."

sync_api = playwright_or_skip()


def stored_form_evaluation(server: AppServer) -> int:
    """A finished evaluation of the dyspnoea form on one note, stored in the app's database as a run would store
    it: gold and prediction agree on the age (76) and the systolic pressure (180), the prediction's heart rate
    (100) is not the note's (110). Its id."""
    from sqlmodel import Session

    from medui.backend.evaluation import EvalResult, runner
    from medui.backend.evaluation.info import RunInfo
    from medui.backend.store.db import make_engine
    from medui.tasks.kinds.crf import empty_value
    from medui.tasks.registry import get_spec
    from medui.tasks.scoring import score
    from tests.backend.store.records import make_prediction

    spec = get_spec(FORM_TASK)
    empty = {item.name: empty_value(item) for item in spec.fields}
    gold = {"id": "confronta-form", "text": NOTE, "fields": {**empty, "eta": 76, "pressione_sistolica": 180, "frequenza_cardiaca": 110}}  # fmt: skip
    pred = {**gold, "fields": {**gold["fields"], "frequenza_cardiaca": 100}}
    metrics = {**score(spec, [gold], [pred]), "model": "m", "strategy": "cd"}
    result = EvalResult(metrics, [make_prediction(pred, 0.4)], RunInfo(spec, "m", "cd", split="test"))
    engine = make_engine(f"sqlite:///{server.database}")
    with Session(engine) as session:
        run_id = runner.save_eval(result, session=session, records=[gold]).id
        session.commit()
    engine.dispose()
    return run_id


def test_a_form_evaluation_shows_the_note_beside_the_form_with_the_evidence_highlighted(browser, app_server):
    run_id = stored_form_evaluation(app_server)
    with logged_in(browser, app_server.url, *app_server.auth("ricerca")) as page:
        page.goto(app_server.url + "/confronta")
        choose(page, "Compito", "Scheda dispnea in Pronto Soccorso")
        choose(page, "Valutazione", f"#{run_id} m")
        gold, pred = page.locator("#confronta-oro"), page.locator("#confronta-predizione")
        sync_api.expect(pred).to_contain_text("SpO2 85% in aria ambiente")  # the whole note, as text
        sync_api.expect(gold).to_contain_text("SpO2 85% in aria ambiente")
        age = pred.locator("mark", has_text="76")  # the same age in both: marked as agreed
        sync_api.expect(age).to_have_class("medui-tp")
        sync_api.expect(age.locator(".medui-tag")).to_have_text("età")
        sync_api.expect(pred.locator("mark", has_text="180")).to_contain_text("pressione sistolica")
        rate = gold.locator("mark", has_text="110")  # gold's heart rate, which the prediction gives otherwise
        sync_api.expect(rate).to_have_class("medui-diff")
        sync_api.expect(pred.locator("mark")).to_have_count(2)  # its 100 is not in the note: not marked
        detail = page.locator("[role=row]", has_text="età").first  # the form's first item, both versions
        sync_api.expect(detail).to_contain_text("corretto")
        sync_api.expect(detail).to_contain_text("76")
        # the two notes side by side, above the form's detail
        g, p, d = gold.bounding_box(), pred.bounding_box(), detail.bounding_box()
        assert p["x"] >= g["x"] + g["width"] - 1 and abs(p["y"] - g["y"]) < 5
        assert d["y"] > max(g["y"] + g["height"], p["y"] + p["height"]) - 1
