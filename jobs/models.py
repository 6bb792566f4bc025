"""The task layer's own records: one run per piece of work across its attempts, worker
heartbeats (leases), claimed schedule periods, and every email with its recipients and template."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    RETRYING = "retrying", _("Waiting to retry")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class FailureKind(models.TextChoices):
    TRANSIENT = "transient", _("Transient (will retry)")
    PERMANENT = "permanent", _("Permanent")
    EXHAUSTED = "exhausted", _("Transient, retries used up")
    LOST = "lost", _("Worker lost (re-queued)")


class JobRun(models.Model):
    """One piece of background work as staff see it: every attempt, retry and recovery of the
    same call updates this row, whichever engine ran it."""

    task_path = models.CharField(max_length=255, db_index=True)
    # The business arguments (ids), exactly as the task received them.
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    backend = models.CharField(max_length=32)
    queue_name = models.CharField(max_length=32, default="default")
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0, help_text=_("Attempts started."))
    max_attempts = models.PositiveIntegerField(default=1)
    recoveries = models.PositiveIntegerField(
        default=0, help_text=_("Times re-queued because its worker died mid-task.")
    )
    # The engine's id for the first enqueue (unique: recording it twice is harmless) and for the
    # latest attempt (what the engine's own tables show).
    first_result_id = models.CharField(max_length=64, unique=True)
    result_id = models.CharField(max_length=64, db_index=True)
    worker_id = models.CharField(max_length=64, blank=True)
    failure_kind = models.CharField(max_length=12, choices=FailureKind.choices, blank=True)
    error = models.TextField(blank=True, help_text=_("Why the last attempt failed."))
    traceback = models.TextField(blank=True)
    return_value = models.JSONField(null=True, blank=True)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-enqueued_at", "-pk"]
        indexes = [models.Index(fields=["status", "-enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk} ({self.status})"

    @property
    def task_name(self) -> str:
        return self.task_path.rsplit(".", 1)[-1]


class WorkerHeartbeat(models.Model):
    """A live worker's lease: renewed every few seconds; a stale one means the worker is gone."""

    worker_id = models.CharField(max_length=64, unique=True)
    engine = models.CharField(max_length=16)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class ScheduleSlot(models.Model):
    """One period of one periodic job, claimed by exactly one scheduler (the unique constraint),
    so any number of schedulers can run at once without doubling a sweep."""

    name = models.CharField(max_length=100)
    # Whole periods since the epoch: floor(unix time / period length).
    slot = models.BigIntegerField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="uniq_schedule_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot}"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailLog(models.Model):
    """Every email, rendered when queued and sent by a task. A `key` makes a message once-only
    (an expiry reminder per licence per reminder): the database refuses a second row."""

    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    template = models.CharField(max_length=100, db_index=True)
    to = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.template} to {', '.join(self.to)} ({self.status})"
