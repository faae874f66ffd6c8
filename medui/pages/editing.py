"""The correction page's editors: records rebuilt from the edited spans, relation and form tables, answers.

Kept apart from correggi.py (the layout and its events) to keep both short. What a task's editors hold and the
record built back from them is its kind's (`Kind.editors`, `Kind.record_from_editors`); this module wires them.
"""

from __future__ import annotations

import html
import json

import gradio as gr

from medui.backend import service
from medui.backend.store.corrections import StaleCorrection
from medui.pages import common
from medui.pages.common import guarded, user_of
from medui.tasks.kinds import EditorValues, kind_for
from medui.tasks.kinds.re import relations_from_rows
from medui.tasks.records import numbered
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec

MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>"


def escape_md(text: str) -> str:
    """Text safe inside Markdown: HTML escaped, Markdown punctuation backslashed."""
    escaped = html.escape(str(text))
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in escaped)


def labels_hint(spec: TaskSpec) -> str:
    """The labels (and relation labels) a correction may use."""
    if not kind_for(spec).spans:
        return ""
    text = "Etichette: " + ", ".join(f"**{escape_md(label)}**" for label in spec.labels)
    if spec.relation_labels:
        text += " · relazioni: " + ", ".join(f"**{escape_md(label)}**" for label in spec.relation_labels)
    return text


def record_from_editors(
    item: dict,
    current: list[dict],
    form_rows: list[list],
    choice: str | None,
    answer: str,
    relations: list[list],
) -> dict:
    """The corrected record in the gold format, from the editors' values."""
    spec = get_spec(item["task"])
    values = EditorValues(current, form_rows, choice, answer, relations)
    return kind_for(spec).record_from_editors(spec, item["record_id"], values)


def remap_relations(old: list[dict], new: list[dict], rows: list[list]) -> tuple[list[list], int]:
    """Relation rows re-pointed at the new entity ids (matched by offsets); rows to a removed entity dropped."""
    by_span = {(e["start"], e["end"]): e["id"] for e in new}
    old_to_new = {e.get("id"): by_span.get((e["start"], e["end"])) for e in old}
    kept, dropped = [], 0
    for rel in relations_from_rows(rows):
        head, tail = old_to_new.get(rel["head"], rel["head"]), old_to_new.get(rel["tail"], rel["tail"])
        if head is None or tail is None:
            dropped += 1
            continue
        kept.append([head, rel["label"], tail])
    return kept, dropped


def wire_span_editing(page) -> None:
    """Edited spans: offsets rebuilt, ids renumbered, relations re-pointed."""

    @guarded
    def spans_changed(
        item: dict | None, value: list | None, current: list[dict], relations: list[list]
    ) -> tuple:
        if not item or not kind_for(get_spec(item["task"])).spans:
            return gr.update(), gr.update(), gr.update()
        entities = numbered(common.spans_from_highlight(item["text"], value))
        _, hidden = common.non_overlapping(item["prediction"].get("entities", []))
        entities = numbered([*entities, *hidden])  # spans hidden by an overlap are kept as they were
        rows, dropped = remap_relations(current, entities, relations)
        if dropped:
            common.warn(f"{dropped} relazioni tolte: puntavano a menzioni rimosse")
        return entities, common.entity_rows(entities), rows

    page.spans.change(
        spans_changed, [page.item, page.spans, page.current, page.relations],
        [page.current, page.entities, page.relations], api_name="correggi_menzioni", queue=False,
    )  # fmt: skip


def wire_saving(page, editors_for, empty_editors, queue_rows, history_rows) -> None:
    """Save, accept as is, skip: each then opens the next prediction in the queue."""

    def next_item(task_id: str, limit: float, skipped: list[int], user: str | None) -> tuple:
        rows = queue_rows(task_id, limit, user)
        nxt = next((r[0] for r in rows if r[0] not in skipped), None)
        editors = editors_for(service.correction_item(nxt, user)) if nxt is not None else empty_editors()
        return (rows, history_rows(task_id), nxt, *editors)

    @guarded
    def save(
        task_id, limit, skipped, item, current, form, choice, answer, relations, note, request: gr.Request
    ) -> tuple:
        """Validate and store the corrected record, then open the next prediction."""
        if not item:
            raise gr.Error("Apri prima una predizione da correggere.")
        record = record_from_editors(item, current, form, choice, answer, relations)
        try:
            saved = service.save_correction(
                item["prediction_id"],
                record,
                user_of(request),
                note=note or None,
                version=item.get("version", 0),
            )
        except StaleCorrection as exc:  # someone saved first: show theirs, keep this one beside it
            common.warn(exc.italian)
            reloaded = editors_for(service.correction_item(item["prediction_id"], user_of(request)))
            draft = gr.update(visible=True, value=json.dumps(record, ensure_ascii=False, indent=1))
            rows = queue_rows(task_id, limit, user_of(request))
            return (rows, history_rows(task_id), item["prediction_id"], *reloaded[:-2], note, draft)
        common.info(f"Correzione {saved['id']} salvata.")
        return next_item(task_id, limit, skipped, user_of(request))

    @guarded
    def accept(task_id, limit, skipped, item, note, request: gr.Request) -> tuple:
        """Store the prediction as it is, then open the next one."""
        if not item:
            raise gr.Error("Apri prima una predizione da correggere.")
        saved = service.save_correction(
            item["prediction_id"], None, user_of(request), note=note or None, accept=True
        )
        common.info(f"Predizione accettata (correzione {saved['id']}).")
        return next_item(task_id, limit, skipped, user_of(request))

    @guarded
    def skip(task_id, limit, skipped, item, request: gr.Request) -> tuple:
        """Leave this prediction for later (in this tab) and open the next one."""
        skipped = [*skipped, item["prediction_id"]] if item else skipped
        return (skipped, *next_item(task_id, limit, skipped, user_of(request)))

    after = [page.queue, page.history, page.pick, *page.editors()]
    base = [page.task, page.limit, page.skipped, page.item]
    editors_in = [page.current, page.form, page.choice, page.answer, page.relations, page.note]
    page.save.click(save, [*base, *editors_in], after, api_name="correggi_salva")
    page.accept.click(accept, [*base, page.note], after, api_name="correggi_accetta")
    page.skip.click(skip, base, [page.skipped, *after], api_name="correggi_salta", queue=False)
