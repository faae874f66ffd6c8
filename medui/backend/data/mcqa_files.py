"""Reading a multiple-choice QA file into rows: parquet, a JSON array (or an object holding one) or JSON lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medui.backend.data.common import DataError, parse_jsonl_lines

PARQUET_MAGIC = b"PAR1"
QUESTION_KEYS = ("question", "domanda", "quesito", "questiontext", "testo", "text")


def norm_key(key: Any) -> str:
    """A field name compared loosely: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


# tables ---------------------------------------------------------------------------------------------------
def read_table(path: Path, columns: Iterable[str] | None = None) -> tuple[list[str], list[dict]]:
    """(column names, rows) of a parquet file, a JSON array (or an object holding one) or JSON lines."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    if head.startswith(PARQUET_MAGIC):
        return _read_parquet(path, None if columns is None else set(columns))
    if b"\x00" in head:
        raise DataError(f"{path}: binary file, expected parquet, JSON or JSON lines")
    rows = _read_json_rows(path)
    return list(dict.fromkeys(key for row in rows for key in row)), rows


def _read_parquet(path: Path, columns: set[str] | None) -> tuple[list[str], list[dict]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
        wanted = [name for name in names if columns is None or name in columns]
        return names, pq.read_table(path, columns=wanted).to_pylist()
    except (OSError, ValueError, pa.ArrowException) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: unreadable parquet file ({reason})") from exc


def _read_json_rows(path: Path) -> list[dict]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc
    if not text.strip():
        raise DataError(f"{path}: empty file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.lstrip().startswith("{") and exc.msg == "Extra data":
            return list(parse_jsonl_lines(text.splitlines(), str(path)))
        raise DataError(
            f"{path}: line {exc.lineno} is not valid JSON ({exc.msg}, column {exc.colno})"
        ) from exc
    return _records_of(path, data)


def _records_of(path: Path, data: Any) -> list[dict]:
    if isinstance(data, dict):
        if any(norm_key(key) in QUESTION_KEYS for key in data):
            return [data]
        lists = [
            v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)
        ]
        if len(lists) != 1:
            raise DataError(f"{path}: a JSON object with no single list of records (keys: {', '.join(data)})")
        data = lists[0]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON array of objects, found {type(data).__name__}")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise DataError(f"{path}: item {number} of the JSON array is not an object")
    return data


def require_columns(path: Path, columns: list[str], needed: Iterable[str], shape: str) -> None:
    missing = [name for name in needed if name not in columns]
    if missing:
        found = ", ".join(columns) or "none"
        raise DataError(f"{path}: no column {missing[0]!r} for {shape} (columns: {found})")
