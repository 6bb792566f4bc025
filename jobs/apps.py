from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background work: task runs, schedules and email"

    def ready(self) -> None:
        # Records every enqueued task as a run staff can see, whatever the engine.
        from django.tasks.signals import task_enqueued

        from jobs import runs

        task_enqueued.connect(runs.on_task_enqueued, dispatch_uid="jobs.record_enqueued")
