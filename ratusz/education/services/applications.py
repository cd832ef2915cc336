"""Applications: a parent identified through login.gov.pl applies for a child with up to
`max_preferences` institutions in order (art. 150, art. 156 [unverified: three unless the
organ allows more]), declares the criteria and attaches the statements or documents; the
commission of the first-choice institution verifies them (art. 150 ust. 7, art. 157); the
parent confirms the will to take the place (art. 158 ust. 3 with the timetable)."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.accounts import services as account_services
from ratusz.cases.services import UploadRejected, inspect_upload
from ratusz.core.effects import after_commit
from ratusz.core.models import AuditAction, Locality
from ratusz.core.services import record_audit
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    Application,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Criterion,
    DeclarationStatus,
    DeclaredCriterion,
    Enrolment,
    EnrolmentSource,
    Offer,
    Preference,
    Round,
)
from ratusz.education.services import news
from ratusz.education.services.children import ChildData, child_for
from ratusz.education.services.common import clean_text, lock_campaign, polish_date, today
from ratusz.education.services.enrolments import admit_within

MAX_DOCUMENTS = 10


@dataclass
class Upload:
    name: str
    data: bytes


@dataclass
class StoredUpload:
    name: str
    path: str
    content_type: str
    size: int
    sha256: str


@dataclass
class ApplicationData:
    """What a parent files; `criteria` are (criterion id, institution offer id or None)."""

    child: ChildData
    preferences: list[int]
    is_resident: bool
    address: str
    guardian_name: str
    criteria: list[tuple[int, int | None]] = field(default_factory=list)
    locality_id: int | None = None
    email: str = ""
    phone: str = ""
    statement_accepted: bool = False
    kind: str = ApplicationKind.APPLICATION


def store_uploads(municipality_id: int, uploads: list[Upload]) -> list[StoredUpload]:
    """Check each file by its content (not its name) and store it, before the transaction
    that records it; a refused file raises with the reason."""
    if len(uploads) > MAX_DOCUMENTS:
        raise EducationError("too_many_documents", _("Attach at most %(limit)s files."),
                             limit=MAX_DOCUMENTS)
    stored = []
    for upload in uploads:
        try:
            inspection = inspect_upload(upload.name, upload.data, with_preview=False)
        except UploadRejected as error:
            raise EducationError("upload_rejected", _("The file %(name)s was refused: "
                                                      "%(reason)s"),
                                 name=upload.name[:100], reason=error.message) from error
        extension = PurePath(upload.name).suffix.lower()[:10]
        path = f"education/{municipality_id}/{inspection.sha256[:2]}/" \
               f"{inspection.sha256}{extension}"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(upload.data))
        stored.append(StoredUpload(upload.name[:200], path, inspection.content_type,
                                   len(upload.data), inspection.sha256))
    return stored


def _within_window(campaign: Campaign, received_on: datetime.date, round_: str) -> None:
    if round_ == Round.SUPPLEMENTARY:
        start, end = campaign.supplementary_from, campaign.supplementary_until
    else:
        start, end = campaign.applications_from, campaign.applications_until
    if received_on > today():
        raise EducationError("received_in_future", _("The date of receipt cannot be later "
                                                     "than today."))
    if not start <= received_on <= end:
        raise EducationError("outside_timetable", _("Applications are accepted from "
                                                    "%(start)s to %(end)s."),
                             start=polish_date(start), end=polish_date(end))


def _preferences(campaign: Campaign, offer_ids: list[int]) -> list[Offer]:
    if not offer_ids:
        raise EducationError("no_preferences", _("Choose at least one preschool or school."))
    if len(offer_ids) > campaign.max_preferences:
        raise EducationError("too_many_preferences", _(
            "At most %(limit)s institutions may be chosen; %(given)s were chosen."),
            limit=campaign.max_preferences, given=len(offer_ids))
    if len(set(offer_ids)) != len(offer_ids):
        raise EducationError("duplicate_preference", _("Each institution can be chosen only "
                                                       "once."))
    offers = {offer.pk: offer for offer in Offer.objects.filter(
        campaign=campaign, pk__in=offer_ids).select_related("institution__unit")}
    for offer_id in offer_ids:
        if offer_id not in offers:
            raise EducationError("unknown_institution", _(
                "The institution %(value)s does not take part in this recruitment."),
                value=offer_id)
    return [offers[offer_id] for offer_id in offer_ids]


def _criteria(campaign: Campaign, chosen: list[tuple[int, int | None]],
              offers: list[Offer]) -> list[tuple[Criterion, Offer | None]]:
    known = {c.pk: c for c in Criterion.objects.filter(campaign=campaign)}
    by_offer = {offer.pk: offer for offer in offers}
    result, seen = [], set()
    for criterion_id, offer_id in chosen:
        criterion = known.get(criterion_id)
        if criterion is None:
            raise EducationError("unknown_criterion", _(
                "The criterion %(value)s is not a criterion of this recruitment."),
                value=criterion_id)
        if criterion.per_institution:
            if offer_id not in by_offer:
                raise EducationError("criterion_needs_institution", _(
                    "The criterion “%(name)s” holds for one of the chosen institutions: "
                    "choose which."), name=criterion.name)
            offer = by_offer[offer_id]
        else:
            offer = None
        if (criterion.pk, offer_id if offer else None) in seen:
            continue
        seen.add((criterion.pk, offer_id if offer else None))
        result.append((criterion, offer))
    return result


def submit_application(campaign: Campaign, data: ApplicationData, *, guardian,
                       acting_user, uploads: list[Upload] = (),
                       received_on: datetime.date | None = None) -> Application:
    """File an application (or a catchment-area registration) in the campaign's current
    round. `received_on` is the day a paper application came in, when the commission
    enters it; a parent's own is filed today. Refused with the precise reason: outside
    the timetable, too many preferences, an unknown institution or criterion, a duplicate
    for the same child, an invalid PESEL, a refused file."""
    stored = store_uploads(campaign.municipality_id, list(uploads))
    return _submit(campaign, data, guardian=guardian, acting_user=acting_user, stored=stored,
                   received_on=received_on or today())


@transaction.atomic(durable=True)
def _submit(campaign, data: ApplicationData, *, guardian, acting_user, stored, received_on):
    campaign = lock_campaign(campaign)
    round_ = Round.SUPPLEMENTARY if campaign.status == CampaignStatus.SUPPLEMENTARY \
        else Round.MAIN
    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.SUPPLEMENTARY):
        raise EducationError("not_accepting", _("Applications to this recruitment are not "
                                                "accepted now."))
    _within_window(campaign, received_on, round_)
    child_data = data.child.checked()
    offers = _preferences(campaign, list(data.preferences))
    criteria = _criteria(campaign, list(data.criteria), offers)
    if criteria and not data.statement_accepted:
        raise EducationError("statement_required", _(
            "Declare that the statements are true, under penalty of perjury, or declare no "
            "criterion."))
    address = clean_text(data.address, name=str(_("address of the child")), limit=300,
                         required=True, required_message=_("Give the child's address."))
    guardian_name = clean_text(data.guardian_name, name=str(_("parent's name")), limit=200,
                               required=True, required_message=_("Give the parent's name."))
    email = clean_text(data.email, name="e-mail", limit=254)
    phone = clean_text(data.phone, name=str(_("phone")), limit=30)
    locality = None
    if data.locality_id is not None:
        locality = Locality.objects.for_municipality(campaign.municipality).filter(
            pk=data.locality_id).first()
        if locality is None:
            raise EducationError("locality_not_found", _("There is no such locality in the "
                                                         "gmina."))
    kind = data.kind
    if kind == ApplicationKind.REGISTRATION:
        _check_registration(campaign, offers, locality)
    elif kind != ApplicationKind.APPLICATION:
        raise EducationError("kind_invalid", _("Choose an application or a registration."))
    child = child_for(campaign.municipality, child_data, guardian=guardian)
    if Enrolment.objects.filter(municipality_id=campaign.municipality_id, child=child,
                                school_year=campaign.year).exists():
        # A child placed already (continuation, catchment, the main round, an appeal) would
        # otherwise hold two places, and stop the round's admitted lists from publishing.
        raise EducationError("already_enrolled", _("The child already has a place for this "
                                                   "school year."))
    if Application.objects.filter(campaign=campaign, child=child, round=round_).exclude(
            status=ApplicationStatus.WITHDRAWN).exists():
        raise EducationError("duplicate_application", _(
            "An application for this child has already been filed in this recruitment."))
    application = Application.objects.create(
        municipality_id=campaign.municipality_id, campaign=campaign, child=child,
        guardian=guardian, kind=kind, round=round_, candidate_code=secrets.token_hex(8),
        is_resident=bool(data.is_resident), locality=locality, address=address,
        guardian_name=guardian_name, guardian_email=email, guardian_phone=phone,
        statement_accepted=bool(data.statement_accepted), received_on=received_on)
    Preference.objects.bulk_create([
        Preference(municipality_id=campaign.municipality_id, application=application,
                   rank=rank, offer=offer) for rank, offer in enumerate(offers, start=1)])
    DeclaredCriterion.objects.bulk_create([
        DeclaredCriterion(municipality_id=campaign.municipality_id, application=application,
                          criterion=criterion, offer=offer) for criterion, offer in criteria])
    _record_documents(application, stored)
    if guardian is not None:
        account_services.link_resident(campaign.municipality, guardian)
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=application,
                 after={"kind": kind, "round": round_, "preferences": [o.pk for o in offers],
                        "criteria": [c.code for c, _o in criteria],
                        "documents": len(stored)})
    after_commit(news.notify, application.pk, "submitted")
    return application


def _check_registration(campaign: Campaign, offers: list[Offer], locality) -> None:
    """A catchment-area registration (zgłoszenie, art. 133 ust. 1): first grade only, one
    school, and the child's locality in that school's obwód."""
    if campaign.kind != CampaignKind.SCHOOL_FIRST_GRADE:
        raise EducationError("registration_school_only", _(
            "Catchment-area registrations are made for the first grade of primary school."))
    if len(offers) != 1 or locality is None or not offers[0].institution.catchment.filter(
            pk=locality.pk).exists():
        raise EducationError("not_in_catchment", _(
            "A registration names the one school in whose catchment area the child lives; "
            "otherwise file an application."))


def _record_documents(application: Application, stored: list[StoredUpload]) -> None:
    ApplicationDocument.objects.bulk_create([
        ApplicationDocument(municipality_id=application.municipality_id,
                            application=application, name=item.name, file=item.path,
                            content_type=item.content_type, size=item.size,
                            sha256=item.sha256) for item in stored])


def lock_application(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("campaign").get(
        pk=application.pk)


def add_documents(application: Application, *, acting_user, uploads: list[Upload]
                  ) -> Application:
    """The parent adds statements or documents (typically when the commission asked)."""
    if not uploads:
        raise EducationError("no_files", _("Choose a file to attach."))
    stored = store_uploads(application.municipality_id, list(uploads))
    with transaction.atomic(durable=True):
        application = lock_application(application)
        if application.status not in (ApplicationStatus.SUBMITTED,
                                      ApplicationStatus.DOCUMENTS_REQUESTED):
            raise EducationError("verified_already", _("The application is already verified; "
                                                       "nothing can be added to it."))
        if application.documents.count() + len(stored) > MAX_DOCUMENTS:
            raise EducationError("too_many_documents", _("Attach at most %(limit)s files."),
                                 limit=MAX_DOCUMENTS)
        _record_documents(application, stored)
        if application.status == ApplicationStatus.DOCUMENTS_REQUESTED:
            application.status = ApplicationStatus.SUBMITTED
            application.save(update_fields=["status"])
        record_audit(municipality=application.campaign.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=application,
                     after={"documents_added": len(stored)})
    return application


def _verifiable(application: Application) -> None:
    if application.campaign.status not in (CampaignStatus.OPEN,
                                           CampaignStatus.SUPPLEMENTARY):
        raise EducationError("verification_closed", _("Applications are verified before the "
                                                      "allocation."))
    if application.status not in (ApplicationStatus.SUBMITTED,
                                  ApplicationStatus.DOCUMENTS_REQUESTED,
                                  ApplicationStatus.VERIFIED):
        raise EducationError("not_verifiable", _("This application cannot be verified now."))


@transaction.atomic(durable=True)
def request_documents(application: Application, *, acting_user, note: str) -> Application:
    """The commission's chair asks for documents confirming the statements (art. 150
    ust. 7); the parent is told."""
    application = lock_application(application)
    _verifiable(application)
    note = clean_text(note, name=str(_("note of the commission")), limit=2000, required=True,
                      required_message=_("Say which documents are needed."))
    application.status = ApplicationStatus.DOCUMENTS_REQUESTED
    application.commission_note = note
    application.save(update_fields=["status", "commission_note"])
    record_audit(municipality=application.campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application,
                 after={"status": application.status, "note": note})
    after_commit(news.notify, application.pk, "documents_requested",
                 f"documents:{int(timezone.now().timestamp())}")
    return application


@transaction.atomic(durable=True)
def verify_application(application: Application, *, acting_user,
                       confirmed: set[int], is_resident: bool | None = None,
                       note: str = "") -> Application:
    """The commission's verification: each declared criterion confirmed (its id in
    `confirmed`) or not; residence as established. Only verified applications take part
    in the allocation; a catchment-area registration is thereby admitted."""
    application = lock_application(application)
    _verifiable(application)
    now = timezone.now()
    declared = list(application.declared.all())
    known = {item.pk for item in declared}
    if set(confirmed) - known:
        raise EducationError("unknown_criterion", _(
            "The criterion %(value)s is not a criterion of this recruitment."),
            value=sorted(set(confirmed) - known)[0])
    for item in declared:
        item.status = DeclarationStatus.CONFIRMED if item.pk in confirmed \
            else DeclarationStatus.REJECTED
        item.decided_at = now
    DeclaredCriterion.objects.bulk_update(declared, ["status", "decided_at"])
    if is_resident is not None:
        application.is_resident = is_resident
    application.commission_note = clean_text(note, name=str(_("note of the commission")),
                                             limit=2000) or application.commission_note
    application.status = ApplicationStatus.VERIFIED
    application.verified_at, application.verified_by = now, acting_user
    application.save(update_fields=["status", "verified_at", "verified_by", "is_resident",
                                    "commission_note"])
    if application.kind == ApplicationKind.REGISTRATION:
        admit_within(application, acting_user=acting_user, offer=application.preferences.get(
            rank=1).offer, source=EnrolmentSource.CATCHMENT)
    record_audit(municipality=application.campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application,
                 after={"status": "verified", "confirmed": sorted(confirmed),
                        "is_resident": application.is_resident})
    return application


@transaction.atomic(durable=True)
def withdraw_application(application: Application, *, acting_user) -> Application:
    """The parent withdraws the application before the allocation."""
    application = lock_application(application)
    if application.status not in (ApplicationStatus.SUBMITTED,
                                  ApplicationStatus.DOCUMENTS_REQUESTED,
                                  ApplicationStatus.VERIFIED) or \
            application.campaign.status not in (CampaignStatus.OPEN,
                                                CampaignStatus.SUPPLEMENTARY):
        raise EducationError("not_withdrawable", _("The application can be withdrawn only "
                                                   "before the allocation."))
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    record_audit(municipality=application.campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application, after={"status": "withdrawn"})
    return application


@transaction.atomic(durable=True)
def confirm_will(application: Application, *, acting_user,
                 confirmed_on: datetime.date | None = None) -> Application:
    """The parent confirms the will to take the qualified place (potwierdzenie woli) by
    the timetable's date; without it the place is lost when the admitted list is made."""
    application = lock_application(application)
    campaign = application.campaign
    confirmed_on = confirmed_on or today()
    until = campaign.supplementary_confirmation_until if application.round == \
        Round.SUPPLEMENTARY else campaign.confirmation_until
    if application.status == ApplicationStatus.CONFIRMED:
        return application
    if application.status != ApplicationStatus.QUALIFIED:
        raise EducationError("not_qualified", _("Only a qualified candidate's will can be "
                                                "confirmed."))
    if confirmed_on > until or confirmed_on > today():
        raise EducationError("confirmation_late", _("The will had to be confirmed by "
                                                    "%(date)s."), date=polish_date(until))
    application.status = ApplicationStatus.CONFIRMED
    application.confirmed_at = timezone.now()
    application.save(update_fields=["status", "confirmed_at"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=application, after={"status": "confirmed"})
    return application
