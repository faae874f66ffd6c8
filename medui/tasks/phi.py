"""The identifier gate: likely personal identifiers in Italian clinical text, and same-length masking.

`find_identifiers(text)` returns findings `{"start", "end", "kind", "text"}` (0-based, end exclusive, sorted,
never overlapping); `mask(text, findings)` replaces each with a placeholder of the same length, so every offset
into the masked text holds for the original. Each kind has its own detector:

- codice_fiscale: the 16-character personal code, also in groups (RSS MRA 80A01 H501U), check letter and birth
  date verified by python-stdnum (stdnum.it.codicefiscale);
- tessera_sanitaria: the TEAM card number, 20 digits starting 80380, spaces allowed, Luhn check digit;
- iban: an IBAN, spaces allowed, verified by stdnum.iban (mod 97 and the country's format);
- partita_iva: 11 digits (optional IT), verified by stdnum.it.iva (province code and check digit);
- email: e-mail addresses, also written with [at], (at), [dot];
- data_nascita: a full date (12/03/1948, 1937-11-05, 3 marzo 1950, cinque novembre 1937) shortly after "nato/nata",
  "data di nascita", "D.d.N."; a year alone ("nato nel 1950") and dates without birth context are not identifiers;
- telefono: Italian mobile (3xx, 10 digits; 339/1234567) and landline (0x..., 6-11 digits; (06) 12345678)
  numbers, optional +39 / 0039;
- cartella: a record number after its label (cartella clinica n. 12345, nosologico 2023/000123, SDO n. ...);
- indirizzo: via, viale, piazza, corso, ... + a name + a civic number (lower case only after via/viale/piazza,
  never a route of administration: "per via orale 2 volte");
- nome: names after a title (Sig. Rossi, sig. rossi, Dott. ROSSI) or a form label (Cognome e nome: ...), and a
  known Italian first name beside a surname-shaped word (Mario Rossi, ROSSI MARIO) (medui/tasks/phi_names.py).

Patterns and check digits, not a model: clinical values (PCR 12 mg/l, 94%, 130/80), dates of admission, drug
names and "per via orale" are left alone by construction. Pure Python: no torch, database or gradio.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from stdnum import iban, luhn
from stdnum.it import codicefiscale, iva

from medui.tasks.phi_names import known_names, labelled_names, titled_names
from medui.tasks.phi_words import DAY_WORDS, NOT_STREETS, word_set

Finding = dict  # {"start": int, "end": int, "kind": str, "text": str}

KIND_NAMES = {
    "codice_fiscale": "codice fiscale",
    "tessera_sanitaria": "tessera sanitaria",
    "iban": "IBAN",
    "partita_iva": "partita IVA",
    "telefono": "numero di telefono",
    "email": "indirizzo e-mail",
    "data_nascita": "data di nascita",
    "cartella": "numero di cartella o ricovero",
    "indirizzo": "indirizzo",
    "nome": "nome di persona",
}

# codice fiscale: 6 letters, year, month letter, day, municipality code, check letter (digits may be omocodia
# letters), with at most one space, dot or dash between characters (RSS MRA 80A01 H501U); validated by stdnum
_S = r"[ .-]?"
_CF_DIGIT = "[0-9LMNPQRSTUV]"
_CF = re.compile(
    rf"(?<![\w])[A-Z]{{3}}{_S}[A-Z]{{3}}{_S}{_CF_DIGIT}{{2}}{_S}[ABCDEHLMPRST]{_S}{_CF_DIGIT}{{2}}{_S}"
    rf"[A-Z]{_S}{_CF_DIGIT}{{3}}{_S}[A-Z](?![\w])",
    re.IGNORECASE,
)
_TEAM = re.compile(r"(?<![\d])8[ -]?0[ -]?3[ -]?8[ -]?0(?:[ -]?\d){15}(?![ -]?\d)")
_IBAN_START = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?= ?[A-Z0-9])")
_IVA = re.compile(r"(?<![\w])(?:IT ?)?\d{11}(?![\w])")
_AT = r"(?:@|\s?[\[({]\s?(?:at|chiocciola)\s?[\])}]\s?|\s(?:at|chiocciola)\s)"
_DOT = r"(?:\.|\s?[\[({]\s?(?:dot|punto)\s?[\])}]\s?)"
_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,}}(?![\w])", re.IGNORECASE
)

# phone numbers: optional country prefix, then a mobile (3 + 9 digits) or a landline (0, never 00, + 5..10
# digits; its prefix may sit in brackets), digit groups separated by at most one space, dot, dash or slash
_PHONE = re.compile(
    r"(?<![\w+/.,-])(?:(?:\+|00)39[ .-]?)?"
    r"(?:3\d{2}(?:[ ./-]?\d){6,7}|\(0[1-9]\d{0,2}\)[ .-]?\d(?:[ .-]?\d){3,8}|0[1-9]\d{0,2}(?:[ ./-]?\d){4,9})"
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
_DAY = rf"(?:\d{{1,2}}°?|(?:{'|'.join(DAY_WORDS)})(?![\w]))"
_DATE = re.compile(
    r"(?<![\w])(?:(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})"
    rf"|{_DAY}\s+(?:{MONTHS})\.?\s+(?:del\s+)?\d{{4}})(?![\d])",
    re.IGNORECASE,
)
_BIRTH_CUE = re.compile(
    r"\b(?:nat[oaie]|data\s+(?:di\s+)?nascita|nascita|ddn)\b|\bd\.\s?d\.\s?n\.?|\bd\.\s?n\.", re.IGNORECASE
)
_SENTENCE_STOP = re.compile(r"[;\n]|(?<![A-Z])\.\s")
BIRTH_WINDOW = 60  # characters after the cue within which the date must start

# record numbers: a strong label (cartella clinica, nosologico, SDO, ID paziente) with an optional "n.", or
# ricovero / episodio / accettazione with "n." or "numero"; at least 4 digits, not a date or a bare year
_RECORD = re.compile(
    r"\b(?:(?:cartella(?:\s+clinica)?|nosologico|sdo|mrn|(?:id|codice)\s+paziente|"
    r"scheda\s+di\s+dimissione(?:\s+ospedaliera)?)(?:\s*(?:n\.|n°|nr\.|num\.|numero|n(?=\s)|nr(?=\s)))?"
    r"|(?:ricovero|episodio|accettazione)\s*(?:n\.|n°|nr\.|numero)|(?:n\.|n°|nr\.|numero)\s*(?:di\s+)?ricovero)"
    r"\s*[:#]?\s*(?P<number>(?:[A-Z]{1,3}[-/]?)?\d(?:[\d/.-]*\d)?)(?![\w]|[/.-]\d)",
    re.IGNORECASE,
)
MIN_RECORD_DIGITS = 4

# addresses: street type, a name (capitalised, a number before a capitalised word or month as in via 4
# Novembre, or lower case after via / viale / piazza), particles inside it, and a civic number not followed
# by a unit (per via orale 2 volte)
_STREET_TYPES = (
    r"via|viale|v\.le|piazza|p\.zza|p\.za|piazzale|corso|c\.so|largo|vicolo|vico|strada|contrada|"
    r"località|loc\.|borgo|lungomare|lungarno|lungotevere|salita|calle|traversa"
)
_LOWER_CASE_STREETS = frozenset({"via", "viale", "v.le", "piazza", "p.zza", "p.za", "piazzale", "vicolo"})
_PARTICLES = word_set("di de dei del della dello delle degli da dal dalla dalle e san santa")
_NAME_WORD = (
    r"(?:[A-ZÀ-Ý][\wÀ-ÿ'’.]*|(?i:dell|d|sant)['’][A-ZÀ-Ý][\wÀ-ÿ]*|[a-zà-ÿ][a-zà-ÿ'’]+"
    rf"|\d{{1,2}}(?=\s+(?:[A-ZÀ-Ý]|(?i:{MONTHS})\b)))"
)
_UNITS = (
    r"%|mg|mcg|µg|ug|ml|l|g|kg|cm|mm|ui|u|anni|giorni|gg|ore|h|min|minuti|volte|settimane|mesi|cp|cpr|"
    r"compress[ae]|fial[ae]|fl|gocce|gtt|puff|cicli|dos[ei]|somministrazioni|mmhg|bpm|die|mmol|meq"
)
_ADDRESS = re.compile(
    rf"\b(?P<street>(?i:{_STREET_TYPES}))\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,7}})"
    r"\s*,?\s*(?:(?i:n\.?|n°|civico)\s*)?\d{1,4}(?!\d)(?:\s?/\s?[A-Za-z0-9]{1,3}(?![\w])|[A-Za-z](?![\w]))?"
    rf"(?![\w/,.]\d)(?!\s*(?i:{_UNITS})(?![\w]))"
)


def _cf(text: str) -> Iterator[tuple[int, int]]:
    for m in _CF.finditer(text):
        if codicefiscale.is_valid(re.sub(r"[ .-]", "", m.group())):
            yield m.span()


def _team(text: str) -> Iterator[tuple[int, int]]:
    for m in _TEAM.finditer(text):
        if luhn.is_valid(re.sub(r"\D", "", m.group())):
            yield m.span()


def _iban(text: str) -> Iterator[tuple[int, int]]:
    """The longest run of letters and digits (single spaces between groups) from a country code and two check
    digits that stdnum accepts as an IBAN."""
    for m in _IBAN_START.finditer(text):
        chars, ends, i = [], [], m.start()
        while i < len(text) and len(chars) < 34:
            if text[i].isascii() and text[i].isalnum():
                chars.append(text[i])
                ends.append(i + 1)
            elif not (text[i] == " " and i + 1 < len(text) and text[i + 1].isalnum()):
                break
            i += 1
        for n in range(len(chars), 14, -1):
            boundary = ends[n - 1] == len(text) or not text[ends[n - 1]].isalnum()
            if boundary and iban.is_valid("".join(chars[:n]).upper()):
                yield m.start(), ends[n - 1]
                break


def _partita_iva(text: str) -> Iterator[tuple[int, int]]:
    for m in _IVA.finditer(text):
        if iva.is_valid(m.group()):
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
    """A date within BIRTH_WINDOW characters after a birth cue, in the same sentence."""
    for cue in _BIRTH_CUE.finditer(text):
        window = text[cue.end() : cue.end() + BIRTH_WINDOW]
        date = _DATE.search(window)
        if date and not _SENTENCE_STOP.search(window[: date.start()]):
            yield cue.end() + date.start(), cue.end() + date.end()


def _record_number(text: str) -> Iterator[tuple[int, int]]:
    for m in _RECORD.finditer(text):
        number = m.group("number")
        digits = re.sub(r"\D", "", number)
        year = re.fullmatch(r"(?:19|20)\d{2}", number)
        if len(digits) >= MIN_RECORD_DIGITS and not year and not _DATE_LIKE.fullmatch(number):
            yield m.span("number")


def _address(text: str) -> Iterator[tuple[int, int]]:
    """Street + name + civic number; a name of lower-case words only after via / viale / piazza, and never
    one holding a route of administration or an idiom (per via orale, in via precauzionale)."""
    for m in _ADDRESS.finditer(text):
        words = [w for w in m.group("name").split() if w.casefold() not in _PARTICLES]
        if not words or any(w.casefold() in NOT_STREETS for w in words):
            continue
        lower_only = all(w[0].islower() for w in words)
        if lower_only and m.group("street").casefold() not in _LOWER_CASE_STREETS:
            continue
        yield m.span()


def _names(text: str) -> Iterator[tuple[int, int]]:
    yield from titled_names(text)
    yield from labelled_names(text)
    yield from known_names(text)


DETECTORS: dict[str, Callable[[str], Iterable[tuple[int, int]]]] = {
    "codice_fiscale": _cf,
    "tessera_sanitaria": _team,
    "iban": _iban,
    "partita_iva": _partita_iva,
    "email": _email,
    "data_nascita": _birth_date,
    "cartella": _record_number,
    "telefono": _phone,
    "indirizzo": _address,
    "nome": _names,
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
    kept: list[tuple[int, int, str]] = []  # sorted by start, never overlapping: so sorted by end too
    for _, start, end, kind in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        at = bisect.bisect_left(kept, (end,))  # the kept findings before `at` start before this one ends
        if at == 0 or kept[at - 1][1] <= start:  # the last of them ends before this one starts
            kept.insert(at, (start, end, kind))
    return [{"start": s, "end": e, "kind": k, "text": text[s:e]} for s, e, k in kept]


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
