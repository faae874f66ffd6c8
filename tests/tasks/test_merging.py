"""Merging versions piece by piece: the table of distinct pieces, and records rebuilt from the pieces kept."""

from __future__ import annotations

import pytest

from medui.backend import gold
from medui.errors import InputError
from medui.tasks.kinds import kind_for
from medui.tasks.merging import merged_record, piece_table
from medui.tasks.registry import all_specs, get_spec

TEXT = "Paziente con febbre alta e tosse secca."
FEBBRE_ALTA, FEBBRE, TOSSE = (13, 24), (13, 19), (27, 38)


def ner(*spans: tuple[int, int]) -> dict:
    return {"id": "r", "text": TEXT, "entities": [
        {"start": s, "end": e, "label": "CLINENTITY", "text": TEXT[s:e]} for s, e in spans]}  # fmt: skip


@pytest.mark.parametrize("task_id", sorted(all_specs()))
def test_a_gold_record_merged_from_all_its_pieces_is_the_same_annotation(task_id):
    spec = get_spec(task_id)
    kind = kind_for(spec)
    for record in gold.load_split(spec, spec.eval_split)[:10]:
        keys = [row["key"] for row in piece_table(spec, {"a": record})]
        rebuilt = merged_record(spec, record["id"], {"a": record}, keys)
        assert kind.annotation_key(spec, rebuilt) == kind.annotation_key(spec, record), record["id"]
        inputs = {k: v for k, v in record.items() if k not in rebuilt}
        assert kind.validate_record(spec, {**inputs, **rebuilt}) == [], record["id"]


def test_span_pieces_say_who_has_them_and_a_merge_keeps_the_chosen_ones():
    spec = get_spec("e3c_clinical_entities")
    versions = {"anna": ner(FEBBRE_ALTA, TOSSE), "bruno": ner(FEBBRE, TOSSE)}
    table = piece_table(spec, versions)
    assert [(r["shown"], r["by"], r["agreed"]) for r in table] == [
        ("febbre", ["bruno"], False), ("febbre alta", ["anna"], False), ("tosse secca", ["anna", "bruno"], True),
    ]  # fmt: skip
    merged = merged_record(spec, "r", versions, [table[0]["key"], table[2]["key"]])
    assert merged == {"id": "r", "entities": [
        {"start": 13, "end": 19, "label": "CLINENTITY", "text": "febbre"},
        {"start": 27, "end": 38, "label": "CLINENTITY", "text": "tosse secca"}]}  # fmt: skip
    with pytest.raises(InputError, match="pezzo sconosciuto"):
        merged_record(spec, "r", versions, ["1:2:CLINENTITY"])


def test_relations_are_matched_by_their_spans_and_need_their_mentions_kept():
    spec = get_spec("e3c_measurement_links")
    label = next(iter(spec.relation_labels))
    text = "PSA 127 ng/ml"
    ents = [{"id": "T1", "start": 0, "end": 3, "label": "EVENT", "text": "PSA"},
            {"id": "T2", "start": 4, "end": 13, "label": "RML", "text": "127 ng/ml"}]  # fmt: skip
    anna = {
        "id": "r",
        "text": text,
        "entities": ents,
        "relations": [{"head": "T2", "label": label, "tail": "T1"}],
    }
    renamed = [{**ents[1], "id": "X"}, {**ents[0], "id": "Y"}]  # other ids, other order: the same relation
    bruno = {
        "id": "r",
        "text": text,
        "entities": renamed,
        "relations": [{"head": "X", "label": label, "tail": "Y"}],
    }
    table = piece_table(spec, {"anna": anna, "bruno": bruno})
    assert [(r["part"], r["agreed"]) for r in table] == [
        ("menzione", True),
        ("menzione", True),
        ("relazione", True),
    ]
    assert table[2]["shown"] == "127 ng/ml → PSA"
    merged = merged_record(spec, "r", {"anna": anna, "bruno": bruno}, [r["key"] for r in table])
    assert merged["relations"] == [{"head": "T2", "label": label, "tail": "T1"}]
    with pytest.raises(InputError, match="lega una menzione che non hai tenuto"):
        merged_record(spec, "r", {"anna": anna}, [table[1]["key"], table[2]["key"]])


def test_a_form_is_merged_item_by_item_one_value_an_item():
    spec = get_spec("ed_dyspnea_crf")
    record = gold.load_split(spec, "test")[0]
    anna = {**record, "fields": {**record["fields"], "eta": 76, "febbre": "assente"}}
    bruno = {**record, "fields": {**record["fields"], "eta": 67, "febbre": "presente"}}
    both = {"anna": anna, "bruno": bruno}
    table = piece_table(spec, both)
    differing = {(r["what"], r["shown"]): r for r in table if not r["agreed"]}
    assert sorted(differing) == [("eta", "67"), ("eta", "76"), ("febbre", "assente"), ("febbre", "presente")]
    agreed = [r["key"] for r in table if r["agreed"]]
    keys = [*agreed, differing["eta", "67"]["key"], differing["febbre", "assente"]["key"]]
    merged = merged_record(spec, record["id"], both, keys)
    assert (merged["fields"]["eta"], merged["fields"]["febbre"]) == (67, "assente")
    assert {k: v for k, v in merged["fields"].items() if k not in ("eta", "febbre")} == {
        k: v for k, v in record["fields"].items() if k not in ("eta", "febbre")}  # fmt: skip
    with pytest.raises(InputError, match="eta: serve un solo valore"):
        merged_record(spec, record["id"], both, [*keys, differing["eta", "76"]["key"]])
    with pytest.raises(InputError, match="febbre: serve un solo valore .*scegline uno"):
        merged_record(spec, record["id"], both, [*agreed, differing["eta", "67"]["key"]])


def test_an_answer_is_one_slot():
    spec = get_spec("medmcqa_it")
    record = gold.load_split(spec, "test")[0]
    other = next(letter for letter in spec.options if letter != record["answer"])
    versions = {"anna": record, "bruno": {**record, "answer": other}}
    table = piece_table(spec, versions)
    assert [(r["shown"][:1], r["by"]) for r in table] == sorted(
        [(record["answer"], ["anna"]), (other, ["bruno"])], key=lambda r: r[0]
    )
    bruno_key = next(r["key"] for r in table if r["by"] == ["bruno"])
    assert merged_record(spec, record["id"], versions, [bruno_key]) == {"id": record["id"], "answer": other}
    with pytest.raises(InputError, match="risposta: serve un solo valore"):
        merged_record(spec, record["id"], versions, [r["key"] for r in table])
