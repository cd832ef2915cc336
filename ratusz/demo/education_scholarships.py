"""The demo's social help for pupils (u.s.o. art. 90b–90n) in each gmina: the council's
regulation with two tiers, and the demo resident's applications through the e-services'
library forms in different states — a scholarship granted for ten months (its decision a
draft letter in the case, September's payout paid), one refused over the threshold, one
waiting for its income test, and a school allowance granted after a fire."""

from __future__ import annotations

import copy
import datetime

from django.utils import timezone

from ratusz.education import selectors_scholarships as help_selectors
from ratusz.education import services
from ratusz.education.models import HelpApplication, IncomeSource, ScholarshipRegulation
from ratusz.eservices import services as eservices
from ratusz.eservices.library import library_service
from ratusz.eservices.models import Service

ACCOUNT = "61109010140000071219812874"
TIERS = [{"up_to": 50_000, "amount": 20_000}, {"up_to": 82_300, "amount": 12_400}]


def _file(municipality, resident, slug: str, data: dict):
    service = Service.objects.for_municipality(municipality).filter(
        slug=slug, is_published=True).first()
    if service is None:
        return None
    submission, _created = eservices.submit(service, data=data, resident=resident)
    return submission


def _scholarship(first: str, incomes: tuple[int, ...]) -> dict:
    """The library's example with the pupil's name and the members' incomes in złoty."""
    data = copy.deepcopy(library_service("stypendium-szkolne")["example"])
    data.update(student_first_name=first, support_form="pieniezna", bank_account=ACCOUNT)
    for member, income in zip(data["household_members"], incomes, strict=True):
        member["monthly_income"] = income
    data["household_members"][1]["first_name"] = first
    data["income_per_person"] = round(sum(incomes) / len(incomes), 2)
    return data


def ensure_scholarships_demo(municipality, staff: dict, resident) -> dict:
    """Idempotent: nothing is added once the gmina has a regulation. Returns the demo.json
    keys `education_help_matter` (the resident's granted scholarship, for
    /g/<slug>/edukacja/pomoc-materialna/<id>/) and `education_help_waiting` (a submission
    waiting for the income test)."""
    officer = staff["education"]
    finance = staff.get("finance", officer)
    if not ScholarshipRegulation.objects.for_municipality(municipality).exists():
        services.set_regulation(municipality, acting_user=officer,
                                effective_from=datetime.date(2025, 1, 1),
                                resolution="Uchwała nr XII/95/2025 Rady Gminy w sprawie "
                                           "regulaminu udzielania pomocy materialnej",
                                tiers=TIERS)
        _applications(municipality, officer, finance, resident)
    granted = HelpApplication.objects.for_municipality(municipality).filter(
        resident=resident, status="granted", kind="scholarship").first()
    waiting = help_selectors.waiting_help_submissions(municipality).first()
    return {"education_help_matter": granted.pk if granted else None,
            "education_help_waiting": waiting.pk if waiting else None}


def _applications(municipality, officer, finance, resident) -> None:
    granted = _file(municipality, resident, "stypendium-szkolne",
                    _scholarship("Piotr", (1350, 0, 0)))
    if granted is None:
        return
    item = services.open_help_application(granted, acting_user=officer)
    members = help_selectors.household(item)
    services.record_household(item, acting_user=officer, members=[
        services.MemberData(m.name, m.relation, m.pesel, m.is_pupil,
                            {IncomeSource.EMPLOYMENT: 135_000} if n == 0 else {})
        for n, m in enumerate(members)])
    item = services.decide_help(item, acting_user=officer, grant=True, monthly_amount=20_000,
                                month_count=10)
    services.put_decision_in_case(item, acting_user=officer)
    services.mark_month_paid(municipality, item.first_month, acting_user=finance)

    refused = _file(municipality, resident, "stypendium-szkolne",
                    _scholarship("Zofia", (3300, 0, 0)))
    item = services.open_help_application(refused, acting_user=officer)
    services.decide_help(item, acting_user=officer, grant=False,
                         reason="Miesięczny dochód na osobę w rodzinie przekracza kryterium "
                                "dochodowe.")

    _file(municipality, resident, "stypendium-szkolne", _scholarship("Jan", (2100, 0, 0)))

    allowance = copy.deepcopy(library_service("zasilek-szkolny")["example"])
    allowance["event_date"] = (timezone.localdate() - datetime.timedelta(days=12)).isoformat()
    filed = _file(municipality, resident, "zasilek-szkolny", allowance)
    item = services.open_help_application(filed, acting_user=officer)
    services.decide_help(item, acting_user=officer, grant=True, monthly_amount=50_000)
