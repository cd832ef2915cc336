"""Attendance, absences and the month end: the services and the API contract."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ratusz.accounts import services as account_services
from ratusz.accounts.permissions import Permission
from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.core.personal_data import providers
from ratusz.education import services
from ratusz.education.errors import EducationError
from ratusz.education.models import Absence, FeeStatement, Presence, StatementStatus
from ratusz.education.services.attendance import month_days
from ratusz.education.tests.attendance_factories import (
    last_month,
    make_child,
    make_preschool,
    working_day,
)
from ratusz.payments import selectors as payment_selectors
from ratusz.payments.tests import factories as payment_factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(municipality_a, resident):
    payment_factories.set_up(municipality_a)
    institution, plan = make_preschool(municipality_a)
    agreement = make_child(institution, plan, resident)
    return {"institution": institution, "plan": plan, "agreement": agreement}


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def attend_last_month(agreement, *, until=(16, 0), skip=()):
    """Arrivals at 7:30 and departures at `until` on every open day of last month."""
    for day in month_days(last_month()):
        if day in skip:
            continue
        services.record_arrival(agreement, acting_user=None, at=_at(day, 7, 30))
        services.record_departure(agreement, acting_user=None, at=_at(day, *until))


def test_a_parent_reports_an_absence_before_the_cut_off(world, resident):
    day = working_day(1)
    absence, created = services.report_absence(world["agreement"], user=resident, day=day)
    assert created and absence.in_time and absence.meals_cancelled
    again, created = services.report_absence(world["agreement"], user=resident, day=day)
    assert (again.pk, created) == (absence.pk, False)


def test_a_child_already_arrived_cannot_be_reported_absent(world, resident):
    agreement, day = world["agreement"], working_day(1)
    services.record_arrival(agreement, acting_user=None, at=_at(day, 7, 5))
    with pytest.raises(EducationError) as refusal:
        services.report_absence(agreement, user=resident, day=day)
    assert refusal.value.code == "present"
    assert not Absence.objects.exists() and Presence.objects.filter(day=day).exists()


def test_after_the_cut_off_the_absence_is_refused_naming_the_cut_off(world, resident):
    day = working_day(-1)
    with pytest.raises(EducationError) as refusal:
        services.report_absence(world["agreement"], user=resident, day=day)
    assert refusal.value.code == "after_cutoff"
    assert f"{day:%d.%m.%Y} 08:00" in str(refusal.value.message)
    assert not Absence.objects.exists()


def test_a_day_outside_the_place_or_a_closed_day_is_refused(world, resident):
    agreement = world["agreement"]
    with pytest.raises(EducationError) as refusal:
        services.report_absence(agreement, user=resident,
                                day=agreement.valid_until + datetime.timedelta(days=3))
    assert refusal.value.code == "outside_enrolment"
    saturday = working_day(1)
    while saturday.weekday() != 5:
        saturday += datetime.timedelta(days=1)
    with pytest.raises(EducationError) as refusal:
        services.report_absence(agreement, user=resident, day=saturday)
    assert refusal.value.code == "closed_day"
    assert not Absence.objects.exists()


def test_arrival_and_departure(world):
    agreement, day = world["agreement"], working_day(-1)
    with pytest.raises(EducationError) as refusal:
        services.record_departure(agreement, acting_user=None, at=_at(day, 15))
    assert refusal.value.code == "not_arrived"
    services.record_arrival(agreement, acting_user=None, at=_at(day, 7, 45))
    with pytest.raises(EducationError):
        services.record_arrival(agreement, acting_user=None, at=_at(day, 8))
    with pytest.raises(EducationError) as refusal:
        services.record_departure(agreement, acting_user=None, at=_at(day, 7))
    assert refusal.value.code == "departure_before_arrival"
    presence = services.record_departure(agreement, acting_user=None, at=_at(day, 15, 10))
    assert (presence.arrived_at, presence.departed_at) == (datetime.time(7, 45),
                                                          datetime.time(15, 10))


def test_the_month_end_charges_the_parent_and_is_idempotent(
        world, resident, municipality_a, django_capture_on_commit_callbacks):
    agreement, month = world["agreement"], last_month()
    days = month_days(month)
    attend_last_month(agreement, skip=days[:1])
    Absence.objects.create(municipality=municipality_a, agreement=agreement, day=days[0],
                           meals_cancelled=True, in_time=True, source="parent",
                           reported_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        result = services.close_month(world["institution"], month, acting_user=None)
    assert result == {"drafts": 1, "unchanged": 0, "issued": 1}
    statement = FeeStatement.objects.get()
    open_days = len(days)
    # 7:30–16:00: 4 started hours beyond 5 at 1,44 zł; meals 12 zł less the cancelled day.
    assert statement.stay_amount == (open_days - 1) * 4 * 144
    assert statement.meals_amount == (open_days - 1) * 1200
    assert statement.status == StatementStatus.ISSUED
    stay = payment_selectors.fee_state(municipality_a, statement.external_id("stay"))
    meals = payment_selectors.fee_state(municipality_a, statement.external_id("meals"))
    assert (stay.amount, meals.amount) == (statement.stay_amount, statement.meals_amount)
    payer = payment_selectors.payers_of_resident(municipality_a, resident).get()
    assert stay.account == payer.account and len(payer.account) == 26
    with django_capture_on_commit_callbacks(execute=True):
        again = services.close_month(world["institution"], month, acting_user=None)
    assert again == {"drafts": 0, "unchanged": 1, "issued": 0}
    assert FeeStatement.objects.count() == 1


def test_a_late_correction_makes_a_correcting_statement_and_lowers_the_unpaid_charge(
        world, municipality_a, django_capture_on_commit_callbacks):
    agreement, month = world["agreement"], last_month()
    attend_last_month(agreement)
    with django_capture_on_commit_callbacks(execute=True):
        services.close_month(world["institution"], month, acting_user=None)
    first = FeeStatement.objects.get()
    # The director accepts a late correction: the child left at 12:00 on the last day.
    last_day = month_days(month)[-1]
    Presence.objects.filter(agreement=agreement, day=last_day).update(
        departed_at=datetime.time(12, 0))
    with django_capture_on_commit_callbacks(execute=True):
        result = services.close_month(world["institution"], month, acting_user=None)
    assert result["issued"] == 1
    second = FeeStatement.objects.exclude(pk=first.pk).get()
    assert (second.version, second.corrects_id) == (2, first.pk)
    assert second.stay_amount == first.stay_amount - 4 * 144
    first.refresh_from_db()
    assert first.status == StatementStatus.ISSUED and first.stay_amount != second.stay_amount
    lowered = payment_selectors.fee_state(municipality_a, first.external_id("stay"))
    assert lowered.amount == second.stay_amount
    assert payment_selectors.fee_state(municipality_a, second.external_id("stay")) is None


def test_an_increase_is_charged_as_the_correcting_statement_s_own_obligation(
        world, municipality_a, django_capture_on_commit_callbacks):
    agreement, month = world["agreement"], last_month()
    attend_last_month(agreement, until=(13, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.close_month(world["institution"], month, acting_user=None)
    first = FeeStatement.objects.get()
    Presence.objects.filter(agreement=agreement, day=month_days(month)[0]).update(
        departed_at=datetime.time(17, 0))
    with django_capture_on_commit_callbacks(execute=True):
        services.close_month(world["institution"], month, acting_user=None)
    second = FeeStatement.objects.get(version=2)
    extra = payment_selectors.fee_state(municipality_a, second.external_id("stay"))
    assert extra.amount == second.stay_amount - first.stay_amount == 4 * 144


def test_the_current_month_cannot_be_closed(world):
    with pytest.raises(EducationError) as refusal:
        services.close_month(world["institution"], timezone.localdate(), acting_user=None)
    assert refusal.value.code == "month_not_over"


def test_the_payer_must_be_a_guardian(world):
    stranger = ResidentFactory()
    with pytest.raises(EducationError) as refusal:
        services.make_agreement(
            world["institution"], world["agreement"].child, acting_user=None, payer=stranger,
            valid_from=datetime.date(2030, 1, 1), valid_until=datetime.date(2030, 2, 1),
            declared_from=datetime.time(8), declared_until=datetime.time(13))
    assert refusal.value.code == "payer_not_guardian"


def test_the_rate_above_the_cap_is_refused(world):
    with pytest.raises(EducationError) as refusal:
        services.set_fee_policy(world["institution"], acting_user=None, free_hours=5,
                                hourly_rate=150, resolution="", cutoff=datetime.time(8),
                                deduction_rule="cancelled_in_time")
    assert refusal.value.code == "rate_above_cap" and "1,44 zł" in str(refusal.value.message)


def test_the_parent_s_export_holds_the_agreement_and_the_absences(world, resident,
                                                                  municipality_a):
    services.report_absence(world["agreement"], user=resident, day=working_day(1))
    provider = next(p for p in providers() if p.key == "education")
    section = provider.export(municipality_a, resident)[1]
    [record] = section.records
    assert record["child"] == world["agreement"].child.full_name
    assert record["absences"] == [{"day": working_day(1).isoformat(), "meals_cancelled": True,
                                   "in_time": True}]
    assert "u.f.z.o." in provider.plan(municipality_a, resident).retained[-1].reason
    assert provider.export(municipality_a, ResidentFactory())[1].records == []


# --- The API contract ---------------------------------------------------------------------

@pytest.fixture
def token(municipality_a, resident):
    account_services.link_resident(municipality_a, resident)
    _token, secret = account_services.issue_api_token(
        municipality_a, acting_user=None, name="t", permissions=[Permission.RESIDENT_SELF],
        user=resident)
    return secret


def _post(client, token, body):
    return client.post("/api/v1/education/absences", body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def test_api_reports_an_absence(client, world, token):
    agreement, day = world["agreement"], working_day(1)
    answer = _post(client, token, {"child": agreement.child_id, "date": day.isoformat(),
                                   "meals": True})
    assert answer.status_code == 201, answer.content
    assert answer.json()["meals_cancelled"] is True
    repeat = _post(client, token, {"child": agreement.child_id, "date": day.isoformat(),
                                   "meals": True})
    assert repeat.status_code == 201 and repeat["Idempotent-Replayed"] == "true"
    assert Absence.objects.count() == 1


def test_api_refuses_after_the_cut_off_naming_it(client, world, token):
    day = working_day(-1)
    answer = _post(client, token, {"child": world["agreement"].child_id,
                                   "date": day.isoformat(), "meals": True})
    assert answer.status_code == 422
    assert answer.json()["code"] == "after_cutoff"
    assert f"{day:%d.%m.%Y} 08:00" in answer.json()["detail"]


def test_api_refuses_another_person_s_child_and_a_day_outside_the_place(
        client, world, token, municipality_a):
    other = make_child(world["institution"], world["plan"], ResidentFactory())
    answer = _post(client, token, {"child": other.child_id,
                                   "date": working_day(1).isoformat(), "meals": True})
    assert answer.status_code == 404
    late = world["agreement"].valid_until + datetime.timedelta(days=5)
    answer = _post(client, token, {"child": world["agreement"].child_id,
                                   "date": late.isoformat(), "meals": True})
    assert answer.status_code == 422 and answer.json()["code"] == "outside_enrolment"
    assert not Absence.objects.exists()
    answer = _post(client, token, {"child": world["agreement"].child_id,
                                   "date": working_day(1).isoformat(), "extra": 1})
    assert answer.status_code == 422


def test_api_lists_the_caller_s_children_with_the_fee_preview(client, world, token):
    make_child(world["institution"], world["plan"], ResidentFactory(), first_name="Obcy")
    answer = client.get("/api/v1/education/children", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    [child] = answer.json()
    agreement = world["agreement"]
    assert (child["id"], child["institution"]) == (agreement.child_id,
                                                   world["institution"].name)
    assert child["fee_preview"] == services.fee_preview(agreement).total
    today = timezone.localdate()
    past = [d for d in month_days(today.replace(day=1)) if d <= today]
    assert child["fee_preview"] == len(past) * (4 * 144 + 1200)
