"""The proofs a restore runs (issue 15, backup and restore): every case record's hash
chain and every counter of numbers, across every gmina."""

import pytest
from django.utils import timezone

from ratusz.cases import services
from ratusz.cases.models import Counter
from ratusz.cases.services import SenderData, integrity
from ratusz.cases.tests.test_services import tamper_with_the_record
from ratusz.core import backup

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(unit_a, officer_a, clerk_a, department_a, jrwa_a, department_b, officer_b,
           jrwa_b):
    """In both gminy: a registered letter, a case with notes and a sub-series."""
    for unit, officer, department in ((unit_a, officer_a, department_a),
                                      (department_b.unit, officer_b, department_b)):
        services.register_incoming(
            unit, acting_user=officer, title="Pismo", received_on=timezone.localdate(),
            senders=[SenderData(last_name="Nowak")], channel="post")
        case = services.open_case(unit, acting_user=officer, department=department,
                                  jrwa_symbol="1431", title="Sprawa")
        services.add_note(case, acting_user=officer, text="notatka")
        services.open_case(unit, acting_user=officer, department=department,
                           jrwa_symbol="1431", title="Podteczka", group=case)
    return unit_a


def test_restores_check_the_records_and_the_counters():
    assert backup._CHECKS["case records"] is integrity.case_record_problems
    assert backup._CHECKS["case counters"] is integrity.counter_problems


def test_sound_records_and_counters_have_no_problem(filled):
    assert integrity.case_record_problems() == []
    assert integrity.counter_problems() == []


def test_a_changed_record_entry_is_found_in_any_gmina(filled, department_b):
    from ratusz.cases.models import CaseRecordEntry

    entry = CaseRecordEntry.objects.filter(municipality=department_b.municipality,
                                           action="note_added").get()
    tamper_with_the_record("UPDATE cases_caserecordentry SET description = %s WHERE id = %s",
            ["inna notatka", entry.pk])
    assert integrity.case_record_problems() == [
        f"beta {entry.case.mark} entry {entry.position}: content changed"]


def test_a_counter_behind_its_numbers_is_found(filled, unit_a, department_a):
    year = timezone.localdate().year
    Counter.objects.filter(municipality=unit_a.municipality,
                           scope=f"rpw:{unit_a.pk}").update(value=0)
    Counter.objects.filter(municipality=unit_a.municipality,
                           scope=f"case:{department_a.pk}:1431:1").delete()
    assert integrity.counter_problems() == [
        f"alfa counter case:{department_a.pk}:1431:1 {year} is at 0, but number 1 is used",
        f"alfa counter rpw:{unit_a.pk} {year} is at 0, but number 1 is used"]
