"""Side effects of a write, run once its transaction has committed.

The house rule: the outermost service owns the transaction (`atomic(durable=True)`), and
anything that must not happen for a write that rolls back (a task, an e-mail, a renewed
cache generation, a signal to another app) is queued here. Outside a transaction the
effect runs at once, as Django's `on_commit` does. Tests run the queued callbacks
explicitly with pytest-django's `django_capture_on_commit_callbacks(execute=True)`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from django.db import transaction

logger = logging.getLogger("ratusz.effects")


def after_commit(effect: Callable, /, *args, **kwargs) -> None:
    """Call `effect(*args, **kwargs)` once the current transaction commits; never if it
    rolls back."""
    transaction.on_commit(partial(effect, *args, **kwargs))


def enqueue_after_commit(task, /, *args, **kwargs) -> None:
    """Queue the Celery `task` (the task, or its registered name) with these arguments once
    the current transaction commits.

    A service names its app's tasks (`enqueue_after_commit("eservices.make_receipt", pk)`)
    rather than importing `tasks`: tasks are entry points that call services, like views,
    so the import goes one way only.

    A broker that cannot be reached is logged, not raised: the write has committed and the
    caller's answer must not turn into an error. Every task that goes through here has a
    sweep or an on-demand path that picks up what was not queued."""
    after_commit(_send, task, args, kwargs)


def _send(task, args: tuple, kwargs: dict) -> None:
    name = task if isinstance(task, str) else task.name
    try:
        if isinstance(task, str):
            task = registered_task(task)
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:  # noqa: BLE001 - any broker failure; the sweep recovers the work
        logger.warning("effects.broker_unreachable", extra={"task": name})


_import_lock = threading.Lock()


def registered_task(name: str):
    """The Celery task registered under `name`, importing the apps' `tasks` modules the
    first time (a web process has not imported them). One thread imports; the others
    wait for it (a thread that looked while another was half-way found nothing)."""
    from config.celery import app

    if name not in app.tasks:
        with _import_lock:
            if name not in app.tasks:
                app.loader.import_default_modules()
    return app.tasks[name]


def schedule_periodic(entries: dict[str, tuple[str, float | dict]]) -> None:
    """Add an app's periodic work to Celery beat's schedule (beside the settings' entries):
    `{entry name: (registered task name, seconds between runs or a crontab's fields)}`.
    Apps call it from their `ready()`; a second call with the same names replaces them."""
    from celery.schedules import crontab

    from config.celery import app

    app.conf.beat_schedule = {**app.conf.beat_schedule, **{
        name: {"task": task,
               "schedule": crontab(**when) if isinstance(when, dict) else when}
        for name, (task, when) in entries.items()}}
