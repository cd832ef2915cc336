"""Building recruitments for the tests: a gmina's preschools (units with the test JRWA),
a campaign open today with the statutory criteria and two of the council's, and
applications filed through the services."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone
from stdnum.pl import pesel as pesel_number

from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.cases.tests.conftest import make_jrwa
from ratusz.core.tests.factories import UnitFactory
from ratusz.education import services
from ratusz.education.models import CampaignKind, Criterion, CriterionStage, InstitutionKind

_serial = itertools.count(1)


def valid_pesel(birth: datetime.date, serial: int) -> str:
    """A PESEL with a right check digit for a child born on `birth` (2000s: month + 20)."""
    month = birth.month + 20
    base = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial % 10000:04d}"
    weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    check = (10 - sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 10) % 10
    number = base + str(check)
    assert pesel_number.is_valid(number)
    return number


def timetable_around_today() -> dict:
    """A main round whose application window ends today and whose lists are due today
    (so a test can walk the whole round on one day)."""
    today = timezone.localdate()
    start = max(today - datetime.timedelta(days=5), datetime.date(today.year, 1, 1))
    return {"continuation_from": start, "continuation_until": start,
            "applications_from": start, "applications_until": today,
            "verification_until": today, "qualified_list_on": today,
            "confirmation_until": today, "admitted_list_on": today}


def make_recruitment(municipality, department, *, places=(2, 2), names=None,
                     open_it=True, staff=None, year=None, dates=None) -> dict:
    units = [UnitFactory(municipality=municipality, kind="preschool",
                         name=name, slug=f"przedszkole-{next(_serial)}")
             for name in (names or [f"Przedszkole nr {n + 1}" for n in range(len(places))])]
    for unit in units:
        make_jrwa(unit)
    campaign = services.create_campaign(
        municipality, acting_user=staff, year=year or timezone.localdate().year,
        kind=CampaignKind.PRESCHOOL, name="Rekrutacja do przedszkoli",
        dates=dates or timetable_around_today(), appeals_department=department,
        appeals_jrwa_symbol="1431", criteria_act="Uchwała nr X/1/2026 Rady Gminy")
    offers = []
    for unit, count in zip(units, places, strict=True):
        institution = services.ensure_institution(unit, acting_user=staff,
                                                  kind=InstitutionKind.PRESCHOOL)
        offers.append(services.add_offer(campaign, acting_user=staff,
                                         institution=institution, places=count,
                                         groups="grupa mieszana"))
    working = services.add_criterion(campaign, acting_user=staff,
                                     name="Oboje rodzice pracują", points=20,
                                     documents="Oświadczenie o zatrudnieniu")
    sibling = services.add_criterion(campaign, acting_user=staff,
                                     name="Rodzeństwo uczęszcza do tego przedszkola",
                                     points=10, per_institution=True,
                                     documents="Oświadczenie rodzica")
    if open_it:
        services.open_campaign(campaign, acting_user=staff)
        services.draw_lottery(campaign, acting_user=staff, witnesses="Anna Nowak, Jan Kowal")
        campaign.refresh_from_db()
    large_family = Criterion.objects.get(campaign=campaign, stage=CriterionStage.STATUTORY,
                                         code="large_family")
    return {"campaign": campaign, "offers": offers, "units": units, "working": working,
            "sibling": sibling, "large_family": large_family}


def application_data(offers, *, first="Ola", last="Nowak", pesel=None, criteria=(),
                     resident=True, **extra) -> services.ApplicationData:
    birth = datetime.date(2022, 5, 1 + next(_serial) % 27)
    return services.ApplicationData(
        child=services.ChildData(first, last, pesel or valid_pesel(birth, next(_serial))),
        preferences=[offer.pk for offer in offers], is_resident=resident,
        address="ul. Polna 1, 24-220 Alfa", guardian_name="Ewa Nowak",
        email="rodzic@example.com", criteria=list(criteria),
        statement_accepted=bool(criteria), **extra)


def apply(recruitment, offers=None, *, guardian=None, verify=True, **kwargs):
    """An application filed (and verified, its declared criteria confirmed)."""
    guardian = guardian or ResidentFactory()
    application = services.submit_application(
        recruitment["campaign"], application_data(offers or recruitment["offers"], **kwargs),
        guardian=guardian, acting_user=guardian)
    if verify:
        services.verify_application(application, acting_user=None,
                                    confirmed={d.pk for d in application.declared.all()})
        application.refresh_from_db()
    return application
