"""Reading a long note window by window (issue 24), on a tiny random model whose outputs the test chooses: a text
longer than the task's trained length is read in windows of its reading size and their answers merged with the
offsets of the whole text; a text of ordinary length is read whole, as before; a form is never windowed but cut
at the input budget; a limit that cut a window's answer is named with the window."""

from __future__ import annotations

import json

import pytest

from medui.backend.inference import models, reading
from medui.backend.inference.engine import Engine, parse_strategy
from medui.backend.inference.types import Generation
from medui.tasks.align import sentence_windows
from medui.tasks.kinds import kind_for
from medui.tasks.records import gold_part
from medui.tasks.registry import get_spec

TASK = "e3c_clinical_entities"
SENTENCES = [
    "Paziente di 70 anni giunge in pronto soccorso per dispnea ingravescente da tre giorni.",
    "Riferisce ortopnea e edemi declivi agli arti inferiori, in aumento nell'ultima settimana.",
    "In anamnesi ipertensione arteriosa e diabete mellito di tipo 2 in terapia con metformina.",
    "All'esame obiettivo crepitii bibasali e turgore giugulare, pressione arteriosa 160/95 mmHg.",
    "La radiografia del torace mostra versamento pleurico bilaterale e congestione del piccolo circolo.",
    "L'ecocardiogramma documenta una frazione di eiezione ridotta al 30 per cento.",
    "Viene avviata terapia con furosemide endovena con rapido miglioramento della dispnea.",
    "Diagnosi alla dimissione: scompenso cardiaco acuto in cardiopatia ipertensiva.",
]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    return models.load(str(tiny_model_dir), dtype="float32")


def long_note() -> str:
    """The eight sentences, four times over: longer than any E3C train text (2,072 characters)."""
    return " ".join(SENTENCES * 4)


class Scripted(Engine):
    """An Engine whose generation answers each prompt with `answer(window text)` instead of decoding."""

    def __init__(self, *args, answer, stopped="eos", **kwargs):
        super().__init__(*args, **kwargs)
        self.answer, self.stopped, self.read = answer, stopped, []

    def generate(self, prompts, sources, on_text):
        self.read += sources
        return [Generation(self.answer(src), [1, 2], [-0.1, -0.1], self.stopped, 0.01, 10) for src in sources]


def engine(tiny, task=TASK, strategy="zero-shot", **kwargs) -> Engine:
    spec = get_spec(task)
    return Scripted(tiny, spec, parse_strategy(strategy, spec), max_input_tokens=4096, **kwargs)


def mentions(*words: str) -> str:
    return json.dumps({"entities": [{"text": w, "label": "CLINENTITY"} for w in words]})


def test_the_reading_size_is_measured_on_the_train_split():
    trained = reading.trained_length(get_spec(TASK))
    assert trained is not None and trained.task == TASK
    assert trained.longest == 2072 and trained.typical < trained.longest
    glaucoma = reading.trained_length(get_spec("abstrct_glaucoma_components"))  # test only: learns neoplasm's
    assert glaucoma is not None and glaucoma.task == "abstrct_neoplasm_components"


def test_a_note_of_ordinary_length_is_read_whole(tiny):
    eng = engine(tiny, answer=lambda text: mentions("dispnea"))
    record = {"id": "r", "text": " ".join(SENTENCES)}  # 8 sentences, within the trained length
    assert eng.window_count(record) == 1
    (pred,) = eng.predict([record])
    assert eng.read == [record["text"]] and pred.record["id"] == "r"  # one prompt, the whole note
    assert "limits" not in pred.record and "truncated" not in pred.record
    start = record["text"].index("dispnea")
    assert [(e["start"], e["end"]) for e in pred.record["entities"]] == [(start, start + len("dispnea"))]


def test_a_long_note_is_read_in_windows_whose_mentions_map_back_to_the_note(tiny):
    text = long_note()
    eng = engine(tiny, answer=lambda window: mentions("dispnea", *["scompenso"] * window.count("scompenso")))
    trained = eng.trained
    assert len(text) > trained.longest
    windows = eng._windows({"id": "r", "text": text})
    assert len(windows) >= 3 and all(len(w["text"]) <= trained.typical for w in windows)
    assert "".join(text[w["_offset"] : w["_offset"] + len(w["text"])] for w in windows) == text
    (pred,) = eng.predict([{"id": "r", "text": text}])
    assert len(eng.read) == len(windows)  # every window was read, the last one too
    found = pred.record["entities"]
    assert all(text[e["start"] : e["end"]] == e["text"] for e in found)
    last = text.rindex("scompenso")
    assert any(e["start"] == last for e in found)  # the end of the note is read
    assert len({(e["start"], e["end"]) for e in found}) == len(found)  # each mention once
    read = eng.reading_of({"id": "r", "text": text})
    assert read.longer_than_trained and read.windows == len(windows) and read.read_chars == len(text)


def test_a_window_whose_list_reached_max_items_is_named_in_the_prediction(tiny):
    text = long_note()
    spec = get_spec(TASK)
    eng = engine(tiny, answer=lambda window: mentions("dispnea"))
    windows = [w["text"] for w in eng._windows({"id": "r", "text": text})]
    words = [w.strip(".,:'") for w in windows[1].split() if len(w) > 3]
    full = (words * spec.max_items)[: spec.max_items]
    eng.answer = lambda window: mentions(*full) if window == windows[1] else mentions("dispnea")
    second = 2  # (a later window with the same text would fill its list too)
    (pred,) = eng.predict([{"id": "r", "text": text}])
    assert pred.record["truncated"] is True
    assert {"limit": "items", "bound": 30, "part": "entities", "window": second, "windows": len(windows)} in (
        pred.record["limits"]
    )
    assert "limits" not in gold_part(pred.record) and "truncated" not in gold_part(pred.record)
    shown = reading.notices(eng.reading_of({"text": text}), pred.record, spans=True)
    assert f"La risposta ha raggiunto il limite di 30 menzioni nella finestra {second} di {len(windows)}" in (
        "\n".join(shown)
    )


def test_an_output_cut_at_the_token_limit_before_any_item_is_marked_cut(tiny):
    eng = engine(tiny, answer=lambda text: '{"entities":[{"text":"disp', stopped="length")
    (pred,) = eng.predict([{"id": "r", "text": SENTENCES[0]}])
    assert pred.record["valid"] is False
    assert pred.record["limits"] == [{"limit": "tokens", "bound": 384, "part": "output"}]


def test_a_form_is_read_whole_beyond_its_trained_length_and_from_its_first_window_beyond_the_budget(tiny):
    form = "ed_dyspnea_crf"
    answer = kind_for(get_spec(form)).render_target(get_spec(form), {"fields": {"eta": 70}})
    note = " ".join(SENTENCES * 2)  # longer than the form's train notes (698 characters)
    eng = engine(tiny, form, answer=lambda text: answer)
    assert eng.window_count({"text": note}) == 1
    read = eng.reading_of({"text": note})
    assert read.longer_than_trained and read.read_chars == len(note)
    assert "medui lo legge intero" in reading.reading_notice(read, spans=False)
    huge = " ".join(SENTENCES * 40)  # over the input budget
    spec = get_spec(form)
    eng = Scripted(
        tiny, spec, parse_strategy("zero-shot", spec), max_input_tokens=256, answer=lambda t: answer
    )
    (pred,) = eng.predict([{"id": "f", "text": huge}])
    assert len(eng.read) == 1 and pred.record["text"] == huge  # one prompt; the record keeps the whole note
    read = eng.reading_of({"text": huge})
    assert read.windows == 1 and read.read_chars < len(huge) and huge.startswith(SENTENCES[0])
    notice = reading.reading_notice(read, spans=False)
    assert f"dai primi {reading.dotted(read.read_chars)} caratteri" in notice and "non è letto" in notice


# a note read whole whose answer reached a limit is read again in windows (issue 24) ---------------------------
def note() -> str:
    """The eight sentences once: 700 characters, within every E3C train length, read whole first."""
    return " ".join(SENTENCES)


def filler(text: str, n: int) -> str:
    """n mentions, every one a word of the text's first sentence: a list filled before the note's end."""
    words = [w.strip(".,:'") for w in text.split(".")[0].split() if len(w) > 3]
    return mentions(*(words * n)[:n])


def reread_windows(eng: Engine, text: str) -> list[str]:
    size = reading.reread_size(eng.trained, len(text))
    return [text[s:e] for s, e in sentence_windows(text, size)]


def test_a_note_whose_whole_answer_reached_max_items_is_read_again_in_windows(tiny):
    text, spec = note(), get_spec(TASK)
    eng = engine(tiny, answer=None)
    windows = reread_windows(eng, text)
    assert eng.trained.median < len(text) and len(windows) >= 2
    assert all(len(w) <= min(eng.trained.median, len(text) // 2) for w in windows)

    def answer(read: str) -> str:  # the whole note fills the list; a window names what it holds
        return filler(text, spec.max_items) if read == text else mentions(*read.split()[-2:])

    eng.answer = answer
    (pred,) = eng.predict([{"id": "r", "text": text}])
    assert eng.read[0] == text and sorted(eng.read[1:]) == sorted(windows)  # whole, then its windows
    found = pred.record["entities"]
    assert all(text[e["start"] : e["end"]] == e["text"] for e in found)
    end = text.rindex("ipertensiva")
    assert any(e["start"] == end for e in found)  # the end of the note is reached
    assert not any(e["text"] == "Paziente" for e in found)  # the whole read's filler is not kept
    assert pred.record["limits"] == [
        {"limit": "items", "bound": spec.max_items, "part": "entities", "reread": len(windows)}
    ]
    assert "truncated" not in pred.record  # no limit cut a window
    assert "limits" not in gold_part(pred.record)
    reads = 1 + len(windows)  # time and tokens of both passes
    assert pred.output_tokens == 2 * reads and pred.prompt_tokens == 10 * reads
    assert len(windows) <= eng.batch_size and pred.latency == pytest.approx(0.01 + 0.01)  # one batch each
    assert pred.raw.splitlines()[0] == filler(text, spec.max_items) and len(pred.raw.splitlines()) == reads
    (shown,) = reading.notices(eng.reading_of({"text": text}), pred.record, spans=True)
    assert shown == (
        f"La risposta sul testo intero ha raggiunto il limite di {spec.max_items} menzioni: medui ha riletto il "
        f"testo in {len(windows)} finestre di frasi intere e ne ha unito le risposte"
    )


def test_a_note_whose_answer_was_not_cut_is_predicted_as_before(tiny):
    text, spec = note(), get_spec(TASK)
    plain = {"id": "p", "text": " ".join(SENTENCES[:3])}
    dense = {"id": "d", "text": text}

    def run(fill: bool) -> tuple[list, list[str]]:
        eng = engine(tiny, answer=None)
        eng.answer = lambda read: (
            filler(text, spec.max_items) if fill and read == text else mentions("dispnea")
        )
        return eng.predict([dense, plain]), eng.read

    (dense_cut, plain_cut), read = run(fill=True)
    (dense_whole, plain_whole), _ = run(fill=False)
    assert plain_cut == plain_whole  # the same Prediction, every field
    assert json.dumps(plain_cut.record) == json.dumps(plain_whole.record)
    assert "limits" not in dense_whole.record and dense_cut.record["limits"][0]["reread"] >= 2
    assert plain["text"] not in read[2:]  # the second pass reads the windows of the cut note only


def test_a_window_still_cut_on_the_second_reading_is_named(tiny):
    text, spec = note(), get_spec(TASK)
    eng = engine(tiny, answer=None)
    eng.answer = lambda read: filler(read, spec.max_items)  # every answer fills its list
    windows = reread_windows(eng, text)
    (pred,) = eng.predict([{"id": "r", "text": text}])
    n = len(windows)
    assert pred.record["truncated"] is True
    assert pred.record["limits"] == [
        {"limit": "items", "bound": 30, "part": "entities", "reread": n},
        *(
            {"limit": "items", "bound": 30, "part": "entities", "window": k, "windows": n}
            for k in range(1, n + 1)
        ),
    ]
    shown = reading.notices(None, pred.record, spans=True, relations=True)
    assert shown[0].endswith("; le relazioni tra frasi di finestre diverse non sono cercate")
    assert shown[1].startswith(f"La risposta ha raggiunto il limite di 30 menzioni nella finestra 1 di {n}")


def test_a_note_of_one_sentence_is_not_read_again(tiny):
    spec = get_spec(TASK)
    eng = engine(tiny, answer=lambda read: filler(read, spec.max_items))
    (pred,) = eng.predict([{"id": "r", "text": SENTENCES[0]}])
    assert len(eng.read) == 1
    assert pred.record["limits"] == [{"limit": "items", "bound": 30, "part": "entities"}]


def test_the_tiny_model_cut_at_its_token_limit_reads_the_note_again_in_one_batch(tiny):
    """Real constrained decoding: a whole answer cut at the token limit (2 tokens) makes a second pass whose
    windows are decoded together, each window's cut named."""
    spec = get_spec(TASK).model_copy(update={"max_new_tokens": 2})
    text = note()
    eng = Engine(tiny, spec, parse_strategy("cd", spec), max_input_tokens=4096)
    batches = []
    generate = eng.generate

    def recorded(prompts, sources, on_text):
        gens = generate(prompts, sources, on_text)
        batches.append((sources, gens))
        return gens

    eng.generate = recorded
    (pred,) = eng.predict([{"id": "r", "text": text}])
    windows = reread_windows(eng, text)
    assert (
        [b[0] for b in batches][0] == [text]
        and len(batches) == 2
        and sorted(batches[1][0]) == sorted(windows)
    )
    n = len(windows)
    limits = pred.record["limits"]
    assert limits[0] == {"limit": "tokens", "bound": 2, "part": "output", "reread": n}
    assert [x["window"] for x in limits[1:]] == list(range(1, n + 1))
    assert all(x["limit"] == "tokens" for x in limits[1:]) and pred.record["truncated"] is True
    gens = [g for _, batch in batches for g in batch]  # both passes counted
    assert pred.output_tokens == sum(g.output_tokens for g in gens)
    assert pred.prompt_tokens == sum(g.prompt_tokens for g in gens)
