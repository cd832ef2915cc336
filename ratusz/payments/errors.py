"""Refusals of the payments app: a stable code and an English msgid with a Polish
translation (ADR 0005), translated when shown; the API gives them in English."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ratusz.core.messages import DomainError


class PaymentsError(DomainError):
    """A rule of the payments app was broken (`code` stable, `message` for people)."""


def in_english(message) -> str:
    with translation.override("en"):
        return str(message)


#: Why an import line is refused: code → message (the per-line report names them).
LINE_REASONS = {
    "not_an_object": _("The line is not an object with the obligation's fields."),
    "external_id": _("The external id is missing or longer than 120 characters."),
    "external_id_twice": _("The same external id appears more than once in this import."),
    "kind": _("Unknown kind of obligation: %(value)s."),
    "title": _("The title is missing or longer than 300 characters."),
    "period": _("The period is longer than 40 characters."),
    "payer_kind": _("The payer must be a person (PESEL) or a business (NIP)."),
    "pesel": _("The payer's PESEL is not valid: %(value)s."),
    "nip": _("The payer's NIP is not valid: %(value)s."),
    "regon": _("The payer's REGON is not valid: %(value)s."),
    "payer_name": _("The payer's name is longer than 300 characters."),
    "email": _("The payer's e-mail address is not valid."),
    "unknown_payer": _("Unknown payer: the gmina has no payer with this identifier, and the "
                       "line does not give the name to register one."),
    "classification": _("The budget classification must be a section of 3 digits, a chapter "
                        "of 5 digits and a paragraph of 4 digits."),
    "instalments": _("Give from 1 to 24 instalments."),
    "instalment_number": _("Instalment %(number)s: the number must be from 1 to 24 and "
                           "appear once."),
    "due_date": _("Instalment %(number)s: the due date must be a date between 1990 and 2100 "
                  "(YYYY-MM-DD)."),
    "amount_not_an_integer": _("Instalment %(number)s: the amount must be a whole number of "
                               "grosze."),
    "amount_negative": _("Instalment %(number)s: the amount cannot be negative."),
    "amount_zero": _("Instalment %(number)s: the amount must be more than zero."),
    "amount_too_large": _("Instalment %(number)s: the amount is too large."),
    "below_paid": _("Instalment %(number)s: the new amount is less than what has already "
                    "been paid."),
    "removed_paid": _("Instalment %(number)s has payments and cannot be removed."),
    "payer_changed": _("The obligation has payments; its payer cannot change."),
    "unsafe_text": _("A text contains a control character that cannot be accepted."),
    "unknown_field": _("Unknown field: %(value)s."),
}

#: Why a statement file is refused as a whole.
STATEMENT_REASONS = {
    "too_large": _("The file is larger than 50 MB."),
    "not_mt940": _("This is not an MT940 statement (the tags :20:, :25: and :60F: are "
                   "required)."),
    "unreadable": _("The statement could not be read: %(detail)s"),
    "bad_account": _("The account in :25: is not a valid Polish account number: %(account)s."),
    "several_accounts": _("The file holds statements of more than one account."),
    "missing_balance": _("The opening or closing balance (:60F:, :62F:) is missing."),
    "currency": _("The statement is in %(currency)s; only PLN is accepted."),
    "balances": _("The balances do not add up: opening balance plus the transactions is not "
                  "the closing balance."),
    "bad_line": _("Transaction %(position)s is not well-formed (mark, amount or date)."),
    "foreign_account": _("The statement is for account %(account)s, not for the gmina's "
                         "collection account."),
    "no_collection_account": _("Set up the gmina's collection account first."),
}


def line_reason(code: str, **params) -> str:
    """A refused line's reason in the active language."""
    message = LINE_REASONS.get(code, code)
    return str(message) % params if params else str(message)


def reason_texts(reasons: list[dict]) -> list[str]:
    return [line_reason(reason["code"], **reason.get("params", {})) for reason in reasons]
