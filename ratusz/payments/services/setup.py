"""A gmina's set-up: the built-in kinds of obligations, its own kinds, the collection
account with the scheme of individual account numbers, the gateway credentials."""

from __future__ import annotations

import secrets as random_secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.core.text import first_unsafe_character
from ratusz.payments import nrb, secrets, selectors
from ratusz.payments.errors import PaymentsError
from ratusz.payments.models import (
    BankProfile,
    CollectionAccount,
    GatewayAccount,
    GatewayKind,
    ObligationKind,
    Regime,
)

#: (code, name, regime, dział, rozdział, paragraf, interest paragraf). The budget
#: classification (rozporządzenie MF w sprawie szczegółowej klasyfikacji dochodów…) is
#: from memory [U]: each gmina checks and changes it on its kinds.
BUILTIN_KINDS = [
    ("property_tax", "Podatek od nieruchomości", Regime.TAX, "756", "75616", "0310", "0910"),
    ("agricultural_tax", "Podatek rolny", Regime.TAX, "756", "75616", "0320", "0910"),
    ("forest_tax", "Podatek leśny", Regime.TAX, "756", "75616", "0330", "0910"),
    ("waste_fee", "Opłata za gospodarowanie odpadami komunalnymi", Regime.TAX, "900",
     "90002", "0490", "0910"),
    ("stamp_duty", "Opłata skarbowa", Regime.TAX, "756", "75618", "0410", "0910"),
    ("lease", "Dzierżawa", Regime.CIVIL, "700", "70005", "0750", "0920"),
    ("rent", "Najem lokalu", Regime.CIVIL, "700", "70007", "0750", "0920"),
    ("preschool_stay", "Opłata za pobyt w przedszkolu", Regime.TAX, "801", "80104", "0660",
     "0910"),
    ("preschool_meals", "Opłata za wyżywienie w przedszkolu", Regime.TAX, "801", "80104",
     "0670", "0910"),
]
KIND_FIELDS = ["code", "name", "regime", "dzial", "rozdzial", "paragraf", "interest_paragraf"]


def ensure_builtin_kinds(municipality) -> int:
    """Add the built-in kinds the gmina lacks (runs in the caller's transaction)."""
    existing = set(selectors.kind_codes(municipality))
    added = [ObligationKind(municipality=municipality, is_builtin=True,
                            **dict(zip(KIND_FIELDS, row, strict=True)))
             for row in BUILTIN_KINDS if row[0] not in existing]
    ObligationKind.objects.bulk_create(added)
    return len(added)


def _check_classification(dzial: str, rozdzial: str, paragraf: str) -> None:
    if not (len(dzial) == 3 and len(rozdzial) == 5 and len(paragraf) == 4
            and (dzial + rozdzial + paragraf).isdigit() and rozdzial.startswith(dzial)):
        raise PaymentsError("classification", _(
            "The budget classification must be a section of 3 digits, a chapter of 5 digits "
            "starting with the section, and a paragraph of 4 digits."))


@transaction.atomic(durable=True)
def save_kind(municipality, *, acting_user, kind: ObligationKind | None = None, code: str,
              name: str, regime: str, dzial: str, rozdzial: str, paragraf: str,
              interest_paragraf: str = "") -> ObligationKind:
    """Add a kind of obligation of the gmina, or change one (its code stays)."""
    _check_classification(dzial, rozdzial, paragraf)
    if first_unsafe_character(name) is not None or not name.strip():
        raise PaymentsError("name", _("Give the kind a name without control characters."))
    if regime not in Regime.values:
        raise PaymentsError("regime", _("Choose the legal regime."))
    before = None
    if kind is None:
        if code in selectors.kind_codes(municipality):
            raise PaymentsError("code_taken", _("The gmina already has a kind with this code."))
        kind = ObligationKind(municipality=municipality, code=code)
    else:
        before = {f: getattr(kind, f) for f in KIND_FIELDS}
    kind.name, kind.regime = name.strip()[:120], regime
    kind.dzial, kind.rozdzial, kind.paragraf = dzial, rozdzial, paragraf
    kind.interest_paragraf = interest_paragraf
    kind.save()
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED if before else AuditAction.CREATED, target=kind,
                 before=before, after={f: getattr(kind, f) for f in KIND_FIELDS})
    return kind


def default_virtual_prefix(collection_nrb: str) -> str:
    """The settlement number of the collection account and the first four digits of its
    account part: the usual shape of a bank's client prefix (Dobrzyniewo: 12 digits)."""
    return collection_nrb[2:14]


@transaction.atomic(durable=True)
def configure_collection_account(municipality, *, acting_user, nrb_number: str,
                                 virtual_prefix: str = "", notice_days: int = 7,
                                 bank_profile: str = BankProfile.DETAILS_SCAN
                                 ) -> CollectionAccount:
    """Set the gmina's collection account and its scheme of individual account numbers.
    The scheme cannot change once payers have numbers in it."""
    number = nrb.clean(nrb_number)
    if not nrb.is_valid(number):
        raise PaymentsError("nrb", _("This is not a valid Polish account number (NRB)."))
    prefix = virtual_prefix.strip() or default_virtual_prefix(number)
    if not prefix.isdigit() or not nrb.MIN_PREFIX <= len(prefix) <= nrb.MAX_PREFIX \
            or not prefix.startswith(number[2:10]):
        raise PaymentsError("prefix", _(
            "The prefix of the individual account numbers is the bank's 8-digit settlement "
            "number of the collection account followed by the client prefix (8 to 18 digits "
            "in all)."))
    if not 0 <= notice_days <= 60:
        raise PaymentsError("notice_days", _("Give from 0 to 60 days."))
    account = selectors.collection_account(municipality)
    before = None
    if account is None:
        account = CollectionAccount(municipality=municipality)
    else:
        before = {"nrb": account.nrb, "virtual_prefix": account.virtual_prefix,
                  "notice_days": account.notice_days, "bank_profile": account.bank_profile}
        if prefix != account.virtual_prefix and account.next_payer_reference > 1:
            raise PaymentsError("prefix_in_use", _(
                "Payers already have individual account numbers in this scheme; its prefix "
                "cannot change."))
    account.nrb, account.virtual_prefix, account.notice_days = number, prefix, notice_days
    account.bank_profile = bank_profile
    account.save()
    ensure_builtin_kinds(municipality)
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED if before else AuditAction.CREATED,
                 target=account, before=before,
                 after={"nrb": number, "virtual_prefix": prefix, "notice_days": notice_days,
                        "bank_profile": bank_profile})
    return account


@transaction.atomic(durable=True)
def configure_gateway(municipality, *, acting_user, base_url: str, merchant_id: int,
                      pos_id: int | None = None, api_key: str = "", crc_key: str = "",
                      is_active: bool = True, kind: str = GatewayKind.PRZELEWY24
                      ) -> GatewayAccount:
    """Set the gmina's merchant account at the gateway. An empty key keeps the stored one;
    the keys are stored encrypted and never shown back (nor written to the audit)."""
    if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise PaymentsError("base_url", _("The gateway's address must use https."))
    if not 0 < merchant_id < 2**31 or (pos_id is not None and not 0 < pos_id < 2**31):
        raise PaymentsError("merchant_id", _("Give the merchant and shop ids the gateway gave."))
    account = selectors.gateway_account(municipality)
    created = account is None
    if created:
        if not api_key or not crc_key:
            raise PaymentsError("keys", _("Give both the API key and the CRC key."))
        account = GatewayAccount(municipality=municipality,
                                 notify_key=random_secrets.token_urlsafe(32))
    before = None if created else {"base_url": account.base_url,
                                   "merchant_id": account.merchant_id,
                                   "pos_id": account.pos_id, "is_active": account.is_active}
    account.kind, account.base_url = kind, base_url.rstrip("/")
    account.merchant_id, account.pos_id = merchant_id, pos_id or merchant_id
    account.is_active = is_active
    if api_key:
        account.api_key_ciphertext = secrets.seal(api_key)
    if crc_key:
        account.crc_key_ciphertext = secrets.seal(crc_key)
    account.save()
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED if created else AuditAction.UPDATED,
                 target=account, before=before,
                 after={"base_url": account.base_url, "merchant_id": account.merchant_id,
                        "pos_id": account.pos_id, "is_active": is_active,
                        "keys_changed": bool(api_key or crc_key)})
    return account
