"""What every page shares: the notice, error handling, the model picker, and rendering records for components.

Handlers are wrapped (`guarded`, `guarded_stream`): a user error becomes a gr.Error with its message, anything
else a short "errore interno" (logged with its traceback on the server), never a traceback in the page. Text
that comes from users or models is escaped wherever it goes into HTML (toasts render HTML) or into a
gr.Markdown value (`md_escape`).
"""

from __future__ import annotations

import functools
import html
import inspect
import logging
from collections.abc import Callable, Iterator

import gradio as gr

from medui.backend import service
from medui.backend.data.inputs import InputError
from medui.errors import MeduiError
from medui.tasks.records import format_value

log = logging.getLogger("medui.app")

USER_ERRORS = (MeduiError,)  # every user-facing error derives from MeduiError (medui/errors.py)
MODEL_QUEUE = "modello"  # the concurrency_id of every event that runs the model
PROVA_QUEUE = "prova"  # Prova reads uploaded documents (in a worker) before it waits for the model lock
PROVA_CONCURRENCY = 4
# a run's or a training job's status as the pages say it
STATUS_IT = {
    "queued": "in coda", "running": "in corso", "succeeded": "completato", "failed": "non riuscito",
    "cancelled": "annullato",
}  # fmt: skip
STUDY_COLUMNS_IT = {
    "model": "modello",
    "strategy": "strategia",
    "average": "media",
    "average_real": "media (dati reali)",
}


def status_it(status: str) -> str:
    """A status in Italian (an unknown one as it is)."""
    return STATUS_IT.get(status, status)


SCORE_HEADERS = [  # an adapter's before/after table (Addestra, Modelli)
    "compito", "record", "base cd", "base few-shot+cd", "modello di partenza", "adattatore cd",
    "adattatore - riferimento [IC 95%]",
]  # fmt: skip


def score_rows(scores: list[dict]) -> list[list]:
    """service.before_after's rows as the table shows them: the records scored, the base, the parent adapter it
    was trained from (when there is one), the adapter, and its paired difference with the reference."""
    return [
        [s["task"], s.get("n"), s.get("base cd"), s.get("base few-shot+cd"),
         next((v for k, v in s.items() if k.startswith("parent ")), None), s.get("adapter cd"), s.get("paired", "")]
        for s in scores
    ]  # fmt: skip


STATUS_COLORS = {"corretto": "#2e7d32", "falso positivo": "#c62828", "mancato": "#ef6c00"}
MARK_CLASSES = {
    "corretto": "tp",
    "falso positivo": "fp",
    "mancato": "fn",
    "accordo": "agree",
    "disaccordo": "diff",
}


def notice() -> gr.HTML:
    """The notice shown on every page: where the text of a run goes."""
    return gr.HTML(
        f'<div class="medui-notice" role="note">{html.escape(service.app_notice())}</div>',
        elem_id="medui-notice",
    )


def header(title: str, subtitle: str) -> None:
    """A page's title, subtitle and the notice."""
    gr.Markdown(f"## {title}\n{subtitle}")
    notice()


MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>:~")  # ':' too: no bare-URL autolink (http://, mailto:)


def md_escape(text: object) -> str:
    """User or model text shown literally in a gr.Markdown value: on one line, HTML escaped, every Markdown
    metacharacter backslashed, so no image, link, emphasis, heading or table cell can come out of it."""
    escaped = html.escape(" ".join(str(text).splitlines()), quote=False)
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in escaped)


def user_of(request: gr.Request | None) -> str | None:
    """The logged-in user's name (None when the app runs without accounts)."""
    return getattr(request, "username", None) or None


def message_of(exc: BaseException) -> str:
    """The one-line message of an error (its Italian text when it has one), escaped for the toast."""
    text = str(getattr(exc, "italian", None) or exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and text.startswith("'") and not isinstance(exc, MeduiError):
        text = text.strip("'")
    return html.escape(text.splitlines()[0], quote=False)


def _to_gradio(exc: BaseException) -> gr.Error:
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, USER_ERRORS):
        return gr.Error(message_of(exc), print_exception=False)
    log.exception("unexpected error in a page handler")
    return gr.Error(
        f"Errore interno ({html.escape(type(exc).__name__)}): vedi il log del server.", print_exception=False
    )


def guarded(fn: Callable) -> Callable:
    """A handler whose errors reach the page as one clear message (generators too)."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def stream(*args, **kwargs) -> Iterator:
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                raise _to_gradio(exc) from None

        return stream

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise _to_gradio(exc) from None

    return call


def for_role(action: str, refused: Callable[[], object]) -> Callable[[Callable], Callable]:
    """A guarded loader of a panel kept to the roles that may do `action` (Accordo's curators' panels): the
    handler runs for such a user and anyone else gets `refused()`, an empty panel. The handler takes the request
    as its parameter `request`; the server checks the role again on every action."""

    def wrap(load: Callable) -> Callable:
        signature = inspect.signature(load)

        @guarded
        @functools.wraps(load)
        def loader(*args, **kwargs):
            request = signature.bind(*args, **kwargs).arguments.get("request")
            if not service.identity(user_of(request)).can(action):
                return refused()
            return load(*args, **kwargs)

        return loader

    return wrap


def warn(text: str) -> None:
    gr.Warning(html.escape(text))


def info(text: str) -> None:
    gr.Info(html.escape(text))


# pickers --------------------------------------------------------------------------------------------------
DEFAULT_TASK = (
    "e3c_clinical_entities"  # what a page that picks a task opens on (not the first in the alphabet)
)


def task_dropdown(label: str = "Compito", families: tuple[str, ...] | None = None, **kw) -> gr.Dropdown:
    choices = service.task_choices(families)
    ids = [value for _, value in choices]
    value = DEFAULT_TASK if DEFAULT_TASK in ids else (ids[0] if ids else None)
    return gr.Dropdown(choices=choices, value=value, label=label, **kw)


def remembers_task(dropdown: gr.Dropdown, page: str) -> None:
    """Store the task the user picks in a page's task dropdown: every page that picks a task opens on it."""

    @guarded
    def chosen(task_id: str, request: gr.Request) -> None:
        service.remember_task(task_id, user_of(request))

    dropdown.input(chosen, dropdown, None, api_name=f"{page}_scegli_compito", queue=False)


def opening_task(dropdown: gr.Dropdown, shown: str | None, request: gr.Request | None) -> str | None:
    """The task a page's dropdown opens on: the user's last choice when it offers it, else the one it shows."""
    offered = [value for _, value in dropdown.choices]
    return service.opening_task(offered, shown, user_of(request))


def model_picker(label: str = "Modello") -> tuple[gr.Dropdown, gr.Textbox]:
    """A dropdown of the known variants and a free field for a model folder (it wins when filled in)."""
    with gr.Row():
        choice = gr.Dropdown(
            choices=[service.default_model()],
            value=service.default_model(),
            label=label,
            scale=2,
            allow_custom_value=True,
        )
        path = gr.Textbox(label="oppure cartella del modello", placeholder="/percorso/al/modello", scale=2)
    return choice, path


def strategy_dropdown(**kw) -> gr.Dropdown:
    """The strategy picker, on the default model's own strategy (cd for the fine-tuned Gemma)."""
    value = service.model_strategy(service.default_model())
    return gr.Dropdown(service.strategy_choices(), value=value, label="Strategia", **kw)


def follow_model(model: gr.Dropdown, strategy: gr.Dropdown) -> None:
    """Choosing another model moves the strategy to that model's own; the user can still pick any."""
    model.change(guarded(service.model_strategy), model, strategy, api_name=False, queue=False)


def refresh_models() -> dict:
    """An update of a model dropdown with the current variants, by name: a filterable dropdown highlights the
    first choice that holds the typed text and Enter picks it, so a name comes before the longer names that
    start with it (typing gemma-3-270m and Enter gives gemma-3-270m, not gemma-3-270m-ft)."""
    return gr.update(choices=sorted(service.model_choices()))


def busy() -> dict:
    """A button switched off while what it started runs (no second click, no second run)."""
    return gr.update(interactive=False)


def idle() -> dict:
    """The button back on."""
    return gr.update(interactive=True)


# rendering ------------------------------------------------------------------------------------------------
def non_overlapping(entities: list[dict]) -> tuple[list[dict], list[dict]]:
    """Entities that can be shown together (longest first at each start) and those hidden by an overlap."""
    shown, hidden, end = [], [], -1
    for ent in sorted(entities, key=lambda e: (e["start"], -e["end"])):
        (shown if ent["start"] >= end else hidden).append(ent)
        end = max(end, ent["end"]) if ent["start"] >= end else end
    return shown, hidden


def highlight_value(text: str, entities: list[dict], label_of: Callable[[dict], str] | None = None) -> dict:
    """A gr.HighlightedText value: the text with its (non-overlapping) entities."""
    shown, _ = non_overlapping(entities)
    label_of = label_of or (lambda e: e["label"])
    return {
        "text": text,
        "entities": [{"entity": label_of(e), "start": e["start"], "end": e["end"]} for e in shown],
    }


def spans_from_highlight(text: str, value: list | None) -> list[dict]:
    """Entities (offsets, label, text) from an edited gr.HighlightedText value: (substring, label) pieces."""
    entities, pos = [], 0
    for piece in value or []:
        token, label = (
            (piece.get("token"), piece.get("class_or_confidence")) if isinstance(piece, dict) else piece
        )
        token = token or ""
        found = text.find(token, pos) if token else pos
        start = pos if text.startswith(token, pos) else found
        if start < 0:
            raise InputError(
                f"il testo evidenziato non corrisponde più al documento (vicino a {token[:30]!r})"
            )
        end = start + len(token)
        if label not in (None, "") and token.strip():
            lead, trail = len(token) - len(token.lstrip()), len(token) - len(token.rstrip())
            s, e = start + lead, end - trail
            entities.append({"start": s, "end": e, "label": str(label).strip(), "text": text[s:e]})
        pos = end
    return entities


def entity_rows(entities: list[dict]) -> list[list]:
    """Rows id, start, end, label, text of entities."""
    return [[e.get("id", ""), e["start"], e["end"], e["label"], e.get("text", "")] for e in entities]


def relation_rows(record: dict) -> list[list]:
    """Rows head, label, tail (each entity as 'T1: text') of a record's relations."""
    names = {e.get("id"): f"{e.get('id')}: {e.get('text', '')}" for e in record.get("entities", [])}
    return [
        [names.get(r["head"], r["head"]), r["label"], names.get(r["tail"], r["tail"])]
        for r in record.get("relations", [])
    ]


def form_rows(fields: dict) -> list[list]:
    """Rows item, value of a filled form (lists joined by ' | ', nothing as an empty cell)."""
    return [[name, format_value(value)] for name, value in (fields or {}).items()]


def answer_text(record: dict) -> str:
    """A QA prediction as a line: the letter and its option, or the extracted answer."""
    answer = record.get("answer")
    if answer is None:
        return "(nessuna risposta valida)"
    option = (record.get("options") or {}).get(answer)
    return f"{answer}) {option}" if option else str(answer)


def span_status(gold: list[dict], pred: list[dict]) -> tuple[list[dict], list[dict]]:
    """Gold entities marked corretto/mancato and predicted ones corretto/falso positivo (exact match)."""
    key = lambda e: (e["start"], e["end"], e["label"])  # noqa: E731
    gold_keys, pred_keys = {key(e) for e in gold}, {key(e) for e in pred}
    marked_gold = [{**e, "status": "corretto" if key(e) in pred_keys else "mancato"} for e in gold]
    marked_pred = [{**e, "status": "corretto" if key(e) in gold_keys else "falso positivo"} for e in pred]
    return marked_gold, marked_pred


def marked_div(text: str, shown: list[dict], style: Callable[[dict], tuple[str, str, str]]) -> str:
    """The text in a medui-marked div, each of `shown` (non-overlapping, in text order) in a <mark> with the
    class, tooltip and tag that `style` gives it (escaped HTML)."""
    parts, pos = [], 0
    for e in shown:
        cls, title, tag = style(e)
        parts.append(html.escape(text[pos : e["start"]]))
        parts.append(
            f'<mark class="{html.escape(cls)}" title="{html.escape(title)}">{html.escape(text[e["start"] : e["end"]])}'
            f'<span class="medui-tag">{html.escape(tag)}</span></mark>'
        )
        pos = e["end"]
    parts.append(html.escape(text[pos:]))
    return f'<div class="medui-marked">{"".join(parts)}</div>'


def marked_html(text: str, entities: list[dict]) -> str:
    """Text with entities coloured by status (MARK_CLASSES; escaped HTML); overlapping ones are listed under it."""
    shown, hidden = non_overlapping(entities)
    marked = marked_div(
        text, shown, lambda e: (f"medui-{MARK_CLASSES[e['status']]}", e["status"], e["label"])
    )
    extra = "".join(
        f"<li>{html.escape(e['status'])}: {html.escape(e['label'])} «{html.escape(text[e['start'] : e['end']])}»</li>"
        for e in hidden
    )
    more = f'<ul class="medui-hidden">{extra}</ul>' if extra else ""
    return f"{marked}{more}"


def legend_html() -> str:
    items = "".join(
        f'<span class="medui-legend-item"><mark class="medui-{c}">{html.escape(n)}</mark></span>'
        for n, c in (("corretto", "tp"), ("falso positivo", "fp"), ("mancato", "fn"))
    )
    return f'<div class="medui-legend">{items}</div>'


def progress_html(done: float | None, total: float | None, label: str = "") -> str:
    """A progress bar (escaped label)."""
    value = 0.0 if not total else max(0.0, min(1.0, (done or 0) / total))
    text = html.escape(label or f"{100 * value:.0f}%")
    return f'<div class="medui-progress"><progress max="1" value="{value:.3f}"></progress> <span>{text}</span></div>'
