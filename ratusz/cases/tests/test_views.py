"""The EZD workspace through the test client."""

import pytest
from django.utils import timezone, translation

from ratusz.cases import services
from ratusz.cases.models import Case, Document, IncomingEntry
from ratusz.cases.templatetags.ezd_text import partial_date

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def registration(**changes):
    data = {"title": "Wniosek o wycinkę drzew", "sender_kind": "person", "first_name": "Jan",
            "last_name": "Kowalski", "city": "Alfa", "postal_code": "24-220",
            "received_on": timezone.localdate().isoformat(), "channel": "post",
            "attachments_count": "0", "access_level": "public", "form_token": "token-1"}
    data.update(changes)
    return data


def test_the_registration_form_has_sensible_defaults(client, clerk_a, unit_a):
    client.force_login(clerk_a)
    response = client.get("/g/alfa/staff/ezd/incoming/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["received_on"] == timezone.localdate()
    assert form["channel"].value() == "post"
    assert 'autofocus' in str(form["title"])


def test_registering_gives_a_number_and_a_double_submit_registers_once(client, clerk_a, unit_a):
    client.force_login(clerk_a)
    first = client.post("/g/alfa/staff/ezd/incoming/new/", registration())
    entry = IncomingEntry.objects.get()
    assert first.status_code == 302
    assert first["Location"] == f"/g/alfa/staff/ezd/incoming/{entry.pk}/"
    again = client.post("/g/alfa/staff/ezd/incoming/new/", registration(), follow=True)
    assert IncomingEntry.objects.count() == 1
    assert entry.number in again.content.decode()


def test_register_and_next_returns_to_an_empty_form(client, clerk_a, unit_a):
    client.force_login(clerk_a)
    response = client.post("/g/alfa/staff/ezd/incoming/new/",
                           registration(save_and_next="1"), follow=True)
    assert response.request["PATH_INFO"] == "/g/alfa/staff/ezd/incoming/new/"
    assert f"RPW/1/{YEAR}" in response.content.decode()
    assert response.context["form"].initial["form_token"] != "token-1"


def test_invalid_registration_names_the_fields_and_saves_nothing(client, clerk_a, unit_a):
    client.force_login(clerk_a)
    response = client.post("/g/alfa/staff/ezd/incoming/new/", registration(
        title="", last_name="", postal_code="24220", is_unopened="on"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"title", "last_name", "postal_code",
                                                    "unopened_reason"}
    assert IncomingEntry.objects.count() == 0


def test_a_future_receipt_date_is_refused_by_the_service_with_its_message(client, clerk_a,
                                                                         unit_a):
    client.force_login(clerk_a)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = client.post("/g/alfa/staff/ezd/incoming/new/",
                           registration(received_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "Data wpływu" in response.content.decode()


def test_a_scan_is_attached_and_a_mislabelled_file_refused(client, clerk_a, unit_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(clerk_a)
    good = SimpleUploadedFile("pismo.txt", "Treść pisma o wycinkę".encode(), "text/plain")
    bad = SimpleUploadedFile("skan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post("/g/alfa/staff/ezd/incoming/new/",
                           {**registration(), "scans": [good, bad]}, follow=True)
    entry = IncomingEntry.objects.get()
    assert [d.title for d in Document.objects.filter(incoming=entry)] == ["pismo.txt"]
    assert "skan.pdf" in response.content.decode()


def test_assigning_and_opening_a_case_from_the_entry(client, clerk_a, officer_a, department_a,
                                                    jrwa_a, unit_a):
    client.force_login(clerk_a)
    client.post("/g/alfa/staff/ezd/incoming/new/", registration())
    entry = IncomingEntry.objects.get()
    client.post(f"/g/alfa/staff/ezd/incoming/{entry.pk}/assign/",
                {"assign-department": department_a.pk, "assign-instructions": "Proszę"})
    client.force_login(officer_a)
    inbox = client.get("/g/alfa/staff/ezd/")
    assert entry in inbox.context["entries"]
    response = client.post(f"/g/alfa/staff/ezd/incoming/{entry.pk}/open-case/", {
        "case-department": department_a.pk, "case-jrwa_class": "6220",
        "case-title": "Wycinka drzew"})
    case = Case.objects.get()
    assert response["Location"] == f"/g/alfa/staff/ezd/cases/{case.pk}/"
    assert case.mark == f"OR.6220.1.{YEAR}" and case.incoming == entry
    page = client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/")
    assert page.status_code == 200
    assert "Jan Kowalski" in page.content.decode()


def test_the_item_page_shows_the_letter_date_in_polish_and_opens_the_next_step(
        client, clerk_a, department_a, unit_a):
    client.force_login(clerk_a)
    client.post("/g/alfa/staff/ezd/incoming/new/", registration(letter_date="2026-12-07"))
    entry = IncomingEntry.objects.get()
    page = client.get(f"/g/alfa/staff/ezd/incoming/{entry.pk}/").content.decode()
    assert "7 grudnia 2026" in page and "2026-12-07" not in page
    assert '<details class="panel" open>' in page  # to assign: the assignment is open

    client.post(f"/g/alfa/staff/ezd/incoming/{entry.pk}/assign/",
                {"assign-department": department_a.pk})
    page = client.get(f"/g/alfa/staff/ezd/incoming/{entry.pk}/").content.decode()
    assert '<details class="panel" open>' not in page  # assigned: folded
    assert '<details class="panel" id="open-case" open>' in page  # the case is next


@pytest.mark.parametrize(("stored", "shown", "short"), [
    ("2026-12-07", "7 grudnia 2026", "07.12.2026"), ("2026-12", "Grudzień 2026", "12.2026"),
    ("2026", "2026", "2026"), ("", "", "")])
def test_a_letter_date_given_in_part_is_shown_as_far_as_it_is_known(stored, shown, short):
    with translation.override("pl"):
        assert partial_date(stored) == shown
        assert partial_date(stored, "SHORT_DATE_FORMAT") == short


def test_the_case_page_does_not_grow_with_its_record(client, officer_a, department_a, jrwa_a,
                                                    unit_a, django_assert_max_num_queries):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    client.force_login(officer_a)
    client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/")
    for number in range(20):
        services.add_note(case, acting_user=officer_a, text=f"Notatka {number}")
    with django_assert_max_num_queries(40):
        response = client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/")
    assert len(response.context["record"]) == 21


def test_an_officer_of_another_department_can_neither_see_nor_act(client, officer_a,
                                                                  officer_a2, department_a,
                                                                  jrwa_a, unit_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    client.force_login(officer_a2)
    assert client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/").status_code == 404
    response = client.post(f"/g/alfa/staff/ezd/cases/{case.pk}/note/", {"text": "obce"})
    assert response.status_code == 404
    assert [entry.action for entry in case.record.all()] == ["opened"]


def test_the_record_prints_as_pdf(client, officer_a, department_a, jrwa_a, unit_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Żółć gęślą jaźń")
    client.force_login(officer_a)
    response = client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    from ratusz.cases.documents import extract_text

    text = extract_text("application/pdf", response.content)
    assert "METRYKA SPRAWY" in text and case.mark in text


def test_a_reply_is_drafted_from_the_template_with_the_party(client, clerk_a, officer_a,
                                                             department_a, jrwa_a, unit_a):
    entry, _ = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Wniosek", channel="post",
        received_on=timezone.localdate(), senders=[services.SenderData(
            kind="person", first_name="Ewa", last_name="Nowak", city="Alfa",
            postal_code="24-220", street="Lipowa", building="3")])
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X", incoming=entry)
    client.force_login(officer_a)
    page = client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/letters/new/?template=reply")
    form = page.context["form"]
    assert form["addressee_name"].value() == "Ewa Nowak"
    assert form["addressee_address"].value() == "Lipowa 3"
    assert form["addressee_city"].value() == "24-220 Alfa"
    assert case.mark in form["body"].value() or case.mark in form["subject"].value()


def test_uploading_a_document_to_a_case(client, officer_a, department_a, jrwa_a, unit_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    client.force_login(officer_a)
    upload = SimpleUploadedFile("notatka.txt", "Ustalenia z oględzin".encode())
    client.post(f"/g/alfa/staff/ezd/cases/{case.pk}/document/",
                {"title": "Protokół oględzin", "kind": "internal", "file": upload})
    version = Document.objects.get(case=case).versions.get()
    assert version.text == "Ustalenia z oględzin"
    download = client.get(f"/g/alfa/staff/ezd/documents/{version.pk}/")
    assert b"".join(download.streaming_content) == "Ustalenia z oględzin".encode()
    assert download["Content-Disposition"].startswith("attachment")


def test_opening_a_case_with_people_as_parties_is_recorded(client, clerk_a, officer_a,
                                                           department_a, jrwa_a, unit_a):
    from ratusz.core.models import PersonalDataAccess

    entry, _ = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Wniosek", channel="post",
        received_on=timezone.localdate(),
        senders=[services.SenderData(kind="person", first_name="Ewa", last_name="Nowak")])
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X", incoming=entry)
    client.force_login(officer_a)
    client.get(f"/g/alfa/staff/ezd/cases/{case.pk}/")
    record = PersonalDataAccess.objects.get()
    assert record.staff == officer_a and record.subject is None
    assert record.context == "case_parties"
    assert record.subject_label == f"{case.mark}: Ewa Nowak"


def test_the_it_administrator_does_not_read_the_registers(client, admin_a, clerk_a, unit_a):
    """Least privilege: managing staff does not open the correspondence of the office."""
    entry, _ = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Pismo", channel="post",
        received_on=timezone.localdate(),
        senders=[services.SenderData(kind="person", first_name="Ewa", last_name="Nowak")])
    client.force_login(admin_a)
    for path in ("/g/alfa/staff/ezd/registers/incoming/", "/g/alfa/staff/ezd/reports/overdue/",
                 f"/g/alfa/staff/ezd/incoming/{entry.pk}/",
                 f"/g/alfa/staff/ezd/incoming/{entry.pk + 1000}/"):
        # The same "not for you" whether or not the item exists.
        assert client.get(path).status_code == 403, path
    assert "Rejestry" not in client.get("/g/alfa/staff/").content.decode()
    client.force_login(clerk_a)
    assert client.get("/g/alfa/staff/ezd/registers/incoming/").status_code == 200


def test_big_case_lists_count_up_to_a_cap(client, officer_a, department_a, jrwa_a, unit_a,
                                          monkeypatch):
    from ratusz.cases import selectors

    for number in range(4):
        services.open_case(unit_a, acting_user=officer_a, department=department_a,
                           jrwa_symbol="1431", title=f"Sprawa {number}")
    client.force_login(officer_a)
    assert "4 sprawy" in client.get("/g/alfa/staff/ezd/cases/").content.decode()
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors.capped_count, "__defaults__", (3,))
    page = client.get("/g/alfa/staff/ezd/cases/").content.decode()
    assert "ponad 3 spraw" in page
