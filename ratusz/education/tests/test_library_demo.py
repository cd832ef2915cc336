"""The demo's school library: at least 500 varied records with copies and loans, searchable
through the public API, made once (a second run adds nothing)."""

from __future__ import annotations

import pytest

from ratusz.accounts.permissions import Role
from ratusz.core.tests.factories import UnitFactory
from ratusz.demo.education_library import ensure_library_demo
from ratusz.education.models import BibRecord, Copy, Loan, Reservation

pytestmark = pytest.mark.django_db


def test_the_demo_library_has_500_records_and_is_made_once(client, municipality_a,
                                                           make_staff, resident):
    UnitFactory(municipality=municipality_a, kind="school", name="Szkoła Podstawowa w Alfie")
    officer = make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")
    first = ensure_library_demo(municipality_a, {"education": officer}, resident)["library"]
    assert first["records"] >= 500
    records = BibRecord.objects.filter(library_id=first["id"])
    assert records.values("author").distinct().count() >= 20
    assert Copy.objects.filter(library_id=first["id"]).count() > first["records"]
    assert Loan.objects.filter(returned_on__isnull=True).count() == 70
    assert Reservation.objects.get().record_id == first["reserved_record"]
    found = client.get("/api/v1/library/search", {"q": first["search_example"],
                                                  "municipality": municipality_a.slug})
    assert found.status_code == 200 and found.json()["count"] >= 1
    assert found.json()["items"][0]["title"] == "Pan Tadeusz"
    second = ensure_library_demo(municipality_a, {"education": officer}, resident)["library"]
    assert second == first
    assert BibRecord.objects.count() == first["records"]
