"""Copy constraint: a mention (or an extractive answer) may only be text that occurs in the input.

Inside the JSON string that follows one of COPY_KEYS, the allowed tokens are those that extend the text written
so far to a substring of the source, and (once something is written) the tokens that close the string. Fewer
invented mentions, fewer dropped spans and fewer decoding steps.

A small model decoding greedily tends to repeat one mention until its token budget runs out. A mention written
more often than the source holds it cannot be aligned anyway, so it ends the list it is in (the decoding loop
then allows only the tokens that close that list).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

COPY_KEYS = ('"text":"', '"answer":"')
UNSAFE = set('"\\') | {chr(c) for c in range(32)}  # characters a JSON string cannot hold unescaped


class SourceCopy:
    """The tokens that continue a copy of `source` after a given prefix of it."""

    def __init__(self, source: str, by_text: dict[str, list[int]], closers: list[int], max_chars: int = 24):
        self.source = source
        self.by_text = by_text
        self.closers = closers  # tokens whose text starts with the closing quote
        self.max_chars = max_chars
        self._at: dict[int, frozenset[int]] = {}
        self._start: frozenset[int] | None = None
        self._closing: dict[int, list[int]] = {}
        self.used: Counter[str] = Counter()

    def close(self, written: str) -> bool:
        """Record a finished copy; True when it was written more often than the source holds it."""
        self.used[written] += 1
        return self.used[written] > self.source.count(written)

    def tokens_at(self, position: int) -> frozenset[int]:
        """Tokens whose text is a prefix of source[position:] (and holds no character JSON must escape)."""
        if position not in self._at:
            found: set[int] = set()
            window = self.source[position : position + self.max_chars]
            for k in range(1, len(window) + 1):
                piece = window[:k]
                if piece[-1] in UNSAFE:
                    break
                found.update(self.by_text.get(piece, ()))
            self._at[position] = frozenset(found)
        return self._at[position]

    def allowed(self, written: str, guide) -> set[int]:
        """Tokens allowed after `written` (the part of the string value already decoded)."""
        if not written:
            if self._start is None:
                self._start = frozenset().union(*(self.tokens_at(p) for p in range(len(self.source))))
            return set(self._start)
        allowed: set[int] = set()
        start = self.source.find(written)
        while start >= 0:
            allowed |= self.tokens_at(start + len(written))
            start = self.source.find(written, start + 1)
        if written in self.source:
            allowed.update(self._closers(guide))
        return allowed

    def _closers(self, guide) -> list[int]:
        state = guide.get_state()
        if state not in self._closing:
            self._closing[state] = [t for t in self.closers if guide.accepts_tokens([t])]
        return self._closing[state]


@dataclass(frozen=True)
class CopyTables:
    """Per-model token tables of the copy constraint."""

    by_text: dict[str, list[int]]  # token text -> token ids
    closers: list[int]  # tokens that start with a quote
    next_item: frozenset[int]  # tokens that open another object in a list: they contain "},"
    comma: frozenset[int]  # tokens that start with a comma (another item, after a "}")


def copy_tables(strings: dict[int, str]) -> CopyTables:
    """The copy constraint's tables, from a model's token strings."""
    by_text: dict[str, list[int]] = {}
    for token_id, text in strings.items():
        by_text.setdefault(text, []).append(token_id)
    return CopyTables(
        by_text,
        closers=[t for t, text in strings.items() if text.startswith('"')],
        next_item=frozenset(t for t, text in strings.items() if "}," in text),
        comma=frozenset(t for t, text in strings.items() if text.startswith(",")),
    )


def list_continuers(tables: CopyTables, out: str) -> frozenset[int]:
    """The tokens that would add another item to the list being written after `out`."""
    return tables.next_item | tables.comma if out.endswith("}") else tables.next_item
