"""Reads of the other apps, only through their selectors, for the rollups: what happened on
one day of one gmina, and what is now. Every function takes the gmina and returns plain
numbers keyed by unit (or codes: channels, services, JRWA classes); never a person.

The querysets come from the other apps' selectors (`cases.selectors.all_cases`,
`incoming_register`, `eservices.selectors.published_services`, `bulletin.selectors`'
`readable_entries`, `listed_entries`, `sites`, `monthly_rows`, `accounts.selectors.
list_residents`, `notifications.selectors.published_alerts` and `delivery_figures`);
here they are only narrowed to a day and counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from ratusz.accounts import selectors as accounts
from ratusz.bulletin import selectors as bulletin
from ratusz.cases import selectors as ezd
from ratusz.core.models import Municipality
from ratusz.eservices import selectors as eservices
from ratusz.exchange import selectors as exchange
from ratusz.notifications import selectors as notifications
from ratusz.payments import selectors as payments

#: Statuses of a case that end it (the EZD's CaseStatus.CLOSED).
CLOSED = "closed"
ANNULLED = "annulled"


def day_range(day: date) -> tuple[datetime, datetime]:
    """The start of `day` and of the next one, in the local time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


# --- The EZD ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseFacts:
    """What the watch needs of one case: codes and dates, no content."""

    case_id: int
    mark: str
    unit_id: int
    department_id: int
    handler_id: int | None
    jrwa_symbol: str
    status: str
    opened_on: date
    received_on: date | None
    channel: str
    service: str
    case_type: str
    case_type_days: int | None
    ezd_deadline: date | None
    settled_on: date | None
    incoming_id: int | None

    @property
    def starts_on(self) -> date:
        return self.received_on or self.opened_on

    @property
    def is_closed(self) -> bool:
        return self.status == CLOSED


_CASE_FIELDS = ("pk", "mark", "unit_id", "department_id", "handler_id", "jrwa_symbol",
                "status", "opened_at", "incoming__received_on", "incoming__channel",
                "incoming__service", "case_type__name", "case_type__deadline_days",
                "deadline", "settled_on", "incoming_id")


def _facts(row: tuple) -> CaseFacts:
    (pk, mark, unit_id, department_id, handler_id, jrwa, status, opened_at, received_on,
     channel, service, type_name, type_days, deadline, settled_on, incoming_id) = row
    return CaseFacts(pk, mark, unit_id, department_id, handler_id, jrwa, status,
                     timezone.localdate(opened_at), received_on, channel or "",
                     service or "", type_name or "", type_days, deadline, settled_on,
                     incoming_id)


def case_facts(municipality: Municipality | int, case_ids: list[int]) -> list[CaseFacts]:
    """The facts of these cases of the gmina (a case of another gmina is not found)."""
    return [_facts(row) for row in ezd.all_cases(municipality).filter(pk__in=case_ids)
            .order_by().values_list(*_CASE_FIELDS)]


def cases_after(municipality: Municipality | int, after_id: int, limit: int
                ) -> list[CaseFacts]:
    """Facts of the gmina's cases with ids above `after_id`, by id (a backfill's batch)."""
    return [_facts(row) for row in ezd.all_cases(municipality).filter(pk__gt=after_id)
            .order_by("pk").values_list(*_CASE_FIELDS)[:limit]]


def cases_opened_between(municipality: Municipality | int, start: date, end: date
                         ) -> list[CaseFacts]:
    """Facts of the cases opened from `start` to `end` (inclusive)."""
    since, _ = day_range(start)
    _, until = day_range(end)
    return [_facts(row) for row in ezd.all_cases(municipality)
            .filter(opened_at__gte=since, opened_at__lt=until).order_by()
            .values_list(*_CASE_FIELDS)]


def incoming_of_day(municipality: Municipality | int, day: date,
                    excluded_ids: set[int] = frozenset()) -> list[tuple[int, str, str, int]]:
    """(unit id, channel, service slug, count) of the items registered as received on
    `day`, annulled ones left out."""
    rows = (ezd.incoming_register(municipality).filter(received_on=day)
            .exclude(status=ANNULLED).exclude(pk__in=excluded_ids).order_by()
            .values_list("unit_id", "channel", "service").annotate(n=Count("pk")))
    return [(unit_id, channel, service, n) for unit_id, channel, service, n in rows]


# --- The e-office ----------------------------------------------------------------------------

def services_by_level(municipality: Municipality | int) -> list[tuple[int, int, int]]:
    """(unit id, maturity level, count) of the published service cards now."""
    rows = (eservices.published_services(municipality).order_by()
            .values_list("department__unit_id", "maturity_level").annotate(n=Count("pk")))
    return list(rows)


# --- The BIP ---------------------------------------------------------------------------------

def bip_published_on(municipality: Municipality, day: date) -> list[tuple[int, int, int]]:
    """(unit id, entries, attachments) of the entries first published on `day`."""
    since, until = day_range(day)
    rows = (bulletin.readable_entries(municipality)
            .filter(published_at__gte=since, published_at__lt=until).order_by()
            .values_list("site__unit_id").annotate(entries=Count("pk", distinct=True),
                                                    files=Count("attachments")))
    return list(rows)


def bip_live_units(municipality: Municipality) -> set[int]:
    """Units whose BIP has at least one published entry now."""
    return set(bulletin.listed_entries(municipality).order_by()
               .values_list("site__unit_id", flat=True).distinct())


def bip_month(municipality: Municipality, month: date) -> list[tuple[int, int, int]]:
    """(unit id, views, downloads) of the BIP in the month starting on `month`."""
    rows = (bulletin.monthly_rows(municipality, bulletin.sites(municipality))
            .filter(month=month).order_by().values_list("entry__site__unit_id")
            .annotate(views=Sum("views"), downloads=Sum("downloads")))
    return [(unit_id, views or 0, downloads or 0) for unit_id, views, downloads in rows]


# --- Residents and notifications -------------------------------------------------------------

def residents_now(municipality: Municipality, excluded_user_ids: set[int] = frozenset()
                  ) -> tuple[int, int]:
    """(registered, identified through login.gov.pl) residents of the gmina now."""
    residents = accounts.list_residents(municipality).exclude(pk__in=excluded_user_ids)
    return (residents.count(),
            residents.filter(resident_profile__identified_at__isnull=False).count())


def alerts_of_day(municipality: Municipality, day: date) -> tuple[int, Counter]:
    """(alerts published on `day`, their messages delivered so far by channel)."""
    since, until = day_range(day)
    alerts = list(notifications.published_alerts(municipality)
                  .filter(published_at__gte=since, published_at__lt=until))
    delivered: Counter = Counter()
    for alert in alerts:
        for channel, statuses in notifications.delivery_figures(municipality,
                                                                alert)["counts"].items():
            delivered[channel] += statuses.get("delivered", 0)
    return len(alerts), delivered


def a2a_exchanges_of_day(municipality: Municipality, day: date) -> Counter:
    """The gmina's exchanges with other administrations on `day`, as the exchange module
    marks them A2A: sent (by creation) and received (registered, by fetching), by
    direction and channel ("sent|e_delivery")."""
    since, until = day_range(day)
    counts = exchange.exchange_counts(municipality, since, until)
    exchanges: Counter = Counter()
    for direction in ("sent", "received"):
        for row in counts[direction]:
            if row["is_a2a"]:
                exchanges[f"{direction}|{row['channel']}"] += row["count"]
    return exchanges


def receipts_of_day(municipality: Municipality, day: date) -> dict[str, int]:
    """The payments booked on `day` (money received for the gmina's payers), counted by
    how they came: "gateway" (paid online), "statement" (a transfer on the bank
    statement), "manual" (assigned by hand)."""
    since, until = day_range(day)
    return {source: count for source, (count, _amount)
            in payments.receipts_by_source(municipality, since, until).items()}


def submission_of_case(municipality: Municipality, case_mark: str):
    """The e-office's submission that opened the case with this mark, if any."""
    return eservices.find_by_case_mark(municipality, case_mark)


def own_submission(municipality: Municipality, resident, public_id):
    """The resident's own submission (None for another person's or another gmina's)."""
    return eservices.access_own_submission(municipality, resident, public_id)


def published_service(municipality: Municipality, slug: str):
    return eservices.published_service(municipality, slug)


def case_by_id(municipality: Municipality, case_id: int):
    """A case of the gmina (system work: the watch, notices, ponaglenia)."""
    return ezd.all_cases(municipality).select_related("department", "unit").filter(
        pk=case_id).first()


def visible_case(user, municipality: Municipality, case_id: int):
    """The case if this staff member may see it (the EZD's gate)."""
    return ezd.access_case_by_id(user, municipality, case_id)


def may_handle(user, case) -> bool:
    return ezd.can_handle(user, case)


def staff_of(municipality: Municipality):
    """Active staff of the gmina."""
    return ezd.active_staff(municipality)


def staff_with_role(municipality: Municipality, role: str) -> list:
    return [user for user in ezd.active_staff(municipality)
            if role in accounts.roles_of(user, municipality)]


def staff_member(municipality: Municipality, user_id: int):
    return accounts.access_staff_by_id(municipality, user_id)


def departments_seen(user, municipality: Municipality) -> list[int]:
    """Departments whose cases this staff member sees (the EZD's rule)."""
    return list(ezd.departments_seen(user, municipality).values_list("pk", flat=True))
