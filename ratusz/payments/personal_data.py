"""The payments app's part of a resident's RODO rights (`ratusz.core.personal_data`): the
payer records that are the resident (the same PESEL), their obligations, instalments,
receipts, refunds and online payments.

Nothing is erased: these are tax and accounting records the gmina must keep. Tax
liabilities expire five years after the end of the year of their due date (Ordynacja
podatkowa art. 70 § 1) [U: from memory], and accounting evidence is kept five years from
the start of the year after the financial year (ustawa o rachunkowości art. 74 ust. 2)
[U: from memory]; an open obligation stops the erasure."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.personal_data import ErasurePlan, Provider, Retained, Section, register
from ratusz.payments import selectors


def _iso(value) -> str:
    return value.isoformat() if value else ""


def export(municipality, user) -> list[Section]:
    payers = list(selectors.payers_of_resident(municipality, user))
    if not payers:
        return []
    views = selectors.views(selectors.resident_instalments(municipality, user))
    return [
        Section("payers", _("Payer records in the gmina's ledger"), [
            {"name": payer.name, "kind": payer.kind, "pesel": selectors.payer_pesel(payer),
             "nip": payer.nip, "regon": payer.regon, "email": payer.email,
             "address": payer.address, "individual_account": payer.account}
            for payer in payers]),
        Section("obligations", _("Taxes and fees"), [
            {"title": view.title, "kind": view.kind, "due_date": _iso(view.due_date),
             "amount_grosze": view.amount, "paid_grosze": view.paid,
             "interest_grosze": view.interest, "status": view.status,
             "external_id": view.instalment.obligation.external_id} for view in views]),
        Section("receipts", _("Payments received"), [
            {"value_date": _iso(receipt.value_date), "amount_grosze": receipt.amount,
             "source": receipt.source, "reference": receipt.reference}
            for receipt in selectors.receipts_of(municipality, payers)]),
    ]


def plan(municipality, user) -> ErasurePlan:
    payers = list(selectors.payers_of_resident(municipality, user))
    result = ErasurePlan(key="payments")
    if not payers:
        return result
    result.retained.append(Retained(
        what=_("Payer records, obligations and payments"),
        reason=_("Tax and accounting records the gmina must keep (Ordynacja podatkowa art. "
                 "70, ustawa o rachunkowości art. 74)."),
        until=str(timezone.localdate().year + 6)))
    open_items = sum(selectors.open_instalment_count(municipality, payer) for payer in payers)
    if open_items:
        result.blockers.append(_("The resident has %(n)s unpaid items in the gmina's ledger.")
                               % {"n": open_items})
    return result


def erase(municipality, user) -> dict:
    return {}


register(Provider(key="payments", export=export, plan=plan, erase=erase))
