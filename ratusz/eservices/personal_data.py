"""The e-services' part of a resident's RODO rights (`ratusz.core.personal_data`): what the
resident filed in the gmina's e-office (submissions with their answers, attachments and
receipts, the messages of each matter), what they were still filling in (drafts) and what
they sent without signing in and never confirmed.

Erasure removes drafts and unconfirmed submissions. A submission that became a case stays:
it is part of the case file, which the office keeps under the instrukcja kancelaryjna for
its archival category; while its case is open, nothing is erased."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ratusz.cases import services as ezd
from ratusz.core.effects import after_commit
from ratusz.core.personal_data import ErasurePlan, Provider, Retained, Section, register
from ratusz.eservices.models import Draft, Message, PendingSubmission, Submission
from ratusz.eservices.services import discard_stashed

#: The keys of a form's saved state that are not answers (the form view's own).
STATE_KEYS = ("__files__", "__token__")


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _submissions(municipality, user):
    return (Submission.objects.for_municipality(municipality).filter(resident=user)
            .select_related("service", "case", "incoming").prefetch_related("attachments")
            .order_by("submitted_at"))


def _drafts(municipality, user):
    return (Draft.objects.for_municipality(municipality).filter(resident=user)
            .select_related("service").order_by("updated_at"))


def _unconfirmed(municipality, user):
    """Submissions sent without signing in from the account's address, never confirmed."""
    if not user.email:
        return PendingSubmission.objects.none()
    return (PendingSubmission.objects.for_municipality(municipality)
            .filter(email__iexact=user.email, submission__isnull=True)
            .select_related("service").order_by("created_at"))


def export(municipality, user) -> list[Section]:
    submissions = list(_submissions(municipality, user))
    messages = (Message.objects.for_municipality(municipality)
                .filter(submission__in=submissions).select_related("submission__case")
                .order_by("created_at", "pk"))
    return [
        Section("submissions", _("Requests filed in the e-office"), [
            {"service": submission.service.name, "case_mark": submission.case.mark,
             "incoming_number": submission.incoming.number,
             "submitted_at": _iso(submission.submitted_at),
             "applicant": submission.applicant_name, "email": submission.email,
             "answers": submission.data, "answers_sha256": submission.data_sha256,
             "attachments": [{"name": attachment.original_name,
                              "content_type": attachment.content_type,
                              "size": attachment.size, "sha256": attachment.sha256}
                             for attachment in submission.attachments.all()],
             "fee": str(submission.fee_amount) if submission.fee_amount is not None else "",
             "fee_status": submission.fee_status,
             "withdrawn_at": _iso(submission.withdrawn_at),
             "withdrawal_reason": submission.withdrawal_reason,
             "receipt_issued_at": _iso(submission.receipt_created_at)}
            for submission in submissions]),
        Section("messages", _("Messages in your matters"), [
            {"case_mark": message.submission.case.mark, "direction": message.direction,
             "sent_at": _iso(message.created_at), "read_at": _iso(message.read_at),
             "text": message.text} for message in messages]),
        Section("drafts", _("Forms you started filling in"), [
            {"service": draft.service.name, "saved_at": _iso(draft.updated_at),
             "answers": {key: value for key, value in draft.data.items()
                         if key not in STATE_KEYS},
             "attachments": [item.get("name", "") for item in draft.data.get("__files__", [])]}
            for draft in _drafts(municipality, user)]),
        Section("unconfirmed_submissions",
                _("Requests sent without signing in and not confirmed"), [
                    {"service": pending.service.name, "email": pending.email,
                     "sent_at": _iso(pending.created_at), "expires_at": _iso(pending.expires_at),
                     "answers": pending.data,
                     "attachments": [item.get("name", "") for item in pending.files]}
                    for pending in _unconfirmed(municipality, user)]),
    ]


def plan(municipality, user) -> ErasurePlan:
    result = ErasurePlan("eservices", erasable=[
        _("forms the resident started filling in (drafts) and their attached files"),
        _("requests sent without signing in from the account's e-mail address and never "
          "confirmed")])
    for submission in _submissions(municipality, user):
        case = submission.case
        if case.is_open:
            result.blockers.append(
                _("The request “%(service)s” (case %(mark)s) is still being handled.")
                % {"service": submission.service.name, "mark": case.mark})
            continue
        result.retained.append(Retained(
            _("the request “%(service)s” (case %(mark)s) with its answers, attachments, "
              "receipt and messages") % {"service": submission.service.name,
                                         "mark": case.mark},
            ezd.retention_reason(case), ezd.retention_end(case)))
    return result


def erase(municipality, user) -> dict:
    drafts = list(_drafts(municipality, user))
    pending = list(_unconfirmed(municipality, user))
    stashed = [item for draft in drafts for item in draft.data.get("__files__", [])]
    held = [file["path"] for submission in pending for file in submission.files]
    Draft.objects.filter(pk__in=[draft.pk for draft in drafts]).delete()
    PendingSubmission.objects.filter(pk__in=[item.pk for item in pending]).delete()
    after_commit(discard_stashed, stashed)
    for path in held:
        after_commit(ezd.discard_stored_file, path)
    return {"drafts": len(drafts), "unconfirmed_submissions": len(pending)}


register(Provider("eservices", export=export, plan=plan, erase=erase))
