"""The parents' and the staff's pages: who may open them, what a form refuses and why, and
that each step the pages offer does what it says."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.core.tests.factories import DepartmentFactory, LocalityFactory
from ratusz.education import services
from ratusz.education.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Campaign,
    CampaignKind,
    Institution,
)
from ratusz.education.tests.factories import apply, make_recruitment, valid_pesel
from ratusz.testing.logingov import sign_in_identified
from ratusz.testing.pdf import tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruitment(municipality_a, department_a):
    return make_recruitment(municipality_a, department_a)


@pytest.fixture
def officer(make_staff, municipality_a):
    return make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")


def form(recruitment, **extra):
    first, second = recruitment["offers"]
    data = {"child_first_name": "Ola", "child_last_name": "Mazur",
            "child_pesel": valid_pesel(timezone.localdate().replace(year=2022, day=1), 77),
            "is_resident": "on", "address": "ul. Polna 1", "guardian_name": "Ewa Mazur",
            "email": "ewa@example.com", "preference_1": str(first.pk),
            "preference_2": str(second.pk), "criteria": [str(recruitment["working"].pk)],
            "statement_accepted": "on"}
    data.update(extra)
    return data


def test_the_recruitment_pages_are_public(client, recruitment, municipality_a):
    campaign = recruitment["campaign"]
    page = client.get(f"/g/{municipality_a.slug}/edukacja/")
    assert page.status_code == 200 and campaign.name in page.content.decode()
    page = client.get(f"/g/{municipality_a.slug}/edukacja/rekrutacja/{campaign.pk}/")
    assert page.status_code == 200
    assert "Oboje rodzice pracują" in page.content.decode()


def test_applying_needs_a_login_gov_session(client, recruitment, municipality_a, resident):
    url = f"/g/{municipality_a.slug}/edukacja/rekrutacja/{recruitment['campaign'].pk}/wniosek/"
    assert "/auth/login-gov/start/" in client.get(url).content.decode()
    client.force_login(resident)
    answer = client.post(url, form(recruitment))
    assert answer.status_code == 403
    assert not Application.objects.exists()


def test_a_parent_applies_and_a_fourth_preference_is_refused(client, recruitment,
                                                             municipality_a, resident):
    sign_in_identified(client, resident)
    url = f"/g/{municipality_a.slug}/edukacja/rekrutacja/{recruitment['campaign'].pk}/wniosek/"
    first = recruitment["offers"][0]
    refused = client.post(url, form(recruitment, preference_3=str(first.pk),
                                    preference_4=str(first.pk)))
    assert refused.status_code == 422
    assert "Można wskazać najwyżej 3 placówki (wskazano: 4)." in refused.content.decode()
    bad = client.post(url, form(recruitment, child_pesel="12345678901"))
    assert bad.status_code == 422 and "12345678901" in bad.content.decode()
    data = form(recruitment)
    data["documents"] = _pdf()
    filed = client.post(url, data)
    application = Application.objects.get()
    assert filed.status_code == 302
    assert filed["Location"] == f"/g/{municipality_a.slug}/edukacja/wnioski/" \
                                f"{application.public_id}/"
    assert application.documents.count() == 1
    assert [p.offer_id for p in application.preferences.order_by("rank")] == \
        [o.pk for o in recruitment["offers"]]
    page = client.get(filed["Location"])
    assert page.status_code == 200 and application.candidate_code in page.content.decode()


def _pdf():
    return SimpleUploadedFile("oswiadczenie.pdf", tiny_pdf(["Oswiadczenie"]),
                              content_type="application/pdf")


def test_the_commission_verifies_and_the_parent_confirms(client, recruitment, municipality_a,
                                                         officer, resident):
    application = apply(recruitment, guardian=resident, verify=False,
                        criteria=[(recruitment["working"].pk, None)])
    declared = application.declared.get()
    client.force_login(officer)
    base = f"/g/{municipality_a.slug}/staff/edukacja/"
    assert client.get(f"{base}wnioski/{application.pk}/").status_code == 200
    answer = client.post(f"{base}wnioski/{application.pk}/komisja/",
                         {"action": "verify", f"confirm_{declared.pk}": "on",
                          "is_resident": "on"})
    assert answer.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.VERIFIED
    campaign = recruitment["campaign"]
    for step in ("allocate", "publish_qualified"):
        client.post(f"{base}{campaign.pk}/krok/", {"step": step})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.QUALIFIED
    for url in (f"{base}", f"{base}{campaign.pk}/", f"{base}{campaign.pk}/wnioski/",
                f"{base}{campaign.pk}/listy/{recruitment['offers'][0].pk}/"):
        assert client.get(url).status_code == 200, url
    sign_in_identified(client, resident)
    own = f"/g/{municipality_a.slug}/edukacja/wnioski/{application.public_id}/"
    page = client.get(own).content.decode()
    assert "20" in page and application.candidate_code in page
    client.post(own, {"action": "confirm"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CONFIRMED
    client.force_login(officer)
    client.post(f"{base}{campaign.pk}/krok/", {"step": "publish_admitted"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMITTED


def test_another_parent_does_not_see_the_application(client, recruitment, municipality_a,
                                                     resident):
    application = apply(recruitment)
    client.force_login(resident)
    own = f"/g/{municipality_a.slug}/edukacja/wnioski/{application.public_id}/"
    assert client.get(own).status_code == 404
    assert client.post(own, {"action": "withdraw"}).status_code == 404


def test_a_preschools_commission_acts_for_its_own_preschool_only(client, recruitment,
                                                                 municipality_a, make_staff):
    first, second = recruitment["offers"]
    own_department = DepartmentFactory(municipality=municipality_a,
                                       unit=recruitment["units"][0], symbol="P1",
                                       name="Dyrekcja Przedszkola nr 1")
    director = make_staff(municipality_a, Role.EDUCATION, department=own_department,
                          username="alfa.dyrektor")
    mine = apply(recruitment, [first, second], first="Ada", verify=False)
    second_choice = apply(recruitment, [second, first], first="Bartek", verify=False)
    elsewhere = apply(recruitment, [second], first="Celina", verify=False)
    client.force_login(director)
    base = f"/g/{municipality_a.slug}/staff/edukacja/"
    campaign = recruitment["campaign"]
    listing = client.get(f"{base}{campaign.pk}/wnioski/").content.decode()
    assert "Ada" in listing and "Bartek" in listing and "Celina" not in listing
    assert client.get(f"{base}wnioski/{elsewhere.pk}/").status_code == 404
    answer = client.post(f"{base}wnioski/{second_choice.pk}/komisja/", {"action": "verify"},
                         follow=True)
    assert "another institution" in answer.content.decode() or \
        "innej placówki" in answer.content.decode()
    second_choice.refresh_from_db()
    assert second_choice.status == ApplicationStatus.SUBMITTED
    client.post(f"{base}wnioski/{mine.pk}/komisja/", {"action": "verify"})
    mine.refresh_from_db()
    assert mine.status == ApplicationStatus.VERIFIED
    client.post(f"{base}{campaign.pk}/krok/", {"step": "lottery", "witnesses": "Ktoś"})
    campaign.refresh_from_db()
    assert campaign.seed == recruitment["campaign"].seed
    assert client.get(f"{base}{campaign.pk}/listy/{first.pk}/").status_code == 200
    assert client.get(f"{base}{campaign.pk}/listy/{second.pk}/").status_code == 404
    page = client.get(f"{base}{campaign.pk}/").content.decode()
    assert "krok/" not in page and "kontynuacje/" in page


def test_a_first_grade_application_may_be_a_catchment_registration(client, municipality_a,
                                                                   department_a, resident):
    recruitment = make_recruitment(municipality_a, department_a, open_it=False)
    campaign = recruitment["campaign"]
    school = recruitment["offers"][0]
    sign_in_identified(client, resident)
    url = f"/g/{municipality_a.slug}/edukacja/rekrutacja/{campaign.pk}/wniosek/"
    services.open_campaign(campaign, acting_user=None)
    assert 'name="registration"' not in client.get(url).content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(kind=CampaignKind.SCHOOL_FIRST_GRADE)
    village = LocalityFactory(municipality=municipality_a, name="Obwodowo")
    Institution.objects.get(pk=school.institution_id).catchment.add(village)
    assert 'name="registration"' in client.get(url).content.decode()
    filed = client.post(url, form(recruitment, preference_2="", criteria=[],
                                  statement_accepted="", registration="on",
                                  locality=str(village.pk)))
    assert filed.status_code == 302
    assert Application.objects.get().kind == ApplicationKind.REGISTRATION


def test_the_commission_enters_a_paper_application(client, recruitment, municipality_a,
                                                   officer):
    campaign = recruitment["campaign"]
    url = f"/g/{municipality_a.slug}/staff/edukacja/{campaign.pk}/wnioski/papierowy/"
    client.force_login(officer)
    assert client.get(url).status_code == 200
    early = campaign.applications_from - datetime.timedelta(days=1)
    refused = client.post(url, {**form(recruitment), "received_on": early.isoformat()})
    assert refused.status_code == 422 and "service-error" in refused.content.decode()
    assert not Application.objects.exists()
    entered = client.post(url, {**form(recruitment),
                                "received_on": campaign.applications_from.isoformat()})
    application = Application.objects.get()
    assert entered.status_code == 302
    assert entered["Location"].endswith(f"/staff/edukacja/wnioski/{application.pk}/")
    assert (application.guardian, application.received_on) == (None,
                                                               campaign.applications_from)
    assert application.declared.count() == 1 and application.statement_accepted
