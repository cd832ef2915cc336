"""The receipt sweep (issue 15, crash safety): a receipt is queued to Celery after the
submission commits, and that message can be lost (a worker killed while holding it, Redis
restarted without persistence, a web process killed between the commit and the queueing).
Beat runs `eservices.sweep_receipts`, which queues again the receipt of every submission
that has waited longer than RATUSZ_RECEIPT_SWEEP_SECONDS, a bounded batch per gmina; it is
safe to run twice. tests/test_crash_safety.py proves the same end to end with real kills."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from config.celery import app
from ratusz.cases.jrwa import load_default_jrwa
from ratusz.eservices import selectors, services, tasks
from ratusz.eservices.models import Submission
from ratusz.eservices.tests.conftest import LETTER_FORM, VALID_LETTER, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _receipts_queued(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the unit's demo e-seal certificate is made here
    settings.RATUSZ_RECEIPTS_ON_DEMAND = False  # as in production: queued after commit
    settings.RATUSZ_RECEIPT_SWEEP_SECONDS = 60


@pytest.fixture
def letter_service_b(department_b):
    load_default_jrwa(department_b.unit, acting_user=None)
    return make_service(department_b.municipality, department_b, "pismo-ogolne", LETTER_FORM,
                        allows_anonymous=True, requires_identification=False)


def file_letter(service, resident, *, minutes_ago: float) -> Submission:
    """A submission whose receipt message never arrived (the test settings run no
    after-commit callback), filed `minutes_ago`."""
    submission, _created = services.submit(service, data=VALID_LETTER, resident=resident)
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=minutes_ago))
    return Submission.objects.get(pk=submission.pk)


class QueuedReceipts:
    """Stands in for the registered `eservices.make_receipt`: records what is queued."""

    def __init__(self):
        self.ids: list[int] = []

    def delay(self, submission_id: int) -> None:
        self.ids.append(submission_id)


@pytest.fixture
def queued(monkeypatch):
    spy = QueuedReceipts()
    monkeypatch.setattr(tasks, "registered_task",
                        lambda name: spy if name == "eservices.make_receipt" else None)
    return spy


def test_the_sweep_makes_the_receipts_whose_messages_were_lost(letter_service,
                                                              letter_service_b, resident):
    # Given in two gminas submissions waiting 5 minutes for their receipts, one filed
    # just now (its message may still be in the queue) and one that has its receipt
    lost_a = file_letter(letter_service, resident, minutes_ago=5)
    lost_b = file_letter(letter_service_b, resident, minutes_ago=5)
    fresh = file_letter(letter_service, resident, minutes_ago=0)
    done = file_letter(letter_service, resident, minutes_ago=10)
    tasks.make_receipt(done.pk)
    done.refresh_from_db()

    # When the sweep runs (Celery's eager mode of the test settings runs what it queues)
    assert tasks.sweep_receipts() == 2

    # Then the two lost receipts are made, the fresh one is left to its message and the
    # finished one is not touched
    for submission in (lost_a, lost_b, fresh, done):
        submission.refresh_from_db()
    assert lost_a.has_receipt and lost_b.has_receipt
    assert not fresh.has_receipt
    assert Submission.objects.get(pk=done.pk).receipt_created_at == done.receipt_created_at


def test_the_sweep_is_safe_to_run_twice(letter_service, resident):
    # Given a lost receipt made by a first sweep
    lost = file_letter(letter_service, resident, minutes_ago=5)
    assert tasks.sweep_receipts() == 1
    lost.refresh_from_db()
    first = (lost.receipt_created_at, lost.receipt_pdf_sha256, lost.receipt_xml_sha256)

    # When the sweep runs again and the original message arrives late
    assert tasks.sweep_receipts() == 0
    tasks.make_receipt(lost.pk)

    # Then the first receipt stays
    lost.refresh_from_db()
    assert (lost.receipt_created_at, lost.receipt_pdf_sha256, lost.receipt_xml_sha256) == first


def test_each_gmina_gets_a_bounded_batch_oldest_first(letter_service, letter_service_b,
                                                      resident, queued, monkeypatch):
    # Given three lost receipts in gmina A and one in gmina B, and a batch of two
    monkeypatch.setattr(tasks, "RECEIPT_SWEEP_BATCH", 2)
    newer = file_letter(letter_service, resident, minutes_ago=5)
    oldest = file_letter(letter_service, resident, minutes_ago=30)
    older = file_letter(letter_service, resident, minutes_ago=20)
    in_b = file_letter(letter_service_b, resident, minutes_ago=5)

    # When the sweep runs
    assert tasks.sweep_receipts() == 3

    # Then A's two oldest are queued and B still gets its own
    assert sorted(queued.ids) == sorted([oldest.pk, older.pk, in_b.pk])
    assert newer.pk not in queued.ids


def test_the_selector_lists_only_the_gminas_own_waiting_submissions(letter_service,
                                                                    letter_service_b,
                                                                    resident):
    old = file_letter(letter_service, resident, minutes_ago=5)
    file_letter(letter_service, resident, minutes_ago=0)
    file_letter(letter_service_b, resident, minutes_ago=5)

    waiting = selectors.submissions_awaiting_receipt(
        letter_service.municipality, submitted_before=timezone.now() - timedelta(minutes=1),
        limit=10)

    assert waiting == [old.pk]


def test_nothing_is_swept_where_receipts_are_made_on_demand(letter_service, resident,
                                                            queued, settings):
    settings.RATUSZ_RECEIPTS_ON_DEMAND = True
    file_letter(letter_service, resident, minutes_ago=5)

    assert tasks.sweep_receipts() == 0
    assert queued.ids == []


def test_beat_runs_the_sweep_every_receipt_sweep_seconds():
    entry = django_settings.CELERY_BEAT_SCHEDULE["eservices-sweep-receipts"]
    assert entry == {"task": "eservices.sweep_receipts",
                     "schedule": float(django_settings.RATUSZ_RECEIPT_SWEEP_SECONDS)}
    app.loader.import_default_modules()
    assert app.tasks["eservices.sweep_receipts"].run is tasks.sweep_receipts.run
