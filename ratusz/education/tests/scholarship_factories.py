"""Submissions of the e-services' scholarship and allowance forms (the library's own
definitions, filed through the e-services' service) for the social help tests."""

from __future__ import annotations

import copy
import datetime

from ratusz.cases.jrwa import load_default_jrwa
from ratusz.cases.models import JrwaClass, JrwaVersion
from ratusz.cases.selectors import final_class
from ratusz.eservices import services as eservices
from ratusz.eservices.library import library_service
from ratusz.eservices.models import FormStatus, FormVersion, Service

PUPIL_PESEL = "12261523411"
ACCOUNT = "61109010140000071219812874"


def help_service(municipality, department, slug: str) -> Service:
    existing = Service.objects.filter(municipality=municipality, slug=slug).first()
    if existing is not None:
        return existing
    if not JrwaVersion.objects.filter(unit=department.unit).exists():
        load_default_jrwa(department.unit, acting_user=None)
    card = library_service(slug)
    symbol = card["jrwa_symbol"]
    if final_class(department.unit, symbol) is None:  # a test JRWA without class 404
        symbol = JrwaClass.objects.filter(version__unit=department.unit,
                                          is_final=True).order_by("symbol").first().symbol
    definition = card["form"]
    service = Service.objects.create(
        municipality=municipality, department=department, slug=slug, search_text=slug,
        name=card["name"], category="education", summary=card["summary"],
        purpose=card["purpose"], who_may_apply=card["who_may_apply"], deadline_days=30,
        deadline_description=card["deadline_description"], jrwa_symbol=symbol,
        is_published=True, requires_identification=False, allows_anonymous=False)
    form = FormVersion.objects.create(
        municipality=municipality, service=service, number=1, title=definition["title"],
        schema=copy.deepcopy(definition["schema"]), layout=copy.deepcopy(definition["layout"]),
        status=FormStatus.PUBLISHED)
    service.current_form = form
    service.save(update_fields=["current_form"])
    return service


def scholarship_data(*, incomes=(1800, 0, 0), pupil="Piotr") -> dict:
    data = copy.deepcopy(library_service("stypendium-szkolne")["example"])
    data["student_first_name"] = pupil
    data["support_form"] = "pieniezna"
    data["bank_account"] = ACCOUNT
    for member, income in zip(data["household_members"], incomes, strict=True):
        member["monthly_income"] = income
    return data


def allowance_data(*, event_on: datetime.date) -> dict:
    data = copy.deepcopy(library_service("zasilek-szkolny")["example"])
    data["event_date"] = event_on.isoformat()
    return data


def file_help(municipality, department, slug: str, data: dict, *, resident=None):
    service = help_service(municipality, department, slug)
    submission, _created = eservices.submit(service, data=data, resident=resident,
                                            email="" if resident else "rodzic@example.com")
    return submission
