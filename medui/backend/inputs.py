"""Reading what users give: pasted text, uploaded files, task records. Bad input gets one clear message."""

from __future__ import annotations

import json
from pathlib import Path

from medui.backend.data.common import DataError
from medui.tasks.kinds import kind_for
from medui.tasks.spec import TaskSpec

MAX_TEXT_BYTES = 2_000_000


class InputError(ValueError):
    """Input that cannot be used; the message says why in one line."""


def decode_bytes(raw: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (BOM allowed) or UTF-16 with BOM; binary and invalid encodings refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: invalid UTF-16 text") from exc
    if b"\x00" in raw[:8192]:
        raise InputError(f"{source}: binary file, expected text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not valid UTF-8 text (byte {exc.start})") from exc


def read_text_file(path: str | Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{path}: {size:,} bytes, more than the limit of {max_bytes:,}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    return decode_bytes(raw, str(path))


def clean_text(text: str) -> str:
    """Text ready for a task: control characters (but newlines and tabs) removed; empty refused."""
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch >= " " and ch != "\x7f")
    if not cleaned.strip():
        raise InputError("the text is empty")
    return cleaned


def record_from_input(spec: TaskSpec, text: str, record_id: str = "input") -> dict:
    """A task record from user input: plain text for text tasks; a JSON object for question answering."""
    if spec.family != "qa":
        return {"id": record_id, "text": clean_text(text)}
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        obj = None
    if not isinstance(obj, dict):
        hint = (
            '{"question": "...", "options": {"A": "...", ...}}'
            if spec.answer_format == "multiple_choice"
            else '{"context": "...", "question": "..."}'
        )
        raise InputError(f"task {spec.id} needs a JSON object like {hint}")
    record = {"id": record_id, **obj}
    record.setdefault("answer", next(iter(spec.options), "x") if spec.options else "x")
    problems = [p for p in kind_for(spec).validate_record(spec, record) if "answer" not in p]
    if problems:
        raise InputError(f"task {spec.id}: {problems[0]}")
    record.pop("answer")
    return record


def validate_gold(spec: TaskSpec, records: list[dict], source: str) -> None:
    """Every record fits the task, or DataError naming the first that does not."""
    kind = kind_for(spec)
    for number, record in enumerate(records, start=1):
        problems = kind.validate_record(spec, record)
        if problems:
            raise DataError(f"{source}: record {number} ({record.get('id')}): {problems[0]}")
