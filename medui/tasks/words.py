"""Word boundaries of a text: where a copied mention may start and end without cutting a word.

Word characters are letters (accented too) and digits. A comma or period between two digits ("2,3", "37.5")
joins them into one number. An apostrophe belongs to the word before it, so "dell" cannot be cut out of
"dell'addome" while "addome" (and "ECG" in "all'ECG") starts a word of its own. A hyphen, a slash and any other
punctuation separate words: "post-operatorio" may give "post-operatorio", "post" or "operatorio", never
"post-oper". A span never starts or ends on whitespace.
"""

from __future__ import annotations

from dataclasses import dataclass

APOSTROPHES = "'\u2019"
NUMBER_JOINERS = ",."


def _joined(text: str, i: int) -> bool:
    """Whether text[i] and text[i + 1] belong to the same word."""
    left, right = text[i], text[i + 1]
    if left.isalnum() and right.isalnum():
        return True
    if right in APOSTROPHES and left.isalpha():
        return True
    if right in NUMBER_JOINERS and left.isdigit():
        return i + 2 < len(text) and text[i + 2].isdigit()
    if left in NUMBER_JOINERS and right.isdigit():
        return i > 0 and text[i - 1].isdigit()
    return False


@dataclass(frozen=True)
class Boundaries:
    """starts[p]: a span may start at p; ends[e]: a span may end just before e (0 <= e <= len(text))."""

    starts: tuple[bool, ...]
    ends: tuple[bool, ...]

    def cuts(self, start: int, end: int) -> bool:
        """Whether text[start:end] starts or ends inside a word (or on whitespace)."""
        return not (self.starts[start] and self.ends[end])


def boundaries(text: str) -> Boundaries:
    """The valid start and end positions of spans of `text`."""
    n = len(text)
    joined = [_joined(text, i) for i in range(n - 1)]
    starts = tuple(not text[p].isspace() and (p == 0 or not joined[p - 1]) for p in range(n))
    ends = tuple(e > 0 and not text[e - 1].isspace() and (e == n or not joined[e - 1]) for e in range(n + 1))
    return Boundaries(starts, ends)


def cuts_a_word(text: str, start: int, end: int) -> bool:
    """Whether the span text[start:end] starts or ends inside a word (or on whitespace)."""
    return boundaries(text).cuts(start, end)
