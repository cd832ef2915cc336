"""Settings for the test suite: the same as base, with faster hashing.

The database follows DATABASE_URL: unset means SQLite in memory; the PostgreSQL run
(`make test`, second pass) sets it to the cluster the test set-up started.
"""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, VAR_DIR

if "DATABASE_URL" not in os.environ:
    # A file (not Django's in-memory default) so that threads get their own connections
    # and the concurrency tests exercise SQLite's IMMEDIATE transactions for real.
    import tempfile

    DATABASES["default"]["NAME"] = str(VAR_DIR / "unused-test-placeholder.sqlite3")
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"ratusz-test-{os.getpid()}.sqlite3")
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Receipts are sealed on their first download rather than after every submission.
# Tasks queued after commit run in the test process (Celery's own eager mode; the tests
# that prove the broker path switch it off). After-commit callbacks run only where a test
# asks for them (`django_capture_on_commit_callbacks(execute=True)`).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
RATUSZ_RECEIPTS_ON_DEMAND = True
# Staff tests sign in with force_login; the second-factor tests switch it on.
RATUSZ_STAFF_2FA_REQUIRED = False
# One in-memory store behind both aliases (whatever REDIS_URL says): `cache.clear()` in a
# test then empties the page cache too. The Redis cache has its own tests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "ratusz-tests"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
              "LOCATION": "ratusz-tests"},
}
RATUSZ_PAGE_CACHE_CHECK_SECONDS = 0.0
RATUSZ_BIP_VIEW_FLUSH_SECONDS = 0.0
