"""How long a text the task was trained on, how medui reads a longer one, and the notices that say so.

A model answers one prompt with one list, bounded by the spec (`max_items` mentions, `max_new_tokens` tokens): a
note much longer than the texts the task was trained on holds more than one answer can say, and a small model
fills the list with what it read first, so the end of the note is never reached. The trained length is measured
on the gold train split the task learns and draws its examples from (its `fewshot_task`'s when it has one):

- `longest`, the longest train text, is where windowing starts: a text up to it is read whole, as it always was,
  so the study does not move for test records of ordinary length. On the shipped test splits it windows 16
  records: the two E3C test texts (2,742 and 2,305 characters) longer than E3C's longest train text (2,072), in
  each of the eight E3C tasks, and none of any other task. The 95th percentile (below) as the threshold would
  window 4 to 9% of the test records of every span task but drug_leaflet_entities (20 of abstrct_neoplasm's
  318, 9 of e3c_clinical_entities' 186): the study would move.
- `typical`, the 95th percentile of the train texts (nearest rank), is the reading size of a longer text:
  windows of whole sentences of at most that many characters, as long as the task's training rows usually are,
  so a window's answer fits the list where a whole note's does not: on the train splits, texts up to that length
  hold at most 30 gold events (e3c_events, max_items 40) where the longest hold 58. Only the densest texts of
  three tasks hold more than max_items even at that length (e3c_measurement_links, e3c_temporal_links,
  casimedicos_arg_components).

A note read whole can still hold more than one answer says: a dense note of ordinary length (an 8-sentence
note of 976 characters filled 30 mentions before reaching its last sentence). The engine reads such a note a
second time, in windows, when its whole answer reached the items limit or the token limit (engine.Engine.predict):
windows of whole sentences of at most `reread_size` characters, the task's median train length and at most half
the text. At the median every shipped span task's train texts hold no more gold mentions than its max_items (the
densest, e3c_measurement_links: 26 of 30; e3c_events 19 of 40; casimedicos_arg_components 18 of 20), where at the
95th percentile three tasks' do not; half the text makes at least two windows of a note shorter than twice the
median. The answer kept is the windows' answers joined, and its `limits` say first that the note was re-read and
why (`reread`: the number of windows), then any limit that still cut a window.

A form (crf) names each item once for the whole note, so it is not read in windows: a form from a note longer
than the trained length is read whole, with a notice that its items may be less reliable; one longer than the
input budget is read from its first window (whole sentences within the budget) and the notice says the rest is
not read. The windows themselves are the engine's (engine.Engine._windows).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from medui.backend.data import gold
from medui.backend.data.inputs import dotted
from medui.tasks import registry
from medui.tasks.spec import TaskSpec

SHARE = 0.95  # the reading size is this quantile of the train texts' lengths


@dataclass(frozen=True)
class TrainedLength:
    """The lengths, in characters, of the texts a task was trained on."""

    task: str  # the task whose train split was measured
    records: int
    longest: int  # a text longer than this is read in windows (spans) or noticed (forms)
    typical: int  # the SHARE quantile: the most characters of a window
    median: int  # the median: the most characters of a window when a note read whole is read again


@dataclass(frozen=True)
class Reading:
    """How a record's text is read: whole, in windows, or (a form) from its first window only."""

    chars: int  # the text's length
    windows: int  # the windows it is read in (1: whole, or a form's first window)
    window_chars: int  # the longest window
    read_chars: int  # how much of the text the model reads (less than chars: a form cut at the input budget)
    over_budget: bool  # longer than the prompt's input budget
    trained: TrainedLength | None

    @property
    def longer_than_trained(self) -> bool:
        return self.trained is not None and self.chars > self.trained.longest


def trained_length(spec: TaskSpec) -> TrainedLength | None:
    """The trained length of a task's texts, from the train split it learns from; None without one (a user's
    task with no train split, a task whose records hold no text)."""
    source = registry.get_spec(spec.fewshot_task) if spec.fewshot_task else spec
    path = registry.split_files(source, gold.data_roots()).get("train")
    if path is None:
        return None
    return _measured(source.id, str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _measured(task: str, path: str, _mtime_ns: int) -> TrainedLength | None:
    lengths = sorted(len(r["text"]) for r in registry.read_split(path) if isinstance(r.get("text"), str))
    if not lengths:
        return None
    typical = lengths[max(0, math.ceil(SHARE * len(lengths)) - 1)]
    median = lengths[max(0, math.ceil(len(lengths) / 2) - 1)]
    return TrainedLength(task, len(lengths), lengths[-1], typical, median)


def reread_size(trained: TrainedLength | None, chars: int) -> int:
    """The most characters of a window when a text of `chars` characters, read whole, is read again because its
    answer reached a limit: the task's median train length (whose gold answers fit the list, see above), at most
    half the text so that it is read in two windows at least; half the text for a task with no train split."""
    half = max(1, chars // 2)
    return min(trained.median, half) if trained is not None else half


# notices ------------------------------------------------------------------------------------------------------
def reading_notice(reading: Reading, spans: bool, relations: bool = False, italian: bool = True) -> str:
    """What medui does with a text longer than the task was trained on or than the input budget ("" otherwise)."""
    if not (reading.longer_than_trained or reading.over_budget):
        return ""
    n, t = reading.chars, reading.trained
    it = italian
    if t is not None and reading.longer_than_trained:
        why = (
            f"Il testo è lungo {dotted(n)} caratteri; il compito è stato addestrato su testi fino a "
            f"{dotted(t.longest)} caratteri (il 95% entro {dotted(t.typical)})"
            if it
            else f"The text is {n:,} characters long; the task was trained on texts of up to {t.longest:,} "
            f"characters (95% within {t.typical:,})"
        )
    else:
        why = (
            f"Il testo è lungo {dotted(n)} caratteri, più di quanto il modello legge in una volta"
            if it
            else f"The text is {n:,} characters long, more than the model reads at once"
        )
    if spans and reading.windows > 1:
        does = (
            f"medui lo legge in {reading.windows} finestre di frasi intere (al massimo {dotted(reading.window_chars)}"
            " caratteri ciascuna) e unisce le risposte"
            if it
            else f"medui reads it in {reading.windows} windows of whole sentences (at most "
            f"{reading.window_chars:,} characters each) and joins their answers"
        )
        if relations:
            does += (
                "; le relazioni tra frasi di finestre diverse non sono cercate"
                if it
                else "; relations between sentences of different windows are not looked for"
            )
    elif spans:
        does = (
            "medui lo legge intero (non ci sono fini di frase dove dividerlo): la risposta può essere incompleta"
            if it
            else "medui reads it whole (no sentence end to split it at): the answer may be incomplete"
        )
    elif reading.read_chars < n:
        does = (
            f"un modulo non si legge a finestre: medui lo compila dai primi {dotted(reading.read_chars)} caratteri "
            "(frasi intere) e il resto del testo non è letto; per le voci scritte più avanti, incolla quella "
            "parte da sola"
            if it
            else f"a form is not read in windows: medui fills it from the first {reading.read_chars:,} characters "
            "(whole sentences) and does not read the rest; for items written further on, run that part alone"
        )
    else:
        does = (
            "un modulo non si legge a finestre: medui lo legge intero, e le voci possono essere meno affidabili "
            "(controllale sul testo)"
            if it
            else "a form is not read in windows: medui reads it whole, and its items may be less reliable "
            "(check them against the text)"
        )
    return f"{why}: {does}."


PARTS_IT = {
    "entities": "menzioni",
    "relations": "relazioni",
    "output": "token generati",
    "answer": "risposta",
}


def limit_notice(limit: dict, italian: bool = True, relations: bool = False) -> str:
    """One limit that cut an answer (a prediction record's `limits` entry), and where; an entry with `reread`
    says the whole note's answer reached it and the note was read again in that many windows (reread_notice)."""
    if limit.get("reread"):
        return reread_notice(limit, italian, relations)
    bound, part = limit.get("bound"), str(limit.get("part", ""))
    where_it = f" nella finestra {limit['window']} di {limit['windows']}" if limit.get("windows") else ""
    where_en = f" in window {limit['window']} of {limit['windows']}" if limit.get("windows") else ""
    rest_it = "quella parte del testo" if where_it else "il testo"
    what = PARTS_IT.get(part, f"valori della voce «{part}»")
    if limit.get("limit") == "items":
        if italian:
            others = "altre, non scritte" if part in PARTS_IT else "altri, non scritti"
            return (
                f"La risposta ha raggiunto il limite di {bound} {what}{where_it}: {rest_it} può contenerne "
                f"{others}" + ("" if where_it else "; dividilo in parti più brevi")
            )
        return (
            f"The answer reached the limit of {bound} {part}{where_en}: the text may hold more, not written"
        )
    if limit.get("limit") == "chars":
        if italian:
            return (
                f"Un valore copiato ({what}) ha raggiunto il limite di {bound} caratteri{where_it} ed è stato "
                "chiuso lì"
            )
        return (
            f"A copied value ({part}) reached the limit of {bound} characters{where_en} and was closed there"
        )
    if italian:
        return (
            f"La risposta ha raggiunto il limite di {bound} token generati{where_it}: è stata chiusa dopo "
            "l'ultimo elemento completo, e il resto non è stato scritto"
        )
    return f"The answer reached the limit of {bound} generated tokens{where_en}: kept up to its last complete item"


def reread_notice(limit: dict, italian: bool = True, relations: bool = False) -> str:
    """A note whose whole answer reached a limit (`limit`, with `reread`: the windows it was read in again)."""
    n, bound, part = limit["reread"], limit.get("bound"), str(limit.get("part", ""))
    if italian:
        what = PARTS_IT.get(part, part)
        said = (
            f"La risposta sul testo intero ha raggiunto il limite di {bound} {what}: medui ha riletto il testo in "
            f"{n} finestre di frasi intere e ne ha unito le risposte"
        )
        return said + ("; le relazioni tra frasi di finestre diverse non sono cercate" if relations else "")
    said = (
        f"The answer on the whole text reached the limit of {bound} "
        f"{'generated tokens' if part == 'output' else part}: medui read the text again in {n} windows of whole "
        "sentences and joined their answers"
    )
    return said + (
        "; relations between sentences of different windows are not looked for" if relations else ""
    )


def notices(
    reading: Reading | None, record: dict, spans: bool, relations: bool = False, italian: bool = True
) -> list[str]:
    """Every notice of a run: how a long text was read, then each limit that cut its answer (first, when the
    note was read again because its whole answer reached a limit, that it was)."""
    first = reading_notice(reading, spans, relations, italian) if reading is not None else ""
    limits = [limit_notice(x, italian, relations) for x in record.get("limits") or []]
    return ([first] if first else []) + limits
