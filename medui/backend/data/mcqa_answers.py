"""The values of multiple-choice rows: options in their many shapes, answer letters, MedMCQA's cop index and
IMB-MCQA's undocumented field names and text answers (see mcqa.py for the source shapes)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from medui.backend.data.common import DataError
from medui.backend.data.mcqa_files import PARQUET_MAGIC, QUESTION_KEYS, norm_key

MEDMCQA_LETTERS = ("A", "B", "C", "D")
ID_KEYS = ("id", "questionid", "qid", "iddomanda", "idx")
OPTIONS_KEYS = ("options", "choices", "answers", "risposte", "opzioni", "alternatives", "alternative")
_NAMED_ANSWER_KEYS = ("answeridx", "correctanswer", "rispostacorretta", "rispostaesatta", "correctoption")
ANSWER_KEYS = _NAMED_ANSWER_KEYS + ("correct", "answer", "risposta", "solution", "soluzione", "label")
_OPTION_KEY = re.compile(
    r"^(?:answer|risposta|option|opzione|choice|scelta|alternativa|opt|op)?([a-e]|[1-5])$"
)
_LETTER = re.compile(r"^\(?([A-Za-z])[).:]?$")


# options and letters ---------------------------------------------------------------------------------------
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


def answer_problem(value: Any) -> str:
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
def detect_imb_keys(path: Path, columns: list[str]) -> dict:
    """Which field holds the id, question, options (one field, or one per letter) and answer."""
    by_norm = {norm_key(c): c for c in reversed(columns)}
    letters: dict[str, str] = {}
    for column in columns:
        match = _OPTION_KEY.match(norm_key(column))
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
