"""The BIP editor's pages: creating and publishing with attachments, versions on edit,
the approval step, withdrawal, editors per unit, the menu, statistics and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.bulletin import services
from ratusz.bulletin.models import (
    Attachment,
    Entry,
    EntryState,
    EntryVersion,
    Section,
    Site,
)
from ratusz.bulletin.services import EntryData
from ratusz.core.models import AuditLog
from ratusz.core.tests.factories import DepartmentFactory, UnitFactory
from ratusz.testing.pdf import tiny_pdf


@pytest.fixture
def office(department_a):
    return department_a.unit


@pytest.fixture
def site(office):
    return services.ensure_site(office)


@pytest.fixture
def school(municipality_a):
    return UnitFactory(municipality=municipality_a, kind="school", slug="sp1",
                       name="Szkoła Podstawowa nr 1", short_name="SP 1")


@pytest.fixture
def school_site(school):
    return services.ensure_site(school)


@pytest.fixture
def clerk(make_staff, municipality_a):
    return make_staff(municipality_a, Role.REGISTRY_CLERK, username="alfa.kancelaria",
                      first_name="Anna", last_name="Kowalczyk")


@pytest.fixture
def secretary(make_staff, municipality_a):
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz")


def url(name, *args):
    return reverse(f"bip-staff:{name}", args=["alfa", *args])


def form_data(site, **overrides):
    values = {"section": site.sections.get(slug="ogloszenia").pk, "kind": "announcement",
              "title": "Ogłoszenie o naborze", "number": "", "act_date": "",
              "body": "<p>Treść ogłoszenia.</p>", "produced_by": "Referat Organizacyjny",
              "responsible": "Anna Kowalczyk, inspektor",
              "produced_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
              "publish_from": "", "expires_at": "", "action": "save"}
    values.update(overrides)
    return values


def published_entry(site, user, title="Zarządzenie nr 14/2026"):
    entry = services.create_entry(site.sections.get(slug="zarzadzenia"), EntryData(
        title=title, body="<p>Treść.</p>", produced_by="Wójt Gminy",
        responsible="Sekretarz", produced_on=timezone.localdate(), kind="document",
        number="14/2026"), acting_user=user)
    return services.submit_entry(entry, acting_user=user)


def state():
    return (Entry.objects.count(), EntryVersion.objects.count(), Attachment.objects.count(),
            AuditLog.objects.count())


# --- publishing ----------------------------------------------------------------------------

def test_an_editor_creates_and_publishes_an_entry_with_an_attachment(client, site, clerk):
    client.force_login(clerk)
    page = client.get(url("entry-new", site.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-wysiwyg' in html and "bulletin/editor.js" in html
    assert 'type="file" name="files"' in html and "multiple" in html
    pdf = SimpleUploadedFile("ogloszenie.pdf", tiny_pdf(["Ogloszenie"]), "application/pdf")
    response = client.post(url("entry-new", site.pk),
                           {**form_data(site, action="publish"), "files": [pdf]})
    entry = Entry.objects.get(title="Ogłoszenie o naborze")
    assert response.status_code == 302 and response["Location"] == url("entry-edit", entry.pk)
    assert entry.state == EntryState.PUBLISHED and entry.entered_by == clerk
    assert entry.attachments.get().content_type == "application/pdf"
    version = entry.versions.get()
    assert version.number == 1 and version.metadata["attachments"] == ["ogloszenie.pdf"]
    page = client.get(url("entry-edit", entry.pk)).content.decode()
    assert "ogloszenie.pdf" in page
    assert reverse("bip:entry", args=["alfa", entry.pk]) in page
    assert reverse("bip:versions", args=["alfa", entry.pk]) in page


def test_saving_a_draft_publishes_nothing(client, site, clerk):
    client.force_login(clerk)
    client.post(url("entry-new", site.pk), form_data(site))
    entry = Entry.objects.get()
    assert entry.state == EntryState.DRAFT and not entry.versions.exists()
    dashboard = client.get(url("dashboard")).content.decode()
    assert "Ogłoszenie o naborze" in dashboard  # among "my drafts"


def test_editing_a_published_entry_adds_a_version_with_the_reason(client, site, clerk):
    entry = published_entry(site, clerk)
    client.force_login(clerk)
    page = client.get(url("entry-edit", entry.pk)).content.decode()
    assert 'name="reason"' in page
    response = client.post(url("entry-edit", entry.pk), form_data(
        site, section=entry.section_id, kind="document", title=entry.title,
        number="14/2026", body="<p>Treść poprawiona.</p>", reason="Omyłka pisarska"))
    assert response.status_code == 302
    versions = list(entry.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].body == "<p>Treść.</p>"
    assert versions[1].body == "<p>Treść poprawiona.</p>"
    assert versions[1].reason == "Omyłka pisarska"


def test_script_and_onclick_never_reach_the_page(client, site, clerk):
    client.force_login(clerk)
    client.post(url("entry-new", site.pk), form_data(
        site, action="publish",
        body='<p onclick="steal()">Tekst</p><script>alert("x")</script>'
             '<a href="javascript:alert(2)">a</a>'))
    entry = Entry.objects.get()
    assert "script" not in entry.body and "onclick" not in entry.body
    assert "javascript:" not in entry.body and "Tekst" in entry.body
    page = client.get(url("entry-edit", entry.pk)).content.decode()
    assert "steal()" not in page and 'alert("x")' not in page and "alert(2)" not in page


# --- bad input -----------------------------------------------------------------------------

def test_an_invalid_entry_shows_errors_keeps_the_input_and_writes_nothing(client, site, clerk):
    client.force_login(clerk)
    before = state()
    response = client.post(url("entry-new", site.pk), form_data(
        site, title="Zachowany tytuł", produced_by="",
        produced_on=(timezone.localdate() + timedelta(days=3)).isoformat()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and 'href="#id_produced_by"' in html
    assert 'value="Zachowany tytuł"' in html
    assert state() == before


def test_an_image_without_alt_is_refused_next_to_the_text(client, site, clerk):
    client.force_login(clerk)
    before = state()
    response = client.post(url("entry-new", site.pk), form_data(
        site, body='<p>Mapa</p><img src="https://example.org/mapa.png">'))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_body_error"' in html and 'href="#id_body"' in html
    assert state() == before


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_saved(client, site, clerk):
    client.force_login(clerk)
    before = state()
    good = SimpleUploadedFile("dobry.pdf", tiny_pdf(["x"]), "application/pdf")
    bad = SimpleUploadedFile("faktura.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = client.post(url("entry-new", site.pk),
                           {**form_data(site, action="publish"), "files": [good, bad]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "faktura.pdf" in html and 'id="id_files_error"' in html
    assert 'value="Ogłoszenie o naborze"' in html
    assert state() == before


# --- withdrawal and approval ---------------------------------------------------------------

def test_withdrawal_requires_a_reason(client, site, clerk):
    entry = published_entry(site, clerk)
    client.force_login(clerk)
    response = client.post(url("entry-edit", entry.pk),
                           {"action": "withdraw", "withdraw-reason": "  "})
    assert response.status_code == 400
    assert 'id="id_withdraw-reason_error"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == EntryState.PUBLISHED
    response = client.post(url("entry-edit", entry.pk),
                           {"action": "withdraw", "withdraw-reason": "Nieaktualne"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == EntryState.WITHDRAWN and entry.withdrawal_reason == "Nieaktualne"
    assert entry.versions.order_by("number").last().reason == "Nieaktualne"
    # A withdrawn entry cannot be changed any more.
    assert client.post(url("entry-edit", entry.pk), form_data(site)).status_code == 404


def test_the_approval_step(client, site, clerk, secretary, make_staff, municipality_a):
    site.requires_approval = True
    site.save()
    client.force_login(clerk)
    client.post(url("entry-new", site.pk), form_data(site, action="publish"))
    entry = Entry.objects.get()
    assert entry.state == EntryState.AWAITING
    # The clerk edits the BIP but may not approve (told so in the workspace's layout).
    assert client.post(url("entry-edit", entry.pk), {"action": "approve"}).status_code == 403
    # The secretary's own entry waits for someone else.
    client.force_login(secretary)
    own = services.submit_entry(services.create_entry(
        site.sections.get(slug="ogloszenia"), EntryData(
            title="Własne", body="", produced_by="OR", responsible="S",
            produced_on=timezone.localdate()), acting_user=secretary), acting_user=secretary)
    response = client.post(url("entry-edit", own.pk), {"action": "approve"})
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.state == EntryState.AWAITING
    dashboard = client.get(url("dashboard")).content.decode()
    assert "Ogłoszenie o naborze" in dashboard and "Własne" in dashboard
    response = client.post(url("entry-edit", entry.pk), {"action": "approve"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == EntryState.PUBLISHED
    assert entry.versions.get().changed_by == secretary


# --- who may edit what ---------------------------------------------------------------------

def test_staff_without_the_bip_permission_are_told_so(client, site, clerk, make_staff,
                                                  municipality_a, department_a):
    entry = published_entry(site, clerk)
    officer = make_staff(municipality_a, Role.CASE_OFFICER, department=department_a)
    client.force_login(officer)
    for address in (url("dashboard"), url("site-edit", site.pk), url("entry-new", site.pk),
                    url("entry-edit", entry.pk), url("stats")):
        assert client.get(address).status_code == 403, address
    assert client.post(url("entry-edit", entry.pk),
                       {"action": "withdraw", "withdraw-reason": "x"}).status_code == 403
    entry.refresh_from_db()
    assert entry.state == EntryState.PUBLISHED


def test_an_editor_of_one_unit_cannot_edit_another_units_bip(
        client, site, school_site, school, clerk, make_staff, municipality_a):
    school_department = DepartmentFactory(municipality=municipality_a, unit=school,
                                          symbol="SP", name="Sekretariat szkoły")
    school_editor = make_staff(municipality_a, Role.HEAD, department=school_department,
                               username="alfa.dyrektor")
    office_entry = published_entry(site, clerk, "Zarządzenie wójta")
    school_entry = published_entry(school_site, clerk, "Zarządzenie dyrektora")
    client.force_login(school_editor)
    assert client.get(url("entry-edit", school_entry.pk)).status_code == 200
    assert client.get(url("site-edit", school_site.pk)).status_code == 200
    for address in (url("entry-edit", office_entry.pk), url("site-edit", site.pk),
                    url("entry-new", site.pk)):
        assert client.get(address).status_code == 404, address
    before = state()
    assert client.post(url("entry-edit", office_entry.pk),
                       {"action": "withdraw", "withdraw-reason": "x"}).status_code == 404
    assert state() == before
    dashboard = client.get(url("dashboard")).content.decode()
    assert "Zarządzenie wójta" not in dashboard
    assert url("site-edit", school_site.pk) in dashboard
    assert url("site-edit", site.pk) not in dashboard
    # The gmina-wide clerk reaches both.
    client.force_login(clerk)
    assert client.get(url("entry-edit", school_entry.pk)).status_code == 200
    assert client.get(url("entry-edit", office_entry.pk)).status_code == 200


def test_staff_of_another_gmina_get_404(client, site, clerk, make_staff, municipality_b):
    entry = published_entry(site, clerk)
    other = make_staff(municipality_b, Role.SECRETARY, username="beta.sekretarz")
    client.force_login(other)
    assert client.get(reverse("bip-staff:entry-edit", args=["beta", entry.pk])
                      ).status_code == 404
    assert client.get(url("entry-edit", entry.pk)).status_code == 404


# --- the site and its menu -----------------------------------------------------------------

def test_creating_a_units_bip_from_the_dashboard(client, site, school, secretary):
    client.force_login(secretary)
    page = client.get(url("dashboard")).content.decode()
    assert "Szkoła Podstawowa nr 1" in page
    response = client.post(url("dashboard"), {"unit": school.pk})
    created = Site.objects.get(unit=school)
    assert response.status_code == 302 and response["Location"] == url("site-edit", created.pk)
    assert created.path == "sp1" and created.sections.filter(slug="nabor").exists()
    assert client.post(url("dashboard"), {"unit": 999999}).status_code == 404


def test_the_site_editor_saves_the_mandatory_elements_and_the_menu(client, site, secretary):
    client.force_login(secretary)
    assert client.get(url("site-edit", site.pk)).status_code == 200
    values = {"action": "site", "site-title": "BIP Gminy Alfa",
              "site-editorial_address": "ul. Główna 1, 24-220 Alfa",
              "site-editor_name": "Jan Redaktor", "site-editor_phone": "81 000 00 00",
              "site-editor_email": "nie-email", "site-instructions": "Instrukcja",
              "site-requires_approval": "on"}
    response = client.post(url("site-edit", site.pk), values)
    assert response.status_code == 400
    site.refresh_from_db()
    assert site.editor_name != "Jan Redaktor"
    values["site-editor_email"] = "bip@alfa.pl"
    assert client.post(url("site-edit", site.pk), values).status_code == 302
    site.refresh_from_db()
    assert site.requires_approval and site.editor_email == "bip@alfa.pl"

    client.post(url("site-edit", site.pk), {"action": "add-section", "new-title": "Sołectwa"})
    added = Section.objects.get(site=site, title="Sołectwa")
    assert added.slug == "solectwa" and added == site.sections.order_by("position").last()
    client.post(url("site-edit", site.pk), {"action": "rename", "section": added.pk,
                                            "title": "Sołectwa i sołtysi"})
    added.refresh_from_db()
    assert added.title == "Sołectwa i sołtysi"
    client.post(url("site-edit", site.pk), {"action": "up", "section": added.pk})
    order = list(site.sections.order_by("position").values_list("pk", flat=True))
    assert order[-2] == added.pk
    client.post(url("site-edit", site.pk), {"action": "remove", "section": added.pk})
    assert not Section.objects.filter(pk=added.pk).exists()


def test_a_section_with_entries_is_not_removed(client, site, secretary):
    entry = published_entry(site, secretary)
    client.force_login(secretary)
    response = client.post(url("site-edit", site.pk),
                           {"action": "remove", "section": entry.section_id})
    assert response.status_code == 400
    assert Section.objects.filter(pk=entry.section_id).exists()


# --- statistics ----------------------------------------------------------------------------

def test_statistics_and_their_csv(client, site, clerk):
    entry = published_entry(site, clerk)
    attachment = services.add_attachment(entry, name="z.pdf", data=tiny_pdf(["z"]),
                                         acting_user=clerk)
    for _ in range(4):
        services.record_view(entry)
    services.record_download(attachment)
    client.force_login(clerk)
    page = client.get(url("stats"))
    assert page.status_code == 200
    assert "Zarządzenie nr 14/2026" in page.content.decode()
    csv = client.get(url("stats"), {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    month = timezone.localdate().strftime("%Y-%m")
    assert f"Zarządzenie nr 14/2026,14/2026,{month},4,1" in text
