"""A child as a parent or the commission describes it: checked (PESEL by its check digit
with python-stdnum, all zeros refused; without a PESEL another document and the date of
birth), then found again or recorded once per gmina by a keyed digest."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum.pl import pesel as pesel_number

from ratusz.accounts.identity import encrypt_pesel, pesel_digest
from ratusz.education.errors import EducationError
from ratusz.education.models import Child, DocumentKind
from ratusz.education.services.common import clean_text, today


@dataclass
class ChildData:
    first_name: str
    last_name: str
    pesel: str = ""
    document_kind: str = ""
    document_number: str = ""
    birth_date: datetime.date | None = None

    def checked(self) -> ChildData:
        """The data cleaned, or the precise reason it cannot be accepted."""
        first = clean_text(self.first_name, name=str(_("first name")), limit=100)
        last = clean_text(self.last_name, name=str(_("surname")), limit=100)
        if not first or not last:
            raise EducationError("child_name_required", _("Give the child's first name and "
                                                          "surname."))
        pesel = "".join((self.pesel or "").split())
        if pesel:
            if not pesel.isdigit() or set(pesel) == {"0"} or not pesel_number.is_valid(pesel):
                raise EducationError("pesel_invalid", _("The PESEL %(pesel)s is not valid: "
                                                        "check its digits."), pesel=pesel[:20])
            return ChildData(first, last, pesel, DocumentKind.PESEL, "",
                             pesel_number.get_birth_date(pesel))
        kind = self.document_kind
        number = clean_text(self.document_number, name=str(_("document number")), limit=40)
        if kind not in DocumentKind.values or kind == DocumentKind.PESEL or not number or \
                not isinstance(self.birth_date, datetime.date):
            raise EducationError("document_required", _(
                "Without a PESEL, give the kind and number of another document confirming "
                "the child's identity and the date of birth."))
        if not datetime.date(1990, 1, 1) <= self.birth_date <= today():
            raise EducationError("birth_date_invalid", _("The date of birth is not "
                                                         "plausible."))
        return ChildData(first, last, "", kind, number.upper(), self.birth_date)

    @property
    def identity(self) -> str:
        return self.pesel if self.pesel else f"{self.document_kind}:{self.document_number}"


def child_for(municipality, data: ChildData, *, guardian) -> Child:
    """The gmina's record of this child (made on first sight); the caller's transaction."""
    data = data.checked()
    digest = pesel_digest(data.identity)
    child = Child.objects.for_municipality(municipality).filter(identity_digest=digest).first()
    if child is None:
        child = Child.objects.create(
            municipality=municipality, first_name=data.first_name, last_name=data.last_name,
            birth_date=data.birth_date, document_kind=data.document_kind,
            identity_digest=digest, identity_ciphertext=encrypt_pesel(data.identity))
    if guardian is not None:
        child.guardians.add(guardian)
    return child
