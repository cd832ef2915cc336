"""Who a letter comes from and who takes part in a case, as plain data checked before it
is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ratusz.cases.errors import EzdError
from ratusz.cases.models import CaseParty, IncomingSender, PartyKind
from ratusz.cases.services.checks import check_fields
from ratusz.core.models import ADE_PATTERN

ADE_RE = re.compile(ADE_PATTERN)
ADE_INVALID = _("An address for e-Doręczenia looks like AE:PL-12345-67890-ABCDE-12.")


def check_ade_format(value: str) -> str:
    """An address for e-Doręczenia trimmed and upper-cased, "" for none, or
    EzdError("ade_invalid")."""
    ade = (value or "").strip().upper()
    if ade and not ADE_RE.fullmatch(ade):
        raise EzdError("ade_invalid", ADE_INVALID)
    return ade


@dataclass
class SenderData:
    """A sender of an incoming entry (the fields of `IncomingSender`)."""

    kind: str = PartyKind.PERSON
    organisation_name: str = ""
    first_name: str = ""
    last_name: str = ""
    city: str = ""
    postal_code: str = ""
    street: str = ""
    building: str = ""
    flat: str = ""
    country: str = "Polska"
    email: str = ""
    ade: str = ""

    def validate(self) -> None:
        """Every field within its length and free of unsafe characters, a name, and an
        ADE (if any) in its published format."""
        self.ade = check_ade_format(self.ade)
        if self.kind not in PartyKind.values:
            raise EzdError("sender_kind_invalid", _("Choose whether the sender is a person "
                                                    "or an organisation."))
        check_fields(IncomingSender, **{name: getattr(self, name)
                                        for name in SenderData.__dataclass_fields__})
        if self.kind == PartyKind.ORGANISATION and not self.organisation_name.strip():
            raise EzdError("sender_name_required", _("Give the name of the sender."))
        if self.kind == PartyKind.PERSON and not self.last_name.strip():
            raise EzdError("sender_name_required", _("Give the surname of the sender."))


@dataclass
class PartyData(SenderData):
    """A party (strona) or another participant of a case."""

    role: str = "strona"

    def validate(self) -> None:
        super().validate()
        check_fields(CaseParty, role=self.role)
