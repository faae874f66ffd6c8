"""Correggi's relation editor: links chosen by the text of their mentions, never by typed ids.

The links being edited are rows (head id, label, tail id) kept in a gr.State, the form the gold record is built
from (`relations_from_rows`). The page shows them by text: a table ("«4,5 mg/dl» (RML, car. 120)"), the text
with each link's number on its head and tail, and three dropdowns (head, relation label, tail) to add one.

Mention ids stay as they are while editing (mention_ids.py): a new mention takes a new id, a removed one drops
its links (`drop_links`, each named in a note), so a link never moves to another mention behind the annotator.
"""

from __future__ import annotations

import html

import gradio as gr

from medui.pages import common
from medui.pages.common import guarded
from medui.tasks.kinds import kind_for
from medui.tasks.kinds.re import relations_from_rows
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

SHOWN_CHARS = 40  # a mention's text in a choice, at most
TABLE_HEADERS = ["n.", "testa", "relazione", "coda", "togli"]
REMOVE_MARK = "✕"


def _order(entity: dict) -> tuple:
    return entity["start"], entity["end"], entity["label"]


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def mention_name(entity: dict) -> str:
    """A mention as a choice reads: its text, label and first character ('"4,5 mg/dl" (RML, car. 120)'), the
    position telling repeated words apart (the start offset, as the table of mentions shows it)."""
    return f'"{_short(entity.get("text", ""))}" ({entity["label"]}, car. {entity["start"]})'


def span_choices(entities: list[dict], labels: list[str] | None = None) -> list[tuple[str, str]]:
    """The mentions a head or a tail is chosen from, in text order: (its name, its id); only those with one of
    `labels` when given (the task's relation_heads or relation_tails)."""
    return [
        (mention_name(e), e["id"])
        for e in sorted(entities, key=_order)
        if e.get("id") and (not labels or e["label"] in labels)
    ]


def link_name(by_id: dict[str, dict], row: list) -> str:
    """A link as the notes name it: «head» → «tail» (LABEL)."""
    head, label, tail = row
    name = lambda i: _short(by_id[i].get("text", "")) if i in by_id else str(i)  # noqa: E731
    return f"«{name(head)}» → «{name(tail)}» ({label})"


def drop_links(previous: list[dict], entities: list[dict], rows: list[list]) -> tuple[list[list], list[str]]:
    """The links whose head and tail are both still mentions, and the others named («head» → «tail» (LABEL),
    by the mentions they had): the links of a removed mention go with it."""
    ids = {e["id"] for e in entities}
    before = {e.get("id"): e for e in previous}
    kept, dropped = [], []
    for rel in relations_from_rows(rows):
        row = [rel["head"], rel["label"], rel["tail"]]
        (kept if rel["head"] in ids and rel["tail"] in ids else dropped).append(row)
    return kept, [link_name(before, row) for row in dropped]


def dropped_note(dropped: list[str], back: list[str] | None = None) -> str:
    """The note beside the relations when a removed mention took links with it (and how to keep them when it
    was a boundary being fixed), or when a mention selected again brought links `back`."""
    said = []
    if back:
        head = "1 relazione riportata" if len(back) == 1 else f"{len(back)} relazioni riportate"
        said.append(f"{head} sulla menzione corretta: {'; '.join(common.md_escape(b) for b in back)}")
    if dropped:
        head = "1 relazione tolta" if len(dropped) == 1 else f"{len(dropped)} relazioni tolte"
        names = "; ".join(common.md_escape(d) for d in dropped)
        said.append(
            f"⚠ {head} con la menzione rimossa: {names}. Se stai correggendo un confine, seleziona ora il testo "
            "giusto: la nuova menzione riprende id e relazioni."
        )
    return "\n\n".join(said)


def relation_table(entities: list[dict], rows: list[list]) -> list[list]:
    """The rows the table shows: number, head and tail by their text, label, and the mark that removes it."""
    by_id = {e["id"]: e for e in entities}
    name = lambda i: mention_name(by_id[i]) if i in by_id else str(i)  # noqa: E731
    return [
        [n, name(r["head"]), r["label"], name(r["tail"]), REMOVE_MARK]
        for n, r in enumerate(relations_from_rows(rows), start=1)
    ]


def links_html(text: str, entities: list[dict], rows: list[list]) -> str:
    """The text with the mentions of every link marked: its head with "n→", its tail with "→n" (n: the link's
    number in the table), each mark's tooltip naming the links; linked mentions hidden by an overlap listed."""
    by_id = {e["id"]: e for e in entities}
    tags: dict[str, list[str]] = {}
    titles: dict[str, list[str]] = {}
    for n, rel in enumerate(relations_from_rows(rows), start=1):
        row = [rel["head"], rel["label"], rel["tail"]]
        for end, tag in ((rel["head"], f"{n}→"), (rel["tail"], f"→{n}")):
            if end in by_id:
                tags.setdefault(end, []).append(tag)
                titles.setdefault(end, []).append(f"{n}. {link_name(by_id, row)}")
    if not tags:
        return '<div class="medui-hidden">Nessuna relazione: scegli testa, relazione e coda qui sotto.</div>'
    shown, hidden = common.non_overlapping([by_id[i] for i in tags])
    style = lambda e: ("medui-link", "; ".join(titles[e["id"]]), f"{e['label']} {', '.join(tags[e['id']])}")  # noqa: E731
    marked = common.marked_div(text, shown, style)
    extra = "".join(
        f"<li>{html.escape(e['label'])} «{html.escape(e.get('text', ''))}»: {html.escape(', '.join(tags[e['id']]))}</li>"
        for e in hidden
    )
    more = f'<ul class="medui-hidden">{extra}</ul>' if extra else ""
    legend = '<div class="medui-hidden">Relazioni sul testo: n→ è la testa della relazione n, →n la sua coda.</div>'
    return f"{legend}{marked}{more}"


def added(
    spec: TaskSpec,
    entities: list[dict],
    rows: list[list],
    head: str | None,
    label: str | None,
    tail: str | None,
) -> tuple[list[list], str]:
    """The rows with the link head -label-> tail added, and a note: why nothing was added (a choice missing, a
    mention no longer there, the same mention twice, a label outside the task, a link already there), else
    what was."""
    rows = [[r["head"], r["label"], r["tail"]] for r in relations_from_rows(rows)]
    by_id = {e["id"]: e for e in entities}
    if not (head and label and tail):
        return rows, "Scegli la testa, la relazione e la coda, poi premi «Aggiungi relazione»."
    if label not in spec.relation_labels:
        return (
            rows,
            f"«{label}» non è una relazione del compito: scegli tra {', '.join(spec.relation_labels)}.",
        )
    if head not in by_id or tail not in by_id:
        return rows, "La menzione scelta non c'è più (è stata tolta): scegline un'altra."
    if head == tail:
        return rows, "Testa e coda sono la stessa menzione: scegline due diverse."
    row = [head, label, tail]
    if row in rows:
        return rows, f"La relazione {link_name(by_id, row)} c'è già (n. {rows.index(row) + 1})."
    return [*rows, row], f"Aggiunta la relazione n. {len(rows) + 1}: {link_name(by_id, row)}."


def removed(entities: list[dict], rows: list[list], chosen: list | None) -> tuple[list[list], str]:
    """The rows without the chosen link (head, label, tail), and a note saying which one went."""
    rows = [[r["head"], r["label"], r["tail"]] for r in relations_from_rows(rows)]
    if not chosen or list(chosen) not in rows:
        return rows, "Scegli prima la relazione da togliere: clic sulla sua riga nella tabella."
    by_id = {e["id"]: e for e in entities}
    rows.remove(list(chosen))
    return rows, f"Tolta la relazione {link_name(by_id, list(chosen))}."


class RelationEditor:
    """The relation editor's components (in a column shown for relation tasks) and its state: the links as rows
    of ids, and the row chosen in the table. Built inside Correggi's editors; `wire` adds its events."""

    def __init__(self) -> None:
        with gr.Column(visible=False, elem_id="correggi-relazioni-editor") as self.box:
            self.links = gr.HTML(label="Relazioni sul testo", elem_id="correggi-collegamenti")
            self.table = gr.Dataframe(
                headers=TABLE_HEADERS,
                label=f"Relazioni (clic su una riga per sceglierla, su {REMOVE_MARK} per toglierla)",
                interactive=False,
                elem_id="correggi-relazioni",
                type="array",
            )
            with gr.Row():
                self.head = gr.Dropdown(
                    label="Testa", choices=[], elem_id="correggi-relazione-testa", scale=3
                )
                self.label = gr.Dropdown(
                    label="Relazione", choices=[], elem_id="correggi-relazione-etichetta", scale=2
                )
                self.tail = gr.Dropdown(label="Coda", choices=[], elem_id="correggi-relazione-coda", scale=3)
            with gr.Row():
                self.add = gr.Button("+ Aggiungi relazione", elem_id="correggi-aggiungi-relazione")
                self.remove = gr.Button("Rimuovi relazione", elem_id="correggi-rimuovi-relazione")
            self.note = gr.Markdown(elem_id="correggi-relazioni-nota")
        self.rows = gr.State([])
        self.chosen = gr.State(None)
        self.parked = gr.State([])  # the mentions the last span edit took away, with their links (taken_away)

    def outputs(self) -> list:
        """The components `values` fills, in its order."""
        return [self.box, self.rows, self.table, self.links, self.head, self.label, self.tail, self.chosen, self.note, self.parked]  # fmt: skip

    def shown_outputs(self) -> list:
        """The components `shown` fills, in its order."""
        return [self.rows, self.table, self.links, self.head, self.tail]

    def wire(self, item: gr.State, current: gr.State) -> None:
        """Add, choose and remove links (item: the queue item being corrected; current: its mentions)."""
        _wire(self, item, current)


def shown(spec: TaskSpec, text: str, entities: list[dict], rows: list[list]) -> tuple:
    """The values of `RelationEditor.shown_outputs` for these mentions and links (the dropdowns' choices; a
    chosen mention that went stays chosen, and adding with it then says so)."""
    return (
        rows,
        relation_table(entities, rows),
        links_html(text, entities, rows),
        gr.update(choices=span_choices(entities, spec.relation_heads)),
        gr.update(choices=span_choices(entities, spec.relation_tails)),
    )


def values(
    spec: TaskSpec | None, text: str = "", entities: list[dict] | None = None, relations=None
) -> tuple:
    """The values of `RelationEditor.outputs` for a record's mentions and relations (gold dicts) on a relation
    task; hidden and empty otherwise (spec None: nothing opened). A task with one relation label has it chosen."""
    if spec is None or not kind_for(spec).relations:
        cleared = gr.update(choices=[], value=None)
        return gr.update(visible=False), [], [], "", cleared, cleared, cleared, None, "", []
    entities = entities or []
    rows = [[r["head"], r["label"], r["tail"]] for r in relations or []]
    labels = list(spec.relation_labels)
    return (
        gr.update(visible=True),
        rows,
        relation_table(entities, rows),
        links_html(text, entities, rows),
        gr.update(choices=span_choices(entities, spec.relation_heads), value=None),
        gr.update(choices=labels, value=labels[0] if len(labels) == 1 else None),
        gr.update(choices=span_choices(entities, spec.relation_tails), value=None),
        None,
        "",
        [],
    )


def _wire(editor: RelationEditor, item: gr.State, current: gr.State) -> None:
    def spec_text(it: dict) -> tuple[TaskSpec, str]:
        return get_spec(it["task"]), it["text"]

    @guarded
    def add(it: dict | None, entities: list[dict], rows: list[list], head, label, tail) -> tuple:
        """Add the link chosen in the dropdowns (or say why not)."""
        if not it:
            raise gr.Error("Apri prima una predizione da correggere.")
        spec, text = spec_text(it)
        rows, note = added(spec, entities, rows, head, label, tail)
        return (*shown(spec, text, entities, rows), common.md_escape(note))

    @guarded
    def remove(it: dict | None, entities: list[dict], rows: list[list], chosen: list | None) -> tuple:
        """Remove the link chosen in the table."""
        if not it:
            raise gr.Error("Apri prima una predizione da correggere.")
        spec, text = spec_text(it)
        rows, note = removed(entities, rows, chosen)
        return (*shown(spec, text, entities, rows), None, common.md_escape(note))

    @guarded
    def choose(it: dict | None, entities: list[dict], rows: list[list], evt: gr.SelectData) -> tuple:
        """A click on a row chooses its link (its head, label and tail in the dropdowns); on ✕ removes it."""
        keep = (gr.update(),) * 8
        listed = [[r["head"], r["label"], r["tail"]] for r in relations_from_rows(rows)]
        row, col = (evt.index if isinstance(evt.index, list | tuple) else (evt.index, 0))[:2]
        if not it or not isinstance(row, int) or not 0 <= row < len(listed):
            return keep
        spec, text = spec_text(it)
        if col == len(TABLE_HEADERS) - 1:
            rows, note = removed(entities, listed, listed[row])
            return (*shown(spec, text, entities, rows), gr.update(), None, common.md_escape(note))
        head, label, tail = listed[row]
        by_id = {e["id"]: e for e in entities}
        note = f"Scelta la relazione n. {row + 1}: {link_name(by_id, listed[row])}. «Rimuovi relazione» la toglie."
        picked = (gr.update(value=head), gr.update(value=tail), gr.update(value=label))
        return (*(gr.update(),) * 3, *picked, listed[row], common.md_escape(note))

    ins = [item, current, editor.rows]
    shown_out = editor.shown_outputs()
    editor.add.click(
        add, [*ins, editor.head, editor.label, editor.tail], [*shown_out, editor.note],
        api_name="correggi_aggiungi_relazione", queue=False,
    )  # fmt: skip
    editor.remove.click(
        remove, [*ins, editor.chosen], [*shown_out, editor.chosen, editor.note],
        api_name="correggi_rimuovi_relazione", queue=False,
    )  # fmt: skip
    editor.table.select(
        choose, ins, [*shown_out, editor.label, editor.chosen, editor.note],
        api_name="correggi_scegli_relazione", queue=False,
    )  # fmt: skip
