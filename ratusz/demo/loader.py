"""The demo data: the five gminy of the partnership, with staff in every role and residents.

Loading is idempotent: what exists is kept, what is missing is added. API tokens of the
demo accounts are re-issued on each run (their secrets are never stored), so the
var/demo.json written afterwards always holds working tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from ratusz.accounts import identity
from ratusz.accounts import services as account_services
from ratusz.accounts.logingov.simulator import PERSONS_FILE
from ratusz.accounts.models import ApiToken, ResidentProfile, User, UserKind
from ratusz.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from ratusz.cases import services as ezd
from ratusz.cases.jrwa import load_default_jrwa
from ratusz.cases.models import IncomingEntry
from ratusz.core import services as core_services
from ratusz.core.models import Department, Locality, Municipality, Unit
from ratusz.core.tenancy import tenant_context
from ratusz.demo import education as education_demo
from ratusz.demo import exchange as exchange_demo
from ratusz.demo import payments as payments_demo
from ratusz.demo import reports as reports_demo
from ratusz.demo.bulletin import ensure_demo as ensure_bulletin
from ratusz.demo.notifications import ensure_demo as ensure_notifications
from ratusz.eservices import services as eservice_services

DATA_FILE = Path(__file__).with_name("gminy.json")
DEMO_PASSWORD = "ratusz-demo-2026"
OPERATOR_USERNAME = "operator"
DEMO_TOKEN_PREFIX = "Demo: "
EZD_SAMPLE_JRWA = "7230"

#: (role key in demo.json, username suffix, role, department symbol, first, last, position)
STAFF_PLAN = [
    ("registry_clerk", "kancelaria", Role.REGISTRY_CLERK, "OR", "Anna", "Kowalczyk",
     "Inspektor ds. kancelaryjnych"),
    ("case_officer", "referent", Role.CASE_OFFICER, "GK", "Piotr", "Wiśniewski",
     "Podinspektor ds. gospodarki komunalnej"),
    ("head", "kierownik", Role.HEAD, "GK", "Marta", "Zielińska",
     "Kierownik Referatu Gospodarki Komunalnej"),
    ("secretary", "sekretarz", Role.SECRETARY, None, "Tomasz", "Lewandowski", "Sekretarz Gminy"),
    ("admin", "admin", Role.ADMIN, None, "Katarzyna", "Nowak", "Informatyk"),
    ("finance", "finanse", Role.FINANCE, "FN", "Joanna", "Kamińska",
     "Inspektor ds. księgowości podatkowej"),
    ("education", "oswiata", Role.EDUCATION, None, "Agnieszka", "Dąbrowska",
     "Inspektor ds. oświaty"),
]
#: The demos of the apps added later; each returns what its gmina's entry of demo.json gains.
APP_DEMO_MODULES = [payments_demo, reports_demo, exchange_demo, education_demo]
RESIDENT_NAMES = [("Jan", "Mazur"), ("Ewa", "Krawczyk"), ("Adam", "Sikora"),
                  ("Zofia", "Baran"), ("Michał", "Pawlak")]


@dataclass
class DemoResult:
    municipalities: list[dict] = field(default_factory=list)
    operator: dict = field(default_factory=dict)


def _load_file() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _ensure_municipality(data: dict, operator: User) -> Municipality:
    existing = Municipality.objects.filter(slug=data["slug"]).first()
    if existing:
        return existing
    address = data.get("address", {})
    return core_services.create_municipality(
        acting_user=operator,
        office_name=data["units"][0]["name"] if data.get("units") else None,
        name=data["name"], official_name=data["official_name"], slug=data["slug"],
        teryt=data["teryt"], kind=data["kind"], voivodeship=data["voivodeship"],
        county=data["county"], street=address.get("street", ""),
        building=address.get("building", ""), postal_code=address.get("postal_code", ""),
        city=address.get("city", ""), email=data.get("email", ""), phone=data.get("phone", ""),
        bip_url=data.get("bip_url", ""), website=data.get("website", ""),
        # How the gmina's name is declined in the sentences the platform writes.
        **data.get("name_forms", {}),
    )


def _ensure_structure(municipality: Municipality, data: dict, operator: User) -> None:
    office = Unit.objects.for_municipality(municipality).filter(kind="office").first()
    for unit in data.get("units", [])[1:]:
        if Unit.objects.for_municipality(municipality).filter(name=unit["name"]).exists():
            continue
        core_services.create_unit(
            municipality, acting_user=operator, name=unit["name"],
            short_name=unit.get("short_name", ""), kind=unit["kind"],
            street=unit.get("street", ""), building=unit.get("building", ""),
            postal_code=unit.get("postal_code", ""), city=unit.get("city", ""),
        )
    for department in data.get("departments", []):
        if not Department.objects.for_municipality(municipality).filter(
            symbol=department["symbol"]
        ).exists():
            core_services.create_department(municipality, acting_user=operator, unit=office,
                                            symbol=department["symbol"],
                                            name=department["name"])
    with transaction.atomic():
        for locality in data.get("localities", []):
            Locality.objects.get_or_create(
                municipality=municipality, name=locality["name"],
                defaults={"simc": locality.get("simc", ""), "kind": locality.get("kind", "")},
            )


def _ensure_jrwa(municipality: Municipality, operator: User) -> None:
    """Every unit gets the shipped gmina JRWA (a no-op when it already has it)."""
    for unit in Unit.objects.for_municipality(municipality):
        load_default_jrwa(unit, acting_user=operator)


def _ensure_staff(municipality: Municipality, operator: User) -> dict[str, User]:
    people = {}
    for key, suffix, role, symbol, first, last, position in STAFF_PLAN:
        username = f"{municipality.slug}.{suffix}"
        user = User.objects.filter(username=username).first()
        department = (
            Department.objects.for_municipality(municipality).get(symbol=symbol)
            if symbol else None
        )
        if user is None:
            user = account_services.create_staff_member(
                municipality, acting_user=operator, username=username, first_name=first,
                last_name=last, email=f"{username}@ratusz.localhost", position=position,
                password=DEMO_PASSWORD, roles=[(role, department)],
            )
        people[key] = user
        if key == "head" and department is not None and department.head_id is None:
            core_services.update_department(department, acting_user=operator, head=user)
    return people


def _ensure_ezd_sample(municipality: Municipality, staff: dict[str, User], resident: User
                       ) -> None:
    """A few letters in the registers and open cases, so the workspace is not empty."""
    from datetime import timedelta

    from django.utils import timezone

    if IncomingEntry.objects.for_municipality(municipality).exists():
        return
    office = Unit.objects.for_municipality(municipality).get(kind="office")
    gk = Department.objects.for_municipality(municipality).get(symbol="GK")
    clerk, officer = staff["registry_clerk"], staff["case_officer"]
    today = timezone.localdate()
    person = ezd.SenderData(kind="person", first_name=resident.first_name,
                            last_name=resident.last_name, city=municipality.city,
                            postal_code=municipality.postal_code, street="Polna",
                            building="10")
    road, _ = ezd.register_incoming(
        office, acting_user=clerk, title="Wniosek o zezwolenie na zajęcie pasa drogowego "
        "(przyłącze wodociągowe)", senders=[person], received_on=today - timedelta(days=2),
        channel="in_person")
    ezd.assign_entry(road, acting_user=clerk, to_department=gk,
                     instructions="Proszę o rozpatrzenie.", due_date=today + timedelta(days=28))
    trees, _ = ezd.register_incoming(
        office, acting_user=clerk, title="Zgłoszenie zamiaru usunięcia drzew",
        senders=[ezd.SenderData(kind="person", first_name="Halina", last_name="Wójcik",
                                city=municipality.city)],
        received_on=today - timedelta(days=1), channel="epuap")
    ezd.assign_entry(trees, acting_user=clerk, to_department=gk)
    case = ezd.open_case(office, acting_user=officer, department=gk, jrwa_symbol="6131",
                         title="Zgłoszenie usunięcia drzew – ul. Szkolna", incoming=trees)
    ezd.add_note(case, acting_user=officer, text="Oględziny drzew w terenie zaplanowane.")
    ezd.register_incoming(
        office, acting_user=clerk, title="Zawiadomienie o kontroli",
        senders=[ezd.SenderData(kind="organisation",
                                organisation_name="Regionalna Izba Obrachunkowa w Lublinie",
                                city="Lublin")],
        received_on=today, channel="registered_post", sender_reference="WK.0911.12.2026")


def _ensure_resident(municipality: Municipality, index: int) -> User:
    username = f"{municipality.slug}.mieszkaniec"
    user = User.objects.filter(username=username).first()
    if user is None:
        first, last = RESIDENT_NAMES[index % len(RESIDENT_NAMES)]
        user = account_services.register_resident(
            username=username, email=f"{username}@ratusz.localhost", password=DEMO_PASSWORD,
            first_name=first, last_name=last, phone=f"+48 600 100 {100 + index}",
            city=municipality.city, street=municipality.street or "",
            building=str(10 + index), postal_code=municipality.postal_code,
        )
    with transaction.atomic():
        account_services.link_resident(municipality, user)
        _ensure_demo_identity(user)
    return user


def demo_persons() -> list[dict]:
    """The simulator's test persons that are the demo gminy's residents."""
    return [person for person in json.loads(PERSONS_FILE.read_text(encoding="utf-8"))
            if person.get("demo")]


def _ensure_demo_identity(user: User) -> None:
    """Each demo resident is one of the simulator's persons: signing in through the
    login.gov.pl simulator as that person opens this very account."""
    profile = ResidentProfile.objects.filter(user=user).first()
    if profile is not None and profile.is_identified:
        return
    for person in demo_persons():
        if (person["given_name"], person["family_name"]) == (user.first_name, user.last_name):
            identity.set_identified(user, person["pesel"])
            return


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo staff account (hex), so that reruns keep it."""
    return hashlib.sha256(f"ratusz-demo-totp:{username}".encode()).hexdigest()[:40]


def _ensure_demo_second_factor(user: User) -> str:
    """A confirmed authenticator named "demo" with the fixed key; returns it in base32
    (for an authenticator app; `manage.py demo_totp <username>` prints the current code)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = demo_totp_key(user.username)
    TOTPDevice.objects.get_or_create(user=user, name="demo",
                                     defaults={"key": key, "confirmed": True})
    return base64.b32encode(bytes.fromhex(key)).decode()


def demo_fee_account(municipality: Municipality) -> str:
    """A made-up but well-formed NRB (check digits by ISO 7064 mod 97) for the demo fees."""
    bban = "10203000" + f"{municipality.teryt:0<7}"[:7] + "0" * 9
    check = 98 - int(bban + "252100") % 97  # "PL" is 25 21, then "00"
    return f"{check:02d}{bban}"


def _ensure_services(municipality: Municipality, operator: User) -> int:
    """Every service of the library, published, with the demo fee account."""
    added, _existing = eservice_services.publish_library(
        municipality, acting_user=operator, fee_account=demo_fee_account(municipality))
    return added


def _reissue_token(municipality: Municipality, user: User, operator: User,
                   permissions: list[str], *, base_url: str) -> str:
    """A fresh demo token; the earlier one of the same demo (same address) is revoked, a
    demo running beside it on another port keeps its own."""
    name = f"{DEMO_TOKEN_PREFIX}{user.username} ({base_url})"
    for old in ApiToken.objects.for_municipality(municipality).filter(
        user=user, name__in=[name, f"{DEMO_TOKEN_PREFIX}{user.username}"],
        revoked_at__isnull=True,
    ):
        account_services.revoke_api_token(old, acting_user=operator)
    # The platform's own set-up issues it (no person asks another to confirm).
    _token, secret = account_services.issue_api_token(
        municipality, acting_user=None, name=name, permissions=permissions, user=user,
    )
    return secret


def load_demo(*, base_url: str) -> dict:
    """Create (or complete) the demo and return the content of var/demo.json."""
    data = _load_file()
    with tenant_context(None, all_municipalities=True):
        operator = User.objects.filter(username=OPERATOR_USERNAME).first()
        if operator is None:
            operator = User.objects.create_user(
                OPERATOR_USERNAME, email="operator@ratusz.localhost", password=DEMO_PASSWORD,
                kind=UserKind.OPERATOR, first_name="Operator", last_name="Platformy",
                is_staff=True, is_superuser=True,
            )
        loaded = []
        result = {"base_url": base_url, "municipalities": [],
                  "operator": {"username": OPERATOR_USERNAME, "password": DEMO_PASSWORD}}
        for index, entry in enumerate(data["municipalities"]):
            municipality = _ensure_municipality(entry, operator)
            with tenant_context(municipality):
                _ensure_structure(municipality, entry, operator)
                _ensure_jrwa(municipality, operator)
                staff = _ensure_staff(municipality, operator)
                resident = _ensure_resident(municipality, index)
                _ensure_ezd_sample(municipality, staff, resident)
                _ensure_services(municipality, operator)
                ensure_notifications(municipality, staff, resident)
                ensure_bulletin(municipality, staff)
                clerk = staff["registry_clerk"]
                api_token = _reissue_token(municipality, clerk, operator,
                                           sorted(ROLE_PERMISSIONS[Role.REGISTRY_CLERK]),
                                           base_url=base_url)
                resident_token = _reissue_token(municipality, resident, operator,
                                                [Permission.RESIDENT_SELF], base_url=base_url)

                def issue_token(user, permissions, *, municipality=municipality):
                    return _reissue_token(municipality, user, operator, sorted(permissions),
                                          base_url=base_url)

                extra = {}
                for module in APP_DEMO_MODULES:
                    extra.update(module.ensure_demo(municipality, staff, resident,
                                                    issue_token=issue_token))
            users = {key: {"username": user.username, "password": DEMO_PASSWORD,
                           "totp_secret": _ensure_demo_second_factor(user)}
                     for key, user in staff.items()}
            users["resident"] = {"username": resident.username, "password": DEMO_PASSWORD}
            result["municipalities"].append({
                "slug": municipality.slug,
                "name": municipality.name,
                "teryt": municipality.teryt,
                "users": users,
                "api_token": api_token,
                "resident_token": resident_token,
                # Road occupation permits: a final JRWA class handled by GK.
                "ezd_sample": {"department": "GK", "jrwa_symbol": EZD_SAMPLE_JRWA},
                "eservice_sample": {"slug": "pismo-ogolne"},
                **extra,
            })
            loaded.append(municipality)
        for module in APP_DEMO_MODULES:
            result.update(module.ensure_platform_demo(loaded))
    return result
