"""CoNLL (token<TAB>BIO) and brat standoff (.txt + .ann) codecs for span and relation records.

CoNLL: one block a record, `-DOCSTART-<TAB>id`, then `# text = "<the text, JSON-quoted>"` (so offsets and
whitespace come back exactly), then a token and its BIO tag a line; tokens are the text's whitespace tokens,
cut again at entity boundaries. Files without DOCSTART or text lines are read too (tokens joined by spaces).
brat: `<id>.txt` and `<id>.ann` a record (T lines, R lines for relations), `annotation.conf`, and
`manifest.json` (file stem -> record id, in record order).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from medui.backend.data.common import DataError

DOCSTART = "-DOCSTART-"
TEXT_PREFIX = "# text = "
BRAT_ID = re.compile(r"^T\d+$")


# CoNLL ------------------------------------------------------------------------------------------------
def non_overlapping(entities: list[dict]) -> tuple[list[dict], int]:
    """Entities BIO can hold (earliest, then longest, first) and how many overlapping ones were left out."""
    kept: list[dict] = []
    for ent in sorted(entities, key=lambda e: (e["start"], -e["end"], e["label"])):
        if kept and ent["start"] < kept[-1]["end"]:
            continue
        kept.append(ent)
    return kept, len(entities) - len(kept)


def tokens(text: str, cuts: set[int]) -> list[tuple[int, int]]:
    """Whitespace tokens of a text as (start, end), cut again at the given offsets."""
    out = []
    for match in re.finditer(r"\S+", text):
        start, end = match.span()
        for cut in sorted(c for c in cuts if start < c < end):
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out


def conll_block(record: dict) -> tuple[list[str], int]:
    """The lines of one record and how many overlapping entities it could not hold."""
    text = record["text"]
    entities, dropped = non_overlapping(record.get("entities", []))
    lines = [f"{DOCSTART}\t{record['id']}", TEXT_PREFIX + json.dumps(text, ensure_ascii=False)]
    cuts = {e["start"] for e in entities} | {e["end"] for e in entities}
    for start, end in tokens(text, cuts):
        ent = next((e for e in entities if e["start"] <= start and end <= e["end"]), None)
        tag = "O" if ent is None else f"{'B' if start == ent['start'] else 'I'}-{ent['label']}"
        lines.append(f"{text[start:end]}\t{tag}")
    return lines, dropped


def write_conll(records: list[dict], path: Path) -> int:
    """Write records as CoNLL; returns how many overlapping entities were left out."""
    dropped, out = 0, []
    for record in records:
        lines, n = conll_block(record)
        out += [*lines, ""]
        dropped += n
    path.write_text("\n".join(out), encoding="utf-8")
    return dropped


def read_conll(path: Path) -> list[dict]:
    """Records from a CoNLL file written by write_conll (or a plain token ... BIO file, a block a record)."""
    return [conll_record(doc, path) for doc in conll_blocks(path)]


def conll_blocks(path: Path) -> list[dict]:
    """The blocks of a CoNLL file, one a record: `id` (DOCSTART's, else `<file stem>-<n>`), `explicit` (whether
    DOCSTART began it: then it runs to the next DOCSTART, blank lines between sentences and all), `named` (whether
    DOCSTART gave the id), `text` when a `# text = ` line gives it, `rows` as (line number, token, tag)."""
    docs: list[dict] = []
    current: dict | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(DOCSTART):
            rid = line[len(DOCSTART) + 1 :].strip() if line.startswith(DOCSTART + "\t") else ""
            current = {
                "id": rid or f"{path.stem}-{len(docs) + 1}",
                "rows": [],
                "explicit": True,
                "named": bool(rid),
            }
            docs.append(current)
        elif line.startswith(TEXT_PREFIX) and current is not None:
            current["text"] = json.loads(line[len(TEXT_PREFIX) :])
        elif not line.strip():
            if current is not None and not current["explicit"]:
                current = None
        else:
            if current is None:
                current = {"id": f"{path.stem}-{len(docs) + 1}", "rows": [], "explicit": False}
                docs.append(current)
            parts = line.split("\t") if "\t" in line else line.split()
            current["rows"].append((number, parts[0], parts[-1] if len(parts) > 1 else "O"))
    return [doc for doc in docs if doc["rows"] or doc.get("text")]


def conll_record(doc: dict, path: Path) -> dict:
    """A span record from one block's (line, token, tag) rows: its `text`, else the tokens joined by spaces;
    each token is looked for in the text after the one before (DataError naming the line when it is not)."""
    text = doc.get("text") or " ".join(token for _, token, _ in doc["rows"])
    entities: list[dict] = []
    cursor = 0
    for number, token, tag in doc["rows"]:
        start = text.find(token, cursor)
        if start < 0:
            raise DataError(f"{path}: line {number}: token {token!r} is not in the text of {doc['id']!r}")
        cursor = start + len(token)
        prefix, _, label = tag.partition("-")
        if prefix not in ("B", "I", "O") or (prefix != "O" and not label):
            raise DataError(f"{path}: line {number}: tag {tag!r} is not O, B-LABEL or I-LABEL")
        last = entities[-1] if entities else None
        if prefix == "I" and last and last["label"] == label and last["open"]:
            last["end"] = cursor
        elif prefix != "O":
            entities.append({"start": start, "end": cursor, "label": label, "open": True})
        if prefix == "O" and last:
            last["open"] = False
    spans = [{"start": e["start"], "end": e["end"], "label": e["label"]} for e in entities]
    return {
        "id": doc["id"],
        "text": text,
        "entities": [{**e, "text": text[e["start"] : e["end"]]} for e in spans],
    }


# brat -------------------------------------------------------------------------------------------------
def file_stems(ids: list[str]) -> list[str]:
    """Safe, unique file names for record ids."""
    stems, seen = [], set()
    for rid in ids:
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", rid).strip(".") or "record"
        base, n = stem, 1
        while stem in seen:
            n += 1
            stem = f"{base}_{n}"
        seen.add(stem)
        stems.append(stem)
    return stems


def fragments(text: str, start: int, end: int) -> str:
    """A span as brat fragments: one `start end` per line of text it covers."""
    parts, pos = [], start
    for piece in text[start:end].split("\n"):
        if piece:
            parts.append(f"{pos} {pos + len(piece)}")
        pos += len(piece) + 1
    return ";".join(parts)


def ann_lines(record: dict) -> list[str]:
    """T lines (and R lines) of one record; entity ids T1.. are kept when they have that form."""
    text, lines = record["text"], []
    entities = record.get("entities", [])
    keep = all(BRAT_ID.match(str(e.get("id", ""))) for e in entities)
    ids = {}
    for i, ent in enumerate(entities, start=1):
        tid = ent["id"] if keep else f"T{i}"
        ids[ent.get("id", tid)] = tid
        mention = text[ent["start"] : ent["end"]].replace("\n", " ")
        lines.append(f"{tid}\t{ent['label']} {fragments(text, ent['start'], ent['end'])}\t{mention}")
    for j, rel in enumerate(record.get("relations", []), start=1):
        lines.append(f"R{j}\t{rel['label']} Arg1:{ids[rel['head']]} Arg2:{ids[rel['tail']]}")
    return lines


def annotation_conf(labels: list[str], relations: dict[str, tuple[str, str]]) -> str:
    """brat's annotation.conf for a task's entity and relation labels."""
    rel_lines = [f"{name}\tArg1:{heads}, Arg2:{tails}" for name, (heads, tails) in relations.items()]
    return "\n".join(["[entities]", *labels, "[relations]", *rel_lines, "[events]", "[attributes]", ""])


def write_brat(records: list[dict], folder: Path, conf: str) -> None:
    """One .txt and .ann per record, the manifest of ids and annotation.conf."""
    folder.mkdir(parents=True, exist_ok=True)
    stems = file_stems([str(r["id"]) for r in records])
    for stem, record in zip(stems, records, strict=True):
        (folder / f"{stem}.txt").write_text(record["text"], encoding="utf-8", newline="")
        (folder / f"{stem}.ann").write_text("\n".join(ann_lines(record)) + "\n", encoding="utf-8", newline="")
    manifest = {stem: str(r["id"]) for stem, r in zip(stems, records, strict=True)}
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (folder / "annotation.conf").write_text(conf, encoding="utf-8")


def read_brat(folder: Path, with_relations: bool) -> list[dict]:
    """Records from a brat folder: in manifest order when there is one, else by file name."""
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        manifest = {p.stem: p.stem for p in sorted(folder.glob("*.ann"))}
    if not manifest:
        raise DataError(f"{folder}: no .ann files")
    return [brat_record(folder, stem, rid, with_relations) for stem, rid in manifest.items()]


def brat_record(folder: Path, stem: str, rid: str, with_relations: bool) -> dict:
    """One record from <stem>.txt and <stem>.ann (T and R lines; the others, as notes and attributes, left out)."""
    txt, ann = folder / f"{stem}.txt", folder / f"{stem}.ann"
    for path in (txt, ann):
        if not path.exists():
            raise DataError(f"{path}: no such file")
    with open(txt, encoding="utf-8", newline="") as fh:
        text = fh.read()
    entities, relations = [], []
    for number, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2:
            label, _, spans = fields[1].partition(" ")
            try:
                offsets = [int(x) for frag in spans.split(";") for x in frag.split()]
            except ValueError:
                raise DataError(f"{ann}: line {number}: bad offsets {spans!r}") from None
            start, end = min(offsets), max(offsets)
            entities.append(
                {"id": fields[0], "start": start, "end": end, "label": label, "text": text[start:end]}
            )
        elif line.startswith("R") and len(fields) >= 2:
            label, *args = fields[1].split()
            roles = dict(arg.split(":", 1) for arg in args if ":" in arg)
            relations.append({"head": roles.get("Arg1"), "tail": roles.get("Arg2"), "label": label})
    if not with_relations:
        return {
            "id": rid,
            "text": text,
            "entities": [{k: v for k, v in e.items() if k != "id"} for e in entities],
        }
    return {"id": rid, "text": text, "entities": entities, "relations": relations}
