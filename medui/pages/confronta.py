"""Confronta: evaluate a model on a task split in the background; browse a run record by record, gold and
prediction side by side (correct, false positive, missed coloured); compare two runs on the records both scored
(A - B with its paired bootstrap interval, wins and losses per record)."""

from __future__ import annotations

import gradio as gr

from medui.backend import service
from medui.pages import common, form_editor
from medui.pages.common import guarded, user_of
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec

RUN_HEADERS = ["id", "modello", "strategia", "split", "stato", "avanzamento", "punteggio", "n", "avviata"]
DETAIL_HEADERS = ["esito", "cosa", "oro", "predizione"]
PAIR_HEADERS = ["record", "A", "B", "A - B", "esito"]
OUTCOMES = {"win": "A meglio", "loss": "B meglio", "tie": "pari"}


def runs_table(task_id: str) -> tuple[list[list], str, list[tuple[str, int]]]:
    """The task's runs, a progress bar for those running, and the choices of finished runs."""
    rows = service.list_runs(task_id)
    table = [
        [r["id"], r["model"], r["strategy"], r["split"], common.status_it(r["status"]),
         f"{r['done'] or 0}/{r['total'] or '?'}",
         r["score"] if r["score"] is not None else (r["error"] or ""), r["n"], r["started_at"]]
        for r in rows
    ]  # fmt: skip
    running = [r for r in rows if r["status"] == "running"]
    bars = "".join(
        common.progress_html(r["done"], r["total"], f"valutazione {r['id']}: {r['done']}/{r['total']} record")
        for r in running
    )
    done = [
        (f"#{r['id']} {r['model']} · {r['strategy']} · {r['split']} · {r['score']}", r["id"])
        for r in rows
        if r["status"] == "succeeded"
    ]
    return table, bars or "Nessuna valutazione in corso.", done


def record_view(task_id: str, record: dict) -> tuple[str, str, list[list], dict]:
    """Gold and prediction of one record: coloured HTML for spans, a detail table, the record's counts."""
    spec = get_spec(task_id)
    kind = kind_for(spec)
    views = kind.views(spec)
    gold, pred = record.get("gold") or {}, record["prediction"]
    counts = {"punteggio": record["score"], "confidenza": record["confidence"], **(record["counts"] or {})}
    if "spans" in views:
        marked_gold, marked_pred = common.span_status(gold.get("entities", []), pred.get("entities", []))
        rows = [
            [e["status"], e["label"], e.get("text", ""), ""] for e in marked_gold if e["status"] == "mancato"
        ]
        rows += [[e["status"], e["label"], "", e.get("text", "")] for e in marked_pred]
        if "relations" in views:
            rows += relation_detail(gold, pred)
        text = record["text"]
        return common.marked_html(text, marked_gold), common.marked_html(text, marked_pred), rows, counts
    if "form" in views:  # the note beside each version, the evidence of its items marked
        g, p, text = gold.get("fields") or {}, pred.get("fields") or {}, record["text"]
        gold_note = form_editor.marked_note(spec, text, g, p) if gold else ""
        return (
            gold_note,
            form_editor.marked_note(spec, text, p, g, pred.get("evidence")),
            form_editor.detail_rows(spec, g, p),
            counts,
        )
    rows = [
        [
            _same(gold.get("answer"), pred.get("answer")),
            "risposta",
            str(gold.get("answer")),
            common.answer_text(pred),
        ]
    ]
    return "", "", rows, counts


def relation_detail(gold: dict, pred: dict) -> list[list]:
    """Relations as (head text, label, tail text), marked correct, missed or false positive."""

    def triples(record: dict) -> set[tuple]:
        spans = {e.get("id"): (e["start"], e["end"], e.get("text", "")) for e in record.get("entities", [])}
        return {
            (spans[r["head"]], r["label"], spans[r["tail"]])
            for r in record.get("relations", [])
            if r["head"] in spans and r["tail"] in spans
        }

    g, p = triples(gold), triples(pred)
    name = lambda t: f"{t[0][2]} -{t[1]}-> {t[2][2]}"  # noqa: E731
    rows = [["corretto", "relazione", name(t), name(t)] for t in sorted(g & p)]
    rows += [["mancato", "relazione", name(t), ""] for t in sorted(g - p)]
    rows += [["falso positivo", "relazione", "", name(t)] for t in sorted(p - g)]
    return rows


def _same(a, b) -> str:
    return "corretto" if common.format_value(a) == common.format_value(b) else "diverso"


def build(demo: gr.Blocks) -> None:
    """Build the page and wire its events."""
    common.header("Confronta", "Oro e predizione a confronto, record per record; valutazioni in background.")
    with gr.Row():
        task = common.task_dropdown(scale=3)
        split = gr.Dropdown(label="Split", choices=["test"], value="test", scale=1)
    model, model_path = common.model_picker()
    with gr.Row():
        strategy = common.strategy_dropdown()
        limit = gr.Number(value=20, precision=0, minimum=0, label="Record (0: tutti)")
        start = gr.Button("Avvia valutazione", variant="primary", elem_id="confronta-avvia")
    common.follow_model(model, strategy)
    # the list of models when the page opens (on_load) and again whenever it is opened (a model loaded in Modelli
    # or an adapter just trained shows)
    gr.on([model.focus], common.refresh_models, None, model, api_name="confronta_modelli", queue=False)
    progress = gr.HTML(elem_id="confronta-avanzamento")
    runs = gr.Dataframe(headers=RUN_HEADERS, label="Valutazioni di questo compito", interactive=False)
    timer = gr.Timer(2.0)
    gr.Markdown("### Una valutazione, record per record")
    with gr.Row():
        run = gr.Dropdown(label="Valutazione", choices=[], scale=3)
        index = gr.Number(value=1, precision=0, minimum=1, label="Record n.", scale=1)
    metrics = gr.JSON(label="Metriche aggregate")
    records = gr.Dataframe(
        headers=["n.", "record", "punteggio", "confidenza"],
        label="Record (clic per vederlo)",
        interactive=False,
    )
    gr.HTML(common.legend_html())
    with gr.Row():
        with gr.Column():
            gr.Markdown("**Oro**")
            gold_html = gr.HTML(elem_id="confronta-oro")
        with gr.Column():
            gr.Markdown("**Predizione**")
            pred_html = gr.HTML(elem_id="confronta-predizione")
    detail = gr.Dataframe(headers=DETAIL_HEADERS, label="Dettaglio", interactive=False)
    record_counts = gr.JSON(label="Metriche del record")
    gr.Markdown("### Due valutazioni a confronto")
    with gr.Row():
        run_a = gr.Dropdown(label="Valutazione A", choices=[])
        run_b = gr.Dropdown(label="Valutazione B", choices=[])
        compare = gr.Button("Confronta")
    compared = gr.Markdown(elem_id="confronta-sintesi")
    compared_records = gr.Dataframe(
        headers=PAIR_HEADERS, label="Punteggio per record (x100), record in comune", interactive=False
    )
    store = gr.State([])

    @guarded
    def refresh(task_id: str) -> tuple:
        table, bars, done = runs_table(task_id)
        newest = done[0][1] if done else None
        return (
            table,
            bars,
            gr.update(choices=done, value=newest),
            gr.update(choices=done),
            gr.update(choices=done),
        )

    run_lists = [runs, progress, run, run_a, run_b]

    @guarded
    def task_changed(task_id: str) -> tuple:
        splits = service.task_splits(task_id)
        wanted = get_spec(task_id).eval_split
        return (
            gr.update(choices=splits, value=wanted if wanted in splits else (splits[0] if splits else None)),
            *refresh(task_id),
        )

    @guarded
    def on_load(task_id: str, request: gr.Request) -> tuple:
        """The task the user chose last, its splits and its evaluations, and the models known now."""
        opening = common.opening_task(task, task_id, request)
        return (opening, *task_changed(opening), common.refresh_models())

    demo.load(on_load, task, [task, split, *run_lists, model], api_name="confronta_carica", queue=False)
    task.change(task_changed, task, [split, *run_lists], api_name="confronta_compito", queue=False)
    common.remembers_task(task, "confronta")

    @guarded
    def tick(task_id: str) -> tuple:
        table, bars, _ = runs_table(task_id)
        return table, bars

    timer.tick(tick, task, [runs, progress], api_name="confronta_avanzamento", queue=False)

    @guarded
    def launch(task_id, split_name, choice, folder, strategy_name, n, request: gr.Request) -> tuple:
        """Start a background evaluation of the model on the split."""
        row = service.start_evaluation(
            task_id,
            split_name,
            service.pick_model(choice, folder),
            strategy_name,
            int(n or 0) or None,
            user_of(request),
        )
        common.info(f"Valutazione {row['id']} avviata: {row['total']} record.")
        return refresh(task_id)

    # a run starts from the button only (Enter in the model list picks a model, nothing more), and the button
    # is off from the click until the run is started or refused: one click, one run
    start.click(common.busy, None, start, api_name=False, queue=False).then(
        launch,
        [task, split, model, model_path, strategy, limit],
        run_lists,
        api_name="confronta_avvia",
        concurrency_id=common.MODEL_QUEUE,
    ).then(common.idle, None, start, api_name=False, queue=False)

    @guarded
    def open_run(task_id: str, run_id: int | None, request: gr.Request) -> tuple:
        if run_id is None:
            return None, [], [], "", "", [], None
        rows = service.run_records(int(run_id), user_of(request))
        table = [
            [i, r["record_id"], _pct(r["score"]), _pct(r["confidence"], 3)]
            for i, r in enumerate(rows, start=1)
        ]
        first = record_view(task_id, rows[0]) if rows else ("", "", [], None)
        return service.run_metrics(int(run_id)), table, rows, *first

    shown = [gold_html, pred_html, detail, record_counts]
    run.change(
        open_run,
        [task, run],
        [metrics, records, store, *shown],
        api_name="confronta_valutazione",
        queue=False,
    )

    @guarded
    def show(task_id: str, rows: list[dict], n: float | None) -> tuple:
        if not rows:
            return "", "", [], None
        i = min(max(int(n or 1), 1), len(rows)) - 1
        return record_view(task_id, rows[i])

    index.change(show, [task, store, index], shown, api_name="confronta_record", queue=False)

    def pick_record(evt: gr.SelectData) -> int:
        return int(evt.index[0]) + 1

    records.select(pick_record, None, index, api_name="confronta_scegli_record", queue=False)

    @guarded
    def do_compare(a: int | None, b: int | None, request: gr.Request) -> tuple:
        if a is None or b is None:
            raise gr.Error("Scegli due valutazioni.")
        result = service.compare_runs(int(a), int(b), user_of(request))
        return comparison_summary(result), comparison_rows(result)

    compare.click(
        do_compare, [run_a, run_b], [compared, compared_records], api_name="confronta_due", queue=False
    )


def comparison_summary(result: dict) -> str:
    """Two runs compared (service.compare_runs), in words: primary metric of each, A - B with its 95% paired
    bootstrap interval and whether it excludes 0, wins/losses/ties, McNemar's p for right-or-wrong metrics."""
    a, b, n = result["run_a"], result["run_b"], result["n"]
    lo, hi = result["ci95"]
    left_out = [
        f"{run['records'] - n} solo in {side}" for side, run in (("A", a), ("B", b)) if run["records"] > n
    ]
    shared = f"Confronto su **{n} record in comune**" + (
        f" (esclusi: {', '.join(left_out)})." if left_out else "."
    )
    lines = [
        f"**A** #{a['id']} {_run_label(a)} — **B** #{b['id']} {_run_label(b)}",
        shared,
        "",
        "| metrica | A | B | A - B | IC 95% (bootstrap appaiato) | significativa |",
        "|---|---|---|---|---|---|",
        f"| {common.md_escape(result['metric'])} | {_pct(result['a'])} | {_pct(result['b'])} | {_signed(result['difference'])} "
        f"| {_signed(lo)} .. {_signed(hi)} | {'sì: esclude 0' if result['significant'] else 'no: include 0'} |",
        "",
        f"Per record: A meglio in {result['wins']}, B meglio in {result['losses']}, pari in {result['ties']}.",
    ]
    if "mcnemar" in result:
        test = result["mcnemar"]
        method = "esatto" if test["method"] == "exact" else "chi quadro"
        lines.append(
            f"Test di McNemar ({method}): p = {test['p_value']:.3g} "
            f"(giusto solo A: {test['only_a']}, solo B: {test['only_b']})."
        )
    return "\n".join(lines)


def comparison_rows(result: dict) -> list[list]:
    """The compared records: score of A and B (x100), A - B and who did better."""
    return [
        [r["id"], _pct(r["a"]), _pct(r["b"]), _pct(r["a"] - r["b"]), OUTCOMES[r["outcome"]]]
        for r in result["records"]
    ]


def _run_label(run: dict) -> str:
    """Model · strategy · split of a run, escaped: a model name is user text (a served model's is free)."""
    return " · ".join(common.md_escape(run[key]) for key in ("model", "strategy", "split"))


def _signed(value: float) -> str:
    return f"{100 * value:+.1f}"


def _pct(value: float | None, digits: int = 1) -> float | None:
    if value is None:
        return None
    return round(100 * value, 1) if digits == 1 else round(value, digits)
