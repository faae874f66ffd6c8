"""Files uploaded in the app: plain text (.txt, .md), documents (.docx, .pdf) and tables (.csv, .jsonl).

A text or document gives one input; a table gives one input per row (a text, or for question answering a JSON
object). Size limits and unreadable files end with InputError and one clear line.

An upload is its uploader's: `UPLOADS` remembers who sent each file (files.py records it as Gradio's upload route
answers), and only they read it back, by its path (the /file= route) or as Prova's input. Gradio keeps uploads in
one folder for every user and would serve any of them to anyone logged in who names its path.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

from medui.backend.data.inputs import (
    MAX_TEXT_BYTES,
    InputError,
    decode_bytes,
    dotted,
    is_inside,
    read_text_file,
)
from medui.backend.web.documents import DocumentError, read_document
from medui.tasks.kinds import kind_for
from medui.tasks.spec import TaskSpec

TEXT_SUFFIXES = (".txt", ".md")
DOCUMENT_SUFFIXES = (".docx", ".pdf")
TABLE_SUFFIXES = (".csv", ".jsonl")
SUFFIXES = TEXT_SUFFIXES + DOCUMENT_SUFFIXES + TABLE_SUFFIXES
MAX_UPLOAD_BYTES = 10_000_000  # documents: .docx and .pdf carry markup and fonts besides the text
MAX_TABLE_ROWS = 200
TEXT_COLUMNS = ("text", "testo")
QA_COLUMNS = ("question", "context", "options")
MAX_UPLOADS_TRACKED = 10_000  # beyond: the oldest are forgotten, so refused (uploads live 30 minutes)


class UploadOwners:
    """Who uploaded each file (by its resolved path): a user name, None for the one user of an app without
    accounts. Two users who upload the same bytes get the same path from Gradio, and both own it."""

    def __init__(self, limit: int = MAX_UPLOADS_TRACKED):
        self.limit = limit
        self.owners: OrderedDict[str, set[str | None]] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def key(path: str | Path) -> str:
        """A path as Gradio reads it (absolute from the working folder), links resolved."""
        try:
            return str(Path(os.path.abspath(path)).resolve())
        except (OSError, RuntimeError, ValueError):
            return ""

    def record(self, paths: Iterable[str], user: str | None) -> None:
        """Files just uploaded by `user`."""
        with self.lock:
            for path in paths:
                key = self.key(path)
                if key:
                    self.owners.setdefault(key, set()).add(user)
                    self.owners.move_to_end(key)
            while len(self.owners) > self.limit:
                self.owners.popitem(last=False)

    def known(self, path: str | Path) -> bool:
        """Whether a file is an upload of this app run (of anyone)."""
        with self.lock:
            return self.key(path) in self.owners

    def owned_by(self, path: str | Path, user: str | None) -> bool:
        """Whether `user` uploaded this file."""
        with self.lock:
            return user in self.owners.get(self.key(path), ())


UPLOADS = UploadOwners()  # this process's uploads (the app serves from one process)


def read_upload(
    path: str | Path,
    spec: TaskSpec,
    folder: str | Path | None = None,
    owners: UploadOwners | None = None,
    user: str | None = None,
) -> list[str]:
    """The inputs of an uploaded file, each as `record_from_input` takes it.

    `folder`: where uploads land (the app's upload cache); a path elsewhere (a request naming a server file
    instead of uploading one) is refused before anything is read. `owners`: a file there that `user` did not
    upload is refused too, in the same words whether it exists or not.
    """
    path = Path(path)
    name, suffix = path.name, path.suffix.lower()
    if folder is not None and not is_inside(path, [Path(folder)]):
        raise InputError(f"{name}: non è un file caricato; carica il file dal tuo computer")
    if owners is not None and not owners.owned_by(path, user):
        raise InputError(f"{name}: non è un file caricato da te; carica il file dal tuo computer")
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: formato non supportato; usa uno tra {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise InputError(f"{name}: il file caricato non si trova più sul server; caricalo di nuovo")
    size = path.stat().st_size
    limit = MAX_UPLOAD_BYTES if suffix in DOCUMENT_SUFFIXES else MAX_TEXT_BYTES
    if size > limit:
        raise InputError(f"{name}: {dotted(size)} byte, oltre il limite di {dotted(limit)} byte")
    if suffix in DOCUMENT_SUFFIXES:  # .docx, .pdf
        return [_checked(read_document_input(path), name)]
    text = decode_bytes(path.read_bytes(), name)
    if suffix in TEXT_SUFFIXES:
        return [_checked(text, name)]
    rows = csv_inputs(text, spec, name) if suffix == ".csv" else jsonl_inputs(text, spec, name)
    if not rows:
        raise InputError(f"{name}: nessuna riga da elaborare")
    if len(rows) > MAX_TABLE_ROWS:
        raise InputError(f"{name}: {len(rows)} righe, oltre il limite di {MAX_TABLE_ROWS} per volta")
    return rows


def read_file_text(path: str | Path) -> str:
    """The text of a file given to `medui run --file`: a .docx or .pdf read as the app reads it, else text."""
    path = Path(path)
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        return read_text_file(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InputError(f"{path}: {size:,} bytes, more than the limit of {MAX_UPLOAD_BYTES:,}")
    return _checked(read_document_input(path), path.name)


def _checked(text: str, name: str) -> str:
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise InputError(f"{name}: il testo estratto supera il limite di {dotted(MAX_TEXT_BYTES)} byte")
    if not text.strip():
        raise InputError(f"{name}: nessun testo nel file")
    return text


def read_document_input(path: Path) -> str:
    """The text of a .docx (its paragraphs, one a line) or a .pdf (its text layer, page by page; a scanned PDF has
    none): zip parts, pages, text and time bounded, in a worker process (documents.py); InputError when refused."""
    try:
        return read_document(path)
    except DocumentError as exc:
        raise InputError(str(exc)) from None


def csv_inputs(text: str, spec: TaskSpec, name: str) -> list[str]:
    """Rows of a CSV with a header: the `text` (or `testo`) column; for QA, question/context/option columns."""
    reader = csv.DictReader(io.StringIO(text), strict=True)  # bad quoting is an error, not a merged field
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"{name}: CSV non leggibile alla riga {reader.reader.line_num} ({exc})") from exc
    if not rows:
        return []
    columns = [c.strip().lower() for c in rows[0] if c is not None]
    if not kind_for(spec).reads_text:  # a question a row, as the JSON object record_from_input reads
        return [json.dumps(_qa_row(row, spec), ensure_ascii=False) for row in rows]
    column = next((c for c in rows[0] if c and c.strip().lower() in TEXT_COLUMNS), None)
    if column is None:
        raise InputError(
            f"{name}: serve una colonna 'text' (o 'testo'); colonne trovate: {', '.join(columns)}"
        )
    return [row[column] or "" for row in rows if (row.get(column) or "").strip()]


def _qa_row(row: dict, spec: TaskSpec) -> dict:
    clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
    out: dict = {"question": clean.get("question") or clean.get("domanda", "")}
    if clean.get("context") or clean.get("contesto"):
        out["context"] = clean.get("context") or clean.get("contesto")
    if spec.options:
        out["options"] = {letter: clean.get(letter.lower(), "") for letter in spec.options}
    return out


def jsonl_inputs(text: str, spec: TaskSpec, name: str) -> list[str]:
    """Lines of a JSONL file: objects with a `text` (or, for QA, a question), or plain JSON strings."""
    out, reads_text = [], kind_for(spec).reads_text
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: riga {number}: JSON non valido ({exc.msg})") from exc
        except RecursionError:
            raise InputError(f"{name}: riga {number}: JSON annidato troppo in profondità") from None
        if isinstance(obj, str):
            out.append(obj)
        elif isinstance(obj, dict) and not reads_text:
            out.append(json.dumps({k: v for k, v in obj.items() if k != "answer"}, ensure_ascii=False))
        elif isinstance(obj, dict) and isinstance(obj.get("text"), str):
            out.append(obj["text"])
        else:
            raise InputError(f"{name}: riga {number}: serve un oggetto con 'text' o una stringa JSON")
    return out
