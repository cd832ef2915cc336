"""The demo's social help: a regulation and the resident's matters in different states,
made once."""

import pytest

from ratusz.accounts.permissions import Role
from ratusz.cases.models import OutgoingLetter
from ratusz.demo.education_scholarships import ensure_scholarships_demo
from ratusz.education.models import HelpApplication, PayoutLine, ScholarshipRegulation
from ratusz.education.tests.scholarship_factories import help_service

pytestmark = pytest.mark.django_db


def test_the_demo_matters_in_their_states_made_once(municipality_a, department_a, make_staff,
                                                    resident):
    for slug in ("stypendium-szkolne", "zasilek-szkolny"):
        help_service(municipality_a, department_a, slug)
    staff = {"education": make_staff(municipality_a, Role.EDUCATION, username="alfa.oswiata"),
             "finance": make_staff(municipality_a, Role.FINANCE, username="alfa.finanse")}
    keys = ensure_scholarships_demo(municipality_a, staff, resident)
    matters = HelpApplication.objects.filter(municipality=municipality_a)
    assert sorted(matters.values_list("kind", "status")) == [
        ("allowance", "granted"), ("scholarship", "granted"), ("scholarship", "refused")]
    granted = matters.get(pk=keys["education_help_matter"])
    assert (granted.income_per_person, granted.monthly_amount) == (45_000, 20_000)
    assert OutgoingLetter.objects.filter(pk=granted.decision_letter_id).exists()
    assert PayoutLine.objects.filter(application=granted, paid_at__isnull=False).count() == 1
    assert keys["education_help_waiting"] is not None
    again = ensure_scholarships_demo(municipality_a, staff, resident)
    assert again == keys
    assert HelpApplication.objects.count() == 3
    assert ScholarshipRegulation.objects.count() == 1
