"""Person names for the identifier gate (medui/tasks/phi.py): after a title, after a form label, or a known
Italian first name beside a surname-shaped word ("Mario Rossi", "ROSSI MARIO", "Rossi Mario").

Each detector yields (start, end) spans; the title or label itself stays out of the span.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from medui.tasks.phi_words import FIRST_NAMES, NOT_NAMES, NOT_SURNAMES, word_set

_TITLE = re.compile(
    r"\b(?:sig\.?\s?ra|sig\.?\s?na|sigg|sig|signora|signorina|signor|sign|dott\.?\s?ssa|dottoressa|dottor|"
    r"dott|dr\.?\s?ssa|dr|dssa|prof\.?\s?ssa|professoressa|professor|prof|avv|ing|geom|rag|arch|mons|don|"
    r"suor)\b\.?\s*",
    re.IGNORECASE,
)
# a lower-case name is taken only after an abbreviated title with its dot (sig. rossi, dott.ssa bianchi)
_DOTTED_TITLE = re.compile(r"(?:\.|\.\s?(?:ra|na|ssa)\.?)\s*$", re.IGNORECASE)
_CAPS = r"[A-ZÀ-Ý]{2,}(?:['’][A-ZÀ-Ý]{2,})?"
_NAME_WORD = (
    rf"(?:[A-ZÀ-Ý](?:[a-zà-ÿ]+(?:['’][A-ZÀ-Ý][a-zà-ÿ]+)?|['’][A-ZÀ-Ý][a-zà-ÿ]+|\.)|{_CAPS}(?![a-zà-ÿ]))"
)
_NAME = re.compile(
    rf"{_NAME_WORD}(?:\s+(?:(?:de|di|del|della|van|von|da|DE|DI|DEL|DELLA)\s+)?{_NAME_WORD}){{0,3}}"
)
_LOWER_WORD = re.compile(r"[a-zà-ÿ]{2,}(?:['’][a-zà-ÿ]{2,})?(?![\w'’])")
# verbs and words that follow "il sig." in a sentence; never names
_NOT_LOWER_NAMES = word_set(
    """
    lamenta presenta riferisce riporta nega giunge accede mostra appare risulta viene dice chiede vuole può
    deve sta aveva avrebbe sarà ha è era deceduto deceduta operato operata affetto affetta portatore
    portatrice noto nota sopra citato citata anziano anziana giovane oggi ieri domani stamattina stasera già
    poi quindi inoltre però dopo prima ancora sempre mai molto poco ben bene
    """
)

# a run of capitalised or upper-case words separated by single spaces
_WORD = r"(?:[A-ZÀ-Ý][a-zà-ÿ]+(?:['’][A-ZÀ-Ý][a-zà-ÿ]+)?|[A-ZÀ-Ý]{2,}(?:['’][A-ZÀ-Ý]{2,})?|[A-ZÀ-Ý]['’][A-ZÀ-Ý][a-zà-ÿ]+)"
_RUN = re.compile(rf"(?<![\w'’.]){_WORD}(?: {_WORD})*(?![\w'’])")
_PARTICLES = frozenset({"de", "di", "del", "della", "dello", "lo", "la", "li", "da", "dal"})
# a place or an institution named after a saint or a person: Ospedale Maria Vittoria, San Giovanni Rotondo
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:san|santa|santo|sant|ss|s|ospedale|policlinico|presidio|istituto|clinica|fondazione|casa|villa|"
    r"via|viale|piazza|piazzale|corso|largo|ponte|porta|borgo|scuola|liceo|parrocchia|chiesa)['’.]?\s*)$",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"\b(?:cognome\s+e\s+nome|nome\s+e\s+cognome|nominativo|generalità|assistit[oa]|intestatari[oa]|"
    r"(?P<weak>paziente|pz))\s*[:=]\s*",
    re.IGNORECASE,
)
MAX_NAME_WORDS = 4
_ROMAN = re.compile(r"[IVXLC]+")
_NOT_IN_RUN = NOT_SURNAMES | (NOT_NAMES - _PARTICLES)


def titled_names(text: str) -> Iterator[tuple[int, int]]:
    """Names after a title: capitalised (Sig. Mario Rossi, Dott. ROSSI), or lower case after a dotted
    abbreviation (sig. rossi)."""
    for title in _TITLE.finditer(text):
        span = _capitalised_after(text, title.end())
        if span is None and _DOTTED_TITLE.search(title.group()):
            span = _lower_case_after(text, title.end())
        if span is not None:
            yield span


def _capitalised_after(text: str, start: int) -> tuple[int, int] | None:
    name = _NAME.match(text, start)
    if name is None:
        return None
    first, *rest = name.group().split()
    if first.casefold() in NOT_NAMES or first.casefold() in NOT_SURNAMES:
        return None
    words = [first]
    for word in rest:  # the name ends at a word that is no name (Elena Ricci Il Dr.)
        if word.casefold() in _NOT_IN_RUN:
            break
        words.append(word)
    while words and words[-1].casefold() in _PARTICLES:
        words.pop()
    if not words or any(_masked(w) for w in words):
        return None
    end = start + len(" ".join(words))
    return (start, end) if text[start:end] == " ".join(words) else None


def _lower_case_after(text: str, start: int) -> tuple[int, int] | None:
    first = _LOWER_WORD.match(text, start)
    if first is None or _not_a_lower_name(first.group()):
        return None
    end = first.end()
    second = _LOWER_WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    both_words = second and not _not_a_lower_name(second.group())
    if both_words and (first.group() in FIRST_NAMES or second.group() in FIRST_NAMES):
        end = second.end()
    return start, end


def _not_a_lower_name(word: str) -> bool:
    return word in NOT_NAMES or word in _NOT_LOWER_NAMES or word in NOT_SURNAMES


def labelled_names(text: str) -> Iterator[tuple[int, int]]:
    """Names after a form label: "Cognome e nome: Rossi Mario", "Paziente: BIANCHI ANNA" (two words at least)."""
    for label in _LABEL.finditer(text):
        run = _RUN.match(text, label.end())
        if run is None:
            continue
        words = _name_words(run.group().split(" "))
        if words and len(words) >= (2 if label.group("weak") else 1):
            yield label.end(), label.end() + len(" ".join(words))


def _name_words(words: list[str]) -> list[str]:
    """The leading words of a run that can belong to a name (up to MAX_NAME_WORDS)."""
    kept: list[str] = []
    for word in words[:MAX_NAME_WORDS]:
        if word.casefold() in _NOT_IN_RUN or _masked(word):
            break
        kept.append(word)
    while kept and kept[-1].casefold() in _PARTICLES:
        kept.pop()
    return kept


def known_names(text: str) -> Iterator[tuple[int, int]]:
    """A known first name beside a surname-shaped word, in capitals or capitalised, no title needed."""
    for run in _RUN.finditer(text):
        offsets, position = [], run.start()
        for word in run.group().split(" "):
            offsets.append((position, position + len(word)))
            position += len(word) + 1
        for first, last in _name_segments(run.group().split(" ")):
            start, end = offsets[first][0], offsets[last][1]
            if not _PLACE_BEFORE.search(text[max(0, start - 20) : start]):
                yield start, end


def _name_segments(words: list[str]) -> Iterator[tuple[int, int]]:
    """(first, last) word indices of each stretch holding a first name and a surname-shaped word."""
    labels = [_label(w) for w in words]
    i = 0
    while i < len(words):
        if labels[i] == "X":
            i += 1
            continue
        j = i
        while j + 1 < len(words) and labels[j + 1] != "X" and j + 1 - i < MAX_NAME_WORDS:
            j += 1
        first, last = i, j
        while first <= last and labels[first] == "P" and (first == last or labels[first + 1] != "S"):
            first += 1
        while last >= first and labels[last] == "P":
            last -= 1
        stretch = labels[first : last + 1]
        if "F" in stretch and "S" in stretch:
            yield first, last
        i = j + 1


def _label(word: str) -> str:
    """F a known first name, P a particle (De, Di), S a surname-shaped word, X anything else."""
    folded = word.casefold()
    if _masked(word):
        return "X"
    if _ROMAN.fullmatch(word):
        return "X"  # Giovanni XXIII, Vittorio Emanuele III
    if folded in FIRST_NAMES:
        return "F"
    if folded in _PARTICLES:
        return "P"
    if folded in NOT_SURNAMES or folded in NOT_NAMES or len(folded) < 3:
        return "X"
    return "S"


def _masked(word: str) -> bool:
    """A placeholder left by mask() (XXXXX): never a name, so that masked text passes the gate."""
    return set(word) <= set("X.'’")
