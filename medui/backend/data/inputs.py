"""Reading what users give: pasted text, uploaded files, task records. Bad input gets one clear message."""

from __future__ import annotations

import json
from pathlib import Path

from medui.backend.data.common import DataError
from medui.errors import InputError
from medui.tasks.kinds import kind_for
from medui.tasks.spec import TaskSpec

MAX_TEXT_BYTES = 2_000_000
_DROPPED = frozenset("\x7f") | frozenset(chr(c) for c in range(0xD800, 0xE000))  # DEL, lone surrogates
_BIDI_CONTROLS = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))  # embeddings, overrides, isolates
_NOTE_DROPPED = frozenset(chr(c) for c in (*range(0x80, 0xA0), *_BIDI_CONTROLS))  # and C1 controls
FOLDER_EXPORTS = {"hf": ("dataset_info.json", "state.json"), "brat": ("annotation.conf",)}


def dotted(n: int) -> str:
    """A number with Italian thousands separators: 2.000.000."""
    return f"{n:,}".replace(",", ".")


def decode_bytes(raw: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (BOM allowed) or UTF-16 with BOM; binary and invalid encodings refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: invalid UTF-16 text", f"{source}: testo UTF-16 non valido") from exc
    if b"\x00" in raw[:8192]:
        raise InputError(
            f"{source}: binary file, expected text", f"{source}: file binario, serve un file di testo"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not valid UTF-8 text (byte {exc.start})",
            f"{source}: testo non codificato in UTF-8 (byte {exc.start}); salvalo come UTF-8 e riprova",
        ) from exc


def read_text_file(path: str | Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a text file")
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


def strip_controls(text: str) -> str:
    """Text without control characters (but newlines and tabs), DEL and lone surrogates."""
    return "".join(ch for ch in text if ch in "\n\t" or ch >= " " and ch not in _DROPPED)


def strip_note_controls(text: str) -> str:
    """A free-text note as `strip_controls` leaves it, without C1 controls and bidi embeddings, overrides and
    isolates too (U+202A-202E, U+2066-2069): U+202E would show the rest of a note reversed, unlike what it holds."""
    return "".join(ch for ch in strip_controls(text) if ch not in _NOTE_DROPPED)


def clean_text(text: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Text ready for a task: control characters (but newlines and tabs) removed; empty and oversized refused."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputError(
            f"the text is {size:,} bytes, more than the limit of {max_bytes:,}",
            f"il testo è di {dotted(size)} byte, oltre il limite di {dotted(max_bytes)} byte",
        )
    cleaned = strip_controls(text)
    if not cleaned.strip():
        raise InputError("the text is empty", "il testo è vuoto")
    return cleaned


def record_from_input(spec: TaskSpec, text: str, record_id: str = "input") -> dict:
    """A task record from user input: plain text for text tasks; a JSON object for question answering."""
    if not isinstance(text, str):
        raise InputError(f"the input must be text, not {type(text).__name__}", "l'input deve essere un testo")
    if kind_for(spec).reads_text:
        return {"id": record_id, "text": clean_text(text)}
    clean_text(text)  # size and emptiness
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        obj = None
    if not isinstance(obj, dict):
        hint = (
            '{"question": "...", "options": {"A": "...", ...}}'
            if spec.answer_format == "multiple_choice"
            else '{"context": "...", "question": "..."}'
        )
        raise InputError(
            f"task {spec.id} needs a JSON object like {hint}",
            f"il compito {spec.id} vuole un oggetto JSON come {hint}",
        )
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


# paths ----------------------------------------------------------------------------------------------------
def is_inside(path: str | Path, roots: list[Path]) -> bool:
    """Whether a path, with links and '..' resolved, is one of the roots or inside one."""
    target = Path(path).expanduser().resolve()
    return any(target.is_relative_to(Path(root).expanduser().resolve()) for root in roots)


def export_target(out: str | Path, fmt: str) -> Path:
    """Where an export may be written: inside the allowed folders, never over the database or other data."""
    from medui.backend.store.db import is_database_file
    from medui.config import get_settings

    settings = get_settings()
    target = Path(out).expanduser().resolve()
    if not is_inside(target, settings.export_dirs):
        places = ", ".join(str(d) for d in settings.export_dirs)
        raise InputError(
            f"{out}: outside the folders exports may be written in ({places}); add one with MEDUI_ALLOWED_DIRS"
        )
    for place in _protected(settings):
        if target.is_relative_to(place) or place.is_relative_to(target) or is_database_file(target, place):
            raise InputError(f"{out}: would write over medui's own data ({place}); choose another path")
    _check_existing(target, out, fmt)
    return target


def _protected(settings) -> list[Path]:
    """What an export must never overwrite: the database, adapters, converted models, imported data."""
    places = [
        settings.adapters_dir,
        settings.models_dir,
        settings.user_data_dir,
        settings.home / "medui.sqlite",
    ]
    if settings.db_url.startswith("sqlite:///"):
        places.append(Path(settings.db_url.removeprefix("sqlite:///")))
    return [place.expanduser().resolve() for place in places]


def _check_existing(target: Path, out: str | Path, fmt: str) -> None:
    """A file format needs a file path; a folder format an empty folder or an earlier export of its own."""
    if fmt not in FOLDER_EXPORTS:
        if target.is_dir():
            raise InputError(f"{out}: is a folder; {fmt} is written to a file")
        return
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: exists and is not a folder; {fmt} is written to a folder")
    earlier = any((target / marker).exists() for marker in FOLDER_EXPORTS[fmt])
    if target.is_dir() and any(target.iterdir()) and not earlier:
        raise InputError(f"{out}: a folder with other files in it; export {fmt} to a new or empty folder")
