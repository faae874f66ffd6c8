"""E3C importer: UIMA CAS XMI (WebAnno export) of the E3C corpus -> the eight E3C ner and re tasks.

Each document is cut once into windows of whole sentences (about WINDOW_CHARS characters), merged wherever an
entity or a PERTAINS/TLINK link would cross a cut; every E3C task uses that one windowing, so a window has the
same id (`<doc>#<n>`) and text in all of them. A task leaves out the documents not annotated for its layer
(some layer-1 documents carry only CLINENTITY, many have no TLINK). What cannot be kept is counted in the report
as `<reason>:<label or link kind>`. Reading the XMI itself is e3c_xmi.py's.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from medui.backend.data.common import DataError, ImportReport, span_record
from medui.backend.data.e3c_xmi import (
    Link,
    Span,
    count_annotations,
    read_entities,
    read_links,
    read_sentences,
    read_xmi,
    utf16_indexer,
)
from medui.tasks.registry import get_spec

WINDOW_CHARS = 600
XMI_SUFFIXES = (".xml", ".xmi")


@dataclass(frozen=True)
class E3CTask:
    """The entity labels a task keeps, the link kind an re task turns into relations, and the annotation layer:
    a document none of whose elements or links is named in `layer` was not annotated for the task."""

    labels: tuple[str, ...]
    link: str | None = None
    layer: tuple[str, ...] = ("EVENT", "TIMEX3", "BODYPART", "ACTOR", "RML")


E3C_TASKS = {
    "e3c_clinical_entities": E3CTask(("CLINENTITY",), layer=("CLINENTITY",)),
    "e3c_events": E3CTask(("EVENT",)),
    "e3c_time_expressions": E3CTask(("TIMEX3",)),
    "e3c_body_parts": E3CTask(("BODYPART",)),
    "e3c_actors": E3CTask(("ACTOR",)),
    "e3c_measurements": E3CTask(("RML",)),
    "e3c_measurement_links": E3CTask(("RML", "EVENT"), "PERTAINS"),
    "e3c_temporal_links": E3CTask(("EVENT", "TIMEX3"), "TLINK", layer=("TLINK",)),
}


@dataclass
class E3CDocument:
    """One document: text, window bounds, kept mentions and links, (reason, label or kind) skip counts, and
    how many entity elements per label and link references per kind its XMI holds."""

    doc_id: str
    text: str
    windows: list[tuple[int, int]]
    mentions: list[Span]
    links: list[Link]
    skipped: Counter
    annotations: Counter


# -- windows --------------------------------------------------------------------------------------------------
def pack_sentences(
    sentences: list[tuple[int, int]], max_chars: int, ties: Iterable[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Windows (first, last sentence index) of whole sentences, each at most max_chars from the first sentence
    start to the last sentence end where a sentence allows; a tie (lo, hi) keeps sentences lo..hi together."""
    joined = [False] * len(sentences)
    for lo, hi in ties:
        joined[lo:hi] = [True] * (hi - lo)
    windows: list[tuple[int, int]] = []
    first = 0
    for last in range(len(sentences)):
        if joined[last] and last + 1 < len(sentences):
            continue
        if windows and sentences[last][1] - sentences[windows[-1][0]][0] <= max_chars:
            windows[-1] = (windows[-1][0], last)
        else:
            windows.append((first, last))
        first = last + 1
    return windows


def _sentence_range(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """Indices of the first and last sentence a span overlaps, or None when it overlaps none."""
    first = bisect_right([e for _, e in sentences], start)
    last = bisect_left([b for b, _ in sentences], end) - 1
    return (first, last) if first <= last else None


def _window_of(windows: list[tuple[int, int]], span: Span) -> int | None:
    index = bisect_right([b for b, _ in windows], span[0]) - 1
    return index if index >= 0 and span[1] <= windows[index][1] else None


def plan_windows(
    text: str, sentences: list[tuple[int, int]], spans: Iterable[Span], links: list[Link], max_chars: int
) -> list[tuple[int, int]]:
    """Character bounds of the windows: no entity and no link crosses one."""
    if not sentences:
        stripped = text.strip()
        start = text.find(stripped) if stripped else 0
        sentences = [(start, start + len(stripped))]
    ties = [r for s in spans if (r := _sentence_range(sentences, s[0], s[1]))]
    for _, head, tail, _ in links:
        found = _sentence_range(sentences, min(head[0], tail[0]), max(head[1], tail[1]))
        if found:
            ties.append(found)
    return [(sentences[a][0], sentences[b][1]) for a, b in pack_sentences(sentences, max_chars, ties)]


# -- documents ------------------------------------------------------------------------------------------------
def load_document(path: Path, window_chars: int = WINDOW_CHARS) -> E3CDocument:
    """Read one XMI file into its windows, mentions and links, counting everything left out."""
    text, elements = read_xmi(path)
    to_index = utf16_indexer(text)
    skipped: Counter = Counter()
    sentences = read_sentences(elements, to_index, text)
    if not sentences:
        skipped["document_without_sentences", ""] += 1
    by_id = read_entities(elements, to_index, text, skipped)
    links = read_links(elements, by_id, skipped)
    windows = plan_windows(text, sentences, by_id.values(), links, window_chars)
    mentions: set[Span] = set()
    for span in by_id.values():
        if _window_of(windows, span) is None:
            skipped["outside_sentences", span[2]] += 1
        elif span in mentions:
            skipped["duplicate_span", span[2]] += 1
        else:
            mentions.add(span)
    kept: set[Link] = set()
    for link in links:
        ends = {_window_of(windows, link[1]), _window_of(windows, link[2])}
        reason = "link_end_skipped" if None in ends else "link_crosses_window" if len(ends) > 1 else None
        reason = reason or ("duplicate_relation" if link in kept else None)
        if reason:
            skipped[reason, link[0]] += 1
        else:
            kept.add(link)
    return E3CDocument(
        path.stem, text, windows, sorted(mentions), sorted(kept), skipped, count_annotations(elements)
    )


def relation_record(record_id: str, text: str, spans: list[Span], links: list[Link], **extra) -> dict:
    """An re record: entities T1.. in text order, relations between them sorted by head, tail and label."""
    ordered = sorted(set(spans))
    ids = {span: f"T{number}" for number, span in enumerate(ordered, start=1)}
    entities = [
        {"id": ids[s], "start": s[0], "end": s[1], "label": s[2], "text": text[s[0] : s[1]]} for s in ordered
    ]
    triples = sorted({(ordered.index(h), ordered.index(t), label) for _, h, t, label in links})
    relations = [{"head": f"T{h + 1}", "tail": f"T{t + 1}", "label": label} for h, t, label in triples]
    return {"id": record_id, "text": text, "entities": entities, "relations": relations, **extra}


def _shift(span: Span, offset: int) -> Span:
    return span[0] - offset, span[1] - offset, span[2]


def task_records(doc: E3CDocument, task: str, report: ImportReport) -> list[dict]:
    """The records of one task from a document, one per window."""
    plan = E3C_TASKS[task]
    roles = set(get_spec(task).relation_labels)
    records = []
    for number, (start, end) in enumerate(doc.windows, start=1):
        spans = [
            _shift(m, start) for m in doc.mentions if m[2] in plan.labels and start <= m[0] and m[1] <= end
        ]
        record_id, extra = f"{doc.doc_id}#{number}", {"doc_id": doc.doc_id, "offset": start}
        if plan.link is None:
            records.append(span_record(record_id, doc.text[start:end], spans, **extra))
            continue
        links = [
            (kind, _shift(head, start), _shift(tail, start), role)
            for kind, head, tail, role in doc.links
            if kind == plan.link and start <= head[0] < end
        ]
        for link in links:
            if link[3] not in roles:
                report.skip(f"relation_label_unknown:{plan.link}")
        links = [link for link in links if link[3] in roles]
        records.append(relation_record(record_id, doc.text[start:end], spans, links, **extra))
    return records


def add_document(report: ImportReport, task: str, doc: E3CDocument, split: str) -> None:
    """Add a document's records of `task` to `split` and the skip counts that concern the task; a document
    not annotated for the task's layer is left out, it and its elements counted as document_not_annotated."""
    plan = E3C_TASKS[task]
    if not any(doc.annotations[name] for name in plan.layer):
        report.skip("document_not_annotated")
        for name in (*plan.labels, plan.link):
            if doc.annotations[name]:
                report.skip(f"document_not_annotated:{name}", doc.annotations[name])
        return
    subjects = {*plan.labels, plan.link, ""}
    for (reason, subject), count in sorted(doc.skipped.items()):
        if subject in subjects:
            report.skip(f"{reason}:{subject}" if subject else reason, count)
    for record in task_records(doc, task, report):
        report.add(split, record)


# -- entry points ---------------------------------------------------------------------------------------------
def xmi_files(path: Path) -> list[Path]:
    """One XMI file, or the XMI files of a folder in name order."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"{path}: no such file or folder")
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in XMI_SUFFIXES)
    if not files:
        raise DataError(f"{path}: no XMI files ({', '.join(XMI_SUFFIXES)})")
    return files


def import_e3c_xmi(
    path: Path, task: str, split: str = "user", *, window_chars: int = WINDOW_CHARS
) -> ImportReport:
    """Read one E3C XMI file or a folder of them into records of `task` (an E3C task id), all in `split`."""
    if task not in E3C_TASKS:
        raise DataError(f"{task!r} is not an E3C task (one of {', '.join(E3C_TASKS)})")
    report = ImportReport()
    for file in xmi_files(path):
        add_document(report, task, load_document(file, window_chars), split)
    return report


def read_train_ids(path: Path, language: str = "ITALIAN") -> set[str]:
    """The training document ids that the official split file lists for a language."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    block = re.search(rf"^{language}\s*$(.*?)(?:^\s*$|\Z)", text, re.MULTILINE | re.DOTALL)
    ids = set(re.findall(r"'([A-Z]{2}\d+)'", block.group(1))) if block else set()
    if not ids:
        raise DataError(f"{path}: no {language} list of training documents")
    return ids


def build_e3c(e3c_dir: Path) -> dict[str, ImportReport]:
    """All eight E3C tasks: layer 1 in train/test by the official split, layer 2 as `silver` clinical entities."""
    e3c_dir = Path(e3c_dir)
    train_ids = read_train_ids(e3c_dir / "train_test_split.txt")
    reports = {task: ImportReport(records={"train": [], "test": []}) for task in E3C_TASKS}
    found = set()
    for file in xmi_files(e3c_dir / "layer1"):
        doc = load_document(file)
        found.add(doc.doc_id)
        for task, report in reports.items():
            add_document(report, task, doc, "train" if doc.doc_id in train_ids else "test")
    for report in reports.values() if train_ids - found else ():
        report.skip("train_list_document_not_found", len(train_ids - found))
    if (e3c_dir / "layer2").is_dir():
        for file in xmi_files(e3c_dir / "layer2"):
            add_document(
                reports["e3c_clinical_entities"], "e3c_clinical_entities", load_document(file), "silver"
            )
    return reports
