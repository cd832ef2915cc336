"""The staff side of the e-services through the test client."""

import pytest
from django.core import mail

from ratusz.accounts.permissions import Role
from ratusz.core.models import PersonalDataAccess
from ratusz.eservices import services
from ratusz.eservices.models import FormStatus, FormVersion, Message, Service
from ratusz.eservices.tests.conftest import VALID_LETTER, VALID_TAX

pytestmark = pytest.mark.django_db
BASE = "/g/alfa/staff/e-uslugi/"


@pytest.fixture
def head_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik")


@pytest.fixture
def submission(tax_service, resident):
    return services.submit(tax_service, data=VALID_TAX, resident=resident)[0]


def test_the_queue_lists_submissions_of_my_department(client, clerk_a, submission):
    client.force_login(clerk_a)
    page = client.get(BASE)
    assert page.status_code == 200
    text = page.content.decode()
    assert submission.case.mark in text and "Informacja o nieruchomościach (IN-1)" in text


def test_the_detail_shows_the_answers_and_records_the_access(client, clerk_a, submission):
    client.force_login(clerk_a)
    page = client.get(f"{BASE}wnioski/{submission.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Kowalski" in text and "44051401359" in text and "1200,50" in text
    access = PersonalDataAccess.objects.get()
    assert access.staff == clerk_a and access.subject == submission.resident
    pdf = client.get(f"{BASE}wnioski/{submission.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert PersonalDataAccess.objects.count() == 2
    receipt = client.get(f"{BASE}wnioski/{submission.pk}/upp/xml/")
    assert b"SignedProperties" in receipt.content


def test_the_clerk_confirms_the_fee_and_writes_to_the_applicant(
        client, clerk_a, submission, django_capture_on_commit_callbacks):
    client.force_login(clerk_a)
    path = f"{BASE}wnioski/{submission.pk}/"
    assert client.post(path, {"action": "confirm_fee"}).status_code == 302
    submission.refresh_from_db()
    submission.case.refresh_from_db()
    assert submission.fee_status == "confirmed" and submission.case.status == "in_progress"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path, {"action": "message", "text": "Proszę o kontakt."}
                           ).status_code == 302
    assert Message.objects.get().text == "Proszę o kontakt."
    assert mail.outbox[0].subject == f"Nowa wiadomość w sprawie: {submission.case.mark}"
    refused = client.post(path, {"action": "message", "text": " "})
    assert refused.status_code == 422 and Message.objects.count() == 1


def test_without_the_permission_nothing_is_shown(client, make_staff, municipality_a,
                                                 submission, municipality_b):
    it_admin = make_staff(municipality_a, Role.ADMIN, username="alfa.it")
    client.force_login(it_admin)
    # Their own workspace says the pages are not theirs (403), the same for any id.
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}wnioski/{submission.pk}/").status_code == 403
    other = make_staff(municipality_b, Role.SECRETARY, username="beta.sekretarz")
    client.force_login(other)
    assert client.get(f"/g/beta/staff/e-uslugi/wnioski/{submission.pk}/").status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_a_case_officer_cannot_edit_cards(client, clerk_a, letter_service):
    client.force_login(clerk_a)
    assert client.get(f"{BASE}uslugi/").status_code == 403
    assert client.get(f"{BASE}uslugi/{letter_service.pk}/formularz/").status_code == 403


def test_the_card_is_edited_and_a_wrong_jrwa_class_is_refused(client, head_a,
                                                              letter_service):
    client.force_login(head_a)
    path = f"{BASE}uslugi/{letter_service.pk}/"
    form = {"name": "Pismo do urzędu", "category": "general", "summary": "Krótko",
            "purpose": "Cel", "who_may_apply": "Każdy", "required_documents": "A\nB",
            "fee_amount": "", "fee_description": "", "fee_account": "",
            "deadline_days": "30", "deadline_description": "30 dni",
            "legal_basis": "KPA art. 63", "department": str(letter_service.department_id),
            "jrwa_symbol": "140", "maturity_level": "3", "allows_anonymous": "on",
            "is_published": "on"}
    assert client.post(path, form).status_code == 302
    letter_service.refresh_from_db()
    assert letter_service.name == "Pismo do urzędu"
    assert letter_service.required_documents == ["A", "B"]
    refused = client.post(path, {**form, "jrwa_symbol": "14"})
    assert refused.status_code == 422
    assert "nie jest klasą końcową JRWA" in refused.content.decode()
    refused = client.post(path, {**form, "fee_amount": "17", "fee_account": "123"})
    assert "26 cyfr" in refused.content.decode()
    letter_service.refresh_from_db()
    assert letter_service.jrwa_symbol == "140" and letter_service.fee_amount is None


def test_the_form_editor_builds_and_publishes_a_new_version(client, head_a, letter_service,
                                                            resident):
    old, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    client.force_login(head_a)
    path = f"{BASE}uslugi/{letter_service.pk}/formularz/"
    assert client.get(path).status_code == 200
    draft = FormVersion.objects.get(service=letter_service, status=FormStatus.DRAFT)
    assert draft.number == 2
    steps = [
        {"action": "add_page", "title": "Dane działki"},
        {"action": "add_field", "page": "1", "section": "0", "label": "Numer działki",
         "kind": "parcel", "required": "on"},
        {"action": "add_field", "page": "1", "section": "0", "label": "Rodzaj",
         "kind": "choice", "options": "grunt\nbudynek"},
        {"action": "move_up", "field": "rodzaj"},
        {"action": "update_field", "field": "numer_dzialki", "label": "Nr działki",
         "required": "on", "show_if_field": "rodzaj", "show_if_value": "grunt"},
        {"action": "add_section", "page": "1", "title": "Pusta"},
        {"action": "remove_section", "page": "1", "section": "1"},
        {"action": "title", "title": "Pismo ogólne (nowe)"},
    ]
    for step in steps:
        answer = client.post(path, step)
        assert answer.status_code == 302, (step, answer.content.decode()[:3000])
    preview = client.get(f"{path}podglad/").content.decode()
    assert "Nr działki" in preview and "disabled" in preview
    assert client.post(f"{path}publikuj/").status_code == 302
    letter_service.refresh_from_db()
    current = letter_service.current_form
    assert current.number == 2 and current.status == FormStatus.PUBLISHED
    assert current.title == "Pismo ogólne (nowe)"
    assert current.layout["fields"]["numer_dzialki"]["show_if"] == {"field": "rodzaj",
                                                                    "equals": "grunt"}
    assert FormVersion.objects.get(service=letter_service, number=1).status == "retired"
    old.refresh_from_db()
    assert old.form_version.number == 1


def test_publishing_a_broken_draft_lists_the_problems(client, head_a, letter_service):
    client.force_login(head_a)
    path = f"{BASE}uslugi/{letter_service.pk}/formularz/"
    client.get(path)
    draft = FormVersion.objects.get(service=letter_service, status=FormStatus.DRAFT)
    draft.layout["pages"][0]["sections"][0]["fields"].remove("first_name")
    draft.save()
    answer = client.post(f"{path}publikuj/", follow=True)
    assert "Pole „first_name” nie jest w żadnej sekcji układu." in answer.content.decode()
    assert Service.objects.get(pk=letter_service.pk).current_form.number == 1


def test_editor_refusals_are_explained(client, head_a, letter_service):
    client.force_login(head_a)
    path = f"{BASE}uslugi/{letter_service.pk}/formularz/"
    answer = client.post(path, {"action": "add_field", "page": "0", "section": "0",
                                "label": "", "kind": "text"})
    assert answer.status_code == 422
    assert "Podaj etykietę pola." in answer.content.decode()


def test_staff_see_and_act_on_a_submission_as_on_its_case(client, make_staff, municipality_a,
                                                          department_a, submission):
    """The department wall of the EZD holds on the e-office's staff pages (issue 15,
    finding 1): another department's officer sees nothing of the matter; someone who sees
    the case without handling it reads the submission but cannot act on it."""
    from ratusz.core.tests.factories import DepartmentFactory

    surveying = DepartmentFactory(municipality=municipality_a, unit=department_a.unit,
                                  symbol="GK")
    client.force_login(make_staff(municipality_a, Role.CASE_OFFICER, department=surveying,
                                  username="alfa.geodeta"))
    path = f"{BASE}wnioski/{submission.pk}/"
    for url in (path, f"{path}pdf/", f"{path}upp/pdf/", f"{path}upp/xml/"):
        assert client.get(url).status_code == 404, url
    assert client.post(path, {"action": "message", "text": "Dzień dobry"}).status_code == 404
    assert submission.case.mark not in client.get(BASE, {"komorka": "wszystkie"}
                                                  ).content.decode()
    reader = make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a,
                        username="alfa.kancelaria")
    client.force_login(reader)
    page = client.get(path)
    assert page.status_code == 200 and 'value="message"' not in page.content.decode()
    assert client.post(path, {"action": "message", "text": "Dzień dobry"}).status_code == 404
    assert client.post(path, {"action": "confirm_fee"}).status_code == 404
    assert not Message.objects.exists()
    assert PersonalDataAccess.objects.filter(staff=reader).count() == 1
