"""The EZD's part of a resident's RODO rights (issue 15): what can be matched to the
person (the items registered in their name and the cases opened from them) is exported in
full; nothing of the register or the case files is erased, each case kept for its archival
category until its retention date, an open case stopping the erasure."""

import pytest
from django.utils import timezone

from ratusz.accounts.services import ErasureRefused, erase_resident, link_resident
from ratusz.cases import personal_data, services
from ratusz.cases.models import Case, CaseParty, IncomingEntry
from ratusz.cases.services import SenderData

pytestmark = pytest.mark.django_db


@pytest.fixture
def matter(resident, municipality_a, unit_a, officer_a, department_a, jrwa_a):
    """An item the resident registered themselves, and the case opened from it."""
    link_resident(municipality_a, resident)
    entry, _ = services.register_incoming(
        unit_a, acting_user=resident, title="Wniosek", received_on=timezone.localdate(),
        senders=[SenderData(first_name="Ewa", last_name="Mazur", city="Alfa")],
        channel="post")
    return services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Wniosek Ewy Mazur", incoming=entry)


def test_the_export_holds_the_items_and_cases_of_the_resident(matter, resident, officer_a,
                                                              municipality_a, unit_a):
    services.register_incoming(unit_a, acting_user=officer_a, title="Cudze pismo",
                               received_on=timezone.localdate(),
                               senders=[SenderData(last_name="Nowak")], channel="post")
    sections = {section.key: section.records
                for section in personal_data.export(municipality_a, resident)}
    assert [entry["title"] for entry in sections["incoming_entries"]] == ["Wniosek"]
    assert sections["incoming_entries"][0]["senders"][0]["name"] == "Ewa Mazur"
    (case,) = sections["cases"]
    assert case["mark"] == matter.mark and case["parties"][0]["city"] == "Alfa"
    assert case["kept_until"] == ""


def test_an_open_case_stops_the_erasure_and_nothing_is_erased(matter, resident, admin_a,
                                                               municipality_a, officer_a):
    with pytest.raises(ErasureRefused) as refused:
        erase_resident(municipality_a, resident, acting_user=admin_a)
    assert len(refused.value.blockers) == 1 and matter.mark in refused.value.blockers[0]
    services.close_case(matter, acting_user=officer_a)
    plan = personal_data.plan(municipality_a, resident)
    assert not plan.blockers and not plan.erasable
    case = Case.objects.get(pk=matter.pk)
    assert [item.until for item in plan.retained] == ["", case.retention_until.isoformat()]
    erase_resident(municipality_a, resident, acting_user=admin_a)
    assert IncomingEntry.objects.get().senders.get().last_name == "Mazur"
    assert CaseParty.objects.get(case=matter).last_name == "Mazur"
