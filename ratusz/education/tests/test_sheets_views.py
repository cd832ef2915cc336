"""The organisation sheets' pages through the test client: the department's table, the
editor refusing a teacher beyond KN art. 35 with the reason, send, return with a comment,
the correction and the annex's diff; who may open them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.education import services
from ratusz.education.models import SheetStatus, SheetTeacher, SheetVersion
from ratusz.education.selectors_sheets import rates
from ratusz.education.tests.sheet_factories import make_school, make_sheet
from ratusz.education.workspace import sheets_waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_staff, municipality_a):
    return make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")


def url(municipality, tail=""):
    return f"/g/{municipality.slug}/staff/edukacja/arkusze/{tail}"


def act(client, municipality, version, **data):
    return client.post(url(municipality, f"wersje/{version.pk}/krok/"), data, follow=True)


def test_the_department_sees_all_schools_with_totals(client, officer, municipality_a):
    services.set_rates(municipality_a, acting_user=None, school_year=2027, hour_rate=9_500,
                       weeks=38)
    make_sheet(municipality_a)
    make_sheet(municipality_a)
    client.force_login(officer)
    page = client.get(url(municipality_a, "?rok=2027"))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("Szkoła Podstawowa nr") >= 2
    assert "<td>96</td>" in text  # 2 × 48 hours
    assert "<td>5.32</td>" in text or "<td>5,32</td>" in text  # 2 × 2.66 FTEs
    assert "346" in text  # 2 × 17 328,00 zł = 34 656,00 zł


def test_rates_are_typed_in_zloty(client, officer, municipality_a):
    client.force_login(officer)
    client.post(url(municipality_a, "stawki/"), {"school_year": "2027", "hour_rate": "95,50",
                                                  "weeks": "38"})
    assert rates(municipality_a, 2027).hour_rate == 9_550
    page = client.post(url(municipality_a, "stawki/"), {"school_year": "2027",
                                                         "hour_rate": "dużo", "weeks": "38"},
                       follow=True)
    assert "koszt godziny dydaktycznej" in page.content.decode()
    assert rates(municipality_a, 2027).hour_rate == 9_550


def test_a_director_builds_and_sends_and_a_teacher_beyond_the_limit_is_refused(
        client, officer, municipality_a):
    school = make_school(municipality_a, name="Szkoła Podstawowa w Alfie")
    client.force_login(officer)
    page = client.post(url(municipality_a, "nowy/"), {"school": school.pk,
                                                       "school_year": "2027"}, follow=True)
    version = SheetVersion.objects.get(sheet__institution=school)
    assert page.status_code == 200 and "Szkoła Podstawowa w Alfie" in page.content.decode()
    act(client, municipality_a, version, action="add_division", grade="4", name="4a",
        pupils="24")
    refused = act(client, municipality_a, version, action="save_teacher", name="Ewa Lis",
                  qualifications="mgr", subjects="polski", employment="contract",
                  pensum="18", contracted_hours="18", assigned_hours="24")
    assert "Ewa Lis – 6 godz. ponadwymiarowych" in refused.content.decode()
    assert not SheetTeacher.objects.exists()
    act(client, municipality_a, version, action="save_teacher", name="Ewa Lis",
        qualifications="mgr", subjects="polski", employment="contract", pensum="18",
        contracted_hours="18", assigned_hours="24", overtime_consent="on")
    division = version.divisions.get()
    hours = {f"hours-{line.subject}": str(line.hours) for line in division.hours.all()}
    hours["hours-mathematics"] = "3"
    act(client, municipality_a, version, action="update_division", division=division.pk,
        pupils="25", **hours)
    page = client.get(url(municipality_a, f"wersje/{version.pk}/"))
    text = page.content.decode()
    assert "matematyka ma 3 godz. tygodniowo" in text
    assert "Arkusz planuje 23 godz. tygodniowo, a nauczycielom przydziela 24." in text
    sent = act(client, municipality_a, version, action="send")
    version.refresh_from_db()
    assert version.status == SheetStatus.SENT and sent.status_code == 200
    again = act(client, municipality_a, version, action="add_division", grade="5",
                name="5a", pupils="20")
    assert "nie może się już zmienić" in again.content.decode()


def test_return_correction_annex_and_diff(client, officer, municipality_a):
    version = services.send_version(make_sheet(municipality_a)["version"],
                                    acting_user=None)
    client.force_login(officer)
    act(client, municipality_a, version, action="comment", line="4a",
        text="Za mało godzin.")
    page = act(client, municipality_a, version, action="return", text="Proszę poprawić.")
    assert "Proszę poprawić." in page.content.decode()
    page = act(client, municipality_a, version, action="correct")
    correction = SheetVersion.objects.get(sheet=version.sheet, number=2)
    assert correction.status == SheetStatus.DRAFT
    act(client, municipality_a, correction, action="send")
    act(client, municipality_a, correction, action="approve",
        approved_on=timezone.localdate().isoformat(), approved_by="Wójt Gminy Alfa")
    correction.refresh_from_db()
    assert correction.status == SheetStatus.APPROVED
    act(client, municipality_a, correction, action="annex")
    annex = SheetVersion.objects.get(sheet=version.sheet, number=3)
    teacher = annex.teachers.get(name="Jan Kowal")
    act(client, municipality_a, annex, action="save_teacher", teacher=teacher.pk,
        name="Jan Kowal", qualifications=teacher.qualifications, subjects="fizyka",
        employment="contract", pensum="18", contracted_hours="18", assigned_hours="22")
    diff = client.get(url(municipality_a, f"wersje/{annex.pk}/zmiany/"))
    text = diff.content.decode()
    assert diff.status_code == 200
    assert "Jan Kowal" in text and "<td>26</td><td>22</td>" in text
    assert "<td>przedmioty klas IV</td><td>fizyka</td>" in text
    assert "zgoda na godziny ponadwymiarowe" in text  # True → False
    assert "48 → 48" in text and ("2,66 → 2,44" in text or "2.66 → 2.44" in text)


def test_who_may_open_the_sheets(client, make_staff, municipality_a, municipality_b,
                                 resident):
    version = make_sheet(municipality_a)["version"]
    page = url(municipality_a, f"wersje/{version.pk}/")
    assert client.get(page).status_code == 302
    client.force_login(make_staff(municipality_a, Role.CASE_OFFICER, username="alfa.ref"))
    assert client.get(page).status_code == 403
    client.force_login(make_staff(municipality_b, Role.EDUCATION, username="beta.oswiata"))
    assert client.get(page).status_code == 404
    assert client.post(url(municipality_a, f"wersje/{version.pk}/krok/"),
                       {"action": "send"}).status_code == 404
    version.refresh_from_db()
    assert version.status == SheetStatus.DRAFT


def test_sent_versions_wait_for_the_department(officer, municipality_a):
    made = make_sheet(municipality_a)
    (work,) = sheets_waiting(officer, municipality_a, detailed=True)
    assert work.count == 0
    services.send_version(made["version"], acting_user=None)
    (work,) = sheets_waiting(officer, municipality_a, detailed=True)
    assert work.count == 1 and work.items[0].url.endswith(
        f"/arkusze/wersje/{made['version'].pk}/")
