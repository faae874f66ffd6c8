"""DIMMI importer: questions on Italian drug leaflets -> extractive qa gold records of drug_leaflet_qa.

DIMMI (Drug InforMation Mining in Italian, a CALAMITA challenge at CLiC-it 2024; RafaMann/DIMMI on the Hugging
Face Hub) releases one row per leaflet (config dimmi_600: data/dimmi_600.tsv, also parquet) with the leaflet
`text`, the drug name and the gold lists of five categories, `molecule`, `usage`, `posology`, `side_effect` and
`drug_interaction`, as the CALAMITA harness reads them (tasks/dimmi). Each (leaflet, category) becomes one
question; its `answer` is the first gold item found in the leaflet and every item stays in `answers`. Files
already shaped as questions (context, question, answer; English or Italian column names, detected or given) are
read too. An answer not found verbatim is matched again ignoring case and spacing; if still not found the record
is kept (DIMMI's gold lists were written by annotators, not copied) and counted, or dropped on request.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from medui.backend.data.common import DataError, ImportReport
from medui.backend.data.pharmaer import parse_list, read_rows
from medui.tasks.registry import get_spec

CATEGORY_QUESTIONS = {
    "molecule": "Qual è il principio attivo di {drug}?",
    "usage": "A che cosa serve {drug}?",
    "posology": "Qual è la posologia raccomandata di {drug}?",
    "side_effect": "Quali sono i possibili effetti indesiderati di {drug}?",
    "drug_interaction": "Con quali altri medicinali può interagire {drug}?",
}
CATEGORY_ALIASES = {
    "molecule": ("molecule", "molecules", "molecola", "principio_attivo", "active_ingredient"),
    "usage": ("usage", "use", "uso", "indicazioni", "indications"),
    "posology": ("posology", "posologia", "dosage", "dose"),
    "side_effect": ("side_effect", "side_effects", "effetti_collaterali", "effetti_indesiderati"),
    "drug_interaction": ("drug_interaction", "drug_interactions", "interazioni", "interactions"),
}
ROLE_COLUMNS = {
    "id": ("id", "document_id", "doc_id", "qid", "question_id", "identifier", "codice"),
    "context": ("context", "text", "leaflet", "passage", "document", "contesto", "testo", "foglietto"),
    "question": ("question", "domanda", "query"),
    "answer": ("answer", "answers", "answer_text", "risposta", "risposte"),
    "drug": ("drug_name", "drug", "nome_farmaco", "farmaco", "medicinale", "name"),
}
UNNAMED_DRUG = "questo medicinale"


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def find_columns(keys: Sequence[str], given: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """role -> column: the given name where one is given, else the first known alias present (any case)."""
    by_key = {_key(k): k for k in keys}
    found: dict[str, str | None] = {}
    for role, aliases in ROLE_COLUMNS.items():
        found[role] = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
    for role, column in (given or {}).items():
        if role not in ROLE_COLUMNS:
            raise DataError(f"unknown column role {role!r} (roles: {', '.join(ROLE_COLUMNS)})")
        if column not in keys:
            raise DataError(f"column {column!r} given for {role!r} is not in the file ({', '.join(keys)})")
        found[role] = column
    return found


def find_categories(keys: Sequence[str], wanted: Sequence[str] | None = None) -> dict[str, str]:
    """DIMMI category -> column, for the categories present (or the wanted ones, which must be present)."""
    by_key = {_key(k): k for k in keys}
    found = {}
    for category, aliases in CATEGORY_ALIASES.items():
        column = next((by_key[_key(a)] for a in aliases if _key(a) in by_key), None)
        if column is not None:
            found[category] = column
    if wanted is None:
        return found
    missing = [c for c in wanted if c not in found]
    if missing:
        raise DataError(f"categories {', '.join(missing)} have no column (columns: {', '.join(keys)})")
    return {c: found[c] for c in wanted}


def answer_items(value, where: str, field: str) -> list[str]:
    """Gold answers of a cell: a list, a SQuAD {"text": [...]}, list text ("['a', 'b']") or a plain string."""
    if value is None:
        return []
    if isinstance(value, dict):
        return answer_items(value.get("text"), where, field)
    if isinstance(value, str) and value.strip().startswith("["):
        with contextlib.suppress(DataError):  # not list text after all: a plain answer
            value = parse_list(value, where, field)
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def locate_answer(context: str, items: Sequence[str]) -> tuple[str, str]:
    """(answer, how): the first item verbatim in the context, else one found ignoring case and spacing."""
    for item in items:
        if item in context:
            return item, "exact"
    for item in items:
        pattern = r"\s+".join(re.escape(word) for word in item.split())
        match = re.search(pattern, context, flags=re.IGNORECASE)
        if match:
            return match.group(0), "realigned"
    return items[0], "missing"


def _text(row: dict, column: str | None, where: str, role: str) -> str:
    value = row.get(column) if column else None
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: no {role} (column {column!r})")
    return value


def _qa_record(
    record_id: str, context: str, question: str, items: list[str], report: ImportReport, keep: bool
):
    """The extractive record, or None when its answer is not in the context and such records are dropped."""
    answer, how = locate_answer(context, items)
    if how == "missing" and not keep:
        report.skip("answer_not_in_context")
        return None
    if how != "exact":
        report.skip("answer_not_in_context_kept" if how == "missing" else "answer_realigned_to_context")
    record = {"id": record_id, "context": context, "question": question, "answer": answer}
    if len(items) > 1:
        record["answers"] = items
    return record


def _question_rows(rows, path: Path, cols: dict, report: ImportReport, keep: bool) -> list[dict]:
    records = []
    for number, (where, row) in enumerate(rows, start=1):
        where = f"{path}: {where}"
        context = _text(row, cols["context"], where, "context")
        question = _text(row, cols["question"], where, "question")
        items = answer_items(row.get(cols["answer"]) if cols["answer"] else None, where, "answer")
        if not items:
            raise DataError(f"{where}: no answer (column {cols['answer']!r})")
        record_id = str(row.get(cols["id"]) or "") if cols["id"] else ""
        record = _qa_record(record_id or f"{path.stem}-{number}", context, question, items, report, keep)
        if record:
            records.append(record)
    return records


def _leaflet_rows(
    rows, path: Path, cols: dict, categories: dict, templates: Mapping, report, keep
) -> list[dict]:
    records = []
    for number, (where, row) in enumerate(rows, start=1):
        where = f"{path}: {where}"
        context = _text(row, cols["context"], where, "leaflet text")
        doc_id = str(row.get(cols["id"]) or "") if cols["id"] else ""
        drug = str(row.get(cols["drug"]) or "").strip() if cols["drug"] else ""
        for category, column in categories.items():
            items = answer_items(row.get(column), where, column)
            if not items:
                report.skip(f"no_gold_answer:{category}")
                continue
            question = templates[category].format(drug=drug or UNNAMED_DRUG)
            record_id = f"{doc_id or f'{path.stem}-{number}'}-{category}"
            record = _qa_record(record_id, context, question, items, report, keep)
            if record:
                records.append({**record, "category": category})
    return records


def _unique_ids(records: list[dict], report: ImportReport) -> None:
    seen: Counter = Counter()
    for record in records:
        seen[record["id"]] += 1
        if seen[record["id"]] > 1:
            record["id"] = f"{record['id']}-{seen[record['id']]}"
            report.skip("duplicate_id_renamed")


def import_dimmi(
    path: Path,
    task: str = "drug_leaflet_qa",
    split: str = "user",
    *,
    columns: Mapping[str, str] | None = None,
    categories: Sequence[str] | None = None,
    questions: Mapping[str, str] | None = None,
    keep_not_in_context: bool = True,
) -> ImportReport:
    """Read DIMMI (JSONL, JSON, CSV/TSV or parquet) into extractive qa records of `task` in `split`.

    A file with a question column is read one question a row; otherwise it must be DIMMI's one leaflet a row
    with category columns, each turned into a question (`questions` overrides the Italian templates, with
    {drug}). `columns` maps roles (id, context, question, answer, drug) to column names where detection fails.
    """
    spec = get_spec(task)
    if spec.family != "qa" or spec.answer_format != "extractive":
        raise DataError(f"task {task!r} is not an extractive question answering task")
    path = Path(path)
    rows = read_rows(path)
    if not rows:
        raise DataError(f"{path}: no rows")
    keys = list(dict.fromkeys(k for _, row in rows for k in row))
    cols = find_columns(keys, columns)
    if cols["context"] is None:
        raise DataError(
            f"{path}: no context or leaflet text column among {', '.join(keys)}; pass columns=..."
        )
    report = ImportReport()
    if cols["question"] is not None:
        records = _question_rows(rows, path, cols, report, keep_not_in_context)
    else:
        found = find_categories(keys, categories)
        if not found:
            raise DataError(
                f"{path}: neither a question column nor DIMMI category columns among {', '.join(keys)}; "
                "pass columns={'context': ..., 'question': ..., 'answer': ...}"
            )
        templates = {**CATEGORY_QUESTIONS, **(questions or {})}
        records = _leaflet_rows(rows, path, cols, found, templates, report, keep_not_in_context)
    _unique_ids(records, report)
    for record in records:
        report.add(split, record)
    return report
