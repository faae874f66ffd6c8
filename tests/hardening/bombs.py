"""Hostile documents, generated on demand (none is committed): zip bombs as .docx, a PDF bomb, a text flood.

Each writes a small file that costs a naive reader far more than its size; `bounded` runs a reader in a child
process with a memory limit and a timeout (or a CPU-time limit, the same at any load on the machine), so a test
of the old behaviour fails instead of taking the machine.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from medui.config import REPO_ROOT

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/'
    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
    '+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def _docx(path: Path, body_chunks, level: int = 9) -> Path:
    """A .docx whose word/document.xml is the body pieces between the document's opening and closing tags."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>'.encode())
            for chunk in body_chunks:
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return path


def docx_bomb(path: Path, inflated_mb: int = 300) -> Path:
    """Hundreds of MB of empty runs (markup, almost no text) deflated to a few hundred KB."""
    piece = b"<w:p><w:r><w:rPr><w:b/></w:rPr></w:r></w:p>" * 20_000  # about 0.9 MB
    return _docx(path, (piece for _ in range(inflated_mb * 1_000_000 // len(piece))))


def docx_text_flood(path: Path, text_mb: int = 8) -> Path:
    """Megabytes of varied words (a compression ratio of an ordinary document): the text limit must stop it."""
    rng = random.Random(0)
    words = ("febbre", "tosse", "dispnea", "paziente", "terapia")
    words = [f"{w}{n}" for w in words for n in range(300)]

    def paragraphs():
        for _ in range(text_mb * 1_000_000 // 2_000):
            yield f"<w:p><w:r><w:t>{' '.join(rng.choices(words, k=200))}</w:t></w:r></w:p>".encode()

    return _docx(path, paragraphs(), level=6)


def docx_small(path: Path, text: str = "Paziente con febbre.") -> Path:
    return _docx(path, [f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()])


def pdf_bomb(path: Path, pages: int = 200, stream_mb: float = 2) -> Path:
    """Many pages sharing one compressed content stream of text operators: slow to extract, text piles up."""
    line = b"(febbre alta e tosse) Tj T*\n"
    ops = b"BT /F1 1 Tf 1 TL\n" + line * int(stream_mb * 1_000_000 / len(line)) + b"ET\n"
    stream = zlib.compress(ops, 9)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    font = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] %s /Contents 3 0 R >>" % font] * pages
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


# measuring a reader --------------------------------------------------------------------------------------
@dataclass
class Bounded:
    """What a bounded read did: its outcome ('text', 'refused' with the message, 'killed'), seconds, peak MB."""

    outcome: str
    message: str
    seconds: float
    peak_mb: float


CHILD = """
import json, resource, sys
from medui.backend.data.inputs import InputError
from medui.backend.web.uploads import read_upload
from medui.tasks.registry import get_spec
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
if {cpu!r} is not None:
    resource.setrlimit(resource.RLIMIT_CPU, ({cpu!r}, {cpu!r}))
try:
    text = read_upload(sys.argv[1], get_spec("e3c_clinical_entities"))[0]
    answer = {{"outcome": "text", "message": str(len(text))}}
except InputError as exc:
    answer = {{"outcome": "refused", "message": str(exc)}}
except BaseException as exc:  # MemoryError under the limit, or a crash of the reader
    answer = {{"outcome": "killed", "message": type(exc).__name__ + ": " + str(exc)[:200]}}
# this process's own peak (VmHWM: ru_maxrss would carry the parent's over fork and exec) and its workers'
own = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{**answer, "peak_kb": max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)}}))
"""


def bounded(
    path: Path, timeout_s: float = 30, memory_mb: int = 1500, repo: Path = REPO_ROOT, cpu_s: int | None = None
) -> Bounded:
    """`read_upload` of a file in a child process limited to memory_mb, timeout_s and (given) cpu_s seconds of
    CPU time; its peak includes workers."""
    started = time.monotonic()
    code = CHILD.format(memory=memory_mb * 1_000_000, cpu=cpu_s)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
        answer = json.loads(out or b"null") or {"outcome": "killed", "message": err.decode()[-300:]}
    except subprocess.TimeoutExpired:
        answer = {"outcome": "killed", "message": f"still running after {timeout_s:.0f} s"}
        answer["peak_kb"] = _high_water_kb(proc.pid)
        proc.kill()
        proc.communicate()
    seconds = time.monotonic() - started
    return Bounded(answer["outcome"], answer["message"], seconds, answer.get("peak_kb", 0) / 1024)


def _high_water_kb(pid: int) -> int:
    """The peak resident memory of a running process (VmHWM), in KB."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("VmHWM:")), 0)
