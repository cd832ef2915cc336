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
def worker(tmp_path):
    env = {**os.environ, "RATUSZ_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
           "config.settings.dev"}
    saved = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}),
             celery_app.conf.result_backend, celery_app.conf.task_always_eager)
    celery_app.conf.task_always_eager = False  # the suite runs tasks eagerly; not here
    if not settings.REDIS_URL:
        folder = tmp_path / "celery"
        options = {"data_folder_in": str(folder / "queue"),
                   "data_folder_out": str(folder / "queue"),
                   "control_folder": str(folder / "control"), "store_processed": False}
        for path in (folder / "queue", folder / "control", folder / "results"):
            path.mkdir(parents=True, exist_ok=True)
        celery_app.conf.broker_transport_options = options
        celery_app.conf.result_backend = f"file://{folder / 'results'}"
    celery_bin = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [str(celery_bin), "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    celery_app.close()  # forget pooled connections made with the old options
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        (celery_app.conf.broker_url, options, celery_app.conf.result_backend,
         celery_app.conf.task_always_eager) = saved
        celery_app.conf.broker_transport_options = options
        celery_app.close()


def test_a_task_runs_on_a_real_worker_through_the_broker(worker):
    token = uuid.uuid4().hex
    result = ping_worker.delay(token)
    try:
        answer = result.get(timeout=60)
    except Exception:
        worker.terminate()
        output = worker.communicate(timeout=10)[0].decode(errors="replace")
        raise AssertionError(f"the worker did not answer; its output:\n{output}") from None
    assert answer["pong"] == token
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") \
        else "sqlite"
    assert answer["database"] == expected
    transport = "redis" if settings.REDIS_URL else "filesystem"
    assert celery_app.connection_for_write().transport_cls == transport
