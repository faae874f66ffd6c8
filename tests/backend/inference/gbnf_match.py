"""A small GBNF reader and recogniser for the tests: does a grammar accept a text? (the subset medui writes:
literals, [classes] with ranges, negation and escapes, alternatives, groups, ? * +, rule names)."""

from __future__ import annotations

import re
from functools import cache

ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}  # any other escaped character stands for itself


def _unescape(text: str, i: int) -> tuple[str, int]:
    """The character at text[i] (after a backslash when there is one) and the index after it."""
    if text[i] != "\\":
        return text[i], i + 1
    code = text[i + 1]
    if code == "x":
        return chr(int(text[i + 2 : i + 4], 16)), i + 4
    if code == "u":
        return chr(int(text[i + 2 : i + 6], 16)), i + 6
    return ESCAPES.get(code, code), i + 2


def parse(grammar: str) -> dict[str, tuple]:
    """Rules by name; a node is ("lit", s) | ("cls", negated, ranges) | ("ref", name) | ("seq", [..]) |
    ("alt", [..]) | ("rep", node, low, high)."""
    rules: dict[str, tuple] = {}
    for line in grammar.strip().splitlines():
        name, body = line.split("::=", 1)
        node, end = _alternatives(body, 0)
        assert body[end:].strip() == "", f"rule {name.strip()}: cannot read {body[end:]!r}"
        rules[name.strip()] = node
    return rules


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] == " ":
        i += 1
    return i


def _alternatives(text: str, i: int) -> tuple[tuple, int]:
    options = []
    while True:
        seq, i = _sequence(text, i)
        options.append(seq)
        i = _skip(text, i)
        if i < len(text) and text[i] == "|":
            i += 1
            continue
        return (options[0] if len(options) == 1 else ("alt", options)), i


def _sequence(text: str, i: int) -> tuple[tuple, int]:
    items = []
    while True:
        i = _skip(text, i)
        if i >= len(text) or text[i] in "|)":
            return ("seq", items), i
        atom, i = _atom(text, i)
        if i < len(text) and text[i] in "?*+":
            low, high = {"?": (0, 1), "*": (0, None), "+": (1, None)}[text[i]]
            atom, i = ("rep", atom, low, high), i + 1
        items.append(atom)


def _atom(text: str, i: int) -> tuple[tuple, int]:
    if text[i] == '"':
        out, i = [], i + 1
        while text[i] != '"':
            ch, i = _unescape(text, i)
            out.append(ch)
        return ("lit", "".join(out)), i + 1
    if text[i] == "[":
        i += 1
        negated = text[i] == "^"
        i += negated
        ranges = []
        while text[i] != "]":
            low, i = _unescape(text, i)
            high = low
            if text[i] == "-" and text[i + 1] != "]":
                high, i = _unescape(text, i + 1)
            ranges.append((low, high))
        return ("cls", negated, tuple(ranges)), i + 1
    if text[i] == "(":
        node, i = _alternatives(text, i + 1)
        assert text[i] == ")"
        return node, i + 1
    name = re.match(r"[a-zA-Z0-9-]+", text[i:])
    assert name, f"cannot read {text[i:]!r}"
    return ("ref", name.group()), i + name.end()


def accepts(grammar: str, text: str) -> bool:
    """Whether the grammar's root rule matches the whole text."""
    rules = parse(grammar)
    for node in rules.values():
        _check_refs(node, rules)

    @cache
    def rule(name: str, pos: int) -> frozenset[int]:
        return frozenset(match(rules[name], pos))

    def match(node: tuple, pos: int) -> set[int]:
        kind = node[0]
        if kind == "lit":
            return {pos + len(node[1])} if text.startswith(node[1], pos) else set()
        if kind == "cls":
            if pos >= len(text):
                return set()
            inside = any(low <= text[pos] <= high for low, high in node[2])
            return {pos + 1} if inside != node[1] else set()
        if kind == "ref":
            return set(rule(node[1], pos))
        if kind == "alt":
            return set().union(*(match(option, pos) for option in node[1]))
        if kind == "seq":
            ends = {pos}
            for item in node[1]:
                ends = set().union(*(match(item, e) for e in ends)) if ends else set()
            return ends
        _, item, low, high = node
        ends, reached, count = {pos}, set(), 0
        if low == 0:
            reached |= ends
        while ends and (high is None or count < high):
            ends = set().union(*(match(item, e) for e in ends)) - (reached if high is None else set())
            count += 1
            if count >= low:
                reached |= ends
        return reached

    return len(text) in rule("root", 0)


def _check_refs(node: tuple, rules: dict) -> None:
    kind = node[0]
    if kind == "ref":
        assert node[1] in rules, f"undefined rule {node[1]}"
    elif kind in ("seq", "alt"):
        for item in node[1]:
            _check_refs(item, rules)
    elif kind == "rep":
        _check_refs(node[1], rules)
