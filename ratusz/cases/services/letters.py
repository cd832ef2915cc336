"""Outgoing letters: drafting, the approval path (akceptacja), sealing with the unit's
e-seal (PAdES) and sending through the outgoing register (RKW)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.cases import signals
from ratusz.cases.documents import inspect_upload
from ratusz.cases.errors import EzdError
from ratusz.cases.letters import render_letter_pdf
from ratusz.cases.models import (
    ApprovalDecision,
    ApprovalStep,
    Case,
    CaseAction,
    CaseStatus,
    Document,
    DocumentKind,
    LetterStatus,
    OutgoingEntry,
    OutgoingLetter,
    SendingMethod,
)
from ratusz.cases.selectors import default_approver, pending_step
from ratusz.cases.services.cases import CASE_CLOSED, lock_case, set_status_within
from ratusz.cases.services.checks import REASON_LIMIT, check_fields, check_text
from ratusz.cases.services.documents import (
    create_version,
    discard_stored_file,
    store_checked_file,
)
from ratusz.cases.services.numbering import next_in_sequence, rkw_number
from ratusz.cases.services.parties import check_ade_format
from ratusz.cases.services.record import person_label, record_case_event
from ratusz.cases.signing import seal_pdf
from ratusz.core.effects import after_commit, enqueue_after_commit
from ratusz.core.links import public_url

#: The task that tells the next approver, if they asked (services.notices).
APPROVAL_NOTICE_TASK = "cases.notify_approval_request"

LETTER_FIELDS = ("subject", "body", "addressee_name", "addressee_address", "addressee_city",
                 "sending_method", "addressee_ade")


@transaction.atomic(durable=True)
def draft_letter(case: Case, *, acting_user, subject: str, body: str, addressee_name: str,
                 addressee_address: str, addressee_city: str, sending_method: str = "post",
                 template: str = "", addressee_ade: str = ""):
    """Draft an outgoing letter of a case (`addressee_ade`: the addressee's address for
    e-Doręczenia, checked for its format)."""
    case = lock_case(case)
    if not case.is_open:
        raise EzdError("case_closed", CASE_CLOSED)
    values = {"subject": subject.strip(), "body": body.strip(),
              "addressee_name": addressee_name.strip(),
              "addressee_address": addressee_address.strip(),
              "addressee_city": addressee_city.strip()}
    for field, message in (("subject", _("Give the subject of the letter.")),
                           ("body", _("Write the text of the letter.")),
                           ("addressee_name", _("Give the addressee.")),
                           ("addressee_city", _("Give the addressee's town."))):
        if not values[field]:
            raise EzdError(f"{field}_required", message)
    check_fields(OutgoingLetter, template=template, **values)
    if sending_method not in SendingMethod.values:
        raise EzdError("sending_method_invalid", _("Choose the sending method from the list."))
    letter = OutgoingLetter.objects.create(municipality_id=case.municipality_id, case=case,
                                           template=template, sending_method=sending_method,
                                           addressee_ade=check_ade_format(addressee_ade),
                                           created_by=acting_user, **values)
    record_case_event(case, CaseAction.LETTER_DRAFTED, acting_user=acting_user,
                      description=f"Projekt pisma „{letter.subject}” do {letter.addressee_name}",
                      data={"letter": letter.pk})
    if case.status == CaseStatus.NEW:
        set_status_within(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    return letter


def _locked_letter(letter):
    return OutgoingLetter.objects.select_for_update().select_related("case").get(pk=letter.pk)


@transaction.atomic(durable=True)
def update_letter(letter, *, acting_user, **changes):
    """Edit a draft (or a returned letter) before it goes for approval."""
    lock_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status not in (LetterStatus.DRAFT, LetterStatus.RETURNED):
        raise EzdError("letter_locked",
                       _("A letter awaiting approval or approved cannot be changed."))
    for name, value in changes.items():
        if name not in LETTER_FIELDS:
            raise EzdError("field_not_changeable", name)
        value = value.strip() if isinstance(value, str) else value
        if name == "addressee_ade":
            value = check_ade_format(value)
        elif name != "sending_method":
            check_fields(OutgoingLetter, **{name: value})
        setattr(letter, name, value)
    letter.save(update_fields=list(changes))
    return letter


@transaction.atomic(durable=True)
def request_approval(letter, *, acting_user, approvers: list):
    """Send a letter along an approval path of one or more people, in order."""
    case = lock_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status not in (LetterStatus.DRAFT, LetterStatus.RETURNED):
        raise EzdError("letter_not_draft",
                       _("This letter is already awaiting approval or approved."))
    if not approvers:
        raise EzdError("approvers_required", _("Choose at least one person to approve."))
    for approver in approvers:
        if approver.municipality_id != case.municipality_id or not has_permission(
                approver, case.municipality, Permission.APPROVE):
            raise EzdError("approver_not_allowed", _("%(name)s may not approve letters."),
                           name=approver.get_full_name())
    round_number = (letter.steps.aggregate(m=Max("round"))["m"] or 0) + 1
    for order, approver in enumerate(approvers, start=1):
        ApprovalStep.objects.create(municipality_id=case.municipality_id, letter=letter,
                                    order=order, approver=approver, round=round_number)
    letter.status = LetterStatus.AWAITING_APPROVAL
    letter.save(update_fields=["status"])
    names = ", ".join(a.get_full_name() for a in approvers)
    record_case_event(case, CaseAction.APPROVAL_REQUESTED, acting_user=acting_user,
                      description=f"Przekazanie pisma „{letter.subject}” do akceptacji: {names}",
                      data={"letter": letter.pk, "round": round_number})
    if case.status == CaseStatus.IN_PROGRESS:
        set_status_within(case, CaseStatus.AWAITING_APPROVAL, acting_user=acting_user)
    enqueue_after_commit(APPROVAL_NOTICE_TASK, letter.pk)
    return letter


@transaction.atomic(durable=True)
def decide_approval(letter, *, acting_user, approve: bool, comment: str = ""):
    """The current approver approves (the next step follows; the last makes the letter
    approved) or returns the letter with comments."""
    check_text(comment, name="comment", limit=REASON_LIMIT)
    case = lock_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status != LetterStatus.AWAITING_APPROVAL:
        raise EzdError("not_awaiting_approval", _("This letter is not awaiting approval."))
    step = pending_step(letter)
    if step is None or step.approver_id != acting_user.pk:
        raise EzdError("not_your_turn", _("This letter awaits another person's approval."))
    if not approve and not comment.strip():
        raise EzdError("comment_required", _("Write what has to be corrected."))
    step.decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.RETURNED
    step.comment = comment.strip()
    step.decided_at = timezone.now()
    step.save(update_fields=["decision", "comment", "decided_at"])
    if approve:
        record_case_event(case, CaseAction.APPROVED, acting_user=acting_user,
                          description=f"Akceptacja pisma „{letter.subject}” "
                                      f"(krok {step.order})" + (f": {step.comment}"
                                                                if step.comment else ""),
                          data={"letter": letter.pk, "step": step.order})
        if pending_step(letter) is None:
            letter.status = LetterStatus.APPROVED
            letter.save(update_fields=["status"])
            if case.status == CaseStatus.AWAITING_APPROVAL:
                set_status_within(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
        else:
            enqueue_after_commit(APPROVAL_NOTICE_TASK, letter.pk)
    else:
        letter.steps.filter(decision=ApprovalDecision.PENDING).update(
            decision=ApprovalDecision.RETURNED, comment="(pominięte po zwrocie)")
        letter.status = LetterStatus.RETURNED
        letter.save(update_fields=["status"])
        record_case_event(case, CaseAction.RETURNED, acting_user=acting_user,
                          description=f"Zwrot pisma „{letter.subject}” do poprawy: "
                                      f"{step.comment}",
                          data={"letter": letter.pk, "step": step.order})
        if case.status == CaseStatus.AWAITING_APPROVAL:
            set_status_within(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    return letter


def _last_approval(letter) -> ApprovalStep | None:
    return letter.steps.filter(decision=ApprovalDecision.APPROVED).order_by(
        "-round", "-order").select_related("approver").first()


def _letter_pdf(letter, *, signer, letter_date, is_draft: bool = False) -> bytes:
    """The letter on the office's paper; every address printed on it is absolute, built
    from the URL's name and the platform's public address."""
    case = letter.case
    unit = case.unit
    municipality = case.municipality
    return render_letter_pdf(
        unit_name=unit.name, municipality_name=municipality.official_name,
        address_line=f"{unit.street} {unit.building}, {unit.postal_code} {unit.city}".strip(
            " ,"),
        case_mark=case.mark, letter_date=letter_date, addressee_name=letter.addressee_name,
        addressee_address=letter.addressee_address, addressee_city=letter.addressee_city,
        subject=letter.subject, body=letter.body,
        signer_name=signer.get_full_name() if signer else "",
        signer_position=signer.position if signer else "",
        verification_url=public_url("eservices:verify", municipality.slug),
        is_draft=is_draft,
    )


def render_letter_preview(letter) -> bytes:
    """The letter as it will be sent, as a PDF marked as a draft (no seal, nothing
    stored): dated today and signed by whoever approved it last, else the approver it
    waits for, else the department's head. A sealed letter's own PDF is its document."""
    signer = None
    last_approval = _last_approval(letter)
    if last_approval is not None:
        signer = last_approval.approver
    elif (step := pending_step(letter)) is not None:
        signer = step.approver
    else:
        signer = default_approver(letter.case)
    return _letter_pdf(letter, signer=signer, letter_date=timezone.localdate(),
                       is_draft=True)


@transaction.atomic(durable=True)
def withdraw_from_approval(letter, *, acting_user):
    """Take a letter awaiting approval (or approved, not yet sealed) back to its author's
    draft so it can be changed: the steps still pending are closed, the approvals given
    no longer count (it goes for approval again), and the case record says so."""
    case = lock_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status not in (LetterStatus.AWAITING_APPROVAL, LetterStatus.APPROVED):
        raise EzdError("letter_not_in_approval",
                       _("Only a letter awaiting approval or approved can be taken back."))
    letter.steps.filter(decision=ApprovalDecision.PENDING).update(
        decision=ApprovalDecision.RETURNED, comment="(wycofane do poprawy)")
    letter.status = LetterStatus.DRAFT
    letter.save(update_fields=["status"])
    record_case_event(case, CaseAction.LETTER_WITHDRAWN, acting_user=acting_user,
                      description=f"Wycofanie pisma „{letter.subject}” z akceptacji do "
                                  f"poprawy: pismo wraca do projektu",
                      data={"letter": letter.pk})
    if case.status == CaseStatus.AWAITING_APPROVAL:
        set_status_within(case, CaseStatus.IN_PROGRESS, acting_user=acting_user)
    return letter


def seal_letter(letter, *, acting_user):
    """Render the approved letter to PDF and seal it with the unit's e-seal (PAdES); the
    sealed PDF becomes a document of the case."""
    if letter.status != LetterStatus.APPROVED:
        raise EzdError("letter_not_approved", _("Only an approved letter can be sealed."))
    case = letter.case
    unit = case.unit
    last_approval = _last_approval(letter)
    signer = last_approval.approver if last_approval else acting_user
    letter_date = timezone.localdate()
    pdf = _letter_pdf(letter, signer=signer, letter_date=letter_date)
    sealed = seal_pdf(pdf, unit)
    name = f"{case.mark}-pismo-{letter.pk}.pdf"
    inspection = inspect_upload(name, sealed)
    path = store_checked_file(case.municipality_id, inspection, name, sealed)
    try:
        with transaction.atomic(durable=True):
            case = lock_case(case)
            letter = _locked_letter(letter)
            if letter.status != LetterStatus.APPROVED:
                raise EzdError("letter_not_approved", _("The letter has already been sealed."))
            document = Document.objects.create(
                municipality_id=case.municipality_id, case=case, title=letter.subject[:300],
                kind=DocumentKind.OUTGOING, created_by=acting_user)
            version = create_version(document, acting_user=acting_user, name=name,
                                     path=path, inspection=inspection)
            letter.document = document
            letter.status = LetterStatus.SEALED
            letter.sealed_at = timezone.now()
            letter.letter_date = letter_date
            letter.save(update_fields=["document", "status", "sealed_at", "letter_date"])
            record_case_event(case, CaseAction.SEALED, acting_user=acting_user,
                              description=f"Opatrzenie pisma „{letter.subject}” pieczęcią "
                                          f"elektroniczną {unit.name} (SHA-256 "
                                          f"{version.sha256[:16]}…)",
                              document=document, data={"letter": letter.pk})
            return letter
    except BaseException:
        discard_stored_file(path)
        raise


@transaction.atomic(durable=True)
def send_letter(letter, *, acting_user, sending_method: str | None = None):
    """Enter a sealed letter in the outgoing register (RKW/<n>/<yyyy>) and send it."""
    case = lock_case(letter.case)
    letter = _locked_letter(letter)
    if letter.status != LetterStatus.SEALED:
        raise EzdError("letter_not_sealed", _("Only a sealed letter can be sent."))
    method = sending_method or letter.sending_method
    if method not in SendingMethod.values:
        raise EzdError("sending_method_invalid", _("Choose the sending method from the list."))
    year = timezone.localdate().year
    sequence = next_in_sequence(case.municipality, f"rkw:{case.unit_id}", year)
    name, position = person_label(letter.created_by or acting_user)
    entry = OutgoingEntry.objects.create(
        municipality_id=case.municipality_id, unit=case.unit, year=year, sequence=sequence,
        number=rkw_number(sequence, year), letter=letter, case=case, title=letter.subject,
        addressee_name=letter.addressee_name, addressee_city=letter.addressee_city,
        addressee_country=letter.addressee_country, letter_date=letter.letter_date,
        sending_method=method, responsible_name=name, responsible_position=position,
        access_level=case.access_level,
    )
    letter.status = LetterStatus.SENT
    letter.sending_method = method
    letter.save(update_fields=["status", "sending_method"])
    record_case_event(case, CaseAction.SENT, acting_user=acting_user,
                      description=f"Wysłanie pisma „{letter.subject}” do "
                                  f"{letter.addressee_name} ({entry.number}, "
                                  f"{entry.get_sending_method_display()})",
                      document=letter.document, data={"rkw": entry.number})
    after_commit(signals.letter_sent.send, sender=Case, case_id=case.pk,
                 municipality_id=case.municipality_id, letter_id=letter.pk)
    return entry


@transaction.atomic(durable=True)
def record_letter_delivery(letter, *, status: str, sent_at=None, received_at=None,
                           channel: str = "", reason: str = "", evidences=()):
    """Keep a sent letter's delivery as the module that carried it reports it (the
    exchange, for e-Doręczenia): status (sent, delivered, deemed_delivered, failed), when
    it was sent and legally received, the channel, a failure's reason and the evidences
    [{kind, url}]. The evidences themselves that module enters in the case as documents."""
    OutgoingLetter.objects.filter(pk=letter.pk).update(delivery={
        "status": status, "sent_at": sent_at.isoformat() if sent_at else None,
        "received_at": received_at.isoformat() if received_at else None,
        "channel": channel, "reason": reason,
        "evidences": [{"kind": e["kind"], "url": e["url"]} for e in evidences]})
