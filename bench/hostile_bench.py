"""Memory and time of reading each hostile document (tests/hardening/bombs.py) with a checkout's read_upload.

    python bench/hostile_bench.py --repo /path/to/checkout --label before --timeout 90 --memory-mb 4000

Each read runs in a child process limited to --memory-mb and --timeout (a read past them counts as killed);
the figures are appended to bench/results/hostile.json and the table rewritten in bench/results/hostile.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hardening import bombs  # noqa: E402

RESULTS = Path(__file__).parent / "results"
DOCUMENTS = {
    "docx_bomb_300mb.docx": lambda p: bombs.docx_bomb(p, 300),
    "docx_text_flood_8mb.docx": lambda p: bombs.docx_text_flood(p, 8),
    "pdf_bomb_200pages.pdf": lambda p: bombs.pdf_bomb(p, 200, 2),
    "pdf_bomb_200pages_small_stream.pdf": lambda p: bombs.pdf_bomb(
        p, 200, 0.9
    ),  # under the page content limit
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--memory-mb", type=int, default=4000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, make in DOCUMENTS.items():
            path = make(Path(folder) / name)
            got = bombs.bounded(path, args.timeout, args.memory_mb, repo=args.repo)
            rows.append({"label": args.label, "document": name, "bytes": path.stat().st_size,
                         "outcome": got.outcome, "message": got.message[:160], "seconds": round(got.seconds, 2),
                         "peak_mb": round(got.peak_mb), "load": os.getloadavg()[0]})  # fmt: skip
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    store = RESULTS / "hostile.json"
    earlier = [r for r in json.loads(store.read_text()) if r["label"] != args.label] if store.exists() else []
    store.write_text(json.dumps(earlier + rows, indent=1, ensure_ascii=False) + "\n")
    lines = ["| run | document | bytes | outcome | seconds | peak MB | load | message |", "|---" * 8 + "|"]
    for r in earlier + rows:
        lines.append(f"| {r['label']} | {r['document']} | {r['bytes']:,} | {r['outcome']} | {r['seconds']} | "
                     f"{r['peak_mb']} | {r['load']:.2f} | {r['message']} |")  # fmt: skip
    (RESULTS / "hostile.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
