"""Demo data of the education app: per gmina, two preschools (added through
`core.services.create_unit`, so each gets its BIP) and the preschool class of the gmina's
first school, a 2026 preschool recruitment by a made-up timetable and resolution, five
continuation declarations per preschool, at least 60 generated paper applications
(deterministic per gmina) and one of the demo resident's, verified, allocated, confirmed
and published, so that the lists and the explanations can be seen."""

from __future__ import annotations

import datetime
import random

from ratusz.accounts.permissions import Permission
from ratusz.cases.jrwa import load_default_jrwa
from ratusz.core import services as core_services
from ratusz.core.models import Department, Locality, Unit, UnitKind
from ratusz.demo import education_sheets
from ratusz.demo.education_attendance import ensure_attendance_demo
from ratusz.demo.education_library import ensure_library_demo
from ratusz.demo.education_scholarships import ensure_scholarships_demo
from ratusz.education import services
from ratusz.education.models import (
    Application,
    ApplicationStatus,
    Campaign,
    CampaignKind,
    Criterion,
    InstitutionKind,
)

YEAR = 2026
D = datetime.date
TIMETABLE = {
    "continuation_from": D(YEAR, 2, 23), "continuation_until": D(YEAR, 3, 1),
    "applications_from": D(YEAR, 3, 2), "applications_until": D(YEAR, 3, 16),
    "verification_until": D(YEAR, 3, 23), "qualified_list_on": D(YEAR, 3, 27),
    "confirmation_until": D(YEAR, 4, 7), "admitted_list_on": D(YEAR, 4, 10),
    "supplementary_from": D(YEAR, 5, 4), "supplementary_until": D(YEAR, 5, 8),
    "supplementary_qualified_list_on": D(YEAR, 5, 15),
    "supplementary_confirmation_until": D(YEAR, 5, 22),
    "supplementary_admitted_list_on": D(YEAR, 5, 27),
}
COUNCIL_CRITERIA = [
    ("Oboje rodzice (rodzic samotnie wychowujący) pracują, studiują lub prowadzą "
     "gospodarstwo rolne", 20, "Oświadczenie rodziców o zatrudnieniu lub nauce", False),
    ("Rodzeństwo kandydata uczęszcza do tego przedszkola", 15,
     "Oświadczenie rodzica", True),
    ("Kandydat zamieszkuje w miejscowości, w której znajduje się przedszkole", 10,
     "Oświadczenie o miejscu zamieszkania", True),
    ("Rodzice kandydata rozliczają podatek dochodowy w gminie", 5,
     "Pierwsza strona zeznania PIT lub oświadczenie", False),
]
FIRST_NAMES = ["Zofia", "Hanna", "Julia", "Maja", "Lena", "Alicja", "Oliwia", "Laura",
               "Antoni", "Jan", "Aleksander", "Franciszek", "Nikodem", "Szymon", "Leon",
               "Ignacy", "Stanisław", "Wojciech", "Pola", "Nadia"]
LAST_NAMES = ["Nowak", "Kowalczyk", "Wójcik", "Kamińska", "Lewandowski", "Zielińska",
              "Szymański", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur",
              "Kwiatkowska", "Krawczyk", "Piotrowski", "Grabowska", "Nowakowski", "Pawlak",
              "Michalska", "Król", "Wieczorek", "Jabłońska", "Wróbel", "Nowicki"]
APPLICATIONS = 64


def _pesel(birth: datetime.date, serial: int) -> str:
    base = f"{birth.year % 100:02d}{birth.month + 20:02d}{birth.day:02d}{serial:04d}"
    weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    check = (10 - sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 10) % 10
    return base + str(check)


def _ensure_units(municipality, acting_user) -> list[tuple[Unit, str]]:
    office = Unit.objects.for_municipality(municipality).get(kind=UnitKind.OFFICE)
    city = office.city or municipality.name
    units = []
    for name, short in ((f"Przedszkole Samorządowe w {city}", "PS"),
                        (f"Przedszkole Samorządowe nr 2 w {city}", "PS2")):
        unit = Unit.objects.for_municipality(municipality).filter(name=name).first()
        if unit is None:
            unit = core_services.create_unit(
                municipality, acting_user=acting_user, name=name, short_name=short,
                kind=UnitKind.PRESCHOOL, city=city, postal_code=office.postal_code,
                street=office.street, building=str(len(units) + 3))
        units.append((unit, InstitutionKind.PRESCHOOL))
    school = Unit.objects.for_municipality(municipality).filter(
        kind=UnitKind.SCHOOL).order_by("pk").first()
    if school is not None:
        units.append((school, InstitutionKind.PRESCHOOL_CLASS))
    for unit, _kind in units:
        load_default_jrwa(unit, acting_user=acting_user)
    return units


def _department(municipality, acting_user) -> Department:
    department = Department.objects.for_municipality(municipality).filter(symbol="OS").first()
    if department is None:
        office = Unit.objects.for_municipality(municipality).get(kind=UnitKind.OFFICE)
        department = core_services.create_department(
            municipality, acting_user=acting_user, unit=office, symbol="OS",
            name="Referat Oświaty")
    return department


def _campaign(municipality, officer) -> Campaign:
    units = _ensure_units(municipality, officer)
    campaign = services.create_campaign(
        municipality, acting_user=officer, year=YEAR, kind=CampaignKind.PRESCHOOL,
        name="Rekrutacja do przedszkoli i oddziałów przedszkolnych", dates=TIMETABLE,
        timetable_act=f"Zarządzenie nr 6/{YEAR} Wójta Gminy {municipality.name} z dnia "
                      f"20 stycznia {YEAR} r. (demonstracyjne)",
        criteria_act=f"Uchwała nr XXI/150/{YEAR - 1} Rady Gminy {municipality.name} "
                     "(demonstracyjna)",
        appeals_department=_department(municipality, officer), appeals_jrwa_symbol="402")
    for (unit, kind), places in zip(units, (50, 25, 20), strict=False):
        institution = services.ensure_institution(unit, acting_user=officer, kind=kind)
        services.add_offer(campaign, acting_user=officer, institution=institution,
                           places=places, groups=f"{places // 25 or 1} grupa/grupy mieszane")
    for name, points, documents, per_institution in COUNCIL_CRITERIA:
        services.add_criterion(campaign, acting_user=officer, name=name, points=points,
                               documents=documents, per_institution=per_institution)
    services.open_campaign(campaign, acting_user=officer)
    return campaign


def _generate(campaign, officer, resident, rng: random.Random) -> None:
    offers = list(campaign.offers.select_related("institution__unit"))
    criteria = list(Criterion.objects.filter(campaign=campaign))
    localities = list(Locality.objects.for_municipality(campaign.municipality))
    serial = rng.randrange(1000, 5000)
    for offer in offers[:2]:
        for _n in range(5):
            serial += 1
            birth = D(YEAR - rng.choice([4, 5]), rng.randint(1, 12), rng.randint(1, 28))
            services.record_continuation(
                campaign, acting_user=officer, offer=offer, declared_on=D(YEAR, 2, 25),
                child=services.ChildData(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES),
                                         _pesel(birth, serial)))
    for index in range(APPLICATIONS + 1):
        serial += 1
        birth = D(YEAR - rng.choice([3, 3, 4, 5]), rng.randint(1, 12), rng.randint(1, 28))
        mine = index == APPLICATIONS
        chosen = rng.sample(offers, rng.randint(1, len(offers)))
        declared = [(c.pk, rng.choice(chosen).pk if c.per_institution else None)
                    for c in criteria if rng.random() < (0.12 if c.stage == 1 else 0.4)]
        locality = rng.choice(localities) if localities else None
        place = locality.name if locality else campaign.municipality.name
        data = services.ApplicationData(
            child=services.ChildData(rng.choice(FIRST_NAMES),
                                     resident.last_name if mine else rng.choice(LAST_NAMES),
                                     _pesel(birth, serial)),
            preferences=[o.pk for o in chosen], criteria=declared,
            is_resident=mine or rng.random() < 0.9,
            address=f"{place} {rng.randint(1, 120)}",
            locality_id=locality.pk if locality else None,
            guardian_name=resident.get_full_name() if mine else
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            email=resident.email if mine else "", statement_accepted=bool(declared))
        application = services.submit_application(
            campaign, data, guardian=resident if mine else None, acting_user=officer,
            received_on=D(YEAR, 3, rng.randint(2, 16)))
        confirmed = {d.pk for d in application.declared.all() if rng.random() < 0.85}
        services.verify_application(application, acting_user=officer, confirmed=confirmed)


def _results(campaign, officer, rng: random.Random) -> None:
    services.draw_lottery(campaign, acting_user=officer,
                          witnesses="Przewodnicząca i członkowie komisji rekrutacyjnych")
    services.allocate_campaign(campaign, acting_user=officer)
    services.publish_qualified_lists(campaign, acting_user=officer,
                                     posted_on=TIMETABLE["qualified_list_on"])
    for application in Application.objects.filter(campaign=campaign,
                                                  status=ApplicationStatus.QUALIFIED):
        if application.guardian_id or rng.random() < 0.9:
            services.confirm_will(application, acting_user=officer,
                                  confirmed_on=D(YEAR, 4, rng.randint(1, 7)))
    services.publish_admitted_lists(campaign, acting_user=officer,
                                    posted_on=TIMETABLE["admitted_list_on"])


def ensure_demo(municipality, staff: dict, resident, *, issue_token) -> dict:
    """Create what is missing of the education demo for this gmina (idempotent); returns what the
    gmina's entry of var/demo.json gains: `education_token` (the education officer's, with
    education.view and education.manage) and the id of the 2026 preschool recruitment."""
    officer = staff["education"]
    campaign = Campaign.objects.for_municipality(municipality).filter(
        year=YEAR, kind=CampaignKind.PRESCHOOL).first()
    if campaign is None:
        rng = random.Random(f"ratusz-demo-education:{municipality.slug}")  # noqa: S311
        campaign = _campaign(municipality, officer)
        _generate(campaign, officer, resident, rng)
        _results(campaign, officer, rng)
    token = issue_token(officer, [Permission.VIEW_EDUCATION, Permission.MANAGE_EDUCATION])
    result = {"education_token": token, "education_campaign": campaign.pk}
    result.update(ensure_attendance_demo(municipality, staff, resident))
    result.update(education_sheets.ensure_demo(municipality, officer))
    result.update(ensure_scholarships_demo(municipality, staff, resident))
    result.update(ensure_library_demo(municipality, staff, resident))
    return result


def ensure_platform_demo(municipalities: list) -> dict:
    """After every gmina: what spans gminy (nothing for education)."""
    return {}
