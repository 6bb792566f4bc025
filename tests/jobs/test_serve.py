"""`manage.py serve`, what `make run` starts: the web server and a worker from one command; a
worker that dies is reported and replaced; Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from jobs.models import WorkerHeartbeat
from tests.jobs.harness import ENGINE, ROOT, Workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(url: str) -> int | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None  # not listening yet


def live_members(pgid: int) -> list[int]:
    """Processes of the group that still run (zombies waiting for a reaper do not count)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def worker_beating_in(pgid: int, *, other_than: int | None = None) -> WorkerHeartbeat | None:
    for beat in WorkerHeartbeat.objects.all():
        if beat.pid == other_than or beat.pid is None:
            continue
        try:
            if os.getpgid(beat.pid) == pgid:
                return beat
        except ProcessLookupError:
            continue
    return None


def test_serve_runs_the_site_and_a_worker_replaces_a_dead_worker_and_stops_on_ctrl_c(tmp_path):
    # Given `manage.py serve` started as `make run` starts it (autoreloader on), in its own
    # process group as a terminal would
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**Workers(engine=ENGINE, log_dir=tmp_path).env(), "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # Then it serves pages
        wait_until(
            lambda: status_of(f"http://127.0.0.1:{port}/admin/login/") == 200,
            timeout=60,
            what="the web server to answer",
        )
        # And a worker of its own holds a lease
        first = wait_until(lambda: worker_beating_in(serve.pid), what="serve's worker to beat")

        # When that worker dies
        os.kill(first.pid, signal.SIGKILL)

        # Then serve says so, as an error, and starts another
        second = wait_until(
            lambda: worker_beating_in(serve.pid, other_than=first.pid),
            timeout=30,
            what="a new worker to beat",
        )
        output = log_path.read_text()
        assert f"ERROR jobs Task worker (pid {first.pid}) was killed by SIGKILL" in output
        assert f"Task worker started again (pid {second.pid})" in output
        assert status_of(f"http://127.0.0.1:{port}/admin/login/") == 200

        # And when Ctrl-C reaches the group, every process stops within a few seconds
        os.killpg(serve.pid, signal.SIGINT)
        serve.wait(timeout=10)
        wait_until(lambda: not live_members(serve.pid), timeout=10, what="the group to stop")
        # Without calling a Ctrl-C a dead worker
        assert log_path.read_text().count("ERROR") == 1, log_path.read_text()
    finally:
        if live_members(serve.pid):
            os.killpg(serve.pid, signal.SIGKILL)
        serve.wait(timeout=10)
