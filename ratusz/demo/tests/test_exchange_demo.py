"""The exchange's part of the demo: every gmina's ADE (also in /me), the tokens that draft,
approve, seal and send a letter, and the mailboxes the simulator is given; a unit the
education demo adds later gets its ADE from core's `unit_created` (the test commits, so
the after-commit effects run as in a real load)."""

import json

import pytest
from django.conf import settings

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import authenticate_api_token, token_permissions
from ratusz.core.models import Unit
from ratusz.demo.loader import load_demo
from ratusz.exchange.ade import is_valid_ade


@pytest.mark.django_db(transaction=True)
def test_every_demo_gmina_and_unit_has_its_ade_and_the_letter_tokens(client):
    demo = load_demo(base_url="http://127.0.0.1:8000")
    mailboxes = json.loads((settings.VAR_DIR / "exchange" / "demo-mailboxes.json")
                           .read_text(encoding="utf-8"))
    boxes = {box["ade"]: box for box in mailboxes}
    addresses = set()
    for item in demo["municipalities"]:
        assert is_valid_ade(item["ade"]) and item["ade"] not in addresses
        addresses.add(item["ade"])
        assert boxes[item["ade"]]["public_body"] is True
        assert boxes[item["resident_ade"]]["public_body"] is False
        officer = authenticate_api_token(item["officer_token"])
        assert officer.user.username == f"{item['slug']}.referent"
        assert Permission.HANDLE_CASES in token_permissions(officer)
        head = authenticate_api_token(item["head_token"])
        assert head.user.username == f"{item['slug']}.kierownik"
        assert Permission.APPROVE in token_permissions(head)
        me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {item['officer_token']}"
                        ).json()
        assert me["ade"] == me["municipality"]["ade"] == item["ade"]
        for unit in Unit.objects.filter(municipality__slug=item["slug"]):
            assert unit.ade in boxes
    again = load_demo(base_url="http://127.0.0.1:8000")
    assert [m["ade"] for m in again["municipalities"]] == \
        [m["ade"] for m in demo["municipalities"]]
