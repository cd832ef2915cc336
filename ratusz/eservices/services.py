"""Writes of the e-services: publishing the library, cards and forms, drafts, submissions
(registered and opened as cases in one transaction), withdrawals, messages, fees."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.utils import timezone

from ratusz.accounts import identity
from ratusz.cases import documents as case_documents
from ratusz.cases import services as ezd
from ratusz.cases.models import CaseAction, CaseStatus, Channel, DocumentKind, PartyKind
from ratusz.core.models import AuditAction, Department, Municipality
from ratusz.core.selectors import list_locality_names
from ratusz.core.services import record_audit
from ratusz.eservices import forms_engine
from ratusz.eservices.library import library_services
from ratusz.eservices.models import (
    Draft,
    FeeStatus,
    FormStatus,
    FormVersion,
    Message,
    MessageDirection,
    PendingSubmission,
    Service,
    Submission,
    SubmissionAttachment,
)

PENDING_DAYS = 3
MIME_OF_TYPE = {"pdf": {"application/pdf"}, "jpg": {"image/jpeg"}, "png": {"image/png"},
                "tif": {"image/tiff"}, "odt": {"application/vnd.oasis.opendocument.text"},
                "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml."
                         "document"},
                "xml": {"application/xml", "text/xml"}, "txt": {"text/plain"},
                "zip": {"application/zip"}}
EXTENSIONS_OF_TYPE = {"jpg": {"jpg", "jpeg"}, "tif": {"tif", "tiff"}}


class EserviceError(ValueError):
    """A refused action, with a code and a Polish message for the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class SubmissionRejected(ValueError):
    """Invalid answers or files: one Polish message per field path, in form order."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = errors


@dataclass
class UploadedFile:
    field: str
    name: str
    data: bytes


# --- The library and the cards ------------------------------------------------------------

def _search_text(service: Service) -> str:
    return " ".join([service.name, service.summary, service.purpose, *service.keywords,
                     service.get_category_display()]).lower()


def _department(municipality: Municipality, symbol: str) -> Department | None:
    return Department.objects.for_municipality(municipality).filter(
        symbol=symbol, is_active=True).first()


@transaction.atomic(durable=True)
def publish_library(municipality: Municipality, *, acting_user, fee_account: str = "",
                    publish: bool = True) -> tuple[int, int]:
    """Copy every library service the gmina does not yet have into it, published, with
    version 1 of its form. Returns (added, already there). A service whose department the
    gmina lacks goes to the first department of the office."""
    existing = set(Service.objects.for_municipality(municipality).values_list("slug",
                                                                                flat=True))
    fallback = Department.objects.for_municipality(municipality).filter(
        is_active=True).order_by("symbol").first()
    if fallback is None:
        raise EserviceError("no_department",
                            "Gmina nie ma żadnej komórki organizacyjnej, która obsłuży usługi.")
    added = 0
    now = timezone.now()
    for definition in library_services():
        if definition["slug"] in existing:
            continue
        form = definition["form"]
        forms_engine.require_valid_definition(form["schema"], form["layout"])
        fee = definition.get("fee") or None
        service = Service(
            municipality=municipality, slug=definition["slug"], name=definition["name"],
            category=definition["category"], summary=definition["summary"],
            purpose=definition["purpose"], who_may_apply=definition["who_may_apply"],
            required_documents=definition.get("required_documents", []),
            fee_amount=Decimal(fee["amount"]) if fee and fee.get("amount") else None,
            fee_description=(fee or {}).get("description", ""),
            fee_account=fee_account if fee else "",
            deadline_days=definition["deadline_days"],
            deadline_description=definition["deadline_description"],
            legal_basis=definition.get("legal_basis", []),
            department=_department(municipality, definition["department"]) or fallback,
            jrwa_symbol=definition["jrwa_symbol"],
            maturity_level=definition["maturity_level"],
            requires_identification=definition["requires_identification"],
            allows_anonymous=definition["allows_anonymous"],
            keywords=definition.get("keywords", []), library_slug=definition["slug"],
            is_published=publish, created_at=now, updated_at=now,
        )
        service.search_text = _search_text(service)
        service.save()
        version = FormVersion.objects.create(
            municipality=municipality, service=service, number=1, title=form["title"],
            schema=form["schema"], layout=form["layout"], status=FormStatus.PUBLISHED,
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
            published_at=now)
        Service.objects.filter(pk=service.pk).update(current_form=version)
        added += 1
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, object_type="eservices.library",
                 object_id=municipality.slug, after={"added": added})
    return added, len(existing)


CARD_FIELDS = ("name", "category", "summary", "purpose", "who_may_apply",
               "required_documents", "fee_amount", "fee_description", "fee_account",
               "deadline_days", "deadline_description", "legal_basis", "department",
               "jrwa_symbol", "maturity_level", "requires_identification",
               "allows_anonymous", "is_published")


@transaction.atomic(durable=True)
def update_service_card(service: Service, *, acting_user, **changes) -> Service:
    """Change a card. The JRWA class must be a final class of the office; a fee needs an
    account; a service open without sign-in cannot require identification."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = {name: str(getattr(service, name)) for name in changes if name in CARD_FIELDS}
    for name, value in changes.items():
        if name not in CARD_FIELDS:
            raise EserviceError("unknown_field", f"Nieznane pole karty: {name}.")
        setattr(service, name, value)
    if service.department.municipality_id != service.municipality_id:
        raise EserviceError("department_not_found", "Nie ma takiej komórki organizacyjnej.")
    if ezd.final_class(service.department.unit, service.jrwa_symbol) is None:
        raise EserviceError("jrwa_not_final", f"Symbol {service.jrwa_symbol} nie jest klasą "
                                              f"końcową JRWA urzędu.")
    if service.fee_amount is not None and service.fee_amount <= 0:
        raise EserviceError("fee_not_positive", "Opłata musi być większa od zera (albo pusta).")
    if service.fee_amount is not None and not service.fee_account:
        raise EserviceError("fee_account_required", "Podaj numer rachunku do wpłaty opłaty.")
    if service.allows_anonymous and service.requires_identification:
        raise EserviceError("anonymous_with_identification",
                            "Usługa dostępna bez logowania nie może wymagać identyfikacji.")
    if not 1 <= service.maturity_level <= 5:
        raise EserviceError("maturity_level", "Poziom dojrzałości to liczba od 1 do 5.")
    service.updated_at = timezone.now()
    service.search_text = _search_text(service)
    service.save()
    record_audit(municipality=service.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=service, before=before,
                 after={name: str(getattr(service, name)) for name in before})
    return service


# --- Forms ---------------------------------------------------------------------------------

@transaction.atomic(durable=True)
def open_form_draft(service: Service, *, acting_user) -> FormVersion:
    """The draft of the next form version (made from the current one if there is none)."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    draft = FormVersion.objects.filter(service=service, status=FormStatus.DRAFT).first()
    if draft is not None:
        return draft
    current = service.current_form
    last = FormVersion.objects.filter(service=service).order_by("-number").first()
    return FormVersion.objects.create(
        municipality_id=service.municipality_id, service=service,
        number=(last.number + 1) if last else 1,
        title=current.title if current else service.name,
        schema=current.schema if current else {"type": "object", "properties": {},
                                               "required": [],
                                               "additionalProperties": False},
        layout=current.layout if current else {"pages": [{"title": "Wniosek", "sections": [
            {"title": "Treść", "fields": []}]}], "fields": {}},
        status=FormStatus.DRAFT, created_by=acting_user)


@transaction.atomic(durable=True)
def save_form_draft(form: FormVersion, *, acting_user, schema: dict, layout: dict,
                    title: str | None = None) -> FormVersion:
    """Store an edited draft. It may be incomplete; publishing checks it whole."""
    form = FormVersion.objects.select_for_update().get(pk=form.pk)
    if form.status != FormStatus.DRAFT:
        raise EserviceError("form_not_draft", "Opublikowanej wersji formularza nie można "
                                              "zmieniać; zmiany trafiają do nowej wersji.")
    form.schema, form.layout = schema, layout
    if title is not None:
        title = title.strip()
        if not title:
            raise EserviceError("title_required", "Podaj tytuł formularza.")
        form.title = title[:200]
    form.save(update_fields=["schema", "layout", "title"])
    return form


@transaction.atomic(durable=True)
def publish_form(form: FormVersion, *, acting_user) -> FormVersion:
    """Make a checked draft the form of the service. Submissions already made keep their
    version; drafts of residents move to the new version at their next step."""
    form = FormVersion.objects.select_for_update().get(pk=form.pk)
    if form.status != FormStatus.DRAFT:
        raise EserviceError("form_not_draft", "Ta wersja formularza jest już opublikowana.")
    problems = forms_engine.check_definition(form.schema, form.layout)
    if problems:
        raise forms_engine.DefinitionError(problems)
    now = timezone.now()
    FormVersion.objects.filter(service_id=form.service_id,
                               status=FormStatus.PUBLISHED).update(status=FormStatus.RETIRED)
    form.status, form.published_at = FormStatus.PUBLISHED, now
    form.save(update_fields=["status", "published_at"])
    Service.objects.filter(pk=form.service_id).update(current_form=form, updated_at=now)
    record_audit(municipality=form.service.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=form.service,
                 after={"form_version": form.number})
    return form


@transaction.atomic(durable=True)
def discard_form_draft(form: FormVersion, *, acting_user) -> None:
    deleted, _ = FormVersion.objects.filter(pk=form.pk, status=FormStatus.DRAFT).delete()
    if not deleted:
        raise EserviceError("form_not_draft", "Usunąć można tylko wersję roboczą.")


# --- Drafts of residents ----------------------------------------------------------------

def save_draft(service: Service, *, resident, data: dict, page: int) -> Draft:
    """Keep what a signed-in resident has typed so far (one draft per service)."""
    draft, _ = Draft.objects.update_or_create(
        municipality_id=service.municipality_id, service=service, resident=resident,
        defaults={"data": data, "page": page, "form_version": service.current_form,
                  "updated_at": timezone.now()})
    return draft


def discard_draft(service: Service, *, resident) -> None:
    Draft.objects.filter(service=service, resident=resident).delete()


# --- Submissions ---------------------------------------------------------------------------

def decode_api_attachments(schema: dict, data: dict) -> tuple[dict, list[UploadedFile],
                                                              dict[str, str]]:
    """Split base64 attachments `{filename, content}` out of API answers."""
    answers, files, errors = dict(data), [], {}
    for name, prop in schema.get("properties", {}).items():
        if not forms_engine.is_attachment(prop) or name not in answers:
            continue
        items = answers.pop(name)
        if items in (None, []):
            continue
        if not isinstance(items, list):
            errors[name] = f"Pole „{prop.get('title', name)}” musi być listą plików."
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("filename"), str) or \
                    not isinstance(item.get("content"), str):
                errors[f"{name}.{index}"] = "Plik podaj jako {filename, content (base64)}."
                continue
            try:
                content = base64.b64decode(item["content"], validate=True)
            except (binascii.Error, ValueError):
                errors[f"{name}.{index}"] = (f"Treść pliku „{item['filename']}” nie jest "
                                             f"poprawnym base64.")
                continue
            files.append(UploadedFile(name, PurePath(item["filename"]).name, content))
    return answers, files, errors


def check_attachments(schema: dict, answers: dict, files: list[UploadedFile],
                      errors: dict[str, str]) -> list[tuple[UploadedFile, object]]:
    """Check the files of each attachment field: count, declared type, size and content
    (bytes that are not what the name says, active content, macros). Returns the accepted
    files with their inspection; problems go into `errors`."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    shown = set(answers.get("__shown__", properties))
    accepted = []
    for name, prop in properties.items():
        if not forms_engine.is_attachment(prop) or name not in shown:
            continue
        title = prop.get("title", name)
        own = [file for file in files if file.field == name]
        minimum = prop.get("minItems", 1 if name in required else 0)
        if len(own) < minimum:
            errors[name] = f"Dołącz plik w polu „{title}”." if minimum == 1 else \
                f"Dołącz co najmniej {minimum} pliki w polu „{title}”."
            continue
        if len(own) > prop.get("maxItems", 10):
            errors[name] = f"W polu „{title}” można dołączyć najwyżej {prop['maxItems']} plików."
            continue
        for file in own:
            try:
                inspection = check_one_attachment(prop, file)
            except EserviceError as error:
                errors[name] = error.message
                break
            accepted.append((file, inspection))
    for file in files:
        if file.field not in properties or not forms_engine.is_attachment(
                properties[file.field]):
            errors.setdefault(file.field, "Ten formularz nie przyjmuje tu plików.")
    return accepted


def check_one_attachment(prop: dict, file: UploadedFile):
    """Check one file for an attachment field: declared type, size, and content (bytes
    that are not what the name says, active content, macros). Returns the inspection or
    raises `EserviceError` with the reason in Polish."""
    title = prop.get("title", file.field)
    options = prop["x-attachment"]
    limit = int(float(options["max_size_mb"]) * 1024 * 1024)
    allowed_types = options.get("accept", [])
    allowed_extensions, allowed_mime = set(), set()
    for kind in allowed_types:
        allowed_extensions |= EXTENSIONS_OF_TYPE.get(kind, {kind})
        allowed_mime |= MIME_OF_TYPE.get(kind, set())
    extension = PurePath(file.name).suffix.lower().lstrip(".")
    if extension not in allowed_extensions:
        raise EserviceError("file_type", f"Plik „{file.name}” w polu „{title}” ma niedozwolony "
                                         f"typ. Dozwolone: {', '.join(allowed_types)}.")
    if len(file.data) > limit:
        raise EserviceError("file_too_large", f"Plik „{file.name}” w polu „{title}” jest za "
                                              f"duży: najwyżej {options['max_size_mb']} MB.")
    try:
        inspection = case_documents.inspect_upload(file.name, file.data, with_preview=False)
    except case_documents.UploadRejected as rejection:
        raise EserviceError("file_rejected", f"Plik „{file.name}” w polu „{title}” "
                                             f"odrzucono: {rejection}") from None
    if allowed_mime and inspection.content_type not in allowed_mime:
        raise EserviceError("file_mislabelled", f"Plik „{file.name}” w polu „{title}” nie "
                                                f"jest tym, na co wskazuje jego nazwa.")
    return inspection


def _text(data: dict, *names: str) -> str:
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


def _scoped_key(resident, email: str, key: str) -> str:
    if not key:
        return ""
    key = key.strip()
    if len(key) > 80 or not key.isprintable():
        raise EserviceError("idempotency_key_invalid",
                            "Nagłówek Idempotency-Key może mieć najwyżej 80 znaków.")
    owner = f"u{resident.pk}" if resident is not None else \
        "e" + hashlib.sha256(email.lower().encode()).hexdigest()[:16]
    return f"{owner}:{key}"


def _check_may_submit(service: Service, resident, email: str) -> None:
    if not service.is_published or service.current_form_id is None:
        raise EserviceError("service_not_found", "Nie ma takiej usługi.")
    if resident is None and not service.allows_anonymous:
        raise EserviceError("sign_in_required",
                            "Ta usługa wymaga zalogowania (potwierdzenia tożsamości).")
    if resident is not None and not resident.is_resident:
        raise EserviceError("residents_only", "Wniosek składa mieszkaniec ze swojego konta.")
    if resident is not None and service.requires_identification and \
            not identity.is_identified_account(resident):
        raise EserviceError("identification_required",
                            "Ta usługa wymaga potwierdzenia tożsamości: zaloguj się przez "
                            "login.gov.pl (profil zaufany, e-dowód, bank, mObywatel).")
    if resident is None and not email:
        raise SubmissionRejected({"applicant_email": "Podaj adres e-mail, na który wyślemy "
                                                     "potwierdzenie."})


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
           strict: bool = False) -> tuple[Submission, bool]:
    """File a form: in ONE transaction the submission and its attachments (SHA-256), the
    RPW entry, the case under the card's JRWA class and department and the first entries
    of its record. The receipt follows after commit. Returns (submission, created); a
    retried call with the same idempotency key returns the first submission and creates
    nothing. Invalid answers raise `SubmissionRejected`; nothing is then stored."""
    email = (email or (resident.email if resident is not None else "")).strip()
    _check_may_submit(service, resident, email)
    key = _scoped_key(resident, email, idempotency_key)
    if key:
        existing = Submission.objects.for_municipality(service.municipality_id).filter(
            idempotency_key=key).first()
        if existing is not None:
            return existing, False
    cleaned, accepted = validate_submission(service, data, files or [], strict=strict)
    return _file(service, cleaned=cleaned, accepted=accepted, resident=resident, email=email,
                 key=key)


def _file(service, *, cleaned, accepted, resident, email, key, stored_paths=None):
    municipality_id = service.municipality_id
    paths = stored_paths or [ezd.store_checked_file(municipality_id, inspection, file.name,
                                                    file.data)
                             for file, inspection in accepted]
    try:
        with transaction.atomic(durable=True):
            submission = _record(service, cleaned=cleaned, accepted=accepted, paths=paths,
                                 resident=resident, email=email, key=key)
    except IntegrityError:
        for path in paths:
            ezd.discard_stored_file(path)
        if key:
            existing = Submission.objects.for_municipality(municipality_id).filter(
                idempotency_key=key).first()
            if existing is not None:
                return existing, False
        raise
    except BaseException:
        for path in paths:
            ezd.discard_stored_file(path)
        raise
    return submission, True


def _record(service, *, cleaned, accepted, paths, resident, email, key) -> Submission:
    from ratusz.accounts.services import link_resident

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
        incoming=entry, case=case, fee_amount=service.fee_amount,
        fee_status=FeeStatus.AWAITING if service.has_fee else FeeStatus.NOT_REQUIRED)
    SubmissionAttachment.objects.bulk_create([
        SubmissionAttachment(municipality_id=service.municipality_id, submission=submission,
                             field=file.field, original_name=file.name[:255],
                             content_type=inspection.content_type, size=inspection.size,
                             sha256=inspection.sha256, path=path, document=document)
        for (file, inspection), path, document in zip(accepted, paths, documents, strict=True)
    ])
    if service.has_fee:
        ezd.await_party_within(case, acting_user=None,
                               note=f"oczekuje na opłatę {service.fee_amount} zł")
    if resident is not None:
        link_resident(service.municipality, resident)
        Draft.objects.filter(service=service, resident=resident).delete()
    transaction.on_commit(partial(_after_submission, submission.pk))
    return submission


def _after_submission(submission_id: int) -> None:
    from ratusz.eservices import tasks

    tasks.enqueue_receipt(submission_id)


# --- Without sign-in -------------------------------------------------------------------------

def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_anonymous_submission(service: Service, *, email: str, data: dict,
                                 files: list[UploadedFile] | None = None,
                                 confirm_url: str, form_token: str = "") -> PendingSubmission:
    """Check a submission made without signing in and hold it until its sender opens the
    link sent to the e-mail address. Nothing is registered before that."""
    email = (email or "").strip()
    try:
        forms_engine._check_email(email, "Adres e-mail", {})
    except forms_engine.FieldError as error:
        raise SubmissionRejected({"applicant_email": str(error)}) from None
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
            transaction.on_commit(partial(_send_confirmation, pending.pk,
                                          confirm_url.replace("TOKEN", token)))
    except BaseException:
        for path in paths:
            ezd.discard_stored_file(path)
        raise
    return pending


def _send_confirmation(pending_id: int, link: str) -> None:
    from ratusz.eservices import tasks

    tasks.enqueue_confirmation_email(pending_id, link)


def confirm_anonymous_submission(municipality: Municipality, token: str
                                 ) -> tuple[Submission, bool]:
    """File a held submission once its e-mail address is confirmed (opening the link again
    gives the same submission)."""
    from django.core.files.storage import default_storage

    pending = PendingSubmission.objects.for_municipality(municipality).filter(
        token_hash=_hash_token(token or "")).select_related("service").first()
    if pending is None:
        raise EserviceError("link_invalid", "Link potwierdzający jest nieprawidłowy.")
    if pending.submission_id is not None:
        return pending.submission, False
    if pending.expires_at < timezone.now():
        raise EserviceError("link_expired", "Link potwierdzający wygasł. Złóż wniosek "
                                            "ponownie.")
    accepted, paths = [], []
    for item in pending.files:
        with default_storage.open(item["path"], "rb") as handle:
            data = handle.read()
        file = UploadedFile(item["field"], item["name"], data)
        accepted.append((file, case_documents.inspect_upload(file.name, data,
                                                             with_preview=False)))
        paths.append(item["path"])
    submission, created = _file(pending.service, cleaned=pending.data, accepted=accepted,
                                resident=None, email=pending.email,
                                key=_scoped_key(None, pending.email,
                                                f"form:{pending.form_token}"
                                                if pending.form_token
                                                else f"pending:{pending.public_id}"),
                                stored_paths=paths)
    PendingSubmission.objects.filter(pk=pending.pk).update(submission=submission)
    return submission, created


# --- The matter after submission -------------------------------------------------------------

@transaction.atomic(durable=True)
def withdraw_submission(submission: Submission, *, acting_user, reason: str = ""
                        ) -> Submission:
    """The resident withdraws the request (KPA art. 105 § 1): recorded in the case, which
    the clerk then closes; the submission and its number stay."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.withdrawn_at is not None:
        raise EserviceError("already_withdrawn", "Wniosek został już wycofany.")
    if not submission.case.is_open or submission.case.status == CaseStatus.SETTLED:
        raise EserviceError("case_settled", "Sprawa jest już załatwiona; wycofać wniosku "
                                            "nie można.")
    submission.withdrawn_at = timezone.now()
    submission.withdrawal_reason = reason.strip()[:2000]
    submission.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    case = ezd.lock_case(submission.case)
    ezd.record_case_event(case, CaseAction.NOTE_ADDED, acting_user=acting_user,
                          description="Wnioskodawca wycofał wniosek"
                                      + (f": {submission.withdrawal_reason}"
                                         if submission.withdrawal_reason else "."))
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
        raise EserviceError("text_required", "Wpisz treść wiadomości.")
    if len(text) > 10000:
        raise EserviceError("text_too_long", "Wiadomość może mieć najwyżej 10 000 znaków.")
    case = ezd.lock_case(submission.case)
    message = Message.objects.create(
        municipality_id=submission.municipality_id, submission=submission,
        direction=MessageDirection.TO_RESIDENT, author=acting_user, text=text)
    ezd.record_case_event(case, CaseAction.NOTE_ADDED, acting_user=acting_user,
                          description=f"Wiadomość do wnioskodawcy: {text[:400]}")
    transaction.on_commit(partial(_message_email, submission.pk, message.pk))
    return message


def _message_email(submission_id: int, message_id: int) -> None:
    from ratusz.eservices import tasks

    tasks.enqueue_message_email(submission_id, message_id)


def reply_as_resident(submission: Submission, *, resident, text: str,
                      files: list[UploadedFile] | None = None) -> Message:
    """The resident answers in an open matter, optionally with documents (added to the
    case's files and recorded)."""
    text = (text or "").strip()
    files = files or []
    if not text and not files:
        raise EserviceError("text_required", "Wpisz treść odpowiedzi albo dołącz plik.")
    if len(text) > 10000:
        raise EserviceError("text_too_long", "Odpowiedź może mieć najwyżej 10 000 znaków.")
    if len(files) > 5:
        raise EserviceError("too_many_files", "Dołącz najwyżej 5 plików naraz.")
    if submission.withdrawn_at is not None or not submission.case.is_open:
        raise EserviceError("matter_closed", "Sprawa jest zakończona albo wniosek wycofany.")
    inspections = []
    for file in files:
        try:
            inspections.append(case_documents.inspect_upload(file.name, file.data,
                                                             with_preview=False))
        except case_documents.UploadRejected as rejection:
            raise EserviceError("file_rejected",
                                f"Plik „{file.name}” odrzucono: {rejection}") from None
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
        raise EserviceError("fee_not_awaited", "Ta sprawa nie czeka na opłatę.")
    submission.fee_status = FeeStatus.CONFIRMED
    submission.fee_confirmed_at = timezone.now()
    submission.save(update_fields=["fee_status", "fee_confirmed_at"])
    case = ezd.lock_case(submission.case)
    if case.status == CaseStatus.AWAITING_PARTY:
        ezd.set_status_within(case, CaseStatus.IN_PROGRESS, acting_user=acting_user,
                              note=f"opłata {submission.fee_amount} zł zaksięgowana")
    record_audit(municipality=submission.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=submission,
                 before={"fee_status": FeeStatus.AWAITING},
                 after={"fee_status": FeeStatus.CONFIRMED})
    return submission


def mark_messages_read(submission: Submission, *, direction: str) -> int:
    return Message.objects.filter(submission=submission, direction=direction,
                                  read_at__isnull=True).update(read_at=timezone.now())
