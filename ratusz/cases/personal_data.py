"""The EZD's part of a resident's RODO rights (`ratusz.core.personal_data`).

The registers and case files keep senders and parties by name and address as given, not
as accounts; what can be matched to a person is what they did themselves: the items they
registered (a request filed in the e-office enters the incoming register in their name)
and the cases opened from them, with the entries of the case record they made. Those are
exported in full: the entry, the case, its parties, its letters, their record entries.

Nothing is erased: the incoming register and the case files are kept under the instrukcja
kancelaryjna (RODO art. 17(3)(b) and (d)), each case file for its archival category until
its retention date; a case still open stops the erasure."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from ratusz.cases.models import Case, CaseRecordEntry, Channel, IncomingEntry, OutgoingLetter
from ratusz.cases.services import retention_end, retention_reason
from ratusz.core.personal_data import ErasurePlan, Provider, Retained, Section, register

ADDRESS_FIELDS = ("postal_code", "city", "street", "building", "flat", "country", "email")


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _person(correspondent) -> dict:
    return {"name": correspondent.display_name,
            **{field: getattr(correspondent, field) for field in ADDRESS_FIELDS}}


def _entries(municipality, user):
    return (IncomingEntry.objects.for_municipality(municipality).filter(registered_by=user)
            .prefetch_related("senders").order_by("registered_at"))


def _cases(municipality, user):
    return (Case.objects.for_municipality(municipality)
            .filter(Q(opened_by=user) | Q(incoming__registered_by=user))
            .select_related("jrwa_class", "incoming").prefetch_related("parties")
            .distinct().order_by("opened_at"))


def export(municipality, user) -> list[Section]:
    cases = list(_cases(municipality, user))
    letters = (OutgoingLetter.objects.for_municipality(municipality).filter(case__in=cases)
               .order_by("created_at"))
    record = (CaseRecordEntry.objects.for_municipality(municipality)
              .filter(case__in=cases, actor=user).order_by("case_id", "position"))
    letters_of: dict[int, list] = {}
    for letter in letters:
        letters_of.setdefault(letter.case_id, []).append({
            "subject": letter.subject, "letter_date": _iso(letter.letter_date),
            "addressee": letter.addressee_name, "address": letter.addressee_address,
            "town": letter.addressee_city, "status": letter.status})
    record_of: dict[int, list] = {}
    for entry in record:
        record_of.setdefault(entry.case_id, []).append({
            "when": _iso(entry.occurred_at), "action": entry.action,
            "description": entry.description})
    return [
        Section("incoming_entries", _("Items registered in the incoming register"), [
            {"number": entry.number, "title": entry.title, "channel": entry.channel,
             "received_on": _iso(entry.received_on), "registered_at": _iso(entry.registered_at),
             "senders": [_person(sender) for sender in entry.senders.all()]}
            for entry in _entries(municipality, user)]),
        Section("cases", _("Cases opened from your items"), [
            {"mark": case.mark, "title": case.title, "status": case.status,
             "opened_at": _iso(case.opened_at), "settled_on": _iso(case.settled_on),
             "archival_category": case.archival_category or case.jrwa_class.category,
             "kept_until": retention_end(case),
             "parties": [{**_person(party), "role": party.role}
                         for party in case.parties.all()],
             "letters": letters_of.get(case.pk, []),
             "your_record_entries": record_of.get(case.pk, [])}
            for case in cases]),
    ]


def plan(municipality, user) -> ErasurePlan:
    result = ErasurePlan("cases")
    if _entries(municipality, user).exists():
        result.retained.append(Retained(
            _("the entries of the incoming register (RPW) in the resident's name"),
            _("the incoming register is kept whole under the instrukcja kancelaryjna; its "
              "entries are never removed one by one")))
    for case in _cases(municipality, user):
        if case.incoming_id and case.incoming.channel == Channel.ESERVICE:
            continue  # a request from the e-office: its matter says so (the e-services)
        if case.is_open:
            result.blockers.append(_("The case %(mark)s is still open.") % {"mark": case.mark})
            continue
        result.retained.append(Retained(
            _("the case %(mark)s: its record, parties, documents and letters")
            % {"mark": case.mark}, retention_reason(case), retention_end(case)))
    return result


def erase(municipality, user) -> dict:
    """Nothing of the registers or the case files is erased (see `plan`)."""
    return {}


register(Provider("cases", export=export, plan=plan, erase=erase))
