"""Obligations from the gmina's tax and fee systems (imports, idempotent by external id)
and from the apps that own a fee (the e-services' stamp duty), and the payers they name.

An import is one durable transaction. Every line is checked in memory first (its fields,
then against what is stored: the payer, payments already booked), so a refused line
writes nothing and an accepted one writes all of its instalments; the import's report
lists every refused line with its reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.accounts import identity
from ratusz.accounts.selectors import resident_profile
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.payments import nrb, selectors
from ratusz.payments.errors import PaymentsError
from ratusz.payments.importing import (
    InstalmentData,
    ObligationData,
    PayerData,
    Refused,
    _Reasons,
    parse_lines,
)
from ratusz.payments.models import (
    CollectionAccount,
    Instalment,
    Obligation,
    ObligationImport,
    Payer,
    PayerKind,
    PaymentItem,
    Reminder,
)
from ratusz.payments.services import bulk
from ratusz.payments.services.booking import Ledger, _chunks, payers_owing_with_credit

NO_ACCOUNT = _("Set up the gmina's collection account first (the scheme of individual "
               "account numbers).")
OBLIGATION_FIELDS = ["title", "period", "dzial", "rozdzial", "paragraf", "kind"]
OBLIGATION_INSERT = ["id", "municipality", "payer", "kind", "external_id", "title", "period",
                     "dzial", "rozdzial", "paragraf", "source", "import_run", "created_at",
                     "updated_at"]
INSTALMENT_INSERT = ["municipality", "obligation", "payer", "number", "due_date", "amount",
                     "paid_principal", "interest_charged", "interest_paid"]
PAYER_FIELDS = ["id", "municipality", "kind", "name", "pesel_digest", "pesel_ciphertext", "nip",
                "regon", "email", "address", "reference", "account", "created_at",
                "updated_at"]


def _locked_account(municipality) -> CollectionAccount:
    account = (CollectionAccount.objects.for_municipality(municipality).select_for_update()
               .first())
    if account is None:
        raise PaymentsError("no_collection_account", NO_ACCOUNT)
    return account


class PayerBook:
    """The payers an import names: found by PESEL digest or NIP, new ones numbered in the
    gmina's scheme, names and contacts refreshed from the domain system."""

    def __init__(self, municipality, account: CollectionAccount):
        self.municipality = municipality
        self.account = account
        self.by_key: dict[str, Payer] = {}
        self.digests: dict[str, str] = {}
        self.new: list[Payer] = []
        self.changed: dict[int, Payer] = {}

    def key(self, data: PayerData) -> str:
        if data.kind == PayerKind.PERSON:
            digest = self.digests.get(data.pesel)
            if digest is None:
                digest = self.digests[data.pesel] = identity.pesel_digest(data.pesel)
            return f"p:{digest}"
        return f"b:{data.nip}"

    def load(self, payers: list[PayerData]) -> None:
        keys = {self.key(p) for p in payers}
        digests = sorted(k[2:] for k in keys if k.startswith("p:"))
        nips = sorted(k[2:] for k in keys if k.startswith("b:"))
        stored = Payer.objects.for_municipality(self.municipality)
        for chunk in _chunks(digests):
            for payer in stored.filter(pesel_digest__in=chunk):
                self.by_key[f"p:{payer.pesel_digest}"] = payer
        for chunk in _chunks(nips):
            for payer in stored.filter(kind=PayerKind.BUSINESS, nip__in=chunk):
                self.by_key[f"b:{payer.nip}"] = payer

    def find(self, data: PayerData) -> Payer | None:
        return self.by_key.get(self.key(data))

    def take(self, data: PayerData) -> Payer:
        """The stored or new payer of these data (refreshed with what the line gives)."""
        key = self.key(data)
        payer = self.by_key.get(key)
        if payer is None:
            reference = self.account.next_payer_reference
            self.account.next_payer_reference += 1
            payer = Payer(municipality=self.municipality, kind=data.kind, name=data.name,
                          nip=data.nip, regon=data.regon, email=data.email,
                          address=data.address,
                          reference=reference,
                          account=nrb.individual_account(self.account.virtual_prefix,
                                                         reference))
            if data.kind == PayerKind.PERSON:
                payer.pesel_digest = key[2:]
                payer.pesel_ciphertext = identity.encrypt_pesel(data.pesel)
            self.by_key[key] = payer
            self.new.append(payer)
            return payer
        fresh = {"name": data.name, "email": data.email, "address": data.address,
                 "regon": data.regon}
        if any(value and getattr(payer, name) != value for name, value in fresh.items()):
            for name, value in fresh.items():
                if value:
                    setattr(payer, name, value)
            payer.updated_at = timezone.now()
            if payer.pk:
                self.changed[payer.pk] = payer
        return payer

    def save(self) -> None:
        now = timezone.now()
        for payer, pk in zip(self.new, bulk.reserve_ids(Payer, len(self.new)), strict=True):
            payer.pk = payer.id = pk
        bulk.insert_rows(Payer, PAYER_FIELDS, [
            (p.pk, self.municipality.pk, p.kind, p.name, p.pesel_digest, p.pesel_ciphertext,
             p.nip, p.regon, p.email, p.address, p.reference, p.account, now, now)
            for p in self.new])
        bulk.update_rows(Payer, ["name", "email", "address", "regon", "updated_at"], [
            (p.name, p.email, p.address, p.regon, now, p.pk) for p in self.changed.values()])
        self.account.save(update_fields=["next_payer_reference", "updated_at"])


def _stored_obligations(municipality, external_ids: list[str]) -> dict[str, Obligation]:
    found: dict[str, Obligation] = {}
    stored = Obligation.objects.for_municipality(municipality).prefetch_related("instalments")
    for chunk in _chunks(external_ids):
        for obligation in stored.filter(external_id__in=chunk):
            found[obligation.external_id] = obligation
    return found


def _conflicts(line: ObligationData, stored: Obligation, payer: Payer | None) -> _Reasons:
    """Changes an obligation with payments cannot take."""
    reasons = _Reasons()
    instalments = {i.number: i for i in stored.instalments.all()}
    has_payments = any(i.paid_principal or i.interest_paid for i in instalments.values())
    if has_payments and (payer is None or payer.pk != stored.payer_id):
        reasons.add("payer_changed")
    wanted = {i.number: i for i in line.instalments}
    for number, instalment in instalments.items():
        if number not in wanted and (instalment.paid_principal or instalment.interest_paid
                                     or _is_referenced(instalment)):
            reasons.add("removed_paid", number=number)
        elif number in wanted and wanted[number].amount < instalment.paid_principal:
            reasons.add("below_paid", number=number)
    return reasons


def _is_referenced(instalment: Instalment) -> bool:
    """Named by an online payment or a reminder: it stays."""
    return (PaymentItem.objects.filter(instalment=instalment).exists()
            or Reminder.objects.filter(instalment=instalment).exists())


def import_obligations(municipality, records: list, *, acting_user, channel: str,
                       file_name: str = "") -> ObligationImport:
    """Import obligations (the JSON lines of `importing`): create what is new, update
    what changed (by external id), refuse bad lines with their reasons."""
    with transaction.atomic(durable=True):
        return _import(municipality, records, acting_user=acting_user, channel=channel,
                       file_name=file_name)


def _import(municipality, records: list, *, acting_user, channel: str, file_name: str = ""
            ) -> ObligationImport:
    account = _locked_account(municipality)
    kinds = selectors.kind_codes(municipality)
    accepted, refused = parse_lines(list(records), set(kinds))
    payers = PayerBook(municipality, account)
    payers.load([line.payer for line in accepted])
    stored = _stored_obligations(municipality, [line.external_id for line in accepted])
    run = ObligationImport.objects.create(municipality=municipality, created_by=acting_user
                                          if getattr(acting_user, "pk", None) else None,
                                          channel=channel, file_name=file_name[:255],
                                          lines=len(records))
    new: list[tuple[ObligationData, Payer, dict]] = []
    changes = _Changes()
    touched_payers: list[Payer] = []
    updated = unchanged = 0
    for line in accepted:
        existing = stored.get(line.external_id)
        payer = payers.find(line.payer)
        if payer is None and not line.payer.name:
            reasons = _Reasons()
            reasons.add("unknown_payer")
            refused.append(Refused(line.line, line.external_id, reasons))
            continue
        if existing is not None:
            conflicts = _conflicts(line, existing, payer)
            if conflicts:
                refused.append(Refused(line.line, line.external_id, conflicts))
                continue
        payer = payers.take(line.payer)
        kind = kinds[line.kind]
        dzial, rozdzial, paragraf = line.classification or (kind.dzial, kind.rozdzial,
                                                             kind.paragraf)
        values = {"title": line.title, "period": line.period, "dzial": dzial,
                  "rozdzial": rozdzial, "paragraf": paragraf, "kind_id": kind.pk}
        touched_payers.append(payer)
        if existing is None:
            new.append((line, payer, values))
        elif _update_obligation(existing, payer, values, line.instalments, changes):
            existing.import_run = run
            changes.obligations.append(existing)
            updated += 1
        else:
            unchanged += 1
    payers.save()
    _write(municipality, run, channel, new, changes)
    _set_off_credit(municipality, sorted({p.pk for p in touched_payers}))
    run.created, run.updated, run.unchanged, run.refused = len(new), updated, unchanged, \
        len(refused)
    run.refused_lines = [{"line": r.line, "external_id": r.external_id, "reasons": r.reasons}
                         for r in sorted(refused, key=lambda r: r.line)]
    run.save()
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=run,
                 after={"channel": channel, "file": file_name[:100], "created": len(new),
                        "updated": updated, "unchanged": unchanged, "refused": len(refused)})
    return run


@dataclass
class _Changes:
    obligations: list[Obligation] = field(default_factory=list)
    new_instalments: list[tuple[Obligation, InstalmentData]] = field(default_factory=list)
    instalments: list[Instalment] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)


def _write(municipality, run, channel: str, new, changes: _Changes) -> None:
    """Write the import's new and changed rows, a few statements for the lot."""
    now = timezone.now()
    ids = bulk.reserve_ids(Obligation, len(new))
    bulk.insert_rows(Obligation, OBLIGATION_INSERT, [
        (pk, municipality.pk, payer.pk, values["kind_id"], line.external_id, values["title"],
         values["period"], values["dzial"], values["rozdzial"], values["paragraf"], channel,
         run.pk, now, now) for pk, (line, payer, values) in zip(ids, new, strict=True)])
    instalments = [(municipality.pk, pk, payer.pk, item.number, item.due_date, item.amount)
                   for pk, (line, payer, _values) in zip(ids, new, strict=True)
                   for item in line.instalments]
    instalments += [(municipality.pk, obligation.pk, obligation.payer_id, item.number,
                     item.due_date, item.amount)
                    for obligation, item in changes.new_instalments]
    bulk.insert_rows(Instalment, INSTALMENT_INSERT, [(*row, 0, 0, 0) for row in instalments])
    bulk.update_rows(Obligation, [*OBLIGATION_FIELDS, "payer", "updated_at", "import_run"], [
        (o.title, o.period, o.dzial, o.rozdzial, o.paragraf, o.kind_id, o.payer_id, now, run.pk,
         o.pk) for o in changes.obligations])
    bulk.update_rows(Instalment, ["due_date", "amount", "payer", "settled_at"], [
        (i.due_date, i.amount, i.payer_id, i.settled_at, i.pk) for i in changes.instalments])
    for chunk in _chunks(changes.removed):
        Instalment.objects.for_municipality(municipality).filter(pk__in=chunk).delete()
    bulk.refresh_statistics_after_commit(
        [Payer, Obligation, Instalment],
        len(new) + len(instalments) + len(changes.obligations) + len(changes.instalments))


def _update_obligation(existing: Obligation, payer: Payer, values: dict,
                       wanted: list[InstalmentData], changes: _Changes) -> bool:
    changed = existing.payer_id != payer.pk
    existing.payer = payer
    for name, value in values.items():
        if getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    stored = {i.number: i for i in existing.instalments.all()}
    now = timezone.now()
    for item in wanted:
        instalment = stored.pop(item.number, None)
        if instalment is None:
            changes.new_instalments.append((existing, item))
            changed = True
        elif (instalment.due_date, instalment.amount, instalment.payer_id) != (
                item.due_date, item.amount, payer.pk):
            instalment.due_date, instalment.amount, instalment.payer = (item.due_date,
                                                                        item.amount, payer)
            settled = instalment.paid_principal >= item.amount and \
                instalment.unpaid_interest == 0
            instalment.settled_at = (instalment.settled_at or now) if settled else None
            changes.instalments.append(instalment)
            changed = True
    for instalment in stored.values():
        changes.removed.append(instalment.pk)
        changed = True
    return changed


def _set_off_credit(municipality, payer_ids: list[int]) -> None:
    """New liabilities of payers with an overpayment take it (art. 76 § 1 OP)."""
    with_credit = payers_owing_with_credit(municipality, payer_ids)
    if not with_credit:
        return
    ledger = Ledger(municipality, with_credit)
    ledger.load_credit()
    if ledger.set_off(timezone.localdate()):
        ledger.flush()


def create_obligation(municipality, *, payer: PayerData, kind: str, external_id: str,
                      title: str, instalments: list[tuple[date, int]], period: str = "",
                      acting_user=None) -> Obligation:
    """One obligation for an app that owns a fee (the e-services' stamp duty with the
    external id `eservices.submission:<id>`), in the caller's transaction; idempotent by
    external id. Raises `PaymentsError` naming the reasons when it cannot be created."""
    record = {"external_id": external_id, "kind": kind, "title": title, "period": period,
              "payer": {k: v for k, v in payer.__dict__.items() if v},
              "instalments": [{"due_date": day.isoformat(), "amount": amount}
                              for day, amount in instalments]}
    run = _import(municipality, [record], acting_user=acting_user, channel="service")
    if run.refused:
        reasons = run.refused_lines[0]["reasons"]
        raise PaymentsError("obligation_refused", _("The obligation was refused: %(codes)s."),
                            codes=", ".join(reason["code"] for reason in reasons))
    return selectors.obligation_by_external_id(municipality, external_id)


def resident_payer_data(user) -> PayerData | None:
    """The payer data of an identified resident (PESEL confirmed by login.gov.pl)."""
    profile = resident_profile(user)
    pesel = identity.profile_pesel(profile) if profile is not None else ""
    if not pesel:
        return None
    address = ", ".join(filter(None, [f"{profile.street} {profile.building}".strip(),
                                      f"{profile.postal_code} {profile.city}".strip()]))
    return PayerData(kind=PayerKind.PERSON, pesel=pesel,
                     name=user.get_full_name() or user.username, email=user.email or "",
                     address=address)
