"""Input the EZD refuses, whichever way it comes (issue 15, findings 6 and 8): dates
outside a plausible range, texts beyond their limits or carrying control characters and
bidirectional overrides, unknown keys in API bodies, unsafe file names; names stored
before are shown safely; an Idempotency-Key belongs to its caller and to one body."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from pydantic import ValidationError

from ratusz.cases import services
from ratusz.cases.api_schemas import CaseIn, IncomingIn, SenderIn
from ratusz.cases.forms import IncomingForm
from ratusz.cases.models import Case, IncomingEntry, IncomingSender
from ratusz.cases.services import EzdError, SenderData, UploadRejected

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
YEAR = TODAY.year
NUL, ACK, RLO = "\x00", "\x06", "\u202e"


def post(client, body, headers, **extra):
    return client.post("/api/v1/incoming", body, content_type="application/json",
                       **headers, **extra)


def letter(**changes) -> dict:
    return {"title": "Pismo", "sender": {"name": "Jan Kowalski", "kind": "person"},
            "received_on": TODAY.isoformat(), "channel": "post", **changes}


def register(unit, clerk, **changes):
    fields = {"title": "Pismo", "senders": [SenderData(last_name="Nowak")],
              "received_on": TODAY, "channel": "post", **changes}
    return services.register_incoming(unit, acting_user=clerk, **fields)[0]


# --- Dates --------------------------------------------------------------------------------

def test_the_api_refuses_a_received_date_of_year_one(client, clerk_a, token_for, unit_a):
    answer = post(client, letter(received_on="0001-01-01"), token_for(clerk_a))
    assert answer.status_code == 422
    assert answer.json()["code"] == "received_on_too_early"
    assert not IncomingEntry.objects.exists()


@pytest.mark.parametrize(("changes", "code"), [
    ({"received_on": date(1989, 12, 31)}, "received_on_too_early"),
    ({"received_on": TODAY + timedelta(days=1)}, "received_in_future"),
    ({"posted_on": date(1989, 12, 31)}, "posted_on_too_early"),
    ({"letter_date": "1899-12-31"}, "letter_date_too_early"),
    ({"letter_date": (TODAY + timedelta(days=1)).isoformat()}, "letter_date_too_late"),
    ({"letter_date": str(TODAY.year + 1)}, "letter_date_too_late"),
])
def test_dates_of_the_register_lie_in_a_plausible_range(unit_a, clerk_a, changes, code):
    with pytest.raises(EzdError) as refused:
        register(unit_a, clerk_a, **changes)
    assert refused.value.code == code
    assert not IncomingEntry.objects.exists()


def test_the_earliest_and_latest_dates_are_taken(unit_a, clerk_a):
    entry = register(unit_a, clerk_a, received_on=date(1990, 1, 1), posted_on=date(1990, 1, 1),
                     letter_date="1900")
    assert entry.number == "RPW/1/1990"
    assert register(unit_a, clerk_a, letter_date=TODAY.isoformat()).letter_date == \
        TODAY.isoformat()


# --- Texts --------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "code"), [
    ({"title": f"Pismo{NUL}"}, "unsafe_title"),
    ({"title": f"Pismo {RLO}fdp.exe"}, "unsafe_title"),
    ({"remarks": "x" * 12_000_000}, "invalid_remarks"),
    ({"remarks": f"uwagi{ACK}"}, "unsafe_remarks"),
    ({"senders": [SenderData(last_name=f"Kowal{RLO}iksw")]}, "unsafe_last_name"),
    ({"senders": [SenderData(last_name="Nowak", city="x" * 121)]}, "invalid_city"),
])
def test_the_service_refuses_unsafe_or_overlong_text(unit_a, clerk_a, changes, code):
    with pytest.raises(EzdError) as refused:
        register(unit_a, clerk_a, **changes)
    assert refused.value.code == code
    assert not IncomingEntry.objects.exists()


def test_the_case_services_refuse_unsafe_text(unit_a, officer_a, department_a, jrwa_a):
    with pytest.raises(EzdError, match="U\\+0006"):
        services.open_case(unit_a, acting_user=officer_a, department=department_a,
                           jrwa_symbol="1431", title=f"Sprawa{ACK}")
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Sprawa")
    for call in (lambda: services.add_note(case, acting_user=officer_a, text=f"a{RLO}b"),
                 lambda: services.add_party(case, acting_user=officer_a, party=services.PartyData(
                     last_name=f"Nowak{NUL}")),
                 lambda: services.draft_letter(case, acting_user=officer_a, subject="S",
                                               body=f"Treść{ACK}", addressee_name="Jan",
                                               addressee_address="", addressee_city="X"),
                 lambda: services.close_case(case, acting_user=officer_a,
                                             settled_on=TODAY + timedelta(days=1))):
        with pytest.raises(EzdError):
            call()
    assert case.record.count() == 1


@pytest.mark.parametrize("body", [
    letter(title=f"Pismo{NUL}"), letter(title=f"Pismo{RLO}"), letter(remarks="x" * 12_000_000),
    letter(sender={"name": f"Jan{RLO}", "kind": "person"}), letter(colour="czerwony"),
    letter(sender={"name": "Jan", "pesel": "44051401359"}),
])
def test_the_schema_refuses_on_its_own(body):
    """Without the edge middleware (an import, a test client of the schema)."""
    with pytest.raises(ValidationError):
        IncomingIn.model_validate(body)


def test_every_case_body_is_strict():
    with pytest.raises(ValidationError):
        CaseIn.model_validate({"title": "T", "jrwa_symbol": "1431", "department": "OR",
                               "handler_id": 2**64})
    with pytest.raises(ValidationError):
        SenderIn.model_validate({"name": "x" * 301})


def test_the_api_names_an_unknown_key(client, clerk_a, token_for, unit_a):
    answer = post(client, letter(colour="czerwony"), token_for(clerk_a))
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert any(error["loc"][-1] == "colour" for error in answer.json()["errors"])
    assert not IncomingEntry.objects.exists()


def test_the_api_refuses_huge_and_unsafe_text(client, clerk_a, token_for, unit_a):
    headers = token_for(clerk_a)
    for body in (letter(remarks="x" * 12_000_000), letter(title=f"Pismo{NUL}"),
                 letter(title=f"Pismo {RLO}fdp.exe")):
        assert post(client, body, headers).status_code == 422
    assert not IncomingEntry.objects.exists()


def test_the_registry_form_refuses_unsafe_text_itself(unit_a):
    form = IncomingForm({"title": f"Pismo{ACK}", "sender_kind": "person", "last_name": "Nowak",
                         "city": f"Alfa{RLO}", "received_on": TODAY.isoformat(),
                         "channel": "post", "attachments_count": "0", "access_level": "public",
                         "form_token": "a" * 32, "remarks": "x" * 10_001})
    assert not form.is_valid()
    assert set(form.errors) == {"title", "city", "remarks"}


def test_file_names_with_control_characters_are_refused(unit_a, clerk_a):
    entry = register(unit_a, clerk_a)
    for name in (f"skan{NUL}.pdf", f"faktura{RLO}fdp.exe", "x" * 252 + ".pdf"):
        with pytest.raises(UploadRejected):
            services.add_incoming_file(entry, acting_user=clerk_a, name=name,
                                       data=b"%PDF-1.4\n%%EOF\n")
    assert not entry.documents.exists()


def test_names_stored_before_are_shown_safely(client, unit_a, clerk_a):
    entry = register(unit_a, clerk_a)
    IncomingSender.objects.filter(entry=entry).update(last_name=f"Kowal{RLO}iksw")
    IncomingEntry.objects.filter(pk=entry.pk).update(title=f"Faktura{RLO}fdp.exe")
    client.force_login(clerk_a)
    for url in (f"/g/alfa/staff/ezd/incoming/{entry.pk}/",
                "/g/alfa/staff/ezd/registers/incoming/"):
        page = client.get(url).content.decode()
        assert RLO not in page, url
        assert "Kowal\ufffdiksw" in page and "Faktura\ufffdfdp.exe" in page, url


# --- Idempotency-Key (finding 8) ----------------------------------------------------------

@pytest.fixture
def two_tokens(clerk_a, token_for):
    return token_for(clerk_a), token_for(clerk_a)


def test_two_tokens_with_one_key_register_two_entries(client, two_tokens, unit_a):
    first, second = two_tokens
    one = post(client, letter(title="Pierwsze"), first, HTTP_IDEMPOTENCY_KEY="k-1")
    other = post(client, letter(title="Drugie"), second, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (one.status_code, other.status_code) == (201, 201)
    assert one.json()["id"] != other.json()["id"]
    assert sorted(IncomingEntry.objects.values_list("title", flat=True)) == ["Drugie",
                                                                              "Pierwsze"]


def test_the_same_key_with_another_body_is_a_conflict(client, two_tokens, unit_a):
    token, _other = two_tokens
    first = post(client, letter(title="Pierwsze"), token, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, letter(title="Pierwsze"), token, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    conflict = post(client, letter(title="Inne"), token, HTTP_IDEMPOTENCY_KEY="k-1")
    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert conflict.json()["code"] == "idempotency_conflict"
    assert IncomingEntry.objects.count() == 1


def test_the_key_is_stored_scoped_never_raw(client, two_tokens, unit_a):
    post(client, letter(), two_tokens[0], HTTP_IDEMPOTENCY_KEY="k-1")
    entry = IncomingEntry.objects.get()
    assert entry.idempotency_key.startswith("k:") and "k-1" not in entry.idempotency_key
    assert len(entry.idempotency_fingerprint) == 64
    too_long = post(client, letter(), two_tokens[0], HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert too_long.status_code == 422


def test_the_registry_form_sent_again_with_other_data_asks_first(client, clerk_a, unit_a):
    client.force_login(clerk_a)
    form = {"title": "Pismo", "sender_kind": "person", "last_name": "Nowak", "city": "Alfa",
            "received_on": TODAY.isoformat(), "channel": "post", "attachments_count": "0",
            "access_level": "public", "form_token": "a" * 32}
    url = "/g/alfa/staff/ezd/incoming/new/"
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # a double click: the same entry
    assert IncomingEntry.objects.count() == 1
    edited = client.post(url, {**form, "title": "Inne pismo"})
    assert edited.status_code == 400
    assert "already sent with other data" in edited.content.decode() or \
        "już wysłany" in edited.content.decode()
    new_token = edited.context["form"].data["form_token"]
    assert new_token != "a" * 32
    assert client.post(url, {**form, "title": "Inne pismo", "form_token": new_token}
                       ).status_code == 302
    assert IncomingEntry.objects.count() == 2


def test_a_jrwa_table_with_control_characters_is_refused():
    from ratusz.cases.jrwa import JrwaImportError, parse_jrwa_csv

    table = "symbol,title,category\n0,Zarządzanie,\n00,Organy\u202egminy,\n000,Rada,A\n"
    with pytest.raises(JrwaImportError, match="Line 3: the title contains an invisible "
                                              "control character \\(U\\+202E\\)"):
        parse_jrwa_csv(table)


# --- Opening a case sent again (issue 15, crash safety: a blind retry doubled a case) ---

def open_through_api(client, body, headers, **extra):
    return client.post("/api/v1/cases", body, content_type="application/json", **headers,
                       **extra)


def test_a_case_opened_again_with_its_key_is_the_same_case(client, clerk_a, token_for, jrwa_a):
    token = token_for(clerk_a)
    body = {"title": "Informacja o budżecie", "jrwa_symbol": "1431", "department": "OR"}
    first = open_through_api(client, body, token, HTTP_IDEMPOTENCY_KEY="open-1")
    again = open_through_api(client, body, token, HTTP_IDEMPOTENCY_KEY="open-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["mark"] == first.json()["mark"] == f"OR.1431.1.{YEAR}"
    assert Case.objects.count() == 1
    conflict = open_through_api(client, {**body, "title": "Inna"}, token,
                                HTTP_IDEMPOTENCY_KEY="open-1")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    other_token = open_through_api(client, body, token_for(clerk_a),
                                   HTTP_IDEMPOTENCY_KEY="open-1")
    assert other_token.status_code == 201
    without_key = open_through_api(client, body, token)
    assert without_key.status_code == 201
    assert sorted(Case.objects.values_list("sequence", flat=True)) == [1, 2, 3]
    stored = Case.objects.get(mark=first.json()["mark"])
    assert stored.idempotency_key.startswith("k:") and "open-1" not in stored.idempotency_key
