"""A task really runs: sent through the configured broker to a separate worker process.

On the SQLite pass the broker is the embedded filesystem transport; on the PostgreSQL
pass REDIS_URL is set and the broker is the Redis server the test set-up started.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app as celery_app
from ratusz.core.tasks import ping_worker


@pytest.fixture
def queue():
    """A queue of this test's own: the worker listens to it alone, so messages other
    tests left in the shared broker do not stand in its way."""
    return f"ping-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def worker(queue):
    """A worker process on the broker and result store the settings name (the embedded
    folders under VAR_DIR, or Redis), reached by the test process through the same
    settings: nothing of the application's Celery configuration is changed."""
    from config.celery import ensure_embedded_broker_folders

    ensure_embedded_broker_folders()
    env = {**os.environ, "RATUSZ_VAR_DIR": str(settings.VAR_DIR),
           "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the suite runs tasks eagerly; not here
    celery_bin = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [str(celery_bin), "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue,
         "--hostname", f"{queue}@%h"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        celery_app.conf.task_always_eager = saved


def test_a_task_runs_on_a_real_worker_through_the_broker(worker, queue):
    token = uuid.uuid4().hex
    result = ping_worker.apply_async(args=[token], queue=queue)
    try:
        answer = result.get(timeout=60)
    except Exception as error:
        worker.terminate()
        output = worker.communicate(timeout=10)[0].decode(errors="replace")
        raise AssertionError(f"the worker did not answer ({error!r}); its output:\n"
                             f"{output}") from None
    assert answer["pong"] == token
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") \
        else "sqlite"
    assert answer["database"] == expected
    transport = "redis" if settings.REDIS_URL else "filesystem"
    assert celery_app.connection_for_write().transport_cls == transport
