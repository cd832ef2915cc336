"""Reads of the EZD that the law calls registers and reports.

The spis spraw (case list per department, JRWA class and year), overdue cases, the
incoming (RPW) and outgoing (RKW) registers with their filters, and the candidates of the
archive's two procedures: transfer to the office archive and disposal (brakowanie).
Every function takes the gmina and never returns another gmina's rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from ratusz.cases.models import (
    ArchiveTransfer,
    Case,
    CaseAction,
    CaseRecordEntry,
    CaseStatus,
    DisposalList,
    DisposalStatus,
    IncomingEntry,
    IncomingSender,
    JrwaClass,
    OutgoingEntry,
)
from ratusz.cases.selectors import overdue_filter, visible_cases
from ratusz.core.models import Department, Municipality, Unit

#: What the remarks column says of a case not yet closed.
IN_PROGRESS_REMARK = "w toku"
#: Record actions that end a case; the last one says how it was settled.
SETTLING_ACTIONS = (CaseAction.CLOSED, CaseAction.TRANSFERRED, CaseAction.REOPENED)
_CLOSING_PREFIX = re.compile(r"^Zakończenie sprawy, data ostatecznego załatwienia "
                             r"\d{2}\.\d{2}\.\d{4}\.?\s*")
#: Disposal lists still in progress: a case on one of them is not offered again.
OPEN_DISPOSAL_STATUSES = (DisposalStatus.DRAFT, DisposalStatus.SUBMITTED,
                          DisposalStatus.APPROVED)


# --- Spis spraw --------------------------------------------------------------------------

@dataclass(frozen=True)
class SpisSprawHeader:
    year: int
    report_date: date
    department_symbol: str
    department_name: str
    jrwa_symbol: str
    jrwa_title: str


@dataclass(frozen=True)
class SpisSprawRow:
    position: int
    case_mark: str
    title: str
    sender_name: str
    sender_reference: str
    letter_date: str
    opened_on: date
    settled_on: date | None
    handler_name: str
    remarks: str
    case_id: int


@dataclass
class SpisSpraw:
    """A spis spraw: its header and its rows in case-number order. Iterates over rows."""

    header: SpisSprawHeader
    rows: list[SpisSprawRow] = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


#: Column titles of the spis spraw (domain.md §1.7), as the printed form has them.
SPIS_SPRAW_COLUMNS = (
    "Lp.", "Znak sprawy", "Tytuł sprawy", "Od kogo wpłynęła", "Znak pisma", "Data pisma",
    "Data wszczęcia sprawy", "Data ostatecznego załatwienia", "Prowadzący sprawę", "Uwagi",
)


def jrwa_title(department: Department, jrwa_symbol: str) -> str:
    """The title of the class in the current JRWA of the department's unit."""
    jrwa = (JrwaClass.objects.for_municipality(department.municipality_id)
            .filter(version__unit_id=department.unit_id, version__is_current=True,
                    symbol=jrwa_symbol).first())
    return jrwa.title if jrwa else ""


def _settlement_remark(case: Case) -> str:
    if case.status != CaseStatus.CLOSED:
        return IN_PROGRESS_REMARK
    entries = case.settling_entries
    closing = [entry for entry in entries
               if entry.action in (CaseAction.CLOSED, CaseAction.TRANSFERRED)]
    if not closing:
        return "zakończona"
    remark = _CLOSING_PREFIX.sub("", closing[-1].description).strip() or "zakończona"
    reopened = [entry for entry in entries if entry.action == CaseAction.REOPENED]
    if reopened and reopened[-1].position > closing[-1].position:
        new_mark = reopened[-1].data.get("new_case", "")
        remark += f"; wznowiona jako {new_mark}" if new_mark else "; wznowiona"
    return remark


def _sender(case: Case) -> tuple[str, str, str]:
    """(sender name, sender's reference, date of the letter) of the case's first letter."""
    incoming = case.incoming
    if incoming is not None:
        senders = list(incoming.senders.all())
        name = senders[0].display_name if senders else ""
        return name, incoming.sender_reference, incoming.letter_date
    parties = list(case.parties.all())
    return (parties[0].display_name if parties else ""), "", ""


def spis_spraw(municipality: Municipality, department: Department, jrwa_symbol: str,
               year: int, *, today: date | None = None) -> SpisSpraw:
    """The spis spraw of one department, JRWA class and year: every case started in that
    year (closed, transferred or not), numbered in mark order, with how each was settled."""
    if department.municipality_id != municipality.pk:
        raise ValueError("The department belongs to another gmina")
    header = SpisSprawHeader(
        year=year, report_date=today or timezone.localdate(),
        department_symbol=department.symbol, department_name=department.name,
        jrwa_symbol=jrwa_symbol, jrwa_title=jrwa_title(department, jrwa_symbol),
    )
    cases = (
        Case.objects.for_municipality(municipality)
        .filter(department=department, jrwa_symbol=jrwa_symbol, year=year)
        .select_related("handler", "incoming")
        .prefetch_related(
            Prefetch("incoming__senders", queryset=IncomingSender.objects.order_by("pk")),
            "parties",
            Prefetch("record", to_attr="settling_entries",
                     queryset=CaseRecordEntry.objects.filter(action__in=SETTLING_ACTIONS)
                     .order_by("position")),
        )
        .order_by("sequence", "sub_sequence", "pk")
    )
    rows = []
    for position, case in enumerate(cases, start=1):
        sender_name, sender_reference, letter_date = _sender(case)
        rows.append(SpisSprawRow(
            position=position, case_mark=case.mark, title=case.title,
            sender_name=sender_name, sender_reference=sender_reference,
            letter_date=letter_date, opened_on=timezone.localdate(case.opened_at),
            settled_on=case.settled_on if case.status == CaseStatus.CLOSED else None,
            handler_name=case.handler.get_full_name() if case.handler else "",
            remarks=_settlement_remark(case), case_id=case.pk,
        ))
    return SpisSpraw(header=header, rows=rows)


def spis_spraw_choices(municipality: Municipality) -> list[tuple[str, str]]:
    """(symbol, "symbol title") of every final class used by the gmina's units."""
    classes = (JrwaClass.objects.for_municipality(municipality)
               .filter(is_final=True, version__is_current=True)
               .order_by("symbol", "pk").values_list("symbol", "title"))
    seen: dict[str, str] = {}
    for symbol, title in classes:
        seen.setdefault(symbol, f"{symbol} {title}")
    return list(seen.items())


# --- Overdue cases -------------------------------------------------------------------------

def overdue_cases(municipality: Municipality, department: Department | None = None, *,
                  today: date | None = None) -> QuerySet[Case]:
    """Open cases past their deadline, the longest overdue first."""
    cases = Case.objects.for_municipality(municipality).filter(overdue_filter(today))
    if department is not None:
        cases = cases.filter(department=department)
    return cases.select_related("department", "handler").order_by("deadline", "pk")


def overdue_cases_seen_by(user, municipality: Municipality,
                          department: Department | None = None) -> QuerySet[Case]:
    """The overdue cases this staff member may see, by department, the longest overdue
    first."""
    visible = visible_cases(user, municipality).values("pk")
    return (overdue_cases(municipality, department).filter(pk__in=visible)
            .order_by("department__symbol", "deadline", "pk"))


# --- Registers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterFilters:
    """Filters of the registers. `channel` is the delivery method (RPW) or the sending
    method (RKW); `status` applies to the incoming register only."""

    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    channel: str = ""
    status: str = ""
    text: str = ""
    unit: Unit | None = None


def incoming_register(municipality: Municipality, filters: RegisterFilters | None = None
                      ) -> QuerySet[IncomingEntry]:
    """The RPW, newest first, narrowed by the filters; `text` looks in the number, title,
    sender's reference and the senders' names."""
    filters = filters or RegisterFilters()
    entries = IncomingEntry.objects.for_municipality(municipality)
    if filters.unit is not None:
        entries = entries.filter(unit=filters.unit)
    if filters.year:
        entries = entries.filter(year=filters.year)
    if filters.date_from:
        entries = entries.filter(received_on__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(received_on__lte=filters.date_to)
    if filters.channel:
        entries = entries.filter(channel=filters.channel)
    if filters.status:
        entries = entries.filter(status=filters.status)
    text = filters.text.strip()
    if text:
        senders = IncomingSender.objects.for_municipality(municipality).filter(
            Q(organisation_name__icontains=text) | Q(last_name__icontains=text)
            | Q(first_name__icontains=text)).values("entry_id")
        entries = entries.filter(
            Q(number__icontains=text) | Q(title__icontains=text)
            | Q(sender_reference__icontains=text) | Q(pk__in=senders))
    return (entries.select_related("unit")
            .prefetch_related(Prefetch("senders", queryset=IncomingSender.objects.order_by("pk")))
            .order_by("-year", "-sequence", "-pk"))


def outgoing_register(municipality: Municipality, filters: RegisterFilters | None = None
                      ) -> QuerySet[OutgoingEntry]:
    """The RKW, newest first, narrowed by the filters; `text` looks in the number, title,
    addressee and case mark. The date range is of sending."""
    filters = filters or RegisterFilters()
    entries = OutgoingEntry.objects.for_municipality(municipality)
    if filters.unit is not None:
        entries = entries.filter(unit=filters.unit)
    if filters.year:
        entries = entries.filter(year=filters.year)
    if filters.date_from:
        entries = entries.filter(sent_at__date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(sent_at__date__lte=filters.date_to)
    if filters.channel:
        entries = entries.filter(sending_method=filters.channel)
    text = filters.text.strip()
    if text:
        entries = entries.filter(
            Q(number__icontains=text) | Q(title__icontains=text)
            | Q(addressee_name__icontains=text) | Q(case__mark__icontains=text))
    return entries.select_related("case", "unit").order_by("-year", "-sequence", "-pk")


# --- The archive -------------------------------------------------------------------------

def transfer_candidates(unit: Unit, department: Department, as_of: date) -> QuerySet[Case]:
    """Closed cases of the department whose two full years have passed by `as_of` and
    which are not yet in the office archive."""
    return (Case.objects.for_municipality(unit.municipality_id)
            .filter(unit=unit, department=department, status=CaseStatus.CLOSED,
                    archive_transfer_due__lte=as_of, archived_at__isnull=True)
            .order_by("jrwa_symbol", "year", "sequence", "sub_sequence", "pk"))


def disposal_candidates(unit: Unit, as_of: date) -> QuerySet[Case]:
    """Closed non-archival cases (B, BE, Bc) of the unit past retention by `as_of`, not
    disposed of and not on a disposal list still in progress."""
    on_open_lists = DisposalList.objects.for_municipality(unit.municipality_id).filter(
        status__in=OPEN_DISPOSAL_STATUSES).values("cases")
    return (Case.objects.for_municipality(unit.municipality_id)
            .filter(unit=unit, status=CaseStatus.CLOSED, archival_category__startswith="B",
                    retention_until__lte=as_of, disposed_at__isnull=True)
            .exclude(pk__in=on_open_lists)
            .order_by("archival_category", "jrwa_symbol", "year", "sequence", "sub_sequence",
                      "pk"))


def category_group(category: str) -> str:
    """B, BE or Bc: the disposal inventory is kept separately for each."""
    if category == "Bc":
        return "Bc"
    if category.startswith("BE"):
        return "BE"
    return "B"


def disposal_inventory(disposal_list: DisposalList) -> dict[str, list[Case]]:
    """The cases of a list grouped into the separate B, BE and Bc inventories."""
    groups: dict[str, list[Case]] = {"B": [], "BE": [], "Bc": []}
    cases = (disposal_list.cases.select_related("jrwa_class", "department")
             .order_by("archival_category", "jrwa_symbol", "year", "sequence",
                       "sub_sequence", "pk"))
    for case in cases:
        groups[category_group(case.archival_category)].append(case)
    return groups


def needs_archive_consent(disposal_list: DisposalList) -> bool:
    """Whether the state archive must consent: any case other than Bc on the list."""
    return disposal_list.cases.exclude(archival_category="Bc").exists()


def list_disposal_lists(municipality: Municipality) -> QuerySet[DisposalList]:
    return (DisposalList.objects.for_municipality(municipality)
            .select_related("unit", "created_by", "approved_by").order_by("-created_at", "-pk"))


def access_disposal_list_by_id(municipality: Municipality, disposal_id: int
                               ) -> DisposalList | None:
    """The gmina's disposal list with this id; another gmina's looks missing."""
    return list_disposal_lists(municipality).filter(pk=disposal_id).first()


def list_archive_transfers(municipality: Municipality) -> QuerySet[ArchiveTransfer]:
    return (ArchiveTransfer.objects.for_municipality(municipality)
            .select_related("unit", "department", "created_by")
            .prefetch_related("cases").order_by("-created_at", "-pk"))
