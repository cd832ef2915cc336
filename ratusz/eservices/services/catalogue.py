"""The catalogue of a gmina's e-office: copying the library of standard services into it,
and editing a service card."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ratusz.cases.selectors import final_class
from ratusz.core.models import AuditAction, Department, Municipality
from ratusz.core.polish import tokens
from ratusz.core.services import record_audit
from ratusz.eservices import forms_engine
from ratusz.eservices.errors import EserviceError
from ratusz.eservices.library import form_codes, library_services, search_words
from ratusz.eservices.models import FormStatus, FormVersion, Service
from ratusz.eservices.services.checks import limit_of, refuse_unsafe


def search_text(service: Service) -> str:
    """What the catalogue's search looks in: the Polish search tokens (words and their
    stems, `ratusz.core.polish.tokens`) of the card, its keywords and the plain words of
    its library service, and its form codes ("in1")."""
    with translation.override("pl"):
        category = str(service.get_category_display())
    words = [service.name, service.summary, service.purpose, *service.keywords,
             *search_words(service.library_slug), category]
    codes = form_codes(service.name, *service.keywords)
    return f"{tokens(' '.join(words)).rstrip()} {' '.join(sorted(codes))} "


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
                            _("The gmina has no department to handle the services."))
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
        service.search_text = search_text(service)
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


def _check_card_text(name: str, value) -> None:
    texts = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    limit = limit_of(Service, name)
    if any(len(text) > limit for text in texts if isinstance(text, str)):
        raise EserviceError("text_too_long", _("%(name)s: at most %(limit)s characters."),
                            name=name, limit=limit)
    refuse_unsafe(texts)


@transaction.atomic(durable=True)
def update_service_card(service: Service, *, acting_user, **changes) -> Service:
    """Change a card. The JRWA class must be a final class of the office; a fee needs an
    account; a service open without sign-in cannot require identification."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = {name: str(getattr(service, name)) for name in changes if name in CARD_FIELDS}
    for name, value in changes.items():
        if name not in CARD_FIELDS:
            raise EserviceError("unknown_field", _("Unknown field of the card: %(name)s."),
                            name=name)
        _check_card_text(name, value)
        setattr(service, name, value)
    if service.department.municipality_id != service.municipality_id:
        raise EserviceError("department_not_found", _("There is no such department."))
    if final_class(service.department.unit, service.jrwa_symbol) is None:
        raise EserviceError("jrwa_not_final", _("The symbol %(symbol)s is not a final class of "
                                                "the office's JRWA."),
                            symbol=service.jrwa_symbol)
    if service.fee_amount is not None and service.fee_amount <= 0:
        raise EserviceError("fee_not_positive",
                            _("The fee must be more than zero (or empty)."))
    if service.fee_amount is not None and not service.fee_account:
        raise EserviceError("fee_account_required",
                            _("Give the number of the account the fee is paid to."))
    if service.allows_anonymous and service.requires_identification:
        raise EserviceError("anonymous_with_identification",
                            _("A service open without signing in cannot require "
                              "identification."))
    if not 1 <= service.maturity_level <= 5:
        raise EserviceError("maturity_level", _("The maturity level is a number from 1 to 5."))
    service.updated_at = timezone.now()
    service.search_text = search_text(service)
    service.save()
    record_audit(municipality=service.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=service, before=before,
                 after={name: str(getattr(service, name)) for name in before})
    return service
