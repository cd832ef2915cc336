"""The matter after submission: withdrawal by the resident, messages both ways (the
resident's with documents for the case), and the clerk confirming the fee."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases import services as ezd
from ratusz.cases.models import CaseAction, CaseStatus, DocumentKind
from ratusz.core.effects import after_commit
from ratusz.core.models import AuditAction, Municipality
from ratusz.core.services import record_audit
from ratusz.core.tenancy import tenant_context
from ratusz.eservices import case_news
from ratusz.eservices.errors import EserviceError
from ratusz.eservices.models import (
    FEE_OBLIGATION_PREFIX,
    FeeStatus,
    Message,
    MessageDirection,
    Submission,
)
from ratusz.eservices.services.attachments import UploadedFile
from ratusz.eservices.services.checks import refuse_unsafe
from ratusz.payments import selectors as payment_selectors
from ratusz.payments import services as payments


@transaction.atomic(durable=True)
def withdraw_submission(submission: Submission, *, acting_user, reason: str = ""
                        ) -> Submission:
    """The resident withdraws the request (KPA art. 105 § 1): recorded in the case, which
    the clerk then closes; the submission and its number stay."""
    refuse_unsafe(reason)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.withdrawn_at is not None:
        raise EserviceError("already_withdrawn", _("The request has already been withdrawn."))
    if not submission.case.is_open or submission.case.status == CaseStatus.SETTLED:
        raise EserviceError("case_settled", _("The case is already settled; the request "
                                              "cannot be withdrawn."))
    submission.withdrawn_at = timezone.now()
    submission.withdrawal_reason = reason.strip()[:2000]
    submission.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    case = ezd.lock_case(submission.case)
    ezd.record_case_event(case, CaseAction.NOTE_ADDED, acting_user=acting_user,
                          description="Wnioskodawca wycofał wniosek"
                                      + (f": {submission.withdrawal_reason}"
                                         if submission.withdrawal_reason else "."))
    if submission.fee_status == FeeStatus.AWAITING:
        # The fee of a withdrawn request is no longer asked for on the taxpayer account.
        payments.cancel_unpaid_fee(submission.municipality,
                                   external_id=submission.fee_obligation_id,
                                   acting_user=acting_user, reason="wniosek wycofany")
    Message.objects.create(municipality_id=submission.municipality_id, submission=submission,
                           direction=MessageDirection.FROM_RESIDENT, author=acting_user,
                           text="Wycofuję wniosek." + (f" {submission.withdrawal_reason}"
                                                       if submission.withdrawal_reason
                                                       else ""))
    return submission


@transaction.atomic(durable=True)
def send_message_to_resident(submission: Submission, *, acting_user, text: str) -> Message:
    """A message of the clerk in the resident's matter (shown in the account, e-mailed)."""
    text = (text or "").strip()
    if not text:
        raise EserviceError("text_required", _("Write the text of the message."))
    if len(text) > 10000:
        raise EserviceError("text_too_long", _("A message may have at most 10,000 "
                                               "characters."))
    refuse_unsafe(text)
    case = ezd.lock_case(submission.case)
    message = Message.objects.create(
        municipality_id=submission.municipality_id, submission=submission,
        direction=MessageDirection.TO_RESIDENT, author=acting_user, text=text)
    ezd.record_case_event(case, CaseAction.NOTE_ADDED, acting_user=acting_user,
                          description=f"Wiadomość do wnioskodawcy: {text[:400]}")
    after_commit(case_news.notify, submission.pk, "message", f"message:{message.pk}")
    return message


def reply_as_resident(submission: Submission, *, resident, text: str,
                      files: list[UploadedFile] | None = None) -> Message:
    """The resident answers in an open matter, optionally with documents (added to the
    case's files and recorded)."""
    text = (text or "").strip()
    files = files or []
    if not text and not files:
        raise EserviceError("text_required", _("Write the text of the reply or attach a file."))
    if len(text) > 10000:
        raise EserviceError("text_too_long", _("A reply may have at most 10,000 characters."))
    refuse_unsafe(text)
    if len(files) > 5:
        raise EserviceError("too_many_files", _("Attach at most 5 files at once."))
    if submission.withdrawn_at is not None or not submission.case.is_open:
        raise EserviceError("matter_closed", _("The case is closed or the request withdrawn."))
    inspections = []
    for file in files:
        try:
            inspections.append(ezd.inspect_upload(file.name, file.data,
                                                             with_preview=False))
        except ezd.UploadRejected as rejection:
            raise EserviceError("file_rejected", _("The file “%(name)s” was refused: %(reason)s"),
                                name=file.name, reason=rejection.message) from None
    paths = [ezd.store_checked_file(submission.municipality_id, inspection, file.name,
                                    file.data)
             for file, inspection in zip(files, inspections, strict=True)]
    try:
        with transaction.atomic(durable=True):
            case = ezd.lock_case(submission.case)
            document = None
            for file, inspection, path in zip(files, inspections, paths, strict=True):
                document = ezd.add_stored_document_within(
                    case, acting_user=resident, title=f"Od wnioskodawcy: {file.name}",
                    kind=DocumentKind.INCOMING, name=file.name, path=path,
                    inspection=inspection)
            message = Message.objects.create(
                municipality_id=submission.municipality_id, submission=submission,
                direction=MessageDirection.FROM_RESIDENT, author=resident,
                text=text or "(dokumenty w załączeniu)", document=document)
            ezd.record_case_event(case, CaseAction.NOTE_ADDED, acting_user=resident,
                                  description=f"Odpowiedź wnioskodawcy: {text[:400]}"
                                  if text else "Wnioskodawca dołączył dokumenty.")
            return message
    except BaseException:
        for path in paths:
            ezd.discard_stored_file(path)
        raise


@transaction.atomic(durable=True)
def confirm_fee(submission: Submission, *, acting_user) -> Submission:
    """The clerk confirms the fee has been paid; the case leaves the wait for the party."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.fee_status != FeeStatus.AWAITING:
        raise EserviceError("fee_not_awaited", _("This case is not awaiting a fee."))
    _fee_settled(submission, acting_user=acting_user,
                 note=f"opłata {submission.fee_amount} zł zaksięgowana")
    payments.close_fee_paid_elsewhere(submission.municipality,
                                      external_id=submission.fee_obligation_id,
                                      acting_user=acting_user, note="potwierdzona ręcznie")
    return submission


def _fee_settled(submission: Submission, *, acting_user, note: str) -> None:
    submission.fee_status = FeeStatus.CONFIRMED
    submission.fee_confirmed_at = timezone.now()
    submission.save(update_fields=["fee_status", "fee_confirmed_at"])
    case = ezd.lock_case(submission.case)
    if case.status == CaseStatus.AWAITING_PARTY:
        ezd.set_status_within(case, CaseStatus.IN_PROGRESS, acting_user=acting_user,
                              note=note)
    record_audit(municipality=submission.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=submission,
                 before={"fee_status": FeeStatus.AWAITING},
                 after={"fee_status": FeeStatus.CONFIRMED})


def record_fee_paid(municipality_id: int, external_id: str) -> bool:
    """Payments says the obligation `external_id` is paid (online or by transfer): if it
    is a submission's fee still awaited, the fee is settled and the case goes on."""
    key = external_id.removeprefix(FEE_OBLIGATION_PREFIX)
    if key == external_id or not key.isdigit():
        return False
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        return False
    with tenant_context(municipality), transaction.atomic(durable=True):
        submission = (Submission.objects.select_for_update()
                      .filter(municipality=municipality, pk=int(key)).first())
        if submission is None or submission.fee_status != FeeStatus.AWAITING:
            return False
        _fee_settled(submission, acting_user=None,
                     note=f"opłata {submission.fee_amount} zł zapłacona (konto podatnika)")
        return True


def settle_paid_fees(municipality: Municipality, *, limit: int = 500) -> int:
    """Settle the awaited fees that payments holds as paid though the submission missed
    the news (its receiver of `obligation_paid` failed, or the worker died after the
    payment's commit). The periodic `eservices.sweep_paid_fees` runs it for every gmina;
    returns how many fees it settled."""
    with tenant_context(municipality):
        awaited = list(Submission.objects.filter(municipality=municipality,
                                                 fee_status=FeeStatus.AWAITING)
                       .order_by("pk").values_list("pk", flat=True)[:limit])
        paid = payment_selectors.paid_external_ids(
            municipality, [f"{FEE_OBLIGATION_PREFIX}{pk}" for pk in awaited])
    return sum(record_fee_paid(municipality.pk, external_id) for external_id in sorted(paid))


@transaction.atomic(durable=True)
def mark_messages_read(submission: Submission, *, direction: str) -> int:
    """Mark the matter's unread messages in this direction as read; how many there were."""
    return Message.objects.filter(submission=submission, direction=direction,
                                  read_at__isnull=True).update(read_at=timezone.now())
