"""The copy constraint keeps to word boundaries: no allowed path writes a cut word; whole words and multi-word
spans stay possible. Form items marked `copy` are copied too, items of a list each on their own."""

from __future__ import annotations

import pytest

from medui.backend.inference import decoding
from medui.backend.inference.copying import SourceCopy, copy_tables, may_open, track_copy
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.base import CopyKeys
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec
from medui.tasks.words import boundaries

NOTE = "Iperteso, all'ECG è stato visto un BNP 2,3 ng/ml e TC 37.5 post-operatorio dell'addome."
CLOSE = 0


class _AnyGuide:
    """A guide that accepts every token (the JSON schema is not what these tests are about)."""

    def get_state(self) -> int:
        return 0

    def accepts_tokens(self, tokens) -> bool:
        return True


def _vocabulary(text: str) -> dict[int, str]:
    """Every piece of the text up to 4 characters (leading spaces too, as Gemma's tokens), and the quote."""
    pieces = {text[i : i + k] for i in range(len(text)) for k in range(1, 5) if i + k <= len(text)}
    return {CLOSE: '"'} | {i: p for i, p in enumerate(sorted(pieces), start=1)}


def _closable(source: str, max_chars: int = 16) -> set[str]:
    """Every value the copy constraint lets a model write and close (depth-first over all allowed tokens)."""
    strings = _vocabulary(source)
    tables = copy_tables(strings)
    copy = SourceCopy(source, tables.by_text, tables.closers)
    guide, done, seen, todo = _AnyGuide(), set(), set(), [""]
    while todo:
        written = todo.pop()
        for token in copy.allowed(written, guide):
            if token == CLOSE:
                done.add(written)
            elif len(nxt := written + strings[token]) <= max_chars and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return done


@pytest.fixture(scope="module")
def closable() -> set[str]:
    return _closable(NOTE)


@pytest.mark.parametrize(
    "cut",
    [
        "es",
        "perteso",
        "Ipert",
        "ll'ECG",
        "al",
        "all",
        "2",
        "3",
        ",3",
        "2,",
        "37",
        "5",
        "post-oper",
        "operat",
        "ost",
        "ng/m",
        " ECG",
        "ECG ",
        "dell",
        "è st",
        ",",
        ", ",
        ".",
    ],
)
def test_no_path_writes_a_cut_word(closable, cut):
    assert cut not in closable


@pytest.mark.parametrize(
    "whole",
    [
        "Iperteso",
        "ECG",
        "all'ECG",
        "è",
        "2,3",
        "2,3 ng/ml",
        "ng",
        "ml",
        "37.5",
        "post-operatorio",
        "post",
        "operatorio",
        "addome",
        "dell'addome",
        "BNP 2,3",
    ],
)
def test_whole_words_and_spans_stay_possible(closable, whole):
    assert whole in closable


def test_every_closable_value_is_on_word_boundaries(closable):
    bounds = boundaries(NOTE)
    for value in closable:
        spans = [(s, s + len(value)) for s in range(len(NOTE)) if NOTE.startswith(value, s)]
        assert any(not bounds.cuts(s, e) for s, e in spans), value


def test_repetitions_count_only_whole_word_occurrences():
    copy = SourceCopy("es. iperteso", {}, [])
    assert copy.count("es") == 1
    assert copy.close("es") is False
    assert copy.close("es") is True, "the 'es' inside 'iperteso' does not count"


def copied_crf():
    """clinical_case_crf with its six text items marked `copy: true`."""
    raw = get_spec("clinical_case_crf").model_dump(by_alias=True)
    for item in raw["fields"]:
        item["copy"] = item["type"] in ("string", "list")
    return TaskSpec.model_validate(raw)


def test_copy_keys_are_the_kinds_business():
    assert kind_for(get_spec("e3c_clinical_entities")).copy_keys(
        get_spec("e3c_clinical_entities")
    ).strings == ('"text":"',)
    assert not kind_for(get_spec("medqa_it")).copy_keys(get_spec("medqa_it")), "a letter is not copied"
    assert kind_for(get_spec("drug_leaflet_qa")).copy_keys(get_spec("drug_leaflet_qa")).strings == (
        '"answer":"',
    )
    crf = copied_crf()
    keys = kind_for(crf).copy_keys(crf)
    assert '"diagnosi_principale":"' in keys.strings and '"farmaci":[' in keys.lists
    assert '"esito":"' not in keys.strings, "an enum is not copied"
    assert not kind_for(get_spec("ed_dyspnea_crf")).copy_keys(get_spec("ed_dyspnea_crf"))


def test_the_loop_copies_every_item_of_a_copied_list_and_the_string_items():
    keys = CopyKeys(strings=('"diagnosi":"',), lists=('"farmaci":[',))
    row = decoding._Row(
        guide=None, copy=SourceCopy("aspirina e eparina; diagnosi: angina", {}, []), keys=keys
    )
    seen = []
    for piece in [
        '{"diagnosi":',
        '"',
        "angina",
        '","farmaci":',
        '["',
        "aspirina",
        '","',
        "eparina",
        '"],"x":["',
    ]:
        track_copy(row, piece)
        seen.append(row.written)
    assert seen == [None, "", "angina", None, "", "aspirina", "", "eparina", None]
    assert not row.in_list


def test_a_copied_string_cannot_be_opened_together_with_its_text():
    tables = copy_tables({1: '"', 2: '"Asp', 3: '["', 4: '["a', 5: "null", 6: ',"', 7: ',"b', 8: '","a'})
    assert tables.opening_with_text == {2, 4, 7, 8}
    assert 8 not in tables.closers and 1 in tables.closers
    keys = CopyKeys(strings=('"diagnosi":"',), lists=('"farmaci":[',))
    assert may_open(keys, '{"diagnosi":', False) and may_open(keys, '{"x":1,"farmaci":', False)
    assert may_open(keys, '{"farmaci":["a",', True) and not may_open(keys, '{"eta":', False)


def test_a_copy_past_max_value_chars_ends_at_its_next_word_boundary():
    source = "dolore toracico oppressivo irradiato al braccio sinistro"
    strings = _vocabulary(source)
    tables = copy_tables(strings)
    bounded = SourceCopy(source, tables.by_text, tables.closers, max_value_chars=12)
    guide = _AnyGuide()
    assert bounded.allowed("dolore toracico", guide) == {CLOSE}, "past 12 characters on a boundary: it ends"
    assert CLOSE not in bounded.allowed("dolore torac", guide), "mid-word it may not end, even past the bound"
    assert bounded.allowed("dolore torac", guide) - {CLOSE}, "it finishes the word"
    assert bounded.allowed("dolore", guide) - {CLOSE}, "under the bound it may go on"
    unbounded = SourceCopy(source, tables.by_text, tables.closers)
    assert unbounded.allowed("dolore toracico", guide) - {CLOSE}


def test_the_loop_closes_the_list_after_max_items_copied_mentions():
    keys = CopyKeys(strings=('"text":"',), max_items=2)
    row = decoding._Row(guide=None, copy=SourceCopy("febbre e tosse e dispnea", {}, []), keys=keys)
    track_copy(row, ' {"entities":[{"text":"febbre","label":"X"},{"text":"tosse')
    assert not row.ending, "one mention closed, the second still being written"
    track_copy(row, '","label":"X"}')
    assert row.ending, "two mentions: the list must close"
    track_copy(row, "]}")
    assert not row.ending and row.copied == 0


def test_a_value_written_twice_in_a_copied_list_ends_that_list_only():
    """'terapia' is in the note three times, but a form's list names it once: the second one ends the list
    (Gemma wrote it ten times, to the list's maxItems); the next list starts afresh."""
    keys = CopyKeys(lists=('"farmaci":[', '"esami":['))
    source = "terapia con aspirina; terapia e terapia; ECG"
    row = decoding._Row(guide=None, copy=SourceCopy(source, {}, []), keys=keys)
    track_copy(row, '{"farmaci":["terapia","aspirina"')
    assert not row.ending, "two different values"
    track_copy(row, ',"terapia"')
    assert row.ending, "the same value again: the list must close"
    track_copy(row, '],"esami":["terapia"')
    assert not row.ending, "another list: its first value may be one another list holds"
    track_copy(row, ',"ECG"]}')
    assert not row.ending and not row.listed


def test_the_last_value_of_a_copied_list_closes_without_going_on_to_another():
    """Gemma closes a list item and opens the next with one token ('","'): once the value being written must be
    the list's last (written before in this list), that token is not offered, the bare quote is."""
    from types import SimpleNamespace

    strings = {0: '"', 1: '","', 2: '"]', 3: "terapia", 4: "ECG"}
    tables = copy_tables(strings)
    lm = SimpleNamespace(caches=SimpleNamespace(copy_tables=tables))
    source = "terapia e ECG"
    keys = CopyKeys(lists=('"farmaci":[',))
    row = decoding._Row(guide=_AnyGuide(), copy=SourceCopy(source, tables.by_text, tables.closers), keys=keys)
    track_copy(row, '{"farmaci":["terapia')
    assert decoding._allowed(lm, row, SimpleNamespace(small={})) == {0, 1, 2}, "a first value may go on"
    track_copy(row, '","terapia')
    assert decoding._allowed(lm, row, SimpleNamespace(small={})) == {0, 2}, "written before: the list ends"


def test_the_specs_bounds_reach_the_copy_keys():
    spec = get_spec("e3c_clinical_entities")
    keys = kind_for(spec).copy_keys(spec)
    assert (keys.max_items, keys.max_chars) == (spec.max_items, spec.max_mention_chars) == (30, 200)
    qa = get_spec("drug_leaflet_qa")
    assert kind_for(qa).copy_keys(qa).max_chars == qa.max_mention_chars == 160
    crf = copied_crf()
    assert kind_for(crf).copy_keys(crf).max_chars == max(f.max_length for f in crf.fields if f.copied)


# where each copy was read (issue 24) ----------------------------------------------------------------------
REPEATED = "Anamnesi di scompenso cardiaco. Giunge per dispnea: diagnosi di scompenso cardiaco acuto."


def test_a_copy_is_placed_at_the_first_occurrence_at_or_after_the_previous_one():
    copy = SourceCopy(REPEATED, {}, [])
    copy.close("dispnea")
    copy.close("scompenso cardiaco")
    second = REPEATED.index("scompenso cardiaco", 20)
    assert copy.copies == [(43, 50), (second, second + len("scompenso cardiaco"))]
    assert REPEATED[43:50] == "dispnea"


def test_a_copy_with_no_occurrence_after_the_previous_one_takes_the_first():
    copy = SourceCopy(REPEATED, {}, [])
    copy.close("acuto")
    assert copy.place("scompenso") == (12, 21), "nothing after 'acuto': the first"
    assert copy.place("Giunge") == (32, 38)


def test_a_copy_prefers_a_whole_word_and_an_occurrence_no_copy_took():
    copy = SourceCopy("ECGs e poi ECG; ECG", {}, [])
    assert copy.place("ECG") == (11, 14), "the 'ECG' of 'ECGs' cuts a word at its end"
    assert copy.place("ECG") == (16, 19), "the one taken comes after a free one"
    assert copy.place("ECG") == (16, 19), "all taken: the first at or after the previous one"
    copy.place("ECGs")
    assert copy.place("ECG") == (11, 14), "all taken, none after the previous one: the first whole word"
    assert copy.place("TC") is None and len(copy.copies) == 5, "not in the source: not placed"


def test_the_loop_places_its_copies_and_a_list_reads_its_first_value_anywhere():
    """String items are read on from each other (a form's presentation, then its diagnosis); a list of copied
    strings starts again from the note's start (its items are in the form's order, not the note's)."""
    keys = CopyKeys(strings=('"motivo":"', '"diagnosi":"'), lists=('"comorbidita":[',))
    row = decoding._Row(guide=None, copy=SourceCopy(REPEATED, {}, []), keys=keys)
    track_copy(
        row, '{"motivo":"dispnea","diagnosi":"scompenso cardiaco","comorbidita":["scompenso","Anamnesi"]}'
    )
    texts = [REPEATED[s:e] for s, e in row.copy.copies]
    assert texts == ["dispnea", "scompenso cardiaco", "scompenso", "Anamnesi"]
    starts = [s for s, _ in row.copy.copies]
    assert starts == [43, REPEATED.index("scompenso cardiaco", 20), 12, 0]
