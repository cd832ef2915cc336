"""The demo's organisation sheet: the first school's sheet for the next school year, sent
and in review, its hours all assigned and no finding; made once."""

from __future__ import annotations

import pytest

from ratusz.accounts.permissions import Role
from ratusz.core.tests.factories import UnitFactory
from ratusz.demo import education_sheets
from ratusz.education import selectors_sheets
from ratusz.education.models import SheetStatus, SheetVersion

pytestmark = pytest.mark.django_db


def test_the_demo_sheet_is_in_review_and_made_once(municipality_a, make_staff):
    officer = make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")
    assert education_sheets.ensure_demo(municipality_a, officer) == {}
    UnitFactory(municipality=municipality_a, kind="school", name="Szkoła Podstawowa w Alfie")
    first = education_sheets.ensure_demo(municipality_a, officer)
    version = SheetVersion.objects.get(pk=first["education_sheet"])
    assert version.status == SheetStatus.SENT
    assert version.sheet.school_year == education_sheets.next_school_year()
    figures = selectors_sheets.summary(version)
    assert (figures.divisions, figures.total_hours, figures.assigned_hours) == (8, 223, 223)
    assert figures.findings == [] and version.flags == []
    assert figures.cost == 223 * 38 * 9_500
    assert [o.body for o in selectors_sheets.opinions(version)] == ["curator", "union"]
    assert education_sheets.ensure_demo(municipality_a, officer) == first
    assert SheetVersion.objects.count() == 1
