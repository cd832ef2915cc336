"""Submissions: checking a form's answers and files, filing it (registered in the RPW and
opened as a case in ONE transaction, the receipt and the news after commit), and
submissions without sign-in held until their e-mail address is confirmed (the link sent
again on request), whose sender then gets the receipt by e-mail."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ratusz.accounts import identity
from ratusz.accounts.services import link_resident
from ratusz.cases import services as ezd
from ratusz.cases.models import Channel, PartyKind
from ratusz.core.effects import after_commit, enqueue_after_commit
from ratusz.core.idempotency import check_repeat, scoped_key
from ratusz.core.models import Municipality
from ratusz.core.polish import gmina_names
from ratusz.core.selectors import list_locality_names
from ratusz.core.tenancy import tenant_context
from ratusz.eservices import case_news, forms_engine, receipts, selectors
from ratusz.eservices.errors import EserviceError, SubmissionRejected
from ratusz.eservices.links import status_url, verify_url
from ratusz.eservices.models import (
    Draft,
    FeeStatus,
    PendingSubmission,
    Service,
    Submission,
    SubmissionAttachment,
)
from ratusz.eservices.services.attachments import UploadedFile, check_attachments
from ratusz.eservices.services.drafts import stashed_files
from ratusz.payments import services as payments

PENDING_DAYS = 3


def _text(data: dict, *names: str) -> str:
    """The first non-empty answer among these field names."""
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def applicant_of(data: dict, resident, email: str) -> ezd.SenderData:
    """The sender of a submission for the register: from the answers, else the account."""
    organisation = _text(data, "organisation_name", "company_name", "full_name_company",
                         "name_full", "entity_name")
    first = _text(data, "first_name") or (resident.first_name if resident else "")
    last = _text(data, "last_name") or (resident.last_name if resident else "")
    address = {
        "city": _text(data, "city", "address_city", "locality"),
        "postal_code": _text(data, "postal_code", "address_postal_code"),
        "street": _text(data, "street", "address_street"),
        "building": _text(data, "building", "house_number", "address_building"),
        "flat": _text(data, "flat", "flat_number", "address_flat"),
        "email": _text(data, "email") or email or (resident.email if resident else ""),
    }
    address = {key: value[:limit] for (key, value), limit in zip(
        address.items(), (120, 12, 200, 20, 20, 254), strict=True)}
    if organisation and not last:
        return ezd.SenderData(kind=PartyKind.ORGANISATION,
                              organisation_name=organisation[:300], **address)
    if not last:
        last = address["email"] or "Nadawca e-usługi"
    return ezd.SenderData(kind=PartyKind.PERSON, first_name=first[:120], last_name=last[:120],
                          **address)


def _display_name(sender: ezd.SenderData) -> str:
    if sender.kind == PartyKind.ORGANISATION:
        return sender.organisation_name
    return f"{sender.first_name} {sender.last_name}".strip()


def digest_of(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _repeated(municipality_id: int, key: str, fingerprint: str) -> Submission | None:
    """The submission an earlier request with this key filed, or None; IdempotencyConflict
    when that request had another body."""
    existing = Submission.objects.for_municipality(municipality_id).filter(
        idempotency_key=key).first()
    if existing is not None:
        check_repeat(existing.idempotency_fingerprint, fingerprint)
    return existing


def _check_may_submit(service: Service, resident, email: str) -> None:
    if not service.is_published or service.current_form_id is None:
        raise EserviceError("service_not_found", _("There is no such service."))
    if resident is None and not service.allows_anonymous:
        raise EserviceError("sign_in_required",
                            _("This service needs you to sign in (to confirm your "
                              "identity)."))
    if resident is not None and not resident.is_resident:
        raise EserviceError("residents_only",
                            _("A request is made by a resident from their own account."))
    if resident is not None and service.requires_identification and \
            not identity.is_identified_account(resident):
        raise EserviceError("identification_required",
                            _("This service needs your identity confirmed: sign in through "
                              "login.gov.pl (profil zaufany, e-dowód, bank, mObywatel)."))
    if resident is None and not email:
        raise SubmissionRejected({"applicant_email": _("Give the e-mail address we shall send "
                                                       "the confirmation to.")})


def validate_submission(service: Service, data: dict, files: list[UploadedFile], *,
                        strict: bool) -> tuple[dict, list]:
    """Check answers and files against the service's current form; raise
    `SubmissionRejected` with every problem."""
    form = service.current_form
    localities = list_locality_names(service.municipality_id)
    result = forms_engine.validate(form.schema, form.layout, data, localities=localities,
                                   reject_unknown=strict)
    errors = dict(result.errors)
    shown = forms_engine.shown_fields(form.schema, form.layout, data)
    accepted = check_attachments(form.schema, {"__shown__": shown}, files, errors)
    order = {name: index for index, name in enumerate(forms_engine.field_order(form.layout))}
    if errors:
        raise SubmissionRejected(dict(sorted(
            errors.items(), key=lambda item: order.get(item[0].split(".")[0], len(order)))))
    return result.cleaned, accepted


def submit(service: Service, *, data: dict, files: list[UploadedFile] | None = None,
           resident=None, email: str = "", idempotency_key: str = "",
           fingerprint: str = "", strict: bool = False) -> tuple[Submission, bool]:
    """File a form: in ONE transaction the submission and its attachments (SHA-256), the
    RPW entry, the case under the card's JRWA class and department and the first entries
    of its record. The receipt follows after commit. Returns (submission, created).

    `idempotency_key` is the caller's scoped key (`ratusz.core.idempotency.scoped_key`:
    the token or the user, never the raw header): a retried call with it returns the first
    submission and creates nothing; with another body (its `fingerprint` differs) it raises
    `ratusz.core.idempotency.IdempotencyConflict`. Invalid answers raise
    `SubmissionRejected`; nothing is then stored."""
    email = (email or (resident.email if resident is not None else "")).strip()
    _check_may_submit(service, resident, email)
    if idempotency_key:
        existing = _repeated(service.municipality_id, idempotency_key, fingerprint)
        if existing is not None:
            return existing, False
    cleaned, accepted = validate_submission(service, data, files or [], strict=strict)
    return _file(service, cleaned=cleaned, accepted=accepted, resident=resident, email=email,
                 key=idempotency_key, fingerprint=fingerprint)


def _file(service, *, cleaned, accepted, resident, email, key, fingerprint="",
          stored_paths=None, pending=None):
    """Store the checked files, then record everything in one transaction; a failure
    leaves no file behind, a lost race for the idempotency key returns the winner."""
    municipality_id = service.municipality_id
    paths = stored_paths or [ezd.store_checked_file(municipality_id, inspection, file.name,
                                                    file.data)
                             for file, inspection in accepted]
    try:
        with transaction.atomic(durable=True):
            submission = _record(service, cleaned=cleaned, accepted=accepted, paths=paths,
                                 resident=resident, email=email, key=key,
                                 fingerprint=fingerprint, pending=pending)
    except IntegrityError:
        for path in paths:
            ezd.discard_stored_file(path)
        # A concurrent request with the same key committed first.
        existing = _repeated(municipality_id, key, fingerprint) if key else None
        if existing is not None:
            return existing, False
        raise
    except BaseException:
        for path in paths:
            ezd.discard_stored_file(path)
        raise
    return submission, True


def _record(service, *, cleaned, accepted, paths, resident, email, key, fingerprint="",
            pending=None) -> Submission:
    service = Service.objects.select_related("department__unit", "current_form").get(
        pk=service.pk)
    form = service.current_form
    unit = service.department.unit
    today = timezone.localdate()
    sender = applicant_of(cleaned, resident, email)
    entry = ezd.register_incoming_within(
        unit, acting_user=resident, title=service.name[:500], senders=[sender],
        received_on=today, channel=Channel.ESERVICE, document_type="wniosek",
        data_format="formularz elektroniczny (JSON)", attachments_count=len(accepted),
        access_level="non_public", service=service.slug[:120])
    documents = []
    properties = form.schema.get("properties", {})
    for (file, inspection), path in zip(accepted, paths, strict=True):
        title = f"{properties[file.field].get('title', file.field)}: {file.name}"
        documents.append(ezd.attach_stored_file_within(
            entry, acting_user=resident, title=title, name=file.name, path=path,
            inspection=inspection))
    applicant = _display_name(sender)
    case = ezd.open_case_within(
        unit, acting_user=resident, department=service.department,
        jrwa_symbol=service.jrwa_symbol, title=f"{service.name} – {applicant}"[:500],
        incoming=entry, description=f"Wniosek złożony elektronicznie ({service.name}).",
        deadline=today + timedelta(days=service.deadline_days), access_level="non_public")
    submission = Submission.objects.create(
        municipality_id=service.municipality_id, service=service, form_version=form,
        resident=resident, email=email, applicant_name=applicant[:300], data=cleaned,
        data_sha256=digest_of(cleaned), submitted_at=entry.registered_at, idempotency_key=key,
        idempotency_fingerprint=fingerprint if key else "", incoming=entry, case=case,
        fee_amount=service.fee_amount,
        fee_status=FeeStatus.AWAITING if service.has_fee else FeeStatus.NOT_REQUIRED)
    SubmissionAttachment.objects.bulk_create([
        SubmissionAttachment(municipality_id=service.municipality_id, submission=submission,
                             field=file.field, original_name=file.name[:255],
                             content_type=inspection.content_type, size=inspection.size,
                             sha256=inspection.sha256, path=path, document=document)
        for (file, inspection), path, document in zip(accepted, paths, documents, strict=True)
    ])
    if service.has_fee:
        if resident is not None:
            # An identified resident pays on the taxpayer account (payments: their
            # individual account number, the gateway); elsewhere a clerk confirms it.
            payments.charge_fee(service.municipality, user=resident,
                                external_id=submission.fee_obligation_id,
                                title=f"Opłata skarbowa – {service.name}",
                                amount=int(service.fee_amount * 100))
        ezd.await_party_within(case, acting_user=None,
                               note=f"oczekuje na opłatę {service.fee_amount} zł")
    if resident is not None:
        link_resident(service.municipality, resident)
        Draft.objects.filter(service=service, resident=resident).delete()
    if pending is not None:
        PendingSubmission.objects.filter(pk=pending.pk).update(submission=submission)
    if resident is None:
        # Someone without an account gets the receipt itself by e-mail (made for it), with
        # the case mark and the status code: all they need later.
        enqueue_after_commit("eservices.send_receipt_email", submission.pk)
    else:
        if not getattr(settings, "RATUSZ_RECEIPTS_ON_DEMAND", False):
            enqueue_after_commit("eservices.make_receipt", submission.pk)
        after_commit(case_news.notify, submission.pk, "submitted")
    return submission


def send_receipt_email(submission_id: int) -> bool:
    """E-mail the sender of a submission made without signing in its sealed receipt (the
    PDF attached), the case mark, the status code and the addresses of the status check
    and of the verification. Sent once: False when it was sent before or there is no one
    to send it to (safe to run twice)."""
    submission = selectors.submission_for_receipt(submission_id)
    if submission is None or submission.resident_id is not None or not submission.email or \
            submission.receipt_emailed_at is not None:
        return False
    municipality = submission.municipality
    with tenant_context(municipality), translation.override("pl"):
        pdf = receipts.read_receipt(submission, "pdf")
        body = render_to_string("eservices/email/received.txt", {
            "submission": submission, "case": submission.case, "municipality": municipality,
            "code": receipts.status_code(submission), "status_link": status_url(submission),
            "verify_link": verify_url(municipality),
            "received_by": gmina_names(municipality).agreeing(
                masculine="przyjął", feminine="przyjęła", neuter="przyjęło",
                plural="przyjęły")})
        message = EmailMessage(f"Wniosek przyjęty: {submission.case.mark}", body,
                               settings.DEFAULT_FROM_EMAIL, [submission.email])
        message.attach(receipts.receipt_file_name(submission, "pdf"), pdf, "application/pdf")
        message.send()
        with transaction.atomic(durable=True):
            Submission.objects.filter(pk=submission.pk).update(
                receipt_emailed_at=timezone.now())
    return True


def _hash_token(token: str) -> str:
    """Only the hash of a confirmation link's token is kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_anonymous_submission(service: Service, *, email: str, data: dict,
                                 files: list[UploadedFile] | None = None,
                                 confirm_url: str, form_token: str = "") -> PendingSubmission:
    """Check a submission made without signing in and hold it until its sender opens the
    link sent to the e-mail address. Nothing is registered before that."""
    email = (email or "").strip()
    try:
        forms_engine.check_email(email, _("E-mail address"), {})
    except forms_engine.FieldError as error:
        raise SubmissionRejected({"applicant_email": error.message}) from None
    _check_may_submit(service, None, email)
    cleaned, accepted = validate_submission(service, data, files or [], strict=False)
    token = secrets.token_urlsafe(32)
    paths = [ezd.store_checked_file(service.municipality_id, inspection, file.name, file.data)
             for file, inspection in accepted]
    stored = [{"field": file.field, "name": file.name, "path": path}
              for (file, _inspection), path in zip(accepted, paths, strict=True)]
    try:
        with transaction.atomic(durable=True):
            pending = PendingSubmission.objects.create(
                municipality_id=service.municipality_id, service=service,
                form_version=service.current_form, email=email, data=cleaned, files=stored,
                form_token=form_token[:64], token_hash=_hash_token(token),
                expires_at=timezone.now() + timedelta(days=PENDING_DAYS))
            enqueue_after_commit("eservices.send_confirmation_email", pending.pk,
                                 confirm_url.replace("TOKEN", token))
    except BaseException:
        for path in paths:
            ezd.discard_stored_file(path)
        raise
    return pending


def send_confirmation_email(pending_id: int, link: str) -> bool:
    """E-mail the link that files a held submission; False when there is nothing to
    confirm any more (safe to run twice)."""
    with tenant_context(None, all_municipalities=True):
        pending = PendingSubmission.objects.select_related("service", "municipality").filter(
            pk=pending_id).first()
    if pending is None or pending.submission_id is not None:
        return False
    with translation.override("pl"):
        body = render_to_string("eservices/email/confirm.txt", {
            "pending": pending, "link": link, "municipality": pending.municipality,
            "gmina": gmina_names(pending.municipality)})
    send_mail(f"Potwierdź wysłanie wniosku: {pending.service.name}", body,
              settings.DEFAULT_FROM_EMAIL, [pending.email])
    return True


def send_confirmation_again(pending: PendingSubmission, *, email: str,
                            confirm_url: str) -> PendingSubmission:
    """Send the link of a held submission again, to the same or a corrected address,
    without filling in the form again: a new link, valid `PENDING_DAYS` from now (the old
    one stops working). An answer that was the old address becomes the new one."""
    email = (email or "").strip()
    try:
        forms_engine.check_email(email, _("E-mail address"), {})
    except forms_engine.FieldError as error:
        raise SubmissionRejected({"email": error.message}) from None
    token = secrets.token_urlsafe(32)
    data = {key: email if isinstance(value, str) and value.strip() == pending.email else value
            for key, value in pending.data.items()}
    with transaction.atomic(durable=True):
        changed = PendingSubmission.objects.filter(
            pk=pending.pk, submission__isnull=True).update(
            email=email, data=data, token_hash=_hash_token(token),
            expires_at=timezone.now() + timedelta(days=PENDING_DAYS))
        if not changed:
            raise EserviceError("already_sent", _("This request has already been sent to the "
                                                  "office."))
        enqueue_after_commit("eservices.send_confirmation_email", pending.pk,
                             confirm_url.replace("TOKEN", token))
    pending.refresh_from_db()
    return pending


def confirm_anonymous_submission(municipality: Municipality, token: str
                                 ) -> tuple[Submission, bool]:
    """File a held submission once its e-mail address is confirmed (opening the link again
    gives the same submission)."""
    pending = PendingSubmission.objects.for_municipality(municipality).filter(
        token_hash=_hash_token(token or "")).select_related("service").first()
    if pending is None:
        raise EserviceError("link_invalid", _("The confirmation link is not valid."))
    if pending.submission_id is not None:
        return pending.submission, False
    if pending.expires_at < timezone.now():
        raise EserviceError("link_expired", _("The confirmation link has expired. Make the "
                                              "request again."))
    accepted = [(file, ezd.inspect_upload(file.name, file.data, with_preview=False))
                for file in stashed_files(pending.files)]
    paths = [item["path"] for item in pending.files]
    # A form sent twice without sign-in makes two held submissions with one form token:
    # the first confirmed is filed, the other's link gives the same submission.
    key = scoped_key(f"email:{pending.email.lower()}",
                     f"form:{pending.form_token}" if pending.form_token
                     else f"pending:{pending.public_id}")
    submission, created = _file(pending.service, cleaned=pending.data, accepted=accepted,
                                resident=None, email=pending.email, key=key,
                                stored_paths=paths, pending=pending)
    if not created:
        _link_pending(pending, submission)
    return submission, created


@transaction.atomic(durable=True)
def _link_pending(pending: PendingSubmission, submission: Submission) -> None:
    PendingSubmission.objects.filter(pk=pending.pk).update(submission=submission)
