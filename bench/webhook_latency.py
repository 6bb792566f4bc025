"""The Stripe webhook's response time under concurrent senders, against a real server process.

Run: .venv/bin/python bench/webhook_latency.py [--senders 20] [--events 50] [--database-url URL]

Starts `manage.py runserver --noreload` on a free port with a throwaway database (a fresh SQLite
file, or the PostgreSQL database named by --database-url, which is migrated first), the
database task engine (events are queued for a worker, as in production; no worker runs, so only
verify + store + enqueue is timed), and a webhook secret. Then `senders` threads each POST
`events` distinct signed checkout.session.completed events at once, and it prints the median
and 99th-percentile response times."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench"  # noqa: S105 (a throwaway secret for a throwaway server)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed(event: dict) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    ts = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={ts},v1={digest}"


def event(n: int) -> dict:
    session_id = f"cs_bench_{uuid.uuid4().hex}"
    return {
        "id": f"evt_bench_{uuid.uuid4().hex}",
        "object": "event",
        "type": "checkout.session.completed",
        "api_version": "2025-09-30.clover",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "payment_status": "paid",
                "status": "complete",
                "payment_intent": f"pi_bench_{n}",
                "metadata": {},
            }
        },
    }


def post(url: str, payload: bytes, header: str) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310 (our own server on loopback)
        url,
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    return status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--events", type=int, default=50, help="events per sender")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="webhook-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp),
        "TASKS_BACKEND": "db",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    server = subprocess.Popen(
        [python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/billing/stripe/webhook/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        post(url, *signed(event(-1)))  # warm up: imports, first connection

        barrier = threading.Barrier(args.senders)
        timings: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def sender(index: int) -> None:
            bodies = [signed(event(index * args.events + i)) for i in range(args.events)]
            barrier.wait()
            for payload, header in bodies:
                status, seconds = post(url, payload, header)
                with lock:
                    timings.append(seconds)
                    statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(i,)) for i in range(args.senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    timings.sort()
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
    engine = database_url.split(":", 1)[0]
    print(f"server: manage.py runserver --noreload (threaded), database: {engine}, tasks: db")
    print(f"{args.senders} concurrent senders x {args.events} events = {len(timings)} requests "
          f"in {elapsed:.2f}s ({len(timings) / elapsed:.0f}/s); statuses {statuses}")  # fmt: skip
    print(f"median {statistics.median(timings) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
          f"max {timings[-1] * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
