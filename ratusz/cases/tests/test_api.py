"""The EZD API contract, exactly as the integration checks call it."""

from django.utils import timezone

from ratusz.cases.models import Case, IncomingEntry

TODAY = timezone.localdate().isoformat()
YEAR = timezone.localdate().year


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_register_then_open_a_case_then_read_it(client, clerk_a, officer_a, department_a,
                                                jrwa_a, token_for):
    clerk = token_for(clerk_a)
    response = post(client, "/api/v1/incoming", {
        "title": "Wniosek o udostępnienie informacji", "sender": {"name": "Jan Kowalski"},
        "received_on": TODAY, "channel": "post"}, clerk)
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["number"] == f"RPW/1/{YEAR}"
    assert entry["senders"] == [{"kind": "organisation", "name": "Jan Kowalski", "city": "",
                                 "ade": ""}]
    assert entry["sender_ade"] == ""
    listed = client.get("/api/v1/incoming", **clerk).json()
    assert [item["number"] for item in listed["items"]] == [entry["number"]]

    response = post(client, "/api/v1/cases", {
        "title": "Informacja o budżecie", "jrwa_symbol": "1431", "department": "OR",
        "incoming_id": entry["id"]}, clerk)
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["mark"] == f"OR.1431.1.{YEAR}"
    assert case["incoming_number"] == f"RPW/1/{YEAR}"
    assert case["status"] == "new"

    officer = token_for(officer_a)
    detail = client.get(f"/api/v1/cases/{case['id']}", **officer)
    assert detail.status_code == 200
    assert detail.json()["jrwa_title"] == "Udostępnianie informacji publicznej"
    record = client.get(f"/api/v1/cases/{case['id']}/record", **officer).json()
    assert [row["action"] for row in record] == ["opened", "entry_attached"]
    assert record[0]["actor_name"] == "Anna Kowalczyk"
    assert record[0]["actor_position"] == "Inspektor ds. kancelaryjnych"


def test_a_person_sender_is_split_when_named_as_such(client, clerk_a, token_for, unit_a):
    response = post(client, "/api/v1/incoming", {
        "title": "Pismo", "sender": {"name": "Jan Maria Kowalski", "kind": "person",
                                     "city": "Jastków"},
        "received_on": TODAY, "channel": "registered_post", "letter_date": "2026-11"},
        token_for(clerk_a))
    assert response.status_code == 201
    sender = IncomingEntry.objects.get().senders.get()
    assert (sender.first_name, sender.last_name) == ("Jan Maria", "Kowalski")


def test_bad_metadata_gets_a_precise_error_and_saves_nothing(client, clerk_a, token_for, unit_a):
    headers = token_for(clerk_a)
    missing = post(client, "/api/v1/incoming", {"title": "Pismo", "channel": "post"}, headers)
    assert missing.status_code == 422
    assert missing["Content-Type"] == "application/problem+json"
    assert any("received_on" in str(error["loc"]) for error in missing.json()["errors"])
    bad_channel = post(client, "/api/v1/incoming", {"title": "Pismo", "sender": {"name": "X"},
                                                    "received_on": TODAY, "channel": "gołąb"},
                       headers)
    assert bad_channel.status_code == 422
    no_sender = post(client, "/api/v1/incoming", {"title": "Pismo", "received_on": TODAY,
                                                  "channel": "post"}, headers)
    assert no_sender.status_code == 422
    assert no_sender.json()["code"] == "sender_required"
    assert "sender" in no_sender.json()["detail"]  # the API speaks English
    assert IncomingEntry.objects.count() == 0


def test_a_retried_registration_with_the_same_key_registers_once(client, clerk_a, token_for,
                                                                  unit_a):
    headers = {**token_for(clerk_a), "HTTP_IDEMPOTENCY_KEY": "abc-123"}
    body = {"title": "Pismo", "sender": {"name": "X"}, "received_on": TODAY, "channel": "post"}
    first = post(client, "/api/v1/incoming", body, headers)
    second = post(client, "/api/v1/incoming", body, headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert IncomingEntry.objects.count() == 1


def test_a_case_needs_a_final_class_and_a_known_department(client, clerk_a, token_for, jrwa_a):
    headers = token_for(clerk_a)
    not_final = post(client, "/api/v1/cases", {"title": "X", "jrwa_symbol": "143",
                                               "department": "OR"}, headers)
    assert not_final.status_code == 422
    assert not_final.json()["code"] == "jrwa_not_final"
    unknown = post(client, "/api/v1/cases", {"title": "X", "jrwa_symbol": "1431",
                                             "department": "ZZ"}, headers)
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "department_not_found"
    assert Case.objects.count() == 0


def test_search_finds_a_case_by_mark_and_title(client, clerk_a, officer_a, jrwa_a, token_for,
                                               django_capture_on_commit_callbacks):
    headers = token_for(clerk_a)
    with django_capture_on_commit_callbacks(execute=True):
        case = post(client, "/api/v1/cases", {"title": "Wycinka topoli przy szkole",
                                               "jrwa_symbol": "6220", "department": "OR"},
                    headers).json()
        post(client, "/api/v1/cases", {"title": "Inna sprawa", "jrwa_symbol": "1431",
                                       "department": "OR"}, headers)
    officer = token_for(officer_a)
    by_word = client.get("/api/v1/cases?q=topoli", **officer).json()
    assert [item["mark"] for item in by_word["items"]] == [case["mark"]]
    by_mark = client.get(f"/api/v1/cases?q={case['mark']}", **officer).json()
    assert [item["mark"] for item in by_mark["items"]] == [case["mark"]]
    listing = client.get("/api/v1/cases", **officer).json()
    assert listing["count"] == 2


def test_another_gminas_case_is_a_404(client, clerk_a, officer_b, jrwa_a, token_for):
    case = post(client, "/api/v1/cases", {"title": "X", "jrwa_symbol": "1431",
                                          "department": "OR"}, token_for(clerk_a)).json()
    foreign = token_for(officer_b)
    assert client.get(f"/api/v1/cases/{case['id']}", **foreign).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}/record", **foreign).status_code == 404
    assert client.get("/api/v1/cases", **foreign).json()["count"] == 0
    response = post(client, f"/api/v1/cases/{case['id']}/close", {}, foreign)
    assert response.status_code == 404
    assert Case.objects.get(pk=case["id"]).status == "new"


def test_a_case_officer_of_another_department_does_not_see_the_case(
        client, clerk_a, officer_a2, jrwa_a, token_for):
    case = post(client, "/api/v1/cases", {"title": "X", "jrwa_symbol": "1431",
                                          "department": "OR"}, token_for(clerk_a)).json()
    assert client.get(f"/api/v1/cases/{case['id']}", **token_for(officer_a2)).status_code == 404


def test_assign_change_status_and_close_through_the_api(client, clerk_a, officer_a, jrwa_a,
                                                       token_for):
    clerk = token_for(clerk_a)
    entry = post(client, "/api/v1/incoming", {"title": "Pismo", "sender": {"name": "X"},
                                              "received_on": TODAY, "channel": "post"},
                 clerk).json()
    assignment = post(client, f"/api/v1/incoming/{entry['id']}/assignments",
                      {"department": "OR", "instructions": "Do załatwienia"}, clerk)
    assert assignment.status_code == 201
    assert assignment.json()["department"] == "OR"
    officer = token_for(officer_a)
    case = post(client, "/api/v1/cases", {"title": "Sprawa", "jrwa_symbol": "1431",
                                          "department": "OR", "incoming_id": entry["id"]},
                officer).json()
    moved = post(client, f"/api/v1/cases/{case['id']}/status", {"status": "in_progress"},
                 officer)
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    wrong = post(client, f"/api/v1/cases/{case['id']}/status", {"status": "closed"}, officer)
    assert wrong.status_code == 422
    closed = post(client, f"/api/v1/cases/{case['id']}/close", {"note": "Udzielono informacji"},
                  officer)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["retention_until"] == f"{timezone.localdate().year + 11}-01-01"
