"""Control characters and bidirectional overrides never get past the edge (issue 15,
finding 3: U+0006 in an alert's headline took the gmina's whole feed down)."""

import json

import pytest

from ratusz.core.text import first_unsafe_character, refuse_unsafe_text, xml_safe

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["a\x06b", "\x00", "x\ufffe", "\ud800", "faktura\u202efdp.exe",
                                   "\u2066tekst"])
def test_unsafe_characters_are_found(value):
    assert first_unsafe_character(value) is not None


@pytest.mark.parametrize("value", ["Zażółć gęślą jaźń", "tab\tnowa\nlinia\r", "emoji 🏛",
                                   "\u200fznak RLM"])
def test_ordinary_text_passes(value):
    assert first_unsafe_character(value) is None
    assert refuse_unsafe_text(value) == value


def test_xml_safety_is_about_xml_only():
    assert not xml_safe("a\x06")
    assert xml_safe("a\u202eb")


def test_the_api_answers_422_naming_the_field(client):
    response = client.post("/api/v1/alerts", json.dumps({"headline": "Awaria\x06", "x": 1}),
                           content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert "headline" in body["detail"] and "U+0006" in body["detail"]


def test_a_form_answers_a_page_naming_the_field(client, municipality_a):
    response = client.post("/auth/login/", {"username": "jan\u202e", "password": "x"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "username" in text and "U+202E" in text


def test_file_names_and_query_strings_are_checked(client, municipality_a):
    # Names of uploaded files in the API's JSON bodies; (multipart file names lose such
    # characters in Django's own parser).
    body = {"attachments": [{"name": "skan\u202efdp.exe", "content": "JVBERi0="}]}
    response = client.post("/api/v1/incoming", json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 422
    assert "attachments[0].name" in response.json()["detail"]
    assert client.get("/g/alfa/bip/szukaj/", {"q": "a\x07"}).status_code == 400
