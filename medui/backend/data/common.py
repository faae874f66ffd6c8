"""What every importer shares: the report of what was read and skipped, and JSONL reading and writing."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from medui.errors import MeduiError


class DataError(MeduiError, ValueError):
    """Input data that cannot be read; the message names the file and, where it can, the line."""


@dataclass
class ImportReport:
    """Records read per split, and what was skipped with the reason (never dropped silently)."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)

    def add(self, split: str, record: dict) -> None:
        self.records.setdefault(split, []).append(record)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n

    def summary(self) -> dict:
        return {
            "splits": {name: len(recs) for name, recs in self.records.items()},
            "skipped": dict(self.skipped),
        }


def read_text_lines(path: str | Path, *, text_only: bool = False) -> list[str]:
    """The lines of a UTF-8 text file (BOM and CR line ends allowed); unreadable or undecodable: DataError.
    text_only refuses a file whose first 4 KB hold a NUL byte (a binary file given for a text one)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    if text_only and b"\x00" in raw[:4096]:
        raise DataError(f"{path}: binary file, expected JSON lines")
    try:
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSONL file of objects; a malformed line raises DataError naming it."""
    return list(parse_jsonl_lines(read_text_lines(path, text_only=True), str(path)))


def parse_jsonl_lines(lines: Iterable[str], source: str = "<input>") -> Iterator[dict]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{source}: line {number} is not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise DataError(f"{source}: line {number} is not a JSON object")
        yield obj


@contextmanager
def replaced_whole(path: Path) -> Iterator[Path]:
    """A new file beside `path` (hidden, a name of its own) for the block to write; moved over `path` when the
    block ends, removed when it raises: `path` is the whole new file or stays as it was, nothing else is left."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.touch(exist_ok=False)
    try:
        yield tmp
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_jsonl(path: str | Path, records: Iterable[dict]) -> int:
    """Write records one JSON object a line (UTF-8, no ASCII escaping); returns how many. All or nothing: a
    record that cannot be written (a lone surrogate) leaves `path` as it was and no temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with replaced_whole(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


def span_record(record_id: str, text: str, spans: Iterable[tuple[int, int, str]], **extra) -> dict:
    """A ner/am record from (start, end, label) spans, sorted, with each mention's text."""
    entities = [
        {"start": s, "end": e, "label": label, "text": text[s:e]} for s, e, label in sorted(set(spans))
    ]
    return {"id": record_id, "text": text, "entities": entities, **extra}
