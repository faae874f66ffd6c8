"""The training commands: `medui train ...` starts a background job; `medui jobs` lists, shows and cancels.

Registered by medui/cli/__init__.py; each subcommand runs its `func` with a session of the configured database.
"""

from __future__ import annotations

import argparse
import sys

from medui.backend.finetune.recipe import load_recipe
from medui.backend.finetune.store_access import job_summary
from medui.cli.output import emit
from medui.cli.store import in_session
from medui.tasks.registry import all_specs


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `train` and `jobs` subcommands."""
    p = sub.add_parser("train", help="fine-tune (LoRA) or continue pre-training a model as a background job")
    p.add_argument(
        "--tasks", default="", help="comma-separated task ids or 'all' (sft: the data; both: evaluated)"
    )
    p.add_argument("--model", default=None, help="base: bundled name, folder, or an adapter to train further")
    p.add_argument("--data", default=None, help="corrections (default) | gold | both (sft)")
    p.add_argument("--name", required=True, help="name of the new adapter (then --model NAME anywhere)")
    p.add_argument(
        "--objective",
        default=None,
        help="sft (answers, default) | cpt (language modelling on --corpus); default: the recipe's",
    )
    p.add_argument("--corpus", default=None, help='JSONL of {"text": ...} for cpt')
    p.add_argument("--epochs", type=float, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--lora-r", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--max-length", type=int, default=None)
    p.add_argument("--recipe", default=None, help="recipe name or YAML path (default: this machine's)")
    p.add_argument(
        "--eval-limit", type=int, default=20, help="records per task for the evaluation; 0 skips it"
    )
    p.add_argument("--no-base-fewshot", action="store_true", help="do not also score the base few-shot+cd")
    p.add_argument("--device", default=None, help="auto (default), cpu or cuda")
    p.add_argument(
        "--launcher",
        choices=("local", "accelerate"),
        default="local",
        help="local: one process (default); accelerate: data parallel under `accelerate launch`",
    )
    p.add_argument("--processes", type=int, default=2, help="processes of --launcher accelerate (default 2)")
    p.add_argument("--wait", action="store_true", help="follow the job until it ends (Ctrl-C cancels it)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_train))

    p = sub.add_parser(
        "jobs", help="training jobs: list; `jobs show ID`; `jobs cancel ID`; `jobs resume ID` (interrupted)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_jobs))
    actions = p.add_subparsers(dest="jobs_command")
    for action, command in (
        ("show", cmd_jobs_show),
        ("cancel", cmd_jobs_cancel),
        ("resume", cmd_jobs_resume),
    ):
        q = actions.add_parser(action)
        q.add_argument("id", type=int)
        q.add_argument("--json", action="store_true")
        q.set_defaults(func=in_session(command))


def cmd_train(args: argparse.Namespace, session) -> int:
    from medui.backend.finetune import jobs

    recipe = load_recipe(args.recipe) if args.recipe else None
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if tasks == ["all"]:
        tasks = sorted(all_specs())
    if not tasks and recipe is not None:
        tasks = recipe.task_ids()
    job = jobs.submit(
        session=session,
        tasks=tasks,
        name=args.name,
        model=args.model or (recipe.model if recipe else None),
        data=args.data or (recipe.data if recipe else None) or "corrections",
        objective=args.objective or (recipe.objective if recipe else "sft"),
        corpus=args.corpus,
        recipe=args.recipe,
        eval_limit=args.eval_limit,
        base_fewshot=not args.no_base_fewshot,
        device=args.device,
        launcher=args.launcher,
        processes=args.processes,
        epochs=args.epochs,
        max_steps=args.max_steps,
        lora_r=args.lora_r,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        max_length=args.max_length,
    )
    if not args.wait:
        return emit(
            args,
            job_summary(job),
            f"job {job.id} queued: {job.name} (follow with `medui jobs show {job.id}`)",
        )
    return follow(args, job.id, session)


def follow(args: argparse.Namespace, job_id: int, session) -> int:
    """Print progress until the job ends; Ctrl-C cancels it. Exit 0 if it succeeded, 1 otherwise."""
    from medui.backend.finetune import jobs

    printed = {"log": 0, "left": ""}

    def show(job) -> None:
        if args.json:
            return
        log = job.log or ""
        new, printed["log"] = log[printed["log"] :], len(log)
        for line in new.splitlines():
            print(line, file=sys.stderr)
        left = time_left(job_summary(job))
        if left and left != printed["left"]:
            print(f"job {job.id}: {left}", file=sys.stderr)
        printed["left"] = left

    try:
        job = jobs.wait(job_id, session=session, on_update=show)
    except KeyboardInterrupt:
        print(f"medui: interrupted: cancelling job {job_id}", file=sys.stderr)
        job = jobs.cancel(job_id, session=session)
    summary = job_summary(job, session)
    emit(args, summary, _human_result(summary))
    return 0 if job.status == "succeeded" else 1


def time_left(row: dict) -> str:
    """A running job's time left in words, from its measured speed; '' when it is not running."""
    if row["status"] != "running":
        return ""
    if row["adapter_variant_id"] is not None:
        return "evaluating" if row["evaluates"] else ""
    if row["eta_seconds"] is None:
        return "time left: estimated after the first steps"
    then = ", then the evaluation" if row["evaluates"] else ""
    return f"about {duration(row['eta_seconds'])} of training left{then}"


def duration(seconds: float) -> str:
    """Seconds as whole minutes ('12 min', '1 h 05 min'), at least one minute."""
    minutes = max(1, round(seconds / 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _human_result(row: dict) -> str:
    left = time_left(row)
    lines = [
        f"job {row['id']} {row['name']}: {row['status']}"
        + (f" ({row['error']})" if row["error"] else "")
        + (f" ({100 * row['progress']:.0f}%, {left})" if left else "")
    ]
    for task, runs in ((row.get("scores") or {}).get("tasks") or {}).items():
        paired = runs.get("paired")
        for who, by_strategy in runs.items():
            if who == "paired":
                continue
            for strategy, m in by_strategy.items():
                value = m.get(m["primary"]) if "primary" in m else m.get("error")
                lines.append(
                    f"  {task} {who:<7} {strategy:<12} {m.get('primary', '')}={value} n={m.get('n', '-')}"
                )
        if paired:
            low, high = paired["interval"]
            lines.append(
                f"  {task} adapter - {paired['against']}: {paired['difference']:+.4f} "
                f"(95% CI {low:+.4f} to {high:+.4f}, n={paired['n']})"
            )
    return "\n".join(lines)


def cmd_jobs(args: argparse.Namespace, session) -> int:
    from medui.backend.finetune import jobs

    rows = [job_summary(j) for j in jobs.list_all(session=session)]
    return emit(args, rows, "\n".join(_job_line(r) for r in rows) or "no training jobs")


def _job_line(r: dict) -> str:
    left = time_left(r)
    return (
        f"{r['id']:>4} {r['name']:<24} {r['objective']:<4} {r['status']:<10} {100 * r['progress']:5.1f}% "
        f"loss={r['last_loss'] if r['last_loss'] is not None else '-'} {','.join(r['tasks'])}"
        + (f"  {left}" if left else "")
    )


def cmd_jobs_show(args: argparse.Namespace, session) -> int:
    from medui.backend.finetune import jobs

    job = jobs.get(args.id, session=session)
    row = {**job_summary(job, session), "loss_curve": job.loss_curve, "log": job.log, "params": job.params}
    return emit(args, row, _human_result(row) + "\n" + (job.log or "").rstrip())


def cmd_jobs_resume(args: argparse.Namespace, session) -> int:
    from medui.backend.finetune import jobs

    job = jobs.resume(args.id, session=session)
    return emit(
        args,
        job_summary(job, session),
        f"job {job.id} {job.name}: {job.status} (resumes from its checkpoint)",
    )


def cmd_jobs_cancel(args: argparse.Namespace, session) -> int:
    from medui.backend.finetune import jobs

    job = jobs.cancel(args.id, session=session)
    return emit(args, job_summary(job, session), f"job {job.id} {job.name}: {job.status}")
