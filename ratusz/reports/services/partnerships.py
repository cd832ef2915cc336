"""Partnerships of gminy: the platform operator creates one and invites gminy, each gmina's
administrator accepts or declines, coordinators are named; and the test inquiries a
coordinator (or a gmina itself) schedules, filed through the e-office from the flagged
test account, whose answer times are measured."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ratusz.accounts import services as accounts
from ratusz.accounts.models import UserKind
from ratusz.core.messages import DomainError
from ratusz.core.models import AuditAction, Municipality
from ratusz.core.services import record_audit
from ratusz.core.tenancy import tenant_context
from ratusz.eservices import services as eservices
from ratusz.reports import sources
from ratusz.reports.models import (
    InquiryAccount,
    InquiryStatus,
    MatterClock,
    MemberStatus,
    Partnership,
    PartnershipMember,
    TestInquiry,
)

#: The general letter of the e-office that a test inquiry files.
INQUIRY_SERVICE = "pismo-ogolne"
INQUIRY_USERNAME = "zapytanie-testowe"
#: A test inquiry is scheduled at most this far ahead.
LATEST_INQUIRY = timedelta(days=366)


class PartnershipError(DomainError):
    """A refusal about partnerships and test inquiries."""


@transaction.atomic(durable=True)
def create_partnership(*, acting_user, name: str, slug: str = "", description: str = "",
                       members: list[Municipality] = (), accepted: bool = False
                       ) -> Partnership:
    """The operator creates a partnership and invites gminy (`accepted`: the gminy have
    already agreed on paper, e.g. the demo's E-gminy partnership). Idempotent on the slug."""
    name = name.strip()
    slug = slugify(slug or name)[:80]
    if not name or not slug:
        raise PartnershipError("name_required", _("Give the name of the partnership."))
    partnership, created = Partnership.objects.get_or_create(
        slug=slug, defaults={"name": name[:200], "description": description[:500],
                             "created_by": acting_user if getattr(acting_user, "pk", None)
                             else None})
    for municipality in members:
        _invite(partnership, municipality, accepted=accepted, acting_user=acting_user)
    if created:
        record_audit(municipality=None, acting_user=acting_user, action=AuditAction.CREATED,
                     target=partnership, after={"name": partnership.name, "slug": slug})
    return partnership


def _invite(partnership: Partnership, municipality: Municipality, *, accepted: bool,
            acting_user) -> PartnershipMember:
    with tenant_context(municipality):
        member, created = PartnershipMember.objects.get_or_create(
            municipality=municipality, partnership=partnership,
            defaults={"status": MemberStatus.ACCEPTED if accepted else MemberStatus.INVITED,
                      "decided_at": timezone.now() if accepted else None})
        if created:
            record_audit(municipality=municipality, acting_user=acting_user,
                         action=AuditAction.CREATED, target=member,
                         after={"partnership": partnership.slug, "status": member.status})
    return member


@transaction.atomic(durable=True)
def invite_member(partnership: Partnership, municipality: Municipality, *,
                  acting_user) -> PartnershipMember:
    """Invite a gmina (its administrator decides)."""
    return _invite(partnership, municipality, accepted=False, acting_user=acting_user)


@transaction.atomic(durable=True)
def decide_membership(member: PartnershipMember, *, acting_user, accept: bool
                      ) -> PartnershipMember:
    """The gmina's administrator accepts or declines an invitation (or leaves: declining
    an accepted membership). The caller is in the gmina's tenant context."""
    member = PartnershipMember.objects.select_for_update().get(pk=member.pk)
    before = member.status
    member.status = MemberStatus.ACCEPTED if accept else (
        MemberStatus.LEFT if before == MemberStatus.ACCEPTED else MemberStatus.DECLINED)
    member.decided_at = timezone.now()
    member.decided_by = acting_user
    member.save(update_fields=["status", "decided_at", "decided_by"])
    record_audit(municipality=member.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=member,
                 before={"status": before}, after={"status": member.status})
    return member


@transaction.atomic(durable=True)
def ensure_coordinator(partnership: Partnership, *, username: str, password: str,
                       first_name: str = "", last_name: str = "", email: str = ""):
    """A coordinator account (kind `coordinator`, no gmina) for the partnership; an
    existing one is added as it is. (Accounts offers no service for this kind yet.)"""
    users = get_user_model().objects
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username, email=email, password=password,
                                 kind=UserKind.COORDINATOR, first_name=first_name,
                                 last_name=last_name)
    if user.kind != UserKind.COORDINATOR:
        raise PartnershipError("not_coordinator", _("This account is not a coordinator's."))
    partnership.coordinators.add(user)
    return user


# --- Test inquiries ----------------------------------------------------------------------

def inquiry_account():
    """The flagged test account (made once: the account by accounts' own service, then
    its flag)."""
    flagged = InquiryAccount.objects.select_related("user").first()
    if flagged is not None:
        return flagged.user
    user = accounts.register_resident(
        username=INQUIRY_USERNAME, email="zapytanie-testowe@ratusz.localhost",
        password=secrets.token_urlsafe(24), first_name="Zapytanie", last_name="Testowe")
    InquiryAccount.objects.create(user=user)
    return user


@transaction.atomic(durable=True)
def schedule_inquiry(municipality: Municipality, *, acting_user, on: date,
                     partnership: Partnership | None = None) -> TestInquiry:
    """Schedule a test inquiry to the gmina on a day (today files it at the next run)."""
    today = timezone.localdate()
    if on < today or on > today + LATEST_INQUIRY:
        raise PartnershipError("date_invalid", _("Choose a day from today to a year ahead."))
    with tenant_context(municipality):
        return TestInquiry.objects.create(
            municipality=municipality, partnership=partnership, scheduled_for=on,
            scheduled_by=acting_user if getattr(acting_user, "pk", None) else None)


def file_due_inquiries(municipality: Municipality, *, today: date | None = None) -> int:
    """File the gmina's test inquiries due by today: a general letter through the
    e-office, following the normal path. Returns how many were filed."""
    today = today or timezone.localdate()
    due = list(TestInquiry.objects.for_municipality(municipality)
               .filter(status=InquiryStatus.SCHEDULED, scheduled_for__lte=today))
    if not due:
        return 0
    service = sources.published_service(municipality, INQUIRY_SERVICE)
    user = inquiry_account()
    filed = 0
    for inquiry in due:
        if service is None:
            TestInquiry.objects.filter(pk=inquiry.pk).update(status=InquiryStatus.FAILED)
            continue
        submission, _created = eservices.submit(
            service, resident=user, idempotency_key=f"reports-inquiry:{inquiry.pk}",
            data={"first_name": "Zapytanie", "last_name": "Testowe", "building": "1",
                  "postal_code": municipality.postal_code or "00-001",
                  "city": municipality.city or municipality.name,
                  "email": user.email,
                  "subject": "Prośba o informację o godzinach pracy urzędu",
                  "content": "Uprzejmie proszę o informację, w jakich godzinach i dniach "
                             "urząd przyjmuje interesantów oraz czy można umówić wizytę "
                             "przez internet."})
        with transaction.atomic(durable=True):
            TestInquiry.objects.filter(pk=inquiry.pk).update(
                status=InquiryStatus.FILED, case_id=submission.case_id,
                filed_at=submission.submitted_at)
            MatterClock.objects.for_municipality(municipality).filter(
                case_id=submission.case_id).update(is_test=True)
        filed += 1
    return filed


@transaction.atomic(durable=True)
def record_inquiry_answer(municipality: Municipality | int, case_id: int) -> bool:
    """The first letter sent (or the settlement) in a test inquiry's case answers it; its
    time is measured once."""
    inquiry = (TestInquiry.objects.for_municipality(municipality)
               .filter(case_id=case_id, status=InquiryStatus.FILED).first())
    if inquiry is None:
        return False
    now = timezone.now()
    days = (timezone.localdate(now) - timezone.localdate(inquiry.filed_at)).days
    TestInquiry.objects.filter(pk=inquiry.pk).update(
        status=InquiryStatus.ANSWERED, answered_at=now, answer_days=days)
    return True
