"""Test settings: fast hashing, in-memory email, immediate tasks unless a test says otherwise."""

from config.env import env_str
from config.tasks import tasks_setting

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REPUBLISH_RATE_LIMIT = "1000/h"
# Inline unless a worker test (or its subprocess worker) names a real engine: tests/jobs.
TASKS = tasks_setting(
    env_str("TEST_TASKS_BACKEND", "immediate"),
    redis_url=env_str("REDIS_URL", "redis://127.0.0.1:6379/15"),
)
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
