"""Two schedulers at once (cron beside cron, or beside the workers' own) start each periodic job
once per period: the period is claimed by a unique row before anything runs, so a reminder due
to a licensee goes once."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import EmailLog, EmailStatus, JobRun, RunStatus, ScheduleSlot
from licensing.models import Licence
from licensing.tasks import reminder_key
from tests.jobs.harness import ENGINE, ROOT, Workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
NAMES = ["expire-due-licences", "lapse-stale-requests", "licence-expiry-reminders"]


def run_two_schedulers_at_once(env: dict[str, str], names: list[str]) -> list[str]:
    """Two cron-style `run_schedule --inline` processes started together; their outputs."""
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_schedule", "--inline", "--only", ",".join(names)],
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
    return outputs


def test_two_schedulers_at_once_start_each_periodic_job_once(tmp_path):
    # Given two cron-style schedulers starting the due jobs at the same moment, each running
    # them in its own process
    env = {**Workers(engine=ENGINE, log_dir=tmp_path).env(), "JOBS_SWEEP_EVERY_SECONDS": "86400"}
    outputs = run_two_schedulers_at_once(env, NAMES)

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


def test_two_schedulers_at_once_send_a_due_expiry_reminder_once(tmp_path, licence):
    # Given a licence ending in 20 days, so its 30-day reminder is due
    Licence.objects.filter(pk=licence.pk).update(ends_on=timezone.localdate() + timedelta(days=20))
    env = {**Workers(engine=ENGINE, log_dir=tmp_path).env(), "JOBS_SWEEP_EVERY_SECONDS": "86400"}

    # When two schedulers run the reminder sweep at the same moment
    run_two_schedulers_at_once(env, ["licence-expiry-reminders"])
    # And a worker then delivers whatever they queued
    worker = subprocess.run(
        [sys.executable, "manage.py", "worker", "--burst", "--no-scheduler", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr

    # Then one reminder was recorded, to the licensee, and sent once
    [email] = EmailLog.objects.filter(template="licence_expiring")
    assert email.key == reminder_key(licence.pk, 30)
    assert email.to == ["accounts@school.example", "ada@school.example"]
    assert (email.status, email.attempts) == (EmailStatus.SENT, 1)
    deliveries = [
        run
        for run in JobRun.objects.filter(task_path="jobs.tasks.deliver_email")
        if run.kwargs == {"email_id": email.pk}
    ]
    assert [(run.status, run.attempts) for run in deliveries] == [(RunStatus.SUCCEEDED, 1)]
