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

Reading the files is mcqa_files.py's, reading their values (options, letters, cop, IMB keys) mcqa_answers.py's.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medui.backend.data.common import DataError, ImportReport
from medui.backend.data.mcqa_answers import (
    MEDMCQA_LETTERS,
    answer_problem,
    cop_letter,
    detect_cop_base,
    detect_imb_keys,
    parse_letter,
    parse_options,
    resolve_answer,
)
from medui.backend.data.mcqa_files import read_table, require_columns
from medui.tasks.registry import get_spec

MEDQA_COLUMNS = ("question", "options", "answer_idx")
MEDMCQA_COLUMNS = ("question", "opa", "opb", "opc", "opd", "cop")


# public entry points ---------------------------------------------------------------------------------------
def import_medqa_parquet(path: Path, task: str = "medqa_it", split: str = "user") -> ImportReport:
    """MedQA-it rows (question, options, answer_idx) from parquet, JSON or JSON lines."""
    path = Path(path)
    letters = task_letters(task)
    columns, rows = read_table(path, MEDQA_COLUMNS + ("id",))
    require_columns(path, columns, MEDQA_COLUMNS, "MedQA-it")
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


# per-source rows -> candidates (id, question, options or None, answer letter or skip reason) ------------------
Candidate = tuple[str, Any, dict[str, str] | None, str | None, str | None]


def _medqa_candidates(path: Path, rows: list[dict]) -> Iterable[Candidate]:
    for number, row in enumerate(rows, start=1):
        rid = _row_id(path, row.get("id"), number)
        letter = parse_letter(row.get("answer_idx"))
        problem = None if letter else answer_problem(row.get("answer_idx"))
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
