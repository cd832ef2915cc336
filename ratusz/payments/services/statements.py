"""Bank statements: a file is read (`statement_files`), checked against the gmina's
collection account, and each new credit line is matched to a payer by the individual
account number it was paid to, else by a reference in its title together with the amount;
what cannot be matched waits in a queue for a clerk (who assigns it, audited). A line seen
before (the same file again, overlapping statements) changes nothing."""

from __future__ import annotations

import hashlib
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.payments import selectors
from ratusz.payments.errors import STATEMENT_REASONS, PaymentsError
from ratusz.payments.models import (
    Allocation,
    Instalment,
    LineStatus,
    Payer,
    Receipt,
    ReceiptSource,
    Statement,
    StatementLine,
)
from ratusz.payments.services import bulk
from ratusz.payments.services.booking import Ledger, ReceiptIntent, _chunks
from ratusz.payments.settlement import interest_to_date
from ratusz.payments.statement_files import StatementRefused, parse_statement

REFERENCE = re.compile(r"RTZ\s?(\d{1,12})", re.IGNORECASE)
LINE_FIELDS = ["municipality", "statement", "position", "fingerprint", "value_date",
               "entry_date", "is_credit", "mark", "amount", "transaction_code",
               "customer_reference", "bank_reference", "details", "title", "counterparty_name",
               "counterparty_account", "credited_account", "status", "matched_by", "note",
               "payer", "receipt"]


def _refusal(code: str, **params) -> PaymentsError:
    return PaymentsError(code, STATEMENT_REASONS[code], **params)


def import_statement(municipality, data: bytes, *, acting_user, channel: str,
                     file_name: str = "") -> Statement:
    """Import one MT940 file for the gmina's collection account. Refuses the whole file
    (`PaymentsError` with the reason) when it is malformed or foreign; nothing is booked
    then."""
    account = selectors.collection_account(municipality)
    if account is None:
        raise _refusal("no_collection_account")
    try:
        parsed = parse_statement(data, scheme_prefix=account.virtual_prefix)
    except StatementRefused as refused:
        params = refused.params
        if refused.code == "balances":
            params = {}
        raise _refusal(refused.code, **params) from None
    if parsed.account != account.nrb:
        raise _refusal("foreign_account", account=parsed.account)
    with transaction.atomic(durable=True):
        return _book_statement(municipality, parsed, data, acting_user=acting_user,
                               channel=channel, file_name=file_name)


def _book_statement(municipality, parsed, data: bytes, *, acting_user, channel, file_name):
    known = selectors.known_fingerprints(municipality,
                                         [line.fingerprint for line in parsed.lines])
    fresh = [line for line in parsed.lines if line.fingerprint not in known]
    statement = Statement.objects.create(
        municipality=municipality, imported_by=acting_user if getattr(acting_user, "pk", None)
        else None, channel=channel, file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(), account=parsed.account,
        reference=parsed.reference, number=parsed.number, opening_balance=parsed.opening,
        closing_balance=parsed.closing, opening_date=parsed.opening_date,
        closing_date=parsed.closing_date, lines=len(parsed.lines),
        duplicates=len(parsed.lines) - len(fresh))
    credits = [line for line in fresh if line.is_credit]
    payers = _payers_by_account(municipality, {line.credited_account for line in credits
                                               if line.credited_account})
    referenced = _referenced_instalments(municipality, credits)
    calculator = selectors.interest_calculator()
    matches: dict[int, tuple[int, frozenset[int], str]] = {}
    notes: dict[int, str] = {}
    for line in credits:
        payer_id = payers.get(line.credited_account)
        if payer_id is not None:
            named = frozenset(i.pk for i in _instalments_named(line.title, referenced)
                              if i.payer_id == payer_id)
            matches[line.position] = (payer_id, named, "account")
            continue
        instalment = _by_reference(line, referenced, calculator)
        if instalment is not None:
            matches[line.position] = (instalment.payer_id, frozenset({instalment.pk}),
                                      "reference")
        else:
            notes[line.position] = ("individual account number not known"
                                    if line.credited_account else "no individual account "
                                    "number or reference with a matching amount")
    ledger = Ledger(municipality, {payer_id for payer_id, _n, _b in matches.values()})
    receipts = {}
    for line in credits:
        if line.position in matches:
            payer_id, named, _by = matches[line.position]
            receipts[line.position] = ledger.book(ReceiptIntent(
                payer_id=payer_id, amount=line.amount, value_date=line.value_date,
                source=ReceiptSource.STATEMENT, named=named,
                reference=f"{parsed.number} poz. {line.position}: {line.title}"[:200]))
    ledger.flush()
    rows = []
    for line in fresh:
        match = matches.get(line.position)
        status = (LineStatus.DEBIT if not line.is_credit else
                  LineStatus.MATCHED if match else LineStatus.UNMATCHED)
        receipt = receipts.get(line.position)
        rows.append((
            municipality.pk, statement.pk, line.position, line.fingerprint, line.value_date,
            line.entry_date, line.is_credit, line.mark, line.amount, line.transaction_code,
            line.customer_reference, line.bank_reference, line.details, line.title,
            line.counterparty_name, line.counterparty_account, line.credited_account, status,
            match[2] if match else "", notes.get(line.position, ""),
            match[0] if match else None, receipt.id if receipt else None))
    bulk.insert_rows(StatementLine, LINE_FIELDS, rows)
    bulk.refresh_statistics_after_commit([StatementLine, Receipt, Allocation, Instalment],
                                         len(rows))
    statement.matched = len(matches)
    statement.unmatched = len(credits) - len(matches)
    statement.debits = len(fresh) - len(credits)
    statement.save(update_fields=["matched", "unmatched", "debits"])
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=statement,
                 after={"file": file_name[:100], "sha256": statement.file_sha256,
                        "lines": statement.lines, "matched": statement.matched,
                        "unmatched": statement.unmatched, "duplicates": statement.duplicates})
    return statement


def _payers_by_account(municipality, accounts: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    payers = Payer.objects.for_municipality(municipality)
    for chunk in _chunks(sorted(accounts)):
        found.update(payers.filter(account__in=chunk).values_list("account", "pk"))
    return found


def _referenced_instalments(municipality, lines) -> dict[int, Instalment]:
    ids = sorted({int(match) for line in lines for match in REFERENCE.findall(line.title)})
    found: dict[int, Instalment] = {}
    instalments = selectors.instalments_of(municipality)
    for chunk in _chunks(ids):
        found.update({i.pk: i for i in instalments.filter(pk__in=chunk)})
    return found


def _instalments_named(title: str, referenced: dict[int, Instalment]) -> list[Instalment]:
    return [referenced[int(m)] for m in REFERENCE.findall(title) if int(m) in referenced]


def _by_reference(line, referenced: dict[int, Instalment], calculator) -> Instalment | None:
    """The instalment whose reference the title gives, if the amount is what it owed on
    the day of payment (with or without the interest)."""
    for instalment in _instalments_named(line.title, referenced):
        kind = instalment.obligation.kind
        item = selectors.open_item(instalment, kind.regime, kind.code)
        owed = {item.principal, item.principal + interest_to_date(item, line.value_date,
                                                                  calculator)}
        if line.amount in owed:
            return instalment
    return None


@transaction.atomic(durable=True)
def assign_line(line: StatementLine, *, payer: Payer, acting_user,
                instalment: Instalment | None = None) -> StatementLine:
    """A clerk assigns a line that could not be matched to a payer (optionally naming one
    of the payer's instalments); it is booked as paid on its value date. Audited."""
    line = StatementLine.objects.select_for_update().get(pk=line.pk)
    if line.status != LineStatus.UNMATCHED:
        raise PaymentsError("line_not_waiting", _("This line is not waiting to be assigned."))
    if payer.municipality_id != line.municipality_id or (
            instalment is not None and instalment.payer_id != payer.pk):
        raise PaymentsError("wrong_payer", _("Choose a payer of this gmina and one of the "
                                             "payer's own items."))
    ledger = Ledger(line.municipality, [payer.pk])
    receipt = ledger.book(ReceiptIntent(
        payer_id=payer.pk, amount=line.amount, value_date=line.value_date,
        source=ReceiptSource.MANUAL,
        named=frozenset({instalment.pk}) if instalment else frozenset(),
        reference=f"{line.statement.number} poz. {line.position}: {line.title}"[:200],
        booked_by=acting_user))
    ledger.flush()
    line.status, line.payer, line.receipt_id = LineStatus.ASSIGNED, payer, receipt.id
    line.instalment, line.matched_by = instalment, "hand"
    line.assigned_by, line.assigned_at = acting_user, timezone.now()
    line.save(update_fields=["status", "payer", "receipt", "instalment", "matched_by",
                             "assigned_by", "assigned_at"])
    record_audit(municipality=line.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=line,
                 before={"status": LineStatus.UNMATCHED},
                 after={"status": LineStatus.ASSIGNED, "payer": payer.pk,
                        "instalment": instalment.pk if instalment else None,
                        "amount": line.amount, "value_date": line.value_date.isoformat()})
    return line

