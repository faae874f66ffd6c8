"""Mention ids that stay while Correggi's editors change the mentions, so that a link never moves to another
mention behind the annotator: a relabelled mention keeps its id (`keep_ids`), a new one takes a new id after
the highest (`next_ids`), and a mention taken away and selected again at once, its boundary fixed in the span
editor, takes back its id and its links (`taken_away`, `relinked`).
"""

from __future__ import annotations

import re

from medui.pages.relations import link_name
from medui.tasks.kinds.re import relations_from_rows

NUMBERED_ID = re.compile(r"^T(\d+)$")


def _order(entity: dict) -> tuple:
    return entity["start"], entity["end"], entity["label"]


def next_ids(taken: set[str]):
    """New ids T<n>, after the highest numbered one taken, none of them taken."""
    n = max((int(m[1]) for i in taken if (m := NUMBERED_ID.match(str(i)))), default=0)
    while True:
        n += 1
        if f"T{n}" not in taken:
            yield f"T{n}"


def keep_ids(previous: list[dict], edited: list[dict]) -> list[dict]:
    """The edited mentions in text order, each with a stable id: the id of the previous mention with the same
    offsets and label, else of one with the same offsets (a relabel), else a new one after the highest id, so
    that no id a link points at moves to another mention."""
    exact, by_offsets = {}, {}
    for e in previous:
        if e.get("id"):
            exact.setdefault(_order(e), e["id"])
            by_offsets.setdefault((e["start"], e["end"]), e["id"])
    ordered = sorted(edited, key=_order)
    ids: list[str | None] = [exact.get(_order(e)) for e in ordered]
    used = {i for i in ids if i}
    for n, e in enumerate(ordered):  # a relabel keeps the id of its offsets, unless an exact match took it
        same_place = by_offsets.get((e["start"], e["end"]))
        if ids[n] is None and same_place and same_place not in used:
            ids[n] = same_place
            used.add(same_place)
    fresh = next_ids(used | {e["id"] for e in previous if e.get("id")})
    return [{**e, "id": i or next(fresh)} for e, i in zip(ordered, ids, strict=True)]


def taken_away(previous: list[dict], entities: list[dict], rows: list[list]) -> list[dict]:
    """The mentions an edit took away that links pointed at, each with those links and their places in the
    table ({"mention", "links", "at"}): what a mention selected again right after (a boundary being fixed)
    takes back, `relinked`."""
    ids, out = {e["id"] for e in entities}, []
    listed = [[r["head"], r["label"], r["tail"]] for r in relations_from_rows(rows)]
    for e in previous:
        if e.get("id") and e["id"] not in ids:
            at = [i for i, r in enumerate(listed) if e["id"] in (r[0], r[2])]
            if at:
                out.append({"mention": e, "links": [listed[i] for i in at], "at": at})
    return out


def _overlap(a: dict, b: dict) -> int:
    return min(a["end"], b["end"]) - max(a["start"], b["start"])


def relinked(
    parked: list[dict], previous: list[dict], entities: list[dict], rows: list[list]
) -> tuple[list[dict], list[list], list[str]]:
    """A boundary fixed by removing a mention and selecting its text again: a new mention that overlaps one just
    taken away (parked, `taken_away`; the most overlapping one) takes its id, and the links it had whose other
    end is still a mention come back. The mentions, the rows and the names of the links brought back."""
    before = {e.get("id") for e in previous}
    left = {p["mention"]["id"]: p for p in parked}
    entities = [dict(e) for e in entities]
    for e in entities:
        if e["id"] in before or not left:
            continue
        best = left.get(e["id"]) or max(left.values(), key=lambda p, e=e: _overlap(e, p["mention"]))
        if _overlap(e, best["mention"]) > 0 and best["mention"]["id"] not in {
            o["id"] for o in entities if o is not e
        }:
            e["id"] = best["mention"]["id"]
            del left[e["id"]]
    ids, by_id = {e["id"] for e in entities}, {e["id"]: e for e in entities}
    rows = [[r["head"], r["label"], r["tail"]] for r in relations_from_rows(rows)]
    coming = sorted(
        (at, row)
        for p in parked
        if p["mention"]["id"] not in left
        for at, row in zip(p.get("at", [len(rows)] * len(p["links"])), p["links"], strict=True)
    )
    back = []
    for at, row in coming:  # each at its place in the table again
        if row[0] in ids and row[2] in ids and row not in rows:
            rows.insert(min(at, len(rows)), row)
            back.append(link_name(by_id, row))
    return entities, rows, back
