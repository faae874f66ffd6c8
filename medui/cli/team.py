"""A clinical annotation team's commands: `medui assign`, `medui adjudicate`, `medui agreement`.

Each names its task positionally or with --task. The command line has no login: assign and adjudicate name who
acts with --curator, and once the database has accounts that user must be a curator or a researcher
(service.team: auth.acting_user; without accounts the one local user acts, as in the app).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from medui.backend.data.inputs import strip_note_controls
from medui.backend.store.db import StoreError
from medui.cli.output import emit
from medui.cli.store import in_session, read_record_file

if TYPE_CHECKING:
    from sqlmodel import Session

CURATOR_HELP = (
    "who does this: a curator or researcher (default: this system's user, when there are no accounts)"
)


def add_task(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", nargs="?", help="the task id (or --task)")
    p.add_argument("--task", dest="task_option", metavar="TASK", default=None)
    p.add_argument("--split", default=None, help="only documents of this split")


def task_of(args: argparse.Namespace) -> str:
    """The task named positionally or with --task (the same one when both)."""
    from medui.tasks.registry import get_spec

    if args.task and args.task_option and args.task != args.task_option:
        raise StoreError(f"two tasks named: {args.task} and {args.task_option}")
    task = args.task or args.task_option
    if not task:
        raise StoreError(f"name the task: medui {args.command} TASK (or --task TASK)")
    return get_spec(task).id


def names(value: str | None) -> list[str] | None:
    return [n.strip() for n in value.split(",") if n.strip()] if value else None


def register(sub: argparse._SubParsersAction) -> None:
    """Add the assign, adjudicate and agreement subcommands."""
    p = sub.add_parser("assign", help="give a task's documents to annotators, k distinct ones a document")
    add_task(p)
    p.add_argument("--annotators", help="comma-separated names, e.g. anna,bruno,carla")
    p.add_argument("--per-document", type=int, default=2, help="annotators a document (default 2)")
    p.add_argument("--limit", type=int, default=None, help="at most this many documents get new assignments")
    p.add_argument(
        "--list", action="store_true", help="show each annotator's assigned and corrected documents"
    )
    p.add_argument("--curator", default=None, help=CURATOR_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_assign))

    p = sub.add_parser(
        "adjudicate", help="list disagreements, show a document's versions, store the final one"
    )
    add_task(p)
    p.add_argument(
        "--list", action="store_true", help="documents whose annotators disagree, not yet adjudicated"
    )
    p.add_argument("--document", type=int, help="a document id (alone: its versions side by side)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--take", metavar="ANNOTATOR", help="store this annotator's version as the final one")
    how.add_argument("--file", help="store this record (JSON, gold format) as the final one")
    p.add_argument("--note", default=None)
    p.add_argument("--curator", default=None, help=CURATOR_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_adjudicate))

    p = sub.add_parser("agreement", help="agreement between annotators, and of each with the model")
    add_task(p)
    p.add_argument("--annotators", help="comma-separated names (default: every annotator)")
    p.add_argument("--run", type=int, default=None, help="add this run's predictions as one more annotator")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_agreement))


# assign ---------------------------------------------------------------------------------------------------
def cmd_assign(args: argparse.Namespace, session: Session) -> int:
    from medui.backend.service.team import assign_documents
    from medui.backend.store.assignment import assignment_progress

    task = task_of(args)
    if args.list:
        rows = assignment_progress(task, session=session)
        lines = [f"{r['annotator']:<16} assigned {r['assigned']:<5} corrected {r['corrected']:<5} "
                 f"with a prediction {r['with_prediction']}" for r in rows]  # fmt: skip
        return emit(args, rows, "\n".join(lines) or f"no documents of {task} are assigned")
    if not args.annotators:
        raise StoreError("name the annotators: --annotators a,b,c (or --list the assignments)")
    summary = assign_documents(
        task, names(args.annotators) or [], args.per_document, session=session, curator=args.curator,
        limit=args.limit, split=args.split,
    )  # fmt: skip
    loads = ", ".join(f"{n} {summary['new'][n]} (now {summary['load'][n]})" for n in summary["new"])
    human = (f"{summary['documents']} documents of {task} assigned, {args.per_document} annotators each: "
             f"{loads}" if summary["documents"] else f"every document of {task} already has its annotators")  # fmt: skip
    return emit(args, summary, human)


# adjudicate -----------------------------------------------------------------------------------------------
def cmd_adjudicate(args: argparse.Namespace, session: Session) -> int:
    from medui.backend.service.team import adjudicate_document
    from medui.backend.store import adjudication as adj
    from medui.backend.store.repo import get_document

    task = task_of(args)
    if args.list or args.document is None:
        if args.take or args.file:
            raise StoreError("name the document to adjudicate with --document ID")
        rows = adj.pending_adjudications(task, session=session, split=args.split)
        return emit(
            args,
            rows,
            "\n".join(_pending_line(r) for r in rows) or f"no disagreements to adjudicate in {task}",
        )
    doc = get_document(args.document, session=session)
    if doc.task != task:
        raise StoreError(f"document {doc.id} belongs to task {doc.task}, not {task}")
    if not (args.take or args.file):
        shown = adj.document_versions(doc.id, session=session)  # type: ignore[arg-type]
        return emit(args, shown, _versions_text(shown))
    record = read_record_file(args.file) if args.file else None
    made = adjudicate_document(
        doc.id,
        args.curator,
        session=session,
        take=args.take,
        record=record,
        note=strip_note_controls(args.note or ""),
    )
    source = f"{made.taken_from}'s version" if made.taken_from else "the record given"
    human = f"adjudication #{made.id} of document {made.document_id} stored by {made.curator} ({source})"
    return emit(args, adj.adjudication_row(made), human)


def _pending_line(row: dict) -> str:
    versions = ", ".join(f"{name} #{v['id']}" for name, v in row["versions"].items())
    again = f" (adjudicated in #{row['adjudicated']} before a newer version)" if row["adjudicated"] else ""
    return f"doc {row['document_id']:<5} {row['record_id']!s:<24} {row['split']:<8} {versions}{again}"


def _versions_text(shown: dict) -> str:
    import json

    lines = [f"document {shown['document_id']} ({shown['task']}/{shown['split']}/{shown['record_id']})",
             "the annotators agree" if shown["agree"] else "the annotators disagree"]  # fmt: skip
    for name, version in shown["versions"].items():
        content = {k: v for k, v in version["record"].items() if k not in ("id", "text", "question", "options",
                                                                            "context")}  # fmt: skip
        lines.append(
            f"{name} (#{version['id']}, {version['created_at']}): {json.dumps(content, ensure_ascii=False)}"
        )
    if shown["adjudication"]:
        a = shown["adjudication"]
        lines.append(f"in force: adjudication #{a['id']} by {a['curator']} ({a['created_at']})")
    return "\n".join(lines)


# agreement ------------------------------------------------------------------------------------------------
def cmd_agreement(args: argparse.Namespace, session: Session) -> int:
    from medui.backend.evaluation.agreement import team_agreement

    task = task_of(args)
    report = team_agreement(
        task, session=session, split=args.split, annotators=names(args.annotators), run_id=args.run
    )
    return emit(args, report, agreement_text(report))


def _figures(row: dict) -> str:
    from medui.backend.evaluation.agreement import FIGURES

    shown = [
        f"{k} {row[k]:.3f}" if isinstance(row[k], int | float) else f"{k} n/d"  # in the row, but undefined
        for k in FIGURES
        if k in row and (row[k] is None or isinstance(row[k], int | float))
    ]
    return "  ".join(shown) or "-"


def agreement_text(report: dict) -> str:
    """The report as lines: each pair with its figures and per label (or item), kappa, the model."""
    if not report["pairs"] and not report["vs_model"]:
        return f"no document of {report['task']} has versions from two annotators"
    lines = []
    for pair in report["pairs"]:
        lines.append(f"{pair['a']} ~ {pair['b']}: {pair['documents']} documents  {_figures(pair)}")
        for label, row in sorted((pair.get("per_label") or pair.get("per_item") or {}).items()):
            lines.append(f"    {label:<24} {_figures(row)}")
    if report["mean_pairwise"]:
        lines.append(
            f"mean over {report['mean_pairwise']['pairs']} pairs: {_figures(report['mean_pairwise'])}"
        )
    kappa = report.get("kappa")
    if kappa and kappa.get("value") is not None:
        lines.append(f"{kappa['method']} kappa over {', '.join(kappa['annotators'])}: {kappa['value']:.3f} "
                     f"({kappa['documents']} documents)")  # fmt: skip
    for row in report["vs_model"]:
        lines.append(
            f"{row['annotator']} vs the predictions corrected: {row['documents']} documents  {_figures(row)}"
        )
    return "\n".join(lines)
