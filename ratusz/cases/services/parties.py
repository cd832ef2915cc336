"""Who a letter comes from and who takes part in a case, as plain data checked before it
is stored."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ratusz.cases.errors import EzdError
from ratusz.cases.models import CaseParty, IncomingSender, PartyKind
from ratusz.cases.services.checks import check_fields


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

    def validate(self) -> None:
        """Every field within its length and free of unsafe characters, and a name."""
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
