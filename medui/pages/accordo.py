"""Accordo: how far a task's annotators agree (pairwise strict and lenient F1 and Krippendorff's unitizing alpha
per label, or kappa), a stored run beside them as one more annotator; and, for curators and researchers, the
documents they disagree on: the versions side by side, one taken as it is or merged piece by piece, saved as the
record in force."""

from __future__ import annotations

import html

import gradio as gr

from medui.backend import service
from medui.backend.service.auth import ROLE_NAMES_IT
from medui.pages import assigning, common, importing
from medui.pages.common import guarded, user_of
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec

FIGURES = {"strict_f1": "F1 stretta", "lenient_f1": "F1 lasca", "unitizing_alpha": "alfa u di Krippendorff",
           "relation_f1": "F1 relazioni",
           "kappa": "kappa", "agreement": "accordo osservato", "token_f1": "F1 token"}  # fmt: skip
PENDING_HEADERS = ["documento", "record", "split", "annotatori", "già aggiudicato", "anteprima"]
MERGE = "unisci"
READ_ONLY = (
    "Aggiudicare i disaccordi, e vedere le versioni degli altri annotatori, spetta a curatori e ricercatori "
    "(tu sei {role}): qui vedi l'accordo in sola lettura."
)


# the agreement ----------------------------------------------------------------------------------------------
def _who(name: str) -> str:
    return f"modello #{name.removeprefix('run:')}" if name.startswith("run:") else name


def _label_rows(pair: dict) -> list[tuple[str, dict]]:
    """A pair's figures per label (re: per relation label, then per entity label) or per form item."""
    if "entity_per_label" in pair:
        rows = [(f"relazione {k}", {"relation_f1": v["f1"]}) for k, v in pair["per_label"].items()]
        return rows + list(pair["entity_per_label"].items())
    return list((pair.get("per_label") or pair.get("per_item") or {}).items())


def _pair_entries(pair: dict) -> list[tuple]:
    name = f"{_who(pair['a'])} ~ {pair['b']}"
    per_label = [(name, k, row.get("documents", pair["documents"]), row) for k, row in _label_rows(pair)]
    return [(name, "tutte", pair["documents"], pair), *per_label]


def agreement_table(report: dict) -> tuple[list[str], list[list]]:
    """Headers and rows: each pair overall then per label, the mean of the human pairs, the model's pairs, each
    annotator against the predictions they corrected; figures rounded, with the documents behind each."""
    models = [p for p in report["pairs"] if p["a"].startswith("run:")]
    entries = [e for p in report["pairs"] if p not in models for e in _pair_entries(p)]
    if report["mean_pairwise"]:
        mean = report["mean_pairwise"]
        pairs = f"{mean['pairs']} {'coppia' if mean['pairs'] == 1 else 'coppie'}"
        entries.append((f"media tra annotatori ({pairs})", "tutte", report["documents"], mean))
    entries += [e for p in models for e in _pair_entries(p)]
    entries += [
        (
            f"{r['annotator']} ~ predizioni del modello (prima delle sue correzioni)",
            "tutte",
            r["documents"],
            r,
        )
        for r in report["vs_model"]
    ]
    keys = [k for k in FIGURES if any(_has(e[3], k) for e in entries)]
    rows = [[who, label, n, *(_cell(figures, k) for k in keys)] for who, label, n, figures in entries]
    return ["coppia", "etichetta", "documenti", *(FIGURES[k] for k in keys)], rows


def _round(value) -> float | None:
    return round(float(value), 3) if isinstance(value, int | float) else None


def _has(figures: dict, key: str) -> bool:
    """Whether a row has the figure: a number, or None where it is undefined."""
    return key in figures and (figures[key] is None or isinstance(figures[key], int | float))


def _cell(figures: dict, key: str) -> float | str | None:
    """A figure rounded; "n/d" when the row has it but it is undefined (e.g. alpha without any span), empty
    when the row has no such figure."""
    return "n/d" if key in figures and figures[key] is None else _round(figures.get(key))


BLIND = (
    " Le versioni dei colleghi contano solo nei documenti già aggiudicati: prima resterebbero sotto i tuoi "
    "occhi mentre annoti (annotazione in doppio cieco)."
)


def agreement_summary(report: dict) -> str:
    """The agreement in a sentence (documents, kappa); for an annotator, why colleagues' versions are missing."""
    blind = BLIND if report.get("blind") else ""
    if not report["pairs"] and not report["vs_model"]:
        return "Nessun documento di questo compito ha le versioni di due annotatori." + blind
    n = report["documents"]
    text = f"{n} {'documento' if n == 1 else 'documenti'} con almeno due versioni di annotatori."
    kappa = report.get("kappa")
    if kappa and kappa.get("value") is not None:
        method = "di Cohen" if kappa["method"] == "cohen" else "di Fleiss"
        names = ", ".join(common.md_escape(n) for n in kappa["annotators"])
        text += f" Kappa {method} su {names}: **{kappa['value']:.3f}** ({kappa['documents']} documenti)."
    return text + blind


# the versions of one document ---------------------------------------------------------------------------------
def _marked_text(text: str, pieces: list[dict], name: str) -> str:
    """The text with one annotator's mentions: agreed ones green, the others red (escaped)."""
    spans = [p for p in pieces if p["part"] == "menzione" and name in p["by"]]
    entities = [{**p["value"], "status": "accordo" if p["agreed"] else "disaccordo"} for p in spans]
    return common.marked_html(text, entities)


def versions_html(shown: dict) -> str:
    """The versions side by side, one column an annotator: the marked text (span families) and the pieces."""
    spec = get_spec(shown["task"])
    spans = "spans" in kind_for(spec).views(spec)
    top = "" if spans else f'<div class="medui-marked">{html.escape(shown["text"])}</div>'
    columns = []
    for name, version in shown["versions"].items():
        mine = [p for p in shown["pieces"] if name in p["by"] and (not spans or p["part"] != "menzione")]
        items = "".join(
            f'<li class="{"medui-agree" if p["agreed"] else "medui-diff"}">{html.escape(p["part"])} '
            f"<b>{html.escape(p['what'])}</b>: {html.escape(p['shown'])}</li>"
            for p in mine
        )
        body = (_marked_text(shown["text"], shown["pieces"], name) if spans else "") + f"<ul>{items}</ul>"
        head = f"{html.escape(name)} <small>(versione #{version['id']}, {html.escape(version['created_at'])})</small>"
        columns.append(f'<div class="medui-version"><h4>{head}</h4>{body}</div>')
    return f'{top}<div class="medui-versions">{"".join(columns)}</div>'


def piece_choices(pieces: list[dict]) -> list[tuple[str, str]]:
    """(label, key) of every piece for the merge: = when every annotator has it, ≠ with who does otherwise."""
    return [
        (f"{'=' if p['agreed'] else '≠'} {p['part']} {p['what']}: {p['shown']}"
         f" ({'tutti' if p['agreed'] else ', '.join(p['by'])})", p["key"])
        for p in pieces
    ]  # fmt: skip


def document_view(shown: dict) -> tuple:
    """The state, about line, side by side view, take/merge choice and merge pieces of an opened document, an
    empty note (a note belongs to one adjudication) and no outcome yet."""
    names = list(shown["versions"])
    current = shown["adjudication"]
    in_force = (
        f"in vigore: aggiudicazione #{current['id']} di {common.md_escape(current['curator'])}"
        if current else "nessuna aggiudicazione: non ha un record in vigore"
    )  # fmt: skip
    about = (
        f"**Documento {shown['document_id']}** · record {common.md_escape(shown['record_id'])} · split "
        f"{common.md_escape(shown['split'])} · {'concordano' if shown['agree'] else 'in disaccordo'} · {in_force}"
    )
    takes = [(f"prendi la versione di {n}", f"take:{n}") for n in names]
    choices = [*takes, ("unisci i pezzi scelti", MERGE)]
    agreed = [p["key"] for p in shown["pieces"] if p["agreed"]]
    keep = gr.update(choices=piece_choices(shown["pieces"]), value=agreed)
    return shown, about, versions_html(shown), gr.update(choices=choices, value=MERGE), keep, "", ""


def pending_rows(task_id: str, split: str, user: str | None) -> list[list]:
    return [
        [r["document_id"], r["record_id"], r["split"], ", ".join(r["annotators"]),
         f"#{r['adjudicated']}" if r["adjudicated"] else "", r["preview"]]
        for r in service.pending_documents(task_id, split, user)
    ]  # fmt: skip


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header(
        "Accordo", "Quanto concordano gli annotatori; il curatore aggiudica i documenti in disaccordo."
    )
    with gr.Row():
        task = common.task_dropdown(scale=3)
        split = gr.Dropdown(label="Split", choices=[("tutti", "")], value="", scale=1)
        names = gr.Dropdown(label="Annotatori (vuoto: tutti)", choices=[], multiselect=True, scale=2)
        run = gr.Dropdown(label="Valutazione come annotatore", choices=[("nessuna", "")], value="", scale=2)
    compute = gr.Button("Calcola accordo", variant="primary", elem_id="accordo-calcola")
    summary = gr.Markdown(elem_id="accordo-sintesi")
    table = gr.Dataframe(label="Accordo a coppie", interactive=False, elem_id="accordo-tabella")
    gr.Markdown("### Aggiudicazione")
    role = gr.Markdown(elem_id="accordo-ruolo")
    with gr.Column(visible=False) as curating:
        with gr.Row():
            pending = gr.Dataframe(
                headers=PENDING_HEADERS, label="Documenti in disaccordo (clic per aprirne uno)",
                interactive=False, elem_id="accordo-in-sospeso", scale=5,
            )  # fmt: skip
            refresh = gr.Button("Aggiorna elenco", scale=1)
        with gr.Row():
            pick = gr.Number(
                label="Documento", value=None, minimum=1, precision=0, scale=1, elem_id="accordo-documento"
            )
            open_button = gr.Button("Apri", scale=1, elem_id="accordo-apri")
        about = gr.Markdown(elem_id="accordo-info")
        side_by_side = gr.HTML(elem_id="accordo-versioni")
        how = gr.Radio(label="Record finale", choices=[], elem_id="accordo-scelta")
        keep = gr.CheckboxGroup(label="Pezzi da tenere (unisci)", choices=[], elem_id="accordo-pezzi")
        note = gr.Textbox(label="Nota (facoltativa)")
        save = gr.Button("Salva aggiudicazione", variant="primary", elem_id="accordo-salva")
        outcome = gr.Markdown(elem_id="accordo-esito")
        assigning.build(demo, task)
        importing.build(demo, task)
    shown = gr.State(None)

    def figures(task_id: str, split_name: str, chosen: list[str] | None, run_id, user: str | None) -> tuple:
        report = service.agreement_report(task_id, split_name, chosen or None, run_id or None, user)
        import pandas as pd

        headers, rows = agreement_table(report)
        return agreement_summary(report), pd.DataFrame(rows, columns=headers)

    @guarded
    def task_changed(task_id: str, request: gr.Request) -> tuple:
        """Filters, agreement over all annotators and, for a curator, the pending documents."""
        user = user_of(request)
        filters = service.team_filters(task_id, user)
        who = service.identity(user)
        curator = who.can("adjudicate")
        message = "" if curator else READ_ONLY.format(role=ROLE_NAMES_IT[who.role])
        return (
            gr.update(choices=[("tutti", ""), *((s, s) for s in filters["splits"])], value=""),
            gr.update(choices=filters["annotators"], value=[]),
            gr.update(choices=[("nessuna", ""), *filters["runs"]], value=""),
            *figures(task_id, "", None, None, user),
            message, gr.update(visible=curator), pending_rows(task_id, "", user) if curator else [],
        )  # fmt: skip

    loaded = [split, names, run, summary, table, role, curating, pending]

    @guarded
    def on_load(task_id: str, request: gr.Request) -> tuple:
        """The task the user chose last, with its filters and agreement."""
        opening = common.opening_task(task, task_id, request)
        return (opening, *task_changed(opening, request))

    demo.load(on_load, task, [task, *loaded], api_name="accordo_carica", queue=False)
    task.change(task_changed, task, loaded, api_name="accordo_compito", queue=False)
    common.remembers_task(task, "accordo")

    @guarded
    def recompute(task_id, split_name, chosen, run_id, request: gr.Request) -> tuple:
        """The agreement of the annotators chosen (all when none), on a split, with a run beside them."""
        return figures(task_id, split_name, chosen, run_id, user_of(request))

    filters_in = [task, split, names, run]
    compute.click(recompute, filters_in, [summary, table], api_name="accordo_calcola", queue=False)

    @guarded
    def list_pending(task_id: str, split_name: str, request: gr.Request) -> list[list]:
        """The documents whose annotators disagree, not yet adjudicated."""
        return pending_rows(task_id, split_name, user_of(request))

    refresh.click(list_pending, [task, split], pending, api_name="accordo_in_sospeso", queue=False)

    @guarded
    def open_document(document_id: float | None, request: gr.Request) -> tuple:
        """A document's versions side by side, with the pieces to merge."""
        if document_id is None:
            raise gr.Error("Scegli un documento dall'elenco o scrivi il suo numero.")
        return document_view(service.document_versions(int(document_id), user_of(request)))

    opened = [shown, about, side_by_side, how, keep, note, outcome]
    open_button.click(open_document, pick, opened, api_name="accordo_apri", queue=False)

    @guarded
    def pick_row(evt: gr.SelectData) -> int:
        return int(evt.row_value[0])

    pending.select(pick_row, None, pick, api_name="accordo_scegli", queue=False).then(
        open_document, pick, opened, api_name="accordo_apri_scelto", queue=False
    )

    @guarded
    def take_changed(document: dict | None, choice: str) -> dict:
        """Taking one annotator's version ticks exactly its pieces."""
        if not document or not choice or choice == MERGE:
            return gr.update()
        name = choice.removeprefix("take:")
        return gr.update(value=[p["key"] for p in document["pieces"] if name in p["by"]])

    how.input(take_changed, [shown, how], keep, api_name="accordo_prendi", queue=False)
    keep.input(lambda: MERGE, None, how, api_name="accordo_unisci", queue=False)

    @guarded
    def save_it(document, choice, kept, note_text, task_id, split_name, request: gr.Request) -> tuple:
        """Store the version taken, or the pieces kept, as the document's record in force."""
        service.allowed(user_of(request), "adjudicate")  # the role first, before what the tab holds
        if not document:
            raise gr.Error("Apri prima un documento da aggiudicare.")
        if not choice:
            raise gr.Error("Scegli quale versione prendere, o di unire i pezzi scelti.")
        user = user_of(request)
        take = None if choice == MERGE else choice.removeprefix("take:")
        seen = {name: v["id"] for name, v in document["versions"].items()}
        made = service.save_adjudication(
            document["document_id"], take, None if take else list(kept or []), user, note_text, seen
        )
        how_made = (
            f"la versione di {common.md_escape(made['taken_from'])}"
            if made["taken_from"]
            else "i pezzi scelti"
        )
        common.info(f"Aggiudicazione {made['id']} salvata.")
        view = document_view(service.document_versions(document["document_id"], user))
        done = f"Aggiudicazione #{made['id']} salvata da {common.md_escape(made['curator'])} con {how_made}: è il record in vigore."
        return (*view[:-1], done, pending_rows(task_id, split_name, user))

    save.click(
        save_it,
        [shown, how, keep, note, task, split],
        [*opened, pending],
        api_name="accordo_salva",
        queue=False,
    )

    def agreement(
        task_id: str,
        request: gr.Request,
        split: str = "",
        annotators: list[str] | None = None,
        run_id: int = 0,
    ) -> dict:
        """A task's agreement report (pairs, per label, kappa, mean, each annotator against the model)."""
        return service.agreement_report(task_id, split, annotators, run_id or None, user_of(request))

    def pending_adjudications(task_id: str, request: gr.Request, split: str = "") -> list[dict]:
        """The documents of a task whose annotators disagree and that no adjudication settled (curators)."""
        return service.pending_documents(task_id, split, user_of(request))

    def document_versions(document_id: int, request: gr.Request) -> dict:
        """A document's versions side by side and its pieces with who has each (curators)."""
        return service.document_versions(document_id, user_of(request))

    def adjudicate(
        document_id: int, request: gr.Request, take: str = "", keys: list[str] | None = None, note: str = ""
    ) -> dict:
        """Store a document's final record: one annotator's version (take) or the pieces kept (keys)."""
        return service.save_adjudication(document_id, take or None, keys, user_of(request), note or None)

    for fn in (agreement, pending_adjudications, document_versions, adjudicate):
        gr.api(guarded(fn), api_name=fn.__name__)
