"""Reading the text of a document (.docx, .pdf) with bounded memory and time, in a worker process.

A .docx is a zip: every member's inflated size and compression ratio is checked from the zip directory before
anything is inflated, then word/document.xml is inflated and parsed in chunks (expat, no DTD, no entities),
the text limit applied as the text grows. A PDF: the page count, the bytes of content streams decoded and the
text are bounded page by page, under a deadline. `read_document` runs the reader in a child process with a
memory limit and a timeout, so a hostile file costs at most that and never holds up the model.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.parsers import expat

MAX_TEXT_BYTES = 2_000_000  # the same as medui.backend.data.inputs (this module imports nothing from medui)
MAX_ZIP_MEMBERS = 1000
MAX_MEMBER_BYTES = 50_000_000  # inflated size of one part of a .docx
MAX_INFLATED_BYTES = 100_000_000  # all parts together
MAX_RATIO = 100  # inflated / compressed, for parts over RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1_000_000
MAX_PDF_PAGES = 500
MAX_PDF_PAGE_CONTENT_BYTES = 1_000_000  # the decoded content stream of one page (a dense text page: ~100 KB)
MAX_PDF_CONTENT_BYTES = 30_000_000  # decoded page content streams, all pages together
WORKER_TIMEOUT_S = 15.0
WORKER_MEMORY_BYTES = 1_000_000_000  # address space of the worker
CHUNK = 1 << 16
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _dotted(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class DocumentError(ValueError):
    """A document that cannot be read within the limits; the message (Italian) says why."""


# the worker ------------------------------------------------------------------------------------------------
def read_document(path: str | Path, timeout_s: float = WORKER_TIMEOUT_S) -> str:
    """The text of a .docx or .pdf, read in a child process bounded in memory and time (DocumentError)."""
    path = Path(path)
    package_root = str(Path(__file__).resolve().parents[3])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "medui.backend.web.documents", str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout_s, env=env, cwd=package_root, check=False
        )
    except subprocess.TimeoutExpired:
        raise DocumentError(
            f"{path.name}: lettura interrotta dopo {timeout_s:.0f} s (documento troppo complesso)"
        ) from None
    try:
        answer = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = None
    if not isinstance(answer, dict):  # killed by the memory limit, or crashed
        raise DocumentError(f"{path.name}: lettura interrotta (il documento richiede troppa memoria)")
    if "error" in answer:
        raise DocumentError(str(answer["error"]))
    return str(answer["text"])


def _worker(argv: list[str]) -> int:
    """The child: limits on itself first, then one document read; the answer is one JSON object on stdout."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    cpu = int(WORKER_TIMEOUT_S) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    path = Path(argv[0])
    try:
        text = read_in_process(path)
        answer: dict = {"text": text}
    except DocumentError as exc:
        answer = {"error": str(exc)}
    except MemoryError:
        answer = {"error": f"{path.name}: lettura interrotta (il documento richiede troppa memoria)"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


def read_in_process(path: Path, deadline_s: float = WORKER_TIMEOUT_S - 3) -> str:
    """The text of a document, in this process (the worker calls it; tests may too)."""
    if path.suffix.lower() == ".docx":
        return docx_text(path)
    if path.suffix.lower() == ".pdf":
        return pdf_text(path, deadline_s)
    raise DocumentError(f"{path.name}: non è un documento .docx o .pdf")


# .docx -----------------------------------------------------------------------------------------------------
def check_zip(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip whose parts would inflate too much, from its directory alone (nothing is inflated)."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise DocumentError(
            f"{name}: {len(members)} parti nel documento, oltre il limite di {MAX_ZIP_MEMBERS}"
        )
    total = 0
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        if size > MAX_MEMBER_BYTES or total > MAX_INFLATED_BYTES:
            raise DocumentError(
                f"{name}: il documento decompresso supera {MAX_INFLATED_BYTES // 1_000_000} MB"
            )
        if size > RATIO_FROM_BYTES and size / packed > MAX_RATIO:
            raise DocumentError(
                f"{name}: una parte del documento si espande {size // packed} volte (bomba zip?): rifiutato"
            )


class _DocxText:
    """Paragraph text of word/document.xml, collected as expat reports it; refused once over the limit."""

    def __init__(self, name: str) -> None:
        self.name, self.paragraphs, self.current, self.size = name, [], [], 0
        self.in_text = False

    def start(self, tag: str, _attrs) -> None:
        if tag == f"{W} t":
            self.in_text = True
        elif tag in (f"{W} tab",):
            self._add("\t")
        elif tag in (f"{W} br", f"{W} cr"):
            self._add("\n")

    def end(self, tag: str) -> None:
        if tag == f"{W} t":
            self.in_text = False
        elif tag == f"{W} p":
            self.paragraphs.append("".join(self.current))
            self.current = []
            self._grow(1)

    def data(self, text: str) -> None:
        if self.in_text:
            self._add(text)

    def _add(self, text: str) -> None:
        self.current.append(text)
        self._grow(len(text.encode("utf-8")))

    def _grow(self, n: int) -> None:
        self.size += n
        if self.size > MAX_TEXT_BYTES:
            raise DocumentError(
                f"{self.name}: il testo estratto supera il limite di {MAX_TEXT_BYTES:,} byte".replace(
                    ",", "."
                )
            )


def _no_dtd(*_args) -> None:
    raise DocumentError("il documento contiene una DTD o entità: rifiutato")


def docx_text(path: Path) -> str:
    """The paragraphs of a Word document, one a line (tables' paragraphs too)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, name)
            collected = _DocxText(name)
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.StartElementHandler, parser.EndElementHandler = collected.start, collected.end
            parser.CharacterDataHandler = collected.data
            parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _no_dtd
            read = 0
            with archive.open("word/document.xml") as part:
                while chunk := part.read(CHUNK):
                    read += len(chunk)
                    if read > MAX_MEMBER_BYTES:  # a directory that lies about the size
                        raise DocumentError(
                            f"{name}: una parte del documento è più grande di quanto dichiara"
                        )
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except DocumentError as exc:
        raise DocumentError(str(exc) if str(exc).startswith(name) else f"{name}: {exc}") from None
    except (zipfile.BadZipFile, KeyError, expat.ExpatError, OSError, EOFError, NotImplementedError):
        raise DocumentError(f"{name}: non è un documento .docx leggibile") from None
    return "\n".join(collected.paragraphs)


# .pdf ------------------------------------------------------------------------------------------------------
def pdf_text(path: Path, deadline_s: float = WORKER_TIMEOUT_S - 3) -> str:
    """The text layer of a PDF, page by page, within the page, content, text and time limits."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    name, limits = path.name, _PdfLimits(path.name, time.monotonic() + deadline_s, deadline_s)
    pages: list[str] = []
    try:
        reader = PdfReader(str(path))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(f"{name}: {len(reader.pages)} pagine, oltre il limite di {MAX_PDF_PAGES}")
        for number, page in enumerate(reader.pages, start=1):
            stream = page.get_contents()
            limits.content(len(stream.get_data()) if stream is not None else 0, number)
            pages.append(page.extract_text(visitor_text=limits.visit) or "")
            limits.grow(1)
    except DocumentError:
        raise
    except (PyPdfError, ValueError, OSError, KeyError, TypeError, AttributeError, RecursionError):
        raise DocumentError(f"{name}: non è un PDF leggibile") from None
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(f"{name}: il PDF non ha testo (forse è una scansione: serve l'OCR)")
    return text


class _PdfLimits:
    """Content bytes and text of a PDF counted as pypdf decodes and extracts them, and its deadline."""

    def __init__(self, name: str, deadline: float, seconds: float) -> None:
        self.name, self.deadline, self.seconds = name, deadline, seconds
        self.total = self.text = 0

    def content(self, size: int, number: int) -> None:
        self.total += size
        if size > MAX_PDF_PAGE_CONTENT_BYTES or self.total > MAX_PDF_CONTENT_BYTES:
            raise DocumentError(
                f"{self.name}: pagina {number}: contenuto di {_dotted(size)} byte ({_dotted(self.total)} in tutto), "
                "oltre i limiti per un documento clinico: rifiutato"
            )
        self._in_time()

    def visit(self, text: str, *_args) -> None:
        """pypdf's visitor_text: called for each piece of text as a page is extracted."""
        self.grow(len(text.encode("utf-8", "surrogatepass")))
        self._in_time()

    def grow(self, n: int) -> None:
        self.text += n
        if self.text > MAX_TEXT_BYTES:
            raise DocumentError(
                f"{self.name}: il testo estratto supera il limite di {MAX_TEXT_BYTES:,} byte".replace(
                    ",", "."
                )
            )

    def _in_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise DocumentError(
                f"{self.name}: lettura interrotta dopo {self.seconds:.0f} s (PDF troppo complesso)"
            )


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1:]))
