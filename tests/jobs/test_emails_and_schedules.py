"""Email goes through a recorded task; expiry reminders go once per licence per reminder; the
periodic sweeps are claimed once per period; the engine is a setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from config.tasks import tasks_setting
from jobs import schedule
from jobs.models import EmailLog, EmailStatus, JobRun, RunStatus, ScheduleSlot
from licensing.models import Licence, LicenceStatus
from licensing.tasks import reminder_key, send_expiry_reminders
from syndication.emails import send_templated_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_email_is_recorded_then_sent_by_a_task_after_commit(publication, on_commit):
    mail.outbox.clear()
    with on_commit():
        queued = send_templated_email(
            template="request_lapsed",
            to=["ada@gazette.example", "", "ada@gazette.example"],
            context={"request": None, "publication": publication, "items": []},
        )
        # Nothing leaves before the commit
        assert mail.outbox == []

    assert queued == 1
    email = EmailLog.objects.get()
    assert (email.template, email.to, email.status) == (
        "request_lapsed",
        ["ada@gazette.example"],
        EmailStatus.SENT,
    )
    assert email.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["ada@gazette.example"]
    assert message.extra_headers["X-Template"] == "request_lapsed"
    assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]
    run = JobRun.objects.get(task_path="jobs.tasks.deliver_email")
    assert (run.kwargs, run.status) == ({"email_id": email.pk}, RunStatus.SUCCEEDED)


def test_delivering_the_same_email_twice_sends_it_once(publication, on_commit):
    from jobs.tasks import deliver_email

    with on_commit():
        send_templated_email(
            template="request_lapsed",
            to=["ada@gazette.example"],
            context={"request": None, "publication": publication, "items": []},
        )
    email = EmailLog.objects.get()

    deliver_email.enqueue(email_id=email.pk)

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


@override_settings(LICENCE_EXPIRY_REMINDER_DAYS=[30, 7])
def test_an_expiry_reminder_goes_once_per_licence_per_reminder(licence, on_commit):
    # Given a licence ending in 20 days
    today = timezone.localdate()
    Licence.objects.filter(pk=licence.pk).update(ends_on=today + timedelta(days=20))
    mail.outbox.clear()

    # When the reminder sweep runs twice
    with on_commit():
        send_expiry_reminders.enqueue()
        send_expiry_reminders.enqueue()

    # Then the 30-day reminder went once, to the contact and the partner's accounts
    [message] = mail.outbox
    assert message.subject == (
        f"Licence {licence.number} ends on {(today + timedelta(days=20)):%-d %B %Y}"
    )
    assert message.to == ["accounts@school.example", "ada@school.example"]
    assert "in 20 days" in message.body
    assert EmailLog.objects.get().key == reminder_key(licence.pk, 30)

    # And when the licence is a week from its end, the 7-day reminder goes, once
    Licence.objects.filter(pk=licence.pk).update(ends_on=today + timedelta(days=6))
    with on_commit():
        send_expiry_reminders.enqueue()
        send_expiry_reminders.enqueue()
    assert len(mail.outbox) == 2
    assert sorted(EmailLog.objects.values_list("key", flat=True)) == [
        reminder_key(licence.pk, 30),
        reminder_key(licence.pk, 7),
    ]


@override_settings(LICENCE_EXPIRY_REMINDER_DAYS=[30, 7])
def test_a_licence_found_late_gets_only_the_most_urgent_reminder(licence, on_commit):
    Licence.objects.filter(pk=licence.pk).update(ends_on=timezone.localdate() + timedelta(days=3))
    mail.outbox.clear()

    with on_commit():
        send_expiry_reminders.enqueue()

    assert list(EmailLog.objects.values_list("key", flat=True)) == [reminder_key(licence.pk, 7)]


def test_the_sweeps_are_started_once_per_period_however_often_the_scheduler_runs(
    licence, on_commit
):
    # Given a licence past its end date
    Licence.objects.filter(pk=licence.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    names = {"lapse-stale-requests", "expire-due-licences", "licence-expiry-reminders"}

    # When the scheduler runs twice in the same period
    with on_commit():
        first = schedule.run_due(claimed_by="a", only=names)
        second = schedule.run_due(claimed_by="b", only=names)

    # Then the first started every sweep and the second nothing
    assert sorted(first) == sorted(names)
    assert second == []
    assert ScheduleSlot.objects.filter(name__in=names).count() == 3
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED
    assert (
        JobRun.objects.filter(task_path="licensing.tasks.expire_due_licences").get().return_value
        == 1
    )


def test_an_app_registers_its_own_periodic_job(on_commit):
    schedule.register(
        schedule.Schedule(name="test-hook", task="tests.jobs.sample_tasks.noop", every_seconds=60)
    )
    try:
        assert "test-hook" in {s.name for s in schedule.schedules()}
        # A job whose task cannot be imported is skipped, not fatal
        assert schedule.run_due(only={"test-hook"}) == []
    finally:
        schedule._registered.pop("test-hook")


def test_run_schedule_for_cron_runs_the_due_jobs_inline(licence, capsys):
    Licence.objects.filter(pk=licence.pk).update(ends_on=timezone.localdate() - timedelta(days=1))

    call_command("run_schedule", "--inline", "--only", "expire-due-licences")

    assert "started: expire-due-licences" in capsys.readouterr().out
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED


def test_the_engine_is_chosen_by_one_setting():
    assert tasks_setting("db")["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert tasks_setting("rq", redis_url="redis://h:1/2")["default"] == {
        "BACKEND": "jobs.rq_backend.RQBackend",
        "OPTIONS": {"url": "redis://h:1/2"},
        "QUEUES": ["default"],
    }
    assert tasks_setting("immediate")["default"]["BACKEND"].endswith("ImmediateBackend")
    assert tasks_setting("")["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    with pytest.raises(ImproperlyConfigured, match="not one of db, rq, immediate"):
        tasks_setting("celery")
