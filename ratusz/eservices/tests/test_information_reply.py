"""Item 8 of the BIP: the reply to a request for public information (an e-service) is
published in the BIP in one step, from the staff page of the submission. The request is
submitted through the e-services, the case's letter is drafted, approved, sealed and sent
as in the office; the entry lands in the office's section "Informacja publiczna
udostępniona na wniosek" with the metryczka from the case, without the applicant's
personal data, and publishing twice gives the same entry.

The use case is the e-services' (``ratusz.eservices.information_reply``): the BIP only
publishes the plain data it is handed."""

from __future__ import annotations

import hashlib

import pytest

from ratusz.accounts.permissions import Role
from ratusz.bulletin.models import Entry, EntryState, Section
from ratusz.bulletin.tests import conftest as bip_fixtures
from ratusz.cases import services as ezd
from ratusz.cases.jrwa import load_default_jrwa
from ratusz.cases.services import format_polish_date
from ratusz.eservices import information_reply as services
from ratusz.eservices import services as eservices
from ratusz.eservices.library import library_service
from ratusz.eservices.services import EserviceError
from ratusz.eservices.tests.conftest import LETTER_FORM, VALID_LETTER, make_service

pytestmark = pytest.mark.django_db

SLUG = services.INFORMATION_REQUEST_SERVICE
BODY = ("Szanowny Panie Janie Kowalski,\n\n"
        "w odpowiedzi na wniosek o udostępnienie informacji publicznej Wójt Gminy Alfa "
        "udostępnia umowy na odbiór odpadów komunalnych zawarte w 2024 r.:\n"
        "1. umowa nr 12/2024 z firmą EKO-TRANS sp. z o.o. na kwotę 1 240 000 zł,\n"
        "2. aneks nr 1 z 3 czerwca 2024 r.\n\n"
        "Odpowiedź wysłano na adres jan.kowalski@example.com.")


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the unit's demo e-seal certificate is made here


# The BIP of gmina Alfa, its editors and the empty page cache of every test: the BIP's own
# fixtures.
_fresh_page_cache = bip_fixtures._fresh_page_cache
bip_office_a = bip_fixtures.bip_office_a
bip_site_a = bip_fixtures.bip_site_a
bip_school_a = bip_fixtures.bip_school_a
bip_editor_a = bip_fixtures.bip_editor_a
bip_school_editor_a = bip_fixtures.bip_school_editor_a


@pytest.fixture
def office(bip_office_a):
    load_default_jrwa(bip_office_a, acting_user=None)
    return bip_office_a


@pytest.fixture
def information_service(office, department_a):
    definition = library_service(SLUG)
    return make_service(department_a.municipality, department_a, SLUG, definition["form"],
                        name=definition["name"], jrwa_symbol=definition["jrwa_symbol"],
                        allows_anonymous=True, requires_identification=False)


@pytest.fixture
def officer(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                      username="alfa.referent", first_name="Piotr", last_name="Wiśniewski",
                      position="Podinspektor")


@pytest.fixture
def head(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.HEAD, department=department_a,
                      username="alfa.kierownik", first_name="Marta", last_name="Zielińska",
                      position="Kierownik Referatu Organizacyjnego")


@pytest.fixture
def request_submission(information_service, resident):
    submission, _created = eservices.submit(information_service,
                                            data=library_service(SLUG)["example"],
                                            resident=resident)
    return submission


def send_reply(submission, officer, head):
    """Draft, approve, seal and send the reply letter, as the office does."""
    letter = ezd.draft_letter(
        submission.case, acting_user=officer, subject="udostępnienie informacji publicznej",
        body=BODY, addressee_name="Jan Kowalski", addressee_address="ul. Lipowa 12/3",
        addressee_city="20-020 Lublin", sending_method="email",
        template="public_information")
    letter = ezd.request_approval(letter, acting_user=officer, approvers=[head])
    letter = ezd.decide_approval(letter, acting_user=head, approve=True)
    letter = ezd.seal_letter(letter, acting_user=officer)
    ezd.send_letter(letter, acting_user=officer)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def replied(request_submission, officer, head):
    return request_submission, send_reply(request_submission, officer, head)


# --- the domain function ------------------------------------------------------------------

def test_the_reply_is_published_in_one_step_with_the_metryczka(replied, bip_editor_a, client):
    submission, letter = replied
    entry = services.publish_information_reply(submission, acting_user=bip_editor_a)

    assert entry.state == EntryState.PUBLISHED and entry.published_at is not None
    assert entry.site.unit_id == submission.case.unit_id and entry.site.path == ""
    assert entry.section.slug == "informacja-udostepniona"
    assert entry.section.title == "Informacja publiczna udostępniona na wniosek"
    assert entry.section.is_register
    requested = submission.submitted_at.astimezone().date()
    assert entry.title == ("Odpowiedź na wniosek o udostępnienie informacji publicznej z "
                           f"{format_polish_date(requested)}")
    # The metryczka: the department produced it, the signer answers for it, on the
    # letter's date; the editor entered it.
    assert entry.produced_by == "Referat Organizacyjny"
    assert entry.responsible == "Marta Zielińska, Kierownik Referatu Organizacyjnego"
    assert entry.produced_on == letter.letter_date
    assert entry.entered_by == bip_editor_a
    assert entry.number == submission.case.mark
    # The letter's text, as paragraphs, in the change register's first version.
    assert "umowa nr 12/2024 z firmą EKO-TRANS sp. z o.o." in entry.body
    assert "<p>" in entry.body and "<br>" in entry.body
    assert entry.versions.count() == 1
    # The sealed PDF as the attachment, byte for byte.
    sealed = letter.document.current_version
    (attachment,) = entry.attachments.all()
    assert attachment.content_type == "application/pdf"
    assert attachment.sha256 == sealed.sha256
    assert entry.versions.get().metadata["attachments"] == [attachment.name]
    # The public page shows it.
    response = client.get(f"/g/alfa/bip/wpis/{entry.pk}/")
    assert response.status_code == 200
    assert "EKO-TRANS" in response.content.decode()
    page = client.get("/g/alfa/bip/dzial/informacja-udostepniona/").content.decode()
    assert entry.title in page


def test_the_applicant_s_personal_data_are_not_published(replied, bip_editor_a):
    submission, _letter = replied
    entry = services.publish_information_reply(submission, acting_user=bip_editor_a)
    published = " ".join([entry.title, entry.body, entry.search_text,
                          entry.versions.get().body])
    for personal in ("Kowalski", "Janie Kowalski", "Lipowa", "20-020",
                     "jan.kowalski@example.com", submission.applicant_name):
        assert personal not in published
    assert services.REDACTED in entry.body


def test_publishing_twice_gives_the_same_entry(replied, bip_editor_a):
    submission, _letter = replied
    first = services.publish_information_reply(submission, acting_user=bip_editor_a)
    second = services.publish_information_reply(submission, acting_user=bip_editor_a)
    assert second.pk == first.pk
    assert Entry.objects.filter(source_key=first.source_key).count() == 1
    assert first.attachments.count() == 1
    assert services.reply_entry(submission) == first


def test_without_the_pdf_only_the_text_is_published(replied, bip_editor_a):
    submission, _letter = replied
    entry = services.publish_information_reply(submission, acting_user=bip_editor_a,
                                               attach_letter=False)
    assert entry.attachments.count() == 0
    assert "EKO-TRANS" in entry.body


def test_the_section_is_added_to_a_bip_that_lacks_it(replied, bip_editor_a, bip_site_a):
    Section.objects.filter(site=bip_site_a, slug="informacja-udostepniona").delete()
    last = Section.objects.filter(site=bip_site_a).order_by("-position").first()
    submission, _letter = replied
    entry = services.publish_information_reply(submission, acting_user=bip_editor_a)
    assert entry.site == bip_site_a
    assert entry.section.slug == "informacja-udostepniona"
    assert entry.section.position > last.position


def test_the_reply_waits_for_approval_where_the_bip_wants_it(replied, bip_editor_a,
                                                             bip_site_a):
    bip_site_a.requires_approval = True
    bip_site_a.save()
    submission, _letter = replied
    entry = services.publish_information_reply(submission, acting_user=bip_editor_a)
    assert entry.state == EntryState.AWAITING
    assert services.publish_information_reply(submission, acting_user=bip_editor_a) == entry


def test_nothing_is_published_before_the_letter_is_sent(request_submission, bip_editor_a,
                                                        officer, head):
    with pytest.raises(EserviceError) as refused:
        services.publish_information_reply(request_submission, acting_user=bip_editor_a)
    assert refused.value.code == "no_letter"
    letter = ezd.draft_letter(request_submission.case, acting_user=officer, subject="x",
                              body="Treść", addressee_name="Jan Kowalski",
                              addressee_address="ul. Lipowa 1", addressee_city="Lublin")
    letter = ezd.request_approval(letter, acting_user=officer, approvers=[head])
    ezd.decide_approval(letter, acting_user=head, approve=True)
    with pytest.raises(EserviceError):  # approved but neither sealed nor sent
        services.publish_information_reply(request_submission, acting_user=bip_editor_a)
    assert not Entry.objects.exists()


def test_other_services_are_not_published_this_way(office, department_a, resident,
                                                   bip_editor_a):
    service = make_service(department_a.municipality, department_a, "pismo-ogolne",
                           LETTER_FORM)
    submission, _created = eservices.submit(service, data=VALID_LETTER, resident=resident)
    with pytest.raises(EserviceError) as refused:
        services.publish_information_reply(submission, acting_user=bip_editor_a)
    assert refused.value.code == "not_information_request"


# --- the staff page -----------------------------------------------------------------------

def detail_url(submission) -> str:
    return f"/g/alfa/staff/e-uslugi/wnioski/{submission.pk}/"


def publish_url(submission) -> str:
    return f"/g/alfa/staff/e-uslugi/wnioski/{submission.pk}/bip/"


def test_a_bip_editor_publishes_the_reply_from_the_submission_page(client, replied,
                                                                   bip_editor_a):
    submission, letter = replied
    client.force_login(bip_editor_a)
    page = client.get(detail_url(submission)).content.decode()
    assert f'action="{publish_url(submission)}"' in page
    assert 'name="attach_letter"' in page and 'id="bip-privacy"' in page

    response = client.post(publish_url(submission))
    assert response.status_code == 302 and response["Location"] == detail_url(submission)
    entry = Entry.objects.get()
    assert entry.state == EntryState.PUBLISHED
    assert entry.attachments.count() == 0  # the PDF only when asked for
    assert entry.entered_by == bip_editor_a

    # Once published, the page links the entry instead of offering the button again.
    page = client.get(detail_url(submission)).content.decode()
    assert f'href="/g/alfa/bip/wpis/{entry.pk}/"' in page
    assert f'href="/g/alfa/staff/bip/wpisy/{entry.pk}/"' in page
    assert f'action="{publish_url(submission)}"' not in page
    # A repeated POST (a double click) adds nothing.
    client.post(publish_url(submission), {"attach_letter": "1"})
    assert Entry.objects.count() == 1 and entry.attachments.count() == 0


def test_the_sealed_pdf_is_attached_when_ticked(client, replied, bip_editor_a):
    submission, letter = replied
    client.force_login(bip_editor_a)
    client.post(publish_url(submission), {"attach_letter": "1"})
    (attachment,) = Entry.objects.get().attachments.all()
    with letter.document.current_version.file.open("rb") as handle:
        assert attachment.sha256 == hashlib.sha256(handle.read()).hexdigest()


def test_before_the_letter_is_sent_the_page_says_what_is_needed(client, request_submission,
                                                                 bip_editor_a):
    client.force_login(bip_editor_a)
    page = client.get(detail_url(request_submission)).content.decode()
    assert 'id="bip-title"' in page
    assert publish_url(request_submission) not in page
    response = client.post(publish_url(request_submission))
    assert response.status_code == 302
    assert not Entry.objects.exists()


def test_only_bip_editors_see_and_use_the_button(client, replied, officer):
    submission, _letter = replied
    client.force_login(officer)  # handles cases, does not edit the BIP
    page = client.get(detail_url(submission)).content.decode()
    assert publish_url(submission) not in page and 'id="bip-title"' not in page
    assert client.post(publish_url(submission)).status_code == 403  # told so, nothing done
    assert not Entry.objects.exists()


def test_a_bip_editor_of_another_unit_cannot_publish(client, replied, bip_school_editor_a):
    submission, _letter = replied
    client.force_login(bip_school_editor_a)
    assert client.post(publish_url(submission)).status_code in (403, 404)
    assert not Entry.objects.exists()


def test_the_button_is_not_offered_for_other_services(client, office, department_a,
                                                      resident, bip_editor_a):
    service = make_service(department_a.municipality, department_a, "pismo-ogolne",
                           LETTER_FORM)
    submission, _created = eservices.submit(service, data=VALID_LETTER, resident=resident)
    client.force_login(bip_editor_a)
    assert 'id="bip-title"' not in client.get(detail_url(submission)).content.decode()
    assert client.post(publish_url(submission)).status_code == 404


def test_the_publish_address_takes_post_only(client, replied, bip_editor_a):
    submission, _letter = replied
    client.force_login(bip_editor_a)
    assert client.get(publish_url(submission)).status_code == 405
