"""The school library journey in a real browser, in Polish: a pupil's parent finds a book in
the public catalogue, reserves it for the child's reader card, the librarian sets a copy
aside at the desk, and the parent's "my library" page shows it ready for pick-up while
the pick-up notice waits in the notification outbox. axe-core finds no serious or
critical violation on the pages used."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.education.models import Reservation, ReservationState  # noqa: E402
from ratusz.education.tests.library_factories import (  # noqa: E402
    add_book,
    make_library,
    make_pupil_reader,
)
from ratusz.notifications.models import Message  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


def test_a_parent_reserves_a_book_and_gets_the_pick_up_notice(
        new_page, live_server, municipality_a, resident, make_staff):
    resident.email = "ewa.mazur@example.com"
    resident.save()
    librarian = make_staff(municipality_a, Role.EDUCATION, username="alfa.biblioteka",
                           first_name="Barbara", last_name="Bibliotekarska")
    library = make_library(municipality_a, name="Szkoła Podstawowa w Alfie")
    make_pupil_reader(library, resident, first="Staś", last="Mazur", card="K0042")
    record = add_book(library, "Akademia pana Kleksa", "Brzechwa, Jan", copies=2)
    add_book(library, "Pchła Szachrajka", "Brzechwa, Jan")

    parent = new_page()
    sign_in(parent, live_server, resident)
    # The first page of a fresh live server on a loaded machine may take longer than 5 s.
    parent.goto(f"/g/{municipality_a.slug}/edukacja/biblioteka/", timeout=60_000)
    assert_accessible(parent)
    parent.get_by_label("Tytuł, autor, ISBN lub temat").fill("kleksa")
    parent.get_by_role("button", name="Szukaj").click()
    parent.get_by_role("link", name="Akademia pana Kleksa").click()
    expect(parent).to_have_url(re.compile(rf"/biblioteka/{record.pk}/$"))
    expect(parent.locator("main")).to_contain_text("na półce")
    assert_accessible(parent)
    parent.get_by_label(re.compile("Staś Mazur")).check()
    parent.get_by_role("button", name="Zarezerwuj tę książkę").click()
    expect(parent).to_have_url(re.compile(r"/biblioteka/moje/$"))
    expect(parent.locator("main")).to_contain_text("czeka na egzemplarz")
    assert_accessible(parent)

    desk = new_page()
    sign_in(desk, live_server, librarian)
    desk.goto(f"/g/{municipality_a.slug}/staff/edukacja/biblioteki/{library.pk}/",
              timeout=60_000)
    assert_accessible(desk)
    desk.get_by_role("button", name="Odłóż egzemplarz").click()
    expect(desk.locator("main")).to_contain_text("gotowa do odbioru")

    reservation = Reservation.objects.get()
    assert reservation.state == ReservationState.READY
    parent.reload()
    expect(parent.locator("main")).to_contain_text("gotowa do odbioru")
    expect(parent.locator("main")).to_contain_text(reservation.pickup_until.strftime("%d.%m.%Y"))
    assert_accessible(parent)
    notice = Message.objects.get(key__startswith=f"library:pickup:{reservation.pk}:")
    assert notice.recipient == "ewa.mazur@example.com"
    assert "Akademia pana Kleksa" in notice.body
