"""`manage.py serve [addr:port]`: the web server and a task worker together, for one command
on a laptop (`make run`). Ctrl-C stops both; a worker that dies is reported and started again."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from jobs.worker import engine_of

log = logging.getLogger("jobs")


def _how_it_ended(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


class WorkerSupervisor(threading.Thread):
    """Keeps one `manage.py worker` beside the web server. Without it the site would keep
    answering while nothing ran its background work, so a worker that dies is logged as an
    error and started again: at once-ish (1 s), then after a pause that doubles (up to 30 s)
    while it keeps dying young, as systemd's Restart=always would."""

    def __init__(
        self,
        command: list[str],
        *,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        min_uptime: float = 30.0,
    ) -> None:
        super().__init__(name="serve-worker-supervisor", daemon=True)
        self.command = command
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.min_uptime = min_uptime
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.proc: subprocess.Popen | None = None

    def spawn(self) -> subprocess.Popen | None:
        with self._lock:
            if self.stopping.is_set():
                return None
            self.proc = subprocess.Popen(self.command, env=os.environ.copy())  # noqa: S603 (our own manage.py, fixed arguments)
            return self.proc

    def run(self) -> None:
        # No signal mask here: a worker started from this thread would inherit it and ignore
        # Ctrl-C. Python runs signal handlers in the main thread anyway.
        delay = self.first_delay
        proc = self.proc
        while proc is not None:
            started = time.monotonic()
            code = proc.wait()
            # Ctrl-C reaches the worker and this process together: a stop, not a death.
            if self.stopping.wait(0.2):
                return
            lived = time.monotonic() - started
            if lived >= self.min_uptime:
                delay = self.first_delay
            log.error(
                "Task worker (pid %s) %s after %.0fs; no background work runs until it is "
                "back. Starting another in %.0fs.",
                proc.pid,
                _how_it_ended(code),
                lived,
                delay,
            )
            if self.stopping.wait(delay):
                return
            delay = min(delay * 2, self.max_delay)
            proc = self.spawn()
            if proc is not None:
                log.warning("Task worker started again (pid %s).", proc.pid)

    def stop(self) -> None:
        with self._lock:
            self.stopping.set()
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self.is_alive():
            self.join(timeout=5)


class Command(BaseCommand):
    help = "Run the development web server and a task worker together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        supervisor = None
        # The autoreloader runs this command again in a child process: one worker is enough.
        if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true" and engine_of() != "immediate":
            supervisor = WorkerSupervisor([sys.executable, os.path.abspath(sys.argv[0]), "worker"])

            def interrupted(signum: int, frame: FrameType | None) -> None:
                # Tell the supervisor first: the worker got the same Ctrl-C and is exiting.
                supervisor.stopping.set()
                raise KeyboardInterrupt

            signal.signal(signal.SIGINT, interrupted)
            signal.signal(signal.SIGTERM, interrupted)
            worker = supervisor.spawn()
            assert worker is not None
            self.stdout.write(f"Task worker started (pid {worker.pid}).")
            self.stdout.flush()
            supervisor.start()
        try:
            call_command("runserver", options["addrport"], use_reloader=not options["noreload"])
        finally:
            if supervisor is not None:
                supervisor.stop()
