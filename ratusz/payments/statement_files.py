"""Bank statements in MT940 as Polish banks export them, read with the `mt-940` library.

What is read (wave2_domain.md A4 [V: mBank CompanyNet spec]): `:20:` reference, `:25:`
the account (IBAN or NRB), `:28C:` statement number, `:60F:`/`:60M:` opening balance,
`:61:` + `:86:` per transaction, `:62F:`/`:62M:` closing balance. A file is refused as a
whole, with a precise reason, when it is not MT940, is for another account, is not in
PLN, or its balances do not add up (opening + credits − debits ≠ closing).

The transfer details (`:86:`) differ by bank: the sub-field separator is `~` (the "ZBP
variant"), `<` or `+` [V: two specs and two tools], sometimes `?` (the German layout).
Sub-fields 20–27 are the title, 32–33 the counterparty's name, 38 (or 30 + 31) its
account [V: janexpl/PKOcsv2mt940, theundefined/mt940-py]. Which bank writes which is not
verified [U]; the separator is therefore detected per line.

The bank profile `details_scan` (mass-payment services, the demo's) finds the credited
individual account number anywhere in `:86:`: the first well-formed NRB written there
that belongs to the gmina's virtual-account scheme.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import mt940

from ratusz.payments import nrb
from ratusz.payments.money import AmountError, grosze_from_decimal

MAX_FILE_BYTES = 50 * 1024 * 1024
OPTIONS = mt940.Options(unbounded_details=True, strip_bom=True, case_insensitive_marks=True)
SEPARATORS = "~<+?^"
TITLE_FIELDS = tuple(f"{n:02d}" for n in range(20, 28))
NAME_FIELDS = ("32", "33")
CREDIT_MARKS = {"C", "RD"}
DEBIT_MARKS = {"D", "RC"}
_TAG = re.compile(r"^:(\d{2}[A-Z]?):", re.MULTILINE)


class StatementRefused(ValueError):
    """The whole file is refused: `code` is stable, `params` fill the message."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(code)


@dataclass
class StatementLine:
    position: int
    value_date: date
    entry_date: date | None
    is_credit: bool
    amount: int  # grosze, positive
    mark: str
    transaction_code: str
    customer_reference: str
    bank_reference: str
    details: str
    title: str
    counterparty_name: str
    counterparty_account: str
    credited_account: str  # the individual account number found by the bank profile
    fingerprint: str = ""


@dataclass
class StatementFile:
    account: str
    reference: str
    number: str
    currency: str
    opening: int
    closing: int
    opening_date: date | None
    closing_date: date | None
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def credits(self) -> list[StatementLine]:
        return [line for line in self.lines if line.is_credit]


def decode(data: bytes) -> str:
    """UTF-8, else Windows-1250, else CP852 (Polish banks use all three)."""
    for encoding in ("utf-8", "cp1250"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp852")


def subfields(details: str) -> dict[str, str]:
    """The `:86:` sub-fields by their two-digit code (repeated codes joined)."""
    text = details.replace("\r", "").replace("\n", "")
    separator = next((ch for ch in text[:6] if ch in SEPARATORS), "")
    if not separator:
        return {}
    fields: dict[str, str] = {}
    for chunk in text.split(separator)[1:]:
        code, value = chunk[:2], chunk[2:]
        if code.isdigit():
            fields[code] = fields.get(code, "") + value
    return fields


def _signed_balance(balance) -> tuple[int, date | None, str]:
    if balance is None:
        raise StatementRefused("missing_balance")
    amount = abs(grosze_from_decimal(balance.amount.amount))
    sign = -1 if str(balance.status).upper() == "D" else 1
    return sign * amount, balance.date, balance.amount.currency or ""


def _account_of(identification: str) -> str:
    text = (identification or "").strip().lstrip("/")
    number = nrb.clean(text.split("/")[0])
    if not nrb.is_valid(number):
        raise StatementRefused("bad_account", account=text[:40])
    return number


def parse_statement(data: bytes, *, scheme_prefix: str) -> StatementFile:
    """Read one MT940 file (one or more statements of one account). Refuses the whole
    file with `StatementRefused` rather than guess."""
    if len(data) > MAX_FILE_BYTES:
        raise StatementRefused("too_large")
    text = decode(data)
    if "\x00" in text:
        raise StatementRefused("not_mt940")
    tags = set(_TAG.findall(text))
    if not {"20", "25"} <= tags or not tags & {"60F", "60M"}:
        raise StatementRefused("not_mt940")
    # The library reads a str that names an existing file as that file: hand it a
    # file-like object, never the text itself.
    try:
        blocks = mt940.parse_statements(io.StringIO(text), options=OPTIONS)
    except Exception as error:  # noqa: BLE001 - any parser failure is a refusal
        raise StatementRefused("unreadable", detail=str(error)[:200]) from error
    blocks = [block for block in blocks if block.data.get("account_identification")
              or len(block)]
    if not blocks:
        raise StatementRefused("not_mt940")
    accounts = {_account_of(block.data.get("account_identification", "")) for block in blocks}
    if len(accounts) != 1:
        raise StatementRefused("several_accounts")
    first, last = blocks[0].data, blocks[-1].data
    opening, opening_date, opening_currency = _signed_balance(
        first.get("final_opening_balance") or first.get("intermediate_opening_balance"))
    closing, closing_date, closing_currency = _signed_balance(
        last.get("final_closing_balance") or last.get("intermediate_closing_balance"))
    if {opening_currency, closing_currency} != {"PLN"}:
        raise StatementRefused("currency", currency=closing_currency or opening_currency)
    statement = StatementFile(
        account=accounts.pop(), reference=str(first.get("transaction_reference", ""))[:35],
        number="/".join(filter(None, [str(first.get("statement_number") or ""),
                                      str(first.get("sequence_number") or "")]))[:20],
        currency="PLN", opening=opening, closing=closing, opening_date=opening_date,
        closing_date=closing_date)
    position = 0
    for block in blocks:
        for transaction in block:
            position += 1
            statement.lines.append(_line(transaction.data, position, scheme_prefix,
                                         statement.account))
    total = sum(line.amount if line.is_credit else -line.amount for line in statement.lines)
    if opening + total != closing:
        raise StatementRefused("balances", opening=opening, total=total, closing=closing)
    _fingerprint(statement)
    return statement


def _line(data: dict, position: int, scheme_prefix: str, own_account: str) -> StatementLine:
    mark = str(data.get("status") or "").upper()
    if mark not in CREDIT_MARKS | DEBIT_MARKS:
        raise StatementRefused("bad_line", position=position)
    amount = data.get("amount")
    if amount is None or amount.currency not in (None, "PLN"):
        raise StatementRefused("bad_line", position=position)
    try:
        grosze = abs(grosze_from_decimal(amount.amount))
    except AmountError:
        raise StatementRefused("bad_line", position=position) from None
    if grosze == 0 or data.get("date") is None:
        raise StatementRefused("bad_line", position=position)
    details = str(data.get("transaction_details") or "")
    parts = subfields(details)
    title = "".join(parts.get(code, "") for code in TITLE_FIELDS).strip() if parts \
        else details.replace("\n", " ").strip()
    counterparty = nrb.clean(parts.get("38", "")) or nrb.clean(
        parts.get("30", "") + parts.get("31", "")) if parts else ""
    counterparty = counterparty if len(counterparty) == nrb.NRB_LENGTH \
        and counterparty.isdigit() and nrb.numbers_in(counterparty) else ""
    # MOD 97-10 checked by numbers_in; the scheme's prefix (checked when it was set up)
    # names the bank, so stdnum's look-up of the bank is not repeated for every line.
    credited = next((number for number in nrb.numbers_in(details.replace("\n", ""))
                     if scheme_prefix and number[2:].startswith(scheme_prefix)
                     and number != own_account), "")
    return StatementLine(
        position=position, value_date=data["date"], entry_date=data.get("entry_date"),
        is_credit=mark in CREDIT_MARKS, amount=grosze, mark=mark,
        transaction_code=str(data.get("id") or "")[:4],
        customer_reference=str(data.get("customer_reference") or "")[:35],
        bank_reference=str(data.get("bank_reference") or "")[:35],
        details=details[:2000], title=title[:500],
        counterparty_name="".join(parts.get(code, "") for code in NAME_FIELDS).strip()[:200],
        counterparty_account=counterparty,
        credited_account=credited)


def _fingerprint(statement: StatementFile) -> None:
    """The same transaction in a file imported again, or in an overlapping statement,
    gets the same fingerprint; two identical transfers in one file differ by their
    occurrence."""
    seen: Counter = Counter()
    for line in statement.lines:
        key = "|".join([statement.account, line.value_date.isoformat(),
                        line.entry_date.isoformat() if line.entry_date else "", line.mark,
                        str(line.amount), line.transaction_code, line.customer_reference,
                        line.bank_reference, line.details])
        seen[key] += 1
        line.fingerprint = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()
