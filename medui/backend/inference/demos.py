"""Which demonstrations (few-shot examples) a record gets: drawn at random, or the most similar ones.

- `random` (the default, as before): k records of the task's few-shot split drawn by the seed, the same draw for
  every record (so the prompt prefix with the examples is computed once for the whole run).
- `similar`: each record gets the k records of its pool most similar to its input, by BM25 over words. The pool
  is the task's few-shot split plus the team's records in force (corrections, adjudications) of the task, so a
  saved correction is a demonstration at once, for the next run on a similar text.

BM25 comes from `bm25s` (numpy only, maintained, eager sparse scoring: a pool of a few hundred records is indexed
in milliseconds and scored in microseconds) with its Italian stop words and no stemmer: clinical terms are matched
as written, which is what makes a demonstration useful (the same drug, the same measurement words). A dense
retriever would need a second model on 2 cores for little gain on pools of this size.

A record is never its own demonstration (same id or same text), and an evaluation excludes every record whose
text is in the split it evaluates (`exclude_texts`), so no test text leaks into a prompt through the team's
corrections. In the prompt the most similar example comes last, next to the input; `Choice.ids` lists them best
first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from medui.errors import MeduiError
from medui.tasks.registry import pick_examples

DEMOS = ("random", "similar")
TEAM_PREFIX = "documento:"  # a team record's demonstration id: documento:<document id in the store>


class DemosError(MeduiError, ValueError):
    """An unknown way of choosing demonstrations."""


def check_mode(mode: str) -> str:
    if mode not in DEMOS:
        raise DemosError(
            f"unknown --demos {mode!r}: use one of {', '.join(DEMOS)}",
            italian=f"scelta degli esempi sconosciuta {mode!r}: usa una tra {', '.join(DEMOS)}",
        )
    return mode


def normalized(text: str) -> str:
    """A text compared for "the same text": whitespace runs collapsed, case kept."""
    return re.sub(r"\s+", " ", text or "").strip()


@dataclass(frozen=True)
class Choice:
    """The demonstrations of one record: the records in prompt order and their ids best first."""

    records: list[dict]
    ids: list[str]


class Demonstrations:
    """A pool of example records and the rule that picks k of them for a record.

    text_of(record): the text a record is compared by (its rendered input: text, question and options).
    """

    def __init__(self, pool: list[dict], mode: str, text_of: Callable[[dict], str]):
        self.mode = check_mode(mode)
        self.pool = pool
        self.text_of = text_of
        self._texts = [normalized(text_of(r)) for r in pool]
        self._excluded: set[str] = set()
        self._index = None

    def exclude_texts(self, texts: Iterable[str]) -> None:
        """Never use a pool record whose text is one of these (the texts of the split being evaluated)."""
        self._excluded |= {normalized(t) for t in texts}

    def excluded_texts(self) -> frozenset[str]:
        """The texts never used (normalized), to hand to another pool of the same run."""
        return frozenset(self._excluded)

    def pick(self, record: dict, k: int, seed: int) -> Choice:
        if k <= 0 or not self.pool:
            return Choice([], [])
        if self.mode == "random":
            chosen = pick_examples(self.pool, k, seed, exclude_id=str(record.get("id")))
            return Choice(chosen, [demo_id(r) for r in chosen])
        return self._similar(record, k)

    def shown(self, ids: list[str], chars: int = 160) -> list[dict]:
        """The demonstrations named by ids, for a page: {"id", "text": the start of the text it is matched on}."""
        by_id = {demo_id(r): r for r in self.pool}
        out = []
        for i in ids:
            text = normalized(self.text_of(by_id[i])) if i in by_id else ""
            out.append({"id": i, "text": text if len(text) <= chars else text[: chars - 1] + "…"})
        return out

    def _similar(self, record: dict, k: int) -> Choice:
        import numpy as np

        own_id, own_text = str(record.get("id")), normalized(self.text_of(record))
        allowed = np.array(
            [
                str(r.get("id")) != own_id and text != own_text and text not in self._excluded
                for r, text in zip(self.pool, self._texts, strict=True)
            ]
        )
        if not allowed.any():
            return Choice([], [])
        scores = self._scores(own_text)
        scores = np.where(allowed, scores, -np.inf)
        order = np.argsort(-scores, kind="stable")[: min(k, int(allowed.sum()))]
        best_first = [self.pool[i] for i in order]
        return Choice(best_first[::-1], [demo_id(r) for r in best_first])

    def _scores(self, text: str):
        import bm25s

        if self._index is None:
            self._index = bm25s.BM25()
            self._index.index(_tokens(self._texts), show_progress=False)
        return self._index.get_scores(_tokens([text])[0])


def _tokens(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="it", return_ids=False, show_progress=False)


def demo_id(record: dict) -> str:
    """How a demonstration is named to the user: the gold record's id, or documento:N for a team record."""
    return str(record.get("_demo_id") or record.get("id"))


def team_record(document_id: int, record: dict) -> dict:
    """A team record in force as a demonstration (named documento:N, whatever id its record carries)."""
    return {**record, "_demo_id": f"{TEAM_PREFIX}{document_id}"}
