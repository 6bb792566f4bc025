"""Staff see queued, running, failed and finished work, why it failed, and retry it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from jobs.models import EmailLog, JobRun, RunStatus, ScheduleSlot, WorkerHeartbeat
from jobs.runs import job_run_retry
from syndication.admin_base import ReadOnlyAdmin
from syndication.errors import DomainError


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "task_name",
        "business_ids",
        "status",
        "attempts",
        "failure_kind",
        "short_error",
        "enqueued_at",
        "finished_at",
    )
    list_filter = ("status", "failure_kind", "task_path", "backend")
    search_fields = ("task_path", "error", "result_id", "first_result_id")
    date_hierarchy = "enqueued_at"
    actions = ["retry_failed"]
    readonly_fields = (
        "task_path",
        "args",
        "kwargs",
        "status",
        "attempts",
        "max_attempts",
        "recoveries",
        "failure_kind",
        "error",
        "formatted_traceback",
        "return_value",
        "backend",
        "queue_name",
        "first_result_id",
        "result_id",
        "worker_id",
        "enqueued_at",
        "started_at",
        "next_attempt_at",
        "finished_at",
    )
    fields = readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The retry action needs change permission; every field stays read-only.
        return bool(request.user.is_staff and request.user.has_perm("jobs.change_jobrun"))

    @admin.display(description="ids")
    def business_ids(self, obj: JobRun) -> str:
        parts = [str(a) for a in obj.args] + [
            f"{k}={v}" for k, v in obj.kwargs.items() if not k.startswith("_")
        ]
        return " ".join(parts)

    @admin.display(description="why it failed")
    def short_error(self, obj: JobRun) -> str:
        return obj.error[:120]

    @admin.display(description="traceback")
    def formatted_traceback(self, obj: JobRun) -> str:
        return format_html("<pre>{}</pre>", obj.traceback) if obj.traceback else "-"

    @admin.action(description="Retry the selected failed work")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[JobRun]) -> None:
        retried = 0
        for run in queryset.filter(status=RunStatus.FAILED):
            try:
                job_run_retry(run=run, actor_label=request.user.get_username())
            except DomainError as exc:
                self.message_user(request, f"#{run.pk}: {exc}", messages.WARNING)
            else:
                retried += 1
        self.message_user(request, f"{retried} run(s) queued again.", messages.SUCCESS)


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdmin):
    list_display = ("id", "template", "recipients", "subject", "status", "attempts", "queued_at")
    list_filter = ("status", "template")
    search_fields = ("to", "subject", "key")
    date_hierarchy = "queued_at"
    fields = (
        "key",
        "template",
        "to",
        "reply_to",
        "subject",
        "status",
        "attempts",
        "error",
        "queued_at",
        "sent_at",
        "text",
        "html",
    )
    readonly_fields = fields

    @admin.display(description="to")
    def recipients(self, obj: EmailLog) -> str:
        return ", ".join(obj.to)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "engine", "hostname", "pid", "started_at", "last_seen")


@admin.register(ScheduleSlot)
class ScheduleSlotAdmin(ReadOnlyAdmin):
    list_display = ("name", "slot", "claimed_at", "claimed_by")
    list_filter = ("name",)
