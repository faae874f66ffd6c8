"""The identifier gate: likely personal identifiers in Italian clinical text, and same-length masking.

`find_identifiers(text)` returns findings `{"start", "end", "kind", "text"}` (0-based, end exclusive, sorted,
never overlapping); `mask(text, findings)` replaces each with a placeholder of the same length, so every offset
into the masked text holds for the original. Each kind has its own detector:

- codice_fiscale: the 16-character personal code, its check letter and birth date verified (python-stdnum);
- tessera_sanitaria: the TEAM card number, 20 digits starting 80380 (health sector, Italy), Luhn check digit;
- telefono: Italian mobile (3xx, 10 digits) and landline (0x..., 6-11 digits) numbers, optional +39 / 0039;
- email: e-mail addresses;
- data_nascita: a full date (12/03/1948, 3 marzo 1950) shortly after "nato/nata il", "nato a X il",
  "data di nascita"; a year alone ("nato nel 1950") and dates without birth context are not identifiers;
- indirizzo: via, viale, piazza, corso, ... + a capitalised name + a civic number;
- nome: capitalised names after a title (sig., sig.ra, dott., dott.ssa, prof., dr., ...); the title stays.

Patterns, not a model: clinical values (PCR 12 mg/l, 94%, 130/80), dates of admission, drug names and "per via
orale" are left alone by construction. Pure Python: no torch, database or gradio.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from stdnum import luhn
from stdnum.it import codicefiscale

Finding = dict  # {"start": int, "end": int, "kind": str, "text": str}

KIND_NAMES = {
    "codice_fiscale": "codice fiscale",
    "tessera_sanitaria": "tessera sanitaria",
    "telefono": "numero di telefono",
    "email": "indirizzo e-mail",
    "data_nascita": "data di nascita",
    "indirizzo": "indirizzo",
    "nome": "nome di persona",
}

# codice fiscale: 6 letters, year, month letter, day, municipality code, check letter (digits may be omocodia
# letters); validated by stdnum
_CF = re.compile(
    r"(?<![\w])[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?![\w])",
    re.IGNORECASE,
)
_TEAM = re.compile(r"(?<![\d])80380\d{15}(?![\d])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w])", re.IGNORECASE)

# phone numbers: optional country prefix, then a mobile (3 + 9 digits) or a landline (0, never 00, + 5..10
# digits), digit groups separated by at most one space, dot, dash or slash
_PHONE = re.compile(
    r"(?<![\w+/.,-])(?:(?:\+|00)39[ .-]?)?"
    r"(?:3\d{2}(?:[ .-]?\d){6,7}|0[1-9]\d{0,2}(?:[ ./-]?\d){4,9})"
    r"(?![\w/]|[.,]\d)"
)
_DATE_LIKE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_MONTH_YEAR = re.compile(r"\d{1,2}[./-](?:19|20)\d{2}|\d{1,6}/(?:19|20)\d{2}")  # 03/2025, prot. 0456/2024
_PHONE_CUE = re.compile(
    r"\b(?:tel|telefono|telefonico|telefonici|cell|cellulare|recapit[oi]|fax|contatt[oi]|chiamare|numero)\b",
    re.IGNORECASE,
)
PHONE_CUE_WINDOW = 30

MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|"
    "gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic"
)
_DATE = re.compile(
    rf"(?<![\d])(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})|\d{{1,2}}°?\s+(?:{MONTHS})\.?\s+\d{{4}})(?![\d])",
    re.IGNORECASE,
)
_BIRTH_CUE = re.compile(
    r"\b(?:nat[oaie]|data\s+di\s+nascita|luogo\s+e\s+data\s+di\s+nascita|d\.\s?d\.\s?n\.|nascita)\b",
    re.IGNORECASE,
)
BIRTH_WINDOW = 60  # characters after the cue within which the date must start

# addresses: street type, a name that starts with a capital letter or a number (via XX Settembre, via 4
# Novembre), lower-case particles inside it, and a civic number
_STREET_TYPES = (
    r"via|viale|v\.le|piazza|p\.zza|p\.za|piazzale|corso|c\.so|largo|vicolo|vico|strada|contrada|"
    r"località|loc\.|borgo|lungomare|lungarno|lungotevere|salita|calle|traversa"
)
_PARTICLE = r"(?i:d[ei]|de[il]|del(?:la|lo|le)|degli|da|dal(?:la|le)?|e|san|santa)"
_CAP_WORD = r"(?:[A-ZÀ-Ý][\wÀ-ÿ'’.]*|(?i:dell|d|sant)['’][A-ZÀ-Ý][\wÀ-ÿ]*|\d{1,2}(?=\s+[A-ZÀ-Ý]))"
_NAME_PART = rf"(?:{_PARTICLE}\s+)*{_CAP_WORD}"
_ADDRESS = re.compile(
    rf"\b(?i:{_STREET_TYPES})\s+{_NAME_PART}(?:\s+{_NAME_PART}){{0,5}}"
    r"\s*,?\s*(?:(?i:n\.?|n°|civico)\s*)?\d{1,4}(?:\s?/\s?[A-Za-z0-9]{1,3}|[A-Za-z](?![\w]))?(?![\w/,.]\d)"
    r"(?!\s*(?i:%|mg|ml|g|kg|cm|mm|anni|giorni|ore|volte)\b)"
)

# names after a title: the title (case-insensitive) then up to four name words, capitalised, apostrophes
# (D'Amico) and lower-case particles (de, di, della) between capitalised words allowed
_TITLE = re.compile(
    r"\b(?:sig\.?\s?ra|sig\.?\s?na|sigg|sig|signora|signorina|signor|sign|dott\.?\s?ssa|dott|dr\.?\s?ssa|"
    r"dr|dssa|prof\.?\s?ssa|prof|avv|ing|geom|rag|arch|mons|don|suor)\b\.?\s*",
    re.IGNORECASE,
)
_NAME_WORD = r"(?:[A-ZÀ-Ý](?:[a-zà-ÿ]+(?:['’][A-ZÀ-Ý][a-zà-ÿ]+)?|['’][A-ZÀ-Ý][a-zà-ÿ]+|\.))"
_NAME = re.compile(rf"{_NAME_WORD}(?:\s+(?:(?:de|di|del|della|van|von|da)\s+)?{_NAME_WORD}){{0,3}}")
# words that can follow a title with a capital letter without being a name
_NOT_NAMES = frozenset(
    {
        "medico", "medici", "specialista", "responsabile", "direttore", "primario", "curante", "reparto",
        "paziente", "pronto", "soccorso", "ospedale", "clinica", "il", "la", "lo", "in", "di",
    }
)  # fmt: skip


def _cf(text: str) -> Iterator[tuple[int, int]]:
    for m in _CF.finditer(text):
        if codicefiscale.is_valid(m.group()):
            yield m.span()


def _team(text: str) -> Iterator[tuple[int, int]]:
    for m in _TEAM.finditer(text):
        if luhn.is_valid(m.group()):
            yield m.span()


def _email(text: str) -> Iterator[tuple[int, int]]:
    for m in _EMAIL.finditer(text):
        yield m.span()


def _phone(text: str) -> Iterator[tuple[int, int]]:
    """Phone-shaped numbers that are not dates (12.03.2021, 03/2025); a landline written as bare digits
    (0342751, a batch number as much as a phone) needs a prefix or a cue (tel., cell., recapito) before it."""
    for m in _PHONE.finditer(text):
        number = m.group()
        digits = re.sub(r"\D", "", number)
        prefixed = number.startswith(("+", "0039"))
        national = digits[4:] if number.startswith("0039") else digits[2:] if prefixed else digits
        if _DATE_LIKE.fullmatch(number) or _MONTH_YEAR.fullmatch(number) or not 6 <= len(national) <= 11:
            continue
        bare_landline = number.isdigit() and number.startswith("0") and not prefixed
        if bare_landline and not _PHONE_CUE.search(text[max(0, m.start() - PHONE_CUE_WINDOW) : m.start()]):
            continue
        yield m.span()


def _birth_date(text: str) -> Iterator[tuple[int, int]]:
    for cue in _BIRTH_CUE.finditer(text):
        window = text[cue.end() : cue.end() + BIRTH_WINDOW]
        stop = re.search(r"[;\n]|\.\s", window)
        date = _DATE.search(window[: stop.start()] if stop else window)
        if date:
            yield cue.end() + date.start(), cue.end() + date.end()


def _address(text: str) -> Iterator[tuple[int, int]]:
    for m in _ADDRESS.finditer(text):
        yield m.span()


def _titled_name(text: str) -> Iterator[tuple[int, int]]:
    for title in _TITLE.finditer(text):
        name = _NAME.match(text, title.end())
        if name is None:
            continue
        words = name.group().split()
        while words and words[-1].casefold() in _NOT_NAMES:
            words.pop()
        if not words or words[0].casefold() in _NOT_NAMES:
            continue
        end = name.start() + len(" ".join(words))
        if text[name.start() : end] == " ".join(words):
            yield name.start(), end


DETECTORS: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {
    "codice_fiscale": _cf,
    "tessera_sanitaria": _team,
    "email": _email,
    "data_nascita": _birth_date,
    "telefono": _phone,
    "indirizzo": _address,
    "nome": _titled_name,
}  # in order of precedence when two findings overlap


def find_identifiers(text: str, kinds: Iterable[str] | None = None) -> list[Finding]:
    """Likely identifiers in a text, sorted by start; of overlapping findings the earlier kind, then the
    longer one, is kept."""
    chosen = list(DETECTORS) if kinds is None else [k for k in DETECTORS if k in set(kinds)]
    candidates = [
        (rank, start, end, kind)
        for rank, kind in enumerate(chosen)
        for start, end in DETECTORS[kind](text)
        if end > start
    ]
    kept: list[tuple[int, int, str]] = []
    for _, start, end, kind in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, kind))
    return [{"start": s, "end": e, "kind": k, "text": text[s:e]} for s, e, k in sorted(kept)]


def placeholder(original: str, fill: str | None = None) -> str:
    """A same-length stand-in: letters, digits and @ become X, separators stay (XX/XX/XXXX, XXX XXXXXXX), so
    the masked text passes the gate; with `fill`, every non-space character becomes it."""
    if fill is not None:
        return "".join(ch if ch.isspace() else fill for ch in original)
    return "".join("X" if ch.isalnum() or ch == "@" else ch for ch in original)


def mask(text: str, findings: Iterable[Finding], fill: str | None = None) -> str:
    """The text with each finding replaced by a placeholder of the same length (offsets hold)."""
    if fill is not None and len(fill) != 1:
        raise ValueError("fill must be one character")
    chars = list(text)
    for f in findings:
        start, end = int(f["start"]), int(f["end"])
        if not 0 <= start < end <= len(text):
            raise ValueError(f"finding {start}..{end} outside the text (length {len(text)})")
        chars[start:end] = placeholder(text[start:end], fill)
    return "".join(chars)


def summary(findings: Iterable[Finding]) -> str:
    """One Italian line naming what was found, for a warning; empty when nothing was."""
    counts = Counter(f["kind"] for f in findings)
    if not counts:
        return ""
    total = sum(counts.values())
    parts = ", ".join(f"{KIND_NAMES.get(k, k)} ({n})" for k, n in sorted(counts.items()))
    noun = "possibile identificativo" if total == 1 else "possibili identificativi"
    return f"{total} {noun}: {parts}"
