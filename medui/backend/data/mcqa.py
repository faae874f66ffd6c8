"""Multiple-choice QA importers: MedQA-it and MedMCQA-it (parquet), IMB-MCQA (JSON) -> gold records.

Gold record: {"id", "question", "options": {"A": ..., ...}, "answer": "B"}, with exactly the task's option letters.
A row that cannot become one (no question, unreadable options, letters other than the task's, no valid answer,
a repeated id) is skipped and counted in the report under its reason; a file that cannot be read raises DataError.

Source shapes (checked against the published data cards):
- MedQA (Jin et al. 2021) JSONL/parquet: question, options (letter -> text), answer_idx (a letter); some copies
  store options as a list of {"key", "value"} or as a JSON string.
- MedMCQA (Pal et al. 2022) and its Italian translation Detsutut/medmcqa-ita: id, question, opa, opb, opc, opd,
  cop, ... In the Hugging Face parquet files cop is a class label 0-3 (a-d) and -1 where the key is hidden (the
  test split); the original JSON release counts 1-4. The base is detected per file (see `detect_cop_base`).
- IMB-MCQA (Romano et al. 2025): the paper shows id, category, question, answers A-E, percentage correct and the
  correct answer *as text*; the released JSON field names are not documented, so keys are detected (see
  `detect_imb_keys`) and the answer may be a letter or the text of an option.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medui.backend.data.common import DataError, ImportReport, parse_jsonl_lines
from medui.tasks.registry import get_spec

MEDQA_COLUMNS = ("question", "options", "answer_idx")
MEDMCQA_COLUMNS = ("question", "opa", "opb", "opc", "opd", "cop")
MEDMCQA_LETTERS = ("A", "B", "C", "D")
PARQUET_MAGIC = b"PAR1"

QUESTION_KEYS = ("question", "domanda", "quesito", "questiontext", "testo", "text")
ID_KEYS = ("id", "questionid", "qid", "iddomanda", "idx")
OPTIONS_KEYS = ("options", "choices", "answers", "risposte", "opzioni", "alternatives", "alternative")
_NAMED_ANSWER_KEYS = ("answeridx", "correctanswer", "rispostacorretta", "rispostaesatta", "correctoption")
ANSWER_KEYS = _NAMED_ANSWER_KEYS + ("correct", "answer", "risposta", "solution", "soluzione", "label")
_OPTION_KEY = re.compile(
    r"^(?:answer|risposta|option|opzione|choice|scelta|alternativa|opt|op)?([a-e]|[1-5])$"
)
_LETTER = re.compile(r"^\(?([A-Za-z])[).:]?$")


# public entry points ---------------------------------------------------------------------------------------
def import_medqa_parquet(path: Path, task: str = "medqa_it", split: str = "user") -> ImportReport:
    """MedQA-it rows (question, options, answer_idx) from parquet, JSON or JSON lines."""
    path = Path(path)
    letters = task_letters(task)
    columns, rows = read_table(path, MEDQA_COLUMNS + ("id",))
    _require(path, columns, MEDQA_COLUMNS, "MedQA-it")
    return _collect(split, letters, _medqa_candidates(path, rows))


def import_medmcqa_parquet(
    path: Path, task: str = "medmcqa_it", split: str = "user", cop_base: int | None = None
) -> ImportReport:
    """MedMCQA-it rows (question, opa-opd, cop) or MedQA-shaped rows; cop_base 0 or 1 overrides detection."""
    path = Path(path)
    letters = task_letters(task)
    columns, rows = read_table(path, MEDMCQA_COLUMNS + MEDQA_COLUMNS + ("id",))
    if set(MEDMCQA_COLUMNS) <= set(columns):
        base = cop_base if cop_base is not None else detect_cop_base(path, [r.get("cop") for r in rows])
        return _collect(split, letters, _medmcqa_candidates(path, rows, base))
    if set(MEDQA_COLUMNS) <= set(columns):
        return _collect(split, letters, _medqa_candidates(path, rows))
    found = ", ".join(columns) or "none"
    raise DataError(
        f"{path}: expected MedMCQA columns (question, opa-opd, cop) or question, options, answer_idx "
        f"(columns: {found})"
    )


def import_imb_mcqa_json(path: Path, task: str = "specialty_exam_mcqa", split: str = "user") -> ImportReport:
    """IMB-MCQA records from a JSON array, JSON lines or parquet; field names are detected (see module doc)."""
    path = Path(path)
    letters = task_letters(task)
    columns, rows = read_table(path)
    keys = detect_imb_keys(path, columns)
    return _collect(split, letters, _imb_candidates(path, rows, keys))


def task_letters(task: str) -> tuple[str, ...]:
    """The option letters of a multiple-choice task (from its spec)."""
    spec = get_spec(task)
    if spec.answer_format != "multiple_choice":
        raise DataError(f"task {task!r} is not a multiple-choice task")
    return spec.options


# reading ---------------------------------------------------------------------------------------------------
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
        if any(_norm_key(key) in QUESTION_KEYS for key in data):
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


def _require(path: Path, columns: list[str], needed: Iterable[str], shape: str) -> None:
    missing = [name for name in needed if name not in columns]
    if missing:
        found = ", ".join(columns) or "none"
        raise DataError(f"{path}: no column {missing[0]!r} for {shape} (columns: {found})")


# per-source rows -> candidates (id, question, options or None, answer letter or skip reason) ------------------
Candidate = tuple[str, Any, dict[str, str] | None, str | None, str | None]


def _medqa_candidates(path: Path, rows: list[dict]) -> Iterable[Candidate]:
    for number, row in enumerate(rows, start=1):
        rid = _row_id(path, row.get("id"), number)
        letter = parse_letter(row.get("answer_idx"))
        problem = None if letter else _answer_problem(row.get("answer_idx"))
        yield rid, row.get("question"), parse_options(row.get("options")), letter, problem


def _medmcqa_candidates(path: Path, rows: list[dict], base: int) -> Iterable[Candidate]:
    for number, row in enumerate(rows, start=1):
        rid = _row_id(path, row.get("id"), number)
        raw = {letter: row.get(f"op{letter.lower()}") for letter in MEDMCQA_LETTERS}
        options = parse_options(raw)
        letter, problem = cop_letter(row.get("cop"), base)
        yield rid, row.get("question"), options, letter, problem


def _imb_candidates(path: Path, rows: list[dict], keys: dict) -> Iterable[Candidate]:
    for number, row in enumerate(rows, start=1):
        rid = _row_id(path, row.get(keys["id"]) if keys["id"] else None, number)
        if keys["letters"]:
            raw = {letter: row.get(key) for letter, key in keys["letters"].items()}
            options = parse_options({k: v for k, v in raw.items() if v not in (None, "")})
        else:
            options = parse_options(row.get(keys["options"]))
        letter, problem = resolve_answer(row.get(keys["answer"]), options or {})
        yield rid, row.get(keys["question"]), options, letter, problem


def _row_id(path: Path, value: Any, number: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"{path.stem}-{number}"
    return str(value).strip()


# building records ------------------------------------------------------------------------------------------
def _collect(split: str, letters: tuple[str, ...], candidates: Iterable[Candidate]) -> ImportReport:
    report = ImportReport()
    report.records.setdefault(split, [])
    seen: set[str] = set()
    for rid, question, options, letter, problem in candidates:
        record, reason = make_record(rid, question, options, letter, problem, letters)
        if reason is None and rid in seen:
            reason = "duplicate id"
        if reason is not None:
            report.skip(reason)
            continue
        seen.add(rid)
        report.add(split, record)
    return report


def make_record(
    rid: str,
    question: Any,
    options: dict[str, str] | None,
    letter: str | None,
    problem: str | None,
    letters: tuple[str, ...],
) -> tuple[dict | None, str | None]:
    """A gold record, or the reason the row is skipped; checks run in the order a reader would."""
    if not isinstance(question, str) or not question.strip():
        return None, "missing question"
    if options is None:
        return None, "options unreadable"
    if set(options) != set(letters):
        return None, f"option letters {''.join(sorted(options))} do not match the task's {''.join(letters)}"
    if any(not text for text in options.values()):
        return None, "empty option text"
    if letter is None:
        return None, problem or "missing answer"
    if letter not in letters:
        return None, "bad answer letter"
    ordered = {key: options[key] for key in letters}
    return {"id": rid, "question": question.strip(), "options": ordered, "answer": letter}, None


def parse_options(value: Any) -> dict[str, str] | None:
    """letter -> text from a dict, a list (of texts or of {key, value}) or a JSON string of either; None if not."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        pairs = _list_pairs(value)
    else:
        return None
    if pairs is None:
        return None
    options: dict[str, str] = {}
    for key, text in pairs:
        if text is None:  # a parquet struct field this row does not have
            continue
        letter = _option_letter(key)
        if letter is None or letter in options or isinstance(text, dict | list | bool):
            return None
        options[letter] = str(text).strip()
    return options


def _list_pairs(items: list | tuple) -> list[tuple[Any, Any]] | None:
    if all(isinstance(item, str) for item in items):
        return [(chr(ord("A") + i), text) for i, text in enumerate(items)] if len(items) <= 26 else None
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            return None
        key = next((item[k] for k in ("key", "label", "letter") if k in item), None)
        text = next((item[k] for k in ("value", "text", "option") if k in item), None)
        if key is None:
            return None
        pairs.append((key, text))
    return pairs


def _option_letter(key: Any) -> str | None:
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str):
        return None
    key = key.strip().upper()
    if len(key) == 1 and "A" <= key <= "Z":
        return key
    if key.isdigit() and 1 <= int(key) <= 26:
        return chr(ord("A") + int(key) - 1)
    return None


def parse_letter(value: Any) -> str | None:
    """'B', 'b', 'B)', '(B)', 'B.' -> 'B'; anything else -> None."""
    if not isinstance(value, str):
        return None
    match = _LETTER.match(value.strip())
    return match.group(1).upper() if match else None


def _answer_problem(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing answer"
    return "bad answer letter"


# MedMCQA answers -------------------------------------------------------------------------------------------
def detect_cop_base(path: Path, values: list[Any]) -> int:
    """0 when cop counts 0-3 (Hugging Face parquet), 1 when it counts 1-4 (original JSON release)."""
    numbers = {n for n in (_as_int(v) for v in values) if n is not None and n >= 0}
    if 0 in numbers and 4 in numbers:
        raise DataError(f"{path}: cop holds both 0 and 4, so it is neither 0-3 nor 1-4; pass cop_base")
    if 4 in numbers:
        return 1
    if 0 in numbers:
        return 0
    with open(path, "rb") as fh:  # only 1-3 seen: follow the convention of the file format
        return 0 if fh.read(4) == PARQUET_MAGIC else 1


def cop_letter(value: Any, base: int) -> tuple[str | None, str | None]:
    """MedMCQA's cop (an index, or a letter a-d) -> (letter, None) or (None, skip reason)."""
    if isinstance(value, str) and parse_letter(value):
        letter = parse_letter(value)
        return (letter, None) if letter in MEDMCQA_LETTERS else (None, "bad answer letter")
    number = _as_int(value)
    if number is None:
        return None, "missing answer" if value is None or value == "" else "bad cop value"
    if number == -1:
        return None, "no answer key (cop -1)"
    index = number - base
    if not 0 <= index < len(MEDMCQA_LETTERS):
        return None, "bad cop value"
    return MEDMCQA_LETTERS[index], None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None


# IMB-MCQA keys and answers ---------------------------------------------------------------------------------
def _norm_key(key: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def detect_imb_keys(path: Path, columns: list[str]) -> dict:
    """Which field holds the id, question, options (one field, or one per letter) and answer."""
    by_norm = {_norm_key(c): c for c in reversed(columns)}
    letters: dict[str, str] = {}
    for column in columns:
        match = _OPTION_KEY.match(_norm_key(column))
        if match:
            letters.setdefault(_option_letter(match.group(1)) or "?", column)
    keys = {
        "id": _first(by_norm, ID_KEYS),
        "question": _first(by_norm, QUESTION_KEYS),
        "options": _first(by_norm, OPTIONS_KEYS),
        "answer": _first(by_norm, ANSWER_KEYS),
        "letters": dict(sorted(letters.items())) if len(letters) >= 2 else {},
    }
    found = ", ".join(columns) or "none"
    for what in ("question", "answer"):
        if keys[what] is None:
            raise DataError(f"{path}: cannot find the {what} field for IMB-MCQA (keys: {found})")
    if not keys["letters"] and keys["options"] is None:
        raise DataError(f"{path}: cannot find the answer options for IMB-MCQA (keys: {found})")
    return keys


def _first(by_norm: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((by_norm[name] for name in names if name in by_norm), None)


def resolve_answer(value: Any, options: dict[str, str]) -> tuple[str | None, str | None]:
    """An answer given as a letter or as the text of one option -> (letter, None) or (None, skip reason)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "missing answer"
    if not isinstance(value, str):
        return None, "numeric answer (index base unknown)"
    letter = parse_letter(value)
    wanted = _norm_text(value)
    matches = [key for key, text in options.items() if _norm_text(text) == wanted]
    if letter and letter in options:
        if matches and letter not in matches:
            return None, "ambiguous answer (letter or option text)"
        return letter, None
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, "answer matches several options"
    return None, "bad answer letter" if letter else "answer matches no option"


def _norm_text(text: str) -> str:
    return " ".join(str(text).split()).casefold().rstrip(".")
