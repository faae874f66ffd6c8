"""`medui run`, `eval`, `score` and `study`: a model on a text, on a split, a prediction file scored, the table.

Every one goes through medui/backend/evaluation/runner.py; torch is imported only when a model is loaded.
"""

from __future__ import annotations

import argparse
import sys

from medui.backend.data.common import DataError, read_jsonl, write_jsonl
from medui.backend.data.inputs import InputError, record_from_input, validate_gold
from medui.backend.inference.demos import DEMOS
from medui.backend.inference.reading import notices
from medui.backend.inference.strategy import STRATEGIES
from medui.cli.output import emit
from medui.tasks.kinds import kind_for
from medui.tasks.registry import get_spec
from medui.tasks.spec import TaskSpec


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model", default=None,
        help="bundled name, model folder, cached hub id, adapter name, or openai:NAME (a server's model)",
    )  # fmt: skip
    p.add_argument("--device", default=None, help="auto (default), cpu or cuda")
    p.add_argument("--dtype", default=None, help="auto (default), float32, bfloat16 or float16")
    _base_url_arg(p)


def _base_url_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--base-url", default=None,
        help="the OpenAI-compatible server of openai:NAME models, e.g. http://host:8000/v1 "
        "(default: MEDUI_OPENAI_BASE_URL; the API key comes from MEDUI_OPENAI_API_KEY)",
    )  # fmt: skip


def _strategy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--strategy", default=None,
        help=" | ".join(STRATEGIES) + " (default: the model's own: cd for a fine-tuned adapter, else few-shot+cd)",
    )  # fmt: skip
    p.add_argument("--shots", type=int, default=None, help="few-shot examples (default: the task's)")
    p.add_argument("--seed", type=int, default=0, help="seed choosing the few-shot examples")
    p.add_argument("--batch-size", type=int, default=None)
    _demos_arg(p)


def _guidelines_arg(p: argparse.ArgumentParser, study: bool = False) -> None:
    tasks = "the tasks that have them (not the question tasks)" if study else "the task (not a question task)"
    p.add_argument(
        "--guidelines", action="store_true",
        help=f"add the label guidelines of {tasks} to the prompt: a definition and an example of each label, "
        "relation or form item (the default prompt has none); a run with them is stored and reused apart",
    )  # fmt: skip


def _demos_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--demos", default="random", choices=DEMOS,
        help="few-shot examples drawn at random from the task's few-shot split (default), or the most similar to "
        "each record from that split and the team's corrections in force",
    )  # fmt: skip


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run`, `eval`, `score` and `study` subcommands."""
    p = sub.add_parser("run", help="run a task on one text")
    p.add_argument("--task", required=True)
    _model_args(p)
    _strategy_args(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text")
    src.add_argument("--file")
    identifiers = p.add_mutually_exclusive_group()
    identifiers.add_argument(
        "--mask-identifiers", action="store_true",
        help="replace likely identifiers (see `medui phi`) with same-length placeholders before the model sees the text",
    )  # fmt: skip
    identifiers.add_argument(
        "--send-identifiers", action="store_true",
        help="confirm sending a text with likely identifiers to a served model's server that is not on this "
        "machine (refused without this or --mask-identifiers)",
    )  # fmt: skip
    _guidelines_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", help="evaluate a model on a task split")
    p.add_argument("--task", required=True)
    _model_args(p)
    _strategy_args(p)
    p.add_argument("--split", default=None, help="default: the task's evaluation split (test)")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--out", default=None, help="write the predictions as JSONL")
    p.add_argument("--save", action="store_true", help="store the run and its predictions in the database")
    _guidelines_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("score", help="score a prediction file against gold")
    p.add_argument("--task", required=True)
    p.add_argument("--gold", required=True)
    p.add_argument("--pred", required=True)
    p.add_argument("--against", default=None, help="a second prediction file: A - B with a 95%% bootstrap CI")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("study", help="model x strategy x task table, as in the paper")
    p.add_argument("--tasks", required=True, help="comma-separated task ids, or 'all' or 'real'")
    p.add_argument("--models", default="gemma-3-270m")
    p.add_argument("--strategies", default="zero-shot,few-shot,cd,few-shot+cd")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--shots", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=None)
    _demos_arg(p)
    _guidelines_arg(p, study=True)
    p.add_argument("--device", default=None)
    p.add_argument("--dtype", default=None)
    _base_url_arg(p)
    p.add_argument("--out", required=True)
    p.add_argument(
        "--reference", default=None, metavar="MODEL:STRATEGY",
        help="the row the others are compared with in study.md (default: the first row); a cell not "
        "significantly different from it on its task (95%% paired bootstrap) is marked",
    )  # fmt: skip
    p.add_argument(
        "--save", action="store_true",
        help="store every cell as a run in the database, and reuse the cells already stored there",
    )  # fmt: skip
    p.set_defaults(func=cmd_study)


def _engine(args: argparse.Namespace, spec: TaskSpec, split: str | None = None):
    from medui.backend.evaluation import runner

    return runner.build_engine(
        args.model, spec, args.strategy, shots=args.shots, seed=args.seed, batch_size=args.batch_size,
        device=args.device, dtype=args.dtype, base_url=args.base_url, demos=args.demos, split=split,
        guidelines=args.guidelines,
    )  # fmt: skip


def gate_identifiers(args: argparse.Namespace, record: dict) -> dict:
    """The record past the identifier gate (medui/backend/inference/destination.py), before a model is loaded: masked with
    --mask-identifiers; refused (exit 2, one line) when likely identifiers would go to a served model's server
    that is not on this machine, unless --send-identifiers; else a warning line on stderr when some are found."""
    from medui.backend.inference.destination import gate_record, remote_host
    from medui.tasks.phi import summary

    gated = gate_record(
        record, remote_host(args.model, args.base_url), mask_identifiers=args.mask_identifiers,
        confirm=args.send_identifiers,
    )  # fmt: skip
    found = summary(gated.findings)
    if gated.masked:
        print(f"medui: masked before the run: {found}", file=sys.stderr)
    elif found and gated.host:
        print(f"medui: warning: {found}, sent to {gated.host} as confirmed", file=sys.stderr)
    elif found:
        print(f"medui: warning: {found} (see `medui phi --mask`, or --mask-identifiers)", file=sys.stderr)
    return gated.record


def cmd_run(args: argparse.Namespace) -> int:
    spec = get_spec(args.task)
    from medui.backend.evaluation import runner
    from medui.backend.web.uploads import read_file_text

    runner.check_guidelines(spec, args.guidelines)  # before the input is read
    text = read_file_text(args.file) if args.file else args.text  # .docx/.pdf: the app's bounded reader
    record = gate_identifiers(args, record_from_input(spec, text))

    engine = _engine(args, spec)
    prediction = runner.predict(engine, [record])[0]
    kind = kind_for(spec)  # how a long text was read, which limits cut the answer
    for line in notices(
        engine.reading_of(record), prediction.record, kind.spans, kind.relations, italian=False
    ):
        print(f"medui: warning: {line}", file=sys.stderr)
    result = {
        **prediction.record,
        "model": engine.lm.name,
        "strategy": engine.strategy.name,
        "seconds": round(prediction.latency, 3),
        "output_tokens": prediction.output_tokens,
        "confidence": prediction.confidence,
        "demonstrations": prediction.demonstrations,
        "guidelines": engine.guidelines,
    }
    return emit(args, result, kind_for(spec).render_human(spec, prediction.record))


def cmd_eval(args: argparse.Namespace) -> int:
    from medui.backend.evaluation import load_eval_records, runner
    from medui.backend.evaluation.info import RunInfo

    spec = get_spec(args.task)
    runner.check_guidelines(spec, args.guidelines)  # before the records are read
    split = args.split or spec.eval_split
    records = load_eval_records(spec, split, args.limit)
    if not records:
        raise InputError(f"task {spec.id}: the split has no records")
    engine = _engine(args, spec, split)
    info = RunInfo.of(engine, split=split, limit=args.limit)
    result = runner.evaluate(engine, records, info=info)
    if args.save:
        parameters = {
            "limit": args.limit,
            "demos": args.demos,
            "batch_size": args.batch_size,
            "device": args.device,
            "dtype": args.dtype,
        }
        if info.server_url is not None:
            parameters["base_url"] = info.server_url
        run = runner.save_eval(result, records=records, parameters=parameters)
        result.metrics["run_id"] = run.id
    if args.out:
        write_jsonl(args.out, [p.record for p in result.predictions])
    m = result.metrics
    human = (
        f"{spec.id} {info.name} {info.strategy}{' (guidelines)' if info.guidelines else ''}: {m['primary']}={m[m['primary']]:.4f} n={m['n']} "
        f"valid_rate={m['valid_rate']:.2f} {m['seconds']}s {m['output_tokens_per_s']} tok/s"
    )
    return emit(args, m, human)


def cmd_score(args: argparse.Namespace) -> int:
    from medui.tasks.scoring import score

    spec = get_spec(args.task)
    golds, preds = read_jsonl(args.gold), _predictions(args.pred)
    validate_gold(spec, golds, args.gold)
    result = {"task": spec.id, **score(spec, golds, preds)}
    human = f"{spec.id}: {result['primary']}={result[result['primary']]:.4f} n={result['n']}"
    if args.against:
        from medui.tasks.scoring import compare_runs

        against = compare_runs(spec, golds, preds, _predictions(args.against))
        result.update(difference=against["difference"], ci95=against["ci95"], comparison=against)
        lo, hi = against["ci95"]
        human += (
            f"\nA - B = {against['difference']:+.4f} (95% CI {lo:+.4f} .. {hi:+.4f}"
            f"{', significant' if against['significant'] else ', not significant'}); "
            f"wins {against['wins']}, losses {against['losses']}, ties {against['ties']}"
        )
    return emit(args, result, human)


def _predictions(path: str) -> list[dict]:
    preds = read_jsonl(path)
    for number, pred in enumerate(preds, start=1):
        if "id" not in pred:
            raise DataError(f"{path}: record {number} has no id")
    return preds


def cmd_study(args: argparse.Namespace) -> int:
    from medui.backend.evaluation.study import expand_tasks, run_study

    table = run_study(
        expand_tasks(args.tasks), _names(args.models), _names(args.strategies), args.out, limit=args.limit,
        shots=args.shots, seed=args.seed, batch_size=args.batch_size, device=args.device, dtype=args.dtype,
        base_url=args.base_url, store=args.save, reference=args.reference, demos=args.demos,
        guidelines=args.guidelines,
    )  # fmt: skip
    print(table.to_markdown())
    return 0


def _names(csv: str) -> list[str]:
    return [name.strip() for name in csv.split(",") if name.strip()]
