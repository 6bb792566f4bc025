"""The retry helper, told inline (the immediate engine): which failures are transient, how long
the backoff is, and what staff see and can do when work fails."""

from __future__ import annotations

import logging
import re
import smtplib
import urllib.error
from email.message import Message

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from jobs.models import FailureKind, JobRun, RunStatus
from jobs.retry import PermanentError, TransientError, backoff_seconds, is_transient
from jobs.runs import job_run_retry
from syndication.errors import Conflict
from tests import factories as f
from tests.jobs import sample_tasks as t

pytestmark = pytest.mark.django_db


class HttpError(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class SerializationFailure(Exception):
    sqlstate = "40001"


def db_error(cause: Exception, message: str = "could not serialize access") -> OperationalError:
    error = OperationalError(message)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (ConnectionResetError("reset by peer"), True),
        (TimeoutError("read timed out"), True),
        (HttpError(503), True),
        (HttpError(500), True),
        (HttpError(429), True),
        (HttpError(404), False),
        (HttpError(400), False),
        (urllib.error.HTTPError("https://x", 502, "Bad Gateway", Message(), None), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPResponseException(451, b"try later"), True),
        (smtplib.SMTPResponseException(550, b"no such mailbox"), False),
        (db_error(SerializationFailure()), True),
        (OperationalError("database is locked"), True),
        (TransientError("the partner said later"), True),
        (PermanentError("bad data"), False),
        (ValueError("bad data"), False),
        (KeyError("licence"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_transient_failures_are_told_from_permanent_ones(exc, transient):
    assert is_transient(exc) is transient


@override_settings(JOBS_RETRY_BASE_SECONDS=2, JOBS_RETRY_MAX_DELAY_SECONDS=60)
def test_backoff_doubles_with_jitter_up_to_a_ceiling():
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (6, 60), (12, 60)]:
        delays = [backoff_seconds(attempt) for _ in range(200)]
        # "Equal jitter": never less than half the exponential step, never more than all of it
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 100
    # An outside service's Retry-After is honoured when longer
    assert backoff_seconds(1, retry_after=30) == 30


@pytest.fixture
def effect_tables(db):
    t.create_tables()
    yield
    t.clear_tables()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (retries are queued on commit) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_inline_a_transient_failure_is_retried_until_it_succeeds(effect_tables, on_commit):
    with on_commit():
        t.flaky.enqueue(key="inline", failures=2)

    run = JobRun.objects.get(task_path="tests.jobs.sample_tasks.flaky")
    assert (run.status, run.attempts, run.max_attempts) == (RunStatus.SUCCEEDED, 3, 5)
    assert run.kwargs == {"key": "inline", "failures": 2}
    assert run.return_value == "applied"
    assert t.effects("inline") == 1


def test_transient_failures_past_the_limit_fail_the_run_with_the_last_reason(
    effect_tables, on_commit
):
    with on_commit():
        result = t.flaky.enqueue(key="hopeless", failures=99)

    run = JobRun.objects.get(task_path="tests.jobs.sample_tasks.flaky")
    assert run.status == RunStatus.FAILED
    assert run.failure_kind == FailureKind.EXHAUSTED
    assert run.attempts == 5
    assert run.error == "builtins.ConnectionError: partner endpoint reset the connection"
    assert "Traceback" in run.traceback
    assert len(t.calls("hopeless")) == 5
    assert t.effects("hopeless") == 0
    assert result.status == "SUCCESSFUL"  # the first attempt only scheduled the second


def test_a_permanent_failure_is_not_retried(effect_tables):
    result = t.bad_data.enqueue(key="LIC-9")

    run = JobRun.objects.get(task_path="tests.jobs.sample_tasks.bad_data")
    assert (run.status, run.failure_kind, run.attempts) == (
        RunStatus.FAILED,
        FailureKind.PERMANENT,
        1,
    )
    assert run.error == "jobs.retry.PermanentError: licence LIC-9 has no article revision"
    assert result.status == "FAILED"
    assert len(t.calls("LIC-9")) == 1


def test_staff_retry_a_failed_run_with_a_fresh_budget(effect_tables, on_commit):
    # Given work that failed after every attempt, and whose cause has since gone away
    with on_commit():
        t.flaky.enqueue(key="later", failures=5)
    run = JobRun.objects.get(task_path="tests.jobs.sample_tasks.flaky")
    assert run.status == RunStatus.FAILED

    # When staff retry it
    with on_commit():
        job_run_retry(run=run, actor_label="desk")

    # Then the same run goes round again, and succeeds
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 1)
    assert t.effects("later") == 1
    assert JobRun.objects.count() == 1
    # And a run that is not failed cannot be retried
    with pytest.raises(Conflict, match="Only failed work can be retried"):
        job_run_retry(run=run)


def test_staff_see_failed_work_and_why_in_the_admin_and_retry_it(
    effect_tables, client, django_capture_on_commit_callbacks
):
    t.bad_data.enqueue(key="LIC-7")
    t.apply_effect.enqueue(key="fine")
    failed = JobRun.objects.get(status=RunStatus.FAILED)
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:jobs_jobrun_changelist"), {"status__exact": "failed"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "licence LIC-7 has no article revision" in page
    assert "key=LIC-7" in page
    assert "key=fine" not in page
    detail = client.get(reverse("admin:jobs_jobrun_change", args=[failed.pk]))
    assert "PermanentError" in detail.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:jobs_jobrun_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk]},
            follow=True,
        )
    assert "1 run(s) queued again." in response.content.decode()
    # The cause is permanent, so it fails again, with a second call on record
    failed.refresh_from_db()
    assert failed.status == RunStatus.FAILED
    assert len(t.calls("LIC-7")) == 2


def test_the_log_lines_of_a_retrying_task_carry_task_run_attempt_and_business_ids(
    effect_tables, on_commit, caplog
):
    caplog.set_level(logging.INFO, logger="jobs")

    # When a task fails once with a network error, then succeeds
    with on_commit():
        t.flaky.enqueue(key="LIC-5", failures=1)

    # Then every line names the task, its run, the attempt and the business ids
    run = JobRun.objects.get(task_path="tests.jobs.sample_tasks.flaky")
    where = rf"task=flaky run={run.pk} result=\S+"
    lines = [r.getMessage() for r in caplog.records if r.name == "jobs"]
    patterns = [
        rf"{where} attempt=1/5 key='LIC-5' failures=1 started",
        rf"{where} attempt=1/5 key='LIC-5' failures=1 transient failure, retry in [0-9.]+s: "
        r"builtins\.ConnectionError: partner endpoint reset the connection",
        rf"{where} attempt=2/5 key='LIC-5' failures=1 started",
        rf"{where} attempt=2/5 key='LIC-5' failures=1 succeeded",
    ]
    assert len(lines) == len(patterns), lines
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), line
    # And the retry went out at warning level, so it shows in a quiet log
    assert [r.levelname for r in caplog.records if r.name == "jobs"][1] == "WARNING"


def test_staff_see_queued_running_and_succeeded_work_and_filter_it_by_status(db, client):
    # Given one run in each of three states
    for key, status in [
        ("q", RunStatus.QUEUED),
        ("r", RunStatus.RUNNING),
        ("s", RunStatus.SUCCEEDED),
    ]:
        JobRun.objects.create(
            task_path="tests.jobs.sample_tasks.apply_effect",
            kwargs={"key": f"LIC-{key}"},
            backend="default",
            status=status,
            first_result_id=f"result-{key}",
            result_id=f"result-{key}",
        )
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:jobs_jobrun_changelist")

    # When staff open the list of job runs
    page = client.get(url).content.decode()

    # Then all three are listed with their business ids and status, and a status filter
    for key in ("LIC-q", "LIC-r", "LIC-s"):
        assert f"key={key}" in page
    for label in ("Queued", "Running", "Succeeded", "Waiting to retry", "Failed"):
        assert f">{label}</a>" in page
    for status in ("queued", "running", "succeeded"):
        assert f"?status__exact={status}" in page
    # And each filter shows that state alone
    for status, key in [("queued", "LIC-q"), ("running", "LIC-r"), ("succeeded", "LIC-s")]:
        filtered = client.get(url, {"status__exact": status}).content.decode()
        shown = {k for k in ("LIC-q", "LIC-r", "LIC-s") if f"key={k}" in filtered}
        assert shown == {key}, status
