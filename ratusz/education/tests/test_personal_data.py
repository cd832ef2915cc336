"""The parent's RODO export holds their applications; nothing is erased (art. 160)."""

from __future__ import annotations

import pytest

from ratusz.core.personal_data import providers
from ratusz.education.tests.factories import apply, make_recruitment

pytestmark = pytest.mark.django_db


def test_export_and_plan(municipality_a, department_a, resident):
    recruitment = make_recruitment(municipality_a, department_a)
    apply(recruitment, guardian=resident, first="Ola", last="Mazur")
    provider = next(p for p in providers() if p.key == "education")
    section = provider.export(municipality_a, resident)[0]
    assert section.records[0]["child"] == "Ola Mazur"
    assert section.records[0]["preferences"] == ["Przedszkole nr 1", "Przedszkole nr 2"]
    plan = provider.plan(municipality_a, resident)
    assert plan.erasable == [] and "art. 160" in plan.retained[0].reason
    assert provider.erase(municipality_a, resident) == {"applications": 0}
