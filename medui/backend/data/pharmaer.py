"""PharmaER.IT importer: BIO-tagged drug leaflets -> ner gold records of drug_leaflet_entities.

PharmaER.IT (expertai/PharmaER.IT on the Hugging Face Hub) has one row per leaflet with `document_id`, `text`,
`tokens` and `ner_tags` (v0.3, tags B-/I-DRUG, DISEASE, SYMPTOM, ANATOMICAL_PART) or `labels` (v0.2, tags on
farmaco, malattia, sintomo, parte anatomica). Tags may be strings or integers with a label list. Tokens are
aligned to the text to recover character offsets; long leaflets are cut into passages at line or sentence ends.
The table readers here (JSONL, JSON, CSV/TSV, parquet) are shared with the DIMMI importer.
"""

from __future__ import annotations

import ast
import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path

from medui.backend.data.common import DataError, ImportReport, parse_jsonl_lines, span_record
from medui.tasks.registry import get_spec

LABEL_ALIASES = {
    "DRUG": "FARMACO",
    "DISEASE": "MALATTIA",
    "SYMPTOM": "SINTOMO",
    "ANATOMICAL_PART": "PARTE_ANATOMICA",
    "ANATOMY": "PARTE_ANATOMICA",
}
TAG_FIELDS = ("ner_tags", "labels", "tags")
ID_FIELDS = ("document_id", "id", "doc_id")
MAX_GAP = 100  # characters a token may sit past the running position (text the tokens skipped)
DEFAULT_MAX_CHARS = 1000
CUT = re.compile(r"\n|[.!?;:](?=\s)")
SPACE = re.compile(r"\s*")
TABLE_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet")


# -- tables ---------------------------------------------------------------------------------------------------
def read_rows(path: Path) -> list[tuple[str, dict]]:
    """Rows of a JSONL, JSON, CSV/TSV or parquet file, each with where it is ("line 3", "row 2")."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_rows(path)
    if suffix == ".json":
        return _json_rows(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return _csv_rows(path)
    if suffix == ".parquet":
        return _frame_rows(path, _read_parquet(path))
    raise DataError(f"{path}: unsupported file type {suffix!r} (expected one of {', '.join(TABLE_SUFFIXES)})")


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc


def _jsonl_rows(path: Path) -> list[tuple[str, dict]]:
    lines = _read_text(path).splitlines()
    numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
    rows = list(parse_jsonl_lines(lines, str(path)))
    return [(f"line {n}", row) for n, row in zip(numbers, rows, strict=True)]


def _json_rows(path: Path) -> list[tuple[str, dict]]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        data = _dict_rows(data)
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of objects (or an object of objects)")
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise DataError(f"{path}: item {number} is not a JSON object")
    return [(f"item {n}", row) for n, row in enumerate(data, start=1)]


def _dict_rows(data: dict) -> list[dict]:
    """An object of objects: keyed by record id, or column -> {row index -> value} (pandas' default JSON)."""
    inner = [set(v) for v in data.values()]
    if all(keys == inner[0] and all(str(k).isdigit() for k in keys) for keys in inner):
        index = sorted(inner[0], key=int)
        return [{col: data[col][i] for col in data} for i in index]
    return [{"id": key, **value} for key, value in data.items()]


def _csv_rows(path: Path) -> list[tuple[str, dict]]:
    import pandas as pd

    first = _read_text(path).split("\n", 1)[0]
    sep = "\t" if path.suffix.lower() == ".tsv" or first.count("\t") > first.count(",") else ","
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: not readable as {'TSV' if sep == chr(9) else 'CSV'} ({exc})") from exc
    return _frame_rows(path, frame)


def _read_parquet(path: Path):
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataError(f"{path}: not readable as parquet ({exc})") from exc


def _frame_rows(path: Path, frame) -> list[tuple[str, dict]]:
    return [
        (f"row {n}", {str(k): _plain(v) for k, v in row.items()})
        for n, row in enumerate(frame.to_dict(orient="records"), start=1)
    ]


def _plain(value):
    """numpy arrays and scalars to Python values; NaN to None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and value != value:
        return None
    return value


def parse_list(value, where: str, field: str) -> list:
    """A list field as stored in JSON (a list) or in a CSV cell (JSON or Python list text)."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str) and value.strip().startswith("["):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(value)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, list | tuple):
                return list(parsed)
    raise DataError(f"{where}: field {field!r} is not a list")


def hf_class_names(path: Path, field: str) -> list[str] | None:
    """The ClassLabel names of a sequence field from a parquet file written by `datasets`, or None."""
    if Path(path).suffix.lower() != ".parquet":
        return None
    import pyarrow.parquet as pq

    meta = (pq.read_schema(path).metadata or {}).get(b"huggingface")
    if not meta:
        return None
    feature = json.loads(meta).get("info", {}).get("features", {}).get(field, {})
    inner = feature.get("feature", feature)
    names = inner.get("names") if isinstance(inner, dict) else None
    return list(names) if names else None


# -- BIO ------------------------------------------------------------------------------------------------------
def normalise_label(raw: str) -> str:
    """A PharmaER.IT tag type as a task label: 'parte anatomica' -> PARTE_ANATOMICA, DRUG -> FARMACO."""
    label = re.sub(r"[\s\-]+", "_", raw.strip()).upper()
    return LABEL_ALIASES.get(label, label)


def split_tag(tag: str, where: str, index: int) -> tuple[str, str]:
    """('O', '') or ('B'|'I', label) from a BIO tag string."""
    tag = tag.strip()
    if tag.upper() == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if not sep or prefix.upper() not in ("B", "I") or not label.strip():
        raise DataError(f"{where}: tag {tag!r} at token {index} is not BIO (O, B-<label>, I-<label>)")
    return prefix.upper(), normalise_label(label)


def bio_spans(tags: list[tuple[str, str]]) -> tuple[list[tuple[int, int, str]], int]:
    """(first token, last token, label) spans; an I- that continues nothing starts a span (counted)."""
    spans: list[tuple[int, int, str]] = []
    start, label, repaired = -1, "", 0
    for i, (prefix, typ) in enumerate([*tags, ("O", "")]):
        if prefix == "I" and start >= 0 and typ == label:
            continue
        if start >= 0:
            spans.append((start, i - 1, label))
            start = -1
        if prefix != "O":
            repaired += prefix == "I"
            start, label = i, typ
    return spans, repaired


def align_tokens(text: str, tokens: list[str]) -> list[tuple[int, int] | None]:
    """Character offsets of each token, searched from the running position; None where it is not found."""
    offsets: list[tuple[int, int] | None] = []
    pos = 0
    for token in tokens:
        token = token.strip()
        if not token:
            offsets.append(None)
            continue
        start = SPACE.match(text, pos).end()
        idx = start if text.startswith(token, start) else text.find(token, pos, pos + MAX_GAP + len(token))
        if idx < 0:
            offsets.append(None)
            continue
        offsets.append((idx, idx + len(token)))
        pos = idx + len(token)
    return offsets


def _tag_string(tag, tag_names: Sequence[str] | None, where: str, index: int) -> str:
    if isinstance(tag, str):
        return tag
    if isinstance(tag, int) and not isinstance(tag, bool):
        if tag_names is None:
            raise DataError(
                f"{where}: tags are integers; pass tag_names, the label list ('O', 'B-DRUG', ...)"
            )
        if not 0 <= tag < len(tag_names):
            raise DataError(f"{where}: tag {tag} at token {index} is outside the {len(tag_names)} tag names")
        return tag_names[tag]
    raise DataError(f"{where}: tag {tag!r} at token {index} is neither a string nor an integer")


# -- records --------------------------------------------------------------------------------------------------
def row_spans(
    row: dict, where: str, labels: set[str], tag_names: Sequence[str] | None, report: ImportReport
) -> tuple[str, list[tuple[int, int, str]]]:
    """The text of one PharmaER.IT row and its (start, end, label) spans; what cannot be kept is counted."""
    if "tokens" not in row:
        raise DataError(f"{where}: no 'tokens' field")
    tokens = [str(t) for t in parse_list(row["tokens"], where, "tokens")]
    field = next((f for f in TAG_FIELDS if f in row), None)
    if field is None:
        raise DataError(f"{where}: no tag field ({', '.join(TAG_FIELDS)})")
    raw_tags = parse_list(row[field], where, field)
    if len(raw_tags) != len(tokens):
        raise DataError(f"{where}: {len(tokens)} tokens but {len(raw_tags)} tags")
    tags = [split_tag(_tag_string(t, tag_names, where, i), where, i) for i, t in enumerate(raw_tags)]
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        text = " ".join(tokens)
        report.skip("text_rebuilt_from_tokens")
    offsets = align_tokens(text, tokens)
    lost = {i for i, off in enumerate(offsets) if off is None and tokens[i].strip()}
    _count(report, "token_not_aligned", len(lost))
    token_spans, repaired = bio_spans(tags)
    _count(report, "bio_repaired_i_without_b", repaired)
    spans = []
    for first, last, label in token_spans:
        found = [offsets[i] for i in range(first, last + 1) if offsets[i] is not None]
        if label not in labels:
            report.skip(f"label_outside_task:{label}")
        elif lost.intersection(range(first, last + 1)) or not found:
            report.skip("span_lost_unaligned_token")
        else:
            spans.append((found[0][0], found[-1][1], label))
    return text, spans


def _count(report: ImportReport, reason: str, n: int) -> None:
    if n:
        report.skip(reason, n)


def passage_bounds(text: str, spans: list[tuple[int, int, str]], max_chars: int) -> list[tuple[int, int]]:
    """Pieces of at most max_chars where a cut allows, cut after a line or sentence end and never in a span."""
    inside = bytearray(len(text) + 1)
    for start, end, _ in spans:
        inside[start + 1 : end] = b"\x01" * (end - start - 1)
    cuts = [m.end() for m in CUT.finditer(text) if not inside[m.end()]]
    bounds, start = [], 0
    while len(text) - start > max_chars:
        i = bisect_right(cuts, start + max_chars)
        if i and cuts[i - 1] > start:
            cut = cuts[i - 1]
        elif i < len(cuts):
            cut = cuts[i]
        else:
            break
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def passage_records(
    doc_id: str, text: str, spans: list[tuple[int, int, str]], max_chars: int | None
) -> list[dict]:
    """ner records of one leaflet: whole, or one per passage (id <doc>-001, ...), spans shifted to each."""
    bounds = passage_bounds(text, spans, max_chars) if max_chars else [(0, len(text))]
    pieces = []
    for start, end in bounds:
        piece = text[start:end]
        lo, hi = start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())
        if lo < hi:
            pieces.append((lo, hi))
    records = []
    for number, (lo, hi) in enumerate(pieces, start=1):
        record_id = doc_id if len(pieces) == 1 else f"{doc_id}-{number:03d}"
        inner = [(s - lo, e - lo, label) for s, e, label in spans if lo <= s and e <= hi]
        records.append(span_record(record_id, text[lo:hi], inner, document_id=doc_id))
    return records


def import_pharmaer_bio(
    path: Path,
    task: str = "drug_leaflet_entities",
    split: str = "user",
    *,
    tag_names: Sequence[str] | None = None,
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> ImportReport:
    """Read PharmaER.IT rows (JSONL, JSON list, CSV/TSV or parquet) into ner records of `task` in `split`.

    Integer tags need `tag_names` unless the parquet file carries its `datasets` ClassLabel names. Leaflets
    longer than `max_chars` are cut into passages (None keeps whole leaflets). Labels outside the task, tokens
    not found in the text and the spans they lose, and repaired I- tags are counted in the report.
    """
    path = Path(path)
    labels = set(get_spec(task).labels)
    rows = read_rows(path)
    if tag_names is None:
        field = next((f for f in TAG_FIELDS if rows and f in rows[0][1]), None)
        tag_names = hf_class_names(path, field) if field else None
    report = ImportReport()
    for number, (where, row) in enumerate(rows, start=1):
        where = f"{path}: {where}"
        doc_id = next(
            (str(row[k]) for k in ID_FIELDS if row.get(k) not in (None, "")), f"{path.stem}-{number}"
        )
        text, spans = row_spans(row, where, labels, tag_names, report)
        for record in passage_records(doc_id, text, spans, max_chars):
            report.add(split, record)
    return report
