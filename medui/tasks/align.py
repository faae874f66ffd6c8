"""Aligning mentions the model wrote back to character offsets in the input text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from medui.tasks.words import boundaries


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
    """Every occurrence of the mention: exact ones first, then those ignoring case and runs of whitespace."""
    spans = []
    start = text.find(mention) if mention else -1
    while start >= 0:
        spans.append(Span(start, start + len(mention)))
        start = text.find(mention, start + 1)
    pattern = _loose_pattern(mention)
    if pattern is not None:
        spans += [s for m in pattern.finditer(text) if (s := Span(m.start(), m.end())) not in spans]
    return spans


class Aligner:
    """Gives each mention the first occurrence in the text not yet taken by an earlier mention of its label,
    reading on from the mention before it.

    Occurrences on word boundaries come first: "es" is found in "es. ECG", not inside "iperteso" before it. A
    mention written twice where the text has it once as a word gets that word again (the two merge), never the
    copy inside another word ("PA" twice with one "PA" and one "EPA": not "EPA"'s letters). A model writes its
    mentions in text order, so among the free occurrences of a repeated word the first one at or after the
    previous mention's start is taken ("terapia" written after "metformina" is the "terapia" of "avviata terapia
    con furosemide", not of the "in terapia con metformina" before it); an earlier one only when none follows.
    """

    def __init__(self, text: str):
        self.text = text
        self.bounds = boundaries(text)
        self._taken: set[tuple[Span, str]] = set()
        self._cursor = 0  # where the previous mention starts

    def align(self, mention: str, label: str) -> Span | None:
        occurrences = find_all(self.text, mention)
        if not occurrences:
            return None
        span = reading_choice(
            occurrences,
            self._cursor,
            lambda s: self.bounds.cuts(s.start, s.end),
            lambda s: (s, label) in self._taken,
        )
        self._taken.add((span, label))
        self._cursor = span.start
        return span


def reading_choice(
    spans: list[Span], cursor: int, cut: Callable[[Span], bool], taken: Callable[[Span], bool]
) -> Span:
    """The occurrence a reader took among `spans` (in the order given): whole words before cut ones, free before
    taken, at or after `cursor` (where the previous one starts) before behind it; the first of those."""
    return min(spans, key=lambda s: (cut(s), taken(s), s.start < cursor))  # min keeps the first of equals


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
