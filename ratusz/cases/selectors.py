"""Reads of the EZD. Who sees which case is decided here, once."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ratusz.accounts.models import RoleAssignment, User
from ratusz.accounts.permissions import Permission, Role
from ratusz.accounts.selectors import has_permission, list_staff, roles_of
from ratusz.cases.models import (
    OPEN_STATUSES,
    ApprovalDecision,
    ApprovalStep,
    Assignment,
    Case,
    CaseLink,
    CaseParty,
    CaseRecordEntry,
    CaseStatus,
    Document,
    DocumentVersion,
    IncomingEntry,
    IncomingStatus,
    JrwaClass,
    JrwaVersion,
    LetterStatus,
    OutgoingEntry,
    OutgoingLetter,
    RoutingRule,
    SendingMethod,
)
from ratusz.core.models import Department, Municipality, Unit, UnitKind
from ratusz.core.selectors import list_departments

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


def all_cases(municipality: Municipality) -> QuerySet[Case]:
    """Every case of the gmina (system checks, not people: people see `visible_cases`)."""
    return Case.objects.for_municipality(municipality)


def visible_cases(user: User, municipality: Municipality) -> QuerySet[Case]:
    """The cases this staff member may see: all of the gmina for the secretary (and
    gmina-wide roles), else those of their departments and those given to them."""
    cases = all_cases(municipality)
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



def unassigned_entries(municipality: Municipality) -> QuerySet[IncomingEntry]:
    """Registered items no one has assigned yet (the registry's work of dekretacja)."""
    return incoming_register(municipality).filter(status=IncomingStatus.REGISTERED)


#: A case is "near its deadline" this many days before it.
DEADLINE_WARNING_DAYS = 3


def cases_near_deadline(user: User, municipality: Municipality, *, with_department: bool
                        ) -> QuerySet[Case]:
    """Open cases this person handles (and, `with_department`, their departments' cases)
    whose deadline has passed or comes within `DEADLINE_WARNING_DAYS`, the nearest first."""
    horizon = timezone.localdate() + timedelta(days=DEADLINE_WARNING_DAYS)
    mine = Q(handler=user)
    if with_department:
        mine |= Q(department_id__in=department_ids_of(user, municipality))
    return (visible_cases(user, municipality).filter(mine, status__in=OPEN_STATUSES,
                                                     deadline__lte=horizon)
            .select_related("department").order_by("deadline", "pk"))


#: Letters whose next step is their author's: correct, seal or send.
AUTHOR_STEPS = (LetterStatus.RETURNED, LetterStatus.APPROVED, LetterStatus.SEALED)


def letters_to_finish(user: User, municipality: Municipality) -> QuerySet[OutgoingLetter]:
    """Letters this person drafted that came back to them: returned for changes,
    approved (to seal) or sealed (to send), in cases they still see."""
    return (OutgoingLetter.objects.for_municipality(municipality)
            .filter(created_by=user, status__in=AUTHOR_STEPS,
                    case__in=visible_cases(user, municipality))
            .select_related("case").order_by("created_at", "pk"))

#: Lists count exactly up to this many rows, then say "more than".
COUNT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counted at most up to `cap` (exact counts of big lists cost more
    than the page itself); the flag says the cap was reached."""
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


def overdue_filter(today: date | None = None) -> Q:
    """Open cases past their deadline (a filter for a case queryset)."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, deadline__lt=today)


# --- The JRWA --------------------------------------------------------------------------------

def current_jrwa_version(unit: Unit) -> JrwaVersion | None:
    """The JRWA version the unit uses now, or None before the first import."""
    return (JrwaVersion.objects.for_municipality(unit.municipality_id)
            .filter(unit=unit, is_current=True).first())


def jrwa_classes(unit: Unit) -> QuerySet[JrwaClass]:
    """Every class of the unit's current JRWA, in tree order (by symbol)."""
    return (JrwaClass.objects.for_municipality(unit.municipality_id)
            .filter(version__unit=unit, version__is_current=True)
            .order_by("symbol"))


def final_classes(unit: Unit) -> QuerySet[JrwaClass]:
    """The final classes of the unit's current JRWA: those cases are opened under."""
    return jrwa_classes(unit).filter(is_final=True)


def most_used_classes(unit: Unit, department_ids, *, limit: int = 6) -> list[JrwaClass]:
    """The final classes the departments opened most cases under (in the unit's current
    JRWA), the most used first: what a clerk of those departments picks most often."""
    if not department_ids:
        return []
    counts = (Case.objects.for_municipality(unit.municipality_id)
              .filter(department_id__in=department_ids, jrwa_class__isnull=False)
              .values("jrwa_symbol").annotate(used=Count("pk")).order_by("-used", "jrwa_symbol"))
    ranked = [row["jrwa_symbol"] for row in counts[:limit * 2]]
    by_symbol = {item.symbol: item for item in final_classes(unit).filter(symbol__in=ranked)}
    return [by_symbol[symbol] for symbol in ranked if symbol in by_symbol][:limit]


def default_approver(case: Case) -> User | None:
    """Who approves the case's letters unless the author says otherwise: the head of its
    department (the department's head, else whoever holds the head's role there), if they
    may approve."""
    municipality = case.municipality
    candidates = []
    if case.department.head_id:
        candidates.append(case.department.head)
    candidates += [assignment.user for assignment in (
        RoleAssignment.objects.for_municipality(municipality)
        .filter(role=Role.HEAD, department_id=case.department_id, user__is_active=True)
        .select_related("user").order_by("pk"))]
    return next((user for user in candidates if user.is_active
                 and has_permission(user, municipality, Permission.APPROVE)), None)


def final_class(unit: Unit, symbol: str) -> JrwaClass | None:
    """The final class with this symbol in the unit's current JRWA; None if the symbol is
    missing there or has subclasses (cases are registered only in final classes)."""
    return final_classes(unit).filter(symbol=symbol).first()


# --- Letters ---------------------------------------------------------------------------------

def pending_step(letter: OutgoingLetter) -> ApprovalStep | None:
    """The approval step of the letter now waiting, if any."""
    return letter.steps.filter(decision=ApprovalDecision.PENDING).order_by("round",
                                                                           "order").first()


def may_read_letter(user: User, case: Case, letter: OutgoingLetter) -> bool:
    """Who reads a letter before it is sent: those who handle its case, and the people on
    its approval path."""
    return can_handle(user, case) or letter.steps.filter(approver=user).exists()


def letter_of_case(case: Case, letter_id: int) -> OutgoingLetter | None:
    """A letter of this case (another case's letter looks missing)."""
    return case.letters.filter(pk=letter_id).first()


def case_letters(case: Case) -> list[OutgoingLetter]:
    """The case's letters, oldest first, with their approval steps."""
    return list(case.letters.prefetch_related("steps__approver").order_by("created_at"))


def letters_awaiting_approval_by(user: User, municipality: Municipality
                                 ) -> list[OutgoingLetter]:
    """Letters whose current approval step is this person's."""
    letters = (OutgoingLetter.objects.for_municipality(municipality)
               .filter(status=LetterStatus.AWAITING_APPROVAL, steps__approver=user,
                       steps__decision=ApprovalDecision.PENDING)
               .select_related("case").distinct())
    return [letter for letter in letters if pending_step(letter).approver_id == user.pk]


def letters_sent_to_resident_inbox(case: Case) -> QuerySet[OutgoingLetter]:
    """Sealed letters of the case sent to the resident's inbox in Ratusz, oldest first."""
    return (OutgoingLetter.objects.for_municipality(case.municipality_id)
            .filter(case=case, status=LetterStatus.SENT,
                    sending_method=SendingMethod.RESIDENT_INBOX)
            .order_by("letter_date", "pk"))


def sealed_letter_file(case: Case, letter_id: int) -> DocumentVersion | None:
    """The sealed PDF of a letter of the case sent to the resident's inbox."""
    letter = (letters_sent_to_resident_inbox(case)
              .filter(pk=letter_id, document__isnull=False).select_related("document")
              .first())
    return letter.document.versions.order_by("-number").first() if letter else None


# --- Pages of the workspace ------------------------------------------------------------------

def active_staff(municipality: Municipality) -> QuerySet[User]:
    """Staff members of the gmina who can be given work."""
    return list_staff(municipality).filter(is_active=True)


def approvers(municipality: Municipality) -> QuerySet[User]:
    """Active staff members who may approve letters."""
    staff = active_staff(municipality)
    return staff.filter(pk__in=[user.pk for user in staff
                                if has_permission(user, municipality, Permission.APPROVE)])


def departments_seen(user: User, municipality: Municipality) -> QuerySet[Department]:
    """Departments whose cases this staff member sees: all of the gmina for gmina-wide
    roles, else their own."""
    departments = list_departments(municipality)
    if sees_all_cases(user, municipality):
        return departments
    return departments.filter(pk__in=department_ids_of(user, municipality))


def active_department_by_symbol(municipality: Municipality, symbol: str) -> Department | None:
    return list_departments(municipality).filter(symbol=symbol.strip().upper()).first()


def my_open_cases(user: User, municipality: Municipality) -> QuerySet[Case]:
    """Open cases this person handles, the nearest deadline first."""
    return (visible_cases(user, municipality).select_related("department", "handler")
            .filter(handler=user, status__in=OPEN_STATUSES).order_by("deadline"))


def department_queue(user: User, municipality: Municipality) -> QuerySet[Case]:
    """Open cases of this person's departments handled by someone else (or nobody)."""
    return (visible_cases(user, municipality).select_related("department", "handler")
            .filter(department_id__in=department_ids_of(user, municipality),
                    status__in=OPEN_STATUSES)
            .exclude(handler=user).order_by("deadline"))


def narrow_cases(cases: QuerySet[Case], *, status: str = "", open_only: bool = False,
                 department_id: int | None = None, department_symbol: str = "",
                 overdue: bool = False) -> QuerySet[Case]:
    """A list of cases narrowed by status, department and deadline."""
    if status:
        cases = cases.filter(status=status)
    if open_only:
        cases = cases.exclude(status=CaseStatus.CLOSED)
    if department_id is not None:
        cases = cases.filter(department_id=department_id)
    if department_symbol:
        cases = cases.filter(department__symbol=department_symbol.upper())
    if overdue:
        cases = cases.filter(overdue_filter())
    return cases


def visible_case_by_mark(user: User, municipality: Municipality, mark: str) -> Case | None:
    return visible_cases(user, municipality).filter(mark=mark.strip()).first()


def entry_assignments(entry: IncomingEntry) -> QuerySet[Assignment]:
    """Every assignment of a registered item, the first first."""
    return (Assignment.objects.for_municipality(entry.municipality_id).filter(entry=entry)
            .select_related("to_department", "to_user", "assigned_by").order_by("created_at"))


def leading_department_id(entry: IncomingEntry) -> int | None:
    """The department the item is currently assigned to as leading, if any."""
    current = entry_assignments(entry).filter(is_current=True, is_leading=True).first()
    return current.to_department_id if current else None


def entry_files(entry: IncomingEntry) -> QuerySet[Document]:
    return (Document.objects.for_municipality(entry.municipality_id).filter(incoming=entry)
            .prefetch_related("versions"))


def entry_cases(entry: IncomingEntry) -> QuerySet[Case]:
    return Case.objects.for_municipality(entry.municipality_id).filter(incoming=entry)


def case_documents(case: Case) -> QuerySet[Document]:
    return (Document.objects.for_municipality(case.municipality_id).filter(case=case)
            .prefetch_related("versions").order_by("created_at"))


def case_parties(case: Case) -> list[CaseParty]:
    return list(CaseParty.objects.for_municipality(case.municipality_id).filter(case=case)
                .order_by("pk"))


def case_links(case: Case) -> tuple[QuerySet[CaseLink], QuerySet[CaseLink]]:
    """The links from this case to others, and from others to it."""
    links = CaseLink.objects.for_municipality(case.municipality_id)
    return (links.filter(from_case=case).select_related("to_case"),
            links.filter(to_case=case).select_related("from_case"))


def routing_rules(municipality: Municipality) -> QuerySet[RoutingRule]:
    return (RoutingRule.objects.for_municipality(municipality)
            .select_related("to_department", "to_user", "unit")
            .order_by("-is_active", "priority", "id"))


def access_routing_rule_by_id(municipality: Municipality, rule_id: int) -> RoutingRule | None:
    return RoutingRule.objects.for_municipality(municipality).filter(pk=rule_id).first()


def access_document_version_by_id(user: User, municipality: Municipality, version_id: int
                                  ) -> DocumentVersion | None:
    """A document version this person may open: of a case they see, or of a registered
    item they may register or that is assigned to them. Otherwise None, as if missing."""
    version = (DocumentVersion.objects.for_municipality(municipality)
               .select_related("document", "document__case").filter(pk=version_id).first())
    if version is None:
        return None
    document = version.document
    if document.case_id:
        allowed = access_case_by_id(user, municipality, document.case_id) is not None
    elif document.incoming_id:
        allowed = has_permission(user, municipality, Permission.REGISTER_CORRESPONDENCE) or \
            inbox_entries(user, municipality).filter(pk=document.incoming_id).exists()
    else:
        allowed = False
    return version if allowed else None


# --- The reply letter of a case (the e-services publish it in the BIP) ----------------------

def latest_sent_letter(case: Case) -> OutgoingLetter | None:
    """The case's latest sealed letter that was sent, or None. It carries `sealed_version`
    (the sealed PDF) and `last_approver` (who approved it last; None without approval)."""
    letter = (OutgoingLetter.objects.for_municipality(case.municipality_id)
              .filter(case=case, status=LetterStatus.SENT, document__isnull=False)
              .select_related("document").order_by("-sealed_at", "-pk").first())
    if letter is not None:
        letter.sealed_version = letter.document.versions.order_by("-number").first()
        step = (letter.steps.filter(decision=ApprovalDecision.APPROVED)
                .order_by("-round", "-order").select_related("approver").first())
        letter.last_approver = step.approver if step else None
    return letter
