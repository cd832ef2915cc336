"""The organisation sheet's services: preparing, sending, returning with a comment,
correcting, opinions, the wójt's approval and its date, annexes and their diff; a refused
step leaves nothing behind."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ratusz.core.models import AuditLog
from ratusz.education import selectors_sheets, services, sheet_rules
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    Division,
    InstitutionKind,
    OpinionBody,
    SheetStatus,
    SheetStep,
    SheetTeacher,
    SheetVersion,
    SubjectHours,
)
from ratusz.education.tests.sheet_factories import make_school, make_sheet, teacher

pytestmark = pytest.mark.django_db


def steps(version):
    return [event.step for event in selectors_sheets.events(version)]


def test_a_division_gets_the_framework_hours_and_the_totals_add_up(municipality_a):
    services.set_rates(municipality_a, acting_user=None, school_year=2027, hour_rate=9_500,
                       weeks=38)
    made = make_sheet(municipality_a)
    figures = selectors_sheets.summary(made["version"])
    assert {line.subject: line.hours for line in made["fourth"].hours.all()}["polish"] == 5
    assert (figures.subject_hours, figures.additional_hours, figures.total_hours) == (46, 2, 48)
    assert figures.pupils == 45 and figures.divisions == 2 and figures.teachers == 2
    assert figures.overtime_hours == 12  # Anna 4, Jan 8
    assert str(figures.employment_fte) == "2.00" and str(figures.hours_fte) == "2.66"
    assert figures.cost == 48 * 38 * 9_500
    assert figures.findings == []


def test_teacher_hours_beyond_the_limits_are_refused_and_nothing_is_saved(municipality_a):
    version = make_sheet(municipality_a)["version"]
    audits = AuditLog.objects.count()
    with pytest.raises(EducationError) as refused:
        services.save_teacher(version, teacher("Ewa Lis", assigned=23), acting_user=None)
    assert refused.value.code == "overtime_without_consent"
    assert "Ewa Lis – 5 godz. ponadwymiarowych" in str(refused.value.message)
    with pytest.raises(EducationError) as refused:
        services.save_teacher(version, teacher("Ewa Lis", assigned=28, consent=True),
                              acting_user=None)
    assert refused.value.code == "overtime_above_half"
    assert not SheetTeacher.objects.filter(name="Ewa Lis").exists()
    assert AuditLog.objects.count() == audits
    jan = SheetTeacher.objects.get(version=version, name="Jan Kowal")
    with pytest.raises(EducationError):
        services.save_teacher(version, teacher("Jan Kowal", assigned=26, consent=False),
                              acting_user=None, teacher=jan)
    jan.refresh_from_db()
    assert jan.overtime_consent is True


def test_framework_hours_below_the_minimum_are_flagged_and_kept_with_the_sent_version(
        municipality_a):
    made = make_sheet(municipality_a)
    hours = {line.subject: line.hours for line in made["fourth"].hours.all()}
    hours["mathematics"] = 3
    hours["computing"] = 2
    services.update_division(made["fourth"], acting_user=None, pupils=25, hours=hours)
    version = services.send_version(made["version"], acting_user=None)
    assert version.status == SheetStatus.SENT
    assert [flag["code"] for flag in version.flags] == ["below_framework"]
    assert "matematyka ma 3 godz." in version.flags[0]["message"]


def test_a_sent_version_is_frozen(municipality_a):
    made = make_sheet(municipality_a)
    version = services.send_version(made["version"], acting_user=None)
    with pytest.raises(EducationError) as refused:
        services.add_division(version, acting_user=None, grade=2, name="2a", pupils=20)
    assert refused.value.code == "sheet_version_frozen"
    with pytest.raises(EducationError):
        services.update_division(made["first"], acting_user=None, pupils=1, hours={})
    assert Division.objects.get(pk=made["first"].pk).pupils == 21
    with pytest.raises(EducationError):
        services.send_version(version, acting_user=None)


def test_an_incomplete_sheet_is_not_sent(municipality_a):
    version = services.create_sheet(make_school(municipality_a), acting_user=None,
                                    school_year=2027)
    with pytest.raises(EducationError) as refused:
        services.send_version(version, acting_user=None)
    assert refused.value.code == "sheet_incomplete"
    version.refresh_from_db()
    assert version.status == SheetStatus.DRAFT and version.sent_at is None


def test_one_sheet_per_school_and_year_and_not_for_a_preschool(municipality_a):
    made = make_sheet(municipality_a)
    with pytest.raises(EducationError) as refused:
        services.create_sheet(made["school"], acting_user=None, school_year=2027)
    assert refused.value.code == "sheet_exists"
    preschool = make_school(municipality_a)
    preschool.kind = InstitutionKind.PRESCHOOL
    preschool.save()
    with pytest.raises(EducationError):
        services.create_sheet(preschool, acting_user=None, school_year=2027)


def test_send_return_with_a_comment_and_correct(municipality_a, make_staff):
    officer = make_staff(municipality_a, username="alfa.oswiata")
    made = make_sheet(municipality_a, user=officer)
    version = services.send_version(made["version"], acting_user=officer)
    services.comment_version(version, acting_user=officer, line="4a",
                             text="Brak godzin wspomagania w 4a.")
    services.return_version(version, acting_user=officer, text="Proszę uzupełnić.")
    version.refresh_from_db()
    assert version.status == SheetStatus.RETURNED
    assert [c.text for c in selectors_sheets.comments(version)] == [
        "Brak godzin wspomagania w 4a.", "Proszę uzupełnić."]
    assert steps(version) == [SheetStep.PREPARED, SheetStep.SENT, SheetStep.COMMENTED,
                              SheetStep.RETURNED]
    correction = services.prepare_correction(version, acting_user=officer)
    assert (correction.number, correction.annex, correction.base_id) == (2, 0, version.pk)
    assert selectors_sheets.snapshot(correction) == selectors_sheets.snapshot(version)
    with pytest.raises(EducationError) as refused:
        services.prepare_correction(version, acting_user=officer)
    assert refused.value.code == "sheet_newer_version"


def test_approval_on_time_late_and_before_sending(municipality_a):
    made = make_sheet(municipality_a, year=2024)
    version = services.send_version(made["version"], acting_user=None)
    assert version.sent_late is True  # sent after 21 April 2024
    sent_on = timezone.localdate(version.sent_at)
    with pytest.raises(EducationError) as refused:
        services.approve_version(version, acting_user=None, approved_by="Wójt Gminy",
                                 approved_on=sent_on - datetime.timedelta(days=1))
    assert refused.value.code == "approval_before_sending"
    with pytest.raises(EducationError):
        services.approve_version(version, acting_user=None, approved_by="Wójt Gminy",
                                 approved_on=sent_on + datetime.timedelta(days=1))
    version = services.approve_version(version, acting_user=None, approved_on=sent_on,
                                       approved_by="Jan Wójcik, Wójt Gminy")
    assert version.status == SheetStatus.APPROVED and version.approval_late is True
    note = selectors_sheets.events(version)[-1].note
    assert "po terminie ustawowym 29 maja 2024" in note
    assert "bez opinii kuratora w aktach" in note


def test_opinions_are_requested_and_recorded(municipality_a):
    version = services.send_version(make_sheet(municipality_a)["version"], acting_user=None)
    today = timezone.localdate()
    opinion = services.request_opinion(version, acting_user=None, body=OpinionBody.CURATOR,
                                       body_name="Kuratorium Oświaty", requested_on=today)
    services.record_opinion(version, acting_user=None, opinion=opinion, given_on=today,
                            text="Opinia pozytywna.")
    services.record_opinion(version, acting_user=None, body=OpinionBody.UNION,
                            body_name="ZNP Oddział", given_on=today, text="Bez uwag.")
    with pytest.raises(EducationError) as refused:
        services.record_opinion(version, acting_user=None, opinion=opinion, given_on=today,
                                text="Drugi raz.")
    assert refused.value.code == "opinion_not_open"
    assert [(o.body, o.text) for o in selectors_sheets.opinions(version)] == [
        ("curator", "Opinia pozytywna."), ("union", "Bez uwag.")]
    version = services.approve_version(version, acting_user=None, approved_on=today,
                                       approved_by="Wójt")
    assert "curator" not in selectors_sheets.events(version)[-1].note


def test_an_annex_repeats_the_path_and_shows_the_diff(municipality_a):
    made = make_sheet(municipality_a)
    version = services.send_version(made["version"], acting_user=None)
    approved = services.approve_version(version, acting_user=None,
                                        approved_on=timezone.localdate(), approved_by="Wójt")
    annex = services.start_annex(approved, acting_user=None)
    assert (annex.number, annex.annex, annex.base_id) == (2, 1, approved.pk)
    fourth = Division.objects.get(version=annex, name="4a")
    hours = {line.subject: line.hours for line in fourth.hours.all()}
    hours["mathematics"] = 5
    services.update_division(fourth, acting_user=None, pupils=26, hours=hours)
    jan = SheetTeacher.objects.get(version=annex, name="Jan Kowal")
    services.save_teacher(annex, teacher("Jan Kowal", assigned=27, consent=True),
                          acting_user=None, teacher=jan)
    services.add_division(annex, acting_user=None, grade=2, name="2a", pupils=18)
    changes = sheet_rules.diff(selectors_sheets.snapshot(approved),
                               selectors_sheets.snapshot(annex))
    assert ("4a", "pupils", 24, 26) in changes["divisions"]
    assert ("2a", "grade", None, 2) in changes["divisions"]
    assert ("4a", "mathematics", 4, 5) in changes["hours"]
    assert ("Jan Kowal", "assigned_hours", 26, 27) in changes["teachers"]
    assert SubjectHours.objects.filter(division__version=approved,
                                       subject="mathematics", hours=4).count() == 1
    services.send_version(annex, acting_user=None)
    with pytest.raises(EducationError) as refused:
        services.start_annex(approved, acting_user=None)
    assert refused.value.code == "sheet_newer_version"
    assert SheetVersion.objects.filter(sheet=made["version"].sheet).count() == 2


def test_a_sheet_of_another_gmina_is_not_reachable(municipality_a, municipality_b):
    made = make_sheet(municipality_a)
    assert selectors_sheets.access_version_by_id(municipality_b, made["version"].pk) is None
    assert selectors_sheets.access_sheet_by_id(municipality_b,
                                               made["version"].sheet_id) is None
    assert selectors_sheets.year_table(municipality_b, 2027)["rows"] == []
