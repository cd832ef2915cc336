"""Demo data of the reports app: a year of activity in every demo gmina (so the dashboards
are true to life), the secretary's API token, and the E-gminy partnership of Niedrzwica
Duża, Jabłonna, Jastków and Strzyżewice with its coordinator.

How the year is made:
- through the apps' services: every letter is registered (`cases.register_incoming`), every
  case opened, assigned and closed (`open_case`, `assign_case`, `close_case` with its
  settlement date), the resident's requests filed through the e-office
  (`eservices.submit`), the clocks and the rollups by the reports' own services;
- directly with the ORM, where a service cannot say "this happened months ago" or would
  take too long: the opening dates and EZD deadlines of the cases are moved back to the
  day their letter was received (`Case.opened_at`, `Case.deadline`), and so are the late
  e-office request's dates (`Submission.submitted_at`, `IncomingEntry.received_on`); the
  BIP's monthly counts of views and downloads of the past year (`bulletin.MonthlyStat`:
  the BIP counts one download per request); and the state indicators (services online,
  BIPs, residents) at past month ends, taken as they are today (`reports.DailyFigure`).
Idempotent: a gmina that has its year already gets nothing new.
"""

from __future__ import annotations

import base64
import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ratusz.accounts.permissions import ROLE_PERMISSIONS, Role
from ratusz.bulletin.models import Entry, MonthlyStat
from ratusz.cases import services as ezd
from ratusz.cases.models import Case, IncomingEntry
from ratusz.core.models import Department, Unit
from ratusz.core.tenancy import tenant_context
from ratusz.eservices import selectors as eservice_selectors
from ratusz.eservices import services as eservices
from ratusz.eservices.models import Submission
from ratusz.reports import services as reports
from ratusz.reports.models import DailyFigure, MatterClock
from ratusz.reports.services.rollups import STATE_KEYS

PARTNERSHIP = {"slug": "e-gminy", "name": "Partnerstwo E-gminy",
               "description": "Niedrzwica Duża, Jabłonna, Jastków i Strzyżewice",
               "members": ["niedrzwica-duza", "jablonna", "jastkow", "strzyzewice"]}
COORDINATOR = "e-gminy.koordynator"
#: (JRWA class, department, days to settle around which its cases settle)
MATTERS = [("1431", "OR", 9), ("140", "OR", 12), ("1510", "OR", 25), ("6131", "GK", 24),
           ("7230", "GK", 20), ("3120", "FN", 18), ("3124", "FN", 5), ("5100", "SO", 3),
           ("6730", "RG", 45)]
CHANNELS = ["post", "in_person", "email", "epuap", "eservice", "registered_post"]
CASES_PER_MONTH = 5


def ensure_demo(municipality, staff: dict, resident, *, issue_token) -> dict:
    """A year of activity (once), today's figures, and the secretary's token."""
    if not MatterClock.objects.for_municipality(municipality).filter(
            opened_on__lt=timezone.localdate() - timedelta(days=200)).exists():
        _year_of_activity(municipality, staff, resident)
    reports.refresh_days(municipality, [timezone.localdate()])
    return {"secretary_token": issue_token(staff["secretary"],
                                           ROLE_PERMISSIONS[Role.SECRETARY])}


def ensure_platform_demo(municipalities: list) -> dict:
    """The E-gminy partnership (members accepted, as agreed on paper) and its coordinator
    with a second factor."""
    # The loader imports this module: its own constants are read once it has loaded.
    from ratusz.demo.loader import DEMO_PASSWORD, demo_totp_key

    members = [m for m in municipalities if m.slug in PARTNERSHIP["members"]]
    partnership = reports.create_partnership(
        acting_user=None, name=PARTNERSHIP["name"], slug=PARTNERSHIP["slug"],
        description=PARTNERSHIP["description"], members=members, accepted=True)
    coordinator = reports.ensure_coordinator(
        partnership, username=COORDINATOR, password=DEMO_PASSWORD, first_name="Barbara",
        last_name="Koordynatorka", email=f"{COORDINATOR}@ratusz.localhost")
    key = demo_totp_key(coordinator.username)
    TOTPDevice.objects.get_or_create(user=coordinator, name="demo",
                                     defaults={"key": key, "confirmed": True})
    return {"partnerships": [{
        "slug": partnership.slug, "name": partnership.name,
        "members": [m.slug for m in members],
        "coordinator": {"username": coordinator.username, "password": DEMO_PASSWORD,
                        "totp_secret": base64.b32encode(bytes.fromhex(key)).decode()},
    }]}


def _year_of_activity(municipality, staff: dict, resident) -> None:
    today = timezone.localdate()
    rng = random.Random(municipality.slug)  # noqa: S311 - the same demo year on every load
    office = Unit.objects.for_municipality(municipality).get(kind="office")
    departments = {d.symbol: d for d in Department.objects.for_municipality(municipality)}
    officer, clerk = staff["case_officer"], staff["registry_clerk"]
    # Each gmina has its own pace and its own share of electronic letters.
    speed = 0.7 + rng.random() * 0.8
    electronic = 0.3 + rng.random() * 0.5
    case_ids = []
    for months_back in range(12, -1, -1):
        first = (today.replace(day=1) - timedelta(days=months_back * 30)).replace(day=1)
        for _ in range(CASES_PER_MONTH + rng.randint(-2, 3)):
            received = first + timedelta(days=rng.randint(0, 27))
            if received > today:
                continue
            case_ids.append(_one_case(municipality, office, departments, officer, clerk, rng,
                                      received, speed, electronic, today))
    case_ids += _resident_requests(municipality, resident, today)
    reports.track_cases(municipality, [pk for pk in case_ids if pk])
    _bip_history(municipality, rng, today)
    days = sorted(set(MatterClock.objects.for_municipality(municipality)
                      .values_list("opened_on", flat=True))
                  | {d for d in MatterClock.objects.for_municipality(municipality)
                     .values_list("settled_on", flat=True) if d}
                  | {(today.replace(day=1) - timedelta(days=30 * n)).replace(day=1)
                     for n in range(13)})
    month_ends = sorted({(day.replace(day=28) + timedelta(days=4)).replace(day=1)
                         - timedelta(days=1) for day in days if day.month != today.month
                         or day.year != today.year})
    reports.refresh_days(municipality, sorted(set(days) | set(month_ends) | {today}))
    _state_history(municipality, month_ends, today)


def _one_case(municipality, office, departments, officer, clerk, rng, received, speed,
              electronic, today) -> int | None:
    jrwa, symbol, typical = rng.choice(MATTERS)
    department = departments.get(symbol) or departments["OR"]
    channel = rng.choice(CHANNELS[2:5]) if rng.random() < electronic else \
        rng.choice([CHANNELS[0], CHANNELS[1], CHANNELS[5]])
    entry, _ = ezd.register_incoming(
        office, acting_user=clerk, title=f"Wniosek – {jrwa}", received_on=received,
        channel=channel, senders=[ezd.SenderData(kind="person", first_name="Jan",
                                                 last_name=rng.choice(["Nowak", "Kowalski",
                                                                       "Wójcik", "Kozieł"]),
                                                 city=municipality.city)])
    case = ezd.open_case(office, acting_user=officer, department=department,
                         jrwa_symbol=jrwa, title=f"Sprawa {jrwa}", incoming=entry,
                         handler=officer)
    opened = timezone.make_aware(timezone.datetime.combine(received, timezone.datetime.min
                                                           .time())) + timedelta(hours=10)
    Case.objects.filter(pk=case.pk).update(opened_at=opened, last_activity_at=opened,
                                           deadline=received + timedelta(days=30))
    days = max(0, int(rng.gauss(typical * speed, typical * 0.4)))
    settled = received + timedelta(days=days)
    # Most matters are settled; a few of the recent ones stay open, some of them late.
    if settled < today and rng.random() < 0.93:
        ezd.close_case(case, acting_user=officer, settled_on=settled)
    return case.pk


def _resident_requests(municipality, resident, today) -> list[int]:
    """The demo resident's requests through the e-office; one filed 45 days ago is late
    (the ponaglenie journey)."""
    service = eservice_selectors.published_service(municipality, "pismo-ogolne")
    if service is None:
        return []
    ids = []
    for days_back, subject in ((45, "Prośba o naprawę drogi gminnej"),
                               (3, "Pytanie o harmonogram odbioru odpadów")):
        submission, _ = eservices.submit(service, resident=resident, data={
            "first_name": resident.first_name, "last_name": resident.last_name,
            "building": "10", "postal_code": municipality.postal_code or "24-220",
            "city": municipality.city or municipality.name, "subject": subject,
            "content": f"{subject}. Proszę o odpowiedź."},
            idempotency_key=f"demo-reports:{municipality.slug}:{days_back}")
        received = today - timedelta(days=days_back)
        opened = timezone.make_aware(timezone.datetime.combine(
            received, timezone.datetime.min.time())) + timedelta(hours=11)
        with transaction.atomic():
            Submission.objects.filter(pk=submission.pk).update(submitted_at=opened)
            IncomingEntry.objects.filter(pk=submission.incoming_id).update(
                received_on=received, registered_at=opened)
            Case.objects.filter(pk=submission.case_id).update(
                opened_at=opened, deadline=received + timedelta(days=service.deadline_days))
        ids.append(submission.case_id)
    return ids


def _bip_history(municipality, rng, today) -> None:
    """Views and downloads of the office BIP's entries per month of the past year."""
    entries = list(Entry.objects.for_municipality(municipality).filter(
        published_at__isnull=False)[:20])
    rows = []
    for entry in entries:
        for months_back in range(1, 13):
            month = (today.replace(day=1) - timedelta(days=30 * months_back)).replace(day=1)
            rows.append(MonthlyStat(municipality=municipality, entry=entry, month=month,
                                    views=rng.randint(20, 400), downloads=rng.randint(0, 60)))
    MonthlyStat.objects.bulk_create(rows, ignore_conflicts=True)


def _state_history(municipality, month_ends: list[date], today: date) -> None:
    """The state indicators at past month ends, taken as they are today."""
    current = list(DailyFigure.objects.for_municipality(municipality)
                   .filter(day=today, key__in=STATE_KEYS))
    rows = [DailyFigure(municipality=municipality, unit_id=row.unit_id, day=day,
                        key=row.key, dimension=row.dimension, value=row.value)
            for day in month_ends for row in current]
    with tenant_context(municipality):
        DailyFigure.objects.for_municipality(municipality).filter(
            day__in=month_ends, key__in=STATE_KEYS).delete()
        DailyFigure.objects.bulk_create(rows, batch_size=1000)
    for year in sorted({day.year for day in month_ends}):
        reports.refresh_snapshot(municipality, year)
