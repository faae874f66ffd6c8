"""E3C importer: a hand-made XMI with exact output, and the real corpus checked against direct counts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from medui.backend.data.common import DataError
from medui.backend.data.e3c import E3C_TASKS, WINDOW_CHARS, build_e3c, import_e3c_xmi, pack_sentences
from medui.config import get_settings

FIXTURE = Path(__file__).parents[2] / "fixtures" / "real" / "e3c_tiny.xml"
E3C_DIR = get_settings().shared_data_dir / "e3c"
CUSTOM = "{http:///webanno/custom.ecore}"
SENTENCE = "{http:///de/tudarmstadt/ukp/dkpro/core/api/segmentation/type.ecore}Sentence"
XMI_ID = "{http://www.omg.org/XMI}id"
ENTITY_LABELS = ("CLINENTITY", "EVENT", "TIMEX3", "BODYPART", "ACTOR", "RML")
NER_TASKS = {task: plan.labels[0] for task, plan in E3C_TASKS.items() if plan.link is None}
LINK_ATTRS = {"PERTAINS": ("RML", "PERTAINSTO"), "TLINK": ("EVENT", "TLINK")}
needs_corpus = pytest.mark.skipif(
    not (E3C_DIR / "layer1").is_dir(), reason=f"E3C corpus not found at {E3C_DIR} (shared data folder absent)"
)

TEXT_1 = (
    "Nel 2019 il paziente è stato ricoverato per febbre. La temperatura era 39 °C 🌡. "
    "Due giorni dopo è stato dimesso."
)


def ent(start: int, end: int, label: str, text: str, entity_id: str | None = None) -> dict:
    head = {"id": entity_id} if entity_id else {}
    return {**head, "start": start, "end": end, "label": label, "text": text}


# -- the hand-made fixture ------------------------------------------------------------------------------------
def test_fixture_events_skips_counted_and_utf16_offsets_converted() -> None:
    report = import_e3c_xmi(FIXTURE, "e3c_events", split="train", window_chars=60)
    assert report.records["train"] == [
        {
            "id": "e3c_tiny#1",
            "text": TEXT_1,
            "entities": [
                ent(29, 39, "EVENT", "ricoverato"),
                ent(44, 50, "EVENT", "febbre"),
                ent(55, 66, "EVENT", "temperatura"),
                ent(104, 111, "EVENT", "dimesso"),  # XMI says 105-112: the 🌡 before it is two UTF-16 units
            ],
            "doc_id": "e3c_tiny",
            "offset": 0,
        },
        {
            "id": "e3c_tiny#2",
            "text": "Controllo dopo un mese.",
            "entities": [ent(0, 9, "EVENT", "Controllo")],
            "doc_id": "e3c_tiny",
            "offset": 113,
        },
    ]
    assert report.skipped == {
        "missing_begin_end:EVENT": 1,
        "duplicate_span:EVENT": 1,
        "outside_sentences:EVENT": 1,  # "Nota", after the last sentence
    }


def test_fixture_temporal_links_tlink_across_sentences_keeps_one_window() -> None:
    report = import_e3c_xmi(FIXTURE, "e3c_temporal_links", window_chars=60)
    first, second = report.records["user"]
    # without the TLINK ricoverato -> dimesso, 60 characters would cut after the first sentence
    assert first["text"] == TEXT_1
    assert first["entities"] == [
        ent(4, 8, "TIMEX3", "2019", "T1"),
        ent(29, 39, "EVENT", "ricoverato", "T2"),
        ent(44, 50, "EVENT", "febbre", "T3"),
        ent(55, 66, "EVENT", "temperatura", "T4"),
        ent(80, 95, "TIMEX3", "Due giorni dopo", "T5"),
        ent(104, 111, "EVENT", "dimesso", "T6"),
    ]
    assert first["relations"] == [
        {"head": "T2", "tail": "T1", "label": "CONTAINS"},
        {"head": "T2", "tail": "T6", "label": "BEFORE"},
        {"head": "T6", "tail": "T5", "label": "BEGINS-ON"},
    ]
    assert second["entities"] == [ent(0, 9, "EVENT", "Controllo", "T1")] and second["relations"] == []
    assert report.skipped == {
        "missing_begin_end:EVENT": 1,
        "duplicate_span:EVENT": 1,
        "outside_sentences:EVENT": 1,
        "duplicate_relation:TLINK": 1,
        "link_target_missing:TLINK": 1,
        "self_link:TLINK": 1,
        "link_end_not_entity:TLINK": 1,  # Controllo -> an RML
        "link_end_skipped:TLINK": 1,  # Controllo -> "Nota", outside every sentence
    }


def test_fixture_measurement_links_and_other_labels() -> None:
    report = import_e3c_xmi(FIXTURE, "e3c_measurement_links", window_chars=60)
    first = report.records["user"][0]
    assert [e["text"] for e in first["entities"]] == [
        "ricoverato",
        "febbre",
        "temperatura",
        "39 °C",
        "dimesso",
    ]
    assert first["relations"] == [{"head": "T4", "tail": "T3", "label": "PERTAINS"}]
    body = import_e3c_xmi(FIXTURE, "e3c_body_parts")
    assert body.skipped == {"zero_length_span:BODYPART": 1}
    assert [r["id"] for r in body.records["user"]] == ["e3c_tiny#1"]  # 600 characters: one window
    clinical = import_e3c_xmi(FIXTURE, "e3c_clinical_entities", window_chars=60)
    assert clinical.records["user"][0]["entities"] == [ent(44, 50, "CLINENTITY", "febbre")]
    assert clinical.skipped == {}


def test_folder_import_leaves_out_documents_not_annotated_for_the_layer() -> None:
    events = import_e3c_xmi(FIXTURE.parent, "e3c_events")
    assert {r["doc_id"] for r in events.records["user"]} == {"e3c_tiny"}
    assert events.skipped["document_not_annotated"] == 1  # e3c_clinical_only has no EVENT, TIMEX3, ... at all
    clinical = import_e3c_xmi(FIXTURE.parent, "e3c_clinical_entities")
    assert clinical.records["user"][0] == {
        "id": "e3c_clinical_only#1",
        "text": "Donna di 40 anni con cefalea.",
        "entities": [ent(21, 28, "CLINENTITY", "cefalea")],
        "doc_id": "e3c_clinical_only",
        "offset": 0,
    }
    assert len(clinical.records["user"]) == 2 and clinical.skipped == {}


def test_pack_sentences_merges_tied_sentences() -> None:
    sentences = [(0, 50), (51, 100), (101, 150), (151, 200)]
    assert pack_sentences(sentences, 100) == [(0, 1), (2, 3)]
    assert pack_sentences(sentences, 100, ties=[(1, 2)]) == [(0, 0), (1, 2), (3, 3)]
    assert pack_sentences(sentences, 10) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_bad_input_raises_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not an E3C task"):
        import_e3c_xmi(FIXTURE, "casimedicos_arg_components")
    bad = tmp_path / "bad.xml"
    bad.write_text("<xmi:XMI", encoding="utf-8")
    with pytest.raises(DataError, match="not valid XML"):
        import_e3c_xmi(bad, "e3c_events")
    with pytest.raises(DataError, match="no such file"):
        import_e3c_xmi(tmp_path / "missing", "e3c_events")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no XMI files"):
        import_e3c_xmi(tmp_path / "empty", "e3c_events")


# -- the real corpus, counted directly ------------------------------------------------------------------------
def train_ids() -> set[str]:
    text = (E3C_DIR / "train_test_split.txt").read_text(encoding="utf-8")
    return set(re.findall(r"IT\d+", text.split("ITALIAN", 1)[1].split("SPANISH", 1)[0]))


def to_index(text: str, utf16_offset: int) -> int:
    return len(text.encode("utf-16-le")[: 2 * utf16_offset].decode("utf-16-le"))


def read_doc(path: Path) -> dict:
    """Text, sentences, entity spans by id and links of one XMI file, read directly."""
    root = ET.parse(path).getroot()
    text = next(el.get("sofaString") for el in root if el.tag.endswith("}Sofa"))

    def span(el: ET.Element) -> tuple[int, int]:
        return to_index(text, int(el.get("begin"))), to_index(text, int(el.get("end")))

    by_id = {el.get(XMI_ID): el for el in root}
    entities = {
        el.get(XMI_ID): (*span(el), el.tag[len(CUSTOM) :])
        for el in root
        if el.tag[len(CUSTOM) :] in ENTITY_LABELS
    }
    links = []
    for kind, (head_label, attr) in LINK_ATTRS.items():
        for el in root.iter(CUSTOM + head_label):
            for link_id in (el.get(attr) or "").split():
                link = by_id[link_id]
                links.append((kind, el.get(XMI_ID), link.get("target"), link.get("role")))
    sentences = sorted(span(el) for el in root.iter(SENTENCE))
    present = {label for _, _, label in entities.values()} | {kind for kind, *_ in links}
    return {"text": text, "sentences": sentences, "entities": entities, "links": links, "present": present}


def annotated(doc: dict, task: str) -> bool:
    """Whether the document was annotated for the task's layer (clinical entities, TLINKs, or the rest)."""
    if task == "e3c_clinical_entities":
        return "CLINENTITY" in doc["present"]
    if task == "e3c_temporal_links":
        return "TLINK" in doc["present"]
    return bool(doc["present"] & {"EVENT", "TIMEX3", "BODYPART", "ACTOR", "RML"})


def expected_windows(doc: dict) -> list[tuple[int, int]]:
    """Window bounds: blocks of sentences that no entity or link spans across, packed greedily."""
    items = [(s, e) for s, e, _ in doc["entities"].values()]
    for _, head, tail, _ in doc["links"]:
        ends = [doc["entities"][head], doc["entities"][tail]]
        items.append((min(x[0] for x in ends), max(x[1] for x in ends)))
    sentences = doc["sentences"]
    blocks, start = [], sentences[0][0]
    for k, (_, end) in enumerate(sentences):
        following = sentences[k + 1][0] if k + 1 < len(sentences) else None
        if following is None or not any(s < end and e > following for s, e in items):
            blocks.append((start, end))
            start = following
    windows: list[tuple[int, int]] = []
    for begin, end in blocks:
        if windows and end - windows[-1][0] <= WINDOW_CHARS:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((begin, end))
    return windows


@pytest.fixture(scope="module")
def corpus() -> dict:
    train = train_ids()
    docs = {}
    for layer in ("layer1", "layer2"):
        for path in sorted((E3C_DIR / layer).glob("*.xml")):
            split = "silver" if layer == "layer2" else "train" if path.stem in train else "test"
            docs[path.stem] = {"split": split, **read_doc(path)}
    return docs


@pytest.fixture(scope="module")
def reports() -> dict:
    return build_e3c(E3C_DIR)


def in_document(record: dict, item: dict) -> tuple[str, int, int, str]:
    return record["doc_id"], item["start"] + record["offset"], item["end"] + record["offset"], item["label"]


@needs_corpus
def test_real_split_documents_and_windows(corpus: dict, reports: dict) -> None:
    assert Counter(doc["split"] for doc in corpus.values()) == {"train": 36, "test": 50, "silver": 174}
    for task, report in reports.items():
        splits = ("train", "test", "silver") if task == "e3c_clinical_entities" else ("train", "test")
        assert set(report.records) == set(splits)
        for split in splits:
            got: dict[str, list] = {}
            for record in report.records[split]:
                doc = corpus[record["doc_id"]]
                assert doc["split"] == split
                assert (
                    record["text"] == doc["text"][record["offset"] : record["offset"] + len(record["text"])]
                )
                got.setdefault(record["doc_id"], []).append(
                    (record["offset"], record["offset"] + len(record["text"]))
                )
            expected = {
                d: expected_windows(doc)
                for d, doc in corpus.items()
                if doc["split"] == split and annotated(doc, task)
            }
            assert got == expected
            assert len(report.records[split]) == sum(len(w) for w in expected.values())


@needs_corpus
def test_real_windows_are_the_same_in_every_task(corpus: dict, reports: dict) -> None:
    windows: dict[str, set] = {}
    for report in reports.values():
        for split, records in report.records.items():
            assert len({r["id"] for r in records}) == len(records)
            for r in records:
                windows.setdefault(r["id"], set()).add((split, r["text"], r["doc_id"], r["offset"]))
    assert all(len(seen) == 1 for seen in windows.values())
    layer1 = [doc for doc in corpus.values() if doc["split"] != "silver"]
    for task in ("e3c_events", "e3c_temporal_links"):
        left_out = sum(not annotated(doc, task) for doc in layer1)
        assert reports[task].skipped["document_not_annotated"] == left_out > 0


@needs_corpus
@pytest.mark.parametrize("task", list(E3C_TASKS))
def test_real_mentions_match_the_xmi_elements(task: str, corpus: dict, reports: dict) -> None:
    report, labels = reports[task], E3C_TASKS[task].labels
    for split, records in report.records.items():
        got = [in_document(r, e) for r in records for e in r["entities"]]
        assert len(got) == len(set(got))
        expected = {
            (doc_id, s, e, label)
            for doc_id, doc in corpus.items()
            if doc["split"] == split and annotated(doc, task)
            for s, e, label in doc["entities"].values()
            if label in labels and s < e
        }
        assert set(got) == expected
        for record in records:
            for entity in record["entities"]:
                assert record["text"][entity["start"] : entity["end"]] == entity["text"]
    for label in labels:
        elements = sum(1 for doc in corpus.values() for x in doc["entities"].values() if x[2] == label)
        in_docs = sum(
            e["label"] == label for recs in report.records.values() for r in recs for e in r["entities"]
        )
        skipped = sum(n for reason, n in report.skipped.items() if reason.endswith(f":{label}"))
        assert in_docs + skipped == elements


@needs_corpus
@pytest.mark.parametrize("task", ["e3c_measurement_links", "e3c_temporal_links"])
def test_real_relations_match_the_xmi_links(task: str, corpus: dict, reports: dict) -> None:
    report, kind = reports[task], E3C_TASKS[task].link
    raw = [(doc_id, link) for doc_id, doc in corpus.items() for link in doc["links"] if link[0] == kind]
    for split, records in report.records.items():
        got = []
        for record in records:
            ids = [e["id"] for e in record["entities"]]
            assert ids == [f"T{n}" for n in range(1, len(ids) + 1)]
            by_id = {e["id"]: e for e in record["entities"]}
            for rel in record["relations"]:
                got.append(
                    (
                        in_document(record, by_id[rel["head"]]),
                        in_document(record, by_id[rel["tail"]]),
                        rel["label"],
                    )
                )
        expected = set()
        for doc_id, (_, head, tail, role) in raw:
            doc = corpus[doc_id]
            if doc["split"] == split and doc["entities"][head] != doc["entities"][tail]:
                expected.add(((doc_id, *doc["entities"][head]), (doc_id, *doc["entities"][tail]), role))
        assert len(got) == len(set(got)) and set(got) == expected
    kept = sum(len(r["relations"]) for recs in report.records.values() for r in recs)
    skipped = sum(n for reason, n in report.skipped.items() if reason.endswith(f":{kind}"))
    assert kept + skipped == len(raw)
    selfs = sum(corpus[d]["entities"][h] == corpus[d]["entities"][t] for d, (_, h, t, _) in raw)
    assert report.skipped.get(f"self_link:{kind}", 0) == selfs
