"""Login throughput under a failed-login flood, with another client's latency beside it (127.0.0.1 only).

    python bench/login_flood.py --repo /path/to/checkout --label before --seconds 10 --loops 16

Starts a checkout's app (two users) on a free local port, then for --seconds runs --loops threads posting
wrong passwords from 127.0.0.2 while one other client, from 127.0.0.1, times GET /config with its session and
a correct login now and then. Appends to bench/results/login_flood.json and rewrites login_flood.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"
SERVE = """
import sys
from medui.backend import service
try:
    from medui.cli.serve import launch
except ImportError:  # a checkout from before the CLI package
    from medui.cli_app import launch
service.add_user("anna", "annotator", "password-anna")
service.add_user("clara", "clinician", "password-clara")
launch(host="127.0.0.1", port=int(sys.argv[1]))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(repo: Path, home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "MEDUI_HOME": str(home), "PYTHONPATH": str(repo), "GRADIO_ANALYTICS_ENABLED": "False",
           "HF_HUB_OFFLINE": "1", "TORCHDYNAMO_DISABLE": "1", "OMP_NUM_THREADS": "1"}  # fmt: skip
    env.pop("MEDUI_DATABASE_URL", None)
    log = open(home / "app.log", "wb")  # noqa: SIM115 - the app's output, kept open while it runs
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], cwd=repo, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            httpx.get(url + "/config", timeout=2)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"the app did not start:\n{(home / 'app.log').read_text()[-2000:]}")


def flood(url: str, until: float, counts: dict, lock: threading.Lock) -> None:
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(transport=transport, timeout=60) as client:
        while time.monotonic() < until:
            code = client.post(url + "/login", data={"username": "anna", "password": "sbagliata"}).status_code
            with lock:
                counts[code] = counts.get(code, 0) + 1


def other_client(url: str, until: float, latencies: list, logins: list) -> None:
    with httpx.Client(timeout=60) as client:
        started = time.monotonic()
        answer = client.post(url + "/login", data={"username": "clara", "password": "password-clara"})
        logins.append((answer.status_code, time.monotonic() - started))
        while time.monotonic() < until:
            started = time.monotonic()
            client.get(url + "/config")
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--loops", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        proc, url = start(args.repo.resolve(), Path(folder))
        try:
            quiet: list = []
            other_client(url, time.monotonic() + 2, quiet, [])  # the other client's latency with no flood
            counts, lock, latencies, logins = {}, threading.Lock(), [], []
            until = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=flood, args=(url, until, counts, lock)) for _ in range(args.loops)
            ]
            threads.append(threading.Thread(target=other_client, args=(url, until, latencies, logins)))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    row = {
        "label": args.label, "loops": args.loops, "seconds": args.seconds,
        "attempts_per_s": round(sum(counts.values()) / args.seconds, 1),
        "by_status": {str(k): v for k, v in sorted(counts.items())},
        "quiet_median_ms": round(1000 * statistics.median(quiet), 1),
        "median_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * statistics.quantiles(latencies, n=20)[-1], 1) if len(latencies) > 1 else None,
        "max_ms": round(1000 * max(latencies), 1), "requests": len(latencies),
        "other_login": {"status": logins[0][0], "ms": round(1000 * logins[0][1], 1)} if logins else None,
        "load": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    print(json.dumps(row))
    store = RESULTS / "login_flood.json"
    rows = [r for r in json.loads(store.read_text()) if r["label"] != args.label] if store.exists() else []
    store.write_text(json.dumps([*rows, row], indent=1) + "\n")
    lines = [
        "| run | loops | failed-login attempts/s | answers | other client /config: quiet median, median, p95, "
        "max (ms) | other client's login | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in [*rows, row]:
        login = r["other_login"] or {}
        lines.append(
            f"| {r['label']} | {r['loops']} | {r['attempts_per_s']} | {r['by_status']} | {r['quiet_median_ms']}, "
            f"{r['median_ms']}, {r['p95_ms']}, {r['max_ms']} | {login.get('status')} in {login.get('ms')} ms | "
            f"{r['load']} |"
        )
    (RESULTS / "login_flood.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
