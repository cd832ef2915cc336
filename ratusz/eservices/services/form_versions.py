"""Versions of a service's form: the draft the form editor saves, publishing it (checked
whole), discarding it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.eservices import forms_engine
from ratusz.eservices.errors import EserviceError
from ratusz.eservices.models import FormStatus, FormVersion, Service
from ratusz.eservices.services.checks import refuse_unsafe


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
    """Store an edited draft. It may be incomplete; publishing checks it whole. No text of
    it (labels, help, options, titles) may carry an unsafe character."""
    refuse_unsafe([schema, layout, title])
    form = FormVersion.objects.select_for_update().get(pk=form.pk)
    if form.status != FormStatus.DRAFT:
        raise EserviceError("form_not_draft", _("A published version of the form cannot be "
                                                "changed; changes go into a new version."))
    form.schema, form.layout = schema, layout
    if title is not None:
        title = title.strip()
        if not title:
            raise EserviceError("title_required", _("Give the title of the form."))
        form.title = title[:200]
    form.save(update_fields=["schema", "layout", "title"])
    return form


@transaction.atomic(durable=True)
def publish_form(form: FormVersion, *, acting_user) -> FormVersion:
    """Make a checked draft the form of the service. Submissions already made keep their
    version; drafts of residents move to the new version at their next step."""
    form = FormVersion.objects.select_for_update().get(pk=form.pk)
    if form.status != FormStatus.DRAFT:
        raise EserviceError("form_not_draft", _("This version of the form is already "
                                                "published."))
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
    """Delete the draft of the next form version (a published version stays)."""
    deleted, _by_model = FormVersion.objects.filter(pk=form.pk, status=FormStatus.DRAFT).delete()
    if not deleted:
        raise EserviceError("form_not_draft", _("Only a draft version can be deleted."))
