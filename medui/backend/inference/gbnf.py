"""A task's JSON schema as a GBNF grammar, for servers that constrain decoding by grammar only.

llama-cpp-python's server reads no JSON schema on /v1/completions (only a `grammar` in llama.cpp's GBNF), so
medui writes the grammar itself. It covers what the task schemas use (pydantic's output: objects whose
properties are all required and closed, arrays with maxItems/minItems, strings with minLength/maxLength, enum,
const, the one pattern kind of relation ids, integers and numbers, bounded by whole minimum and maximum or not,
booleans, null, anyOf, $ref to $defs) and refuses anything else with SchemaError, rather than constraining to a
different language than the schema's.

The JSON it accepts is compact: at most one space where JSON allows whitespace, so a small model cannot spend its
tokens on blank lines; numbers have at most 16 digits before and after the point.
"""

from __future__ import annotations

import json
import re

from medui.backend.inference import ranges
from medui.errors import MeduiError

MAX_DIGITS = 16
KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "maxItems", "minItems", "minLength",
    "maxLength", "enum", "const", "pattern", "anyOf", "$ref", "$defs", "title", "description", "default",
    "minimum", "maximum",
}  # fmt: skip

PRELUDE = r"""ws ::= " "?
char ::= [^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F] [0-9a-fA-F])
string ::= "\"" char* "\""
digit ::= [0-9]
boolean ::= "true" | "false"
null ::= "null"
"""


PENDING = "(pending)"  # the body of a $defs rule while it is being written


class SchemaError(MeduiError, ValueError):
    """A schema this grammar writer cannot express exactly."""


def literal(text: str) -> str:
    """A GBNF literal matching exactly `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def json_literal(value) -> str:
    """A GBNF literal of a JSON value as medui's parser reads it (compact, UTF-8)."""
    return literal(json.dumps(value, ensure_ascii=False))


def repeat(item: str, low: int, high: int | None) -> str:
    """`item` low to high times (high None: unbounded), written without {m,n} so any GBNF reader takes it."""
    item = f"({item})" if " " in item else item
    parts = [item] * low
    if high is None:
        parts.append(f"{item}*")
    elif high > low:
        tail = ""
        for _ in range(high - low):
            tail = f"({item} {tail})?" if tail else f"({item})?"
        parts.append(tail)
    return " ".join(parts) if parts else '""'


def pattern_rule(pattern: str) -> str:
    """A regular expression of literal characters, [classes] and the quantifiers ? * + {m} {m,n}, anchored
    at both ends (the only kind the task schemas use), as a GBNF sequence."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise SchemaError(f"pattern {pattern!r}: only patterns anchored with ^...$ are supported")
    body, pieces, i = pattern[1:-1], [], 0
    token = re.compile(r"\[(?:\\.|[^\]\\])+\]|\\.|[^\\\[\]{}()|?*+.^$]")
    quantifier = re.compile(r"\?|\*|\+|\{(\d+)(?:,(\d*))?\}")
    while i < len(body):
        atom = token.match(body, i)
        if atom is None:
            raise SchemaError(f"pattern {pattern!r}: {body[i:]!r} is not supported")
        text, i = atom.group(), atom.end()
        item = text if text.startswith("[") else literal(text[-1])
        quant = quantifier.match(body, i)
        if quant is None:
            pieces.append(item)
            continue
        i = quant.end()
        q = quant.group()
        if q in ("?", "*", "+"):
            pieces.append(f"{item}{q}")
        else:
            low = int(quant.group(1))
            high = low if quant.group(2) is None else (int(quant.group(2)) if quant.group(2) else None)
            pieces.append(repeat(item, low, high))
    return " ".join(pieces) if pieces else '""'


def rule_name(name: str) -> str:
    """A GBNF rule name (letters, digits, dashes) for a place in the schema."""
    return re.sub(r"[^a-zA-Z0-9-]+", "-", name).strip("-").lower() or "rule"


class Writer:
    """Rules named after their place in the schema; one rule per $defs entry."""

    def __init__(self, schema: dict):
        self.defs = schema.get("$defs", {})
        self.rules: dict[str, str] = {}

    def add(self, name: str, body: str) -> str:
        name = rule_name(name)
        base, n = name, 1
        while name in self.rules and self.rules[name] not in (body, PENDING):
            n += 1
            name = f"{base}-{n}"
        self.rules[name] = body
        return name

    def ref(self, ref: str) -> str:
        prefix = "#/$defs/"
        target = ref[len(prefix) :] if ref.startswith(prefix) else None
        if target not in self.defs:
            raise SchemaError(f"$ref {ref!r}: only references to the schema's own $defs are supported")
        name = "def-" + target
        key = rule_name(name)
        if key not in self.rules:
            self.rules[key] = PENDING  # a recursive reference ends here
            expression = self.value(self.defs[target], name)
            if expression != key:
                self.rules[key] = expression
        return key

    def value(self, schema: dict, name: str) -> str:
        """The GBNF expression of one schema (rules for its parts are added on the way)."""
        unknown = set(schema) - KEYWORDS
        if unknown:
            raise SchemaError(f"{name}: unsupported schema keywords {sorted(unknown)}")
        if "$ref" in schema:
            return self.ref(schema["$ref"])
        if "const" in schema:
            return json_literal(schema["const"])
        if "enum" in schema:
            return "(" + " | ".join(json_literal(v) for v in schema["enum"]) + ")"
        if "anyOf" in schema:
            options = [self.value(s, f"{name}-{i}") for i, s in enumerate(schema["anyOf"])]
            return "(" + " | ".join(options) + ")"
        kind = schema.get("type")
        if kind == "object":
            return self.add(name, self.object(schema, name))
        if kind == "array":
            return self.add(name, self.array(schema, name))
        if kind == "string":
            bounded = set(schema) & {"pattern", "minLength", "maxLength"}
            return self.add(name, self.string(schema)) if bounded else "string"
        if kind in ("integer", "number") and set(schema) & {"minimum", "maximum"}:
            return self.add(f"{kind}-range", self.bounded(schema, name))
        if kind == "integer":
            return self.add("integer", f'"-"? ("0" | [1-9] {repeat("digit", 0, MAX_DIGITS - 1)})')
        if kind == "number":
            integer = self.value({"type": "integer"}, name)
            return self.add("number", f'{integer} ("." {repeat("digit", 1, MAX_DIGITS)})?')
        if kind in ("boolean", "null"):
            return kind
        raise SchemaError(f"{name}: unsupported type {kind!r}")

    def object(self, schema: dict, name: str) -> str:
        properties = schema.get("properties", {})
        if schema.get("additionalProperties", True) is not False:
            raise SchemaError(f"{name}: an object must be closed (additionalProperties: false)")
        if set(properties) != set(schema.get("required", [])):
            raise SchemaError(f"{name}: every property must be required")
        members = [
            f'{literal(json.dumps(key, ensure_ascii=False))} ws ":" ws {self.value(sub, f"{name}-{key}")}'
            for key, sub in properties.items()
        ]
        inside = ' "," ws '.join(members)
        return f'"{{" ws {inside} ws "}}"' if members else '"{" ws "}"'

    def array(self, schema: dict, name: str) -> str:
        item = self.value(schema.get("items", {"type": "string"}), f"{name}-item")
        low, high = int(schema.get("minItems", 0)), schema.get("maxItems")
        high = None if high is None else int(high)
        more = repeat(f'"," ws {item}', max(low - 1, 0), None if high is None else max(high - 1, 0))
        items = f"{item} {more}".strip()
        if high == 0:
            return '"[" ws "]"'
        return f'"[" ws {items} ws "]"' if low else f'"[" ws ({items})? ws "]"'

    def bounded(self, schema: dict, name: str) -> str:
        """The integers or numbers between the schema's whole bounds (ranges.py), as the regex of in-process cd
        allows them."""
        try:
            options = ranges.alternatives(schema, 10**MAX_DIGITS - 1) or []
        except ValueError as exc:
            raise SchemaError(f"{name}: {exc}") from None
        written = []
        for option in options:
            parts = ['"-"'] if option.negative else []
            for digit, times in option.digits:
                parts.append(repeat(f"[{digit}]" if "-" in digit else literal(digit), times, times))
            if option.fraction:
                fraction = "digit" if option.fraction == "any" else literal("0")
                parts.append(f'("." {repeat(fraction, 1, MAX_DIGITS)})?')
            written.append(" ".join(parts))
        return " | ".join(written)

    def string(self, schema: dict) -> str:
        if "pattern" in schema:
            return f'"\\"" {pattern_rule(schema["pattern"])} "\\""'
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        return f'"\\"" {repeat("char", low, None if high is None else int(high))} "\\""'


def from_json_schema(schema: dict) -> str:
    """The GBNF grammar (root rule `root`) of a JSON schema; SchemaError for what it cannot express."""
    writer = Writer(schema)
    root = writer.value(schema, "root")
    rules = {"root": writer.rules.pop("root") if root == "root" else root, **writer.rules}
    lines = [f"{name} ::= {body}" for name, body in rules.items()]
    return "\n".join(lines) + "\n" + PRELUDE
