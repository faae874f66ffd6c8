"""Store subcommands of `medui`: export, corrections (list, add, import; import-corrections), queue, db.

User errors raise StoreError subclasses (MeduiError) with a one-line message; the CLI maps them to exit code 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from medui.backend.data.annotation_files import CORRECTION_FORMATS
from medui.backend.data.common import DataError
from medui.backend.data.inputs import strip_note_controls
from medui.backend.data.record_files import EXPORT_FORMATS
from medui.backend.store.corrections import correction_row, queue_row
from medui.backend.store.repo import StoreError
from medui.cli.output import emit

if TYPE_CHECKING:
    from sqlmodel import Session


def register(sub: argparse._SubParsersAction) -> None:
    """Add the store subcommands to the `medui` parser's subparsers."""
    p = sub.add_parser("export", help="write a task's corrected records (jsonl, conll, brat, hf)")
    p.add_argument("--task", required=True)
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, help="a file (jsonl, conll) or a folder (brat, hf)")
    p.add_argument("--with-gold", action="store_true", help="add gold records where there is no correction")
    p.add_argument("--split", default=None, help="only documents of this split")
    p.add_argument("--force", action="store_true", help="hf: replace an earlier export in --out")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_export))

    corrections = sub.add_parser("corrections", help="list or add corrections").add_subparsers(
        dest="corrections_command", required=True
    )
    p = corrections.add_parser("list", help="each annotator's version of each corrected document")
    p.add_argument("--task", required=True)
    p.add_argument("--annotator", default=None, help="only this annotator's versions")
    p.add_argument("--all", action="store_true", help="superseded corrections too")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_corrections_list))
    p = corrections.add_parser("add", help="correct (or accept) a prediction, or correct a document")
    p.add_argument("--task", required=True)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--prediction", type=int)
    target.add_argument("--document", type=int)
    p.add_argument("--file", help="the corrected record (JSON, gold format)")
    p.add_argument("--accept", action="store_true", help="accept the prediction as it is (no --file)")
    p.add_argument("--annotator", required=True)
    p.add_argument("--note", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_corrections_add))
    for parent, name in ((corrections, "import"), (sub, "import-corrections")):
        p = parent.add_parser(
            name,
            help="an annotator's corrections from a file: medui's JSONL or another tool's annotations; all "
            "records or none",
        )
        p.add_argument("file", help="a file; brat: a folder of DOC.txt + DOC.ann (or its zip); xmi: INCEpTION's "
                       "zip, or a folder with the .xmi files and TypeSystem.xml")  # fmt: skip
        p.add_argument("--task", required=True)
        p.add_argument("--annotator", required=True)
        p.add_argument("--format", default="jsonl", choices=CORRECTION_FORMATS,
                       help="jsonl (export format, default), brat, conll (CoNLL/IOB), doccano (JSONL), "
                       "labelstudio (JSON export), xmi (UIMA CAS XMI of INCEpTION/WebAnno)")  # fmt: skip
        p.add_argument("--split", default=None, help="match ids in this split only")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=in_session(cmd_corrections_import))

    p = sub.add_parser("queue", help="predictions to correct next: least confident first, then oldest")
    p.add_argument("--task", required=True)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--run", type=int, default=None, help="only this run's predictions")
    p.add_argument("--annotator", default=None, help="this annotator's queue: their assigned documents first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=in_session(cmd_queue))

    db = sub.add_parser("db", help="the database: upgrade its schema, show its revision").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(func=cmd_db)
    db.add_parser("status", help="the database URL and its schema revision").set_defaults(func=cmd_db)


def in_session(command):
    """A command run with a session of the configured database (committed when it returns)."""

    def run(args: argparse.Namespace) -> int:
        from medui.backend.store.db import session_scope

        with session_scope() as session:
            return command(args, session)

    return run


def cmd_export(args: argparse.Namespace, session: Session) -> int:
    from medui.backend.data.inputs import export_target
    from medui.backend.store.export import export

    out = export_target(args.out, args.format)  # inside the allowed folders, never over medui's own data
    summary = export(
        args.task, args.format, out, session=session, with_gold=args.with_gold, split=args.split,
        force=args.force,
    )  # fmt: skip
    human = f"{summary['records']} records ({summary['corrected']} corrected) -> {summary['out']}"
    if summary.get("overlapping_entities_left_out"):
        human += (
            f"; {summary['overlapping_entities_left_out']} overlapping entities left out (BIO holds none)"
        )
    return emit(args, summary, human)


def _correction_line(row: dict) -> str:
    pred = f"pred {row['prediction_id']}" if row["prediction_id"] else "by hand"
    note = f"  # {row['note']}" if row["note"] else ""
    return (
        f"#{row['id']:<5} doc {row['document_id']:<5} {row['record_id']!s:<24} {row['kind']:<6} "
        f"{row['annotator']:<12} {row['created_at']} {pred}{note}"
    )


def cmd_corrections_list(args: argparse.Namespace, session: Session) -> int:
    from sqlmodel import select

    from medui.backend.store.corrections import latest_corrections
    from medui.backend.store.tables import Correction
    from medui.tasks.registry import get_spec

    get_spec(args.task)
    if args.all:
        query = select(Correction).where(Correction.task == args.task)
        if args.annotator:
            query = query.where(Correction.annotator == args.annotator)
        rows = session.exec(query.order_by(Correction.id))
    else:
        rows = latest_corrections(args.task, session=session, annotator=args.annotator)
    data = [correction_row(c) for c in rows]
    human = "\n".join(_correction_line(r) for r in data) or f"no corrections for {args.task}"
    return emit(args, data, human)


def read_record_file(path: str) -> dict:
    """A corrected record from a JSON file."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(record, dict):
        raise DataError(f"{path}: a record is a JSON object")
    return record


def cmd_corrections_add(args: argparse.Namespace, session: Session) -> int:
    from sqlmodel import select

    from medui.backend.service.corrections import check_saver
    from medui.backend.store.corrections import add_correction
    from medui.backend.store.repo import get_document, get_prediction
    from medui.backend.store.tables import User

    if args.accept == bool(args.file):
        raise StoreError("give the corrected record with --file, or --accept the prediction as it is")
    doc_id = (
        get_prediction(args.prediction, session=session).document_id if args.prediction else args.document
    )
    doc = get_document(doc_id, session=session)
    if doc.task != args.task:
        raise StoreError(f"document {doc.id} belongs to task {doc.task}, not {args.task}")
    record = read_record_file(args.file) if args.file else None
    saver = session.exec(select(User.role).where(User.name == args.annotator.strip())).first()
    check_saver(doc.id, args.annotator.strip(), saver, session=session)  # type: ignore[arg-type]
    corr = add_correction(
        record, args.annotator, session=session, prediction_id=args.prediction, document_id=args.document,
        note=strip_note_controls(args.note or ""), kind="accept" if args.accept else "edit",
    )  # fmt: skip
    row = correction_row(corr)
    superseded = f", supersedes #{corr.supersedes_id}" if corr.supersedes_id else ""
    return emit(args, row, f"correction #{corr.id} of document {corr.document_id} stored{superseded}")


def cmd_corrections_import(args: argparse.Namespace, session: Session) -> int:
    from medui.backend.service.corrections import import_corrections

    summary = import_corrections(
        args.file, args.task, args.annotator, session=session, split=args.split, fmt=args.format
    )
    created = (
        f", {summary['documents_created']} documents added from the task's data"
        if summary["documents_created"]
        else ""
    )
    human = f"{summary['stored']} corrections by {summary['annotator']} stored for {summary['task']}{created}"
    return emit(args, summary, human)


def cmd_queue(args: argparse.Namespace, session: Session) -> int:
    from medui.backend.store.corrections import correction_queue
    from medui.backend.store.repo import get_document
    from medui.tasks.registry import get_spec

    get_spec(args.task)
    if args.limit is not None and args.limit < 1:
        raise StoreError("--limit must be 1 or more")
    preds = correction_queue(
        args.task, args.limit, session=session, run_id=args.run, annotator=args.annotator
    )
    rows = [queue_row(p, get_document(p.document_id, session=session).record_id) for p in preds]
    lines = [
        f"pred {r['prediction_id']:<6} doc {r['document_id']:<5} {r['record_id']:<24} "
        f"confidence={_fmt(r['confidence'])} score={_fmt(r['score'])}"
        for r in rows
    ]
    return emit(args, rows, "\n".join(lines) or f"nothing to correct for {args.task}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def cmd_db(args: argparse.Namespace) -> int:
    from medui.backend.store import db
    from medui.config import get_settings

    url = get_settings().db_url
    engine = db.init_db(url) if args.db_command == "upgrade" else db.make_engine(url)
    try:
        current, head = db.current_revision(engine), db.head_revision()
    finally:
        engine.dispose()
    print(f"{db.safe_url(engine)}: revision {current or 'none (empty database)'}; newest {head}")
    return 0
