"""Reads of the EZD. Who sees which case is decided here, once."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ratusz.accounts.models import RoleAssignment, User
from ratusz.accounts.permissions import Permission, Role
from ratusz.accounts.selectors import has_permission, roles_of
from ratusz.cases.models import (
    Assignment,
    Case,
    CaseRecordEntry,
    IncomingEntry,
    OutgoingEntry,
)
from ratusz.core.models import Municipality, Unit, UnitKind

#: Roles that see every case of the gmina when held gmina-wide (without a department).
GMINA_WIDE_CASE_ROLES = {Role.SECRETARY, Role.HEAD, Role.CASE_OFFICER}


def department_ids_of(user: User, municipality: Municipality) -> set[int]:
    cache = user.__dict__.setdefault("_ratusz_departments", {})
    if municipality.pk not in cache:
        cache[municipality.pk] = set(
            RoleAssignment.objects.for_municipality(municipality)
            .filter(user=user, department__isnull=False)
            .values_list("department_id", flat=True)
        )
    return cache[municipality.pk]


def sees_all_cases(user: User, municipality: Municipality) -> bool:
    if Role.SECRETARY in roles_of(user, municipality):
        return True
    return RoleAssignment.objects.for_municipality(municipality).filter(
        user=user, department__isnull=True, role__in=[Role.HEAD, Role.CASE_OFFICER]
    ).exists()


def visible_cases(user: User, municipality: Municipality) -> QuerySet[Case]:
    """The cases this staff member may see: all of the gmina for the secretary (and
    gmina-wide roles), else those of their departments and those given to them."""
    cases = Case.objects.for_municipality(municipality)
    if not has_permission(user, municipality, Permission.VIEW_WORKSPACE):
        return cases.none()
    if sees_all_cases(user, municipality):
        return cases
    # A case is given to a person by making them its handler (services.assign_case), so
    # two indexed conditions suffice; the planner combines them with a BitmapOr.
    return cases.filter(Q(department_id__in=department_ids_of(user, municipality))
                        | Q(handler=user))


def access_case_by_id(user: User, municipality: Municipality, case_id: int) -> Case | None:
    """The case if this user may see it; missing, foreign and forbidden look the same."""
    return (visible_cases(user, municipality)
            .select_related("department", "unit", "jrwa_class", "handler", "incoming")
            .filter(pk=case_id).first())


def case_record(case: Case) -> QuerySet[CaseRecordEntry]:
    return CaseRecordEntry.objects.for_municipality(case.municipality_id).filter(
        case=case).order_by("position")


def can_handle(user: User, case: Case) -> bool:
    """May change the case: its handler, its department's staff, or gmina-wide roles."""
    municipality = case.municipality
    if not has_permission(user, municipality, Permission.HANDLE_CASES):
        return False
    return (case.handler_id == user.pk or case.department_id in department_ids_of(
        user, municipality) or sees_all_cases(user, municipality))


def default_unit(user: User | None, municipality: Municipality) -> Unit:
    """The unit a staff member registers in: their department's unit, else the office."""
    if user is not None and getattr(user, "pk", None):
        assignment = (RoleAssignment.objects.for_municipality(municipality)
                      .filter(user=user, unit__isnull=False).select_related("unit").first())
        if assignment is not None:
            return assignment.unit
    return Unit.objects.for_municipality(municipality).filter(kind=UnitKind.OFFICE).order_by(
        "pk").first()


def incoming_register(municipality: Municipality, unit: Unit | None = None
                      ) -> QuerySet[IncomingEntry]:
    entries = IncomingEntry.objects.for_municipality(municipality).prefetch_related("senders")
    if unit is not None:
        entries = entries.filter(unit=unit)
    return entries.order_by("-year", "-sequence")


def access_incoming_by_id(municipality: Municipality, entry_id: int) -> IncomingEntry | None:
    return incoming_register(municipality).filter(pk=entry_id).first()


def outgoing_register(municipality: Municipality, unit: Unit | None = None
                      ) -> QuerySet[OutgoingEntry]:
    entries = OutgoingEntry.objects.for_municipality(municipality).select_related("case")
    if unit is not None:
        entries = entries.filter(unit=unit)
    return entries.order_by("-year", "-sequence")


def inbox_entries(user: User, municipality: Municipality) -> QuerySet[IncomingEntry]:
    """Entries currently assigned to this person or their departments, not yet in a case."""
    targets = Assignment.objects.for_municipality(municipality).filter(is_current=True).filter(
        Q(to_user=user) | Q(to_department_id__in=department_ids_of(user, municipality)))
    return incoming_register(municipality).filter(
        pk__in=targets.values("entry_id"), status="assigned")


#: Lists count exactly up to this many rows, then say "more than".
COUNT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counted at most up to `cap` (exact counts of big lists cost more
    than the page itself); the flag says the cap was reached."""
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap
