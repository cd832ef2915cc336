"""Recruitment through the services: bad input refused with the precise reason, scoring
by the law, the allocation and its lists published whole, confirmation and appeals."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from ratusz.cases.models import Case, IncomingEntry
from ratusz.core.tests.factories import LocalityFactory
from ratusz.education import services
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    Allocation,
    Application,
    ApplicationKind,
    ApplicationStatus,
    CampaignKind,
    CampaignStatus,
    Enrolment,
    Institution,
    ListKind,
    PublishedList,
    Score,
)
from ratusz.education.tests.factories import (
    application_data,
    apply,
    make_recruitment,
    timetable_around_today,
    valid_pesel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruitment(municipality_a, department_a):
    return make_recruitment(municipality_a, department_a)


def refused(code, call, *args, **kwargs) -> str:
    with pytest.raises(EducationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    with translation.override("en"):
        return str(caught.value.message)


def submit(recruitment, data, guardian=None):
    return services.submit_application(recruitment["campaign"], data, guardian=guardian,
                                       acting_user=guardian)


def test_bad_input_is_refused_with_a_precise_reason(recruitment, resident):
    offers = recruitment["offers"]
    campaign = recruitment["campaign"]
    four = offers + [offers[0]] * 2
    data = application_data(four)
    assert refused("too_many_preferences", submit, recruitment, data, resident)
    data = application_data(offers, pesel="44051401358")
    assert "44051401358" in refused("pesel_invalid", submit, recruitment, data, resident)
    data = application_data(offers, pesel="00000000000")
    refused("pesel_invalid", submit, recruitment, data, resident)
    data = application_data(offers, criteria=[(999999, None)])
    assert "999999" in refused("unknown_criterion", submit, recruitment, data, resident)
    data = application_data(offers, criteria=[(recruitment["sibling"].pk, None)])
    refused("criterion_needs_institution", submit, recruitment, data, resident)
    late = application_data(offers)
    message = refused("outside_timetable", services.submit_application, campaign, late,
                      guardian=resident, acting_user=resident,
                      received_on=campaign.applications_from - datetime.timedelta(days=1))
    assert message.startswith("Applications are accepted from")
    first = application_data(offers, first="Jaś", last="Kowal")
    submit(recruitment, first, resident)
    again = application_data(offers, first="Jaś", last="Kowal", pesel=first.child.pesel)
    assert refused("duplicate_application", submit, recruitment, again, resident) == \
        "An application for this child has already been filed in this recruitment."
    assert Application.objects.filter(campaign=campaign).count() == 1


def test_a_child_without_pesel_is_identified_by_another_document(recruitment, resident):
    child = services.ChildData("Amir", "Haddad", "", "passport", "ab123456",
                               datetime.date(2022, 3, 3))
    data = application_data(recruitment["offers"])
    data.child = child
    application = submit(recruitment, data, resident)
    assert application.child.document_kind == "passport"
    data.child = services.ChildData("Amir", "Haddad")
    refused("document_required", submit, recruitment, data, resident)


def test_scores_count_what_the_commission_confirmed_at_each_institution(recruitment):
    first, second = recruitment["offers"]
    application = apply(recruitment, criteria=[
        (recruitment["large_family"].pk, None), (recruitment["working"].pk, None),
        (recruitment["sibling"].pk, second.pk)], verify=False)
    declared = {d.criterion.code: d for d in application.declared.select_related("criterion")}
    services.verify_application(application, acting_user=None, confirmed={
        declared["large_family"].pk, declared[recruitment["sibling"].code].pk})
    services.allocate_campaign(recruitment["campaign"], acting_user=None)
    scores = {s.offer_id: s for s in Score.objects.filter(application=application)}
    assert (scores[first.pk].statutory_count, scores[first.pk].council_points,
            scores[first.pk].points) == (1, 0, 100)
    assert scores[second.pk].points == 110
    reasons = {r["code"]: r for r in scores[second.pk].reasons}
    assert reasons["large_family"]["points"] == 100
    assert reasons["c1"] == {"code": "c1", "name": "Oboje rodzice pracują", "stage": 2,
                             "points": 0, "status": "rejected"}


def test_the_allocation_is_idempotent_and_residents_come_first(recruitment):
    first, second = recruitment["offers"]
    outsider = apply(recruitment, [first], resident=False,
                     criteria=[(recruitment["large_family"].pk, None)])
    residents = [apply(recruitment, [first]) for _ in range(2)]
    run, created = services.allocate_campaign(recruitment["campaign"], acting_user=None)
    again, created_again = services.allocate_campaign(recruitment["campaign"],
                                                      acting_user=None)
    assert created and not created_again and again.pk == run.pk
    assert Allocation.objects.count() == 1
    assignments = run.data["assignments"]
    assert assignments[outsider.candidate_code] is None
    assert {assignments[r.candidate_code] for r in residents} == {first.institution_id}
    assert set(run.data) == {"seed", "institutions", "candidates", "assignments"}
    candidate = next(c for c in run.data["candidates"] if c["id"] == outsider.candidate_code)
    assert candidate == {"id": outsider.candidate_code, "preferences": [first.institution_id],
                         "scores": {str(first.institution_id): 100},
                         "tie_break": candidate["tie_break"], "resident": False}


def test_allocation_waits_for_verification_and_the_lottery(municipality_a, department_a):
    recruitment = make_recruitment(municipality_a, department_a, open_it=False)
    services.open_campaign(recruitment["campaign"], acting_user=None)
    refused("no_seed", services.allocate_campaign, recruitment["campaign"], acting_user=None)
    services.draw_lottery(recruitment["campaign"], acting_user=None, witnesses="Komisja")
    apply(recruitment, verify=False)
    assert "1" in refused("unverified_applications", services.allocate_campaign,
                          recruitment["campaign"], acting_user=None)


def walk_to_admitted(recruitment, applications):
    campaign = recruitment["campaign"]
    services.allocate_campaign(campaign, acting_user=None)
    services.publish_qualified_lists(campaign, acting_user=None)
    for application in applications:
        application.refresh_from_db()
        if application.status == ApplicationStatus.QUALIFIED:
            services.confirm_will(application, acting_user=application.guardian)
    services.publish_admitted_lists(campaign, acting_user=None)
    for application in applications:
        application.refresh_from_db()


def test_lists_are_published_whole_and_the_confirmed_are_admitted(recruitment,
                                                                  django_capture_on_commit_callbacks):
    first, second = recruitment["offers"]
    applications = [apply(recruitment, [first, second]) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        walk_to_admitted(recruitment, applications)
    statuses = sorted(a.status for a in applications)
    assert statuses == ["admitted"] * 4 + ["not_admitted"]
    lists = PublishedList.objects.filter(campaign=recruitment["campaign"])
    assert lists.filter(kind=ListKind.QUALIFIED).count() == 2
    admitted = lists.get(kind=ListKind.ADMITTED, offer=first)
    names = [entry["name"] for entry in admitted.entries]
    assert names == sorted(names, key=str.casefold)
    assert admitted.lowest_points == 0
    assert Enrolment.objects.filter(source="recruitment").count() == 4
    recruitment["campaign"].refresh_from_db()
    assert recruitment["campaign"].status == CampaignStatus.ADMITTED


def test_a_failing_publication_publishes_nothing(recruitment, monkeypatch):
    apply(recruitment)
    services.allocate_campaign(recruitment["campaign"], acting_user=None)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("ratusz.education.services.results.record_audit", broken)
    with pytest.raises(RuntimeError):
        services.publish_qualified_lists(recruitment["campaign"], acting_user=None)
    assert not PublishedList.objects.exists()
    assert set(Application.objects.values_list("status", flat=True)) == {"verified"}
    recruitment["campaign"].refresh_from_db()
    assert recruitment["campaign"].status == CampaignStatus.OPEN


def test_an_unconfirmed_place_is_lost(recruitment):
    application = apply(recruitment)
    campaign = recruitment["campaign"]
    services.allocate_campaign(campaign, acting_user=None)
    services.publish_qualified_lists(campaign, acting_user=None)
    services.publish_admitted_lists(campaign, acting_user=None)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOT_ADMITTED


def test_an_appeal_becomes_a_case_of_the_ezd_with_the_directors_deadline(
        municipality_a, department_a):
    recruitment = make_recruitment(municipality_a, department_a, places=(1, 0))
    first, _second = recruitment["offers"]
    winner = apply(recruitment, [first], criteria=[(recruitment["large_family"].pk, None)])
    loser = apply(recruitment, [first])
    walk_to_admitted(recruitment, [winner, loser])
    assert (winner.status, loser.status) == ("admitted", "not_admitted")
    justification = services.request_justification(loser, acting_user=loser.guardian,
                                                   offer=first)
    assert (justification.lowest_points, justification.candidate_points) == (100, 0)
    refused("justification_pending", services.file_appeal, justification,
            acting_user=loser.guardian, text="Odwołuję się.")
    services.give_justification(justification, acting_user=None,
                                text="Zabrakło punktów za kryteria ustawowe.")
    appeal = services.file_appeal(justification, acting_user=loser.guardian,
                                  text="Proszę o ponowne rozpatrzenie.")
    case = Case.objects.get(pk=appeal.case_id)
    assert case.unit_id == first.institution.unit_id
    assert case.deadline == timezone.localdate() + datetime.timedelta(days=3)
    assert case.mark.startswith(f"{department_a.symbol}.1431.")
    assert IncomingEntry.objects.get(pk=appeal.incoming_id).document_type == "odwołanie"
    services.decide_appeal(appeal, acting_user=None, upheld=True,
                           reasoning="Dyrektor przyjmuje dziecko ponad limit.")
    loser.refresh_from_db()
    case.refresh_from_db()
    assert loser.status == ApplicationStatus.ADMITTED
    assert not case.is_open


def test_a_late_justification_request_is_refused(municipality_a, department_a):
    recruitment = make_recruitment(municipality_a, department_a, places=(0, 0))
    loser = apply(recruitment)
    walk_to_admitted(recruitment, [loser])
    late = timezone.localdate() + datetime.timedelta(days=4)
    assert refused("justification_late", services.request_justification, loser,
                   acting_user=None, offer=recruitment["offers"][0],
                   requested_on=late).startswith("The justification could be requested until")


def test_the_timetable_must_be_in_order(municipality_a):
    dates = {"continuation_from": datetime.date(2026, 2, 1),
             "continuation_until": datetime.date(2026, 2, 7),
             "applications_from": datetime.date(2026, 3, 1),
             "applications_until": datetime.date(2026, 2, 20),
             "verification_until": datetime.date(2026, 3, 20),
             "qualified_list_on": datetime.date(2026, 3, 25),
             "confirmation_until": datetime.date(2026, 4, 1),
             "admitted_list_on": datetime.date(2026, 4, 3)}
    refused("timetable_order", services.create_campaign, municipality_a, acting_user=None,
            year=2026, kind="preschool", name="R", dates=dates)


def test_a_catchment_registration_is_admitted_and_takes_a_place(municipality_a, department_a,
                                                                resident):
    recruitment = make_recruitment(municipality_a, department_a, open_it=False)
    campaign = recruitment["campaign"]
    campaign.kind = CampaignKind.SCHOOL_FIRST_GRADE
    campaign.save()
    school = recruitment["offers"][0]
    village = LocalityFactory(municipality=municipality_a, name="Obwodowo")
    Institution.objects.get(pk=school.institution_id).catchment.add(village)
    services.open_campaign(campaign, acting_user=None)
    outside = application_data([school], kind=ApplicationKind.REGISTRATION)
    refused("not_in_catchment", submit, recruitment, outside, resident)
    inside = application_data([school], kind=ApplicationKind.REGISTRATION,
                              locality_id=village.pk)
    registration = submit(recruitment, inside, resident)
    services.verify_application(registration, acting_user=None, confirmed=set())
    registration.refresh_from_db()
    assert registration.status == ApplicationStatus.ADMITTED
    assert Enrolment.objects.get(child=registration.child).source == "catchment"
    assert services.capacities(campaign, "main")[school.pk] == school.places - 1


def test_the_supplementary_round_runs_on_the_places_left(municipality_a, department_a):
    today = timezone.localdate()
    dates = {**timetable_around_today(), **dict.fromkeys((
        "supplementary_from", "supplementary_until", "supplementary_qualified_list_on",
        "supplementary_confirmation_until", "supplementary_admitted_list_on"), today)}
    recruitment = make_recruitment(municipality_a, department_a, places=(1, 1), dates=dates)
    campaign = recruitment["campaign"]
    first, second = recruitment["offers"]
    late_pesel = valid_pesel(datetime.date(2022, 3, 3), 77)
    admitted = apply(recruitment, [first], criteria=[(recruitment["large_family"].pk, None)])
    late = apply(recruitment, [first], pesel=late_pesel)
    walk_to_admitted(recruitment, [admitted])
    late.refresh_from_db()
    assert (admitted.status, late.status) == ("admitted", "not_admitted")
    refused("wrong_stage", services.publish_qualified_lists, campaign, acting_user=None)
    services.open_supplementary_round(campaign, acting_user=None)
    campaign.refresh_from_db()
    assert services.capacities(campaign, "supplementary") == {first.pk: 0, second.pk: 1}
    second_try = apply(recruitment, [first, second], pesel=late_pesel, guardian=late.guardian)
    outsider = apply(recruitment, [second], resident=False)
    assert second_try.round == outsider.round == "supplementary"
    walk_to_admitted(recruitment, [second_try, outsider])
    assert (second_try.status, outsider.status) == ("admitted", "not_admitted")
    assert Enrolment.objects.get(application=second_try).institution_id == \
        second.institution_id
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SUPPLEMENTARY
    assert PublishedList.objects.filter(campaign=campaign, round="supplementary").count() == 4
    services.close_campaign(campaign, acting_user=None)


def test_a_child_with_a_place_cannot_apply_again(municipality_a, department_a, resident):
    recruitment = make_recruitment(municipality_a, department_a, places=(1, 1))
    pesel = valid_pesel(datetime.date(2022, 3, 4), 78)
    services.record_continuation(recruitment["campaign"], acting_user=None,
                                 offer=recruitment["offers"][0],
                                 child=services.ChildData("Jan", "Stały", pesel),
                                 declared_on=recruitment["campaign"].continuation_from)
    data = application_data(recruitment["offers"], pesel=pesel)
    assert "already has a place" in refused("already_enrolled", submit, recruitment, data,
                                            resident)


def test_the_parent_hears_of_every_step(recruitment, django_capture_on_commit_callbacks,
                                        mailoutbox):
    first, _second = recruitment["offers"]
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(recruitment, [first], verify=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_documents(application, acting_user=None,
                                   note="Proszę o zaświadczenie o zatrudnieniu.")
    services.verify_application(application, acting_user=None, confirmed=set())
    campaign = recruitment["campaign"]
    services.allocate_campaign(campaign, acting_user=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_qualified_lists(campaign, acting_user=None)
    application.refresh_from_db()
    services.confirm_will(application, acting_user=application.guardian)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_admitted_lists(campaign, acting_user=None)
    mails = [(m.to, m.subject, m.body) for m in mailoutbox]
    assert [subject.split(":")[0] for _to, subject, _body in mails] == [
        "Rekrutacja – wniosek przyjęty", "Rekrutacja – komisja prosi o dokumenty",
        "Rekrutacja – opublikowano listę zakwalifikowanych",
        "Rekrutacja – opublikowano listę przyjętych"]
    assert {tuple(to) for to, _s, _b in mails} == {("rodzic@example.com",)}
    assert "Proszę o zaświadczenie o zatrudnieniu." in mails[1][2]
    assert "Potwierdź wolę przyjęcia do" in mails[2][2]
    assert "Status: przyjęte" in mails[3][2]
