"""Two schedulers at once (cron beside cron, or beside the workers' own) start each periodic job
once per period: the period is claimed by a unique row before anything runs."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from jobs.models import JobRun, RunStatus, ScheduleSlot
from tests.jobs.harness import ENGINE, ROOT, Workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
NAMES = ["expire-due-licences", "lapse-stale-requests", "licence-expiry-reminders"]


def test_two_schedulers_at_once_start_each_periodic_job_once(tmp_path):
    # Given two cron-style schedulers starting the due jobs at the same moment, each running
    # them in its own process
    env = {**Workers(engine=ENGINE, log_dir=tmp_path).env(), "JOBS_SWEEP_EVERY_SECONDS": "86400"}
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_schedule", "--inline", "--only", ",".join(NAMES)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs

    # Then every periodic job was claimed once for the day, and ran once
    day = int(time.time() // 86400)
    for name in NAMES:
        assert list(ScheduleSlot.objects.filter(name=name).values_list("slot", flat=True)) == [day]
    for task in ("lapse_stale_requests", "expire_due_licences", "send_expiry_reminders"):
        runs = JobRun.objects.filter(task_path=f"licensing.tasks.{task}")
        assert [r.status for r in runs] == [RunStatus.SUCCEEDED]
    # And between them the two schedulers started each job exactly once
    started = [
        name.strip()
        for out in outputs
        for line in out.splitlines()
        if line.startswith("started: ") and "nothing due" not in line
        for name in line.removeprefix("started: ").split(";")[0].split(",")
    ]
    assert sorted(started) == NAMES, outputs
