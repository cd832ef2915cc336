"""Input the e-services refuse, whichever way it comes (issue 15, findings 6 and 8):
control characters and bidirectional overrides in answers, file names, messages, cards and
form definitions; answers beyond any limit; all-zero NIP, REGON and PESEL; unknown keys in
the API body. An Idempotency-Key belongs to its token and to one body; the form's own
token to its person and to the answers its last page sent."""

import base64
import json
import re

import pytest

from ratusz.eservices import forms_engine, services
from ratusz.eservices.models import FormVersion, Message, Submission
from ratusz.eservices.tests.conftest import VALID_LETTER, token_headers
from ratusz.eservices.tests.test_services import PDF
from ratusz.eservices.tests.test_views import post_page, url
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db
NUL, ACK, RLO = "\x00", "\x06", "\u202e"
SIMPLE = {"type": "object", "properties": {
    "note": {"type": "string", "title": "Uwagi"},
    "nip": {"type": "string", "title": "NIP", "format": "nip"},
    "regon": {"type": "string", "title": "REGON", "format": "regon"},
    "pesel": {"type": "string", "title": "PESEL", "format": "pesel"}}}
SIMPLE_LAYOUT = {"pages": [{"title": "A", "sections": [
    {"title": "B", "fields": ["note", "nip", "regon", "pesel"]}]}]}


# --- Answers and definitions --------------------------------------------------------------

@pytest.mark.parametrize("text", [f"Latarnia{ACK}", f"Latarnia{NUL}", f"Latarnia{RLO}"])
def test_answers_with_control_characters_are_refused(letter_service, resident, text):
    with pytest.raises(services.SubmissionRejected) as refused:
        services.submit(letter_service, data={**VALID_LETTER, "subject": text},
                        resident=resident)
    assert list(refused.value.errors) == ["subject"]
    assert "U+" in str(refused.value.errors["subject"])
    assert not Submission.objects.exists()


def test_a_text_without_its_own_limit_is_capped():
    result = forms_engine.validate(SIMPLE, SIMPLE_LAYOUT, {"note": "x" * 10_001})
    assert list(result.errors) == ["note"]
    assert forms_engine.validate(SIMPLE, SIMPLE_LAYOUT, {"note": "x" * 10_000}).is_valid


def test_all_zero_identifiers_are_refused():
    result = forms_engine.validate(SIMPLE, SIMPLE_LAYOUT, {
        "nip": "0000000000", "regon": "000000000", "pesel": "00000000000"})
    assert set(result.errors) == {"nip", "regon", "pesel"}
    assert forms_engine.validate(SIMPLE, SIMPLE_LAYOUT, {
        "regon": "00000000000000"}).errors.keys() == {"regon"}
    assert forms_engine.validate(SIMPLE, SIMPLE_LAYOUT, {
        "nip": "5260250274", "regon": "012100784", "pesel": "44051401359"}).is_valid


def test_a_definition_with_an_unsafe_text_cannot_be_saved_or_published(letter_service,
                                                                        make_staff,
                                                                        municipality_a):
    form = services.open_form_draft(letter_service, acting_user=None)
    schema = json.loads(json.dumps(form.schema))
    schema["properties"]["subject"]["title"] = f"Temat{RLO}"
    with pytest.raises(services.EserviceError) as refused:
        services.save_form_draft(form, acting_user=None, schema=schema, layout=form.layout)
    assert refused.value.code == "unsafe_text"
    assert FormVersion.objects.get(pk=form.pk).schema["properties"]["subject"]["title"] == \
        "Temat"
    problems = forms_engine.check_definition(schema, form.layout)
    assert any("U+202E" in str(problem) for problem in problems)


def test_messages_withdrawals_and_cards_refuse_unsafe_text(letter_service, resident,
                                                           clerk_a):
    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    for call in (
            lambda: services.send_message_to_resident(submission, acting_user=clerk_a,
                                                      text=f"Dzień dobry{ACK}"),
            lambda: services.reply_as_resident(submission, resident=resident,
                                               text=f"Odpowiedź{RLO}"),
            lambda: services.withdraw_submission(submission, acting_user=resident,
                                                 reason=f"Powód{NUL}"),
            lambda: services.update_service_card(letter_service, acting_user=clerk_a,
                                                 name=f"Pismo{RLO}"),
            lambda: services.update_service_card(letter_service, acting_user=clerk_a,
                                                 legal_basis=[f"KPA{ACK}"]),
            lambda: services.update_service_card(letter_service, acting_user=clerk_a,
                                                 purpose="x" * 10_001)):
        with pytest.raises(services.EserviceError):
            call()
    submission.refresh_from_db()
    assert not Message.objects.exists() and submission.withdrawn_at is None
    letter_service.refresh_from_db()
    assert letter_service.name == "Pismo ogólne" and letter_service.legal_basis == []


def test_attachment_names_with_control_characters_are_refused(letter_service, resident):
    for name in (f"skan{NUL}.pdf", f"faktura{RLO}fdp.pdf"):
        file = services.UploadedFile("files", name, PDF)
        with pytest.raises(services.SubmissionRejected) as refused:
            services.submit(letter_service, data=VALID_LETTER, files=[file],
                            resident=resident)
        assert list(refused.value.errors) == ["files"]
    assert not Submission.objects.exists()


# --- The API ------------------------------------------------------------------------------

def post(client, body, headers, key=None):
    extra = dict(headers)
    if key:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/v1/services/pismo-ogolne/submissions", data=json.dumps(body),
                       content_type="application/json", **extra)


def test_the_api_names_an_unknown_key(client, letter_service, resident_token):
    answer = post(client, {"data": VALID_LETTER, "priority": "high"}, resident_token)
    assert answer.status_code == 422
    assert any(error["loc"][-1] == "priority" for error in answer.json()["errors"])
    assert not Submission.objects.exists()


@pytest.fixture
def second_token(resident, municipality_a):
    return token_headers(resident, municipality_a, "druga aplikacja")


def test_two_tokens_with_one_key_file_two_submissions(client, letter_service, resident_token,
                                                      second_token):
    one = post(client, {"data": VALID_LETTER}, resident_token, key="k-1")
    other = post(client, {"data": {**VALID_LETTER, "subject": "Chodnik"}}, second_token,
                 key="k-1")
    assert (one.status_code, other.status_code) == (201, 201)
    assert one.json()["id"] != other.json()["id"]
    assert Submission.objects.count() == 2


def test_one_key_with_another_body_is_a_conflict(client, letter_service, resident_token):
    first = post(client, {"data": VALID_LETTER}, resident_token, key="k-1")
    again = post(client, {"data": VALID_LETTER}, resident_token, key="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    conflict = post(client, {"data": {**VALID_LETTER, "subject": "Chodnik"}}, resident_token,
                    key="k-1")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert Submission.objects.count() == 1
    stored = Submission.objects.get()
    assert stored.idempotency_key.startswith("k:") and "k-1" not in stored.idempotency_key


def test_the_api_refuses_an_unsafe_file_name(client, letter_service, resident_token):
    body = {"data": {**VALID_LETTER, "files": [
        {"filename": f"skan{RLO}fdp.pdf", "content": base64.b64encode(PDF).decode()}]}}
    answer = post(client, body, resident_token)
    assert answer.status_code == 422 and not Submission.objects.exists()


# --- The form's own retry protection ------------------------------------------------------

def test_the_form_sent_again_with_other_answers_asks_first(client, letter_service, resident):
    sign_in_identified(client, resident)
    page = client.get(url("alfa", "uslugi/pismo-ogolne/formularz/")).content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)
    data = {"first_name": "Ewa", "last_name": "Mazur", "subject": "Latarnia",
            "content": "Nie świeci.", "form_token": token}
    assert post_page(client, "pismo-ogolne", 1, data, action="submit").status_code == 302
    assert post_page(client, "pismo-ogolne", 1, data, action="submit").status_code == 302
    assert Submission.objects.count() == 1
    changed = post_page(client, "pismo-ogolne", 1, {**data, "subject": "Chodnik"},
                        action="submit")
    assert changed.status_code == 422
    assert Submission.objects.count() == 1
    new_token = re.search(r'name="form_token" value="([0-9a-f]{32})"',
                          changed.content.decode()).group(1)
    assert new_token != token
    again = post_page(client, "pismo-ogolne", 1, {**data, "subject": "Chodnik",
                                                  "form_token": new_token}, action="submit")
    assert again.status_code == 302
    assert sorted(Submission.objects.values_list("data__subject", flat=True)) == [
        "Chodnik", "Latarnia"]
