"""Aligning mentions the model wrote back to character offsets in the input text."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _loose_pattern(mention: str) -> re.Pattern[str] | None:
    words = mention.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def find_all(text: str, mention: str) -> list[Span]:
    """Every occurrence of the mention: exact first; else ignoring case and runs of whitespace."""
    spans = []
    start = text.find(mention) if mention else -1
    while start >= 0:
        spans.append(Span(start, start + len(mention)))
        start = text.find(mention, start + 1)
    if spans:
        return spans
    pattern = _loose_pattern(mention)
    if pattern is None:
        return []
    return [Span(m.start(), m.end()) for m in pattern.finditer(text)]


class Aligner:
    """Gives each mention an occurrence in the text; the k-th repeat of a mention gets its k-th occurrence."""

    def __init__(self, text: str):
        self.text = text
        self._used: dict[tuple[str, str], int] = {}

    def align(self, mention: str, label: str) -> Span | None:
        occurrences = find_all(self.text, mention)
        if not occurrences:
            return None
        key = (mention.casefold(), label)
        k = self._used.get(key, 0)
        self._used[key] = k + 1
        return occurrences[min(k, len(occurrences) - 1)]


def sentence_windows(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Split text into (start, end) windows of whole sentences, each at most max_chars where a sentence allows."""
    bounds = [m.end() for m in re.finditer(r"[.!?;:]\s+|\n+", text)]
    cuts = [0] + [b for b in bounds if 0 < b < len(text)] + [len(text)]
    windows: list[tuple[int, int]] = []
    start = 0
    for prev, cut in zip(cuts, cuts[1:], strict=False):
        if cut - start > max_chars and prev > start:
            windows.append((start, prev))
            start = prev
    windows.append((start, len(text)))
    return [(s, e) for s, e in windows if text[s:e].strip()]
