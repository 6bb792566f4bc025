"""Real workers for the task tests: `manage.py worker` subprocesses on the test database.

Which engine and how many workers come from the environment, so one suite proves all three:
  (default)                                    database engine, one worker (SQLite or PostgreSQL)
  JOBS_TEST_WORKERS=2 + DATABASE_URL=postgres  database engine, two workers claiming the same rows
  JOBS_TEST_ENGINE=rq                          Redis through RQ at REDIS_URL (db 15 by default)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("JOBS_TEST_ENGINE", "db")
WORKERS = int(os.environ.get("JOBS_TEST_WORKERS", "1"))
REDIS_URL = os.environ.get("JOBS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# What the worker processes and this process agree on: quick leases and backoff for tests.
LEASE_SECONDS = 3.0
RETRY_BASE_SECONDS = 0.6


def wait_until(check: Callable[[], Any], *, timeout: float = 20, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")


def _database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{params['NAME']}"


@dataclass
class Workers:
    engine: str
    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Settings a test changes for its own workers (e.g. a lease too long to run out during it).
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "JOBS_", "PYTHONTRACEMALLOC"))
        }
        return {
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "TEST_TASKS_BACKEND": self.engine,
            "REDIS_URL": REDIS_URL,
            "JOBS_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
            "JOBS_HOUSEKEEPING_SECONDS": "0.3",
            "JOBS_RETRY_BASE_SECONDS": str(RETRY_BASE_SECONDS),
            "EMAIL_URL": "locmem://",
            "LOG_LEVEL": "INFO",
            **self.extra_env,
        }

    def start(self, worker_id: str) -> subprocess.Popen:
        # Appended: a worker started again under the same id keeps its predecessor's lines.
        with (self.log_dir / f"{worker_id}.log").open("a") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "worker",
                    "--worker-id",
                    worker_id,
                    "--interval",
                    "0.1",
                    "--no-startup-delay",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill takes the whole worker
            )
        self.procs[worker_id] = proc
        return proc

    def kill(self, worker_id: str) -> None:
        """SIGKILL: no handler runs, nothing is cleaned up, as when a machine dies."""
        proc = self.procs.pop(worker_id)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def alive(self) -> list[str]:
        return [wid for wid, proc in self.procs.items() if proc.poll() is None]

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-3000:]}" for path in self.log_dir.glob("*.log")
        )
