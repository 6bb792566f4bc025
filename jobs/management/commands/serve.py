"""`manage.py serve [addr:port]`: the web server and a task worker together, for one command
on a laptop (`make run`). Ctrl-C stops both."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from jobs.worker import engine_of


class Command(BaseCommand):
    help = "Run the development web server and a task worker together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = None
        # The autoreloader runs this command again in a child process: one worker is enough.
        if os.environ.get(DJANGO_AUTORELOAD_ENV) != "true" and engine_of() != "immediate":
            worker = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
                [sys.executable, os.path.abspath(sys.argv[0]), "worker"], env=os.environ.copy()
            )
            self.stdout.write(f"Task worker started (pid {worker.pid}).")
        try:
            call_command("runserver", options["addrport"], use_reloader=not options["noreload"])
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
