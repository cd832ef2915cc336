"""Giving a child its place: the enrolment for the school year, in the caller's
transaction (a published admitted list, a catchment-area registration, an appeal)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.education.errors import EducationError
from ratusz.education.models import Application, ApplicationStatus, Enrolment, Offer


def admit_within(application: Application, *, acting_user, offer: Offer, source: str
                 ) -> Enrolment:
    """The child admitted at `offer`'s institution; a child holds one place a year."""
    campaign = application.campaign
    existing = Enrolment.objects.filter(child_id=application.child_id,
                                        school_year=campaign.year).first()
    if existing is not None and existing.application_id != application.pk:
        raise EducationError("already_enrolled", _("The child already has a place for this "
                                                   "school year."))
    enrolment = existing or Enrolment.objects.create(
        municipality_id=application.municipality_id, child_id=application.child_id,
        institution_id=offer.institution_id, school_year=campaign.year, source=source,
        application=application, created_by=acting_user)
    application.status = ApplicationStatus.ADMITTED
    application.qualified_offer = offer
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "qualified_offer", "decided_at"])
    return enrolment
