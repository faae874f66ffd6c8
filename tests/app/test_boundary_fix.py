"""A fixed boundary keeps a mention's links in Correggi (issue 24): typed in the table of mentions (rows matched
by id) or by removing a mention and selecting its text again at once; only a mention removed for good takes its
links away, and the save guard does not count a link whose mention only moved as lost."""

from __future__ import annotations

from medui.pages import editing, mention_ids, mention_table, relations
from tests.app.test_refused_save import TEXT, links_record

LABELS = ["RML", "EVENT"]
LINKS = [["T2", "PERTAINS", "T1"], ["T6", "PERTAINS", "T5"]]
# T1 Temperatura 0-11, T2 38,5 °C 12-19, T3 emoglobina, T4 12 g/dl, T5 pressione 41-50, T6 120/80 51-57
MENTIONS = links_record()["entities"]


def table(entities: list[dict]) -> list[list]:
    return [[e["id"], e["start"], e["end"], e["label"], e["text"]] for e in entities]


def typed(row_id: str, column: int, value) -> list[list]:
    """The table of MENTIONS with one cell typed over."""
    rows = table(MENTIONS)
    for row in rows:
        if row[0] == row_id:
            row[column] = value
    return rows


def test_a_boundary_typed_in_the_table_keeps_the_id_and_the_links():
    edited, notes = mention_table.edited(TEXT, MENTIONS, typed("T2", 2, "17"), LABELS)  # "38,5 °C" -> "38,5 "
    assert notes == []
    t2 = next(e for e in edited if e["id"] == "T2")
    assert (t2["start"], t2["end"], t2["text"], t2["label"]) == (12, 17, "38,5 ", "RML")
    assert [e["id"] for e in edited] == [f"T{i}" for i in range(1, 7)]
    kept, dropped = relations.drop_links(MENTIONS, edited, LINKS)
    assert kept == LINKS and dropped == []


def test_a_typed_text_is_found_where_the_mention_was_and_the_grid_may_send_floats():
    fixed = TEXT.replace("12 g/dl", "38,5 X")  # "38,5" twice: the one nearest T2 is taken
    mentions = [{**e, "text": fixed[e["start"] : e["end"]]} for e in MENTIONS]
    rows = table(mentions)
    rows[1][4] = "38,5"
    rows[3][1], rows[3][2] = 32.0, "35"  # T4: "38," typed as offsets, one of them a float
    edited, notes = mention_table.edited(fixed, mentions, rows, LABELS)
    by_id = {e["id"]: e for e in edited}
    assert notes == []
    assert (by_id["T2"]["start"], by_id["T2"]["end"]) == (12, 16)
    assert (by_id["T4"]["start"], by_id["T4"]["end"], by_id["T4"]["text"]) == (32, 35, "38,")


def test_what_cannot_be_taken_as_typed_stays_and_is_said_in_italian():
    for column, value, said in [
        (1, "60", "inizio 60 e fine 19 non delimitano un testo del documento (da 0 a 58)"),
        (2, "abc", "inizio 12 e fine abc non delimitano"),
        (4, "39 °C", "«39 °C» non è nel testo"),
        (3, "PRESSIONE", "«PRESSIONE» non è un'etichetta del compito: resta RML"),
    ]:
        edited, notes = mention_table.edited(TEXT, MENTIONS, typed("T2", column, value), LABELS)
        assert edited == MENTIONS
        assert len(notes) == 1 and notes[0].startswith("menzione «38,5 °C» (T2): ") and said in notes[0]
    relabelled, notes = mention_table.edited(TEXT, MENTIONS, typed("T2", 3, "event"), LABELS)
    assert notes == [] and relabelled[1] == {**MENTIONS[1], "label": "EVENT"}  # a slip of case forgiven


def test_a_row_taken_out_takes_its_links_and_a_new_row_takes_a_new_id():
    rows = [r for r in table(MENTIONS) if r[0] != "T6"] + [["", "", "", "EVENT", "emoglobina"], [""] * 5]
    edited, notes = mention_table.edited(TEXT, MENTIONS, rows, LABELS)
    assert notes == []
    new = [e for e in edited if e["id"] == "T7"]  # after the highest id, T6 not given again
    assert [(e["start"], e["end"], e["label"]) for e in new] == [(21, 31, "EVENT")]
    kept, dropped = relations.drop_links(MENTIONS, edited, LINKS)
    assert kept == LINKS[:1] and dropped == ["«120/80» → «pressione» (PERTAINS)"]


def test_a_mention_removed_then_selected_again_with_a_new_boundary_takes_back_its_id_and_links():
    without = [e for e in MENTIONS if e["id"] != "T6"]  # 1. "120/80" removed in the span editor
    kept, _ = relations.drop_links(MENTIONS, without, LINKS)
    parked = mention_ids.taken_away(MENTIONS, without, LINKS)
    assert parked == [{"mention": MENTIONS[5], "links": [LINKS[1]], "at": [1]}]
    # 2. "pressione 120/80" minus the first letters selected at once: a new mention over the old one
    selected = {"start": 53, "end": 57, "label": "RML", "text": TEXT[53:57]}
    edited = mention_ids.keep_ids([*without, *(p["mention"] for p in parked)], [*without, selected])
    entities, rows, back = mention_ids.relinked(parked, without, edited, kept)
    assert [(e["id"], e["start"]) for e in entities][-1] == ("T6", 53)
    assert rows == LINKS and back == ["«0/80» → «pressione» (PERTAINS)"]
    assert relations.drop_links(without, entities, rows) == (LINKS, [])
    again = mention_ids.keep_ids([*without, MENTIONS[5]], [*without, MENTIONS[5]])  # the same text again
    assert mention_ids.relinked(parked, without, again, kept)[1] == LINKS
    first = mention_ids.taken_away(MENTIONS, without, LINKS[::-1])  # its link first in the table
    assert mention_ids.relinked(first, without, again, kept)[1] == LINKS[::-1]  # back in its place
    elsewhere = {"start": 21, "end": 31, "label": "EVENT", "text": "emoglobina"}  # overlaps nothing taken
    entities, rows, back = mention_ids.relinked(parked, without, mention_ids.keep_ids(without, [*without, elsewhere]), kept)  # fmt: skip
    assert rows == kept and back == [] and "T6" not in {e["id"] for e in entities}


def test_a_boundary_fixed_on_a_linked_mention_is_no_lost_relation_at_save():
    item = {"task": "e3c_measurement_links", "text": TEXT, "prediction": links_record(), "in_force": None}
    moved = links_record()
    moved["entities"][5] = {**moved["entities"][5], "start": 53, "text": TEXT[53:57]}
    assert editing.lost_relations(item, moved) == []
    moved["relations"] = moved["relations"][:1]
    assert editing.lost_relations(item, moved) == ["«120/80 → pressione» (PERTAINS)"]
