"""AbstRCT (Italian) importer: `token TAG` lines -> am records of the three AbstRCT tasks.

A line is a token and its BIO tag (B-/I-Claim, B-/I-Premise, O) separated by whitespace; a third field or
trailing whitespace is tolerated and counted. A blank line ends a sentence; the files carry no abstract
boundaries, so records are windows of consecutive whole sentences of at most MAX_WINDOW_CHARS characters
(sentences joined by a space, tokens by single spaces), ids `<file stem>#<n>` in file order. Spans never cross
a sentence, hence never a window.
"""

from __future__ import annotations

from pathlib import Path

from medui.backend.data.casimedicos import bio_text, read_token_sentences, task_labels, window_records
from medui.backend.data.common import DataError, ImportReport

MAX_WINDOW_CHARS = 800
SENTENCE_JOINER = " "
ABSTRCT_TASKS = ("abstrct_neoplasm_components", "abstrct_glaucoma_components", "abstrct_mixed_components")


def split_abstrct_line(line: str, report: ImportReport) -> list[str]:
    """Whitespace-separated fields of a line: token, tag; extra fields and trailing whitespace are counted."""
    fields = line.split()
    if len(fields) > 2:
        report.skip("line_extra_fields")
    if line != line.rstrip():
        report.skip("line_trailing_whitespace")
    return fields


def import_abstrct_tsv(
    path: Path, task: str, split: str = "user", *, max_chars: int = MAX_WINDOW_CHARS
) -> ImportReport:
    """Read an AbstRCT token/tag file into am records of `task` (an AbstRCT task id) in `split`."""
    if task not in ABSTRCT_TASKS:
        raise DataError(f"{task!r} is not an AbstRCT task (one of {', '.join(ABSTRCT_TASKS)})")
    path = Path(path)
    report = ImportReport()
    sentences = read_token_sentences(path, split_abstrct_line, report)
    if not sentences:
        raise DataError(f"{path}: no tokens found")
    text = bio_text(sentences, task_labels(task), report, SENTENCE_JOINER)
    for record in window_records(text, path.stem, max_chars):
        report.add(split, record)
    return report
