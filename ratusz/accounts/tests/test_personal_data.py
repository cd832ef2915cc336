"""A resident's RODO rights: the download of their data (art. 15, 20) and the erasure by
the administrator where the law allows it (art. 17) — issue 15."""

import io
import json

import pytest

from ratusz.accounts.models import ResidentProfile, User
from ratusz.accounts.services import link_resident
from ratusz.core import personal_data
from ratusz.core.models import AuditLog, PersonalDataAccess
from ratusz.core.services import record_personal_data_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(resident, municipality_a):
    link_resident(municipality_a, resident)
    User.objects.filter(pk=resident.pk).update(email="ewa.mazur@example.org")
    resident.refresh_from_db()
    return resident


def test_a_resident_downloads_what_the_gmina_holds_about_them(client, linked, municipality_a,
                                                              admin_a):
    record_personal_data_access(municipality=municipality_a, staff=admin_a, subject=linked,
                                context="resident_profile", fields=["email"], path="/x")
    client.force_login(linked)
    answer = client.get("/account/data/alfa.json")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="dane-osobowe-alfa-')
    body = json.loads(answer.content)
    sections = {section["key"]: section for section in body["sections"]}
    assert sections["account"]["records"][0]["email"] == "ewa.mazur@example.org"
    assert sections["account"]["records"][0]["pesel"].endswith("49")  # masked
    assert "90010112349" not in answer.content.decode()
    assert sections["accesses"]["records"][0]["who"] == admin_a.get_full_name() or \
        sections["accesses"]["records"][0]["who"]
    assert AuditLog.objects.filter(actor=linked,
                                   after__personal_data_export="json").count() == 1

    pdf = client.get("/account/data/alfa.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "ewa.mazur@example.org" in text and "Gmina Alfa" in text


def test_no_download_from_a_gmina_without_matters(client, linked, municipality_b):
    client.force_login(linked)
    assert client.get("/account/data/beta.json").status_code == 404
    assert client.get("/account/data/alfa.xml").status_code == 404


def test_the_administrator_erases_what_the_law_allows_and_says_what_stays(
        client, linked, municipality_a, admin_a):
    client.force_login(admin_a)
    plan = client.get("/g/alfa/staff/erasure/", {"resident": "EWA.MAZUR@example.org"})
    assert plan.status_code == 200
    text = plan.content.decode()
    assert "KRI" in text  # what stays, and why
    assert PersonalDataAccess.objects.filter(subject=linked, context="erasure").exists()
    unconfirmed = client.post("/g/alfa/staff/erasure/", {"resident": "ewa.mazur@example.org"})
    assert unconfirmed.status_code == 400
    assert User.objects.get(pk=linked.pk).email == "ewa.mazur@example.org"

    done = client.post("/g/alfa/staff/erasure/", {"resident": "ewa.mazur@example.org",
                                                  "confirm": "yes"})
    assert done.status_code == 302
    erased = User.objects.get(pk=linked.pk)
    assert (erased.email, erased.is_active, erased.has_usable_password()) == ("", False, False)
    profile = ResidentProfile.objects.get(user=erased)
    assert (profile.phone, profile.pesel_digest, profile.city) == ("", None, "")
    entry = AuditLog.objects.get(action="deleted", object_id=str(linked.pk))
    assert entry.after["resident"] == "Ewa Mazur" and entry.after["retained"]


def test_an_account_with_matters_elsewhere_keeps_its_details(client, linked, municipality_a,
                                                             municipality_b, admin_a):
    link_resident(municipality_b, linked)
    client.force_login(admin_a)
    client.post("/g/alfa/staff/erasure/", {"resident": linked.username, "confirm": "yes"})
    kept = User.objects.get(pk=linked.pk)
    assert kept.email == "ewa.mazur@example.org" and kept.is_active
    assert client.get("/g/alfa/staff/erasure/", {"resident": linked.username}
                      ).status_code == 404  # no longer a resident of Alfa


def test_a_blocker_of_any_app_refuses_the_whole_erasure(client, linked, admin_a):
    def plan(municipality, user):
        return personal_data.ErasurePlan("test", blockers=["sprawa w toku: OR.0012.1.2026"])

    personal_data.register(personal_data.Provider(
        "zz-test", export=lambda m, u: [], plan=plan, erase=lambda m, u: {}))
    try:
        client.force_login(admin_a)
        answer = client.post("/g/alfa/staff/erasure/", {"resident": linked.username,
                                                        "confirm": "yes"})
    finally:
        personal_data._PROVIDERS.pop("zz-test")
    assert answer.status_code == 409 and "OR.0012.1.2026" in answer.content.decode()
    assert User.objects.get(pk=linked.pk).is_active


def test_staff_without_the_permission_are_told_so(client, make_staff, municipality_a, linked):
    from ratusz.accounts.permissions import Role

    client.force_login(make_staff(municipality_a, Role.SECRETARY))
    response = client.get("/g/alfa/staff/erasure/")
    assert response.status_code == 403
    assert "accounts/staff/forbidden.html" in [t.name for t in response.templates]
