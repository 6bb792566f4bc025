"""Task engine throughput and latency on PostgreSQL (the database engine, django-tasks-db):
tasks per second for a no-op task with one and with two `manage.py worker` processes, and the
median time from enqueue to start. Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust);
makes and drops its own database. Run: `.venv/bin/python bench/tasks_throughput.py`."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = f"republish_bench_tasks_{os.getpid()}"
TASKS = int(os.environ.get("BENCH_TASKS", "2000"))
LATENCY_SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "100"))
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JOBS_", "TASKS_"))},
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DATABASE_URL": f"{PG}/{DB}",
    "TASKS_BACKEND": "db",
    "LOG_LEVEL": "WARNING",
    # Workers are long-lived: persistent connections (docs/tasks.md). Set 0 to see the cost.
    "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
}


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True)


def start_workers(count: int, interval: float) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-scheduler",
                "--no-startup-delay",
                "--interval",
                str(interval),
                "-v",
                "0",
                "--worker-id",
                f"bench-{count}-{n}",
            ],
            cwd=ROOT,
            env=ENV,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def stop(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in workers:
        proc.wait(timeout=30)


def throughput(task_path: str, workers: int) -> float:
    from django.db.models import Max, Min
    from django.utils.module_loading import import_string
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    task = import_string(task_path)
    for _ in range(TASKS):
        task.enqueue()
    procs = start_workers(workers, interval=0.05)
    try:
        deadline = time.monotonic() + 600
        while DBTaskResult.objects.finished().count() < TASKS:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not finish in 10 minutes")
            if all(proc.poll() is not None for proc in procs):
                raise SystemExit(f"workers exited: {[proc.returncode for proc in procs]}")
            time.sleep(0.2)
    finally:
        stop(procs)
    span = DBTaskResult.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
    assert DBTaskResult.objects.successful().count() == TASKS
    return TASKS / (span["last"] - span["first"]).total_seconds()


def latency(interval: float) -> list[float]:
    from django_tasks_db.models import DBTaskResult

    from jobs.tasks import ping

    DBTaskResult.objects.all().delete()
    procs = start_workers(1, interval=interval)
    try:
        time.sleep(3)  # the worker is up and idle, polling
        ids = []
        for _ in range(LATENCY_SAMPLES):
            ids.append(ping.enqueue().id)
            time.sleep(interval * 0.37)  # off the poll rhythm, so arrivals fall anywhere in it
        while DBTaskResult.objects.filter(id__in=ids).finished().count() < len(ids):
            time.sleep(0.1)
    finally:
        stop(procs)
    rows = DBTaskResult.objects.filter(id__in=ids)
    return sorted((r.started_at - r.enqueued_at).total_seconds() * 1000 for r in rows)


def main() -> None:
    psql(f"DROP DATABASE IF EXISTS {DB}")
    psql(f"CREATE DATABASE {DB}")
    try:
        manage("migrate", "--noinput", "-v", "0")
        os.environ.update(ENV)
        import django

        django.setup()
        age = ENV["DB_CONN_MAX_AGE"]
        print(
            f"django-tasks-db on PostgreSQL, {TASKS} no-op tasks per run, "
            f"DB_CONN_MAX_AGE={age}, {os.cpu_count()} CPUs",
            flush=True,
        )
        for path, label in (
            ("jobs.tasks.ping", "plain @task"),
            ("jobs.tasks.ping_tracked", "retrying_task + JobRun"),
        ):
            for workers in (1, 2):
                rate = throughput(path, workers)
                plural = "s" if workers > 1 else " "
                print(f"  {label:<24} {workers} worker{plural}: {rate:8.0f} tasks/s", flush=True)
        for interval in (0.5, 0.1):
            samples = latency(interval)
            p90 = samples[int(len(samples) * 0.9) - 1]
            print(
                f"  enqueue-to-start, 1 idle worker polling every {interval}s: "
                f"median {statistics.median(samples):.0f} ms, p90 {p90:.0f} ms "
                f"({len(samples)} tasks)",
                flush=True,
            )
    finally:
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
