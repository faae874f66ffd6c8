"""A refused correction in Italian (issue 24): the kind's problems with an edited record, each naming the mention,
relation or form item by what the annotator sees, never by a 0-based index; and what Correggi keeps of a
relation when only a mention's label changed."""

from __future__ import annotations

from medui.pages import editing, problems
from medui.tasks.kinds.crf import empty_value
from medui.tasks.registry import get_spec

TEXT = "Temperatura 38,5 °C, emoglobina 12 g/dl, pressione 120/80."
SPANS = [(0, 11, "EVENT"), (12, 19, "RML"), (21, 31, "EVENT"), (32, 39, "RML"), (41, 50, "EVENT"), (51, 57, "RML")]  # fmt: skip


def links_record(labels: dict[int, str] | None = None, relations: list[tuple] | None = None) -> dict:
    """The measurement links of TEXT: six mentions T1..T6 (labels changed by index), the given relations."""
    entities = [
        {"id": f"T{i}", "start": s, "end": e, "label": (labels or {}).get(i, label), "text": TEXT[s:e]}
        for i, (s, e, label) in enumerate(SPANS, start=1)
    ]
    links = relations if relations is not None else [("T2", "PERTAINS", "T1"), ("T6", "PERTAINS", "T5")]
    return {
        "id": "r",
        "text": TEXT,
        "entities": entities,
        "relations": [{"head": h, "label": lab, "tail": t} for h, lab, t in links],
    }


def test_a_wrong_label_is_named_by_the_mention_text_in_italian():
    spec = get_spec("e3c_measurement_links")
    found = problems.record_problems(spec, links_record({6: "rml"}))
    assert found[0] == 'menzione «120/80» (T6): etichetta "rml" non è tra RML, EVENT'
    assert not [p for p in found if "entities[" in p or "relations[" in p or " is not " in p]


def test_relation_problems_are_named_from_1_by_their_mentions():
    links = [("T2", "PERTAINS", "T1"), ("T4", "PERTAINS", "T3"), ("T9", "CAUSA", "T1")]
    spec, record = get_spec("e3c_measurement_links"), links_record(relations=links)
    assert sorted(problems.record_problems(spec, record)) == [
        'relazione n. 3 (T9 → «Temperatura»): etichetta "CAUSA" non è tra PERTAINS',
        "relazione n. 3 (T9 → «Temperatura»): testa e coda devono essere id di menzioni della tabella (come T1)",
    ]
    said = {  # the kind's words (medui/tasks/kinds/re.py) -> what the annotator reads
        "relations[1]: the same relation as relations[0]": "relazione n. 2 («12 g/dl» → «emoglobina»): "
        "ripete la relazione n. 1",
        "relations[0] (T2 -> T1): PERTAINS goes from RML to EVENT, not from EVENT to RML: head and tail reversed": (
            "relazione n. 1 («38,5 °C» → «Temperatura»): PERTAINS va da RML a EVENT, non da EVENT a RML; "
            "testa e coda sono invertite"
        ),
        "relations[0]: head and tail are the same entity (T2)": "relazione n. 1 («38,5 °C» → «Temperatura»): "
        "testa e coda sono la stessa menzione",
        "entities[3]: the same mention as entities[2] (21..31 EVENT)": "menzione «12 g/dl» (T4): "
        "ripete la menzione n. 3",
    }
    for english, italian in said.items():
        assert problems.italian_problem(spec, record, english) == italian


def test_a_form_value_outside_the_items_values_names_the_item():
    spec = get_spec("ed_dyspnea_crf")
    fields = {item.name: empty_value(item) for item in spec.fields}
    fields["febbre"] = "Presente"
    found = problems.record_problems(spec, {"id": "r", "text": "Febbre.", "fields": fields})
    assert found == ["voce «febbre»: il valore deve essere 'presente', 'assente' o 'non_menzionato'"]
    said = problems.italian_problem(spec, {}, "eta: Input should be less than or equal to 130")
    assert said == "voce «età»: il valore deve essere al massimo 130"


def test_an_ner_record_from_the_editor_is_checked_with_its_text():
    item = {"task": "e3c_clinical_entities", "text": "Febbre e tosse.", "record_id": "r"}
    entities = [{"start": 0, "end": 6, "label": "label", "text": "Febbre"}]
    assert editing.edited_problems(item, {"id": "r", "entities": entities}) == [
        'menzione «Febbre» (T1): etichetta "label" non è tra CLINENTITY'
    ]
    entities[0]["label"] = "CLINENTITY"
    assert editing.edited_problems(item, {"id": "r", "entities": entities}) == []


def test_a_relabelled_mention_loses_no_relation_a_removed_one_does():
    item = {"task": "e3c_measurement_links", "text": TEXT, "prediction": links_record(), "in_force": None}
    assert editing.lost_relations(item, links_record({6: "EVENT"})) == []
    renumbered = links_record(relations=[("T2", "PERTAINS", "T1")])
    assert editing.lost_relations(item, renumbered) == ["«120/80 → pressione» (PERTAINS)"]
