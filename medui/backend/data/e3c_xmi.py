"""Reading E3C's UIMA CAS XMI (WebAnno export): the text, sentences, entity elements and PERTAINS/TLINK links.

XMI offsets count UTF-16 code units (Java strings) and are turned into Python string indices; an element or link
that cannot be read is counted in `skipped` as (reason, label or link kind).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from medui.backend.data.common import DataError

XMI_ID = "{http://www.omg.org/XMI}id"
CUSTOM_NS = "{http:///webanno/custom.ecore}"
ENTITY_LABELS = ("CLINENTITY", "EVENT", "TIMEX3", "BODYPART", "ACTOR", "RML")

Span = tuple[int, int, str]
Link = tuple[str, Span, Span, str]  # (link kind, head span, tail span, role)
ToIndex = Callable[[int], "int | None"]


@dataclass(frozen=True)
class LinkKind:
    """A link type: the head label, the head attribute listing link elements, the labels a tail may have."""

    name: str
    head: str
    attr: str
    tails: tuple[str, ...]


LINK_KINDS = (
    LinkKind("PERTAINS", "RML", "PERTAINSTO", ("EVENT",)),
    LinkKind("TLINK", "EVENT", "TLINK", ("EVENT", "TIMEX3")),
)


# -- XMI ------------------------------------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _custom(element: ET.Element) -> str | None:
    return element.tag[len(CUSTOM_NS) :] if element.tag.startswith(CUSTOM_NS) else None


def read_xmi(path: Path) -> tuple[str, list[ET.Element]]:
    """The document text (sofaString of cas:Sofa) and the top-level elements of an XMI file."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DataError(f"{path}: not valid XML ({exc})") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    sofa = next((el for el in root if _local(el.tag) == "Sofa" and el.get("sofaString") is not None), None)
    if sofa is None:
        raise DataError(f"{path}: no cas:Sofa with a sofaString (not a UIMA CAS XMI file?)")
    return sofa.get("sofaString"), list(root)


def utf16_indexer(text: str) -> ToIndex:
    """Map a UTF-16 code-unit offset (as UIMA counts) to an index into `text`; None when out of range."""
    if all(ord(ch) < 0x10000 for ch in text):
        return lambda offset: offset if 0 <= offset <= len(text) else None
    table = []
    for index, ch in enumerate(text):
        table.extend([index, index] if ord(ch) >= 0x10000 else [index])
    table.append(len(text))
    return lambda offset: table[offset] if 0 <= offset < len(table) else None


def element_span(element: ET.Element, to_index: ToIndex, text: str) -> tuple[int, int] | str:
    """(start, end) of an annotation element, or the reason it has no usable span."""
    begin, end = element.get("begin"), element.get("end")
    if begin is None or end is None:
        return "missing_begin_end"
    try:
        start, stop = to_index(int(begin)), to_index(int(end))
    except ValueError:
        return "invalid_offsets"
    if start is None or stop is None or stop < start:
        return "invalid_offsets"
    if start == stop:
        return "zero_length_span"
    return (start, stop) if text[start:stop].strip() else "blank_span"


def read_sentences(elements: list[ET.Element], to_index: ToIndex, text: str) -> list[tuple[int, int]]:
    """Sentence bounds in text order; overlapping sentences are merged into one."""
    bounds = sorted(
        span
        for el in elements
        if _local(el.tag) == "Sentence" and isinstance(span := element_span(el, to_index, text), tuple)
    )
    merged: list[tuple[int, int]] = []
    for start, end in bounds:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def read_entities(elements: list[ET.Element], to_index: ToIndex, text: str, skipped: Counter) -> dict:
    """xmi:id -> (start, end, label) of each entity element with a usable span; the others are counted."""
    spans: dict[str, Span] = {}
    for number, el in enumerate(elements):
        label = _custom(el)
        if label not in ENTITY_LABELS:
            continue
        span = element_span(el, to_index, text)
        if isinstance(span, str):
            skipped[span, label] += 1
        else:
            spans[el.get(XMI_ID) or f"#{number}"] = (*span, label)
    return spans


def read_links(elements: list[ET.Element], spans: dict[str, Span], skipped: Counter) -> list[Link]:
    """Every PERTAINS and TLINK link whose two ends are kept entities; the others are counted."""
    by_id = {el.get(XMI_ID): el for el in elements if el.get(XMI_ID) is not None}
    links = []
    for el in elements:
        for kind in LINK_KINDS:
            if _custom(el) != kind.head:
                continue
            for link_id in (el.get(kind.attr) or "").split():
                link = _resolve_link(kind, spans.get(el.get(XMI_ID)), by_id.get(link_id), by_id, spans)
                if isinstance(link, str):
                    skipped[link, kind.name] += 1
                else:
                    links.append(link)
    return links


def _resolve_link(kind: LinkKind, head: Span | None, link: ET.Element | None, by_id: dict, spans: dict):
    if link is None:
        return "link_element_missing"
    target = by_id.get(link.get("target"))
    if target is None:
        return "link_target_missing"
    if _custom(target) not in kind.tails:
        return "link_end_not_entity"
    tail = spans.get(target.get(XMI_ID))
    if head is None or tail is None:
        return "link_end_skipped"
    if head == tail:
        return "self_link"
    return kind.name, head, tail, link.get("role") or ""


def count_annotations(elements: list[ET.Element]) -> Counter:
    """Entity elements per label and link references per link kind."""
    counts = Counter(label for el in elements if (label := _custom(el)) in ENTITY_LABELS)
    for kind in LINK_KINDS:
        heads = (el for el in elements if _custom(el) == kind.head)
        counts[kind.name] = sum(len((el.get(kind.attr) or "").split()) for el in heads)
    return +counts
