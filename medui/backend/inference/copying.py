"""Copy constraint: a mention, an extractive answer or a copied form item may only be text of the input.

Which string values copy the source is the task's business: its kind names them (`Kind.copy_keys`) as CopyKeys,
(medui/tasks/kinds/base.py), the JSON text that opens such a value: `"text":"` for a mention, `"farmaci":[` for a list whose every item is
copied. Inside such a value the allowed tokens are those that extend the text written so far to a span of the
source that starts on a word boundary, and (once something is written, ending on a word boundary) the tokens
that close the string: a copy never cuts a word ("es" out of "iperteso"), never starts on whitespace.

A small model decoding greedily tends to repeat one mention until its token budget runs out. A mention written
more often than the source holds it cannot be aligned anyway, so it ends the list it is in (the decoding loop
then allows only the tokens that close that list); in a form's list of copied strings, a value the list already
holds ends it too (a form names a thing once). The task bounds a copy too (CopyKeys): a value past
`max_chars` ends at its next word boundary, and a list ends after `max_items` copied values.

Each finished copy is placed in the source (SourceCopy.place) and its (start, end) kept in `copies`, in the
order written: a form's evidence then shows the occurrence the value was copied from instead of searching the
note again (issue 24: "terapia" of "avviata terapia con furosemide" was shown at "in terapia con metformina").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from medui.tasks.align import Span, reading_choice
from medui.tasks.kinds.base import CopyKeys
from medui.tasks.words import boundaries

UNSAFE = set('"\\') | {chr(c) for c in range(32)}  # characters a JSON string cannot hold unescaped
OPENERS = "[,:"  # what may come before the quote that opens a string value, in one token


class SourceCopy:
    """The tokens that continue a copy of `source` after a given prefix of it."""

    def __init__(self, source: str, by_text: dict[str, list[int]], closers: list[int], max_chars: int = 24,
                 max_value_chars: int = 0):  # fmt: skip
        self.source = source
        self.max_value_chars = max_value_chars  # a value this long may only end (at a word boundary)
        self.by_text = by_text
        self.closers = closers  # tokens whose text starts with the closing quote (and opens no other string)
        self.max_chars = max_chars
        bounds = boundaries(source)
        self.starts, self.ends = bounds.starts, bounds.ends
        self._at: dict[int, frozenset[int]] = {}
        self._start: frozenset[int] | None = None
        self._closing: dict[int, list[int]] = {}
        self._found: tuple[str, list[int]] = ("", [])
        self.used: Counter[str] = Counter()
        self.copies: list[tuple[int, int]] = []  # (start, end) in the source of every finished copy, in order
        self._cursor = 0  # where the previous copy starts (0 again where a list of copied strings opens)

    def occurrences(self, written: str) -> list[int]:
        """Start positions of `written` in the source that are on a word boundary (the last query is kept)."""
        if self._found[0] == written and written:
            return self._found[1]
        found = []
        start = self.source.find(written)
        while start >= 0:
            if self.starts[start]:
                found.append(start)
            start = self.source.find(written, start + 1)
        self._found = (written, found)
        return found

    def count(self, written: str) -> int:
        """How often the source holds `written` as a whole-word span."""
        return sum(self.ends[s + len(written)] for s in self.occurrences(written))

    def repeats(self, written: str) -> bool:
        """Whether one more copy of `written` would be more than the source holds."""
        return self.used[written] + 1 > self.count(written)

    def close(self, written: str) -> bool:
        """Record a finished copy (and where it was read: `place`); True when it was written more often than the
        source holds it."""
        repeated = self.repeats(written)
        self.used[written] += 1
        self.place(written)
        return repeated

    def place(self, written: str) -> tuple[int, int] | None:
        """Where in the source a finished copy of `written` was read, appended to `copies` (None: nowhere, a value
        the constraint did not follow).

        Every occurrence that the tokens written so far were allowed from is consistent with it; the one taken is,
        as the aligner's rule (align.reading_choice): a whole word before one cut at its end, one no earlier copy
        took before a taken one, the first at or after the previous copy's start before one behind it (a model
        copies in text order: a list's values, a form's string items one after the other), else the first."""
        found = [Span(s, s + len(written)) for s in self.occurrences(written)]  # in text order
        if not found:
            return None
        taken = set(self.copies)
        span = reading_choice(
            found, self._cursor, lambda s: not self.ends[s.end], lambda s: (s.start, s.end) in taken
        )
        self._cursor = span.start
        self.copies.append((span.start, span.end))
        return span.start, span.end

    def restart(self) -> None:
        """A list of copied strings opens: its first value is read anywhere in the source (a form's items are
        in the form's order, not the note's)."""
        self._cursor = 0

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

    def draft(self, written: str, n: int) -> list[int]:
        """Up to `n` tokens that would go on copying `written` from the source (the occurrence at or after the
        previous copy's start, else the first), each the longest token text there: the decoding loop feeds them
        with the chosen token and keeps those the model would have chosen itself (decoding.py)."""
        found = self.occurrences(written) if written else []
        if not found or n <= 0:
            return []
        position = next((s for s in found if s >= self._cursor), found[0]) + len(written)
        tokens: list[int] = []
        while len(tokens) < n:
            window = self.source[position : position + self.max_chars]
            unsafe = next((i for i, ch in enumerate(window) if ch in UNSAFE), len(window))
            window = window[:unsafe]
            k = next((k for k in range(len(window), 0, -1) if window[:k] in self.by_text), 0)
            if not k:
                break
            tokens.append(self.by_text[window[:k]][0])
            position += k
        return tokens

    def allowed(self, written: str, guide, must_end: bool = False) -> set[int]:
        """Tokens allowed after `written` (the part of the string value already decoded); must_end: close it at
        its first word boundary (the answer is running out of tokens)."""
        if not written:
            if self._start is None:
                starts = [p for p in range(len(self.source)) if self.starts[p] and self._names(p)]
                self._start = frozenset().union(*(self.tokens_at(p) for p in starts))
            return set(self._start)
        allowed: set[int] = set()
        can_end = False
        for start in self.occurrences(written):
            end = start + len(written)
            allowed |= self.tokens_at(end)
            can_end = can_end or self.ends[end]
        can_end = can_end and any(c.isalnum() for c in written)  # a lone "," or "(" names nothing
        if can_end and (must_end or (self.max_value_chars and len(written) >= self.max_value_chars)):
            return set(self._closers(guide))
        if can_end or not allowed:  # no continuation at all (an unsafe character follows): let it close
            allowed.update(self._closers(guide))
        return allowed

    def _names(self, p: int) -> bool:
        """A copy may start at p only on a word, or on one sign just before a word ("(PVL)"), not on ", "."""
        return self.source[p].isalnum() or self.source[p + 1 : p + 2].isalnum()

    def _closers(self, guide) -> list[int]:
        state = guide.get_state()
        if state not in self._closing:
            self._closing[state] = [t for t in self.closers if guide.accepts_tokens([t])]
        return self._closing[state]


@dataclass(frozen=True)
class CopyTables:
    """Per-model token tables of the copy constraint."""

    by_text: dict[str, list[int]]  # token text -> token ids
    closers: list[int]  # tokens that start with a quote and open no other string with text after it
    next_item: frozenset[int]  # tokens that open another object in a list: they contain "},"
    comma: frozenset[int]  # tokens that start with a comma (another item, after a "}" or a '"')
    opening_with_text: frozenset[int]  # tokens that open a string and write some of it: '"Feb', '["a'
    closing_with_comma: frozenset[int]  # closers that go on to another item at once: '",', '","'
    opening_item: frozenset[int]  # tokens that open a list's first item: '{', '{"', '"'


def _opens_with_text(text: str) -> bool:
    """'"Feb', '["a', ':"x': a quote that opens a string, then characters of that string, in one token."""
    quote = text.find('"')
    return quote >= 0 and all(c in OPENERS for c in text[:quote]) and len(text) > quote + 1


def copy_tables(strings: dict[int, str]) -> CopyTables:
    """The copy constraint's tables, from a model's token strings."""
    by_text: dict[str, list[int]] = {}
    for token_id, text in strings.items():
        by_text.setdefault(text, []).append(token_id)
    return CopyTables(
        by_text,
        closers=[t for t, text in strings.items() if text.startswith('"') and not _opens_with_text(text[1:])],
        next_item=frozenset(t for t, text in strings.items() if "}," in text),
        comma=frozenset(t for t, text in strings.items() if text.startswith(",")),
        opening_with_text=frozenset(t for t, text in strings.items() if _opens_with_text(text)),
        closing_with_comma=frozenset(t for t, text in strings.items() if text.startswith('",')),
        opening_item=frozenset(t for t, text in strings.items() if text.startswith(("{", '"'))),
    )


def list_continuers(tables: CopyTables, out: str, in_list: bool = False) -> frozenset[int]:
    """The tokens that would add another item to the list being written after `out`.

    in_list: the list is a list of copied strings (a form item), not of objects.
    """
    if in_list:
        return tables.comma
    return tables.next_item | tables.comma if out.endswith("}") else tables.next_item


def may_open(keys: CopyKeys, out: str, in_list: bool) -> bool:
    """Whether a copied string may open right after `out` (so no token may open it and write text at once)."""
    if in_list and out.endswith(("[", ",")):
        return True
    keys_before = [(k[:-1], k[:-2]) for k in keys.strings] + [(k, k[:-1], k[:-2]) for k in keys.lists]
    return any(out.endswith(ends) for ends in keys_before)


# a decoding row's copy state (decoding._Row: copy, keys, out, written, in_list, ending, closing, copied, listed)
def ends_list(row) -> bool:
    """Whether the copied value the row is writing (not yet counted) must be the last of its list: it is one
    more copy than the source holds, it is already in its list of copied strings (a form names a thing once),
    or it fills the list's max_items."""
    full = bool(row.keys.max_items) and row.copied + 1 >= row.keys.max_items
    return row.ending or row.closing or full or row.written in row.listed or row.copy.repeats(row.written)


def track_copy(row, added: str) -> None:
    """Follow whether the row is inside a string value that must copy the source, and what it holds so far."""
    if row.copy is None or not added:
        return
    if row.written is not None and '"' not in added:
        row.written += added
        return
    for ch in added:
        if row.written is not None:
            if ch != '"':
                row.written += ch
                continue
            row.ending = ends_list(row)
            row.copy.close(row.written)
            row.copied += 1
            if row.in_list:
                row.listed.add(row.written)
            row.written = None
        row.out += ch
        if ch == "]":
            row.ending = row.in_list = False
            row.copied = 0
            row.listed = set()
        elif ch == '"' and (
            row.out.endswith(row.keys.strings) or (row.in_list and row.out.endswith(('["', ',"')))
        ):
            row.written = ""
        elif ch == "[" and row.out.endswith(row.keys.lists):
            row.in_list = True
            row.copy.restart()
