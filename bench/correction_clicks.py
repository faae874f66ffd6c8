"""Benchmark: the user actions and seconds of four corrections in Correggi, before and after issue 24's editor.

For each of four corrections an annotator makes (adding a mention, fixing a boundary, adding a link, fixing a
form item) a Chromium page driven by Playwright does what an annotator does on Correggi, on two versions of the
app: "before" (a checkout of the commit before issue 24's editor work, `--before`, default 2be1ca7, in its own
git worktree) and "after" (this tree). Each version's app runs from its own tree with the tiny test model and a
store seeded with one prediction per correction (bench/correction_flows.py says what each holds and what the
annotator does). Counted per flow: clicks, keys (each key of a chord counts), text selections with the mouse,
the wall-clock seconds from the first action to the page confirming the save (the app's own latency: the script
does not think), and a keystroke-level-model estimate of a person's time (Card, Moran and Newell: K 0.28 s, P 1.1
s, B 0.1 s, H 0.4 s, M 1.35 s), with its operator sequence. A flow counts only when the correction is stored as
expected (read back from the store's database after the save); `uptime` is taken beside every figure.

    .venv/bin/python bench/correction_clicks.py                    # writes bench/results/correction_clicks/
    .venv/bin/python bench/correction_clicks.py --out /tmp/cc      # anywhere else
    .venv/bin/python bench/correction_clicks.py --only before      # rerun one version, keep the other's rows

Needs Playwright and Debian's Chromium (tests/app/browsing.py); a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import correction_flows as flows  # noqa: E402

BEFORE = "2be1ca7"  # the parent of b2a4767, the first commit of issue 24's editor work
USER, PASSWORD = "anna", "password-anna"
SERVE = """
import sys
from medui.backend import service
from medui.cli.serve import launch
service.add_user({user!r}, "annotator", {password!r})
launch(host="127.0.0.1", port=int(sys.argv[1]))
"""
SEED = """
import json, sys
from sqlmodel import Session
from medui.backend.store import repo
from medui.backend.store.db import make_engine
from medui.tasks.registry import get_spec
from tests.backend.store.records import make_prediction
out = {}
engine = make_engine(sys.argv[1])
with Session(engine) as session:
    for name, task, record in json.loads(sys.argv[2]):
        spec = get_spec(task)
        try:  # the tree's own way of describing a run
            from medui.backend.evaluation.info import RunInfo
            run = repo.save_run(RunInfo(spec, "m", "cd", split="predict"), session=session)
        except ImportError:
            run = repo.save_run(spec, session=session, model="m", strategy="cd", split="predict")
        (prediction,) = repo.save_predictions(run, [make_prediction(record, 0.3)], [None], session=session)
        out[name] = prediction.id
    session.commit()
print(json.dumps(out))
"""


def uptime() -> str:
    """The 1, 5 and 15-minute load averages, as `uptime` shows them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def commit_of(tree: Path) -> str:
    """The commit checked out in a tree (short hash), with '+changes' when it has uncommitted changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "-uno"], cwd=tree, capture_output=True, text=True)
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def tiny_model(folder: Path) -> Path:
    """The tests' tiny random Llama (tests/conftest.py) saved in `folder`; the flows never run it."""
    from tests.conftest import make_tiny_llama

    return make_tiny_llama(folder)


@contextlib.contextmanager
def before_tree(commit: str, path: Path) -> Iterator[Path]:
    """A detached git worktree of `commit` at `path`, removed after."""
    subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=REPO, check=True,
                   capture_output=True)  # fmt: skip
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=REPO, check=False)


@contextlib.contextmanager
def launched(tree: Path, home: Path, model: Path) -> Iterator[str]:
    """The app of `tree` (its code, run from it) on a fresh `home` with the annotator USER: its address."""
    import socket

    from tests.app.conftest import wait_until_up  # the tests' own wait for an app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in ("MEDUI_DATABASE_URL", "PYTHONPATH")}
    env.update(
        MEDUI_HOME=str(home), MEDUI_MODEL=str(model), MEDUI_WARMUP="0", TORCHDYNAMO_DISABLE="1",
        HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", OMP_NUM_THREADS="1", PYTHONPATH=str(tree),
    )  # fmt: skip
    log = home / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE.format(user=USER, password=PASSWORD), str(port)],
            cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, log, timeout_s=900)  # a loaded machine may take minutes
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def seed(tree: Path, database: Path) -> dict[str, int]:
    """One stored prediction per correction (flows.PREDICTIONS), stored by the tree's own code: their ids."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MEDUI_HOME": str(database.parent)}
    done = subprocess.run(
        [sys.executable, "-c", SEED, f"sqlite:///{database}", json.dumps(flows.PREDICTIONS)],
        cwd=tree, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"seeding the store of {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(version: str, tree: Path, work: Path, model: Path, browser, out: Path) -> list[dict]:
    """Every flow of one version on its own app: a row per correction, each with its own time and load (a
    failed flow leaves a screenshot in `out`)."""
    rows = []
    with launched(tree, work / version, model) as url:
        database = work / version / "medui.sqlite"
        ids = seed(tree, database)
        for name in flows.CORRECTIONS:
            row = flows.run(version, name, browser, url, (USER, PASSWORD), ids[name], database, out)
            when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            rows.append(
                {"version": version, "commit": commit_of(tree), **row, "uptime": uptime(), "when": when}
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def merged(out: Path, rows: list[dict], commits: dict[str, str]) -> tuple[list[dict], dict[str, str]]:
    """The rows and commits of this run with, for a version not measured now, those of the results already in
    `out` (results.json): `--only before` then updates just the before rows."""
    known = out / "results.json"
    if known.exists():
        old = json.loads(known.read_text())
        kept = [row for row in old["rows"] if row["version"] not in commits]
        rows = kept + rows
        commits = {**{k: v for k, v in old["commits"].items() if k not in commits}, **commits}
    order = {name: i for i, name in enumerate(flows.CORRECTIONS)}
    rows.sort(key=lambda row: (order[row["correction"]], row["version"] != "before"))
    return rows, commits


def markdown(rows: list[dict], commits: dict[str, str]) -> str:
    """The results table: correction x version, each row with its own time and load."""
    whens = sorted({row["when"] for row in rows})
    span = whens[0] if len(whens) == 1 else f"{whens[0]} to {whens[-1]}"
    lines = [
        "# Clicks and seconds per correction in Correggi, before and after issue 24's editor",
        "",
        f"before: {commits['before']}; after: {commits['after']}. Taken {span} on "
        f"{os.cpu_count()} cores (each row's time beside it). Clicks, keys and selections are the annotator's "
        "actions, retries included; retries: table cells opened and typed again because the table did not keep "
        "what was typed (- where the run predates counting them); scripted seconds are the wall clock of the "
        "scripted flow (the app's latency, no human thinking); KLM seconds estimate a person's time (K 0.28, P "
        "1.1, B 0.1, H 0.4, M 1.35 s). uptime: load averages after the flow.",
        "",
        "| correction | version | clicks | keys | selections | retries | scripted s | KLM s | stored | taken | uptime |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {flows.TITLES[row['correction']]} | {row['version']} | {row['clicks']} | {row['keys']} | "
            f"{row['selections']} | {row.get('retries', '-')} | {row['scripted_s']} | {row['klm_s']} | "
            f"{'yes' if row['stored'] else 'NO'} | {row['when']} | {row['uptime']} |"
        )
    failed = [row for row in rows if row.get("error")]
    if failed:
        lines += ["", "Failed flows (their figures stop where the flow did):", ""]
        lines += [f"- {flows.TITLES[r['correction']]}, {r['version']}: {r['error']}" for r in failed]
    lines += ["", "## What each flow does (KLM operators)", ""]
    for row in rows:
        lines.append(f"- **{flows.TITLES[row['correction']]}, {row['version']}**: {row['steps']}  ")
        lines.append(f"  `{row['operators']}`")
    lines += ["", *flows.NOTES]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--before", default=BEFORE, help="the commit before the editor work (default %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/correction_clicks")
    parser.add_argument(
        "--only", choices=["before", "after"],
        help="measure one version only; the other version's rows already in --out are kept",
    )  # fmt: skip
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.app.browsing import ARGS, CHROMIUM

    with tempfile.TemporaryDirectory(prefix="correction_clicks_") as tmp, sync_playwright() as p:
        work = Path(tmp)
        model = tiny_model(work / "tiny")
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        rows, commits = [], {}
        with before_tree(args.before, work / "before-tree") as old:
            for version, tree in (("before", old), ("after", REPO)):
                if args.only in (None, version):
                    commits[version] = commit_of(tree)
                    rows += measure(version, tree, work, model, browser, args.out)
        browser.close()
    args.out.mkdir(parents=True, exist_ok=True)
    rows, commits = merged(args.out, rows, commits)
    (args.out / "results.json").write_text(json.dumps({"commits": commits, "rows": rows}, indent=1) + "\n")
    (args.out / "results.md").write_text(markdown(rows, {"before": "-", "after": "-", **commits}))
    print(f"wrote {args.out}/results.json and results.md")


if __name__ == "__main__":
    main()
