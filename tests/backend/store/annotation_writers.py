"""Annotation files of other tools written for the import tests: one writer a format, each writing documents
given as (id or None, text, spans, relations) the way that tool exports them (id None: a file or task that
carries no medui id, matched by its text)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from medui.backend.data import formats

Doc = tuple  # (record id | None, text, [(start, end, label)], [(head index, tail index, label)])


def utf16(text: str, index: int) -> int:
    """A Python index as a browser (UTF-16) counts it."""
    return len(text[:index].encode("utf-16-le")) // 2


def write_jsonl(folder: Path, docs: list[Doc]) -> Path:
    path = folder / "corrections.jsonl"
    lines = []
    for n, (rid, text, spans, links) in enumerate(docs):
        ents = [{"start": s, "end": e, "label": lab, "text": text[s:e]} for s, e, lab in spans]
        record = {"id": rid if rid is not None else f"altro-{n}", "text": text, "entities": ents}
        if links:
            record["entities"] = [{"id": f"T{i + 1}", **e} for i, e in enumerate(ents)]
            record["relations"] = [
                {"head": f"T{h + 1}", "tail": f"T{t + 1}", "label": lab} for h, t, lab in links
            ]
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_brat(folder: Path, docs: list[Doc]) -> Path:
    out = folder / "brat"
    out.mkdir()
    for n, (rid, text, spans, links) in enumerate(docs):
        stem = rid if rid is not None else f"nota_{n}"
        (out / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")  # brat's files end with a newline
        ann = [f"T{i + 1}\t{lab} {s} {e}\t{text[s:e]}" for i, (s, e, lab) in enumerate(spans)]
        ann += [f"R{j + 1}\t{lab} Arg1:T{h + 1} Arg2:T{t + 1}" for j, (h, t, lab) in enumerate(links)]
        ann.append(f"#1\tAnnotatorNotes T1\tnota di {stem}")  # lines brat has beyond T and R are left out
        (out / f"{stem}.ann").write_text("\n".join(ann) + "\n", encoding="utf-8")
    return out


def write_conll(folder: Path, docs: list[Doc]) -> Path:
    """With an id: medui's block (DOCSTART id, the text line); without: plain token/tag lines, punctuation cut
    off its word as tokenisers do (first, as a DOCSTART block runs to the next DOCSTART)."""
    blocks = []
    for rid, text, spans, _ in sorted(
        docs, key=lambda d: d[0] is not None
    ):  # a DOCSTART block runs to the next
        record = {
            "id": rid,
            "text": text,
            "entities": [{"start": s, "end": e, "label": lab} for s, e, lab in spans],
        }
        if rid is not None:
            blocks.append("\n".join(formats.conll_block(record)[0]))
            continue
        cuts = {s for s, _, _ in spans} | {e for _, e, _ in spans}
        cuts |= {i for i, ch in enumerate(text) if ch in ".,;"} | {
            i + 1 for i, ch in enumerate(text) if ch in ".,;"
        }
        rows = []
        for start, end in formats.tokens(text, cuts):
            ent = next(((s, e, lab) for s, e, lab in spans if s <= start and end <= e), None)
            tag = "O" if ent is None else f"{'B' if start == ent[0] else 'I'}-{ent[2]}"
            rows.append(f"{text[start:end]} _ _ {tag}")  # CoNLL-2003 columns: the tag is the last
        blocks.append("\n".join(rows))
    path = folder / "corrections.conll"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def write_doccano(folder: Path, docs: list[Doc]) -> Path:
    """Sequence labelling lines ([start, end, LABEL]); with relations, the relation extraction export."""
    path = folder / "doccano.jsonl"
    lines = []
    for n, (rid, text, spans, links) in enumerate(docs):
        line: dict = {"id": rid if rid is not None else 100 + n, "text": text}
        if links:
            line["entities"] = [
                {"id": 10 + i, "label": lab, "start_offset": s, "end_offset": e}
                for i, (s, e, lab) in enumerate(spans)
            ]
            line["relations"] = [
                {"id": j, "from_id": 10 + h, "to_id": 10 + t, "type": lab}
                for j, (h, t, lab) in enumerate(links)
            ]
        else:
            line["label"] = [[s, e, lab] for s, e, lab in spans]
        lines.append(json.dumps(line, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_labelstudio(folder: Path, docs: list[Doc]) -> Path:
    """Label Studio's JSON export, offsets as the browser counts them (UTF-16), one task nobody annotated."""
    tasks = []
    for n, (rid, text, spans, links) in enumerate(docs):
        data = {"text": text} if rid is None else {"id": rid, "text": text}
        result = [
            {"id": f"r{i}", "from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": utf16(text, s), "end": utf16(text, e), "text": text[s:e], "labels": [lab]}}
            for i, (s, e, lab) in enumerate(spans)
        ]  # fmt: skip
        result += [
            {"from_id": f"r{t}", "to_id": f"r{h}", "type": "relation", "direction": "left", "labels": [lab]}
            for h, t, lab in links
        ]  # written backwards (tail to head, pointing left): the same link
        tasks.append(
            {"id": 40 + n, "data": data, "annotations": [{"id": n, "result": result}], "predictions": []}
        )
    tasks.append({"id": 99, "data": {"text": "Nessuno l'ha annotata."}, "annotations": []})
    path = folder / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"


def write_xmi(folder: Path, docs: list[Doc]) -> Path:
    """INCEpTION's export as a zip: TypeSystem.xml and an .xmi a document; spans on the NamedEntity layer
    (`value`), links on a custom relation layer (Governor, Dependent, `label`)."""
    import cassis

    ts = cassis.TypeSystem()
    entity = ts.create_type(NAMED_ENTITY)
    ts.create_feature(entity, "value", "uima.cas.String")
    link = ts.create_type("webanno.custom.Legame")
    ts.create_feature(link, "label", "uima.cas.String")
    ts.create_feature(link, "Governor", NAMED_ENTITY)
    ts.create_feature(link, "Dependent", NAMED_ENTITY)
    path = folder / "inception.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("TypeSystem.xml", ts.to_xml())
        for n, (rid, text, spans, links) in enumerate(docs):
            cas = cassis.Cas(typesystem=ts)
            cas.sofa_string = text
            made = [entity(begin=s, end=e, value=lab) for s, e, lab in spans]
            for fs in made:
                cas.add(fs)
            for h, t, lab in links:
                cas.add(
                    link(begin=made[t].begin, end=made[t].end, Governor=made[h], Dependent=made[t], label=lab)
                )
            archive.writestr(f"{rid if rid is not None else f'documento-{n}'}.xmi", cas.to_xmi())
    return path


WRITERS = {
    "jsonl": write_jsonl, "brat": write_brat, "conll": write_conll, "doccano": write_doccano,
    "labelstudio": write_labelstudio, "xmi": write_xmi,
}  # fmt: skip
