"""The head approves seeing the letter (issue 23, items 1, 2, 13 and 14): the approval card
shows the letter as it will be sent and a PDF preview; editing is locked in approval and a
change takes the letter back to the author's draft with a case-record entry; the head of
the department is proposed as the approver and people are named, not logged in; the case
mark never breaks in the letter, whose printed addresses are absolute and answer."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from ratusz.accounts.workspace import ROLE_SHORT_NAMES
from ratusz.cases import services
from ratusz.cases.letters import render_letter_html
from ratusz.cases.models import ApprovalDecision, CaseAction, LetterStatus

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
BODY = "W odpowiedzi na wniosek w sprawie {mark} przesyłam uchwałę budżetową."


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def department_with_head(department_a, head_a):
    department_a.head = head_a
    department_a.save(update_fields=["head"])
    return department_a


@pytest.fixture
def case(unit_a, officer_a, department_with_head, jrwa_a):
    return services.open_case(unit_a, acting_user=officer_a, department=department_with_head,
                              jrwa_symbol="1431", title="Udostępnienie uchwały")


@pytest.fixture
def letter(case, officer_a):
    return services.draft_letter(case, acting_user=officer_a,
                                 subject=f"odpowiedź w sprawie {case.mark}",
                                 body=BODY.format(mark=case.mark), addressee_name="Jan Kowalski",
                                 addressee_address="ul. Polna 1", addressee_city="24-220 Alfa")


def case_url(case):
    return f"/g/alfa/staff/ezd/cases/{case.pk}/"


def letter_url(case, letter, tail=""):
    return f"{case_url(case)}letters/{letter.pk}/{tail}"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_approver_sees_the_letter_and_its_pdf_preview(client, case, letter, officer_a,
                                                          head_a):
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    client.force_login(head_a)

    page = client.get(case_url(case)).content.decode()

    card = page[page.index(f'id="letter-{letter.pk}"'):]
    card = card[:card.index("</article>")]
    assert 'class="letter-paper"' in card and "<details" not in card  # shown, not folded
    assert "przesyłam uchwałę budżetową" in card and "ul. Polna 1" in card
    assert 'name="approve"' in card and "<textarea" in card  # the comment, not the text
    assert 'name="body"' not in card
    assert letter_url(case, letter, "preview.pdf") in card
    preview = client.get(letter_url(case, letter, "preview.pdf"))
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    text = pdf_text(preview.content)
    assert "PROJEKT" in text and "przesyłam uchwałę budżetową" in text
    assert "Marta Zielińska" in text  # signed by the approver it waits for


def test_someone_neither_handling_nor_approving_gets_no_preview(client, case, letter,
                                                                officer_a2):
    client.force_login(officer_a2)  # another department's officer
    assert client.get(letter_url(case, letter, "preview.pdf")).status_code == 404


def test_in_approval_the_letter_is_shown_not_edited(client, case, letter, officer_a, head_a):
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    client.force_login(officer_a)

    page = client.get(letter_url(case, letter)).content.decode()
    sent = client.post(letter_url(case, letter), {
        "subject": "inny", "body": "Zmienione", "addressee_name": "X",
        "addressee_city": "Y", "sending_method": "post"})

    assert "<textarea" not in page and "przesyłam uchwałę budżetową" in page
    assert letter_url(case, letter, "withdraw/") in page
    assert sent.status_code == 200
    letter.refresh_from_db()
    assert letter.body == BODY.format(mark=case.mark) and letter.subject != "inny"


def test_taking_it_back_returns_it_to_the_draft_with_a_record_entry(client, case, letter,
                                                                   officer_a, head_a):
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    client.force_login(officer_a)

    response = client.post(letter_url(case, letter, "withdraw/"))

    assert response["Location"] == letter_url(case, letter)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT and letter.is_editable
    assert list(letter.steps.values_list("decision", flat=True)) == [ApprovalDecision.RETURNED]
    taken_back = case.record.get(action=CaseAction.LETTER_WITHDRAWN)
    assert "wraca do projektu" in taken_back.description
    assert "<textarea" in client.get(letter_url(case, letter)).content.decode()
    assert services.verify_case_record(case) == []


def test_an_approved_letter_taken_back_must_be_approved_again(case, letter, officer_a, head_a):
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    services.decide_approval(letter, acting_user=head_a, approve=True)

    services.withdraw_from_approval(letter, acting_user=officer_a)

    letter.refresh_from_db()
    assert letter.status == LetterStatus.DRAFT
    with pytest.raises(services.EzdError):
        services.seal_letter(letter, acting_user=officer_a)


def test_a_draft_cannot_be_taken_back(case, letter, officer_a):
    with pytest.raises(services.EzdError):
        services.withdraw_from_approval(letter, acting_user=officer_a)


def test_the_head_of_the_department_is_proposed_and_people_are_named(client, case, letter,
                                                                     officer_a, head_a):
    client.force_login(officer_a)

    response = client.get(case_url(case))

    form = response.context["approval_form"]
    assert form["step_1"].value() == head_a.pk
    page = response.content.decode()
    label = f"Marta Zielińska, {ROLE_SHORT_NAMES['head']} OR"
    assert f'<option value="{head_a.pk}" selected>{label}</option>' in page
    assert "alfa.kierownik" not in page
    assert "— " in form.fields["step_2"].empty_label  # "— wybierz —", not dashes


def test_the_case_mark_never_breaks_in_the_letter(case, letter):
    html = render_letter_html(
        unit_name="Urząd Gminy Alfa", municipality_name="Gmina Alfa",
        address_line="ul. Główna 1, 24-220 Alfa", case_mark=case.mark,
        letter_date=timezone.localdate(), addressee_name="Jan Kowalski",
        addressee_address="", addressee_city="Alfa", subject=letter.subject, body=letter.body,
        signer_name="Marta Zielińska", signer_position="Kierownik")
    kept = f'<span class="nowrap">{case.mark}</span>'
    assert html.count(kept) == 2  # the subject and the body
    assert f'class="nowrap">{case.mark}</strong>' in html  # "Znak sprawy"
    assert ".nowrap { white-space: nowrap;" in html


def test_every_address_printed_on_a_letter_is_absolute_and_answers(client, case, letter,
                                                                  officer_a, head_a):
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    services.decide_approval(letter, acting_user=head_a, approve=True)
    letter.refresh_from_db()
    sealed = services.seal_letter(letter, acting_user=officer_a)
    with sealed.document.versions.get().file.open("rb") as handle:
        text = pdf_text(handle.read())

    addresses = re.findall(r"https?://\S+", text.replace("\n", " "))

    assert addresses, "the letter says where its seal is checked"
    base = settings.RATUSZ_PUBLIC_URL.rstrip("/")
    for address in addresses:
        assert address.startswith(base + "/g/alfa/"), address
        assert client.get(address.removeprefix(base)).status_code == 200, address
