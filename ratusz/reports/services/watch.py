"""The watch's reminders (before the deadline the handler, on it the head of department,
after it the secretary; a weekly digest per department), the announcement of a notice of
delay, and the resident's ponaglenie (KPA art. 37), registered like any incoming letter.

Reminders go through the notifications module's outbox (e-mail), once per matter, stage,
deadline and person: the watch run twice sends nothing twice."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.permissions import Role
from ratusz.cases import services as ezd
from ratusz.cases.models import Channel
from ratusz.core.effects import enqueue_after_commit
from ratusz.core.links import public_url
from ratusz.core.models import Municipality
from ratusz.core.selectors import list_departments, list_municipalities
from ratusz.core.tenancy import tenant_context
from ratusz.core.text import first_unsafe_character
from ratusz.eservices import services as eservices
from ratusz.notifications import services as notifications
from ratusz.notifications.models import Channel as MessageChannel
from ratusz.notifications.models import MessageKind
from ratusz.reports import deadlines, sources
from ratusz.reports.models import (
    ClockAdjustment,
    MarkedCase,
    MatterClock,
    Ponaglenie,
    ReminderStage,
    WatchReminder,
    WatchSettings,
)
from ratusz.reports.services.clocks import REASON_LIMIT, WatchError, track_cases
from ratusz.reports.services.partnerships import record_inquiry_answer
from ratusz.reports.services.rollups import mark_pending

#: The task that brings the marked cases up to date (`track_marked`).
TRACK_MARKED_TASK = "reports.track_marked"
#: Most marks one run of it reads.
TRACK_BATCH = 5000

#: Matters a digest lists: overdue, or due within this many days.
DIGEST_HORIZON = timedelta(days=7)


def watch_settings(municipality: Municipality) -> WatchSettings:
    """The gmina's settings (the defaults until someone saves them)."""
    found = WatchSettings.objects.for_municipality(municipality).first()
    return found or WatchSettings(municipality=municipality)


@transaction.atomic(durable=True)
def save_watch_settings(municipality: Municipality, *, acting_user, remind_days_before: int,
                        escalate_days_after: int, digest_weekday: int, is_active: bool
                        ) -> WatchSettings:
    """Change how the watch reminds (days are 0–60; the weekday 0–6)."""
    if not (0 <= remind_days_before <= 60 and 0 <= escalate_days_after <= 60
            and 0 <= digest_weekday <= 6):
        raise WatchError("settings_invalid", _("Give days from 0 to 60 and a weekday."))
    settings, _created = WatchSettings.objects.update_or_create(
        municipality=municipality, defaults={
            "remind_days_before": remind_days_before,
            "escalate_days_after": escalate_days_after, "digest_weekday": digest_weekday,
            "is_active": is_active})
    return settings


def _email(municipality: Municipality, *, key: str, user, subject: str, body: str) -> bool:
    if not user.email:
        return False
    return notifications.queue_message(
        municipality, key=key, kind=MessageKind.CASE_NEWS, channel=MessageChannel.EMAIL,
        recipient=user.email, subject=subject[:200], body=body) is not None


def _remind(municipality, clock: MatterClock, stage: str, user, subject: str, body: str
            ) -> bool:
    """Record and queue one reminder unless it was sent before."""
    reminder, created = WatchReminder.objects.get_or_create(
        municipality=municipality, case_id=clock.case_id, stage=stage,
        deadline=clock.deadline, recipient=user)
    if not created:
        return False
    return _email(municipality, key=f"reports:{stage}:{clock.case_id}:{clock.deadline}:"
                                    f"{user.pk}", user=user, subject=subject, body=body)


def _case_link(municipality: Municipality, case_id: int) -> str:
    return public_url("ezd:case-detail", municipality.slug, case_id)


def _reminder_text(municipality, clock: MatterClock, stage: str, today: date
                   ) -> tuple[str, str]:
    basis = deadlines.LEGAL_BASIS.get(clock.kind, "")
    if clock.is_extended:
        basis = deadlines.DELAY_NOTICE_BASIS
    lines = {
        ReminderStage.BEFORE: (f"Termin sprawy {clock.case_mark} upływa {clock.deadline:%d.%m.%Y}",
                               "Zbliża się termin załatwienia sprawy, którą prowadzisz."),
        ReminderStage.DUE: (f"Dziś upływa termin sprawy {clock.case_mark}",
                            "Dziś upływa termin załatwienia sprawy Twojego referatu."),
        ReminderStage.LATE: (f"Sprawa {clock.case_mark} po terminie "
                             f"({(today - clock.deadline).days} dni)",
                             "Sprawa nie została załatwiona w terminie."),
    }
    subject, lead = lines[stage]
    body = (f"{lead}\n\nZnak sprawy: {clock.case_mark}\nTermin: {clock.deadline:%d.%m.%Y} "
            f"({basis})\n\n{_case_link(municipality, clock.case_id)}\n\nJeżeli sprawa nie "
            "zostanie załatwiona w terminie, należy zawiadomić strony o przyczynach zwłoki i "
            "wskazać nowy termin (art. 36 KPA).\n")
    return subject, body


def _department_heads(municipality: Municipality) -> dict[int, object]:
    return {department.pk: department.head for department in list_departments(municipality)
            if department.head is not None and department.head.is_active}


@transaction.atomic(durable=True)
def run_watch(municipality: Municipality, *, today: date | None = None) -> int:
    """Send the reminders due today for the gmina's open matters; returns how many were
    queued. Safe to run as often as wanted."""
    today = today or timezone.localdate()
    settings = watch_settings(municipality)
    if not settings.is_active:
        return 0
    horizon = today + timedelta(days=settings.remind_days_before)
    clocks = list(MatterClock.objects.for_municipality(municipality)
                  .filter(is_open=True, is_test=False, deadline__lte=horizon)
                  .select_related("handler").order_by("deadline", "pk"))
    if not clocks:
        return 0
    heads = _department_heads(municipality)
    secretaries = sources.staff_with_role(municipality, Role.SECRETARY)
    sent = 0
    for clock in clocks:
        if clock.deadline > today and clock.handler is not None and clock.handler.is_active:
            sent += _remind(municipality, clock, ReminderStage.BEFORE, clock.handler,
                            *_reminder_text(municipality, clock, ReminderStage.BEFORE, today))
        if clock.deadline <= today and clock.department_id in heads:
            sent += _remind(municipality, clock, ReminderStage.DUE, heads[clock.department_id],
                            *_reminder_text(municipality, clock, ReminderStage.DUE, today))
        if today >= clock.deadline + timedelta(days=max(1, settings.escalate_days_after)):
            for secretary in secretaries:
                sent += _remind(municipality, clock, ReminderStage.LATE, secretary,
                                *_reminder_text(municipality, clock, ReminderStage.LATE,
                                                today))
    sent += _tell_residents(municipality, [clock for clock in clocks if clock.deadline < today])
    return sent


def _tell_residents(municipality: Municipality, late: list[MatterClock]) -> int:
    """The day after the deadline, a late matter filed through the e-office by a signed-in
    resident is to say so in the resident's matter (`tell_resident_late`, after commit).
    Once per matter and deadline in force (a notice of delay's new date, if missed, is
    told again). Returns how many were queued."""
    late = [clock for clock in late if clock.channel == Channel.ESERVICE]
    if not late:
        return 0
    told = set(WatchReminder.objects.for_municipality(municipality).filter(
        stage=ReminderStage.RESIDENT, case_id__in=[clock.case_id for clock in late])
        .values_list("case_id", "deadline"))
    sent = 0
    for clock in late:
        if (clock.case_id, clock.deadline) in told:
            continue
        submission = sources.submission_of_case(municipality, clock.case_mark)
        if submission is None or submission.resident_id is None:
            continue
        reminder = WatchReminder.objects.create(
            municipality=municipality, case_id=clock.case_id, stage=ReminderStage.RESIDENT,
            deadline=clock.deadline, recipient_id=submission.resident_id)
        enqueue_after_commit("reports.tell_resident_late", reminder.pk, municipality.pk)
        sent += 1
    return sent


def tell_resident_late(reminder_id: int, municipality: Municipality) -> bool:
    """The message in the resident's late matter (an office's message, e-mailed like any
    other): the deadline, its legal basis, and the link to the ponaglenie (art. 37).
    Nothing if the matter was settled or got a new date in the meantime."""
    reminder = WatchReminder.objects.for_municipality(municipality).filter(
        pk=reminder_id, stage=ReminderStage.RESIDENT).first()
    if reminder is None:
        return False
    clock = matter_clock(municipality, reminder.case_id)
    if (clock is None or not clock.is_open or clock.deadline != reminder.deadline
            or clock.deadline >= timezone.localdate()):
        return False
    submission = sources.submission_of_case(municipality, clock.case_mark)
    if submission is None or submission.resident_id != reminder.recipient_id:
        return False
    eservices.send_message_to_resident(submission, acting_user=None,
                                       text=late_notice_text(municipality, clock, submission))
    return True


def late_notice_text(municipality: Municipality, clock: MatterClock, submission) -> str:
    """What the resident reads in the late matter (Polish, like the record it joins)."""
    basis = (deadlines.DELAY_NOTICE_BASIS if clock.is_extended
             else deadlines.LEGAL_BASIS.get(clock.kind, ""))
    link = public_url("indicators:ponaglenie", municipality.slug, submission.public_id)
    return (f"Termin załatwienia sprawy {clock.case_mark} upłynął "
            f"{clock.deadline:%d.%m.%Y} ({basis}), a sprawa nie jest jeszcze załatwiona. "
            f"Możesz wnieść ponaglenie ({deadlines.PONAGLENIE_BASIS}) jednym krokiem: "
            f"{link}")


@transaction.atomic(durable=True)
def send_digests(municipality: Municipality, *, today: date | None = None) -> int:
    """On the gmina's digest weekday: each department's head gets the list of its open
    matters overdue or due within a week (once a week). Returns digests queued."""
    today = today or timezone.localdate()
    settings = watch_settings(municipality)
    if not settings.is_active or today.weekday() != settings.digest_weekday:
        return 0
    week = today - timedelta(days=today.weekday())
    clocks = list(MatterClock.objects.for_municipality(municipality)
                  .filter(is_open=True, is_test=False, deadline__lte=today + DIGEST_HORIZON)
                  .order_by("department_id", "deadline"))
    by_department: dict[int, list[MatterClock]] = {}
    for clock in clocks:
        by_department.setdefault(clock.department_id, []).append(clock)
    sent = 0
    for department in list_departments(municipality):
        matters = by_department.get(department.pk)
        if not matters or department.head is None or not department.head.is_active:
            continue
        _reminder, created = WatchReminder.objects.get_or_create(
            municipality=municipality, case=None, department=department,
            stage=ReminderStage.DIGEST, deadline=week, recipient=department.head)
        if not created:
            continue
        overdue = [clock for clock in matters if clock.deadline < today]
        lines = [f"- {clock.case_mark}: termin {clock.deadline:%d.%m.%Y}"
                 + (f" (po terminie {(today - clock.deadline).days} dni)"
                    if clock.deadline < today else "") for clock in matters]
        body = (f"Referat {department.symbol} – sprawy po terminie: {len(overdue)}, z terminem "
                f"w ciągu 7 dni: {len(matters) - len(overdue)}.\n\n" + "\n".join(lines)
                + "\n\n" + public_url("reports-staff:overdue", municipality.slug) + "\n")
        sent += _email(municipality, key=f"reports:digest:{department.pk}:{week}",
                       user=department.head,
                       subject=f"Terminy spraw referatu {department.symbol} – tydzień "
                               f"{week:%d.%m.%Y}", body=body)
    return sent


# --- The notice of delay reaches the case record and the resident ---------------------------

def announce_adjustment(adjustment_id: int, municipality: Municipality) -> bool:
    """Write the notice of delay into the case record and, for a matter filed through the
    e-office, into the resident's matter (its news goes out by e-mail). Once only."""
    adjustment = (ClockAdjustment.objects.for_municipality(municipality)
                  .select_related("created_by").filter(pk=adjustment_id).first())
    if adjustment is None or adjustment.announced_at is not None:
        return False
    case = sources.case_by_id(municipality, adjustment.case_id)
    if case is None:
        return False
    if adjustment.kind == "delay_notice":
        text = (f"Zawiadomienie o niezałatwieniu sprawy w terminie "
                f"({deadlines.DELAY_NOTICE_BASIS}). Przyczyna: {adjustment.reason} "
                f"Nowy termin załatwienia sprawy: "
                f"{adjustment.new_deadline:%d.%m.%Y}. Na niezałatwienie sprawy w terminie "
                f"przysługuje ponaglenie ({deadlines.PONAGLENIE_BASIS}).")
    else:
        text = (f"Sprawa uznana za szczególnie skomplikowaną (art. 35 § 3 KPA); termin "
                f"załatwienia: {adjustment.new_deadline:%d.%m.%Y}. Uzasadnienie: "
                f"{adjustment.reason}")
    submission = sources.submission_of_case(municipality, case.mark)
    if submission is not None and submission.resident_id is not None:
        eservices.send_message_to_resident(submission, acting_user=adjustment.created_by,
                                           text=text)
    else:
        ezd.add_note(case, acting_user=adjustment.created_by, text=text)
    ClockAdjustment.objects.filter(pk=adjustment.pk).update(announced_at=timezone.now())
    return True


# --- The ponaglenie (art. 37) --------------------------------------------------------------

def late_matter(municipality: Municipality, submission) -> MatterClock | None:
    """The clock of the resident's matter, if the matter is open and past its deadline."""
    clock = MatterClock.objects.for_municipality(municipality).filter(
        case_id=submission.case_id).first()
    if clock is None or not clock.is_open or clock.deadline >= timezone.localdate():
        return None
    return clock


def matter_clock(municipality: Municipality, case_id: int) -> MatterClock | None:
    return MatterClock.objects.for_municipality(municipality).filter(case_id=case_id).first()


@transaction.atomic(durable=True)
def file_ponaglenie(municipality: Municipality, submission, *, resident,
                    reasons: str) -> Ponaglenie:
    """The resident's ponaglenie on their late matter: registered in the RPW like any
    incoming letter (received today, through the e-office), to be forwarded within 7
    days (art. 37 § 4). Refused before the deadline (art. 37 § 3a) and twice a day."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise WatchError("reasons_required", _("Give the reasons of the ponaglenie."))
    if len(reasons) > REASON_LIMIT or first_unsafe_character(reasons) is not None:
        raise WatchError("reasons_invalid", _("The reasons are too long or have characters "
                                              "that cannot be stored."))
    if submission.resident_id != resident.pk:
        raise WatchError("matter_not_found", _("There is no such matter."))
    clock = late_matter(municipality, submission)
    if clock is None:
        raise WatchError("not_late", _("The office is not late with this matter: a "
                                       "ponaglenie can be sent once its deadline has "
                                       "passed."))
    today = timezone.localdate()
    if Ponaglenie.objects.for_municipality(municipality).filter(
            case_id=clock.case_id, filed_at__date=today).exists():
        raise WatchError("already_sent", _("A ponaglenie on this matter was already sent "
                                           "today."))
    case = sources.case_by_id(municipality, clock.case_id)
    sender = ezd.SenderData(kind="person", first_name=resident.first_name[:120],
                            last_name=(resident.last_name or resident.username)[:120],
                            email=resident.email or "")
    entry = ezd.register_incoming_within(
        case.unit, acting_user=resident, title=f"Ponaglenie (art. 37 KPA) w sprawie {case.mark}",
        senders=[sender], received_on=today, channel=Channel.ESERVICE,
        document_type="ponaglenie", sender_reference=case.mark, remarks=reasons,
        access_level="non_public")
    ponaglenie = Ponaglenie.objects.create(
        municipality=municipality, case_id=case.pk, incoming=entry, resident=resident,
        forward_by=today + timedelta(days=deadlines.PONAGLENIE_FORWARD_DAYS))
    enqueue_after_commit("reports.route_ponaglenie", ponaglenie.pk, municipality.pk)
    return ponaglenie


def route_ponaglenie(ponaglenie_id: int, municipality: Municipality) -> bool:
    """Assign the registered ponaglenie to the case's department (and handler) with the
    7-day instruction, and tell the head and the secretary. Once only."""
    ponaglenie = (Ponaglenie.objects.for_municipality(municipality)
                  .select_related("incoming").filter(pk=ponaglenie_id).first())
    if ponaglenie is None or ponaglenie.routed_at is not None:
        return False
    case = sources.case_by_id(municipality, ponaglenie.case_id)
    ezd.assign_entry(ponaglenie.incoming, acting_user=None, to_department=case.department,
                     to_user=case.handler if case.handler_id and case.handler.is_active
                     else None,
                     instructions=f"Ponaglenie w sprawie {case.mark}: przekazać organowi "
                                  f"wyższego stopnia z odpisem akt i stanowiskiem w ciągu 7 "
                                  f"dni ({deadlines.PONAGLENIE_BASIS} § 4).",
                     due_date=ponaglenie.forward_by)
    _tell_about_ponaglenie(municipality, ponaglenie, case)
    return True


@transaction.atomic(durable=True)
def _tell_about_ponaglenie(municipality, ponaglenie: Ponaglenie, case) -> None:
    clock = MatterClock.objects.for_municipality(municipality).get(case_id=case.pk)
    people = {user.pk: user for user in sources.staff_with_role(municipality, Role.SECRETARY)}
    heads = _department_heads(municipality)
    if case.department_id in heads:
        people[heads[case.department_id].pk] = heads[case.department_id]
    if case.handler_id and case.handler.is_active:
        people[case.handler_id] = case.handler
    body = (f"Wpłynęło ponaglenie ({deadlines.PONAGLENIE_BASIS}) w sprawie {case.mark} "
            f"(RPW {ponaglenie.incoming.number}).\nTermin sprawy: {clock.deadline:%d.%m.%Y}.\n"
            f"Ponaglenie należy przekazać organowi wyższego stopnia wraz z odpisem akt i "
            f"stanowiskiem do {ponaglenie.forward_by:%d.%m.%Y}.\n\n"
            f"{_case_link(municipality, case.pk)}\n")
    for user in people.values():
        WatchReminder.objects.get_or_create(
            municipality=municipality, case_id=case.pk, stage=ReminderStage.PONAGLENIE,
            deadline=ponaglenie.forward_by, recipient=user)
        _email(municipality, key=f"reports:ponaglenie:{ponaglenie.pk}:{user.pk}", user=user,
               subject=f"Ponaglenie w sprawie {case.mark}", body=body)
    Ponaglenie.objects.filter(pk=ponaglenie.pk).update(routed_at=timezone.now())


def track_after_event(municipality_id: int, case_id: int) -> None:
    """A receiver's entry: the clock of one case brought up to date."""
    track_cases(municipality_id, [case_id])


def note_case_event(municipality_id: int, case_id: int, *, answers_inquiry: bool) -> None:
    """A case changed (status, letter sent): marked, one insert; `track_marked` brings its
    clock, its days' figures and a test inquiry it answers up to date in a batch. The
    first mark of a gmina queues that work at once; the marks that follow while it waits
    ride along, and beat runs it every minute for any left behind."""
    # One statement: the mark, and the earliest mark of the gmina (PostgreSQL's subquery
    # sees the table before the insert, SQLite's after it: either way an earlier mark
    # waiting has a smaller id). The gmina by its id only: the row's foreign key checks it.
    table = connection.ops.quote_name(MarkedCase._meta.db_table)
    with tenant_context(Municipality(pk=municipality_id)), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (municipality_id, case_id, answers_inquiry, marked_at) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s) RETURNING id, (SELECT MIN(id) FROM {table} "
            f"WHERE municipality_id = %s)",
            [municipality_id, case_id, answers_inquiry,
             connection.ops.adapt_datetimefield_value(timezone.now()), municipality_id])
        mark_id, earliest = cursor.fetchone()
    waiting = earliest is not None and earliest < mark_id
    if not waiting:
        enqueue_after_commit(TRACK_MARKED_TASK)


def track_marked(*, limit: int = TRACK_BATCH) -> int:
    """Bring the marked cases of every gmina up to date, `limit` marks at most (the rest
    in the next run, queued at once); returns how many marks were read."""
    with tenant_context(None, all_municipalities=True):
        rows = list(MarkedCase.objects.order_by("pk").values_list(
            "pk", "municipality_id", "case_id", "answers_inquiry")[:limit])
    by_gmina: dict[int, list[tuple]] = {}
    for row in rows:
        by_gmina.setdefault(row[1], []).append(row)
    for municipality_id, marks in by_gmina.items():
        municipality = _municipality(municipality_id)
        if municipality is not None:
            with tenant_context(municipality):
                track_cases(municipality, sorted({mark[2] for mark in marks}))
                for case_id in sorted({mark[2] for mark in marks if mark[3]}):
                    record_inquiry_answer(municipality, case_id)
        # Read marks go (tracking again is harmless: a crash before this repeats it).
        with tenant_context(None, all_municipalities=True):
            MarkedCase.objects.filter(pk__in=[mark[0] for mark in marks]).delete()
    if len(rows) == limit:
        enqueue_after_commit(TRACK_MARKED_TASK)
    return len(rows)


def note_new_unit(municipality_id: int) -> None:
    """A unit was added: today's figures (and the units' list) are recomputed."""
    mark_pending(municipality_id, timezone.localdate())


def _municipality(municipality_id: int):
    return list_municipalities(include_inactive=True).filter(pk=municipality_id).first()
