"""The four corrections of bench/correction_clicks.py: the stored predictions, what a correct save stores, and
the flows an annotator follows on Correggi before and after issue 24's editor, each action counted."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

from playwright.sync_api import expect

from bench.correction_actions import Actions

LINKS_TASK, FORM_TASK = "e3c_measurement_links", "ed_dyspnea_crf"
TEXT = "Temperatura 38,5 °C, emoglobina 12 g/dl, pressione 120/80."
GOLD = [(0, 11, "EVENT"), (12, 19, "RML"), (21, 31, "EVENT"), (32, 39, "RML"), (41, 50, "EVENT"), (51, 57, "RML")]  # fmt: skip
FORM_TEXT = "Uomo di 76 anni con dispnea da tre giorni. PA 180/95, FC 110 bpm, SpO2 85% in aria ambiente."
CORRECTIONS = ("mention", "boundary", "link", "form")
TITLES = {
    "mention": "adding a mention",
    "boundary": "fixing a boundary",
    "link": "adding a link",
    "form": "fixing a form item",
}


def _links_record(name: str, spans, links) -> dict:
    """A measurement-link record of TEXT (made distinct per correction: each is its own document)."""
    text = f"{TEXT} Visita {name}."
    entities = [
        {"id": f"T{i}", "start": s, "end": e, "label": label, "text": text[s:e]}
        for i, (s, e, label) in enumerate(spans, start=1)
    ]
    return {"id": f"clicks-{name}", "text": text, "entities": entities,
            "relations": [{"head": h, "label": "PERTAINS", "tail": t} for h, t in links]}  # fmt: skip


def _form_record() -> dict:
    from medui.tasks.kinds.crf import empty_value
    from medui.tasks.registry import get_spec

    fields = {item.name: empty_value(item) for item in get_spec(FORM_TASK).fields}
    fields.update(eta=76, insorgenza="acuta", pressione_sistolica=180, storia_bpco="assente")
    return {"id": "clicks-form", "text": FORM_TEXT, "fields": fields}


# what each prediction holds: the mention: "emoglobina" (EVENT) missing, so is the link of "12 g/dl" to it; the
# boundary: "38,5" predicted for "38,5 °C", its link kept; the link: "120/80" -> "pressione" missing; the form:
# onset "acuta" for "da tre giorni" (subacuta)
_NO_EMOGLOBINA = [s for s in GOLD if s[0] != 21]
PREDICTIONS = [
    ["mention", LINKS_TASK, _links_record("mention", _NO_EMOGLOBINA, [("T2", "T1"), ("T5", "T4")])],
    [
        "boundary",
        LINKS_TASK,
        _links_record(
            "boundary", [GOLD[0], (12, 16, "RML"), *GOLD[2:]], [("T2", "T1"), ("T4", "T3"), ("T6", "T5")]
        ),
    ],  # fmt: skip
    ["link", LINKS_TASK, _links_record("link", GOLD, [("T2", "T1"), ("T4", "T3")])],
    ["form", FORM_TASK, _form_record()],
]
# what the stored correction must hold: mentions by (start, end, label), links by (head, label, tail) offsets
EXPECTED = {
    "mention": (GOLD, [(GOLD[1], GOLD[0]), (GOLD[5], GOLD[4])]),
    "boundary": (GOLD, [(GOLD[1], GOLD[0]), (GOLD[3], GOLD[2]), (GOLD[5], GOLD[4])]),
    "link": (GOLD, [(GOLD[1], GOLD[0]), (GOLD[3], GOLD[2]), (GOLD[5], GOLD[4])]),
}
STORE_WAIT_MS = 60_000  # the page's answer to a save, at most


def save(act: Actions, record_id: str) -> None:
    """Check the correction, click save, and wait for the history to list the record (the page's answer)."""
    act.think()
    act.click(act.page.locator("#correggi-salva"), "«Salva correzione»")
    expect(act.page.locator("#correggi-storico")).to_contain_text(record_id, timeout=STORE_WAIT_MS)


# after issue 24: a label palette, links chosen by their mentions' text, the note beside the form -------------
def mention_after(act: Actions) -> None:
    page, spans = act.page, act.page.locator("#correggi-menzioni")
    act.think()  # "emoglobina" is an exam and is not marked
    act.click(page.locator("#correggi-etichetta label", has_text="EVENT"), "the palette's EVENT")
    act.think()
    act.select(spans, "emoglobina")  # it takes the palette's label
    expect(page.locator("#correggi-entita [role=row]", has_text="emoglobina")).to_contain_text("EVENT")
    save(act, "clicks-mention")


def reselect_value(act: Actions) -> None:
    """ "38,5" should be "38,5 °C": remove the mention and select the whole value again (both versions)."""
    page, spans = act.page, act.page.locator("#correggi-menzioni")
    act.think()
    mention = spans.locator(".token-container", has_text="38,5")
    act.hover(mention, "«38,5»")
    act.click(mention.locator("button.remove-btn"), "its ✕", force=True)
    expect(page.locator("#correggi-entita")).not_to_contain_text("38,5")
    act.think()
    act.select(spans, "38,5 °C")


def boundary_after(act: Actions) -> None:
    reselect_value(act)  # RML is the palette's label: nothing to type
    expect(act.page.locator("#correggi-relazioni")).to_contain_text('"38,5 °C" (RML')  # its link came back
    save(act, "clicks-boundary")


def link_after(act: Actions) -> None:
    page = act.page
    act.think()  # "120/80" has no exam: it is the pressure's
    act.choose(page.locator("#correggi-relazione-testa input"), '"120/80"', "the head")
    act.think()
    act.choose(page.locator("#correggi-relazione-coda input"), '"pressione"', "the tail")
    act.click(
        page.locator("#correggi-aggiungi-relazione"), "«+ Aggiungi relazione»"
    )  # PERTAINS, the only one
    expect(page.locator("#correggi-relazioni-nota")).to_contain_text("Aggiunta la relazione")
    save(act, "clicks-link")


def form_after(act: Actions) -> None:
    page = act.page
    act.think()  # the note beside the form: "da tre giorni" is a subacute onset
    act.choose(page.get_by_label("insorgenza della dispnea"), "subacuta", "the onset's list")
    save(act, "clicks-form")


# before issue 24 (2be1ca7): a new span is labelled "label" and relabelled by typing; relations are typed as
# mention ids in a table that opening a prediction empties (the bug issue 24 reports first), so every link the
# correction must keep is typed again; a form is a table of values typed in, with no note beside it
def type_label(act: Actions, word: str, label: str) -> None:
    """Click a span of the span editor and type its label over the one it has."""
    spans = act.page.locator("#correggi-menzioni")
    act.think()
    field = spans.locator("input.label-input").first
    if not field.is_visible():  # a new selection opens its label field; a span clicked opens it too
        act.click(spans.locator(".highlighted", has_text=word).last, f"the span «{word}»")
    act.click(field, "its label field")
    if not field.evaluate("el => el.selectionStart === 0 && el.selectionEnd === el.value.length"):
        act.press("Control+a")
    act.type(label, f"«{label}»")
    act.press("Enter")
    expect(act.page.locator("#correggi-entita [role=row]", has_text=word)).to_contain_text(label)


def type_links(act: Actions, links: list[tuple[str, str]]) -> None:
    """Type the links (head text, tail text) the relation table lacks, by their mentions' ids read in the table of
    mentions: a new row ('+' on an empty table, else a row's menu 'Aggiungi riga sotto'), then its three cells."""
    page, table = act.page, act.page.locator("#correggi-relazioni")
    ids = {}
    rows = page.locator("#correggi-entita [role=row][data-index]")
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("[role=gridcell]").all_inner_texts()]
        ids[cells[4].split("\n")[0]] = cells[0].split("\n")[0]
    for head, tail in links:
        shown = table.locator("[role=row][data-index]")
        n = sum(1 for i in range(shown.count()) if "".join(shown.nth(i).all_inner_texts()).strip(" ⋮\n"))
        act.think()  # find both mentions' ids in the table of mentions
        if n == 0:
            act.click(table.locator("button", has_text="+").first, "«+» (a first row)")
        else:
            last = table.locator(f"[role=row][data-index='{n - 1}'] [role=gridcell]").first
            act.click(last, "the last row")
            act.click(
                table.locator(f"[role=row][data-index='{n - 1}'] button.cell-menu-button").first, "its ⋮"
            )
            act.click(page.get_by_role("menu").get_by_text("Aggiungi riga sotto"), "«Aggiungi riga sotto»")
        cells = table.locator(f"[role=row][data-index='{n}'] [role=gridcell]")
        act.type_row(cells, [ids[head], "PERTAINS", ids[tail]], ["head", "relation", "tail"])


def mention_before(act: Actions) -> None:
    act.think()
    act.select(act.page.locator("#correggi-menzioni"), "emoglobina")  # a new span, labelled "label"
    type_label(act, "emoglobina", "EVENT")
    type_links(act, [("38,5 °C", "Temperatura"), ("120/80", "pressione")])
    save(act, "clicks-mention")


def boundary_before(act: Actions) -> None:
    reselect_value(act)
    type_label(act, "38,5 °C", "RML")
    type_links(act, [("38,5 °C", "Temperatura"), ("12 g/dl", "emoglobina"), ("120/80", "pressione")])
    save(act, "clicks-boundary")


def link_before(act: Actions) -> None:
    type_links(act, [("38,5 °C", "Temperatura"), ("12 g/dl", "emoglobina"), ("120/80", "pressione")])
    save(act, "clicks-link")


def form_before(act: Actions) -> None:
    grid = act.page.get_by_role("grid", name=re.compile("Modulo"))
    act.think()  # the note is not on the page: the annotator knows it ("da tre giorni")
    act.replace_cell(grid.locator("[role=row]", has_text="insorgenza").locator("[role=gridcell]").nth(3),
                     "subacuta", "the onset's value cell")  # fmt: skip
    save(act, "clicks-form")


FLOWS = {
    "before": {
        "mention": mention_before,
        "boundary": boundary_before,
        "link": link_before,
        "form": form_before,
    },
    "after": {"mention": mention_after, "boundary": boundary_after, "link": link_after, "form": form_after},
}
NOTES = [
    "Notes: each flow starts on Correggi with the prediction opened by its address (?predizione=ID) and its "
    "events settled (3 s); it ends when the history lists the saved correction, then the store is read. Before, "
    "opening a relation prediction emptied its relation table (issue 24's first finding), so each links flow "
    "types again every link the correction must keep; before, a form's note was not on the page at all (the "
    "flow assumes the annotator knows it; finding it elsewhere is not counted). M operators: one to spot each "
    "error, one per further choice (a label, a mention, a row's ids), one to check before saving. A table cell is "
    "typed once its editor is open and focused, then read back; a cell the table did not keep (or an editor "
    "that did not open) is opened again and retyped: a retry, whose clicks, keys and operators (with an M to "
    "notice it) are counted like any other, since a person suffers the same table.",
]


def stored(database, prediction_id: int, name: str) -> bool:
    """Whether the correction of this prediction holds what the flow had to make it hold."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "select record from corrections where prediction_id = ?", (prediction_id,)
        ).fetchall()
    if len(rows) != 1:
        return False
    record = json.loads(rows[0][0])
    if name == "form":
        return record["fields"] == {**PREDICTIONS[3][2]["fields"], "insorgenza": "subacuta"}
    spans, links = EXPECTED[name]
    by_id = {e["id"]: (e["start"], e["end"], e["label"]) for e in record["entities"]}
    got_links = {(by_id.get(r["head"]), by_id.get(r["tail"])) for r in record.get("relations", [])}
    return sorted(by_id.values()) == sorted(spans) and got_links == set(links)


def login(page, url: str, user: str, password: str) -> None:
    """Through medui's Italian login form (after) or Gradio's (before), then wait for the app's notice."""
    from tests.app.browsing import NOTICE

    page.goto(url + "/")
    name = page.get_by_label(re.compile("Nome utente|username", re.I))
    name.fill(user)
    page.get_by_label(re.compile("password", re.I)).fill(password)
    page.keyboard.press("Enter")
    page.get_by_text(NOTICE).first.wait_for()


def run(version: str, name: str, browser, url: str, auth, prediction_id: int, database, shots: Path) -> dict:
    """One correction on one version: its counts, seconds and whether the store holds it (a flow that fails
    leaves a screenshot of its page in `shots`)."""
    from tests.app.browsing import VIEWPORT

    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        login(page, url, *auth)
        page.goto(f"{url}/correggi?predizione={prediction_id}")
        opened = "#correggi-voci" if (name, version) == ("form", "after") else "#correggi-menzioni"
        if name == "form" and version == "before":
            page.get_by_role("grid", name=re.compile("Modulo")).wait_for()
        else:
            page.locator(opened).wait_for(state="visible")
        page.wait_for_timeout(3000)  # the events that follow the opening have answered
        act, error = Actions(page), None
        try:
            FLOWS[version][name](act)
        except Exception as exc:  # a flow that did not finish: said in the results, its figures not counted
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"failed-{version}-{name}.png"), full_page=True)
        seconds = time.monotonic() - (act.began or time.monotonic())
    finally:
        context.close()
    row = {"correction": name, **act.summary(), "scripted_s": round(seconds, 2)}
    return {**row, "stored": error is None and stored(database, prediction_id, name), "error": error}
