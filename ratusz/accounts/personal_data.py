"""The accounts app's part of a resident's RODO rights (ratusz.core.personal_data): the
account and profile, the gmina's relation, who of the staff opened the data, and the
erasure or anonymisation of all of it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.accounts import identity
from ratusz.accounts.models import ApiToken, ResidentProfile, ResidentRelation, User
from ratusz.core.models import PersonalDataAccess
from ratusz.core.personal_data import ErasurePlan, Provider, Retained, Section, register
from ratusz.core.tenancy import tenant_context

ERASED_NAME = "Usunięty"


def _iso(value) -> str:
    return value.isoformat() if value else ""


def export(municipality, user: User) -> list[Section]:
    profile = ResidentProfile.objects.filter(user=user).first()
    account = {"user_name": user.username, "first_name": user.first_name,
               "last_name": user.last_name, "email": user.email,
               "date_joined": _iso(user.date_joined), "last_login": _iso(user.last_login)}
    if profile is not None:
        account.update({
            "phone": profile.phone, "street": profile.street, "building": profile.building,
            "flat": profile.flat, "postal_code": profile.postal_code, "city": profile.city,
            "pesel": identity.mask_pesel(identity.profile_pesel(profile)),
            "date_of_birth": _iso(profile.birth_date),
            "identity_confirmed_at": _iso(profile.identified_at),
            "email_confirmed_at": _iso(profile.email_confirmed_at)})
    relation = ResidentRelation.objects.for_municipality(municipality).filter(
        resident=user).first()
    accesses = PersonalDataAccess.objects.for_municipality(municipality).filter(
        subject=user).select_related("staff").order_by("-accessed_at")
    return [
        Section("account", _("Account and contact details"), [account]),
        Section("relation", _("Matters with the municipality since"),
                [{"since": _iso(relation.since)}] if relation else []),
        Section("accesses", _("Staff who opened your personal data"), [
            {"when": _iso(access.accessed_at), "who": access.staff_label,
             "what": access.context, "fields": access.fields} for access in accesses]),
    ]


def plan(municipality, user: User) -> ErasurePlan:
    others = _other_gminy(municipality, user)
    result = ErasurePlan("accounts", erasable=[
        _("the relation between the resident and the municipality"),
        _("API tokens of the resident in the municipality")])
    if others:
        result.retained.append(Retained(
            _("the account and its contact details"),
            _("the resident also has matters with %(count)d other municipalities")
            % {"count": others}))
    else:
        result.erasable.append(_("the account's name, e-mail address, phone, address and "
                                 "confirmed identity (the account is anonymised and closed)"))
    result.retained.append(Retained(
        _("the audit log and the record of who opened the personal data"),
        _("the security logs of public IT systems (KRI, § 20) and RODO art. 5(2): kept "
          "with the name as it was")))
    return result


def erase(municipality, user: User) -> dict:
    counts = {"tokens": ApiToken.objects.for_municipality(municipality).filter(
        user=user).delete()[0]}
    counts["relations"] = ResidentRelation.objects.for_municipality(municipality).filter(
        resident=user).delete()[0]
    if _other_gminy(municipality, user):
        return counts
    User.objects.filter(pk=user.pk).update(
        first_name=ERASED_NAME, last_name="", email="", is_active=False,
        username=f"usuniety-{user.pk}", password="!")  # noqa: S106 - an unusable password
    ResidentProfile.objects.filter(user=user).update(
        phone="", street="", building="", flat="", postal_code="", city="",
        pesel_digest=None, pesel_ciphertext="", birth_date=None, identity_loa="",
        identified_at=None, email_confirmed_at=None)
    counts["anonymised_accounts"] = 1
    counts["anonymised_at"] = timezone.now().isoformat()
    return counts


def _other_gminy(municipality, user: User) -> int:
    with tenant_context(None, all_municipalities=True):
        return ResidentRelation.objects.filter(resident=user).exclude(
            municipality=municipality).count()


register(Provider("accounts", export=export, plan=plan, erase=erase))
