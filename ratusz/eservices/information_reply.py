"""The reply to a request for public information, published in the BIP in one step.

E-services own this use case: the request came in as a submission, its case's reply letter
was sealed and sent in the EZD. From the letter, the case and the submission this module
composes the BIP entry as plain data (the letter's text without the applicant's personal
data, the metryczka from the case: the department, the letter's signer, the letter's date)
and hands it to the BIP (``bulletin.services.publish_document``), which knows nothing of
cases or e-services. Publishing twice gives the same entry (one per submission)."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.permissions import Permission
from ratusz.bulletin import selectors as bip_selectors
from ratusz.bulletin import services as bip
from ratusz.bulletin.models import Entry, EntryKind
from ratusz.cases import selectors as ezd_selectors
from ratusz.cases.services import format_polish_date
from ratusz.eservices.errors import EserviceError

#: The e-service of the library whose replies can be published in the BIP in one step.
INFORMATION_REQUEST_SERVICE = "wniosek-o-udostepnienie-informacji-publicznej"
#: The BIP section of the typical menu the replies go to.
INFORMATION_SECTION = "informacja-udostepniona"
#: What replaces the applicant's personal data in the published text.
REDACTED = "[dane osobowe usunięte]"


def is_information_request(submission) -> bool:
    return submission.service.slug == INFORMATION_REQUEST_SERVICE


def may_publish(user, submission) -> bool:
    """A request for public information, and the user edits the BIP of its case's unit."""
    return is_information_request(submission) and bip_selectors.in_scope(
        bip_selectors.unit_scope(user, submission.municipality, Permission.EDIT_BIP),
        submission.case.unit_id)


def section_title() -> str:
    """The title of the BIP section the replies are published in."""
    return bip.typical_section(INFORMATION_SECTION, is_office=True).title


def _source_key(submission) -> str:
    return f"eservices.submission:{submission.pk}"


def reply_letter(submission):
    """The sealed letter sent in the case of a public-information request (the latest
    one), or None: only such a letter can be published."""
    if not is_information_request(submission):
        return None
    return ezd_selectors.latest_sent_letter(submission.case)


def reply_entry(submission) -> Entry | None:
    """The BIP entry the reply was published as, if it was."""
    return bip_selectors.entry_by_source_key(submission.municipality, _source_key(submission))


def _personal_data(submission, letter) -> tuple[list[str], list[str]]:
    """The applicant's address and e-mail as given, and the words of their name."""
    data = submission.data or {}
    values = [letter.addressee_address, letter.addressee_city, submission.email,
              str(data.get("email") or ""), str(data.get("postal_address") or "")]
    names = [letter.addressee_name, submission.applicant_name,
             str(data.get("applicant_name") or "")]
    words = {word for name in names for word in re.findall(r"\w{3,}", name or "")}
    return (sorted({v.strip() for v in values if v and len(v.strip()) > 2}, key=len,
                   reverse=True), sorted(words, key=len, reverse=True))


def redact(text: str, personal: tuple[list[str], list[str]]) -> str:
    """`text` without the given values and without any inflected form of the words of the
    name (Polish declines names: "Jan Kowalski" is addressed as "Janie Kowalski")."""
    values, words = personal
    for value in values:
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    for word in words:
        stem = word[:-1] if len(word) > 4 else word
        text = re.sub(rf"\b{re.escape(stem)}\w{{0,4}}\b", REDACTED, text,
                      flags=re.IGNORECASE)
    marker = re.escape(REDACTED)
    return re.sub(rf"{marker}(?:[\s,]+{marker})+", REDACTED, text)


def _letter_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join("<p>" + "<br>".join(escape(line) for line in p.splitlines()) + "</p>"
                   for p in paragraphs)


def _entry_data(submission, letter, acting_user) -> bip.EntryData:
    case = submission.case
    signer = letter.last_approver or acting_user
    responsible = ", ".join(p for p in (signer.get_full_name() or signer.username,
                                        getattr(signer, "position", "")) if p)
    produced_on = letter.letter_date or (timezone.localdate(letter.sealed_at)
                                         if letter.sealed_at else timezone.localdate())
    requested_on = timezone.localdate(submission.submitted_at)
    personal = _personal_data(submission, letter)
    subject = redact(letter.subject, personal)
    body = (f"<p>Znak sprawy: {escape(case.mark)}. Odpowiedź z "
            f"{escape(format_polish_date(produced_on))} na wniosek z "
            f"{escape(format_polish_date(requested_on))}.</p>"
            f"<h2>{escape(subject[:1].upper() + subject[1:])}</h2>"
            f"{_letter_html(redact(letter.body, personal))}")
    return bip.EntryData(
        title=("Odpowiedź na wniosek o udostępnienie informacji publicznej z "
               f"{format_polish_date(requested_on)}"),
        body=body, produced_by=case.department.name, responsible=responsible[:200],
        produced_on=min(produced_on, timezone.localdate()), kind=EntryKind.DOCUMENT,
        number=case.mark, act_date=produced_on)


def publish_information_reply(submission, *, acting_user, attach_letter: bool = True
                              ) -> Entry:
    """Publish, in one step, the reply to a public-information request in the BIP of the
    case's unit, section "Informacja publiczna udostępniona na wniosek": the letter's text
    without the applicant's personal data, the metryczka from the case (the department, the
    letter's signer, the letter's date) and, when `attach_letter`, the sealed PDF. A second
    call returns the same entry."""
    existing = reply_entry(submission)
    if existing is not None:
        return existing
    if not is_information_request(submission):
        raise EserviceError("not_information_request", _(
            "Only a reply to a request for public information is published this way."))
    letter = reply_letter(submission)
    if letter is None:
        raise EserviceError("no_letter", _(
            "The case has no sealed letter sent to the applicant yet."))
    pdf = b""
    if attach_letter:
        with letter.sealed_version.file.open("rb") as handle:
            pdf = handle.read()
    name = f"odpowiedz-{submission.case.mark.replace('/', '-')}.pdf"
    attachments = [(name, pdf)] if pdf else []
    return bip.publish_document(
        submission.case.unit, _entry_data(submission, letter, acting_user),
        section=INFORMATION_SECTION, attachments=attachments,
        source_key=_source_key(submission), acting_user=acting_user)
