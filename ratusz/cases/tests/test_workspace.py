"""The dashboard shows what waits for the person, and the menu counts it: items to
assign for the registry, items for the officer's department, letters for the head to
approve, letters back with their author, cases near or past their deadline."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ratusz.accounts.workspace import waiting_work
from ratusz.cases import services

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def register(unit, clerk, title="Wniosek"):
    entry, _ = services.register_incoming(
        unit, acting_user=clerk, title=title, channel="post", received_on=TODAY,
        senders=[services.SenderData(kind="person", first_name="Jan", last_name="Kowalski",
                                     city="Alfa")])
    return entry


def counts(user, municipality):
    return {work.key: work.count for work in waiting_work(user, municipality)}


def test_the_registry_sees_what_to_assign_and_the_officer_what_was_assigned(
        client, clerk_a, officer_a, department_a, unit_a, municipality_a):
    entry = register(unit_a, clerk_a, "Wniosek o wycinkę drzew")
    assert counts(clerk_a, municipality_a)["to-assign"] == 1
    assert counts(officer_a, municipality_a)["incoming"] == 0

    services.assign_entry(entry, acting_user=clerk_a, to_department=department_a)

    assert counts(clerk_a, municipality_a)["to-assign"] == 0
    assert counts(officer_a, municipality_a)["incoming"] == 1
    client.force_login(officer_a)
    page = client.get("/g/alfa/staff/").content.decode()
    assert f'href="/g/alfa/staff/ezd/incoming/{entry.pk}/"' in page
    assert "Wniosek o wycinkę drzew" in page
    assert 'class="count-badge">1<' in page.replace('<span class="visually-hidden">(</span>',
                                                     "")


def test_the_head_sees_the_letter_to_approve_and_the_author_what_came_back(
        client, officer_a, head_a, department_a, unit_a, municipality_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Informacja publiczna")
    letter = services.draft_letter(case, acting_user=officer_a, subject="Odpowiedź",
                                   body="Treść", addressee_name="Jan Kowalski",
                                   addressee_address="Polna 1", addressee_city="24-220 Alfa")
    services.request_approval(letter, acting_user=officer_a, approvers=[head_a])
    assert counts(head_a, municipality_a)["approvals"] == 1
    assert counts(officer_a, municipality_a)["letters"] == 0
    client.force_login(head_a)
    page = client.get("/g/alfa/staff/").content.decode()
    assert f"/g/alfa/staff/ezd/cases/{case.pk}/#letter-{letter.pk}" in page

    services.decide_approval(letter, acting_user=head_a, approve=True)

    assert counts(head_a, municipality_a)["approvals"] == 0
    assert counts(officer_a, municipality_a)["letters"] == 1


def test_cases_near_or_past_their_deadline_are_listed_and_urgent(
        client, officer_a, department_a, unit_a, municipality_a, jrwa_a):
    def case(title, days):
        return services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                  jrwa_symbol="1431", title=title, handler=officer_a,
                                  deadline=TODAY + datetime.timedelta(days=days))

    late, soon, later = case("Spóźniona", -2), case("Na dniach", 3), case("Za miesiąc", 30)

    work = {item.key: item for item in waiting_work(officer_a, municipality_a,
                                                     detailed=True)}["deadlines"]
    assert work.count == 2 and work.is_urgent
    assert [item.label for item in work.items] == [f"{late.mark} – Spóźniona",
                                                   f"{soon.mark} – Na dniach"]
    assert [item.is_urgent for item in work.items] == [True, False]
    assert later.mark not in " ".join(item.label for item in work.items)


def test_people_see_only_the_kinds_of_work_of_their_roles(clerk_a, officer_a, head_a,
                                                          municipality_a):
    assert "approvals" not in counts(officer_a, municipality_a)
    assert "to-assign" not in counts(officer_a, municipality_a)
    assert "deadlines" not in counts(clerk_a, municipality_a)
    assert {"approvals", "deadlines", "letters"} <= set(counts(head_a, municipality_a))
