"""What is wrong with an edited record, as Correggi says it: the kind's own checks (`Kind.validate_record`, the
rules the store applies), each problem in Italian, the mention, relation or form item named by what the
annotator sees (its text, its id in the table, counted from 1), never by a 0-based index into the JSON.

A problem this module cannot translate keeps its own words after the Italian name of what it is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from medui.tasks.form_items import item_title
from medui.tasks.kinds import kind_for
from medui.tasks.spec import TaskSpec

LOCATION = re.compile(r"^(entities|relations)\[(\d+)\](?: \([^)]*\))?: (.*)$", re.S)
ITEM = re.compile(r"^([A-Za-z_][\w]*)(?:\.(\d+))?: (.*)$", re.S)
SHOWN_CHARS = 40  # a mention's text in a message, at most


def _quoted(value: str) -> str:
    """A Python repr'd value ('rml') as the message quotes it ("rml")."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return f'"{value}"'


def _italian_or(text: str) -> str:
    return re.sub(r"\bor\b", "o", text.replace("any entity", "qualunque menzione"))


def _bound(word: str) -> Callable[[re.Match], str]:
    return lambda m: f"il valore deve essere {word} {m[1]}"


PHRASES: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"label (.+) is not one of (.*)", re.S), lambda m: f"etichetta {_quoted(m[1])} non è tra {m[2]}"),
    (re.compile(r"text (.+) differs from the text at (\d+)\.\.(\d+)", re.S),
     lambda m: f"il testo {_quoted(m[1])} non è quello del documento ai caratteri {m[2]}-{m[3]}"),
    (re.compile(r"the same mention as entities\[(\d+)\].*", re.S),
     lambda m: f"ripete la menzione n. {int(m[1]) + 1}"),
    (re.compile(r"head and tail must be ids of entities of the record"),
     lambda m: "testa e coda devono essere id di menzioni della tabella (come T1)"),
    (re.compile(r"head and tail are the same entity.*", re.S), lambda m: "testa e coda sono la stessa menzione"),
    (re.compile(r"(\S+) goes from (.+) to (.+), not from (\S+) to (\S+?)(: head and tail reversed)?$", re.S),
     lambda m: f"{m[1]} va da {_italian_or(m[2])} a {_italian_or(m[3])}, non da {m[4]} a {m[5]}"
     + ("; testa e coda sono invertite" if m[6] else "")),
    (re.compile(r"the same relation as relations\[(\d+)\]"), lambda m: f"ripete la relazione n. {int(m[1]) + 1}"),
    (re.compile(r"unknown form item (.+)"), lambda m: f"voce sconosciuta {_quoted(m[1])}"),
    (re.compile(r"Input should be a valid integer.*", re.S), lambda m: "il valore deve essere un numero intero"),
    (re.compile(r"Input should be a valid number.*", re.S), lambda m: "il valore deve essere un numero"),
    (re.compile(r"Input should be a finite number.*", re.S), lambda m: "il valore deve essere un numero finito"),
    (re.compile(r"Input should be a valid string.*", re.S), lambda m: "il valore deve essere un testo"),
    (re.compile(r"Input should be a valid list.*", re.S), lambda m: "il valore deve essere una lista"),
    (re.compile(r"Input should be less than or equal to (\S+)"), _bound("al massimo")),
    (re.compile(r"Input should be greater than or equal to (\S+)"), _bound("almeno")),
    (re.compile(r"Input should be (.*)", re.S), lambda m: f"il valore deve essere {_italian_or(m[1])}"),
    (re.compile(r"List should have at most (\d+) items?.*", re.S), lambda m: f"al massimo {m[1]} valori"),
]  # fmt: skip


def _phrase(text: str) -> str:
    for pattern, italian in PHRASES:
        found = pattern.fullmatch(text.strip())
        if found:
            return italian(found)
    return text


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _mention(record: dict, i: int) -> str:
    entities = record.get("entities") or []
    ent = entities[i] if i < len(entities) and isinstance(entities[i], dict) else {}
    name = ent.get("id") or f"T{i + 1}"
    return f"menzione «{_short(ent.get('text', ''))}» ({name})"


def _relation(record: dict, i: int) -> str:
    relations = record.get("relations") or []
    rel = relations[i] if i < len(relations) and isinstance(relations[i], dict) else {}
    texts = {e.get("id"): e.get("text", "") for e in record.get("entities") or [] if isinstance(e, dict)}
    ends = [
        f"«{_short(texts[rel.get(end)])}»" if rel.get(end) in texts else str(rel.get(end) or "?")
        for end in ("head", "tail")
    ]
    return f"relazione n. {i + 1} ({ends[0]} → {ends[1]})"


def italian_problem(spec: TaskSpec, record: dict, problem: str) -> str:
    """One problem of `record` in Italian, about the mention, relation or form item it names."""
    located = LOCATION.match(problem)
    if located:
        part, i, rest = located[1], int(located[2]), located[3]
        where = _mention(record, i) if part == "entities" else _relation(record, i)
        return f"{where}: {_phrase(rest)}"
    item = ITEM.match(problem)
    titles = {field.name: item_title(field) for field in spec.fields}
    if item and item[1] in titles:
        where = f"voce «{titles[item[1]]}»" + (f", valore n. {int(item[2]) + 1}" if item[2] else "")
        return f"{where}: {_phrase(item[3])}"
    return _phrase(problem)


def record_problems(spec: TaskSpec, record: dict) -> list[str]:
    """What the task refuses in a complete record (with its inputs), in Italian; empty when it can be stored."""
    return [italian_problem(spec, record, p) for p in kind_for(spec).validate_record(spec, record)]
