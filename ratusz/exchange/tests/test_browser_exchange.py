"""The registry clerk's page of the exchange in a real browser: a message from another
gmina registered with its RPW number and proof, one quarantined with its reason, a letter
sent with its evidences; axe-core finds no serious or critical violation."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.exchange import services  # noqa: E402
from ratusz.exchange.models import InboundMessage, OutboundMessage  # noqa: E402
from ratusz.exchange.tests.test_exchange import PDF, send  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


def test_the_clerk_sees_what_arrived_what_was_quarantined_and_what_was_sent(
        new_page, live_server, boxes, simulator, make_staff, department_b):
    send(boxes)
    forged = send(boxes, subject="Pismo z podrobionym dowodem",
                  files=[("pismo.pdf", PDF + b"%")])
    services.run_round(fetch=False)
    forged.refresh_from_db()
    simulator.control("evidence/forge", {"message_id": forged.provider_message_id})
    services.run_round(send=False)
    assert InboundMessage.objects.filter(status="quarantined").count() == 1
    clerk = make_staff(boxes["b"].municipality, Role.REGISTRY_CLERK, department=department_b)
    page = new_page()
    sign_in(page, live_server, clerk)
    page.goto(f"/g/{boxes['b'].municipality.slug}/staff/wymiana/")
    registered = InboundMessage.objects.get(status="registered")
    expect(page.get_by_text(registered.entry_number)).to_be_visible()
    expect(page.get_by_text("signature does not verify")).to_be_visible()
    expect(page.get_by_text(boxes["b"].ade).first).to_be_visible()
    assert_accessible(page)
    sender = make_staff(boxes["a"].municipality, Role.REGISTRY_CLERK,
                        username="alfa.kancelaria.wymiana")
    OutboundMessage.objects.update(next_attempt_at=OutboundMessage.objects.first().created_at)
    services.run_round(fetch=False)
    page = new_page()
    sign_in(page, live_server, sender)
    message = OutboundMessage.objects.exclude(pk=forged.pk).get()
    page.goto(f"/g/{boxes['a'].municipality.slug}/staff/wymiana/wyslane/{message.pk}/")
    expect(page.get_by_role("cell", name="BP.OX", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="BP.WX", exact=True)).to_be_visible()
    assert_accessible(page)
