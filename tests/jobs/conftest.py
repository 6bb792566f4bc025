"""Fixtures for the task tests: the test database as a file a worker process can open, the
engine under test for this process, and a pool of real workers (tests/jobs/harness.py)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from config.tasks import tasks_setting
from licensing import services
from licensing.models import Licence
from licensing.quoting import UseSpec
from syndication.models import PartnerType
from tests import factories as f
from tests.jobs import sample_tasks
from tests.jobs.harness import (
    ENGINE,
    LEASE_SECONDS,
    REDIS_URL,
    RETRY_BASE_SECONDS,
    WORKERS,
    Workers,
)

# A worker in another process must see the test database: SQLite's in-memory test database is
# private to this process, so the tests use a file, one per pytest process so that two runs side
# by side never share it (pytest-django adds a suffix per xdist worker and removes it after).
_db = settings.DATABASES["default"]
_name = str(Path(tempfile.gettempdir()) / f"republish-test-{os.getpid()}.sqlite3")
if _db["ENGINE"] == "django.db.backends.sqlite3" and _db.get("TEST", {}).get("NAME") != _name:
    _db.setdefault("TEST", {})["NAME"] = _name
    # A killed run of an earlier process with this pid left its write-ahead log behind.
    for _stale in Path(_name).parent.glob(Path(_name).name + "*"):
        _stale.unlink(missing_ok=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "worker: runs real task workers in subprocesses (JOBS_TEST_ENGINE, _WORKERS)"
    )


@pytest.fixture
def engine_settings() -> Iterator[str]:
    """This process enqueues to the engine under test (not the inline one of other tests)."""
    with override_settings(
        TASKS=tasks_setting(ENGINE, redis_url=REDIS_URL),
        JOBS_WORKER_LEASE_SECONDS=LEASE_SECONDS,
        JOBS_RETRY_BASE_SECONDS=RETRY_BASE_SECONDS,
    ):
        yield ENGINE


@pytest.fixture
def licence(rate_card: Any, article: Any) -> Licence:
    """A free education licence for one article, to its contact and the school's accounts."""
    school = f.PartnerFactory(
        partner_type=PartnerType.EDUCATION, verified=False, billing_email="accounts@school.example"
    )
    request = services.licence_request_submit(
        partner=school,
        contact_name="Ada Editor",
        contact_email="ada@school.example",
        article_ids=[article.pk],
        use=UseSpec(use_type="education", territory="gb", term="1y"),
        terms_accepted=True,
    )
    return Licence.objects.get(request=request)


@pytest.fixture
def effect_tables(transactional_db: Any) -> Iterator[None]:
    sample_tasks.create_tables()
    sample_tasks.clear_tables()
    yield
    sample_tasks.clear_tables()


@pytest.fixture(scope="module")
def worker_pool(
    django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workers]:
    """Workers started once per module (a Django start costs ~2s); tests use distinct keys."""
    if ENGINE == "rq":
        from redis import Redis

        Redis.from_url(REDIS_URL).flushdb()
    pool = Workers(engine=ENGINE, log_dir=tmp_path_factory.mktemp("workers"))
    for n in range(WORKERS):
        pool.start(f"test-worker-{n + 1}")
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def workers(
    transactional_db: Any, engine_settings: str, effect_tables: None, worker_pool: Workers
) -> Workers:
    # A test that killed a worker leaves the next one a full pool.
    for n in range(WORKERS - len(worker_pool.alive())):
        worker_pool.start(f"test-worker-extra-{time.monotonic_ns()}-{n}")
    return worker_pool


@pytest.fixture
def show_worker_logs(request: pytest.FixtureRequest, workers: Workers) -> Iterator[None]:
    yield
    if getattr(request.node, "rep_call", None) and request.node.rep_call.failed:
        sys.stderr.write(workers.logs())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
