"""Several versions of a document through its kind: merging piece by piece (the table of distinct pieces, and
records rebuilt from the pieces kept), and the agreement report of every family."""

from __future__ import annotations

import pytest

from medui.backend.data import gold
from medui.errors import InputError
from medui.tasks.agreement import cohen_kappa, fleiss_kappa
from medui.tasks.kinds import kind_for
from medui.tasks.registry import all_specs, get_spec
from medui.tasks.versions import annotated_documents, measure, merged_record, piece_table

approx = pytest.approx

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


def ent(start: int, end: int, label: str) -> dict:
    return {"start": start, "end": end, "label": label, "text": "x" * (end - start)}


# agreement reports through the kinds ------------------------------------------------------------------------------
def test_measure_ner_report_shape():
    spec = get_spec("e3c_clinical_entities")
    a = {"d1": {"entities": [ent(0, 5, "CLINENTITY")]}, "d2": {"entities": []}, "d3": {"entities": []}}
    b = {"d1": {"entities": [ent(0, 5, "CLINENTITY")]}, "d2": {"entities": [ent(1, 4, "CLINENTITY")]}}
    model = {"d1": {"entities": [ent(0, 4, "CLINENTITY")]}}
    report = measure(spec, {"ann1": a, "ann2": b, "model": model})
    assert report["task"] == "e3c_clinical_entities" and report["kappa"] is None
    assert report["documents"] == 2  # d3 has one version only
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    assert pairs[("ann1", "ann2")]["documents"] == 2
    assert pairs[("ann1", "ann2")]["strict_f1"] == approx(2 / 3)
    assert pairs[("ann1", "model")]["documents"] == 1
    assert pairs[("ann1", "model")]["strict_f1"] == 0 and pairs[("ann1", "model")]["lenient_f1"] == 1
    assert set(pairs[("ann1", "ann2")]) >= {"a", "b", "documents", "strict_f1", "lenient_f1", "per_label"}


def test_measure_crf_kappa_per_item():
    spec = get_spec("ed_syncope_crf")
    item = "prodromi"
    rows_a = ["presente"] * 25 + ["assente"] * 25
    rows_b = ["presente"] * 20 + ["assente"] * 5 + ["presente"] * 10 + ["assente"] * 15
    rows_c = ["presente"] * 30 + ["non_menzionato"] * 20
    versions = {
        name: {f"d{i}": {"fields": {item: v}} for i, v in enumerate(rows)}
        for name, rows in (("a", rows_a), ("b", rows_b), ("c", rows_c))
    }
    two = measure(spec, versions, annotators=["a", "b"])
    pair = two["pairs"][0]
    assert pair["documents"] == 50
    assert pair["per_item"][item]["kappa"] == approx(0.4)  # the textbook table
    assert pair["per_item"][item]["agreement"] == approx(0.7)
    assert pair["per_item"]["palpitazioni"]["kappa"] is None  # nobody filled it: undefined
    assert two["kappa"]["method"] == "cohen" and two["kappa"]["per_item"][item]["value"] == approx(0.4)
    three = measure(spec, versions)
    assert three["kappa"]["method"] == "fleiss" and three["kappa"]["documents"] == 50
    table = [
        [r.count(v) for v in ("presente", "assente", "non_menzionato")]
        for r in zip(rows_a, rows_b, rows_c, strict=True)
    ]
    expected = fleiss_kappa(table)
    assert three["kappa"]["per_item"][item]["value"] == approx(expected)


def test_measure_qa_multiple_choice_and_extractive():
    mc = get_spec("medqa_it")
    a = {f"q{i}": {"answer": x} for i, x in enumerate("AABBC")}
    b = {f"q{i}": {"answer": x} for i, x in enumerate("AABCC")}
    report = measure(mc, {"a": a, "b": b})
    expected = cohen_kappa(list("AABBC"), list("AABCC"))
    assert report["pairs"][0]["kappa"] == approx(expected) and report["pairs"][0]["agreement"] == approx(0.8)
    assert report["kappa"] == {
        "method": "cohen",
        "value": approx(expected),
        "annotators": ["a", "b"],
        "documents": 5,
    }
    ex = get_spec("drug_leaflet_qa")
    a = {"q1": {"answer": "due volte al giorno"}, "q2": {"answer": "Il paracetamolo"}}
    b = {"q1": {"answer": "due volte"}, "q2": {"answer": "paracetamolo."}}
    pair = measure(ex, {"a": a, "b": b})["pairs"][0]
    assert pair["agreement"] == approx(0.5)  # q2 agrees after normalisation
    assert pair["token_f1"] == approx((2 * 2 / 6 + 1.0) / 2)


def test_annotated_documents():
    versions = {"a": {"d1": {}, "d2": {}}, "b": {"d2": {}, "d3": {}}, "c": {"d3": {}}}
    assert annotated_documents(versions, ["a", "b", "c"]) == ["d2", "d3"]
    assert annotated_documents(versions, ["a", "c"]) == []
