"""Side effects wait for the commit of the write they belong to."""

import pytest
from django.db import transaction

from ratusz.core.effects import after_commit, enqueue_after_commit

pytestmark = pytest.mark.django_db


def test_an_effect_runs_after_commit_and_never_after_a_rollback(
        django_capture_on_commit_callbacks):
    calls = []
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            after_commit(calls.append, "kept")
        assert calls == []
    assert calls == ["kept"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                after_commit(calls.append, "lost")
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    assert calls == ["kept"]


class _BrokenBroker:
    name = "tests.unreachable"

    def apply_async(self, args, kwargs):
        raise ConnectionRefusedError("broker down")


class _Broker:
    name = "tests.reachable"

    def __init__(self):
        self.sent = []

    def apply_async(self, args, kwargs):
        self.sent.append((args, kwargs))


def test_a_task_is_queued_after_commit_and_a_dead_broker_is_not_the_callers_error(
        django_capture_on_commit_callbacks, caplog):
    broker = _Broker()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_after_commit(broker, 7, channel="sms")
        enqueue_after_commit(_BrokenBroker(), 8)
        assert broker.sent == []
    assert broker.sent == [((7,), {"channel": "sms"})]
    assert any(r.getMessage() == "effects.broker_unreachable" for r in caplog.records)


def test_a_task_is_found_by_its_registered_name(django_capture_on_commit_callbacks):
    from ratusz.core import tasks

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_after_commit("core.ping_worker", "token")
    assert len(callbacks) == 1
    from ratusz.core.effects import registered_task

    assert registered_task("core.ping_worker") is tasks.ping_worker._get_current_object()
