"""Correggi's relation editor (issue 24): head and tail chosen by the mention's text, ids that stay while the
mentions are edited, the links of a removed mention dropped and named, and the record saved as before."""

from __future__ import annotations

from medui.pages import editing, mention_ids, relations
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec

TEXT = "Glicemia 4,5 mg/dl, poi glicemia 4,5 mg/dl; PCR <b>alta</b>."
LINKS = get_spec("e3c_measurement_links")


def mention(i: int, start: int, end: int, label: str) -> dict:
    return {"id": f"T{i}", "start": start, "end": end, "label": label, "text": TEXT[start:end]}


# T1 Glicemia, T2 4,5 mg/dl, T3 glicemia, T4 4,5 mg/dl (the same words again), T5 <b>alta</b>
MENTIONS = [
    mention(1, 0, 8, "EVENT"),
    mention(2, 9, 18, "RML"),
    mention(3, 24, 32, "EVENT"),
    mention(4, 33, 42, "RML"),
    mention(5, 48, 59, "RML"),
]


def test_heads_and_tails_are_chosen_by_text_label_and_position_in_text_order():
    shuffled = [MENTIONS[3], MENTIONS[0], MENTIONS[1]]
    assert relations.span_choices(shuffled) == [
        ('"Glicemia" (EVENT, car. 0)', "T1"),
        ('"4,5 mg/dl" (RML, car. 9)', "T2"),
        ('"4,5 mg/dl" (RML, car. 33)', "T4"),  # a repeated text told apart by its position
    ]
    heads = relations.span_choices(MENTIONS, LINKS.relation_heads)  # PERTAINS goes from RML
    assert [value for _, value in heads] == ["T2", "T4", "T5"]
    tails = relations.span_choices(MENTIONS, LINKS.relation_tails)  # to EVENT
    assert [value for _, value in tails] == ["T1", "T3"]
    long = {**MENTIONS[0], "text": "x" * 80}
    assert len(relations.mention_name(long)) < 70 and "…" in relations.mention_name(long)


def test_a_new_mention_takes_a_new_id_and_no_other_id_moves():
    edited = [{k: v for k, v in m.items() if k != "id"} for m in MENTIONS]
    new = {"start": 20, "end": 23, "label": "EVENT", "text": TEXT[20:23]}  # "poi", between T2 and T3
    kept = mention_ids.keep_ids(MENTIONS, [new, *edited])
    assert [(e["text"], e["id"]) for e in kept] == [
        ("Glicemia", "T1"),
        ("4,5 mg/dl", "T2"),
        ("poi", "T6"),
        ("glicemia", "T3"),
        ("4,5 mg/dl", "T4"),
        ("<b>alta</b>", "T5"),
    ]


def test_a_relabelled_mention_keeps_its_id_and_a_removed_one_frees_no_id_for_the_next():
    edited = [{k: v for k, v in m.items() if k != "id"} for m in MENTIONS]
    edited[0] = {**edited[0], "label": "RML"}  # relabelled
    kept = mention_ids.keep_ids(MENTIONS, edited[:4])  # T5 removed
    assert [(e["id"], e["label"]) for e in kept] == [
        ("T1", "RML"),
        ("T2", "RML"),
        ("T3", "EVENT"),
        ("T4", "RML"),
    ]
    again = mention_ids.keep_ids(
        MENTIONS, [*edited[:4], {"start": 43, "end": 46, "label": "EVENT", "text": "PCR"}]
    )
    assert again[-1]["id"] == "T6"  # not T5, which links of the version before pointed at
    two_ids = [{**MENTIONS[0], "id": "T9"}, {**MENTIONS[0], "id": "T8"}]  # the same place twice
    assert sorted(e["id"] for e in mention_ids.keep_ids(two_ids, [edited[0], edited[0]])) == ["T10", "T9"]


def test_a_removed_mention_drops_its_links_and_names_them():
    rows = [["T2", "PERTAINS", "T1"], ["T4", "PERTAINS", "T3"], ["T5", "PERTAINS", "T3"]]
    kept, dropped = relations.drop_links(MENTIONS, [m for m in MENTIONS if m["id"] != "T3"], rows)
    assert kept == [["T2", "PERTAINS", "T1"]]
    assert dropped == ["«4,5 mg/dl» → «glicemia» (PERTAINS)", "«<b>alta</b>» → «glicemia» (PERTAINS)"]
    note = relations.dropped_note(dropped)
    assert note.startswith("⚠ 2 relazioni tolte con la menzione rimossa: ") and "<b>" not in note
    assert relations.dropped_note([]) == ""


def test_adding_a_link_checks_the_choices_and_says_what_happened():
    rows = [["T2", "PERTAINS", "T1"]]
    for head, label, tail, said in [
        ("T4", None, "T3", "Scegli la testa, la relazione e la coda"),
        ("T4", "CAUSES", "T3", "«CAUSES» non è una relazione del compito"),
        ("T4", "PERTAINS", "T7", "non c'è più"),
        ("T4", "PERTAINS", "T4", "stessa menzione"),
        ("T2", "PERTAINS", "T1", "c'è già (n. 1)"),
    ]:
        unchanged, note = relations.added(LINKS, MENTIONS, rows, head, label, tail)
        assert unchanged == rows and said in note
    grown, note = relations.added(LINKS, MENTIONS, [], "T4", "PERTAINS", "T3")  # an empty table takes one too
    assert grown == [["T4", "PERTAINS", "T3"]]
    assert note == "Aggiunta la relazione n. 1: «4,5 mg/dl» → «glicemia» (PERTAINS)."


def test_removing_takes_the_chosen_link_only():
    rows = [["T2", "PERTAINS", "T1"], ["T4", "PERTAINS", "T3"]]
    left, note = relations.removed(MENTIONS, rows, ["T4", "PERTAINS", "T3"])
    assert (
        left == [["T2", "PERTAINS", "T1"]]
        and note == "Tolta la relazione «4,5 mg/dl» → «glicemia» (PERTAINS)."
    )
    same, note = relations.removed(MENTIONS, rows, None)
    assert same == rows and "Scegli prima" in note


def test_each_link_is_shown_by_text_in_the_table_and_on_the_text():
    rows = [["T2", "PERTAINS", "T1"], ["T5", "PERTAINS", "T1"]]
    assert relations.relation_table(MENTIONS, rows) == [
        [1, '"4,5 mg/dl" (RML, car. 9)', "PERTAINS", '"Glicemia" (EVENT, car. 0)', "✕"],
        [2, '"<b>alta</b>" (RML, car. 48)', "PERTAINS", '"Glicemia" (EVENT, car. 0)', "✕"],
    ]
    shown = relations.links_html(TEXT, MENTIONS, rows)
    assert "EVENT →1, →2" in shown and "RML 1→" in shown and "RML 2→" in shown
    assert "<b>" not in shown and "&lt;b&gt;alta&lt;/b&gt;" in shown
    assert "glicemia 4,5 mg/dl" in shown  # mentions in no link are not marked
    assert "Nessuna relazione" in relations.links_html(TEXT, MENTIONS, [])


def test_a_relation_record_opens_with_its_own_ids_and_saves_in_the_gold_format():
    kind = kind_for(LINKS)
    shuffled = [mention(7, 0, 8, "EVENT"), mention(3, 9, 18, "RML")][::-1]  # ids not in text order
    record = {"id": "r", "text": TEXT, "entities": shuffled, "relations": [{"head": "T3", "tail": "T7", "label": "PERTAINS"}]}  # fmt: skip
    current = kind.editor_entities(LINKS, record)
    assert [e["id"] for e in current] == ["T7", "T3"]
    item = {"task": LINKS.id, "text": TEXT, "record_id": "r", "prediction_id": 1, "confidence": 0.5,
            "history": [], "prediction": record, "in_force": None}  # fmt: skip
    rows = editing.values_for(item)[
        8
    ]  # the links' state: after item, mentions, 5 others and the editor's box
    assert rows == [["T3", "PERTAINS", "T7"]]
    saved = editing.record_from_editors(item, current, [], None, "", rows)
    assert saved["relations"] == [{"head": "T3", "label": "PERTAINS", "tail": "T7"}]
    assert [e["id"] for e in saved["entities"]] == ["T7", "T3"] and editing.edited_problems(item, saved) == []
