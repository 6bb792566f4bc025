"""Which engine runs background work, and which periodic jobs exist: the composition root for tasks.

Tasks are written once against `django.tasks`; the engine is only this setting:
  db         django-tasks-db: the tasks table in the main database, `manage.py worker` processes
  rq         Redis through RQ (jobs.rq_backend), `manage.py worker` processes
  immediate  run inline in the caller (tests that want the work done at once)
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

ENGINES = ("db", "rq", "immediate")
QUEUES = ["default"]


def tasks_setting(engine: str = "db", *, redis_url: str = "redis://127.0.0.1:6379/0") -> dict:
    """Django's TASKS setting for one engine, under the alias "default"."""
    engine = (engine or "db").strip().lower()
    if engine == "db":
        backend: dict[str, Any] = {"BACKEND": "django_tasks_db.DatabaseBackend"}
    elif engine == "rq":
        backend = {"BACKEND": "jobs.rq_backend.RQBackend", "OPTIONS": {"url": redis_url}}
    elif engine == "immediate":
        backend = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    else:
        raise ImproperlyConfigured(f"TASKS_BACKEND {engine!r} is not one of {', '.join(ENGINES)}")
    return {"default": {**backend, "QUEUES": list(QUEUES)}}


def periodic_jobs(*, sweep_every_seconds: int = 3600) -> list[dict[str, Any]]:
    """The schedule registry: every periodic job, by task path so settings import no app code.

    Each job is idempotent and claimed once per period in the database, so the embedded
    scheduler in every worker, cron and a systemd timer can all run at once without doubling
    anything. Apps add their own from `AppConfig.ready` with `jobs.schedule.register(...)`:
    billing registers payment reconciliation there once it exists."""
    return [
        {
            "name": "lapse-stale-requests",
            "task": "licensing.tasks.lapse_stale_requests",
            "every_seconds": sweep_every_seconds,
        },
        {
            "name": "expire-due-licences",
            "task": "licensing.tasks.expire_due_licences",
            "every_seconds": sweep_every_seconds,
        },
        {
            "name": "licence-expiry-reminders",
            "task": "licensing.tasks.send_expiry_reminders",
            "every_seconds": sweep_every_seconds,
        },
        {
            # Expired and expiring notices (email, webhooks): licensing.aftercare.
            "name": "licence-aftercare-notices",
            "task": "licensing.aftercare_tasks.aftercare_sweep",
            "every_seconds": sweep_every_seconds,
        },
    ]
