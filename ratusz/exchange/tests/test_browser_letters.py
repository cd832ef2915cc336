"""The journey of a sealed decision sent by e-Doręczenia from one gmina's case to another
gmina's office, in a real browser: the addressee's registry clerk finds it registered in
the RPW with its proof, and the sender's case shows the proof of receipt among its
documents; axe-core finds no serious or critical violation on either page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("playwright")

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.core.tenancy import tenant_context  # noqa: E402
from ratusz.exchange import services  # noqa: E402
from ratusz.exchange.models import InboundMessage, OutboundMessage  # noqa: E402
from ratusz.exchange.tests.test_letters import people, sent_letter  # noqa: E402, F401
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


def test_a_decision_sent_to_another_gmina_is_registered_and_its_proof_in_the_case(
        new_page, live_server, boxes, people, make_staff, department_b,
        django_capture_on_commit_callbacks):
    def send_and_deliver():
        # In a thread of its own: the seal (pyHanko) runs an event loop, and this thread
        # has Playwright's.
        # Its own database connection: the wall opened for set-up, as for the test's thread
        # (row-level security on PostgreSQL).
        try:
            with tenant_context(None, all_municipalities=True):
                sent = sent_letter(boxes, people, django_capture_on_commit_callbacks)
                services.run_round()
                OutboundMessage.objects.update(next_attempt_at=timezone.now())
                services.run_round()
            return sent
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        case, _letter = pool.submit(send_and_deliver).result()
    inbound = InboundMessage.objects.get(municipality=boxes["b"].municipality)

    clerk = make_staff(boxes["b"].municipality, Role.REGISTRY_CLERK, department=department_b,
                       username="beta.kancelaria.dziennik")
    page = new_page()
    sign_in(page, live_server, clerk)
    page.goto(f"/g/{boxes['b'].municipality.slug}/staff/ezd/incoming/{inbound.entry_id}/")
    expect(page.get_by_text(inbound.entry_number).first).to_be_visible()
    expect(page.get_by_text("Dowód: BP.OX").first).to_be_visible()
    expect(page.get_by_text(boxes["a"].ade).first).to_be_visible()
    assert_accessible(page)

    page = new_page()
    sign_in(page, live_server, people["officer"])
    page.goto(f"/g/{boxes['a'].municipality.slug}/staff/ezd/cases/{case.pk}/")
    expect(page.get_by_text("Dowód otrzymania pisma „Decyzja o zajęciu pasa”").first
           ).to_be_visible()
    expect(page.get_by_text("Dowód wysłania pisma").first).to_be_visible()
    assert_accessible(page)
