"""The demo's recruitment: a 2026 preschool campaign with its institutions and at least 60
applications, allocated and published; made once (a second run adds nothing)."""

from __future__ import annotations

import pytest

from ratusz.accounts.permissions import Role
from ratusz.core.tests.factories import LocalityFactory, UnitFactory
from ratusz.demo import education as demo
from ratusz.education.models import Allocation, Application, Campaign, CampaignStatus

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_is_allocated_and_made_once(municipality_a, department_a,
                                                      make_staff, resident,
                                                      django_capture_on_commit_callbacks):
    department_a.unit.kind = "office"
    department_a.unit.save()
    UnitFactory(municipality=municipality_a, kind="school", name="Szkoła Podstawowa w Alfie")
    for name in ("Alfa", "Alfa-Kolonia", "Betówka"):
        LocalityFactory(municipality=municipality_a, name=name)
    officer = make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata")
    issued = []

    def issue_token(user, permissions):
        issued.append((user, sorted(permissions)))
        return f"secret-{len(issued)}"

    with django_capture_on_commit_callbacks(execute=True):
        first = demo.ensure_demo(municipality_a, {"education": officer}, resident,
                                 issue_token=issue_token)
    campaign = Campaign.objects.get(pk=first["education_campaign"])
    assert (campaign.year, campaign.kind, campaign.status) == (2026, "preschool",
                                                               CampaignStatus.ADMITTED)
    assert campaign.offers.count() == 3
    assert Application.objects.filter(campaign=campaign).count() >= 60
    assert Allocation.objects.filter(campaign=campaign).count() == 1
    mine = Application.objects.get(campaign=campaign, guardian=resident)
    assert mine.status in ("admitted", "not_admitted")
    assert issued[0] == (officer, ["education.manage", "education.view"])
    second = demo.ensure_demo(municipality_a, {"education": officer}, resident,
                              issue_token=issue_token)
    assert second["education_campaign"] == campaign.pk
    assert Application.objects.filter(campaign=campaign).count() == \
        Application.objects.count()
