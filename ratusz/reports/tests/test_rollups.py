"""The rollups and the year's indicators: counted from the EZD's cases and registers, kept
current by the events, and the same when recomputed."""

from datetime import date, timedelta

from django.utils import timezone

from ratusz.reports import services
from ratusz.reports.calculation import compute_indicators
from ratusz.reports.models import DailyFigure, MatterClock
from ratusz.reports.tests.conftest import past_case, registered


def test_settled_cases_give_the_counts_the_median_and_the_share(
        municipality_a, office_a, department_a, officer_a, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    start = today - timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=True):
        cases = [past_case(office_a, officer_a, department_a, received_on=start,
                           settled_on=start + timedelta(days=days), channel="epuap")
                 for days in (2, 4, 10)]
        cases.append(past_case(office_a, officer_a, department_a, received_on=start))
    # An opening sends no event: the reconciliation (or here, tracking) finds the case.
    services.track_cases(municipality_a, [case.pk for case in cases])
    services.refresh_days(municipality_a, [start + timedelta(days=n) for n in range(41)])

    document = compute_indicators(municipality_a, today.year) if start.year == today.year \
        else None
    if document is None:  # the 40 days crossed New Year: look at both years
        return
    values = document["indicators"]
    assert values["cases_settled"]["value"] == 3
    assert values["cases_opened"]["value"] == 4
    assert values["days_to_settle_median"]["value"] == 4.0
    assert values["incoming_electronic_share"]["value"] == 75.0
    assert values["cases_overdue"]["value"] == 1  # the open one, past its month
    assert values["cases_settled_online"]["value"] == 3


def test_a_refresh_twice_writes_the_same_rows(municipality_a, office_a, officer_a,
                                              department_a):
    today = timezone.localdate()
    registered(office_a, officer_a, received_on=today, channel="email")
    services.refresh_day(municipality_a, today)
    first = sorted(DailyFigure.objects.values_list("key", "dimension", "value"))
    services.refresh_day(municipality_a, today)
    assert sorted(DailyFigure.objects.values_list("key", "dimension", "value")) == first
    assert ("incoming_electronic", "", 1) in first


def test_a_status_change_keeps_the_clock_current(municipality_a, office_a, officer_a,
                                                 department_a,
                                                 django_capture_on_commit_callbacks):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        case = past_case(office_a, officer_a, department_a, received_on=today,
                         settled_on=today)
    clock = MatterClock.objects.get(case=case)
    assert clock.is_open is False
    assert clock.settled_on == today
    assert clock.days_to_settle == 0
    assert clock.kind == "public_information"  # JRWA 1431
    assert clock.legal_deadline >= today + timedelta(days=14)


def test_a_gmina_sees_only_its_own_figures(municipality_a, municipality_b, office_a,
                                           officer_a):
    registered(office_a, officer_a, received_on=date.today())
    services.refresh_day(municipality_b, date.today())
    document = compute_indicators(municipality_b, date.today().year)
    assert document["indicators"]["incoming_total"]["value"] == 0


def test_alert_messages_and_a2a_exchanges_are_counted_as_totals_and_by_channel(
        municipality_a, office_a, monkeypatch):
    from collections import Counter

    from ratusz.reports import sources

    today = timezone.localdate()
    monkeypatch.setattr(sources, "alerts_of_day",
                        lambda municipality, day: (1, Counter(sms=40, email=2)))
    monkeypatch.setattr(sources.exchange, "exchange_counts", lambda municipality, start, end: {
        "sent": [{"kind": "letter", "channel": "e_delivery", "is_a2a": True, "count": 3},
                 {"kind": "letter", "channel": "e_delivery", "is_a2a": False, "count": 9}],
        "received": [{"kind": "document", "channel": "e_delivery", "is_a2a": True,
                      "count": 2}], "a2a_total": 5})
    services.refresh_days(municipality_a, [today])
    document = compute_indicators(municipality_a, today.year)
    values = document["indicators"]
    assert values["alerts_published"]["value"] == 1
    assert values["messages_delivered"]["value"] == 42
    assert values["a2a_exchanges"]["value"] == 5
    assert values["a2a_exchanges"]["by_month"][f"{today:%Y-%m}"] == 5
    assert "a2a_exchanges" not in document.get("not_computed", [])
    assert sorted(DailyFigure.objects.filter(key="a2a_exchanges").exclude(dimension="")
                  .values_list("dimension", "value")) == [("received|e_delivery", 2),
                                                         ("sent|e_delivery", 3)]


def test_the_periodic_work_is_on_celery_beats_schedule():
    from config.celery import app
    from ratusz.reports import tasks

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"reports.track_marked", "reports.refresh_pending", "reports.refresh_recent",
            "reports.watch",
            "reports.monthly"} <= scheduled
    assert tasks.watch.name == "reports.watch"


def test_the_share_of_fees_paid_online_counts_the_payments_by_how_they_came(
        municipality_a, municipality_b):
    from ratusz.payments import selectors as payments
    from ratusz.payments import services as payment_services
    from ratusz.payments.tests import factories

    today = timezone.localdate()
    for municipality in (municipality_a, municipality_b):
        factories.set_up(municipality)
        factories.import_lines(municipality, factories.obligation_line("tax-1"))
    payer = payments.payer_by_identifier(municipality_a, factories.PESEL_EWA)
    for source in ("gateway", "gateway", "gateway", "statement"):
        payment_services.book_receipt(municipality_a, payer_id=payer.pk, amount=10000,
                                      value_date=today, source=source)
    other = payments.payer_by_identifier(municipality_b, factories.PESEL_EWA)
    payment_services.book_receipt(municipality_b, payer_id=other.pk, amount=500,
                                  value_date=today, source="manual")

    services.refresh_days(municipality_a, [today])
    values = compute_indicators(municipality_a, today.year)["indicators"]
    assert values["payments_received"]["value"] == 4
    assert values["payments_online"]["value"] == 3
    assert values["fees_paid_online_share"]["value"] == 75.0
    assert sorted(DailyFigure.objects.filter(municipality=municipality_a,
                                             key="payments_received")
                  .exclude(dimension="").values_list("dimension", "value")) == [
        ("gateway", 3), ("statement", 1)]


def test_case_events_are_marked_with_one_insert_and_tracked_in_a_batch(
        municipality_a, office_a, officer_a, department_a, monkeypatch):
    from ratusz.reports.models import MarkedCase
    from ratusz.reports.services import watch

    today = timezone.localdate()
    cases = [past_case(office_a, officer_a, department_a, received_on=today)
             for _ in range(3)]
    MatterClock.objects.all().delete()
    MarkedCase.objects.all().delete()
    queued = []
    monkeypatch.setattr(watch, "enqueue_after_commit", lambda task: queued.append(task))
    for case in [*cases, cases[0]]:
        services.note_case_event(municipality_a.pk, case.pk, answers_inquiry=False)
    assert MarkedCase.objects.count() == 4
    assert not MatterClock.objects.exists()  # nothing tracked at the event
    assert queued == ["reports.track_marked"]  # the first mark queued the batch only
    assert services.track_marked() == 4
    assert sorted(MatterClock.objects.values_list("case_id", flat=True)) == sorted(
        case.pk for case in cases)
    assert not MarkedCase.objects.exists()
    assert services.track_marked() == 0
