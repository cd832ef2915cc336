"""Filling in a form as a resident and as anyone (issue 23, items 4–7 and 9): what the
platform knows is filled in, the server decides which steps and fields apply, a summary
with "Change" links comes before sending, and the same confirmation follows for everyone."""

import re

import pytest

from ratusz.eservices import forms_engine, receipts
from ratusz.eservices.library import library_service
from ratusz.eservices.models import Draft, PendingSubmission, Submission
from ratusz.eservices.tests.conftest import library_service_of
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db

IN1 = "informacja-podatek-od-nieruchomosci-in-1"
LETTER = "pismo-ogolne"


def form_url(slug, query=""):
    return f"/g/alfa/e-urzad/uslugi/{slug}/formularz/{query}"


def summary_url(slug):
    return f"/g/alfa/e-urzad/uslugi/{slug}/formularz/sprawdz/"


def post_step(client, slug, step, data, action="next", query=""):
    return client.post(form_url(slug, f"?strona={step}{query}"),
                       {**data, "page": step, "action": action})


def field_names(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_0-9-]+)"', html))


def test_the_steps_of_in1_put_each_condition_before_what_depends_on_it():
    layout = library_service(IN1)["form"]["layout"]
    steps = forms_engine.form_steps(layout)
    assert [(step.page, step.part) for step in steps] == [
        (0, 0), (1, 0), (1, 1), (2, 0), (3, 0), (3, 1), (4, 0)]
    assert steps[2].fields == ["correction_reason"]
    assert steps[4].fields == ["has_exemptions", "co_owners"]
    assert steps[5].fields == ["exempt_items"]


def test_in1_starts_with_what_the_account_and_the_gmina_know(client, library_gmina,
                                                             resident):
    sign_in_identified(client, resident)
    page = client.get(form_url(IN1)).content.decode()
    assert 'value="Wójt Gminy Alfa"' in page  # the gmina's tax authority
    assert 'id="field-country" name="country" value="Polska"' in page
    assert f'value="{library_gmina.voivodeship}"' in page
    assert f'value="{library_gmina.county}"' in page
    assert 'value="90010112349"' in page  # the PESEL confirmed by login.gov.pl
    assert 'id="field-birth_date" name="birth_date" value="1990-01-01"' in page  # from it
    assert "(nieobowiązkowe)" in page or "(not required)" in page  # optional fields say so


def in1_page(number: int) -> dict:
    """The library example's answers of one page of IN-1, as a form posts them."""
    example = library_service(IN1)["example"]
    layout = library_service(IN1)["form"]["layout"]
    names = [name for section in layout["pages"][number - 1]["sections"]
             for name in section["fields"]]
    posted = {}
    for name in names:
        value = example.get(name)
        if isinstance(value, list):
            posted[f"{name}-count"] = str(len(value))
            for index, row in enumerate(value):
                for key, item in row.items():
                    posted[f"{name}-{index}-{key}"] = str(item).replace(".", ",")
        elif isinstance(value, bool):
            if value:
                posted[name] = "tak"
        elif value is not None:
            posted[name] = str(value).replace(".", ",") if isinstance(value, float) else value
    return posted


def test_the_co_owners_are_asked_only_of_a_co_owner(client, library_gmina, resident):
    sign_in_identified(client, resident)
    # Page 1 as "osoba fizyczna": step 2 (circumstances) follows.
    answer = post_step(client, IN1, 1, in1_page(1))
    assert answer.status_code == 302 and answer["Location"].endswith("?strona=2")
    answer = post_step(client, IN1, 2, in1_page(2))  # a first information: no reason
    assert answer["Location"].endswith("?strona=4")
    answer = post_step(client, IN1, 4, in1_page(3))
    assert answer["Location"].endswith("?strona=5")
    page = client.get(form_url(IN1, "?strona=5")).content.decode()
    assert "has_exemptions" in field_names(page)
    assert not any(name.startswith("co_owners") for name in field_names(page))
    assert "ZIN-3" not in page  # the section of the co-owners is not there at all

    # As a co-owner, the same step asks for the other owners.
    post_step(client, IN1, 1, {**in1_page(1), "submitter_kind": "wspolwlasciciel"})
    page = client.get(form_url(IN1, "?strona=5")).content.decode()
    assert "co_owners-0-first_name" in field_names(page)


def test_exemptions_come_as_their_own_step_only_when_ticked(client, library_gmina, resident):
    sign_in_identified(client, resident)
    for step, page in ((1, 1), (2, 2), (4, 3)):
        post_step(client, IN1, step, in1_page(page))
    answer = post_step(client, IN1, 5, {"has_exemptions": "tak"})
    assert answer["Location"].endswith("?strona=6")
    page = client.get(answer["Location"]).content.decode()
    assert "exempt_items-0-exemption_basis" in field_names(page)
    answer = post_step(client, IN1, 5, {})
    assert answer["Location"].endswith("?strona=7")


def test_the_summary_lists_every_answer_with_a_change_link_and_sends(client, library_gmina,
                                                                      resident):
    sign_in_identified(client, resident)
    for step, page in ((1, 1), (2, 2), (4, 3), (5, 4)):
        post_step(client, IN1, step, in1_page(page))
    last = post_step(client, IN1, 7, in1_page(5))
    assert last.status_code == 302 and last["Location"] == summary_url(IN1)
    assert not Submission.objects.exists()  # "Continue" on the last step sends nothing
    summary = client.get(summary_url(IN1))
    text = summary.content.decode()
    assert summary.status_code == 200
    assert "Panieńszczyzna" in text and "LU1I/00012345/5" in text
    assert "14 maja 1944" in text  # a date as people read it
    changes = re.findall(r'href="([^"]+zmien=1[^"]*)"', text)
    assert form_url(IN1, "?strona=2&amp;zmien=1#field-submission_kind") in changes
    assert len(changes) >= 20

    # A change returns to the summary, not through every step again.
    answer = post_step(client, IN1, 2, {**in1_page(2), "obligation_date": "2025-04-01"},
                       query="&zmien=1")
    assert answer["Location"] == summary_url(IN1)
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"',
                      client.get(summary_url(IN1)).content.decode()).group(1)
    sent = client.post(summary_url(IN1), {"action": "submit", "form_token": token})
    submission = Submission.objects.get()
    assert sent["Location"] == f"/g/alfa/e-urzad/przyjeto/{submission.public_id}/"
    assert submission.data["obligation_date"] == "2025-04-01"
    assert "co_owners" not in submission.data


def test_the_summary_of_an_incomplete_form_sends_back_to_the_missing_step(
        client, library_gmina, resident):
    sign_in_identified(client, resident)
    post_step(client, IN1, 1, in1_page(1))
    answer = client.get(summary_url(IN1))
    assert answer.status_code == 302 and answer["Location"] == form_url(IN1, "?strona=2&sprawdz=1")
    page = client.get(answer["Location"]).content.decode()
    assert 'href="#field-submission_kind"' in page  # the error summary says what is missing


def test_everyone_gets_the_same_confirmation_after_sending(client, library_gmina, resident,
                                                          settings):
    settings.RATUSZ_PUBLIC_URL = "https://ratusz.example"
    sign_in_identified(client, resident)
    letter = library_service(LETTER)["example"]
    post_step(client, LETTER, 1, letter)
    page = client.get(summary_url(LETTER)).content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)
    sent = client.post(summary_url(LETTER), {"action": "submit", "form_token": token})
    submission = Submission.objects.get()
    text = client.get(sent["Location"]).content.decode()
    assert 'class="confirmation"' in text
    assert submission.case.mark in text
    assert f'id="status-code">{receipts.status_code(submission)}<' in text
    assert f"/moje-sprawy/{submission.public_id}/upp/pdf/" in text
    assert submission.case.deadline.strftime("%Y") in text
    status_link = (f"https://ratusz.example/g/alfa/e-urzad/status/?znak="
                   f"{submission.case.mark}")
    assert status_link in text
    # The page is the resident's: another browser without the session gets nothing.
    assert type(client)().get(sent["Location"]).status_code == 404


def test_the_resumed_note_shows_only_when_a_saved_draft_is_resumed(client, library_gmina,
                                                                   resident):
    sign_in_identified(client, resident)
    note = "We have kept what you typed before"
    polish_note = "Zachowaliśmy to, co wpisano wcześniej"
    first = client.get(form_url(IN1)).content.decode()
    assert note not in first and polish_note not in first
    answer = post_step(client, IN1, 1, in1_page(1))
    second = client.get(answer["Location"]).content.decode()
    assert note not in second and polish_note not in second
    again = client.get(form_url(IN1)).content.decode()
    assert note in again or polish_note in again
    assert Draft.objects.get().page == 1


def test_adding_an_item_returns_to_the_new_item(client, library_gmina, resident):
    sign_in_identified(client, resident)
    for step, page in ((1, 1), (2, 2)):
        post_step(client, IN1, step, in1_page(page))
    answer = post_step(client, IN1, 4, in1_page(3), action="add:taxable_items")
    assert answer.status_code == 302
    assert answer["Location"] == form_url(IN1, "?strona=4#field-taxable_items-item-3")
    page = client.get(form_url(IN1, "?strona=4")).content.decode()
    assert 'id="field-taxable_items-item-3"' in page


def test_a_form_with_its_own_email_field_asks_for_one_address_without_sign_in(
        client, library_gmina):
    page = client.get(form_url(LETTER)).content.decode()
    assert 'name="email"' in page and "applicant_email" not in page
    letter = {key: value for key, value in library_service(LETTER)["example"].items()
              if key != "email"}
    refused = post_step(client, LETTER, 1, letter)
    assert refused.status_code == 422
    assert 'href="#field-email"' in refused.content.decode()
    post_step(client, LETTER, 1, {**letter, "email": "jan.kowalski@example.com"})
    summary = client.get(summary_url(LETTER)).content.decode()
    assert "applicant_email" not in summary and "jan.kowalski@example.com" in summary
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', summary).group(1)
    sent = client.post(summary_url(LETTER), {"action": "submit", "form_token": token})
    assert sent["Location"].endswith(f"/uslugi/{LETTER}/sprawdz-poczte/")
    assert PendingSubmission.objects.get().email == "jan.kowalski@example.com"


def test_the_localities_are_in_polish_alphabetical_order(client, library_gmina, resident):
    sign_in_identified(client, resident)
    for step, page in ((1, 1), (2, 2)):
        post_step(client, IN1, step, in1_page(page))
    page = client.get(form_url(IN1, "?strona=4")).content.decode()
    select = page[page.index('id="field-taxable_items-0-locality"'):]
    names = re.findall(r'<option value="([^"]+)"', select[:select.index("</select>")])
    assert names == ["Jastków", "Lipniak", "Ługów", "Marysin", "Panieńszczyzna", "Sługocin",
                     "Snopków"]


def test_the_land_register_example_passes_its_own_check():
    with pytest.raises(forms_engine.FieldError) as refused:
        forms_engine.FORMAT_CHECKS["land-register"]("LU1I-00012345", "Księga", {})
    example = re.search(r"[A-Z0-9]{4}/\d{8}/\d", str(refused.value.message)).group(0)
    assert forms_engine.FORMAT_CHECKS["land-register"](example, "Księga", {}) == example
    court, number, digit = example.split("/")
    assert forms_engine.land_register_check_digit(court, number) == int(digit)


def test_the_service_card_of_in1_is_in_the_gmina(library_gmina):
    assert library_service_of(library_gmina, IN1).current_form is not None


def test_the_summary_checks_access_as_the_form_does(client, library_gmina, resident,
                                                    municipality_b):
    """Another gmina's address finds nothing; a service that needs login.gov.pl asks for
    it; only then, with nothing answered, the summary sends to the form."""
    assert client.get(f"/g/{municipality_b.slug}/e-urzad/uslugi/{IN1}/formularz/sprawdz/"
                      ).status_code == 404
    refused = client.get(summary_url(IN1))
    assert refused.status_code == 200
    assert refused.templates[0].name == "eservices/sign_in_needed.html"
    posted = client.post(summary_url(IN1), {"action": "submit"})
    assert posted.templates[0].name == "eservices/sign_in_needed.html"
    assert not Submission.objects.exists()
    sign_in_identified(client, resident)
    answer = client.get(summary_url(IN1))
    assert answer.status_code == 302 and answer["Location"] == form_url(IN1)
