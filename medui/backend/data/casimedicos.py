"""CasiMedicos-Arg importer: token-per-line TSV -> am records of casimedicos_arg_components.

A line is `token<TAB>BIO tag<TAB>quality<TAB>note` (tags B-/I-Claim, B-/I-Premise, O), a blank line ends a
sentence and a sentence whose first token is `QUESTION` starts a document. Text is rebuilt with single spaces
between tokens and a newline between sentences. A document of at most MAX_DOC_CHARS characters is one record
(id `<file>-<n>`); a longer one is cut into windows of whole sentences (`<file>-<n>#<k>`). Spans never cross a
sentence. The token-line and BIO helpers here are shared with the AbstRCT importer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from medui.backend.data.common import DataError, ImportReport, read_text_lines, span_record
from medui.backend.data.e3c import pack_sentences
from medui.backend.data.pharmaer import bio_spans
from medui.tasks.registry import get_spec

DOC_MARKER = "QUESTION"
MAX_DOC_CHARS = 2500
TASK = "casimedicos_arg_components"

Span = tuple[int, int, str]
TokenLine = tuple[str, str]  # (token, raw tag)
LineSplitter = Callable[[str, ImportReport], list[str]]


@dataclass
class BioText:
    """Sentences rebuilt as text: the text, each sentence's (start, end) and the (start, end, label) spans."""

    text: str
    sentences: list[tuple[int, int]]
    spans: list[Span]


# -- token lines ----------------------------------------------------------------------------------------------
def read_token_sentences(path: Path, split_line: LineSplitter, report: ImportReport) -> list[list[TokenLine]]:
    """Sentences of (token, raw tag) from a token-per-line file with blank lines between sentences."""
    sentences: list[list[TokenLine]] = []
    current: list[TokenLine] = []
    for line in [*read_text_lines(path), ""]:
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        fields = split_line(line, report)
        token = fields[0].strip()
        if not token:
            report.skip("line_empty_token")
            continue
        if token != fields[0]:
            report.skip("token_whitespace_stripped")
        current.append((token, fields[1].strip() if len(fields) > 1 else ""))
    return sentences


def split_tsv_line(line: str, report: ImportReport) -> list[str]:
    """Fields of a CasiMedicos line: tab-separated, or whitespace-separated when the line has no tab."""
    if "\t" in line:
        return line.split("\t")
    report.skip("line_space_separated")
    return line.split()


# -- BIO ------------------------------------------------------------------------------------------------------
def parse_tag(raw: str, labels: dict[str, str], report: ImportReport) -> tuple[str, str]:
    """('O', '') or ('B'|'I', task label) from a raw tag; a missing, malformed or foreign tag counts as O."""
    if not raw:
        report.skip("line_without_tag")
        return "O", ""
    if raw.upper() == "O":
        return "O", ""
    prefix, sep, label = raw.partition("-")
    if not sep or prefix.upper() not in ("B", "I") or not label.strip():
        report.skip(f"tag_not_bio:{raw}")
        return "O", ""
    if label.strip().lower() not in labels:
        report.skip(f"label_outside_task:{label.strip()}")
        return "O", ""
    return prefix.upper(), labels[label.strip().lower()]


def sentence_spans(sentence: list[TokenLine], labels: dict[str, str], report: ImportReport) -> list[Span]:
    """Character spans in the sentence text (tokens joined by single spaces); an I- that continues
    nothing starts a span (counted as bio_repaired_i_without_b)."""
    tags = [parse_tag(raw, labels, report) for _, raw in sentence]
    token_spans, repaired = bio_spans(tags)
    if repaired:
        report.skip("bio_repaired_i_without_b", repaired)
    starts, position = [], 0
    for token, _ in sentence:
        starts.append(position)
        position += len(token) + 1
    return [(starts[a], starts[b] + len(sentence[b][0]), label) for a, b, label in token_spans]


def bio_text(
    sentences: list[list[TokenLine]], labels: dict[str, str], report: ImportReport, joiner: str
) -> BioText:
    """Sentences joined into one text with `joiner`, with sentence bounds and spans in that text."""
    parts, bounds, spans, position = [], [], [], 0
    for sentence in sentences:
        part = " ".join(token for token, _ in sentence)
        spans.extend(
            (s + position, e + position, label) for s, e, label in sentence_spans(sentence, labels, report)
        )
        parts.append(part)
        bounds.append((position, position + len(part)))
        position += len(part) + len(joiner)
    return BioText(joiner.join(parts), bounds, spans)


def task_labels(task: str) -> dict[str, str]:
    """Lower-cased label -> label as the task spells it."""
    return {label.lower(): label for label in get_spec(task).labels}


def window_records(doc: BioText, prefix: str, max_chars: int, doc_id: str | None = None) -> list[dict]:
    """Records of whole-sentence windows of at most max_chars (one sentence may exceed it), ids <prefix>#<k>;
    with a doc_id each record also names its document and its offset in it."""
    records = []
    for number, (first, last) in enumerate(pack_sentences(doc.sentences, max_chars), start=1):
        start, end = doc.sentences[first][0], doc.sentences[last][1]
        spans = [(s - start, e - start, label) for s, e, label in doc.spans if start <= s and e <= end]
        extra = {"doc_id": doc_id, "offset": start} if doc_id is not None else {}
        records.append(span_record(f"{prefix}#{number}", doc.text[start:end], spans, **extra))
    return records


# -- CasiMedicos ----------------------------------------------------------------------------------------------
def split_documents(sentences: list[list[TokenLine]], report: ImportReport) -> list[list[list[TokenLine]]]:
    """Documents: runs of sentences, each starting at a sentence whose first token is QUESTION."""
    documents: list[list[list[TokenLine]]] = []
    for sentence in sentences:
        if sentence[0][0] == DOC_MARKER or not documents:
            if sentence[0][0] != DOC_MARKER:
                report.skip("text_before_first_question")
            documents.append([])
        documents[-1].append(sentence)
    return documents


def document_records(doc: BioText, doc_id: str, max_chars: int) -> list[dict]:
    """One record for a document of at most max_chars, else whole-sentence windows of at most max_chars."""
    if len(doc.text) <= max_chars:
        return [span_record(doc_id, doc.text, doc.spans, doc_id=doc_id, offset=0)]
    return window_records(doc, doc_id, max_chars, doc_id=doc_id)


def import_casimedicos_tsv(
    path: Path, task: str = TASK, split: str = "user", *, max_chars: int = MAX_DOC_CHARS
) -> ImportReport:
    """Read a CasiMedicos-Arg TSV file into am records of `task` in `split` (oddities and repairs counted)."""
    path = Path(path)
    report = ImportReport()
    labels = task_labels(task)
    sentences = read_token_sentences(path, split_tsv_line, report)
    for number, document in enumerate(split_documents(sentences, report), start=1):
        doc = bio_text(document, labels, report, "\n")
        for record in document_records(doc, f"{path.stem}-{number:03d}", max_chars):
            report.add(split, record)
    if not report.records:
        raise DataError(f"{path}: no tokens found")
    return report
