"""The EZD rules, tested on the service functions."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from ratusz.cases import selectors, services
from ratusz.cases.models import (
    Assignment,
    Case,
    CaseLink,
    CaseRecordEntry,
    CaseStatus,
    IncomingEntry,
    IncomingStatus,
    RoutingRule,
)
from ratusz.cases.services import EzdError, SenderData

TODAY = timezone.localdate()


def person(last="Kowalski", first="Jan", city="Alfa"):
    return SenderData(kind="person", first_name=first, last_name=last, city=city)


def register(unit, clerk, **extra):
    fields = {"title": "Wniosek o udostępnienie informacji publicznej",
              "senders": [person()], "received_on": TODAY, "channel": "post"}
    fields.update(extra)
    entry, _created = services.register_incoming(unit, acting_user=clerk, **fields)
    return entry


def test_rpw_numbers_are_consecutive_per_unit_and_year(unit_a, clerk_a, department_b):
    first = register(unit_a, clerk_a)
    second = register(unit_a, clerk_a)
    other_unit = register(department_b.unit, None)
    last_year = register(unit_a, clerk_a, received_on=date(TODAY.year - 1, 12, 31))
    assert (first.number, second.number) == (f"RPW/1/{TODAY.year}", f"RPW/2/{TODAY.year}")
    assert other_unit.number == f"RPW/1/{TODAY.year}"
    assert last_year.number == f"RPW/1/{TODAY.year - 1}"
    assert first.senders.get().display_name == "Jan Kowalski"


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"title": "  "}, "title_required"),
     ({"senders": []}, "sender_required"),
     ({"senders": [SenderData(kind="person", last_name="")]}, "sender_name_required"),
     ({"senders": [SenderData(kind="organisation")]}, "sender_name_required"),
     ({"channel": "pigeon"}, "channel_invalid"),
     ({"received_on": TODAY + timedelta(days=1)}, "received_in_future"),
     ({"posted_on": TODAY + timedelta(days=1)}, "posted_after_received"),
     ({"letter_date": "2026-13"}, "invalid_letter_date"),
     ({"is_unopened": True}, "unopened_reason_required")],
)
def test_invalid_metadata_is_refused_and_uses_no_number(unit_a, clerk_a, changes, code):
    with pytest.raises(EzdError) as error:
        register(unit_a, clerk_a, **changes)
    assert error.value.code == code
    assert IncomingEntry.objects.count() == 0
    assert register(unit_a, clerk_a).number == f"RPW/1/{TODAY.year}"


def test_partial_letter_dates_are_accepted(unit_a, clerk_a):
    assert register(unit_a, clerk_a, letter_date="2026-05").letter_date == "2026-05"
    assert register(unit_a, clerk_a, letter_date="2025").letter_date == "2025"


def test_a_retried_registration_returns_the_first_entry(unit_a, clerk_a):
    first, created = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Pismo", senders=[person()], received_on=TODAY,
        channel="post", idempotency_key="klucz-1")
    again, created_again = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Pismo", senders=[person()], received_on=TODAY,
        channel="post", idempotency_key="klucz-1")
    assert created and not created_again
    assert again.pk == first.pk
    assert IncomingEntry.objects.count() == 1


def test_unopened_items_are_registered_from_the_envelope(unit_a, clerk_a):
    entry = register(unit_a, clerk_a, title="Oferta w przetargu", is_unopened=True,
                     unopened_reason="oferta w postępowaniu o zamówienie publiczne")
    assert entry.is_unopened and entry.unopened_reason.startswith("oferta")


def test_an_entry_is_annulled_with_a_reason_never_deleted(unit_a, clerk_a):
    entry = register(unit_a, clerk_a)
    with pytest.raises(EzdError, match="powód"):
        services.annul_incoming(entry, acting_user=clerk_a, reason=" ")
    services.annul_incoming(entry, acting_user=clerk_a, reason="Zarejestrowano omyłkowo")
    entry.refresh_from_db()
    assert entry.status == IncomingStatus.ANNULLED
    assert entry.annulment_reason == "Zarejestrowano omyłkowo"
    assert register(unit_a, clerk_a).number == f"RPW/2/{TODAY.year}"
    with pytest.raises(EzdError):
        services.annul_incoming(entry, acting_user=clerk_a, reason="znowu")


def test_reassignment_cannot_extend_the_first_deadline(unit_a, clerk_a, head_a, department_a,
                                                       department_a2, officer_a):
    entry = register(unit_a, clerk_a)
    first = services.assign_entry(entry, acting_user=clerk_a, to_department=department_a,
                                  instructions="Proszę o załatwienie",
                                  due_date=TODAY + timedelta(days=14))
    with pytest.raises(EzdError) as error:
        services.assign_entry(entry, acting_user=head_a, to_user=officer_a,
                              due_date=TODAY + timedelta(days=20))
    assert error.value.code == "deadline_extended"
    second = services.assign_entry(entry, acting_user=head_a, to_user=officer_a)
    assert second.due_date == first.due_date
    assert second.supersedes == first
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    third = services.assign_entry(entry, acting_user=head_a, to_department=department_a,
                                  due_date=TODAY + timedelta(days=7),
                                  co_departments=[department_a2])
    assert third.due_date == TODAY + timedelta(days=7)
    current = Assignment.objects.filter(entry=entry, is_current=True)
    assert {(a.to_department_id, a.is_leading) for a in current} == {
        (department_a.pk, True), (department_a2.pk, False)}


def test_routing_rules_assign_automatically(unit_a, clerk_a, department_a2):
    RoutingRule.objects.create(municipality_id=unit_a.municipality_id, unit=unit_a,
                               name="Nadleśnictwo do GK", match_sender_contains="nadleśnictwo",
                               to_department=department_a2, deadline_days=14)
    forest = SenderData(kind="organisation", organisation_name="Nadleśnictwo Świdnik")
    entry = register(unit_a, clerk_a, senders=[forest])
    assignment = Assignment.objects.get(entry=entry)
    assert assignment.to_department == department_a2 and assignment.rule is not None
    assert assignment.due_date == TODAY + timedelta(days=14)
    assert IncomingEntry.objects.get(pk=entry.pk).status == IncomingStatus.ASSIGNED
    untouched = register(unit_a, clerk_a)
    assert not Assignment.objects.filter(entry=untouched).exists()


def test_a_case_gets_its_mark_and_record(unit_a, clerk_a, officer_a, department_a, jrwa_a):
    entry = register(unit_a, clerk_a)
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Informacja o budżecie", incoming=entry)
    assert case.mark == f"OR.1431.1.{TODAY.year}"
    assert case.deadline == TODAY + timedelta(days=30)
    assert case.handler == officer_a
    assert case.parties.get().display_name == "Jan Kowalski"
    assert IncomingEntry.objects.get(pk=entry.pk).status == IncomingStatus.IN_CASE
    record = list(selectors.case_record(case))
    assert [r.action for r in record] == ["opened", "entry_attached"]
    assert record[0].actor_name == "Piotr Wiśniewski"
    assert record[0].actor_position == "Podinspektor"
    assert record[1].previous_hash == record[0].hash
    second = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                jrwa_symbol="1431", title="Druga")
    other_class = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                     jrwa_symbol="6220", title="Decyzja środowiskowa")
    assert second.mark == f"OR.1431.2.{TODAY.year}"
    assert other_class.mark == f"OR.6220.1.{TODAY.year}"


def test_cases_open_only_under_a_final_class(unit_a, officer_a, department_a, jrwa_a):
    for symbol in ("143", "9999", ""):
        with pytest.raises(EzdError) as error:
            services.open_case(unit_a, acting_user=officer_a, department=department_a,
                               jrwa_symbol=symbol, title="X")
        assert error.value.code == "jrwa_not_final"
    assert Case.objects.count() == 0


def test_a_sub_series_numbers_its_own_cases(unit_a, officer_a, department_a, jrwa_a):
    group = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                               jrwa_symbol="6220", title="Farma wiatrowa – postępowania")
    inner = [services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                jrwa_symbol="6220", title=f"Etap {n}", group=group)
             for n in (1, 2)]
    assert [c.mark for c in inner] == [f"OR.6220.1.1.{TODAY.year}", f"OR.6220.1.2.{TODAY.year}"]
    following = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                   jrwa_symbol="6220", title="Kolejna")
    assert following.mark == f"OR.6220.2.{TODAY.year}"


def test_status_changes_follow_the_life_cycle(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    services.change_status(case, acting_user=officer_a, status=CaseStatus.IN_PROGRESS)
    services.change_status(case, acting_user=officer_a, status=CaseStatus.AWAITING_PARTY,
                           note="wezwanie do uzupełnienia")
    with pytest.raises(EzdError, match="nie można przejść"):
        services.change_status(case, acting_user=officer_a, status=CaseStatus.SETTLED)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.AWAITING_PARTY


def test_closing_fixes_settlement_category_and_retention(unit_a, officer_a, department_a,
                                                        jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    closed = services.close_case(case, acting_user=officer_a, settled_on=date(2024, 6, 10))
    assert closed.status == CaseStatus.CLOSED
    assert closed.settled_on == date(2024, 6, 10)
    assert closed.archival_category == "B10"
    assert closed.retention_until == date(2035, 1, 1)
    assert closed.archive_transfer_due == date(2027, 1, 1)
    with pytest.raises(EzdError):
        services.close_case(closed, acting_user=officer_a)
    with pytest.raises(EzdError):
        services.add_note(closed, acting_user=officer_a, text="po zamknięciu")


@pytest.mark.parametrize(("category", "settled", "expected"), [
    ("B5", date(2024, 6, 10), date(2030, 1, 1)),
    ("BE10", date(2024, 12, 31), date(2035, 1, 1)),
    ("Bc", date(2024, 3, 1), date(2025, 1, 1)),
    ("A", date(2024, 3, 1), None),
])
def test_retention_follows_the_category(category, settled, expected):
    retention, transfer = services.retention_dates(category, settled)
    assert retention == expected
    assert transfer == date(2027, 1, 1)


def test_reopening_gives_a_new_mark_linked_to_the_old(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    services.close_case(case, acting_user=officer_a)
    new_case = services.reopen_case(case, acting_user=officer_a, reason="Skarga strony")
    assert new_case.mark == f"OR.1431.2.{TODAY.year}"
    assert CaseLink.objects.filter(from_case=case, to_case=new_case, kind="reopened").exists()
    assert Case.objects.get(pk=case.pk).mark == f"OR.1431.1.{TODAY.year}"


def test_transfer_gives_a_new_mark_in_the_new_department(unit_a, officer_a, department_a,
                                                        department_a2, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="6220", title="X")
    new_case = services.transfer_case(case, acting_user=officer_a, to_department=department_a2)
    assert new_case.mark == f"GK.6220.1.{TODAY.year}"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    assert CaseLink.objects.filter(from_case=case, to_case=new_case,
                                   kind="transferred").exists()
    assert selectors.case_record(case).last().action == "transferred"


def test_the_case_record_detects_tampering(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    services.add_note(case, acting_user=officer_a, text="Rozmowa telefoniczna ze stroną")
    services.change_status(case, acting_user=officer_a, status=CaseStatus.IN_PROGRESS)
    assert services.verify_case_record(case) == []
    entry = CaseRecordEntry.objects.get(case=case, position=2)
    with pytest.raises(TypeError):
        entry.save()
    # Someone with database access bypasses the triggers' owner and edits a row.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_caserecordentry DISABLE TRIGGER USER")
            cursor.execute("UPDATE cases_caserecordentry SET description = 'Nic się nie stało' "
                           "WHERE id = %s", [entry.pk])
            cursor.execute("ALTER TABLE cases_caserecordentry ENABLE TRIGGER USER")
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER cases_caserecordentry_append_only")
            cursor.execute("UPDATE cases_caserecordentry SET description = 'Nic się nie stało' "
                           "WHERE id = %s", [entry.pk])
    problems = services.verify_case_record(case)
    assert [(p.position, p.problem) for p in problems] == [(2, "content changed")]


def test_visibility_of_cases(unit_a, officer_a, officer_a2, head_a, department_a, jrwa_a,
                             make_staff, municipality_a):
    from ratusz.accounts.permissions import Role

    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    secretary = make_staff(municipality_a, Role.SECRETARY)
    assert selectors.access_case_by_id(officer_a, municipality_a, case.pk) == case
    assert selectors.access_case_by_id(head_a, municipality_a, case.pk) == case
    assert selectors.access_case_by_id(secretary, municipality_a, case.pk) == case
    assert selectors.access_case_by_id(officer_a2, municipality_a, case.pk) is None
    services.assign_case(case, acting_user=head_a, handler=officer_a2)
    assert selectors.access_case_by_id(officer_a2, municipality_a, case.pk) == case


def test_concurrent_registrations_get_distinct_consecutive_numbers(transactional_db, settings):
    """Eight threads register at once in one unit: numbers 1..40, no gap, no duplicate."""
    from ratusz.cases.tests.conftest import make_jrwa  # noqa: F401 - keeps imports local
    from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant
    from ratusz.core.tests.factories import DepartmentFactory, MunicipalityFactory

    municipality = MunicipalityFactory(slug="rownolegla", teryt="0609990")
    unit = DepartmentFactory(municipality=municipality).unit
    errors = []

    def worker():
        try:
            set_database_tenant(ALL_MUNICIPALITIES)
            for _ in range(5):
                register(unit, None)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(IncomingEntry.objects.filter(unit=unit).values_list("sequence", flat=True))
    assert sequences == list(range(1, 41))


def tamper_with_the_record(sql: str, params: list) -> None:
    """Change the append-only case record behind the application's back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE cases_caserecordentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS cases_caserecordentry_append_only")
        cursor.execute(sql, params)


def test_verify_case_records_command_reports_tampering(unit_a, officer_a, department_a, jrwa_a,
                                                       capsys):
    from django.core.management import call_command

    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    services.add_note(case, acting_user=officer_a, text="pierwsza")
    services.add_note(case, acting_user=officer_a, text="druga")
    call_command("verify_case_records")
    assert "Checked 1 case records: 0 problem(s)." in capsys.readouterr().out
    tamper_with_the_record("DELETE FROM cases_caserecordentry WHERE case_id = %s AND "
                           "position = 2", [case.pk])
    with pytest.raises(SystemExit):
        call_command("verify_case_records", municipality="alfa")
    assert "OR.1431.1" in capsys.readouterr().err


def test_routing_rules_need_a_target_and_a_condition(unit_a, clerk_a, department_a):
    with pytest.raises(EzdError, match="warunek"):
        services.create_routing_rule(unit_a, acting_user=clerk_a, name="Pusta",
                                     to_department=department_a)
    with pytest.raises(EzdError) as error:
        services.create_routing_rule(unit_a, acting_user=clerk_a, name="Bez celu",
                                     match_channel="epuap")
    assert error.value.code == "target_required"
    rule = services.create_routing_rule(unit_a, acting_user=clerk_a, name="ePUAP do OR",
                                        match_channel="epuap", to_department=department_a)
    services.set_routing_rule_active(rule, acting_user=clerk_a, is_active=False)
    entry = register(unit_a, clerk_a, channel="epuap")
    assert not Assignment.objects.filter(entry=entry).exists()


def test_parties_and_links_are_recorded(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="X")
    other = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                               jrwa_symbol="1431", title="Y")
    services.add_party(case, acting_user=officer_a, party=services.PartyData(
        kind="organisation", organisation_name="Stowarzyszenie Przyjaciół Jastkowa",
        role="uczestnik na prawach strony"))
    with pytest.raises(EzdError):
        services.add_party(case, acting_user=officer_a,
                           party=services.PartyData(kind="person", last_name=""))
    services.link_cases(case, other, acting_user=officer_a)
    actions = [entry.action for entry in selectors.case_record(case)]
    assert actions[-2:] == ["party_added", "linked"]
    assert CaseLink.objects.filter(from_case=case, to_case=other, kind="related").exists()
